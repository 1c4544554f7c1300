// The agent's threads and the life of a job on this host (see agent.h).
//
// A job handed out by `poll` goes through:
//   started.log has it?  yes → it ran (or was running) before a restart: send its stored report,
//                              or report it failed; never run it again
//   POST start           409/404 → the service no longer wants it: do nothing
//   translate the spec   bad → report `config`, nothing runs
//   started.log += id    made durable before the process exists
//   run_job              output streamed by an OutputStreamer, the job's secrets masked in it
//   report sent          kept in the outbox (made durable) only while the service cannot take it
#include "runtime/agent/agent.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "jobs/executor.h"
#include "runtime/agent/backoff.h"
#include "runtime/agent/durable_file.h"
#include "runtime/agent/host_facts.h"
#include "runtime/agent/job_wire.h"
#include "runtime/agent/outbox.h"
#include "runtime/agent/output_streamer.h"
#include "runtime/agent/secret_mask.h"
#include "runtime/agent/server_connection.h"
#include "runtime/agent/started_log.h"

namespace wf::agent {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// How often waits that cannot be woken by `stop` (it is a plain flag) look at it.
constexpr milliseconds kStopCheck{50};
// A poll may be held open `wait_ms` by the service; the exchange gets this much on top.
constexpr int64_t kPollSlackMs = 10000;
constexpr int64_t kHeartbeatTimeoutMs = 10000;
// The most jobs one poll may ask for; the service refuses more.
constexpr int kMostJobsPerPoll = 100;

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

HostIdentity identity_from(const AgentOptions& o) {
  return HostIdentity{o.hostname.empty() ? local_hostname() : o.hostname, o.ip.empty() ? primary_ipv4() : o.ip,
                      o.os.empty() ? os_name() : o.os};
}

std::string completion_line(int64_t id, const jobs::JobReport& r) {
  std::string line = fmt::format("job {} {} (exit {}, {} ms)", id, jobs::outcome_name(r.outcome), r.exit_code,
                                 static_cast<int64_t>(r.duration.count()));
  if (!r.error.empty()) line += ": " + r.error;
  return line;
}

}  // namespace

class Agent::Impl {
 public:
  explicit Impl(AgentOptions options)
      : options_(std::move(options)),
        log_(options_.log),
        started_(options_.state_dir + "/started.log"),
        outbox_(options_.state_dir + "/outbox"),
        server_(without_trailing_slashes(options_.server), options_.enroll_secret, identity_from(options_),
                options_.state_dir + "/agent.json", log_, [this] { wake_maintenance(); }) {
    options_.max_jobs = std::max(options_.max_jobs, 1);
    options_.poll_wait_ms = std::clamp(options_.poll_wait_ms, 0, 60000);
    options_.heartbeat_ms = std::max(options_.heartbeat_ms, 100);
  }

  std::string run(std::atomic<bool>& stop, const std::atomic<bool>* cancel_jobs);

 private:
  enum class Delivery { Delivered, Kept, Busy };
  struct Worker {
    int64_t job_id;
    std::thread thread;
    bool done = false;
  };

  bool stopping() const { return stop_->load() || server_.refused(); }
  bool pause(milliseconds how_long);
  std::string prepare_state();
  bool enroll(client::HttpClient& http, std::string& error);

  void poll_loop(client::HttpClient& http);
  void accept_jobs(client::HttpClient& http, const json& specs);
  void start_queued_jobs();
  void reap_finished_workers();
  size_t busy_slots();
  void shut_down(client::HttpClient& http);

  void work(int64_t id, const json& spec);
  void run_job(client::HttpClient& http, int64_t id, const json& spec);
  bool acknowledge_start(client::HttpClient& http, int64_t id);
  void answer_repeat(client::HttpClient& http, int64_t id);

  void report(client::HttpClient& http, int64_t id, const std::string& body);
  Delivery send_stored(client::HttpClient& http, int64_t id);
  bool flush_outbox(client::HttpClient& http);

  void maintenance_loop();
  void wake_maintenance();

  AgentOptions options_;
  Logger log_;
  StartedLog started_;
  Outbox outbox_;
  ServerConnection server_;
  std::atomic<bool>* stop_ = nullptr;
  const std::atomic<bool>* cancel_ = nullptr;

  std::mutex mutex_;  // guards the fields below
  // Signalled when a worker ends, when the maintenance thread has work, and when it must quit.
  std::condition_variable changed_;
  std::list<Worker> workers_;  // a list: each running thread refers to its own element
  std::deque<std::pair<int64_t, json>> queued_;  // handed out, waiting for a free slot
  std::set<int64_t> running_;                    // started on the service; named in heartbeats
  std::set<int64_t> reported_;                   // reports the service took during this run
  bool outbox_wake_ = false;
  bool maintenance_quit_ = false;
  std::thread maintenance_;
};

// ---- Start and stop ---------------------------------------------------------------------------

std::string Agent::Impl::run(std::atomic<bool>& stop, const std::atomic<bool>* cancel_jobs) {
  stop_ = &stop;
  cancel_ = cancel_jobs;
  if (std::string error = prepare_state(); !error.empty()) return error;
  client::HttpClient http(server_.server());
  if (!server_.adopt_stored_registration()) {
    std::string error;
    if (!enroll(http, error)) return error;
    if (stopping()) return {};
  }
  try {
    maintenance_ = std::thread([this] { maintenance_loop(); });
  } catch (const std::exception& e) {
    return fmt::format("cannot start a thread: {}", e.what());
  }
  try {
    poll_loop(http);
  } catch (const std::exception& e) {
    log_(fmt::format("stopping after an internal error: {}", e.what()));
  }
  shut_down(http);
  return server_.refusal();
}

bool Agent::Impl::pause(milliseconds how_long) {
  const auto until = Clock::now() + how_long;
  while (!stopping()) {
    const auto now = Clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(until - now, kStopCheck));
  }
  return false;
}

std::string Agent::Impl::prepare_state() {
  if (std::string error = make_private_directory(options_.state_dir); !error.empty()) return error;
  if (std::string error = started_.load(); !error.empty()) return error;
  return outbox_.open();
}

// Enrolls, retrying while the service is away. False with `error` when it refuses the agent;
// false with no error when stopped first.
bool Agent::Impl::enroll(client::HttpClient& http, std::string& error) {
  Backoff backoff;
  for (;;) {
    switch (server_.enroll(http, error)) {
      case ServerConnection::Enrollment::Enrolled: return true;
      case ServerConnection::Enrollment::Refused: return false;
      case ServerConnection::Enrollment::Unavailable: break;
    }
    if (!pause(backoff.next())) {
      error.clear();
      return false;
    }
  }
}

void Agent::Impl::shut_down(client::HttpClient& http) {
  std::deque<std::pair<int64_t, json>> never_started;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    never_started.swap(queued_);
  }
  for (const auto& [id, spec] : never_started) {
    log_(fmt::format("job {} not started: the agent is stopping", id));
    report(http, id, failure_body("cancelled", "the agent stopped before the job could start"));
  }
  {
    std::unique_lock<std::mutex> lock(mutex_);
    const auto running = std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return !w.done; });
    if (running > 0) log_(fmt::format("waiting for {} running job(s) to finish", running));
    changed_.wait(lock, [&] { return std::all_of(workers_.begin(), workers_.end(), [](const Worker& w) { return w.done; }); });
    for (Worker& w : workers_) w.thread.join();
    workers_.clear();
    maintenance_quit_ = true;
    changed_.notify_all();
  }
  if (maintenance_.joinable()) maintenance_.join();
  if (!flush_outbox(http))
    log_(fmt::format("{} completion report(s) kept in {} for the next start", outbox_.pending().size(), outbox_.dir()));
}

// ---- Polling ----------------------------------------------------------------------------------

