// `wf simulate` (SPEC §7): every sample simulates to its expected outcome through the real
// command line; a small workflow yields its events in order with the documented fields;
// --reject, --mock and child workflows change what they should; and nothing is ever executed.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "effects/records.h"
#include "lower/compile.h"
#include "simulate/simulator.h"
#include "vm/program.h"
#include "vm/render.h"

namespace wf {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

// A scratch directory, removed when the test ends.
class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() / ("wf-simulate-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& text) const {
    const fs::path p = path_ / name;
    std::ofstream(p) << text;
    return p;
  }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

struct CliResult {
  int exit_code = -1;
  std::string out;
};

// Runs the `wf` binary with `args` (already shell-quoted) and collects stdout; stderr is dropped.
CliResult run_wf(const std::string& args) {
  const std::string command = "'" WF_BINARY "' " + args + " 2>/dev/null";
  CliResult r;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return r;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) r.out.append(buffer, n);
  const int status = pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The kinds of `events`, children after their child_workflow event.
std::vector<std::string> kinds(const Json& events) {
  std::vector<std::string> out;
  for (const Json& e : events) {
    out.push_back(e["event"].get<std::string>());
    if (e.contains("events"))
      for (const std::string& k : kinds(e["events"])) out.push_back("  " + k);
  }
  return out;
}

std::vector<Json> of_kind(const Json& events, const std::string& kind) {
  std::vector<Json> out;
  for (const Json& e : events) {
    if (e["event"] == kind) out.push_back(e);
    if (e.contains("events"))
      for (const Json& c : of_kind(e["events"], kind)) out.push_back(c);
  }
  return out;
}

// ---- In-process simulation of a workflow text --------------------------------------------------

vm::Value host(const std::string& name, std::vector<std::string> tags = {}) {
  std::vector<vm::Value> t;
  for (auto& tag : tags) t.push_back(vm::make_string(tag));
  return effects::make_builtin("host", {{"id", vm::make_string(name)},
                                        {"hostname", vm::make_string(name)},
                                        {"primary_ip", vm::make_string("127.0.0.1")},
                                        {"os", vm::make_string("linux")},
                                        {"tags", vm::make_list(std::move(t))},
                                        {"groups", vm::make_list({})}});
}

vm::Value hosts(std::vector<std::string> names) {
  std::vector<vm::Value> out;
  for (auto& n : names) out.push_back(host(n));
  return vm::make_list(std::move(out));
}

struct Simulated {
  simulate::Report report;
  Json json;
};

// Compiles `text`, simulates `workflow` with `args` and returns the report and its JSON form.
Simulated simulate_text(const std::string& text, const std::string& workflow, std::vector<vm::Value> args,
                        simulate::SimulateOptions options = {}) {
  CompileResult c = compile_text("test.wf", text);
  EXPECT_TRUE(c.module.has_value()) << c.error;
  if (!c.module) return {};
  uint32_t index = 0;
  while (index < c.module->workflows.size() && c.module->workflows[index].name != workflow) ++index;
  EXPECT_LT(index, c.module->workflows.size());
  std::string error;
  auto program = vm::load_program(*c.module, error);
  EXPECT_TRUE(program) << error;
  simulate::Simulator sim(program, std::move(options));
  Simulated s;
  s.report = sim.simulate(index, std::move(args));
  s.json = simulate::report_json(s.report);
  return s;
}

simulate::SimulateOptions with_mocks(const std::string& json) {
  simulate::SimulateOptions o;
  std::string error;
  EXPECT_TRUE(simulate::parse_mocks(Json::parse(json), o.mocks, error)) << error;
  return o;
}

const char* kSmall = R"(
workflow prepare(targets: hosts, label: string) -> int {
  log "preparing {{label}}"
  return len(targets)
}

workflow small(targets: hosts) -> string {
  step "Check" {
    let r = run command "echo {{len(targets)}}" on targets timeout 1m retry 2 every 10s
    if r.exit_code == 0 {
      log "check ok"
    } else {
      log "check failed"
    }
  }
  let n = prepare(targets, "web")
  let a = approve "Go with {{n}} hosts?" by [role("admin"), user("alice")] quorum two_of_many timeout 1h
  sleep 10m
  checkout db = pam "db_admin" reason "maintenance" ttl 30m {
    log "user=[{{db.username}}] domain=[{{db.domain}}]"
    run script tidy(days: 3) on targets as db priority high
  }
  notify "done on {{n}} hosts" to slack("#ops")
  let e = wait event "ready" timeout 1h
  return "approved={{a.approved}} event={{to_json(e)}}"
}

script tidy(days: int) {
  lang = bash
  body = r"""find /tmp -mtime +"$WF_PARAM_DAYS" -print"""
}
)";

