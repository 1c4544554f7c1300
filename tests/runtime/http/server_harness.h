// What the wf_http tests share: a Server running on its own loop thread, a blocking client over
// POSIX sockets that reads responses with http-parser, and a flag one thread waits on.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <http_parser.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>

#include "runtime/http/server.h"

namespace wf::http::testing {

using Clock = std::chrono::steady_clock;

inline int elapsed_ms(Clock::time_point since) {
  return static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since).count());
}

// Set once by one thread, waited for (with a time limit) by another.
class Flag {
 public:
  void set() {
    std::lock_guard lock(mutex_);
    set_ = true;
    changed_.notify_all();
  }
  bool wait(int timeout_ms = 5000) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, std::chrono::milliseconds(timeout_ms), [&] { return set_; });
  }
  bool is_set() {
    std::lock_guard lock(mutex_);
    return set_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  bool set_ = false;
};

// A Server listening on 127.0.0.1:<any port>, its loop run by a thread of its own. The handler
// runs on that thread; run() executes anything else there (timers, exchange calls, queries).
class LoopServer {
 public:
  explicit LoopServer(Handler handler, Limits limits = {}) {
    uv_loop_init(&loop_);
    uv_async_init(&loop_, &wake_, on_wake);
    wake_.data = this;
    server_ = std::make_unique<Server>(&loop_, std::move(handler), limits);
    std::string error;
    listening_ = server_->listen("127.0.0.1", 0, error);
    EXPECT_TRUE(listening_) << error;
    port_ = server_->port();
    thread_ = std::thread([this] { uv_run(&loop_, UV_RUN_DEFAULT); });
  }

  ~LoopServer() {
    if (!closed_) close();
    run([this] { uv_close(reinterpret_cast<uv_handle_t*>(&wake_), nullptr); });
    thread_.join();
    server_.reset();
    uv_run(&loop_, UV_RUN_DEFAULT);  // frees what the Server left to close callbacks
    EXPECT_EQ(uv_loop_close(&loop_), 0);
  }

  int port() const { return port_; }
  uv_loop_t* loop() { return &loop_; }
  Server& server() { return *server_; }

