// Follows one instance's Server-Sent Events (`GET /api/v1/instances/{id}/events`) on a thread of
// its own, for `wf wait` and `wf logs -f`. The events are wake-up calls, not the truth: the
// caller reads the instance (or its log) again when one arrives, so it needs to understand no
// event's payload, and it misses nothing when the stream breaks: it polls until the stream is
// back (reconnecting with Last-Event-ID).
//
// The stream's blocking read cannot be interrupted, so the caller waits here with a deadline of
// its own instead; a stream still blocked when the feed is destroyed is left to end with the
// process.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace wf::cli {

class InstanceEventFeed {
 public:
  struct News {
    int events = 0;               // events that arrived since the previous wait
    bool status_changed = false;  // an `instance.status` event among them
    bool streaming = false;       // whether the stream is connected (or connecting) now
  };

  // Starts following; `server` and `token` as the command resolved them.
  InstanceEventFeed(std::string server, std::string token, int64_t instance_id);
  ~InstanceEventFeed();
  InstanceEventFeed(const InstanceEventFeed&) = delete;
  InstanceEventFeed& operator=(const InstanceEventFeed&) = delete;

  // Blocks until an event arrives, the stream connects or breaks, or `until` passes; returns what
  // happened since the previous call.
  News wait(std::chrono::steady_clock::time_point until);

 private:
  struct State;
  static void follow(const std::shared_ptr<State>& state, const std::string& server, const std::string& token,
                     int64_t instance_id);
  std::shared_ptr<State> state_;
};

}  // namespace wf::cli
