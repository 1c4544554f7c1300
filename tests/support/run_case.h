// Run cases: a `.wf` test file whose comments say how to run it and what must come of it. The
// directives (each a comment line of its own kind, anywhere in the file):
//
//   // expect: <json>              the workflow completes and its return value, as `wf run`
//                                  prints it, equals this JSON (`null` for no value). Several
//                                  `expect:` lines are joined into one JSON text.
//   // expect-error: <kind> [text] the workflow fails with an Error of this kind (SPEC §1.7)
//                                  whose message contains `text` when it is given
//   // hosts: a,b                  binds the one `hosts` parameter (as `wf run --hosts`)
//   // param: name=value           as `wf run --param` (repeatable)
//   // approve: yes|no             answers every approval (default yes)
//   // workflow: name              which workflow runs, when the file has several
//   // vault: <json>               the vault, in the format of a `--vault` file, on one line
//   // event: name=<json>          an event for `wait event` (repeatable)
//
// Runs are always `fast`: sleeps and retry delays are skipped. Parameters are bound by the same
// code as `wf run` (local/params.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace wf::test {

struct RunDirectives {
  std::optional<std::string> expect_json;
  std::optional<std::string> expect_error_kind;
  std::string expect_error_text;  // empty: any message
  std::string hosts;
  std::map<std::string, std::string> params;
  bool approve = true;
  std::string workflow;
  std::optional<std::string> vault;
  std::map<std::string, std::string> events;

  // A file is a run case when it says what must come of the run.
  bool is_run_case() const { return expect_json.has_value() || expect_error_kind.has_value(); }
};

// Reads the directives of a case's source text. False with `error` set (naming the line) for a
// malformed directive: an `expect:` that is not JSON, both `expect:` and `expect-error:`, an
// `approve:` other than yes or no, a `param:` or `event:` without `=`, a repeated one-off.
bool parse_run_directives(std::string_view source, RunDirectives& out, std::string& error);

struct RunCaseOptions {
  // Passed to LocalOptions::suspend_at_effects: at every effect the machine is written to a
  // continuation and replaced by one restored from it. A case must give the same outcome either
  // way.
  bool suspend_at_effects = false;
};

struct RunCaseResult {
  bool passed = false;
  std::string failure;   // why the case did not pass, when it did not
  std::string timeline;  // what the run did, for the failure report
};

// Compiles the file at `path` (with its imports), runs it in-process with the local host as the
// directives say, and compares the outcome with their expectation.
RunCaseResult run_case(const std::string& path, const RunDirectives& directives, const RunCaseOptions& options = {});

}  // namespace wf::test
