// Crash safety (SPEC §4): while 200 instances of several steps run, `wf serve` is killed with
// SIGKILL at random moments — at least 20 times — and restarted each time. Every instance must
// reach its expected end, and every job's side effect (a line appended to a file) must have
// happened exactly once.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

constexpr int kInstances = 200;
constexpr int kMinKills = 20;

TEST(Crash, KilledServersLoseNothingAndRepeatNoJob) {
  const auto dir = make_temp_dir("wf-crash");
  Service service(dir);
  ASSERT_TRUE(service.start()) << service.log();
  Agent agent;
  ASSERT_TRUE(agent.start(service, "web1"));
  auto api = service.admin();
  ASSERT_TRUE(wait_until([&] { return body_json(api->get("/api/v1/hosts")).value("total", 0) == 1; }));
  const std::filesystem::path out = dir / "effects.txt";
  const std::string name = push(*api, "crashy.wf", R"(
workflow crashy(targets: hosts, tag: string, out: string) -> int {
  step "one" {
    run command "sleep 0.05; echo {{tag}}-1 >> {{out}}" on targets
  }
  step "two" {
    sleep 20ms
  }
  step "three" {
    run command "sleep 0.05; echo {{tag}}-3 >> {{out}}" on targets
  }
  return 3
}
)");
  ASSERT_EQ(name, "crashy");

  // Starts are sent while the server is being killed: a start that got no answer may or may not
  // have committed, so instances are identified by their tag, found through the API at the end.
  std::mt19937 rng(20261121);
  int started = 0, kills = 0;
  std::vector<std::string> tags;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(4);
  auto all_ended = [&] {
    auto list = body_json(api->get("/api/v1/instances?limit=1000&count=true"));
    if (list.value("total", 0) < kInstances) return false;
    for (const auto& i : list["items"])
      if (!is_terminal(i.value("status", ""))) return false;
    return true;
  };
  while (std::chrono::steady_clock::now() < deadline) {
    // A burst of starts, then a kill at a random moment.
    const int burst = std::min(kInstances - started, 25);
    for (int k = 0; k < burst; ++k) {
      const std::string tag = fmt::format("i{}", started);
      auto r = api->post("/api/v1/definitions/crashy/run",
                         json({{"hosts", {"web1"}}, {"params", {{"tag", tag}, {"out", out.string()}}}}).dump(), 5000);
      if (r.status == 201) {
        tags.push_back(tag);
        ++started;
      } else {
        break;  // the server is down; the next round tries again
      }
    }
    if (kills >= kMinKills && started == kInstances) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::uniform_int_distribution<int>(50, 400)(rng)));
    service.kill9();
    ++kills;
    ASSERT_TRUE(service.start()) << "restart " << kills << "\n" << service.log();
    api = service.admin();
  }
  ASSERT_GE(kills, kMinKills);
  ASSERT_EQ(started, kInstances);
  if (!wait_until(all_ended, std::chrono::minutes(3))) {
    // Which ones, and where each stands: what a hang needs to be found.
    std::string open;
    for (const auto& i : body_json(api->get("/api/v1/instances?limit=1000"))["items"])
      if (!is_terminal(i.value("status", "")))
        open += "\n" + body_json(api->get("/api/v1/instances/" + std::to_string(i.value("id", int64_t{0})))).dump();
    FAIL() << "not every instance ended:" << open << "\n" << service.log();
  }

  auto list = body_json(api->get("/api/v1/instances?limit=1000&count=true"));
  EXPECT_EQ(list["total"], kInstances);
  int completed = 0;
  for (const auto& i : list["items"]) {
    EXPECT_EQ(i["status"], "completed") << i.dump();
    if (i["status"] == "completed") ++completed;
  }
  EXPECT_EQ(completed, kInstances);

  std::map<std::string, int> lines;
  std::ifstream in(out);
  std::string line;
  while (std::getline(in, line)) ++lines[line];
  for (const std::string& tag : tags)
    for (const char* step : {"-1", "-3"}) {
      EXPECT_EQ(lines[tag + step], 1) << tag + step;
      lines.erase(tag + step);
    }
  EXPECT_TRUE(lines.empty()) << "unexpected lines, e.g. " << (lines.empty() ? "" : lines.begin()->first);
  RecordProperty("kills", kills);
  std::cout << "[ crash    ] " << kills << " kills, " << completed << " instances completed\n";
  agent.stop();
  service.stop();
  std::error_code ec;
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir, ec);
}

}  // namespace
