// Long work runs off the loop of a real `wf serve` (docs/architecture.md §7): while a large upload
// compiles on the thread pool, another connection's requests are answered at once; a client that
// hangs up during the compile leaves the service well and the upload stored; simulations still
// answer their report; an upload over the body limit is refused with 413.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

milliseconds since(Clock::time_point t0) { return std::chrono::duration_cast<milliseconds>(Clock::now() - t0); }

// A valid source of `functions` small functions and a workflow `large` that calls the last one:
// each function is checked and lowered on its own, so the compile time grows with their number.
std::string large_source(int functions) {
  std::string s;
  s.reserve(static_cast<size_t>(functions) * 100);
  for (int i = 0; i < functions; ++i) {
    const std::string n = std::to_string(i);
    s += "fn f" + n + "(x: int) -> int {\n  let y = x * 3 + " + n + "\n  if y > 10 {\n    return y\n  }\n  return y - 1\n}\n";
  }
  s += "workflow large() -> int {\n  return f" + std::to_string(functions - 1) + "(1)\n}\n";
  return s;
}

// About 600 KB, within the body limit; `wf build` takes about a second over it on a busy
// two-core machine.
constexpr int kLargeFunctions = 6000;

// Writes `request` whole on a new connection to 127.0.0.1:`port`, then closes it without reading.
bool send_and_hang_up(int port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  for (size_t sent = 0; ok && sent < request.size();) {
    const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    ok = n > 0;
    if (ok) sent += static_cast<size_t>(n);
  }
  ::close(fd);
  return ok;
}

class OffLoop : public ServiceTest {
 protected:
  OffLoop() : ServiceTest("wf-off-loop") {}
  // An instance that has ended, for the polls to read.
  int64_t finished_instance() {
    const std::string name = push(*api_, "quick.wf", "workflow quick() -> int {\n  return 1\n}\n");
    EXPECT_EQ(name, "quick");
    const int64_t id = start(*api_, name, json::object());
    EXPECT_GT(id, 0);
    EXPECT_EQ(wait_ended(*api_, id).value("status", ""), "completed");
    return id;
  }

};

TEST_F(OffLoop, OtherRequestsAreAnsweredWhileALargeUploadCompiles) {
  const int64_t id = finished_instance();
  ASSERT_GT(id, 0);
  const std::string path = "/api/v1/instances/" + std::to_string(id);
  auto poller = service_->admin();  // a connection of its own
  ASSERT_EQ(poller->get(path).status, 200);
  const std::string body = json({{"source", large_source(kLargeFunctions)}, {"file", "large.wf"}}).dump();
  ASSERT_LT(body.size(), size_t{1} << 20) << "the large source must fit the body limit";

  // The push, on a thread and a connection of its own.
  std::atomic<bool> pushed{false};
  wf::client::HttpResult pushed_result;
  milliseconds push_took{0};
  const auto pushed_at = Clock::now();
  std::thread pusher([&] {
    auto client = service_->admin();
    const auto t0 = Clock::now();
    pushed_result = client->post("/api/v1/definitions", body, 120000);
    push_took = since(t0);
    pushed = true;
  });

  // Reads the instance for as long as the push is under way: every answer must come quickly. A
  // loop that compiled the source itself would hold one of these reads for the whole compile. The
  // bound leaves room for what the loop does take in (reading and parsing the body, a few ms) and
  // for a machine whose two cores are shared with other work.
  const milliseconds bound{100};
  std::vector<milliseconds> reads;
  milliseconds worst{0}, worst_at{0};
  const auto deadline = Clock::now() + std::chrono::seconds(150);
  while (!pushed.load() && Clock::now() < deadline) {
    const auto t0 = Clock::now();
    auto r = poller->get(path, 10000);
    reads.push_back(since(t0));
    if (reads.back() > worst) worst = reads.back(), worst_at = std::chrono::duration_cast<milliseconds>(t0 - pushed_at);
    EXPECT_EQ(r.status, 200) << r.describe();
    if (r.status != 200) break;
  }
  pusher.join();

  ASSERT_EQ(pushed_result.status, 201) << pushed_result.describe();
  EXPECT_EQ(body_json(pushed_result)["definitions"][0]["name"], "large");
  // The compile really was slow, so the reads overlapped it.
  EXPECT_GT(push_took.count(), 300) << "the large upload compiled too fast to show anything; raise kLargeFunctions";
  EXPECT_GE(reads.size(), 5u) << "too few reads overlapped the upload";
  EXPECT_LT(worst, bound) << "of " << reads.size() << " reads during an upload of " << push_took.count()
                          << " ms, the slowest started " << worst_at.count() << " ms into it";
  std::cerr << "[          ] upload " << push_took.count() << " ms; " << reads.size() << " reads, the slowest " << worst.count()
            << " ms\n";
}

