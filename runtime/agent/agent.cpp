// The agent's threads and the life of a job on this host (see agent.h).
//
// A job handed out by `poll` (committed as handed to this agent before the poll answered) goes
// through:
//   started.log has it?  yes → it ran (or was running) before a restart: send its stored report,
//                              or report it failed; never run it again
//   translate the spec   bad → report `config`, nothing runs
//   started.log += id    written before the process exists, flushed to the disk while it starts
//   run_job              the process group journalled, then POST start while the process runs
//                        (409/404 → the service no longer wants it: stop it); output streamed by
//                        an OutputStreamer, the job's secrets masked in it
//   outbox += report     made durable before it is sent
//   report sent          started.log += "id reported", then the outbox file goes
//
// A start reports every job of the journal that has no "reported" line at once: its stored report
// when it has one, else `failed` "the agent restarted while this job ran" (after killing what is
// left of its process group), which a `run`'s retry treats as a failure that may pass. The
// service ends the jobs it thinks run here that the heartbeats stop naming, and tells the agent
// which of its jobs an operator cancelled.
#include "runtime/agent/agent.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <list>
#include <memory>
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
#include "runtime/agent/leftover_process.h"
#include "runtime/agent/outbox.h"
#include "runtime/agent/output_streamer.h"
#include "runtime/agent/secret_mask.h"
#include "runtime/agent/server_connection.h"
#include "runtime/agent/boot_marker.h"
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
// A job's start is told while its process runs and nobody reads its output: a service slower
// than this hears of it from the report instead.
constexpr int64_t kStartTimeoutMs = 2000;
// The most jobs one poll may ask for; the service refuses more.
constexpr int kMostJobsPerPoll = 100;

