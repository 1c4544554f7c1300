// The wf source of a legacy graph (see emit_source.h).
#include "emit_source.h"

#include <fmt/format.h>

#include <cctype>
#include <filesystem>
#include <functional>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "graph_analysis.h"
#include "import_error.h"
#include "names.h"
#include "templates.h"

namespace wf::legacy {

namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& step, const std::string& message) {
  throw ImportError{fmt::format("step \"{}\": {}", step, message), ""};
}

// The graph is not structured: emit the state machine instead.
struct Unstructured {};

// A step field on the step itself, else in its `config`.
const json& field(const Step& s, const char* name) {
  static const json null_value;
  if (auto it = s.raw.find(name); it != s.raw.end() && !it->is_null()) return *it;
  if (auto it = s.config.find(name); it != s.config.end()) return *it;
  return null_value;
}

std::string text_field(const Step& s, const char* name) {
  const json& v = field(s, name);
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number() || v.is_boolean()) return v.dump();
  bad(s.id, fmt::format("`{}` must be text", name));
}

std::optional<int64_t> seconds_field(const Step& s, const char* name) {
  const json& v = field(s, name);
  if (v.is_null()) return std::nullopt;
  if (v.is_number() && v.get<double>() >= 0) return static_cast<int64_t>(v.get<double>());
  if (v.is_string()) {
    try {
      size_t used = 0;
      const long long n = std::stoll(v.get<std::string>(), &used);
      if (used == v.get<std::string>().size() && n >= 0) return n;
    } catch (const std::exception&) {
    }
  }
  bad(s.id, fmt::format("`{}` must be a number of at least 0", name));
}

// A script the steps run: from the exported file, or a stand-in that fails.
struct ScriptDecl {
  std::string name;  // its wf name
  std::string lang = "bash";
  std::string body;
  int64_t timeout_seconds = 0;
  std::vector<std::pair<std::string, std::string>> params;  // wf name, default text
  std::map<std::string, std::string> param_by_legacy;       // legacy name -> wf name
};

class Emitter {
 public:
  Emitter(const Graph& g, const EmitOptions& options) : g_(g), a_(g), options_(options) {}

  Emitted run() {
    Emitted out;
    out.workflow = workflow_name();
    prepare_scope();
    for (size_t i = 0; i < g_.steps.size(); ++i)
      if (!a_.reachable(i))
        warn(fmt::format("step \"{}\" is unreachable from the first step \"{}\"; it is not imported", g_.steps[i].id, g_.steps[0].id));
    if (auto cycle = a_.cycle_without_delay(); !cycle.empty()) {
      std::string path;
      for (const std::string& id : cycle) path += id + " -> ";
      throw ImportError{fmt::format("step \"{}\": the cycle {}{} has no delay step, so it would loop without waiting; add a delay step to it",
                                    cycle[0], path, cycle[0]),
                        ""};
    }
    std::string body;
    try {
      emitted_.assign(g_.steps.size(), false);
      indent_ = 1;
      depth_ = 0;
      region(0, a_.exit());
      body = std::move(lines_);
    } catch (const Unstructured&) {
      out.structured = false;
      lines_.clear();
      depth_ = 0;
      state_machine();
      body = std::move(lines_);
    }
    for (const auto& [id, what] : scope_.used_outputs)
      if (in_branch_.count(id))
        bad(id, fmt::format("a later step reads its output ({{{{step_{}.{}}}}}), but it runs inside a parallel branch, which cannot "
                            "hand values to the steps after it; move it out of the parallel step",
                            id, what));
    out.source = header(out.workflow) + declarations() + body + "}\n" + scripts();
    out.warnings = std::move(warnings_);
    return out;
  }

 private:
  // ---- output ----
  void line(const std::string& text) { lines_ += std::string(indent_ * 2, ' ') + text + "\n"; }
  void open(const std::string& text) { line(text + " {"), ++indent_; }
  void close(const std::string& after = "") { --indent_, line("}" + after); }
  void warn(const std::string& w) { warnings_.push_back(w); }

  std::string workflow_name() const {
    std::string s;
    for (char c : g_.name) s += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '_';
    std::string collapsed;
    for (char c : s)
      if (!(c == '_' && (collapsed.empty() || collapsed.back() == '_'))) collapsed += c;
    while (!collapsed.empty() && collapsed.back() == '_') collapsed.pop_back();
    if (collapsed.empty()) collapsed = "imported_workflow";
    return identifier(collapsed);
  }