TEST(Simulate, SmallWorkflowEventsInOrder) {
  Simulated s = simulate_text(kSmall, "small", {hosts({"web-01", "web-02"})});
  ASSERT_EQ(s.report.status, vm::Status::Completed) << s.json.dump(2);
  EXPECT_EQ(s.json["status"], "completed");
  EXPECT_EQ(s.json["result"], "approved=true event=null");
  EXPECT_TRUE(s.json["error"].is_null());
  const std::vector<std::string> expected = {
      "step_started", "would_dispatch", "condition", "log", "step_completed",
      "child_workflow", "  log",
      "would_pause_for_approval", "would_delay", "would_checkout", "log", "would_dispatch", "would_checkin",
      "would_notify", "would_wait",
  };
  EXPECT_EQ(kinds(s.json["events"]), expected) << s.json.dump(2);

  const Json& events = s.json["events"];
  const Json& dispatch = events[1];
  EXPECT_EQ(dispatch["run"], 1);
  EXPECT_EQ(dispatch["step"], "Check");
  EXPECT_EQ(dispatch["hosts"], Json::array({"web-01", "web-02"}));
  EXPECT_EQ(dispatch["jobs"], 2);
  EXPECT_NE(dispatch["command"].get<std::string>().find("echo"), std::string::npos);
  EXPECT_EQ(dispatch["priority"], "normal");
  EXPECT_EQ(dispatch["clauses"]["timeout"], "1m");
  EXPECT_EQ(dispatch["clauses"]["retry"], 2);
  EXPECT_EQ(dispatch["clauses"]["every"], "10s");
  EXPECT_EQ(dispatch["outcome"], "ok");
  EXPECT_EQ(events[2]["condition"], "r.exit_code == 0");
  EXPECT_EQ(events[2]["value"], true);
  EXPECT_EQ(events[2]["branch"], "then");

  const Json& child = events[5];
  EXPECT_EQ(child["workflow"], "prepare");
  EXPECT_EQ(child["args"]["label"], "web");
  EXPECT_EQ(child["status"], "completed");
  EXPECT_EQ(child["result"], 2);
  EXPECT_EQ(child["events"][0]["message"], "preparing web");

  const Json& approval = events[6];
  EXPECT_EQ(approval["title"], "Go with 2 hosts?");
  EXPECT_EQ(approval["approvers"], Json::array({"role:admin", "user:alice"}));
  EXPECT_EQ(approval["quorum"], "two_of_many");
  EXPECT_EQ(approval["timeout"], "1h");
  EXPECT_EQ(approval["decision"], "approved");
  EXPECT_EQ(events[7]["duration"], "10m");

  const Json& checkout = events[8];
  EXPECT_EQ(checkout["identity"], "db_admin");
  EXPECT_EQ(checkout["reason"], "maintenance");
  EXPECT_EQ(checkout["ttl"], "30m");
  // The credential given back holds no account: no session, no secret.
  EXPECT_EQ(events[9]["message"], "user=[] domain=[]");
  const Json& as_run = events[10];
  EXPECT_EQ(as_run["command"], "script tidy");
  EXPECT_EQ(as_run["params"], Json({{"days", 3}}));
  EXPECT_EQ(as_run["priority"], "high");
  EXPECT_EQ(as_run["clauses"]["as"], "db_admin");
  EXPECT_EQ(events[11]["identity"], "db_admin");
  EXPECT_EQ(events[12]["message"], "done on 2 hosts");
  EXPECT_EQ(events[12]["to"], Json::array({"slack:#ops"}));
  EXPECT_EQ(events[13]["event"], "would_wait");
  EXPECT_EQ(events[13]["timeout"], "1h");
  EXPECT_TRUE(events[13]["payload"].is_null());
}

TEST(Simulate, NotifyToPagerDutyIsReportedWithItsChannel) {
  Simulated s = simulate_text(R"(
workflow page() {
  notify "disk full" to [pagerduty("oncall"), slack("#ops")]
}
)", "page", {});
  ASSERT_EQ(s.report.status, vm::Status::Completed) << s.json.dump(2);
  ASSERT_EQ(s.json["events"].size(), 1u) << s.json.dump(2);
  EXPECT_EQ(s.json["events"][0]["event"], "would_notify");
  EXPECT_EQ(s.json["events"][0]["to"], Json::array({"pagerduty:oncall", "slack:#ops"}));
}

