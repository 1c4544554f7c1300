// Cursor paging of the large lists (docs/api.md, "Lists"): following `next` from the first page
// reads every item once, in the list's order, with the filter kept; the last page has no `next`;
// `total` comes only with `count=true`; `skip` still works.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

constexpr const char* kAsk = R"(
workflow ask(n: int) -> int {
  approve "Go on with {{n}}?"
  return n
}
)";

constexpr const char* kDone = R"(
workflow done() -> int {
  return 1
}
)";

class Paging : public ServiceTest {
 protected:
  Paging() : ServiceTest("wf-paging") {}

  // Every id of `path` (with its filters), following `next` with pages of `limit`.
  std::vector<int64_t> walk(const std::string& path, int limit, int& pages) {
    std::vector<int64_t> ids;
    std::string after;
    pages = 0;
    for (;;) {
      const std::string sep = path.find('?') == std::string::npos ? "?" : "&";
      auto page = body_json(api_->get(fmt::format("{}{}limit={}{}", path, sep, limit, after.empty() ? "" : "&after=" + after)));
      EXPECT_TRUE(page.contains("items")) << page.dump();
      EXPECT_FALSE(page.contains("total")) << page.dump();
      ++pages;
      for (const json& item : page["items"]) ids.push_back(item["id"].get<int64_t>());
      if (!page.contains("next")) return ids;
      EXPECT_TRUE(page["next"].is_string()) << page.dump();
      EXPECT_EQ(page["items"].size(), static_cast<size_t>(limit)) << page.dump();
      after = page["next"].get<std::string>();
      if (pages > 100) return ids;
    }
  }
};

TEST_F(Paging, FollowingNextReadsEveryItemOnceInOrderWithTheFilterKept) {
  ASSERT_EQ(push(*api_, "ask.wf", kAsk), "ask");
  ASSERT_EQ(push(*api_, "done.wf", kDone), "done");
  std::vector<int64_t> asked, all;
  for (int k = 0; k < 7; ++k) {
    asked.push_back(start(*api_, "ask", {{"params", {{"n", k}}}}));
    all.push_back(asked.back());
    all.push_back(start(*api_, "done", json::object()));
  }
  for (int64_t id : asked) ASSERT_EQ(wait_status(*api_, id, [](const json& d) { return d.value("status", "") == "paused"; })["status"], "paused");
  for (int64_t id : all) ASSERT_GT(id, 0);

  int pages = 0;
  // Instances, newest first: all of them, and the paused ones only.
  std::vector<int64_t> newest_first(all.rbegin(), all.rend());
  EXPECT_EQ(walk("/api/v1/instances", 3, pages), newest_first);
  EXPECT_EQ(pages, 5);  // 14 = 3 + 3 + 3 + 3 + 2
  std::vector<int64_t> asked_newest_first(asked.rbegin(), asked.rend());
  EXPECT_EQ(walk("/api/v1/instances?status=paused", 2, pages), asked_newest_first);
  EXPECT_EQ(walk("/api/v1/instances?workflow=ask&status=paused&trigger=manual", 7, pages), asked_newest_first);
  EXPECT_EQ(pages, 1);  // exactly one page's worth: no `next`
  // Approvals, oldest first.
  std::vector<int64_t> requests = walk("/api/v1/approvals?status=pending", 3, pages);
  ASSERT_EQ(requests.size(), asked.size());
  EXPECT_TRUE(std::is_sorted(requests.begin(), requests.end()));
  EXPECT_EQ(std::set<int64_t>(requests.begin(), requests.end()).size(), requests.size());

  // The total only when asked; `skip` as before.
  auto counted = body_json(api_->get("/api/v1/instances?status=paused&count=true&limit=1"));
  EXPECT_EQ(counted["total"], 7) << counted.dump();
  EXPECT_EQ(counted["items"].size(), 1u);
  auto skipped = body_json(api_->get("/api/v1/instances?skip=13&limit=5"));
  ASSERT_EQ(skipped["items"].size(), 1u) << skipped.dump();
  EXPECT_EQ(skipped["items"][0]["id"], all.front());
  EXPECT_FALSE(skipped.contains("next")) << skipped.dump();
  // A cursor past the oldest reads nothing.
  auto past = body_json(api_->get(fmt::format("/api/v1/instances?after={}", all.front())));
  EXPECT_TRUE(past["items"].empty()) << past.dump();
}

}  // namespace
