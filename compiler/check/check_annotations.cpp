// Checking declaration annotations (SPEC §1.2): which exist, where they apply, their arguments.
#include <fmt/format.h>

#include <algorithm>

#include "check/checker_impl.h"
#include "check/cron.h"

namespace wf {

namespace {
constexpr const char* kTriggers[] = {"manual", "alert_rule", "monitor_action", "service_request", "runbook",
                                     "schedule", "automation_decision", "webhook"};
}

void Checker::check_annotations(Decl& d) {
  std::vector<std::string> seen;
  for (Annotation& a : d.annotations) {
    const std::string& name = a.name.text;
    if (name.empty()) continue;
    const SourceRange where = a.range;
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      error(DiagCode::BadAnnotation, where, fmt::format("`@{}` is given twice", name));
      continue;
    }
    seen.push_back(name);
    const bool known = name == "timeout" || name == "trigger" || name == "canary" || name == "schedule" ||
                       name == "description" || name == "template";
    if (!known) {
      error(DiagCode::BadAnnotation, where,
            fmt::format("unknown annotation `@{}`; known: @timeout, @trigger, @canary, @schedule, @description, @template", name));
      continue;
    }
    if (d.kind != DeclKind::Workflow) {
      error(DiagCode::BadAnnotation, where, fmt::format("`@{}` applies only to a workflow", name));
      continue;
    }
    auto positional = [&](const char* usage) -> Expr* {
      if (a.args.size() != 1 || !a.args[0].name.empty()) {
        error(DiagCode::BadAnnotation, where, fmt::format("`@{}` takes one argument: {}", name, usage));
        return nullptr;
      }
      return a.args[0].value.get();
    };
    if (name == "template") {
      if (a.has_parens) error(DiagCode::BadAnnotation, where, "`@template` takes no arguments");
    } else if (name == "timeout") {
      if (Expr* v = positional("`@timeout(2h)`")) {
        if (check_expr(v)->kind != TypeKind::Duration)
          error(DiagCode::BadAnnotation, v->range, "`@timeout` takes a duration, like `@timeout(2h)`");
      }
    } else if (name == "description") {
      if (Expr* v = positional("`@description(\"...\")`")) {
        if (v->kind != ExprKind::String || !static_cast<StringExpr*>(v)->is_plain())
          error(DiagCode::BadAnnotation, v->range, "`@description` takes a plain string");
      }
    } else if (name == "trigger") {
      if (Expr* v = positional("`@trigger(manual)`")) {
        const std::string t = v->kind == ExprKind::Name ? static_cast<NameExpr*>(v)->name.text : "";
        bool ok = false;
        for (const char* k : kTriggers) ok |= t == k;
        if (!ok)
          error(DiagCode::BadAnnotation, v->range,
                "`@trigger` takes one of manual, alert_rule, monitor_action, service_request, runbook, schedule, "
                "automation_decision, webhook");
      }
    } else if (name == "schedule") {
      // `@schedule("EXPR")` or `@schedule("EXPR", tz: "Zone")`.
      const char* usage = "`@schedule(\"0 2 * * *\")` or `@schedule(\"0 2 * * *\", tz: \"Europe/Berlin\")`";
      auto plain = [](Expr* v) { return v && v->kind == ExprKind::String && static_cast<StringExpr*>(v)->is_plain(); };
      if (a.args.empty() || a.args.size() > 2 || !a.args[0].name.empty() ||
          (a.args.size() == 2 && a.args[1].name.text != "tz")) {
        error(DiagCode::BadAnnotation, where, fmt::format("`@schedule` takes a cron expression and optionally `tz:`: {}", usage));
      } else if (Expr* v = a.args[0].value.get(); !plain(v)) {
        error(DiagCode::BadAnnotation, v ? v->range : where, "`@schedule` takes a cron expression as a plain string");
      } else if (auto problem = cron_problem(static_cast<StringExpr*>(v)->plain_text()); !problem.empty()) {
        error(DiagCode::BadLiteral, v->range, "bad cron expression: " + problem);
      } else if (a.args.size() == 2) {
        Expr* z = a.args[1].value.get();
        if (!plain(z)) error(DiagCode::BadAnnotation, z ? z->range : where, "`tz:` takes an IANA time zone as a plain string");
        else if (auto bad = zone_problem(static_cast<StringExpr*>(z)->plain_text()); !bad.empty())
          error(DiagCode::BadLiteral, z->range, "bad time zone: " + bad);
      }
    } else if (name == "canary") {
      bool has_percent = false;
      for (size_t i = 0; i < a.args.size(); ++i) {
        AnnotationArg& arg = a.args[i];
        std::string key = arg.name.text;
        if (key.empty()) key = i == 0 ? "percent" : i == 1 ? "threshold" : "";
        if (key != "percent" && key != "threshold") {
          error(DiagCode::BadAnnotation, arg.name.empty() ? arg.value->range : arg.name.range,
                "`@canary` takes `percent:` and optionally `threshold:`");
          continue;
        }
        has_percent |= key == "percent";
        if (arg.value && arg.value->kind != ExprKind::Percent)
          error(DiagCode::BadAnnotation, arg.value->range, fmt::format("`{}` is a percentage, like `10%`", key));
        else if (key == "percent" && arg.value && static_cast<PercentExpr*>(arg.value.get())->value <= 0)
          error(DiagCode::BadLiteral, arg.value->range, "a canary percentage must be above 0%");
      }
      if (!has_percent) error(DiagCode::BadAnnotation, where, "`@canary` needs `percent:`, like `@canary(percent: 10%)`");
    }
  }
}

}  // namespace wf