TEST_F(OffLoop, AClientThatHangsUpDuringTheCompileLeavesTheUploadStored) {
  const std::string body = json({{"source", large_source(kLargeFunctions)}, {"file", "large.wf"}}).dump();
  // The whole request, then the end of the connection: the service reads a complete request and
  // the peer's end right after it, so the exchange is gone long before the compile ends.
  const std::string request = "POST /api/v1/definitions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                              service_->admin_token() + "\r\nContent-Type: application/json\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  const std::string url = service_->url();
  ASSERT_TRUE(send_and_hang_up(std::stoi(url.substr(url.rfind(':') + 1)), request));
  // The compile finishes on the pool, its answer goes to a closed exchange, and the write goes on.
  EXPECT_TRUE(wait_until([&] { return api_->get("/api/v1/definitions/large").status == 200; }, std::chrono::seconds(120)))
      << service_->log();
  EXPECT_EQ(api_->get("/api/v1/health").status, 200);
  EXPECT_TRUE(service_->running());
}

const char* kRollout = R"(
workflow rollout(targets: hosts, release: string = "1.4.2") -> string {
  step "Ship" {
    let r = run command "deploy {{release}}" on targets timeout 1m
  }
  approve "Ship {{release}}?"
  sleep 5m
  return "shipped {{release}} to {{len(targets)}}"
}
)";

TEST_F(OffLoop, SimulationsStillAnswerTheirReport) {
  auto reg = api_->post("/api/v1/agents/register", json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "web1"}}).dump());
  ASSERT_EQ(reg.status, 201) << reg.body;
  ASSERT_EQ(push(*api_, "rollout.wf", kRollout), "rollout");
  auto check = [](const wf::client::HttpResult& r) {
    ASSERT_EQ(r.status, 200) << r.describe();
    const json report = body_json(r);
    EXPECT_EQ(report["workflow"], "rollout");
    EXPECT_EQ(report["status"], "completed") << report.dump(2);
    EXPECT_EQ(report["result"], "shipped 1.4.2 to 1");
    std::vector<std::string> kinds;
    for (const auto& e : report["events"]) kinds.push_back(e.value("event", ""));
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "would_dispatch"), kinds.end()) << report.dump(2);
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "would_pause_for_approval"), kinds.end()) << report.dump(2);
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), "would_delay"), kinds.end()) << report.dump(2);
  };
  const std::string request = json({{"hosts", {"web1"}}}).dump();
  check(api_->post("/api/v1/definitions/rollout/run-test", request));
  check(api_->post("/api/v1/definitions/rollout/run", json({{"hosts", {"web1"}}, {"simulate", true}}).dump()));
  // Several at once, on as many pool threads, of the same program.
  std::vector<wf::client::HttpResult> results(4);
  std::vector<std::thread> threads;
  for (auto& result : results)
    threads.emplace_back([&] { result = service_->admin()->post("/api/v1/definitions/rollout/run-test", request); });
  for (auto& t : threads) t.join();
  for (const auto& r : results) check(r);
  // A simulation starts no instance.
  EXPECT_EQ(body_json(api_->get("/api/v1/instances?count=true"))["total"], 0);
}

TEST_F(OffLoop, AnUploadOverTheBodyLimitIs413) {
  const size_t limit = size_t{1} << 20;
  auto expect_413 = [](const wf::client::HttpResult& r, const std::string& what) {
    EXPECT_EQ(r.status, 413) << what << ": " << r.describe();
    const json error = body_json(r)["error"];
    EXPECT_EQ(error["code"], "payload_too_large") << what;
    EXPECT_NE(error.value("message", "").find("1048576 bytes"), std::string::npos) << what << ": " << r.body;
  };
  // A source a little over the limit by itself.
  std::string source = "workflow w() -> int {\n  return 1\n}\n";
  source += "// " + std::string(limit, 'x') + "\n";
  expect_413(api_->post("/api/v1/definitions", json({{"source", source}, {"file", "w.wf"}}).dump()), "a large source");
  // A small source whose imported files take the whole over it.
  json files = json::object();
  for (int i = 0; i < 3; ++i) files["part" + std::to_string(i) + ".wf"] = "// " + std::string(limit / 3, 'y') + "\n";
  expect_413(api_->post("/api/v1/definitions", json({{"source", "workflow w() -> int {\n  return 1\n}\n"}, {"file", "w.wf"}, {"files", files}}).dump()),
             "a source with large files");
  // The same through import and PATCH.
  expect_413(api_->post("/api/v1/definitions/import", json({{"name", "w"}, {"source", source}}).dump()), "an import");
  ASSERT_EQ(push(*api_, "w.wf", "workflow w() -> int {\n  return 1\n}\n"), "w");
  expect_413(api_->request("PATCH", "/api/v1/definitions/w", json({{"source", source}}).dump()), "a PATCH with source");
  // Nothing of them was stored, and the service answers.
  EXPECT_EQ(body_json(api_->get("/api/v1/definitions/w/versions"))["total"], 1);
  EXPECT_EQ(api_->get("/api/v1/health").status, 200);
}

}  // namespace
