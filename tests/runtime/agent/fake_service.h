// A stand-in for `wf serve` in the agent's tests: a plain blocking HTTP/1.1 server on 127.0.0.1
// that speaks the agent endpoints of docs/api.md, hands out the jobs a test offers, records every
// call, and can be told to misbehave (refuse a start, fail a report, forget every token) or to
// cancel a job.
#pragma once

#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace wf::agent::testing {

struct RecordedCall {
  std::string method, path, authorization;
  nlohmann::json body;  // null when the body was not JSON
  int answered = 0;     // the status the fake answered with
};

class FakeService {
 public:
  static constexpr const char* kSecret = "enroll-secret";

  // Listens on 127.0.0.1:`port` (0: any free port).
  explicit FakeService(int port = 0);
  ~FakeService();
  FakeService(const FakeService&) = delete;
  FakeService& operator=(const FakeService&) = delete;

  int port() const { return port_; }
  std::string url() const;

  // The next poll hands `spec` out (once).
  void offer_job(nlohmann::json spec);
  // `POST /agents/jobs/{id}/start` answers `status` instead of 200.
  void answer_start(int64_t job_id, int status);
  // `POST /agents/jobs/{id}/output` answers `status` instead of 200.
  void answer_output(int64_t job_id, int status);
  // The next `count` completion reports are answered with `status` (and not taken).
  void fail_completions(int count, int status = 503);
  // Every token issued so far is refused from now on, as after a reset of the service.
  void forget_tokens();
  // `hook(job_id)` runs when a completion report arrives, before it is answered.
  void on_completion(std::function<void(int64_t)> hook);
  // Heartbeats answer that `job_id` is cancelled, as after an operator's cancel.
  void cancel_in_heartbeats(int64_t job_id);

  std::vector<RecordedCall> calls() const;
  // The calls whose path is `path` exactly.
  std::vector<RecordedCall> calls_to(const std::string& path) const;
  // Waits until `done()` holds (looked at after every call), at most `limit`.
  bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(10)) const;

 private:
  struct Request {
    std::string method, path, authorization, body;
  };
  void accept_loop();
  void serve(int fd);
  void serve_request(int fd);
  bool read_request(int fd, Request& request);
  std::pair<int, nlohmann::json> answer(const Request& request, const nlohmann::json& body);

  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;

  mutable std::mutex mutex_;  // guards the fields below
  mutable std::condition_variable changed_;
  std::vector<std::thread> connections_;
  std::vector<RecordedCall> calls_;
  std::deque<nlohmann::json> offered_;
  std::map<int64_t, int> start_answers_, output_answers_;
  int failing_completions_ = 0, failing_status_ = 503;
  std::set<std::string> tokens_;
  int issued_ = 0;
  std::function<void(int64_t)> completion_hook_;
  std::vector<int64_t> cancelled_;
};

}  // namespace wf::agent::testing
