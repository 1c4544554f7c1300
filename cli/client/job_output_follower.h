// Prints a job's output as it is written, for `wf job logs -f`, `wf job run -f` and
// `wf scripts run -f`: stdout to stdout and stderr to stderr, each byte once, until the job ends.
// Quiet, it prints nothing and only waits for the end (`wf scripts run --wait`).
//
// The job's event stream (`GET /jobs/{id}/events`) carries the output as `job.output` chunks, each
// with its offset in its stream. The job itself (`GET /jobs/{id}`) is the truth: it is read first,
// again whenever a chunk starts beyond what has been printed (one was missed: the stream
// connected late or broke), and once more at the end. A stream that breaks is reconnected after
// the last stored event it delivered; a service that does not serve job streams is polled every
// 500 ms instead, and one that stays away for a minute ends the command.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "cli/client/json_fields.h"

namespace wf::cli {

class ServiceConnection;

class JobOutputFollower {
 public:
  enum class Output { Print, Quiet };

  JobOutputFollower(ServiceConnection& api, int64_t job_id, Output output = Output::Print)
      : api_(api), job_id_(job_id), quiet_(output == Output::Quiet) {}

  // Prints the output there is and, when `follow`, what comes until the job ends; returns the
  // job's view as last read.
  Json run(bool follow);

 private:
  // Reads the job (nullopt while a patient read finds the service away) and prints what it has
  // beyond what was printed.
  bool refresh(bool patient);
  // Prints `text`, which starts at byte `offset` of its stream, from the first byte not yet printed
  // (quiet: counts it as printed).
  void print_from(bool stderr_stream, int64_t offset, const std::string& text);
  bool ended() const;

  ServiceConnection& api_;
  int64_t job_id_;
  bool quiet_;
  Json job_;
  size_t printed_out_ = 0, printed_err_ = 0;
  std::optional<std::chrono::steady_clock::time_point> outage_since_;
};

}  // namespace wf::cli