void Agent::Impl::poll_loop(client::HttpClient& http) {
  Backoff backoff;
  while (!stopping()) {
    reap_finished_workers();
    start_queued_jobs();
    const size_t busy = busy_slots();
    if (busy >= static_cast<size_t>(options_.max_jobs)) {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait_for(lock, kStopCheck * 2);
      continue;
    }
    const int free_slots = std::min(options_.max_jobs - static_cast<int>(busy), kMostJobsPerPoll);
    const json request = {{"max_jobs", free_slots}, {"wait_ms", options_.poll_wait_ms}};
    const client::HttpResult result =
        server_.call(http, "POST", api_path("poll"), request.dump(), options_.poll_wait_ms + kPollSlackMs);
    if (result.ok()) {
      const json answer = json::parse(result.body, nullptr, false);
      if (answer.is_object() && answer.contains("jobs") && answer["jobs"].is_array()) {
        backoff.reset();
        accept_jobs(http, answer["jobs"]);
        continue;
      }
      log_("the service's answer to poll is not {jobs: [...]}");
    } else if (!service_unavailable(result) && result.status != 401) {
      log_(fmt::format("poll refused: {}", result.describe()));
    }
    pause(backoff.next());
  }
}

void Agent::Impl::accept_jobs(client::HttpClient& http, const json& specs) {
  for (const json& spec : specs) {
    const int64_t id = job_id_of(spec);
    if (id == 0) {
      log_(fmt::format("ignoring a job without an id: {}", dump_lenient(spec).substr(0, 200)));
      continue;
    }
    if (stop_->load()) {
      // Handed out by a poll that was open when the stop came: tell the service now rather than
      // leave it waiting for a start that will not come.
      log_(fmt::format("job {} not started: the agent is stopping", id));
      report(http, id, failure_body("cancelled", "the agent stopped before the job could start"));
      continue;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    const bool here = std::any_of(workers_.begin(), workers_.end(), [&](const Worker& w) { return w.job_id == id && !w.done; }) ||
                      std::any_of(queued_.begin(), queued_.end(), [&](const auto& q) { return q.first == id; });
    if (here) {
      log_(fmt::format("job {} was handed out again while it is here; ignoring the repeat", id));
      continue;
    }
    queued_.emplace_back(id, spec);
  }
  start_queued_jobs();
}

void Agent::Impl::start_queued_jobs() {
  std::lock_guard<std::mutex> lock(mutex_);
  while (!queued_.empty()) {
    const auto running = std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return !w.done; });
    if (running >= options_.max_jobs) break;
    auto [id, spec] = std::move(queued_.front());
    workers_.push_back(Worker{id, {}, false});
    auto self = std::prev(workers_.end());
    try {
      self->thread = std::thread([this, self, id = id, spec = std::move(spec)] {
        work(id, spec);
        std::lock_guard<std::mutex> done(mutex_);
        self->done = true;
        running_.erase(id);
        changed_.notify_all();
      });
    } catch (const std::exception& e) {
      // Out of threads: the job stays queued for the next round.
      log_(fmt::format("cannot start a thread for job {}: {}", id, e.what()));
      workers_.erase(self);
      break;
    }
    queued_.pop_front();
  }
}

void Agent::Impl::reap_finished_workers() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (!it->done) {
      ++it;
      continue;
    }
    it->thread.join();  // it has marked itself done and only returns from here on
    it = workers_.erase(it);
  }
}

size_t Agent::Impl::busy_slots() {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto running = std::count_if(workers_.begin(), workers_.end(), [](const Worker& w) { return !w.done; });
  return static_cast<size_t>(running) + queued_.size();
}

// ---- One job ----------------------------------------------------------------------------------

void Agent::Impl::work(int64_t id, const json& spec) {
  try {
    client::HttpClient http(server_.server());
    run_job(http, id, spec);
  } catch (const std::exception& e) {
    log_(fmt::format("job {}: internal error: {}", id, e.what()));
  } catch (...) {
    log_(fmt::format("job {}: internal error", id));
  }
}

void Agent::Impl::run_job(client::HttpClient& http, int64_t id, const json& spec) {
  if (started_.contains(id)) {
    answer_repeat(http, id);
    return;
  }
  if (!acknowledge_start(http, id)) return;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_.insert(id);
  }
  jobs::JobSpec job;
  std::vector<std::string> secrets;  // what the job's output must not show (SPEC §1.8)
  std::string error;
  if (!translate_job_spec(spec, job, error)) {
    log_(fmt::format("job {} config: {}", id, error));
    report(http, id, failure_body("config", error));
    return;
  }
  if (spec.contains("credential_session")) {
    // A job run `as` a credential: its secret is fetched now, for this job alone, and reaches the
    // process through its environment only (SPEC §4.2), never its argv or the agent's files.
    const client::HttpResult answer = server_.call(http, "GET", job_path(id, "credential"), "");
    const json credential = answer.ok() ? json::parse(answer.body, nullptr, false) : json();
    if (!credential.is_object() || !credential.contains("secret") || !credential["secret"].is_string()) {
      const std::string why = "cannot fetch the job's credential: " + answer.describe();
      log_(fmt::format("job {} config: {}", id, why));
      report(http, id, failure_body("config", why));
      return;
    }
    auto text = [&](const char* key) { return credential.value(key, std::string()); };
    job.env["WF_CREDENTIAL_USERNAME"] = text("username");
    job.env["WF_CREDENTIAL_DOMAIN"] = text("domain");
    job.env["WF_CREDENTIAL_TYPE"] = text("credential_type");
    job.env["WF_CREDENTIAL_SECRET"] = text("secret");
    secrets.push_back(text("secret"));
  }
  const SecretMask mask(secrets);
  if (std::string failure = started_.record(id); !failure.empty()) {
    // Without a durable record a restart could run it twice; better not to run it at all.
    log_(fmt::format("job {} internal: {}", id, failure));
    report(http, id, failure_body("internal", "cannot record that the job started: " + failure));
    return;
  }
  log_(fmt::format("job {} started: {}", id, job_description(spec)));
  jobs::JobReport outcome;
  {
    OutputStreamer streamer(server_, id, log_, mask);
    outcome = jobs::run_job(job, cancel_, [&streamer](jobs::OutputStream stream, std::string_view data) { streamer.add(stream, data); });
    streamer.finish();  // the output goes before the report that ends the job
  }
  mask_report(outcome, mask);
  log_(completion_line(id, outcome));
  report(http, id, completion_body(outcome));
}

bool Agent::Impl::acknowledge_start(client::HttpClient& http, int64_t id) {
  Backoff backoff;
  for (;;) {
    const client::HttpResult result = server_.call(http, "POST", job_path(id, "start"));
    if (result.ok()) return true;
    if (!service_unavailable(result)) {
      log_(fmt::format("job {} not run: the service refused to start it ({})", id, result.describe()));
      return false;
    }
    if (!pause(backoff.next())) {
      log_(fmt::format("job {} not started: the agent is stopping", id));
      report(http, id, failure_body("cancelled", "the agent stopped before the job could start"));
      return false;
    }
  }
}

// The job is in started.log: it ran, or was running when the agent stopped. It never runs again.
void Agent::Impl::answer_repeat(client::HttpClient& http, int64_t id) {
  // Another thread may be sending the stored report right now; its answer decides what is left.
  while (!outbox_.claim(id))
    if (!pause(kStopCheck)) return;
  bool reported = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    reported = reported_.count(id) != 0;
  }
  const bool stored = outbox_.load(id).has_value();
  outbox_.release(id);
  if (reported) {
    log_(fmt::format("job {} already ran and was reported; ignoring the repeat", id));
  } else if (stored) {
    log_(fmt::format("job {} already ran; sending its stored report", id));
    if (send_stored(http, id) == Delivery::Kept) wake_maintenance();
  } else {
    log_(fmt::format("job {} was started before the agent restarted; not running it again", id));
    report(http, id, failure_body("failed", "the agent restarted while this job ran"));
  }
}

// ---- Reports ----------------------------------------------------------------------------------

// A report is sent at once and kept in the outbox (durably) only when the service cannot take
// it now: writing it first would put two more disk flushes between every job and the next. A
// crash in the moment between the job's end and the send loses the report, as a crash before
// the outbox write would; the service then ends the job as unreachable.
void Agent::Impl::report(client::HttpClient& http, int64_t id, const std::string& body) {
  const client::HttpResult result = server_.call(http, "POST", job_path(id, "complete"), body);
  if (!service_unavailable(result) && result.status != 401) {
    if (!result.ok() && result.status != 404 && result.status != 409)
      log_(fmt::format("the service refused the report of job {} ({}); dropping it", id, result.describe()));
    std::lock_guard<std::mutex> lock(mutex_);
    reported_.insert(id);
    return;
  }
  if (std::string error = outbox_.store(id, body); !error.empty()) {
    log_(fmt::format("the report of job {} is lost: the service is unavailable and it cannot be stored ({})", id, error));
    return;
  }
  wake_maintenance();
}

