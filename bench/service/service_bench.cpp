// Measures `wf serve` against its targets (docs/performance.md, "`wf serve`"): the time a step
// costs an instance (a chain of `run command "true"` through one agent, and a chain of durable
// steps that need no job), how many step transitions per second 1,000 concurrent instances make
// with synchronous=FULL beside the store's single-commit bound, what 10,000 instances parked at an
// approval cost in resident memory and how fast approving them all completes them, what a GET
// of an instance answers under 50 connections (wrk), and how late the ticks of 1,000 `@every 1s`
// schedules fire while the throughput run goes on. The step chains, the throughput (followed by
// the GET) and the parked instances each run against a new server with a new data directory,
// started as a child process on 127.0.0.1. One JSON line is printed per measurement and a
// Markdown summary at the end.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <stdio.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/service/bench_common.h"
#include "runtime/client/http_client.h"
#include "tests/runtime/service/service_fixture.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using wf::bench::BenchError;
using wf::bench::print_line;
using wf::bench::wrk_ms;
using wf::client::HttpClient;
using wf::client::HttpResult;
using Clock = std::chrono::steady_clock;

struct Settings {
  int chain_instances = 5;      // instances per step-overhead measurement, run one after another
  int chain_steps = 40;
  int throughput_instances = 1000;
  int throughput_steps = 10;
  int parked_instances = 10000;
  int clients = 64;             // concurrent HTTP clients for starts and approvals
  int wrk_seconds = 10;
  int wrk_connections = 50;
  double commit_seconds = 2.0;  // length of the single-commit measurement
  std::string commit_bench;     // wf_store_commit_bench, for the single-commit bound
  int schedules = 1000;         // `@every 1s` schedules in the schedules measurement
  int schedule_seconds = 20;    // how long their ticks are measured, the throughput run going on all along
  std::string only;             // run one measurement: chain, throughput, parked, http or schedules
  bool keep = false;            // keep the data directories (for a look at the logs)
  std::string serve_flags;      // more `wf serve` flags, split at spaces (e.g. "--metrics off")
  double notify_rate = 0;       // notifications per second delivered beside the throughput run (0: none)
  bool notify_control = false;  // the same starts at --notify-rate, of a workflow that does not notify
};

// `text` split at runs of spaces.
std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

// An RFC 3339 UTC time as the API writes it ("2026-11-21T08:00:00.000Z") in milliseconds.
std::optional<int64_t> parse_time(const json& j) {
  if (!j.is_string()) return std::nullopt;
  int y, mo, d, h, mi, s, ms = 0;
  if (std::sscanf(j.get<std::string>().c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &y, &mo, &d, &h, &mi, &s, &ms) < 6) return std::nullopt;
  struct tm t {};
  t.tm_year = y - 1900;
  t.tm_mon = mo - 1;
  t.tm_mday = d;
  t.tm_hour = h;
  t.tm_min = mi;
  t.tm_sec = s;
  return static_cast<int64_t>(timegm(&t)) * 1000 + ms;
}

double median(std::vector<double> xs) {
  if (xs.empty()) return 0;
  std::sort(xs.begin(), xs.end());
  const size_t n = xs.size();
  return n % 2 ? xs[n / 2] : (xs[n / 2 - 1] + xs[n / 2]) / 2;
}

// A field of /proc/PID/status in kB ("VmRSS", "VmHWM"), or -1.
int64_t proc_status_kb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::strtoll(line.c_str() + field.size() + 1, nullptr, 10);
  return -1;
}

// The 1-, 5- and 15-minute load averages of the machine.
json load_average() {
  std::ifstream in("/proc/loadavg");
  double one = 0, five = 0, fifteen = 0;
  in >> one >> five >> fifteen;
  return json::array({one, five, fifteen});
}

// CPU seconds of a process so far (from /proc/PID/task/*/stat): its main thread, which is `wf
// serve`'s loop, as "loop", and the others (the store's writer, libuv's pool) as "other".
std::map<std::string, double> thread_cpu_seconds(pid_t pid) {
  std::map<std::string, double> out;
  std::error_code ec;
  for (const auto& task : fs::directory_iterator("/proc/" + std::to_string(pid) + "/task", ec)) {
    std::ifstream in(task.path() / "stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t open = text.find('('), close = text.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    std::istringstream rest(text.substr(close + 2));
    std::string field;
    unsigned long long ticks = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i)
      if (i == 14 || i == 15) ticks += std::stoull(field);
    const std::string name = task.path().filename() == std::to_string(pid) ? "loop" : "other";
    out[name] += static_cast<double>(ticks) / static_cast<double>(sysconf(_SC_CLK_TCK));
  }
  return out;
}

// What each thread used between two thread_cpu_seconds readings.
json thread_cpu_delta(const std::map<std::string, double>& before, const std::map<std::string, double>& after) {
  json out = json::object();
  for (const auto& [name, seconds] : after) {
    auto it = before.find(name);
    out[name] = seconds - (it == before.end() ? 0.0 : it->second);
  }
  return out;
}

// CPU seconds this driver has used so far (every thread).
double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// ---- the processes -------------------------------------------------------------------------------

// `wf serve` on a free port of 127.0.0.1 with its own data directory, and any `wf agent`s beside
// it; everything is stopped and the directory removed when it goes.
class Server {
 public:
  // `serve_flags`: more `wf serve` flags, after --data and --listen.
  Server(bool keep, std::vector<std::string> serve_flags) : keep_(keep), serve_flags_(std::move(serve_flags)) {}
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  ~Server() {
    for (auto& a : agents_) a->terminate();
    if (process_) process_->terminate();
    std::error_code ignored;
    if (!keep_ && !dir_.empty()) fs::remove_all(dir_, ignored);
    else if (!dir_.empty()) std::fprintf(stderr, "service_bench: kept %s\n", dir_.c_str());
  }

  void start() {
    dir_ = wf::testing::make_temp_dir("wf-service-bench");
    if (dir_.empty()) throw BenchError("cannot create a temporary directory");
    // Another process may take the port between the probe and the bind: try a few.
    for (int attempt = 0; attempt < 5; ++attempt) {
      port_ = wf::testing::free_port();
      process_ = std::make_unique<wf::testing::Process>();
      std::vector<std::string> args = {"serve", "--data", (dir_ / "data").string(), "--listen", "127.0.0.1:" + std::to_string(port_)};
      args.insert(args.end(), serve_flags_.begin(), serve_flags_.end());
      if (!process_->spawn(args, dir_ / "serve.log"))
        throw BenchError("cannot start wf serve");
      HttpClient probe(url());
      const bool up = wf::testing::wait_until([&] { return !process_->running() || probe.get("/api/v1/health", 1000).ok(); }) &&
                      process_->running();
      if (up) {
        api_ = std::make_unique<HttpClient>(url(), token());
        return;
      }
      process_->terminate();
    }
    throw BenchError("wf serve did not start; its log: " + (dir_ / "serve.log").string());
  }

  // Starts `wf agent` for `hostname` and waits until the host is registered.
  void add_agent(const std::string& hostname) {
    auto agent = std::make_unique<wf::testing::Process>();
    if (!agent->spawn({"agent", "--server", url(), "--enroll", wf::testing::read_first_line(dir_ / "data" / "enroll.secret"),
                       "--hostname", hostname, "--state", (dir_ / ("agent-" + hostname)).string()},
                      dir_ / ("agent-" + hostname + ".log")))
      throw BenchError("cannot start wf agent");
    agents_.push_back(std::move(agent));
    const bool registered = wf::testing::wait_until([&] {
      json hosts = wf::testing::body_json(api_->get("/api/v1/hosts"));
      for (const json& h : hosts.value("items", json::array()))
        if (h.is_object() && h.value("hostname", "") == hostname) return true;
      return false;
    });
    if (!registered) throw BenchError("wf agent for " + hostname + " did not register");
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string token() const { return wf::testing::read_first_line(dir_ / "data" / "admin.token"); }
  const fs::path& dir() const { return dir_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  HttpClient& api() { return *api_; }
  std::unique_ptr<HttpClient> new_client() const { return std::make_unique<HttpClient>(url(), token()); }

 private:
  bool keep_;
  std::vector<std::string> serve_flags_;
  fs::path dir_;
  int port_ = 0;
  std::unique_ptr<wf::testing::Process> process_;
  std::vector<std::unique_ptr<wf::testing::Process>> agents_;
  std::unique_ptr<HttpClient> api_;
};

// ---- the workflows -------------------------------------------------------------------------------

// `count` steps named s1.., each with `body`, in a workflow that returns the count.
std::string chain(const std::string& name, const std::string& params, int count, const std::string& body) {
  std::string s = fmt::format("workflow {}({}) -> int {{\n", name, params);
  for (int i = 1; i <= count; ++i) s += fmt::format("  step \"s{}\" {{ {} }}\n", i, body);
  return s + fmt::format("  return {}\n}}\n", count);
}

std::string bench_source(const Settings& s) {
  return chain("jobs_chain", "targets: hosts", s.chain_steps, "run command \"true\" on targets") +
         chain("durable_chain", "", s.chain_steps, "sleep 0s") +  // due at once, but still a yield and a commit
         chain("zero_sleep_chain", "", s.chain_steps, "sleep 1ms") +  // the same with a real wait
         chain("durable10", "", s.throughput_steps, "sleep 0s") +
         "workflow parked() -> string {\n  approve \"Go ahead?\"\n  return \"done\"\n}\n" +
         "workflow tick() -> int {\n  return 1\n}\n" +
         "workflow notify_once() {\n  notify \"bench\" to webhook(\"bench\")\n}\n" +
         "workflow notify_none() {\n  log \"bench\"\n}\n";
}

void push_definitions(HttpClient& api, const Settings& s) {
  HttpResult r = api.post("/api/v1/definitions", json({{"source", bench_source(s)}, {"file", "service_bench.wf"}}).dump());
  if (r.status != 201) throw BenchError("pushing the benchmark's workflows failed: " + r.describe() + " " + r.body);
}

// ---- talking to the service ---------------------------------------------------------------------------

// Starts `workflow`; returns the answer's instance detail (with its id), or throws.
json start_instance(HttpClient& api, const std::string& workflow, const json& body) {
  HttpResult r = api.post("/api/v1/definitions/" + workflow + "/run", body.dump());
  json d = wf::testing::body_json(r);
  if (r.status != 201 || !d.contains("id") || !d["id"].is_number_integer())
    throw BenchError("starting " + workflow + " failed: " + r.describe());
  return d;
}

// The `total` of a list endpoint (e.g. "/api/v1/instances?status=completed"), or -1.
int64_t list_total(HttpClient& api, const std::string& path) {
  json j = wf::testing::body_json(api.get(path + (path.find('?') == std::string::npos ? "?" : "&") + "limit=1&count=true"));
  return j.contains("total") && j["total"].is_number_integer() ? j["total"].get<int64_t>() : -1;
}

// Every item of a paged list endpoint.
std::vector<json> list_all(HttpClient& api, const std::string& path) {
  std::vector<json> items;
  for (int64_t skip = 0;; skip += 1000) {
    HttpResult r = api.get(path + (path.find('?') == std::string::npos ? "?" : "&") + fmt::format("limit=1000&skip={}", skip));
    json j = wf::testing::body_json(r);
    if (!r.ok() || !j.contains("items") || !j["items"].is_array()) throw BenchError("listing " + path + " failed: " + r.describe());
    for (json& item : j["items"]) items.push_back(std::move(item));
    if (j["items"].size() < 1000) return items;
  }
}

// Polls until `done` holds (every `interval`), or throws after `limit`.
void poll_until(const std::function<bool()>& done, const std::string& what, std::chrono::milliseconds interval,
                std::chrono::seconds limit) {
  const auto end = Clock::now() + limit;
  while (!done()) {
    if (Clock::now() > end) throw BenchError("timed out waiting for " + what);
    std::this_thread::sleep_for(interval);
  }
}

// Runs `job(client, index)` for index 0..count-1 on `clients` threads, each with its own
// keep-alive connection. Returns the first failure's message, or "".
std::string fan_out(const Server& server, int clients, int count, const std::function<std::string(HttpClient&, int)>& job) {
  std::atomic<int> next{0};
  std::mutex mutex;
  std::string first_error;
  std::vector<std::thread> threads;
  for (int t = 0; t < clients; ++t) {
    threads.emplace_back([&] {
      try {
        auto client = server.new_client();
        for (int i = next++; i < count; i = next++) {
          std::string error = job(*client, i);
          if (!error.empty()) {
            std::lock_guard lock(mutex);
            if (first_error.empty()) first_error = error;
            return;
          }
        }
      } catch (const std::exception& e) {  // nothing leaves the thread
        std::lock_guard lock(mutex);
        if (first_error.empty()) first_error = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  return first_error;
}

// Notifications delivered beside a measurement (--notify-rate): a lean receiver
// (bench/service/sink_receiver.py, one asyncio loop answering 200 at once, keep-alive) on a port
// of its own, a webhook channel `bench` to it, and a few threads of this process that start
// `notify_once` instances (each one `notify`, so one delivery) at `rate` a second, for as long as
// it runs (`notify_none` instead, which only logs, for the control: what the starts cost without
// their deliveries). The receiver and the starting threads use the same two cores as the service;
// the receiver is the leanest the standard library allows so that what it takes stays small
// beside what the service spends (a real receiver is on another machine).
class Deliveries {
 public:
  // Concurrent starts: under the throughput run a start is answered in tens of milliseconds, so a
  // thread keeps up with about 10 to 20 a second.
  static int threads_for(double rate) { return std::clamp(static_cast<int>(rate / 10) + 1, 2, 64); }

  // `workflow`: notify_once, or notify_none for the control (the same starts, no notification).
  Deliveries(Server& server, double rate, std::string workflow) : server_(server), rate_(rate), workflow_(std::move(workflow)) {}
  Deliveries(const Deliveries&) = delete;
  Deliveries& operator=(const Deliveries&) = delete;
  ~Deliveries() { stop(); }

  // Starts the receiver, configures the channel and begins starting instances.
  void start() {
    const fs::path port_file = server_.dir() / "receiver.port";
    if (!receiver_.spawn_program("python3", {std::string(WF_SOURCE_DIR) + "/bench/service/sink_receiver.py", port_file.string()},
                                 server_.dir() / "receiver.log"))
      throw BenchError("cannot start the notification receiver");
    if (!wf::testing::wait_until([&] { return fs::exists(port_file) && !wf::testing::read_first_line(port_file).empty(); },
                                 std::chrono::seconds(20)))
      throw BenchError("the notification receiver did not start");
    const std::string url = "http://127.0.0.1:" + wf::testing::read_first_line(port_file) + "/bench";
    HttpResult r = server_.api().post("/api/v1/notification-channels",
                                      json({{"kind", "webhook"}, {"name", "bench"}, {"config", {{"url", url}}}}).dump());
    if (r.status != 201) throw BenchError("configuring the webhook channel failed: " + r.describe() + " " + r.body);
    began_ = Clock::now();
    for (int t = 0; t < threads_for(rate_); ++t) threads_.emplace_back([this] { pace(); });
  }
  // Stops starting instances (what was started is still delivered) and stops the receiver.
  void stop() {
    stopping_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
    receiver_.terminate();
  }
  int64_t started() const { return started_; }
  const std::string& error() const { return error_; }

 private:
  // Each thread takes the next start's number n and sleeps until its time, `began_` + n / `rate`
  // (at once when that time has passed), then starts it: the threads wake only to start, so what
  // the pacing itself costs the shared cores is the starts' requests and no polling.
  void pace() {
    try {
      auto client = server_.new_client();
      while (!stopping_) {
        const int64_t n = claimed_++;
        const auto due = began_ + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(n / rate_));
        while (!stopping_ && Clock::now() < due) std::this_thread::sleep_until(std::min(due, Clock::now() + std::chrono::milliseconds(50)));
        if (stopping_) break;
        HttpResult r = client->post("/api/v1/definitions/" + workflow_ + "/run", "{}");
        if (r.status != 201) throw BenchError("starting " + workflow_ + " failed: " + r.describe());
        ++started_;
      }
    } catch (const std::exception& e) {  // nothing leaves the thread
      std::lock_guard lock(mutex_);
      if (error_.empty()) error_ = e.what();
    }
  }

  Server& server_;
  double rate_;
  std::string workflow_;
  wf::testing::Process receiver_;
  Clock::time_point began_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> claimed_{0};  // the starts' numbers taken by the threads
  std::atomic<int64_t> started_{0};
  std::vector<std::thread> threads_;
  std::mutex mutex_;
  std::string error_;
};

// ---- the measurements -------------------------------------------------------------------------------

struct Summary {
  std::vector<std::vector<std::string>> rows;  // measure, figure, target, met
  void add(std::string measure, std::string figure, std::string target, std::optional<bool> met) {
    rows.push_back({std::move(measure), std::move(figure), std::move(target), met ? (*met ? "yes" : "no") : "—"});
  }
};

struct ChainFigures {
  std::vector<double> per_step_ms;         // by the service's clock (started_at to ended_at, ms resolution)
  std::vector<double> client_per_step_ms;  // by the client's clock, start request to completion seen
  int64_t last_id = 0;
  std::string start_answer_status;  // the status in the start request's answer (after its commit)
};

// Runs `workflow` `count` times one after another; each instance's time per step from its
// started_at to its ended_at. `poll_every` is how often the client looks for the end: every
// millisecond where the client's view is a figure (durable steps); less often where it is not
// (job steps), since each look costs the server a detail read on the cores the steps run on.
ChainFigures run_chain(HttpClient& api, const std::string& workflow, const json& body, int count, int steps,
                       std::chrono::milliseconds poll_every = std::chrono::milliseconds(1)) {
  ChainFigures f;
  for (int i = 0; i < count; ++i) {
    const auto t0 = Clock::now();
    json started = start_instance(api, workflow, body);
    f.start_answer_status = started.value("status", "");
    const int64_t id = started["id"].get<int64_t>();
    // The client's view: from the start request to seeing the instance completed, which the
    // service shows only once the last transition has committed.
    json d;
    const auto deadline = t0 + std::chrono::seconds(120);
    while (Clock::now() < deadline) {
      d = wf::testing::instance(api, id);
      if (wf::testing::is_terminal(d.value("status", ""))) break;
      std::this_thread::sleep_for(poll_every);
    }
    f.client_per_step_ms.push_back(seconds_since(t0) * 1000.0 / steps);
    if (d.value("status", "") != "completed")
      throw BenchError(fmt::format("{} instance {} did not complete: {}", workflow, id, d.dump()));
    const auto begun = parse_time(d["started_at"]), ended = parse_time(d["ended_at"]);
    if (!begun || !ended) throw BenchError(fmt::format("{} instance {} has no started_at/ended_at", workflow, id));
    f.per_step_ms.push_back(static_cast<double>(*ended - *begun) / steps);
    f.last_id = id;
  }
  return f;
}

// Where a job step's time goes, from the job rows of one instance (ms clock, medians): queued to
// started (the queued job's commit, its dispatch's commit, the poll's answer, the agent's start
// report), started to ended (the start's commit, the process, the completion report), the
// process alone as the agent timed it, and ended to the next job queued.
json job_step_breakdown(HttpClient& api, int64_t instance_id) {
  std::vector<json> jobs = list_all(api, fmt::format("/api/v1/jobs?instance={}", instance_id));
  std::sort(jobs.begin(), jobs.end(), [](const json& a, const json& b) { return a.value("id", 0) < b.value("id", 0); });
  std::vector<double> queued_to_started, started_to_ended, process, ended_to_next;
  for (size_t i = 0; i < jobs.size(); ++i) {
    const auto queued = parse_time(jobs[i].value("scheduled_at", json())), started = parse_time(jobs[i].value("started_at", json())),
               ended = parse_time(jobs[i].value("ended_at", json()));
    if (!queued || !started || !ended) continue;
    queued_to_started.push_back(static_cast<double>(*started - *queued));
    started_to_ended.push_back(static_cast<double>(*ended - *started));
    if (jobs[i].contains("duration_ms") && jobs[i]["duration_ms"].is_number()) process.push_back(jobs[i]["duration_ms"].get<double>());
    if (i + 1 < jobs.size())
      if (auto next = parse_time(jobs[i + 1].value("scheduled_at", json()))) ended_to_next.push_back(static_cast<double>(*next - *ended));
  }
  return {{"jobs", jobs.size()},
          {"queued_to_started_ms", median(queued_to_started)},
          {"started_to_ended_ms", median(started_to_ended)},
          {"process_ms", median(process)},
          {"ended_to_next_queued_ms", median(ended_to_next)}};
}

// The single-commit bound from wf_store_commit_bench's first line, or nullopt.
std::optional<double> single_commit_bound(const Settings& s, double seconds) {
  if (s.commit_bench.empty() || !fs::exists(s.commit_bench)) return std::nullopt;
  const std::string command = fmt::format("'{}' --seconds {} --dir '{}'", s.commit_bench, seconds,
                                          fs::temp_directory_path().string());
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return std::nullopt;
  std::optional<double> rate;
  char line[4096];
  while (std::fgets(line, sizeof line, pipe)) {
    json j = json::parse(line, nullptr, false);
    if (j.is_object() && j.value("measurement", "") == "single_commit" && j.contains("transactions_per_second"))
      rate = j["transactions_per_second"].get<double>();
  }
  ::pclose(pipe);
  return rate;
}

// How fast the disk under the data directories commits right now (one fsync per transaction, for
// one second): other work on the machine changes it many times over, and every figure that waits
// for a commit with it. Returns a note for the summary.
std::string disk_probe(const Settings& s, const std::string& before) {
  std::optional<double> rate = single_commit_bound(s, 1.0);
  print_line({{"measurement", "disk_probe"}, {"before", before}, {"single_commits_per_second", rate ? json(*rate) : json()}});
  return rate ? fmt::format("disk: {:.0f} single commits/s", *rate) : "";
}

void measure_chains(const Settings& s, Summary& summary) {
  const std::string disk = disk_probe(s, "step chains");
  Server server(s.keep, words(s.serve_flags));
  server.start();
  server.add_agent("bench1");
  push_definitions(server.api(), s);
  HttpClient& api = server.api();
  // One instance of each first: the first job of an agent and the first run of a program load
  // what later ones find ready.
  run_chain(api, "jobs_chain", {{"hosts", {"bench1"}}}, 1, s.chain_steps);
  run_chain(api, "durable_chain", json::object(), 1, s.chain_steps);

  ChainFigures jobs = run_chain(api, "jobs_chain", {{"hosts", {"bench1"}}}, s.chain_instances, s.chain_steps, std::chrono::milliseconds(10));
  const double jobs_ms = median(jobs.per_step_ms);
  const json breakdown = job_step_breakdown(api, jobs.last_id);
  print_line({{"measurement", "step_overhead_run_command"},
              {"steps", s.chain_steps},
              {"breakdown_of_last_instance", breakdown},
              {"instances", s.chain_instances},
              {"per_step_ms", jobs.per_step_ms},
              {"median_per_step_ms", jobs_ms},
              {"target_ms", 3}});
  summary.add(fmt::format("step with `run command \"true\"` on one agent (median of {} × {} steps)", s.chain_instances, s.chain_steps),
              fmt::format("{:.2f} ms/step (queued→started {:.1f}, started→ended {:.1f}, of which the process {:.0f}; {})", jobs_ms,
                          breakdown["queued_to_started_ms"].get<double>(), breakdown["started_to_ended_ms"].get<double>(),
                          breakdown["process_ms"].get<double>(), disk),
              "≤ 3 ms", jobs_ms <= 3.0);

  ChainFigures durable = run_chain(api, "durable_chain", json::object(), s.chain_instances, s.chain_steps);
  const double durable_ms = median(durable.per_step_ms);
  // `sleep 0s` is due at once but still yields: the transition that reached it is a unit of the
  // store's writer, and the instance goes on at the loop's next turn. The start request is
  // answered after the first unit's commit, so an answer still `running` or `paused` shows the
  // chain did not run through in one transition.
  const bool yields = durable.start_answer_status != "completed";
  print_line({{"measurement", "step_overhead_durable"},
              {"step", "step \"sN\" { sleep 0s }"},
              {"steps", s.chain_steps},
              {"instances", s.chain_instances},
              {"start_answer_status", durable.start_answer_status},
              {"yields", yields},
              {"per_step_ms", durable.per_step_ms},
              {"median_per_step_ms", durable_ms},
              {"client_per_step_ms", durable.client_per_step_ms},
              {"median_client_per_step_ms", median(durable.client_per_step_ms)},
              {"target_ms", 1}});
  const double durable_client_ms = median(durable.client_per_step_ms);
  summary.add(fmt::format("durable step `sleep 0s` (median of {} × {}; {})", s.chain_instances, s.chain_steps,
                          yields ? "each step yields and is a unit of the writer" : "DID NOT YIELD"),
              fmt::format("{:.3f} ms/step by the service's clock; {:.3f} ms/step as a client sees it, from the start "
                          "request to the completion committed", durable_ms, durable_client_ms),
              "≤ 1 ms", yields && durable_client_ms <= 1.0);

  ChainFigures timed = run_chain(api, "zero_sleep_chain", json::object(), s.chain_instances, s.chain_steps);
  const double timed_ms = median(timed.per_step_ms);
  // A 1 ms sleep holds every step at least 1 ms; what is above it is the engine's and the store's.
  print_line({{"measurement", "step_overhead_sleep_1ms"},
              {"step", "step \"sN\" { sleep 1ms }"},
              {"steps", s.chain_steps},
              {"instances", s.chain_instances},
              {"per_step_ms", timed.per_step_ms},
              {"median_per_step_ms", timed_ms},
              {"median_beyond_sleep_ms", timed_ms - 1.0}});
  summary.add(fmt::format("step `sleep 1ms` (median of {} × {})", s.chain_instances, s.chain_steps),
              fmt::format("{:.2f} ms/step ({:.2f} beyond the 1 ms sleep)", timed_ms, timed_ms - 1.0), "—", std::nullopt);
}

// The largest ended_at of `workflow`'s instances, once all `count` have completed.
int64_t last_end(HttpClient& api, const std::string& workflow, int64_t count) {
  std::vector<json> items = list_all(api, "/api/v1/instances?workflow=" + workflow);
  int64_t last = 0, completed = 0;
  for (const json& i : items) {
    if (i.value("status", "") != "completed") continue;
    ++completed;
    if (auto t = parse_time(i.value("ended_at", json()))) last = std::max(last, *t);
  }
  if (completed < count) throw BenchError(fmt::format("only {} of {} {} instances completed", completed, count, workflow));
  return last;
}

// Returns the id of one completed durable10 instance (for the HTTP measurement).
int64_t measure_throughput(const Settings& s, Summary& summary, Server& server) {
  std::optional<double> bound = single_commit_bound(s, s.commit_seconds);
  print_line({{"measurement", "single_commit_bound"}, {"sync", "full"}, {"commits_per_second", bound ? json(*bound) : json()}});

  server.start();
  HttpClient& api = server.api();
  push_definitions(api, s);
  run_chain(api, "durable10", json::object(), 1, s.throughput_steps);  // the program is loaded, the pages warm
  const int64_t before = 1;  // the warm-up instance, already completed
  const int n = s.throughput_instances;
  // Deliveries run from a second before the measured window to its end.
  std::unique_ptr<Deliveries> deliveries;
  int64_t delivered0 = 0, notified0 = 0;
  if (s.notify_rate > 0) {
    deliveries = std::make_unique<Deliveries>(server, s.notify_rate, s.notify_control ? "notify_none" : "notify_once");
    deliveries->start();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    delivered0 = list_total(api, "/api/v1/notifications?status=delivered");
    notified0 = deliveries->started();
  }

  const auto server_cpu0 = thread_cpu_seconds(server.pid());
  const double own_cpu0 = own_cpu_seconds();
  const auto clock0 = Clock::now();
  const int64_t first_ms = wall_ms();
  std::string error = fan_out(server, s.clients, n, [](HttpClient& c, int) -> std::string {
    HttpResult r = c.post("/api/v1/definitions/durable10/run", "{}");
    return r.status == 201 ? "" : "a start failed: " + r.describe();
  });
  if (!error.empty()) throw BenchError(error);
  const double starts_s = seconds_since(clock0);
  poll_until([&] { return list_total(api, "/api/v1/instances?workflow=durable10&status=completed") >= before + n; },
             "the instances to complete", std::chrono::milliseconds(20), std::chrono::seconds(300));
  json notifying = json::object();
  if (deliveries) {
    const double window_s = seconds_since(clock0);
    const int64_t started = deliveries->started() - notified0;
    const int64_t delivered = list_total(api, "/api/v1/notifications?status=delivered") - delivered0;
    deliveries->stop();
    if (!deliveries->error().empty()) throw BenchError(deliveries->error());
    notifying = {{"notify_rate", s.notify_rate},
                 {"notify_control", s.notify_control},
                 {"notifying_instances_started", started},
                 {"notifications_delivered", delivered},
                 {"notifications_delivered_per_second", static_cast<double>(delivered) / window_s}};
  }
  const json server_cpu_by_thread = thread_cpu_delta(server_cpu0, thread_cpu_seconds(server.pid()));
  const double own_cpu = own_cpu_seconds() - own_cpu0;
  const int64_t last_ms = last_end(api, "durable10", before + n);
  const double wall_s = static_cast<double>(last_ms - first_ms) / 1000.0;
  const double transitions = static_cast<double>(n) * s.throughput_steps;
  const double rate = transitions / wall_s;
  double server_cpu = 0;
  for (const auto& [name, seconds] : server_cpu_by_thread.items()) server_cpu += seconds.get<double>();
  const double loop_cpu = server_cpu_by_thread.value("loop", 0.0);
  json line = {{"measurement", "throughput"},
              {"instances", n},
              {"steps", s.throughput_steps},
              {"step", "step \"sN\" { sleep 0s }"},
              {"clients", s.clients},
              {"sync", "full"},
              {"starts_answered_s", starts_s},
              {"wall_s", wall_s},
              {"transitions_per_second", rate},
              {"server_cpu_s", server_cpu},
              {"server_cpu_s_by_thread", server_cpu_by_thread},
              {"loop_cpu_us_per_transition", loop_cpu * 1e6 / transitions},
              {"server_cpu_us_per_transition", server_cpu * 1e6 / transitions},
              // What the loop thread alone could carry if it had a core to itself and nothing waited.
              {"loop_cpu_bound_transitions_per_second", loop_cpu > 0 ? json(transitions / loop_cpu) : json()},
              {"driver_cpu_s", own_cpu},
              {"single_commit_bound", bound ? json(*bound) : json()},
              {"ratio_to_single_commit", bound ? json(rate / *bound) : json()},
              {"serve_flags", s.serve_flags},
              {"target", 20000}};
  line.update(notifying);  // with --notify-rate: what was started and delivered in the window
  print_line(line);
  if (!notifying.empty()) {
    summary.add(fmt::format("notifications delivered beside the throughput run (asked: {:.0f}/s)", s.notify_rate),
                fmt::format("{} delivered in the window ({:.0f}/s)", notifying["notifications_delivered"].get<int64_t>(),
                            notifying["notifications_delivered_per_second"].get<double>()),
                "—", std::nullopt);
  }
  summary.add(fmt::format("{} instances × {} durable steps, synchronous=FULL, {} clients", n, s.throughput_steps, s.clients),
              fmt::format("{:.0f} transitions/s ({:.2f} s; server CPU per transition: loop {:.0f} µs, writer and others {:.0f} µs)",
                          rate, wall_s, loop_cpu * 1e6 / transitions, (server_cpu - loop_cpu) * 1e6 / transitions),
              "≥ 20,000/s", rate >= 20000);
  if (bound) {
    summary.add("single-commit bound of this machine (one fsync per transaction)", fmt::format("{:.0f} commits/s", *bound),
                "—", std::nullopt);
    summary.add("throughput ÷ single-commit bound (what group commit buys)", fmt::format("{:.1f}×", rate / *bound), "—",
                std::nullopt);
  }
  json one = wf::testing::body_json(api.get("/api/v1/instances?workflow=durable10&status=completed&limit=1"));
  if (!one.contains("items") || one["items"].empty()) throw BenchError("no completed instance to GET");
  return one["items"][0].value("id", int64_t{0});
}

void measure_parked(const Settings& s, Summary& summary) {
  Server server(s.keep, words(s.serve_flags));
  server.start();
  HttpClient& api = server.api();
  push_definitions(api, s);
  // One instance through its approval first, so what the first one loads is in the idle figure.
  {
    const int64_t id = start_instance(api, "parked", json::object())["id"].get<int64_t>();
    std::vector<json> pending;
    poll_until([&] { return !(pending = list_all(api, fmt::format("/api/v1/approvals?status=pending&instance={}", id))).empty(); },
               "the warm-up approval", std::chrono::milliseconds(10), std::chrono::seconds(30));
    api.post(fmt::format("/api/v1/approvals/{}/respond", pending[0].value("id", int64_t{0})), R"({"decision":"approve"})");
    if (wf::testing::wait_ended(api, id).value("status", "") != "completed") throw BenchError("the warm-up instance did not complete");
  }
  const int n = s.parked_instances;
  const int64_t rss_idle = proc_status_kb(server.pid(), "VmRSS");
  const auto clock0 = Clock::now();
  std::string error = fan_out(server, s.clients, n, [](HttpClient& c, int) -> std::string {
    HttpResult r = c.post("/api/v1/definitions/parked/run", "{}");
    return r.status == 201 ? "" : "a start failed: " + r.describe();
  });
  if (!error.empty()) throw BenchError(error);
  poll_until([&] { return list_total(api, "/api/v1/approvals?status=pending") >= n; }, "the instances to pause",
             std::chrono::milliseconds(50), std::chrono::seconds(300));
  const double park_s = seconds_since(clock0);
  const int64_t paused = list_total(api, "/api/v1/instances?status=paused");
  const int64_t rss_parked = proc_status_kb(server.pid(), "VmRSS");
  const double delta_mb = static_cast<double>(rss_parked - rss_idle) / 1024.0;

  std::vector<json> approvals = list_all(api, "/api/v1/approvals?status=pending");
  const std::string disk = disk_probe(s, "approvals");
  std::vector<int64_t> ids;
  for (const json& a : approvals) ids.push_back(a.value("id", int64_t{0}));
  if (static_cast<int>(ids.size()) != n) throw BenchError(fmt::format("{} pending approvals, expected {}", ids.size(), n));
  const auto server_cpu0 = thread_cpu_seconds(server.pid());
  const int64_t first_ms = wall_ms();
  error = fan_out(server, s.clients, n, [&ids](HttpClient& c, int i) -> std::string {
    HttpResult r = c.post(fmt::format("/api/v1/approvals/{}/respond", ids[i]), R"({"decision":"approve"})");
    return r.ok() ? "" : "a response failed: " + r.describe();
  });
  if (!error.empty()) throw BenchError(error);
  poll_until([&] { return list_total(api, "/api/v1/instances?status=completed") >= n + 1; }, "the approved instances to complete",
             std::chrono::milliseconds(50), std::chrono::seconds(300));
  const json server_cpu_by_thread = thread_cpu_delta(server_cpu0, thread_cpu_seconds(server.pid()));
  double server_cpu = 0;
  for (const auto& [name, seconds] : server_cpu_by_thread.items()) server_cpu += seconds.get<double>();
  const int64_t last_ms = last_end(api, "parked", n + 1);
  const double approve_s = static_cast<double>(last_ms - first_ms) / 1000.0;
  print_line({{"measurement", "parked_instances"},
              {"instances", n},
              {"paused", paused},
              {"seconds_to_park", park_s},
              {"rss_idle_kb", rss_idle},
              {"rss_parked_kb", rss_parked},
              {"rss_delta_mb", delta_mb},
              {"bytes_per_parked_instance", (rss_parked - rss_idle) * 1024.0 / n},
              {"target_mb", 50}});
  print_line({{"measurement", "approve_all"},
              {"instances", n},
              {"clients", s.clients},
              {"seconds", approve_s},
              {"completions_per_second", n / approve_s},
              {"server_cpu_s", server_cpu},
              {"server_cpu_s_by_thread", server_cpu_by_thread},
              {"server_cpu_us_per_approval", server_cpu * 1e6 / n},
              {"target_s", 2}});
  summary.add(fmt::format("{} instances paused at an approval: resident memory above idle", n),
              fmt::format("{:.1f} MB ({:.0f} bytes each)", delta_mb, (rss_parked - rss_idle) * 1024.0 / n), "≤ 50 MB",
              delta_mb <= 50.0);
  summary.add(fmt::format("approving all {} through the API ({} clients), first response to last completion", n, s.clients),
              fmt::format("{:.2f} s (server CPU {:.2f} s; {})", approve_s, server_cpu, disk), "< 2 s", approve_s < 2.0);
}

void measure_http(const Settings& s, Summary& summary, Server& server, int64_t instance_id) {
  if (::system("command -v wrk > /dev/null 2>&1") != 0) {
    print_line({{"measurement", "http_get_instance"}, {"skipped", "wrk is not installed"}});
    return;
  }
  const std::string path = fmt::format("/api/v1/instances/{}", instance_id);
  HttpResult probe = server.api().get(path);
  const std::string command = fmt::format("wrk -t2 -c{} -d{}s --latency -H 'Authorization: Bearer {}' '{}{}' 2>&1",
                                          s.wrk_connections, s.wrk_seconds, server.token(), server.url(), path);
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) throw BenchError("cannot run wrk");
  std::string output;
  char buffer[4096];
  while (std::fgets(buffer, sizeof buffer, pipe)) output += buffer;
  const int status = ::pclose(pipe);
  double rps = 0, errors = 0;
  std::optional<double> p50, p99;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string first, second;
    words >> first >> second;
    if (first == "Requests/sec:") rps = std::strtod(second.c_str(), nullptr);
    if (first == "50%") p50 = wrk_ms(second);
    if (first == "99%") p99 = wrk_ms(second);
    if (first == "Non-2xx") errors += std::strtod(line.substr(line.find(':') + 1).c_str(), nullptr);
  }
  if (status != 0 || rps <= 0 || !p99) throw BenchError("wrk failed:\n" + output);
  print_line({{"measurement", "http_get_instance"},
              {"connections", s.wrk_connections},
              {"threads", 2},
              {"seconds", s.wrk_seconds},
              {"body_bytes", probe.body.size()},
              {"requests_per_second", rps},
              {"p50_ms", p50 ? json(*p50) : json()},
              {"p99_ms", *p99},
              {"non_2xx", errors}});
  summary.add(fmt::format("GET /instances/{{id}} ({} bytes, 10 steps), wrk, {} connections", probe.body.size(), s.wrk_connections),
              fmt::format("{:.0f} req/s, p50 {:.2f} ms, p99 {:.2f} ms", rps, p50.value_or(0), *p99), "—", std::nullopt);
}

}  // namespace

// SPEC §4.5: `schedules` schedules of `@every 1s` (each starting a one-transition instance) on one
// service, their ticks' lateness (fired_at − due, as each tick records it) while the throughput
// run's instances go on beside them. Target: p99 ≤ 50 ms.
void measure_schedules(const Settings& s, Summary& summary) {
  Server server(s.keep, words(s.serve_flags));
  server.start();
  HttpClient& api = server.api();
  push_definitions(api, s);
  run_chain(api, "durable10", json::object(), 1, s.throughput_steps);
  std::string error = fan_out(server, s.clients, s.schedules, [](HttpClient& c, int i) -> std::string {
    HttpResult r = c.post("/api/v1/schedules",
                          json({{"name", fmt::format("every-second-{}", i)}, {"workflow", "tick"}, {"cron", "@every 1s"}, {"overlap", "allow"}}).dump());
    return r.status == 201 ? "" : "a schedule was refused: " + r.describe();
  });
  if (!error.empty()) throw BenchError(error);
  std::this_thread::sleep_for(std::chrono::seconds(3));  // every schedule has ticked: the measured window begins
  const int64_t from_ms = wall_ms();
  const auto clock0 = Clock::now();
  // Rounds of the throughput run follow one another for the whole window, so every tick in the
  // sample fired while instances were being driven beside it.
  const int n = s.throughput_instances;
  int rounds = 0;
  do {
    error = fan_out(server, s.clients, n, [](HttpClient& c, int) -> std::string {
      HttpResult r = c.post("/api/v1/definitions/durable10/run", "{}");
      return r.status == 201 ? "" : "a start failed: " + r.describe();
    });
    if (!error.empty()) throw BenchError(error);
    ++rounds;
    poll_until([&] { return list_total(api, "/api/v1/instances?workflow=durable10&status=completed") >= rounds * n + 1; },
               "the throughput run's instances to complete", std::chrono::milliseconds(50), std::chrono::seconds(300));
  } while (seconds_since(clock0) < s.schedule_seconds);
  const double throughput_s = seconds_since(clock0);
  const int64_t to_ms = wall_ms();
  // Each schedule's last 20 ticks: those fired inside the window are the sample.
  std::vector<double> late;
  std::mutex mutex;
  size_t not_started = 0;
  error = fan_out(server, s.clients, s.schedules, [&](HttpClient& c, int i) -> std::string {
    json d = wf::testing::body_json(c.get(fmt::format("/api/v1/schedules/every-second-{}", i)));
    std::lock_guard lock(mutex);
    for (const json& t : d.value("ticks", json::array())) {
      const auto fired = parse_time(t.value("fired_at", json()));
      if (!fired || *fired < from_ms || *fired > to_ms) continue;
      if (t.value("outcome", "") != "started") ++not_started;
      late.push_back(static_cast<double>(t.value("late_ms", int64_t{0})));
    }
    return "";
  });
  if (!error.empty()) throw BenchError(error);
  if (late.empty()) throw BenchError("no tick fell inside the measured window");
  std::sort(late.begin(), late.end());
  auto pct = [&](double p) { return late[std::min(late.size() - 1, static_cast<size_t>(p * static_cast<double>(late.size())))]; };
  const double p50 = pct(0.50), p99 = pct(0.99), worst = late.back();
  print_line({{"measurement", "schedule_lateness"},
              {"schedules", s.schedules},
              {"cron", "@every 1s"},
              {"window_s", static_cast<double>(to_ms - from_ms) / 1000.0},
              {"throughput_instances", n * rounds},
              {"throughput_s", throughput_s},
              {"ticks", late.size()},
              {"not_started", not_started},
              {"late_ms_p50", p50},
              {"late_ms_p99", p99},
              {"late_ms_max", worst},
              {"target_p99_ms", 50}});
  summary.add(fmt::format("{} schedules of @every 1s beside {} rounds of {} instances × {} steps: tick lateness p50 / p99 / max",
                          s.schedules, rounds, n, s.throughput_steps),
              fmt::format("{:.0f} / {:.0f} / {:.0f} ms ({} ticks)", p50, p99, worst, late.size()), "p99 ≤ 50 ms", p99 <= 50);
}

int main(int argc, char** argv) {
  Settings s;
  s.commit_bench = (fs::path(argv[0]).parent_path() / "wf_store_commit_bench").string();
  CLI::App app{"Measures `wf serve`: step overhead, throughput, parked instances and HTTP (docs/performance.md)."};
  app.add_option("--chain-instances", s.chain_instances, "instances per step-overhead measurement")->check(CLI::Range(1, 1000));
  app.add_option("--throughput-instances", s.throughput_instances, "instances in the throughput measurement")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--parked-instances", s.parked_instances, "instances parked at an approval")->check(CLI::Range(1, 1000000));
  app.add_option("--clients", s.clients, "concurrent HTTP clients for starts and approvals")->check(CLI::Range(1, 512));
  app.add_option("--wrk-seconds", s.wrk_seconds, "length of the wrk run")->check(CLI::Range(1, 600));
  app.add_option("--wrk-connections", s.wrk_connections, "wrk's connections")->check(CLI::Range(1, 10000));
  app.add_option("--commit-bench", s.commit_bench, "wf_store_commit_bench, for the single-commit bound (default: beside this program)");
  app.add_option("--schedules", s.schedules, "`@every 1s` schedules in the schedules measurement")->check(CLI::Range(1, 100000));
  app.add_option("--schedule-seconds", s.schedule_seconds, "how long the schedules' ticks are measured")->check(CLI::Range(1, 3600));
  app.add_option("--only", s.only, "one measurement")->check(CLI::IsMember({"chain", "throughput", "parked", "http", "schedules"}));
  app.add_flag("--keep", s.keep, "keep the data directories and logs");
  app.add_option("--serve-flags", s.serve_flags, "more `wf serve` flags for every server started, e.g. \"--metrics off\"");
  app.add_option("--notify-rate", s.notify_rate,
                 "during the throughput run, start this many one-`notify` instances a second, each delivered to a local "
                 "receiver (0: none)")
      ->check(CLI::Range(0.0, 10000.0));
  app.add_flag("--notify-control", s.notify_control,
               "with --notify-rate: start instances that only log instead, the same way at the same rate (what the starts "
               "cost without their deliveries)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  // Other work on the machine's cores shows in every figure: say how much there was.
  print_line({{"measurement", "load_average_before"}, {"load_average", load_average()}});
  Summary summary;
  try {
    if (s.only.empty() || s.only == "chain") measure_chains(s, summary);
    if (s.only.empty() || s.only == "throughput" || s.only == "http") {
      Server server(s.keep, words(s.serve_flags));
      const int64_t instance_id = measure_throughput(s, summary, server);
      if (s.only.empty() || s.only == "http") measure_http(s, summary, server, instance_id);
    }
    if (s.only.empty() || s.only == "parked") measure_parked(s, summary);
    if (s.only.empty() || s.only == "schedules") measure_schedules(s, summary);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "service_bench: %s\n", e.what());
    return 2;
  }
  print_line({{"measurement", "load_average_after"}, {"load_average", load_average()}});
  std::printf("\n| measure | figure | target | met |\n|---|---|---|---|\n");
  for (const auto& r : summary.rows) std::printf("| %s | %s | %s | %s |\n", r[0].c_str(), r[1].c_str(), r[2].c_str(), r[3].c_str());
  return 0;
}
