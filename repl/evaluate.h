// Evaluating one input of a session: compile it as the session's synthetic module (synthetic.h),
// run it on the local host — jobs on this machine, approvals asked, sleeps waited, checkouts from
// the vault, notifications printed — or on the simulation host under `:simulate on`, print what
// came of it, and keep its declarations and variables. Nothing here throws or ends the session:
// a compile error prints its diagnostics with a caret under the input, a runtime error its kind
// and message, and the session stays as it was.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include "bytecode/module.h"
#include "repl/session.h"

namespace wf::repl {

// What evaluation needs of the REPL around it.
struct Io {
  std::ostream* out = nullptr;  // the transcript: results, diagnostics, the timeline
  bool color = false;
  // Answers an approval titled `title`: (approved, note).
  std::function<std::pair<bool, std::string>(const std::string& title)> ask;
  // Shows the time left of a sleep (0: the wait is over); may be empty.
  std::function<void(int64_t left_ms)> countdown;
  const std::atomic<bool>* cancel = nullptr;  // Ctrl-C: stop the running effect
};

// Values print as `wf run` prints its result: JSON, with durations and times as their strings.
std::string value_text(const vm::Value& v);

// Declarations (fn, type, const, script, library, workflow, import): checked with the session's,
// then kept. A declaration with the name of an earlier one replaces it.
void evaluate_declarations(Session& session, const std::string& input, const Io& io);

// Statements or one expression, run as the body of the session's workflow. Prints each variable
// the input binds at its top level (`x: int = 5`), or an expression's value (`int = 3`; a bare
// variable name prints as `x: int = 5`).
void evaluate_statements(Session& session, const std::string& input, const Io& io);

// `:type EXPR`: the expression's type in wf syntax, or nullopt after printing why not.
std::optional<std::string> type_of(const Session& session, const std::string& expr, const Io& io);

// `:disasm`: the session's module with `expr` as the body of its workflow (empty: no workflow),
// or nullopt after printing why not.
std::optional<bytecode::Module> compile_for_listing(const Session& session, const std::string& expr, const Io& io);

}  // namespace wf::repl
