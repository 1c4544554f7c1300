// `wf scripts ls|show|run|executions` driving the real `wf` binary against a real `wf serve` and
// real `wf agent`s for hosts web1 and web2: a published script is listed with its parameters and
// shown with its body; running it on both hosts prints one job id per host, and with --wait the
// command exits 0 only when every job completed (1 when one failed, each named); -f prints the
// jobs' output; the executions list shows the jobs; a bad parameter, an unknown script and an
// ambiguous name are refused with the service's message and exit code 2. Every wait is bounded.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/runtime/service/service_fixture.h"

namespace wf::testing {
namespace {

using nlohmann::json;

// `hello` runs everywhere; `disk_check` fails (exit 3) on every host but web1.
constexpr const char* kSource = R"(
/// Shared helpers.
library common_sh {
  lang = bash
  body = r"""say() { echo "said: $*"; }"""
}

/// Greets the host.
script hello(label: string, times: int = 1) {
  lang = bash
  timeout = 45s
  uses = [common_sh]
  body = r"""
for i in $(seq "$WF_PARAM_TIMES"); do say "$WF_PARAM_LABEL on $WF_HOST"; done
"""
}

script disk_check(threshold: int = 90) {
  lang = bash
  body = r"""
echo "checking $WF_HOST at $WF_PARAM_THRESHOLD"
[ "$WF_HOST" = web1 ] || exit 3
"""
}

workflow greet(targets: hosts) {
  let r = run script hello(label: "wf") on targets
}
)";

// A second definition declaring a script named `hello` too.
constexpr const char* kOtherSource = R"(
script hello(label: string) {
  lang = bash
  body = r"""
echo "other $WF_PARAM_LABEL"
"""
}

workflow other_greet(targets: hosts) {
  let r = run script hello(label: "x") on targets
}
)";

using WfRun = WfOutput;

class ScriptCommands : public ServiceTest {
 protected:
  ScriptCommands() : ServiceTest("wf-script-commands") {}
  void SetUp() override {
    ServiceTest::SetUp();
    if (HasFatalFailure()) return;
    agent("web1");
    agent("web2");
  }

  // `wf ARGS` with the service's address and admin token in the environment; `args` is shell text.
  WfRun wf(const std::string& args) const {
    return run_wf_apart(*service_, service_->admin_token(), args, dir_ / "wf-stderr.txt");
  }

  // Pushes `source` and publishes its first definition; returns that definition's id (0 on failure).
  int64_t push_and_publish(const std::string& file, const std::string& source) {
    auto r = api_->post("/api/v1/definitions", json({{"source", source}, {"file", file}}).dump());
    EXPECT_EQ(r.status, 201) << r.body;
    const int64_t id = body_json(r)["definitions"][0].value("id", int64_t{0});
    auto published = api_->post("/api/v1/definitions/" + std::to_string(id) + "/publish", "{}");
    EXPECT_EQ(published.status, 200) << published.body;
    return id;
  }

  json job(int64_t id) { return body_json(api_->get("/api/v1/jobs/" + std::to_string(id))); }

  json wait_job_ended(int64_t id) { return testing::wait_job_ended(*api_, id); }

  // The ids printed one per line, or nothing when a line is not an id.
  static std::vector<int64_t> printed_ids(const std::string& out) {
    std::vector<int64_t> ids;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line.find_first_not_of("0123456789") != std::string::npos) return {};
      ids.push_back(std::stoll(line));
    }
    return ids;
  }

  // The line of `table` that starts with `first` followed by a space ("" when there is none).
  static std::string row(const std::string& table, const std::string& first) {
    const size_t at = ("\n" + table).find("\n" + first + " ");
    if (at == std::string::npos) return "";
    return table.substr(at, table.find('\n', at) - at);
  }
};

TEST_F(ScriptCommands, TheyAreCommandsOfThisBuild) {
  const WfRun help = wf("--help");
  EXPECT_EQ(help.exit_code, 0);
  const size_t at = help.out.find("\n  scripts ");
  ASSERT_NE(at, std::string::npos) << help.out;
  const std::string line = help.out.substr(at + 1, help.out.find('\n', at + 1) - at - 1);
  EXPECT_EQ(line.find("not available"), std::string::npos) << line;
  const WfRun scripts_help = wf("scripts --help");
  EXPECT_EQ(scripts_help.exit_code, 0) << scripts_help.err;
  for (const char* sub : {"ls", "show", "run", "executions"})
    EXPECT_NE(scripts_help.out.find(std::string("\n  ") + sub + " "), std::string::npos) << sub << "\n" << scripts_help.out;
}

