// The statements and row mapping of inbound webhooks (see hooks.h).
#include "runtime/store/hooks.h"

namespace wf::store::hooks {

namespace {

constexpr const char* kColumns =
    "id, org_id, name, key, target, workflow, param_map, event, instance_pointer, auth, bearer_hash, created_at, created_by, "
    "disabled_at";

bool read_hook(const Statement& s, HookRow& r, std::string& error) {
  r.id = s.column_int64(0);
  r.org_id = s.column_int64(1);
  r.name = s.column_text(2);
  r.key = s.column_text(3);
  const auto target = parse<HookTarget>(s.column_text(4));
  const auto auth = parse<HookAuth>(s.column_text(9));
  if (!target || !auth) {
    error = "a hook row with an unknown target or authentication";
    return false;
  }
  r.target = *target;
  r.workflow = s.column_text(5);
  r.param_map = s.column_text(6);
  r.event = s.column_text(7);
  r.instance_pointer = s.column_text(8);
  r.auth = *auth;
  r.bearer_hash = s.column_text(10);
  r.created_at = s.column_int64(11);
  r.created_by = s.column_text(12);
  r.disabled_at = optional_int(s, 13);
  return true;
}

bool read_secret(const Statement& s, HookSecretRow& r, std::string&) {
  r.id = s.column_int64(0);
  r.hook_id = s.column_int64(1);
  r.secret = s.column_text(2);
  r.created_at = s.column_int64(3);
  r.expires_at = optional_int(s, 4);
  r.revoked_at = optional_int(s, 5);
  return true;
}

bool read_delivery(const Statement& s, HookDeliveryRow& r, std::string& error) {
  r.id = s.column_int64(0);
  r.hook_id = s.column_int64(1);
  r.received_at = s.column_int64(2);
  const auto outcome = parse<HookOutcome>(s.column_text(3));
  if (!outcome) {
    error = "a hook delivery with an unknown outcome";
    return false;
  }
  r.outcome = *outcome;
  r.status = static_cast<int>(s.column_int64(4));
  r.instance_id = optional_int(s, 5);
  r.signature = s.column_text(6);
  r.detail = s.column_text(7);
  return true;
}

}  // namespace

Result<Page<HookRow>> list(Database& db, int64_t org, Paging page) {
  Query q(db, std::string("SELECT ") + kColumns +
                  " FROM hooks WHERE org_id = ?1 AND disabled_at IS NULL ORDER BY name LIMIT ?2 OFFSET ?3");
  q->bind(1, org).bind(2, page.limit).bind(3, page.skip);
  Query count(db, "SELECT COUNT(*) FROM hooks WHERE org_id = ?1 AND disabled_at IS NULL");
  count->bind(1, org);
  return read_page<HookRow>(q, count, read_hook);
}

Result<std::optional<HookRow>> find(Database& db, int64_t org, std::string_view id_or_name) {
  // A live hook's name wins over a deleted one's; a number is an id.
  Query q(db, std::string("SELECT ") + kColumns +
                  " FROM hooks WHERE org_id = ?1 AND (name = ?2 OR CAST(id AS TEXT) = ?2) "
                  "ORDER BY disabled_at IS NOT NULL, id DESC LIMIT 1");
  q->bind(1, org).bind(2, id_or_name);
  return read_row<HookRow>(q, read_hook);
}

Result<std::optional<HookRow>> by_key(Database& db, std::string_view key) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM hooks WHERE key = ?1");
  q->bind(1, key);
  return read_row<HookRow>(q, read_hook);
}

Result<std::vector<HookSecretRow>> secrets(Database& db, int64_t hook) {
  Query q(db, "SELECT id, hook_id, secret, created_at, expires_at, revoked_at FROM hook_secrets WHERE hook_id = ?1 ORDER BY id");
  q->bind(1, hook);
  return read_rows<HookSecretRow>(q, read_secret);
}

Result<Page<HookDeliveryRow>> deliveries(Database& db, int64_t hook, const Paging& page) {
  return read_keyset_page<HookDeliveryRow>(
      db,
      "SELECT id, hook_id, received_at, outcome, status, instance_id, signature, detail FROM hook_deliveries "
      "WHERE hook_id = ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id DESC LIMIT ?3 OFFSET ?4",
      "SELECT COUNT(*) FROM hook_deliveries WHERE hook_id = ?1", 2, page, [&](Statement& s) { s.bind(1, hook); },
      read_delivery);
}

