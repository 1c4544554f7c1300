// The route table is the router and the OpenAPI document at once: every row is served by a real
// `wf serve` (never "no such endpoint", never 405), the document lists exactly the rows under
// /api/v1 with their authentication, and nothing else; each row's body limit is enforced. The
// rows beside the API (/metrics, the console's page at /) answer too.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "runtime/service/route_table.h"
#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;
using service::AuthPolicy;
using service::Route;

// The permissions of SPEC §4.7, "agent" for the agents' own calls, and "" for none.
const std::set<std::string> kPermissions = {"",
                                            "agent",
                                            "workflows.view",
                                            "workflows.create",
                                            "workflows.edit",
                                            "workflows.delete",
                                            "workflows.execute",
                                            "jobs.view",
                                            "jobs.manage",
                                            "scripts.view",
                                            "scripts.manage",
                                            "pam_vaults.view",
                                            "pam_vaults.manage",
                                            "automation.view",
                                            "automation.manage",
                                            "automation.kill_switch",
                                            "settings.view",
                                            "settings.manage"};

std::string describe(const Route& r) { return std::string(r.method) + " " + service::full_path(r); }

// A route's path with every `{name}` segment replaced by `value`.
std::string fill(const std::string& path, const std::string& value) {
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    if (path[i] != '{') {
      out += path[i];
      continue;
    }
    i = path.find('}', i);
    out += value;
  }
  return out;
}

// ---- the table alone ----

TEST(RouteTable, RowsAreWellFormed) {
  std::set<std::string> seen;
  for (const Route& r : service::routes()) {
    const std::string what = describe(r);
    EXPECT_TRUE(seen.insert(what).second) << what << " is listed twice";
    const std::string method = r.method;
    EXPECT_TRUE(method == "GET" || method == "POST" || method == "PATCH" || method == "DELETE") << what;
    EXPECT_TRUE(kPermissions.count(r.permission)) << what << ": unknown permission `" << r.permission << "`";
    // The policy and the permission agree: an agent's call needs "agent", a call without a token
    // none, a user's call one of SPEC §4.7 or (who am I) none.
    const std::string permission = r.permission;
    switch (r.auth) {
      case AuthPolicy::Agent: EXPECT_EQ(permission, "agent") << what; break;
      // A user's call needs one of SPEC §4.7, or none beyond being a user ("").
      case AuthPolicy::User: EXPECT_NE(permission, "agent") << what; break;
      case AuthPolicy::None:
      case AuthPolicy::Enrollment:
      case AuthPolicy::SignedHook: EXPECT_EQ(permission, "") << what; break;
    }
    EXPECT_GT(r.body_limit, 0u) << what;
    EXPECT_LE(r.body_limit, service::largest_body_limit()) << what;
    EXPECT_TRUE(r.summary && *r.summary) << what;
    EXPECT_EQ(r.path[0], '/') << what;
    if (!r.api) {
      EXPECT_NE(std::string(r.path).rfind("/api/", 0), 0u) << what << " is beside the API but under /api";
    }
  }
}

TEST(RouteTable, MatchingPrefersLiteralSegmentsAndAllowsHead) {
  // `/definitions/import` is its own path: POST only, not `/definitions/{id}` named "import".
  auto m = service::match_route("POST", "/api/v1/definitions/import");
  ASSERT_NE(m.route, nullptr);
  EXPECT_STREQ(m.route->path, "/definitions/import");
  m = service::match_route("GET", "/api/v1/definitions/import");
  EXPECT_TRUE(m.path_known);
  EXPECT_EQ(m.route, nullptr);
  m = service::match_route("GET", "/api/v1/definitions/deploy");
  ASSERT_NE(m.route, nullptr);
  EXPECT_STREQ(m.route->path, "/definitions/{id}");
  EXPECT_EQ(m.params["id"], "deploy");
  m = service::match_route("POST", "/api/v1/agents/jobs/12/complete");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.params["id"], "12");
  EXPECT_EQ(m.params["name"], "");
  // HEAD is answered where GET is; empty segments are ignored.
  m = service::match_route("HEAD", "//api/v1/instances/");
  ASSERT_NE(m.route, nullptr);
  EXPECT_STREQ(m.route->method, "GET");
  EXPECT_EQ(service::match_route("HEAD", "/api/v1/agents/poll").route, nullptr);
  // Paths no route has.
  for (const char* path : {"/api/v1", "/api", "/api/v1/instances/1/bogus", "/api/v1/agents/jobs/1", "/nothing", "/metrics/x"})
    EXPECT_FALSE(service::match_route("GET", path).path_known) << path;
  EXPECT_NE(service::match_route("GET", "/").route, nullptr);
  EXPECT_NE(service::match_route("GET", "/metrics").route, nullptr);
}

