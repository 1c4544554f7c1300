// Reading a channels file (see channels_file.h).
#include "local/channels_file.h"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

#include "runtime/notify/channel_config.h"

namespace wf::local {

namespace {

using store::ChannelKind;

// The service's sentence names `config.KEY`; in a file the configuration is the object itself.
std::string file_problem(std::string problem) {
  for (size_t at; (at = problem.find("`config.")) != std::string::npos;) problem.erase(at + 1, 7);
  return problem;
}

bool named_by_kind(ChannelKind kind) { return kind == ChannelKind::Webhook || kind == ChannelKind::Pagerduty; }

}  // namespace

const nlohmann::json* ChannelsFile::find(ChannelKind kind, const std::string& name) const {
  auto it = channels.find({kind, name});
  return it == channels.end() ? nullptr : &it->second;
}

std::optional<ChannelsFile> load_channels_file(const std::string& path, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = fmt::format("{}: cannot read the channels file: {}", path, std::strerror(errno));
    return std::nullopt;
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) {
    error = fmt::format("{}: cannot read the channels file", path);
    return std::nullopt;
  }
  return parse_channels_file(text, path, error);
}

std::optional<ChannelsFile> parse_channels_file(std::string_view text, const std::string& where, std::string& error) {
  const std::string kinds = store::name_list<ChannelKind>();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    error = fmt::format("{}: not a JSON channels file: {}", where, e.what());
    return std::nullopt;
  }
  if (!j.is_object()) {
    error = fmt::format("{}: a channels file is a JSON object whose keys are channel kinds ({}) and `organization`", where, kinds);
    return std::nullopt;
  }
  ChannelsFile out;
  for (const auto& [key, value] : j.items()) {
    if (key == "organization") {
      if (!value.is_string() || value.get<std::string>().empty()) {
        error = fmt::format("{}: `organization` must be a non-empty string", where);
        return std::nullopt;
      }
      out.organization = value.get<std::string>();
      continue;
    }
    const std::optional<ChannelKind> kind = store::parse<ChannelKind>(key);
    if (!kind) {
      error = fmt::format("{}: unknown channel kind `{}`: the kinds are {} (email goes through `smtp`)", where, key, kinds);
      return std::nullopt;
    }
    if (!value.is_object()) {
      error = fmt::format("{}: `{}` must be an object", where, key);
      return std::nullopt;
    }
    auto add = [&](const std::string& name, const nlohmann::json& config, const std::string& label) {
      if (!config.is_object()) {
        error = fmt::format("{}: {} must be an object (its configuration)", where, label);
        return false;
      }
      if (std::string problem = notify::config_problem(*kind, config); !problem.empty()) {
        error = fmt::format("{}: {}: {}", where, label, file_problem(problem));
        return false;
      }
      out.channels[{*kind, name}] = config;
      return true;
    };
    if (named_by_kind(*kind)) {
      for (const auto& [name, config] : value.items()) {
        if (name.empty() || name.find_first_of("/:") != std::string::npos) {
          error = fmt::format("{}: `{}` has a channel named `{}`: a name is 1 or more characters without `/` or `:`", where, key, name);
          return std::nullopt;
        }
        if (!add(name, config, fmt::format("{} `{}`", key, name))) return std::nullopt;
      }
    } else if (!add("default", value, fmt::format("`{}`", key))) {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace wf::local