Result<std::optional<int64_t>> alert_instance(Database& db, int64_t hook, std::string_view fingerprint) {
  Query q(db, "SELECT instance_id FROM hook_alerts WHERE hook_id = ?1 AND fingerprint = ?2");
  q->bind(1, hook).bind(2, fingerprint);
  std::optional<int64_t> out;
  if (q->step()) out = q->column_int64(0);
  std::string error;
  if (!finished(q, error)) return Result<std::optional<int64_t>>::failure(error);
  return out;
}

bool create(Database& db, const HookRow& h, std::string_view first_secret, int64_t& id, std::string& error) {
  {
    Query q(db,
            "INSERT INTO hooks (org_id, name, key, target, workflow, param_map, event, instance_pointer, auth, bearer_hash, "
            "created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)");
    q->bind(1, h.org_id).bind(2, std::string_view(h.name)).bind(3, std::string_view(h.key)).bind(4, name(h.target));
    q->bind(5, std::string_view(h.workflow)).bind(6, std::string_view(h.param_map)).bind(7, std::string_view(h.event));
    q->bind(8, std::string_view(h.instance_pointer)).bind(9, name(h.auth)).bind(10, std::string_view(h.bearer_hash));
    q->bind(11, h.created_at).bind(12, std::string_view(h.created_by));
    if (!run(*q, error)) return false;
  }
  id = db.last_insert_rowid();
  return first_secret.empty() || add_secret(db, id, first_secret, h.created_at, std::nullopt, error);
}

bool add_secret(Database& db, int64_t hook, std::string_view secret, int64_t now, std::optional<int64_t> expire_old_at,
                std::string& error) {
  if (expire_old_at) {
    Query q(db,
            "UPDATE hook_secrets SET expires_at = ?2 WHERE hook_id = ?1 AND revoked_at IS NULL AND "
            "(expires_at IS NULL OR expires_at > ?2)");
    q->bind(1, hook).bind(2, *expire_old_at);
    if (!run(*q, error)) return false;
  }
  Query q(db, "INSERT INTO hook_secrets (hook_id, secret, created_at) VALUES (?1, ?2, ?3)");
  q->bind(1, hook).bind(2, secret).bind(3, now);
  return run(*q, error);
}

bool disable(Database& db, int64_t hook, int64_t now, std::string& error) {
  Query q(db, "UPDATE hooks SET disabled_at = ?2 WHERE id = ?1 AND disabled_at IS NULL");
  q->bind(1, hook).bind(2, now);
  return run(*q, error);
}

bool record_delivery(Database& db, const HookDeliveryRow& d, std::string& error) {
  Query q(db,
          "INSERT INTO hook_deliveries (hook_id, received_at, outcome, status, instance_id, signature, detail) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  q->bind(1, d.hook_id).bind(2, d.received_at).bind(3, name(d.outcome)).bind(4, static_cast<int64_t>(d.status));
  bind_optional(*q, 5, d.instance_id);
  q->bind(6, std::string_view(d.signature)).bind(7, std::string_view(d.detail));
  return run(*q, error);
}

bool remember_signature(Database& db, int64_t hook, std::string_view signature, int64_t now, int64_t forget_before, bool& fresh,
                        std::string& error) {
  {
    Query prune(db, "DELETE FROM hook_replays WHERE seen_at < ?1");
    prune->bind(1, forget_before);
    if (!run(*prune, error)) return false;
  }
  Query q(db, "INSERT INTO hook_replays (hook_id, signature, seen_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING");
  q->bind(1, hook).bind(2, signature).bind(3, now);
  if (!run(*q, error)) return false;
  fresh = db.changes() > 0;
  return true;
}

bool set_alert_instance(Database& db, int64_t hook, std::string_view fingerprint, int64_t instance, int64_t now,
                        std::string& error) {
  Query q(db,
          "INSERT INTO hook_alerts (hook_id, fingerprint, instance_id, started_at) VALUES (?1, ?2, ?3, ?4) "
          "ON CONFLICT (hook_id, fingerprint) DO UPDATE SET instance_id = excluded.instance_id, started_at = excluded.started_at");
  q->bind(1, hook).bind(2, fingerprint).bind(3, instance).bind(4, now);
  return run(*q, error);
}

}  // namespace wf::store::hooks
