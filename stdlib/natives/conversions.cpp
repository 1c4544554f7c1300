// Conversions (builtins.def "Conversions"): len, str, int, float, bool, string, list, map.
#include <charconv>
#include <cmath>
#include <string>

#include "stdlib/natives/support.h"
#include "vm/render.h"

namespace wf::stdlib::natives {

namespace {

using vm::Tag;

// The name of a json value's kind, for "expected a JSON number, found a JSON string".
const char* json_kind(const Value& j) {
  switch (j.tag) {
    case Tag::None: return "null";
    case Tag::Bool: return "a JSON boolean";
    case Tag::Int:
    case Tag::Float: return "a JSON number";
    case Tag::Str: return "a JSON string";
    case Tag::List: return "a JSON array";
    case Tag::Map: return "a JSON object";
    default: return "a non-JSON value";
  }
}

Value json_mismatch(NativeContext& ctx, const char* fn, const char* expected, const Value& j) {
  ctx.fail(ErrorKind::Type, std::string(fn) + ": expected " + expected + ", found " + json_kind(j));
  return Value();
}

// Whether `f` lies in the int64 range; the bounds are exact powers of two, so the comparison is
// exact too (NaN fails it).
bool fits_int64(double f) { return f >= -9223372036854775808.0 && f < 9223372036854775808.0; }

Value len_string(NativeContext&, const Value* a) { return Value::integer(cp_count(vm::as_string(a[0]))); }
Value len_list(NativeContext&, const Value* a) { return Value::integer(static_cast<int64_t>(vm::as_list(a[0]).size())); }
Value len_map(NativeContext&, const Value* a) { return Value::integer(static_cast<int64_t>(vm::as_map(a[0]).entries.size())); }

Value len_json(NativeContext& ctx, const Value* a) {
  switch (a[0].tag) {
    case Tag::Str: return len_string(ctx, a);
    case Tag::List: return len_list(ctx, a);
    case Tag::Map: return len_map(ctx, a);
    default: return json_mismatch(ctx, "len", "a JSON array, object or string", a[0]);
  }
}

Value str_any(NativeContext&, const Value* a) { return vm::make_string(vm::render(a[0])); }

Value int_string(NativeContext& ctx, const Value* a) {
  const std::string_view text = trim_space(vm::as_string(a[0]));
  // An optional sign and at least one digit, nothing else; from_chars takes `-` but not `+`.
  std::string_view digits = text;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) digits.remove_prefix(1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string_view::npos) {
    ctx.fail(ErrorKind::Type, "int: " + quoted(vm::as_string(a[0])) + " is not an integer");
    return Value();
  }
  const std::string_view number = text[0] == '+' ? digits : text;
  int64_t out = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), out);
  if (ec == std::errc::result_out_of_range) {
    ctx.fail(ErrorKind::Arithmetic, "int: " + quoted(text) + " does not fit in 64 bits");
    return Value();
  }
  return Value::integer(out);
}

Value int_float(NativeContext& ctx, const Value* a) {
  const double f = a[0].f;
  if (!fits_int64(f)) {
    ctx.fail(ErrorKind::Arithmetic, "int: " + vm::render(a[0]) + " is not a number that fits in 64 bits");
    return Value();
  }
  return Value::integer(static_cast<int64_t>(f));  // the cast truncates toward zero
}

Value int_json(NativeContext& ctx, const Value* a) {
  const Value& j = a[0];
  if (j.tag == Tag::Int) return j;
  if (j.tag == Tag::Float) {
    if (std::trunc(j.f) == j.f && fits_int64(j.f)) return Value::integer(static_cast<int64_t>(j.f));
    ctx.fail(ErrorKind::Type, "int: the JSON number " + vm::render(j) + " is not an integer that fits in 64 bits");
    return Value();
  }
  return json_mismatch(ctx, "int", "a JSON number", j);
}

Value float_int(NativeContext&, const Value* a) { return Value::real(static_cast<double>(a[0].i)); }

Value float_string(NativeContext& ctx, const Value* a) {
  std::string_view text = trim_space(vm::as_string(a[0]));
  // from_chars takes `-` but not `+`; a `+` followed by another sign is not a number.
  if (!text.empty() && text[0] == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text[0] == '-' || text[0] == '+')) text = {};
  }
  double out = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  // from_chars also reads `inf` and `nan`, which are not finite numbers and so are refused.
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(out)) {
    ctx.fail(ErrorKind::Type, "float: " + quoted(vm::as_string(a[0])) + " is not a finite number");
    return Value();
  }
  return Value::real(out);
}

Value float_json(NativeContext& ctx, const Value* a) {
  const Value& j = a[0];
  if (j.tag == Tag::Float) return j;
  if (j.tag == Tag::Int) return Value::real(static_cast<double>(j.i));
  return json_mismatch(ctx, "float", "a JSON number", j);
}

Value bool_string(NativeContext& ctx, const Value* a) {
  const std::string_view text = trim_space(vm::as_string(a[0]));
  if (text == "true") return Value::boolean(true);
  if (text == "false") return Value::boolean(false);
  ctx.fail(ErrorKind::Type, "bool: " + quoted(vm::as_string(a[0])) + " is neither true nor false");
  return Value();
}

Value bool_json(NativeContext& ctx, const Value* a) {
  if (a[0].tag == Tag::Bool) return a[0];
  return json_mismatch(ctx, "bool", "a JSON boolean", a[0]);
}

Value string_json(NativeContext& ctx, const Value* a) {
  if (a[0].tag == Tag::Str) return a[0];
  return json_mismatch(ctx, "string", "a JSON string", a[0]);
}

// A JSON array already is a list<json> and an object a map<json>: the value is returned as is.
Value list_json(NativeContext& ctx, const Value* a) {
  if (a[0].tag == Tag::List) return a[0];
  return json_mismatch(ctx, "list", "a JSON array", a[0]);
}

Value map_json(NativeContext& ctx, const Value* a) {
  if (a[0].tag == Tag::Map) return a[0];
  return json_mismatch(ctx, "map", "a JSON object", a[0]);
}

constexpr NativeEntry kNatives[] = {
    native<len_string>("len(s: string) -> int"),
    native<len_list>("len(xs: list<T>) -> int"),
    native<len_map>("len(m: map<T>) -> int"),
    native<len_json>("len(j: json) -> int"),
    native<str_any>("str(v: any) -> string"),
    native<int_string>("int(s: string) -> int"),
    native<int_float>("int(f: float) -> int"),
    native<int_json>("int(j: json) -> int"),
    native<float_int>("float(i: int) -> float"),
    native<float_string>("float(s: string) -> float"),
    native<float_json>("float(j: json) -> float"),
    native<bool_string>("bool(s: string) -> bool"),
    native<bool_json>("bool(j: json) -> bool"),
    native<string_json>("string(j: json) -> string"),
    native<list_json>("list(j: json) -> list<json>"),
    native<map_json>("map(j: json) -> map<json>"),
};

}  // namespace

}  // namespace wf::stdlib::natives

namespace wf::stdlib {
std::span<const NativeEntry> conversion_natives() { return natives::kNatives; }
}  // namespace wf::stdlib
