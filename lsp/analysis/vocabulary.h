// The words completion offers that no table of the compiler lists in a form it can read: the
// keywords (the grammar, grammar/WfLexer.g4, is their one definition; the LSP tests compare this
// list with it), the annotations (checked in compiler/check/check_annotations.cpp; the tests
// check every usage below), and the built-in type names that are not records (the records come
// from stdlib/builtin_records.def); and the approval quorums, which the checker keeps in a list
// of its own (compiler/check/check_effect.cpp) and says only in its message about an unknown one.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wf::analysis {

std::span<const std::string_view> keywords();

struct AnnotationWord {
  std::string_view name;   // without the `@`
  std::string_view usage;  // an example that checks clean on a workflow
  std::string_view doc;
};
std::span<const AnnotationWord> annotations();

// `int`, `string`, `hosts`, `list`, ...: the built-in types a type expression may name, other than
// the built-in records.
std::span<const std::string_view> builtin_type_names();

// `singular`, `one_of_many`, ...: the words `quorum` takes, as the checker lists them when it
// rejects another (read once, by checking a probe; empty if that message ever changes shape,
// which the LSP tests would notice).
const std::vector<std::string>& approval_quorums();

}  // namespace wf::analysis
