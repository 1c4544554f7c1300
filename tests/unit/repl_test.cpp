// `wf repl` with stdin not a terminal: the real binary reads a script from a file and prints its
// transcript, which these tests compare. Also the pieces that need no process: input assembly
// and completion.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

#include "repl/completion.h"
#include "repl/input.h"
#include "repl/session.h"

namespace {

namespace fs = std::filesystem;

struct Transcript {
  std::string out;  // stdout and stderr together, as a terminal would show them
  int status = -1;
  bool wrote_history = false;  // whether ~/.wf_history exists afterwards (HOME is the test's own)
};

// Runs `wf repl FLAGS` in the source tree with `script` as its stdin and a fresh HOME.
Transcript repl(const std::string& script, const std::string& flags = "--fast") {
  static int counter = 0;
  const fs::path dir = fs::temp_directory_path() / ("wf_repl_test_" + std::to_string(getpid()) + "_" + std::to_string(counter++));
  fs::create_directories(dir / "home");
  const fs::path input = dir / "input.txt";
  std::ofstream(input) << script;
  Transcript t;
  const std::string command = "cd '" WF_SOURCE_DIR "' && HOME='" + (dir / "home").string() + "' '" WF_BINARY "' repl " +
                              flags + " < '" + input.string() + "' 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) {
    fs::remove_all(dir);
    return t;
  }
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), pipe)) > 0) t.out.append(buf.data(), n);
  const int status = pclose(pipe);
  t.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  t.wrote_history = fs::exists(dir / "home" / ".wf_history");
  std::error_code ec;
  fs::remove_all(dir, ec);
  return t;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

// ---- Evaluation ------------------------------------------------------------------------------

TEST(ReplEval, ExpressionPrintsTypeAndValue) {
  const Transcript t = repl("1 + 2\n");
  EXPECT_EQ(t.out, "int = 3\n");
  EXPECT_EQ(t.status, 0);
}

TEST(ReplEval, LetBindingIsKeptForLaterInputs) {
  EXPECT_EQ(repl("let x = 5\nx * 2\nx\n").out, "x: int = 5\nint = 10\nx: int = 5\n");
}

TEST(ReplEval, Strings) {
  EXPECT_EQ(repl("\"wf\" + \"!\"\nlet name = \"ops\"\n\"hi {{name}}\".upper()\n").out,
            "string = \"wf!\"\nname: string = \"ops\"\nstring = \"HI OPS\"\n");
}

TEST(ReplEval, RecordsAndFields) {
  EXPECT_EQ(repl("let r = {name: \"web\", port: 80}\nr.port + 1\nr\n").out,
            "r: {name: string, port: int} = {\"name\":\"web\",\"port\":80}\n"
            "int = 81\n"
            "r: {name: string, port: int} = {\"name\":\"web\",\"port\":80}\n");
}

TEST(ReplEval, DurationsPrintAsTheirText) {
  EXPECT_EQ(repl("90m + 30s\n").out, "duration = \"1h30m30s\"\n");
}

TEST(ReplEval, FnDeclaredThenCalled) {
  EXPECT_EQ(repl("fn sq(x: int) -> int { return x * x }\nsq(7)\n").out, "defined fn sq\nint = 49\n");
}

TEST(ReplEval, DeclarationOfTheSameNameReplacesTheEarlierOne) {
  EXPECT_EQ(repl("fn f() -> int { return 1 }\nfn f() -> int { return 2 }\nf()\n").out,
            "defined fn f\nredefined fn f\nint = 2\n");
}

TEST(ReplEval, TypesAndConstantsAccumulate) {
  EXPECT_EQ(repl("type Svc = {name: string, port: int}\nconst BASE = 8000\n"
                 "let s: Svc = {name: \"api\", port: BASE + 1}\ns.port\n")
                .out,
            "defined type Svc\ndefined const BASE\ns: {name: string, port: int} = {\"name\":\"api\",\"port\":8001}\nint = 8001\n");
}

TEST(ReplEval, VarReassignedInALaterInput) {
  EXPECT_EQ(repl("var n = 1\nn = n + 41\nn\n").out, "n: int = 1\nn: int = 42\n");
}

TEST(ReplEval, MultiLineBlockRunsWhenItsBracesClose) {
  EXPECT_EQ(repl("var total = 0\nfor i in range(5) {\n  total = total + i\n}\ntotal\n").out,
            "total: int = 0\ntotal: int = 10\n");
}

TEST(ReplEval, MultiLineDeclaration) {
  EXPECT_EQ(repl("fn twice(\n  a: int\n) -> int {\n  return a * 2\n}\ntwice(21)\n").out, "defined fn twice\nint = 42\n");
}

