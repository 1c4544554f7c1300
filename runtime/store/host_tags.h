// A host's tags (SPEC §1.6 `host.tags`): what a tag may be, and how the tags an operator set and
// those the host's agent reports make the host's one list. Header-only, so the service, the agent
// command and the client commands check tags by the same rule.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace wf::store {

// At most this many tags in one list, each at most kLongestTag bytes.
inline constexpr size_t kMostTags = 64;
inline constexpr size_t kLongestTag = 63;

// The rule in words, for error messages and the docs.
inline constexpr std::string_view kTagRule =
    "1 to 63 letters, digits, '-', '_', '.', ':', '=' or '/', starting with a letter or digit";

// A tag: 1 to 63 of [A-Za-z0-9_.:=/-], the first a letter or digit.
inline bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > kLongestTag || !std::isalnum(static_cast<unsigned char>(tag.front()))) return false;
  return std::all_of(tag.begin(), tag.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || std::string_view("-_.:=/").find(ch) != std::string_view::npos;
  });
}

// `tags` without repeats, first occurrence kept.
inline std::vector<std::string> without_repeats(const std::vector<std::string>& tags) {
  std::vector<std::string> out;
  for (const std::string& t : tags)
    if (std::find(out.begin(), out.end(), t) == out.end()) out.push_back(t);
  return out;
}

// The host's tags: the operator's, then the agent's that the operator's do not have. The
// operator's are kept until an operator changes them; the agent's are replaced by each report.
inline std::vector<std::string> merged_tags(const std::vector<std::string>& operator_tags,
                                            const std::vector<std::string>& agent_tags) {
  std::vector<std::string> all = operator_tags;
  all.insert(all.end(), agent_tags.begin(), agent_tags.end());
  return without_repeats(all);
}

}  // namespace wf::store
