// What the script library commands make of the service's answers (cli/client/script_render.h):
// parameters as declared, the tables of `wf scripts ls`, `executions` and `run --wait`, the summary
// of `wf scripts show`, and the exit code of a run that waited for all its jobs.
#include <gtest/gtest.h>

#include "cli/client/script_render.h"

namespace {

using namespace wf::cli;

const Json kScripts = Json::parse(R"([
  {"name": "common_sh", "kind": "library", "language": "bash", "parameters": [], "timeout_ms": null,
   "elevated": null, "uses": [], "docs": "Shared helpers.", "body": "say() { echo \"$*\"; }",
   "definition": {"id": 1, "name": "disk", "version": 2}},
  {"name": "disk_report", "kind": "script", "language": "bash",
   "parameters": [{"name": "threshold", "type": "int", "required": false, "default": 90},
                  {"name": "label", "type": "string", "required": true},
                  {"name": "mode", "type": "string", "required": false, "default": "fast"},
                  {"name": "broken", "type": "int", "required": false, "default_error": "division by zero"}],
   "timeout_ms": 45000, "elevated": true, "uses": ["common_sh"], "docs": "Reports the disk use.\nSecond line.",
   "body": "say \"$WF_PARAM_LABEL\"\n\u001b[31mexit 0\n", "definition": {"id": 1, "name": "disk", "version": 2}}
])");

TEST(ScriptParameter, WrittenAsDeclaredWithItsComputedDefault) {
  EXPECT_EQ(parameter_text(kScripts[1]["parameters"][0]), "threshold: int = 90");
  EXPECT_EQ(parameter_text(kScripts[1]["parameters"][1]), "label: string");
  EXPECT_EQ(parameter_text(kScripts[1]["parameters"][2]), "mode: string = \"fast\"");
  EXPECT_EQ(parameter_text(kScripts[1]["parameters"][3]), "broken: int = ?");
}

TEST(ScriptTable, OneRowPerScriptOrLibraryWithDashesForALibrarysSettings) {
  // The parameters column is as wide as disk_report's list.
  const std::string parameters = "threshold: int = 90, label: string, mode: string = \"fast\", broken: int = ?";
  const std::string pad(parameters.size() - 10, ' ');
  EXPECT_EQ(render_script_table(kScripts),
            "NAME         KIND     LANGUAGE  PARAMETERS" + pad + "  TIMEOUT  ELEVATED  DEFINITION\n"
            "common_sh    library  bash      -         " + pad + "  -        -         disk v2\n"
            "disk_report  script   bash      " + parameters + "  45s      yes       disk v2\n");
  EXPECT_EQ(render_script_table(Json::array()), "NAME  KIND  LANGUAGE  PARAMETERS  TIMEOUT  ELEVATED  DEFINITION\n");
  // What came from the service cannot drive the terminal.
  EXPECT_EQ(render_script_table(Json::parse(R"([{"name": "x\u001b[2Jy"}])")),
            "NAME    KIND  LANGUAGE  PARAMETERS  TIMEOUT  ELEVATED  DEFINITION\n"
            "x [2Jy  -     -         -           -        -         -\n");
}

TEST(ScriptDetail, DocsParametersUsesSettingsAndTheBodyMadeSafe) {
  EXPECT_EQ(render_script_detail(kScripts[1]),
            "script disk_report (bash), from disk v2\n"
            "  Reports the disk use.\n"
            "  Second line.\n"
            "parameters\n"
            "  threshold: int = 90\n"
            "  label: string  (required)\n"
            "  mode: string = \"fast\"\n"
            "  broken: int = ?  (its default fails: division by zero)\n"
            "uses        common_sh\n"
            "timeout     45s\n"
            "elevated    yes\n"
            "body\n"
            "  say \"$WF_PARAM_LABEL\"\n"
            "   [31mexit 0\n");
  EXPECT_EQ(render_script_detail(kScripts[0]),
            "library common_sh (bash), from disk v2\n"
            "  Shared helpers.\n"
            "body\n"
            "  say() { echo \"$*\"; }\n");
}

TEST(ScriptExecutions, OneRowPerJobWithDashesForWhatIsMissing) {
  const Json items = Json::parse(R"([
    {"id": 7, "job_id": 7, "host": "web2", "status": "failed", "exit_code": 3, "duration_ms": 1500,
     "started_at": "2026-12-07T10:00:00.000Z", "instance_id": 4},
    {"id": 6, "job_id": 6, "host": "web1", "status": "queued", "exit_code": null, "duration_ms": null,
     "started_at": null, "instance_id": null}
  ])");
  EXPECT_EQ(render_execution_table(items),
            "JOB  HOST  STATUS  EXIT  DURATION  STARTED                   INSTANCE\n"
            "7    web2  failed  3     1.5s      2026-12-07T10:00:00.000Z  4\n"
            "6    web1  queued  -     -         -                         -\n");
}

TEST(ScriptRun, TheTableOfEndedJobsAndTheExitCodeOfAll) {
  EXPECT_EQ(render_run_table({Json::parse(R"({"id": 7, "host": "web1", "status": "completed", "exit_code": 0, "duration_ms": 250})"),
                              Json::parse(R"({"id": 8, "host": "web2", "status": "timeout"})")}),
            "JOB  HOST  STATUS     EXIT  DURATION\n"
            "7    web1  completed  0     250ms\n"
            "8    web2  timeout    -     -\n");
  EXPECT_EQ(exit_code_for_jobs({"completed", "completed"}), 0);
  EXPECT_EQ(exit_code_for_jobs({"completed", "failed"}), 1);
  EXPECT_EQ(exit_code_for_jobs({"timeout", "completed"}), 3);
  EXPECT_EQ(exit_code_for_jobs({"cancelled", "internal", "timeout"}), 1);  // a failure decides
  EXPECT_EQ(exit_code_for_jobs({"completed", "running"}), std::nullopt);
  EXPECT_EQ(exit_code_for_jobs({}), std::nullopt);
}

}  // namespace