  // ---- names templates may use ----
  void prepare_scope() {
    std::set<std::string> taken = {"targets", "next_step", "step_failed", "condition_holds", "target_host", "r"};
    for (const Variable& v : g_.variables) {
      std::string name = identifier(v.name);
      if (taken.count(name) || name.rfind("step_", 0) == 0) name = "var_" + name;
      for (int n = 2; taken.count(name); ++n) name = fmt::format("var_{}_{}", identifier(v.name), n);
      if (name != v.name) warn(fmt::format("variable \"{}\" is the parameter `{}` (\"{}\" cannot name a wf parameter)", v.name, name, v.name));
      taken.insert(name);
      ValueType type = ValueType::String;
      std::string type_text = "string", default_text;
      const json& d = v.default_value;
      if (d.is_boolean()) type = ValueType::Bool, type_text = "bool", default_text = d.get<bool>() ? "true" : "false";
      else if (d.is_number_integer()) type = ValueType::Int, type_text = "int", default_text = d.dump();
      else if (d.is_number_float()) type = ValueType::Float, type_text = "float", default_text = number_text(d.get<double>());
      else if (d.is_string()) default_text = quoted(d.get<std::string>());
      else if (!d.is_null()) {
        default_text = quoted(d.dump());
        warn(fmt::format("variable \"{}\": its default is not text, a number or a boolean; `{}` is a string holding its JSON", v.name, name));
      }
      if (type == ValueType::Float && default_text.find('.') == std::string::npos && default_text.find('e') == std::string::npos)
        default_text += ".0";
      scope_.params[v.name] = {name, type};
      params_.push_back(fmt::format("{}: {}{}", name, type_text, default_text.empty() ? "" : " = " + default_text));
    }
    std::function<void(const std::vector<Step>&)> add = [&](const std::vector<Step>& steps) {
      for (const Step& s : steps) {
        scope_.steps[s.id] = s.type == StepType::Script || s.type == StepType::Command;
        if (s.type == StepType::PamCheckout) {
          const std::string identity = text_field(s, "identity");
          if (identity.empty()) bad(s.id, "a pam_checkout needs `identity`, the vault identity to check out");
          std::string variable = text_field(s, "variable_name");
          const std::string name = identifier(variable.empty() ? identity : variable);
          scope_.credentials[identity] = name;
          if (!variable.empty()) scope_.credentials[variable] = name;
        }
        for (const auto& b : s.branches) {
          for (const Step& inner : b) in_branch_.insert(inner.id);
          add(b);
        }
      }
    };
    add(g_.steps);
  }

  // ---- the parts around the body ----
  std::string header(const std::string& name) {
    std::string h = fmt::format("// Imported by `wf import` from the legacy workflow {}.\n", quoted(g_.name.empty() ? name : g_.name));
    if (!g_.description.empty()) h += fmt::format("@description({})\n", quoted(g_.description));
    if (!g_.trigger_type.empty()) {
      static const std::set<std::string> kTriggers = {"manual", "alert_rule", "monitor_action", "service_request", "runbook",
                                                      "schedule", "automation_decision", "webhook"};
      if (kTriggers.count(g_.trigger_type)) h += fmt::format("@trigger({})\n", g_.trigger_type);
      else warn(fmt::format("trigger_type \"{}\" is not a wf trigger; it is left out", g_.trigger_type));
    }
    if (g_.default_timeout_seconds && *g_.default_timeout_seconds > 0) h += fmt::format("@timeout({}s)\n", *g_.default_timeout_seconds);
    if (canary()) {
      const double percent = std::min(100.0, std::max(0.0, *g_.canary_percentage));
      const double threshold = std::min(100.0, std::max(0.0, g_.canary_success_threshold.value_or(80)));
      h += fmt::format("@canary(percent: {}%, threshold: {}%)\n", number_text(percent), number_text(threshold));
    }
    std::string params = "targets: hosts";
    for (const std::string& p : params_) params += ", " + p;
    return h + fmt::format("workflow {}({}) {{\n", name, params);
  }

  bool canary() const { return g_.canary_percentage && *g_.canary_percentage > 0; }

