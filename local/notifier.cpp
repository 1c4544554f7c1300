// Showing and sending a local run's notifications (see notifier.h).
#include "local/notifier.h"

#include <fmt/format.h>

#include <exception>
#include <set>

#include "effects/clock.h"
#include "runtime/notify/curl_sender.h"
#include "runtime/notify/messages.h"
#include "runtime/notify/retry_policy.h"
#include "runtime/store/notifications.h"

namespace wf::local {

namespace {

using store::ChannelKind;

// Stand-ins for what only a channel's configuration gives, so that a run without a channels file
// still shows the request the service would build.
nlohmann::json placeholder_config(const notify::ChannelName& c) {
  switch (c.kind) {
    case ChannelKind::Webhook: return {{"url", fmt::format("<the url of webhook \"{}\">", c.config_name)}};
    case ChannelKind::Slack: return {{"url", "<the Slack incoming-webhook url>"}};
    case ChannelKind::Pagerduty: return {{"routing_key", fmt::format("<the routing key of pagerduty \"{}\">", c.config_name)}};
    case ChannelKind::Smtp: return {{"host", "<the SMTP relay>"}, {"from", "<the relay's from address>"}};
  }
  return nlohmann::json::object();
}

// The lines of a request's text (a message's CRLFs shown as line ends).
void add_text(std::vector<std::string>& lines, const std::string& text, const std::string& indent) {
  size_t at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(at, end - at);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!(end == text.size() && line.empty())) lines.push_back(indent + line);
    at = end + 1;
  }
}

// A Slack incoming webhook's URL is its credential (the service never shows it either): its
// scheme and host only.
std::string slack_url_shown(const std::string& url) {
  const size_t host = url.find("://");
  const size_t path = host == std::string::npos ? std::string::npos : url.find('/', host + 3);
  return path == std::string::npos ? url : url.substr(0, path) + "/… (the rest from the channels file)";
}

// A PagerDuty event's body without its routing key, which is a credential.
std::string pagerduty_body_shown(const std::string& body) {
  nlohmann::json event = nlohmann::json::parse(body, nullptr, false);
  if (!event.is_object() || !event.contains("routing_key")) return body;
  event["routing_key"] = "(from the channels file)";
  return event.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// The request as the timeline shows it: where it goes, its headers and its exact body, but for
// the credentials a channels file gives (header values, a Slack URL's path, a routing key), which
// are not repeated.
void add_request(std::vector<std::string>& lines, const std::string& channel, const notify::ChannelName& name,
                 const notify::Outgoing& request, const nlohmann::json& config, bool placeholders) {
  if (name.kind == ChannelKind::Smtp) {
    lines.push_back(fmt::format("{} → SMTP {}, from {} to {}", channel, placeholders ? "<the SMTP relay>" : request.url,
                                request.mail_from, fmt::join(request.recipients, ", ")));
  } else {
    lines.push_back(fmt::format("{} → POST {}", channel,
                                name.kind == ChannelKind::Slack && !placeholders ? slack_url_shown(request.url) : request.url));
    std::set<std::string> configured;
    if (auto h = config.find("headers"); h != config.end() && h->is_object())
      for (const auto& [header, value] : h->items()) configured.insert(header);
    for (const std::string& header : request.headers) {
      const std::string header_name = header.substr(0, header.find(':'));
      lines.push_back(configured.count(header_name) ? fmt::format("  {}: (from the channels file)", header_name) : "  " + header);
    }
    if (placeholders && name.kind == ChannelKind::Webhook)
      lines.push_back("  webhook-signature: <v1,… with the endpoint's secret, when it has one>");
  }
  add_text(lines, name.kind == ChannelKind::Pagerduty && !placeholders ? pagerduty_body_shown(request.body) : request.body, "  ");
}

std::string answer_text(const notify::Answer& a, bool smtp) {
  if (!a.error.empty()) return a.code ? fmt::format("{} (reply {})", a.error, a.code) : a.error;
  return fmt::format("{} {} in {} ms", smtp ? "SMTP reply" : "HTTP", a.code, a.duration_ms);
}

}  // namespace

Notifier::Notifier(std::optional<ChannelsFile> channels, int64_t first_id) : channels_(std::move(channels)), next_id_(first_id) {
  if (!channels_) return;
  if (uv_loop_init(&loop_) != 0) return;  // send() says that nothing can be sent
  if (uv_timer_init(&loop_, &tick_) != 0) {
    uv_loop_close(&loop_);
    return;
  }
  loop_open_ = true;
  try {
    sender_ = std::make_unique<notify::CurlSender>(&loop_);
  } catch (const std::exception&) {
    // send() says that nothing can be sent.
  }
}

Notifier::~Notifier() {
  if (!loop_open_) return;
  if (sender_) sender_->close();
  uv_close(reinterpret_cast<uv_handle_t*>(&tick_), nullptr);
  uv_run(&loop_, UV_RUN_DEFAULT);  // the handles end in their close callbacks
  sender_.reset();
  uv_loop_close(&loop_);
}

