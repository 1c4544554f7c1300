// Inbound webhooks against a real `wf serve`: a signed delivery starts an instance with its mapped
// parameters; unsigned, stale, future, replayed (also after a restart) and wrongly signed
// deliveries are refused and recorded; rotated secrets; the Standard Webhooks headers; bearer
// hooks; an Alertmanager payload deduplicated by fingerprint; an event delivered to a waiting
// instance; the body limit; and `wf hook send` end to end.
#include <ctime>
#include <fstream>
#include <string>
#include <vector>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/service/hook_signature.h"
#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;
namespace sig = service::hook_signature;

struct Answer {
  int status = 0;
  json body;
};

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

class Hooks : public ServiceTest {
 protected:
  Hooks() : ServiceTest("wf-hooks") {}

  void SetUp() override {
    ServiceTest::SetUp();
    ASSERT_FALSE(push(*api_, "hooked.wf", R"(
workflow deploy(service: string, replicas: int = 1) -> string {
  let e = wait event "never" timeout 120s
  return service
}
workflow investigate(alert: json, severity: string = "none") -> string {
  let e = wait event "never" timeout 120s
  return severity
}
workflow waiter() -> json {
  let payload = wait event "approved" timeout 60s
  return payload
}
)").empty());
  }

  json create(const json& fields) {
    auto r = api_->post("/api/v1/hooks", fields.dump());
    EXPECT_EQ(r.status, 201) << r.body;
    return body_json(r);
  }

  // POSTs `body` to `path` with extra header lines ("Name: value").
  Answer post_raw(const std::string& path, const std::string& body, const std::vector<std::string>& headers) {
    std::string req = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n";
    for (const std::string& h : headers) req += h + "\r\n";
    req += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    const std::string raw = raw_answer(service_->port(), req);
    Answer a;
    if (raw.size() > 12) a.status = std::atoi(raw.substr(9, 3).c_str());
    const size_t split = raw.find("\r\n\r\n");
    if (split != std::string::npos) {
      std::string payload = raw.substr(split + 4);
      // A chunked answer: take the JSON between the first '{' and the last '}'.
      const size_t open = payload.find('{'), close = payload.rfind('}');
      if (open != std::string::npos && close != std::string::npos)
        a.body = json::parse(payload.substr(open, close - open + 1), nullptr, false);
    }
    return a;
  }

  Answer signed_post(const json& hook, const std::string& body, int64_t t, const std::string& secret = "") {
    const std::string s = secret.empty() ? hook.value("secret", "") : secret;
    return post_raw(hook.value("path", ""), body, {"X-WF-Signature: " + sig::sign(s, t, body)});
  }

  json deliveries(const json& hook) {
    return body_json(api_->get("/api/v1/hooks/" + std::to_string(hook.value("id", int64_t{0})) + "/deliveries"))["items"];
  }
};

TEST_F(Hooks, ASignedDeliveryStartsAnInstanceWithItsMappedParams) {
  const json hook = create({{"name", "gh"}, {"workflow", "deploy"}, {"params", {{"service", "/repository/name"}}}});
  EXPECT_EQ(hook["path"].get<std::string>().rfind("/hooks/wfh_", 0), 0u) << hook.dump();
  EXPECT_EQ(hook["secret"].get<std::string>().rfind("whsec_", 0), 0u) << hook.dump();
  const std::string body = R"({"repository":{"name":"billing"},"replicas":9})";
  const Answer a = signed_post(hook, body, now_seconds());
  ASSERT_EQ(a.status, 202) << a.body.dump();
  const int64_t id = a.body.value("instance_id", int64_t{0});
  ASSERT_GT(id, 0);
  const json d = instance(*api_, id);
  EXPECT_EQ(d["trigger"], "webhook") << d.dump();
  EXPECT_EQ(d["params"], json({{"service", "billing"}})) << d.dump();
  const json listed = deliveries(hook);
  ASSERT_EQ(listed.size(), 1u) << listed.dump();
  EXPECT_EQ(listed[0]["outcome"], "started");
  EXPECT_EQ(listed[0]["instance_id"], id);
  // Neither the list nor the detail shows the key or the secret again.
  const std::string shown = api_->get("/api/v1/hooks").body + api_->get("/api/v1/hooks/gh").body;
  EXPECT_EQ(shown.find(hook["secret"].get<std::string>()), std::string::npos) << shown;
  EXPECT_EQ(shown.find(hook["key"].get<std::string>()), std::string::npos) << shown;
}

TEST_F(Hooks, TopLevelFieldsBindByNameAndABodyThatDoesNotBindIsA400NamingTheParameter) {
  const json hook = create({{"name", "plain"}, {"workflow", "deploy"}});
  Answer a = signed_post(hook, R"({"service":"web","replicas":3,"other":true})", now_seconds());
  ASSERT_EQ(a.status, 202) << a.body.dump();
  EXPECT_EQ(instance(*api_, a.body["instance_id"].get<int64_t>())["params"], json({{"service", "web"}, {"replicas", 3}}));
  a = signed_post(hook, R"({"service":"web","replicas":"many"})", now_seconds());
  EXPECT_EQ(a.status, 400) << a.body.dump();
  EXPECT_NE(a.body["error"]["message"].get<std::string>().find("replicas"), std::string::npos) << a.body.dump();
  a = signed_post(hook, R"({"replicas":2})", now_seconds());
  EXPECT_EQ(a.status, 400) << a.body.dump();
  EXPECT_NE(a.body["error"]["message"].get<std::string>().find("service"), std::string::npos) << a.body.dump();
  a = signed_post(hook, R"([1,2])", now_seconds());
  EXPECT_EQ(a.status, 400) << a.body.dump();
  EXPECT_EQ(deliveries(hook)[0]["outcome"], "rejected");
}

TEST_F(Hooks, UnsignedStaleFutureReplayedAndWronglySignedDeliveriesAreRefusedAndRecorded) {
  const json hook = create({{"name", "strict"}, {"workflow", "deploy"}});
  const std::string body = R"({"service":"web"})";
  const std::string path = hook["path"];
  EXPECT_EQ(post_raw(path, body, {}).status, 401);
  EXPECT_EQ(signed_post(hook, body, now_seconds() - 301).status, 401);
  EXPECT_EQ(signed_post(hook, body, now_seconds() + 301).status, 401);
  EXPECT_EQ(signed_post(hook, body, now_seconds(), "whsec_d3Jvbmc=").status, 401);
  EXPECT_EQ(post_raw(path, body, {"X-WF-Signature: t=1,v1=zz"}).status, 401);
  // A replay of a good delivery: the first starts, the same signature again is a 409.
  const int64_t t = now_seconds();
  const std::string header = "X-WF-Signature: " + sig::sign(hook["secret"].get<std::string>(), t, body);
  ASSERT_EQ(post_raw(path, body, {header}).status, 202);
  Answer again = post_raw(path, body, {header});
  EXPECT_EQ(again.status, 409) << again.body.dump();
  // Remembered in the store: after a restart the replay is still refused.
  ASSERT_EQ(service_->stop(), 0);
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  again = post_raw(path, body, {header});
  EXPECT_EQ(again.status, 409) << again.body.dump();
  // Unknown keys are 404.
  EXPECT_EQ(post_raw("/hooks/wfh_nothing", body, {header}).status, 404);
  std::vector<std::string> outcomes;
  for (const json& d : deliveries(hook)) outcomes.push_back(d["outcome"].get<std::string>() + ":" + std::to_string(d["status"].get<int>()));
  EXPECT_EQ(outcomes, (std::vector<std::string>{"duplicate:409", "duplicate:409", "started:202", "rejected:401", "rejected:401",
                                                "rejected:401", "rejected:401", "rejected:401"}));
  // Every refusal is in the audit log.
  auto audit = body_json(api_->get("/api/v1/audit?outcome=denied"));
  EXPECT_GE(audit["items"].size(), 5u) << audit.dump();
}

TEST_F(Hooks, ARotatedSecretWorksBesideTheOldOneUntilTheOldExpires) {
  const json hook = create({{"name", "rot"}, {"workflow", "deploy"}});
  const std::string old_secret = hook["secret"];
  auto r = api_->post("/api/v1/hooks/rot/rotate", "{}");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string new_secret = body_json(r)["secret"];
  EXPECT_NE(new_secret, old_secret);
  EXPECT_EQ(signed_post(hook, R"({"service":"a"})", now_seconds(), old_secret).status, 202);
  EXPECT_EQ(signed_post(hook, R"({"service":"b"})", now_seconds(), new_secret).status, 202);
  // Rotated again with the older ones expiring at once: only the newest works.
  r = api_->post("/api/v1/hooks/rot/rotate", R"({"expire_old_seconds":0})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string newest = body_json(r)["secret"];
  EXPECT_EQ(signed_post(hook, R"({"service":"c"})", now_seconds(), old_secret).status, 401);
  EXPECT_EQ(signed_post(hook, R"({"service":"d"})", now_seconds(), new_secret).status, 401);
  EXPECT_EQ(signed_post(hook, R"({"service":"e"})", now_seconds(), newest).status, 202);
  const json detail = body_json(api_->get("/api/v1/hooks/rot"));
  ASSERT_EQ(detail["secrets"].size(), 3u) << detail.dump();
  EXPECT_EQ(detail["secrets"][2]["active"], true);
  EXPECT_EQ(detail["secrets"][0]["active"], false);
}

TEST_F(Hooks, StandardWebhooksHeadersAreAcceptedAndTheirIdIsNotReplayed) {
  const json hook = create({{"name", "std"}, {"workflow", "deploy"}});
  const std::string body = R"({"service":"std"})";
  const std::string ts = std::to_string(now_seconds());
  const std::vector<std::string> headers = {"webhook-id: msg_1", "webhook-timestamp: " + ts,
                                            "webhook-signature: v1,AAAA v1," + sig::sign_standard(hook["secret"].get<std::string>(), "msg_1", ts, body).substr(3)};
  Answer a = post_raw(hook["path"], body, headers);
  ASSERT_EQ(a.status, 202) << a.body.dump();
  EXPECT_EQ(post_raw(hook["path"], body, headers).status, 409);
  const std::vector<std::string> wrong = {"webhook-id: msg_2", "webhook-timestamp: " + ts,
                                          "webhook-signature: " + sig::sign_standard(hook["secret"].get<std::string>(), "msg_1", ts, body)};
  EXPECT_EQ(post_raw(hook["path"], body, wrong).status, 401);
}

TEST_F(Hooks, ABearerHookTakesItsTokenOnly) {
  const json hook = create({{"name", "am"}, {"workflow", "deploy"}, {"auth", "bearer"}});
  const std::string token = hook.value("token", "");
  ASSERT_EQ(token.rfind("wfhb_", 0), 0u) << hook.dump();
  EXPECT_FALSE(hook.contains("secret"));
  EXPECT_EQ(post_raw(hook["path"], R"({"service":"x"})", {}).status, 401);
  EXPECT_EQ(post_raw(hook["path"], R"({"service":"x"})", {"Authorization: Bearer wfhb_nope"}).status, 401);
  // An API token is not the hook's.
  EXPECT_EQ(post_raw(hook["path"], R"({"service":"x"})", {"Authorization: Bearer " + service_->admin_token()}).status, 401);
  EXPECT_EQ(post_raw(hook["path"], R"({"service":"x"})", {"Authorization: Bearer " + token}).status, 202);
}

TEST_F(Hooks, AnAlertmanagerPayloadStartsOneInstancePerFiringAlertDeduplicatedByFingerprint) {
  const json hook = create({{"name", "alerts"}, {"workflow", "investigate"}, {"target", "alert"}, {"auth", "bearer"}});
  const std::string auth = "Authorization: Bearer " + hook["token"].get<std::string>();
  json payload = {{"version", "4"},
                  {"status", "firing"},
                  {"receiver", "wf"},
                  {"alerts",
                   {{{"status", "firing"}, {"labels", {{"alertname", "DiskFull"}, {"severity", "critical"}}},
                     {"annotations", {{"summary", "disk"}}}, {"fingerprint", "aaa111"}},
                    {{"status", "firing"}, {"labels", {{"alertname", "HighLoad"}}}, {"annotations", {{"severity", "warning"}}},
                     {"fingerprint", "bbb222"}},
                    {{"status", "resolved"}, {"labels", {{"alertname", "Old"}}}, {"fingerprint", "ccc333"}}}}};
  Answer a = post_raw(hook["path"], payload.dump(), {auth});
  ASSERT_EQ(a.status, 202) << a.body.dump();
  ASSERT_EQ(a.body["started"].size(), 2u) << a.body.dump();
  EXPECT_EQ(a.body["deduplicated"].size(), 0u);
  const int64_t first = a.body["started"][0]["instance_id"];
  const json d = instance(*api_, first);
  EXPECT_EQ(d["trigger"], "alert");
  EXPECT_EQ(d["params"]["severity"], "critical") << d.dump();
  EXPECT_EQ(d["params"]["alert"]["fingerprint"], "aaa111") << d.dump();
  EXPECT_EQ(instance(*api_, a.body["started"][1]["instance_id"].get<int64_t>())["params"]["severity"], "warning");
  // The same fingerprint again while its instance runs: nothing starts.
  json repeat = payload;
  repeat["alerts"] = json::array({payload["alerts"][0]});
  a = post_raw(hook["path"], repeat.dump(), {auth});
  ASSERT_EQ(a.status, 202) << a.body.dump();
  EXPECT_EQ(a.body["started"].size(), 0u) << a.body.dump();
  ASSERT_EQ(a.body["deduplicated"].size(), 1u) << a.body.dump();
  EXPECT_EQ(a.body["deduplicated"][0]["instance_id"], first);
  EXPECT_EQ(deliveries(hook)[0]["outcome"], "duplicate");
  // Once it has ended, the fingerprint starts a new one.
  ASSERT_EQ(api_->post("/api/v1/instances/" + std::to_string(first) + "/cancel").status, 200);
  wait_ended(*api_, first);
  a = post_raw(hook["path"], repeat.dump(), {auth});
  ASSERT_EQ(a.status, 202) << a.body.dump();
  EXPECT_EQ(a.body["started"].size(), 1u) << a.body.dump();
  EXPECT_EQ(post_raw(hook["path"], R"({"no":"alerts"})", {auth}).status, 400);
}

// Alertmanager resends a firing group at every repeat interval, and several replicas send the same
// alert: deliveries of one fingerprint that arrive together start one instance, not one each.
TEST_F(Hooks, RepeatsOfOneFingerprintArrivingTogetherStartOneInstance) {
  const json hook = create({{"name", "burst"}, {"workflow", "investigate"}, {"target", "alert"}, {"auth", "bearer"}});
  const std::string auth = "Authorization: Bearer " + hook["token"].get<std::string>();
  const json payload = {{"version", "4"},
                        {"status", "firing"},
                        {"alerts", {{{"status", "firing"}, {"labels", {{"alertname", "DiskFull"}}}, {"fingerprint", "fff999"}}}}};
  constexpr int kSenders = 8;
  std::vector<Answer> answers(kSenders);
  std::vector<std::thread> senders;
  for (int i = 0; i < kSenders; ++i)
    senders.emplace_back([&, i] { answers[i] = post_raw(hook["path"], payload.dump(), {auth}); });
  for (auto& t : senders) t.join();
  std::set<int64_t> started;
  for (const Answer& a : answers) {
    ASSERT_EQ(a.status, 202) << a.body.dump();
    for (const auto& s : a.body["started"]) started.insert(s["instance_id"].get<int64_t>());
    for (const auto& s : a.body["deduplicated"]) started.insert(s["instance_id"].get<int64_t>());
  }
  EXPECT_EQ(started.size(), 1u) << "instances: " << json(started).dump();
}

TEST_F(Hooks, AnEventHookDeliversToTheWaitingInstance) {
  const json hook = create({{"name", "ev"}, {"target", "event"}, {"event", "approved"}, {"instance_pointer", "/ticket/instance"}});
  const int64_t id = start(*api_, "waiter", json::object());
  ASSERT_GT(id, 0);
  ASSERT_TRUE(wait_until([&] {
    const json d = instance(*api_, id);
    for (const auto& s : d["steps"])
      if (s["kind"] == "wait_event") return true;
    return false;
  })) << instance(*api_, id).dump();
  const json body = {{"ticket", {{"instance", std::to_string(id)}, {"state", "ok"}}}};
  Answer a = signed_post(hook, body.dump(), now_seconds());
  ASSERT_EQ(a.status, 202) << a.body.dump();
  EXPECT_EQ(a.body["delivered"], true);
  const json end = wait_ended(*api_, id);
  EXPECT_EQ(end["status"], "completed") << end.dump();
  EXPECT_EQ(end["result"], body);
  EXPECT_EQ(signed_post(hook, R"({"ticket":{}})", now_seconds()).status, 400);
  EXPECT_EQ(signed_post(hook, R"({"ticket":{"instance":999999}})", now_seconds()).status, 404);
  EXPECT_EQ(deliveries(hook)[2]["outcome"], "delivered");
}

// A signed body may still be hostile: one nested deeper than any request body may be is refused
// as the API refuses it, and the service goes on answering.
TEST_F(Hooks, ABodyNestedTooDeeplyIsA400) {
  const json hook = create({{"name", "deep"}, {"target", "event"}, {"event", "approved"}, {"instance_pointer", "/ticket/instance"}});
  const int64_t id = start(*api_, "waiter", json::object());
  ASSERT_GT(id, 0);
  constexpr int kDepth = 200000;
  const std::string body = R"({"ticket":{"instance":")" + std::to_string(id) + R"("},"deep":)" + std::string(kDepth, '[') +
                           std::string(kDepth, ']') + "}";
  const Answer a = signed_post(hook, body, now_seconds());
  EXPECT_EQ(a.status, 400) << a.body.dump();
  EXPECT_NE(a.body.dump().find("nested"), std::string::npos) << a.body.dump();
  EXPECT_EQ(api_->get("/api/v1/hooks").status, 200);
}

TEST_F(Hooks, ABodyOverOneMebibyteIs413) {
  const json hook = create({{"name", "big"}, {"workflow", "deploy"}});
  const std::string body = "{\"service\":\"" + std::string(1024 * 1024, 'x') + "\"}";
  EXPECT_EQ(signed_post(hook, body, now_seconds()).status, 413);
  // Just under the limit, it is taken.
  const std::string fits = "{\"service\":\"" + std::string(1024 * 1024 - 64, 'x') + "\"}";
  const Answer a = signed_post(hook, fits, now_seconds());
  EXPECT_EQ(a.status, 202) << a.body.dump();
}

TEST_F(Hooks, ADeletedHookAnswers404AndKeepsItsDeliveries) {
  const json hook = create({{"name", "gone"}, {"workflow", "deploy"}});
  ASSERT_EQ(signed_post(hook, R"({"service":"a"})", now_seconds()).status, 202);
  ASSERT_EQ(api_->request("DELETE", "/api/v1/hooks/gone").status, 204);
  EXPECT_EQ(signed_post(hook, R"({"service":"b"})", now_seconds()).status, 404);
  EXPECT_EQ(body_json(api_->get("/api/v1/hooks"))["items"].size(), 0u);
  EXPECT_EQ(deliveries(hook).size(), 1u);
  EXPECT_EQ(api_->post("/api/v1/hooks", json({{"name", "x"}, {"workflow", "nothing"}}).dump()).status, 404);
  EXPECT_EQ(api_->post("/api/v1/hooks", json({{"name", "x"}, {"workflow", "deploy"}, {"params", {{"a", "no-slash"}}}}).dump()).status, 400);
  EXPECT_EQ(api_->post("/api/v1/hooks", json({{"name", "x"}, {"target", "event"}}).dump()).status, 400);
}

TEST_F(Hooks, TheCliCreatesSendsToAndShowsAHook) {
  WfOutput made = run_wf_apart(*service_, service_->admin_token(), "hook create cli --workflow deploy --param service=/svc", dir_ / "err1");
  ASSERT_EQ(made.exit_code, 0) << made.out << made.err;
  const size_t at = made.out.find("secret: ");
  ASSERT_NE(at, std::string::npos) << made.out;
  const std::string secret = made.out.substr(at + 8, made.out.find('\n', at) - at - 8);
  const size_t k = made.out.find("/hooks/");
  ASSERT_NE(k, std::string::npos) << made.out;
  const std::string key = made.out.substr(k + 7, made.out.find('\n', k) - k - 7);
  const std::filesystem::path payload = dir_ / "payload.json";
  std::ofstream(payload) << R"({"svc":"from-cli"})";
  auto sent = run_wf(*service_, "", "hook send " + key + " --data @" + payload.string() + " --secret " + secret);
  ASSERT_EQ(sent.first, 0) << sent.second;
  EXPECT_NE(sent.second.find("202 {\"instance_id\":"), std::string::npos) << sent.second;
  // Without the secret the answer is the 401, and the exit code says it failed.
  auto unsigned_send = run_wf(*service_, "", "hook send " + key + " --data '{}'");
  EXPECT_EQ(unsigned_send.first, 2) << unsigned_send.second;
  EXPECT_NE(unsigned_send.second.find("401"), std::string::npos) << unsigned_send.second;
  auto shown = run_wf(*service_, service_->admin_token(), "hook show cli");
  ASSERT_EQ(shown.first, 0) << shown.second;
  EXPECT_NE(shown.second.find("started"), std::string::npos) << shown.second;
  EXPECT_NE(shown.second.find("rejected"), std::string::npos) << shown.second;
  auto listed = run_wf(*service_, service_->admin_token(), "hook ls");
  EXPECT_NE(listed.second.find("start deploy"), std::string::npos) << listed.second;
  auto rotated = run_wf_apart(*service_, service_->admin_token(), "hook rotate cli --expire-old 1h", dir_ / "err2");
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_EQ(rotated.out.rfind("whsec_", 0), 0u) << rotated.out;
  EXPECT_EQ(run_wf(*service_, service_->admin_token(), "hook rm cli").first, 0);
  EXPECT_EQ(run_wf(*service_, "", "hook send " + key + " --data @" + payload.string() + " --secret " + secret).first, 2);
}

// The shell example of docs/operations.md "Hooks" (openssl and curl), run as written with this
// hook's URL and secret: what the documentation tells users to paste works.
TEST_F(Hooks, TheDocumentedOpensslAndCurlExampleIsAccepted) {
  if (run_shell("command -v openssl >/dev/null && command -v curl >/dev/null").first != 0) GTEST_SKIP() << "no openssl or curl";
  std::ifstream in(std::filesystem::path(WF_SOURCE_DIR) / "docs" / "operations.md");
  const std::string doc((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t section = doc.find("Signing from a shell");
  ASSERT_NE(section, std::string::npos);
  const size_t open = doc.find("```sh\n", section), close = doc.find("```\n", open + 6);
  ASSERT_NE(close, std::string::npos);
  std::string script = doc.substr(open + 6, close - open - 6);
  const json hook = create({{"name", "doc"}, {"workflow", "deploy"}, {"params", {{"service", "/repository/name"}}}});
  // Its first two lines set URL and SECRET to placeholders.
  const size_t second = script.find('\n', script.find('\n') + 1);
  ASSERT_EQ(script.rfind("URL=", 0), 0u) << script;
  script = "URL=" + service_->url() + hook["path"].get<std::string>() + "\nSECRET='" + hook["secret"].get<std::string>() + "'" +
           script.substr(second);
  const std::filesystem::path file = dir_ / "sign.sh";
  std::ofstream(file) << script;
  auto [code, out] = run_shell("bash '" + file.string() + "' 2>&1");
  ASSERT_EQ(code, 0) << out;
  const json answer = json::parse(out, nullptr, false);
  ASSERT_TRUE(answer.is_object() && answer.contains("instance_id")) << out;
  EXPECT_EQ(instance(*api_, answer["instance_id"].get<int64_t>())["params"], json({{"service", "billing"}}));
}

}  // namespace
}  // namespace wf::testing
