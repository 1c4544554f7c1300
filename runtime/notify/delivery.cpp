// The delivery of notifications (see delivery.h).
#include "runtime/log/log.h"
#include "runtime/notify/delivery.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "effects/clock.h"
#include "runtime/notify/messages.h"
#include "runtime/notify/retry_policy.h"
#include "runtime/store/agents.h"
#include "runtime/store/notifications.h"
#include "vm/render.h"

namespace wf::notify {

namespace {

// When the store did not take an attempt's record, the notification is tried again this much
// later (it is still pending in the store).
constexpr int64_t kStoreRetryMs = 5000;

// How long what was read of an organization's channels and retry schedule is used without reading
// it again. A change through this service's API is seen at once (settings_changed); one written
// to the store by another process is seen within this time.
constexpr int64_t kSettingsFreshMs = 5000;

std::string answer_error(const Answer& a, bool smtp) {
  if (!a.error.empty()) return a.code ? fmt::format("{} {}: {}", smtp ? "SMTP" : "HTTP", a.code, a.error) : a.error;
  if (smtp) return a.code >= 400 ? fmt::format("SMTP {}", a.code) : "";
  if (a.code >= 200 && a.code < 300) return "";
  std::string body = a.body.substr(0, 200);
  for (char& c : body)
    if (c == '\n' || c == '\r') c = ' ';
  return body.empty() ? fmt::format("HTTP {}", a.code) : fmt::format("HTTP {}: {}", a.code, body);
}

}  // namespace

Delivery::Delivery(uv_loop_t* loop, engine::Engine& engine, store::Database& reader, Options options)
    : loop_(loop), engine_(engine), reader_(reader), options_(options), sender_(loop, options.max_per_host) {
  if (int rc = uv_timer_init(loop_, &timer_); rc != 0) throw std::runtime_error(fmt::format("uv_timer_init: {}", uv_strerror(rc)));
  timer_.data = this;
}

Delivery::~Delivery() { close(); }

void Delivery::close() {
  if (closed_) return;
  closed_ = true;
  sender_.close();
  uv_timer_stop(&timer_);
  uv_close(reinterpret_cast<uv_handle_t*>(&timer_), nullptr);
}

bool Delivery::start(std::string& error) {
  auto rows = store::notifications::pending(reader_);
  if (!rows.ok()) return error = "cannot read the pending notifications: " + rows.error(), false;
  const int64_t now = effects::wall_clock_ms();
  for (store::NotificationRow& row : *rows) {
    const int64_t id = row.id;
    Entry& e = entries_[id];
    e.row = std::move(row);
    schedule(e, e.row.next_attempt_at.value_or(now));
  }
  return true;
}

void Delivery::released(const store::Changes& ch) {
  if (closed_ || ch.notifications.empty()) return;
  const int64_t now = effects::wall_clock_ms();
  for (const store::NotificationRow* row : store::last_of_each(ch.notifications, [](const store::NotificationRow& n) { return n.id; })) {
    if (row->status == store::NotificationStatus::Pending) {
      Entry& e = entries_[row->id];
      e.row = *row;
      schedule(e, row->next_attempt_at.value_or(now));
    } else if (auto it = entries_.find(row->id); it != entries_.end()) {
      unschedule(it->second);
      entries_.erase(it);
    }
  }
}

void Delivery::schedule(Entry& e, int64_t due) {
  unschedule(e);
  e.due = due;
  due_.emplace(due, e.row.id);
  arm();
}

void Delivery::unschedule(Entry& e) {
  if (!e.due) return;
  due_.erase({*e.due, e.row.id});
  e.due.reset();
}

void Delivery::arm() {
  if (closed_) return;
  if (due_.empty()) {
    uv_timer_stop(&timer_);
    return;
  }
  const int64_t wait = std::max<int64_t>(0, due_.begin()->first - effects::wall_clock_ms());
  if (int rc = uv_timer_start(&timer_, on_due, static_cast<uint64_t>(wait), 0); rc != 0)
    log::error(fmt::format("notifications: cannot arm the delivery timer: {}", uv_strerror(rc)));
}

void Delivery::on_due(uv_timer_t* handle) {
  try {
    static_cast<Delivery*>(handle->data)->send_due();
  } catch (const std::exception& e) {
    // Nothing may unwind into libuv; what was due stays pending and is tried at the next start.
    log::error(fmt::format("notifications: {}", e.what()));
  }
}

void Delivery::send_due() {
  const int64_t now = effects::wall_clock_ms();
  while (!closed_ && !due_.empty() && due_.begin()->first <= now && sender_.in_flight() < options_.max_in_flight) {
    const int64_t id = due_.begin()->second;
    auto it = entries_.find(id);
    if (it == entries_.end()) {
      due_.erase(due_.begin());
      continue;
    }
    attempt(it->second);
  }
  // A full sender goes on as transfers end (settle arms again).
  if (sender_.in_flight() < options_.max_in_flight) arm();
}

void Delivery::attempt(Entry& e) {
  unschedule(e);
  const int64_t id = e.row.id;
  const std::optional<ChannelName> channel = parse_channel(e.row.channel);
  if (!channel) return settle(id, Answer{}, false, fmt::format("unknown channel `{}`", e.row.channel));
  std::string read_error;
  const KnownChannel* known = channel_config(e.row.org_id, *channel, read_error);
  if (!known) {
    // A store that cannot answer is no answer of the receiver: try again later, nothing recorded.
    log::error(fmt::format("notifications: cannot read channel {}: {}", e.row.channel, read_error));
    return schedule(e, effects::wall_clock_ms() + kStoreRetryMs);
  }
  if (!known->config) {
    const std::string what = channel->kind == store::ChannelKind::Smtp ? std::string("no SMTP relay is configured")
                             : channel->kind == store::ChannelKind::Slack
                                 ? std::string("no Slack webhook is configured")
                                 : fmt::format("unknown channel `{}`", e.row.channel);
    return settle(id, Answer{}, false, what);
  }
  const nlohmann::json& config = *known->config;
  Context context{organization_name(e.row.org_id), effects::wall_clock_ms(), options_.attempt_timeout_ms};
  std::string error;
  std::optional<Outgoing> request = build_request(e.row, *channel, config, context, error);
  if (!request) return settle(id, Answer{}, false, error);
  const bool smtp = channel->kind == store::ChannelKind::Smtp;
  if (!sender_.send(*request, [this, id, smtp](const Answer& a) { settle(id, a, smtp, ""); }, error)) {
    Answer a;
    a.error = error;
    settle(id, a, smtp, "");
  }
}

void Delivery::settle(int64_t id, const Answer& answer, bool smtp, const std::string& refusal) {
  auto it = entries_.find(id);
  if (closed_ || it == entries_.end()) return;
  Entry& e = it->second;
  const Verdict verdict = refusal.empty() ? classify(answer, smtp) : Verdict::Permanent;
  const int64_t now = effects::wall_clock_ms();
  store::NotificationRow row = e.row;
  row.attempts += 1;
  row.round_attempts += 1;
  store::NotificationAttemptRow attempt;
  attempt.notification_id = id;
  attempt.at = now - answer.duration_ms;
  attempt.duration_ms = answer.duration_ms;
  attempt.code = answer.code;
  attempt.error = refusal.empty() ? answer_error(answer, smtp) : refusal;
  std::string type, line;
  nlohmann::json data = {{"notification_id", id},
                         {"channel", row.channel},
                         {"attempt", row.attempts},
                         {"code", answer.code},
                         {"duration_ms", answer.duration_ms}};
  std::optional<int64_t> delay;
  if (verdict == Verdict::Transient) {
    std::uniform_real_distribution<double> jitter(0.0, 1.0);
    delay = next_delay_ms(schedule_of(row.org_id), row.round_attempts, answer, jitter(random_));
  }
  if (verdict == Verdict::Delivered) {
    row.status = store::NotificationStatus::Delivered;
    row.ended_at = now;
    row.next_attempt_at.reset();
    row.last_error.clear();
    attempt.outcome = store::AttemptOutcome::Delivered;
    type = "notification.delivered";
    line = fmt::format("notification {} to {} delivered (attempt {}, {} ms)", id, row.channel, row.attempts, answer.duration_ms);
  } else if (delay) {
    row.next_attempt_at = now + *delay;
    row.last_error = attempt.error;
    attempt.outcome = store::AttemptOutcome::Failed;
    type = "notification.failed";
    data["error"] = attempt.error;
    data["next_attempt_at"] = vm::format_instant(*row.next_attempt_at);
    line = fmt::format("notification {} to {} failed (attempt {}): {}; next attempt at {}", id, row.channel, row.attempts,
                       attempt.error, vm::format_instant(*row.next_attempt_at));
  } else {
    row.status = store::NotificationStatus::Dead;
    row.ended_at = now;
    row.next_attempt_at.reset();
    row.last_error = attempt.error;
    attempt.outcome = store::AttemptOutcome::Dead;
    type = "notification.dead_lettered";
    data["error"] = attempt.error;
    line = fmt::format("notification {} to {} dead-lettered after {} attempt{}: {}", id, row.channel, row.attempts,
                       row.attempts == 1 ? "" : "s", attempt.error);
  }
  store::Changes ch;
  ch.notifications.push_back(row);
  ch.notification_attempts.push_back(std::move(attempt));
  engine_.record_notification(row.org_id, row.instance_id, line, type, std::move(data), std::move(ch),
                              [this, id](bool ok, const std::string& error) {
                                if (ok || closed_) return;
                                // Not stored: still pending in the store; tried again (with the
                                // same id) a little later.
                                log::error(fmt::format("notifications: the attempt of {} was not stored: {}", id, error));
                                if (auto found = entries_.find(id); found != entries_.end()) {
                                  schedule(found->second, effects::wall_clock_ms() + kStoreRetryMs);
                                }
                              });
  arm();
}

void Delivery::settings_changed(int64_t org) {
  std::erase_if(channels_, [org](const auto& entry) { return std::get<0>(entry.first) == org; });
  schedules_.erase(org);
}

const Delivery::KnownChannel* Delivery::channel_config(int64_t org, const ChannelName& channel, std::string& error) {
  const int64_t now = effects::wall_clock_ms();
  auto key = std::make_tuple(org, channel.kind, channel.config_name);
  if (auto it = channels_.find(key); it != channels_.end() && now - it->second.read_at < kSettingsFreshMs) return &it->second;
  auto row = store::notifications::channel(reader_, org, channel.kind, channel.config_name);
  if (!row.ok()) return error = row.error(), nullptr;
  KnownChannel known{now, std::nullopt};
  if (*row) {
    nlohmann::json config = nlohmann::json::parse((*row)->config, nullptr, false);
    known.config = config.is_object() ? std::move(config) : nlohmann::json::object();
  }
  return &(channels_[std::move(key)] = std::move(known));
}

std::vector<int64_t> Delivery::schedule_of(int64_t org) {
  const int64_t now = effects::wall_clock_ms();
  if (auto it = schedules_.find(org); it != schedules_.end() && now - it->second.first < kSettingsFreshMs) return it->second.second;
  auto text = store::notifications::retry_schedule(reader_, org);
  // A store that cannot say gives the default schedule for this attempt, not kept.
  if (!text.ok()) return default_schedule();
  std::string error;
  std::optional<std::vector<int64_t>> parsed = text->empty() ? std::nullopt : parse_schedule(*text, error);
  auto& kept = schedules_[org] = {now, parsed ? *parsed : default_schedule()};
  return kept.second;
}

std::string Delivery::organization_name(int64_t org) {
  if (auto it = organizations_.find(org); it != organizations_.end()) return it->second;
  auto found = store::orgs::find(reader_, org);
  if (!found.ok() || !*found) return "";
  return organizations_[org] = (*found)->name;
}

}  // namespace wf::notify