TEST(Simulate, TextReportHasOneLinePerEventWithChildrenIndented) {
  Simulated s = simulate_text(kSmall, "small", {hosts({"web-01"})});
  const std::string text = simulate::report_text(s.report);
  EXPECT_EQ(text.rfind("simulating workflow small\n", 0), 0u) << text;
  EXPECT_NE(text.find("\n  would_dispatch #1 on [web-01] (1 job): echo"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  child_workflow prepare"), std::string::npos) << text;
  EXPECT_NE(text.find("\n    log: preparing web\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  would_pause_for_approval \"Go with 1 hosts?\""), std::string::npos) << text;
  EXPECT_NE(text.find("\ncompleted: \"approved=true event=null\"\n"), std::string::npos) << text;
  // Header, 15 events (the child's log included) and the outcome.
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 15 + 1) << text;
}

TEST(Simulate, MockedEventPayloadIsReturned) {
  Simulated s = simulate_text(kSmall, "small", {hosts({"web-01"})}, with_mocks(R"({"event:ready": {"go": true}})"));
  EXPECT_EQ(s.json["result"], "approved=true event={\"go\":true}");
  EXPECT_EQ(of_kind(s.json["events"], "would_wait")[0]["payload"], Json({{"go", true}}));
}

const char* kApprovals = R"(
workflow gate(targets: hosts) -> bool {
  let a = approve "Optional?"
  approve "Proceed?" by role("admin")
  return a.approved
}
)";

TEST(Simulate, RejectTurnsTheApprovalStatementIntoARejectedError) {
  Simulated ok = simulate_text(kApprovals, "gate", {hosts({"a"})});
  EXPECT_EQ(ok.json["status"], "completed");
  EXPECT_EQ(ok.json["result"], true);

  simulate::SimulateOptions o;
  o.reject = true;
  Simulated s = simulate_text(kApprovals, "gate", {hosts({"a"})}, o);
  EXPECT_EQ(s.json["status"], "failed");
  EXPECT_EQ(s.json["error"]["kind"], "rejected");
  const auto approvals = of_kind(s.json["events"], "would_pause_for_approval");
  ASSERT_EQ(approvals.size(), 2u);
  // The expression form returns the rejection; the statement form raises it.
  EXPECT_EQ(approvals[0]["decision"], "rejected");
  EXPECT_EQ(approvals[0]["statement"], false);
  EXPECT_EQ(approvals[1]["statement"], true);
}

const char* kBranching = R"(
workflow branching(targets: hosts) -> string {
  let r = run command "systemctl is-active nginx" on targets allow_failure
  if r.exit_code == 0 {
    return "active"
  } else {
    return "down: {{r.stdout}}"
  }
}

workflow stepped(targets: hosts) -> string {
  step "Probe" {
    let r = run command ["probe"] on targets allow_failure
    if r.ok { return "all fine" }
    return "failed on {{r.failed}} of {{r.total}}"
  }
}
)";

TEST(Simulate, MockChangesTheBranchTaken) {
  Simulated plain = simulate_text(kBranching, "branching", {hosts({"a"})});
  EXPECT_EQ(plain.json["result"], "active");
  EXPECT_EQ(of_kind(plain.json["events"], "condition")[0]["branch"], "then");

  Simulated mocked = simulate_text(kBranching, "branching", {hosts({"a"})}, with_mocks(R"({"1": {"exit_code": 3, "stdout": "inactive"}})"));
  EXPECT_EQ(mocked.json["result"], "down: inactive");
  const Json cond = of_kind(mocked.json["events"], "condition")[0];
  EXPECT_EQ(cond["value"], false);
  EXPECT_EQ(cond["branch"], "else");
  const Json dispatch = of_kind(mocked.json["events"], "would_dispatch")[0];
  EXPECT_EQ(dispatch["mock"], "1");
  EXPECT_EQ(dispatch["outcome"], "failures allowed");
}

TEST(Simulate, MockByStepNameAndPerHost) {
  Simulated s = simulate_text(kBranching, "stepped", {hosts({"a", "b", "c"})},
                              with_mocks(R"({"Probe": {"hosts": {"b": {"exit_code": 1}}}})"));
  EXPECT_EQ(s.json["result"], "failed on 1 of 3");
  EXPECT_EQ(of_kind(s.json["events"], "would_dispatch")[0]["mock"], "Probe");
}

