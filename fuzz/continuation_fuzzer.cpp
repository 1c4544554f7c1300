// libFuzzer entry for the continuation decoder and validator: any bytes must decode to data or an
// error, data must restore into a machine of a fixed program or be refused, and a restored
// machine must keep every invariant the Machine relies on, without a crash, a sanitizer report
// or a leak.
//
// An input is either raw continuation bytes (first byte even) or edits to one of the real
// continuations of the program (first byte odd; the second picks which), so the search starts
// from deep, valid states as well as from nothing. Decoding skips the checksum, which would
// otherwise stop every mutation at the door.
//
// What a restored machine is put through depends on where its bytes came from. Any machine that
// restores gets the Machine's own bookkeeping (resumes right and wrong, abort, which cancels
// branches and starts `parallel for` items) and must then snapshot to bytes that restore to the
// same bytes. Only a machine whose checksum is intact also runs bytecode: the interpreter trusts
// the register types the checker proved, and no validator can re-prove them for bytes that were
// forged (a string register made an int passes every structural check). The checksum is what
// keeps corrupt bytes from reaching the interpreter.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "bytecode/module_codec.h"
#include "bytecode/verifier.h"
#include "stdlib/builtin_records.h"
#include "vm/continuation.h"
#include "vm/fiber.h"
#include "vm/machine.h"
#include "vm/shape.h"

namespace {

using wf::stdlib::ErrorKind;
using wf::vm::Value;

// fuzz/continuation_fuzz.wfb, made by `wf build fuzz/continuation_fuzz.wf -o fuzz/continuation_fuzz.wfb`
// and embedded by fuzz/CMakeLists.txt.
const uint8_t kModule[] = {
#include "continuation_fuzz_module.inc"
};

// Answers nothing by itself: the harness resumes effects.
class QuietHost : public wf::vm::Host {
 public:
  int64_t now_ms() override { return 1'700'000'000'000; }
  Value localhost() override { return Value(); }
  Value env(std::string_view) override { return Value(); }
  void on_log(uint32_t, const std::string&) override {}
  void on_step(uint32_t, const Value&, wf::vm::StepEvent) override {}
  void on_condition(uint32_t, const std::string&, bool) override {}
};

QuietHost host;
std::shared_ptr<const wf::vm::Program> program;
std::vector<std::vector<uint8_t>> anchors;  // real continuations, at every stop of two runs

[[noreturn]] void die(const char* why) {
  std::fprintf(stderr, "continuation_fuzzer: %s\n", why);
  std::abort();
}

Value host_record(const std::string& name) {
  const wf::stdlib::BuiltinRecord* r = wf::stdlib::builtin_record("host");
  std::vector<std::string> names;
  std::vector<Value> fields;
  for (const auto& f : r->fields) {
    names.emplace_back(f.name);
    const std::string_view n = f.name;
    fields.push_back(n == "tags" || n == "groups" ? wf::vm::make_list({}) : wf::vm::make_string(n == "primary_ip" ? "127.0.0.1" : name));
  }
  return wf::vm::make_record(wf::vm::Shape::intern(std::move(names)), std::move(fields));
}

// Drives the program's `main` to its end, answering every effect with none (the program reads no
// effect's result), and keeps a continuation at every stop.
void collect_anchors(uint64_t fuel) {
  uint32_t main = 0;
  if (const auto k = wf::bytecode::find_workflow(program->module, "main")) main = program->module.workflows[*k].function;
  wf::vm::Machine m(program, host);
  if (!m.start(main, {wf::vm::make_list({host_record("web-01"), host_record("web-02"), host_record("web-03")})}))
    die("the program does not start");
  for (int round = 0; round < 10'000; ++round) {
    const wf::vm::Status s = m.run(fuel);
    anchors.push_back(wf::vm::snapshot(m));
    if (s == wf::vm::Status::Completed || s == wf::vm::Status::Failed) return;
    for (const auto& r : m.take_effects()) m.resume(r.fiber, r.seq, Value());
  }
  die("the program does not end");
}

// The input's edits to `bytes`: three bytes each, an operation and position and a byte.
void apply_edits(std::vector<uint8_t>& bytes, const uint8_t* edits, size_t size) {
  for (size_t k = 0; k + 3 <= size && !bytes.empty(); k += 3) {
    const size_t at = ((static_cast<size_t>(edits[k] & 0x3F) << 8) | edits[k + 1]) % bytes.size();
    switch (edits[k] >> 6) {
      case 0: bytes[at] ^= edits[k + 2]; break;
      case 1: bytes[at] = edits[k + 2]; break;
      case 2: bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at)); break;
      default: bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), edits[k + 2]); break;
    }
  }
}

