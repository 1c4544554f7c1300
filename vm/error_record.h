// The Error record (SPEC §1.7: {kind, message, step, detail}), built in the layout of
// stdlib/builtin_records.def. The VM raises these; hosts deliver them with resume_error.
#pragma once

#include <string>
#include <string_view>

#include "stdlib/error_kinds.h"
#include "vm/value.h"

namespace wf::vm {

// `step` starts empty; the VM fills it with the innermost open step where the error is raised.
Value make_error_record(stdlib::ErrorKind kind, std::string message, Value detail = Value());

}  // namespace wf::vm
