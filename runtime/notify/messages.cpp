// The requests of each channel (see messages.h).
#include "runtime/notify/messages.h"

#include <sodium.h>
#include <fmt/format.h>

#include <ctime>
#include <vector>

#include "vm/render.h"

namespace wf::notify {

namespace {

std::string base64(const unsigned char* data, size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::string at_text(int64_t ms) { return vm::format_instant(ms); }

// The link to an instance in the console, or "".
std::string instance_link(const std::string& console_url, const store::NotificationRow& n) {
  if (console_url.empty() || !n.instance_id) return "";
  std::string base = console_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return fmt::format("{}/instances/{}", base, *n.instance_id);
}

std::string first_line(const std::string& message) {
  const size_t end = message.find('\n');
  std::string line = message.substr(0, end);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool ascii(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0x80 || c < 0x20) return false;
  return true;
}

// A header value: as it is when plain ASCII, else an RFC 2047 encoded word.
std::string header_text(const std::string& s) {
  if (ascii(s)) return s;
  return fmt::format("=?UTF-8?B?{}?=", base64(reinterpret_cast<const unsigned char*>(s.data()), s.size()));
}

std::string rfc5322_date(int64_t ms) {
  const time_t t = static_cast<time_t>(ms / 1000);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buffer[64];
  strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return buffer;
}

// Lines end with CRLF in a message.
std::string crlf(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' && (i == 0 || text[i - 1] != '\r')) out += '\r';
    out += text[i];
  }
  return out;
}

std::string config_string(const nlohmann::json& config, const char* key, std::string fallback = "") {
  auto it = config.find(key);
  return it != config.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::string json_text(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

}  // namespace

std::optional<ChannelName> parse_channel(std::string_view channel) {
  const size_t colon = channel.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string kind(channel.substr(0, colon)), rest(channel.substr(colon + 1));
  if (rest.empty()) return std::nullopt;
  if (kind == vm::kChannelWebhook) return ChannelName{store::ChannelKind::Webhook, rest, rest};
  if (kind == vm::kChannelPagerDuty) return ChannelName{store::ChannelKind::Pagerduty, rest, rest};
  if (kind == vm::kChannelSlack) return ChannelName{store::ChannelKind::Slack, "default", rest};
  if (kind == vm::kChannelEmail) return ChannelName{store::ChannelKind::Smtp, "default", rest};
  return std::nullopt;
}

std::string stable_id(int64_t id) { return fmt::format("ntf_{}", id); }

WebhookMac webhook_mac(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view body) {
  static_assert(sizeof(WebhookMac) == crypto_auth_hmacsha256_BYTES);
  std::vector<unsigned char> key;
  if (secret.starts_with("whsec_")) {
    const std::string_view encoded = secret.substr(6);
    key.resize(encoded.size());
    size_t size = 0;
    if (sodium_base642bin(key.data(), key.size(), encoded.data(), encoded.size(), nullptr, &size, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) == 0)
      key.resize(size);
    else key.assign(secret.begin(), secret.end());
  } else {
    key.assign(secret.begin(), secret.end());
  }
  const std::string signed_text = fmt::format("{}.{}.{}", id, timestamp, body);
  crypto_auth_hmacsha256_state state;
  WebhookMac mac{};
  crypto_auth_hmacsha256_init(&state, key.data(), key.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  return mac;
}

std::string webhook_signature(std::string_view secret, std::string_view id, std::string_view timestamp, std::string_view body) {
  const WebhookMac mac = webhook_mac(secret, id, timestamp, body);
  return "v1," + base64(mac.data(), mac.size());
}

std::string webhook_signature(std::string_view secret, std::string_view id, int64_t timestamp_s, std::string_view body) {
  return webhook_signature(secret, id, std::to_string(timestamp_s), body);
}

std::string email_message(const store::NotificationRow& n, const std::string& from, const std::string& to,
                          const std::string& console_url, int64_t now_ms) {
  std::string subject = first_line(n.message);
  if (subject.empty()) subject = fmt::format("Notification from {}", n.workflow.empty() ? "wf" : n.workflow);
  std::string body = n.message;
  if (body.empty() || body.back() != '\n') body += '\n';
  body += "\n--\n";
  if (!n.workflow.empty()) body += fmt::format("Workflow: {}\n", n.workflow);
  if (n.instance_id) body += fmt::format("Instance: {}\n", *n.instance_id);
  if (!n.step.empty()) body += fmt::format("Step: {}\n", n.step);
  if (std::string link = instance_link(console_url, n); !link.empty()) body += link + "\n";
  std::string message;
  message += fmt::format("Date: {}\r\n", rfc5322_date(now_ms));
  message += fmt::format("Message-ID: <{}@wf>\r\n", stable_id(n.id));
  message += fmt::format("From: {}\r\n", from);
  message += fmt::format("To: {}\r\n", to);
  message += fmt::format("Subject: {}\r\n", header_text(subject));
  message += "MIME-Version: 1.0\r\n";
  message += "Content-Type: text/plain; charset=UTF-8\r\n";
  message += "Content-Transfer-Encoding: 8bit\r\n";
  message += fmt::format("X-Wf-Notification-Id: {}\r\n", stable_id(n.id));
  message += "\r\n";
  message += crlf(body);
  return message;
}

std::optional<Outgoing> build_request(const store::NotificationRow& n, const ChannelName& channel, const nlohmann::json& config,
                                      const Context& context, std::string& error) {
  Outgoing out;
  out.timeout_ms = context.timeout_ms;
  const std::string id = stable_id(n.id);
  const std::string console_url = config_string(config, "console_url");
  switch (channel.kind) {
    case store::ChannelKind::Webhook: {
      out.url = config_string(config, "url");
      nlohmann::json body = {{"id", id},
                             {"organization", context.organization},
                             {"instance_id", n.instance_id ? nlohmann::json(*n.instance_id) : nlohmann::json()},
                             {"workflow", n.workflow},
                             {"step", n.step},
                             {"message", n.message},
                             {"at", at_text(n.created_at)}};
      out.body = json_text(body);
      out.headers.push_back("Content-Type: application/json");
      if (auto h = config.find("headers"); h != config.end() && h->is_object())
        for (const auto& [name, value] : h->items())
          if (value.is_string()) out.headers.push_back(fmt::format("{}: {}", name, value.get<std::string>()));
      const int64_t timestamp = context.now_ms / 1000;
      out.headers.push_back("webhook-id: " + id);
      out.headers.push_back(fmt::format("webhook-timestamp: {}", timestamp));
      if (std::string secret = config_string(config, "secret"); !secret.empty())
        out.headers.push_back("webhook-signature: " + webhook_signature(secret, id, timestamp, out.body));
      break;
    }
    case store::ChannelKind::Slack: {
      out.url = config_string(config, "url");
      std::string text = n.workflow.empty() ? std::string() : fmt::format("*{}*", n.workflow);
      if (n.instance_id) {
        const std::string link = instance_link(console_url, n);
        text += link.empty() ? fmt::format(" (instance {})", *n.instance_id) : fmt::format(" (<{}|instance {}>)", link, *n.instance_id);
      }
      if (!text.empty()) text += ": ";
      text += n.message;
      out.body = json_text({{"channel", channel.target}, {"text", text}, {"mrkdwn", true}});
      out.headers.push_back("Content-Type: application/json");
      break;
    }
    case store::ChannelKind::Pagerduty: {
      out.url = config_string(config, "events_url", "https://events.pagerduty.com/v2/enqueue");
      const std::string key = config_string(config, "routing_key");
      if (key.empty()) return error = fmt::format("the PagerDuty channel `{}` has no routing_key", channel.config_name), std::nullopt;
      std::string summary = n.message.substr(0, 1024);
      if (summary.empty()) summary = fmt::format("{}: notification", n.workflow);
      nlohmann::json details = {{"instance_id", n.instance_id ? nlohmann::json(*n.instance_id) : nlohmann::json()},
                                {"workflow", n.workflow},
                                {"step", n.step},
                                {"notification_id", id}};
      nlohmann::json event = {{"routing_key", key},
                              {"event_action", "trigger"},
                              {"dedup_key", id},
                              {"payload",
                               {{"summary", summary},
                                {"source", config_string(config, "source", context.organization.empty() ? "wf" : "wf/" + context.organization)},
                                {"severity", config_string(config, "severity", "error")},
                                {"timestamp", at_text(n.created_at)},
                                {"custom_details", details}}}};
      if (std::string link = instance_link(console_url, n); !link.empty())
        event["links"] = nlohmann::json::array({{{"href", link}, {"text", fmt::format("instance {}", *n.instance_id)}}});
      out.body = json_text(event);
      out.headers.push_back("Content-Type: application/json");
      break;
    }
    case store::ChannelKind::Smtp: {
      const std::string host = config_string(config, "host");
      const std::string tls = config_string(config, "tls", "starttls");
      if (host.empty()) return error = "the SMTP relay has no host", std::nullopt;
      int64_t port = config.value("port", int64_t{tls == "tls" ? 465 : 587});
      out.url = fmt::format("{}://{}:{}", tls == "tls" ? "smtps" : "smtp", host, port);
      out.require_starttls = tls == "starttls";
      out.mail_from = config_string(config, "from");
      if (out.mail_from.empty()) return error = "the SMTP relay has no from address", std::nullopt;
      out.user = config_string(config, "user");
      out.password = config_string(config, "password");
      out.recipients.push_back(channel.target);
      out.body = email_message(n, out.mail_from, channel.target, console_url, context.now_ms);
      break;
    }
  }
  if (out.url.empty()) return error = fmt::format("the channel `{}` has no url", n.channel), std::nullopt;
  return out;
}

}  // namespace wf::notify