Agent::Impl::Delivery Agent::Impl::send_stored(client::HttpClient& http, int64_t id) {
  if (!outbox_.claim(id)) return Delivery::Busy;
  Delivery delivery = Delivery::Delivered;
  if (const std::optional<std::string> body = outbox_.load(id)) {
    const client::HttpResult result = server_.call(http, "POST", job_path(id, "complete"), *body);
    if (service_unavailable(result) || result.status == 401) {
      delivery = Delivery::Kept;
    } else {
      // 2xx: done. 404 or 409: the service no longer wants it. Any other refusal would be refused
      // again forever, so it is dropped too, with a word in the log.
      if (!result.ok() && result.status != 404 && result.status != 409)
        log_(fmt::format("the service refused the report of job {} ({}); dropping it", id, result.describe()));
      if (std::string error = outbox_.remove(id); !error.empty()) log_(error);
      std::lock_guard<std::mutex> lock(mutex_);
      reported_.insert(id);
    }
  }
  outbox_.release(id);
  return delivery;
}

// Sends every stored report not being sent by a worker. False when the service was unavailable.
bool Agent::Impl::flush_outbox(client::HttpClient& http) {
  for (const int64_t id : outbox_.pending())
    if (send_stored(http, id) == Delivery::Kept) return false;
  return true;
}

// ---- Heartbeats and resending -----------------------------------------------------------------

void Agent::Impl::wake_maintenance() {
  std::lock_guard<std::mutex> lock(mutex_);
  outbox_wake_ = true;
  changed_.notify_all();
}

void Agent::Impl::maintenance_loop() {
  try {
    client::HttpClient http(server_.server());
    Backoff backoff;
    auto next_heartbeat = Clock::now();
    auto next_flush = Clock::now();
    bool flush_due = true;  // reports left by an earlier run go first
    std::string last_heartbeat_refusal;
    std::unique_lock<std::mutex> lock(mutex_);
    while (!maintenance_quit_) {
      if (outbox_wake_) {
        outbox_wake_ = false;
        flush_due = true;
        next_flush = Clock::now();
      }
      if (Clock::now() >= next_heartbeat) {
        const json body = {{"running", json(running_)}};
        lock.unlock();
        const client::HttpResult result = server_.call(http, "POST", api_path("heartbeat"), body.dump(), kHeartbeatTimeoutMs);
        // Unavailability is logged by the connection; a refusal is logged here, once per reason.
        const std::string refusal = result.ok() || service_unavailable(result) ? std::string() : result.describe();
        if (!refusal.empty() && refusal != last_heartbeat_refusal) log_(fmt::format("heartbeat refused: {}", refusal));
        last_heartbeat_refusal = refusal;
        lock.lock();
        next_heartbeat = Clock::now() + milliseconds(options_.heartbeat_ms);
        continue;
      }
      if (flush_due && Clock::now() >= next_flush) {
        lock.unlock();
        const bool all_sent = flush_outbox(http);
        lock.lock();
        if (all_sent) {
          flush_due = false;
          backoff.reset();
        } else {
          next_flush = Clock::now() + backoff.next();
        }
        continue;
      }
      changed_.wait_until(lock, flush_due ? std::min(next_heartbeat, next_flush) : next_heartbeat,
                          [&] { return maintenance_quit_ || outbox_wake_; });
    }
  } catch (const std::exception& e) {
    log_(fmt::format("heartbeats stopped after an internal error: {}", e.what()));
  }
}

// ---- The public face ----------------------------------------------------------------------------

Agent::Agent(AgentOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Agent::~Agent() = default;

std::string Agent::run(std::atomic<bool>& stop, const std::atomic<bool>* cancel_jobs) {
  return impl_->run(stop, cancel_jobs);
}

}  // namespace wf::agent
