// What a REPL session remembers between inputs: the source of its declarations, the files it
// loaded, and the values of its variables with their types. Nothing else survives an input: each
// one is compiled afresh from this state (synthetic.h), so an effect never runs twice.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "local/local_runner.h"
#include "local/notifier.h"
#include "vm/value.h"

namespace wf::repl {

// One accepted top-level declaration, kept as the text the operator typed (with the comments,
// docs and annotations before it). A later declaration of the same name replaces it.
struct Declaration {
  std::string name;   // empty for `import`
  std::string kind;   // "fn", "type", "const", "script", "library", "workflow", "import"
  std::string text;
  uint32_t input = 0; // the number of the input it came from, to name it in diagnostics
};

// A `let` or `var` of the session's top level, with the value it holds now.
struct Variable {
  std::string name;
  std::string type;  // in wf syntax (type_name), as the checker inferred it
  bool is_var = false;
  vm::Value value;
};

struct SessionOptions {
  bool fast = false;                        // --fast: sleeps and retry delays do not wait
  std::vector<local::VaultIdentity> vault;  // --vault FILE
  // What each `notify` shows, or sends with --notify FILE; one for the session, so that its
  // notifications are numbered across inputs.
  std::shared_ptr<local::Notifier> notifier = std::make_shared<local::Notifier>(std::nullopt);
  std::string notify_file;  // the channels file it sends through, "" when it only shows
};

class Session {
 public:
  explicit Session(SessionOptions options) : options_(std::move(options)) {}

  const SessionOptions& options() const { return options_; }

  const std::vector<Declaration>& declarations() const { return declarations_; }
  // Adds `d`, replacing an earlier declaration of the same name (imports are kept once each).
  void declare(Declaration d);
  // Whether a declaration named `name` is being replaced: the checker must not see both.
  bool declares(std::string_view name) const;

  // Files loaded with `:load`, as absolute paths, imported into every input's module.
  const std::vector<std::string>& loaded() const { return loaded_; }
  void load(std::string absolute_path);

  const std::vector<Variable>& variables() const { return variables_; }
  const Variable* variable(std::string_view name) const;
  // Sets a variable: in its place when it exists (a redeclaration may change its type), else at
  // the end.
  void set_variable(Variable v);
  // Replaces them all: what an input hands back is the whole set, in order.
  void set_variables(std::vector<Variable> vs) { variables_ = std::move(vs); }

  bool simulate() const { return simulate_; }
  void set_simulate(bool on) { simulate_ = on; }

  // What `notify` does from now on (`:notify FILE|off`): sends through `file`'s channels, or
  // with none only shows.
  void set_notifier(std::shared_ptr<local::Notifier> notifier, std::string file) {
    options_.notifier = std::move(notifier);
    options_.notify_file = std::move(file);
  }

  // Numbers inputs from 1, so diagnostics can name the input a declaration came from.
  uint32_t next_input() { return ++inputs_; }
  uint32_t current_input() const { return inputs_; }

  // Forgets declarations, loaded files and variables (`:reset`); options and modes stay.
  void reset();

 private:
  SessionOptions options_;
  std::vector<Declaration> declarations_;
  std::vector<std::string> loaded_;
  std::vector<Variable> variables_;
  bool simulate_ = false;
  uint32_t inputs_ = 0;
};

}  // namespace wf::repl
