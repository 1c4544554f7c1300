// The vault's statements and row mapping (see vault.h).
#include "runtime/store/vault.h"

#include <fmt/format.h>

#include <algorithm>

namespace wf::store::vault {

namespace {

constexpr const char* kColumns =
    "name, username, domain, credential_type, requires_approval, rotate_after_use, created_at, approvers, approval_quorum, "
    "approval_timeout_ms, rotate_script, rotate_interpreter, rotate_host, secret_length, secret_alphabet, channel, "
    "rotation_status, rotation_job, rotated_at";
constexpr int kColumnCount = 19;

// The one mapping of an identity row (without its secret), from a statement selecting kColumns.
bool read_identity(const Statement& s, IdentityRow& r, std::string&) {
  r.name = s.column_text(0);
  r.username = s.column_text(1);
  r.domain = s.column_text(2);
  r.credential_type = s.column_text(3);
  r.requires_approval = s.column_int64(4) != 0;
  r.rotate_after_use = s.column_int64(5) != 0;
  r.created_at = s.column_int64(6);
  r.approvers = s.column_text(7);
  r.approval_quorum = s.column_text(8);
  r.approval_timeout_ms = s.column_int64(9);
  r.rotate_script = s.column_text(10);
  r.rotate_interpreter = s.column_text(11);
  r.rotate_host = s.column_text(12);
  r.secret_length = s.column_int64(13);
  r.secret_alphabet = s.column_text(14);
  r.channel = s.column_text(15);
  r.rotation_status = s.column_text(16);
  r.rotation_job = optional_int(s, 17);
  r.rotated_at = optional_int(s, 18);
  return true;
}

constexpr const char* kSessionColumns =
    "session, identity, org_id, instance_id, created_at, expires_at, checked_in_at, coalesce(closed_reason, ''), closed_by";

bool read_session(const Statement& s, SessionInfo& r, std::string&) {
  r.session = s.column_text(0);
  r.identity = s.column_text(1);
  r.org_id = s.column_int64(2);
  r.instance_id = s.column_int64(3);
  r.created_at = s.column_int64(4);
  r.expires_at = optional_int(s, 5);
  r.closed_at = optional_int(s, 6);
  r.closed_reason = s.column_text(7);
  r.closed_by = s.column_text(8);
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

Result<std::optional<IdentityRow>> find_sealed(Database& db, int64_t org, std::string_view name, std::vector<uint8_t>* pending) {
  Query q(db, std::string("SELECT ") + kColumns + ", secret, pending_secret FROM vault_identities WHERE org_id = ?1 AND name = ?2");
  q->bind(1, org).bind(2, name);
  return read_row<IdentityRow>(q, [pending](const Statement& s, IdentityRow& out, std::string& error) {
    out.sealed_secret = column_bytes(s, kColumnCount);
    if (pending) *pending = s.column_is_null(kColumnCount + 1) ? std::vector<uint8_t>() : column_bytes(s, kColumnCount + 1);
    return read_identity(s, out, error);
  });
}

Result<std::optional<SessionIdentity>> session(Database& db, std::string_view session) {
  // kColumns, of the identity `v`.
  static const std::string identity_columns = [] {
    std::string out;
    std::string_view all = kColumns;
    for (size_t start = 0; start < all.size();) {
      size_t end = std::min(all.find(", ", start), all.size());
      out += fmt::format("{}v.{}", out.empty() ? "" : ", ", all.substr(start, end - start));
      start = end + 2;
    }
    return out;
  }();
  Query q(db, fmt::format("SELECT {}, v.secret, s.checked_in_at, coalesce(s.closed_reason, ''), s.org_id, s.instance_id "
                          "FROM credential_sessions s "
                          "JOIN vault_identities v ON v.org_id = s.org_id AND v.name = s.identity WHERE s.session = ?1",
                          identity_columns));
  q->bind(1, session);
  return read_row<SessionIdentity>(q, [](const Statement& s, SessionIdentity& out, std::string& error) {
    out.identity.sealed_secret = column_bytes(s, kColumnCount);
    out.checked_in = !s.column_is_null(kColumnCount + 1);
    out.closed_reason = s.column_text(kColumnCount + 2);
    out.org_id = s.column_int64(kColumnCount + 3);
    out.instance_id = s.column_int64(kColumnCount + 4);
    return read_identity(s, out.identity, error);
  });
}

bool put(Database& db, int64_t org, const IdentityRow& r, int64_t now, std::string& error) {
  Query q(db,
          "INSERT INTO vault_identities (org_id, name, username, domain, credential_type, secret, requires_approval, "
          "rotate_after_use, created_at, approvers, approval_quorum, approval_timeout_ms, rotate_script, rotate_interpreter, "
          "rotate_host, secret_length, secret_alphabet, channel) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) ON CONFLICT (org_id, name) DO UPDATE SET "
          "username = excluded.username, domain = excluded.domain, credential_type = excluded.credential_type, "
          "secret = excluded.secret, requires_approval = excluded.requires_approval, rotate_after_use = excluded.rotate_after_use, "
          "approvers = excluded.approvers, approval_quorum = excluded.approval_quorum, "
          "approval_timeout_ms = excluded.approval_timeout_ms, rotate_script = excluded.rotate_script, "
          "rotate_interpreter = excluded.rotate_interpreter, rotate_host = excluded.rotate_host, "
          "secret_length = excluded.secret_length, secret_alphabet = excluded.secret_alphabet, channel = excluded.channel");
  q->bind(1, org).bind(2, std::string_view(r.name)).bind(3, std::string_view(r.username)).bind(4, std::string_view(r.domain));
  q->bind(5, std::string_view(r.credential_type)).bind_blob(6, r.sealed_secret.data(), r.sealed_secret.size());
  q->bind(7, r.requires_approval ? 1 : 0).bind(8, r.rotate_after_use ? 1 : 0).bind(9, now);
  q->bind(10, std::string_view(r.approvers)).bind(11, std::string_view(r.approval_quorum)).bind(12, r.approval_timeout_ms);
  q->bind(13, std::string_view(r.rotate_script)).bind(14, std::string_view(r.rotate_interpreter));
  q->bind(15, std::string_view(r.rotate_host)).bind(16, r.secret_length).bind(17, std::string_view(r.secret_alphabet));
  q->bind(18, std::string_view(r.channel));
  return run(*q, error);
}

bool remove(Database& db, int64_t org, std::string_view name, std::string& error) {
  Query q(db, "DELETE FROM vault_identities WHERE org_id = ?1 AND name = ?2");
  q->bind(1, org).bind(2, name);
  return run(*q, error);
}

Result<std::vector<SessionInfo>> open_sessions(Database& db, int64_t org) {
  Query q(db, fmt::format("SELECT {} FROM credential_sessions WHERE org_id = ?1 AND checked_in_at IS NULL ORDER BY created_at, session",
                          kSessionColumns));
  q->bind(1, org);
  return read_rows<SessionInfo>(q, read_session);
}

Result<std::optional<SessionInfo>> find_session(Database& db, int64_t org, std::string_view session) {
  Query q(db, fmt::format("SELECT {} FROM credential_sessions WHERE org_id = ?1 AND session = ?2", kSessionColumns));
  q->bind(1, org).bind(2, session);
  return read_row<SessionInfo>(q, read_session);
}

Result<std::vector<SessionInfo>> leased_sessions(Database& db) {
  Query q(db, fmt::format("SELECT {} FROM credential_sessions WHERE checked_in_at IS NULL AND expires_at IS NOT NULL", kSessionColumns));
  return read_rows<SessionInfo>(q, read_session);
}

bool begin_rotation(Database& db, int64_t org, std::string_view name, const std::vector<uint8_t>& pending, std::string& error) {
  Query q(db,
          "UPDATE vault_identities SET pending_secret = ?3, rotation_job = NULL, rotation_status = 'rotating' "
          "WHERE org_id = ?1 AND name = ?2");
  q->bind(1, org).bind(2, name).bind_blob(3, pending.data(), pending.size());
  return run(*q, error);
}

bool set_rotation_job(Database& db, int64_t org, std::string_view name, int64_t job, std::string& error) {
  Query q(db, "UPDATE vault_identities SET rotation_job = ?3 WHERE org_id = ?1 AND name = ?2 AND rotation_status = 'rotating'");
  q->bind(1, org).bind(2, name).bind(3, job);
  return run(*q, error);
}

bool end_rotation(Database& db, int64_t org, std::string_view name, int64_t job, bool succeeded, int64_t now, std::string& error) {
  Query q(db, succeeded ? "UPDATE vault_identities SET secret = pending_secret, pending_secret = NULL, rotation_status = 'rotated', "
                          "rotation_job = ?3, rotated_at = ?4 WHERE org_id = ?1 AND name = ?2 AND rotation_status = 'rotating' "
                          "AND pending_secret IS NOT NULL AND (rotation_job IS NULL OR rotation_job = ?3)"
                        : "UPDATE vault_identities SET pending_secret = NULL, rotation_status = 'rotation_failed', rotation_job = ?3 "
                          "WHERE org_id = ?1 AND name = ?2 AND rotation_status = 'rotating' AND (rotation_job IS NULL OR rotation_job = ?3) "
                          "AND ?4 = ?4");
  q->bind(1, org).bind(2, name).bind(3, job).bind(4, now);
  return run(*q, error);
}

}  // namespace wf::store::vault
