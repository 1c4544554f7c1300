// Renders diagnostics as a SARIF 2.1.0 log, the format GitHub code scanning accepts.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "diagnostics/diagnostic.h"
#include "source/source_file.h"

namespace wf {

// The analysis tool the log names in runs[0].tool.driver.
struct SarifTool {
  std::string name = "wf";
  std::string version;
  std::string information_uri;  // left out of the log when empty
};

// Collects the diagnostics of any number of compilations into one SARIF run. Each batch comes
// with the file table its Location::file indexes (Compilation::files()); nothing is kept
// pointing into it, so a compilation may be destroyed right after add().
class SarifLog {
 public:
  // Artifact URIs are made relative to `source_root` and given the uriBaseId %SRCROOT%, which
  // code scanning binds to the repository checkout. A file outside the root keeps an absolute
  // file:// URI, since a relative one would point at the wrong place.
  SarifLog(SarifTool tool, const std::filesystem::path& source_root);

  void add(const std::vector<std::unique_ptr<SourceFile>>& files, const std::vector<Diagnostic>& diagnostics);
  nlohmann::json to_json() const;

 private:
  size_t rule_index(DiagCode code);
  nlohmann::json physical_location(const std::vector<std::unique_ptr<SourceFile>>& files, const Location& where) const;
  nlohmann::json artifact_location(const std::string& path) const;

  SarifTool tool_;
  std::filesystem::path root_;
  std::vector<DiagCode> rules_;  // one per code used, in order of first use; ruleIndex points here
  nlohmann::json results_ = nlohmann::json::array();
};

}  // namespace wf
