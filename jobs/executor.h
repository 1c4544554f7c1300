// Running one job as a process (SPEC §4.2): its own process group, a timeout, cancellation,
// capped output, and teardown that leaves neither zombies nor stray processes behind.
#pragma once

#include <atomic>
#include <functional>

#include "jobs/job.h"

namespace wf::jobs {

// Runs `spec` to its end and reports what came of it, blocking the calling thread meanwhile.
// Never throws: every failure, ours or the job's, is a JobReport. Calls on different threads are
// independent and may overlap.
//
// How a job is run:
//  - The process starts in a new process group with stdin on /dev/null, default signal
//    dispositions, an empty signal mask, and none of our descriptors beyond 0-2, so a service
//    that ignores SIGPIPE or holds sockets does not hand either to its jobs.
//  - stdout and stderr are read concurrently. Bytes past `output_cap` are read and dropped, so
//    the job never stalls on a full pipe, and the stream is flagged truncated.
//  - On timeout, or once `*cancel` is true (looked at every 50 ms), the whole group gets SIGTERM,
//    then SIGKILL if the main process has not exited within `kill_grace`.
//  - When the main process exits the job is over. Output pipes still held by processes it left
//    in its group are drained for at most `kill_grace`; then everything left in the group is
//    killed with SIGKILL. A program meant to outlive its job must leave the group (setsid), as
//    daemons do.
//  - `on_spawn`, when given, is told the process group's id on the calling thread once the
//    process exists (not when it could not be started), while the process starts up: work that
//    must be done by the time the job ends but need not hold up its start goes there (the agent
//    journals the group, so that a restart can find processes that outlived it, and flushes its
//    journal). An exception from it is ignored.
//  - The main process is always reaped. The calling process must not ignore SIGCHLD (the kernel
//    would then reap it for us and the exit status would be lost; that is reported as Internal).
//
// Elevated jobs when we are not root run as `sudo -n --preserve-env=<spec.env names> -- ...`:
// the sudoers policy must allow those variables (SETENV), and since the job then runs as root, our
// SIGKILL cannot reach it; only sudo's relaying of SIGTERM does.
JobReport run_job(const JobSpec& spec, const std::atomic<bool>* cancel = nullptr,
                  const OutputSink& on_output = {}, const SpawnSink& on_spawn = {});

}  // namespace wf::jobs
