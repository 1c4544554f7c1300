// What the native files share: the exception guard every native runs inside, the registration
// helper, code-point stepping over UTF-8 text, and small builders for error messages.
#pragma once

#include <cstdint>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>

#include "stdlib/natives.h"
#include "stdlib/natives/registry.h"
#include "vm/value.h"

namespace wf::stdlib::natives {

using vm::Value;

// Runs a native so that no exception reaches the VM (an allocation failure, a library error):
// it becomes a runtime error through ctx.fail instead. Running out of memory is reported as
// `arithmetic` because a size computation is what produced it (`range(1_000_000_000_000)`); any
// other escape would be a bug in the native and is reported as `type` with its description.
template <Native F>
Value guarded(NativeContext& ctx, const Value* args) noexcept {
  try {
    return F(ctx, args);
  } catch (const std::bad_alloc&) {
    ctx.fail(ErrorKind::Arithmetic, "out of memory: the result is too large");
  } catch (const std::length_error&) {
    ctx.fail(ErrorKind::Arithmetic, "out of memory: the result is too large");
  } catch (const std::exception& e) {
    ctx.fail(ErrorKind::Type, std::string("internal error: ") + e.what());
  } catch (...) {
    ctx.fail(ErrorKind::Type, "internal error");
  }
  return Value();
}

// A registry entry for the implementation F under its builtins.def key.
template <Native F>
constexpr NativeEntry native(std::string_view key) {
  return {key, &guarded<F>};
}

// ---- UTF-8 ------------------------------------------------------------------------------------
// Strings are indexed by code point. Text from the world (job output) need not be valid UTF-8,
// so every function steps the same way: a well-formed sequence is one code point and every byte
// that does not start one counts as one code point by itself. len, substr, index_of, slice,
// split and reverse therefore agree on any byte string, and a well-formed sequence is never cut.

// The length in bytes of the code point that starts at byte `pos` of `s` (pos < s.size()).
size_t cp_width(std::string_view s, size_t pos);
// The number of code points in `s`.
int64_t cp_count(std::string_view s);
// The byte offset just past `n` code points from byte `pos` (s.size() when the text ends first).
size_t cp_advance(std::string_view s, size_t pos, int64_t n);

// ---- Text -------------------------------------------------------------------------------------

// `s` without leading and trailing spaces, tabs, carriage returns and newlines (`trim`, and the
// text parsers, which accept a line of job output as it comes).
std::string_view trim_space(std::string_view s);
// `s` as a quoted string for an error message, shortened when long (job output can be huge).
std::string quoted(std::string_view s);

}  // namespace wf::stdlib::natives