TEST(Simulate, MockedFailureRetriesThenRaisesJobFailed) {
  Simulated s = simulate_text(kSmall, "small", {hosts({"a"})}, with_mocks(R"({"Check": {"exit_code": 2}})"));
  EXPECT_EQ(s.json["status"], "failed");
  EXPECT_EQ(s.json["error"]["kind"], "job_failed");
  const auto retries = of_kind(s.json["events"], "would_retry");
  ASSERT_EQ(retries.size(), 2u) << s.json.dump(2);
  EXPECT_EQ(retries[0]["delay"], "10s");
  EXPECT_EQ(retries[1]["attempt"], 3);
  EXPECT_EQ(of_kind(s.json["events"], "step_failed").size(), 1u);
}

TEST(Simulate, BadMockFilesAreRejected) {
  simulate::Mocks m;
  std::string error;
  EXPECT_FALSE(simulate::parse_mocks(Json::array(), m, error));
  EXPECT_FALSE(simulate::parse_mocks(Json::parse(R"({"1": {"exit": 1}})"), m, error));
  EXPECT_NE(error.find("exit"), std::string::npos);
  EXPECT_FALSE(simulate::parse_mocks(Json::parse(R"({"1": {"status": "exploded"}})"), m, error));
  EXPECT_FALSE(simulate::parse_mocks(Json::parse(R"({"1": {"hosts": []}})"), m, error));
}

TEST(Simulate, NothingIsExecuted) {
  TempDir dir;
  const fs::path marker = dir.path() / "touched";
  const std::string text = "workflow touch(targets: hosts) {\n  run command \"touch " + marker.string() +
                           "\" on targets\n  run command [\"touch\", \"" + marker.string() + "\"] on targets\n}\n";
  Simulated s = simulate_text(text, "touch", {hosts({"localhost"})});
  EXPECT_EQ(s.json["status"], "completed");
  EXPECT_EQ(of_kind(s.json["events"], "would_dispatch").size(), 2u);
  EXPECT_FALSE(fs::exists(marker));

  const fs::path file = dir.write("touch.wf", text);
  const CliResult r = run_wf("simulate " + quote(file.string()) + " --hosts localhost");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("touch"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(marker));
}

TEST(Simulate, ParallelBranchesAreReportedAsSteps) {
  const char* text = R"(
workflow par(targets: hosts) {
  parallel {
    branch "web" { run command "a" on targets }
    branch "db"  { run command "b" on targets }
  }
  parallel for h in targets limit 1 {
    run command "c" on [h]
  }
}
)";
  Simulated s = simulate_text(text, "par", {hosts({"x", "y"})}, with_mocks(R"({"db": {"exit_code": 0, "stdout": "db"}})"));
  EXPECT_EQ(s.json["status"], "completed");
  const auto dispatches = of_kind(s.json["events"], "would_dispatch");
  ASSERT_EQ(dispatches.size(), 4u);
  std::set<std::string> steps;
  for (const Json& d : dispatches)
    if (d.contains("step")) steps.insert(d["step"].get<std::string>());
  EXPECT_EQ(steps, (std::set<std::string>{"web", "db"}));
  EXPECT_EQ(dispatches[2]["hosts"], Json::array({"x"}));
  EXPECT_EQ(dispatches[3]["hosts"], Json::array({"y"}));
}

TEST(Simulate, AWorkflowThatNeverEndsIsStopped) {
  const char* text = R"(
workflow waits(targets: hosts) {
  while true { sleep 1s }
}
workflow spins(targets: hosts) -> int {
  var i = 0
  while true { i = i + 1 }
  return i
}
)";
  simulate::SimulateOptions o;
  o.max_effects = 50;
  Simulated waits = simulate_text(text, "waits", {hosts({"a"})}, o);
  EXPECT_EQ(waits.json["error"]["kind"], "cancelled");
  EXPECT_LE(of_kind(waits.json["events"], "would_delay").size(), 51u);
  o.max_instructions = 5'000'000;
  Simulated spins = simulate_text(text, "spins", {hosts({"a"})}, o);
  EXPECT_EQ(spins.json["error"]["kind"], "cancelled");
}

