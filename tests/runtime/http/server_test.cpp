// The HTTP server's request cycle over real sockets: methods and bodies, keep-alive, pipelining,
// HTTP/1.0, query strings and percent-decoding, HEAD, handler failures, and Expect with curl.
#include <curl/curl.h>
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tests/runtime/http/server_harness.h"

namespace wf::http::testing {
namespace {

using nlohmann::json;

// Answers with what it received, as JSON.
void echo(Request& request, std::shared_ptr<Exchange> exchange) {
  json query = json::array();
  for (const auto& [k, v] : request.query) query.push_back({k, v});
  json body = {{"method", request.method},
               {"path", request.path},
               {"query", query},
               {"body", request.body},
               {"peer", request.peer},
               {"x_test", std::string(request.header("x-test"))},
               {"x_missing", request.query_param("x").value_or("<none>")}};
  exchange->respond(Response::json(200, body.dump()));
}

json body_of(const std::optional<ClientResponse>& r) {
  if (!r) return json();
  return json::parse(r->body, nullptr, false);
}

TEST(HttpServer, AnswersGetWithContentLengthAndKeepAlive) {
  LoopServer server(echo);
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Test: yes\r\n\r\n"));
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("connection"), "keep-alive");
  EXPECT_EQ(r->header("content-length"), std::to_string(r->body.size()));
  EXPECT_FALSE(r->header("date").empty());
  json b = body_of(r);
  EXPECT_EQ(b["method"], "GET");
  EXPECT_EQ(b["path"], "/api/v1/health");
  EXPECT_EQ(b["x_test"], "yes");
  EXPECT_EQ(b["body"], "");
  EXPECT_EQ(b["peer"].get<std::string>().rfind("127.0.0.1:", 0), 0u);
}

TEST(HttpServer, ReceivesPostBodyWithContentLength) {
  LoopServer server(echo);
  Client client(server.port());
  std::string payload = R"({"source":"workflow w() {}"})";
  ASSERT_TRUE(
      client.send("POST /api/v1/definitions HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  "application/json\r\nContent-Length: " +
                  std::to_string(payload.size()) + "\r\n\r\n" + payload.substr(0, 5)));
  // The rest of the body arrives in a second segment.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(client.send(payload.substr(5)));
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["method"], "POST");
  EXPECT_EQ(body_of(r)["body"], payload);
}

TEST(HttpServer, DechunksAChunkedRequestBody) {
  LoopServer server(echo);
  Client client(server.port());
  ASSERT_TRUE(
      client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "5\r\nhello\r\n"));
  ASSERT_TRUE(client.send("1;ext=1\r\n \r\n6\r\nworld!\r\n0\r\n\r\n"));
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["body"], "hello world!");
}

TEST(HttpServer, ServesTwoRequestsOnOneConnection) {
  LoopServer server(echo);
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = client.response();
  ASSERT_TRUE(first);
  ASSERT_TRUE(client.send("POST /two HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"));
  auto second = client.response();
  ASSERT_TRUE(second);
  EXPECT_EQ(body_of(first)["path"], "/one");
  EXPECT_EQ(body_of(second)["path"], "/two");
  EXPECT_EQ(body_of(second)["body"], "abc");
  // The same connection (the same client port) carried both.
  EXPECT_EQ(body_of(first)["peer"], body_of(second)["peer"]);
  EXPECT_EQ(server.run([&] { return server.server().connection_count(); }), 1u);
  EXPECT_FALSE(client.eof());
}

// Answers "/slow" 50 ms later from a timer, everything else at once.
struct Deferred {
  uv_timer_t timer;
  std::shared_ptr<Exchange> exchange;
  Response response;
};

void answer_later(uv_loop_t* loop, std::shared_ptr<Exchange> exchange, Response response,
                  uint64_t ms) {
  auto* d = new Deferred{{}, std::move(exchange), std::move(response)};
  uv_timer_init(loop, &d->timer);
  d->timer.data = d;
  uv_timer_start(
      &d->timer,
      [](uv_timer_t* t) {
        auto* d = static_cast<Deferred*>(t->data);
        d->exchange->respond(std::move(d->response));
        uv_close(reinterpret_cast<uv_handle_t*>(t),
                 [](uv_handle_t* h) { delete static_cast<Deferred*>(h->data); });
      },
      ms, 0);
}

