// The kill switch's rows in the store (SPEC §4.6): where each organization's switch stands. They
// are written with the engine's units (changes.h); this reads them back when the service starts.
#pragma once

#include <vector>

#include "runtime/store/query.h"
#include "runtime/store/rows.h"

namespace wf::store::automation {

// Every organization's switch that has ever been flipped, paused or not, by organization.
Result<std::vector<AutomationSwitchRow>> switches(Database& db);

}  // namespace wf::store::automation