TEST(Simulate, MultiTierRestartWithTaggedHosts) {
  CompileResult c = compile_file(std::string(WF_SOURCE_DIR) + "/samples/multi_tier_restart.wf");
  ASSERT_TRUE(c.module) << c.error;
  std::string error;
  auto program = vm::load_program(*c.module, error);
  ASSERT_TRUE(program) << error;
  simulate::Simulator sim(program, {});
  std::vector<vm::Value> targets = {host("web-01", {"web"}), host("app-01", {"app"}), host("app-02", {"app"}),
                                    host("worker-01", {"worker"})};
  const simulate::Report report =
      sim.simulate(0, {vm::make_list(std::move(targets)), vm::Value::integer(2), vm::Value::duration(30'000)});
  const Json j = simulate::report_json(report);
  ASSERT_EQ(j["status"], "completed") << j.dump(2);
  EXPECT_EQ(j["result"], 2);
  EXPECT_EQ(of_kind(j["events"], "would_pause_for_approval").size(), 1u);
  EXPECT_EQ(of_kind(j["events"], "would_delay")[0]["duration"], "30s");
  // Per app host: stop, force-kill, start, probe; and the two parallel phases, the finally and
  // the final probe around them.
  EXPECT_EQ(of_kind(j["events"], "would_dispatch").size(), 2u + 2u * 4u + 2u + 1u + 1u);
}

// ---- Every sample through the command line -----------------------------------------------------

struct SampleCase {
  std::string file, workflow, args, mock;
  std::set<std::string> outcomes;  // "completed", or the error kinds that are expected
  std::string result;              // the expected result as JSON text, when completed; "" skips
};

std::vector<SampleCase> sample_cases() {
  return {
      {"health_report.wf", "", "--hosts web-01,web-02 --param disk_limit=80",
       R"({"1": {"hosts": {"web-01": {"stdout": "{\"disk\": 93, \"load\": 0.5}"},
                           "web-02": {"stdout": "{\"disk\": 41, \"load\": 1.25}"}}}})",
       {"completed"}, R"({"checked":2,"over_limit":["web-01"],"ticket":true})"},
      {"uptime_report.wf", "", "--hosts web-01,web-02 --param max_days=30",
       R"({"1": {"hosts": {"web-01": {"stdout": "8640123.45 1234567.89"}, "web-02": {"stdout": "86400.0 10.0"}}}})",
       {"completed"}, R"(["web-01"])"},
      {"canary_patch_rollout.wf", "",
       "--hosts web-01,web-02,web-03 --param package=openssl --param service=nginx --param ticket=CHG-1042", "",
       {"completed"}, "3"},
      {"certificate_rotation.wf", "rotate_certificates", "--hosts localhost",
       R"({"1": {"stdout": "{\"days_left\": 12}"}, "4": {"stdout": "{\"days_left\": 89}"},
           "5": {"stdout": "{\"days_left\": 60}"}})",
       {"completed"}, R"({"www.example.org":89,"api.example.org":60})"},
      {"certificate_rotation.wf", "renew_certificate", "--hosts localhost --param domain=www.example.org --param min_days=60",
       R"({"1": {"stdout": "{\"days_left\": 75}"}})", {"completed"}, "75"},
      {"db_maintenance.wf", "", "--hosts db-01 --param ticket=MNT-311",
       R"({"event:backup_done": {"status": "ok", "size_mb": 5120, "finished_at": "2025-01-12T01:47:00Z"},
           "Maintain app": {"stdout": "{\"database\": \"app\", \"seconds\": 12}"},
           "Maintain billing": {"stdout": "{\"database\": \"billing\", \"seconds\": 30}"}})",
       {"completed"}, "2"},
      {"db_maintenance.wf", "", "--hosts db-01 --param ticket=MNT-311 --param wait_for_backup=true", "",
       {"type", "index"}, ""},  // no backup_done payload: the workflow cannot read it
      {"incident_diagnostics.wf", "",
       "--hosts app-01,app-02 --param service=nginx --param port=80 --param " +
           quote(R"(alert={"labels": {"alertname": "HighLatency", "severity": "warning"}, "annotations": {"summary": "slow"}})"),
       R"({"1": {"stdout": "{\"load\": [0.5, 0.4, 0.3], \"mem_available_mb\": 2048, \"disk_used_percent\": 40}"}})",
       {"completed"}, ""},
      // Tags come from the inventory, which --hosts does not have: no app tier, so it fails.
      {"multi_tier_restart.wf", "", "--hosts a,b", "", {"failed"}, ""},
      {"network_diagnosis.wf", "", "--hosts localhost --param destination=example.org", "", {"completed"}, ""},
      {"nightly_cleanup.wf", "", "--hosts localhost --param keep_days=30",
       R"({"Clean logs and temp files": {"stdout": "{\"freed_mb\": 120}"}})", {"completed"}, "120"},
      // `reset_password` is a user_control action the job planner may not know: then the run
      // fails as `config`, which is what the simulation is for.
      {"user_onboarding.wf", "",
       "--hosts localhost --param login=jdoe --param 'full_name=Jane Doe' --param team=Platform "
       "--param 'extra_groups=[\"docker\"]' --param sudo=true --param ticket=req-2291",
       "", {"completed", "job_failed"}, ""},
  };
}

