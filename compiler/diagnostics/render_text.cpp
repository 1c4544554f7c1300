// Text rendering of diagnostics (SPEC §1.9): header, source line, caret underline, notes, fix.
#include "diagnostics/render_text.h"

#include <fmt/color.h>
#include <fmt/format.h>

#include <algorithm>
#include <string_view>

namespace wf {

namespace {

bool is_utf8_continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// Styles wrap whole tokens, so uncoloured output is exactly the coloured output minus escapes.
std::string paint(bool color, fmt::text_style style, std::string_view text) {
  return color ? fmt::format(style, "{}", text) : std::string(text);
}

fmt::text_style severity_style(Severity s) {
  switch (s) {
    case Severity::Error:
      return fmt::emphasis::bold | fmt::fg(fmt::terminal_color::bright_red);
    case Severity::Warning:
      return fmt::emphasis::bold | fmt::fg(fmt::terminal_color::bright_yellow);
    case Severity::Note:
      break;
  }
  return fmt::emphasis::bold | fmt::fg(fmt::terminal_color::bright_cyan);
}

const fmt::text_style kLabelStyle = fmt::emphasis::bold | fmt::fg(fmt::terminal_color::bright_cyan);

// A diagnostic whose file index is out of range is a compiler bug; it still renders, without
// a snippet, so the message is not lost.
const SourceFile* file_of(const std::vector<std::unique_ptr<SourceFile>>& files, const Location& where) {
  return where.file < files.size() ? files[where.file].get() : nullptr;
}

std::string position_text(const std::vector<std::unique_ptr<SourceFile>>& files, const Location& where) {
  const SourceFile* file = file_of(files, where);
  if (file == nullptr) return "<unknown>";
  const LineCol at = file->position(where.range.begin);
  return fmt::format("{}:{}:{}", file->path(), at.line, at.column);
}

// The underline for bytes [begin, end) of `line`. Tabs before the range are copied so the
// carets line up however wide the terminal shows a tab; every other code point is one column.
// There is always at least one `^`, so empty ranges and ranges at the end of a line show.
std::string underline(std::string_view line, size_t begin, size_t end) {
  std::string out;
  for (size_t i = 0; i < begin; ++i) {
    if (line[i] == '\t')
      out += '\t';
    else if (!is_utf8_continuation(line[i]))
      out += ' ';
  }
  size_t width = 0;
  for (size_t i = begin; i < end; ++i)
    if (!is_utf8_continuation(line[i])) ++width;
  out += '^';
  if (width > 1) out.append(width - 1, '~');
  return out;
}

// The source line of the range's start and its underline. A range that spans lines is
// underlined to the end of its first line.
std::string snippet(const SourceFile& file, SourceRange range, fmt::text_style style, bool color) {
  const uint32_t size = static_cast<uint32_t>(file.text().size());
  const uint32_t begin = std::min(range.begin, size);
  const uint32_t end = std::clamp(range.end, begin, size);
  const uint32_t line = file.position(begin).line;
  const std::string_view text = file.line_text(line);
  const uint32_t start = file.line_start(line);
  // line_text drops the line break, so a range starting on it is clamped to the line's end.
  const size_t from = std::min<size_t>(begin - start, text.size());
  const size_t to = std::clamp<size_t>(end - start, from, text.size());
  return fmt::format("{}\n{}\n", text, paint(color, style, underline(text, from, to)));
}

}  // namespace

std::string render_text(const std::vector<std::unique_ptr<SourceFile>>& files, const Diagnostic& diagnostic,
                        bool color) {
  const fmt::text_style style = severity_style(diagnostic.severity);
  const DiagCodeInfo& code = info(diagnostic.code);
  std::string out =
      fmt::format("{} {} {}\n", paint(color, fmt::emphasis::bold, position_text(files, diagnostic.where) + ":"),
                  paint(color, style, fmt::format("{}[{}]:", severity_name(diagnostic.severity), code.code)),
                  paint(color, fmt::emphasis::bold, diagnostic.message));
  if (const SourceFile* file = file_of(files, diagnostic.where))
    out += snippet(*file, diagnostic.where.range, style, color);
  for (const DiagNote& note : diagnostic.notes)
    out += fmt::format("{} {} {}\n", paint(color, fmt::emphasis::bold, position_text(files, note.where) + ":"),
                       paint(color, kLabelStyle, "note:"), note.message);
  if (diagnostic.fix) {
    const DiagFix& fix = *diagnostic.fix;
    // An empty replacement is a deletion; "replace with ``" would read as a typo.
    std::string edit;
    if (!fix.replacement.empty()) {
      edit = fmt::format("replace with `{}`", fix.replacement);
    } else if (const SourceFile* file = file_of(files, fix.where)) {
      edit = fmt::format("remove `{}`", file->slice(fix.where.range));
    } else {
      edit = "remove it";
    }
    // A title that quotes its replacement ("did you mean `targets`?", "convert it: `float(n)`")
    // says it all, and so does one whose replacement spans lines (a block put around a statement).
    const bool title_says_it = !fix.replacement.empty() && (fix.title.find(fmt::format("`{}`", fix.replacement)) != std::string::npos ||
                                                            fix.replacement.find('\n') != std::string::npos);
    if (title_says_it) out += fmt::format("  {} {}\n", paint(color, kLabelStyle, "help:"), fix.title);
    else out += fmt::format("  {} {}: {}\n", paint(color, kLabelStyle, "help:"), fix.title, edit);
  }
  return out;
}

std::string render_summary(const std::vector<Diagnostic>& diagnostics) {
  const auto count = [&](Severity s) {
    return std::count_if(diagnostics.begin(), diagnostics.end(), [s](const Diagnostic& d) { return d.severity == s; });
  };
  const auto counted = [](long n, std::string_view noun) { return fmt::format("{} {}{}", n, noun, n == 1 ? "" : "s"); };
  const long errors = count(Severity::Error);
  const long warnings = count(Severity::Warning);
  if (errors > 0 && warnings > 0) return counted(errors, "error") + ", " + counted(warnings, "warning");
  if (errors > 0) return counted(errors, "error");
  if (warnings > 0) return counted(warnings, "warning");
  return "ok";
}

}  // namespace wf
