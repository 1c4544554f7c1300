// Which wf this is: the version `wf --version` prints and /metrics' `wf_build_info` labels.
#pragma once

namespace wf {

inline constexpr const char* kWfVersion = "0.1.0";

}  // namespace wf
