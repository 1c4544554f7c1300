// `wf cron` (see cron_command.h): each fire time is one line, the UTC instant then, two spaces
// apart, the zone's wall clock with its offset, e.g.
//   2027-03-14T07:00:00Z  2027-03-14T03:00:00-04:00
// A bad expression (with a caret under the column it points at), zone or time is an error on
// stderr with exit code 2, as is an expression that never fires.
#include "cron_command.h"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "exit_codes.h"
#include "schedule/cron_expression.h"
#include "schedule/next_fire.h"
#include "schedule/rfc3339.h"
#include "schedule/zones.h"

namespace wf::cli {

namespace {

struct CronOptions {
  std::string expression;
  std::string zone = "UTC";
  std::string from;  // RFC 3339; empty: now
  int count = 5;
};

int print_fire_times(const CronOptions& o) {
  const schedule::CronParse parsed = schedule::parse_cron(o.expression);
  if (!parsed.ok()) {
    fmt::print(stderr, "wf cron: column {}: {}\n  {}\n  {}^\n", parsed.error.column, parsed.error.message, o.expression,
               std::string(parsed.error.column - 1, ' '));
    return kExitUsage;
  }
  const schedule::ZoneLookup zone = schedule::find_zone(o.zone);
  if (!zone.zone) {
    fmt::print(stderr, "wf cron: {}\n", zone.error);
    return kExitUsage;
  }
  date::sys_seconds from = date::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (!o.from.empty()) {
    const schedule::InstantParse p = schedule::parse_rfc3339(o.from);
    if (!p.instant) {
      fmt::print(stderr, "wf cron: {}\n", p.error);
      return kExitUsage;
    }
    from = *p.instant;
  }
  // `@every` counts its intervals from --from (or now), the start a schedule would have.
  date::sys_seconds t = from;
  for (int i = 0; i < o.count; ++i) {
    const std::optional<date::sys_seconds> next = schedule::next_after(*parsed.schedule, t, *zone.zone, from);
    if (!next) {
      const int years = schedule::kSearchHorizonDays / 366;
      if (i == 0) {
        fmt::print(stderr, "wf cron: `{}` never fires (no fire time within {} years after {})\n", o.expression, years,
                   schedule::format_utc(t));
        return kExitUsage;
      }
      fmt::print(stderr, "wf cron: no further fire time within {} years after {}\n", years, schedule::format_utc(t));
      return kExitOk;
    }
    fmt::print("{}  {}\n", schedule::format_utc(*next), schedule::format_local(*next, *zone.zone));
    t = *next;
  }
  return kExitOk;
}

}  // namespace

void register_cron_command(CLI::App& app) {
  auto o = std::make_shared<CronOptions>();
  CLI::App* cmd = app.add_subcommand("cron", "Print the next fire times of a schedule expression");
  cmd->add_option("expression", o->expression,
                  "Five fields `minute hour day-of-month month day-of-week`, @hourly…@yearly, or @every <duration>")
      ->required();
  cmd->add_option("--tz", o->zone, "IANA time zone of the wall-clock times")->capture_default_str();
  cmd->add_option("--from", o->from, "Start after this RFC 3339 time (default: now)");
  cmd->add_option("--count", o->count, "How many fire times")->check(CLI::Range(1, 10000))->capture_default_str();
  cmd->callback([o] {
    const int code = print_fire_times(*o);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli
