// JSON functions (builtins.def "JSON"): parse_json and to_json, over vm/render.h's conversions so
// that `to_json(v)` and `wf run`'s output are the same text.
#include <string>

#include "stdlib/natives/support.h"
#include "vm/render.h"

namespace wf::stdlib::natives {

namespace {

Value parse_json(NativeContext& ctx, const Value* a) {
  Value out;
  std::string error;
  if (!vm::parse_json_text(vm::as_string(a[0]), out, error)) {
    ctx.fail(ErrorKind::Type, "parse_json: " + error);
    return Value();
  }
  return out;
}

Value to_json(NativeContext&, const Value* a) { return vm::make_string(vm::to_json_text(a[0])); }

constexpr NativeEntry kNatives[] = {
    native<parse_json>("parse_json(s: string) -> json"),
    native<to_json>("to_json(v: any) -> string"),
};

}  // namespace

}  // namespace wf::stdlib::natives

namespace wf::stdlib {
std::span<const NativeEntry> json_natives() { return natives::kNatives; }
}  // namespace wf::stdlib
