// What `wf` says about commands it does not have: a word that names no command is a usage error
// with the closest command suggested, never a parser message; `wf --help` lists SPEC §6's commands.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "wf_command.h"

namespace {

using wf::test::WfRun;
using wf::test::wf;

TEST(CliCommands, AnUnknownWordSuggestsTheClosestCommand) {
  WfRun r = wf("strat samples");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown command `strat`; did you mean `start`?"), std::string::npos) << r.output;
  r = wf("xyzzyqq");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown command `xyzzyqq`"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("did you mean"), std::string::npos) << r.output;
}

TEST(CliCommands, HelpListsTheCommands) {
  WfRun help = wf("--help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_EQ(help.output.find("not available"), std::string::npos) << help.output;
  for (const char* name : {"start", "push", "approve", "serve", "schedule", "hook", "login", "upgrade", "import", "vault", "cron"})
    EXPECT_NE(help.output.find(std::string("\n  ") + name + " "), std::string::npos) << name << "\n" << help.output;
}

}  // namespace
