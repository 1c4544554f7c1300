// Turning a run effect into an executor job for one host (see job_plan.h).
#include "effects/job_plan.h"

#include <fmt/format.h>

#include <cctype>

#include "effects/records.h"
#include "jobs/script_assembly.h"
#include "jobs/shell_quote.h"
#include "vm/render.h"
#include "vm/shape.h"

namespace wf::effects {

using vm::Value;

std::string job_priority(const Value& args) {
  const std::string given = field_string(args, "priority");
  if (!given.empty()) return given;
  const std::string job = field_string(args, "job");
  if (job == "service_control" || job == "process_control" || job == "user_control" || job == "group_control")
    return "critical";
  if (job == "network_diagnostic") return "high";
  return "normal";
}

std::string param_variable(std::string_view name) {
  std::string out = "WF_PARAM_";
  for (char c : name) out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  return out;
}

namespace {

using Plan = std::variant<PlannedJob, std::string>;

std::string join_words(const std::vector<std::string>& argv) {
  std::string out;
  for (const std::string& a : argv) {
    if (!out.empty()) out += ' ';
    out += jobs::shell_quote(a);
  }
  return out;
}

Plan argv_job(std::vector<std::string> argv) {
  PlannedJob j;
  j.description = join_words(argv);
  j.spec.argv = std::move(argv);
  return j;
}

// The typed job kinds of SPEC §1.6, as the commands a Linux agent runs for them.
Plan typed_job(const std::string& kind, const Value& p) {
  const std::string action = field_string(p, "action");
  if (kind == "service_control") {
    static const char* kActions[] = {"start", "stop", "restart", "reload", "status", "enable", "disable"};
    for (const char* a : kActions)
      if (action == a) return argv_job({"systemctl", action, field_string(p, "service")});
    return fmt::format("service_control: unknown action `{}` (start, stop, restart, reload, status, enable, disable)", action);
  }
  if (kind == "process_control") {
    const std::string name = field_string(p, "name");
    if (action == "kill" || action == "force_kill") return argv_job({"pkill", "-KILL", "-x", name});
    if (action == "terminate" || action == "stop") return argv_job({"pkill", "-TERM", "-x", name});
    if (action == "status") return argv_job({"pgrep", "-a", "-x", name});
    return fmt::format("process_control: unknown action `{}` (kill, force_kill, terminate, status)", action);
  }
  if (kind == "network_diagnostic") {
    const std::string tool = field_string(p, "tool"), target = field_string(p, "target");
    const Value& port = field(p, "port");
    const int64_t count = field_int(p, "count", 4);
    if (tool == "ping") return argv_job({"ping", "-c", std::to_string(count), target});
    if (tool == "port_check") {
      if (port.tag != vm::Tag::Int) return std::string("network_diagnostic: `port_check` needs `port`");
      // bash's /dev/tcp opens the connection; target and port arrive as arguments, not as text.
      return argv_job({"timeout", "10", "bash", "-c", "exec 3<>\"/dev/tcp/$1/$2\"", "port_check", target,
                       std::to_string(port.i)});
    }
    if (tool == "dns" || tool == "dns_lookup") return argv_job({"getent", "hosts", target});
    if (tool == "dig") return argv_job({"dig", "+short", target});
    if (tool == "traceroute") return argv_job({"traceroute", target});
    return fmt::format("network_diagnostic: unknown tool `{}` (ping, port_check, dns, dig, traceroute)", tool);
  }
  if (kind == "software_install") {
    std::string package = field_string(p, "package");
    const std::string version = field_string(p, "version");
    if (!version.empty()) package += "=" + version;
    Plan plan = argv_job({"apt-get", "install", "-y", "--no-install-recommends", package});
    std::get<PlannedJob>(plan).spec.env["DEBIAN_FRONTEND"] = "noninteractive";
    return plan;
  }
  if (kind == "user_control") {
    const std::string user = field_string(p, "user");
    std::string groups;
    const Value& g = field(p, "groups");
    if (g.tag == vm::Tag::List)
      for (const Value& v : vm::as_list(g)) {
        if (!groups.empty()) groups += ',';
        groups += vm::render(v);
      }
    if (action == "create") {
      std::vector<std::string> argv = {"useradd", "-m"};
      if (!groups.empty()) argv.insert(argv.end(), {"-G", groups});
      argv.push_back(user);
      return argv_job(argv);
    }
    if (action == "delete") return argv_job({"userdel", "-r", user});
    if (action == "lock") return argv_job({"usermod", "-L", user});
    if (action == "unlock") return argv_job({"usermod", "-U", user});
    // The password expires at once, so the user must choose a new one at the next login.
    if (action == "reset_password") return argv_job({"passwd", "--expire", user});
    if (action == "add_groups" && !groups.empty()) return argv_job({"usermod", "-aG", groups, user});
    return fmt::format("user_control: unknown action `{}` (create, delete, lock, unlock, reset_password, add_groups)", action);
  }
  if (kind == "group_control") {
    const std::string group = field_string(p, "group"), user = field_string(p, "user");
    if (action == "create") return argv_job({"groupadd", group});
    if (action == "delete") return argv_job({"groupdel", group});
    if (action == "add_member") return argv_job({"gpasswd", "-a", user, group});
    if (action == "remove_member") return argv_job({"gpasswd", "-d", user, group});
    return fmt::format("group_control: unknown action `{}` (create, delete, add_member, remove_member)", action);
  }
  return fmt::format("unknown job kind `{}`", kind);
}

jobs::Interpreter interpreter_of(const std::string& lang) {
  if (lang == "python") return jobs::Interpreter::Python;
  if (lang == "powershell") return jobs::Interpreter::PowerShell;
  return jobs::Interpreter::Bash;
}

Plan script_job(const bytecode::Module& module, const Value& args) {
  const std::string name = field_string(args, "script");
  const bytecode::Script* script = nullptr;
  for (const auto& s : module.scripts)
    if (!s.is_library && s.name == name) script = &s;
  if (!script) return fmt::format("unknown script `{}`", name);
  std::vector<std::pair<std::string, Value>> params;
  const Value& given = field(args, "params");
  if (given.tag == vm::Tag::Record) {
    const vm::RecObj& r = vm::as_record(given);
    for (size_t i = 0; i < r.fields.size(); ++i) params.emplace_back(r.shape->names()[i], r.fields[i]);
  }
  return plan_script(module, *script, params);
}

}  // namespace

PlannedJob plan_script(const bytecode::Module& module, const bytecode::Script& script,
                       const std::vector<std::pair<std::string, Value>>& params) {
  std::vector<std::string> libraries;
  for (uint32_t index : script.uses)
    if (index < module.scripts.size()) libraries.push_back(module.scripts[index].body);
  PlannedJob j;
  j.spec.script_body = jobs::assemble_script(libraries, script.body);
  j.spec.interpreter = interpreter_of(script.lang);
  j.spec.timeout = std::chrono::milliseconds(script.timeout_ms);
  j.spec.elevated = script.elevated;
  // Parameters reach the script only through its environment: never spliced into its text.
  for (const auto& [name, value] : params) j.spec.env[param_variable(name)] = vm::render(value);
  j.description = "script " + script.name;
  return j;
}

Plan plan_job(const bytecode::Module& module, const Value& args, const Value& host, const std::optional<JobCredential>& as) {
  const std::string job = field_string(args, "job");
  Plan plan;
  if (job == "script") {
    plan = script_job(module, args);
  } else if (job == "command") {
    std::vector<std::string> argv;
    for (const Value& v : vm::as_list(field(args, "command"))) argv.push_back(vm::as_string(v));
    if (argv.empty()) return std::string("an empty command");
    plan = argv_job(std::move(argv));
  } else if (job == "shell") {
    // Literal text at even positions, interpolated values at odd ones: the values are quoted.
    std::string command;
    const auto& parts = vm::as_list(field(args, "command"));
    for (size_t i = 0; i < parts.size(); ++i)
      command += i % 2 == 0 ? vm::as_string(parts[i]) : jobs::shell_quote(vm::as_string(parts[i]));
    PlannedJob j;
    j.description = command;
    j.spec.shell_command = std::move(command);
    plan = std::move(j);
  } else {
    plan = typed_job(job, field(args, "payload"));
  }
  if (auto* j = std::get_if<PlannedJob>(&plan)) {
    const Value& timeout = field(args, "timeout");
    if (timeout.tag == vm::Tag::Duration) j->spec.timeout = std::chrono::milliseconds(timeout.i);
    j->spec.env["WF_HOST"] = field_string(host, "hostname");
    if (as) {
      // The credential reaches the process through its environment only (SPEC §4.2).
      j->spec.env["WF_CREDENTIAL_USERNAME"] = as->username;
      j->spec.env["WF_CREDENTIAL_DOMAIN"] = as->domain;
      j->spec.env["WF_CREDENTIAL_TYPE"] = as->credential_type;
      j->spec.env["WF_CREDENTIAL_SECRET"] = as->secret;
    }
  }
  return plan;
}

}  // namespace wf::effects
