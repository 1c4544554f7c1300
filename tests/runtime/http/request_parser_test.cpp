// The parsing half of a connection without a socket: pipelined requests fed a byte at a time
// come out whole and in order; a header over the limit, a body over the limit and a malformed
// target are refused with the answer the connection sends.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "runtime/http/request_parser.h"

namespace {

using wf::http::Limits;
using wf::http::Request;
using wf::http::RequestParser;

class Recorder : public RequestParser::Listener {
 public:
  void request_begins() override { ++begun; }
  bool headers_parsed(Request& request, bool wants_continue) override {
    request.peer = "127.0.0.1:9";
    continues += wants_continue ? 1 : 0;
    return true;
  }
  int begun = 0;
  int continues = 0;
};

// Feeds `bytes` in pieces of `piece` bytes; returns the requests completed, and the refusal's
// status (0 when none).
std::vector<Request> parse(RequestParser& parser, const std::string& bytes, size_t piece, int& refused) {
  std::vector<Request> done;
  refused = 0;
  std::string pending;
  for (size_t at = 0; at < bytes.size() && refused == 0; at += piece) {
    pending += bytes.substr(at, piece);
    size_t used = 0;
    while (used < pending.size()) {
      const auto step = parser.feed(pending.data() + used, pending.size() - used);
      used += step.parsed;
      if (step.outcome == RequestParser::Outcome::complete) {
        done.push_back(parser.request());
        continue;
      }
      if (step.outcome == RequestParser::Outcome::refused) refused = parser.refusal().status;
      break;
    }
    pending.erase(0, used);
  }
  return done;
}

TEST(RequestParser, PipelinedRequestsFedByteByByteComeOutWholeAndInOrder) {
  const std::string bytes =
      "POST /api/v1/x%20y?a=1&b=two+words HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello"
      "GET /second HTTP/1.1\r\nX-Name: V\r\n\r\n"
      "PUT /third HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
  for (const size_t piece : {size_t{1}, size_t{7}, bytes.size()}) {
    Limits limits;
    Recorder recorder;
    RequestParser parser(limits, recorder);
    int refused = 0;
    const auto requests = parse(parser, bytes, piece, refused);
    EXPECT_EQ(refused, 0);
    ASSERT_EQ(requests.size(), 3u) << "pieces of " << piece;
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].path, "/api/v1/x y");
    ASSERT_EQ(requests[0].query.size(), 2u);
    EXPECT_EQ(requests[0].query[1].second, "two words");
    EXPECT_EQ(requests[0].body, "hello");
    EXPECT_EQ(requests[0].peer, "127.0.0.1:9");
    EXPECT_EQ(requests[1].path, "/second");
    EXPECT_EQ(requests[1].header("x-name"), "V");
    EXPECT_TRUE(requests[1].body.empty());
    EXPECT_EQ(requests[2].body, "abcde");
    EXPECT_EQ(recorder.begun, 3);
    EXPECT_EQ(recorder.continues, 1);
    EXPECT_TRUE(parser.keep_alive());
  }
}

TEST(RequestParser, RefusalsCarryTheAnswerOfTheConnection) {
  Limits limits;
  limits.max_header_bytes = 64;
  limits.max_body_bytes = 4;
  struct Case {
    std::string bytes;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"GET /" + std::string(100, 'a') + " HTTP/1.1\r\n\r\n", 431, "headers_too_large"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 413, "payload_too_large"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 413, "payload_too_large"},
      {"GET /a%zz HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"NOT HTTP\r\n\r\n", 400, "bad_request"},
  };
  for (const Case& c : cases) {
    Recorder recorder;
    RequestParser parser(limits, recorder);
    int refused = 0;
    const auto requests = parse(parser, c.bytes, 3, refused);
    EXPECT_TRUE(requests.empty()) << c.bytes;
    EXPECT_EQ(refused, c.status) << c.bytes;
    EXPECT_EQ(parser.refusal().code, c.code) << c.bytes;
    EXPECT_FALSE(parser.refusal().message.empty());
  }
}

}  // namespace
