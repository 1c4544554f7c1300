// What each channel sends (runtime/notify/messages.h) and when a notification is tried again
// (retry_policy.h), without a network.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "runtime/notify/messages.h"
#include "runtime/notify/retry_policy.h"

namespace wf::notify {
namespace {

using nlohmann::json;

store::NotificationRow row(const std::string& channel) {
  store::NotificationRow n;
  n.id = 12;
  n.org_id = 1;
  n.instance_id = 34;
  n.workflow = "db_failover";
  n.step = "promote";
  n.channel = channel;
  n.message = "Primary down\nfailing over to db2";
  n.created_at = 1'700'000'000'000;
  return n;
}

std::string header(const Outgoing& o, const std::string& name) {
  for (const std::string& h : o.headers)
    if (h.rfind(name + ": ", 0) == 0) return h.substr(name.size() + 2);
  return "";
}

TEST(NotifyChannels, NamesAreParsedIntoTheConfigurationTheyNeed) {
  EXPECT_EQ(parse_channel("webhook:itsm")->config_name, "itsm");
  EXPECT_EQ(parse_channel("slack:#ops")->target, "#ops");
  EXPECT_EQ(parse_channel("slack:#ops")->config_name, "default");
  EXPECT_EQ(parse_channel("email:a@b.c")->kind, store::ChannelKind::Smtp);
  EXPECT_EQ(parse_channel("pagerduty:oncall")->kind, store::ChannelKind::Pagerduty);
  EXPECT_FALSE(parse_channel("fax:123"));
  EXPECT_FALSE(parse_channel("webhook:"));
  EXPECT_FALSE(parse_channel("nothing"));
}

// The example of the Standard Webhooks specification.
TEST(NotifyChannels, WebhookSignatureMatchesTheStandardWebhooksExample) {
  EXPECT_EQ(webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                              R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(NotifyChannels, WebhookCarriesTheStableIdAndIsSignedWhenThereIsASecret) {
  std::string error;
  auto o = build_request(row("webhook:itsm"), *parse_channel("webhook:itsm"),
                         {{"url", "http://r/x"}, {"secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, {"headers", {{"X-A", "b"}}}},
                         {"acme", 1'700'000'123'000, 15000}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->url, "http://r/x");
  EXPECT_EQ(header(*o, "webhook-id"), "ntf_12");
  EXPECT_EQ(header(*o, "webhook-timestamp"), "1700000123");
  EXPECT_EQ(header(*o, "webhook-signature"),
            webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "ntf_12", 1700000123, o->body));
  EXPECT_EQ(header(*o, "X-A"), "b");
  json body = json::parse(o->body);
  EXPECT_EQ(body["id"], "ntf_12");
  EXPECT_EQ(body["organization"], "acme");
  EXPECT_EQ(body["instance_id"], 34);
  EXPECT_EQ(body["workflow"], "db_failover");
  EXPECT_EQ(body["step"], "promote");
  EXPECT_EQ(body["at"], "2023-11-14T22:13:20Z");
  auto unsigned_request = build_request(row("webhook:itsm"), *parse_channel("webhook:itsm"), {{"url", "http://r/x"}}, {}, error);
  ASSERT_TRUE(unsigned_request);
  EXPECT_EQ(header(*unsigned_request, "webhook-signature"), "");
}

TEST(NotifyChannels, PagerDutyIsAnEventsApiV2Trigger) {
  std::string error;
  auto o = build_request(row("pagerduty:oncall"), *parse_channel("pagerduty:oncall"), {{"routing_key", "KEY"}}, {"acme", 0, 15000}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->url, "https://events.pagerduty.com/v2/enqueue");
  json e = json::parse(o->body);
  EXPECT_EQ(e["routing_key"], "KEY");
  EXPECT_EQ(e["event_action"], "trigger");
  EXPECT_EQ(e["dedup_key"], "ntf_12");
  EXPECT_EQ(e["payload"]["severity"], "error");
  EXPECT_EQ(e["payload"]["source"], "wf/acme");
  EXPECT_EQ(e["payload"]["custom_details"]["instance_id"], 34);
  EXPECT_EQ(e["payload"]["custom_details"]["workflow"], "db_failover");
  EXPECT_FALSE(build_request(row("pagerduty:oncall"), *parse_channel("pagerduty:oncall"), json::object(), {}, error));
}

TEST(NotifyChannels, EmailIsAnRfc5322MessageWithTheFirstLineAsSubject) {
  store::NotificationRow n = row("email:ops@example.org");
  n.message = "Überlauf on db1\nsecond line";
  const std::string m = email_message(n, "wf@example.org", "ops@example.org", "https://wf.example.org", 1'700'000'000'000);
  EXPECT_NE(m.find("Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("Message-ID: <ntf_12@wf>\r\n"), std::string::npos);
  EXPECT_NE(m.find("From: wf@example.org\r\n"), std::string::npos);
  EXPECT_NE(m.find("To: ops@example.org\r\n"), std::string::npos);
  EXPECT_NE(m.find("Subject: =?UTF-8?B?"), std::string::npos) << m;  // not ASCII: an encoded word
  EXPECT_NE(m.find("Content-Type: text/plain; charset=UTF-8\r\n"), std::string::npos);
  EXPECT_NE(m.find("\r\n\r\nÜberlauf on db1\r\nsecond line\r\n"), std::string::npos) << m;
  EXPECT_NE(m.find("https://wf.example.org/instances/34"), std::string::npos);
  std::string error;
  auto o = build_request(row("email:ops@example.org"), *parse_channel("email:ops@example.org"),
                         {{"host", "mail"}, {"tls", "tls"}, {"from", "wf@example.org"}}, {}, error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(o->url, "smtps://mail:465");
  EXPECT_EQ(o->recipients, std::vector<std::string>{"ops@example.org"});
  EXPECT_FALSE(o->require_starttls);
  o = build_request(row("email:ops@example.org"), *parse_channel("email:ops@example.org"),
                    {{"host", "mail"}, {"from", "wf@example.org"}}, {}, error);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->url, "smtp://mail:587");
  EXPECT_TRUE(o->require_starttls);
}

Answer http(long code, int64_t retry_after_ms = -1) {
  Answer a;
  a.code = code;
  a.retry_after_ms = retry_after_ms;
  return a;
}

TEST(NotifyRetries, TransientAndPermanentFailuresAreToldApart) {
  for (long code : {200L, 201L, 204L}) EXPECT_EQ(classify(http(code), false), Verdict::Delivered) << code;
  for (long code : {408L, 425L, 429L, 500L, 502L, 503L}) EXPECT_EQ(classify(http(code), false), Verdict::Transient) << code;
  for (long code : {400L, 401L, 403L, 404L, 410L, 422L}) EXPECT_EQ(classify(http(code), false), Verdict::Permanent) << code;
  Answer refused;
  refused.error = "Couldn't connect to server";
  EXPECT_EQ(classify(refused, false), Verdict::Transient);
  EXPECT_EQ(classify(refused, true), Verdict::Transient);
  Answer greylisted = http(451);
  greylisted.error = "RCPT failed";
  EXPECT_EQ(classify(greylisted, true), Verdict::Transient);
  Answer unknown_user = http(550);
  unknown_user.error = "RCPT failed";
  EXPECT_EQ(classify(unknown_user, true), Verdict::Permanent);
  EXPECT_EQ(classify(http(250), true), Verdict::Delivered);
}

TEST(NotifyRetries, TheScheduleHasJitterHonoursRetryAfterAndEnds) {
  const std::vector<int64_t> s = {0, 5000, 30000};
  EXPECT_EQ(next_delay_ms(s, 1, http(500), 0.0), 5000);
  EXPECT_EQ(next_delay_ms(s, 1, http(500), 0.99), 5495);
  EXPECT_EQ(next_delay_ms(s, 2, http(500), 0.5), 31500);
  EXPECT_FALSE(next_delay_ms(s, 3, http(500), 0.0));
  EXPECT_EQ(next_delay_ms(s, 1, http(429, 60000), 0.0), 60000);
  EXPECT_EQ(next_delay_ms(s, 1, http(503, 2000), 0.0), 5000);  // the schedule's is later
  EXPECT_EQ(next_delay_ms(s, 1, http(500, 60000), 0.0), 5000);  // only 429 and 503
  EXPECT_EQ(default_schedule().size(), 9u);
  std::string error;
  EXPECT_TRUE(parse_schedule("[0, 100]", error));
  EXPECT_FALSE(parse_schedule("[]", error));
  EXPECT_FALSE(parse_schedule("[-1]", error));
  EXPECT_FALSE(parse_schedule("{}", error));
}

}  // namespace
}  // namespace wf::notify
