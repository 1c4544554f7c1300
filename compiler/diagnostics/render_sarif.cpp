// SARIF 2.1.0 rendering: rules from the diagnostic code table, one result per diagnostic, notes
// as related locations and fixes as replacements.
#include "diagnostics/render_sarif.h"

#include <fmt/format.h>

#include <algorithm>
#include <string_view>
#include <system_error>

namespace wf {

namespace {

constexpr std::string_view kSchema = "https://json.schemastore.org/sarif-2.1.0.json";

// SARIF rule names are PascalCase identifiers; the enumerators of the code table already are.
constexpr std::string_view kRuleNames[] = {
#define WF_DIAGNOSTIC(name, code, severity, meaning) #name,
#include "diagnostics/diagnostic_codes.def"
#undef WF_DIAGNOSTIC
};

// SARIF's `level` vocabulary happens to match severity_name(); spelled out so a new severity
// cannot silently produce a level the schema rejects.
std::string_view sarif_level(Severity s) {
  switch (s) {
    case Severity::Error:
      return "error";
    case Severity::Warning:
      return "warning";
    case Severity::Note:
      return "note";
  }
  return "error";
}

// RFC 3986 percent-encoding of a path: unreserved characters and `/` stay, every other byte
// (spaces, `:`, `%`, UTF-8) is escaped, so the result is a valid URI reference.
std::string encode_uri_path(std::string_view path) {
  std::string out;
  for (const char c : path) {
    const auto byte = static_cast<unsigned char>(c);
    const bool keep = (byte >= 'A' && byte <= 'Z') || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~' || c == '/';
    out += keep ? std::string(1, c) : fmt::format("%{:02X}", byte);
  }
  return out;
}

nlohmann::json region(const SourceFile& file, SourceRange range) {
  const LineCol begin = file.position(range.begin);
  const LineCol end = file.position(std::max(range.end, range.begin));
  // endColumn is exclusive in SARIF, as SourceFile::position(range.end) already is.
  return {{"startLine", begin.line}, {"startColumn", begin.column}, {"endLine", end.line}, {"endColumn", end.column}};
}

}  // namespace

SarifLog::SarifLog(SarifTool tool, const std::filesystem::path& source_root) : tool_(std::move(tool)) {
  std::error_code ignored;
  root_ = std::filesystem::absolute(source_root, ignored).lexically_normal();
}

nlohmann::json SarifLog::artifact_location(const std::string& path) const {
  namespace fs = std::filesystem;
  fs::path absolute = fs::path(path);
  if (absolute.is_relative()) absolute = root_ / absolute;
  absolute = absolute.lexically_normal();
  const fs::path relative = absolute.lexically_relative(root_);
  if (!relative.empty() && *relative.begin() != "..")
    return {{"uri", encode_uri_path(relative.generic_string())}, {"uriBaseId", "%SRCROOT%"}};
  const std::string generic = absolute.generic_string();
  // A POSIX path brings its own leading slash; a drive-letter path needs one before it.
  const bool rooted = !generic.empty() && generic.front() == '/';
  return {{"uri", (rooted ? "file://" : "file:///") + encode_uri_path(generic)}};
}

nlohmann::json SarifLog::physical_location(const std::vector<std::unique_ptr<SourceFile>>& files,
                                           const Location& where) const {
  // A bad file index is a compiler bug; the result keeps its message but claims no place.
  if (where.file >= files.size()) return nullptr;
  const SourceFile& file = *files[where.file];
  return {{"artifactLocation", artifact_location(file.path())}, {"region", region(file, where.range)}};
}

size_t SarifLog::rule_index(DiagCode code) {
  const auto found = std::find(rules_.begin(), rules_.end(), code);
  if (found != rules_.end()) return static_cast<size_t>(found - rules_.begin());
  rules_.push_back(code);
  return rules_.size() - 1;
}

void SarifLog::add(const std::vector<std::unique_ptr<SourceFile>>& files, const std::vector<Diagnostic>& diagnostics) {
  for (const Diagnostic& d : diagnostics) {
    nlohmann::json result = {
        {"ruleId", std::string(info(d.code).code)},      {"ruleIndex", rule_index(d.code)},
        {"level", std::string(sarif_level(d.severity))}, {"message", {{"text", d.message}}},
        {"locations", nlohmann::json::array()},
    };
    if (nlohmann::json where = physical_location(files, d.where); !where.is_null())
      result["locations"].push_back({{"physicalLocation", std::move(where)}});

    nlohmann::json related = nlohmann::json::array();
    for (const DiagNote& note : d.notes) {
      nlohmann::json location = {{"id", related.size()}, {"message", {{"text", note.message}}}};
      if (nlohmann::json where = physical_location(files, note.where); !where.is_null())
        location["physicalLocation"] = std::move(where);
      related.push_back(std::move(location));
    }
    if (!related.empty()) result["relatedLocations"] = std::move(related);

    if (d.fix && d.fix->where.file < files.size()) {
      const SourceFile& file = *files[d.fix->where.file];
      const nlohmann::json replacement = {{"deletedRegion", region(file, d.fix->where.range)},
                                          {"insertedContent", {{"text", d.fix->replacement}}}};
      const nlohmann::json change = {{"artifactLocation", artifact_location(file.path())},
                                     {"replacements", nlohmann::json::array({replacement})}};
      result["fixes"] = nlohmann::json::array(
          {{{"description", {{"text", d.fix->title}}}, {"artifactChanges", nlohmann::json::array({change})}}});
    }
    results_.push_back(std::move(result));
  }
}

nlohmann::json SarifLog::to_json() const {
  nlohmann::json rules = nlohmann::json::array();
  for (const DiagCode code : rules_) {
    const DiagCodeInfo& meta = info(code);
    rules.push_back({{"id", std::string(meta.code)},
                     {"name", std::string(kRuleNames[static_cast<size_t>(code)])},
                     {"shortDescription", {{"text", std::string(meta.meaning)}}},
                     {"defaultConfiguration", {{"level", std::string(sarif_level(meta.severity))}}}});
  }
  nlohmann::json driver = {{"name", tool_.name}, {"rules", std::move(rules)}};
  if (!tool_.version.empty()) driver["version"] = tool_.version;
  if (!tool_.information_uri.empty()) driver["informationUri"] = tool_.information_uri;
  // Columns count code points (SourceFile), not SARIF's default UTF-16 code units.
  const nlohmann::json run = {
      {"tool", {{"driver", std::move(driver)}}}, {"columnKind", "unicodeCodePoints"}, {"results", results_}};
  return {{"$schema", std::string(kSchema)}, {"version", "2.1.0"}, {"runs", nlohmann::json::array({run})}};
}

}  // namespace wf