// ---- the table against a real service ----

struct Answer {
  int status = 0;
  std::string head, body, error;
  std::string header(const std::string& lower_name) const {
    std::istringstream in(head);
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), ::tolower);
      if (name == lower_name) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
    return "";
  }
};

// One request over a fresh connection. Reads the head and, when it has a Content-Length, the body;
// a streamed answer (Server-Sent Events) is left after its head.
Answer exchange(int port, const std::string& method, const std::string& target, const std::string& token,
                const std::string& body = {}) {
  Answer out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out.error = "socket", out;
  timeval tv{20, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return out.error = "connect", out;
  }
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  if (!body.empty()) r += "Content-Type: application/json\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t sent = 0; sent < r.size();) {
    const ssize_t n = ::send(fd, r.data() + sent, r.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server answered early and stopped reading; read its answer
    sent += static_cast<size_t>(n);
  }
  std::string all;
  char buf[16384];
  size_t end = std::string::npos, want = std::string::npos;
  while (true) {
    if (end == std::string::npos && (end = all.find("\r\n\r\n")) != std::string::npos) {
      out.head = all.substr(0, end);
      const std::string length = out.header("content-length");
      if (length.empty() && method != "HEAD") break;  // streamed
      want = end + 4 + (method == "HEAD" || length.empty() ? 0 : std::stoul(length));
    }
    if (want != std::string::npos && all.size() >= want) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  if (all.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return out.error = "no answer: " + all.substr(0, 200), out;
  out.status = std::atoi(all.c_str() + 9);
  out.body = all.substr(end + 4, want == std::string::npos ? 0 : want - end - 4);
  return out;
}

class RouteTableService : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(make_temp_dir("wf-route-table"));
    service_ = new Service(*dir_);
    ASSERT_TRUE(service_->start()) << service_->log();
    auto admin = service_->admin();
    auto reg = admin->post("/api/v1/agents/register",
                           json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "route-test-host"}}).dump());
    ASSERT_EQ(reg.status, 201) << reg.body;
    agent_token_ = new std::string(body_json(reg)["token"].get<std::string>());
  }
  static void TearDownTestSuite() {
    if (service_) service_->stop();
    delete service_;
    service_ = nullptr;
    delete agent_token_;
    agent_token_ = nullptr;
    if (dir_) {
      std::error_code ec;
      std::filesystem::remove_all(*dir_, ec);
    }
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override { ASSERT_TRUE(service_ && agent_token_) << "the suite's service did not come up"; }

  static int port() { return std::stoi(service_->url().substr(service_->url().rfind(':') + 1)); }
  // The token that passes a route's policy ("" when it takes none).
  static std::string token_for(const Route& r) {
    if (r.auth == AuthPolicy::User) return service_->admin_token();
    if (r.auth == AuthPolicy::Agent) return *agent_token_;
    return "";
  }

  static std::filesystem::path* dir_;
  static Service* service_;
  static std::string* agent_token_;
};

std::filesystem::path* RouteTableService::dir_ = nullptr;
Service* RouteTableService::service_ = nullptr;
std::string* RouteTableService::agent_token_ = nullptr;

