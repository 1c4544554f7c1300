// What a local run (`wf run`, the REPL) does with a `notify` (SPEC §4.9): without a channels file
// it shows, channel by channel, the request the service would send (the same code builds it,
// runtime/notify/messages.h), with placeholders for what only a configuration gives, and sends
// nothing; with one (local/channels_file.h) it sends each request through the service's sender
// (runtime/notify/curl_sender.h) on a loop of its own, run until the transfer ends, and shows the
// outcome; the REPL's Ctrl-C drops a transfer under way. Transient failures
// (runtime/notify/retry_policy.h) are tried again at once, up to kLocalAttempts attempts in all.
// A notification that cannot be sent never fails the run.
#pragma once

#include <uv.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "local/channels_file.h"
#include "local/local_runner.h"

namespace wf::notify {
class CurlSender;
struct Outgoing;
}  // namespace wf::notify

namespace wf::local {

// Attempts per notification and channel in a local run: a first one and two immediate retries.
inline constexpr int kLocalAttempts = 3;

class Notifier {
 public:
  // Without `channels`, shows only. Its notifications are numbered from `first_id`.
  explicit Notifier(std::optional<ChannelsFile> channels, int64_t first_id = 1);
  ~Notifier();
  Notifier(const Notifier&) = delete;
  Notifier& operator=(const Notifier&) = delete;

  // The lines the timeline prints under the `notify` (LocalOptions::notify). When `cancel`
  // becomes true (the REPL's Ctrl-C) the transfer under way is dropped and nothing more is sent.
  std::vector<std::string> notify(const LocalNotification& n, const std::atomic<bool>* cancel = nullptr);
  bool sends() const { return channels_.has_value(); }
  // The number of its next notification.
  int64_t next_id() const { return next_id_; }

 private:
  // Sends one request until it is delivered, fails for good or its attempts are spent; a line
  // per attempt that failed and one for the outcome.
  void send(const notify::Outgoing& request, const std::string& channel, bool smtp, const std::atomic<bool>* cancel,
            std::vector<std::string>& lines);
  // Drops the transfers under way: a new sender replaces the closed one.
  void drop_transfers();
  static void on_tick(uv_timer_t* handle);

  std::optional<ChannelsFile> channels_;
  int64_t next_id_ = 1;  // the notifications of this run (or REPL session), numbered from 1
  uv_loop_t loop_{};
  bool loop_open_ = false;  // loop_ and tick_ are initialized and must be closed
  uv_timer_t tick_{};  // wakes the loop ten times a second while a transfer waits, to hear `cancel`
  std::unique_ptr<notify::CurlSender> sender_;
};

}  // namespace wf::local
