// Job specs from the wire into the executor's terms, reports back onto the wire, and where UTF-8
// output may be cut.
#include <gtest/gtest.h>

#include "runtime/agent/job_wire.h"
#include "runtime/agent/utf8_text.h"

namespace {

using nlohmann::json;
using namespace wf::agent;

struct SpecCase {
  const char* name;
  const char* spec;
  const char* error;  // a part of the error, or nullptr when it translates
};

class SpecTranslation : public ::testing::TestWithParam<SpecCase> {};

TEST_P(SpecTranslation, AcceptsOrExplains) {
  const SpecCase& c = GetParam();
  wf::jobs::JobSpec out;
  std::string error;
  const bool ok = translate_job_spec(json::parse(c.spec), out, error);
  if (c.error == nullptr) {
    EXPECT_TRUE(ok) << error;
  } else {
    EXPECT_FALSE(ok);
    EXPECT_NE(error.find(c.error), std::string::npos) << error;
  }
}

INSTANTIATE_TEST_SUITE_P(
    Specs, SpecTranslation,
    ::testing::Values(
        SpecCase{"command", R"({"kind":"command","shell_command":"true"})", nullptr},
        SpecCase{"argv", R"({"kind":"argv","argv":["ls","-l"],"shell_command":null})", nullptr},
        SpecCase{"script", R"json({"kind":"script","script_body":"print(1)","interpreter":"python"})json", nullptr},
        SpecCase{"unknown_kind", R"({"kind":"bogus"})", "unknown job kind \"bogus\""},
        SpecCase{"no_kind", R"({"shell_command":"true"})", "`kind` is missing"},
        SpecCase{"kind_not_text", R"({"kind":3})", "`kind` must be a string"},
        SpecCase{"empty_command", R"({"kind":"command","shell_command":""})", "`shell_command` is empty"},
        SpecCase{"argv_empty", R"({"kind":"argv","argv":[]})", "`argv` must be a non-empty list"},
        SpecCase{"argv_number", R"({"kind":"argv","argv":["ls",1]})", "only strings"},
        SpecCase{"bad_interpreter", R"({"kind":"script","script_body":"x","interpreter":"perl"})", "unknown interpreter"},
        SpecCase{"env_not_object", R"({"kind":"command","shell_command":"true","env":[1]})", "`env` must be an object"},
        SpecCase{"env_value", R"({"kind":"command","shell_command":"true","env":{"A":1}})", "`env.A` must be a string"},
        SpecCase{"env_name", R"({"kind":"command","shell_command":"true","env":{"A=B":"x"}})", "bad variable name"},
        SpecCase{"timeout_zero", R"({"kind":"command","shell_command":"true","timeout_ms":0})", "`timeout_ms` must be at least 1"},
        SpecCase{"timeout_text", R"({"kind":"command","shell_command":"true","timeout_ms":"5s"})", "`timeout_ms` must be an integer"},
        SpecCase{"timeout_fraction", R"({"kind":"command","shell_command":"true","timeout_ms":1.5})", "must be an integer"},
        SpecCase{"grace_negative", R"({"kind":"command","shell_command":"true","kill_grace_ms":-1})", "at least 0"},
        SpecCase{"cap_negative", R"({"kind":"command","shell_command":"true","output_cap":-5})", "`output_cap`"},
        SpecCase{"elevated_text", R"({"kind":"command","shell_command":"true","elevated":"yes"})", "`elevated` must be a boolean"},
        SpecCase{"dir_number", R"({"kind":"command","shell_command":"true","working_dir":7})", "`working_dir` must be a string"},
        SpecCase{"not_object", R"([1,2])", "not an object"}),
    [](const ::testing::TestParamInfo<SpecCase>& info) { return std::string(info.param.name); });

TEST(JobWire, CarriesEveryFieldIntoTheExecutorSpec) {
  const json spec = json::parse(R"({"id":4,"kind":"script","script_body":"echo $X","interpreter":"bash",
      "env":{"X":"1"},"timeout_ms":1500,"kill_grace_ms":20,"output_cap":64,"working_dir":"/tmp","elevated":true})");
  wf::jobs::JobSpec out;
  std::string error;
  ASSERT_TRUE(translate_job_spec(spec, out, error)) << error;
  EXPECT_EQ(out.script_body, "echo $X");
  EXPECT_FALSE(out.shell_command.has_value());
  EXPECT_TRUE(out.argv.empty());
  EXPECT_EQ(out.interpreter, wf::jobs::Interpreter::Bash);
  EXPECT_EQ(out.env.at("X"), "1");
  EXPECT_EQ(out.timeout.count(), 1500);
  EXPECT_EQ(out.kill_grace.count(), 20);
  EXPECT_EQ(out.output_cap, 64u);
  EXPECT_EQ(out.working_dir, "/tmp");
  EXPECT_TRUE(out.elevated);
}

