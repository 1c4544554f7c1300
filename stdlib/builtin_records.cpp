// The built-in record table (see builtin_records.h), expanded from builtin_records.def.
#include "stdlib/builtin_records.h"

#include <vector>

namespace wf::stdlib {

namespace {

// Every field of every record, in table order; each record owns a contiguous run of it.
constexpr RecordField kFields[] = {
#define WF_RECORD(name)
#define WF_FIELD(name, type) {#name, type},
#include "stdlib/builtin_records.def"
#undef WF_FIELD
#undef WF_RECORD
};

// The table's lines as marks: a record's name, or empty for one of its fields.
constexpr std::string_view kMarks[] = {
#define WF_RECORD(name) #name,
#define WF_FIELD(name, type) "",
#include "stdlib/builtin_records.def"
#undef WF_FIELD
#undef WF_RECORD
};

const std::vector<BuiltinRecord>& records() {
  static const std::vector<BuiltinRecord> table = [] {
    std::vector<BuiltinRecord> out;
    size_t field = 0, first = 0;
    for (std::string_view mark : kMarks) {
      if (mark.empty()) {
        ++field;
        out.back().fields = std::span<const RecordField>(kFields + first, field - first);
      } else {
        out.push_back({mark, {}});
        first = field;
      }
    }
    return out;
  }();
  return table;
}

}  // namespace

std::span<const BuiltinRecord> builtin_records() { return records(); }

const BuiltinRecord* builtin_record(std::string_view name) {
  for (const BuiltinRecord& r : records())
    if (r.name == name) return &r;
  return nullptr;
}

int field_index(const BuiltinRecord& record, std::string_view field) {
  for (size_t i = 0; i < record.fields.size(); ++i)
    if (record.fields[i].name == field) return static_cast<int>(i);
  return -1;
}

}  // namespace wf::stdlib
