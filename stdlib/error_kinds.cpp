// The error-kind table (see error_kinds.h), expanded from error_kinds.def.
#include "stdlib/error_kinds.h"

#include <iterator>

namespace wf::stdlib {

namespace {

constexpr ErrorKindInfo kKinds[] = {
#define WF_ERROR_KIND(id, name, retry, end, meaning) {ErrorKind::id, name, Retry::retry, RunEnd::end, meaning},
#include "stdlib/error_kinds.def"
#undef WF_ERROR_KIND
};

// The enum counts from 0 in table order, so a kind indexes the table.
constexpr bool in_table_order() {
  for (size_t i = 0; i < std::size(kKinds); ++i)
    if (static_cast<size_t>(kKinds[i].kind) != i) return false;
  return true;
}
static_assert(in_table_order());

}  // namespace

std::span<const ErrorKindInfo> error_kinds() { return kKinds; }

const ErrorKindInfo& error_kind_info(ErrorKind kind) { return kKinds[static_cast<size_t>(kind)]; }

std::string_view error_kind_name(ErrorKind kind) { return error_kind_info(kind).name; }

std::optional<ErrorKind> parse_error_kind(std::string_view name) {
  for (const ErrorKindInfo& k : kKinds)
    if (k.name == name) return k.kind;
  return std::nullopt;
}

bool retry_may_pass(std::string_view name) {
  const std::optional<ErrorKind> kind = parse_error_kind(name);
  return !kind || error_kind_info(*kind).retry == Retry::Passes;
}

bool ends_as_stopped(std::string_view name) {
  const std::optional<ErrorKind> kind = parse_error_kind(name);
  return kind && error_kind_info(*kind).end == RunEnd::Stopped;
}

}  // namespace wf::stdlib