std::string without_trailing_slashes(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

HostIdentity identity_from(const AgentOptions& o) {
  return HostIdentity{o.hostname.empty() ? local_hostname() : o.hostname, o.ip.empty() ? primary_ipv4() : o.ip,
                      o.os.empty() ? os_name() : o.os, o.tags};
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
    // Raised when the service says an operator cancelled the job, or when the agent's own
    // cancel flag is raised while stopping; the executor then kills the job's process group.
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
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

  void work(int64_t id, const json& spec, std::atomic<bool>* cancel);
  std::unique_ptr<client::HttpClient> take_client();
  void give_back(std::unique_ptr<client::HttpClient> http);
  void run_job(client::HttpClient& http, int64_t id, const json& spec, std::atomic<bool>* cancel);
  bool confirm_start(client::HttpClient& http, int64_t id, std::atomic<bool>* cancel);
  void answer_repeat(client::HttpClient& http, int64_t id);

  void report(client::HttpClient& http, int64_t id, const std::string& body);
  // `stored`: the body just stored, when the caller has it (else it is read from the outbox).
  Delivery send_stored(client::HttpClient& http, int64_t id, const std::string* stored = nullptr);
  bool flush_outbox(client::HttpClient& http);

  void maintenance_loop();
  void wake_maintenance();

  void settle_journal();
  std::vector<int64_t> jobs_of_this_agent();
  void apply_cancels(client::HttpClient& http, const json& answer);

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
  std::set<int64_t> running_;                    // taken up by a worker; named in heartbeats
  std::set<int64_t> reported_;                   // reports the service took during this run
  std::vector<std::unique_ptr<client::HttpClient>> idle_clients_;  // left by finished jobs, for the next
  bool outbox_wake_ = false;
  // The host restarted since the agent last ran (boot_marker.h); read and cleared by the
  // maintenance thread alone once it runs.
  bool host_restarted_ = false;
  bool maintenance_quit_ = false;
  std::thread maintenance_;
};

// ---- Start and stop ---------------------------------------------------------------------------

std::string Agent::Impl::run(std::atomic<bool>& stop, const std::atomic<bool>* cancel_jobs) {
  stop_ = &stop;
  cancel_ = cancel_jobs;
  if (std::string error = prepare_state(); !error.empty()) return error;
  settle_journal();
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
  std::error_code ec;
  const bool had_journal = std::filesystem::exists(options_.state_dir + "/started.log", ec);
  const BootCheck boot = check_boot(options_.state_dir, had_journal);
  if (!boot.error.empty()) log_(boot.error);
  if (boot.host_restarted) log_("the host restarted since the agent last ran; the service is told in the next heartbeat");
  host_restarted_ = boot.host_restarted;
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
    while (!std::all_of(workers_.begin(), workers_.end(), [](const Worker& w) { return w.done; })) {
      changed_.wait_for(lock, kStopCheck);
      if (cancel_ && cancel_->load())
        for (Worker& w : workers_) w.cancel->store(true);
    }
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
        apply_cancels(http, answer);
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
      self->thread = std::thread([this, self, id = id, spec = std::move(spec), cancel = self->cancel] {
        work(id, spec, cancel.get());
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

void Agent::Impl::work(int64_t id, const json& spec, std::atomic<bool>* cancel) {
  try {
    std::unique_ptr<client::HttpClient> http = take_client();
    run_job(*http, id, spec, cancel);
    give_back(std::move(http));
  } catch (const std::exception& e) {
    log_(fmt::format("job {}: internal error: {}", id, e.what()));
  } catch (...) {
    log_(fmt::format("job {}: internal error", id));
  }
}

void Agent::Impl::run_job(client::HttpClient& http, int64_t id, const json& spec, std::atomic<bool>* cancel) {
  if (started_.contains(id)) {
    answer_repeat(http, id);
    return;
  }
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
  if (spec.contains("credential_session") || spec.contains("rotation_of")) {
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
    // An account of this host: the process runs as it (its own uid, groups and home), and needs
    // no password for that.
    if (text("credential_type") == "local_user" && !spec.contains("rotation_of")) {
      job.run_as_user = text("username");
      job.env.erase("WF_CREDENTIAL_SECRET");
    }
    if (spec.contains("rotation_of")) {
      // A rotation's script: the secret it is to set, in its environment alone.
      job.env["WF_NEW_SECRET"] = text("new_secret");
      secrets.push_back(text("new_secret"));
    }
  }
  const SecretMask mask(secrets);
  if (std::string failure = started_.write(id); !failure.empty()) {
    // Without a record a restart could run it twice; better not to run it at all.
    log_(fmt::format("job {} internal: {}", id, failure));
    report(http, id, failure_body("internal", "cannot record that the job started: " + failure));
    return;
  }
  log_(fmt::format("job {} started: {}", id, job_description(spec)));
  jobs::JobReport outcome;
  std::string unflushed;
  bool refused = false;
  {
    OutputStreamer streamer(server_, id, log_, mask);
    // Once the process exists, where its processes are goes to the journal (so that a start after
    // a crash of the agent can end what the crash left running), and the journal goes to the disk
    // while the process starts, not before: the service committed the hand-out before this agent
    // heard of the job and never hands it out again unless this agent says it does not have it
    // (its heartbeats name every job it holds). Then the service hears that it runs, while it runs.
    const auto journal_group = [this, &http, id, cancel, &unflushed, &refused](int group) {
      if (const std::optional<ProcessMark> mark = mark_of(group)) {
        if (std::string failure = started_.record_group(id, *mark); !failure.empty())
          log_(fmt::format("job {}: cannot record its process group: {}", id, failure));
      }
      unflushed = started_.flush();
      refused = !confirm_start(http, id, cancel);
    };
    outcome = jobs::run_job(
        job, cancel, [&streamer](jobs::OutputStream stream, std::string_view data) { streamer.add(stream, data); }, journal_group);
    streamer.finish();  // the output goes before the report that ends the job
  }
  if (!unflushed.empty()) log_(fmt::format("job {}: its start record may not survive a crash of this host: {}", id, unflushed));
  if (outcome.outcome == jobs::JobOutcome::Cancelled && refused)
    outcome.error = "the service refused the job's start";
  else if (outcome.outcome == jobs::JobOutcome::Cancelled && cancel->load() && !(cancel_ && cancel_->load()))
    outcome.error = "cancelled by an operator";
  mask_report(outcome, mask);
  log_(completion_line(id, outcome));
  report(http, id, completion_body(outcome));
}

// A job's exchanges go through a client a finished job left, with its connection kept alive:
// a new connection per job would cost a connect, and the service an accept, on every job's way.
std::unique_ptr<client::HttpClient> Agent::Impl::take_client() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_clients_.empty()) {
      std::unique_ptr<client::HttpClient> http = std::move(idle_clients_.back());
      idle_clients_.pop_back();
      return http;
    }
  }
  return std::make_unique<client::HttpClient>(server_.server());
}

void Agent::Impl::give_back(std::unique_ptr<client::HttpClient> http) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (idle_clients_.size() < static_cast<size_t>(options_.max_jobs)) idle_clients_.push_back(std::move(http));
}

