// Token reuse between parses (compiler/parse/token_memo.h), which the language server relies on
// for its edit latency: after any sequence of edits, a parse that reuses the previous parse's
// tokens must give exactly the tree and the diagnostics of a parse from scratch. Every sample and
// language test file is edited at random places with the snippets that change the lexer's state
// (quotes, interpolations, comments, multi-line strings, percentages, non-ASCII text).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "parse/parse.h"
#include "parse/token_memo.h"
#include "syntax/ast_walk.h"

namespace wf {
namespace {

namespace fs = std::filesystem;

// Everything a parse produced that tokens decide: each node's kind and byte range, names,
// and every diagnostic with its range and wording.
std::string fingerprint(Module& module, const DiagnosticSink& sink) {
  std::ostringstream out;
  AstVisitor v;
  v.on_expr = [&](Expr& e) { out << "e" << static_cast<int>(e.kind) << "@" << e.range.begin << "-" << e.range.end << " "; };
  v.on_stmt = [&](Stmt& s) { out << "s" << static_cast<int>(s.kind) << "@" << s.range.begin << "-" << s.range.end << " "; };
  for (auto& decl : module.decls) {
    out << "\nd" << static_cast<int>(decl->kind) << " " << decl->name.text << "@" << decl->range.begin << "-"
        << decl->range.end << " docs=" << decl->docs << " ";
    walk(*decl, v);
  }
  for (const Diagnostic& d : sink.all())
    out << "\n" << static_cast<int>(d.code) << "@" << d.where.range.begin << "-" << d.where.range.end << " " << d.message;
  return out.str();
}

std::string parse_fingerprint(const std::string& path, const std::string& text) {
  SourceFile file(path, text);
  DiagnosticSink sink;
  std::unique_ptr<Module> module = parse_module(file, 0, sink);
  return fingerprint(*module, sink);
}

std::vector<fs::path> corpus() {
  std::vector<fs::path> files;
  for (const char* dir : {"samples", "tests/lang"})
    for (const auto& entry : fs::recursive_directory_iterator(fs::path(WF_SOURCE_DIR) / dir))
      if (entry.is_regular_file() && entry.path().extension() == ".wf") files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  return files;
}

std::string read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(TokenMemo, ReusedTokensGiveTheTreeAndDiagnosticsOfAFreshParse) {
  const std::vector<std::string> snippets = {
      "", "x", "1", "\"", "{{", "}}", "{", "}", "(", ")", "\n", "/*", "*/", "//", "///", "\"\"\"", "r\"\"\"",
      "r\"", "%", "10%", " ", "\t", "é", "\\", "let y = 1\n", ".", "5.", "e3", "30s", "}}\"", "\"{{x}}\"",
      "\r\n", "\xff", "中文"};
  std::mt19937 random(20261121);
  const std::vector<fs::path> files = corpus();
  ASSERT_GT(files.size(), 100u);
  size_t compared = 0;
  for (const fs::path& path : files) {
    std::string text = read(path);
    TokenMemo memo;
    memo.keep_leftovers(compared % 12 == 0);  // as the language server does, for every other file
    TokenMemoScope scope(memo);
    parse_fingerprint(path.string(), text);  // remembered: the edits below reuse its tokens
    for (int edit = 0; edit < 6; ++edit) {
      // Mostly small typing-sized edits, on a character boundary.
      size_t at = text.empty() ? 0 : random() % (text.size() + 1);
      while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
      size_t removed = std::min<size_t>(random() % 4, text.size() - at);
      while (at + removed < text.size() && (static_cast<unsigned char>(text[at + removed]) & 0xC0) == 0x80) ++removed;
      text.replace(at, removed, snippets[random() % snippets.size()]);
      const std::string reused = parse_fingerprint(path.string(), text);
      memo.take_leftovers();  // the parse trees kept, freed after the module they made
      std::string fresh;
      {
        TokenMemo empty;
        TokenMemoScope own(empty);
        fresh = parse_fingerprint(path.string(), text);
      }
      ASSERT_EQ(reused, fresh) << path << " after edit " << edit << " at byte " << at << ":\n" << text;
      ++compared;
    }
  }
  EXPECT_EQ(compared, files.size() * 6);
}

TEST(TokenMemo, TheSameTextAgainAndAnEditAtEitherEnd) {
  const std::string base = "const A = 1\nfn f(s: string) -> string {\n  return \"a {{s}} b\"\n}\n";
  TokenMemo memo;
  TokenMemoScope scope(memo);
  for (const std::string& text : {base, base, "// head\n" + base, base + "const B = 20%\n", base, std::string(), base}) {
    std::string fresh;
    {
      TokenMemo empty;
      TokenMemoScope own(empty);
      fresh = parse_fingerprint("a.wf", text);
    }
    EXPECT_EQ(parse_fingerprint("a.wf", text), fresh) << text;
  }
}

}  // namespace
}  // namespace wf
