// Number functions (builtins.def "Numbers"): abs, floor, ceil, round, pow. Results that do not fit
// raise `arithmetic`, as the operators do, so an overflow or a NaN never travels on silently.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "stdlib/natives/support.h"
#include "vm/render.h"

namespace wf::stdlib::natives {

namespace {

Value arithmetic_error(NativeContext& ctx, std::string message) {
  ctx.fail(ErrorKind::Arithmetic, std::move(message));
  return Value();
}

Value abs_int(NativeContext& ctx, const Value* a) {
  if (a[0].i == std::numeric_limits<int64_t>::min())
    return arithmetic_error(ctx, "abs: the absolute value of " + std::to_string(a[0].i) + " does not fit in 64 bits");
  return Value::integer(a[0].i < 0 ? -a[0].i : a[0].i);
}

Value abs_float(NativeContext&, const Value* a) { return Value::real(std::fabs(a[0].f)); }

Value abs_duration(NativeContext& ctx, const Value* a) {
  if (a[0].i == std::numeric_limits<int64_t>::min())
    return arithmetic_error(ctx, "abs: the length of " + vm::format_duration(a[0].i) + " does not fit in 64 bits");
  return Value::duration(a[0].i < 0 ? -a[0].i : a[0].i);
}

// `x` (already rounded by `fn`) as an int, or `arithmetic` when it is NaN or out of range.
Value to_int(NativeContext& ctx, const char* fn, double original, double x) {
  // The bounds are powers of two and so exact; NaN fails both comparisons.
  if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) return Value::integer(static_cast<int64_t>(x));
  return arithmetic_error(ctx, std::string(fn) + ": " + vm::render(Value::real(original)) +
                                   (std::isnan(original) ? " is not a number" : " does not fit in 64 bits"));
}

Value floor_(NativeContext& ctx, const Value* a) { return to_int(ctx, "floor", a[0].f, std::floor(a[0].f)); }
Value ceil_(NativeContext& ctx, const Value* a) { return to_int(ctx, "ceil", a[0].f, std::ceil(a[0].f)); }
// std::round rounds halves away from zero, as the doc promises (2.5 → 3, -2.5 → -3).
Value round_(NativeContext& ctx, const Value* a) { return to_int(ctx, "round", a[0].f, std::round(a[0].f)); }

Value pow_int(NativeContext& ctx, const Value* a) {
  int64_t base = a[0].i, exp = a[1].i, result = 1;
  if (exp < 0) return arithmetic_error(ctx, "pow: the exponent " + std::to_string(exp) + " is negative");
  const auto overflow = [&] {
    return arithmetic_error(ctx, "pow: " + std::to_string(a[0].i) + " to the power " + std::to_string(a[1].i) +
                                     " overflows 64 bits");
  };
  // Square-and-multiply. The base is squared only while bits of the exponent remain, and every
  // such square ends up a factor of the result, so an overflow there is a real one.
  while (exp > 0) {
    if ((exp & 1) && __builtin_mul_overflow(result, base, &result)) return overflow();
    exp >>= 1;
    if (exp > 0 && __builtin_mul_overflow(base, base, &base)) return overflow();
  }
  return Value::integer(result);
}

Value pow_float(NativeContext& ctx, const Value* a) {
  const double r = std::pow(a[0].f, a[1].f);
  if (!std::isfinite(r))
    return arithmetic_error(ctx, "pow: " + vm::render(a[0]) + " to the power " + vm::render(a[1]) +
                                     " is not a finite number");
  return Value::real(r);
}

constexpr NativeEntry kNatives[] = {
    native<abs_int>("abs(x: int) -> int"),
    native<abs_float>("abs(x: float) -> float"),
    native<abs_duration>("abs(d: duration) -> duration"),
    native<floor_>("floor(x: float) -> int"),
    native<ceil_>("ceil(x: float) -> int"),
    native<round_>("round(x: float) -> int"),
    native<pow_int>("pow(base: int, exp: int) -> int"),
    native<pow_float>("pow(base: float, exp: float) -> float"),
};

}  // namespace

}  // namespace wf::stdlib::natives

namespace wf::stdlib {
std::span<const NativeEntry> number_natives() { return natives::kNatives; }
}  // namespace wf::stdlib