  std::string declarations() {
    std::string d;
    for (const auto& [id, what] : scope_.used_outputs) {
      const std::string v = output_variable(id, what);
      if (what == "stdout") d += fmt::format("  var {} = \"\"\n", v);
      else if (what == "exit_code") d += fmt::format("  var {} = 0\n", v);
      else d += fmt::format("  var {} = parse_json(\"null\")\n", v);
    }
    if (uses_failed_flag_) d += "  var step_failed = false\n";
    if (uses_condition_flag_) d += "  var condition_holds = false\n";
    return d;
  }

  std::string scripts() {
    std::string out;
    for (const ScriptDecl& s : scripts_) {
      std::string params;
      for (const auto& [name, def] : s.params) params += fmt::format("{}{}: string = {}", params.empty() ? "" : ", ", name, quoted(def));
      out += fmt::format("\nscript {}({}) {{\n  lang = {}\n", s.name, params, s.lang);
      if (s.timeout_seconds > 0) out += fmt::format("  timeout = {}s\n", s.timeout_seconds);
      if (s.body.find("\"\"\"") == std::string::npos && s.body.find('\r') == std::string::npos) {
        std::string body = s.body;
        while (!body.empty() && body.back() == '\n') body.pop_back();
        out += fmt::format("  body = r\"\"\"\n{}\n\"\"\"\n", body);
      } else {
        out += fmt::format("  body = {}\n", quoted(s.body));
      }
      out += "}\n";
    }
    return out;
  }

  // ---- scripts ----
  ScriptDecl& script_for(const Step& s) {
    const json& id = field(s, "script_id");
    const std::string script_name = text_field(s, "script");
    std::string key;
    if (!id.is_null()) key = id.is_string() ? id.get<std::string>() : id.dump();
    else if (!script_name.empty()) key = script_name;
    else bad(s.id, "a script step needs `script_id` or `config.script`");
    if (auto it = script_index_.find(key); it != script_index_.end()) return scripts_[it->second];
    ScriptDecl decl;
    json exported;
    std::string exported_from;
    // A key that is not a plain file name is never looked up on disk.
    const bool plain = key.find('/') == std::string::npos && key.find('\\') == std::string::npos && key != "." && key != "..";
    if (!options_.scripts_dir.empty() && plain) {
      namespace fs = std::filesystem;
      std::vector<fs::path> candidates = {fs::path(options_.scripts_dir) / (key + ".json")};
      std::error_code ec;
      if (id.is_null())  // a script named in config.script: the exported file with that `name`
        for (const auto& entry : fs::directory_iterator(options_.scripts_dir, ec))
          if (entry.path().extension() == ".json") candidates.push_back(entry.path());
      for (const fs::path& p : candidates) {
        std::ifstream in(p);
        if (!in) continue;
        std::stringstream text;
        text << in.rdbuf();
        json j = json::parse(text.str(), nullptr, false);
        if (j.is_discarded() || !j.is_object()) {
          if (p == candidates[0]) bad(s.id, fmt::format("the exported script {} is not a JSON object", p.string()));
          continue;
        }
        if (p != candidates[0] && j.value("name", "") != key) continue;
        exported = j, exported_from = p.string();
        break;
      }
    }
    std::set<std::string> names = {workflow_name()};
    for (const ScriptDecl& other : scripts_) names.insert(other.name);
    if (!exported.is_null()) {
      std::string base = identifier(exported.value("name", "script_" + key));
      if (names.count(base)) base += "_script";
      decl.name = base;
      for (int n = 2; names.count(decl.name); ++n) decl.name = fmt::format("{}_{}", base, n);
      std::string lang = exported.value("language", "bash");
      for (char& c : lang) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (lang == "bash" || lang == "sh" || lang == "shell") decl.lang = "bash";
      else if (lang == "python" || lang == "python3") decl.lang = "python";
      else if (lang == "powershell" || lang == "ps1" || lang == "pwsh") decl.lang = "powershell";
      else bad(s.id, fmt::format("the exported script {} is in \"{}\"; wf scripts are bash, python or powershell", exported_from, lang));
      if (!exported.contains("content") || !exported["content"].is_string())
        bad(s.id, fmt::format("the exported script {} has no `content`", exported_from));
      decl.body = exported["content"].get<std::string>();
      if (exported.contains("timeout") && exported["timeout"].is_number()) decl.timeout_seconds = exported["timeout"].get<int64_t>();
      const json& params = exported.value("parameters", json());
      auto add_param = [&](const std::string& legacy, const json& def) {
        const std::string name = identifier(legacy);
        decl.param_by_legacy[legacy] = name;
        decl.params.push_back({name, def.is_string() ? def.get<std::string>() : def.is_null() ? "" : def.dump()});
      };
      if (params.is_object()) {
        for (const auto& [k, v] : params.items()) add_param(k, v.is_object() ? v.value("default", json()) : v);
      } else if (params.is_array()) {
        for (const json& p : params) {
          if (p.is_string()) add_param(p.get<std::string>(), json());
          else if (p.is_object() && p.contains("name") && p["name"].is_string()) add_param(p["name"].get<std::string>(), p.value("default", json()));
        }
      }
    } else {
      decl.name = identifier(fmt::format("legacy_script_{}", key));
      for (int n = 2; names.count(decl.name); ++n) decl.name = fmt::format("legacy_script_{}_{}", identifier(key), n);
      decl.body = fmt::format("echo \"legacy script {} was not imported\" >&2\nexit 2\n", key);
      warn(fmt::format("step \"{}\": legacy script {} was not imported ({}); the step fails with exit code 2 until it is",
                       s.id, key, options_.scripts_dir.empty() ? "no --scripts directory" : "not found under " + options_.scripts_dir));
    }
    script_index_[key] = scripts_.size();
    scripts_.push_back(std::move(decl));
    return scripts_.back();
  }