TEST_F(RouteTableService, TheOpenApiDocumentIsTheTable) {
  auto r = client::HttpClient(service_->url()).get("/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200) << r.describe();
  const json doc = body_json(r);
  ASSERT_TRUE(doc.contains("paths") && doc["paths"].is_object()) << r.body;
  std::set<std::string> documented, tabled;
  for (const auto& [path, methods] : doc["paths"].items())
    for (const auto& [method, op] : methods.items()) {
      std::string m = method;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      documented.insert(m + " " + path);
    }
  for (const Route& route : service::routes()) {
    const std::string what = describe(route);
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), ::tolower);
    if (!route.api) {
      // The document's paths are under /api/v1: one beside the API may share its text (`POST
      // /hooks/{key}` beside `GET /api/v1/hooks/{id}`), not its operation.
      EXPECT_FALSE(doc["paths"].contains(route.path) && doc["paths"][route.path].contains(method))
          << what << " is beside the API but in the document";
      continue;
    }
    tabled.insert(std::string(route.method) + " " + route.path);
    ASSERT_TRUE(doc["paths"].contains(route.path) && doc["paths"][route.path].contains(method)) << what << " is not documented";
    const json& op = doc["paths"][route.path][method];
    json security = json::array();
    if (route.auth == AuthPolicy::User) security = json::array({{{"user_token", json::array()}}});
    if (route.auth == AuthPolicy::Agent) security = json::array({{{"agent_token", json::array()}}});
    EXPECT_EQ(op.value("security", json()), security) << what;
    EXPECT_EQ(op.value("x-wf-auth", ""), service::auth_policy_name(route.auth)) << what;
    EXPECT_EQ(op.value("x-wf-permission", ""), route.permission) << what;
    EXPECT_EQ(op.contains("requestBody"), route.json_body) << what;
    EXPECT_EQ(op.value("x-wf-body-limit", size_t{0}), route.body_limit) << what;
    EXPECT_EQ(op.value("summary", ""), route.summary) << what;
  }
  EXPECT_EQ(documented, tabled);
  for (const auto& [name, scheme] : doc["components"]["securitySchemes"].items())
    EXPECT_TRUE(name == "user_token" || name == "agent_token") << name;
}

// Every row reaches its handler: with the rightful token, ids no object has and a body that is no
// JSON object, the answer is the handler's (a 404 that names the id, a 400, a 200), never the
// router's "no such endpoint" or 405.
TEST_F(RouteTableService, EveryRowIsServed) {
  for (const Route& route : service::routes()) {
    const std::string what = describe(route);
    const std::string target = fill(service::full_path(route), "999999999");
    const Answer a = exchange(port(), route.method, target, token_for(route), route.json_body ? "[]" : "");
    ASSERT_NE(a.status, 0) << what << ": " << a.error;
    EXPECT_NE(a.status, 405) << what << ": " << a.body;
    EXPECT_NE(a.status, 401) << what << ": " << a.body;
    EXPECT_NE(a.status, 403) << what << ": " << a.body;
    if (a.status == 404) {
      const json j = json::parse(a.body, nullptr, false);
      ASSERT_TRUE(j.is_object() && j.contains("error")) << what << ": " << a.body;
      EXPECT_EQ(j["error"].value("message", "").rfind("no such endpoint", 0), std::string::npos) << what << ": " << a.body;
    }
    if (std::string(route.method) == "GET") {
      const Answer head = exchange(port(), "HEAD", target, token_for(route));
      EXPECT_EQ(head.status, a.status) << "HEAD " << target;
    }
  }
}

