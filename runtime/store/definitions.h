// The definitions aggregate of the store (SPEC §4.4): definitions and their versions (source,
// compiled module, hash). One mapping of each row type; every read names the organization.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/store/page.h"
#include "runtime/store/query.h"

namespace wf::store {

struct DefinitionRow {
  int64_t id = 0, org_id = 0;
  std::string name, description;
  bool template_flag = false, active = true;
  std::optional<int64_t> published_version, latest_version;
  int64_t created_at = 0, updated_at = 0;
};

struct VersionRow {
  int64_t definition_id = 0, version = 0;
  std::string source, file, files, module_hash;  // files: JSON {name: text}
  int64_t created_at = 0;
};

// A version to store: the module of one compiled upload.
struct NewVersion {
  std::string name, description, source, file, files, module_hash;
  bool template_flag = false;  // the definition's template flag from now on
  std::vector<uint8_t> module;
};

}  // namespace wf::store

namespace wf::store::definitions {

// The version that runs when none is asked for: the published one, else the latest draft.
inline std::optional<int64_t> running_version(const DefinitionRow& d) {
  return d.published_version ? d.published_version : d.latest_version;
}

// The definition `key` names in `org`: its id (a number) or its name.
Result<std::optional<int64_t>> find_id(Database& db, int64_t org, std::string_view key);
Result<std::optional<DefinitionRow>> find(Database& db, int64_t org, int64_t id);
// `template_flag`: only templates (true) or only the others (false).
Result<Page<DefinitionRow>> list(Database& db, int64_t org, Paging page, std::optional<bool> template_flag = std::nullopt);
// The statements list() runs (with a template filter or not), for the test that each is served by
// an index.
std::string list_sql(bool template_filter);
std::string count_sql(bool template_filter);
// The active definitions of `org` with a published version (only `only`, when given), in name
// order: those whose published scripts the script library lists.
Result<std::vector<DefinitionRow>> published(Database& db, int64_t org, std::optional<int64_t> only = std::nullopt);
std::string published_sql(bool one);  // the statement published() runs
// A version's text and hash; nullopt when the definition has no such version.
Result<std::optional<VersionRow>> version(Database& db, int64_t definition, int64_t version);
// Version history, newest first (source and files not read).
Result<Page<VersionRow>> versions(Database& db, int64_t definition, Paging page);
// The compiled module of a version.
Result<std::optional<std::vector<uint8_t>>> module(Database& db, int64_t definition, int64_t version);

// ---- writes (inside the writer's transaction)
// A new version of the definition `v.name` (made when it does not exist); its (id, version). The
// definition takes `v`'s template flag, and its description when `v` has one.
// When the latest version has the same module hash, nothing is written: that version is the
// answer and `unchanged` is true.
bool add_version(Database& db, int64_t org, const NewVersion& v, int64_t now, int64_t& id, int64_t& version, bool& unchanged,
                 std::string& error);
// Description, template and active flags: each set when given.
bool update(Database& db, int64_t org, int64_t id, const std::optional<std::string>& description,
            std::optional<bool> template_flag, std::optional<bool> active, int64_t now, std::string& error);
bool publish(Database& db, int64_t org, int64_t id, int64_t version, int64_t now, std::string& error);
bool remove(Database& db, int64_t org, int64_t id, std::string& error);

}  // namespace wf::store::definitions