  // ---- one step ----
  void name_comment(const Step& s) {
    if (s.name.empty()) return;
    std::string name;
    for (char c : s.name) name += c == '\n' || c == '\r' ? ' ' : c;
    line("// " + name);
  }

  std::string step_open(const Step& s) {
    std::string head = fmt::format("step {}", quoted(s.id));
    if (s.retry_count > 0) head += fmt::format(" retry {} every {}s", s.retry_count, s.retry_delay_seconds);
    return head;
  }

  // The run of a script or command step, with what later templates read of it recorded.
  void emit_run(const Step& s) {
    std::string job;
    std::vector<std::string> texts;
    ScriptDecl* script = nullptr;
    std::vector<std::pair<std::string, std::string>> args;  // legacy name, text
    if (s.type == StepType::Command) {
      const std::string command = text_field(s, "command");
      if (command.empty()) bad(s.id, "a command step needs `config.command`");
      texts.push_back(command);
    } else {
      script = &script_for(s);
      const json& params = field(s, "parameters");
      if (!params.is_null() && !params.is_object()) bad(s.id, "`parameters` must map parameter names to values");
      if (params.is_object())
        for (const auto& [k, v] : params.items()) {
          args.push_back({k, v.is_string() ? v.get<std::string>() : v.dump()});
          texts.push_back(args.back().second);
        }
    }
    bool per_host = false;
    for (const std::string& t : texts) per_host = per_host || uses_host_templates(t);
    const std::string host = per_host ? "target_host" : "";
    if (s.type == StepType::Command) {
      job = "command " + string_expr(texts[0], scope_, s.id, host);
    } else {
      std::string list;
      for (const auto& [k, text] : args) {
        auto it = script->param_by_legacy.find(k);
        if (it == script->param_by_legacy.end()) {
          const std::string name = identifier(k);
          script->param_by_legacy[k] = name;
          script->params.push_back({name, ""});
          it = script->param_by_legacy.find(k);
        }
        list += fmt::format("{}{}: {}", list.empty() ? "" : ", ", it->second, string_expr(text, scope_, s.id, host));
      }
      job = fmt::format("script {}{}", script->name, list.empty() ? "" : "(" + list + ")");
    }
    std::string clauses = per_host ? " on [target_host]" : " on targets";
    if (!s.run_as.empty()) clauses += " as " + credential_name(s.run_as, scope_, s.id);
    if (auto t = seconds_field(s, "timeout_seconds"); t && *t > 0) clauses += fmt::format(" timeout {}s", *t);
    if (canary() && !per_host) clauses += " canary";
    // Which outputs later templates read is known only once every step is emitted: record all
    // three when any template reads this step, and let declarations() declare the ones read.
    const std::string records = "@@RECORD:" + s.id + "@@";
    // A step whose output templates read keeps its output when its jobs fail too (a later
    // conditional may test the exit code): the run allows failure, records, then fails the step.
    clauses += "@@ALLOW:" + s.id + "@@";
    if (per_host) {
      // The hosts' jobs run at once, unless a template reads the step's output: a parallel
      // iteration cannot set a variable around it, so then they run one host after another.
      open("@@LOOP:" + s.id + "@@");
      line(fmt::format("let r = run {}{}", job, clauses));
      line(records + "per_host");
      close();
    } else {
      line(fmt::format("let r = run {}{}", job, clauses));
      line(records);
    }
  }

