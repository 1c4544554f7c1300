// Streamed answers (Server-Sent Events), exchanges that outlive their connection, long-polls
// whose peer goes away, and closing a server with connections open.
#include <gtest/gtest.h>

#include <atomic>

#include "tests/runtime/http/server_harness.h"

namespace wf::http::testing {
namespace {

// Keeps the exchanges of "/events" and "/poll" for the test to drive; answers the rest.
struct Held {
  std::shared_ptr<Exchange> exchange;  // touched on the loop thread only
  Flag arrived;
  Flag closed;
};

Handler holding(Held& held) {
  return [&held](Request& request, std::shared_ptr<Exchange> exchange) {
    if (request.path == "/events") {
      exchange->start_stream(
          200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}});
    } else if (request.path != "/poll") {
      exchange->respond(Response::json(200, "{}"));
      return;
    }
    exchange->on_close([&held] { held.closed.set(); });
    held.exchange = std::move(exchange);
    held.arrived.set();
  };
}

TEST(HttpStream, SendsEventsPieceByPieceAndNoticesTheReaderLeaving) {
  Held held;
  LoopServer server(holding(held));
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(held.arrived.wait());

  EXPECT_TRUE(
      server.run([&] { return held.exchange->send("id: 1\nevent: log\ndata: {\"a\":1}\n\n"); }));
  ASSERT_TRUE(client.body_contains("data: {\"a\":1}\n\n"));
  EXPECT_EQ(client.in_progress().status, 200);
  EXPECT_EQ(client.in_progress().header("content-type"), "text/event-stream");
  EXPECT_EQ(client.in_progress().header("transfer-encoding"), "chunked");
  EXPECT_FALSE(client.in_progress().complete);

  EXPECT_TRUE(server.run([&] { return held.exchange->send(": keep-alive\n\n"); }));
  ASSERT_TRUE(client.body_contains(": keep-alive\n\n"));
  EXPECT_FALSE(held.closed.is_set());

  client.close();
  ASSERT_TRUE(held.closed.wait());
  // The exchange outlives its connection harmlessly.
  EXPECT_TRUE(server.run([&] {
    bool ok = held.exchange->closed() && !held.exchange->send("data: late\n\n");
    held.exchange->end();
    held.exchange->respond(Response::json(200, "{}"));
    bool called = false;
    held.exchange->on_close([&] { called = true; });  // already gone: runs at once
    held.exchange.reset();
    return ok && called;
  }));
  EXPECT_TRUE(server.wait_for_connections(0));
}

TEST(HttpStream, EndsAStreamAndServesTheNextRequest) {
  Held held;
  LoopServer server(holding(held));
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(held.arrived.wait());
  server.run([&] {
    held.exchange->send("data: only\n\n");
    held.exchange->end();
    EXPECT_TRUE(held.exchange->closed());
    held.exchange.reset();
    return 0;
  });
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "data: only\n\n");
  ASSERT_TRUE(client.send("GET /other HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto next = client.response();
  ASSERT_TRUE(next);
  EXPECT_EQ(next->body, "{}");
  EXPECT_FALSE(held.closed.is_set());  // finished exchanges are not "closed early"
}

TEST(HttpStream, StreamsToAnHttp10ClientUntilTheClose) {
  Held held;
  LoopServer server(holding(held));
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /events HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(held.arrived.wait());
  server.run([&] {
    held.exchange->send("data: a\n\n");
    held.exchange->send("data: b\n\n");
    held.exchange->end();
    return 0;
  });
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("transfer-encoding"), "");
  EXPECT_EQ(r->body, "data: a\n\ndata: b\n\n");
  EXPECT_TRUE(client.eof());
}

