// The server against hostile connections: requests that arrive too slowly (the header and body
// deadlines), too many connections from one address, and a flood of connections that fill the
// server and then trickle. Deadlines are short here; each wait is bounded and event-driven.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <vector>

#include "tests/runtime/http/server_harness.h"

namespace wf::http::testing {
namespace {

using nlohmann::json;

// Slack for a loaded machine: a deadline must be met, but no test relies on how promptly.
constexpr int kSlackMs = 2000;

std::string error_code(const std::optional<ClientResponse>& r) {
  if (!r) return "<no response>";
  json body = json::parse(r->body, nullptr, false);
  if (!body.contains("error")) return "<not an error body: " + r->body + ">";
  return body["error"]["code"].get<std::string>();
}

// Holds the exchanges of "/events" (a stream) and "/poll" (a long-poll) on the loop thread;
// echoes the body of anything else.
struct Held {
  std::vector<std::shared_ptr<Exchange>> exchanges;  // loop thread only
  std::atomic<int> arrived{0};
  std::atomic<int> closed{0};
};

Handler holding(Held& held) {
  return [&held](Request& request, std::shared_ptr<Exchange> exchange) {
    if (request.path == "/events") {
      exchange->start_stream(200, {{"Content-Type", "text/event-stream"}});
    } else if (request.path != "/poll") {
      exchange->respond(Response::json(200, json{{"body", request.body}}.dump()));
      return;
    }
    exchange->on_close([&held] { ++held.closed; });
    held.exchanges.push_back(std::move(exchange));
    ++held.arrived;
  };
}

// Waits until `held` has `n` exchanges (the handler runs on the loop thread).
bool wait_for_held(LoopServer& server, Held& held, int n) {
  auto start = Clock::now();
  while (elapsed_ms(start) < 5000) {
    if (server.run([&] { return static_cast<int>(held.exchanges.size()); }) >= n) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

Limits short_deadlines(uint64_t header_ms, uint64_t body_ms) {
  Limits limits;
  limits.header_timeout_ms = header_ms;
  limits.body_timeout_ms = body_ms;
  return limits;
}

TEST(HttpDeadlines, AnswersHalfARequestLine408AndCloses) {
  Held held;
  LoopServer server(holding(held), short_deadlines(300, 60000));
  Client client(server.port());
  auto start = Clock::now();
  ASSERT_TRUE(client.send("GET /api/v1/heal"));
  auto r = client.response(300 + kSlackMs);
  ASSERT_TRUE(r);
  EXPECT_GE(elapsed_ms(start), 250);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_EQ(error_code(r), "request_timeout");
  EXPECT_TRUE(client.closed_by_server());
  client.close();  // else the server lingers a moment for the peer to read the answer
  EXPECT_TRUE(server.wait_for_connections(0));
}

TEST(HttpDeadlines, ClosesANewConnectionThatSendsNothing) {
  Held held;
  LoopServer server(holding(held), short_deadlines(300, 60000));
  Client client(server.port());
  auto start = Clock::now();
  EXPECT_TRUE(client.closed_by_server(300 + kSlackMs));
  EXPECT_GE(elapsed_ms(start), 250);
  EXPECT_EQ(client.raw(), "");  // no request, no answer
}

TEST(HttpDeadlines, TimesAKeepAliveRequestFromItsFirstByte) {
  Held held;
  LoopServer server(holding(held), short_deadlines(300, 60000));
  Client client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = client.response();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 200);
  // Idle between requests, the connection waits on the idle timeout, not the header deadline.
  EXPECT_FALSE(client.closed_by_server(600));
  auto start = Clock::now();
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHo"));
  auto r = client.response(300 + kSlackMs);
  ASSERT_TRUE(r);
  EXPECT_GE(elapsed_ms(start), 250);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpDeadlines, CountsBlankLinesBetweenRequestsAsTheNextRequest) {
  Limits limits = short_deadlines(300, 60000);
  LoopServer server(
      [](Request&, std::shared_ptr<Exchange> exchange) {
        exchange->respond(Response::json(200, "{}"));
      },
      limits);
  Client client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(client.response());
  // CRLFs the parser skips, trickled: they must not keep the connection alive.
  auto start = Clock::now();
  bool closed = false;
  for (int i = 0; i < 40 && !closed; ++i) {
    client.send("\r\n");
    closed = client.closed_by_server(50);
  }
  EXPECT_TRUE(closed || client.closed_by_server(kSlackMs));
  EXPECT_LT(elapsed_ms(start), 300 + kSlackMs);
}

TEST(HttpDeadlines, AnswersAnUnfinishedBody408) {
  Held held;
  LoopServer server(holding(held), short_deadlines(5000, 300));
  Client client(server.port());
  auto start = Clock::now();
  ASSERT_TRUE(client.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  auto r = client.response(300 + kSlackMs);
  ASSERT_TRUE(r);
  EXPECT_GE(elapsed_ms(start), 250);
  EXPECT_EQ(r->status, 408);
  EXPECT_EQ(error_code(r), "request_timeout");
  EXPECT_NE(json::parse(r->body)["error"]["message"].get<std::string>().find("body"),
            std::string::npos);
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpDeadlines, ServesASlowRequestWithinItsDeadlines) {
  Held held;
  LoopServer server(holding(held), short_deadlines(1500, 1500));
  Client client(server.port());
  // About 400 ms of headers and 300 ms of body, each piece well apart.
  const char* pieces[] = {"POST /echo HT", "TP/1.1\r\nHost: x\r\n", "Content-Length: 6\r\n",
                          "X-Slow: yes\r\n\r\n", "ab", "cd", "ef"};
  for (const char* piece : pieces) {
    ASSERT_TRUE(client.send(piece));
    EXPECT_FALSE(client.closed_by_server(100));  // paces the client, and checks the server
  }
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(json::parse(r->body)["body"], "abcdef");
}

TEST(HttpDeadlines, SparesAStreamAndALongPollHeldPastEveryDeadline) {
  Held held;
  Limits limits = short_deadlines(200, 200);
  limits.idle_timeout_ms = 200;
  LoopServer server(holding(held), limits);
  Client streaming(server.port());
  Client polling(server.port());
  ASSERT_TRUE(streaming.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(polling.send("POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
  ASSERT_TRUE(wait_for_held(server, held, 2));
  EXPECT_TRUE(server.run([&] { return held.exchanges[0]->send("data: 1\n\n"); }));
  ASSERT_TRUE(streaming.body_contains("data: 1\n\n"));
  // Several times every deadline: neither is cut.
  EXPECT_FALSE(streaming.closed_by_server(800));
  EXPECT_FALSE(polling.response(10));
  EXPECT_FALSE(polling.eof());
  EXPECT_TRUE(server.run([&] {
    bool sent = held.exchanges[0]->send("data: 2\n\n");
    held.exchanges[1]->respond(Response::json(200, R"({"jobs":[]})"));
    return sent;
  }));
  ASSERT_TRUE(streaming.body_contains("data: 2\n\n"));
  auto r = polling.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"jobs":[]})");
  EXPECT_EQ(held.closed.load(), 0);
  server.run([&] {
    held.exchanges[0]->end();
    held.exchanges.clear();
  });
}

TEST(HttpConnectionCaps, ClosesANewConnectionFromAnAddressAtItsCap) {
  Held held;
  Limits limits;
  limits.max_connections_per_address = 4;
  LoopServer server(holding(held), limits);
  std::vector<std::unique_ptr<Client>> admitted;
  for (int i = 0; i < 4; ++i) admitted.push_back(std::make_unique<Client>(server.port()));
  ASSERT_TRUE(server.wait_for_connections(4));
  Client extra(server.port());
  auto start = Clock::now();
  EXPECT_TRUE(extra.closed_by_server(kSlackMs));
  EXPECT_LT(elapsed_ms(start), kSlackMs);
  EXPECT_EQ(extra.raw(), "");
  for (auto& client : admitted) {
    ASSERT_TRUE(client->send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    auto r = client->response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
  }
  // A place freed is a place again.
  admitted.pop_back();
  ASSERT_TRUE(server.wait_for_connections(3));
  Client again(server.port());
  ASSERT_TRUE(again.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = again.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(HttpConnectionCaps, AFloodOfTricklingConnectionsDoesNotLockOutARealClient) {
  Held held;
  Limits limits = short_deadlines(3000, 3000);
  limits.max_connections = 50;
  limits.max_connections_per_address = 0;  // the flood and the client share 127.0.0.1
  LoopServer server(holding(held), limits);
  // One more long-poll is in flight: never evicted, whatever the pressure.
  Client polling(server.port());
  ASSERT_TRUE(polling.send("POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(wait_for_held(server, held, 1));
  // 60 trickling connections into 49 places: each beyond them evicts the oldest.
  std::vector<std::unique_ptr<Client>> flood;
  for (int i = 0; i < 60; ++i) {
    flood.push_back(std::make_unique<Client>(server.port()));
    ASSERT_TRUE(flood.back()->send("GET /slow HTTP/1.1\r\nX-Slow: "));
  }
  auto start = Clock::now();
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /real HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = client.response(kSlackMs);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_LT(elapsed_ms(start), kSlackMs);
  // The oldest of the flood gave way, without an answer; the newest are still waiting.
  for (int i = 0; i < 12; ++i) {
    EXPECT_TRUE(flood[i]->closed_by_server(kSlackMs)) << i;
    EXPECT_EQ(flood[i]->raw(), "") << i;
  }
  EXPECT_FALSE(flood.back()->closed_by_server(10));
  EXPECT_TRUE(server.wait_for_connections(50));
  // The long-poll survived it all.
  server.run([&] { held.exchanges[0]->respond(Response::json(200, "{}")); });
  auto polled = polling.response();
  ASSERT_TRUE(polled);
  EXPECT_EQ(polled->status, 200);
  EXPECT_EQ(held.closed.load(), 0);
  server.run([&] { held.exchanges.clear(); });
}

TEST(HttpConnectionCaps, RefusesANewConnectionWhenNoneCanBeEvicted) {
  Held held;
  Limits limits;
  limits.max_connections = 2;
  LoopServer server(holding(held), limits);
  Client a(server.port());
  Client b(server.port());
  ASSERT_TRUE(a.send("POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(b.send("POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(wait_for_held(server, held, 2));
  Client c(server.port());
  c.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(c.raw(), "");
  // The admitted ones still work.
  server.run([&] {
    for (auto& exchange : held.exchanges) exchange->respond(Response::json(200, "{}"));
    held.exchanges.clear();
  });
  auto ra = a.response();
  auto rb = b.response();
  ASSERT_TRUE(ra && rb);
  EXPECT_EQ(ra->status, 200);
  EXPECT_EQ(rb->status, 200);
  EXPECT_EQ(server.run([&] { return server.server().connection_count(); }), 2u);
}

}  // namespace
}  // namespace wf::http::testing