  void emit_core(const Step& s) {
    switch (s.type) {
      case StepType::Script:
      case StepType::Command:
        emit_run(s);
        break;
      case StepType::Approval: {
        std::string title = text_field(s, "title");
        if (title.empty()) title = s.name.empty() ? fmt::format("Approve {}?", s.id) : s.name;
        std::string text = "approve " + string_expr(title, scope_, s.id);
        const json& approvers = field(s, "approvers");
        if (!approvers.is_null()) {
          if (!approvers.is_array()) bad(s.id, "`approvers` must be a list such as [\"role:admin\", \"user:5\"]");
          std::string list;
          for (const json& a : approvers) {
            const std::string who = a.is_string() ? a.get<std::string>() : a.dump();
            std::string item;
            if (who.rfind("role:", 0) == 0) item = fmt::format("role({})", quoted(who.substr(5)));
            else if (who.rfind("user:", 0) == 0) item = fmt::format("user({})", quoted(who.substr(5)));
            else bad(s.id, fmt::format("approver \"{}\" is neither role:NAME nor user:ID", who));
            list += (list.empty() ? "" : ", ") + item;
          }
          if (!list.empty()) text += " by [" + list + "]";
        }
        const std::string quorum = text_field(s, "approval_type");
        if (!quorum.empty()) {
          static const std::set<std::string> kQuorums = {"singular", "one_of_many", "two_of_many", "all", "majority"};
          if (!kQuorums.count(quorum))
            bad(s.id, fmt::format("unknown approval_type \"{}\" (singular, one_of_many, two_of_many, all or majority)", quorum));
          text += " quorum " + quorum;
        }
        if (auto minutes = seconds_field(s, "timeout_minutes"); minutes && *minutes > 0) text += fmt::format(" timeout {}m", *minutes);
        line(text);
        break;
      }
      case StepType::Conditional:
        line("condition_holds = " + condition_expr(text_field(s, "condition"), scope_, s.id));
        uses_condition_flag_ = true;
        break;
      case StepType::Delay: {
        std::optional<int64_t> seconds = seconds_field(s, "seconds");
        if (!seconds) seconds = seconds_field(s, "delay_seconds");
        if (!seconds) bad(s.id, "a delay step needs `config.seconds`");
        line(fmt::format("sleep {}s", *seconds));
        break;
      }
      case StepType::Notification: {
        const std::string message = text_field(s, "message");
        if (message.empty()) bad(s.id, "a notification needs `config.message`");
        const json& channel = field(s, "channel");
        std::vector<std::string> channels;
        if (channel.is_string()) channels.push_back(channel.get<std::string>());
        else if (channel.is_array())
          for (const json& c : channel) channels.push_back(c.is_string() ? c.get<std::string>() : c.dump());
        if (channels.empty()) bad(s.id, "a notification needs `config.channel` such as \"slack:#ops\" or \"email:ops@example.org\"");
        std::vector<std::string> to;
        for (const std::string& c : channels) {
          const size_t colon = c.find(':');
          const std::string kind = colon == std::string::npos ? "" : c.substr(0, colon);
          if (kind != "slack" && kind != "email" && kind != "webhook" && kind != "pagerduty")
            bad(s.id, fmt::format("channel \"{}\" is not slack:#CHANNEL, email:ADDRESS, webhook:NAME or pagerduty:NAME", c));
          to.push_back(fmt::format("{}({})", kind, string_expr(c.substr(colon + 1), scope_, s.id)));
        }
        std::string list = to[0];
        if (to.size() > 1) {
          list = "[";
          for (size_t i = 0; i < to.size(); ++i) list += (i ? ", " : "") + to[i];
          list += "]";
        }
        line(fmt::format("notify {} to {}", string_expr(message, scope_, s.id), list));
        break;
      }
      case StepType::PamCheckout: {
        const std::string identity = text_field(s, "identity");
        line(fmt::format("log {}", quoted(fmt::format("checked out {}", identity))));
        break;
      }
      case StepType::PamCheckin:
        line(fmt::format("log {}", quoted("the checkout ends here")));
        break;
      case StepType::Parallel:
        open("parallel");
        for (size_t b = 0; b < s.branches.size(); ++b) {
          open(fmt::format("branch {}", quoted(fmt::format("{} #{}", s.id, b + 1))));
          for (const Step& inner : s.branches[b]) {
            emit_step(inner);
            if (inner.on_success.kind == Target::Kind::Fail) line(fail_text(inner, "on_success"));
          }
          close();
        }
        close();
        break;
    }
  }