  // Runs `f` on the loop thread and waits for its result.
  template <class F>
  auto run(F f) -> decltype(f()) {
    using Result = decltype(f());
    auto promise = std::make_shared<std::promise<Result>>();
    auto result = promise->get_future();
    {
      std::lock_guard lock(mutex_);
      calls_.emplace_back([promise, f = std::move(f)]() mutable {
        if constexpr (std::is_void_v<Result>) {
          f();
          promise->set_value();
        } else {
          promise->set_value(f());
        }
      });
    }
    uv_async_send(&wake_);
    if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
      ADD_FAILURE() << "the loop thread did not run a call within 10 s";
      std::abort();  // the call still refers to this frame
    }
    return result.get();
  }

  // Closes the server; true when `done` arrived within the time limit.
  bool close(int timeout_ms = 5000) {
    closed_ = true;
    auto done = std::make_shared<Flag>();
    run([this, done] { server_->close([done] { done->set(); }); });
    return done->wait(timeout_ms);
  }

  // Waits until the server counts `n` connections.
  bool wait_for_connections(size_t n, int timeout_ms = 5000) {
    auto start = Clock::now();
    while (elapsed_ms(start) < timeout_ms) {
      if (run([this] { return server_->connection_count(); }) == n) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

 private:
  static void on_wake(uv_async_t* async) {
    auto* self = static_cast<LoopServer*>(async->data);
    std::deque<std::function<void()>> calls;
    {
      std::lock_guard lock(self->mutex_);
      calls.swap(self->calls_);
    }
    for (auto& call : calls) call();
  }

  uv_loop_t loop_;
  uv_async_t wake_;
  std::unique_ptr<Server> server_;
  bool listening_ = false;
  bool closed_ = false;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::deque<std::function<void()>> calls_;
};

// One response as a client sees it.
struct ClientResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  bool complete = false;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

// A blocking client socket; responses are parsed with http-parser as they arrive.
class Client {
 public:
  explicit Client(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    EXPECT_TRUE(connected_) << "cannot connect to port " << port;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    http_parser_init(&parser_, HTTP_RESPONSE);
    parser_.data = this;
    http_parser_settings_init(&settings_);
    settings_.on_message_begin = [](http_parser* p) {
      auto* self = static_cast<Client*>(p->data);
      self->current_ = ClientResponse{};
      self->field_.clear();
      return 0;
    };
    settings_.on_header_field = [](http_parser* p, const char* at, size_t n) {
      auto* self = static_cast<Client*>(p->data);
      if (self->in_value_) self->field_.clear();
      self->in_value_ = false;
      for (size_t i = 0; i < n; ++i) self->field_.push_back(static_cast<char>(std::tolower(at[i])));
      return 0;
    };
    settings_.on_header_value = [](http_parser* p, const char* at, size_t n) {
      auto* self = static_cast<Client*>(p->data);
      self->in_value_ = true;
      self->current_.headers[self->field_].append(at, n);
      return 0;
    };
    settings_.on_headers_complete = [](http_parser* p) {
      auto* self = static_cast<Client*>(p->data);
      self->current_.status = static_cast<int>(p->status_code);
      self->headers_seen_ = true;
      // A HEAD answer announces a body it does not carry.
      return self->expect_head_ ? 1 : 0;
    };
    settings_.on_body = [](http_parser* p, const char* at, size_t n) {
      static_cast<Client*>(p->data)->current_.body.append(at, n);
      return 0;
    };
    settings_.on_message_complete = [](http_parser* p) {
      auto* self = static_cast<Client*>(p->data);
      self->current_.complete = true;
      self->done_.push_back(self->current_);
      self->headers_seen_ = false;
      return 0;
    };
  }
  ~Client() { close(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }
  // The next complete response, or nullopt after the time limit or the end of the connection.
  std::optional<ClientResponse> response(int timeout_ms = 5000) {
    auto start = Clock::now();
    while (done_.empty()) {
      if (!pump(timeout_ms - elapsed_ms(start))) break;
    }
    if (done_.empty()) return std::nullopt;
    ClientResponse r = std::move(done_.front());
    done_.pop_front();
    return r;
  }
  // Reads until the body of the response in progress contains `text`.
  bool body_contains(std::string_view text, int timeout_ms = 5000) {
    auto start = Clock::now();
    while (current_.body.find(text) == std::string::npos) {
      if (!pump(timeout_ms - elapsed_ms(start))) return false;
    }
    return true;
  }
  const ClientResponse& in_progress() const { return current_; }
  // Reads (and discards) until the server closes the connection.
  bool closed_by_server(int timeout_ms = 5000) {
    auto start = Clock::now();
    while (!eof_) {
      if (!pump(timeout_ms - elapsed_ms(start))) break;
    }
    return eof_;
  }
  bool eof() const { return eof_; }
  void expect_head(bool head) { expect_head_ = head; }
  std::string raw() const { return raw_; }
  int fd() const { return fd_; }

 private:
  // Reads once; false on the time limit, the end of the connection or a parse error.
  bool pump(int timeout_ms) {
    if (eof_ || fd_ < 0 || timeout_ms <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) return false;
    char buf[65536];
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n <= 0) {
      eof_ = true;
      http_parser_execute(&parser_, &settings_, nullptr, 0);  // ends a body delimited by close
      return false;
    }
    raw_.append(buf, static_cast<size_t>(n));
    size_t parsed = http_parser_execute(&parser_, &settings_, buf, static_cast<size_t>(n));
    if (HTTP_PARSER_ERRNO(&parser_) != HPE_OK) {
      ADD_FAILURE() << "bad response: " << http_errno_name(HTTP_PARSER_ERRNO(&parser_));
      return false;
    }
    return parsed == static_cast<size_t>(n);
  }

  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  bool expect_head_ = false;
  http_parser parser_;
  http_parser_settings settings_;
  ClientResponse current_;
  std::string field_;
  bool in_value_ = false;
  bool headers_seen_ = false;
  std::deque<ClientResponse> done_;
  std::string raw_;
};

}  // namespace wf::http::testing
