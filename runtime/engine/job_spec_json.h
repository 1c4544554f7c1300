// A planned job as the JSON an agent receives (docs/api.md, "job spec"): the one writer of that
// form, for a workflow's `run` and for the script library's execute alike.
#pragma once

#include <nlohmann/json.hpp>

#include "jobs/job.h"

namespace wf::engine {

nlohmann::json spec_json(const jobs::JobSpec& s);

}  // namespace wf::engine