TEST_F(ScriptCommands, LsShowsAPublishedScriptWithItsParameters) {
  // Nothing is published yet: the header alone.
  const WfRun empty = wf("scripts ls");
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_EQ(empty.out, "NAME  KIND  LANGUAGE  PARAMETERS  TIMEOUT  ELEVATED  DEFINITION\n");

  ASSERT_GT(push_and_publish("greet.wf", kSource), 0);
  const WfRun ls = wf("scripts ls");
  EXPECT_EQ(ls.exit_code, 0) << ls.err;
  EXPECT_EQ(ls.out.rfind("NAME ", 0), 0u) << ls.out;
  const std::string hello = row(ls.out, "hello");
  for (const char* cell : {" script ", " bash ", " label: string, times: int = 1 ", " 45s ", " no ", " greet v1"})
    EXPECT_NE(hello.find(cell), std::string::npos) << cell << " in " << hello << "\n" << ls.out;
  const std::string disk = row(ls.out, "disk_check");
  for (const char* cell : {" threshold: int = 90 ", " 5m ", " greet v1"})
    EXPECT_NE(disk.find(cell), std::string::npos) << cell << " in " << disk;
  const std::string library = row(ls.out, "common_sh");
  EXPECT_NE(library.find(" library "), std::string::npos) << library;

  const WfRun as_json = wf("scripts ls --definition greet --format json");
  EXPECT_EQ(as_json.exit_code, 0) << as_json.err;
  const json items = json::parse(as_json.out, nullptr, false);
  ASSERT_TRUE(items.is_array()) << as_json.out;
  ASSERT_EQ(items.size(), 3u) << as_json.out;
  EXPECT_EQ(items[2]["name"], "hello");
  EXPECT_EQ(items[2]["parameters"][1], json({{"name", "times"}, {"type", "int"}, {"required", false}, {"default", 1}}));

  const WfRun no_definition = wf("scripts ls --definition nosuch");
  EXPECT_EQ(no_definition.exit_code, 2);
  EXPECT_NE(no_definition.err.find("wf: no definition `nosuch`"), std::string::npos) << no_definition.err;

  const WfRun show = wf("scripts show hello");
  EXPECT_EQ(show.exit_code, 0) << show.err;
  for (const char* part : {"script hello (bash), from greet v1\n  Greets the host.\n", "  label: string  (required)\n",
                           "  times: int = 1\n", "uses        common_sh\n", "timeout     45s\n",
                           "body\n  for i in $(seq \"$WF_PARAM_TIMES\"); do say"})
    EXPECT_NE(show.out.find(part), std::string::npos) << part << "\n" << show.out;
  const WfRun shown_json = wf("scripts show hello --format json");
  EXPECT_EQ(shown_json.exit_code, 0) << shown_json.err;
  const json declarations = json::parse(shown_json.out, nullptr, false);
  ASSERT_TRUE(declarations.is_array()) << shown_json.out;
  ASSERT_EQ(declarations.size(), 1u) << shown_json.out;
  EXPECT_EQ(declarations[0]["uses"], json::array({"common_sh"}));
  EXPECT_EQ(declarations[0]["definition"]["name"], "greet");
  const WfRun unknown = wf("scripts show nosuch");
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("wf: no published script or library `nosuch`"), std::string::npos) << unknown.err;
}

