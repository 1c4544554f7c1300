// Local-only functions (builtins.def "Local only"): env and localhost read this machine through
// the context, which only the REPL and `wf run` fill in; the checker keeps them out of the service.
#include <string_view>

#include "stdlib/natives/support.h"

namespace wf::stdlib::natives {

namespace {

Value env(NativeContext& ctx, const Value* a) { return ctx.env(std::string_view(vm::as_string(a[0]))); }
Value localhost(NativeContext& ctx, const Value*) { return ctx.localhost(); }

constexpr NativeEntry kNatives[] = {
    native<env>("env(name: string) -> string?"),
    native<localhost>("localhost() -> host"),
};

}  // namespace

}  // namespace wf::stdlib::natives

namespace wf::stdlib {
std::span<const NativeEntry> local_natives() { return natives::kNatives; }
}  // namespace wf::stdlib
