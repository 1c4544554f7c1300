// The exit codes of the `wf` binary (SPEC §6), shared by every subcommand.
#pragma once

namespace wf::cli {

constexpr int kExitOk = 0;         // success; warnings alone do not change it
constexpr int kExitFailed = 1;     // diagnostics with errors, or the workflow failed
constexpr int kExitUsage = 2;      // usage, I/O or internal error
constexpr int kExitCancelled = 3;  // the workflow was cancelled, rejected or timed out

}  // namespace wf::cli
