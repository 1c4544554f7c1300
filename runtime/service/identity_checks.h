// What the users, roles and tokens endpoints check before they change anything — that a user or a
// role exists in the caller's organization, and that a change leaves the organization an enabled
// administrator; each answers the request (404, 409, 503) and returns empty when the check fails —
// and how they answer a change: only once the cache of authenticated tokens has forgotten what
// it knew, so that the change acts on the next request.
#pragma once

#include <optional>
#include <string_view>

#include "runtime/service/api_support.h"
#include "runtime/store/identities.h"

namespace wf::service {

// Where a name comes from: the path (a missing one is 404) or the body (400: the request is wrong).
enum class NamedIn { Path, Body };

// The user `name` of `org`; nullopt after answering 404 or 400 (or 503).
std::optional<store::UserRow> existing_user(Context& c, int64_t org, http::Exchange& x, std::string_view name, NamedIn in);
// Whether `name` is a built-in role or a custom role of `org`; false after answering 404 or 400 (or 503).
bool role_exists(Context& c, int64_t org, http::Exchange& x, std::string_view name, NamedIn in);
// Whether `org` keeps an enabled administrator once `user` no longer is one (disabled, or its
// `admin` role revoked); false after answering 409 (or 503).
bool keeps_an_admin(Context& c, int64_t org, http::Exchange& x, const store::UserRow& user);

// A Done that empties the cache of authenticated tokens (auth.h), then answers as
// reply_after_commit does.
engine::Done reply_after_identity_change(Context& c, ExchangePtr x, int status, std::function<nlohmann::json()> body);

}  // namespace wf::service
