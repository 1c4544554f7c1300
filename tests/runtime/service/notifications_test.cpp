// Notifications delivered to real receivers on 127.0.0.1 (SPEC §4.9): a scripted HTTP receiver
// (notification_receiver.py) for webhooks, Slack and PagerDuty, and Debian's aiosmtpd for email;
// retries, Retry-After, dead letters and their replay, and a kill -9 of the service with
// deliveries under way.
#include <set>

#include "runtime/store/changes.h"
#include "runtime/store/database.h"
#include "notification_receivers.h"
#include "scrape.h"
#include "service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

class NotificationsTest : public ServiceTest {
 protected:
  NotificationsTest() : ServiceTest("wf-notify") {}
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    ASSERT_TRUE(receiver_.start(dir_));
  }

  void schedule(json delays) {
    auto r = api_->post("/api/v1/notification-settings", json({{"retry_schedule_ms", delays}}).dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }
  void channel(const json& body) {
    auto r = api_->post("/api/v1/notification-channels", body.dump());
    ASSERT_EQ(r.status, 201) << r.body;
  }
  // Runs a workflow made of `body` and waits for it to end; its instance id.
  int64_t run(const std::string& body) {
    const std::string name = push(*api_, "n.wf", "workflow notifying() {\n" + body + "\n}\n");
    EXPECT_EQ(name, "notifying");
    const int64_t id = start(*api_, name, json::object());
    EXPECT_GT(id, 0);
    EXPECT_EQ(wait_ended(*api_, id).value("status", ""), "completed");
    return id;
  }
  json notifications(const std::string& query = "") { return body_json(api_->get("/api/v1/notifications" + query))["items"]; }
  // The notification `id` once its status is `status` (as it is when 20 s pass).
  json wait_notification(int64_t id, const std::string& status, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    json n;
    wait_until([&] {
      n = body_json(api_->get("/api/v1/notifications/" + std::to_string(id)));
      return n.value("status", "") == status;
    }, timeout);
    return n;
  }
  int64_t only_notification(int64_t instance) {
    json items = notifications("?instance=" + std::to_string(instance));
    EXPECT_EQ(items.size(), 1u) << items.dump();
    return items.empty() ? 0 : items[0]["id"].get<int64_t>();
  }

  std::string instance_status(int64_t id) { return instance(*api_, id).value("status", ""); }

  Receiver receiver_;
};

TEST_F(NotificationsTest, WebhookIsRetriedUntilDeliveredSignedWithOneStableId) {
  schedule({0, 200, 200, 200});
  const std::string secret = whsec("a webhook secret");
  receiver_.script("/hook", {{{"status", 500}}, {{"status", 500}}, {{"status", 200}}}, secret);
  channel({{"kind", "webhook"}, {"name", "ops"}, {"config", {{"url", receiver_.url() + "/hook"}, {"secret", secret},
                                                              {"headers", {{"X-Team", "ops"}}}}}});
  const int64_t instance = run("  notify \"disk full on db1\" to webhook(\"ops\")");
  const int64_t id = only_notification(instance);
  json n = wait_notification(id, "delivered");
  ASSERT_EQ(n.value("status", ""), "delivered") << n.dump();
  EXPECT_EQ(n["attempts"], 3);
  ASSERT_EQ(n["attempt_log"].size(), 3u);
  EXPECT_EQ(n["attempt_log"][0]["code"], 500);
  EXPECT_EQ(n["attempt_log"][1]["outcome"], "failed");
  EXPECT_EQ(n["attempt_log"][2]["code"], 200);
  EXPECT_EQ(n["attempt_log"][2]["outcome"], "delivered");

  json got = receiver_.received("/hook");
  ASSERT_EQ(got.size(), 3u) << got.dump();
  const std::string stable = "ntf_" + std::to_string(id);
  for (const json& r : got) {
    EXPECT_EQ(r["headers"].value("webhook-id", ""), stable);
    EXPECT_EQ(r["signature_ok"], true) << r.dump();
    EXPECT_EQ(r["headers"].value("x-team", ""), "ops");
    json body = json::parse(r["body"].get<std::string>());
    EXPECT_EQ(body["id"], stable);
    EXPECT_EQ(body["instance_id"], instance);
    EXPECT_EQ(body["workflow"], "notifying");
    EXPECT_EQ(body["message"], "disk full on db1");
    EXPECT_EQ(body["organization"], "default") << body.dump();
    EXPECT_TRUE(body.contains("at") && body.contains("step"));
  }
  // The attempts are in the instance's execution log and among its events; the workflow did not fail.
  json log = body_json(api_->get("/api/v1/instances/" + std::to_string(instance) + "/log"));
  EXPECT_NE(log.dump().find("delivered (attempt 3"), std::string::npos) << log.dump();
  EXPECT_NE(log.dump().find("failed (attempt 1)"), std::string::npos) << log.dump();
  EXPECT_EQ(instance_status(instance), "completed");
}

