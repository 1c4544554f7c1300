// `wf fmt`: formats each file with format_source and writes it back in place — through a
// temporary file renamed over the original, so a crash or a full disk never leaves half a file.
// `--check` writes nothing and lists the files that would change. A file with syntax errors is
// never touched: its errors are shown on stderr. Exit codes as SPEC §6: 1 when a file has syntax
// errors or (with --check) would change, 2 when a file cannot be read or written.
#include "fmt_command.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "diagnostics/render_text.h"
#include "exit_codes.h"
#include "format/format.h"

namespace wf::cli {

namespace {

struct FmtOptions {
  std::vector<std::string> files;
  bool check = false;
};

std::optional<std::string> read_file(const std::string& path, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {  // opens fine and reads as empty: refuse it here
    error = "is a directory";
    return std::nullopt;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = std::strerror(errno);
    return std::nullopt;
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    error = "read error";
    return std::nullopt;
  }
  return std::move(text).str();
}

// Writes `text` next to `path` and renames it over `path`, keeping the file's permissions. A
// symbolic link is followed: the file it points to is the one rewritten.
bool replace_file(const std::string& path, const std::string& text, std::string& error) {
  std::error_code ec;
  std::filesystem::path target = std::filesystem::canonical(path, ec);
  if (ec) target = path;
  struct stat original {};
  const bool have_mode = ::stat(target.c_str(), &original) == 0;
  std::string temp = (target.parent_path() / ("." + target.filename().string() + ".wf-fmt-XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) {
    error = std::strerror(errno);
    return false;
  }
  bool ok = true;
  size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) ok = false;
    else written += static_cast<size_t>(n);
  }
  if (ok && have_mode) ok = ::fchmod(fd, original.st_mode & 07777) == 0;
  if (ok) ok = ::fsync(fd) == 0;
  if (!ok) error = std::strerror(errno);
  if (::close(fd) != 0 && ok) {
    ok = false;
    error = std::strerror(errno);
  }
  if (ok && ::rename(temp.c_str(), target.c_str()) != 0) {
    ok = false;
    error = std::strerror(errno);
  }
  if (!ok) ::unlink(temp.c_str());
  return ok;
}

int run_fmt(const FmtOptions& options) {
  bool any_failed = false;  // syntax errors, or a file that --check says would change
  bool any_io = false;      // unreadable or unwritable, or the formatter refused its own output
  for (const std::string& path : options.files) {
    std::string error;
    std::optional<std::string> text = read_file(path, error);
    if (!text) {
      fmt::print(stderr, "wf: cannot read {}: {}\n", path, error);
      any_io = true;
      continue;
    }
    std::vector<std::unique_ptr<SourceFile>> files;
    files.push_back(std::make_unique<SourceFile>(path, std::move(*text)));
    DiagnosticSink sink;
    const FormatResult result = format_source(*files.front(), 0, sink);
    switch (result.status) {
      case FormatResult::Status::SyntaxErrors:
        for (const Diagnostic& d : sink.all()) fmt::print(stderr, "{}\n", render_text(files, d, false));
        fmt::print(stderr, "{}: not formatted: {}\n", path, render_summary(sink.all()));
        any_failed = true;
        continue;
      case FormatResult::Status::Refused:
        fmt::print(stderr, "wf: internal error: {} left unformatted: {}\n", path, result.problem);
        any_io = true;
        continue;
      case FormatResult::Status::Formatted:
        break;
    }
    if (result.text == files.front()->text()) continue;
    if (options.check) {
      fmt::print("{}\n", path);
      any_failed = true;
    } else if (!replace_file(path, result.text, error)) {
      fmt::print(stderr, "wf: cannot write {}: {}\n", path, error);
      any_io = true;
    }
  }
  std::fflush(stdout);
  if (any_io) return kExitUsage;
  return any_failed ? kExitFailed : kExitOk;
}

}  // namespace

void register_fmt_command(CLI::App& app) {
  // CLI11 writes into the options by reference when it parses, after this function returns.
  auto options = std::make_shared<FmtOptions>();
  CLI::App* fmt_cmd = app.add_subcommand("fmt", "Rewrite files in the canonical layout");
  fmt_cmd->add_option("files", options->files, "The .wf files to format")->required();
  fmt_cmd->add_flag("--check", options->check, "Write nothing; list the files that would change (exit 1 if any)");
  fmt_cmd->callback([options] {
    const int code = run_fmt(*options);
    if (code != kExitOk) throw CLI::RuntimeError(code);
  });
}

}  // namespace wf::cli
