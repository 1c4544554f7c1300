// The channel configurations accepted (see channel_config.h).
#include "runtime/notify/channel_config.h"

#include <fmt/format.h>

namespace wf::notify {

namespace {

bool is_http_url(const std::string& url) { return url.starts_with("http://") || url.starts_with("https://"); }

}  // namespace

std::string config_problem(store::ChannelKind kind, const nlohmann::json& config) {
  auto text = [&](const char* key) { return config.contains(key) && config[key].is_string() ? config[key].get<std::string>() : ""; };
  for (const auto& [key, value] : config.items())
    if (key != "headers" && key != "port" && !value.is_string()) return fmt::format("`config.{}` must be a string", key);
  if (config.contains("headers")) {
    if (!config["headers"].is_object()) return "`config.headers` must be an object of strings";
    for (const auto& [key, value] : config["headers"].items())
      if (!value.is_string() || key.find_first_of(":\r\n") != std::string::npos || value.get<std::string>().find_first_of("\r\n") != std::string::npos)
        return "`config.headers` must be an object of strings (names without `:`, no line breaks)";
  }
  if (config.contains("port") && (!config["port"].is_number_integer() || config["port"].get<int64_t>() < 1 || config["port"].get<int64_t>() > 65535))
    return "`config.port` must be a port number";
  if (!text("console_url").empty() && !is_http_url(text("console_url"))) return "`config.console_url` must be an http(s) URL";
  switch (kind) {
    case store::ChannelKind::Webhook:
    case store::ChannelKind::Slack:
      if (!is_http_url(text("url"))) return "`config.url` must be an http(s) URL";
      break;
    case store::ChannelKind::Pagerduty:
      if (text("routing_key").empty()) return "`config.routing_key` is required";
      if (!text("events_url").empty() && !is_http_url(text("events_url"))) return "`config.events_url` must be an http(s) URL";
      break;
    case store::ChannelKind::Smtp: {
      if (text("host").empty()) return "`config.host` is required";
      if (text("from").empty()) return "`config.from` is required";
      const std::string tls = text("tls");
      if (!tls.empty() && tls != "starttls" && tls != "tls" && tls != "none") return "`config.tls` must be starttls, tls or none";
      break;
    }
  }
  return "";
}

}  // namespace wf::notify