TEST_F(NotificationsTest, RetryAfterOf429IsHonoured) {
  schedule({0, 100, 100});
  receiver_.script("/busy", {{{"status", 429}, {"retry_after", 2}}, {{"status", 200}}});
  channel({{"kind", "webhook"}, {"name", "busy"}, {"config", {{"url", receiver_.url() + "/busy"}}}});
  const int64_t id = only_notification(run("  notify \"wait for it\" to webhook(\"busy\")"));
  EXPECT_EQ(wait_notification(id, "delivered").value("status", ""), "delivered");
  json got = receiver_.received("/busy");
  ASSERT_EQ(got.size(), 2u) << got.dump();
  EXPECT_GE(got[1]["at"].get<double>() - got[0]["at"].get<double>(), 1.95) << got.dump();
}

// The delivery keeps what it read of a channel for a few seconds; a change through the API is
// used from the next attempt on.
TEST_F(NotificationsTest, AChangedChannelIsUsedFromTheNextAttempt) {
  schedule({0, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100,
            100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100});
  receiver_.script("/old", {{{"status", 503}}});
  receiver_.script("/new", {{{"status", 200}}});
  channel({{"kind", "webhook"}, {"name", "moving"}, {"config", {{"url", receiver_.url() + "/old"}}}});
  const int64_t id = only_notification(run("  notify \"moved\" to webhook(\"moving\")"));
  ASSERT_TRUE(wait_until([&] { return receiver_.received("/old").size() >= 2; }, std::chrono::seconds(20)));
  channel({{"kind", "webhook"}, {"name", "moving"}, {"config", {{"url", receiver_.url() + "/new"}}}});
  const size_t old_before = receiver_.received("/old").size();
  EXPECT_EQ(wait_notification(id, "delivered").value("status", ""), "delivered");
  EXPECT_EQ(receiver_.received("/new").size(), 1u);
  // At most the attempt under way when the channel changed still went to the old address.
  EXPECT_LE(receiver_.received("/old").size(), old_before + 1);
}

TEST_F(NotificationsTest, PermanentFailureIsDeadLetteredAtOnceAndReplayedWhenFixed) {
  schedule({0, 100, 100, 100});
  receiver_.script("/strict", {{{"status", 400}}});
  channel({{"kind", "webhook"}, {"name", "strict"}, {"config", {{"url", receiver_.url() + "/strict"}}}});
  const int64_t id = only_notification(run("  notify \"rejected\" to webhook(\"strict\")"));
  json n = wait_notification(id, "dead");
  ASSERT_EQ(n.value("status", ""), "dead") << n.dump();
  EXPECT_EQ(n["attempts"], 1);
  EXPECT_EQ(receiver_.received("/strict").size(), 1u);
  json dead = body_json(api_->get("/api/v1/notifications/dead-letters"));
  ASSERT_EQ(dead["items"].size(), 1u) << dead.dump();
  EXPECT_EQ(dead["items"][0]["id"], id);
  EXPECT_EQ(dead["items"][0]["attempt_log"][0]["code"], 400);
  // Replaying what is not dead-lettered is a conflict; a replay after the receiver is fixed delivers.
  receiver_.script("/strict", {{{"status", 200}}});
  auto r = api_->post("/api/v1/notifications/dead-letters/" + std::to_string(id) + "/replay", "");
  ASSERT_EQ(r.status, 200) << r.body;
  n = wait_notification(id, "delivered");
  EXPECT_EQ(n.value("status", ""), "delivered") << n.dump();
  EXPECT_EQ(n["attempts"], 2);
  json got = receiver_.received("/strict");
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["headers"]["webhook-id"], got[1]["headers"]["webhook-id"]);
  EXPECT_EQ(api_->post("/api/v1/notifications/dead-letters/" + std::to_string(id) + "/replay", "").status, 409);
  EXPECT_TRUE(body_json(api_->get("/api/v1/notifications/dead-letters"))["items"].empty());
}

