// An instance's event stream, followed on a thread (see instance_event_feed.h).
#include "cli/client/instance_event_feed.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "runtime/client/http_client.h"

namespace wf::cli {

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{200};
constexpr std::chrono::milliseconds kLongestBackoff{5000};

bool is_status_event(const client::SseParser::Event& event) {
  if (event.type == "instance.status") return true;
  if (!event.type.empty()) return false;
  // A stream without `event:` lines still names the type inside the data (docs/api.md, "Events").
  const auto data = nlohmann::json::parse(event.data, nullptr, /*allow_exceptions=*/false);
  return data.is_object() && data.contains("type") && data["type"] == "instance.status";
}

}  // namespace

struct InstanceEventFeed::State {
  std::mutex mutex;
  std::condition_variable changed;
  News news;               // what the waiter has not seen yet
  bool reported_streaming = false;  // `news.streaming` as the last wait returned it
  bool stop = false;       // the feed is gone: end the stream at its next piece
  std::string last_event_id;
};

InstanceEventFeed::InstanceEventFeed(std::string server, std::string token, int64_t instance_id)
    : state_(std::make_shared<State>()) {
  std::thread worker([state = state_, server = std::move(server), token = std::move(token), instance_id] {
    try {
      follow(state, server, token, instance_id);
    } catch (...) {
      // Nothing may leave the thread; without the feed the caller polls.
      std::lock_guard guard(state->mutex);
      state->news.streaming = false;
      state->changed.notify_all();
    }
  });
  // The worker owns its share of the state and its own HTTP client, so it may outlive the feed.
  worker.detach();
}

InstanceEventFeed::~InstanceEventFeed() {
  std::lock_guard guard(state_->mutex);
  state_->stop = true;
  state_->changed.notify_all();
}

InstanceEventFeed::News InstanceEventFeed::wait(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(state_->mutex);
  // Compared with what the caller was last told, not with the state at this call: a connection
  // that broke between two calls must still wake this one.
  state_->changed.wait_until(lock, until, [&] {
    return state_->news.events > 0 || state_->news.streaming != state_->reported_streaming;
  });
  state_->reported_streaming = state_->news.streaming;
  News seen = state_->news;
  state_->news.events = 0;
  state_->news.status_changed = false;
  return seen;
}

void InstanceEventFeed::follow(const std::shared_ptr<State>& state, const std::string& server, const std::string& token,
                               int64_t instance_id) {
  client::HttpClient http(server, token);
  const std::string events_path = "/api/v1/instances/" + std::to_string(instance_id) + "/events";
  std::chrono::milliseconds backoff = kFirstBackoff;
  std::unique_lock lock(state->mutex);
  while (!state->stop) {
    // The first connection asks for every event of the instance, so an instance that ended
    // between the caller's first look and this connection is still seen; later connections
    // resume after the last event received.
    std::vector<std::string> headers;
    std::string path = events_path;
    if (state->last_event_id.empty()) path += "?after=0";
    else headers.push_back("Last-Event-ID: " + state->last_event_id);
    state->news.streaming = true;
    state->changed.notify_all();
    lock.unlock();

    client::SseParser parser;
    const auto connected_at = std::chrono::steady_clock::now();
    auto on_event = [&state](const client::SseParser::Event& event) {
      std::lock_guard guard(state->mutex);
      // A running job's output changes neither the instance nor its log: no reason to read them.
      if (event.type == "job.output") return !state->stop;
      ++state->news.events;
      if (is_status_event(event)) state->news.status_changed = true;
      if (!event.id.empty()) state->last_event_id = event.id;
      state->changed.notify_all();
      return !state->stop;
    };
    const client::HttpResult result = http.stream(path, headers, [&](std::string_view piece) {
      if (!parser.feed(piece, on_event)) return false;
      std::lock_guard guard(state->mutex);
      return !state->stop;  // keep-alives arrive every 15 s, so a stopped feed ends soon
    });

    lock.lock();
    state->news.streaming = false;
    state->changed.notify_all();
    // A 4xx will not change by trying again (no such instance, no events endpoint): poll instead.
    if (state->stop || (result.status >= 400 && result.status < 500)) break;
    // A connection that lasted is a healthy one that ended; one that keeps ending at once is not.
    if (std::chrono::steady_clock::now() - connected_at > kLongestBackoff) backoff = kFirstBackoff;
    state->changed.wait_for(lock, backoff, [&] { return state->stop; });
    backoff = std::min(backoff * 2, kLongestBackoff);
  }
}

}  // namespace wf::cli
