// The approvals aggregate of the store (SPEC §4.3): approval requests and their audited
// responses, one mapping of each row type.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"
#include "runtime/store/rows.h"

namespace wf::store::approvals {

// The request an `approve` effect (`instance`, `seq`) made, if any.
Result<std::optional<ApprovalRow>> of_effect(Database& db, int64_t instance, uint64_t seq);
// A page of `org`'s requests, oldest first; `status` "" and `instance` 0 filter nothing.
Result<Page<ApprovalRow>> list(Database& db, int64_t org, const std::string& status, int64_t instance, Paging page);
// One request of `org`.
Result<std::optional<ApprovalRow>> find(Database& db, int64_t org, int64_t id);
// A request's responses, in the order they came.
Result<std::vector<ResponseRow>> responses(Database& db, int64_t approval);
Result<int64_t> max_id(Database& db);

}  // namespace wf::store::approvals
