// Re-parsing only the edited declaration (compiler/parse/decl_reparse.h), which the language
// server relies on for its edit latency: after any sequence of edits, a compilation whose parse
// reused the other declarations' trees must have exactly the tree and the diagnostics of a
// compilation from scratch. Every sample and language test file is edited at random places, with
// snippets that break and mend the syntax, add and remove declarations, docs and separators, and
// edits are often undone (a file broken, then fixed again).
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ast_walk.h"
#include "driver/compilation.h"
#include "parse/token_memo.h"

namespace wf {
namespace {

namespace fs = std::filesystem;

// Every node's kind, every range the tree holds, and the values the parser gives nodes.
class Dump : public test_support::AstVisitor {
 public:
  std::ostringstream out;

  void decl(const Decl& d) override {
    out << "\nD" << static_cast<int>(d.kind) << ' ' << d.name.text << " docs=" << d.docs;
    for (const Annotation& a : d.annotations) out << " @" << a.name.text << a.has_parens << a.args.size();
    if (d.kind == DeclKind::Import) out << " path=" << static_cast<const ImportDecl&>(d).path;
    if (d.kind == DeclKind::Script) out << " params=" << static_cast<const ScriptDecl&>(d).has_params;
    if (d.kind == DeclKind::Library || d.kind == DeclKind::Script)
      for (const Setting& s : static_cast<const ScriptDecl&>(d).settings) out << " set:" << s.key.text;
  }
  void stmt(const Stmt& s) override {
    out << " S" << static_cast<int>(s.kind);
    switch (s.kind) {
      case StmtKind::Let: {
        const auto& l = static_cast<const LetStmt&>(s);
        out << (l.is_var ? "var " : "let ") << l.name.text;
        break;
      }
      case StmtKind::Assign: out << static_cast<const AssignStmt&>(s).name.text; break;
      case StmtKind::For: out << static_cast<const ForStmt&>(s).var.text; break;
      case StmtKind::Try: {
        const auto& t = static_cast<const TryStmt&>(s);
        out << t.has_catch << t.catch_var.text << (t.finally_block != nullptr);
        break;
      }
      case StmtKind::If: {
        const auto& i = static_cast<const IfStmt&>(s);
        out << (i.else_if != nullptr) << (i.else_block != nullptr);
        break;
      }
      case StmtKind::Sleep: out << static_cast<const SleepStmt&>(s).until; break;
      case StmtKind::Checkout: out << static_cast<const CheckoutStmt&>(s).var.text; break;
      case StmtKind::ParallelFor: out << static_cast<const ParallelForStmt&>(s).var.text; break;
      case StmtKind::Parallel: out << static_cast<const ParallelStmt&>(s).branches.size(); break;
      default: break;
    }
  }
  void expr(const Expr& e) override {
    out << " E" << static_cast<int>(e.kind);
    switch (e.kind) {
      case ExprKind::Int: out << static_cast<const IntExpr&>(e).value; break;
      case ExprKind::Float: out << static_cast<const FloatExpr&>(e).value; break;
      case ExprKind::Bool: out << static_cast<const BoolExpr&>(e).value; break;
      case ExprKind::Duration: out << static_cast<const DurationExpr&>(e).millis; break;
      case ExprKind::Percent: out << static_cast<const PercentExpr&>(e).value; break;
      case ExprKind::String: {
        const auto& s = static_cast<const StringExpr&>(e);
        out << (s.raw ? "r" : "") << '[';
        for (const StringPart& p : s.parts) out << (p.expr ? "{}" : p.text) << '|';
        out << ']';
        break;
      }
      case ExprKind::Name: out << static_cast<const NameExpr&>(e).name.text; break;
      case ExprKind::Field: out << '.' << static_cast<const FieldExpr&>(e).field.text; break;
      case ExprKind::Record:
        for (const RecordEntry& f : static_cast<const RecordExpr&>(e).fields) out << ' ' << f.name.text;
        break;
      case ExprKind::Map:
        for (const MapEntry& m : static_cast<const MapExpr&>(e).entries) out << ' ' << m.key;
        break;
      case ExprKind::Call:
        for (const Arg& a : static_cast<const CallExpr&>(e).args) out << " a:" << a.name.text;
        break;
      case ExprKind::Unary: out << static_cast<int>(static_cast<const UnaryExpr&>(e).op); break;
      case ExprKind::Binary: out << binary_op_text(static_cast<const BinaryExpr&>(e).op); break;
      case ExprKind::Run: {
        const auto& r = static_cast<const RunExpr&>(e);
        out << static_cast<int>(r.job) << r.script.text << r.has_script_args << r.kind_name.text << r.priority.text
            << r.canary << r.allow_failure << (r.retry != nullptr);
        for (const auto& [word, where] : r.clauses) out << ' ' << word << '@' << where.begin;
        break;
      }
      case ExprKind::Approve: {
        const auto& a = static_cast<const ApproveExpr&>(e);
        out << a.quorum.text;
        for (const auto& [word, where] : a.clauses) out << ' ' << word << '@' << where.begin;
        break;
      }
      default: break;
    }
  }
  void type(const TypeExpr& t) override {
    out << " T" << static_cast<int>(t.kind);
    if (t.kind == TypeExprKind::Named) out << static_cast<const NamedTypeExpr&>(t).name.text;
    if (t.kind == TypeExprKind::Record)
      for (const FieldTypeExpr& f : static_cast<const RecordTypeExpr&>(t).fields) out << ' ' << f.name.text;
  }
  void range(SourceRange r, SourceRange, const char* what) override {
    out << " " << what << '@' << r.begin << '-' << r.end;
  }
};

// The document's tree and every diagnostic of the compilation (the checker's too), in full.
std::string fingerprint(const std::string& path, const std::string& text) {
  Compilation c;
  c.check_text(path, text);
  Dump dump;
  test_support::AstWalker(dump).walk(c.root());
  for (const Diagnostic& d : c.diagnostics().all()) {
    dump.out << "\n" << static_cast<int>(d.code) << " f" << d.where.file << '@' << d.where.range.begin << '-'
             << d.where.range.end << ' ' << d.message;
    for (const DiagNote& n : d.notes)
      dump.out << " note f" << n.where.file << '@' << n.where.range.begin << '-' << n.where.range.end << ' ' << n.message;
  }
  return dump.out.str();
}

std::string fresh_fingerprint(const std::string& path, const std::string& text) {
  TokenMemo none;  // a memo without any file: the parse is a parse from scratch
  TokenMemoScope scope(none);
  return fingerprint(path, text);
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

bool valid_case(const std::string& text) {
  // The language tests that expect errors say so in their header; the others parse and check.
  return text.find("expect: error") == std::string::npos && text.find("E0") == std::string::npos;
}

TEST(DeclReparse, ReusedDeclarationsGiveTheTreeAndDiagnosticsOfAFreshCompilation) {
  const std::vector<std::string> snippets = {
      "", "x", "1", "7", "\"", "{{", "}}", "{", "}", "(", ")", "\n", "/*", "*/", "//", "///", "/// doc\n",
      "\"\"\"", "r\"", "10%", " ", "\t", "é", "中文", ".", "5.", "30s", ";", ",", "+ 1", " - x", "\"{{x}}\"",
      "let y = 1\n", "\nlet z = 2\n", "\nconst Q = 3\n", "\nfn g() -> int { return 1 }\n", "@", "@retry(3)\n",
      "\nworkflow w() {\n}\n", "if true { }\n", "\r\n", "limit", "reason", "script", "import \"x.wf\"\n", "\n\n",
      "// c\n", "not ", "-", "}\n}", "else", "[1, 2]", "{a: 1}"};
  std::mt19937 random(20261122);
  const std::vector<fs::path> files = corpus();
  ASSERT_GT(files.size(), 100u);
  size_t compared = 0;
  TokenMemo::Reuse total;
  for (const fs::path& path : files) {
    std::string text = read(path);
    TokenMemo memo;
    memo.reparse_declarations(true);
    memo.keep_leftovers(compared % 7 == 0);  // as the language server does, for some files
    TokenMemoScope scope(memo);
    ASSERT_EQ(fingerprint(path.string(), text), fresh_fingerprint(path.string(), text)) << path;
    std::vector<std::string> undo;
    const int edits = valid_case(text) ? 16 : 4;
    for (int edit = 0; edit < edits; ++edit) {
      if (!undo.empty() && random() % 3 == 0) {
        text = std::move(undo.back());  // the edit taken back: a broken file mended
        undo.pop_back();
      } else if (random() % 2 == 0) {
        // Typing inside a word or a number, as one mostly does: the syntax usually survives it.
        undo.push_back(text);
        std::vector<size_t> places;
        bool comment_line = false;  // the cases' headers are comments: typing there proves nothing
        for (size_t i = 1; i < text.size(); ++i) {
          if (text[i - 1] == '\n' || i == 1) {
            const size_t first = text.find_first_not_of(" \t", text[i - 1] == '\n' ? i : 0);
            comment_line = first != std::string::npos && text.compare(first, 2, "//") == 0;
          }
          if (!comment_line && std::isalnum(static_cast<unsigned char>(text[i - 1]))) places.push_back(i);
        }
        if (places.empty()) continue;
        const size_t at = places[random() % places.size()];
        const bool digit = std::isdigit(static_cast<unsigned char>(text[at - 1]));
        if (random() % 4 == 0) text.erase(at - 1, 1);
        else text.insert(at, 1, digit ? static_cast<char>('0' + random() % 10) : static_cast<char>('a' + random() % 26));
      } else {
        undo.push_back(text);
        size_t at = text.empty() ? 0 : random() % (text.size() + 1);
        while (at > 0 && at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) --at;
        size_t removed = std::min<size_t>(random() % 3 == 0 ? random() % 12 : random() % 3, text.size() - at);
        while (at + removed < text.size() && (static_cast<unsigned char>(text[at + removed]) & 0xC0) == 0x80) ++removed;
        text.replace(at, removed, snippets[random() % snippets.size()]);
      }
      const std::string reused = fingerprint(path.string(), text);
      memo.take_leftovers();
      ASSERT_EQ(reused, fresh_fingerprint(path.string(), text)) << path << " after edit " << edit << ":\n" << text;
      ++compared;
    }
    total.declarations_reparsed += memo.reuse().declarations_reparsed;
    total.modules_copied += memo.reuse().modules_copied;
    total.whole_parses += memo.reuse().whole_parses;
  }
  // The shortcut must have been taken often, or the comparisons above prove little.
  EXPECT_GT(total.declarations_reparsed, compared / 8);
  EXPECT_GT(total.whole_parses, compared / 10);
  std::printf("compared %zu edits: %zu declarations re-parsed, %zu modules copied, %zu whole parses\n", compared,
              total.declarations_reparsed, total.modules_copied, total.whole_parses);
}

// The same declaration edited again and again, the file's other declarations (before and after
// it, with docs and annotations) reused each time; then edits that must not take the shortcut.
TEST(DeclReparse, EditsInsideOneDeclarationReparseOnlyIt) {
  std::string text =
      "/// The first.\nconst A = 1\n\n@retry(2)\nfn f(s: string) -> string {\n  return \"a {{s}} b\"\n}\n"
      "/// Last.\nworkflow w() {\n  log f(\"x\")\n}\n";
  TokenMemo memo;
  memo.reparse_declarations(true);
  TokenMemoScope scope(memo);
  ASSERT_EQ(fingerprint("a.wf", text), fresh_fingerprint("a.wf", text));
  const size_t inside_f = text.find(" b\"");
  for (const char* typed : {"x", "xy", "xyz{{s}}", "é", ""}) {
    std::string edited = text;
    edited.insert(inside_f, typed);
    EXPECT_EQ(fingerprint("a.wf", edited), fresh_fingerprint("a.wf", edited)) << edited;
  }
  EXPECT_EQ(memo.reuse().declarations_reparsed, 5u);
  const size_t whole = memo.reuse().whole_parses;
  // Across two declarations, between them, at a declaration's first character, and breaking it.
  for (const std::string& edited :
       {std::string(text).erase(text.find("1\n"), text.find("fn f") - text.find("1\n")),
        std::string(text).insert(text.find("\n\n@") + 1, "const B = 2\n"),
        std::string(text).insert(text.find("fn f"), "x"), std::string(text).insert(text.find("return"), "}"),
        std::string(text).insert(text.find("/// Last."), "/// More.\n"), text}) {
    EXPECT_EQ(fingerprint("a.wf", edited), fresh_fingerprint("a.wf", edited)) << edited;
  }
  EXPECT_EQ(memo.reuse().whole_parses, whole + 6);
  EXPECT_EQ(memo.reuse().declarations_reparsed, 5u);
  // The same text again (an import that did not change) is not parsed at all.
  EXPECT_EQ(fingerprint("a.wf", text), fresh_fingerprint("a.wf", text));
  EXPECT_EQ(memo.reuse().whole_parses, whole + 6);
  EXPECT_EQ(memo.reuse().modules_copied, 1u);
}

}  // namespace
}  // namespace wf