void Notifier::on_tick(uv_timer_t*) {}

void Notifier::drop_transfers() {
  sender_->close();
  uv_run(&loop_, UV_RUN_DEFAULT);  // the closed sender's handles end; the stopped tick keeps nothing alive
  sender_.reset();
  try {
    sender_ = std::make_unique<notify::CurlSender>(&loop_);
  } catch (const std::exception&) {
    // send() says that nothing can be sent.
  }
}

std::vector<std::string> Notifier::notify(const LocalNotification& n, const std::atomic<bool>* cancel) {
  std::vector<std::string> lines;
  try {
    if (!channels_) lines.push_back("not sent (no channels file; `--notify FILE` sends it); the service would send:");
    const int64_t now = effects::wall_clock_ms();
    for (const std::string& channel : n.channels) {
      store::NotificationRow row;
      row.id = next_id_++;
      // instance_id stays unset: a local run is no instance of the service (the JSON says null).
      row.workflow = n.workflow;
      row.step = n.step;
      row.channel = channel;
      row.message = n.message;
      row.created_at = now;
      if (cancel && cancel->load()) {
        lines.push_back(fmt::format("{}: not sent: interrupted", channel));
        continue;
      }
      const std::optional<notify::ChannelName> name = notify::parse_channel(channel);
      if (!name) {
        lines.push_back(fmt::format("{}: not a channel a notification can go to", channel));
        continue;
      }
      nlohmann::json config;
      if (channels_) {
        const nlohmann::json* found = channels_->find(name->kind, name->config_name);
        if (!found) {
          lines.push_back(name->kind == ChannelKind::Webhook || name->kind == ChannelKind::Pagerduty
                              ? fmt::format("{}: not sent: the channels file has no {} `{}`", channel, store::name(name->kind), name->config_name)
                              : fmt::format("{}: not sent: the channels file has no `{}`", channel, store::name(name->kind)));
          continue;
        }
        config = *found;
      } else {
        config = placeholder_config(*name);
      }
      notify::Context context;
      context.organization = channels_ ? channels_->organization : "local";
      context.now_ms = now;
      std::string error;
      const std::optional<notify::Outgoing> request = notify::build_request(row, *name, config, context, error);
      if (!request) {
        lines.push_back(fmt::format("{}: not sent: {}", channel, error));
        continue;
      }
      add_request(lines, channel, *name, *request, config, !channels_);
      if (channels_) send(*request, channel, name->kind == ChannelKind::Smtp, cancel, lines);
    }
  } catch (const std::exception& e) {
    lines.push_back(fmt::format("not sent: {}", e.what()));
  }
  return lines;
}

void Notifier::send(const notify::Outgoing& request, const std::string& channel, bool smtp, const std::atomic<bool>* cancel,
                    std::vector<std::string>& lines) {
  if (!sender_) {
    lines.push_back(fmt::format("{}: not sent: the sender could not start", channel));
    return;
  }
  for (int attempt = 1;; ++attempt) {
    // Shared with the callback, which outlives this call if the loop ever stopped without it.
    auto answer = std::make_shared<std::optional<notify::Answer>>();
    std::string error;
    if (!sender_->send(request, [answer](const notify::Answer& a) { *answer = a; }, error)) {
      lines.push_back(fmt::format("{}: not sent: {}", channel, error));
      return;
    }
    // The transfer is bounded by its timeout, which curl's timer on this loop enforces; the tick
    // makes the loop come back to hear an interrupt.
    if (cancel && uv_timer_start(&tick_, on_tick, 100, 100) != 0) cancel = nullptr;
    bool interrupted = false;
    while (!*answer) {
      if (cancel && cancel->load()) {
        interrupted = true;
        break;
      }
      if (uv_run(&loop_, UV_RUN_ONCE) == 0 && !*answer) break;
    }
    uv_timer_stop(&tick_);
    if (interrupted) {
      drop_transfers();
      lines.push_back(fmt::format("{}: not delivered: interrupted", channel));
      return;
    }
    if (!*answer) {
      lines.push_back(fmt::format("{}: not delivered: the transfer ended without an answer", channel));
      return;
    }
    const notify::Answer& a = **answer;
    switch (notify::classify(a, smtp)) {
      case notify::Verdict::Delivered:
        lines.push_back(fmt::format("{}: delivered ({})", channel, answer_text(a, smtp)));
        return;
      case notify::Verdict::Permanent:
        lines.push_back(fmt::format("{}: not delivered: {}, a permanent failure", channel, answer_text(a, smtp)));
        return;
      case notify::Verdict::Transient:
        if (attempt < kLocalAttempts) {
          lines.push_back(fmt::format("{}: attempt {} of {} failed ({}); trying again", channel, attempt, kLocalAttempts, answer_text(a, smtp)));
          continue;
        }
        lines.push_back(fmt::format("{}: not delivered after {} attempts: {}", channel, kLocalAttempts, answer_text(a, smtp)));
        return;
    }
  }
}

}  // namespace wf::local
