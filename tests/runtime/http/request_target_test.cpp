// Request targets: percent-decoding of paths and query components.
#include "runtime/http/request_target.h"

#include <gtest/gtest.h>

#include "runtime/http/request.h"
#include "runtime/http/response_writer.h"

namespace wf::http {
namespace {

struct TargetCase {
  std::string target;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
};

TEST(RequestTarget, SplitsAndDecodes) {
  const TargetCase cases[] = {
      {"/", "/", {}},
      {"/api/v1/instances/7", "/api/v1/instances/7", {}},
      {"/a%20b+c", "/a b+c", {}},
      {"/x?", "/x", {}},
      {"/x?a=1&b=&c&&d=%3D%26", "/x", {{"a", "1"}, {"b", ""}, {"c", ""}, {"d", "=&"}}},
      {"/x?q=a+b%2Bc", "/x", {{"q", "a b+c"}}},
      {"/x?k%20ey=v=w", "/x", {{"k ey", "v=w"}}},
      {"http://example.com:8080/abs?x=1", "/abs", {{"x", "1"}}},
      {"http://example.com", "/", {}},
      {"*", "*", {}},
  };
  for (const auto& c : cases) {
    std::string path, error;
    std::vector<std::pair<std::string, std::string>> query;
    ASSERT_TRUE(parse_request_target(c.target, path, query, error)) << c.target << ": " << error;
    EXPECT_EQ(path, c.path) << c.target;
    EXPECT_EQ(query, c.query) << c.target;
  }
}

TEST(RequestTarget, RefusesMalformedEscapes) {
  for (std::string target : {"/a%", "/a%2", "/a%g0", "/x?a=%zz", "/x?%=1"}) {
    std::string path, error;
    std::vector<std::pair<std::string, std::string>> query;
    EXPECT_FALSE(parse_request_target(target, path, query, error)) << target;
    EXPECT_NE(error.find("percent-escape"), std::string::npos) << target << ": " << error;
  }
}

TEST(RequestTarget, DecodesPlusOnlyInQueries) {
  std::string out;
  ASSERT_TRUE(percent_decode("a+b%2b", false, out));
  EXPECT_EQ(out, "a+b+");
  out.clear();
  ASSERT_TRUE(percent_decode("a+b%2B", true, out));
  EXPECT_EQ(out, "a b+");
}

TEST(RequestLookups, FindHeadersAndQueryParameters) {
  Request r;
  r.headers = {{"content-type", "application/json"}, {"x-a", "1"}, {"x-a", "2"}};
  r.query = {{"limit", "10"}, {"limit", "20"}, {"empty", ""}};
  EXPECT_EQ(r.header("x-a"), "1");
  EXPECT_EQ(r.header("absent"), "");
  EXPECT_EQ(r.query_param("limit"), "10");
  EXPECT_EQ(r.query_param("empty"), "");
  EXPECT_EQ(r.query_param("absent"), std::nullopt);
}

TEST(ResponseWriter, WritesHeadsAndChunks) {
  std::string out;
  append_response_head(out, 404, {{"Content-Type", "application/json"}, {"Content-Length", "99"}},
                       BodyFraming::content_length, 12, true, "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 12\r\n"
            "Connection: keep-alive\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\n\r\n");
  out.clear();
  append_response_head(out, 799, {}, BodyFraming::chunked, 0, false, "");
  EXPECT_EQ(out, "HTTP/1.1 799 Unknown\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  out.clear();
  append_chunk(out, std::string(26, 'z'));
  append_chunk(out, "");
  EXPECT_EQ(out, "1a\r\n" + std::string(26, 'z') + "\r\n");
  EXPECT_EQ(http_date(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(error_body("bad_request", "a \"quoted\" \xff"),
            "{\"error\":{\"code\":\"bad_request\",\"message\":\"a \\\"quoted\\\" \xEF\xBF\xBD\"}}");
  out.clear();
  append_response_head(out, 302,
                       {{"Location", "/a\r\nSet-Cookie: x=1"}, {"X\nY", "1"}, {"X-Ok", "1"}},
                       BodyFraming::none, 0, false, "");
  EXPECT_EQ(out, "HTTP/1.1 302 Found\r\nX-Ok: 1\r\nConnection: close\r\n\r\n");
  EXPECT_TRUE(headers_ask_to_close({{"CONNECTION", "Close"}}));
  EXPECT_FALSE(headers_ask_to_close({{"connection", "keep-alive"}}));
}

}  // namespace
}  // namespace wf::http
