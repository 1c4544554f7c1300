// Binding a workflow's parameters from text, the way `wf run` does (SPEC §6): `--param k=v`
// converted to the parameter's type, `--hosts a,b` for `hosts` parameters, and defaults computed
// by their own small functions of the module. Shared by the CLI and the language test harness so
// both bind arguments the same way.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bytecode/module.h"
#include "vm/machine.h"
#include "vm/program.h"
#include "vm/value.h"

namespace wf::local {

// Converts `text` to a value of the type written `type_text` (SPEC §6: int, float, bool, string,
// duration; lists, maps, records and json as JSON). nullopt with `error` set when it does not fit.
std::optional<vm::Value> convert_param(const std::string& type_text, const std::string& text, std::string& error);

// `a,b,,c` → ["a", "b", "c"]: empty parts are dropped.
std::vector<std::string> split_commas(const std::string& s);

// A message naming the first of `given`'s names that is not a parameter of `w`, or nullopt.
std::optional<std::string> unknown_parameter(const bytecode::Workflow& w, const std::map<std::string, std::string>& given);

struct BindError {
  enum class Kind {
    Usage,   // a parameter is missing, unknown or malformed (`wf run` exits 2)
    Failed,  // a default's computation raised an error (`wf run` exits 1)
  };
  Kind kind = Kind::Usage;
  std::string message;  // one line, without a prefix
};

// The arguments of workflow `w`, in parameter order. `given` holds NAME → VALUE text; `hosts` is
// the comma-separated host names bound to every `hosts` parameter not given by name. Defaults run
// on a Machine of `program` with `host` as its host. `host_record` makes the host record of a
// name (the service looks names up among its registered hosts); by default it is this machine's
// (local_host_record). nullopt on success.
std::optional<BindError> bind_arguments(const std::shared_ptr<const vm::Program>& program, const bytecode::Workflow& w,
                                        const std::map<std::string, std::string>& given, const std::string& hosts,
                                        vm::Host& host, std::vector<vm::Value>& args,
                                        const std::function<vm::Value(const std::string&)>& host_record = {});

}  // namespace wf::local
