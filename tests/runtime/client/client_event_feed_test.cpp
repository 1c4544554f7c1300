// The event feed behind `wf wait` and `wf logs -f` (cli/client/instance_event_feed.h) against a
// small Server-Sent Events server on 127.0.0.1: a status event wakes the waiter, a broken stream
// is resumed with Last-Event-ID, a 4xx ends the feed (the caller polls), and a feed destroyed
// while its stream is open does not wait for the stream.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cli/client/instance_event_feed.h"

namespace {

using wf::cli::InstanceEventFeed;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// Accepts connections one at a time on 127.0.0.1 and hands each, with its request head, to
// `serve` (which answers and returns; the server then closes the connection).
class EventServer {
 public:
  using Serve = std::function<void(int fd, size_t index)>;

  explicit EventServer(Serve serve) : serve_(std::move(serve)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t size = sizeof address;
    if (::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 || ::listen(listener_, 8) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0)
      ADD_FAILURE() << "cannot listen on 127.0.0.1";
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { accept_loop(); });
  }

  ~EventServer() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool stopping() const { return stop_; }

  // The request heads received so far, once there are at least `count` (or after `patience`).
  std::vector<std::string> requests(size_t count, std::chrono::milliseconds patience = 5s) {
    std::unique_lock lock(mutex_);
    arrived_.wait_for(lock, patience, [&] { return requests_.size() >= count; });
    return requests_;
  }

 private:
  void accept_loop() {
    for (size_t index = 0; !stop_;) {
      pollfd p{listener_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) continue;
      timeval timeout{5, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
      std::string head;
      char buffer[1024];
      while (head.find("\r\n\r\n") == std::string::npos) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) break;
        head.append(buffer, static_cast<size_t>(n));
      }
      {
        std::lock_guard guard(mutex_);
        requests_.push_back(head);
      }
      arrived_.notify_all();
      serve_(fd, index++);
      ::close(fd);
    }
  }

  Serve serve_;
  int listener_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<std::string> requests_;
};

void send_text(int fd, const std::string& text) { ::send(fd, text.data(), text.size(), MSG_NOSIGNAL); }

const std::string kStreamHead = "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n";

// Holds a connection open until the server stops or 10 s pass.
void hold_open(const EventServer& server) {
  const auto until = Clock::now() + 10s;
  while (!server.stopping() && Clock::now() < until) std::this_thread::sleep_for(10ms);
}

// Waits (at most 5 s) until `done` says the news so far is what the test waits for.
template <typename Done>
InstanceEventFeed::News wait_for(InstanceEventFeed& feed, Done done) {
  InstanceEventFeed::News total;
  const auto until = Clock::now() + 5s;
  while (Clock::now() < until) {
    const InstanceEventFeed::News news = feed.wait(std::min(until, Clock::now() + 100ms));
    total.events += news.events;
    total.status_changed = total.status_changed || news.status_changed;
    total.streaming = news.streaming;
    if (done(total)) break;
  }
  return total;
}

TEST(InstanceEventFeed, AStatusEventWakesTheWaiterAndAReconnectResumesAfterTheLastEvent) {
  EventServer* self = nullptr;
  EventServer server([&](int fd, size_t index) {
    send_text(fd, kStreamHead);
    if (index == 0) {
      send_text(fd, ": keep-alive\n\nid: 5\nevent: log\ndata: {\"type\":\"log\"}\n\n");
      send_text(fd, "id: 6\nevent: instance.status\ndata: {\"type\":\"instance.status\",\"data\":{\"status\":\"completed\"}}\n\n");
      return;  // the stream breaks
    }
    hold_open(*self);
  });
  self = &server;

  InstanceEventFeed feed(server.url(), "secret", 7);
  const auto news = wait_for(feed, [](const InstanceEventFeed::News& n) { return n.status_changed; });
  EXPECT_TRUE(news.status_changed);
  EXPECT_GE(news.events, 2);

  const std::vector<std::string> requests = server.requests(2);
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0].rfind("GET /api/v1/instances/7/events?after=0 HTTP/1.1\r\n", 0), 0u) << requests[0];
  EXPECT_NE(requests[0].find("Authorization: Bearer secret\r\n"), std::string::npos) << requests[0];
  EXPECT_EQ(requests[1].rfind("GET /api/v1/instances/7/events HTTP/1.1\r\n", 0), 0u) << requests[1];
  EXPECT_NE(requests[1].find("Last-Event-ID: 6\r\n"), std::string::npos) << requests[1];
}

// A running job's output is no news for `wf wait` or `wf logs -f`: it changes neither the instance
// nor its log, and arrives several times a second.
TEST(InstanceEventFeed, JobOutputIsNoNews) {
  EventServer* self = nullptr;
  EventServer server([&](int fd, size_t index) {
    send_text(fd, kStreamHead);
    for (int i = 0; i < 3; ++i)
      send_text(fd, "event: job.output\ndata: {\"type\":\"job.output\",\"data\":{\"text\":\"x\"}}\n\n");
    send_text(fd, "id: 9\nevent: log\ndata: {\"type\":\"log\"}\n\n");
    hold_open(*self);
  });
  self = &server;
  InstanceEventFeed feed(server.url(), "", 7);
  auto news = wait_for(feed, [](const InstanceEventFeed::News& n) { return n.events > 0; });
  EXPECT_EQ(news.events, 1);
  news = feed.wait(Clock::now() + 300ms);
  EXPECT_EQ(news.events, 0);
}

TEST(InstanceEventFeed, AClientErrorEndsTheFeedSoTheCallerPolls) {
  EventServer server([](int fd, size_t) {
    const std::string body = R"({"error":{"code":"not_found","message":"no instance 7"}})";
    send_text(fd, "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: " +
                      std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
  });
  InstanceEventFeed feed(server.url(), "", 7);
  ASSERT_EQ(server.requests(1).size(), 1u);
  const auto news = wait_for(feed, [](const InstanceEventFeed::News& n) { return !n.streaming; });
  EXPECT_FALSE(news.streaming);
  EXPECT_EQ(news.events, 0);
  // A reconnect would come after the first backoff (200 ms); a second of silence says there is none.
  const auto quiet = feed.wait(Clock::now() + 1s);
  EXPECT_FALSE(quiet.streaming);
  EXPECT_EQ(server.requests(2, 0ms).size(), 1u);
}

TEST(InstanceEventFeed, IsDestroyedAtOnceWhileItsStreamIsOpen) {
  EventServer* self = nullptr;
  EventServer server([&](int fd, size_t) {
    send_text(fd, kStreamHead);
    hold_open(*self);
  });
  self = &server;
  const auto start = Clock::now();
  {
    InstanceEventFeed feed(server.url(), "", 9);
    ASSERT_EQ(server.requests(1).size(), 1u);
    EXPECT_EQ(feed.wait(Clock::now() + 100ms).events, 0);
  }
  EXPECT_LT(Clock::now() - start, 3s);
}

}  // namespace
