// Tokens (SPEC §4.7): made from libsodium's random bytes, stored only as their hash, and turned
// back into the Principal that holds them. Every request is checked here; full RBAC will decide
// permissions from the same Principal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "runtime/service/api_support.h"

namespace wf::service {

// A new secret token: `prefix` followed by 64 hex digits.
std::string new_token(std::string_view prefix);
// The hex BLAKE2b hash a token is stored as.
std::string token_hash(std::string_view token);
// Who holds `bearer`, or nullopt for an unknown token.
store::Result<std::optional<Principal>> authenticate(store::Database& reader, std::string_view bearer);
// Compares secrets in constant time.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace wf::service