TEST(HttpServer, AnswersPipelinedRequestsInOrder) {
  std::atomic<uv_loop_t*> loop{nullptr};
  LoopServer server([&](Request& request, std::shared_ptr<Exchange> exchange) {
    Response r = Response::json(200, json{{"path", request.path}}.dump());
    if (request.path == "/slow") {
      answer_later(loop.load(), std::move(exchange), std::move(r), 50);
    } else {
      exchange->respond(std::move(r));
    }
  });
  loop = server.loop();
  Client client(server.port());
  ASSERT_TRUE(
      client.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
                  "GET /last HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto first = client.response();
  auto second = client.response();
  auto third = client.response();
  ASSERT_TRUE(first && second && third);
  EXPECT_EQ(body_of(first)["path"], "/slow");
  EXPECT_EQ(body_of(second)["path"], "/fast");
  EXPECT_EQ(body_of(third)["path"], "/last");
}

TEST(HttpServer, DeferredAnswerArrivesFromATimer) {
  std::atomic<uv_loop_t*> loop{nullptr};
  LoopServer server([&](Request& request, std::shared_ptr<Exchange> exchange) {
    answer_later(loop.load(), std::move(exchange), Response::json(202, R"({"later":true})"), 50);
  });
  loop = server.loop();
  Client client(server.port());
  auto start = Clock::now();
  ASSERT_TRUE(client.send("POST /later HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_GE(elapsed_ms(start), 45);
  EXPECT_EQ(r->status, 202);
  EXPECT_EQ(r->body, R"({"later":true})");
  // The connection serves the next request after the deferred one.
  ASSERT_TRUE(client.send("GET /again HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_TRUE(client.response());
}

TEST(HttpServer, Http10ClosesAfterTheAnswerUnlessKeptAlive) {
  LoopServer server(echo);
  {
    Client client(server.port());
    ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\n\r\n"));
    auto r = client.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_TRUE(client.closed_by_server());
  }
  {
    Client client(server.port());
    ASSERT_TRUE(client.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
    auto r = client.response();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->header("connection"), "keep-alive");
    ASSERT_TRUE(client.send("GET /b HTTP/1.0\r\n\r\n"));
    auto last = client.response();
    ASSERT_TRUE(last);
    EXPECT_EQ(body_of(last)["path"], "/b");
    EXPECT_TRUE(client.closed_by_server());
  }
}

TEST(HttpServer, HonoursConnectionClose) {
  LoopServer server(echo);
  Client client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, DecodesPathAndQuery) {
  LoopServer server(echo);
  Client client(server.port());
  ASSERT_TRUE(client.send(
      "GET /api/v1/definitions/my%20flow/c%2Fd?x=1&name=hello+world%21&check=%E2%9C%93&x=2&flag "
      "HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = client.response();
  ASSERT_TRUE(r);
  json b = body_of(r);
  EXPECT_EQ(b["path"], "/api/v1/definitions/my flow/c/d");
  json expected = json::array({json::array({"x", "1"}), json::array({"name", "hello world!"}),
                               json::array({"check", "\xE2\x9C\x93"}), json::array({"x", "2"}),
                               json::array({"flag", ""})});
  EXPECT_EQ(b["query"], expected);
  EXPECT_EQ(b["x_missing"], "1");  // the first value
}

TEST(HttpServer, RefusesAMalformedEscapeWith400) {
  LoopServer server(echo);
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /a%zzb HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(body_of(r)["error"]["code"], "bad_request");
  EXPECT_TRUE(client.closed_by_server());
}

TEST(HttpServer, HeadAnswersTheLengthWithoutTheBody) {
  LoopServer server([](Request& request, std::shared_ptr<Exchange> exchange) {
    exchange->respond(Response::json(200, R"({"hello":"world"})"));
  });
  Client client(server.port());
  client.expect_head(true);
  ASSERT_TRUE(client.send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto head = client.response();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->header("content-length"), "17");
  EXPECT_EQ(head->body, "");
  client.expect_head(false);
  ASSERT_TRUE(client.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto get = client.response();
  ASSERT_TRUE(get);
  // Had the HEAD answer carried a body, this would be parsed from it.
  EXPECT_EQ(get->body, R"({"hello":"world"})");
}

TEST(HttpServer, AnswersAThrowingHandlerWith500) {
  LoopServer server([](Request& request, std::shared_ptr<Exchange>) {
    if (request.path == "/throw") throw std::runtime_error("store \"offline\"");
    throw 42;
  });
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  json b = body_of(r);
  EXPECT_EQ(b["error"]["code"], "internal");
  EXPECT_NE(b["error"]["message"].get<std::string>().find("store \"offline\""), std::string::npos);
  // The connection survives, and a non-standard exception is caught too.
  ASSERT_TRUE(client.send("GET /int HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto again = client.response();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 500);
  EXPECT_EQ(body_of(again)["error"]["code"], "internal");
}

TEST(HttpServer, KeepsOnlyTheFirstAnswer) {
  LoopServer server([](Request&, std::shared_ptr<Exchange> exchange) {
    exchange->respond(Response::json(200, R"({"n":1})"));
    exchange->respond(Response::json(500, R"({"n":2})"));
    exchange->start_stream(200, {});
    EXPECT_FALSE(exchange->send("x"));
    EXPECT_TRUE(exchange->closed());
  });
  Client client(server.port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto a = client.response();
  auto b = client.response();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->body, R"({"n":1})");
  EXPECT_EQ(b->body, R"({"n":1})");
  EXPECT_FALSE(client.response(100));  // nothing else was sent
}

size_t discard(char*, size_t size, size_t count, void*) { return size * count; }

TEST(HttpServer, AnswersExpectContinueSoCurlPostsAtOnce) {
  LoopServer server([](Request& request, std::shared_ptr<Exchange> exchange) {
    exchange->respond(Response::json(200, json{{"received", request.body.size()}}.dump()));
  });
  std::string payload(4096, 'p');
  CURL* curl = curl_easy_init();
  ASSERT_NE(curl, nullptr);
  std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/definitions";
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  // curl asks for it by itself above 1 KiB (up to 8.x); asked explicitly, the test does not
  // depend on that threshold. Unanswered, curl would wait a second before sending the body.
  headers = curl_slist_append(headers, "Expect: 100-continue");
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(payload.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  auto start = Clock::now();
  CURLcode code = curl_easy_perform(curl);
  int took = elapsed_ms(start);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  ASSERT_EQ(code, CURLE_OK) << curl_easy_strerror(code);
  EXPECT_EQ(status, 200);
  EXPECT_LT(took, 900);
}

TEST(HttpServer, SendsContinueBeforeTheBodyAndOnlyForABody) {
  LoopServer server(echo);
  Client client(server.port());
  ASSERT_TRUE(client.send("GET /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n\r\n"));
  auto plain = client.response();
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->status, 200);
  EXPECT_EQ(client.raw().find("100 Continue"), std::string::npos);

  ASSERT_TRUE(client.send(
      "POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n"));
  // The interim answer arrives while the body is still unsent.
  auto interim = client.response();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.send("ok"));
  auto r = client.response();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(body_of(r)["body"], "ok");
}

TEST(HttpServer, RefusesASecondListenerOnTheSamePortAndRebindsAfterClose) {
  int port = 0;
  {
    LoopServer first(echo);
    port = first.port();
    ASSERT_GT(port, 0);
    uv_loop_t loop;
    uv_loop_init(&loop);
    {
      Server second(&loop, echo);
      std::string error;
      EXPECT_FALSE(second.listen("127.0.0.1", port, error));
      EXPECT_NE(error.find("address already in use"), std::string::npos) << error;
      bool done = false;
      second.close([&] { done = true; });
      uv_run(&loop, UV_RUN_DEFAULT);
      EXPECT_TRUE(done);
    }
    EXPECT_EQ(uv_loop_close(&loop), 0);
    // A connection left in TIME_WAIT must not keep a restarted server from binding.
    Client client(port);
    ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    ASSERT_TRUE(client.response());
    EXPECT_TRUE(client.closed_by_server());
    EXPECT_TRUE(first.close());
  }
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    Server again(&loop, echo);
    std::string error;
    EXPECT_TRUE(again.listen("127.0.0.1", port, error)) << error;
    EXPECT_EQ(again.port(), port);
    again.close();
    uv_run(&loop, UV_RUN_DEFAULT);
  }
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

TEST(HttpServer, ReportsAnUnusableAddress) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  {
    Server server(&loop, echo);
    std::string error;
    EXPECT_FALSE(server.listen("127.0.0.1", 70000, error));
    EXPECT_NE(error.find("port"), std::string::npos);
    error.clear();
    EXPECT_FALSE(server.listen("no-such-host.invalid", 0, error));
    EXPECT_FALSE(error.empty());
    EXPECT_EQ(server.port(), 0);
  }  // destroyed without close(): it closes itself, the loop frees it
  uv_run(&loop, UV_RUN_DEFAULT);
  EXPECT_EQ(uv_loop_close(&loop), 0);
}

}  // namespace
}  // namespace wf::http::testing
