// libFuzzer entry for the module loader: any bytes must decode to a module or an error, and a
// decoded module must verify or be rejected, without a crash, a sanitizer report or a leak.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "bytecode/disassembler.h"
#include "bytecode/module_codec.h"
#include "bytecode/verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const wf::bytecode::DecodeResult result = wf::bytecode::decode_module(std::span<const uint8_t>(data, size));
  if (!result.ok()) return 0;
  // A module that verifies is one the VM will run, so the checks that matter are reached; the
  // disassembler must also list whatever the decoder accepts.
  const bool sound = !wf::bytecode::verify_module(result.module()).has_value();
  (void)sound;
  (void)wf::bytecode::disassemble(result.module());
  // What decodes must encode to bytes that decode and encode to the same bytes. (Bytes, not
  // modules, are compared: a NaN constant is never equal to itself.)
  const std::vector<uint8_t> bytes = wf::bytecode::encode_module(result.module());
  const auto again = wf::bytecode::decode_module(bytes);
  if (!again.ok() || wf::bytecode::encode_module(again.module()) != bytes) __builtin_trap();
  return 0;
}
