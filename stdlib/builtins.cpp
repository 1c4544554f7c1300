// Builds the standard library's signature table from builtins.def and answers look-ups in it.
#include "stdlib/builtins.h"

#include <algorithm>
#include <cstddef>

namespace wf::stdlib {

namespace {

constexpr BuiltinSignature kTable[] = {
#define WF_BUILTIN(name, purity, signature, doc) {#name, Purity::purity, signature, doc},
#include "stdlib/builtins.def"
#undef WF_BUILTIN
};

// overloads() returns one contiguous run per name, so a name whose lines were split apart in the
// table would silently lose its later overloads; refuse to compile instead.
constexpr bool overloads_are_adjacent() {
  const std::size_t n = std::size(kTable);
  for (std::size_t i = 1; i < n; ++i) {
    if (kTable[i].name == kTable[i - 1].name) continue;
    // A new run starts at i: its name must not have appeared before it.
    for (std::size_t j = 0; j < i; ++j) {
      if (kTable[j].name == kTable[i].name) return false;
    }
  }
  return true;
}
static_assert(overloads_are_adjacent(), "overloads of one builtin must be adjacent in builtins.def");

}  // namespace

std::span<const BuiltinSignature> builtins() { return kTable; }

std::span<const BuiltinSignature> overloads(std::string_view name) {
  const std::span<const BuiltinSignature> all = kTable;
  // About a hundred entries: a linear scan costs less than building and keeping an index.
  const auto begin = std::find_if(all.begin(), all.end(),
                                  [&](const BuiltinSignature& b) { return b.name == name; });
  const auto end = std::find_if(begin, all.end(),
                                [&](const BuiltinSignature& b) { return b.name != name; });
  return all.subspan(static_cast<std::size_t>(begin - all.begin()),
                     static_cast<std::size_t>(end - begin));
}

}  // namespace wf::stdlib
