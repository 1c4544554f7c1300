// The text form of the identity commands' output (SPEC §4.7): who a token acts as (`wf whoami`)
// and the tables of `wf org ls`, `wf user ls`, `wf role ls` and `wf token ls`. Strings from the
// service are printed on one line, as text_render.h does.
#pragma once

#include <string>

#include "cli/client/json_fields.h"

namespace wf::cli {

// A JSON list of strings as "a, b, c"; "-" when it is empty or not a list.
std::string name_list(const Json* list);

// `wf whoami`: user, organization, roles, permissions, token and server, one labelled line each,
// from the answer of `GET /users/me`.
std::string render_whoami(const Json& me, const std::string& server);

// ID, NAME from `GET /orgs` items.
std::string render_org_table(const Json& items);

// NAME, DISPLAY NAME, EMAIL, ROLES, STATUS from `GET /users` items.
std::string render_user_table(const Json& items);

// NAME, KIND (built-in or custom), PERMISSIONS, DESCRIPTION from `GET /roles` items.
std::string render_role_table(const Json& items);

// ID, USER, NAME, CREATED, EXPIRES, LAST USED, STATUS from `GET /tokens` items.
std::string render_token_table(const Json& items);

}  // namespace wf::cli
