// The approvals aggregate of the store (SPEC §4.3): approval requests and their audited
// responses, one mapping of each row type.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"
#include "runtime/store/rows.h"

namespace wf::store::approvals {

// The request an `approve` effect (`instance`, `seq`) made, if any.
Result<std::optional<ApprovalRow>> of_effect(Database& db, int64_t instance, uint64_t seq);
// A page of `org`'s requests, oldest first; `status` "" and `instance` 0 filter nothing;
// `page.after` is a request id (the list goes on with newer ones).
Result<Page<ApprovalRow>> list(Database& db, int64_t org, const std::string& status, int64_t instance, Paging page);
// The statements list() runs with these filters, for the test that every form is served by an
// index.
std::string list_sql(bool status, bool instance, bool after);
std::string count_sql(bool status, bool instance);
// One request of `org`.
Result<std::optional<ApprovalRow>> find(Database& db, int64_t org, int64_t id);
// A request's responses, in the order they came.
Result<std::vector<ResponseRow>> responses(Database& db, int64_t approval);
Result<int64_t> max_id(Database& db);

// Recovery's set-wise reads for the instances with ids from `first` to `last`: the requests their
// waits made, and those requests' responses (in the order they came).
Result<std::vector<ApprovalRow>> of_waits(Database& db, int64_t first, int64_t last);
Result<std::vector<ResponseRow>> responses_of_waits(Database& db, int64_t first, int64_t last);
// The statements of_waits() and responses_of_waits() run, for the test that each is served by
// an index.
std::vector<std::string> of_waits_sql();

}  // namespace wf::store::approvals
