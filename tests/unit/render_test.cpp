// Tests of the diagnostic renderers (text, JSON, SARIF) and of `wf check` run as a process: its
// output formats, the SARIF 2.1.0 structure code scanning reads, and its exit codes.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "diagnostics/render_json.h"
#include "diagnostics/render_sarif.h"
#include "diagnostics/render_text.h"
#include "tests/unit/wf_in_directory.h"

namespace wf {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Files = std::vector<std::unique_ptr<SourceFile>>;

// ---------------------------------------------------------------------------------------------
// Building diagnostics by hand

Files files_of(std::string path, std::string text) {
  Files files;
  files.push_back(std::make_unique<SourceFile>(std::move(path), std::move(text)));
  return files;
}

// The byte range of the first `needle` in the file at or after `from`; the test fails if absent.
SourceRange range_of(const SourceFile& file, std::string_view needle, size_t from = 0) {
  const size_t at = file.text().find(needle, from);
  EXPECT_NE(at, std::string::npos) << "`" << needle << "` is not in the test source";
  return {static_cast<uint32_t>(at), static_cast<uint32_t>(at + needle.size())};
}

Diagnostic diagnostic(DiagCode code, SourceRange range, std::string message, uint32_t file = 0) {
  return Diagnostic{code, info(code).severity, {file, range}, std::move(message), {}, {}};
}

std::string strip_ansi(const std::string& text) { return std::regex_replace(text, std::regex("\x1b\\[[0-9;]*m"), ""); }

// ---------------------------------------------------------------------------------------------
// Text

TEST(RenderText, UnderlinesTheRangeWithOneCaretThenTildes) {
  const Files files = files_of("a.wf", "workflow w() {\n  let x: int = \"a\"\n}\n");
  const Diagnostic d =
      diagnostic(DiagCode::TypeMismatch, range_of(*files[0], "\"a\""), "expected `int`, found `string`");
  EXPECT_EQ(render_text(files, d, false),
            "a.wf:2:16: error[E0200]: expected `int`, found `string`\n"
            "  let x: int = \"a\"\n"
            "               ^~~\n");
}

TEST(RenderText, KeepsTabsInThePaddingSoCaretsLineUp) {
  const Files files = files_of("t.wf", "\tlet\tx = 1\n");
  const Diagnostic d = diagnostic(DiagCode::UnusedVariable, range_of(*files[0], "x"), "unused variable `x`");
  EXPECT_EQ(render_text(files, d, false),
            "t.wf:1:6: warning[W0001]: unused variable `x`\n"
            "\tlet\tx = 1\n"
            "\t   \t^\n");
}

TEST(RenderText, PutsOneCaretAfterTheLastCharacterForARangeAtTheEndOfALine) {
  const Files files = files_of("e.wf", "let x = 1 +\nlet y = 2\n");
  const uint32_t line_end = static_cast<uint32_t>(files[0]->text().find('\n'));
  const std::string expected =
      "e.wf:1:12: error[E0001]: expected an expression\n"
      "let x = 1 +\n"
      "           ^\n";
  // An empty range at the line break, and a range covering only the line break, look the same.
  EXPECT_EQ(
      render_text(files, diagnostic(DiagCode::SyntaxError, {line_end, line_end}, "expected an expression"), false),
      expected);
  EXPECT_EQ(
      render_text(files, diagnostic(DiagCode::SyntaxError, {line_end, line_end + 1}, "expected an expression"), false),
      expected);
}

TEST(RenderText, CountsCodePointsNotBytesBeforeAndInsideTheRange) {
  const Files files = files_of("u.wf", "let s = \"héllo\" + 1\n");
  const Diagnostic after = diagnostic(DiagCode::TypeMismatch, range_of(*files[0], "1"), "expected `string`");
  EXPECT_EQ(render_text(files, after, false),
            "u.wf:1:19: error[E0200]: expected `string`\n"
            "let s = \"héllo\" + 1\n"
            "                  ^\n");
  const Diagnostic inside = diagnostic(DiagCode::TypeMismatch, range_of(*files[0], "héllo"), "not here");
  EXPECT_EQ(render_text(files, inside, false),
            "u.wf:1:10: error[E0200]: not here\n"
            "let s = \"héllo\" + 1\n"
            "         ^~~~~\n");
}

TEST(RenderText, UnderlinesAMultiLineRangeToTheEndOfItsFirstLine) {
  const Files files = files_of("m.wf", "fn f() -> int {\n  log(\"x\")\n}\n");
  const SourceRange body{range_of(*files[0], "{").begin, range_of(*files[0], "}").end};
  const Diagnostic d = diagnostic(DiagCode::MissingReturn, body, "missing `return`");
  EXPECT_EQ(render_text(files, d, false),
            "m.wf:1:15: error[E0212]: missing `return`\n"
            "fn f() -> int {\n"
            "              ^\n");
}

TEST(RenderText, PointsPastTheLastLineForARangeAtTheEndOfTheFile) {
  const Files files = files_of("z.wf", "workflow w( {");
  const auto end = static_cast<uint32_t>(files[0]->text().size());
  const Diagnostic d = diagnostic(DiagCode::SyntaxError, {end, end}, "expected `)`");
  EXPECT_EQ(render_text(files, d, false),
            "z.wf:1:14: error[E0001]: expected `)`\n"
            "workflow w( {\n"
            "             ^\n");
}

TEST(RenderText, ShowsNotesAndTheFixAfterTheSnippet) {
  Files files = files_of("a.wf", "let x: int = \"a\"\n");
  files.push_back(std::make_unique<SourceFile>("lib/b.wf", "const N = 1\n"));
  Diagnostic d = diagnostic(DiagCode::TypeMismatch, range_of(*files[0], "\"a\""), "expected `int`, found `string`");
  d.notes.push_back({{0, range_of(*files[0], "int")}, "expected because of this annotation"});
  d.notes.push_back({{1, range_of(*files[1], "N")}, "declared here"});
  d.fix = DiagFix{"use an int", {0, range_of(*files[0], "\"a\"")}, "1"};
  EXPECT_EQ(render_text(files, d, false),
            "a.wf:1:14: error[E0200]: expected `int`, found `string`\n"
            "let x: int = \"a\"\n"
            "             ^~~\n"
            "a.wf:1:8: note: expected because of this annotation\n"
            "lib/b.wf:1:7: note: declared here\n"
            "  help: use an int: replace with `1`\n");
}

TEST(RenderText, ColoursOnlyWhenAskedAndOtherwiseSaysTheSame) {
  const Files files = files_of("a.wf", "let y = 1\n");
  const Diagnostic d = diagnostic(DiagCode::UnusedVariable, range_of(*files[0], "y"), "unused variable `y`");
  const std::string plain = render_text(files, d, false);
  const std::string coloured = render_text(files, d, true);
  EXPECT_EQ(plain.find('\x1b'), std::string::npos);
  EXPECT_NE(coloured.find("\x1b["), std::string::npos);
  EXPECT_EQ(strip_ansi(coloured), plain);
}

TEST(RenderSummary, CountsErrorsAndWarningsWithSingularForms) {
  const Files files = files_of("a.wf", "x\n");
  const Diagnostic error = diagnostic(DiagCode::UnknownName, {0, 1}, "unknown name `x`");
  const Diagnostic warning = diagnostic(DiagCode::UnusedVariable, {0, 1}, "unused");
  EXPECT_EQ(render_summary({}), "ok");
  EXPECT_EQ(render_summary({error}), "1 error");
  EXPECT_EQ(render_summary({warning}), "1 warning");
  EXPECT_EQ(render_summary({error, error, warning}), "2 errors, 1 warning");
  EXPECT_EQ(render_summary({error, warning, warning}), "1 error, 2 warnings");
}

// ---------------------------------------------------------------------------------------------
// JSON

TEST(RenderJson, GivesPositionsCodesNotesAndFix) {
  const Files files = files_of("a.wf", "let x: int = \"a\"\n");
  Diagnostic d = diagnostic(DiagCode::TypeMismatch, range_of(*files[0], "\"a\""), "expected `int`, found `string`");
  d.notes.push_back({{0, range_of(*files[0], "int")}, "expected because of this annotation"});
  d.fix = DiagFix{"use an int", {0, range_of(*files[0], "\"a\"")}, "1"};
  const json out = diagnostics_to_json(files, {d});
  ASSERT_TRUE(out.is_array());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0], json::parse(R"({
    "file": "a.wf", "line": 1, "column": 14, "end_line": 1, "end_column": 17,
    "severity": "error", "code": "E0200", "message": "expected `int`, found `string`",
    "notes": [{"file": "a.wf", "line": 1, "column": 8, "message": "expected because of this annotation"}],
    "fix": {"title": "use an int", "file": "a.wf", "line": 1, "column": 14, "end_line": 1, "end_column": 17,
            "replacement": "1"}
  })"));
}

// ---------------------------------------------------------------------------------------------
// SARIF validation

// Checks a SARIF log against the SARIF 2.1.0 schema (sarif-schema-2.1.0.json, OASIS) for every
// object wf emits, plus what GitHub code scanning needs of an upload. It returns one message per
// violation, each naming its JSON path, so a failing test shows every problem at once.
// Enforced:
//   - sarifLog: `version` required and equal to "2.1.0"; `runs` required, an array, non-empty;
//     `$schema` a string.
//   - Every object: only the properties the schema defines for its type (all of them are
//     `additionalProperties: false`), and the properties the schema marks required.
//   - run: `tool` required; `results` an array; `columnKind` in {utf16CodeUnits,
//     unicodeCodePoints}.
//   - tool: `driver` required. toolComponent: `name` a string (required), `version` and
//     `informationUri` strings, `rules` an array of reportingDescriptors with unique ids.
//   - reportingDescriptor: `id` a string (required), `name` a string; `shortDescription` a
//     multiformatMessageString (`text` a string, required); `defaultConfiguration.level` in
//     {none, note, warning, error}.
//   - result: `message` required with non-empty `text`; `ruleId` a string naming a rule of the
//     driver; `ruleIndex` an integer >= -1 pointing at the rule with that same id; `level` in
//     {none, note, warning, error}; `locations` an array, and non-empty (code scanning drops
//     results without a location); `relatedLocations` with unique items.
//   - location: `id` an integer >= -1; `message` a message. physicalLocation: `artifactLocation`
//     present (wf emits no addresses). artifactLocation: `uri` a string that is a relative
//     reference (no scheme, no leading `/`, no backslash, no space, no `..` segment),
//     `uriBaseId` a string.
//   - region: `startLine` an integer >= 1 (required, as wf gives no offsets), `startColumn`
//     >= 1, `endLine` >= `startLine`, `endColumn` >= 1 and, on a single line, >= `startColumn`.
//   - fix: `artifactChanges` required and non-empty; artifactChange: `artifactLocation` and a
//     non-empty `replacements` required; replacement: `deletedRegion` required;
//     `insertedContent` an artifactContent whose `text` is a string.
class SarifValidator {
 public:
  std::vector<std::string> problems;

