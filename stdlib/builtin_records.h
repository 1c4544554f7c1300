// The C++ view of builtin_records.def: each built-in record's name and its fields in layout order.
#pragma once

#include <span>
#include <string_view>

namespace wf::stdlib {

struct RecordField {
  std::string_view name;
  std::string_view type;  // wf type syntax
};

struct BuiltinRecord {
  std::string_view name;
  std::span<const RecordField> fields;
};

std::span<const BuiltinRecord> builtin_records();
// The record named `name`; nullptr when there is none.
const BuiltinRecord* builtin_record(std::string_view name);
// The index of `field` in `record`'s layout, or -1.
int field_index(const BuiltinRecord& record, std::string_view field);

}  // namespace wf::stdlib
