// Server-Sent Events across reconnects (docs/api.md, Events): a client reads an event stream of
// `wf serve` while workflows with several durable sleeps run, hangs up after a few events,
// reconnects with `Last-Event-ID` (or `?after=`) and in the end holds exactly the events stored —
// compared with a full read from id 0: strictly increasing ids, none missing, none twice.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

// Ten durable steps: each sleep pauses the instance and a timer wakes it.
constexpr const char* kSteps = R"(// Sleeps ten times, so that its events arrive over half a second.
@trigger(manual)
workflow sse_steps() -> int {
  var n = 0
  for i in range(10) {
    sleep 50ms
    n = n + 1
  }
  return n
}
)";

struct Received {
  int64_t id = 0;
  std::string type;
  json data;
};

// One connection's worth of reading: events after `after` (none: no Last-Event-ID), at most
// `max_events` of them, stopping early once `done` holds for an event or the deadline passes. A
// stream with nothing to send still wakes the reader with its keep-alive every 15 s, so the
// deadline bounds the wait to within that.
struct Reading {
  std::vector<Received> events;
  client::HttpResult result;
  std::vector<std::string> problems;  // malformed events
};

Reading read_events(client::HttpClient& c, const std::string& path, std::optional<int64_t> after, bool after_in_query,
                    size_t max_events, const std::function<bool(const Received&)>& done, Clock::time_point deadline) {
  Reading out;
  std::string target = path;
  std::vector<std::string> headers;
  if (after) {
    if (after_in_query) target += "?after=" + std::to_string(*after);
    else headers.push_back("Last-Event-ID: " + std::to_string(*after));
  }
  client::SseParser parser;
  out.result = c.stream(target, headers, [&](std::string_view piece) {
    const bool more = parser.feed(piece, [&](const client::SseParser::Event& e) {
      Received r;
      try {
        r.id = std::stoll(e.id);
      } catch (...) {
        out.problems.push_back("an event id that is not a number: " + e.id);
        return false;
      }
      r.type = e.type;
      r.data = json::parse(e.data, nullptr, false);
      if (!r.data.is_object()) out.problems.push_back("event " + e.id + ": data is not a JSON object: " + e.data);
      else if (r.data.value("id", int64_t{-1}) != r.id || r.data.value("type", "") != r.type)
        out.problems.push_back("event " + e.id + ": the data's id or type differ from the frame's: " + e.data);
      out.events.push_back(r);
      return out.events.size() < max_events && !done(r);
    });
    return more && Clock::now() < deadline;
  });
  return out;
}

bool is_end_of(const Received& e, int64_t instance) {
  return e.type == "instance.status" && e.data.value("instance_id", int64_t{0}) == instance && e.data.contains("data") &&
         is_terminal(e.data["data"].value("status", ""));
}

std::vector<int64_t> ids_of(const std::vector<Received>& events) {
  std::vector<int64_t> ids;
  for (const auto& e : events) ids.push_back(e.id);
  return ids;
}

