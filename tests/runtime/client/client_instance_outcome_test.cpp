// What an instance detail means for `wf wait`: whether it has ended and with which exit code
// (SPEC §6: as `wf run`), and the line that says why (cli/client/instance_outcome.h).
#include <gtest/gtest.h>

#include "cli/client/instance_outcome.h"
#include "cli/exit_codes.h"

namespace {

using namespace wf::cli;

Json detail(const char* text) { return Json::parse(text); }

TEST(InstanceOutcome, OnlyFinalStatusesAreTerminal) {
  for (const char* s : {"completed", "failed", "cancelled", "timeout"}) EXPECT_TRUE(is_terminal_status(s)) << s;
  for (const char* s : {"queued", "running", "paused", "", "done"}) EXPECT_FALSE(is_terminal_status(s)) << s;
}

TEST(InstanceOutcome, MapsEachEndToItsExitCode) {
  EXPECT_EQ(exit_code_for_instance(detail(R"({"status": "completed", "result": 1})")), kExitOk);
  EXPECT_EQ(exit_code_for_instance(detail(R"({"status": "failed", "error": {"kind": "job_failed", "message": "x"}})")), kExitFailed);
  EXPECT_EQ(exit_code_for_instance(detail(R"({"status": "failed", "error": {"kind": "rejected"}})")), kExitCancelled);
  EXPECT_EQ(exit_code_for_instance(detail(R"({"status": "failed", "error": {"kind": "timeout"}})")), kExitCancelled);
  EXPECT_EQ(exit_code_for_instance(detail(R"({"status": "failed", "error": "rejected"})")), kExitCancelled);
  EXPECT_EQ(exit_code_for_instance(detail(R"({"status": "failed", "error": null})")), kExitFailed);
  EXPECT_EQ(exit_code_for_instance(detail(R"({"status": "cancelled"})")), kExitCancelled);
  EXPECT_EQ(exit_code_for_instance(detail(R"({"status": "timeout"})")), kExitCancelled);
}

TEST(InstanceOutcome, HasNoCodeBeforeTheEndOrForAMalformedDetail) {
  EXPECT_FALSE(exit_code_for_instance(detail(R"({"status": "paused", "pause_reason": "approval"})")));
  EXPECT_FALSE(exit_code_for_instance(detail(R"({"status": 3})")));
  EXPECT_FALSE(exit_code_for_instance(detail(R"([1, 2])")));
  EXPECT_FALSE(exit_code_for_instance(Json()));
}

TEST(InstanceOutcome, SaysWhyAnInstanceDidNotComplete) {
  EXPECT_EQ(outcome_line(detail(R"({"status": "failed", "error": {"kind": "rejected", "message": "not approved"},
                                    "error_message": "not approved"})")),
            "workflow failed: rejected: not approved");
  EXPECT_EQ(outcome_line(detail(R"({"status": "failed", "error": {"kind": "failed", "message": "disk full"}})")),
            "workflow failed: failed: disk full");
  EXPECT_EQ(outcome_line(detail(R"({"status": "cancelled"})")), "workflow cancelled");
  EXPECT_EQ(outcome_line(detail(R"({"status": "timeout", "error_message": "workflow timed out after 15m"})")),
            "workflow timed out: workflow timed out after 15m");
}

}  // namespace
