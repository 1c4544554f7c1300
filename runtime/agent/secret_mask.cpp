// Finding a job's secrets and their encodings in its output (see secret_mask.h).
#include "runtime/agent/secret_mask.h"

#include <algorithm>
#include <cstdint>

namespace wf::agent {

namespace {

constexpr std::string_view kBase64Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Standard base64 without padding: ceil(8n/6) characters, the last one's low bits zero.
std::string base64_unpadded(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 5) / 6);
  uint32_t bits = 0;
  int count = 0;
  for (const char c : bytes) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += kBase64Alphabet[(bits >> count) & 0x3F];
    }
  }
  if (count > 0) out += kBase64Alphabet[(bits << (6 - count)) & 0x3F];
  return out;
}

// The characters of the base64 of `secret` that depend on its bytes alone when it starts
// `offset` (0, 1 or 2) bytes into a 3-byte group of a longer encoded text: the characters that
// also take bits of the bytes before or after it are left out.
std::string base64_interior(std::string_view secret, size_t offset) {
  std::string bytes(offset, '\0');
  bytes.append(secret);
  const std::string encoded = base64_unpadded(bytes);
  const size_t first = (offset * 8 + 5) / 6;  // the first character with no bit of the bytes before
  const size_t end = bytes.size() * 8 / 6;    // characters whose bits are all the secret's
  return end > first ? encoded.substr(first, end - first) : std::string();
}

std::string url_safe(std::string base64) {
  std::replace(base64.begin(), base64.end(), '+', '-');
  std::replace(base64.begin(), base64.end(), '/', '_');
  return base64;
}

bool unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
         c == '~';
}

// RFC 3986 percent-encoding of every byte but the unreserved ones; `form` writes a space as `+`
// (application/x-www-form-urlencoded).
std::string percent_encoded(std::string_view secret, bool upper, bool form) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (const char c : secret) {
    const auto byte = static_cast<unsigned char>(c);
    if (unreserved(byte)) {
      out += c;
    } else if (form && c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += digits[byte >> 4];
      out += digits[byte & 0x0F];
    }
  }
  return out;
}

// How bash's `set -x` quotes a word holding a single quote: 'it'\''s'.
std::string shell_trace_form(std::string_view secret) {
  std::string out;
  for (const char c : secret) {
    if (c == '\'') out += "'\\''";
    else out += c;
  }
  return out;
}

// Sorted ranges with overlapping and adjacent ones made one.
std::vector<std::pair<size_t, size_t>> merged(const std::vector<std::pair<size_t, size_t>>& sorted) {
  std::vector<std::pair<size_t, size_t>> out;
  for (const auto& r : sorted) {
    if (!out.empty() && r.first <= out.back().second) out.back().second = std::max(out.back().second, r.second);
    else out.push_back(r);
  }
  return out;
}

}  // namespace

std::vector<std::string> secret_patterns(std::string_view secret) {
  std::vector<std::string> found;
  if (secret.size() < kShortestMaskedSecret) return found;
  found.emplace_back(secret);
  found.push_back(shell_trace_form(secret));
  std::string padded = base64_unpadded(secret);
  padded.append((3 - secret.size() % 3) % 3, '=');
  std::vector<std::string> base64 = {padded, base64_unpadded(secret)};
  for (size_t offset = 0; offset < 3; ++offset) base64.push_back(base64_interior(secret, offset));
  for (const std::string& b : base64) {
    found.push_back(b);
    found.push_back(url_safe(b));
  }
  for (const bool upper : {true, false})
    for (const bool form : {false, true}) found.push_back(percent_encoded(secret, upper, form));

  std::vector<std::string> patterns;
  for (std::string& p : found)
    if (p.size() >= kShortestMaskedSecret && std::find(patterns.begin(), patterns.end(), p) == patterns.end())
      patterns.push_back(std::move(p));
  return patterns;
}

SecretMask::SecretMask(const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets)
    for (std::string& p : secret_patterns(secret))
      if (std::find(patterns_.begin(), patterns_.end(), p) == patterns_.end()) {
        longest_ = std::max(longest_, p.size());
        patterns_.push_back(std::move(p));
      }
}

std::vector<std::pair<size_t, size_t>> SecretMask::covered(std::string_view text) const {
  std::vector<std::pair<size_t, size_t>> ranges;
  for (const std::string& p : patterns_)
    for (size_t at = text.find(p); at != std::string_view::npos; at = text.find(p, at + 1))
      ranges.emplace_back(at, at + p.size());
  std::sort(ranges.begin(), ranges.end());
  return merged(ranges);
}

std::string SecretMask::apply(std::string_view text) const {
  MaskedStream stream(*this);
  std::string out = stream.add(text);
  out += stream.finish();
  return out;
}

void mask_report(jobs::JobReport& report, const SecretMask& mask) {
  if (mask.empty()) return;
  report.stdout_text = mask.apply(report.stdout_text);
  report.stderr_text = mask.apply(report.stderr_text);
  report.error = mask.apply(report.error);
}

std::string MaskedStream::add(std::string_view data) {
  if (mask_.empty()) return std::string(data);
  std::string text = std::move(held_);
  text.append(data);
  return pass(std::move(text), mask_.longest() - 1);
}

std::string MaskedStream::finish() {
  if (mask_.empty()) return std::exchange(held_, std::string());
  return pass(std::exchange(held_, std::string()), 0);
}

// Passes on all of `text` but its last `keep` bytes, which could be the start of an occurrence
// whose end has not been read yet. Every occurrence starting before the cut ends within `text`
// (none is longer than keep + 1), so the bytes before the cut are settled; those after it that
// such an occurrence covers are remembered as masked already.
std::string MaskedStream::pass(std::string text, size_t keep) {
  std::vector<std::pair<size_t, size_t>> ranges = mask_.covered(text);
  if (held_masked_ > 0) {
    // The end of an occurrence that started in output already passed on.
    ranges.insert(ranges.begin(), {0, held_masked_});
    ranges = merged(ranges);
  }
  const size_t cut = text.size() > keep ? text.size() - keep : 0;
  if (cut == 0) {
    held_ = std::move(text);
    return {};
  }
  std::string out;
  size_t at = 0;
  held_masked_ = 0;
  bool ends_masked = false;
  for (const auto& [begin, end] : ranges) {
    if (begin >= cut) break;
    out.append(text, at, begin - at);
    if (begin > 0 || !after_mask_) out += kSecretMask;
    at = std::min(end, cut);
    held_masked_ = end > cut ? end - cut : 0;
    ends_masked = end >= cut;
  }
  if (at < cut) {
    out.append(text, at, cut - at);
    ends_masked = false;
  }
  after_mask_ = ends_masked;
  held_ = text.substr(cut);
  return out;
}

}  // namespace wf::agent
