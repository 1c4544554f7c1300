// Turns a Module into the bytes of a `.wfb` file and back (SPEC §2), and hashes module bytes.
// Decoding trusts nothing: any byte string yields either a Module or an error, never a crash, and
// memory use stays proportional to the input. A decoded module still has to pass verify_module
// (verifier.h) before it runs: the codec checks the shape of the data, the verifier its meaning.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "bytecode/module.h"

namespace wf::bytecode {

// The value of the `magic` field that marks msgpack data as a wf module.
inline constexpr std::string_view kModuleMagic = "wf-module";

// The bytes of a module: a msgpack map (docs/vm.md, "The module format").
std::vector<uint8_t> encode_module(const Module& module);

// Either a decoded module or why the bytes are not one.
class DecodeResult {
 public:
  explicit DecodeResult(Module module) : value_(std::move(module)) {}
  explicit DecodeResult(std::string error) : value_(std::move(error)) {}

  bool ok() const { return std::holds_alternative<Module>(value_); }
  // Only when ok().
  const Module& module() const& { return std::get<Module>(value_); }
  Module&& module() && { return std::get<Module>(std::move(value_)); }
  // Only when !ok(): a sentence such as "not a wf module" or
  // "corrupt module: fns[2].code: expected binary data".
  const std::string& error() const { return std::get<std::string>(value_); }

 private:
  std::variant<Module, std::string> value_;
};

DecodeResult decode_module(std::span<const uint8_t> bytes);

// A module's identity: the lower-case hex SHA-256 of its bytes (64 characters).
std::string module_hash(std::span<const uint8_t> bytes);
// The lower-case hex SHA-256 of any data, e.g. a source file's bytes for Source::sha256.
std::string sha256_hex(std::string_view data);

}  // namespace wf::bytecode