TEST(ReplEval, RebindingALetShadowsItQuietly) {
  EXPECT_EQ(repl("let x = 1\nlet x = x + 1\nx\n").out, "x: int = 1\nx: int = 2\nx: int = 2\n");
}

// ---- Errors never end the session ------------------------------------------------------------

TEST(ReplErrors, TypeErrorShowsCodeAndCaretThenTheSessionGoesOn) {
  const Transcript t = repl("let n: int = \"three\"\n1 + 1\n");
  EXPECT_EQ(t.out,
            "<input>:1:14: error[E0200]: expected `int`, found `string`\n"
            "let n: int = \"three\"\n"
            "             ^~~~~~~\n"
            "int = 2\n");
  EXPECT_EQ(t.status, 0);
}

TEST(ReplErrors, ErrorOnTheSecondLineOfAnInputPointsThere) {
  const Transcript t = repl("if true {\n  let y: bool = 3\n}\n");
  EXPECT_TRUE(contains(t.out, "<input>:2:17: error[E0200]")) << t.out;
  EXPECT_TRUE(contains(t.out, "  let y: bool = 3\n                ^\n")) << t.out;
}

TEST(ReplErrors, RejectedInputLeavesNoVariable) {
  const Transcript t = repl("let a = nope\n:vars\n");
  EXPECT_TRUE(contains(t.out, "error[E0100]")) << t.out;
  EXPECT_TRUE(contains(t.out, "no variables\n")) << t.out;
}

TEST(ReplErrors, RuntimeErrorShowsKindAndTheSessionGoesOn) {
  EXPECT_EQ(repl("10 / 0\n2 * 3\n").out, "error: arithmetic: division by zero\nint = 6\n");
}

TEST(ReplErrors, FailedInputKeepsTheVariablesAsTheyWere) {
  EXPECT_EQ(repl("var n = 1\nn = 5\nfail \"stop\"\nn\n").out.substr(0, 11), "n: int = 1\n");
  EXPECT_TRUE(contains(repl("var n = 1\nn = 5; fail \"stop\"\nn\n").out, "error: failed: stop\nn: int = 1\n"));
}

TEST(ReplErrors, ReturnIsRefused) {
  EXPECT_TRUE(contains(repl("return\n1\n").out, "error: `return` cannot be used at the prompt"));
}

TEST(ReplErrors, UnclosedInputAtTheEndIsStillReported) {
  const Transcript t = repl("let x = (1 +\n");
  EXPECT_TRUE(contains(t.out, "error[E0001]")) << t.out;
  EXPECT_EQ(t.status, 0);
}

// ---- Effects on this machine -----------------------------------------------------------------

TEST(ReplEffects, RunCommandOnLocalhostPrintsItsResults) {
  const Transcript t = repl("run command \"echo hi\" on [localhost()]\n");
  EXPECT_TRUE(contains(t.out, "run on localhost: echo hi")) << t.out;
  EXPECT_TRUE(contains(t.out, "Results = {\"ok\":true,\"total\":1,\"succeeded\":1,")) << t.out;
  EXPECT_TRUE(contains(t.out, "\"stdout\":\"hi\\n\"")) << t.out;
}

TEST(ReplEffects, ResultsOfARunAreAVariable) {
  const Transcript t = repl("let r = run command [\"printf\", \"%s\", \"ok\"] on [localhost()]\nr.stdout\nr.ok\n");
  EXPECT_TRUE(contains(t.out, "string = \"ok\"\nbool = true\n")) << t.out;
}

TEST(ReplEffects, ApprovalIsAnsweredFromStdin) {
  const Transcript t = repl("let a = approve \"Restart web?\"\nyes\nlooks fine\na.approved\na.note\n");
  EXPECT_TRUE(contains(t.out, "approval requested: \"Restart web?\"")) << t.out;
  EXPECT_TRUE(contains(t.out, "bool = true\nstring = \"looks fine\"\n")) << t.out;
}

TEST(ReplEffects, RejectedApprovalStatementRaisesAndTheSessionGoesOn) {
  const Transcript t = repl("approve \"Proceed?\"\nno\n\n7\n");
  EXPECT_TRUE(contains(t.out, "error: rejected:")) << t.out;
  EXPECT_TRUE(contains(t.out, "int = 7\n")) << t.out;
}

TEST(ReplEffects, SleepIsSkippedWithFast) {
  EXPECT_TRUE(contains(repl("sleep 1h\n").out, "sleeping 1h (skipped: --fast)"));
}

TEST(ReplEffects, NotifyPrintsWhatWouldBeSent) {
  EXPECT_TRUE(contains(repl("notify \"disk full\" to slack(\"#ops\")\n").out, "notify slack:#ops: disk full"));
}

