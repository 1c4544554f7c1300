// Error records in the built-in layout (see error_record.h).
#include "vm/error_record.h"

#include "stdlib/builtin_records.h"
#include "vm/shape.h"

namespace wf::vm {

Value make_error_record(stdlib::ErrorKind kind, std::string message, Value detail) {
  static const Shape* const shape = [] {
    std::vector<std::string> names;
    for (const auto& f : stdlib::builtin_record("Error")->fields) names.emplace_back(f.name);
    return Shape::intern(std::move(names));
  }();
  // The table's order is kind, message, step, detail.
  return make_record(shape, {make_string(std::string(stdlib::error_kind_name(kind))), make_string(std::move(message)), make_string(""),
                             std::move(detail)});
}

}  // namespace wf::vm
