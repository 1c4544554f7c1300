// Formatting one file (see format.h): parse, lay out the tokens, then check the result — the
// same tokens in the same order (a `;` may have become a line break), the same comments, and no
// syntax error — before anyone may write it.
#include "format/format.h"

#include <fmt/format.h>

#include <optional>
#include <vector>

#include "format/layout.h"
#include "parse/parse.h"
#include "parse/token_stream.h"

namespace wf {

namespace {

bool has_syntax_errors(const SourceFile& source, uint32_t file_index, DiagnosticSink* report) {
  DiagnosticSink parsed;
  parse_module(source, file_index, parsed);
  bool any = false;
  for (const Diagnostic& d : parsed.all()) {
    if (d.code != DiagCode::SyntaxError) continue;
    any = true;
    if (report != nullptr) report->all().push_back(d);
  }
  return any;
}

// The tokens that carry meaning or words: no line breaks, no `;` separators. Comments are
// compared without the trailing blanks the layout removes.
std::vector<std::pair<std::string, std::string>> significant(const std::vector<SourceToken>& tokens) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const SourceToken& t : tokens) {
    if (t.kind == "NL" || t.kind == "SEMI") continue;
    out.emplace_back(t.kind, t.hidden ? format::without_trailing_blanks(t.text) : t.text);
  }
  return out;
}

// Why `formatted` is not a faithful layout of `tokens`, or nothing when it is.
std::optional<std::string> unfaithful(const std::vector<SourceToken>& tokens, const std::string& formatted,
                                      const std::string& path) {
  const auto before = significant(tokens);
  const auto after = significant(lex_tokens(formatted));
  if (before != after) {
    size_t i = 0;
    while (i < before.size() && i < after.size() && before[i] == after[i]) ++i;
    const std::string was = i < before.size() ? before[i].second : "the end of the file";
    const std::string is = i < after.size() ? after[i].second : "the end of the file";
    return fmt::format("the layout turned `{}` into `{}`", was, is);
  }
  const SourceFile check(path, formatted);
  if (has_syntax_errors(check, 0, nullptr)) return std::string("the layout does not parse");
  return std::nullopt;
}

}  // namespace

FormatResult format_source(const SourceFile& source, uint32_t file_index, DiagnosticSink& sink) {
  FormatResult result;
  if (has_syntax_errors(source, file_index, &sink)) {
    result.status = FormatResult::Status::SyntaxErrors;
    return result;
  }
  const std::optional<std::vector<SourceToken>> tokens = parse_tokens(source.text());
  if (!tokens) {
    result.status = FormatResult::Status::Refused;
    result.problem = "the token parser rejects a file that parses";
    return result;
  }
  std::string formatted = format::lay_out(source.text(), *tokens);
  if (std::optional<std::string> problem = unfaithful(*tokens, formatted, source.path())) {
    result.status = FormatResult::Status::Refused;
    result.problem = std::move(*problem);
    return result;
  }
  result.text = std::move(formatted);
  return result;
}

}  // namespace wf