TEST(JobWire, ReadsOnlyPositiveIntegerIds) {
  EXPECT_EQ(job_id_of(json::parse(R"({"id":12})")), 12);
  EXPECT_EQ(job_id_of(json::parse(R"({"id":"12"})")), 0);
  EXPECT_EQ(job_id_of(json::parse(R"({"id":-3})")), 0);
  EXPECT_EQ(job_id_of(json::parse(R"({"id":18446744073709551615})")), 0);
  EXPECT_EQ(job_id_of(json::parse(R"([12])")), 0);
}

TEST(JobWire, DescribesAJobOnOneLine) {
  EXPECT_EQ(job_description(json::parse(R"({"description":"restart\nnginx"})")), "restart nginx");
  EXPECT_EQ(job_description(json::parse(R"({"argv":["ls","-l"]})")), "ls -l");
  EXPECT_EQ(job_description(json::parse(R"({"description":""," shell_command":1})")), "(no description)");
  EXPECT_LE(job_description(json{{"description", std::string(500, 'x')}}).size(), 123u);
}

TEST(JobWire, ReportsTheExecutorsOutcome) {
  wf::jobs::JobReport r;
  r.outcome = wf::jobs::JobOutcome::TimedOut;
  r.exit_code = 143;
  r.stdout_text = "partial";
  r.stderr_truncated = true;
  r.duration = std::chrono::milliseconds(1234);
  const json body = json::parse(completion_body(r));
  EXPECT_EQ(body["status"], "timeout");
  EXPECT_EQ(body["exit_code"], 143);
  EXPECT_EQ(body["stdout"], "partial");
  EXPECT_EQ(body["stderr"], "");
  EXPECT_EQ(body["stdout_truncated"], false);
  EXPECT_EQ(body["stderr_truncated"], true);
  EXPECT_EQ(body["duration_ms"], 1234);
  EXPECT_FALSE(body.contains("error"));

  const json failure = json::parse(failure_body("config", "interpreter `pwsh` not found"));
  EXPECT_EQ(failure["status"], "config");
  EXPECT_EQ(failure["exit_code"], -1);
  EXPECT_EQ(failure["error"], "interpreter `pwsh` not found");
}

TEST(JobWire, KeepsAReportUnderTheBodyLimit) {
  wf::jobs::JobReport r;
  r.outcome = wf::jobs::JobOutcome::Completed;
  r.exit_code = 0;
  r.stdout_text = std::string(900 * 1024, 'o');
  r.stderr_text = std::string(300 * 1024, '\x01');  // six bytes of JSON each
  const std::string text = completion_body(r);
  EXPECT_LE(text.size(), kMaxRequestBytes);
  const json body = json::parse(text);
  EXPECT_EQ(body["stdout_truncated"], true);
  EXPECT_EQ(body["stderr_truncated"], true);
  EXPECT_GT(body["stdout"].get<std::string>().size(), 1000u);
}

TEST(JobWire, ReplacesBytesThatAreNotUtf8) {
  const json body = json::parse(output_body(wf::jobs::OutputStream::Stderr, "ok\xff\xfe"));
  EXPECT_EQ(body["stream"], "stderr");
  EXPECT_EQ(body["data"], "ok\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Utf8Text, HoldsBackOnlyAnUnfinishedCharacter) {
  EXPECT_EQ(complete_utf8_prefix(""), 0u);
  EXPECT_EQ(complete_utf8_prefix("abc"), 3u);
  EXPECT_EQ(complete_utf8_prefix("a\xE2\x82\xAC"), 4u);  // a whole euro sign
  EXPECT_EQ(complete_utf8_prefix("a\xE2\x82"), 1u);      // two of its three bytes
  EXPECT_EQ(complete_utf8_prefix("a\xE2"), 1u);
  EXPECT_EQ(complete_utf8_prefix("a\xF0\x9F\x98"), 1u);  // three of an emoji's four
  EXPECT_EQ(complete_utf8_prefix("a\xC3"), 1u);
  EXPECT_EQ(complete_utf8_prefix("a\xFF"), 2u);          // invalid for good: nothing to wait for
  EXPECT_EQ(complete_utf8_prefix("a\x82\x82\x82"), 4u);  // stray continuation bytes
}

}  // namespace
