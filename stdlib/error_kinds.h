// The C++ view of error_kinds.def: the kinds of runtime error (SPEC §1.7) as an enum, with each
// kind's name, what a retry does with it and how a run it ends is reported. Every part of wf that
// raises or inspects an error by kind goes through this header, never through a string literal.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace wf::stdlib {

enum class ErrorKind : uint8_t {
#define WF_ERROR_KIND(id, name, retry, end, meaning) id,
#include "stdlib/error_kinds.def"
#undef WF_ERROR_KIND
};

// Whether a step's `retry` may run its block again after an error of a kind.
enum class Retry : uint8_t { Passes, Never };
// How a run ends when nobody catches an error of a kind: failed, or stopped (cancelled, rejected
// or timed out), which the CLI reports with its own exit code.
enum class RunEnd : uint8_t { Failed, Stopped };

// One line of the table. The strings point into static storage.
struct ErrorKindInfo {
  ErrorKind kind;
  std::string_view name;     // the Error record's `kind`
  Retry retry;
  RunEnd end;
  std::string_view meaning;  // what raises it, in Markdown (docs/language.md §15)
};

// Every kind in table order.
std::span<const ErrorKindInfo> error_kinds();
const ErrorKindInfo& error_kind_info(ErrorKind kind);
std::string_view error_kind_name(ErrorKind kind);
// The kind named `name`; none for a name outside the table.
std::optional<ErrorKind> parse_error_kind(std::string_view name);

// Whether a retry may pass an error whose `kind` field is `name`. An error may carry a kind outside
// the table (a record built elsewhere and raised again); a retry passes it.
bool retry_may_pass(std::string_view name);
// Whether an uncaught error whose `kind` field is `name` means the run was stopped rather than
// failed; a kind outside the table means it failed.
bool ends_as_stopped(std::string_view name);

}  // namespace wf::stdlib
