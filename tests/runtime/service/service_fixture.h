// Real processes for the service's integration tests: `wf serve` on a free port of 127.0.0.1 with
// its own data directory, `wf agent`s with their own state, and an admin HTTP client. Every wait
// is bounded; processes are killed when the test ends.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/client/http_client.h"

namespace wf::testing {

inline std::filesystem::path make_temp_dir(const std::string& name) {
  std::string pattern = (std::filesystem::temp_directory_path() / (name + "-XXXXXX")).string();
  const char* made = ::mkdtemp(pattern.data());
  return made ? std::filesystem::path(made) : std::filesystem::path();
}

// A port nothing listens on now (bound, read and released; the service binds it right after).
inline int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  const int port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

// Polls `done` every 20 ms until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  const auto end = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < end) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

// A child process running WF_BINARY (or another program) with `args`, its output in `log`.
class Process {
 public:
  Process() = default;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process() { kill9(); }

  bool spawn(const std::vector<std::string>& args, const std::filesystem::path& log) { return spawn_program(WF_BINARY, args, log); }
  // Any program (looked up on the PATH when it has no slash), with `args`, its output in `log`.
  bool spawn_program(const std::string& program, const std::vector<std::string>& args, const std::filesystem::path& log) {
    pid_ = ::fork();
    if (pid_ < 0) return false;
    if (pid_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
      }
      std::vector<char*> argv;
      std::string bin = program;
      argv.push_back(bin.data());
      std::vector<std::string> copy = args;
      for (auto& a : copy) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execvp(bin.c_str(), argv.data());
      ::_exit(127);
    }
    return true;
  }
  bool running() {
    if (pid_ <= 0) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return false;
    }
    return true;
  }
  void kill9() { signal_and_wait(SIGKILL); }
  // SIGTERM, then SIGKILL after `grace`.
  int terminate(std::chrono::milliseconds grace = std::chrono::seconds(10)) {
    if (pid_ <= 0) return exit_status_;
    ::kill(pid_, SIGTERM);
    if (!wait_until([&] { return !running(); }, grace)) kill9();
    return exit_status_;
  }
  pid_t pid() const { return pid_; }

 private:
  void signal_and_wait(int sig) {
    if (pid_ <= 0) return;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exit_status_ = status;
    pid_ = -1;
  }
  pid_t pid_ = -1;
  int exit_status_ = 0;
};

// A file's whole content ("" when it cannot be read).
inline std::string file_bytes(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The whole answer (status line, headers, body) to one raw request to 127.0.0.1:`port`, read
// from a socket of its own until the service closes it (send `Connection: close`): the HTTP
// client keeps no response headers.
inline std::string raw_answer(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  std::string out;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    timeval timeout{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

inline std::string read_first_line(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

// `wf serve` with a data directory that outlives restarts.
class Service {
 public:
  explicit Service(std::filesystem::path dir) : dir_(std::move(dir)), port_(free_port()) {}

  // Starts `wf serve` and waits until it is ready (its live instances recovered), or, with
  // `wait_ready` false, only until it listens.
  bool start(bool wait_ready = true) {
    process_ = std::make_unique<Process>();
    if (!process_->spawn({"serve", "--data", (dir_ / "data").string(), "--listen", "127.0.0.1:" + std::to_string(port_)},
                         dir_ / "serve.log"))
      return false;
    client::HttpClient probe(url());
    return wait_until([&] {
      if (!process_->running()) return true;
      return wait_ready ? probe.get("/api/v1/ready", 1000).ok() : probe.get("/api/v1/health", 1000).status != 0;
    }, std::chrono::seconds(60)) && process_->running();
  }
  void kill9() {
    if (process_) process_->kill9();
  }
  int stop() { return process_ ? process_->terminate() : 0; }
  bool running() { return process_ && process_->running(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  std::string admin_token() const { return read_first_line(dir_ / "data" / "admin.token"); }
  std::string enroll_secret() const { return read_first_line(dir_ / "data" / "enroll.secret"); }
  std::unique_ptr<client::HttpClient> admin() const { return std::make_unique<client::HttpClient>(url(), admin_token()); }
  const std::filesystem::path& dir() const { return dir_; }
  std::string log() const {
    std::ifstream in(dir_ / "serve.log");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

 private:
  std::filesystem::path dir_;
  int port_;
  std::unique_ptr<Process> process_;
};

// `wf agent` for one host name.
class Agent {
 public:
  // Enrolls with the service's first organization's secret unless `secret` is given; `name` keeps
  // the state and log of two agents of one host name apart; `extra` are more arguments.
  bool start(const Service& s, const std::string& hostname, const std::string& secret = "", const std::string& name = "",
             const std::vector<std::string>& extra = {}) {
    process_ = std::make_unique<Process>();
    const std::string tag = "agent-" + (name.empty() ? hostname : name);
    std::vector<std::string> args = {"agent", "--server", s.url(), "--enroll", secret.empty() ? s.enroll_secret() : secret,
                                     "--hostname", hostname, "--state", (s.dir() / tag).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return process_->spawn(args, s.dir() / (tag + ".log"));
  }
  void kill9() {
    if (process_) process_->kill9();
  }
  int stop() { return process_ ? process_->terminate() : 0; }

 private:
  std::unique_ptr<Process> process_;
};

// A shell command line run by popen: its exit code (-1 when it did not exit) and its stdout.
inline std::pair<int, std::string> run_shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  std::array<char, 4096> buffer{};
  size_t n = 0;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The command line of `wf ARGS` (as a shell writes them) against `s` with `token`.
inline std::string wf_command_line(const Service& s, const std::string& token, const std::string& args) {
  return "WF_SERVER='" + s.url() + "' WF_TOKEN='" + token + "' '" + WF_BINARY + "' " + args;
}

// `wf ARGS` against `s` with `token`: its exit code, and its stdout and stderr together.
inline std::pair<int, std::string> run_wf(const Service& s, const std::string& token, const std::string& args) {
  return run_shell(wf_command_line(s, token, args) + " 2>&1");
}

// What `wf` did, its stdout and stderr apart.
struct WfOutput {
  int exit_code = -1;
  std::string out, err;
};

// `wf ARGS` against `s` with `token`, its stderr kept apart through the file `err_file`.
inline WfOutput run_wf_apart(const Service& s, const std::string& token, const std::string& args,
                             const std::filesystem::path& err_file) {
  WfOutput r;
  std::tie(r.exit_code, r.out) = run_shell(wf_command_line(s, token, args) + " 2>'" + err_file.string() + "'");
  std::ifstream in(err_file);
  r.err.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return r;
}

// JSON of a response body ({} when it is not JSON).
inline nlohmann::json body_json(const client::HttpResult& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

// Uploads `source` (as `file`) and returns the first definition's name, or "" after a failure.
inline std::string push(client::HttpClient& c, const std::string& file, const std::string& source) {
  auto r = c.post("/api/v1/definitions", nlohmann::json({{"source", source}, {"file", file}}).dump());
  if (r.status != 201) return "";
  return body_json(r)["definitions"][0]["name"].get<std::string>();
}

// Starts `workflow` with `body` ({params, hosts, ...}); returns the instance id or 0.
inline int64_t start(client::HttpClient& c, const std::string& workflow, const nlohmann::json& body) {
  auto r = c.post("/api/v1/definitions/" + workflow + "/run", body.dump());
  if (r.status != 201) return 0;
  return body_json(r)["id"].get<int64_t>();
}

inline nlohmann::json instance(client::HttpClient& c, int64_t id) {
  return body_json(c.get("/api/v1/instances/" + std::to_string(id)));
}

inline bool is_terminal(const std::string& s) {
  return s == "completed" || s == "failed" || s == "cancelled" || s == "timeout";
}

// Waits for the instance to reach a status for which `want` holds; returns its detail.
inline nlohmann::json wait_status(client::HttpClient& c, int64_t id, const std::function<bool(const nlohmann::json&)>& want,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  nlohmann::json d;
  wait_until([&] {
    d = instance(c, id);
    return d.is_object() && d.contains("status") && want(d);
  }, timeout);
  return d;
}

inline nlohmann::json wait_ended(client::HttpClient& c, int64_t id, std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  return wait_status(c, id, [](const nlohmann::json& d) { return is_terminal(d.value("status", "")); }, timeout);
}

// A job's detail once it has ended (or as it is when `timeout` runs out).
inline nlohmann::json wait_job_ended(client::HttpClient& c, int64_t id, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  nlohmann::json j;
  wait_until(
      [&] {
        j = body_json(c.get("/api/v1/jobs/" + std::to_string(id)));
        const std::string s = j.value("status", "");
        return !s.empty() && s != "queued" && s != "dispatched" && s != "running";
      },
      timeout);
  return j;
}

// A test with a `wf serve` of its own (`prefix` names its data directory) and an admin client;
// the directory is removed when the test passed. A fixture that adds agents stops them in its
// TearDown before calling this one's.
class ServiceTest : public ::testing::Test {
 protected:
  explicit ServiceTest(std::string prefix) : prefix_(std::move(prefix)) {}
  void SetUp() override {
    dir_ = make_temp_dir(prefix_);
    service_ = std::make_unique<Service>(dir_);
    ASSERT_TRUE(service_->start()) << service_->log();
    api_ = service_->admin();
  }
  void TearDown() override {
    for (auto& a : agents_) a->stop();
    if (service_) service_->stop();
    std::error_code ec;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ec);
  }
  // Starts an agent for `host` (stopped at TearDown) and waits until the service lists the host.
  void agent(const std::string& host) {
    agents_.push_back(std::make_unique<Agent>());
    ASSERT_TRUE(agents_.back()->start(*service_, host));
    ASSERT_TRUE(wait_until([&] {
      auto hosts = body_json(api_->get("/api/v1/hosts"));
      for (const auto& h : hosts.value("items", nlohmann::json::array()))
        if (h.value("hostname", "") == host) return true;
      return false;
    }));
  }

  std::string prefix_;
  std::filesystem::path dir_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<client::HttpClient> api_;
  std::vector<std::unique_ptr<Agent>> agents_;
};

}  // namespace wf::testing