TEST(ReplEffects, NotifyToPagerDutyPrintsWhatWouldBeSent) {
  EXPECT_TRUE(contains(repl("notify \"db down\" to pagerduty(\"oncall\")\n").out, "notify pagerduty:oncall: db down"));
}

TEST(ReplEffects, CheckoutFromTheVault) {
  const fs::path vault = fs::temp_directory_path() / ("wf_repl_vault_" + std::to_string(getpid()) + ".json");
  std::ofstream(vault) << R"({"identities": [{"name": "db_admin", "username": "dba", "secret": "s3cret"}]})";
  const Transcript t = repl("checkout c = pam \"db_admin\" reason \"test\" {\n  log c.username\n}\n",
                            "--fast --vault '" + vault.string() + "'");
  EXPECT_TRUE(contains(t.out, "checkout db_admin as dba")) << t.out;
  EXPECT_TRUE(contains(t.out, "log: dba")) << t.out;
  EXPECT_TRUE(contains(t.out, "checkin db_admin")) << t.out;
  EXPECT_FALSE(contains(t.out, "s3cret")) << t.out;
  fs::remove(vault);
}

TEST(ReplEffects, WorkflowDeclaredThenCalledAsAChild) {
  const Transcript t = repl("workflow hello(name: string) -> string {\n  log \"hi {{name}}\"\n  return name.upper()\n}\nhello(\"ops\")\n");
  EXPECT_TRUE(contains(t.out, "defined workflow hello\n")) << t.out;
  EXPECT_TRUE(contains(t.out, "log: hi ops")) << t.out;
  EXPECT_TRUE(contains(t.out, "string = \"OPS\"\n")) << t.out;
}

TEST(ReplEffects, EffectsOfEarlierInputsRunOnce) {
  const Transcript t = repl("let r = run command \"echo once\" on [localhost()]\n1\n2\n");
  size_t runs = 0;
  for (size_t at = t.out.find("run on localhost"); at != std::string::npos; at = t.out.find("run on localhost", at + 1)) ++runs;
  EXPECT_EQ(runs, 1u) << t.out;
}

// ---- Meta-commands ---------------------------------------------------------------------------

TEST(ReplMeta, Help) {
  const Transcript t = repl(":help\n");
  for (const char* command : {":type", ":disasm", ":load", ":vars", ":reset", ":simulate", ":notify", ":quit"})
    EXPECT_TRUE(contains(t.out, command)) << command;
}

TEST(ReplMeta, Type) {
  EXPECT_EQ(repl(":type [1, 2]\nlet m = {\"a\": 1.5}\n:type m\n:type \"x\".split(\",\")\n").out,
            "list<int>\nm: map<float> = {\"a\":1.5}\nmap<float>\nlist<string>\n");
}

TEST(ReplMeta, TypeOfAMistakeShowsTheDiagnostic) {
  EXPECT_TRUE(contains(repl(":type 1 + \"a\"\n").out, "error[E0200]"));
}

TEST(ReplMeta, DisasmOfAnExpressionAndOfAFunction) {
  const Transcript t = repl("fn sq(x: int) -> int { return x * x }\n:disasm sq\n:disasm 6 * 7\n");
  EXPECT_TRUE(contains(t.out, "function 0 `sq` (fn)")) << t.out;
  EXPECT_TRUE(contains(t.out, "MULI")) << t.out;
  EXPECT_TRUE(contains(t.out, "`__repl__` (workflow)")) << t.out;
}

TEST(ReplMeta, LoadBringsAFilesDeclarationsIntoTheSession) {
  const Transcript t = repl(":load samples/common.wf\nslug(\" Web Tier \")\nDISK_ALERT_PERCENT\n");
  EXPECT_TRUE(contains(t.out, "loaded samples/common.wf: ")) << t.out;
  EXPECT_TRUE(contains(t.out, "string = \"web-tier\"\n")) << t.out;
  EXPECT_TRUE(contains(t.out, "DISK_ALERT_PERCENT: int = 90\n")) << t.out;
}

TEST(ReplMeta, LoadOfAMissingFileIsAnError) {
  EXPECT_EQ(repl(":load no/such/file.wf\n1\n").out, "error: cannot read no/such/file.wf\nint = 1\n");
}

TEST(ReplMeta, Vars) {
  EXPECT_EQ(repl("let a = 1\nvar b = \"x\"\n:vars\n").out,
            "a: int = 1\nb: string = \"x\"\nlet a: int = 1\nvar b: string = \"x\"\n");
}

