// `wf run` and `wf repl` with notifications (SPEC §4.9): without a channels file each `notify`
// shows the request the service would send and sends nothing; with `--notify FILE` it is sent to
// real receivers on 127.0.0.1 through the service's own code, a failed delivery never fails the
// run, and a bad channels file stops the command before the workflow starts.
#include <fmt/format.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "local/notifier.h"
#include "notification_receivers.h"
#include "service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

const char* const kWorkflow = R"(workflow alerting() -> string {
  step "check" {
    notify "disk full on db1\nonly 2% left" to [webhook("ops"), slack("#ops"), email("a@example.com")]
  }
  return "done"
}
)";

class LocalNotifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("wf-local-notify");
    ASSERT_TRUE(receiver_.start(dir_));
    write("alerting.wf", kWorkflow);
  }
  void TearDown() override {
    std::error_code ec;
    if (!HasFailure()) std::filesystem::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  // `wf ARGS` with `input` on its stdin, its stdout and stderr apart.
  WfOutput wf(const std::string& args, const std::string& input = "") {
    const std::string in = write("stdin.txt", input);
    WfOutput r;
    const auto err = dir_ / "stderr.txt";
    std::tie(r.exit_code, r.out) =
        run_shell(fmt::format("'{}' {} <'{}' 2>'{}'", WF_BINARY, args, in, err.string()));
    r.err = file_bytes(err);
    return r;
  }
  json channels(int smtp_port) {
    return {{"organization", "acme"},
            {"webhook", {{"ops", {{"url", receiver_.url() + "/hook"}, {"secret", secret_}, {"headers", {{"X-Team", "ops"}}}}}}},
            {"slack", {{"url", receiver_.url() + "/slack"}}},
            {"smtp", {{"host", "127.0.0.1"}, {"port", smtp_port}, {"tls", "none"}, {"from", "wf@example.org"}}}};
  }
  // The line of `text` that holds `needle`, without the indentation before it.
  static std::string line_with(const std::string& text, const std::string& needle) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
      if (line.find(needle) != std::string::npos) return line.substr(line.find_first_not_of(' '));
    return "";
  }

  std::filesystem::path dir_;
  Receiver receiver_;
  const std::string secret_ = whsec("a local run's webhook secret");
};