  void log(const json& j) {
    if (!object(j, "$", {"$schema", "version", "runs", "inlineExternalProperties", "properties"}, {"version", "runs"}))
      return;
    if (j.contains("$schema") && !j["$schema"].is_string()) fail("$.$schema", "is not a string");
    if (j["version"] != "2.1.0") fail("$.version", "is not \"2.1.0\"");
    if (!j["runs"].is_array() || j["runs"].empty()) return fail("$.runs", "is not a non-empty array");
    for (size_t i = 0; i < j["runs"].size(); ++i) run(j["runs"][i], at("$.runs", i));
  }

 private:
  static std::string at(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }
  void fail(const std::string& path, const std::string& what) { problems.push_back(path + " " + what); }

  bool object(const json& j, const std::string& path, const std::set<std::string>& allowed,
              const std::vector<std::string>& required) {
    if (!j.is_object()) {
      fail(path, "is not an object");
      return false;
    }
    for (const auto& [key, value] : j.items())
      if (!allowed.count(key)) fail(path, "has property `" + key + "`, which SARIF 2.1.0 does not define here");
    bool complete = true;
    for (const std::string& key : required)
      if (!j.contains(key)) {
        fail(path, "lacks required property `" + key + "`");
        complete = false;
      }
    return complete;
  }

  void string(const json& j, const std::string& key, const std::string& path) {
    if (j.contains(key) && !j[key].is_string()) fail(path + "." + key, "is not a string");
  }

  void level(const json& j, const std::string& path) {
    static const std::set<std::string> levels = {"none", "note", "warning", "error"};
    if (j.contains("level") && (!j["level"].is_string() || !levels.count(j["level"].get<std::string>())))
      fail(path + ".level", "is not one of none, note, warning, error");
  }

  void message(const json& j, const std::string& path) {
    if (!object(j, path, {"text", "markdown", "id", "arguments", "properties"}, {})) return;
    if (!j.contains("text") || !j["text"].is_string() || j["text"].get<std::string>().empty())
      fail(path + ".text", "is not a non-empty string");
  }

  void multiformat_message(const json& j, const std::string& path) {
    if (!object(j, path, {"text", "markdown", "properties"}, {"text"})) return;
    string(j, "text", path);
  }

