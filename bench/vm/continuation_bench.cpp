// How many times per second a paused instance can be written to a continuation and restored into
// a fresh machine: samples/canary_patch_rollout.wf, paused at its change-board approval (after
// its disk pre-check ran on three hosts). Prints the size, snapshot, restore and round-trip
// rates (CPU time of one thread), and the machine they were measured on.
//
//     continuation_bench [SECONDS per measurement, default 1]
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <ctime>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "effects/records.h"
#include "effects/run_state.h"
#include "lower/compile.h"
#include "vm/continuation.h"
#include "vm/machine.h"

namespace {

using wf::vm::Value;

// Runs jobs as instant successes and records nothing: only the VM is measured.
class BenchHost : public wf::vm::Host {
 public:
  int64_t now_ms() override { return 1'700'000'000'000; }
  Value localhost() override { return Value(); }
  Value env(std::string_view) override { return Value(); }
  void on_log(uint32_t, const std::string&) override {}
  void on_step(uint32_t, const Value&, wf::vm::StepEvent) override {}
  void on_condition(uint32_t, const std::string&, bool) override {}

  void run_jobs(wf::vm::Machine& m, const wf::vm::EffectRequest& r) {
    wf::effects::RunState state(r.args, std::nullopt);
    for (size_t k : state.start()) {
      const std::string name = wf::effects::field_string(state.host(k), "hostname");
      state.record(k, {name, "completed", 0, R"({"used_percent": 42, "free_mb": 12000})", "", 120, 1}, false);
    }
    wf::effects::RunState::Next next = state.next();
    if (next.failed) m.resume_error(r.fiber, r.seq, std::move(next.value));
    else m.resume(r.fiber, r.seq, std::move(next.value));
  }
};

Value host(const std::string& name) {
  return wf::effects::make_builtin("host", {{"id", wf::vm::make_string(name)},
                                            {"hostname", wf::vm::make_string(name)},
                                            {"primary_ip", wf::vm::make_string("10.0.0.1")},
                                            {"os", wf::vm::make_string("linux")},
                                            {"tags", wf::vm::make_list({})},
                                            {"groups", wf::vm::make_list({})}});
}

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown CPU";
}

// This thread's CPU time, so that other processes on a shared machine do not count.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

// Calls `body` in batches until `seconds` of CPU time have passed; returns calls per second,
// the best of three such runs.
template <typename Body>
double rate(double seconds, Body body) {
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    const double start = cpu_seconds();
    uint64_t calls = 0;
    double elapsed = 0;
    do {
      for (int i = 0; i < 1000; ++i) body();
      calls += 1000;
      elapsed = cpu_seconds() - start;
    } while (elapsed < seconds / 3);
    best = std::max(best, static_cast<double>(calls) / elapsed);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const double seconds = argc > 1 ? std::atof(argv[1]) : 1.0;
  wf::CompileResult compiled = wf::compile_file(WF_SOURCE_DIR "/samples/canary_patch_rollout.wf");
  if (!compiled.module) {
    fmt::print(stderr, "continuation_bench: the sample does not compile: {}\n", compiled.error);
    return 1;
  }
  std::string error;
  auto program = wf::vm::load_program(std::move(*compiled.module), error);
  if (!program) {
    fmt::print(stderr, "continuation_bench: {}\n", error);
    return 1;
  }

  BenchHost bench_host;
  wf::vm::Machine paused(program, bench_host);
  paused.start(program->module.workflows[0].function,
               {wf::vm::make_list({host("web-01"), host("web-02"), host("web-03")}), wf::vm::make_string("openssl"),
                wf::vm::make_string("nginx"), wf::vm::make_string("CHG-1042"), Value(),
                wf::vm::make_string("http://127.0.0.1/healthz")});
  bool at_approval = false;
  while (!at_approval) {
    const wf::vm::Status s = paused.run(1'000'000);
    if (s == wf::vm::Status::Completed || s == wf::vm::Status::Failed) {
      fmt::print(stderr, "continuation_bench: the sample ended before its approval\n");
      return 1;
    }
    for (const auto& r : paused.take_effects()) {
      if (r.kind == wf::bytecode::EffectKind::Approve) at_approval = true;
      else if (r.kind == wf::bytecode::EffectKind::Run) bench_host.run_jobs(paused, r);
      else paused.resume(r.fiber, r.seq, Value());
    }
  }

  const std::vector<uint8_t> bytes = wf::vm::snapshot(paused);
  size_t sink = 0;
  const double snapshots = rate(seconds, [&] { sink += wf::vm::snapshot(paused).size(); });
  const double restores = rate(seconds, [&] {
    wf::vm::Machine fresh(program, bench_host);
    sink += wf::vm::restore(fresh, bytes).ok();
  });
  const double round_trips = rate(seconds, [&] {
    const std::vector<uint8_t> b = wf::vm::snapshot(paused);
    wf::vm::Machine fresh(program, bench_host);
    sink += wf::vm::restore(fresh, b).ok();
  });
  const double decodes = rate(seconds, [&] { sink += wf::vm::decode_continuation(bytes).ok(); });
  const wf::vm::ContinuationData data = wf::vm::capture(paused);
  const double captures = rate(seconds, [&] { sink += wf::vm::capture(paused).fibers.size(); });
  const double encodes = rate(seconds, [&] { sink += wf::vm::encode_continuation(data).size(); });
  const double installs = rate(seconds, [&] {
    wf::vm::Machine fresh(program, bench_host);
    sink += wf::vm::restore_data(fresh, data).ok();
  });

  fmt::print("canary_patch_rollout at its approval: {} bytes\n", bytes.size());
  fmt::print("| snapshot | {:.0f}/s |\n| restore (decode + validate + install) | {:.0f}/s |\n", snapshots, restores);
  fmt::print("| capture (machine → data) | {:.0f}/s |\n| encode (data → bytes) | {:.0f}/s |\n", captures, encodes);
  fmt::print("| decode (bytes → data) | {:.0f}/s |\n| restore_data (data → machine) | {:.0f}/s |\n", decodes, installs);
  fmt::print("| snapshot + restore | {:.0f}/s ({:.2f} µs each) |\n", round_trips, 1e6 / round_trips);
  fmt::print("machine: {} × {}, one thread\n", std::thread::hardware_concurrency(), cpu_model());
  return sink == 0 ? 1 : 0;
}