TEST_F(NotificationsTest, ReplaySinceATimeSendsEveryDeadLetterAgain) {
  schedule({0});
  receiver_.script("/down", {{{"status", 503}}});
  channel({{"kind", "webhook"}, {"name", "down"}, {"config", {{"url", receiver_.url() + "/down"}}}});
  const int64_t instance = run("  notify \"one\" to webhook(\"down\")\n  notify \"two\" to webhook(\"down\")");
  json items = notifications("?instance=" + std::to_string(instance));
  ASSERT_EQ(items.size(), 2u);
  for (const json& n : items) EXPECT_EQ(wait_notification(n["id"], "dead").value("status", ""), "dead");
  EXPECT_EQ(api_->post("/api/v1/notifications/dead-letters/replay", "{}").status, 400);
  receiver_.script("/down", {{{"status", 204}}});
  auto r = api_->post("/api/v1/notifications/dead-letters/replay", json({{"since", "2000-01-01T00:00:00Z"}}).dump());
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body_json(r)["replayed"].size(), 2u);
  for (const json& n : items) EXPECT_EQ(wait_notification(n["id"], "delivered").value("status", ""), "delivered");
}

// Transfers reuse curl's handles: what one channel's request carried (its headers, its secret's
// signature) never reaches another's.
TEST_F(NotificationsTest, OneChannelsHeadersNeverReachAnother) {
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  receiver_.script("/team", {{{"status", 200}}}, secret);
  channel({{"kind", "webhook"}, {"name", "team"}, {"config", {{"url", receiver_.url() + "/team"}, {"headers", {{"X-Team", "blue"}}},
                                                               {"secret", secret}}}});
  channel({{"kind", "webhook"}, {"name", "plain"}, {"config", {{"url", receiver_.url() + "/plain"}}}});
  const int64_t instance = run("  for k in [1, 2, 3, 4, 5, 6] {\n    notify \"t {{k}}\" to webhook(\"team\")\n"
                               "    notify \"p {{k}}\" to webhook(\"plain\")\n  }");
  for (const json& n : notifications("?instance=" + std::to_string(instance)))
    EXPECT_EQ(wait_notification(n["id"], "delivered").value("status", ""), "delivered");
  json team = receiver_.received("/team"), plain = receiver_.received("/plain");
  ASSERT_EQ(team.size(), 6u);
  ASSERT_EQ(plain.size(), 6u);
  for (const json& r : team) {
    EXPECT_EQ(r["headers"].value("x-team", r["headers"].value("X-Team", "")), "blue") << r.dump();
    EXPECT_TRUE(r.value("signature_ok", false)) << r.dump();
  }
  for (const json& r : plain) {
    EXPECT_FALSE(r["headers"].contains("x-team") || r["headers"].contains("X-Team")) << r.dump();
    EXPECT_FALSE(r["headers"].contains("webhook-signature")) << r.dump();
  }
}

TEST_F(NotificationsTest, UnknownChannelIsDeadLetteredAtOnceWithoutFailingTheWorkflow) {
  const int64_t instance = run("  notify \"to nowhere\" to webhook(\"nobody\")");
  const int64_t id = only_notification(instance);
  json n = wait_notification(id, "dead");
  ASSERT_EQ(n.value("status", ""), "dead") << n.dump();
  EXPECT_NE(n.value("last_error", "").find("unknown channel"), std::string::npos) << n.dump();
  EXPECT_EQ(instance_status(instance), "completed");
}