  void run(const json& j, const std::string& path) {
    if (!object(j, path,
                {"tool",
                 "invocations",
                 "conversion",
                 "language",
                 "versionControlProvenance",
                 "originalUriBaseIds",
                 "artifacts",
                 "logicalLocations",
                 "graphs",
                 "results",
                 "automationDetails",
                 "runAggregates",
                 "baselineGuid",
                 "redactionTokens",
                 "defaultEncoding",
                 "defaultSourceLanguage",
                 "newlineSequences",
                 "columnKind",
                 "externalPropertyFileReferences",
                 "threadFlowLocations",
                 "taxonomies",
                 "addresses",
                 "translations",
                 "policies",
                 "webRequests",
                 "webResponses",
                 "specialLocations",
                 "properties"},
                {"tool"}))
      return;
    if (j.contains("columnKind") && j["columnKind"] != "utf16CodeUnits" && j["columnKind"] != "unicodeCodePoints")
      fail(path + ".columnKind", "is not utf16CodeUnits or unicodeCodePoints");
    const std::string tool_path = path + ".tool";
    if (!object(j["tool"], tool_path, {"driver", "extensions", "properties"}, {"driver"})) return;
    const json& rules = driver(j["tool"]["driver"], tool_path + ".driver");
    if (!j.contains("results")) return;
    if (!j["results"].is_array()) return fail(path + ".results", "is not an array");
    for (size_t i = 0; i < j["results"].size(); ++i) result(j["results"][i], at(path + ".results", i), rules);
  }

  // Returns the driver's rules (an empty array when they are missing or malformed).
  const json& driver(const json& j, const std::string& path) {
    static const json none = json::array();
    if (!object(j, path,
                {"guid",
                 "name",
                 "organization",
                 "product",
                 "productSuite",
                 "shortDescription",
                 "fullDescription",
                 "fullName",
                 "version",
                 "semanticVersion",
                 "dottedQuadFileVersion",
                 "releaseDateUtc",
                 "downloadUri",
                 "informationUri",
                 "globalMessageStrings",
                 "notifications",
                 "rules",
                 "taxa",
                 "locations",
                 "language",
                 "contents",
                 "isComprehensive",
                 "localizedDataSemanticVersion",
                 "minimumRequiredLocalizedDataSemanticVersion",
                 "associatedComponent",
                 "translationMetadata",
                 "supportedTaxonomies",
                 "properties"},
                {"name"}))
      return none;
    for (const char* key : {"name", "version", "informationUri"}) string(j, key, path);
    if (!j.contains("rules")) return none;
    if (!j["rules"].is_array()) {
      fail(path + ".rules", "is not an array");
      return none;
    }
    std::set<std::string> ids;
    for (size_t i = 0; i < j["rules"].size(); ++i) {
      const json& rule = j["rules"][i];
      const std::string rule_path = at(path + ".rules", i);
      if (!object(rule, rule_path,
                  {"id", "deprecatedIds", "guid", "deprecatedGuids", "name", "deprecatedNames", "shortDescription",
                   "fullDescription", "messageStrings", "defaultConfiguration", "helpUri", "help", "relationships",
                   "properties"},
                  {"id"}))
        continue;
      string(rule, "id", rule_path);
      string(rule, "name", rule_path);
      if (rule["id"].is_string() && !ids.insert(rule["id"].get<std::string>()).second)
        fail(rule_path + ".id", "repeats the id of an earlier rule");
      if (rule.contains("shortDescription"))
        multiformat_message(rule["shortDescription"], rule_path + ".shortDescription");
      if (rule.contains("defaultConfiguration")) {
        const std::string config_path = rule_path + ".defaultConfiguration";
        if (object(rule["defaultConfiguration"], config_path, {"enabled", "level", "rank", "parameters", "properties"},
                   {}))
          level(rule["defaultConfiguration"], config_path);
      }
    }
    return j["rules"];
  }

