// A compiled module (SPEC §2): everything `wf build` writes and a VM loads. These are plain data;
// module_codec.h turns them into msgpack bytes and back, and verifier.h checks them before any
// instruction runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bytecode/ops.h"

namespace wf::bytecode {

// Bumped whenever the encoding or the meaning of any field changes; a loader refuses others.
constexpr uint32_t kFormatVersion = 1;

enum class ConstKind : uint8_t { None, Bool, Int, Float, Duration, String };

struct Constant {
  ConstKind kind = ConstKind::None;
  int64_t i = 0;  // Bool (0/1), Int, Duration (ms)
  double f = 0;
  std::string s;
  bool operator==(const Constant&) const = default;
};

// An exception handler: while pc is in [start, end), an error jumps to `target` with the Error
// record in register `reg`. A catch handler does not see the uncatchable kinds (`cancelled`, the
// instance `timeout`); a finally handler sees every error and re-raises it when it is done.
struct Handler {
  uint32_t start = 0, end = 0, target = 0;
  uint8_t reg = 0;
  bool is_finally = false;
  bool operator==(const Handler&) const = default;
};

struct LineEntry {
  uint32_t pc = 0;  // from this instruction on...
  uint32_t line = 0;  // ...the source line is this (until the next entry)
  bool operator==(const LineEntry&) const = default;
};

// A named local, for the debugger, the variables view and the REPL.
struct LocalName {
  std::string name;
  uint8_t reg = 0;
  uint32_t start = 0, end = 0;  // live range, in instructions
  bool operator==(const LocalName&) const = default;
};

enum class FunctionKind : uint8_t { Fn, Workflow, Branch, Init };

struct Function {
  std::string name;
  FunctionKind kind = FunctionKind::Fn;
  uint8_t num_params = 0;
  uint8_t num_registers = 0;  // the frame's size; every register operand is below it
  // Every register of this function only ever holds scalars (the compiler proved it from the
  // static types), so a return has no references to release from the frame.
  bool scalar_registers = false;
  uint32_t source = 0;        // index into Module::sources
  std::vector<Instr> code;
  std::vector<LineEntry> lines;
  std::vector<Handler> handlers;  // innermost first for nested ranges
  std::vector<LocalName> locals;
  bool operator==(const Function&) const = default;
};

struct Param {
  std::string name;
  std::string type;          // as written in wf syntax (`hosts`, `int`, `list<string>`)
  int32_t default_fn = -1;   // a function of no arguments computing the default, or -1
  bool operator==(const Param&) const = default;
};

struct Annotation {
  std::string name;
  std::string args;  // the arguments as compact JSON (`{"percent": 10, "threshold": 80}`)
  bool operator==(const Annotation&) const = default;
};

// A variable live where a top-level step begins: its register and its type as wf writes it.
struct StepVariable {
  std::string name;
  uint8_t reg = 0;
  std::string type;
  bool operator==(const StepVariable&) const = default;
};

// A `step "NAME"` directly in a workflow's body, with a literal name: where its code begins
// (`entry`, before its name and retry policy are evaluated), where its STEP instruction opens it
// (`open_pc`), and the variables live at its entry. An instance waiting inside such a step can be
// moved to another version of its workflow that has a step of the same name (SPEC §4.11).
struct TopStep {
  std::string name;
  uint32_t entry = 0, open_pc = 0;
  std::vector<StepVariable> variables;
  bool operator==(const TopStep&) const = default;
};

struct Workflow {
  std::string name;
  uint32_t function = 0;
  std::vector<Param> params;
  std::string result_type;  // empty: returns nothing
  std::vector<Annotation> annotations;
  std::string docs;
  std::vector<TopStep> steps;  // in source order
  bool operator==(const Workflow&) const = default;
};

struct Script {
  std::string name;
  std::string lang;  // bash | python | powershell
  int64_t timeout_ms = 300'000;
  bool elevated = false;
  std::vector<uint32_t> uses;  // indices into Module::scripts of libraries, in order
  std::string body;
  std::vector<Param> params;
  bool is_library = false;
  std::string docs;  // its `///` lines, joined, for the script library (GET /scripts)
  bool operator==(const Script&) const = default;
};

struct Source {
  std::string path;
  std::string sha256;  // hex digest of the file's bytes
  bool operator==(const Source&) const = default;
};

struct Module {
  uint32_t format_version = kFormatVersion;
  std::vector<Source> sources;
  std::vector<Constant> constants;
  std::vector<std::vector<std::string>> shapes;  // record field names, for NEWREC
  // CALLB's X indexes this. Each entry names one overload as `name(signature)`, e.g.
  // `len(s: string) -> int`; the loader maps it to this build's stdlib table, whose order may differ.
  std::vector<std::string> builtins;
  std::vector<std::string> globals;              // module constants, set by the init function
  int32_t init_function = -1;
  std::vector<Function> functions;
  std::vector<Workflow> workflows;
  std::vector<Script> scripts;    // scripts and libraries (is_library)
  bool operator==(const Module&) const = default;
};

// The index in `m.workflows` of the workflow named `name`, or none. A module's workflow names are
// unique (the checker reports a duplicate declaration), so there is at most one.
std::optional<uint32_t> find_workflow(const Module& m, std::string_view name);

}  // namespace wf::bytecode
