// Host functions (builtins.def "Hosts"): by_tag, by_group, hostnames over lists of `host` records
// (layout in builtin_records.def). Filters keep the order of their input, the target order jobs
// report in.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "stdlib/natives/support.h"
#include "vm/shape.h"

namespace wf::stdlib::natives {

namespace {

// The field `name` of a host record; fields are found by name rather than by position so that a
// host built by any part of wf reads the same.
const Value* host_field(const Value& host, std::string_view name) {
  if (host.tag != vm::Tag::Record) return nullptr;
  const vm::RecObj& r = vm::as_record(host);
  const int i = r.shape->index_of(name);
  return i < 0 ? nullptr : &r.fields[static_cast<size_t>(i)];
}

// Whether the list-of-strings field `field` of `host` holds `wanted`.
bool lists(const Value& host, std::string_view field, const std::string& wanted) {
  const Value* v = host_field(host, field);
  if (!v || v->tag != vm::Tag::List) return false;
  const auto& xs = vm::as_list(*v);
  return std::any_of(xs.begin(), xs.end(),
                     [&](const Value& x) { return x.tag == vm::Tag::Str && vm::as_string(x) == wanted; });
}

Value filter(const Value* a, std::string_view field) {
  std::vector<Value> out;
  for (const Value& h : vm::as_list(a[0]))
    if (lists(h, field, vm::as_string(a[1]))) out.push_back(h);
  return vm::make_list(std::move(out));
}

Value by_tag(NativeContext&, const Value* a) { return filter(a, "tags"); }
Value by_group(NativeContext&, const Value* a) { return filter(a, "groups"); }

Value hostnames(NativeContext&, const Value* a) {
  std::vector<Value> out;
  out.reserve(vm::as_list(a[0]).size());
  for (const Value& h : vm::as_list(a[0])) {
    const Value* name = host_field(h, "hostname");
    out.push_back(name && name->tag == vm::Tag::Str ? *name : vm::make_string(std::string()));
  }
  return vm::make_list(std::move(out));
}

constexpr NativeEntry kNatives[] = {
    native<by_tag>("by_tag(hs: hosts, tag: string) -> hosts"),
    native<by_group>("by_group(hs: hosts, group: string) -> hosts"),
    native<hostnames>("hostnames(hs: hosts) -> list<string>"),
};

}  // namespace

}  // namespace wf::stdlib::natives

namespace wf::stdlib {
std::span<const NativeEntry> host_natives() { return natives::kNatives; }
}  // namespace wf::stdlib