  void emit_step(const Step& s) {
    name_comment(s);
    open(step_open(s));
    emit_core(s);
    close();
  }

  std::string fail_text(const Step& s, const char* route) {
    return fmt::format("fail {}", quoted(fmt::format("step \"{}\" routes to fail ({})", s.id, route)));
  }

  // A step with a failure route: its error is caught and the route chosen by the flag.
  void emit_guarded(const Step& s) {
    uses_failed_flag_ = true;
    line("step_failed = false");
    name_comment(s);
    open("try");
    open(step_open(s));
    emit_core(s);
    close();
    close(" catch {");
    ++indent_;
    line("step_failed = true");
    close();
  }

  // ---- structured form ----
  // Emits the steps from `node` until `stop` (where the region's ways meet again).
  void region(size_t node, size_t stop) {
    while (node != stop && node != a_.exit()) {
      if (emitted_[node]) throw Unstructured{};
      emitted_[node] = true;
      const Step& s = g_.steps[node];
      const std::vector<size_t>& next = a_.successors(node);
      if (s.type == StepType::PamCheckout) {
        node = checkout_region(node, stop);
        continue;
      }
      if (next.size() == 1) {
        emit_step(s);
        if (s.on_success.kind == Target::Kind::Fail) line(fail_text(s, "on_success"));
        node = next[0];
        continue;
      }
      const std::optional<size_t> join = a_.join_of(node);
      if (!join) throw Unstructured{};
      // Branches nested deeper than a reader (or the parser) can follow: the flat loop instead.
      if (depth_ >= kMaxNesting) throw Unstructured{};
      ++depth_;
      Target first, second;
      if (s.type == StepType::Conditional) {
        emit_step(s);
        open("if condition_holds");
        first = s.on_true, second = s.on_false;
      } else {
        emit_guarded(s);
        open("if step_failed");
        first = *s.on_failure, second = s.on_success;
      }
      branch(s, first, *join, s.type == StepType::Conditional ? "on_true" : "on_failure");
      close(" else {");
      ++indent_;
      branch(s, second, *join, s.type == StepType::Conditional ? "on_false" : "on_success");
      close();
      --depth_;
      node = *join;
    }
  }

  void branch(const Step& s, const Target& t, size_t join, const char* route) {
    if (t.kind == Target::Kind::Fail) line(fail_text(s, route));
    else region(a_.node_of(t), join);
  }

  // A pam_checkout and the steps up to its pam_checkin, inside a `checkout` block; returns the
  // node after the block. Without a checkin that every way passes, the block lasts to `stop`:
  // the identity is then checked in wherever the workflow leaves that part of the graph.
  size_t checkout_region(size_t node, size_t stop) {
    const Step& s = g_.steps[node];
    if (depth_ >= kMaxNesting) throw Unstructured{};
    ++depth_;
    std::optional<size_t> checkin;
    for (std::optional<size_t> x = a_.join_of(node); x && *x != stop && *x != a_.exit(); x = a_.join_of(*x))
      if (g_.steps[*x].type == StepType::PamCheckin) {
        checkin = *x;
        break;
      }
    open_checkout(s);
    emit_step(s);
    if (s.on_success.kind == Target::Kind::Fail) line(fail_text(s, "on_success"));
    region(a_.successors(node)[0], checkin ? *checkin : stop);
    size_t after = stop;
    if (checkin) {
      if (emitted_[*checkin]) throw Unstructured{};
      emitted_[*checkin] = true;
      const Step& in = g_.steps[*checkin];
      emit_step(in);
      if (in.on_success.kind == Target::Kind::Fail) line(fail_text(in, "on_success"));
      after = a_.successors(*checkin)[0];
    }
    close();
    --depth_;
    return after;
  }