// Each row's body limit is its own: one byte more is 413 before the handler reads it.
TEST_F(RouteTableService, EachRowRefusesABodyOverItsLimit) {
  for (const Route& route : service::routes()) {
    if (route.body_limit >= service::largest_body_limit()) continue;  // the HTTP server's own limit, tested elsewhere
    const std::string target = fill(service::full_path(route), "999999999");
    const Answer a = exchange(port(), route.method, target, token_for(route), std::string(route.body_limit + 1, ' '));
    EXPECT_EQ(a.status, 413) << describe(route) << ": " << a.body << a.error;
    const json j = json::parse(a.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j["error"].value("code", "") == "payload_too_large") << describe(route) << ": " << a.body;
  }
}

TEST_F(RouteTableService, MetricsAreInThePrometheusTextFormat) {
  auto admin = service_->admin();
  ASSERT_EQ(push(*admin, "quick.wf", "@trigger(manual)\nworkflow quick() -> int {\n  return 1\n}\n"), "quick");
  const int64_t id = start(*admin, "quick", json::object());
  ASSERT_GT(id, 0);
  ASSERT_EQ(wait_ended(*admin, id).value("status", ""), "completed");

  const Answer a = exchange(port(), "GET", "/metrics", service_->admin_token());
  ASSERT_EQ(a.status, 200) << a.body << a.error;
  EXPECT_EQ(a.header("content-type"), "text/plain; version=0.0.4");
  std::map<std::string, std::string> types;
  std::map<std::string, long long> values;
  std::set<std::string> helped;
  std::istringstream in(a.body);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# HELP ", 0) == 0) {
      helped.insert(line.substr(7, line.find(' ', 7) - 7));
    } else if (line.rfind("# TYPE ", 0) == 0) {
      const size_t space = line.find(' ', 7);
      types[line.substr(7, space - 7)] = line.substr(space + 1);
    } else if (!line.empty()) {
      const size_t space = line.find(' ');
      ASSERT_NE(space, std::string::npos) << line;
      values[line.substr(0, space)] = std::stoll(line.substr(space + 1));
    }
  }
  const std::map<std::string, std::string> expected = {{"wf_transitions_total", "counter"},
                                                       {"wf_live_instances", "gauge"},
                                                       {"wf_store_commits_total", "counter"},
                                                       {"wf_store_units_total", "counter"}};
  for (const auto& [name, type] : expected) {
    EXPECT_EQ(types[name], type) << name << "\n" << a.body;
    EXPECT_TRUE(helped.count(name)) << name << " has no HELP line";
    EXPECT_TRUE(values.count(name)) << name << " has no value";
  }
  EXPECT_GE(values["wf_transitions_total"], 1);
  EXPECT_GE(values["wf_store_commits_total"], 1);
  EXPECT_GE(values["wf_store_units_total"], values["wf_store_commits_total"]);
  EXPECT_GE(values["wf_live_instances"], 0);
  // HEAD as GET; the other methods are not allowed.
  EXPECT_EQ(exchange(port(), "HEAD", "/metrics", service_->admin_token()).status, 200);
  EXPECT_EQ(exchange(port(), "POST", "/metrics", service_->admin_token(), "{}").status, 405);
}

TEST_F(RouteTableService, TheRootIsTheConsole) {
  const Answer a = exchange(port(), "GET", "/", "");
  ASSERT_EQ(a.status, 200) << a.body << a.error;
  EXPECT_EQ(a.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(a.body.find("<html"), std::string::npos) << a.body;
  EXPECT_NE(a.body.find("/api/v1/openapi.json"), std::string::npos) << a.body;
  for (const char* method : {"POST", "DELETE"}) EXPECT_EQ(exchange(port(), method, "/", "").status, 405) << method;
  // Beside the table, a GET outside the API is the console's own URL (its page answers); under
  // the API, a path is still "no such endpoint".
  EXPECT_EQ(exchange(port(), "GET", "/executions/7", "").status, 200);
  const Answer none = exchange(port(), "GET", "/api/v1/console/app.js", "");
  EXPECT_EQ(none.status, 404);
  EXPECT_NE(none.body.find("no such endpoint"), std::string::npos) << none.body;
}

}  // namespace
}  // namespace wf::testing