  void result(const json& j, const std::string& path, const json& rules) {
    if (!object(j, path,
                {"ruleId",
                 "ruleIndex",
                 "rule",
                 "kind",
                 "level",
                 "message",
                 "analysisTarget",
                 "locations",
                 "guid",
                 "correlationGuid",
                 "occurrenceCount",
                 "partialFingerprints",
                 "fingerprints",
                 "stacks",
                 "codeFlows",
                 "graphs",
                 "graphTraversals",
                 "relatedLocations",
                 "suppressions",
                 "baselineState",
                 "rank",
                 "attachments",
                 "hostedViewerUri",
                 "workItemUris",
                 "provenance",
                 "fixes",
                 "taxa",
                 "webRequest",
                 "webResponse",
                 "properties"},
                {"message"}))
      return;
    message(j["message"], path + ".message");
    level(j, path);
    string(j, "ruleId", path);
    if (j.contains("ruleId") && j["ruleId"].is_string()) {
      const std::string id = j["ruleId"];
      const bool known =
          std::any_of(rules.begin(), rules.end(), [&](const json& r) { return r.value("id", "") == id; });
      if (!known) fail(path + ".ruleId", "names no rule of the driver: " + id);
    }
    if (j.contains("ruleIndex")) {
      const json& index = j["ruleIndex"];
      if (!index.is_number_integer() || index.get<long>() < -1) {
        fail(path + ".ruleIndex", "is not an integer >= -1");
      } else if (index.get<long>() >= 0) {
        const auto i = index.get<size_t>();
        if (i >= rules.size())
          fail(path + ".ruleIndex", "is past the end of the rules");
        else if (j.contains("ruleId") && rules[i].value("id", "") != j["ruleId"])
          fail(path + ".ruleIndex", "points at a rule whose id is not the result's ruleId");
      }
    }
    if (!j.contains("locations") || !j["locations"].is_array() || j["locations"].empty()) {
      fail(path + ".locations", "is not a non-empty array");
    } else {
      for (size_t i = 0; i < j["locations"].size(); ++i) location(j["locations"][i], at(path + ".locations", i));
    }
    if (j.contains("relatedLocations")) {
      const json& related = j["relatedLocations"];
      if (!related.is_array()) return fail(path + ".relatedLocations", "is not an array");
      for (size_t i = 0; i < related.size(); ++i) {
        location(related[i], at(path + ".relatedLocations", i));
        for (size_t k = 0; k < i; ++k)
          if (related[k] == related[i]) fail(at(path + ".relatedLocations", i), "repeats an earlier item");
      }
    }
    if (j.contains("fixes")) {
      if (!j["fixes"].is_array()) return fail(path + ".fixes", "is not an array");
      for (size_t i = 0; i < j["fixes"].size(); ++i) fix(j["fixes"][i], at(path + ".fixes", i));
    }
  }

  void location(const json& j, const std::string& path) {
    if (!object(j, path,
                {"id", "physicalLocation", "logicalLocations", "message", "annotations", "relationships", "properties"},
                {}))
      return;
    if (j.contains("id") && (!j["id"].is_number_integer() || j["id"].get<long>() < -1))
      fail(path + ".id", "is not an integer >= -1");
    if (j.contains("message")) message(j["message"], path + ".message");
    if (!j.contains("physicalLocation")) return fail(path, "has no physicalLocation");
    const json& physical = j["physicalLocation"];
    const std::string physical_path = path + ".physicalLocation";
    if (!object(physical, physical_path, {"address", "artifactLocation", "region", "contextRegion", "properties"},
                {"artifactLocation"}))
      return;
    artifact_location(physical["artifactLocation"], physical_path + ".artifactLocation");
    if (physical.contains("region")) region(physical["region"], physical_path + ".region");
  }

  void artifact_location(const json& j, const std::string& path) {
    if (!object(j, path, {"uri", "uriBaseId", "index", "description", "properties"}, {"uri"})) return;
    string(j, "uriBaseId", path);
    if (!j["uri"].is_string()) return fail(path + ".uri", "is not a string");
    const std::string uri = j["uri"];
    static const std::regex scheme("^[A-Za-z][A-Za-z0-9+.-]*:");
    if (uri.empty() || std::regex_search(uri, scheme) || uri.front() == '/' || uri.find('\\') != std::string::npos ||
        uri.find(' ') != std::string::npos || uri == ".." || uri.rfind("../", 0) == 0 ||
        uri.find("/../") != std::string::npos)
      fail(path + ".uri", "is not a relative URI below the source root: " + uri);
  }

  void region(const json& j, const std::string& path) {
    if (!object(j, path,
                {"startLine", "startColumn", "endLine", "endColumn", "charOffset", "charLength", "byteOffset",
                 "byteLength", "snippet", "message", "sourceLanguage", "properties"},
                {"startLine"}))
      return;
    const auto positive = [&](const char* key) -> long {
      if (!j.contains(key)) return 0;
      if (!j[key].is_number_integer() || j[key].get<long>() < 1) {
        fail(path + "." + key, "is not an integer >= 1");
        return 0;
      }
      return j[key].get<long>();
    };
    const long start_line = positive("startLine");
    const long start_column = positive("startColumn");
    const long end_line = positive("endLine");
    const long end_column = positive("endColumn");
    if (end_line != 0 && end_line < start_line) fail(path + ".endLine", "is before startLine");
    if ((end_line == 0 || end_line == start_line) && end_column != 0 && end_column < start_column)
      fail(path + ".endColumn", "is before startColumn on the same line");
  }

