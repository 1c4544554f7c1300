// The vault of the store (SPEC §4.7): privileged identities with their sealed secrets, and the
// checkout sessions a workflow's credentials carry. Only the vault's own code unseals a secret.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"

namespace wf::store {

struct IdentityRow {
  std::string name, username, domain, credential_type = "password";
  std::vector<uint8_t> sealed_secret;  // read only by the session lookup; empty in lists
  bool requires_approval = false, rotate_after_use = false;
  int64_t created_at = 0;
};

// The identity behind a checkout session, and whether it was checked in.
struct SessionIdentity {
  IdentityRow identity;
  bool checked_in = false;
};

}  // namespace wf::store

namespace wf::store::vault {

Result<Page<IdentityRow>> list(Database& db, int64_t org, Paging page);
// An identity without its secret.
Result<std::optional<IdentityRow>> find(Database& db, int64_t org, std::string_view name);
// The identity (with its sealed secret) a checkout session was opened for.
Result<std::optional<SessionIdentity>> session(Database& db, std::string_view session);
// Creates or replaces an identity.
bool put(Database& db, int64_t org, const IdentityRow& identity, int64_t now, std::string& error);
bool remove(Database& db, int64_t org, std::string_view name, std::string& error);

}  // namespace wf::store::vault