class Sse : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("wf-sse");
    service_ = std::make_unique<Service>(dir_);
    ASSERT_TRUE(service_->start()) << service_->log();
    admin_ = service_->admin();
    ASSERT_EQ(push(*admin_, "steps.wf", kSteps), "sse_steps");
  }
  void TearDown() override {
    if (service_) {
      EXPECT_TRUE(service_->running()) << service_->log();
      service_->stop();
    }
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  // Reads `path` connection after connection, each hung up after `per_connection` events and
  // resumed from the last id seen (alternating Last-Event-ID and ?after=), until `finished` says
  // every instance of interest has ended. Returns every event received, in order.
  std::vector<Received> read_with_reconnects(const std::string& path, size_t per_connection,
                                             const std::function<bool(const std::vector<Received>&)>& finished,
                                             int& connections) {
    std::vector<Received> all;
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    client::HttpClient c(service_->url(), service_->admin_token());
    connections = 0;
    while (Clock::now() < deadline && connections < 200 && !finished(all)) {
      std::optional<int64_t> after;
      if (!all.empty()) after = all.back().id;
      const bool in_query = connections % 2 == 1;
      Reading r = read_events(c, path, after, in_query, per_connection,
                              [&](const Received& e) {
                                all.push_back(e);
                                return finished(all);
                              },
                              deadline);
      ++connections;
      EXPECT_TRUE(r.problems.empty()) << r.problems.front();
      EXPECT_TRUE(r.result.error.empty()) << r.result.error;
      EXPECT_EQ(r.result.status, 200) << r.result.body;
      if (!r.result.error.empty() || r.result.status != 200 || !r.problems.empty()) break;
    }
    return all;
  }

  // Every stored event of `path` up to and including `last_id`, read in one connection from id 0.
  std::vector<Received> read_all(const std::string& path, int64_t last_id) {
    client::HttpClient c(service_->url(), service_->admin_token());
    Reading r = read_events(c, path, int64_t{0}, false, SIZE_MAX, [&](const Received& e) { return e.id >= last_id; },
                            Clock::now() + std::chrono::seconds(30));
    EXPECT_TRUE(r.problems.empty()) << r.problems.front();
    EXPECT_EQ(r.result.status, 200) << r.result.body << r.result.error;
    return r.events;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<client::HttpClient> admin_;
};

// Strictly increasing, and equal to the stored list.
void expect_same_events(const std::vector<Received>& got, const std::vector<Received>& stored) {
  const std::vector<int64_t> got_ids = ids_of(got), stored_ids = ids_of(stored);
  for (size_t i = 1; i < stored_ids.size(); ++i) EXPECT_LT(stored_ids[i - 1], stored_ids[i]) << "the stored events are out of order";
  for (size_t i = 1; i < got_ids.size(); ++i) EXPECT_LT(got_ids[i - 1], got_ids[i]) << "an event came twice or out of order";
  std::set<int64_t> got_set(got_ids.begin(), got_ids.end()), stored_set(stored_ids.begin(), stored_ids.end());
  for (int64_t id : stored_ids) EXPECT_TRUE(got_set.count(id)) << "event " << id << " was missed across the reconnects";
  for (int64_t id : got_ids) EXPECT_TRUE(stored_set.count(id)) << "event " << id << " was received but is not stored";
  EXPECT_EQ(got_ids, stored_ids);
  for (size_t i = 0; i < got.size() && i < stored.size(); ++i)
    if (got[i].id == stored[i].id) {
      EXPECT_EQ(got[i].data, stored[i].data) << "event " << got[i].id << " changed between reads";
    }
}

TEST_F(Sse, AnInstanceStreamMissesNothingAcrossReconnects) {
  const int64_t id = start(*admin_, "sse_steps", json::object());
  ASSERT_GT(id, 0);
  const std::string path = "/api/v1/instances/" + std::to_string(id) + "/events";
  int connections = 0;
  const std::vector<Received> got = read_with_reconnects(
      path, 3, [&](const std::vector<Received>& all) { return !all.empty() && is_end_of(all.back(), id); }, connections);
  ASSERT_FALSE(got.empty());
  ASSERT_TRUE(is_end_of(got.back(), id)) << "the stream never reported the end of instance " << id << ": " << service_->log();
  // Ten sleeps make at least twenty status changes: the client hung up and came back many times.
  EXPECT_GE(got.size(), 20u);
  EXPECT_GE(connections, 7);
  for (const Received& e : got) EXPECT_EQ(e.data.value("instance_id", int64_t{0}), id) << "event " << e.id << " is another instance's";
  EXPECT_EQ(got.front().type, "instance.created");
  EXPECT_EQ(got.back().data["data"].value("status", ""), "completed");

  const std::vector<Received> stored = read_all(path, got.back().id);
  expect_same_events(got, stored);
  EXPECT_EQ(wait_ended(*admin_, id).value("status", ""), "completed");
}

TEST_F(Sse, TheOrganizationStreamMissesNothingAcrossReconnects) {
  // Two instances at once interleave their events in the one stream.
  const int64_t first = start(*admin_, "sse_steps", json::object());
  const int64_t second = start(*admin_, "sse_steps", json::object());
  ASSERT_GT(first, 0);
  ASSERT_GT(second, 0);
  auto ended = [&](const std::vector<Received>& all) {
    bool a = false, b = false;
    for (const Received& e : all) {
      a = a || is_end_of(e, first);
      b = b || is_end_of(e, second);
    }
    return a && b;
  };
  int connections = 0;
  const std::vector<Received> got = read_with_reconnects("/api/v1/events", 4, ended, connections);
  ASSERT_TRUE(ended(got)) << "the stream never reported the end of both instances: " << service_->log();
  EXPECT_GE(connections, 10);
  std::set<int64_t> instances;
  for (const Received& e : got)
    if (e.data.contains("instance_id")) instances.insert(e.data["instance_id"].get<int64_t>());
  EXPECT_TRUE(instances.count(first) && instances.count(second));

  const std::vector<Received> stored = read_all("/api/v1/events", got.back().id);
  expect_same_events(got, stored);
}

// A client that reconnects with the id of the last event there is gets only what comes later,
// and one that asks from an id beyond every event waits rather than failing.
TEST_F(Sse, AReconnectAtTheEndReceivesOnlyNewEvents) {
  const int64_t first = start(*admin_, "sse_steps", json::object());
  ASSERT_GT(first, 0);
  ASSERT_EQ(wait_ended(*admin_, first).value("status", ""), "completed");
  const std::string path = "/api/v1/events";
  // The last stored event: read everything until the first instance's end.
  client::HttpClient c(service_->url(), service_->admin_token());
  Reading backlog = read_events(c, path, int64_t{0}, false, SIZE_MAX, [&](const Received& e) { return is_end_of(e, first); },
                                Clock::now() + std::chrono::seconds(30));
  ASSERT_FALSE(backlog.events.empty());
  ASSERT_TRUE(is_end_of(backlog.events.back(), first));
  const int64_t last = backlog.events.back().id;

  const int64_t second = start(*admin_, "sse_steps", json::object());
  ASSERT_GT(second, 0);
  Reading later = read_events(c, path, last, false, SIZE_MAX, [&](const Received& e) { return is_end_of(e, second); },
                              Clock::now() + std::chrono::seconds(60));
  ASSERT_FALSE(later.events.empty());
  EXPECT_GT(later.events.front().id, last);
  for (const Received& e : later.events) EXPECT_EQ(e.data.value("instance_id", int64_t{0}), second) << "event " << e.id;
  EXPECT_TRUE(is_end_of(later.events.back(), second));
  expect_same_events(later.events, [&] {
    std::vector<Received> all = read_all(path, later.events.back().id), after_last;
    for (auto& e : all)
      if (e.id > last) after_last.push_back(e);
    return after_last;
  }());
}

// `?after=now` (what the web console asks): none of what was stored before the stream opened,
// everything after; a reconnect with Last-Event-ID resumes where that header says.
TEST_F(Sse, AStreamFromNowReceivesOnlyWhatHappensAfterItOpened) {
  const int64_t first = start(*admin_, "sse_steps", json::object());
  ASSERT_GT(first, 0);
  ASSERT_EQ(wait_ended(*admin_, first).value("status", ""), "completed");
  const std::string path = "/api/v1/events?after=now";
  int64_t second = 0;
  Reading live;
  std::thread reader([&] {
    client::HttpClient c(service_->url(), service_->admin_token());
    live = read_events(c, path, std::nullopt, false, SIZE_MAX,
                       [&](const Received& e) { return second > 0 && is_end_of(e, second); }, Clock::now() + std::chrono::seconds(60));
  });
  // Started once the stream is open (the service counts it), so that all of it is after.
  const bool open = wait_until([&] { return admin_->get("/metrics").body.find("\nwf_event_streams 1") != std::string::npos; });
  if (open) second = start(*admin_, "sse_steps", json::object());
  reader.join();
  ASSERT_TRUE(open) << "the stream did not open";
  ASSERT_GT(second, 0);
  ASSERT_TRUE(live.problems.empty()) << live.problems.front();
  ASSERT_FALSE(live.events.empty()) << live.result.status << live.result.body << live.result.error;
  for (const Received& e : live.events) EXPECT_EQ(e.data.value("instance_id", int64_t{0}), second) << "event " << e.id;
  EXPECT_TRUE(is_end_of(live.events.back(), second));
  EXPECT_EQ(live.events.front().type, "instance.created");

  // A reconnect of that stream with Last-Event-ID: the events after it, not "now".
  client::HttpClient c(service_->url(), service_->admin_token());
  const int64_t resume = live.events.front().id;
  Reading again = read_events(c, path, resume, false, SIZE_MAX, [&](const Received& e) { return is_end_of(e, second); },
                              Clock::now() + std::chrono::seconds(30));
  ASSERT_FALSE(again.events.empty()) << again.result.body;
  EXPECT_EQ(again.events.front().id, live.events[1].id);
  const std::vector<int64_t> live_ids = ids_of(live.events);
  EXPECT_EQ(ids_of(again.events), std::vector<int64_t>(live_ids.begin() + 1, live_ids.end()));
}

// Opens a connection to 127.0.0.1:`port`, asks for `target` as an event stream, and hangs up in
// one of three ways: at once, after the response head, or with a reset after the head. Every
// read is bounded by a receive timeout.
void hang_up_early(int port, const std::string& target, const std::string& token, int how) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string request = "GET " + target + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nAuthorization: Bearer " +
                              token + "\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL), static_cast<ssize_t>(request.size()));
  if (how > 0) {
    std::string head;
    char buf[4096];
    while (head.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) break;
      head.append(buf, static_cast<size_t>(n));
    }
    EXPECT_EQ(head.rfind("HTTP/1.1 200", 0), 0u) << head;
  }
  if (how == 2) {
    linger reset{1, 0};  // close() then sends RST instead of FIN
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  }
  ::close(fd);
}

