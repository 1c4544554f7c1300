// Approvers and channels (builtins.def "Approvers and channels"): the values `approve ... by` and
// `notify ... to` take, built through vm/render.h's helpers so that the VM and the runtime read
// and render them the same way.
#include <string>

#include "stdlib/natives/support.h"
#include "vm/render.h"

namespace wf::stdlib::natives {

namespace {

Value role(NativeContext&, const Value* a) { return vm::make_approver(vm::kApproverRole, vm::as_string(a[0])); }
Value user(NativeContext&, const Value* a) { return vm::make_approver(vm::kApproverUser, vm::as_string(a[0])); }
Value slack(NativeContext&, const Value* a) { return vm::make_channel(vm::kChannelSlack, vm::as_string(a[0])); }
Value email(NativeContext&, const Value* a) { return vm::make_channel(vm::kChannelEmail, vm::as_string(a[0])); }
Value webhook(NativeContext&, const Value* a) { return vm::make_channel(vm::kChannelWebhook, vm::as_string(a[0])); }
Value pagerduty(NativeContext&, const Value* a) { return vm::make_channel(vm::kChannelPagerDuty, vm::as_string(a[0])); }

constexpr NativeEntry kNatives[] = {
    native<role>("role(name: string) -> Approver"),
    native<user>("user(name: string) -> Approver"),
    native<slack>("slack(channel: string) -> Channel"),
    native<email>("email(address: string) -> Channel"),
    native<webhook>("webhook(name: string) -> Channel"),
    native<pagerduty>("pagerduty(name: string) -> Channel"),
};

}  // namespace

}  // namespace wf::stdlib::natives

namespace wf::stdlib {
std::span<const NativeEntry> approver_natives() { return natives::kNatives; }
}  // namespace wf::stdlib
