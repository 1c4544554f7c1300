// The web console as `wf serve` answers it: its embedded files (index.html for its own URLs,
// Content-Type, Cache-Control, ETag and 304) and its sign-in (session cookie, CSRF token, expiry,
// sign-out), over raw HTTP so that every header is seen as a browser sees it.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using json = nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

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
  json body_json() const { return json::parse(body, nullptr, false); }
};

// One request over a fresh connection with `headers`; reads the head and a Content-Length body.
Answer exchange(int port, const std::string& method, const std::string& target, const Headers& headers = {},
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
  for (const auto& [name, value] : headers) r += name + ": " + value + "\r\n";
  if (!body.empty()) r += "Content-Type: application/json\r\n";
  r += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t sent = 0; sent < r.size();) {
    const ssize_t n = ::send(fd, r.data() + sent, r.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string all;
  char buf[16384];
  size_t end = std::string::npos, want = std::string::npos;
  while (true) {
    if (end == std::string::npos && (end = all.find("\r\n\r\n")) != std::string::npos) {
      out.head = all.substr(0, end);
      const std::string length = out.header("content-length");
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
  out.body = all.substr(end + 4, want - end - 4);
  return out;
}

// The `wf_session=...` pair of a Set-Cookie header, as a browser sends it back.
std::string cookie_pair(const Answer& a) {
  const std::string set = a.header("set-cookie");
  return set.substr(0, set.find(';'));
}

class ConsoleService : public ServiceTest {
 protected:
  ConsoleService() : ServiceTest("wf-console") {}
  int port() const { return service_->port(); }
  // Signs in with the administrator's token: the answer, its cookie pair and its CSRF token.
  Answer sign_in(std::string& cookie, std::string& csrf) {
    const Answer a = exchange(port(), "POST", "/api/v1/session", {}, json{{"token", service_->admin_token()}}.dump());
    cookie = cookie_pair(a);
    csrf = a.body_json().value("csrf_token", "");
    return a;
  }
};

TEST_F(ConsoleService, ServesItsPageAtTheRootAndForItsOwnUrls) {
  for (const std::string path : {"/", "/executions", "/executions/42?tab=log"}) {
    const Answer a = exchange(port(), "GET", path);
    ASSERT_EQ(a.status, 200) << path << a.body << a.error;
    EXPECT_EQ(a.header("content-type"), "text/html; charset=utf-8") << path;
    EXPECT_NE(a.body.find("<html"), std::string::npos) << a.body;
    EXPECT_NE(a.body.find("/app.js"), std::string::npos) << a.body;
    EXPECT_EQ(a.header("cache-control"), "no-cache") << path;
    EXPECT_NE(a.header("content-security-policy").find("default-src 'self'"), std::string::npos) << a.head;
  }
  // Each file with the Content-Type of its extension.
  const Answer script = exchange(port(), "GET", "/app.js");
  ASSERT_EQ(script.status, 200) << script.body;
  EXPECT_EQ(script.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_NE(script.body.find("import"), std::string::npos);
  const Answer style = exchange(port(), "GET", "/style.css");
  ASSERT_EQ(style.status, 200);
  EXPECT_EQ(style.header("content-type"), "text/css; charset=utf-8");
  EXPECT_NE(style.body.find("prefers-color-scheme"), std::string::npos);
  // HEAD as GET, without the body.
  const Answer head = exchange(port(), "HEAD", "/style.css");
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("etag"), style.header("etag"));
}

TEST_F(ConsoleService, AnswersNotModifiedForTheSameEtag) {
  const Answer first = exchange(port(), "GET", "/app.js");
  ASSERT_EQ(first.status, 200);
  const std::string etag = first.header("etag");
  ASSERT_GE(etag.size(), 10u) << first.head;
  EXPECT_EQ(etag.front(), '"');
  const Answer again = exchange(port(), "GET", "/app.js", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304) << again.head;
  EXPECT_TRUE(again.body.empty());
  // Another file's tag is another file's.
  const Answer other = exchange(port(), "GET", "/style.css", {{"If-None-Match", etag}});
  EXPECT_EQ(other.status, 200);
  EXPECT_NE(other.header("etag"), etag);
}

TEST_F(ConsoleService, NeverAnswersUnderTheApi) {
  for (const std::string path : {"/api/v1/app.js", "/api/v1/nothing", "/api/index.html", "/api"}) {
    const Answer a = exchange(port(), "GET", path);
    EXPECT_EQ(a.status, 404) << path;
    EXPECT_EQ(a.body_json()["error"].value("code", ""), "not_found") << path << a.body;
  }
  // Only GET and HEAD read the console: another method is not a page.
  EXPECT_EQ(exchange(port(), "POST", "/executions", {}, "{}").status, 404);
}

TEST_F(ConsoleService, SignInSetsAnHttpOnlyStrictCookieAndAnswersTheCsrfToken) {
  std::string cookie, csrf;
  const Answer a = sign_in(cookie, csrf);
  ASSERT_EQ(a.status, 201) << a.body;
  const std::string set = a.header("set-cookie");
  EXPECT_EQ(set.rfind("wf_session=", 0), 0u) << set;
  EXPECT_NE(set.find("; HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("; SameSite=Strict"), std::string::npos) << set;
  EXPECT_NE(set.find("; Path=/"), std::string::npos) << set;
  EXPECT_NE(set.find("; Max-Age=43200"), std::string::npos) << set;  // 12 hours
  EXPECT_EQ(set.find("Secure"), std::string::npos) << "plain HTTP: " << set;
  EXPECT_EQ(csrf.size(), 64u) << a.body;
  EXPECT_EQ(a.body_json().value("user", ""), "admin") << a.body;
  EXPECT_TRUE(a.body_json().contains("expires_at"));
  // The token is nowhere in the answer.
  EXPECT_EQ(a.head.find(service_->admin_token()), std::string::npos);
  EXPECT_EQ(a.body.find(service_->admin_token()), std::string::npos);
  // Through a proxy that terminates TLS, the cookie is sent over TLS only.
  const Answer tls = exchange(port(), "POST", "/api/v1/session", {{"X-Forwarded-Proto", "https"}},
                              json{{"token", service_->admin_token()}}.dump());
  ASSERT_EQ(tls.status, 201) << tls.body;
  EXPECT_NE(tls.header("set-cookie").find("; Secure"), std::string::npos) << tls.head;
  // The cookie reads like the token; the session says who and repeats the CSRF token.
  const Answer list = exchange(port(), "GET", "/api/v1/instances", {{"Cookie", "theme=dark; " + cookie}});
  EXPECT_EQ(list.status, 200) << list.body;
  const Answer session = exchange(port(), "GET", "/api/v1/session", {{"Cookie", cookie}});
  ASSERT_EQ(session.status, 200) << session.body;
  EXPECT_EQ(session.body_json().value("csrf_token", ""), csrf);
  const auto permissions = session.body_json()["permissions"];
  EXPECT_NE(std::find(permissions.begin(), permissions.end(), "workflows.execute"), permissions.end()) << session.body;
}

TEST_F(ConsoleService, RefusesABadSignIn) {
  const Answer wrong = exchange(port(), "POST", "/api/v1/session", {}, json{{"token", "wft_1_" + std::string(64, 'a')}}.dump());
  EXPECT_EQ(wrong.status, 401) << wrong.body;
  EXPECT_TRUE(wrong.header("set-cookie").empty());
  EXPECT_EQ(exchange(port(), "POST", "/api/v1/session", {}, "{}").status, 400);
  EXPECT_EQ(exchange(port(), "POST", "/api/v1/session", {}, json{{"token", 7}}.dump()).status, 400);
  EXPECT_EQ(exchange(port(), "POST", "/api/v1/session", {}, "not json").status, 400);
  const Answer other_user = exchange(port(), "POST", "/api/v1/session", {},
                                     json{{"user", "someone"}, {"token", service_->admin_token()}}.dump());
  EXPECT_EQ(other_user.status, 401) << other_user.body;
  const Answer same_user = exchange(port(), "POST", "/api/v1/session", {},
                                    json{{"user", "admin"}, {"token", service_->admin_token()}}.dump());
  EXPECT_EQ(same_user.status, 201) << same_user.body;
  // A made-up cookie is no session.
  const Answer forged = exchange(port(), "GET", "/api/v1/instances", {{"Cookie", "wf_session=" + std::string(64, 'b')}});
  EXPECT_EQ(forged.status, 401) << forged.body;
}

TEST_F(ConsoleService, AChangeMadeWithTheCookieNeedsTheCsrfToken) {
  std::string cookie, csrf;
  ASSERT_EQ(sign_in(cookie, csrf).status, 201);
  const std::string schedule = json{{"name", "nightly"}, {"workflow", "nothing"}, {"cron", "0 3 * * *"}}.dump();
  for (const Headers& h : {Headers{{"Cookie", cookie}}, Headers{{"Cookie", cookie}, {"X-CSRF-Token", std::string(64, '0')}},
                           Headers{{"Cookie", cookie}, {"X-CSRF-Token", ""}}}) {
    const Answer refused = exchange(port(), "POST", "/api/v1/approvals/1/respond", h, json{{"decision", "approve"}}.dump());
    EXPECT_EQ(refused.status, 403) << refused.body;
    EXPECT_EQ(refused.body_json()["error"].value("code", ""), "forbidden") << refused.body;
    EXPECT_NE(refused.body.find("X-CSRF-Token"), std::string::npos) << refused.body;
    const Answer out = exchange(port(), "DELETE", "/api/v1/session", h);
    EXPECT_EQ(out.status, 403) << out.body;
  }
  // With it, the request reaches its handler (no such approval).
  const Answer with = exchange(port(), "POST", "/api/v1/approvals/1/respond", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}},
                               json{{"decision", "approve"}}.dump());
  EXPECT_EQ(with.status, 404) << with.body;
  // A bearer token needs none.
  const Answer bearer = exchange(port(), "POST", "/api/v1/approvals/1/respond",
                                 {{"Authorization", "Bearer " + service_->admin_token()}}, json{{"decision", "approve"}}.dump());
  EXPECT_EQ(bearer.status, 404) << bearer.body;
}

TEST_F(ConsoleService, SignOutEndsTheSession) {
  std::string cookie, csrf;
  ASSERT_EQ(sign_in(cookie, csrf).status, 201);
  const Answer out = exchange(port(), "DELETE", "/api/v1/session", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}});
  ASSERT_EQ(out.status, 200) << out.body;
  const std::string set = out.header("set-cookie");
  EXPECT_NE(set.find("wf_session=;"), std::string::npos) << set;
  EXPECT_NE(set.find("Max-Age=0"), std::string::npos) << set;
  const Answer after = exchange(port(), "GET", "/api/v1/instances", {{"Cookie", cookie}});
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_EQ(exchange(port(), "GET", "/api/v1/session", {{"Cookie", cookie}}).status, 401);
  // A bearer token has no session to show or end.
  EXPECT_EQ(exchange(port(), "GET", "/api/v1/session", {{"Authorization", "Bearer " + service_->admin_token()}}).status, 404);
}

TEST_F(ConsoleService, ARevokedTokenEndsItsSessions) {
  // A second token of the administrator's signs in; revoking it leaves the session nothing.
  const auto made = api_->post("/api/v1/tokens", json{{"name", "browser"}}.dump());
  ASSERT_EQ(made.status, 201) << made.body;
  const json token = json::parse(made.body);
  const Answer in = exchange(port(), "POST", "/api/v1/session", {}, json{{"token", token.value("token", "")}}.dump());
  ASSERT_EQ(in.status, 201) << in.body;
  const std::string cookie = cookie_pair(in);
  EXPECT_EQ(exchange(port(), "GET", "/api/v1/instances", {{"Cookie", cookie}}).status, 200);
  const auto revoked = api_->request("DELETE", "/api/v1/tokens/" + std::to_string(token.value("id", 0)));
  ASSERT_LT(revoked.status, 300) << revoked.body;
  EXPECT_EQ(exchange(port(), "GET", "/api/v1/instances", {{"Cookie", cookie}}).status, 401);
}

// A service whose sessions last two seconds: one expires while the test waits.
TEST(ConsoleSessionExpiry, ASessionExpiresAfterItsLifetime) {
  const auto dir = make_temp_dir("wf-console-expiry");
  const int port = free_port();
  Process serve;
  ASSERT_TRUE(serve.spawn({"serve", "--data", (dir / "data").string(), "--listen", "127.0.0.1:" + std::to_string(port),
                           "--session-lifetime", "2s"},
                          dir / "serve.log"));
  ASSERT_TRUE(wait_until([&] { return exchange(port, "GET", "/api/v1/ready").status == 200; }, std::chrono::seconds(60)));
  const std::string token = read_first_line(dir / "data" / "admin.token");
  const Answer in = exchange(port, "POST", "/api/v1/session", {}, json{{"token", token}}.dump());
  ASSERT_EQ(in.status, 201) << in.body;
  EXPECT_NE(in.header("set-cookie").find("Max-Age=2;"), std::string::npos) << in.head;
  const std::string cookie = cookie_pair(in);
  EXPECT_EQ(exchange(port, "GET", "/api/v1/instances", {{"Cookie", cookie}}).status, 200);
  // Bounded: expired within the lifetime and a margin, never a sleep that hopes.
  int last = 0;
  EXPECT_TRUE(wait_until([&] { return (last = exchange(port, "GET", "/api/v1/instances", {{"Cookie", cookie}}).status) == 401; },
                         std::chrono::seconds(10)))
      << last;
  const Answer expired = exchange(port, "GET", "/api/v1/instances", {{"Cookie", cookie}});
  EXPECT_NE(expired.body.find("sign in again"), std::string::npos) << expired.body;
  // The token itself still works.
  EXPECT_EQ(exchange(port, "GET", "/api/v1/instances", {{"Authorization", "Bearer " + token}}).status, 200);
  serve.terminate();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace wf::testing
