// The registry of natives: each area file lists its implementations under their builtins.def
// keys, and find_native gathers the lists. The lists are constant-initialized arrays returned by
// functions, so no native depends on another file's static initialization having run.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "stdlib/natives.h"

namespace wf::stdlib {

// One overload's implementation, under its key `name(signature)` (`len(s: string) -> int`).
struct NativeEntry {
  std::string_view key;
  Native fn;
};

// The natives of each area, one function per file of stdlib/natives.
std::span<const NativeEntry> conversion_natives();  // conversions.cpp
std::span<const NativeEntry> string_natives();      // strings.cpp
std::span<const NativeEntry> collection_natives();  // collections.cpp
std::span<const NativeEntry> number_natives();      // numbers.cpp
std::span<const NativeEntry> json_natives();        // json.cpp
std::span<const NativeEntry> time_natives();        // time.cpp
std::span<const NativeEntry> host_natives();        // hosts.cpp
std::span<const NativeEntry> approver_natives();    // approvers.cpp (approvers and channels)
std::span<const NativeEntry> local_natives();       // local.cpp

// Every registered native, area by area (the tests compare it with builtins()).
std::vector<NativeEntry> all_natives();

}  // namespace wf::stdlib
