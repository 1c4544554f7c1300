// Server-Sent Events (SPEC §4.8): the persisted events after `Last-Event-ID` first, then live
// ones as their units commit; an event is never sent twice or skipped. A keep-alive comment
// every 15 seconds keeps proxies from closing an idle stream.
#include <fmt/format.h>

#include "runtime/service/routes.h"

namespace wf::service {

namespace {

// The most stored events one connection sends before live ones.
constexpr int64_t kBacklogPage = 100000;

std::string frame(int64_t id, const std::string& type, const std::string& data) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", id, type, data);
}

struct Stream {
  ExchangePtr exchange;
  int64_t last_sent = 0;
  std::optional<int64_t> instance;
  int64_t org_id = 1;
  uint64_t listener = 0;
  uv_timer_t keep_alive{};
};

}  // namespace

void events_api(Context& c, const Principal& who, http::Request& r, ExchangePtr x, std::optional<int64_t> instance) {
  int64_t after = 0;
  std::string_view last = r.header("last-event-id");
  std::optional<std::string> query = r.query_param("after");
  if (!last.empty() || query) {
    const std::string text = query ? *query : std::string(last);
    auto v = parse_id(text);
    if (!v && text != "0") return reply_error(*x, 400, "bad_request", "Last-Event-ID must be an event id");
    after = v.value_or(0);
  }
  x->start_stream(200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
  auto stream = std::make_shared<Stream>();
  stream->exchange = x;
  stream->instance = instance;
  stream->org_id = who.org_id;
  stream->last_sent = after;
  // What is stored first; the listener then sends only what is newer (a unit committed but not
  // yet announced is in both).
  auto& q = c.reader->prepare(
      "SELECT id, type, data FROM events WHERE id > ?1 AND org_id = ?2 AND (?3 = 0 OR instance_id = ?3) ORDER BY id LIMIT ?4");
  q.bind(4, kBacklogPage);
  q.bind(1, after).bind(2, who.org_id).bind(3, instance.value_or(0));
  std::string backlog;
  int64_t rows = 0;
  while (q.step()) {
    backlog += frame(q.column_int64(0), q.column_text(1), q.column_text(2));
    stream->last_sent = q.column_int64(0);
    ++rows;
  }
  q.reset();
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
    if (!s || e.id <= s->last_sent || e.org_id != s->org_id) return;
    if (s->instance && e.instance_id != s->instance) return;
    s->last_sent = e.id;
    s->exchange->send(frame(e.id, e.type, e.data));
  });
  uv_timer_init(c.loop, &stream->keep_alive);
  // The stream lives as long as its timer handle: the handle's data holds a reference, dropped
  // when the timer is closed after the client has gone.
  stream->keep_alive.data = new std::shared_ptr<Stream>(stream);
  uv_timer_start(&stream->keep_alive, [](uv_timer_t* h) {
    auto& s = *static_cast<std::shared_ptr<Stream>*>(h->data);
    s->exchange->send(": keep-alive\n\n");
  }, 15000, 15000);
  x->on_close([engine, weak = std::weak_ptr<Stream>(stream)] {
    auto stream = weak.lock();
    if (!stream) return;
    engine->unsubscribe(stream->listener);
    uv_timer_stop(&stream->keep_alive);
    uv_close(reinterpret_cast<uv_handle_t*>(&stream->keep_alive), [](uv_handle_t* h) {
      delete static_cast<std::shared_ptr<Stream>*>(h->data);
    });
  });
}

void organization_events(Context& c, const Principal& who, http::Request& r, ExchangePtr x, const PathParams& p) {
  events_api(c, who, r, x, std::nullopt);
}

}  // namespace wf::service
