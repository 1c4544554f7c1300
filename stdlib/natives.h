// The implementations of the standard library (SPEC §1.4), one per overload of builtins.def.
// Each is registered under its overload's key, `name(signature)`, the same key a module's
// builtin table uses, so the VM finds the implementation of every call by that key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "stdlib/error_kinds.h"
#include "vm/value.h"

namespace wf::stdlib {

// What a native may need besides its arguments, and where it reports a runtime error.
class NativeContext {
 public:
  virtual ~NativeContext() = default;
  // The host's clock (SPEC §3: the VM reads the clock only through the host), in UTC ms.
  virtual int64_t now_ms() = 0;
  // This machine, for `localhost()` and `env()`; only the REPL and `wf run` provide them.
  virtual vm::Value localhost() = 0;
  virtual vm::Value env(std::string_view name) = 0;

  // Raises an Error of `kind` (SPEC §1.7: `type`, `index`, `arithmetic`, ...). The native then
  // returns any value; the VM discards it and raises instead.
  void fail(ErrorKind kind, std::string message) {
    failed_ = true;
    kind_ = kind;
    message_ = std::move(message);
  }
  bool failed() const { return failed_; }
  ErrorKind error_kind() const { return kind_; }
  const std::string& error_message() const { return message_; }
  void clear() { failed_ = false; }

 private:
  bool failed_ = false;
  ErrorKind kind_ = ErrorKind::Failed;
  std::string message_;
};

using Native = vm::Value (*)(NativeContext& ctx, const vm::Value* args);

// The implementation registered for `key` (`len(s: string) -> int`), or null.
Native find_native(std::string_view key);

}  // namespace wf::stdlib
