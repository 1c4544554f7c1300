// Notifications (SPEC §4.9, docs/api.md "Notifications"): the organization's channels (their
// secrets never answered back), its retry schedule, the notifications with their attempts, and
// the dead-letter queue with its replay.
#include <fmt/format.h>

#include "effects/clock.h"
#include "runtime/notify/channel_config.h"
#include "runtime/notify/messages.h"
#include "runtime/notify/retry_policy.h"
#include "runtime/service/routes.h"
#include "runtime/store/notifications.h"

namespace wf::service {

namespace {

using store::ChannelKind;
using store::NotificationStatus;

constexpr const char* kHidden = "(set)";

// A channel's configuration as the API shows it: its secrets and header values replaced by "(set)".
nlohmann::json channel_view(const store::ChannelRow& c) {
  nlohmann::json config = nlohmann::json::parse(c.config, nullptr, false);
  if (!config.is_object()) config = nlohmann::json::object();
  for (const char* secret : {"secret", "password", "routing_key"})
    if (config.contains(secret)) config[secret] = kHidden;
  if (auto h = config.find("headers"); h != config.end() && h->is_object())
    for (auto& [name, value] : h->items()) value = kHidden;
  // A Slack incoming webhook's URL is its secret.
  if (c.kind == ChannelKind::Slack && config.contains("url")) config["url"] = kHidden;
  return {{"id", fmt::format("{}:{}", name(c.kind), c.name)},
          {"kind", name(c.kind)},
          {"name", c.name},
          {"config", config},
          {"created_at", format_time(c.created_at)}};
}

nlohmann::json attempt_view(const store::NotificationAttemptRow& a) {
  nlohmann::json v = {{"at", format_time(a.at)}, {"duration_ms", a.duration_ms}, {"outcome", store::name(a.outcome)}, {"error", a.error}};
  v["code"] = a.code ? nlohmann::json(a.code) : nlohmann::json();
  return v;
}

nlohmann::json notification_view(const store::NotificationRow& n) {
  nlohmann::json v = {{"id", n.id},
                      {"stable_id", notify::stable_id(n.id)},
                      {"instance_id", n.instance_id ? nlohmann::json(*n.instance_id) : nlohmann::json()},
                      {"workflow", n.workflow},
                      {"step", n.step},
                      {"channel", n.channel},
                      {"message", n.message},
                      {"status", name(n.status)},
                      {"attempts", n.attempts},
                      {"created_at", format_time(n.created_at)},
                      {"last_error", n.last_error}};
  v["next_attempt_at"] = n.next_attempt_at ? nlohmann::json(format_time(*n.next_attempt_at)) : nlohmann::json();
  v["ended_at"] = n.ended_at ? nlohmann::json(format_time(*n.ended_at)) : nlohmann::json();
  return v;
}

// A notification with every attempt made to deliver it, oldest first.
nlohmann::json notification_with_attempts(const store::NotificationRow& n, const std::vector<store::NotificationAttemptRow>& attempts) {
  nlohmann::json v = notification_view(n);
  v["attempt_log"] = nlohmann::json::array();
  for (const auto& a : attempts) v["attempt_log"].push_back(attempt_view(a));
  return v;
}

// `kind:name` of a channel's path; nullopt after answering 404 (no channel has another name).
std::optional<std::pair<ChannelKind, std::string>> channel_key(http::Exchange& x, std::string_view id) {
  const size_t colon = id.find(':');
  const auto kind = colon == std::string_view::npos ? std::nullopt : store::parse<ChannelKind>(id.substr(0, colon));
  if (!kind || colon + 1 >= id.size()) {
    reply_error(x, 404, "not_found",
                fmt::format("no channel `{}`: a channel is named KIND:NAME, KIND one of {}", id, store::name_list<ChannelKind>()));
    return std::nullopt;
  }
  return std::pair{*kind, std::string(id.substr(colon + 1))};
}

// Puts dead letters back in the queue: each pending again from the first attempt of the schedule,
// through the engine so that the delivery hears them; answers the replayed ones.
void replay(Context& c, const Principal& who, ExchangePtr x, std::vector<store::NotificationRow> dead) {
  if (dead.empty()) return reply_json(*x, 200, {{"replayed", nlohmann::json::array()}});
  auto ids = std::make_shared<std::vector<int64_t>>();
  auto remaining = std::make_shared<size_t>(dead.size());
  auto failed = std::make_shared<std::string>();
  const int64_t now = effects::wall_clock_ms();
  for (store::NotificationRow n : dead) {
    n.status = NotificationStatus::Pending;
    n.round_attempts = 0;
    n.next_attempt_at = now;
    n.ended_at.reset();
    ids->push_back(n.id);
    store::Changes ch;
    ch.notifications.push_back(n);
    const std::string line = fmt::format("notification {} to {} replayed by {}", n.id, n.channel, who.actor());
    c.engine->record_notification(n.org_id, n.instance_id, line, "notification.replayed",
                                  {{"notification_id", n.id}, {"channel", n.channel}, {"by", who.actor()}}, std::move(ch),
                                  [x, ids, remaining, failed](bool ok, const std::string& error) {
                                    if (!ok && failed->empty()) *failed = error;
                                    if (--*remaining > 0) return;
                                    if (!failed->empty()) return reply_not_stored(*x, *failed);
                                    reply_json(*x, 200, {{"replayed", *ids}});
                                  });
  }
}

// The delivery reads a changed channel or schedule again for its next attempt.
void settings_changed(Context& c, int64_t org) {
  if (c.notification_settings_changed) c.notification_settings_changed(org);
}

}  // namespace

void list_channels(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto rows = store::notifications::channels(c.reads->connection(), who.org_id);
  if (!read_ok(*x, rows)) return;
  nlohmann::json items = nlohmann::json::array();
  for (const store::ChannelRow& row : *rows) items.push_back(channel_view(row));
  reply_items(*x, std::move(items));
}

void put_channel(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  Fields f(*body);
  auto kind_text = f.string("kind", true);
  auto channel_name = f.string("name");
  const nlohmann::json* config = f.object("config");
  if (!f.ok(*x)) return;
  const auto kind = store::parse<ChannelKind>(*kind_text);
  if (!kind) return reply_error(*x, 400, "bad_request", fmt::format("`kind` must be one of {}", store::name_list<ChannelKind>()));
  if (!config) return reply_error(*x, 400, "bad_request", "`config` is required: an object");
  store::ChannelRow row;
  row.kind = *kind;
  // The organization has one Slack webhook and one SMTP relay: `slack("#c")` and `email(a)` name
  // no channel of their own.
  row.name = *kind == ChannelKind::Slack || *kind == ChannelKind::Smtp ? channel_name.value_or("default") : channel_name.value_or("");
  if (row.name.empty() || row.name.size() > 200 || row.name.find_first_of("/:") != std::string::npos)
    return reply_error(*x, 400, "bad_request", "`name` must be 1 to 200 characters without `/` or `:`");
  if (std::string problem = notify::config_problem(*kind, *config); !problem.empty()) return reply_error(*x, 400, "bad_request", problem);
  row.config = config->dump();
  row.created_at = effects::wall_clock_ms();
  const int64_t org = who.org_id;
  c.writer->submit([org, row](store::Database& db, std::string& error) { return store::notifications::put_channel(db, org, row, error); },
                   [&c, x, org, row](bool ok, const std::string& error) {
                     if (!ok) return reply_not_stored(*x, error);
                     settings_changed(c, org);
                     auto found = store::notifications::channel(c.reads->connection(), org, row.kind, row.name);
                     if (read_ok(*x, found)) reply_json(*x, 201, *found ? channel_view(**found) : nlohmann::json());
                   });
}

void get_channel(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto key = channel_key(*x, p["id"]);
  if (!key) return;
  auto found = store::notifications::channel(c.reads->connection(), who.org_id, key->first, key->second);
  if (!read_ok(*x, found)) return;
  if (!*found) return reply_error(*x, 404, "not_found", fmt::format("no channel `{}`", p["id"]));
  reply_json(*x, 200, channel_view(**found));
}

void delete_channel(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto key = channel_key(*x, p["id"]);
  if (!key) return;
  auto found = store::notifications::channel(c.reads->connection(), who.org_id, key->first, key->second);
  if (!read_ok(*x, found)) return;
  if (!*found) return reply_error(*x, 404, "not_found", fmt::format("no channel `{}`", p["id"]));
  const int64_t org = who.org_id;
  c.writer->submit(
      [org, k = *key](store::Database& db, std::string& error) { return store::notifications::remove_channel(db, org, k.first, k.second, error); },
      [&c, x, org](bool ok, const std::string& error) {
        if (!ok) return reply_not_stored(*x, error);
        settings_changed(c, org);
        x->respond(http::Response{204, {}, ""});
      });
}

void get_notification_settings(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto text = store::notifications::retry_schedule(c.reads->connection(), who.org_id);
  if (!read_ok(*x, text)) return;
  std::string error;
  auto schedule = text->empty() ? std::nullopt : notify::parse_schedule(*text, error);
  reply_json(*x, 200, {{"retry_schedule_ms", schedule ? *schedule : notify::default_schedule()}, {"default", !schedule}});
}

void put_notification_settings(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  auto it = body->find("retry_schedule_ms");
  if (it == body->end()) return reply_error(*x, 400, "bad_request", "`retry_schedule_ms` is required");
  std::string error;
  auto schedule = notify::parse_schedule(it->dump(), error);
  if (!schedule) return reply_error(*x, 400, "bad_request", error);
  const int64_t org = who.org_id;
  const std::string text = nlohmann::json(*schedule).dump();
  c.writer->submit([org, text](store::Database& db, std::string& e) { return store::notifications::put_retry_schedule(db, org, text, e); },
                   [&c, x, org, schedule = *schedule](bool ok, const std::string& e) {
                     if (!ok) return reply_not_stored(*x, e);
                     settings_changed(c, org);
                     reply_json(*x, 200, {{"retry_schedule_ms", schedule}, {"default", false}});
                   });
}

void list_notifications(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  store::Paging wanted;
  if (!keyset_paging(r, *x, wanted)) return;
  const auto status = name_filter<NotificationStatus>(r, *x, "status");
  if (!status) return;
  std::optional<int64_t> instance;
  if (auto i = r.query_param("instance")) {
    instance = parse_id(*i);
    if (!instance) return reply_error(*x, 400, "bad_request", "`instance` must be an instance id");
  }
  const auto filter = status->empty() ? std::nullopt : store::parse<NotificationStatus>(*status);
  c.reads->read([&](store::Database& db) { return store::notifications::list(db, who.org_id, filter, instance, wanted); },
                [&](const store::Result<store::Page<store::NotificationRow>>& page) { reply_page(*x, page, notification_view); });
}

void list_dead_letters(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  store::Paging wanted;
  if (!keyset_paging(r, *x, wanted)) return;
  c.reads->read(
      [&](store::Database& db) -> store::Result<nlohmann::json> {
        auto page = store::notifications::list(db, who.org_id, NotificationStatus::Dead, std::nullopt, wanted);
        if (!page.ok()) return store::Result<nlohmann::json>::failure(page.error());
        std::vector<int64_t> ids;
        for (const store::NotificationRow& n : page->items) ids.push_back(n.id);
        auto attempts = store::notifications::attempts_of(db, ids);
        if (!attempts.ok()) return store::Result<nlohmann::json>::failure(attempts.error());
        nlohmann::json items = nlohmann::json::array();
        for (const store::NotificationRow& n : page->items) items.push_back(notification_with_attempts(n, (*attempts)[n.id]));
        return page_json(std::move(items), page->next, page->total);
      },
      [&](const store::Result<nlohmann::json>& answer) {
        if (read_ok(*x, answer)) reply_json(*x, 200, *answer);
      });
}

void get_notification(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto id = parse_id(p["id"]);
  if (!id) return reply_error(*x, 404, "not_found", fmt::format("no notification `{}`", p["id"]));
  auto found = store::notifications::find(c.reads->connection(), who.org_id, *id);
  if (!read_ok(*x, found)) return;
  if (!*found) return reply_error(*x, 404, "not_found", fmt::format("no notification {}", *id));
  auto attempts = store::notifications::attempts(c.reads->connection(), *id);
  if (!read_ok(*x, attempts)) return;
  reply_json(*x, 200, notification_with_attempts(**found, *attempts));
}

void replay_dead_letter(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto id = parse_id(p["id"]);
  if (!id) return reply_error(*x, 404, "not_found", fmt::format("no notification `{}`", p["id"]));
  auto found = store::notifications::find(c.reads->connection(), who.org_id, *id);
  if (!read_ok(*x, found)) return;
  if (!*found) return reply_error(*x, 404, "not_found", fmt::format("no notification {}", *id));
  if ((*found)->status != NotificationStatus::Dead)
    return reply_error(*x, 409, "conflict", fmt::format("notification {} is {}, not dead-lettered", *id, name((*found)->status)));
  replay(c, who, x, {**found});
}

void replay_dead_letters(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  auto body = body_object(r, *x);
  if (!body) return;
  auto since_field = body->find("since");
  if (since_field == body->end()) return reply_error(*x, 400, "bad_request", "`since` is required: an RFC 3339 time");
  const auto since = parse_time(*since_field);
  if (!since) return reply_error(*x, 400, "bad_request", "`since` must be an RFC 3339 time");
  auto dead = store::notifications::dead_since(c.reads->connection(), who.org_id, *since);
  if (!read_ok(*x, dead)) return;
  constexpr size_t kMaxReplay = 10000;
  if (dead->size() > kMaxReplay)
    return reply_error(*x, 400, "bad_request", fmt::format("{} dead letters since then; replay at most {} at once", dead->size(), kMaxReplay));
  replay(c, who, x, std::move(*dead));
}

}  // namespace wf::service
