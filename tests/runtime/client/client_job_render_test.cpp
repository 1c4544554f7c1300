// What the job commands make of job views (cli/client/job_render.h): statuses, the exit code of a
// followed job, the table of `wf jobs`, the summary of `wf job show`, and output made safe.
#include <gtest/gtest.h>

#include "cli/client/job_render.h"

namespace {

using namespace wf::cli;

TEST(JobStatus, EndedStatusesAndTheirExitCodes) {
  EXPECT_FALSE(job_has_ended("queued"));
  EXPECT_FALSE(job_has_ended("dispatched"));
  EXPECT_FALSE(job_has_ended("running"));
  EXPECT_FALSE(job_has_ended("nonsense"));
  EXPECT_TRUE(job_has_ended("completed"));
  EXPECT_EQ(exit_code_for_job("completed"), 0);
  EXPECT_EQ(exit_code_for_job("failed"), 1);
  EXPECT_EQ(exit_code_for_job("config"), 1);
  EXPECT_EQ(exit_code_for_job("internal"), 1);
  EXPECT_EQ(exit_code_for_job("timeout"), 3);
  EXPECT_EQ(exit_code_for_job("cancelled"), 3);
  EXPECT_EQ(exit_code_for_job("running"), std::nullopt);
  EXPECT_EQ(job_statuses().front(), "queued");
  EXPECT_EQ(job_priorities(), (std::vector<std::string>{"low", "normal", "high", "critical"}));
}

TEST(JobTable, OneRowPerJobWithDashesForWhatIsMissing) {
  const Json items = Json::parse(R"([
    {"id": 12, "host": "web1", "status": "completed", "exit_code": 0, "priority": "high", "instance_id": null,
     "scheduled_at": "2026-12-07T06:00:00Z", "description": "uptime"},
    {"id": 3, "host": "db1", "status": "queued", "exit_code": null, "priority": "normal", "instance_id": 7,
     "scheduled_at": "2026-12-07T05:00:00Z", "description": "two\nlines"}])");
  EXPECT_EQ(render_job_table(items),
            "ID  HOST  STATUS     EXIT  PRIORITY  INSTANCE  SCHEDULED             DESCRIPTION\n"
            "12  web1  completed  0     high      -         2026-12-07T06:00:00Z  uptime\n"
            "3   db1   queued     -     normal    7         2026-12-07T05:00:00Z  two lines\n");
}

TEST(JobDetail, ShowsTheOutputIndentedAndSafe) {
  const Json job = Json::parse(R"({"id": 4, "description": "echo hi", "status": "failed", "exit_code": 2, "host": "web1",
    "priority": "normal", "instance_id": null, "attempt": 1, "duration_ms": 1500, "error": "",
    "stdout": "hi\nthere\u001b[2J\n", "stderr": "", "stdout_truncated": true, "stderr_truncated": false})");
  EXPECT_EQ(render_job_detail(job),
            "job 4: echo hi\n"
            "status     failed (exit 2)\n"
            "host       web1\n"
            "priority   normal\n"
            "duration   1.5s\n"
            "stdout (truncated)\n"
            "  hi\n"
            "  there [2J\n"
            "stderr (empty)\n");
}

TEST(TerminalSafe, KeepsLineBreaksAndTabsOnly) {
  EXPECT_EQ(terminal_safe("a\tb\nc\x1b[31md\r\n"), "a\tb\nc [31md \n");
  EXPECT_EQ(terminal_safe(""), "");
  EXPECT_EQ(terminal_safe("\n\n"), "\n\n");
}

}  // namespace