TEST_F(ScriptCommands, RunOnTwoHostsWithAParamPrintsTheJobIdsAndWaitExitsZero) {
  ASSERT_GT(push_and_publish("greet.wf", kSource), 0);

  // Without --wait: one id per host, in the order given, at once.
  const WfRun started = wf("scripts run hello --hosts web1,web2 --param label=early");
  EXPECT_EQ(started.exit_code, 0) << started.err;
  const std::vector<int64_t> first = printed_ids(started.out);
  ASSERT_EQ(first.size(), 2u) << started.out;
  EXPECT_EQ(job(first[0]).value("host", ""), "web1");
  EXPECT_EQ(job(first[1]).value("host", ""), "web2");
  for (int64_t id : first) EXPECT_EQ(wait_job_ended(id).value("status", ""), "completed") << job(id).dump(2);

  const WfRun waited = wf("scripts run hello --hosts web1,web2 --param label='nightly run' --param times=2 --wait");
  EXPECT_EQ(waited.exit_code, 0) << waited.out << waited.err;
  // The ids as soon as the jobs exist, then how each ended.
  int64_t web1 = 0, web2 = 0;
  ASSERT_EQ(std::sscanf(waited.err.c_str(), "job %ld on web1\njob %ld on web2\n", &web1, &web2), 2) << waited.err;
  EXPECT_EQ(waited.out.rfind("JOB  HOST  STATUS     EXIT  DURATION\n", 0), 0u) << waited.out;
  EXPECT_NE(row(waited.out, std::to_string(web1)).find(" web1  completed  0 "), std::string::npos) << waited.out;
  EXPECT_NE(row(waited.out, std::to_string(web2)).find(" web2  completed  0 "), std::string::npos) << waited.out;
  for (auto [id, host] : {std::pair{web1, "web1"}, std::pair{web2, "web2"}}) {
    const json j = job(id);
    EXPECT_EQ(j.value("status", ""), "completed") << j.dump(2);
    EXPECT_EQ(j.value("stdout", ""), fmt::format("said: nightly run on {0}\nsaid: nightly run on {0}\n", host)) << j.dump(2);
  }

  // --format json: the answer with each job as it ended.
  const WfRun as_json = wf("scripts run hello --hosts web2 --param label=j --wait --format json");
  EXPECT_EQ(as_json.exit_code, 0) << as_json.err;
  const json answer = json::parse(as_json.out, nullptr, false);
  EXPECT_EQ(answer.value("script", ""), "hello") << as_json.out;
  ASSERT_EQ(answer["jobs"].size(), 1u) << as_json.out;
  EXPECT_EQ(answer["jobs"][0]["status"], "completed") << as_json.out;
  EXPECT_EQ(answer["jobs"][0]["stdout"], "said: j on web2\n") << as_json.out;

  // The executions, newest first: the five jobs above.
  const WfRun executions = wf("scripts executions hello");
  EXPECT_EQ(executions.exit_code, 0) << executions.err;
  EXPECT_EQ(executions.out.rfind("JOB  HOST  STATUS     EXIT  DURATION  STARTED", 0), 0u) << executions.out;
  const int64_t last = answer["jobs"][0].value("id", int64_t{0});
  const std::vector<std::pair<int64_t, std::string>> expected = {
      {last, "web2"}, {web2, "web2"}, {web1, "web1"}, {first[1], "web2"}, {first[0], "web1"}};
  size_t previous = 0;
  for (const auto& [id, host] : expected) {
    const std::string line = row(executions.out, std::to_string(id));
    EXPECT_NE(line.find(" " + host + "  completed  0 "), std::string::npos) << id << "\n" << executions.out;
    const size_t at = executions.out.find("\n" + std::to_string(id) + " ");
    EXPECT_GT(at, previous) << "newest first\n" << executions.out;
    previous = at;
  }
  const WfRun limited = wf("scripts executions hello --limit 2");
  EXPECT_EQ(limited.exit_code, 0) << limited.err;
  EXPECT_EQ(std::count(limited.out.begin(), limited.out.end(), '\n'), 3) << limited.out;
  EXPECT_NE(limited.err.find("(2 executions shown; --limit shows more)"), std::string::npos) << limited.err;
  const WfRun never = wf("scripts executions nosuch");
  EXPECT_EQ(never.exit_code, 2);
  EXPECT_NE(never.err.find("wf: no published script `nosuch` and no job ran one"), std::string::npos) << never.err;
}