class SampleSimulation : public ::testing::TestWithParam<SampleCase> {};

TEST_P(SampleSimulation, SimulatesToTheExpectedOutcome) {
  const SampleCase& c = GetParam();
  TempDir dir;
  std::string args = "simulate " + quote(std::string(WF_SOURCE_DIR) + "/samples/" + c.file) + " --format json " + c.args;
  if (!c.workflow.empty()) args += " --workflow " + c.workflow;
  if (!c.mock.empty()) args += " --mock " + quote(dir.write("mock.json", c.mock).string());
  const CliResult r = run_wf(args);
  const Json j = Json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << "exit " << r.exit_code << ": " << r.out;
  const std::string outcome = j["status"] == "completed" ? "completed" : j["error"]["kind"].get<std::string>();
  EXPECT_TRUE(c.outcomes.count(outcome)) << outcome << ": " << j.dump(2);
  EXPECT_EQ(r.exit_code, outcome == "completed" ? 0 : 1);
  if (outcome == "completed" && !c.result.empty()) EXPECT_EQ(j["result"], Json::parse(c.result)) << j.dump(2);
  EXPECT_FALSE(j["events"].empty());
}

INSTANTIATE_TEST_SUITE_P(Samples, SampleSimulation, ::testing::ValuesIn(sample_cases()),
                         [](const ::testing::TestParamInfo<SampleCase>& info) {
                           std::string name = info.param.file.substr(0, info.param.file.size() - 3) + "_" +
                                              std::to_string(info.index);
                           return name;
                         });

TEST(Simulate, EverySampleWithAWorkflowHasACase) {
  std::set<std::string> covered;
  for (const SampleCase& c : sample_cases()) covered.insert(c.file);
  for (const auto& entry : fs::directory_iterator(fs::path(WF_SOURCE_DIR) / "samples")) {
    if (entry.path().extension() != ".wf") continue;
    std::ifstream in(entry.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("\nworkflow ") == std::string::npos) continue;
    EXPECT_TRUE(covered.count(entry.path().filename().string())) << entry.path().filename() << " is never simulated";
  }
}

// ---- The command line's own behaviour ----------------------------------------------------------

TEST(SimulateCli, RejectExitsWithThree) {
  TempDir dir;
  const fs::path file = dir.write("gate.wf", kApprovals);
  EXPECT_EQ(run_wf("simulate " + quote(file.string()) + " --hosts a").exit_code, 0);
  const CliResult r = run_wf("simulate " + quote(file.string()) + " --hosts a --reject");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("failed: rejected:"), std::string::npos) << r.out;
}

TEST(SimulateCli, MockFileChangesTheBranch) {
  TempDir dir;
  const fs::path file = dir.write("branching.wf", kBranching);
  const fs::path mock = dir.write("mock.json", R"({"1": {"exit_code": 3, "stdout": "inactive"}})");
  const CliResult r = run_wf("simulate " + quote(file.string()) + " --workflow branching --hosts a --mock " + quote(mock.string()));
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("condition r.exit_code == 0 → false (else)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("completed: \"down: inactive\""), std::string::npos) << r.out;
}

TEST(SimulateCli, UsageErrors) {
  TempDir dir;
  const fs::path file = dir.write("branching.wf", kBranching);
  EXPECT_EQ(run_wf("simulate " + quote(file.string()) + " --hosts a").exit_code, 2);  // two workflows
  EXPECT_EQ(run_wf("simulate " + quote(file.string()) + " --workflow branching").exit_code, 2);  // no hosts
  EXPECT_EQ(run_wf("simulate " + quote(file.string()) + " --workflow branching --hosts a --param nope=1").exit_code, 2);
  const fs::path bad = dir.write("bad.json", R"({"1": {"exit_code": "three"}})");
  EXPECT_EQ(run_wf("simulate " + quote(file.string()) + " --workflow branching --hosts a --mock " + quote(bad.string())).exit_code, 2);
  EXPECT_EQ(run_wf("simulate " + quote(file.string()) + " --workflow branching --hosts a --format yaml").exit_code, 2);
}

}  // namespace
}  // namespace wf
