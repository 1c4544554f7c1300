// Inbound webhooks in the store (docs/operations.md "Hooks"): a hook with its key, target and
// authentication, its secrets (kept in clear, since verifying an HMAC needs the secret itself),
// the append-only record of its deliveries, the signatures seen lately (the durable memory that
// refuses a replay, even after a restart) and the instance each alert fingerprint started last.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"

namespace wf::store {

struct HookRow {
  int64_t id = 0, org_id = 0;
  std::string name, key;
  HookTarget target = HookTarget::Start;
  std::string workflow;         // start, alert: the definition (its name) to start
  std::string param_map = "{}"; // start: JSON object, parameter → JSON Pointer into the body
  std::string event;            // event: the event's name
  std::string instance_pointer; // event: the JSON Pointer of the instance's id in the body
  HookAuth auth = HookAuth::Hmac;
  std::string bearer_hash;      // bearer: the token's hash (auth.h token_hash)
  int64_t created_at = 0;
  std::string created_by;
  std::optional<int64_t> disabled_at;
};

struct HookSecretRow {
  int64_t id = 0, hook_id = 0;
  std::string secret;
  int64_t created_at = 0;
  std::optional<int64_t> expires_at, revoked_at;
  // Whether a delivery signed with it is taken at `now`: neither revoked nor expired.
  bool active(int64_t now) const { return !revoked_at && (!expires_at || *expires_at > now); }
};

struct HookDeliveryRow {
  int64_t id = 0, hook_id = 0, received_at = 0;
  HookOutcome outcome = HookOutcome::Rejected;
  int status = 0;
  std::optional<int64_t> instance_id;
  std::string signature;  // the signature or webhook-id it came with
  std::string detail;
};

}  // namespace wf::store

namespace wf::store::hooks {

// The hooks of `org` that are not deleted, by name.
Result<Page<HookRow>> list(Database& db, int64_t org, Paging page);
// A hook of `org` by id or name (deleted ones too: their deliveries stay readable).
Result<std::optional<HookRow>> find(Database& db, int64_t org, std::string_view id_or_name);
// The hook a delivery's URL names, in any organization; disabled ones too (the caller refuses).
Result<std::optional<HookRow>> by_key(Database& db, std::string_view key);
// Every secret of a hook, oldest first.
Result<std::vector<HookSecretRow>> secrets(Database& db, int64_t hook);
// The deliveries to a hook, newest first.
Result<Page<HookDeliveryRow>> deliveries(Database& db, int64_t hook, const Paging& page);
// The instance the last firing of `fingerprint` started through `hook`, if any.
Result<std::optional<int64_t>> alert_instance(Database& db, int64_t hook, std::string_view fingerprint);

// Writes, inside the caller's unit of the writer.
// A new hook with its first secret (empty for a bearer hook: none); its id in `id`.
bool create(Database& db, const HookRow& hook, std::string_view first_secret, int64_t& id, std::string& error);
// Adds a secret; when `expire_old_at` is given, the hook's other secrets without an earlier
// expiry expire then.
bool add_secret(Database& db, int64_t hook, std::string_view secret, int64_t now, std::optional<int64_t> expire_old_at,
                std::string& error);
// Disables a hook: its URL answers 404 from now on; its row and deliveries are kept.
bool disable(Database& db, int64_t hook, int64_t now, std::string& error);
bool record_delivery(Database& db, const HookDeliveryRow& delivery, std::string& error);
// Remembers `signature` for `hook`: false in `fresh` when it was seen already (a replay). Entries
// older than `forget_before` are pruned first.
bool remember_signature(Database& db, int64_t hook, std::string_view signature, int64_t now, int64_t forget_before, bool& fresh,
                        std::string& error);
bool set_alert_instance(Database& db, int64_t hook, std::string_view fingerprint, int64_t instance, int64_t now,
                        std::string& error);

}  // namespace wf::store::hooks