// Streams whose clients vanish (before the backlog, mid-stream, with a reset) are cleaned up: the
// service goes on answering, the workflow runs to its end, and a new stream sees all of it.
TEST_F(Sse, ClientsThatHangUpEarlyLeaveTheServiceWell) {
  const int64_t id = start(*admin_, "sse_steps", json::object());
  ASSERT_GT(id, 0);
  const int port = std::stoi(service_->url().substr(service_->url().rfind(':') + 1));
  const std::string token = service_->admin_token();
  for (int i = 0; i < 60; ++i)
    hang_up_early(port, i % 2 ? "/api/v1/events" : "/api/v1/instances/" + std::to_string(id) + "/events", token, i % 3);
  // A client that stops reading after its first piece.
  client::HttpClient c(service_->url(), token);
  auto first = c.stream("/api/v1/events", {}, [](std::string_view) { return false; });
  EXPECT_TRUE(first.error.empty()) << first.error;
  EXPECT_EQ(first.status, 200);

  EXPECT_EQ(c.get("/api/v1/health", 5000).status, 200);
  EXPECT_EQ(wait_ended(*admin_, id).value("status", ""), "completed");
  Reading all = read_events(c, "/api/v1/instances/" + std::to_string(id) + "/events", int64_t{0}, false, SIZE_MAX,
                            [&](const Received& e) { return is_end_of(e, id); }, Clock::now() + std::chrono::seconds(30));
  ASSERT_FALSE(all.events.empty());
  EXPECT_TRUE(is_end_of(all.events.back(), id));
  EXPECT_TRUE(service_->running()) << service_->log();
}

}  // namespace
}  // namespace wf::testing
