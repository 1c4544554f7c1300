// The client's Server-Sent Events parser: events split across pieces, comments, multi-line data.
#include <gtest/gtest.h>

#include "runtime/client/http_client.h"

namespace {

using wf::client::SseParser;

TEST(SseParser, JoinsEventsSplitAcrossPieces) {
  SseParser p;
  std::vector<SseParser::Event> seen;
  auto keep = [&](const SseParser::Event& e) { seen.push_back(e); return true; };
  EXPECT_TRUE(p.feed("id: 7\nevent: instance.st", keep));
  EXPECT_TRUE(seen.empty());
  EXPECT_TRUE(p.feed("atus\ndata: {\"a\":1}\n\n: keep-alive\n\nid: 8\ndata: x\ndata: y\r\n\r\n", keep));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].id, "7");
  EXPECT_EQ(seen[0].type, "instance.status");
  EXPECT_EQ(seen[0].data, "{\"a\":1}");
  EXPECT_EQ(seen[1].id, "8");
  EXPECT_EQ(seen[1].data, "x\ny");
}

TEST(SseParser, StopsWhenTheCallerSaysSo) {
  SseParser p;
  int calls = 0;
  EXPECT_FALSE(p.feed("data: 1\n\ndata: 2\n\n", [&](const SseParser::Event&) { ++calls; return false; }));
  EXPECT_EQ(calls, 1);
}

TEST(HttpClient, ReportsARefusedConnectionAsAValue) {
  wf::client::HttpClient c("http://127.0.0.1:1");
  auto r = c.get("/api/v1/health", 2000);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(wf::client::url_encode("a b/c"), "a%20b%2Fc");
}

}  // namespace
