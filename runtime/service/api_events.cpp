// Server-Sent Events (SPEC §4.8): the persisted events after `Last-Event-ID` first, then live
// ones as their units commit; an event is never sent twice or skipped. A keep-alive comment
// every 15 seconds keeps proxies from closing an idle stream. Events that are not stored (a
// running job's `job.output`) are sent as they happen, without an id, so a client's Last-Event-ID
// always names a stored event.
#include <fmt/format.h>

#include "runtime/service/routes.h"
#include "runtime/store/events.h"
#include "runtime/store/jobs.h"
#include "runtime/log/log.h"

namespace wf::service {

namespace {

// The most stored events one connection sends before live ones.
constexpr int64_t kBacklogPage = 100000;

std::string frame(int64_t id, const std::string& type, const std::string& data) {
  if (id == 0) return fmt::format("event: {}\ndata: {}\n\n", type, data);
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", id, type, data);
}

// Whether a `job.*` event is of job `job` (its data's `data.job_id`).
bool is_of_job(const engine::EventRow& e, int64_t job) {
  if (e.type.rfind("job.", 0) != 0) return false;
  const auto data = nlohmann::json::parse(e.data, nullptr, false);
  if (!data.is_object() || !data.contains("data") || !data["data"].is_object()) return false;
  const auto& inner = data["data"];
  const auto id = inner.find("job_id");
  return id != inner.end() && id->is_number_integer() && id->get<int64_t>() == job;
}

struct Stream {
  ExchangePtr exchange;
  int64_t last_sent = 0;
  std::optional<int64_t> instance, job;
  int64_t org_id = 0;
  uint64_t listener = 0;
  uv_timer_t keep_alive{};
};

// The keep-alive timer's data holds a reference to its stream: the stream lives as long as the
// handle, whose close callback drops it.
void on_keep_alive(uv_timer_t* handle) {
  auto& s = *static_cast<std::shared_ptr<Stream>*>(handle->data);
  s->exchange->send(": keep-alive\n\n");
}

void on_keep_alive_closed(uv_handle_t* handle) { delete static_cast<std::shared_ptr<Stream>*>(handle->data); }

}  // namespace

void events_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, std::optional<int64_t> instance,
                std::optional<int64_t> job) {
  int64_t after = 0;
  std::string_view last = r.header("last-event-id");
  std::optional<std::string> query = r.query_param("after");
  // `?after=now`: only what happens from now on (a page that has just read its state, such as the
  // console's lists), unless the client reconnects with Last-Event-ID, which then says where.
  const bool from_now = query && *query == "now";
  if (from_now && last.empty()) {
    auto newest = store::events::max_id(c.reads->connection());
    if (!read_ok(*x, newest)) return;
    after = *newest;
  } else if (from_now) {
    auto v = parse_id(last);
    if (!v && last != "0") return reply_error(*x, 400, "bad_request", "Last-Event-ID must be an event id");
    after = v.value_or(0);
  } else if (!last.empty() || query) {
    const std::string text = query ? *query : std::string(last);
    auto v = parse_id(text);
    if (!v && text != "0") return reply_error(*x, 400, "bad_request", "Last-Event-ID must be an event id");
    after = v.value_or(0);
  }
  // What is stored first; the listener then sends only what is newer (a unit committed but not
  // yet announced is in both).
  auto stored = store::events::after(c.reads->connection(), who.org_id, instance, after, kBacklogPage, job);
  if (!read_ok(*x, stored)) return;
  x->start_stream(200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
  auto stream = std::make_shared<Stream>();
  stream->exchange = x;
  stream->instance = instance;
  stream->job = job;
  stream->org_id = who.org_id;
  stream->last_sent = after;
  std::string backlog;
  const int64_t rows = static_cast<int64_t>(stored->size());
  for (const store::EventRow& e : *stored) {
    backlog += frame(e.id, e.type, e.data);
    stream->last_sent = e.id;
  }
  if (!backlog.empty() && !x->send(backlog)) return;
  if (rows == kBacklogPage) {
    // More are stored than one answer carries: the stream ends here and the client, reconnecting
    // with the last id it saw, reads on from there. Nothing is skipped.
    x->end();
    return;
  }
  engine::Engine* engine = c.engine;
  stream->listener = engine->subscribe([weak = std::weak_ptr<Stream>(stream)](const engine::EventRow& e) {
    auto s = weak.lock();
    const bool stored = e.id != 0;
    if (!s || (stored && e.id <= s->last_sent) || e.org_id != s->org_id) return;
    if (s->instance && e.instance_id != s->instance) return;
    if (s->job && !is_of_job(e, *s->job)) return;
    if (stored) s->last_sent = e.id;
    s->exchange->send(frame(e.id, e.type, e.data));
  });
  if (int rc = uv_timer_init(c.loop, &stream->keep_alive); rc != 0) {
    engine->unsubscribe(stream->listener);
    log::error(fmt::format("an event stream has no keep-alive timer: {}", uv_strerror(rc)));
    x->end();
    return;
  }
  stream->keep_alive.data = new std::shared_ptr<Stream>(stream);
  if (int rc = uv_timer_start(&stream->keep_alive, on_keep_alive, 15000, 15000); rc != 0)
    log::error(fmt::format("an event stream's keep-alive did not start: {}", uv_strerror(rc)));
  ++c.event_streams;
  x->on_close([engine, open = &c.event_streams, weak = std::weak_ptr<Stream>(stream)] {
    --*open;
    auto stream = weak.lock();
    if (!stream) return;
    engine->unsubscribe(stream->listener);
    uv_timer_stop(&stream->keep_alive);
    uv_close(reinterpret_cast<uv_handle_t*>(&stream->keep_alive), on_keep_alive_closed);
  });
}

void organization_events(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  events_api(c, who, r, x, std::nullopt);
}

}  // namespace wf::service

namespace wf::service {

void job_events(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  const auto id = parse_id(p["id"]);
  if (!id) return reply_error(*x, 404, "not_found", fmt::format("no job {}", p["id"]));
  auto found = store::jobs::find(c.reads->connection(), who.org_id, *id);
  if (!read_ok(*x, found)) return;
  if (!*found) return reply_error(*x, 404, "not_found", fmt::format("no job {}", *id));
  events_api(c, who, r, x, std::nullopt, *id);
}

}  // namespace wf::service