TEST_F(NotificationsTest, SlackMessageHasTheDocumentedShape) {
  channel({{"kind", "slack"}, {"config", {{"url", receiver_.url() + "/slack"}, {"console_url", "https://wf.example.org/"}}}});
  const int64_t instance = run("  notify \"backup done\" to slack(\"#ops\")");
  EXPECT_EQ(wait_notification(only_notification(instance), "delivered").value("status", ""), "delivered");
  json got = receiver_.received("/slack");
  ASSERT_EQ(got.size(), 1u);
  json body = json::parse(got[0]["body"].get<std::string>());
  EXPECT_EQ(body["channel"], "#ops");
  const std::string text = body.value("text", "");
  EXPECT_NE(text.find("backup done"), std::string::npos) << text;
  EXPECT_NE(text.find("<https://wf.example.org/instances/" + std::to_string(instance) + "|"), std::string::npos) << text;
  // The channel's URL is its secret: never answered back.
  json listed = body_json(api_->get("/api/v1/notification-channels/slack:default"));
  EXPECT_EQ(listed["config"]["url"], "(set)") << listed.dump();
}

// A notification row written straight into the store of a stopped service is sent when it
// starts: the delivery of a `pagerduty:NAME` channel, and what a restart finds pending.
TEST_F(NotificationsTest, PagerDutyEventHasTheDocumentedShape) {
  channel({{"kind", "pagerduty"}, {"name", "oncall"},
           {"config", {{"routing_key", "R0UTINGKEY"}, {"events_url", receiver_.url() + "/pd"}, {"severity", "critical"}}}});
  ASSERT_EQ(service_->stop(), 0);
  {
    std::string error;
    auto db = store::Database::open((dir_ / "data" / "wf.db").string(), {}, error);
    ASSERT_TRUE(db) << error;
    store::Changes ch;
    store::NotificationRow n;
    n.id = 41;
    n.org_id = 1;
    n.instance_id = 7;
    n.workflow = "db_failover";
    n.step = "promote";
    n.channel = "pagerduty:oncall";
    n.message = "primary db down";
    n.created_at = n.next_attempt_at.emplace(1'700'000'000'000);
    ch.notifications.push_back(n);
    ASSERT_TRUE(db->exec("BEGIN", &error)) << error;
    ASSERT_TRUE(store::write_changes(*db, ch, error)) << error;
    ASSERT_TRUE(db->exec("COMMIT", &error)) << error;
  }
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  EXPECT_EQ(wait_notification(41, "delivered").value("status", ""), "delivered");
  json got = receiver_.received("/pd");
  ASSERT_EQ(got.size(), 1u);
  json e = json::parse(got[0]["body"].get<std::string>());
  EXPECT_EQ(e["routing_key"], "R0UTINGKEY");
  EXPECT_EQ(e["event_action"], "trigger");
  EXPECT_EQ(e["dedup_key"], "ntf_41");
  EXPECT_EQ(e["payload"]["summary"], "primary db down");
  EXPECT_EQ(e["payload"]["severity"], "critical");
  EXPECT_FALSE(e["payload"].value("source", "").empty());
  EXPECT_EQ(e["payload"]["custom_details"]["instance_id"], 7);
  EXPECT_EQ(e["payload"]["custom_details"]["workflow"], "db_failover");
}

TEST_F(NotificationsTest, EmailReachesAnSmtpServerAsAnRfc5322Message) {
  SmtpServer smtp;
  ASSERT_TRUE(smtp.start(dir_)) << smtp.mail();
  const int port = smtp.port();
  channel({{"kind", "smtp"},
           {"config", {{"host", "127.0.0.1"}, {"port", port}, {"tls", "none"}, {"from", "wf@example.org"}}}});
  const int64_t instance = run("  notify \"Disk full on db1\\nOnly 2% left on /var.\" to email(\"ops@example.org\")");
  const int64_t id = only_notification(instance);
  json n = wait_notification(id, "delivered");
  ASSERT_EQ(n.value("status", ""), "delivered") << n.dump() << smtp.mail();
  std::string mail;
  wait_until([&] { return (mail = smtp.mail()).find("Only 2% left") != std::string::npos; }, std::chrono::seconds(10));
  EXPECT_NE(mail.find("Subject: Disk full on db1"), std::string::npos) << mail;
  EXPECT_NE(mail.find("From: wf@example.org"), std::string::npos) << mail;
  EXPECT_NE(mail.find("To: ops@example.org"), std::string::npos) << mail;
  EXPECT_NE(mail.find("Message-ID: <ntf_" + std::to_string(id) + "@wf>"), std::string::npos) << mail;
  EXPECT_NE(mail.find("Date: "), std::string::npos) << mail;
  EXPECT_NE(mail.find("Content-Type: text/plain; charset=UTF-8"), std::string::npos) << mail;
  EXPECT_NE(mail.find("Only 2% left on /var."), std::string::npos) << mail;
}

