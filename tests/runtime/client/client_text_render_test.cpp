// The client commands' text output: aligned tables, the instance summary, log lines and
// diagnostics (cli/client/text_render.h).
#include <gtest/gtest.h>

#include "cli/client/text_render.h"

namespace {

using namespace wf::cli;

TEST(Table, PadsColumnsToTheWidestCellWithoutTrailingBlanks) {
  EXPECT_EQ(render_table({"ID", "NAME", "STATUS"}, {{"7", "health_report", "running"}, {"123", "x", "paused (approval)"}}),
            "ID   NAME           STATUS\n"
            "7    health_report  running\n"
            "123  x              paused (approval)\n");
}

TEST(Table, CountsCharactersNotBytes) {
  const std::string table = render_table({"A", "B"}, {{"déployé", "1"}, {"xxxxxxx", "2"}});
  EXPECT_EQ(table, "A        B\ndéployé  1\nxxxxxxx  2\n");
}

TEST(Table, KeepsEachRowOnOneLine) {
  const std::string table = render_table({"A", "B"}, {{"two\nlines", "tab\there\x1b[31m"}, {}});
  EXPECT_EQ(table, "A          B\ntwo lines  tab here [31m\n\n");
}

TEST(OneLine, ReplacesC0AndC1Controls) {
  EXPECT_EQ(one_line("a\r\nb\x7f" "c\xc2\x9b" "d é"), "a  b c d é");
}

TEST(Duration, IsShortAndExactEnough) {
  EXPECT_EQ(format_duration_ms(0), "0ms");
  EXPECT_EQ(format_duration_ms(250), "250ms");
  EXPECT_EQ(format_duration_ms(1534), "1.5s");
  EXPECT_EQ(format_duration_ms(125'000), "2m05s");
  EXPECT_EQ(format_duration_ms(3'720'000), "1h02m");
  EXPECT_EQ(format_duration_ms(-5), "0ms");
}

TEST(InstanceTable, ShowsIdWorkflowStatusAndStart) {
  const Json items = Json::parse(R"([
    {"id": 7, "workflow": "health_report", "status": "paused", "pause_reason": "approval", "started_at": "2026-11-21T08:00:00.000Z"},
    {"id": 12, "workflow": "deploy", "status": "queued", "pause_reason": null, "started_at": null}])");
  EXPECT_EQ(render_instance_table(items),
            "ID  WORKFLOW       STATUS             STARTED\n"
            "7   health_report  paused (approval)  2026-11-21T08:00:00.000Z\n"
            "12  deploy         queued             -\n");
}

TEST(InstanceTable, SurvivesItemsOfTheWrongShape) {
  EXPECT_EQ(render_instance_table(Json::parse(R"([3, {"id": "x", "status": 5}])")),
            "ID  WORKFLOW  STATUS  STARTED\n-   -         -       -\nx   -         -       -\n");
  EXPECT_EQ(render_instance_table(Json::parse("{}")), "ID  WORKFLOW  STATUS  STARTED\n");
}

TEST(ApprovalTable, ShowsIdInstanceStatusAndTitle) {
  const Json items = Json::parse(R"([{"id": 5, "instance_id": 7, "title": "Open a ticket?", "status": "pending"}])");
  EXPECT_EQ(render_approval_table(items), "ID  INSTANCE  STATUS   TITLE\n5   7         pending  Open a ticket?\n");
}

TEST(InstanceDetail, SummarisesStatusErrorStepsVariablesAndResult) {
  const Json detail = Json::parse(R"({
    "id": 7, "workflow": "health_report", "version": 3, "status": "failed", "pause_reason": null,
    "created_at": "2026-11-21T08:00:00.000Z", "started_at": "2026-11-21T08:00:01.000Z", "ended_at": "2026-11-21T08:02:00.000Z",
    "error": {"kind": "rejected", "message": "not approved", "step": "Read health"}, "error_message": "not approved",
    "steps": [{"index": 0, "kind": "step", "name": "Read health", "status": "failed", "duration_ms": 119000, "jobs": [3, 4]},
              {"index": 1, "kind": "approval", "name": "Open?", "status": "rejected", "duration_ms": null, "jobs": []}],
    "variables": {"zeta": 1, "alpha": {"b": 2, "a": [true]}},
    "result": null})");
  EXPECT_EQ(render_instance_detail(detail),
            "instance 7: health_report (version 3)\n"
            "status     failed\n"
            "created    2026-11-21T08:00:00.000Z\n"
            "started    2026-11-21T08:00:01.000Z\n"
            "ended      2026-11-21T08:02:00.000Z\n"
            "error      rejected: not approved (in step \"Read health\")\n"
            "steps\n"
            "  #  KIND      NAME         STATUS    DURATION  JOBS\n"
            "  0  step      Read health  failed    1m59s     3,4\n"
            "  1  approval  Open?        rejected  -         -\n"
            "variables\n"
            "  zeta = 1\n"
            "  alpha = {\"b\":2,\"a\":[true]}\n");
}

TEST(InstanceDetail, ShowsAPausedInstancesReasonAndACompletedOnesResult) {
  const std::string paused = render_instance_detail(Json::parse(R"({"id": 8, "workflow": "w", "status": "paused", "pause_reason": "approval"})"));
  EXPECT_NE(paused.find("status     paused (approval)\n"), std::string::npos) << paused;
  const std::string done = render_instance_detail(Json::parse(R"({"id": 9, "workflow": "w", "status": "completed", "result": null})"));
  EXPECT_NE(done.find("result     null\n"), std::string::npos) << done;
  const std::string odd = render_instance_detail(Json::parse("[]"));
  EXPECT_EQ(odd, "instance -: -\nstatus     -\n");
}

TEST(LogEntry, ShowsTimeKindAndMessage) {
  EXPECT_EQ(render_log_entry(Json::parse(R"({"seq": 1, "at": "2026-11-21T08:00:00.000Z", "kind": "step", "message": "Read health started"})")),
            "2026-11-21T08:00:00.000Z  step  Read health started");
  EXPECT_EQ(render_log_entry(Json::parse(R"({"seq": 2, "at": "t", "kind": "condition", "message": "", "data": {"value": true}})")),
            "t  condition  {\"value\":true}");
}

TEST(Diagnostic, UsesTheCompilersTextForm) {
  const Json d = Json::parse(R"({"code": "E0200", "severity": "error", "message": "expected `int`, found `string`",
                                 "file": "/abs/deploy.wf", "line": 12, "column": 17})");
  EXPECT_EQ(render_diagnostic(d, "deploy.wf"), "deploy.wf:12:17: error[E0200]: expected `int`, found `string`");
  EXPECT_EQ(render_diagnostic(Json::parse(R"({"severity": "warning", "code": "W0001", "message": "unused", "line": 3})"), "a.wf"),
            "a.wf:3: warning[W0001]: unused");
  EXPECT_EQ(render_diagnostic(Json::parse(R"({"message": "bad"})"), "a.wf"), "a.wf: error: bad");
}

}  // namespace
