// `wf check`: each file is checked by its own Compilation; its diagnostics go to stdout as text,
// JSON or SARIF, and the exit code says whether any file had errors (SPEC §6).
#include "check_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "diagnostics/render_json.h"
#include "diagnostics/render_sarif.h"
#include "diagnostics/render_text.h"
#include "driver/compilation.h"
#include "exit_codes.h"

namespace wf::cli {

namespace {

struct CheckOptions {
  std::vector<std::string> files;
  std::string format = "text";
  std::string color = "auto";
};

// `auto` colours only a terminal that can show it; NO_COLOR (no-color.org) turns it off.
bool use_color(std::string_view mode) {
  if (mode != "auto") return mode == "always";
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') return false;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return isatty(STDOUT_FILENO) != 0;
}

// The sink keeps diagnostics in the order phases found them; readers want source order.
std::vector<Diagnostic> in_source_order(const Compilation& compilation) {
  DiagnosticSink sorted = compilation.diagnostics();
  sorted.sort();
  return sorted.all();
}

bool has_errors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::Error; });
}

// SARIF URIs are relative to the directory wf runs in: CI runs it from the repository root.
std::filesystem::path working_directory() {
  std::error_code error;
  std::filesystem::path here = std::filesystem::current_path(error);
  return error ? std::filesystem::path(".") : here;
}

void print_json(const nlohmann::json& document) {
  // Source text quoted in a message need not be valid UTF-8; replace rather than throw.
  fmt::print("{}\n", document.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

int run_check(const CheckOptions& options, const std::string& version) {
  const bool color = use_color(options.color);
  bool any_errors = false;
  bool any_unreadable = false;
  nlohmann::json json_report = nlohmann::json::array();
  SarifLog sarif_report(SarifTool{"wf", version, ""}, working_directory());

  for (const std::string& path : options.files) {
    Compilation compilation;
    compilation.check_file(path);
    if (compilation.load_error()) {
      fmt::print(stderr, "wf: cannot read {}: {}\n", path, *compilation.load_error());
      any_unreadable = true;
      continue;
    }
    const std::vector<Diagnostic> diagnostics = in_source_order(compilation);
    any_errors = any_errors || has_errors(diagnostics);
    if (options.format == "json") {
      for (nlohmann::json& entry : diagnostics_to_json(compilation.files(), diagnostics))
        json_report.push_back(std::move(entry));
    } else if (options.format == "sarif") {
      sarif_report.add(compilation.files(), diagnostics);
    } else {
      for (const Diagnostic& d : diagnostics) fmt::print("{}\n", render_text(compilation.files(), d, color));
      fmt::print("{}: {}\n", path, render_summary(diagnostics));
    }
  }

  if (options.format == "json") print_json(json_report);
  if (options.format == "sarif") print_json(sarif_report.to_json());
  std::fflush(stdout);
  if (any_unreadable) return kExitUsage;
  return any_errors ? kExitFailed : kExitOk;
}

}  // namespace

void register_check_command(CLI::App& app) {
  // CLI11 writes into the options by reference when it parses, after this function returns.
  auto options = std::make_shared<CheckOptions>();
  CLI::App* check = app.add_subcommand("check", "Parse and type-check files and report their diagnostics");
  check->add_option("files", options->files, "The .wf files to check")->required();
  check->add_option("--format", options->format, "Output format")
      ->check(CLI::IsMember({"text", "json", "sarif"}))
      ->capture_default_str();
  check->add_option("--color", options->color, "Colour text output")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str();
  check->callback([options, &app] {
    const int code = run_check(*options, app.version());
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli
