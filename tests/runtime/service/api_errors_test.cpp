// Every endpoint of `wf serve` answers bad requests with a 4xx JSON error `{"error": {"code",
// "message"}}` (docs/api.md): missing, wrong and misplaced tokens, malformed JSON, JSON of the
// wrong shape, unknown ids, oversized bodies (declared and chunked), hostile paths and query
// values, wrong methods. One table of endpoints drives every check, and a test keeps it in step
// with /api/v1/openapi.json. After each test the service must still answer /health.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

// Who may call an endpoint.
enum class Access {
  Public,  // no token (health, openapi.json)
  Enroll,  // the enrollment secret in the body (agents/register)
  Admin,   // the admin token
  Agent,   // an agent's token
};

// What `{id}` in an endpoint's path names.
enum class IdKind { None, Definition, Instance, Approval, Job, AgentJob, Identity, Session, Host, User, Role, Token, Script, Org, Hook, Channel, Notification, Schedule };

struct Endpoint {
  const char* method;
  const char* path;  // under /api/v1, as in openapi.json
  Access access;
  IdKind id;
  // A body the endpoint accepts (with the real ids); nullptr for endpoints without a body.
  const char* good_body;
  // Bodies with a field of the wrong type, each answered 400.
  std::vector<const char*> wrong_bodies;
};