  // ---- state-machine form ----
  // Sets `next_step` for the target, or fails; false for a `fail`.
  bool route(const Step& s, const Target& t, const char* name) {
    if (t.kind == Target::Kind::Fail) {
      line(fail_text(s, name));
      return false;
    }
    line(fmt::format("next_step = {}", quoted(t.kind == Target::Kind::End ? "" : t.step)));
    return true;
  }

  void state_machine() {
    indent_ = 1;
    line(fmt::format("var next_step = {}", quoted(g_.steps[0].id)));
    dispatch(0, false);
  }

  // The steps one dispatch loop holds: those reached from `entry`, where a pam_checkout is not
  // followed (it opens a `checkout` block with a loop of its own) and, inside a checkout, a
  // pam_checkin is not followed either (it ends the block). In index order.
  std::vector<size_t> dispatch_set(size_t entry, bool inside) const {
    std::vector<bool> in(g_.steps.size(), false);
    std::vector<size_t> work;
    if (entry != a_.exit()) in[entry] = true, work.push_back(entry);
    while (!work.empty()) {
      const size_t at = work.back();
      work.pop_back();
      const StepType type = g_.steps[at].type;
      if (inside && type == StepType::PamCheckin) continue;
      const std::vector<size_t> next = type == StepType::PamCheckout ? block_exits(at) : a_.successors(at);
      for (size_t n : next)
        if (n != a_.exit() && !in[n]) in[n] = true, work.push_back(n);
    }
    std::vector<size_t> out;
    for (size_t i = 0; i < in.size(); ++i)
      if (in[i]) out.push_back(i);
    return out;
  }

  // Where the workflow goes when the `checkout` block of the pam_checkout `node` ends: the steps
  // after its pam_checkins, and those its steps lead to outside the block.
  std::vector<size_t> block_exits(size_t node) const {
    const size_t entry = a_.node_of(g_.steps[node].on_success);
    const std::vector<size_t> inner = dispatch_set(entry, true);
    std::set<size_t> inside(inner.begin(), inner.end()), out;
    for (size_t n : inner) {
      const StepType type = g_.steps[n].type;
      const std::vector<size_t> next = type == StepType::PamCheckout ? block_exits(n) : a_.successors(n);
      for (size_t x : next)
        if (type == StepType::PamCheckin || !inside.count(x)) out.insert(x);
    }
    return {out.begin(), out.end()};
  }

  // A loop that runs the step `next_step` names, and sets it to the step that comes next, until
  // the workflow ends; inside a checkout, until a pam_checkin or a step outside the block, where
  // the block ends (and checks the identity in) and the loop around it goes on. Each step is an
  // `if` of its own that ends with `continue` (not an `else if` chain, which would nest as deep as
  // the graph is long).
  void dispatch(size_t entry, bool inside) {
    open("while next_step != \"\"");
    for (size_t i : dispatch_set(entry, inside)) {
      const Step& s = g_.steps[i];
      open(fmt::format("if next_step == {}", quoted(s.id)));
      bool goes_on = true;  // false when every way out of the step is a `fail`
      if (s.type == StepType::PamCheckout) {
        if (depth_ >= kMaxNesting) bad(s.id, fmt::format("more than {} checkouts are open at once here", kMaxNesting));
        ++depth_;
        open_checkout(s);
        emit_step(s);
        goes_on = route(s, s.on_success, "on_success");
        if (goes_on) dispatch(a_.node_of(s.on_success), true);
        close();
        --depth_;
      } else if (s.type == StepType::Conditional) {
        emit_step(s);
        open("if condition_holds");
        const bool yes = route(s, s.on_true, "on_true");
        close(" else {");
        ++indent_;
        const bool no = route(s, s.on_false, "on_false");
        close();
        goes_on = yes || no;
      } else if (s.on_failure) {
        emit_guarded(s);
        open("if step_failed");
        const bool failed = route(s, *s.on_failure, "on_failure");
        close(" else {");
        ++indent_;
        const bool succeeded = route(s, s.on_success, "on_success");
        close();
        goes_on = failed || succeeded;
      } else {
        emit_step(s);
        goes_on = route(s, s.on_success, "on_success");
      }
      if (goes_on) line(inside && s.type == StepType::PamCheckin ? "break" : "continue");
      close();
    }
    if (inside) line("break");  // a step outside this checkout: the loop around it runs it
    close();
  }