// A restored machine snapshots to bytes that restore to the same bytes.
void expect_stable(const wf::vm::Machine& m) {
  const std::vector<uint8_t> bytes = wf::vm::snapshot(m);
  wf::vm::Machine again(program, host);
  const wf::vm::RestoreResult r = wf::vm::restore(again, bytes);
  if (!r.ok()) {
    std::fprintf(stderr, "%s\n", r.error.c_str());
    die("a restored machine snapshots to bytes that do not restore");
  }
  if (wf::vm::snapshot(again) != bytes) die("a restored machine does not snapshot to the same bytes twice");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto decoded = wf::bytecode::decode_module(std::span<const uint8_t>(kModule, sizeof kModule));
  if (!decoded.ok()) die(decoded.error().c_str());
  if (auto problem = wf::bytecode::verify_module(decoded.module())) die(problem->c_str());
  std::string error;
  program = wf::vm::load_program(decoded.module(), error);
  if (!program) die(error.c_str());
  collect_anchors(1'000'000);
  collect_anchors(3);
  for (const auto& a : anchors) {
    wf::vm::Machine m(program, host);
    if (!wf::vm::restore(m, a).ok()) die("a real continuation does not restore");
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::vector<uint8_t> bytes;
  if (data[0] % 2 == 0 || size < 2) {
    bytes.assign(data + 1, data + size);
  } else {
    bytes = anchors[data[1] % anchors.size()];
    apply_edits(bytes, data + 2, size - 2);
  }

  const bool authentic = wf::vm::decode_continuation(bytes).ok();
  wf::vm::ContinuationDecodeResult decoded = wf::vm::decode_continuation(bytes, wf::vm::Integrity::Unchecked);
  if (authentic && !decoded.ok()) die("the checksum is all that differs, yet only one decode succeeds");
  if (!decoded.ok()) return 0;
  // What decodes encodes to bytes that decode to data that encodes the same.
  const std::vector<uint8_t> encoded = wf::vm::encode_continuation(decoded.data());
  const auto reread = wf::vm::decode_continuation(encoded);
  if (!reread.ok() || wf::vm::encode_continuation(reread.data()) != encoded) die("encode ∘ decode is not stable");

  wf::vm::Machine m(program, host);
  if (!wf::vm::restore_data(m, decoded.data()).ok()) {
    if (!m.fibers().empty()) die("a refused continuation left fibers behind");
    return 0;
  }
  expect_stable(m);

  if (!authentic) {
    // Bookkeeping only: deliveries to every waiting fiber (and some that wait for nothing),
    // then an abort, which cancels whatever is left and may start `parallel for` items.
    const auto& fibers = m.fibers();
    for (size_t i = 0; i < fibers.size(); ++i) {
      const wf::vm::Fiber& f = *fibers[i];
      const uint32_t id = static_cast<uint32_t>(i);
      if (i % 2 == 0) m.resume(id, f.seq, Value());
      else m.resume_error(id, f.seq, m.make_error(ErrorKind::Failed, "no"));
      m.resume(id, f.seq + 1, Value());
    }
    m.resume(static_cast<uint32_t>(fibers.size()), 1, Value());
    expect_stable(m);
    m.abort(m.make_error(ErrorKind::Cancelled, "aborted"));
    (void)m.take_effects();
    (void)m.take_cancelled();
    expect_stable(m);
    return 0;
  }
  // An authentic continuation runs a little, every effect answered with an error.
  for (int round = 0; round < 8; ++round) {
    const wf::vm::Status s = m.run(64);
    if (s == wf::vm::Status::Completed || s == wf::vm::Status::Failed) break;
    for (const auto& r : m.take_effects()) m.resume_error(r.fiber, r.seq, m.make_error(ErrorKind::Failed, "no"));
    (void)m.take_cancelled();
    expect_stable(m);
  }
  return 0;
}
