// The service's log (docs/operations.md, "Logs"): with `--log-format json` every line on stderr
// is one JSON object; each request has a line with its method, route template, status, duration,
// request id and actor; at `--log-level debug` each instance's transitions have lines too; no
// line ever holds a token. In text, the same request line reads as `key=value` pairs.
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "flagged_service.h"
#include "service_fixture.h"

namespace {

using namespace wf::testing;
using nlohmann::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) out.push_back(line);
  return out;
}

class JsonLog : public FlaggedServiceTest {
 protected:
  JsonLog() : FlaggedServiceTest("wf-json-log", {"--log-format", "json", "--log-level", "debug"}) {}

  // The JSON lines of the log so far; a line that is not a JSON object fails the test.
  std::vector<json> entries() {
    std::vector<json> out;
    for (const std::string& line : lines_of(service_->log())) {
      json j = json::parse(line, nullptr, false);
      EXPECT_TRUE(j.is_object()) << "not a JSON object: " << line;
      if (j.is_object()) out.push_back(std::move(j));
    }
    return out;
  }
};

TEST_F(JsonLog, EveryLineIsJsonWithTheRequestsFieldsAndNoToken) {
  const std::string name = push(*api_, "hello.wf", "workflow hello() -> int {\n  return 1\n}\n");
  ASSERT_FALSE(name.empty());
  const int64_t id = start(*api_, name, json::object());
  ASSERT_GT(id, 0);
  EXPECT_EQ(wait_ended(*api_, id)["status"], "completed");
  wf::client::HttpClient anonymous(service_->url());
  ASSERT_EQ(anonymous.get("/api/v1/instances").status, 401);
  ASSERT_EQ(api_->get("/api/v1/no/such/thing").status, 404);
  // The request id a caller gives is the one its line carries.
  const std::string detail = raw_answer(service_->port(), "GET /api/v1/instances/" + std::to_string(id) +
                                                              " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + service_->admin_token() +
                                                              "\r\nX-Request-Id: log-test-detail\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(detail.rfind("HTTP/1.1 200", 0), 0u) << detail;

  // The request's line is written when its answer is: the last request's line arrives in a moment.
  std::vector<json> log;
  ASSERT_TRUE(wait_until([&] {
    log = entries();
    for (const json& e : log)
      if (e.value("msg", "") == "request" && e.value("request_id", "") == "log-test-detail") return true;
    return false;
  })) << service_->log();

  bool saw_detail = false, saw_refused = false, saw_unknown = false, saw_transition = false, saw_ready = false;
  for (const json& e : log) {
    ASSERT_TRUE(e.contains("time") && e.contains("level") && e.contains("msg")) << e.dump();
    const std::string msg = e.value("msg", "");
    if (msg.rfind("ready:", 0) == 0) saw_ready = true;
    if (msg == "transition" && e.value("instance", int64_t{0}) == id) {
      EXPECT_EQ(e.value("level", ""), "debug") << e.dump();
      EXPECT_EQ(e.value("workflow", ""), "hello") << e.dump();
      saw_transition = true;
    }
    if (msg != "request") continue;
    EXPECT_EQ(e.value("level", ""), "info") << e.dump();
    for (const char* field : {"method", "route", "status", "duration_ms", "request_id", "actor"})
      EXPECT_TRUE(e.contains(field)) << field << " missing: " << e.dump();
    EXPECT_TRUE(e["duration_ms"].is_number()) << e.dump();
    EXPECT_FALSE(e.value("request_id", "").empty()) << e.dump();
    if (e.value("request_id", "") == "log-test-detail") {
      saw_detail = true;
      EXPECT_EQ(e.value("method", ""), "GET");
      EXPECT_EQ(e.value("route", ""), "/api/v1/instances/{id}") << e.dump();
      EXPECT_EQ(e.value("status", 0), 200) << e.dump();
      EXPECT_EQ(e.value("actor", ""), "admin") << e.dump();
    }
    if (e.value("route", "") == "/api/v1/instances" && e.value("status", 0) == 401) {
      saw_refused = true;
      EXPECT_EQ(e.value("actor", "?"), "") << e.dump();
    }
    if (e.value("route", "") == "(no route)" && e.value("status", 0) == 404) saw_unknown = true;
  }
  EXPECT_TRUE(saw_detail && saw_refused && saw_unknown && saw_transition && saw_ready) << service_->log();
  // No token, not even a piece of it.
  const std::string token = service_->admin_token();
  ASSERT_GT(token.size(), 16u);
  EXPECT_EQ(service_->log().find(token.substr(token.size() - 16)), std::string::npos) << service_->log();
}

class TextLog : public ServiceTest {
 protected:
  TextLog() : ServiceTest("wf-text-log") {}
};

TEST_F(TextLog, RequestsHaveLinesOfKeysAndValuesAndTransitionsNone) {
  const std::string answer = raw_answer(service_->port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Request-Id: text-health\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  const std::string id = "text-health";
  const std::string expected =
      "wf serve: request method=GET route=/api/v1/health status=200 duration_ms=";
  ASSERT_TRUE(wait_until([&] { return service_->log().find("request_id=" + id) != std::string::npos; })) << service_->log();
  const std::string log = service_->log();
  EXPECT_NE(log.find(expected), std::string::npos) << log;
  EXPECT_EQ(log.find("transition"), std::string::npos) << log;  // debug lines are not written at info
  EXPECT_EQ(log.find(service_->admin_token()), std::string::npos) << log;
}

class QuietLog : public FlaggedServiceTest {
 protected:
  QuietLog() : FlaggedServiceTest("wf-quiet-log", {"--log-level", "warn"}) {}
};

TEST_F(QuietLog, WarnLeavesOutRequestsAndStartUp) {
  ASSERT_EQ(api_->get("/api/v1/health").status, 200);
  ASSERT_EQ(api_->get("/api/v1/no/such/thing").status, 404);
  // The service stops cleanly; by then every line it would write is written.
  EXPECT_EQ(service_->stop(), 0);
  const std::string log = service_->log();
  EXPECT_EQ(log.find("request"), std::string::npos) << log;
  EXPECT_EQ(log.find("listening on"), std::string::npos) << log;
}

TEST(ServeFlags, AnUnknownLogFormatIsAUsageError) {
  const auto [code, out] = run_shell(std::string("'") + WF_BINARY + "' serve --log-format xml 2>&1");
  EXPECT_NE(code, 0) << out;
  EXPECT_NE(out.find("--log-format"), std::string::npos) << out;
}

}  // namespace