  void fix(const json& j, const std::string& path) {
    if (!object(j, path, {"description", "artifactChanges", "properties"}, {"artifactChanges"})) return;
    if (j.contains("description")) message(j["description"], path + ".description");
    const json& changes = j["artifactChanges"];
    if (!changes.is_array() || changes.empty()) return fail(path + ".artifactChanges", "is not a non-empty array");
    for (size_t i = 0; i < changes.size(); ++i) {
      const std::string change_path = at(path + ".artifactChanges", i);
      if (!object(changes[i], change_path, {"artifactLocation", "replacements", "properties"},
                  {"artifactLocation", "replacements"}))
        continue;
      artifact_location(changes[i]["artifactLocation"], change_path + ".artifactLocation");
      const json& replacements = changes[i]["replacements"];
      if (!replacements.is_array() || replacements.empty()) {
        fail(change_path + ".replacements", "is not a non-empty array");
        continue;
      }
      for (size_t k = 0; k < replacements.size(); ++k) {
        const std::string replacement_path = at(change_path + ".replacements", k);
        const json& replacement = replacements[k];
        if (!object(replacement, replacement_path, {"deletedRegion", "insertedContent", "properties"},
                    {"deletedRegion"}))
          continue;
        region(replacement["deletedRegion"], replacement_path + ".deletedRegion");
        if (replacement.contains("insertedContent") &&
            object(replacement["insertedContent"], replacement_path + ".insertedContent",
                   {"text", "binary", "rendered", "properties"}, {}))
          string(replacement["insertedContent"], "text", replacement_path + ".insertedContent");
      }
    }
  }
};

std::vector<std::string> sarif_violations(const json& log) {
  SarifValidator validator;
  validator.log(log);
  return validator.problems;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

TEST(SarifValidator, RejectsWhatTheSchemaForbids) {
  const json bad = json::parse(R"({
    "version": "2.0.0",
    "extra": 1,
    "runs": [{"tool": {"driver": {"name": "wf", "rules": [{"id": "E1"}]}},
              "results": [{"ruleId": "E2", "ruleIndex": 3, "level": "fatal", "message": {"text": ""},
                           "locations": [{"physicalLocation": {
                               "artifactLocation": {"uri": "C:\\x.wf"},
                               "region": {"startLine": 2, "startColumn": 4, "endLine": 2, "endColumn": 2}}},
                             {"physicalLocation": {
                               "artifactLocation": {"uri": "../x.wf"},
                               "region": {"startLine": 0, "endLine": 1}}}]}]}]
  })");
  const std::string found = joined(sarif_violations(bad));
  for (const char* expected :
       {"$.version", "`extra`", ".ruleId names no rule", ".ruleIndex is past the end", ".level", ".message.text",
        "uri is not a relative URI below the source root: C:", "root: ../x.wf", ".startLine", ".endColumn"})
    EXPECT_NE(found.find(expected), std::string::npos) << "missing: " << expected << "\nfound:\n" << found;
}

TEST(RenderSarif, IsValidWithNotesFixesAndRulesFromTheCodeTable) {
  Files files = files_of("src/a.wf", "let x: int = \"a\"\nlet y = 1\n");
  Diagnostic mismatch =
      diagnostic(DiagCode::TypeMismatch, range_of(*files[0], "\"a\""), "expected `int`, found `string`");
  mismatch.notes.push_back({{0, range_of(*files[0], "int")}, "expected because of this annotation"});
  mismatch.notes.push_back({{0, range_of(*files[0], "int")}, "expected because of this annotation"});
  mismatch.fix = DiagFix{"use an int", {0, range_of(*files[0], "\"a\"")}, "1"};
  const Diagnostic unused = diagnostic(DiagCode::UnusedVariable, range_of(*files[0], "y"), "unused variable `y`");

  SarifLog log(SarifTool{"wf", "1.2.3", ""}, "/repo");
  log.add(files, {mismatch, unused});
  log.add(files, {diagnostic(DiagCode::TypeMismatch, range_of(*files[0], "1"), "again")});
  const json sarif = log.to_json();
  EXPECT_EQ(joined(sarif_violations(sarif)), "");

  const json& run = sarif["runs"][0];
  EXPECT_EQ(run["tool"]["driver"]["version"], "1.2.3");
  const json& rules = run["tool"]["driver"]["rules"];
  ASSERT_EQ(rules.size(), 2u);  // one per code used, however often
  EXPECT_EQ(rules[0]["id"], "E0200");
  EXPECT_EQ(rules[0]["name"], "TypeMismatch");
  EXPECT_EQ(rules[0]["shortDescription"]["text"], std::string(info(DiagCode::TypeMismatch).meaning));
  EXPECT_EQ(rules[1]["defaultConfiguration"]["level"], "warning");
  ASSERT_EQ(run["results"].size(), 3u);
  EXPECT_EQ(run["results"][2]["ruleIndex"], 0);
  const json& first = run["results"][0];
  EXPECT_EQ(first["locations"][0]["physicalLocation"]["artifactLocation"],
            json::parse(R"({"uri": "src/a.wf", "uriBaseId": "%SRCROOT%"})"));
  EXPECT_EQ(first["locations"][0]["physicalLocation"]["region"],
            json::parse(R"({"startLine": 1, "startColumn": 14, "endLine": 1, "endColumn": 17})"));
  EXPECT_EQ(first["relatedLocations"].size(), 2u);
  EXPECT_EQ(first["fixes"][0]["artifactChanges"][0]["replacements"][0]["insertedContent"]["text"], "1");
}

