// Binding a workflow's parameters from text, the way `wf run` does (SPEC §6): `--param k=v`
// converted to the parameter's type, `--hosts a,b` for the workflow's one `hosts` parameter, and
// defaults computed by their own small functions of the module. Shared by the CLI, the service's
// run endpoint and the language test harness so all bind arguments the same way.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
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

// Whether a parameter of type `type` takes hosts: `hosts` or `list<host>`, optional or not.
bool is_hosts_type(const std::string& type);

// The hosts a run names for the workflow's `hosts` parameters, besides `--param NAME=a,@g` (which
// `given` holds as text: comma-separated names or a JSON list, `@group` for a host group).
// `unnamed` is `--hosts a,b` or the API's plain `hosts` list (its `groups` as `@group`): it binds
// the workflow's one `hosts` parameter, and is refused when there are none or several, since a
// host list given to every parameter runs one branch's jobs on the other's hosts. `named` is the
// API's `{"hosts": {"app": [...], "db": [...]}}`.
struct HostTargets {
  enum class Syntax { Cli, Api };  // how the caller's messages name the two forms
  std::vector<std::string> unnamed;
  std::map<std::string, std::vector<std::string>> named;
  Syntax syntax = Syntax::Cli;
};

// Which names each `hosts` parameter of `w` is given (a parameter given none is absent), or a
// usage error that names the `hosts` parameters: the one place that decides the binding.
std::variant<std::map<std::string, std::vector<std::string>>, BindError> hosts_by_parameter(
    const bytecode::Workflow& w, const std::map<std::string, std::string>& given, const HostTargets& targets);

// How names become host records. `host_record` makes the record of a name (the service looks
// names up among its registered hosts); empty: this machine's record (local_host_record).
// `group_members` lists a group's host names, nullopt when there is no such group; empty: there
// are no groups (`wf run` and `wf simulate`), and `@group` is a usage error.
struct HostDirectory {
  std::function<vm::Value(const std::string&)> host_record;
  std::function<std::optional<std::vector<std::string>>(const std::string&)> group_members;
};

// The arguments of workflow `w`, in parameter order. `given` holds NAME → VALUE text; `targets`
// names hosts for `hosts` parameters (hosts_by_parameter decides which). Defaults run on a Machine
// of `program` with `host` as its host. nullopt on success.
std::optional<BindError> bind_arguments(const std::shared_ptr<const vm::Program>& program, const bytecode::Workflow& w,
                                        const std::map<std::string, std::string>& given, const HostTargets& targets,
                                        vm::Host& host, std::vector<vm::Value>& args, const HostDirectory& directory = {});

}  // namespace wf::local
