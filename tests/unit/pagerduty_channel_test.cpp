// `pagerduty(name)` end to end through the `wf` binary: `wf check` accepts a workflow that
// notifies it, `wf run` prints what that notify would send, and a wrong argument is a type error.
#include <string>

#include <gtest/gtest.h>

#include "tests/unit/wf_in_directory.h"

namespace {

using wf::testing::Outcome;
class PagerDutyChannel : public wf::testing::WfInDirectory {};

TEST_F(PagerDutyChannel, CompilesAndRunPrintsWhatTheNotifyWouldSend) {
  write("page.wf", R"(
workflow page(service: string) -> string {
  notify "{{service}} is down" to pagerduty("oncall")
  return "paged"
}
)");
  const Outcome check = wf("check page.wf");
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  const Outcome run = wf("run page.wf --param service=db --fast");
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.err.find("notify pagerduty:oncall: db is down"), std::string::npos) << run.err;
  EXPECT_NE(run.out.find("paged"), std::string::npos) << run.out;
}

TEST_F(PagerDutyChannel, ANonStringNameIsATypeError) {
  write("bad.wf", R"(
workflow bad() {
  notify "x" to pagerduty(5)
}
)");
  const Outcome check = wf("check bad.wf");
  EXPECT_EQ(check.exit_code, 1) << check.out << check.err;
  EXPECT_NE((check.out + check.err).find("error[E0"), std::string::npos) << check.out << check.err;
}

}  // namespace
