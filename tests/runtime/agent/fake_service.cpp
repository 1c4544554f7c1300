// The fake service (see fake_service.h). One thread accepts; each connection gets a thread that
// reads one request, answers it with `Connection: close`, and ends.
#include "fake_service.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace wf::agent::testing {

namespace {

using nlohmann::json;

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void send_all(int fd, const std::string& data) {
  size_t at = 0;
  while (at < data.size()) {
    const ssize_t n = ::send(fd, data.data() + at, data.size() - at, MSG_NOSIGNAL);
    if (n <= 0) return;
    at += static_cast<size_t>(n);
  }
}

// "/api/v1/agents/jobs/12/start" → (12, "start"); (0, "") for other paths.
std::pair<int64_t, std::string> job_route(const std::string& path) {
  const std::string prefix = "/api/v1/agents/jobs/";
  if (path.rfind(prefix, 0) != 0) return {0, ""};
  const size_t slash = path.find('/', prefix.size());
  if (slash == std::string::npos) return {0, ""};
  try {
    return {std::stoll(path.substr(prefix.size(), slash - prefix.size())), path.substr(slash + 1)};
  } catch (...) {
    return {0, ""};
  }
}

json error_body(const std::string& code, const std::string& message) {
  return {{"error", {{"code", code}, {"message", message}}}};
}

}  // namespace

FakeService::FakeService(int port) {
  listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || ::listen(listener_, 64) != 0)
    throw std::runtime_error(std::string("fake service cannot listen: ") + std::strerror(errno));
  socklen_t length = sizeof address;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

FakeService::~FakeService() {
  stopping_ = true;
  changed_.notify_all();
  acceptor_.join();
  ::close(listener_);
  std::vector<std::thread> connections;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) t.join();
}

std::string FakeService::url() const { return "http://127.0.0.1:" + std::to_string(port_); }

void FakeService::offer_job(json spec) {
  std::lock_guard<std::mutex> lock(mutex_);
  offered_.push_back(std::move(spec));
  changed_.notify_all();
}

void FakeService::answer_start(int64_t job_id, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  start_answers_[job_id] = status;
}

void FakeService::on_completion(std::function<void(int64_t)> hook) {
  std::lock_guard<std::mutex> lock(mutex_);
  completion_hook_ = std::move(hook);
}

void FakeService::cancel_in_heartbeats(int64_t job_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  cancelled_.push_back(job_id);
}

void FakeService::answer_output(int64_t job_id, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  output_answers_[job_id] = status;
}

void FakeService::fail_completions(int count, int status) {
  std::lock_guard<std::mutex> lock(mutex_);
  failing_completions_ = count;
  failing_status_ = status;
}

void FakeService::forget_tokens() {
  std::lock_guard<std::mutex> lock(mutex_);
  tokens_.clear();
}

std::vector<RecordedCall> FakeService::calls() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return calls_;
}

std::vector<RecordedCall> FakeService::calls_to(const std::string& path) const {
  std::vector<RecordedCall> out;
  for (RecordedCall& call : calls())
    if (call.path == path) out.push_back(std::move(call));
  return out;
}

bool FakeService::wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit) const {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done()) return true;  // unlocked: `done` may look at calls()
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    // Woken by every call; the short tick also catches conditions that depend on files or logs.
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_until(lock, std::min(deadline, now + std::chrono::milliseconds(50)));
  }
}

void FakeService::accept_loop() {
  while (!stopping_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.emplace_back([this, fd] { serve(fd); });
  }
}

bool FakeService::read_request(int fd, Request& request) {
  std::string data;
  char buffer[4096];
  size_t header_end = std::string::npos;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  size_t content_length = 0;
  bool sent_continue = false;
  for (;;) {
    if (header_end == std::string::npos) {
      header_end = data.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::string head = data.substr(0, header_end);
        size_t line_end = head.find("\r\n");
        const std::string first = head.substr(0, line_end);
        const size_t space = first.find(' ');
        request.method = first.substr(0, space);
        request.path = first.substr(space + 1, first.find(' ', space + 1) - space - 1);
        while (line_end != std::string::npos) {
          const size_t next = head.find("\r\n", line_end + 2);
          const std::string line = head.substr(line_end + 2, next == std::string::npos ? std::string::npos : next - line_end - 2);
          const size_t colon = line.find(':');
          if (colon != std::string::npos) {
            const std::string name = lower(line.substr(0, colon));
            std::string value = line.substr(colon + 1);
            while (!value.empty() && value.front() == ' ') value.erase(0, 1);
            if (name == "content-length") content_length = std::stoul(value);
            if (name == "authorization") request.authorization = value;
            if (name == "expect" && lower(value) == "100-continue" && !sent_continue) {
              send_all(fd, "HTTP/1.1 100 Continue\r\n\r\n");
              sent_continue = true;
            }
          }
          line_end = next;
        }
      }
    }
    if (header_end != std::string::npos && data.size() >= header_end + 4 + content_length) {
      request.body = data.substr(header_end + 4, content_length);
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline || stopping_) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n <= 0) return false;
    data.append(buffer, static_cast<size_t>(n));
  }
}

void FakeService::serve(int fd) {
  try {
    serve_request(fd);
  } catch (const std::exception&) {
    // A request the double cannot parse is simply dropped; the agent sees a closed connection.
  }
  ::close(fd);
}

void FakeService::serve_request(int fd) {
  Request request;
  if (read_request(fd, request)) {
    const json body = json::parse(request.body.empty() ? "null" : request.body, nullptr, false);
    auto [status, reply] = answer(request, body.is_discarded() ? json() : body);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      calls_.push_back(RecordedCall{request.method, request.path, request.authorization, body.is_discarded() ? json() : body, status});
      changed_.notify_all();
    }
    const std::string text = reply.dump();
    send_all(fd, "HTTP/1.1 " + std::to_string(status) + " Whatever\r\nContent-Type: application/json\r\nContent-Length: " +
                     std::to_string(text.size()) + "\r\nConnection: close\r\n\r\n" + text);
  }
}

std::pair<int, json> FakeService::answer(const Request& request, const json& body) {
  if (request.method != "POST") return {405, error_body("method_not_allowed", "only POST here")};
  if (request.path == "/api/v1/agents/register") {
    if (!body.is_object() || body.value("enrollment_secret", "") != kSecret) return {401, error_body("unauthorized", "wrong enrollment secret")};
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string token = "token-" + std::to_string(++issued_);
    tokens_.insert(token);
    return {201, {{"agent_id", 3}, {"token", token}}};
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string prefix = "Bearer ";
    if (request.authorization.rfind(prefix, 0) != 0 || tokens_.count(request.authorization.substr(prefix.size())) == 0)
      return {401, error_body("unauthorized", "unknown token")};
  }
  if (request.path == "/api/v1/agents/heartbeat") {
    std::lock_guard<std::mutex> lock(mutex_);
    return {200, {{"cancel", cancelled_}}};
  }
  if (request.path == "/api/v1/agents/poll") {
    const int wait_ms = std::min(body.is_object() ? body.value("wait_ms", 0) : 0, 2000);
    const int max_jobs = body.is_object() ? body.value("max_jobs", 1) : 1;
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return !offered_.empty() || stopping_; });
    json jobs = json::array();
    while (!offered_.empty() && static_cast<int>(jobs.size()) < max_jobs) {
      jobs.push_back(offered_.front());
      offered_.pop_front();
    }
    return {200, {{"jobs", jobs}}};
  }
  const auto [job_id, action] = job_route(request.path);
  if (job_id == 0) return {404, error_body("not_found", "no such route")};
  if (action == "complete") {
    std::function<void(int64_t)> hook;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      hook = completion_hook_;
    }
    if (hook) hook(job_id);
  }
  std::lock_guard<std::mutex> lock(mutex_);
  if (action == "start") {
    const auto it = start_answers_.find(job_id);
    if (it != start_answers_.end()) return {it->second, error_body("conflict", "not yours")};
    return {200, {{"ok", true}}};
  }
  if (action == "output") {
    const auto it = output_answers_.find(job_id);
    if (it != output_answers_.end()) return {it->second, error_body("conflict", "the job was cancelled")};
    return {200, {{"ok", true}}};
  }
  if (action == "complete") {
    if (failing_completions_ > 0) {
      --failing_completions_;
      return {failing_status_, error_body("internal", "the store is busy")};
    }
    return {200, {{"ok", true}}};
  }
  return {404, error_body("not_found", "no such route")};
}

}  // namespace wf::agent::testing
