// The vault's statements and row mapping (see vault.h).
#include "runtime/store/vault.h"

namespace wf::store::vault {

namespace {

constexpr const char* kColumns = "name, username, domain, credential_type, requires_approval, rotate_after_use, created_at";

// The one mapping of an identity row (without its secret), from a statement selecting kColumns.
bool read_identity(const Statement& s, IdentityRow& r, std::string&) {
  r.name = s.column_text(0);
  r.username = s.column_text(1);
  r.domain = s.column_text(2);
  r.credential_type = s.column_text(3);
  r.requires_approval = s.column_int64(4) != 0;
  r.rotate_after_use = s.column_int64(5) != 0;
  r.created_at = s.column_int64(6);
  return true;
}

}  // namespace

Result<Page<IdentityRow>> list(Database& db, int64_t org, Paging page) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM vault_identities WHERE org_id = ?1 ORDER BY name LIMIT ?2 OFFSET ?3");
  q->bind(1, org).bind(2, page.limit).bind(3, page.skip);
  Query count(db, "SELECT COUNT(*) FROM vault_identities WHERE org_id = ?1");
  count->bind(1, org);
  return read_page<IdentityRow>(q, count, read_identity);
}

Result<std::optional<IdentityRow>> find(Database& db, int64_t org, std::string_view name) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM vault_identities WHERE org_id = ?1 AND name = ?2");
  q->bind(1, org).bind(2, name);
  return read_row<IdentityRow>(q, read_identity);
}

Result<std::optional<SessionIdentity>> session(Database& db, std::string_view session) {
  Query q(db,
          "SELECT v.name, v.username, v.domain, v.credential_type, v.requires_approval, v.rotate_after_use, v.created_at, "
          "v.secret, s.checked_in_at FROM credential_sessions s "
          "JOIN vault_identities v ON v.org_id = s.org_id AND v.name = s.identity WHERE s.session = ?1");
  q->bind(1, session);
  return read_row<SessionIdentity>(q, [](const Statement& s, SessionIdentity& out, std::string& error) {
    out.checked_in = !s.column_is_null(8);
    out.identity.sealed_secret = column_bytes(s, 7);
    return read_identity(s, out.identity, error);
  });
}

bool put(Database& db, int64_t org, const IdentityRow& r, int64_t now, std::string& error) {
  Query q(db,
          "INSERT INTO vault_identities (org_id, name, username, domain, credential_type, secret, requires_approval, "
          "rotate_after_use, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (org_id, name) DO UPDATE SET "
          "username = excluded.username, domain = excluded.domain, credential_type = excluded.credential_type, "
          "secret = excluded.secret, requires_approval = excluded.requires_approval, rotate_after_use = excluded.rotate_after_use");
  q->bind(1, org).bind(2, std::string_view(r.name)).bind(3, std::string_view(r.username)).bind(4, std::string_view(r.domain));
  q->bind(5, std::string_view(r.credential_type)).bind_blob(6, r.sealed_secret.data(), r.sealed_secret.size());
  q->bind(7, r.requires_approval ? 1 : 0).bind(8, r.rotate_after_use ? 1 : 0).bind(9, now);
  return run(*q, error);
}

bool remove(Database& db, int64_t org, std::string_view name, std::string& error) {
  Query q(db, "DELETE FROM vault_identities WHERE org_id = ?1 AND name = ?2");
  q->bind(1, org).bind(2, name);
  return run(*q, error);
}

}  // namespace wf::store::vault