TEST_F(ScriptCommands, AFailingJobMakesWaitAndFollowExitNonZero) {
  ASSERT_GT(push_and_publish("greet.wf", kSource), 0);

  const WfRun waited = wf("scripts run disk_check --hosts web1,web2 --wait");
  EXPECT_EQ(waited.exit_code, 1) << waited.out << waited.err;
  int64_t web1 = 0, web2 = 0;
  ASSERT_EQ(std::sscanf(waited.err.c_str(), "job %ld on web1\njob %ld on web2\n", &web1, &web2), 2) << waited.err;
  EXPECT_NE(row(waited.out, std::to_string(web1)).find(" web1  completed  0 "), std::string::npos) << waited.out;
  EXPECT_NE(row(waited.out, std::to_string(web2)).find(" web2  failed     3 "), std::string::npos) << waited.out;
  EXPECT_NE(waited.err.find(fmt::format("job {} on web2: failed (exit 3)\nwf: 1 of 2 jobs did not complete\n", web2)),
            std::string::npos)
      << waited.err;

  // -f: each job's output in turn under its id, and the same ending.
  const WfRun followed = wf("scripts run disk_check --hosts web2,web1 --param threshold=70 -f");
  EXPECT_EQ(followed.exit_code, 1) << followed.out << followed.err;
  EXPECT_EQ(followed.out, "checking web2 at 70\nchecking web1 at 70\n");
  EXPECT_EQ(followed.err.rfind("job ", 0), 0u) << followed.err;
  EXPECT_NE(followed.err.find(" on web2\n\njob "), std::string::npos) << followed.err;
  EXPECT_NE(followed.err.find("on web2: failed (exit 3)\nwf: 1 of 2 jobs did not complete\n"), std::string::npos)
      << followed.err;

  // Every job completed: -f exits 0.
  const WfRun fine = wf("scripts run disk_check --hosts web1 -f");
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
  EXPECT_EQ(fine.out, "checking web1 at 90\n");

  // Without waiting, --format json prints the service's answer: the jobs it queued.
  const WfRun as_json = wf("scripts run disk_check --hosts web2,web1,web2 --format json");
  EXPECT_EQ(as_json.exit_code, 0) << as_json.err;
  const json answer = json::parse(as_json.out, nullptr, false);
  EXPECT_EQ(answer.value("script", ""), "disk_check") << as_json.out;
  EXPECT_EQ(answer["definition"]["name"], "greet") << as_json.out;
  ASSERT_EQ(answer["jobs"].size(), 2u) << as_json.out;
  EXPECT_EQ(answer["jobs"][0]["host"], "web2");
  EXPECT_EQ(answer["jobs"][1]["host"], "web1");
  for (const json& j : answer["jobs"]) wait_job_ended(j.value("id", int64_t{0}));
}

TEST_F(ScriptCommands, RefusalsArePrintedWithTheServicesMessageAndExitTwo) {
  ASSERT_GT(push_and_publish("greet.wf", kSource), 0);
  struct Case {
    std::string args, message;
  };
  const std::vector<Case> cases = {
      {"scripts run hello --hosts web1 --param label=x --param nope=1",
       "wf: script `hello` has no parameter `nope` (its parameters: label, times)"},
      {"scripts run hello --hosts web1 --param label=x --param times=many", "times"},
      {"scripts run hello --hosts web1", "label"},
      {"scripts run nosuch --hosts web1", "wf: no published script `nosuch`"},
      {"scripts run common_sh --hosts web1", "wf: `common_sh` is a library"},
      {"scripts run hello --hosts nosuch --param label=x", "wf: no registered host `nosuch`"},
      {"scripts run hello --hosts , --param label=x", "wf: --hosts names nothing"},
      {"scripts run hello --hosts web1 --param label", "wf: --param takes NAME=VALUE"},
      {"scripts run hello --hosts web1 --param label=a --param label=b", "wf: --param label is given twice"},
  };
  for (const Case& c : cases) {
    const WfRun r = wf(c.args);
    EXPECT_EQ(r.exit_code, 2) << c.args << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << c.args << "\n" << r.err;
    EXPECT_EQ(r.out, "") << c.args;
  }
  const std::string bad_type = wf("scripts run hello --hosts web1 --param label=x --param times=many").err;
  EXPECT_EQ(bad_type.rfind("wf: script `hello`: ", 0), 0u) << bad_type;

  // Two definitions declare `hello`: the name alone is ambiguous, naming one runs it.
  ASSERT_GT(push_and_publish("other.wf", kOtherSource), 0);
  const WfRun ambiguous = wf("scripts run hello --hosts web1 --param label=x");
  EXPECT_EQ(ambiguous.exit_code, 2) << ambiguous.out;
  EXPECT_NE(ambiguous.err.find("wf: script `hello` is declared by 2 published definitions"), std::string::npos) << ambiguous.err;
  const WfRun chosen = wf("scripts run hello --hosts web1 --param label=x --definition other_greet -f");
  EXPECT_EQ(chosen.exit_code, 0) << chosen.err;
  EXPECT_EQ(chosen.out, "other x\n");
  // Nothing ran for the refusals: only the chosen one's job is an execution.
  const WfRun executions = wf("scripts executions hello --format json");
  EXPECT_EQ(executions.exit_code, 0) << executions.err;
  EXPECT_EQ(json::parse(executions.out, nullptr, false).size(), 1u) << executions.out;
}

}  // namespace
}  // namespace wf::testing