TEST(ReplMeta, ResetForgetsEverything) {
  const Transcript t = repl("let a = 1\nfn f() -> int { return 2 }\n:reset\n:vars\nf()\n");
  EXPECT_TRUE(contains(t.out, "session reset\nno variables\n")) << t.out;
  EXPECT_TRUE(contains(t.out, "error[E0100]")) << t.out;
}

TEST(ReplMeta, SimulateOnRecordsEffectsInsteadOfRunningThem) {
  const fs::path marker = fs::temp_directory_path() / ("wf_repl_marker_" + std::to_string(getpid()));
  fs::remove(marker);
  const Transcript t = repl(":simulate on\nrun command \"touch " + marker.string() + "\" on [localhost()]\n:simulate off\n");
  EXPECT_TRUE(contains(t.out, "effects are simulated\n")) << t.out;
  EXPECT_TRUE(contains(t.out, "would_dispatch")) << t.out;
  EXPECT_TRUE(contains(t.out, "effects run on this machine\n")) << t.out;
  EXPECT_FALSE(fs::exists(marker));
}

TEST(ReplMeta, QuitStopsReading) {
  const Transcript t = repl("1\n:quit\n2\n");
  EXPECT_EQ(t.out, "int = 1\n");
  EXPECT_EQ(t.status, 0);
}

TEST(ReplMeta, UnknownCommand) {
  EXPECT_TRUE(contains(repl(":frobnicate\n").out, "unknown command `:frobnicate`"));
}

TEST(ReplSession, PipedSessionLeavesNoHistory) {
  EXPECT_FALSE(repl("1\n").wrote_history);
}

// ---- Input assembly and completion -----------------------------------------------------------

TEST(ReplInput, CompleteWhenBracketsClose) {
  using wf::repl::input_complete;
  EXPECT_TRUE(input_complete("1 + 2"));
  EXPECT_FALSE(input_complete("fn f() {"));
  EXPECT_FALSE(input_complete("let xs = [1,"));
  EXPECT_TRUE(input_complete("fn f() {\n}"));
  EXPECT_FALSE(input_complete("let x = 1 +"));
  EXPECT_FALSE(input_complete("let ok = a and"));
  EXPECT_TRUE(input_complete("let s = \"{ not a brace\""));
  EXPECT_TRUE(input_complete("let s = \"{{ join([\"a\"], \"}\") }}\""));
  EXPECT_FALSE(input_complete("let s = \"\"\"\nopen"));
  EXPECT_TRUE(input_complete("let s = \"\"\"\nclosed\n\"\"\""));
  EXPECT_FALSE(input_complete("let b = r\"\"\"\nraw {"));
  EXPECT_TRUE(input_complete("let x = 1 // a comment {"));
  EXPECT_FALSE(input_complete("/* open"));
  EXPECT_TRUE(input_complete("}"));  // the parser reports it
}

TEST(ReplInput, Classify) {
  using wf::repl::classify;
  using wf::repl::InputKind;
  EXPECT_EQ(classify("  "), InputKind::Empty);
  EXPECT_EQ(classify("// just a comment"), InputKind::Empty);
  EXPECT_EQ(classify(":vars"), InputKind::Meta);
  EXPECT_EQ(classify("fn f() {}"), InputKind::Declarations);
  EXPECT_EQ(classify("/// docs\nfn f() {}"), InputKind::Declarations);
  EXPECT_EQ(classify("@trigger(manual) workflow w() {}"), InputKind::Declarations);
  EXPECT_EQ(classify("import \"x.wf\""), InputKind::Declarations);
  EXPECT_EQ(classify("let typed = 1"), InputKind::Statements);
  EXPECT_EQ(classify("1 + 2"), InputKind::Statements);
}

TEST(ReplCompletion, KeywordsBuiltinsMetaCommandsAndSessionNames) {
  wf::repl::Session session({});
  session.set_variable({"restart_count", "int", false, {}});
  session.declare({"restart_web", "workflow", "workflow restart_web() {}", 1});
  using V = std::vector<std::string>;
  EXPECT_EQ(wf::repl::complete(session, "restart_"), (V{"restart_count", "restart_web"}));
  EXPECT_EQ(wf::repl::complete(session, ":s"), (V{":simulate"}));
  EXPECT_EQ(wf::repl::complete(session, "parall"), (V{"parallel"}));
  EXPECT_EQ(wf::repl::complete(session, "star"), (V{"starts_with"}));
  const V all = wf::repl::complete(session, "");
  EXPECT_NE(std::find(all.begin(), all.end(), "workflow"), all.end());
  EXPECT_NE(std::find(all.begin(), all.end(), "localhost"), all.end());
  EXPECT_EQ(std::find(all.begin(), all.end(), ":quit"), all.end());
}