TEST_F(NotificationsTest, KillNineWhileDeliveringLosesNone) {
  schedule({0, 200, 200, 200, 200});
  // The receiver is slow: the service is killed while deliveries wait for their answers.
  receiver_.script("/slow", {{{"status", 200}, {"delay_ms", 3000}}});
  channel({{"kind", "webhook"}, {"name", "slow"}, {"config", {{"url", receiver_.url() + "/slow"}}}});
  const int64_t instance = run("  for k in [1, 2, 3, 4, 5] {\n    notify \"note {{k}}\" to webhook(\"slow\")\n  }");
  json items = notifications("?instance=" + std::to_string(instance));
  ASSERT_EQ(items.size(), 5u);
  std::set<std::string> ids;
  for (const json& n : items) ids.insert("ntf_" + std::to_string(n["id"].get<int64_t>()));
  ASSERT_TRUE(wait_until([&] { return !receiver_.received("/slow").empty(); }, std::chrono::seconds(10)));
  service_->kill9();
  receiver_.script("/slow", {{{"status", 200}}});
  ASSERT_TRUE(service_->start()) << service_->log();
  api_ = service_->admin();
  for (const json& n : items) EXPECT_EQ(wait_notification(n["id"], "delivered").value("status", ""), "delivered");
  std::set<std::string> seen;
  for (const json& r : receiver_.received("/slow")) {
    const std::string id = r["headers"].value("webhook-id", "");
    EXPECT_EQ(json::parse(r["body"].get<std::string>())["id"], id);  // a resend carries its own id
    EXPECT_TRUE(ids.count(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen, ids);
}

TEST_F(NotificationsTest, ChannelsAreValidatedAndTheirSecretsNeverEchoed) {
  EXPECT_EQ(api_->post("/api/v1/notification-channels", json({{"kind", "fax"}, {"name", "x"}, {"config", json::object()}}).dump()).status, 400);
  EXPECT_EQ(api_->post("/api/v1/notification-channels",
                       json({{"kind", "webhook"}, {"name", "x"}, {"config", {{"url", "ftp://x"}}}}).dump()).status, 400);
  EXPECT_EQ(api_->post("/api/v1/notification-channels", json({{"kind", "pagerduty"}, {"name", "x"}, {"config", json::object()}}).dump()).status,
            400);
  EXPECT_EQ(api_->post("/api/v1/notification-settings", json({{"retry_schedule_ms", json::array()}}).dump()).status, 400);
  channel({{"kind", "webhook"}, {"name", "ops"}, {"config", {{"url", "http://127.0.0.1:9/x"}, {"secret", "s3cret"}, {"headers", {{"Authorization", "Bearer t0ken"}}}}}});
  auto all = api_->get("/api/v1/notification-channels");
  EXPECT_EQ(all.body.find("s3cret"), std::string::npos) << all.body;
  EXPECT_EQ(all.body.find("t0ken"), std::string::npos) << all.body;
  EXPECT_EQ(body_json(all)["items"][0]["id"], "webhook:ops");
  EXPECT_EQ(api_->get("/api/v1/notification-channels/webhook:nope").status, 404);
  EXPECT_EQ(api_->get("/api/v1/notification-channels/nokind").status, 404);
  auto gone = api_->request("DELETE", "/api/v1/notification-channels/webhook:ops");
  EXPECT_EQ(gone.status, 204);
  EXPECT_TRUE(body_json(api_->get("/api/v1/notification-channels"))["items"].empty());
  EXPECT_EQ(api_->get("/api/v1/notifications?status=lost").status, 400);
}

// /metrics counts every attempt by the channel's kind and its outcome, times it, and holds the
// notifications not yet delivered: a webhook delivered on its second attempt, one dead-lettered
// at once, and one whose receiver takes 2 s, pending meanwhile.
TEST_F(NotificationsTest, MetricsCountAttemptsByOutcomeAndTheOnesPending) {
  schedule({0, 100, 100});
  receiver_.script("/flaky", {{{"status", 500}}, {{"status", 200}}});
  receiver_.script("/strict", {{{"status", 400}}});
  receiver_.script("/slow", {{{"status", 200}, {"delay_ms", 2000}}});
  for (const std::string name : {"flaky", "strict", "slow"})
    channel({{"kind", "webhook"}, {"name", name}, {"config", {{"url", receiver_.url() + "/" + name}}}});
  auto scrape = [&](std::string* text = nullptr) {
    const auto r = api_->get("/metrics");
    EXPECT_EQ(r.status, 200) << r.body;
    if (text) *text = r.body;
    return scrape_samples(r.body);
  };
  const std::string delivered = R"(wf_notifications_total{kind="webhook",outcome="delivered"})";
  const std::string failed = R"(wf_notifications_total{kind="webhook",outcome="failed"})";
  const std::string dead = R"(wf_notifications_total{kind="webhook",outcome="dead"})";
  const std::string timed = R"(wf_notification_attempt_duration_seconds_count{kind="webhook"})";
  const std::string timed_sum = R"(wf_notification_attempt_duration_seconds_sum{kind="webhook"})";
  const auto before = scrape();
  ASSERT_EQ(sample_or_zero(before, "wf_notifications_pending"), 0) << "the gauge is written even at 0";
  ASSERT_TRUE(before.count("wf_notifications_pending"));

  const int64_t instance = run("  notify \"flaky\" to webhook(\"flaky\")\n  notify \"strict\" to webhook(\"strict\")\n"
                               "  notify \"slow\" to webhook(\"slow\")");
  // While the slow receiver holds its answer, its notification is the one pending.
  std::map<std::string, double> now;
  EXPECT_TRUE(wait_until([&] {
    now = scrape();
    return sample_or_zero(now, delivered) - sample_or_zero(before, delivered) == 1 &&
           sample_or_zero(now, dead) - sample_or_zero(before, dead) == 1 && sample_or_zero(now, "wf_notifications_pending") == 1;
  }, std::chrono::seconds(20)));
  for (const json& n : notifications("?instance=" + std::to_string(instance)))
    EXPECT_NE(wait_notification(n["id"], n["message"] == "strict" ? "dead" : "delivered").value("status", ""), "pending");
  std::string text;
  EXPECT_TRUE(wait_until([&] {
    now = scrape(&text);
    return sample_or_zero(now, delivered) - sample_or_zero(before, delivered) >= 2;
  }, std::chrono::seconds(20)));
  EXPECT_EQ(sample_or_zero(now, delivered) - sample_or_zero(before, delivered), 2) << text;
  EXPECT_EQ(sample_or_zero(now, failed) - sample_or_zero(before, failed), 1) << text;
  EXPECT_EQ(sample_or_zero(now, dead) - sample_or_zero(before, dead), 1) << text;
  EXPECT_EQ(sample_or_zero(now, timed) - sample_or_zero(before, timed), 4) << text;
  EXPECT_GE(sample_or_zero(now, timed_sum) - sample_or_zero(before, timed_sum), 1.9) << text;  // the slow answer's 2 s
  EXPECT_EQ(sample_or_zero(now, "wf_notifications_pending"), 0) << text;
  if (::access("/usr/bin/promtool", X_OK) == 0) {
    std::string said;
    EXPECT_EQ(promtool_check(dir_ / "scrape.txt", text, said), 0) << said << "\n" << text;
  }
}

}  // namespace
}  // namespace wf::testing