TEST(HttpStream, DropsAReaderThatFallsBehind) {
  Held held;
  Limits limits;
  limits.max_pending_write_bytes = 256 * 1024;
  LoopServer server(holding(held), limits);
  Client client(server.port());
  int small = 4096;
  ::setsockopt(client.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ASSERT_TRUE(client.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(held.arrived.wait());
  // The client reads nothing: the kernel's buffers fill, then the server's queue.
  int sent = server.run([&] {
    std::string piece = "data: " + std::string(64 * 1024, 'x') + "\n\n";
    for (int i = 0; i < 2000; ++i) {
      if (!held.exchange->send(piece)) return i;
    }
    return -1;
  });
  EXPECT_GT(sent, 0);
  ASSERT_TRUE(held.closed.wait());
  server.run([&] {
    held.exchange.reset();
    return 0;
  });
}

TEST(HttpStream, LongPollSeesItsPeerGoAway) {
  Held held;
  LoopServer server(holding(held));
  Client client(server.port());
  ASSERT_TRUE(client.send("POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"));
  ASSERT_TRUE(held.arrived.wait());
  EXPECT_FALSE(client.response(100));  // no answer yet: the connection is held
  client.close();
  ASSERT_TRUE(held.closed.wait());
  EXPECT_TRUE(server.run([&] {
    bool closed = held.exchange->closed();
    held.exchange->respond(Response::json(200, R"({"jobs":[]})"));  // ignored
    held.exchange.reset();
    return closed;
  }));
}

TEST(HttpStream, IdleTimeoutSparesALongPoll) {
  Held held;
  Limits limits;
  limits.idle_timeout_ms = 100;
  LoopServer server(holding(held), limits);
  Client idle(server.port());
  ASSERT_TRUE(idle.send("GET /quick HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.response());
  Client polling(server.port());
  ASSERT_TRUE(polling.send("POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(held.arrived.wait());
  auto start = Clock::now();
  EXPECT_TRUE(idle.closed_by_server(3000));
  EXPECT_GE(elapsed_ms(start), 50);
  // The long-poll outlasts several idle periods, then gets its answer.
  EXPECT_FALSE(polling.response(350));
  server.run([&] {
    held.exchange->respond(Response::json(200, R"({"jobs":[]})"));
    held.exchange.reset();
    return 0;
  });
  auto r = polling.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, R"({"jobs":[]})");
  EXPECT_FALSE(held.closed.is_set());
}

TEST(HttpStream, ReleasesAnExchangeWhoseOnCloseHoldsIt) {
  std::weak_ptr<Exchange> seen;
  std::shared_ptr<Exchange> kept;  // loop thread only
  LoopServer server([&](Request&, std::shared_ptr<Exchange> exchange) {
    // The pattern of a long-poll list: the callback keeps the exchange it belongs to.
    exchange->on_close([exchange] { (void)exchange; });
    seen = exchange;
    kept = exchange;
  });
  Client client(server.port());
  ASSERT_TRUE(client.send("POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  auto start = Clock::now();
  while (!server.run([&] { return kept != nullptr; }) && elapsed_ms(start) < 5000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  server.run([&] {
    kept->respond(Response::json(200, "{}"));
    kept.reset();
    return 0;
  });
  ASSERT_TRUE(client.response());
  EXPECT_TRUE(server.run([&] { return seen.expired(); }));
}

TEST(HttpStream, SendsOneAnswerLargerThanThePendingLimitWhole) {
  Limits limits;
  limits.max_pending_write_bytes = 64 * 1024;
  std::string big(3 * 1024 * 1024, 'b');
  for (size_t i = 0; i < big.size(); i += 1000) big[i] = static_cast<char>('0' + (i / 1000) % 10);
  LoopServer server(
      [&](Request&, std::shared_ptr<Exchange> exchange) {
        exchange->respond(Response{200, {{"Content-Type", "application/octet-stream"}}, big});
      },
      limits);
  Client client(server.port());
  ASSERT_TRUE(
      client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /big HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = client.response(10000);
  auto second = client.response(10000);
  ASSERT_TRUE(first && second);
  EXPECT_TRUE(first->body == big);
  EXPECT_TRUE(second->body == big);
}

TEST(HttpStream, CloseCompletesWithConnectionsOpen) {
  Held held;
  LoopServer server(holding(held));
  Client polling(server.port());
  ASSERT_TRUE(polling.send("POST /poll HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  ASSERT_TRUE(held.arrived.wait());
  Client idle(server.port());
  ASSERT_TRUE(idle.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(idle.response());
  Client silent(server.port());
  ASSERT_TRUE(server.wait_for_connections(3));

  auto start = Clock::now();
  EXPECT_TRUE(server.close());
  EXPECT_LT(elapsed_ms(start), 2000);
  EXPECT_TRUE(held.closed.is_set());
  EXPECT_EQ(server.run([&] { return server.server().connection_count(); }), 0u);
  EXPECT_TRUE(polling.closed_by_server());
  EXPECT_TRUE(idle.closed_by_server());
  EXPECT_TRUE(silent.closed_by_server());
  // A closed server accepts nothing more.
  EXPECT_EQ(server.run([&] { return server.server().port(); }), 0);
  server.run([&] {
    held.exchange.reset();
    return 0;
  });
  // close() after completion calls back at once.
  EXPECT_TRUE(server.close(100));
}

}  // namespace
}  // namespace wf::http::testing