TEST_F(LocalNotifyTest, RunWithAChannelsFileSendsEachNotifyThroughTheServicesCode) {
  SmtpServer smtp;
  ASSERT_TRUE(smtp.start(dir_)) << smtp.mail();
  receiver_.script("/hook", {{{"status", 200}}}, secret_);
  const std::string file = write("channels.json", channels(smtp.port()).dump());
  const WfOutput r = wf(fmt::format("run '{}' --notify '{}'", (dir_ / "alerting.wf").string(), file));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\"done\"\n");

  const json hook = receiver_.received("/hook");
  ASSERT_EQ(hook.size(), 1u) << r.err;
  EXPECT_EQ(hook[0]["signature_ok"], true) << hook.dump();
  EXPECT_EQ(hook[0]["headers"].value("x-team", ""), "ops");
  EXPECT_EQ(hook[0]["headers"].value("webhook-id", ""), "ntf_1");
  const json body = json::parse(hook[0]["body"].get<std::string>());
  EXPECT_EQ(body["id"], "ntf_1");
  EXPECT_EQ(body["organization"], "acme");
  EXPECT_TRUE(body["instance_id"].is_null());
  EXPECT_EQ(body["workflow"], "alerting");
  EXPECT_EQ(body["step"], "check");
  EXPECT_EQ(body["message"], "disk full on db1\nonly 2% left");
  // The timeline shows the very body the receiver got, and the outcome.
  EXPECT_EQ(line_with(r.err, "\"id\":\"ntf_1\""), hook[0]["body"].get<std::string>()) << r.err;
  EXPECT_NE(r.err.find("webhook:ops → POST " + receiver_.url() + "/hook"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("X-Team: (from the channels file)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("webhook:ops: delivered (HTTP 200 in "), std::string::npos) << r.err;

  const json slack = receiver_.received("/slack");
  ASSERT_EQ(slack.size(), 1u) << r.err;
  EXPECT_EQ(json::parse(slack[0]["body"].get<std::string>()),
            json({{"channel", "#ops"}, {"text", "*alerting*: disk full on db1\nonly 2% left"}, {"mrkdwn", true}}));
  EXPECT_EQ(line_with(r.err, "{\"channel\":\"#ops\""), slack[0]["body"].get<std::string>()) << r.err;
  EXPECT_NE(r.err.find("slack:#ops: delivered (HTTP 200 in "), std::string::npos) << r.err;
  // The incoming webhook's URL is a credential: its path is not shown.
  EXPECT_NE(r.err.find("slack:#ops → POST " + receiver_.url() + "/… (the rest from the channels file)"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(receiver_.url() + "/slack"), std::string::npos) << r.err;

  std::string mail;
  ASSERT_TRUE(wait_until([&] { return (mail = smtp.mail()).find("only 2% left") != std::string::npos; }, std::chrono::seconds(10)))
      << mail << r.err;
  EXPECT_NE(mail.find("Subject: disk full on db1"), std::string::npos) << mail;
  EXPECT_NE(mail.find("From: wf@example.org"), std::string::npos) << mail;
  EXPECT_NE(mail.find("To: a@example.com"), std::string::npos) << mail;
  EXPECT_NE(mail.find("Message-ID: <ntf_3@wf>"), std::string::npos) << mail;
  EXPECT_NE(r.err.find(fmt::format("email:a@example.com → SMTP smtp://127.0.0.1:{}, from wf@example.org to a@example.com", smtp.port())),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("email:a@example.com: delivered (SMTP reply 250 in "), std::string::npos) << r.err;
}

TEST_F(LocalNotifyTest, RunWithoutAChannelsFileShowsWhatTheReceiverWouldGetAndSendsNothing) {
  const WfOutput shown = wf(fmt::format("run '{}'", (dir_ / "alerting.wf").string()));
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.err.find("not sent (no channels file"), std::string::npos) << shown.err;
  EXPECT_NE(shown.err.find("webhook:ops → POST <the url of webhook \"ops\">"), std::string::npos) << shown.err;
  EXPECT_NE(shown.err.find("slack:#ops → POST <the Slack incoming-webhook url>"), std::string::npos) << shown.err;
  EXPECT_NE(shown.err.find("email:a@example.com → SMTP <the SMTP relay>"), std::string::npos) << shown.err;
  EXPECT_NE(shown.err.find("Subject: disk full on db1"), std::string::npos) << shown.err;
  EXPECT_EQ(shown.err.find("delivered"), std::string::npos) << shown.err;
  EXPECT_TRUE(receiver_.received("/hook").empty());

  // Sent for real (the file gives no organization: "local" as shown), the receiver gets that
  // body, but for the time it was made at.
  json file = channels(1);
  file.erase("organization");
  file.erase("smtp");
  const WfOutput sent = wf(fmt::format("run '{}' --notify '{}'", (dir_ / "alerting.wf").string(), write("channels.json", file.dump())));
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  const json hook = receiver_.received("/hook");
  ASSERT_EQ(hook.size(), 1u) << sent.err;
  json got = json::parse(hook[0]["body"].get<std::string>());
  json printed = json::parse(line_with(shown.err, "\"id\":\"ntf_1\""), nullptr, false);
  ASSERT_TRUE(printed.is_object()) << shown.err;
  EXPECT_FALSE(printed.value("at", "").empty());
  got.erase("at");
  printed.erase("at");
  EXPECT_EQ(printed, got);
  EXPECT_EQ(printed["organization"], "local");
  // The email, which this file does not configure, is not sent, and says so.
  EXPECT_NE(sent.err.find("email:a@example.com: not sent: the channels file has no `smtp`"), std::string::npos) << sent.err;
}

TEST_F(LocalNotifyTest, AReceiverAnswering500IsAFailureShownAndTheRunStillCompletes) {
  receiver_.script("/hook", {{{"status", 500}}}, secret_);
  json file = channels(1);
  file.erase("smtp");
  const WfOutput r = wf(fmt::format("run '{}' --notify '{}'", (dir_ / "alerting.wf").string(), write("channels.json", file.dump())));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "\"done\"\n");
  const json hook = receiver_.received("/hook");
  ASSERT_EQ(hook.size(), 3u) << r.err;  // a first attempt and two immediate retries
  for (const json& h : hook) EXPECT_EQ(h["headers"].value("webhook-id", ""), "ntf_1");
  EXPECT_NE(r.err.find("webhook:ops: attempt 1 of 3 failed (HTTP 500 in "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("webhook:ops: attempt 2 of 3 failed (HTTP 500 in "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("webhook:ops: not delivered after 3 attempts: HTTP 500 in "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("workflow alerting completed"), std::string::npos) << r.err;
  // A permanent answer is not tried again.
  receiver_.script("/slack", {{{"status", 404}}});
  EXPECT_EQ(receiver_.received("/slack").size(), 1u);
  const WfOutput again = wf(fmt::format("run '{}' --notify '{}'", (dir_ / "alerting.wf").string(), write("channels.json", file.dump())));
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(receiver_.received("/slack").size(), 2u) << again.err;
  EXPECT_NE(again.err.find(" ms, a permanent failure"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("slack:#ops: not delivered: HTTP 404 in "), std::string::npos) << again.err;
}

TEST_F(LocalNotifyTest, ABadChannelsFileIsAUsageErrorBeforeTheWorkflowStarts) {
  const std::string wf_file = (dir_ / "alerting.wf").string();
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not a JSON channels file"},
      {"[]", "a channels file is a JSON object whose keys are channel kinds (webhook, slack, smtp or pagerduty)"},
      {R"({"teams": {"url": "https://x.example"}})", "unknown channel kind `teams`"},
      {R"({"webhook": {"ops": {"url": "ftp://x.example"}}})", "webhook `ops`: `url` must be an http(s) URL"},
      {R"({"webhook": {"url": "https://x.example"}})", "webhook `url` must be an object"},
      {R"({"smtp": {"host": "relay.example"}})", "`smtp`: `from` is required"},
      {R"({"pagerduty": {"oncall": {}}})", "pagerduty `oncall`: `routing_key` is required"},
  };
  for (const auto& [text, message] : cases) {
    const std::string file = write("bad.json", text);
    const WfOutput r = wf(fmt::format("run '{}' --notify '{}'", wf_file, file));
    EXPECT_EQ(r.exit_code, 2) << text << "\n" << r.err;
    EXPECT_NE(r.err.find(file + ": "), std::string::npos) << text << "\n" << r.err;
    EXPECT_NE(r.err.find(message), std::string::npos) << text << "\n" << r.err;
    EXPECT_EQ(r.err.find("workflow alerting started"), std::string::npos) << r.err;
  }
  const std::string missing = (dir_ / "missing.json").string();
  const WfOutput r = wf(fmt::format("run '{}' --notify '{}'", wf_file, missing));
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(missing + ": cannot read the channels file"), std::string::npos) << r.err;
  const WfOutput repl = wf(fmt::format("repl --notify '{}'", missing), "1 + 1\n");
  EXPECT_EQ(repl.exit_code, 2) << repl.err;
  EXPECT_NE(repl.err.find(missing + ": cannot read the channels file"), std::string::npos) << repl.err;
}

TEST_F(LocalNotifyTest, TheReplShowsANotifyAndSendsItWithAChannelsFile) {
  const std::string input = "notify \"from the repl\" to webhook(\"ops\")\n";
  const WfOutput shown = wf("repl", input);
  EXPECT_EQ(shown.exit_code, 0) << shown.out << shown.err;
  EXPECT_NE(shown.out.find("webhook:ops → POST <the url of webhook \"ops\">"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("\"message\":\"from the repl\""), std::string::npos) << shown.out;
  EXPECT_TRUE(receiver_.received("/hook").empty());

  receiver_.script("/hook", {{{"status", 200}}}, secret_);
  json file = channels(1);
  file.erase("smtp");
  const WfOutput sent = wf(fmt::format("repl --notify '{}'", write("channels.json", file.dump())), input + input);
  EXPECT_EQ(sent.exit_code, 0) << sent.out << sent.err;
  const json hook = receiver_.received("/hook");
  ASSERT_EQ(hook.size(), 2u) << sent.out << sent.err;
  EXPECT_EQ(hook[0]["signature_ok"], true);
  EXPECT_EQ(json::parse(hook[0]["body"].get<std::string>())["message"], "from the repl");
  EXPECT_EQ(json::parse(hook[0]["body"].get<std::string>())["workflow"], "repl");
  // Numbered across the session's inputs, as the service numbers them.
  EXPECT_EQ(hook[0]["headers"].value("webhook-id", ""), "ntf_1");
  EXPECT_EQ(hook[1]["headers"].value("webhook-id", ""), "ntf_2");
  EXPECT_NE(sent.out.find("webhook:ops: delivered (HTTP 200 in "), std::string::npos) << sent.out;
}

TEST_F(LocalNotifyTest, TheReplsNotifyCommandSwitchesBetweenShowingAndSending) {
  receiver_.script("/hook", {{{"status", 200}}}, secret_);
  json file = channels(1);
  file.erase("smtp");
  const std::string channels_file = write("channels.json", file.dump());
  const std::string bad = write("bad.json", R"({"teams": {}})");
  const std::string notify = "notify \"n\" to webhook(\"ops\")\n";
  const WfOutput r = wf("repl", notify + ":notify " + bad + "\n" + notify + ":notify " + channels_file + "\n" + notify +
                                    ":notify off\n" + notify + ":notify\n");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("error: " + bad + ": unknown channel kind `teams`"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("notify sends through " + channels_file + "\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("notify shows what it would send\n"), std::string::npos) << r.out;
  // Only the third notify was sent; the numbers go on across the switches.
  const json hook = receiver_.received("/hook");
  ASSERT_EQ(hook.size(), 1u) << r.out;
  EXPECT_EQ(hook[0]["headers"].value("webhook-id", ""), "ntf_3");
  EXPECT_EQ(hook[0]["signature_ok"], true);
  EXPECT_NE(r.out.find("webhook-id: ntf_4"), std::string::npos) << r.out;
}

TEST_F(LocalNotifyTest, AnInterruptDropsTheTransferUnderWayAndSendsNothingMore) {
  receiver_.script("/slow", {{{"status", 200}, {"delay_ms", 5000}}});
  receiver_.script("/ok", {{{"status", 200}}});
  local::ChannelsFile file;
  file.channels[{store::ChannelKind::Webhook, "slow"}] = {{"url", receiver_.url() + "/slow"}};
  file.channels[{store::ChannelKind::Webhook, "ok"}] = {{"url", receiver_.url() + "/ok"}};
  local::Notifier notifier(file);
  std::atomic<bool> cancel{false};
  // The operator's Ctrl-C, once the receiver holds the request.
  std::thread interrupter([&] {
    wait_until([&] { return !receiver_.received("/slow").empty(); }, std::chrono::seconds(10));
    cancel = true;
  });
  const auto started = std::chrono::steady_clock::now();
  const std::vector<std::string> lines = notifier.notify({"w", "", "m", {"webhook:slow", "webhook:ok"}}, &cancel);
  const auto took = std::chrono::steady_clock::now() - started;
  interrupter.join();
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  EXPECT_LT(took, std::chrono::seconds(3)) << text;
  EXPECT_NE(text.find("webhook:slow: not delivered: interrupted"), std::string::npos) << text;
  EXPECT_NE(text.find("webhook:ok: not sent: interrupted"), std::string::npos) << text;
  EXPECT_TRUE(receiver_.received("/ok").empty());
  // The next notify sends again.
  cancel = false;
  const std::vector<std::string> after = notifier.notify({"w", "", "m", {"webhook:ok"}}, &cancel);
  ASSERT_FALSE(after.empty());
  EXPECT_NE(after.back().find("webhook:ok: delivered (HTTP 200"), std::string::npos) << after.back();
  EXPECT_EQ(receiver_.received("/ok").size(), 1u);
}

}  // namespace
}  // namespace wf::testing
