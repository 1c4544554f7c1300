// The approval quorums of SPEC §1.6, the one list the checker accepts and the language server
// offers. What each one means is in effects/approval_state.h.
#pragma once

#include <array>
#include <string_view>

namespace wf::stdlib {

inline constexpr std::array<std::string_view, 5> kApprovalQuorums = {"singular", "one_of_many", "two_of_many", "all",
                                                                      "majority"};

}  // namespace wf::stdlib