// Tells the service the job's process exists. One try: an unavailable service learns it from the
// report (and the heartbeats name the job meanwhile). A refusal means the service no longer has
// the job handed to this agent (it ended, or went back to the queue): the process is stopped.
bool Agent::Impl::confirm_start(client::HttpClient& http, int64_t id, std::atomic<bool>* cancel) {
  const client::HttpResult result = server_.call(http, "POST", job_path(id, "start"), "{}", kStartTimeoutMs);
  if (result.ok() || service_unavailable(result)) return true;
  log_(fmt::format("job {}: the service refused its start ({}); stopping it", id, result.describe()));
  cancel->store(true);
  return false;
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

// A report is made durable in the outbox before it is sent, and the journal says "reported"
// before the outbox lets it go: a crash at any moment between the job's end and the service's
// answer leaves the report to be sent by the next start, never a job the service waits for.
void Agent::Impl::report(client::HttpClient& http, int64_t id, const std::string& body) {
  if (std::string error = outbox_.store(id, body); !error.empty()) {
    // Sent all the same: the service having it beats having nothing.
    log_(fmt::format("the report of job {} cannot be stored ({}); sending it unstored", id, error));
    const client::HttpResult result = server_.call(http, "POST", job_path(id, "complete"), body);
    if (service_unavailable(result) || result.status == 401) {
      log_(fmt::format("the report of job {} is lost: the service is unavailable and it cannot be stored", id));
      return;
    }
    if (std::string failure = started_.record_reported(id); !failure.empty()) log_(failure);
    std::lock_guard<std::mutex> lock(mutex_);
    reported_.insert(id);
    return;
  }
  if (send_stored(http, id, &body) != Delivery::Delivered) wake_maintenance();
}

Agent::Impl::Delivery Agent::Impl::send_stored(client::HttpClient& http, int64_t id, const std::string* stored) {
  if (!outbox_.claim(id)) return Delivery::Busy;
  Delivery delivery = Delivery::Delivered;
  std::optional<std::string> loaded;
  if (!stored) loaded = outbox_.load(id);
  if (const std::string* body = stored ? stored : loaded ? &*loaded : nullptr) {
    const client::HttpResult result = server_.call(http, "POST", job_path(id, "complete"), *body);
    if (service_unavailable(result) || result.status == 401) {
      delivery = Delivery::Kept;
    } else {
      // 2xx: done. 404 or 409: the service no longer wants it. Any other refusal would be refused
      // again forever, so it is dropped too, with a word in the log.
      if (!result.ok() && result.status != 404 && result.status != 409)
        log_(fmt::format("the service refused the report of job {} ({}); dropping it", id, result.describe()));
      if (std::string error = started_.record_reported(id); !error.empty()) log_(error);
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
        lock.unlock();
        // The tags too: a service that lost them (or an agent that adopted its stored
        // registration and never enrolled) hears them within one heartbeat.
        json body = {{"running", jobs_of_this_agent()}, {"tags", server_.host().tags}};
        if (host_restarted_) body["host_restarted"] = true;  // until the service has heard it once
        const client::HttpResult result = server_.call(http, "POST", api_path("heartbeat"), body.dump(), kHeartbeatTimeoutMs);
        if (result.ok()) host_restarted_ = false;
        if (result.ok()) apply_cancels(http, json::parse(result.body, nullptr, false));
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

// ---- Restarts and the service's view of this agent's jobs -------------------------------------

// Every job the journal shows started and not reported gets a report in the outbox now (the
// maintenance thread sends them as soon as the agent is registered): the one it left, or a
// failure for a job that was running when the agent stopped. What is left of such a job's
// processes is killed first, so that a retry cannot run beside it.
void Agent::Impl::settle_journal() {
  for (const int64_t id : started_.unfinished()) {
    if (outbox_.load(id)) continue;
    if (const std::optional<ProcessMark> group = started_.group_of(id); group && kill_leftover_group(*group))
      log_(fmt::format("job {}: killed its processes left running by the previous start of the agent", id));
    log_(fmt::format("job {} was running when the agent stopped; reporting it failed", id));
    if (std::string error = outbox_.store(id, failure_body("failed", "the agent restarted while this job ran")); !error.empty())
      log_(fmt::format("the report of job {} cannot be stored: {}", id, error));
  }
}

// The jobs a heartbeat names: handed out and waiting for a slot, running, or with a report not
// yet taken. The service ends the jobs it thinks run here that are not among them.
std::vector<int64_t> Agent::Impl::jobs_of_this_agent() {
  std::set<int64_t> ids;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ids.insert(running_.begin(), running_.end());
    for (const auto& [id, spec] : queued_) ids.insert(id);
    for (const Worker& w : workers_)
      if (!w.done) ids.insert(w.job_id);
  }
  for (const int64_t id : started_.unfinished()) ids.insert(id);
  for (const int64_t id : outbox_.pending()) ids.insert(id);
  return {ids.begin(), ids.end()};
}

// `cancel` in an answer of poll or heartbeat: jobs an operator cancelled. A running one is
// killed through its executor; one still waiting for a slot is reported cancelled unrun.
void Agent::Impl::apply_cancels(client::HttpClient& http, const json& answer) {
  if (!answer.is_object() || !answer.contains("cancel") || !answer["cancel"].is_array()) return;
  std::vector<int64_t> unstarted;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const json& entry : answer["cancel"]) {
      if (!entry.is_number_integer()) continue;
      const int64_t id = entry.get<int64_t>();
      for (Worker& w : workers_)
        if (w.job_id == id && !w.done && !w.cancel->exchange(true)) log_(fmt::format("job {}: cancelled by the service", id));
      for (auto it = queued_.begin(); it != queued_.end();) {
        if (it->first != id) {
          ++it;
          continue;
        }
        unstarted.push_back(id);
        it = queued_.erase(it);
      }
    }
  }
  for (const int64_t id : unstarted) {
    log_(fmt::format("job {} not started: cancelled by the service", id));
    report(http, id, failure_body("cancelled", "cancelled by an operator"));
  }
}

// ---- The public face ----------------------------------------------------------------------------

Agent::Agent(AgentOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Agent::~Agent() = default;

std::string Agent::run(std::atomic<bool>& stop, const std::atomic<bool>* cancel_jobs) {
  return impl_->run(stop, cancel_jobs);
}

}  // namespace wf::agent
