// The definitions aggregate's statements and row mappings (see definitions.h).
#include "runtime/store/definitions.h"

namespace wf::store::definitions {

namespace {

constexpr const char* kColumns =
    "d.id, d.org_id, d.name, d.description, d.template, d.active, d.published_version, d.created_at, d.updated_at, "
    "(SELECT MAX(version) FROM definition_versions v WHERE v.definition_id = d.id)";

// The one mapping of a definition row, from a statement selecting kColumns.
bool read_definition(const Statement& s, DefinitionRow& d, std::string&) {
  d.id = s.column_int64(0);
  d.org_id = s.column_int64(1);
  d.name = s.column_text(2);
  d.description = s.column_text(3);
  d.template_flag = s.column_int64(4) != 0;
  d.active = s.column_int64(5) != 0;
  d.published_version = optional_int(s, 6);
  d.created_at = s.column_int64(7);
  d.updated_at = s.column_int64(8);
  d.latest_version = optional_int(s, 9);
  return true;
}

bool read_version(const Statement& s, VersionRow& v, std::string&) {
  v.version = s.column_int64(0);
  v.module_hash = s.column_text(1);
  v.created_at = s.column_int64(2);
  v.source = s.column_text(3);
  v.file = s.column_text(4);
  v.files = s.column_text(5);
  return true;
}

}  // namespace

Result<std::optional<int64_t>> find_id(Database& db, int64_t org, std::string_view key) {
  std::string error;
  if (!key.empty() && key.find_first_not_of("0123456789") == std::string_view::npos && key.size() < 19) {
    Query q(db, "SELECT id FROM definitions WHERE id = ?1 AND org_id = ?2");
    q->bind(1, static_cast<int64_t>(std::stoll(std::string(key)))).bind(2, org);
    if (q->step()) return std::optional<int64_t>(q->column_int64(0));
    if (!finished(q, error)) return Result<std::optional<int64_t>>::failure(error);
  }
  Query q(db, "SELECT id FROM definitions WHERE name = ?1 AND org_id = ?2");
  q->bind(1, key).bind(2, org);
  std::optional<int64_t> out;
  if (q->step()) out = q->column_int64(0);
  if (!finished(q, error)) return Result<std::optional<int64_t>>::failure(error);
  return out;
}

Result<std::optional<DefinitionRow>> find(Database& db, int64_t org, int64_t id) {
  Query q(db, std::string("SELECT ") + kColumns + " FROM definitions d WHERE d.id = ?1 AND d.org_id = ?2");
  q->bind(1, id).bind(2, org);
  return read_row<DefinitionRow>(q, read_definition);
}

std::string list_sql(bool template_filter) {
  // In name order, which the (org_id, name) index keeps; the template filter is written only when
  // it filters (see instances.cpp).
  return std::string("SELECT ") + kColumns + " FROM definitions d WHERE d.org_id = ?1" +
         (template_filter ? " AND d.template = ?2" : "") + " ORDER BY d.name LIMIT ?3 OFFSET ?4";
}

std::string count_sql(bool template_filter) {
  return std::string("SELECT COUNT(*) FROM definitions d WHERE d.org_id = ?1") + (template_filter ? " AND d.template = ?2" : "");
}

Result<Page<DefinitionRow>> list(Database& db, int64_t org, Paging page, std::optional<bool> template_flag) {
  Query q(db, list_sql(template_flag.has_value()));
  q->bind(1, org).bind(3, page.limit).bind(4, page.skip);
  if (template_flag) q->bind(2, int64_t{*template_flag ? 1 : 0});
  Query count(db, count_sql(template_flag.has_value()));
  count->bind(1, org);
  if (template_flag) count->bind(2, int64_t{*template_flag ? 1 : 0});
  return read_page<DefinitionRow>(q, count, read_definition);
}

std::string published_sql(bool one) {
  return std::string("SELECT ") + kColumns + " FROM definitions d WHERE d.org_id = ?1 AND d.active = 1" +
         " AND d.published_version IS NOT NULL" + (one ? " AND d.id = ?2" : "") + " ORDER BY d.name";
}

Result<std::vector<DefinitionRow>> published(Database& db, int64_t org, std::optional<int64_t> only) {
  Query q(db, published_sql(only.has_value()));
  q->bind(1, org);
  if (only) q->bind(2, *only);
  return read_rows<DefinitionRow>(q, read_definition);
}

Result<std::optional<VersionRow>> version(Database& db, int64_t definition, int64_t version) {
  Query q(db,
          "SELECT version, module_hash, created_at, source, file, files FROM definition_versions "
          "WHERE definition_id = ?1 AND version = ?2");
  q->bind(1, definition).bind(2, version);
  auto row = read_row<VersionRow>(q, read_version);
  if (row.ok() && *row) (*row)->definition_id = definition;
  return row;
}

Result<Page<VersionRow>> versions(Database& db, int64_t definition, Paging page) {
  // The history leaves the text out: '' for source, file and files.
  Query q(db,
          "SELECT version, module_hash, created_at, '', '', '' FROM definition_versions WHERE definition_id = ?1 "
          "ORDER BY version DESC LIMIT ?2 OFFSET ?3");
  q->bind(1, definition).bind(2, page.limit).bind(3, page.skip);
  Query count(db, "SELECT COUNT(*) FROM definition_versions WHERE definition_id = ?1");
  count->bind(1, definition);
  auto out = read_page<VersionRow>(q, count, read_version);
  if (out.ok())
    for (VersionRow& v : out->items) v.definition_id = definition;
  return out;
}

Result<std::optional<std::vector<uint8_t>>> module(Database& db, int64_t definition, int64_t version) {
  Query q(db, "SELECT module FROM definition_versions WHERE definition_id = ?1 AND version = ?2");
  q->bind(1, definition).bind(2, version);
  std::optional<std::vector<uint8_t>> out;
  if (q->step()) out = column_bytes(*q, 0);
  std::string error;
  if (!finished(q, error)) return Result<std::optional<std::vector<uint8_t>>>::failure(error);
  return out;
}

bool add_version(Database& db, int64_t org, const NewVersion& v, int64_t now, int64_t& id, int64_t& version, bool& unchanged,
                 std::string& error) {
  unchanged = false;
  std::optional<int64_t> existing;
  {
    Query q(db, "SELECT id FROM definitions WHERE org_id = ?1 AND name = ?2");
    q->bind(1, org).bind(2, std::string_view(v.name));
    if (q->step()) existing = q->column_int64(0);
    if (!finished(q, error)) return false;
  }
  if (!existing) {
    Query ins(db,
              "INSERT INTO definitions (org_id, name, description, template, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)");
    ins->bind(1, org).bind(2, std::string_view(v.name)).bind(3, std::string_view(v.description)).bind(4, v.template_flag ? 1 : 0);
    ins->bind(5, now);
    if (!run(*ins, error)) return false;
    id = db.last_insert_rowid();
  } else {
    id = *existing;
    Query latest(db,
                 "SELECT version, module_hash FROM definition_versions WHERE definition_id = ?1 ORDER BY version DESC LIMIT 1");
    latest->bind(1, id);
    if (latest->step() && latest->column_text(1) == v.module_hash) {
      version = latest->column_int64(0);
      unchanged = true;
      return true;
    }
    if (!finished(latest, error)) return false;
    Query up(db,
             "UPDATE definitions SET updated_at = ?2, template = ?3, description = CASE WHEN ?4 = '' THEN description ELSE ?4 END "
             "WHERE id = ?1");
    up->bind(1, id).bind(2, now).bind(3, v.template_flag ? 1 : 0).bind(4, std::string_view(v.description));
    if (!run(*up, error)) return false;
  }
  auto next = read_int(db, "SELECT COALESCE(MAX(version), 0) + 1 FROM definition_versions WHERE definition_id = ?1", id);
  if (!next.ok()) return error = next.error(), false;
  version = *next;
  Query ins(db,
            "INSERT INTO definition_versions (definition_id, version, source, file, files, module, module_hash, created_at) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  ins->bind(1, id).bind(2, version).bind(3, std::string_view(v.source)).bind(4, std::string_view(v.file)).bind(5, std::string_view(v.files));
  ins->bind_blob(6, v.module.data(), v.module.size()).bind(7, std::string_view(v.module_hash)).bind(8, now);
  return run(*ins, error);
}

bool update(Database& db, int64_t org, int64_t id, const std::optional<std::string>& description,
            std::optional<bool> template_flag, std::optional<bool> active, int64_t now, std::string& error) {
  // One statement: a flag not given keeps its value.
  Query q(db,
          "UPDATE definitions SET description = COALESCE(?3, description), template = COALESCE(?4, template), "
          "active = COALESCE(?5, active), updated_at = ?6 WHERE id = ?1 AND org_id = ?2");
  q->bind(1, id).bind(2, org);
  if (description) q->bind(3, std::string_view(*description));
  else q->bind_null(3);
  bind_optional(*q, 4, template_flag ? std::optional<int64_t>(*template_flag ? 1 : 0) : std::nullopt);
  bind_optional(*q, 5, active ? std::optional<int64_t>(*active ? 1 : 0) : std::nullopt);
  q->bind(6, now);
  return run(*q, error);
}

bool publish(Database& db, int64_t org, int64_t id, int64_t version, int64_t now, std::string& error) {
  Query q(db, "UPDATE definitions SET published_version = ?3, updated_at = ?4 WHERE id = ?1 AND org_id = ?2");
  q->bind(1, id).bind(2, org).bind(3, version).bind(4, now);
  return run(*q, error);
}

bool remove(Database& db, int64_t org, int64_t id, std::string& error) {
  {
    Query q(db, "DELETE FROM definition_versions WHERE definition_id = (SELECT id FROM definitions WHERE id = ?1 AND org_id = ?2)");
    q->bind(1, id).bind(2, org);
    if (!run(*q, error)) return false;
  }
  Query q(db, "DELETE FROM definitions WHERE id = ?1 AND org_id = ?2");
  q->bind(1, id).bind(2, org);
  return run(*q, error);
}

}  // namespace wf::store::definitions
