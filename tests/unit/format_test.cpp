// `wf fmt`: the layout rules one by one, the promises over every sample and language test file
// (idempotent, same tokens, same comments, same diagnostics), and the command's exit codes and
// in-place rewriting.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "driver/compilation.h"
#include "format/format.h"
#include "parse/token_stream.h"

namespace wf {
namespace {

namespace fs = std::filesystem;

FormatResult format_text(const std::string& text, DiagnosticSink* sink = nullptr) {
  const SourceFile source("test.wf", text);
  DiagnosticSink local;
  return format_source(source, 0, sink != nullptr ? *sink : local);
}

// The formatted text, or a message that says why there is none.
std::string formatted(const std::string& text) {
  const FormatResult r = format_text(text);
  if (r.status == FormatResult::Status::SyntaxErrors) return "<syntax errors>";
  if (r.status == FormatResult::Status::Refused) return "<refused: " + r.problem + ">";
  return r.text;
}

// ---- the token stream --------------------------------------------------------------------------

TEST(TokenStream, ListsEveryTokenWithItsByteRange) {
  const std::string text = "let é = 1 + // ünï\n  2\nlog 1 /* b */";
  const std::vector<SourceToken> tokens = lex_tokens(text);
  std::vector<std::string> kinds;
  for (const SourceToken& t : tokens) {
    kinds.push_back(t.kind);
    EXPECT_EQ(text.substr(t.begin, t.end - t.begin), t.text) << t.kind;
  }
  EXPECT_EQ(kinds, (std::vector<std::string>{"LET", "BAD_CHAR", "ASSIGN", "INT", "PLUS", "LINE_COMMENT", "NL", "INT",
                                             "NL", "LOG", "INT", "BLOCK_COMMENT"}));
  EXPECT_EQ(tokens[1].text, "é");
  EXPECT_EQ(tokens[5].text, "// ünï");
  EXPECT_TRUE(tokens[5].hidden);
  EXPECT_FALSE(tokens[6].ends_statement);  // after `+` the statement goes on
  EXPECT_TRUE(tokens[8].ends_statement);
}

TEST(TokenStream, InvalidUtf8IsABadCharacterNotAFailure) {
  const std::vector<SourceToken> tokens = lex_tokens("a \xff b");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[1].kind, "BAD_CHAR");
  EXPECT_EQ(tokens[1].text, "\xff");
  EXPECT_FALSE(parse_tokens("const a = \"\xff\"").has_value());
}

TEST(TokenStream, TheParseGivesRoles) {
  const auto tokens = parse_tokens("fn f(x: list<int>) -> int {\n  return -x[0] + g(1)\n}\n");
  ASSERT_TRUE(tokens.has_value());
  std::map<std::string, uint16_t> roles;
  for (const SourceToken& t : *tokens) roles[t.kind + " " + t.text] |= t.roles;
  EXPECT_EQ(roles["FN fn"], kRoleBreakBefore | kRoleItemStart);
  EXPECT_EQ(roles["RETURN return"], kRoleBreakBefore | kRoleItemStart);
  EXPECT_EQ(roles["LBRACE {"], kRoleBlockBrace);
  EXPECT_EQ(roles["LPAREN ("], kRoleAttached);
  EXPECT_EQ(roles["LBRACK ["], kRoleAttached);
  EXPECT_EQ(roles["MINUS -"], kRoleUnary);
  EXPECT_EQ(roles["LT <"], kRoleTypeAngle);
  EXPECT_EQ(roles["PLUS +"], kRoleNone);
  EXPECT_FALSE(parse_tokens("fn f( {").has_value());
}

// ---- layout rules ------------------------------------------------------------------------------

TEST(FormatLayout, IndentsTwoSpacesPerBlock) {
  EXPECT_EQ(formatted("fn f(x: int) -> int {\nif x > 0 {\n        return 1\n}\n    return 0\n}\n"),
            "fn f(x: int) -> int {\n  if x > 0 {\n    return 1\n  }\n  return 0\n}\n");
}

TEST(FormatLayout, SpacesAroundOperatorsAndAfterCommasAndColons) {
  EXPECT_EQ(formatted("fn f(a:int,b :int)->int{\nreturn a+b*2-(a%b)\n}\n"),
            "fn f(a: int, b: int) -> int {\n  return a + b * 2 - (a % b)\n}\n");
  EXPECT_EQ(formatted("const X = [ 1 , -2 ,3 ]\n"), "const X = [1, -2, 3]\n");
  EXPECT_EQ(formatted("const R = { name : \"web\" , port : 80 }\n"), "const R = {name: \"web\", port: 80}\n");
  EXPECT_EQ(formatted("type T = { tags : list < string > , port : int ? }\n"),
            "type T = {tags: list<string>, port: int?}\n");
  EXPECT_EQ(formatted("const Y = len ( [ 1 ] ) [ 0 ] . foo\n"), "const Y = len([1])[0].foo\n");
  EXPECT_EQ(formatted("const Z = not(1 < 2) and - 3 > - - 4\n"), "const Z = not (1 < 2) and -3 > - -4\n");
}

TEST(FormatLayout, AnnotationsAndCallsHugTheirParentheses) {
  EXPECT_EQ(formatted("@ timeout (1h) @trigger( manual )\nworkflow w (t: hosts) {\nrun script s (a: 1) on t\n}\n"
                      "script s(a: int) {\nbody = \"x\"\n}\n"),
            "@timeout(1h) @trigger(manual)\nworkflow w(t: hosts) {\n  run script s(a: 1) on t\n}\n"
            "script s(a: int) {\n  body = \"x\"\n}\n");
}

TEST(FormatLayout, JoinsElseCatchAndFinallyOntoTheClosingBrace) {
  EXPECT_EQ(formatted("fn f(x: int) -> int {\n  if x > 0 {\n    return 1\n  }\n  else if x < 0 {\n    return 2\n  }\n"
                      "  else {\n    return 3\n  }\n}\n"),
            "fn f(x: int) -> int {\n  if x > 0 {\n    return 1\n  } else if x < 0 {\n    return 2\n  } else {\n"
            "    return 3\n  }\n}\n");
  EXPECT_EQ(formatted("workflow w() {\n  try {\n    log \"a\"\n  }\n\n  catch e {\n    log e.message\n  }\n"
                      "  finally {\n    log \"c\"\n  }\n}\n"),
            "workflow w() {\n  try {\n    log \"a\"\n  } catch e {\n    log e.message\n  } finally {\n    log \"c\"\n"
            "  }\n}\n");
}

TEST(FormatLayout, AnElseAfterACommentStaysOnItsLine) {
  const std::string text = "fn f(x: int) -> int {\n  if x > 0 {\n    return 1\n  }\n  // otherwise\n  else {\n"
                           "    return 3\n  }\n}\n";
  EXPECT_EQ(formatted(text), text);
}

TEST(FormatLayout, KeywordsAsFieldNamesAreJustNames) {
  EXPECT_EQ(formatted("const R = {\nelse: 1,\n  catch: 2,\n}\nconst S = R.else\n"),
            "const R = {\n  else: 1,\n  catch: 2,\n}\nconst S = R.else\n");
}

TEST(FormatLayout, OneStatementPerLine) {
  EXPECT_EQ(formatted("fn f() -> int { let a = 1; let b = 2; return a + b }\n"),
            "fn f() -> int {\n  let a = 1\n  let b = 2\n  return a + b\n}\n");
  EXPECT_EQ(formatted("const A = 1; const B = 2;\n"), "const A = 1\nconst B = 2\n");
  EXPECT_EQ(formatted("library l { lang = bash body = \"x\" }\n"), "library l {\n  lang = bash\n  body = \"x\"\n}\n");
  EXPECT_EQ(formatted("workflow w() { parallel { branch \"a\" { log \"a\" } branch \"b\" { log \"b\" } } }\n"),
            "workflow w() {\n  parallel {\n    branch \"a\" {\n      log \"a\"\n    }\n    branch \"b\" {\n"
            "      log \"b\"\n    }\n  }\n}\n");
}

TEST(FormatLayout, EmptyBlocksStayEmpty) {
  EXPECT_EQ(formatted("workflow w() {\n\n}\nworkflow v() { }\n"), "workflow w() {}\nworkflow v() {}\n");
}

TEST(FormatLayout, BlankLinesCollapseToOne) {
  EXPECT_EQ(formatted("\n\nconst A = 1\n\n\n\nconst B = 2\nconst C = 3\n\n\n"),
            "const A = 1\n\nconst B = 2\nconst C = 3\n");
  EXPECT_EQ(formatted("fn f() -> int {\n\n  let a = 1\n\n\n  return a\n\n}\n"),
            "fn f() -> int {\n  let a = 1\n\n  return a\n}\n");
}

TEST(FormatLayout, TrailingWhitespaceGoesAndTheFileEndsWithOneNewline) {
  EXPECT_EQ(formatted("const A = 1   \t\nconst B = 2   // two  \t"), "const A = 1\nconst B = 2 // two\n");
  EXPECT_EQ(formatted("const A = 1\r\nconst B = 2\r\n"), "const A = 1\nconst B = 2\n");
  EXPECT_EQ(formatted(""), "");
  EXPECT_EQ(formatted("\n\n// only a comment\n\n"), "// only a comment\n");
}

TEST(FormatLayout, TrailingCommentsStayOnTheirLineOneSpaceAway) {
  EXPECT_EQ(formatted("fn f() -> int {   // entry\n  let a = 1       // one\n  return a /* done */\n}  // end\n"),
            "fn f() -> int { // entry\n  let a = 1 // one\n  return a /* done */\n} // end\n");
  // A block opened and closed on one line is split; the comment stays with the last line.
  EXPECT_EQ(formatted("fn f(x: int) -> int {\n  if x > 0 { return 1 } // positive\n  return 0\n}\n"),
            "fn f(x: int) -> int {\n  if x > 0 {\n    return 1\n  } // positive\n  return 0\n}\n");
}

TEST(FormatLayout, CommentLinesTakeTheIndentationOfTheCodeBelow) {
  EXPECT_EQ(formatted("/// Docs.\n   /// More.\nfn f() -> int {\n// first\n      let a = 1\n/* inside */\n}\n"
                      "// last\n"),
            "/// Docs.\n/// More.\nfn f() -> int {\n  // first\n  let a = 1\n  /* inside */\n}\n// last\n");
}

TEST(FormatLayout, MultiLineStringsAreCopiedByteForByte) {
  const std::string body = "r\"\"\"\n      x=1   \n\t  echo \"{{x}}\"  \n  \"\"\"";
  EXPECT_EQ(formatted("script s() {\n      body = " + body + "\n}\n"), "script s() {\n  body = " + body + "\n}\n");
  const std::string text = "\"\"\"\n    a {{ 1 +   2 }}   \n   b\n    \"\"\"";
  EXPECT_EQ(formatted("workflow w() {\n  log   " + text + "   \n}\n"), "workflow w() {\n  log " + text + "\n}\n");
  EXPECT_EQ(formatted("const S = \"a  {{ len( [1,2] ) }}  b\"\n"), "const S = \"a  {{ len( [1,2] ) }}  b\"\n");
}

TEST(FormatLayout, ContinuationLinesAreIndentedFourMore) {
  EXPECT_EQ(formatted("workflow w(t: hosts) {\n  let r = run command \"x\" on t\n            timeout 1m\n"
                      "  allow_failure\n  approve \"ok?\"\n by [role(\"ops\")]\n  notify \"done\"\n to slack(\"#a\")\n"
                      "  let s = 1 +\n2\n}\n"),
            "workflow w(t: hosts) {\n  let r = run command \"x\" on t\n      timeout 1m\n      allow_failure\n"
            "  approve \"ok?\"\n      by [role(\"ops\")]\n  notify \"done\"\n      to slack(\"#a\")\n  let s = 1 +\n"
            "      2\n}\n");
}

TEST(FormatLayout, BracketsOpenAtTheEndOfALineIndentTheirContentsByTwo) {
  EXPECT_EQ(formatted("workflow w(\nt: hosts,\n      n: int = 2,\n) -> {a: int} {\nreturn {\n a: len([\n1,\n2,\n]),\n"
                      "}\n}\n"),
            "workflow w(\n  t: hosts,\n  n: int = 2,\n) -> {a: int} {\n  return {\n    a: len([\n      1,\n      2,\n"
            "    ]),\n  }\n}\n");
  // Within brackets, a line that does not start an item continues one.
  EXPECT_EQ(formatted("const X = [\n1 +\n2,\n3,\n]\n"), "const X = [\n  1 +\n      2,\n  3,\n]\n");
  EXPECT_EQ(formatted("const Y = len([1,\n2])\n"), "const Y = len([1,\n  2])\n");
}

TEST(FormatLayout, ABlockBelongsToTheLineItsStatementStartsOn) {
  EXPECT_EQ(formatted("workflow w(t: hosts) {\nstep \"a\"\nretry 2 every 1m {\nlog \"x\"\n}\n"
                      "checkout c = pam \"id\"\n  reason \"why\"\n  ttl 1h {\nlog c.username\n}\n}\n"),
            "workflow w(t: hosts) {\n  step \"a\"\n      retry 2 every 1m {\n    log \"x\"\n  }\n"
            "  checkout c = pam \"id\"\n      reason \"why\"\n      ttl 1h {\n    log c.username\n  }\n}\n");
}

TEST(FormatLayout, AFileWithSyntaxErrorsIsNotFormatted) {
  DiagnosticSink sink;
  const FormatResult r = format_text("fn f( {\n  return 1\n", &sink);
  EXPECT_EQ(r.status, FormatResult::Status::SyntaxErrors);
  EXPECT_EQ(r.text, "");
  ASSERT_FALSE(sink.all().empty());
  for (const Diagnostic& d : sink.all()) EXPECT_EQ(d.code, DiagCode::SyntaxError);
}

TEST(FormatLayout, InvalidUtf8IsASyntaxError) {
  DiagnosticSink sink;
  EXPECT_EQ(format_text("const A = \"\xff\"\n", &sink).status, FormatResult::Status::SyntaxErrors);
  EXPECT_EQ(sink.all().size(), 1u);
  EXPECT_EQ(formatted("const   A = \"é\" // ü  \n"), "const A = \"é\" // ü\n");
}

TEST(FormatLayout, OtherErrorsDoNotStopFormatting) {
  // A type error and a bad literal: the tokens are all there, so the layout is safe.
  EXPECT_EQ(formatted("const A: int = \"x\"\nconst B = 5xyz\n"), "const A: int = \"x\"\nconst B = 5xyz\n");
}

// ---- every sample and language test file ------------------------------------------------------

std::vector<std::string> corpus() {
  std::vector<std::string> out;
  const fs::path root(WF_SOURCE_DIR);
  for (const auto& entry : fs::directory_iterator(root / "samples"))
    if (entry.is_regular_file() && entry.path().extension() == ".wf") out.push_back(entry.path().string());
  for (const auto& entry : fs::recursive_directory_iterator(root / "tests" / "lang"))
    if (entry.is_regular_file() && entry.path().extension() == ".wf") out.push_back(entry.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string read(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Diagnostic codes with the file they are in: formatting moves lines, never what is reported.
std::multiset<std::string> diagnostic_codes(const Compilation& c) {
  std::multiset<std::string> out;
  for (const Diagnostic& d : c.diagnostics().all())
    out.insert(c.file(d.where.file).path() + " " + std::string(info(d.code).code));
  return out;
}

std::vector<std::string> code_tokens(const std::string& text) {
  std::vector<std::string> out;
  for (const SourceToken& t : lex_tokens(text))
    if (!t.hidden && t.kind != "NL" && t.kind != "SEMI") out.push_back(t.kind + " " + t.text);
  return out;
}

std::vector<std::string> comments(const std::string& text) {
  std::vector<std::string> out;
  for (const SourceToken& t : lex_tokens(text)) {
    if (!t.hidden) continue;
    std::string c = t.text;
    while (!c.empty() && std::isspace(static_cast<unsigned char>(c.back()))) c.pop_back();
    out.push_back(c);
  }
  return out;
}

// `text` with other blanks between its tokens: an extra one in every gap, odd indentation on
// every line. Strings keep theirs. The layout must not depend on any of it.
std::string respaced(const std::string& text) {
  std::string out;
  size_t at = 0;
  int in_string = 0;
  bool line_start = true;
  for (const SourceToken& t : lex_tokens(text)) {
    const std::string gap = text.substr(at, t.begin - at);
    out += in_string > 0 ? gap : gap + (line_start ? "\t   " : " ");
    out += t.text;
    at = t.end;
    line_start = t.kind == "NL";
    if (t.kind == "STR_OPEN" || t.kind == "ML_OPEN") ++in_string;
    if (t.kind == "STR_CLOSE" || t.kind == "ML_CLOSE" || t.kind == "STR_UNTERMINATED") --in_string;
  }
  return out + text.substr(at);
}

class FormatCorpus : public ::testing::TestWithParam<std::string> {};

TEST_P(FormatCorpus, KeepsEverythingButTheLayout) {
  const std::string& path = GetParam();
  const std::string original = read(path);
  Compilation before;
  before.check_text(path, original);
  const bool syntax_errors = std::any_of(before.diagnostics().all().begin(), before.diagnostics().all().end(),
                                         [](const Diagnostic& d) { return d.code == DiagCode::SyntaxError; });
  const SourceFile source(path, original);
  DiagnosticSink sink;
  const FormatResult once = format_source(source, 0, sink);
  if (syntax_errors) {
    // Only the root file's syntax errors stop formatting; an imported module's do not.
    const bool root_errors = std::any_of(before.diagnostics().all().begin(), before.diagnostics().all().end(),
                                         [](const Diagnostic& d) { return d.code == DiagCode::SyntaxError && d.where.file == 0; });
    if (root_errors) {
      EXPECT_EQ(once.status, FormatResult::Status::SyntaxErrors);
      return;
    }
  }
  ASSERT_EQ(once.status, FormatResult::Status::Formatted) << once.problem;

  // Idempotent, and blind to the old blanks.
  EXPECT_EQ(formatted(once.text), once.text);
  EXPECT_EQ(formatted(respaced(original)), once.text);
  // The same tokens in the same order, the same comments, one newline at the end.
  EXPECT_EQ(code_tokens(once.text), code_tokens(original));
  EXPECT_EQ(comments(once.text), comments(original));
  if (!once.text.empty()) {
    EXPECT_EQ(once.text.back(), '\n');
    EXPECT_FALSE(once.text.size() >= 2 && once.text[once.text.size() - 2] == '\n');
  }
  // The same diagnostics (lines may move).
  Compilation after;
  after.check_text(path, once.text);
  EXPECT_EQ(diagnostic_codes(after), diagnostic_codes(before));
}

std::string test_name(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = fs::relative(info.param, WF_SOURCE_DIR).string();
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

INSTANTIATE_TEST_SUITE_P(SamplesAndLanguageTests, FormatCorpus, ::testing::ValuesIn(corpus()), test_name);

// ---- the command ------------------------------------------------------------------------------

struct Outcome {
  int exit_code = -1;
  std::string out;
};

Outcome run_wf(const std::string& args) {
  Outcome outcome;
  FILE* pipe = popen(("'" WF_BINARY "' " + args + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return outcome;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) outcome.out.append(buffer, n);
  const int status = pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

class WfFmt : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = fs::temp_directory_path() / ("wf_format_test_" + std::to_string(getpid()) + "_" + name);
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return "'" + (dir_ / name).string() + "'";
  }
  std::string contents(const std::string& name) { return read((dir_ / name).string()); }

  fs::path dir_;
};

TEST_F(WfFmt, TheSamplesAreFormatted) {
  std::string args = "fmt --check";
  for (const std::string& path : corpus())
    if (path.find("/samples/") != std::string::npos) args += " '" + path + "'";
  const Outcome r = run_wf(args);
  EXPECT_EQ(r.exit_code, 0) << "not formatted:\n" << r.out;
  EXPECT_EQ(r.out, "");
}

TEST_F(WfFmt, RewritesFilesInPlace) {
  const std::string messy = write("messy.wf", "const A=1\n\n\n\nconst B = [1,2]  \n");
  const std::string tidy = write("tidy.wf", "const C = 3\n");
  fs::permissions(dir_ / "messy.wf", fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  const Outcome r = run_wf("fmt " + messy + " " + tidy);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(contents("messy.wf"), "const A = 1\n\nconst B = [1, 2]\n");
  EXPECT_EQ(contents("tidy.wf"), "const C = 3\n");
  EXPECT_EQ(fs::status(dir_ / "messy.wf").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++entries;
  EXPECT_EQ(entries, 2u);  // no temporary file left behind
}

TEST_F(WfFmt, CheckListsWhatWouldChangeAndWritesNothing) {
  const std::string messy = write("messy.wf", "const A=1\n");
  const std::string tidy = write("tidy.wf", "const C = 3\n");
  const Outcome r = run_wf("fmt --check " + messy + " " + tidy);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, (dir_ / "messy.wf").string() + "\n");
  EXPECT_EQ(contents("messy.wf"), "const A=1\n");
  EXPECT_EQ(run_wf("fmt --check " + tidy).exit_code, 0);
}

TEST_F(WfFmt, LeavesAFileWithSyntaxErrorsAlone) {
  const std::string broken = write("broken.wf", "fn f( {\n   return  1\n");
  const std::string messy = write("messy.wf", "const A=1\n");
  const Outcome r = run_wf("fmt " + broken + " " + messy);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(contents("broken.wf"), "fn f( {\n   return  1\n");
  EXPECT_EQ(contents("messy.wf"), "const A = 1\n");  // the other files are still formatted
}

TEST_F(WfFmt, AnUnreadableFileIsAnIoError) {
  EXPECT_EQ(run_wf("fmt '" + (dir_ / "missing.wf").string() + "'").exit_code, 2);
  EXPECT_EQ(run_wf("fmt '" + dir_.string() + "'").exit_code, 2);  // a directory
  EXPECT_EQ(run_wf("fmt").exit_code, 2);                          // no file: a usage error
}

}  // namespace
}  // namespace wf
