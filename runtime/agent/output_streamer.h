// Streams one job's output to the service while the job runs (`POST /agents/jobs/{id}/output`),
// from a thread of its own, started with the job's first output: the job's pipes are drained by
// the executor at full speed whatever the service does, and output waits here while the service is
// slow or away. The job's secrets are masked in it before it is queued (secret_mask.h).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "jobs/job.h"
#include "runtime/agent/secret_mask.h"
#include "runtime/agent/server_connection.h"

namespace wf::agent {

class OutputStreamer {
 public:
  // Output is sent in batches: at most one request per `interval`, sooner once `batch_bytes` are
  // waiting; a request carries at most `batch_bytes` of one stream.
  static constexpr std::chrono::milliseconds kInterval{250};
  static constexpr size_t kBatchBytes = 64 * 1024;

  // `mask` holds the secrets handed to the job; it must outlive the streamer.
  OutputStreamer(ServerConnection& server, int64_t job_id, const Logger& log, const SecretMask& mask,
                 std::chrono::milliseconds interval = kInterval, size_t batch_bytes = kBatchBytes);
  ~OutputStreamer();  // finish()
  OutputStreamer(const OutputStreamer&) = delete;
  OutputStreamer& operator=(const OutputStreamer&) = delete;

  // Queues output; never waits for the network. The end of `data` that could be the start of a
  // secret, or a multi-byte character cut at its end, is held until the following bytes arrive.
  // Thread-safe.
  void add(jobs::OutputStream stream, std::string_view data);

  // Sends what is left and ends the sending thread. While the service is unavailable it gives up
  // at the first failure: the completion report carries the output anyway.
  void finish();

  // Bytes accepted by the service so far (for tests and logs).
  size_t bytes_sent() const;

 private:
  struct Piece {
    jobs::OutputStream stream;
    std::string data;
  };

  void queue_locked(jobs::OutputStream stream, std::string text);
  void send_loop();
  void send_batches();
  Piece take_batch_locked();
  void start_sending_locked();

  ServerConnection& server_;
  const int64_t job_id_;
  const Logger& log_;
  const std::chrono::milliseconds interval_;
  const size_t batch_bytes_;

  mutable std::mutex mutex_;  // guards the fields below
  std::condition_variable wake_;
  std::deque<Piece> pending_;
  size_t pending_bytes_ = 0;
  MaskedStream masked_[2];  // per stream (stdout, stderr): the secrets masked
  std::string held_[2];  // per stream: the start of a character whose end has not arrived
  bool finishing_ = false;
  bool finished_ = false;  // finish() has joined the thread: nothing is sent any more
  bool refused_ = false;  // the service does not want this job's output any more
  size_t sent_ = 0;
  std::thread thread_;
};

}  // namespace wf::agent
