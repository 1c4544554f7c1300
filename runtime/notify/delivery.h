// The delivery of notifications (SPEC §4.9): an outbox of the engine that hears every committed
// notification row, sends each pending one when it is due through the CurlSender (never blocking
// the loop), and records every attempt and its outcome through the engine — the attempt row, the
// notification's new state, a line in the instance's execution log and an event
// (`notification.delivered`, `notification.failed`, `notification.dead_lettered`). A notification
// is marked delivered only after its receiver answered, so a crash between the two sends it again
// on the next start, with the same id: delivery is at least once.
#pragma once

#include <uv.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "runtime/engine/engine.h"
#include "runtime/notify/curl_sender.h"
#include "runtime/store/database.h"

namespace wf::notify {

// Threading: the loop thread only.
class Delivery final : public engine::PostCommit {
 public:
  struct Options {
    int64_t attempt_timeout_ms = 15000;
    long max_per_host = 8;    // connections to one destination host
    size_t max_in_flight = 512;  // transfers under way at once, all hosts together
  };
  Delivery(uv_loop_t* loop, engine::Engine& engine, store::Database& reader, Options options);
  ~Delivery() override;

  // Loads the pending notifications and schedules them; false with `error` when the store cannot
  // say.
  bool start(std::string& error);
  void released(const store::Changes& committed) override;
  // Stops sending (what is under way is dropped: it stays pending in the store) and closes the
  // handles.
  void close();
  // The notifications it holds: neither delivered nor dead-lettered yet (waiting or being sent).
  size_t pending() const { return entries_.size(); }
  // Forgets what it read of an organization's channels and retry schedule, so that the next
  // attempt reads them again: called when they change through the API.
  void settings_changed(int64_t org);

 private:
  struct Entry {
    store::NotificationRow row;
    std::optional<int64_t> due;  // wall ms, while it waits for an attempt
  };

  void schedule(Entry& e, int64_t due);
  void unschedule(Entry& e);
  void arm();
  static void on_due(uv_timer_t* handle);
  void send_due();
  void attempt(Entry& e);
  void settle(int64_t id, const Answer& answer, bool smtp, const std::string& refusal);
  // A channel's configuration as last read from the store: none when it is not configured.
  struct KnownChannel {
    int64_t read_at = 0;
    std::optional<nlohmann::json> config;
  };
  // The configuration an attempt to `channel` uses; nullptr with `error` when the store cannot say.
  const KnownChannel* channel_config(int64_t org, const struct ChannelName& channel, std::string& error);
  std::vector<int64_t> schedule_of(int64_t org);
  std::string organization_name(int64_t org);

  uv_loop_t* loop_;
  engine::Engine& engine_;
  store::Database& reader_;
  Options options_;
  CurlSender sender_;
  uv_timer_t timer_{};
  bool closed_ = false;
  std::map<int64_t, Entry> entries_;               // the pending notifications, by id
  std::set<std::pair<int64_t, int64_t>> due_;      // (wall ms, id) of those waiting for an attempt
  std::map<int64_t, std::string> organizations_;   // names, by id
  // What the attempts read of the settings, kept a few seconds (settings_changed forgets them at
  // once): reading and parsing them for every attempt cost as much as building its request.
  std::map<std::tuple<int64_t, store::ChannelKind, std::string>, KnownChannel> channels_;  // by org, kind, name
  std::map<int64_t, std::pair<int64_t, std::vector<int64_t>>> schedules_;                  // by org: read at, schedule
  std::mt19937_64 random_{std::random_device{}()};
};

}  // namespace wf::notify