  void open_checkout(const Step& s) {
    const std::string identity = text_field(s, "identity");
    std::string reason = text_field(s, "reason");
    if (reason.empty()) reason = fmt::format("legacy workflow {}", g_.name);
    open(fmt::format("checkout {} = pam {} reason {}", scope_.credentials.at(identity), quoted(identity), string_expr(reason, scope_, s.id)));
  }

 public:
  // Replaces the record markers of emit_run by the assignments of the outputs templates read.
  static std::string fill_records(const std::string& text, const std::set<std::pair<std::string, std::string>>& used) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string l;
    while (std::getline(in, l)) {
      if (const size_t allow = l.find("@@ALLOW:"); allow != std::string::npos) {
        const size_t end = l.find("@@", allow + 8);
        const std::string id = l.substr(allow + 8, end - allow - 8);
        const bool read = used.count({id, "stdout"}) || used.count({id, "exit_code"}) || used.count({id, "json"});
        l = l.substr(0, allow) + (read ? " allow_failure" : "") + l.substr(end + 2);
      }
      if (const size_t loop = l.find("@@LOOP:"); loop != std::string::npos) {
        const size_t end = l.find("@@", loop + 7);
        const std::string id = l.substr(loop + 7, end - loop - 7);
        const bool read = used.count({id, "stdout"}) || used.count({id, "exit_code"}) || used.count({id, "json"});
        l = l.substr(0, loop) + (read ? "for" : "parallel for") + " target_host in targets" + l.substr(end + 2);
      }
      const size_t at = l.find("@@RECORD:");
      if (at == std::string::npos) {
        out.push_back(l);
        continue;
      }
      const std::string indent = l.substr(0, at);
      const size_t end = l.find("@@", at + 9);
      const std::string id = l.substr(at + 9, end - at - 9);
      const bool per_host = l.substr(end + 2) == "per_host";
      std::string assignments;
      for (const char* what : {"stdout", "exit_code", "json"})
        if (used.count({id, what}))
          assignments += fmt::format("{}{} = r.{}\n", indent + (per_host ? "  " : ""), output_variable(id, what), what);
      if (assignments.empty()) {
        // Nothing reads the run's Results: the run is a statement.
        if (!out.empty() && out.back().rfind(indent + "let r = run ", 0) == 0) out.back().erase(indent.size(), 8);
        continue;
      }
      assignments.pop_back();
      if (per_host) out.push_back(indent + "if target_host.id == targets[0].id {\n" + assignments + "\n" + indent + "}");
      else out.push_back(assignments);
      out.push_back(indent + (per_host ? "  " : "") + "if not r.ok {");
      out.push_back(indent + (per_host ? "    " : "  ") +
                    fmt::format("fail \"step {} failed on {{{{r.failed}}}} of {{{{r.total}}}} hosts (exit code {{{{r.exit_code}}}})\"",
                                escaped(quoted(id))));
      out.push_back(indent + (per_host ? "  " : "") + "}");
    }
    std::string joined;
    for (const std::string& x : out) joined += x + "\n";
    return joined;
  }

  const TemplateScope& scope() const { return scope_; }

 private:
  const Graph& g_;
  GraphAnalysis a_;
  EmitOptions options_;
  TemplateScope scope_;
  std::vector<std::string> params_;
  std::vector<std::string> warnings_;
  std::vector<ScriptDecl> scripts_;
  std::map<std::string, size_t> script_index_;
  std::set<std::string> in_branch_;  // ids of the steps inside parallel branches
  std::vector<bool> emitted_;
  std::string lines_;
  int indent_ = 1;
  // How many `if`s and `checkout`s the code being written is inside.
  static constexpr int kMaxNesting = 32;
  int depth_ = 0;
  bool uses_failed_flag_ = false, uses_condition_flag_ = false;
};

}  // namespace

Emitted emit_source(const Graph& graph, const EmitOptions& options) {
  Graph g = graph;
  std::vector<std::string> early;
  for (Step& s : g.steps)
    if (s.type == StepType::PamCheckout && s.on_failure) {
      early.push_back(fmt::format("step \"{}\": on_failure of a pam_checkout is not imported: a checkout that fails fails the workflow", s.id));
      s.on_failure.reset();
    }
  Emitter e(g, options);
  Emitted out = e.run();
  out.source = Emitter::fill_records(out.source, e.scope().used_outputs);
  out.warnings.insert(out.warnings.begin(), early.begin(), early.end());
  return out;
}

}  // namespace wf::legacy