// The endpoints of docs/api.md. Good bodies are used only with unknown ids, so they change nothing.
const std::vector<Endpoint>& endpoints() {
  static const std::vector<Endpoint> table = {
      {"GET", "/health", Access::Public, IdKind::None, nullptr, {}},
      {"GET", "/ready", Access::Public, IdKind::None, nullptr, {}},
      {"GET", "/openapi.json", Access::Public, IdKind::None, nullptr, {}},
      {"GET", "/definitions", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/definitions", Access::Admin, IdKind::None, R"({"source": "workflow w() {}"})",
       {R"({"source": 5})", R"({"source": ["workflow w() {}"]})", R"({"source": "workflow w() {}", "file": 7})",
        R"({"source": "workflow w() {}", "files": "a.wf"})", R"({"source": "workflow w() {}", "files": {"a.wf": 1}})",
        R"({"description": "no source"})"}},
      {"GET", "/definitions/{id}", Access::Admin, IdKind::Definition, nullptr, {}},
      {"PATCH", "/definitions/{id}", Access::Admin, IdKind::Definition, R"({"description": "d"})",
       {R"({"description": 5})", R"({"template": "yes"})", R"({"active": 1})", R"({"source": 12})"}},
      {"DELETE", "/definitions/{id}", Access::Admin, IdKind::Definition, nullptr, {}},
      {"GET", "/definitions/{id}/versions", Access::Admin, IdKind::Definition, nullptr, {}},
      {"POST", "/definitions/{id}/publish", Access::Admin, IdKind::Definition, "{}",
       {R"({"version": "1"})", R"({"version": 1.5})", R"({"version": [1]})"}},
      {"POST", "/definitions/{id}/clone", Access::Admin, IdKind::Definition, nullptr, {}},
      {"GET", "/definitions/{id}/export", Access::Admin, IdKind::Definition, nullptr, {}},
      {"POST", "/definitions/import", Access::Admin, IdKind::None, nullptr,
       {R"({"name": 5, "source": "workflow w() {}"})", R"({"name": "w", "source": 5})", R"({"name": "w"})",
        R"({"name": "w", "source": "workflow w() {}", "new_name": ["x"]})"}},
      {"POST", "/definitions/{id}/run", Access::Admin, IdKind::Definition, "{}",
       {R"({"hosts": "web1"})", R"({"groups": "g"})", R"({"params": []})", R"({"params": "a=1"})", R"({"version": "1"})",
        R"({"simulate": "yes"})", R"({"scheduled_at": "tomorrow"})", R"({"scheduled_at": "2026-13-45T99:99:99Z"})",
        R"({"scheduled_at": "2026-01-01T00:00:00+99:99"})", R"({"scheduled_at": "2026-01-01T00:00:00+ab:cd"})",
        R"({"scheduled_at": 9223372036854775807})", R"({"scheduled_at": 18446744073709551615})", R"({"scheduled_at": -5})",
        R"({"scheduled_at": 1.5})", R"({"scheduled_at": ["2026-01-01T00:00:00Z"]})", R"({"hosts": [1, 2]})", R"({"params": {"nope": 1}})",
        R"({"params": {"count": "many"}})", R"({"hosts": ["no-such-host"]})", R"({"groups": ["no-such-group"]})"}},
      {"POST", "/definitions/{id}/upgrade-instances", Access::Admin, IdKind::Definition, R"({"dry_run": true})",
       {R"({"to_version": "2"})", R"({"from_version": 1.5})", R"({"dry_run": 1})"}},
      {"POST", "/definitions/{id}/run-test", Access::Admin, IdKind::Definition, "{}",
       {R"({"hosts": "web1"})", R"({"params": [1]})"}},
      {"GET", "/instances", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/instances/{id}", Access::Admin, IdKind::Instance, nullptr, {}},
      {"POST", "/instances/{id}/cancel", Access::Admin, IdKind::Instance, nullptr, {}},
      {"POST", "/instances/{id}/pause", Access::Admin, IdKind::Instance, nullptr, {}},
      {"POST", "/instances/{id}/resume", Access::Admin, IdKind::Instance, nullptr, {}},
      {"POST", "/instances/{id}/retry", Access::Admin, IdKind::Instance, nullptr, {}},
      {"POST", "/instances/{id}/upgrade", Access::Admin, IdKind::Instance, R"({"version": 2, "dry_run": true})",
       {R"({"version": "2"})", R"({"dry_run": true})", R"({"version": 2, "dry_run": "yes"})"}},
      {"POST", "/instances/{id}/signal", Access::Admin, IdKind::Instance, R"({"event": "go"})",
       {R"({"event": 5})", R"({"event": ["go"]})", R"({"payload": 1})"}},
      {"GET", "/instances/{id}/log", Access::Admin, IdKind::Instance, nullptr, {}},
      {"GET", "/instances/{id}/events", Access::Admin, IdKind::Instance, nullptr, {}},
      {"GET", "/events", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/analytics", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/approvals", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/approvals/{id}", Access::Admin, IdKind::Approval, nullptr, {}},
      {"POST", "/approvals/{id}/respond", Access::Admin, IdKind::Approval, R"({"decision": "approve"})",
       {R"({"decision": 5})", R"({"decision": "maybe"})", R"({"decision": "approve", "note": 3})",
        R"({"decision": "approve", "who": ["a"]})", R"({"decision": "approve", "via": false})", R"({"note": "none"})"}},
      {"POST", "/agents/register", Access::Enroll, IdKind::None, nullptr,
       {R"({"enrollment_secret": 5, "hostname": "h"})", R"({"hostname": "h"})"}},
      {"POST", "/agents/heartbeat", Access::Agent, IdKind::None, nullptr, {R"({"running": "1"})", R"({"running": ["1"]})", R"({"running": [1.5]})", R"({"running": {"1": true}})"}},
      {"POST", "/agents/poll", Access::Agent, IdKind::None, nullptr,
       {R"({"max_jobs": "1"})", R"({"wait_ms": "5s"})", R"({"max_jobs": -1})", R"({"wait_ms": 1e9})"}},
      {"POST", "/agents/jobs/{id}/start", Access::Agent, IdKind::AgentJob, "{}", {}},
      {"POST", "/agents/jobs/{id}/output", Access::Agent, IdKind::AgentJob, R"({"stream": "stdout", "data": "x"})",
       {R"({"stream": 5, "data": "x"})", R"({"stream": "stdout", "data": ["x"]})", R"({"stream": "stdin", "data": "x"})"}},
      {"GET", "/agents/jobs/{id}/credential", Access::Agent, IdKind::AgentJob, nullptr, {}},
      {"POST", "/agents/jobs/{id}/complete", Access::Agent, IdKind::AgentJob,
       R"({"status": "completed", "exit_code": 0, "stdout": "", "stderr": "", "duration_ms": 1})",
       {R"({"status": 0})", R"({"status": "completed", "exit_code": "0"})", R"({"status": "completed", "stdout": 1})",
        R"({"status": "completed", "stdout_truncated": "no"})", R"({"status": "fine"})"}},
      {"GET", "/agents", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/agents/{id}/approve", Access::Admin, IdKind::Host, nullptr, {}},
      {"POST", "/agents/enrollment/rotate", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/jobs", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/jobs", Access::Admin, IdKind::None, nullptr,
       {R"({"host": 5, "command": "true"})", R"({"host": "h", "argv": "ls -l"})", R"({"host": "h", "command": ["true"]})",
        R"({"host": "h", "command": "true", "timeout_ms": "5s"})", R"({"host": "h"})",
        R"({"host": "h", "command": "true", "interpreter": "cobol"})"}},
      {"GET", "/jobs/{id}", Access::Admin, IdKind::Job, nullptr, {}},
      {"GET", "/jobs/{id}/events", Access::Admin, IdKind::Job, nullptr, {}},
      {"DELETE", "/jobs/{id}", Access::Admin, IdKind::Job, nullptr, {}},
      {"POST", "/jobs/{id}/cancel", Access::Admin, IdKind::Job, nullptr, {}},
      {"POST", "/jobs/{id}/retry", Access::Admin, IdKind::Job, nullptr, {}},
      {"GET", "/hosts", Access::Admin, IdKind::None, nullptr, {}},
      {"PATCH", "/hosts/{id}", Access::Admin, IdKind::Host, R"({"tags": ["t"]})",
       {R"({"tags": "t"})", R"({"tags": [5]})", R"({"tags": ["bad tag"]})", R"({"add_tags": {"t": 1}})", R"({"remove_tags": [""]})",
        R"({"hostname": "x"})"}},
      {"GET", "/groups", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/groups", Access::Admin, IdKind::None, nullptr,
       {R"({"name": "g", "hosts": "web1"})", R"({"name": 5, "hosts": []})", R"({"name": "g", "hosts": [5]})"}},
      {"POST", "/session", Access::Public, IdKind::None, nullptr, {R"({"token": 5})", R"({"token": "wf_x", "user": 7})"}},
      {"GET", "/session", Access::Admin, IdKind::None, nullptr, {}},
      {"DELETE", "/session", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/users/me", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/users", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/users", Access::Admin, IdKind::None, nullptr,
       {R"({"name": 5})", R"({"name": "bad name"})", R"({"name": "me"})", R"({"name": "u", "roles": "admin"})",
        R"({"name": "u", "email": 5})", R"({"name": "u", "roles": ["no-such-role"]})"}},
      {"GET", "/users/{id}", Access::Admin, IdKind::User, nullptr, {}},
      {"PATCH", "/users/{id}", Access::Admin, IdKind::User, R"({"email": "a@example.org"})",
       {R"({"disabled": "yes"})", R"({"email": 5})", R"({"display_name": ["x"]})"}},
      {"GET", "/roles", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/roles", Access::Admin, IdKind::None, nullptr,
       {R"({"name": 5, "permissions": []})", R"({"name": "r", "permissions": "jobs.view"})", R"({"name": "r", "permissions": ["jobs.fly"]})",
        R"({"name": "r"})", R"({"name": "bad name", "permissions": []})"}},
      {"DELETE", "/roles/{id}", Access::Admin, IdKind::Role, nullptr, {}},
      {"POST", "/roles/{id}/grant", Access::Admin, IdKind::Role, R"({"user": "admin"})",
       {R"({"user": 5})", R"({})", R"({"user": "nobody"})"}},
      {"POST", "/roles/{id}/revoke", Access::Admin, IdKind::Role, R"({"user": "admin"})", {R"({"user": ["admin"]})", R"({"user": "nobody"})"}},
      {"GET", "/tokens", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/tokens", Access::Admin, IdKind::None, nullptr,
       {R"({"expires": "soon"})", R"({"expires": "1s"})", R"({"user": 5})", R"({"name": ["x"]})", R"({"user": "nobody"})"}},
      {"DELETE", "/tokens/{id}", Access::Admin, IdKind::Token, nullptr, {}},
      {"GET", "/orgs", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/orgs", Access::Admin, IdKind::None, nullptr, {R"({"name": 5})", R"({"name": "bad name"})", R"({"name": "o", "admin": 7})"}},
      {"GET", "/scripts", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/scripts/{id}/execute", Access::Admin, IdKind::Script, R"({"hosts": ["h"]})",
       {R"({"hosts": "h"})", R"({"hosts": [5]})", R"({"hosts": ["h"], "params": [1]})", R"({"hosts": ["h"], "definition": true})",
        R"({"params": {}})", R"({"hosts": []})"}},
      {"GET", "/scripts/{id}/executions", Access::Admin, IdKind::Script, nullptr, {}},
      {"GET", "/schedules", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/schedules", Access::Admin, IdKind::None, nullptr,
       {R"({"name": 5, "workflow": "api_gate", "cron": "@daily"})", R"({"name": "s", "workflow": "api_gate", "cron": 5})",
        R"({"name": "s", "workflow": ["api_gate"], "cron": "@daily"})", R"({"name": "s", "workflow": "api_gate", "cron": "@daily", "tz": 1})",
        R"({"name": "s", "workflow": "api_gate", "cron": "@daily", "overlap": true})",
        R"({"name": "s", "workflow": "api_gate", "cron": "@daily", "catch_up_seconds": "60"})",
        R"({"name": "s", "workflow": "api_gate", "cron": "@daily", "end": "soon"})",
        R"({"name": "s", "job": "echo", "cron": "@daily"})", R"({"workflow": "api_gate", "cron": "@daily"})"}},
      {"GET", "/schedules/{id}", Access::Admin, IdKind::Schedule, nullptr, {}},
      {"PATCH", "/schedules/{id}", Access::Admin, IdKind::Schedule, R"({"overlap": "allow"})",
       {R"({"cron": 5})", R"({"overlap": "sometimes"})", R"({"max_recurrences": "3"})", R"({"workflow": "api_gate"})"}},
      {"DELETE", "/schedules/{id}", Access::Admin, IdKind::Schedule, nullptr, {}},
      {"POST", "/schedules/{id}/pause", Access::Admin, IdKind::Schedule, nullptr, {}},
      {"POST", "/schedules/{id}/resume", Access::Admin, IdKind::Schedule, nullptr, {}},
      {"GET", "/vault/identities", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/vault/identities", Access::Admin, IdKind::None, nullptr,
       {R"({"name": 5, "username": "u", "secret": "s"})", R"({"name": "n", "username": ["u"], "secret": "s"})",
        R"({"name": "n", "username": "u", "secret": 5})", R"({"name": "n", "username": "u"})",
        R"({"name": "n", "username": "u", "secret": "s", "requires_approval": "no"})", R"({"name": "", "username": "u", "secret": "s"})",
        R"({"name": "n", "username": "u", "secret": "s", "approvers": "user:a"})", R"({"name": "n", "username": "u", "secret": "s", "approvers": ["a"]})",
        R"({"name": "n", "username": "u", "secret": "s", "approval_timeout": 5})", R"({"name": "n", "username": "u", "secret": "s", "secret_length": "8"})"}},
      {"GET", "/vault/identities/{id}", Access::Admin, IdKind::Identity, nullptr, {}},
      {"DELETE", "/vault/identities/{id}", Access::Admin, IdKind::Identity, nullptr, {}},
      {"POST", "/vault/identities/{id}/rotate", Access::Admin, IdKind::Identity, nullptr, {}},
      {"GET", "/vault/sessions", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/vault/sessions/{id}/revoke", Access::Admin, IdKind::Session, nullptr, {}},
      {"GET", "/orgs/{id}/automation/status", Access::Admin, IdKind::Org, nullptr, {}},
      {"POST", "/orgs/{id}/automation/pause", Access::Admin, IdKind::Org, R"({"reason": "r"})",
       {R"({"reason": 5})", R"({})", R"({"reason": ""})", R"({"reason": ["r"]})"}},
      {"POST", "/orgs/{id}/automation/resume", Access::Admin, IdKind::Org, nullptr, {}},
      {"GET", "/audit", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/hooks", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/hooks", Access::Admin, IdKind::None, nullptr,
       {R"({"name": 5, "workflow": "api_gate"})", R"({"name": "h", "workflow": 5})", R"({"name": "", "workflow": "api_gate"})",
        R"({"name": "h", "workflow": "api_gate", "target": "nope"})", R"({"name": "h", "workflow": "api_gate", "auth": "none"})",
        R"({"name": "h", "workflow": "api_gate", "params": [1]})", R"({"name": "h", "workflow": "api_gate", "params": {"a": 1}})",
        R"({"name": "h", "workflow": "api_gate", "params": {"a": "no/slash"}})", R"({"name": "h", "target": "event"})",
        R"({"name": "h", "target": "event", "event": "e", "instance_pointer": "x"})", R"({"name": "h"})"}},
      {"GET", "/hooks/{id}", Access::Admin, IdKind::Hook, nullptr, {}},
      {"DELETE", "/hooks/{id}", Access::Admin, IdKind::Hook, nullptr, {}},
      {"POST", "/hooks/{id}/rotate", Access::Admin, IdKind::Hook, "{}",
       {R"({"expire_old_seconds": "1h"})", R"({"expire_old_seconds": -1})", R"({"expire_old_seconds": 1.5})"}},
      {"GET", "/hooks/{id}/deliveries", Access::Admin, IdKind::Hook, nullptr, {}},
      {"GET", "/notification-channels", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/notification-channels", Access::Admin, IdKind::None, nullptr,
       {R"({"kind": 5, "config": {}})", R"({"kind": "webhook", "name": 5, "config": {"url": "http://h"}})",
        R"({"kind": "webhook", "name": "n", "config": "http://h"})", R"({"kind": "webhook", "name": "n"})"}},
      {"GET", "/notification-channels/{id}", Access::Admin, IdKind::Channel, nullptr, {}},
      {"DELETE", "/notification-channels/{id}", Access::Admin, IdKind::Channel, nullptr, {}},
      {"GET", "/notification-settings", Access::Admin, IdKind::None, nullptr, {}},
      {"POST", "/notification-settings", Access::Admin, IdKind::None, nullptr,
       {R"({"retry_schedule_ms": 5})", R"({"retry_schedule_ms": ["1"]})", R"({"retry_schedule_ms": [1.5]})", "{}"}},
      {"GET", "/notifications", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/notifications/dead-letters", Access::Admin, IdKind::None, nullptr, {}},
      {"GET", "/notifications/{id}", Access::Admin, IdKind::Notification, nullptr, {}},
      {"POST", "/notifications/dead-letters/{id}/replay", Access::Admin, IdKind::Notification, nullptr, {}},
      {"POST", "/notifications/dead-letters/replay", Access::Admin, IdKind::None, nullptr,
       {R"({"since": ["2020-01-01T00:00:00Z"]})", R"({"since": {"at": 1}})", "{}"}},
  };
  return table;
}

bool takes_body(const Endpoint& e) { return e.good_body != nullptr || !e.wrong_bodies.empty(); }

std::string replace_id(const std::string& path, const std::string& id) {
  const size_t at = path.find("{id}");
  return at == std::string::npos ? path : path.substr(0, at) + id + path.substr(at + 4);
}

std::string describe(const Endpoint& e) { return std::string(e.method) + " " + e.path; }

// ---- a raw HTTP/1.1 exchange, for what libcurl would not send (chunked bodies, %00 and other
// bytes in the target) ----

struct RawAnswer {
  int status = 0;
  std::string head, body;
  std::string error;
};

// Sends `request` in pieces (`pieces`, written one after the other), half-closes, and reads the
// answer until the server closes; every step bounded by `timeout`. A write the server refused
// (it answered early and stopped reading) ends the writing; the answer is still read.
RawAnswer raw_exchange(int port, const std::vector<std::string>& pieces,
                       std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
  RawAnswer out;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return out.error = "socket", out;
  timeval tv{static_cast<time_t>(timeout.count() / 1000), static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
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
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  bool writing = true;
  for (const std::string& piece : pieces) {
    size_t sent = 0;
    while (writing && sent < piece.size()) {
      const ssize_t n = ::send(fd, piece.data() + sent, piece.size() - sent, MSG_NOSIGNAL);
      if (n <= 0 || std::chrono::steady_clock::now() > deadline) writing = false;
      else sent += static_cast<size_t>(n);
    }
    if (!writing) break;
  }
  ::shutdown(fd, SHUT_WR);
  std::string all;
  char buf[16384];
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    all.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  const size_t end = all.find("\r\n\r\n");
  if (all.rfind("HTTP/1.1 ", 0) != 0 || end == std::string::npos) return out.error = "no answer: " + all.substr(0, 200), out;
  out.status = std::atoi(all.c_str() + 9);
  out.head = all.substr(0, end);
  out.body = all.substr(end + 4);
  // A chunked answer is not expected here (errors carry Content-Length), but de-chunk it anyway.
  if (out.head.find("Transfer-Encoding: chunked") != std::string::npos) {
    std::string plain;
    size_t i = 0;
    while (i < out.body.size()) {
      const size_t nl = out.body.find("\r\n", i);
      if (nl == std::string::npos) break;
      const size_t size = std::stoul(out.body.substr(i, nl - i), nullptr, 16);
      if (size == 0) break;
      plain += out.body.substr(nl + 2, size);
      i = nl + 2 + size + 2;
    }
    out.body = plain;
  }
  return out;
}

// One request with a Content-Length body (possibly empty) and Connection: close.
// `headers` are extra "Name: value" lines.
RawAnswer raw_request(int port, const std::string& method, const std::string& target, const std::string& token,
                      const std::string& body = {}, const std::vector<std::string>& headers = {}) {
  std::string r = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  if (!token.empty()) r += "Authorization: Bearer " + token + "\r\n";
  for (const std::string& h : headers) r += h + "\r\n";
  if (!body.empty() || method == "POST") r += "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  r += "\r\n" + body;
  return raw_exchange(port, {r});
}

// ---- the fixture: one service for every test, with a definition, an instance waiting for an
// approval, that approval, an agent with its token and a queued ad-hoc job ----

constexpr const char* kGate = R"(// Waits for an approval, so that the instance and its approval stay live.
@trigger(manual)
workflow api_gate(count: int = 1) -> string {
  approve "Let the API test pass?"
  return "passed"
}
)";

class ApiErrors : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new std::filesystem::path(make_temp_dir("wf-api-errors"));
    service_ = new Service(*dir_);
    ASSERT_TRUE(service_->start()) << service_->log();
    auto admin = service_->admin();
    ASSERT_EQ(push(*admin, "gate.wf", kGate), "api_gate");
    definition_ = "api_gate";
    instance_ = start(*admin, "api_gate", json::object());
    ASSERT_GT(instance_, 0);
    ASSERT_TRUE(wait_until([&] {
      auto list = body_json(admin->get("/api/v1/approvals?status=pending&instance=" + std::to_string(instance_)));
      if (!list.contains("items") || list["items"].empty()) return false;
      approval_ = list["items"][0]["id"].get<int64_t>();
      return true;
    })) << service_->log();
    auto reg = admin->post("/api/v1/agents/register",
                           json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "api-test-host"}}).dump());
    ASSERT_EQ(reg.status, 201) << reg.body;
    agent_token_ = new std::string(body_json(reg)["token"].get<std::string>());
    auto job = admin->post("/api/v1/jobs", json({{"host", "api-test-host"}, {"command", "true"}}).dump());
    ASSERT_EQ(job.status, 201) << job.body;
    job_ = body_json(job)["id"].get<int64_t>();
    auto identity = admin->post("/api/v1/vault/identities", R"({"name": "api_identity", "username": "u", "secret": "s"})");
    ASSERT_EQ(identity.status, 201) << identity.body;
    auto hook = admin->post("/api/v1/hooks", R"({"name": "api_hook", "workflow": "api_gate"})");
    ASSERT_EQ(hook.status, 201) << hook.body;
    auto channel = admin->post("/api/v1/notification-channels",
                               R"({"kind": "webhook", "name": "api_channel", "config": {"url": "http://127.0.0.1:9/none"}})");
    ASSERT_EQ(channel.status, 201) << channel.body;
    // Paused: it never starts anything while the suite runs.
    auto schedule = admin->post("/api/v1/schedules", R"({"name": "api_schedule", "workflow": "api_gate", "cron": "@yearly", "paused": true})");
    ASSERT_EQ(schedule.status, 201) << schedule.body;
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

  void SetUp() override {
    ASSERT_TRUE(service_ && agent_token_ && instance_ > 0 && approval_ > 0 && job_ > 0) << "the suite's service did not come up";
  }

  // Every test ends with the service alive and answering.
  void TearDown() override {
    ASSERT_NE(service_, nullptr);
    EXPECT_TRUE(service_->running()) << service_->log();
    client::HttpClient probe(service_->url());
    auto health = probe.get("/api/v1/health", 5000);
    EXPECT_EQ(health.status, 200) << health.describe();
    EXPECT_EQ(body_json(health).value("ok", false), true);
  }

  static std::string real_id(IdKind kind) {
    switch (kind) {
      case IdKind::None: return "";
      case IdKind::Definition: return definition_;
      case IdKind::Instance: return std::to_string(instance_);
      case IdKind::Approval: return std::to_string(approval_);
      case IdKind::Job:
      case IdKind::AgentJob: return std::to_string(job_);
      case IdKind::Identity: return "api_identity";
      case IdKind::Session: return "cs-1-1";
      case IdKind::Host: return "api-test-host";
      case IdKind::User: return "admin";
      case IdKind::Role: return "viewer";
      case IdKind::Token: return "1";
      case IdKind::Script: return "api_script";
      case IdKind::Org: return "1";
      case IdKind::Hook: return "api_hook";
      case IdKind::Channel: return "webhook:api_channel";
      case IdKind::Notification: return "1";
      case IdKind::Schedule: return "api_schedule";
    }
    return "";
  }
  static std::string url_of(const Endpoint& e, const std::string& id) { return "/api/v1" + replace_id(e.path, id); }
  static std::string real_url(const Endpoint& e) { return url_of(e, real_id(e.id)); }
  // The token that passes the endpoint's access check.
  static std::string rightful_token(const Endpoint& e) { return e.access == Access::Agent ? *agent_token_ : service_->admin_token(); }

  static int port() { return std::stoi(service_->url().substr(service_->url().rfind(':') + 1)); }

  static client::HttpResult call(const std::string& token, const std::string& method, const std::string& url,
                                 const std::string& body = {}) {
    client::HttpClient c(service_->url(), token);
    return c.request(method, url, body, 20000);
  }

  static std::filesystem::path* dir_;
  static Service* service_;
  static std::string definition_;
  static int64_t instance_, approval_, job_;
  static std::string* agent_token_;
};

std::filesystem::path* ApiErrors::dir_ = nullptr;
Service* ApiErrors::service_ = nullptr;
std::string ApiErrors::definition_;
int64_t ApiErrors::instance_ = 0, ApiErrors::approval_ = 0, ApiErrors::job_ = 0;
std::string* ApiErrors::agent_token_ = nullptr;

// The start of a long text, for failure messages.
std::string clip(const std::string& text) { return text.size() <= 300 ? text : text.substr(0, 300) + "..."; }

// Asserts the error shape of docs/api.md with the expected status and code.
void expect_error(const client::HttpResult& r, int status, const std::string& code, const std::string& what) {
  const std::string shown = clip(what) + ": " + clip(r.body) + r.error;
  EXPECT_EQ(r.status, status) << shown;
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  ASSERT_TRUE(j.is_object()) << "the body is not a JSON object: " << shown;
  ASSERT_TRUE(j.contains("error") && j["error"].is_object()) << shown;
  EXPECT_TRUE(j["error"].contains("code") && j["error"]["code"].is_string()) << shown;
  EXPECT_TRUE(j["error"].contains("message") && j["error"]["message"].is_string() &&
              !j["error"]["message"].get<std::string>().empty())
      << shown;
  EXPECT_EQ(j["error"].value("code", ""), code) << shown;
}

void expect_error(const RawAnswer& r, int status, const std::string& code, const std::string& what) {
  client::HttpResult h;
  h.status = r.status;
  h.body = r.body;
  h.error = r.error;
  expect_error(h, status, code, what);
}

TEST_F(ApiErrors, TheTableListsExactlyTheEndpointsOfOpenApi) {
  auto r = client::HttpClient(service_->url()).get("/api/v1/openapi.json");
  ASSERT_EQ(r.status, 200) << r.describe();
  auto doc = body_json(r);
  ASSERT_TRUE(doc.contains("paths") && doc["paths"].is_object()) << r.body;
  std::set<std::string> documented, tabled;
  for (const auto& [path, methods] : doc["paths"].items())
    for (const auto& [method, op] : methods.items()) {
      std::string m = method;
      std::transform(m.begin(), m.end(), m.begin(), ::toupper);
      documented.insert(m + " " + path);
    }
  for (const Endpoint& e : endpoints()) EXPECT_TRUE(tabled.insert(describe(e)).second) << describe(e) << " is listed twice";
  for (const std::string& d : documented) EXPECT_TRUE(tabled.count(d)) << d << " is in openapi.json but not in this test's table";
  for (const std::string& t : tabled) EXPECT_TRUE(documented.count(t)) << t << " is in this test's table but not in openapi.json";
}

TEST_F(ApiErrors, AMissingTokenIsUnauthorized) {
  for (const Endpoint& e : endpoints()) {
    if (e.access == Access::Public || e.access == Access::Enroll) continue;
    expect_error(call("", e.method, real_url(e), takes_body(e) ? "{}" : ""), 401, "unauthorized", describe(e));
  }
  // Authorization headers that carry no bearer token count as none.
  for (const std::string& header : {std::string("Authorization: Basic YWRtaW46YWRtaW4="), std::string("Authorization: Bearer "),
                                    std::string("Authorization: Bearer"), std::string("Authorization: bearer x")})
    expect_error(raw_request(port(), "GET", "/api/v1/instances", "", "", {header}), 401, "unauthorized", header);
}

TEST_F(ApiErrors, AWrongTokenIsUnauthorized) {
  const std::string wrong = "wf_" + std::string(64, '0');
  for (const Endpoint& e : endpoints()) {
    if (e.access == Access::Public || e.access == Access::Enroll) continue;
    expect_error(call(wrong, e.method, real_url(e), takes_body(e) ? "{}" : ""), 401, "unauthorized", describe(e));
  }
  // A token far longer than any issued one, and one with bytes no token has.
  expect_error(call(std::string(4000, 'a'), "GET", "/api/v1/instances"), 401, "unauthorized", "a 4000-byte token");
  expect_error(raw_request(port(), "GET", "/api/v1/instances", "wf_\xc3\xa9\xff"), 401, "unauthorized", "a token with non-ASCII bytes");
  // Control bytes make the header itself malformed.
  expect_error(raw_request(port(), "GET", "/api/v1/instances", "wf_\x01\x7f"), 400, "bad_request", "a token with control bytes");
  // Registration checks the enrollment secret instead.
  expect_error(call("", "POST", "/api/v1/agents/register", json({{"enrollment_secret", "wfe_wrong"}, {"hostname", "h"}}).dump()), 401,
               "unauthorized", "a wrong enrollment secret");
  expect_error(call("", "POST", "/api/v1/agents/register", json({{"enrollment_secret", ""}, {"hostname", "h"}}).dump()), 401,
               "unauthorized", "an empty enrollment secret");
}

TEST_F(ApiErrors, AnAgentTokenCannotReachAdminEndpoints) {
  for (const Endpoint& e : endpoints()) {
    if (e.access != Access::Admin) continue;
    expect_error(call(*agent_token_, e.method, real_url(e), takes_body(e) ? "{}" : ""), 403, "forbidden", describe(e));
  }
}

TEST_F(ApiErrors, TheAdminTokenCannotActAsAnAgent) {
  for (const Endpoint& e : endpoints()) {
    if (e.access != Access::Agent) continue;
    expect_error(call(service_->admin_token(), e.method, real_url(e), "{}"), 403, "forbidden", describe(e));
  }
}

TEST_F(ApiErrors, MalformedJsonIsABadRequest) {
  const std::vector<std::string> malformed = {"{\"source\": ", "{'a': 1}", "not json", "{\"a\": 1,}", "{\"a\": 1}{\"b\": 2}",
                                              "{\"a\": \"\xff\xfe\"}", "{\"a\": \"\\ud800\"}", std::string("{\"a\":\0 1}", 9)};
  for (const Endpoint& e : endpoints()) {
    if (!takes_body(e)) continue;
    const std::string token = e.access == Access::Enroll ? "" : rightful_token(e);
    for (const std::string& body : malformed)
      expect_error(call(token, e.method, real_url(e), body), 400, "bad_request", describe(e) + " with " + body);
  }
}

TEST_F(ApiErrors, BodiesThatAreNotObjectsAreBadRequests) {
  const std::vector<std::string> not_objects = {"[]", R"([{"source": "workflow w() {}"}])", "5", R"("text")", "null", "true"};
  for (const Endpoint& e : endpoints()) {
    if (!takes_body(e)) continue;
    const std::string token = e.access == Access::Enroll ? "" : rightful_token(e);
    for (const std::string& body : not_objects)
      expect_error(call(token, e.method, real_url(e), body), 400, "bad_request", describe(e) + " with " + body);
  }
}

TEST_F(ApiErrors, FieldsOfTheWrongTypeAreBadRequests) {
  size_t checked = 0;
  for (const Endpoint& e : endpoints()) {
    const std::string token = e.access == Access::Enroll ? "" : rightful_token(e);
    for (const char* body : e.wrong_bodies) {
      expect_error(call(token, e.method, real_url(e), body), 400, "bad_request", describe(e) + " with " + body);
      ++checked;
    }
  }
  EXPECT_GT(checked, 40u);
}

TEST_F(ApiErrors, UnknownIdsAreNotFound) {
  const std::vector<std::string> unknown = {"999999999", "0", "-1", "abc", "1.5", "0x10", "99999999999999999999", "%20"};
  for (const Endpoint& e : endpoints()) {
    if (e.id == IdKind::None) continue;
    const std::string body = e.good_body ? e.good_body : "";
    for (const std::string& id : unknown)
      expect_error(call(rightful_token(e), e.method, url_of(e, id), body), 404, "not_found", describe(e) + " with id " + id);
  }
}

// Paths that are no endpoint are 404 whatever the method, even below a real id. (`/` is the web
// console's page: route_table_test.cpp.)
TEST_F(ApiErrors, UnknownRoutesAreNotFound) {
  const std::string instance = std::to_string(instance_), approval = std::to_string(approval_), job = std::to_string(job_);
  const std::vector<std::string> urls = {std::string("/api"), std::string("/api/v2/health"), std::string("/api/v1"), std::string("/api/v1/nothing"),
        "/api/v1/instances/" + instance + "/bogus", "/api/v1/instances/" + instance + "/log/more",
        std::string("/api/v1/definitions/api_gate/bogus"), std::string("/api/v1/definitions/api_gate/run/now"), "/api/v1/approvals/" + approval + "/bogus",
        "/api/v1/jobs/" + job + "/bogus", "/api/v1/jobs/" + job + "/cancel/now", std::string("/api/v1/hosts/extra/more"),
        std::string("/api/v1/groups/g"), std::string("/api/v1/events/1"), std::string("/api/v1/health/deep"),
        "/api/v1/agents/jobs/" + job, "/api/v1/agents/jobs/" + job + "/bogus", std::string("/api/v1/agents/nothing")};
  for (const std::string& url : urls) {
    for (const char* method : {"GET", "POST", "DELETE"}) {
      const bool agent = url.rfind("/api/v1/agents/", 0) == 0;
      expect_error(call(agent ? *agent_token_ : service_->admin_token(), method, url, std::string(method) == "POST" ? "{}" : ""),
                   404, "not_found", std::string(method) + " " + url);
    }
  }
}

// A method an endpoint's path does not take is 405 (the token is the right one for the path).
TEST_F(ApiErrors, WrongMethodsAreNotAllowed) {
  std::map<std::string, std::set<std::string>> methods;
  std::map<std::string, const Endpoint*> any;
  for (const Endpoint& e : endpoints()) {
    methods[e.path].insert(e.method);
    any[e.path] = &e;
  }
  for (const auto& [path, taken] : methods) {
    const Endpoint& e = *any[path];
    for (const char* m : {"DELETE", "POST", "GET", "PATCH"}) {
      if (taken.count(m)) continue;
      const std::string token = e.access == Access::Agent ? *agent_token_ : service_->admin_token();
      expect_error(call(token, m, real_url(e), std::string(m) == "GET" || std::string(m) == "DELETE" ? "" : "{}"), 405,
                   "method_not_allowed", std::string(m) + " " + path);
      break;
    }
  }
}

TEST_F(ApiErrors, OperationsThatDoNotApplyAreConflicts) {
  // The instance waits for its approval: it has not failed, so it cannot be retried.
  expect_error(call(service_->admin_token(), "POST", "/api/v1/instances/" + std::to_string(instance_) + "/retry"), 409, "conflict",
               "retrying a live instance");
  // The ad-hoc job is queued: it cannot be retried or deleted, and this agent was never handed it.
  const std::string job = "/api/v1/jobs/" + std::to_string(job_);
  expect_error(call(service_->admin_token(), "POST", job + "/retry"), 409, "conflict", "retrying a queued job");
  expect_error(call(service_->admin_token(), "DELETE", job), 409, "conflict", "deleting a queued job");
  const std::string agent_job = "/api/v1/agents/jobs/" + std::to_string(job_);
  expect_error(call(*agent_token_, "POST", agent_job + "/start", "{}"), 409, "conflict", "starting a job never handed out");
  expect_error(call(*agent_token_, "POST", agent_job + "/complete", R"({"status": "completed", "exit_code": 0})"), 409, "conflict",
               "completing a job never handed out");
  // A source that does not compile is 422 with its diagnostics.
  auto r = call(service_->admin_token(), "POST", "/api/v1/definitions", R"({"source": "workflow broken() { let x: int = \"s\" }"})");
  expect_error(r, 422, "compile_failed", "a source with a type error");
  auto j = body_json(r);
  ASSERT_TRUE(j["error"].contains("diagnostics") && j["error"]["diagnostics"].is_array()) << r.body;
  EXPECT_FALSE(j["error"]["diagnostics"].empty()) << r.body;
}

std::string oversized_body() { return R"({"source": ")" + std::string(2 * 1024 * 1024, 'x') + R"("})"; }

TEST_F(ApiErrors, OversizedBodiesWithADeclaredLengthAre413) {
  const std::string body = oversized_body();
  for (const Endpoint& e : endpoints()) {
    if (!takes_body(e)) continue;
    const std::string token = e.access == Access::Enroll ? "" : rightful_token(e);
    expect_error(call(token, e.method, real_url(e), body), 413, "payload_too_large", describe(e));
  }
  // Refused from the declared length alone, before any of the body arrives.
  expect_error(raw_exchange(port(), {"POST /api/v1/definitions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + service_->admin_token() +
                                         "\r\nContent-Type: application/json\r\nContent-Length: 2097152\r\n\r\n"}),
               413, "payload_too_large", "a declared length with no body");
  // A body under the limit is read and judged on its content.
  const std::string large = R"({"event": )" + std::to_string(1) + R"(, "payload": ")" + std::string(900 * 1024, 'y') + R"("})";
  expect_error(call(service_->admin_token(), "POST", "/api/v1/instances/" + std::to_string(instance_) + "/signal", large), 400,
               "bad_request", "a 900 KiB body with a wrong field");
}

TEST_F(ApiErrors, OversizedChunkedBodiesAre413) {
  const std::string piece(64 * 1024, 'x');
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", piece.size());
  for (const Endpoint& e : endpoints()) {
    if (!takes_body(e)) continue;
    std::string head = std::string(e.method) + " " + real_url(e) + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n";
    if (e.access != Access::Enroll) head += "Authorization: Bearer " + rightful_token(e) + "\r\n";
    head += "Transfer-Encoding: chunked\r\n\r\n";
    std::vector<std::string> pieces = {head, std::string(size_line) + R"({"source": ")" + piece.substr(12) + "\r\n"};
    for (int i = 0; i < 31; ++i) pieces.push_back(size_line + piece + "\r\n");
    pieces.push_back("0\r\n\r\n");
    expect_error(raw_exchange(port(), pieces), 413, "payload_too_large", describe(e) + ", chunked");
  }
}

TEST_F(ApiErrors, HostilePathsAreRefusedCleanly) {
  const std::string admin = service_->admin_token();
  // NUL bytes (percent-encoded) in ids and names never match anything.
  for (const std::string target :
       {"/api/v1/instances/%00", "/api/v1/instances/1%00", "/api/v1/definitions/%00", "/api/v1/definitions/api_gate%00",
        "/api/v1/definitions/api_gate%00/versions", "/api/v1/approvals/%00", "/api/v1/jobs/%00", "/api/v1/jobs/%001",
        "/api/v1/%00", "/api/v1/instances%00", "/api/v1/instances/%00/events"})
    expect_error(raw_request(port(), "GET", target, admin), 404, "not_found", target);
  expect_error(raw_request(port(), "POST", "/api/v1/approvals/%00/respond", admin, R"({"decision": "approve"})"), 404, "not_found",
               "respond to %00");
  expect_error(raw_request(port(), "POST", "/api/v1/agents/jobs/%00/start", *agent_token_, "{}"), 404, "not_found", "start job %00");
  // Very long ids: numbers far out of range and names no definition has.
  const std::string long_id(8000, '9');
  for (const std::string resource : {"instances", "approvals", "jobs", "definitions"})
    expect_error(call(admin, "GET", "/api/v1/" + resource + "/" + long_id), 404, "not_found", resource + " with an 8000-digit id");
  expect_error(call(admin, "POST", "/api/v1/definitions/" + std::string(8000, 'n') + "/run", "{}"), 404, "not_found",
               "running an 8000-letter name");
  // Beyond the limit of the request head: 431.
  expect_error(call(admin, "GET", "/api/v1/instances/" + std::string(20000, '9')), 431, "headers_too_large", "a 20000-digit id");
  // A broken percent-escape is malformed.
  expect_error(raw_request(port(), "GET", "/api/v1/instances/%zz", admin), 400, "bad_request", "a broken escape");
  expect_error(raw_request(port(), "GET", "/api/v1/instances/%", admin), 400, "bad_request", "a lone %");
}

TEST_F(ApiErrors, BadQueryValuesAreBadRequests) {
  const std::string admin = service_->admin_token();
  const std::vector<std::string> lists = {"/api/v1/definitions", "/api/v1/instances", "/api/v1/approvals", "/api/v1/jobs",
                                          "/api/v1/agents",      "/api/v1/hosts",     "/api/v1/groups",
                                          "/api/v1/definitions/api_gate/versions"};
  for (const std::string& list : lists) {
    for (const std::string query : {"skip=-1", "limit=100000", "limit=-5", "skip=abc", "limit=1e3", "limit=", "skip=1.5",
                                     "skip=99999999999999999999", "limit=1001", "skip=%00"})
      expect_error(call(admin, "GET", list + "?" + query), 400, "bad_request", list + "?" + query);
    // The bounds themselves are fine, and a list always has its shape.
    for (const std::string query : {"skip=0&limit=1000", "limit=1", "skip=1000000"}) {
      auto r = call(admin, "GET", list + "?" + query);
      EXPECT_EQ(r.status, 200) << list << "?" << query << ": " << r.body;
      auto j = body_json(r);
      // The large lists count only when asked (`count=true`); the others always do.
      const bool large = list == "/api/v1/instances" || list == "/api/v1/approvals" || list == "/api/v1/jobs";
      EXPECT_TRUE(j.contains("items") && j["items"].is_array() && (large || (j.contains("total") && j["total"].is_number_integer())))
          << list << "?" << query << ": " << r.body;
      if (query == "limit=1") {
        EXPECT_LE(j["items"].size(), 1u) << list;
      }
      if (query == "skip=1000000") {
        EXPECT_TRUE(j["items"].empty()) << list;
      }
    }
  }
  for (const std::string list : {"/api/v1/instances", "/api/v1/approvals", "/api/v1/jobs"}) {
    for (const std::string query : {"status=bogus", "status=RUNNING", "status=%00", "status=running%00", "status=pending'--",
                                     "after=abc", "after=0", "after=-1", "after=", "after=99999999999999999999", "count=yes",
                                     "count=", "count=TRUE"})
      expect_error(call(admin, "GET", list + "?" + query), 400, "bad_request", list + "?" + query);
    auto counted = body_json(call(admin, "GET", list + "?count=true&limit=1"));
    EXPECT_TRUE(counted.contains("total") && counted["total"].is_number_integer()) << list << ": " << counted.dump();
  }
  for (const std::string query : {"/api/v1/approvals?instance=abc", "/api/v1/jobs?instance=-1", "/api/v1/approvals?instance=0"})
    expect_error(call(admin, "GET", query), 400, "bad_request", query);
  const std::string log = "/api/v1/instances/" + std::to_string(instance_) + "/log";
  for (const std::string query : {"?after=-1", "?after=abc", "?after=99999999999999999999"})
    expect_error(call(admin, "GET", log + query), 400, "bad_request", log + query);
  // A bad Last-Event-ID is answered before any stream starts.
  const std::string events = "/api/v1/instances/" + std::to_string(instance_) + "/events";
  for (const std::string header : {"Last-Event-ID: abc", "Last-Event-ID: -1", "Last-Event-ID: 99999999999999999999"}) {
    expect_error(raw_request(port(), "GET", events, admin, "", {header}), 400, "bad_request", events + " " + header);
    expect_error(raw_request(port(), "GET", "/api/v1/events", admin, "", {header}), 400, "bad_request", "/api/v1/events " + header);
  }
  expect_error(raw_request(port(), "GET", events + "?after=x", admin), 400, "bad_request", events + "?after=x");
}

TEST_F(ApiErrors, HostileBodiesAreRefusedCleanly) {
  const std::string admin = service_->admin_token();
  // Nesting deep enough to exhaust a recursive parser's stack, just under the body limit.
  const std::string arrays = std::string(500000, '[') + std::string(500000, ']');
  expect_error(call(admin, "POST", "/api/v1/definitions", arrays), 400, "bad_request", "500000 nested arrays");
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(100000, '}');
  expect_error(call(admin, "POST", "/api/v1/definitions", objects), 400, "bad_request", "100000 nested objects");
  // Deep nesting inside a field that is kept (params are stored as JSON).
  std::string params = R"({"params": {"count": )" + std::string(100000, '[') + std::string(100000, ']') + "}}";
  auto r = call(admin, "POST", "/api/v1/definitions/api_gate/run-test", params);
  expect_error(r, 400, "bad_request", "a parameter nested 100000 deep");
  // A hostname that is not one, and a file name that reaches outside the upload.
  expect_error(call("", "POST", "/api/v1/agents/register",
                    json({{"enrollment_secret", service_->enroll_secret()}, {"hostname", "../../etc\r\nX: y"}}).dump()),
               400, "bad_request", "a hostname with a path and a line break");
  expect_error(call(admin, "POST", "/api/v1/definitions", json({{"source", "workflow w() {}"}, {"file", "a/.."}}).dump()),
               400, "bad_request", "an upload named a/..");
  expect_error(call(admin, "POST", "/api/v1/definitions",
                    json({{"source", "import \"/etc/passwd\"\nworkflow w() {}"}, {"file", "w.wf"}}).dump()),
               422, "compile_failed", "an import of /etc/passwd");
}

}  // namespace
}  // namespace wf::testing

namespace wf::testing {
namespace {

// A parameter value of the wrong element type must be refused at the door: the VM trusts the
// declared types, so a list<string> bound to [1, 2] takes the service down once the workflow
// uses an element as a string. local::convert_param checks JSON values against the parameter's
// declared type all the way down; this test has a service of its own.
TEST(ApiParameters, ValuesOfTheWrongElementTypeAreBadRequests) {
  const std::filesystem::path dir = make_temp_dir("wf-api-params");
  // Removed however the test ends (declared before the service, so the service stops first).
  struct RemoveDir {
    std::filesystem::path path;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_dir{dir};
  Service service(dir);
  ASSERT_TRUE(service.start()) << service.log();
  auto admin = service.admin();
  ASSERT_EQ(push(*admin, "lengths.wf", R"(// Adds up the lengths of its names.
@trigger(manual)
workflow lengths(names: list<string> = [], sizes: map<int> = {}) -> int {
  var n = 0
  for s in names { n = n + len(s) }
  return n
}
)"),
            "lengths");
  for (const char* body : {R"({"params": {"names": [1, 2]}})", R"({"params": {"names": ["a", {"x": 1}]}})",
                           R"({"params": {"names": {"a": "b"}}})", R"({"params": {"sizes": {"a": "b"}}})",
                           R"({"params": {"sizes": [1]}})"}) {
    auto r = admin->post("/api/v1/definitions/lengths/run", body);
    expect_error(r, 400, "bad_request", body);
    ASSERT_TRUE(service.running()) << body << " took the service down: " << service.log();
  }
  service.stop();
}

}  // namespace
}  // namespace wf::testing