TEST(RenderSarif, EncodesUrisAndKeepsFilesOutsideTheRootAbsolute) {
  Files files = files_of("/repo/dir with space/é.wf", "x\n");
  files.push_back(std::make_unique<SourceFile>("/elsewhere/b.wf", "x\n"));
  SarifLog log(SarifTool{}, "/repo");
  log.add(files, {diagnostic(DiagCode::UnknownName, {0, 1}, "unknown name", 0),
                  diagnostic(DiagCode::UnknownName, {0, 1}, "unknown name", 1)});
  const json results = log.to_json()["runs"][0]["results"];
  EXPECT_EQ(results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "dir%20with%20space/%C3%A9.wf");
  EXPECT_EQ(results[1]["locations"][0]["physicalLocation"]["artifactLocation"],
            json::parse(R"({"uri": "file:///elsewhere/b.wf"})"));
}

// ---------------------------------------------------------------------------------------------
// `wf check` as a process

constexpr const char* kErrorsSource = "workflow w() {\n  let x: int = \"a\"\n  let y = 1\n}\n";
constexpr const char* kSyntaxErrorSource = "workflow broken( {\n";
constexpr const char* kWarningSource = "workflow w() {\n  let y = 1\n}\n";
constexpr const char* kCleanSource = "workflow w() -> int {\n  let x = 1\n  return x + 1\n}\n";

using testing::Outcome;
class WfCheck : public testing::WfInDirectory {};

TEST_F(WfCheck, SarifOutputIsValidSarif210) {
  write("errors.wf", kErrorsSource);
  write("sub/syntax.wf", kSyntaxErrorSource);
  const Outcome run = wf("check --format sarif errors.wf sub/syntax.wf");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_EQ(run.err, "");
  ASSERT_TRUE(json::accept(run.out)) << run.out;
  const json sarif = json::parse(run.out);
  EXPECT_EQ(joined(sarif_violations(sarif)), "") << run.out;

  ASSERT_EQ(sarif["runs"].size(), 1u);  // one run over all files
  const json& run0 = sarif["runs"][0];
  EXPECT_EQ(run0["tool"]["driver"]["name"], "wf");
  EXPECT_TRUE(run0["tool"]["driver"]["version"].is_string());
  std::set<std::string> rule_ids, levels, uris;
  for (const json& result : run0["results"]) {
    rule_ids.insert(result["ruleId"].get<std::string>());
    levels.insert(result["level"].get<std::string>());
    uris.insert(result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].get<std::string>());
  }
  for (const char* code : {"E0200", "W0001", "E0001"}) EXPECT_TRUE(rule_ids.count(code)) << code;
  EXPECT_TRUE(levels.count("error"));
  EXPECT_TRUE(levels.count("warning"));
  EXPECT_EQ(uris, (std::set<std::string>{"errors.wf", "sub/syntax.wf"}));
}

TEST_F(WfCheck, SarifOfACleanFileHasARunWithNoResults) {
  write("clean.wf", kCleanSource);
  const Outcome run = wf("check --format sarif clean.wf");
  EXPECT_EQ(run.exit_code, 0) << run.err;
  ASSERT_TRUE(json::accept(run.out)) << run.out;
  const json sarif = json::parse(run.out);
  EXPECT_EQ(joined(sarif_violations(sarif)), "");
  EXPECT_EQ(sarif["runs"][0]["results"], json::array());
}

TEST_F(WfCheck, JsonOutputIsOneArrayOverAllFiles) {
  write("errors.wf", kErrorsSource);
  write("syntax.wf", kSyntaxErrorSource);
  write("clean.wf", kCleanSource);
  const Outcome run = wf("check --format json errors.wf clean.wf syntax.wf");
  EXPECT_EQ(run.exit_code, 1) << run.err;
  ASSERT_TRUE(json::accept(run.out)) << run.out;
  const json out = json::parse(run.out);
  ASSERT_TRUE(out.is_array());
  std::set<std::string> codes, files;
  for (const json& d : out) {
    for (const char* key : {"file", "severity", "code", "message"}) EXPECT_TRUE(d[key].is_string()) << key << d;
    for (const char* key : {"line", "column", "end_line", "end_column"})
      EXPECT_TRUE(d[key].is_number_unsigned() && d[key] >= 1) << key << d;
    EXPECT_GE(d["end_line"], d["line"]) << d;
    EXPECT_TRUE(d["notes"].is_array()) << d;
    EXPECT_TRUE(std::set<std::string>({"error", "warning", "note"}).count(d["severity"])) << d;
    codes.insert(d["code"].get<std::string>());
    files.insert(d["file"].get<std::string>());
  }
  for (const char* code : {"E0200", "W0001", "E0001"}) EXPECT_TRUE(codes.count(code)) << code;
  EXPECT_EQ(files, (std::set<std::string>{"errors.wf", "syntax.wf"}));
}

TEST_F(WfCheck, TextOutputEndsEachFileWithASummary) {
  write("errors.wf", kErrorsSource);
  write("clean.wf", kCleanSource);
  const Outcome clean = wf("check clean.wf");
  EXPECT_EQ(clean.exit_code, 0) << clean.err;
  EXPECT_EQ(clean.out, "clean.wf: ok\n");

  const Outcome errors = wf("check --color never errors.wf clean.wf");
  EXPECT_EQ(errors.exit_code, 1);
  // Tests match the code and the line, never the column or wording the checker chooses.
  EXPECT_TRUE(std::regex_search(errors.out, std::regex("(^|\n)errors\\.wf:2:[0-9]+: error\\[E0200\\]: ")))
      << errors.out;
  EXPECT_TRUE(
      std::regex_search(errors.out, std::regex("\n\nerrors\\.wf: \\d+ errors?, \\d+ warnings?\nclean\\.wf: ok\n$")))
      << errors.out;
  EXPECT_EQ(errors.out.find('\x1b'), std::string::npos);
  EXPECT_EQ(wf("check errors.wf").out.find('\x1b'), std::string::npos);  // `auto`: a pipe is no terminal

  const Outcome coloured = wf("check --color always errors.wf");
  EXPECT_NE(coloured.out.find("\x1b["), std::string::npos);
  EXPECT_EQ(strip_ansi(coloured.out), errors.out.substr(0, errors.out.find("clean.wf: ok")));
}

TEST_F(WfCheck, ExitCodesFollowSpecSection6) {
  write("clean.wf", kCleanSource);
  write("warning.wf", kWarningSource);
  write("errors.wf", kErrorsSource);
  EXPECT_EQ(wf("check clean.wf").exit_code, 0);
  const Outcome warning = wf("check warning.wf");
  EXPECT_EQ(warning.exit_code, 0) << warning.out;  // warnings do not fail the check
  EXPECT_NE(warning.out.find("warning[W0001]"), std::string::npos) << warning.out;
  EXPECT_EQ(wf("check errors.wf").exit_code, 1);
  EXPECT_EQ(wf("check --format sarif errors.wf").exit_code, 1);

  const Outcome missing = wf("check clean.wf missing.wf");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err.rfind("wf: cannot read missing.wf: ", 0), 0u) << missing.err;
  EXPECT_EQ(missing.out, "clean.wf: ok\n");

  for (const char* usage : {"check --format xml clean.wf", "check --color sometimes clean.wf", "check --bogus clean.wf",
                            "check", "", "frobnicate"}) {
    const Outcome bad = wf(usage);
    EXPECT_EQ(bad.exit_code, 2) << "wf " << usage;
    EXPECT_EQ(bad.err.rfind("wf: ", 0), 0u) << "wf " << usage << ": " << bad.err;
  }

  const Outcome version = wf("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_FALSE(version.out.empty());
  EXPECT_EQ(wf("check --help").exit_code, 0);
}

}  // namespace
}  // namespace wf
