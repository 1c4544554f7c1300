// Bad input never crashes or hangs the front end: it yields diagnostics and a tree whose ranges
// lie in the file. Real files are mutated deterministically (truncated, cut, duplicated, sprinkled
// with tokens and bytes) and hostile inputs are built by hand. Each group runs in a forked child,
// so a crash or a hang fails one test and names the input that caused it instead of ending the run.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <ctime>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <new>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "ast_walk.h"
#include "driver/compilation.h"
#include "parse/sll_only.h"

namespace wf {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Running a group of compilations in a child process

// What the child shares with the parent while it works: the step it is on and that step's
// input, so that when the child dies the parent can say which input killed it.
struct Progress {
  static constexpr size_t kInputCapacity = 1 << 16;
  char step[512];
  uint32_t input_size;  // the full size; only the first kInputCapacity bytes are kept
  char input[kInputCapacity];

  void begin(const std::string& what, const std::string& text) {
    std::snprintf(step, sizeof step, "%s", what.c_str());
    input_size = static_cast<uint32_t>(text.size());
    std::memcpy(input, text.data(), std::min(text.size(), kInputCapacity));
  }
};

// Runs `body` in a forked child with a time limit. `body` returns the problems it found, one a
// line; an empty string means the group passed. A crash, a hang or any problem fails the test.
void run_isolated(const std::string& name, unsigned seconds, const std::function<std::string(Progress&)>& body) {
  void* shared = mmap(nullptr, sizeof(Progress), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  ASSERT_NE(shared, MAP_FAILED);
  auto* progress = new (shared) Progress{};
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  std::fflush(nullptr);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    alarm(seconds);  // a hang ends as SIGALRM, reported below
    std::string report;
    try {
      report = body(*progress);
    } catch (const std::exception& e) {
      report = std::string("exception escaped while ") + progress->step + ": " + e.what() + "\n";
    } catch (...) {
      report = std::string("unknown exception escaped while ") + progress->step + "\n";
    }
    for (size_t done = 0; done < report.size();) {
      const ssize_t n = write(fds[1], report.data() + done, report.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    _exit(0);
  }
  close(fds[1]);
  std::string report;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) report.append(buffer, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    // Keep the input that killed the child, so the failure can be reproduced with `wf check`.
    const std::string saved = ::testing::TempDir() + "wf_robustness_" + name + ".wf";
    std::ofstream(saved, std::ios::binary)
        .write(progress->input, std::min<std::streamsize>(progress->input_size, Progress::kInputCapacity));
    ADD_FAILURE() << name << ": the front end " << (sig == SIGALRM ? "hung (time limit reached)" : "crashed")
                  << " with signal " << sig << " (" << strsignal(sig) << ") while " << progress->step << " ("
                  << progress->input_size << " bytes; input saved to " << saved << ")";
  } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    ADD_FAILURE() << name << ": the child exited with status " << status;
  }
  EXPECT_TRUE(report.empty()) << name << ":\n" << report;
  munmap(shared, sizeof(Progress));
}

// ---------------------------------------------------------------------------------------------
// What every compilation must satisfy, however broken its input

bool position_is_valid(const SourceFile& f, uint32_t offset) {
  const LineCol p = f.position(offset);
  return p.line >= 1 && p.line <= f.line_count() && p.column >= 1 && f.line_start(p.line) <= offset &&
         p.column - 1 <= offset - f.line_start(p.line);
}

class RangeChecker : public test_support::AstVisitor {
 public:
  RangeChecker(const SourceFile& f, std::vector<std::string>& problems) : file_(f), problems_(problems) {}
  void range(SourceRange r, SourceRange, const char* what) override {
    ++ranges;
    if (r.begin > r.end || r.end > file_.text().size()) {
      problems_.push_back(std::string(what) + " range [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
                          ") is outside the file of " + std::to_string(file_.text().size()) + " bytes");
    } else if (!position_is_valid(file_, r.begin) || !position_is_valid(file_, r.end)) {
      problems_.push_back(std::string(what) + " range [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
                          ") has no valid line/column");
    }
  }
  size_t ranges = 0;

 private:
  const SourceFile& file_;
  std::vector<std::string>& problems_;
};

void check_location(const Compilation& c, const Location& where, const std::string& what,
                    std::vector<std::string>& problems) {
  if (where.file >= c.files().size()) {
    problems.push_back(what + " names file " + std::to_string(where.file) + " of " + std::to_string(c.files().size()));
    return;
  }
  const SourceFile& f = c.file(where.file);
  const SourceRange r = where.range;
  if (r.begin > r.end || r.end > f.text().size())
    problems.push_back(what + " range [" + std::to_string(r.begin) + ", " + std::to_string(r.end) +
                       ") is outside the file of " + std::to_string(f.text().size()) + " bytes");
  else if (!position_is_valid(f, r.begin) || !position_is_valid(f, r.end))
    problems.push_back(what + " range [" + std::to_string(r.begin) + ", " + std::to_string(r.end) + ") has no valid line/column");
}

// Problems found in a finished compilation: diagnostics (with notes and fixes) and every range of
// every module's tree must lie in their files and map to valid positions.
std::vector<std::string> problems_in(const Compilation& c) {
  std::vector<std::string> problems;
  for (const Diagnostic& d : c.diagnostics().all()) {
    const std::string what = "diagnostic " + std::string(info(d.code).code) + " `" + d.message.substr(0, 80) + "`";
    check_location(c, d.where, what, problems);
    for (const DiagNote& n : d.notes) check_location(c, n.where, what + " note", problems);
    if (d.fix) check_location(c, d.fix->where, what + " fix", problems);
  }
  for (uint32_t i = 0; i < c.files().size(); ++i) {
    RangeChecker checker(c.file(i), problems);
    test_support::walk(c.module(i), checker);
  }
  return problems;
}

// Compiles `text` as if it were the file at `path`, and describes what went wrong (one line per
// problem, prefixed by `step`), or returns "" when the compilation behaved.
std::string compile_and_check(Progress& progress, const std::string& step, const std::string& path,
                              const std::string& text, size_t* diagnostics = nullptr) {
  progress.begin(step, text);
  Compilation c;
  std::string out;
  try {
    c.check_text(path, text);
  } catch (const std::exception& e) {
    return step + ": check_text threw: " + e.what() + "\n";
  }
  for (const std::string& p : problems_in(c)) out += step + ": " + p + "\n";
  if (diagnostics) *diagnostics = c.diagnostics().all().size();
  return out;
}

// ---------------------------------------------------------------------------------------------
// Deterministic mutations of real files

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A stable seed per file name, so adding a file leaves the other files' mutations unchanged.
uint32_t seed_for(const std::string& name) {
  uint32_t h = 2166136261u;
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  return h;
}

class Mutator {
 public:
  Mutator(const std::string& text, uint32_t seed) : text_(text), rng_(seed) {}

  // A byte offset in [0, size], moved back to the start of a code point so that the mutated
  // text stays valid UTF-8 (invalid UTF-8 has a test of its own).
  size_t position() { return boundary(pick(text_.size() + 1)); }
  size_t boundary(size_t at) const {
    while (at > 0 && at < text_.size() && (static_cast<unsigned char>(text_[at]) & 0xC0) == 0x80) --at;
    return at;
  }
  size_t pick(size_t n) { return n == 0 ? 0 : rng_() % n; }

  // Returns (description, mutated text).
  std::pair<std::string, std::string> truncate(size_t at) {
    at = boundary(std::min(at, text_.size()));
    return {"truncated at byte " + std::to_string(at), text_.substr(0, at)};
  }
  std::pair<std::string, std::string> delete_span() {
    const size_t a = position(), b = boundary(std::min(text_.size(), a + 1 + pick(64)));
    return {"bytes [" + std::to_string(a) + ", " + std::to_string(b) + ") deleted", text_.substr(0, a) + text_.substr(b)};
  }
  std::pair<std::string, std::string> duplicate_span() {
    const size_t a = position(), b = boundary(std::min(text_.size(), a + 1 + pick(200)));
    const size_t at = position();
    return {"bytes [" + std::to_string(a) + ", " + std::to_string(b) + ") copied to " + std::to_string(at),
            text_.substr(0, at) + text_.substr(a, b - a) + text_.substr(at)};
  }
  std::pair<std::string, std::string> insert_tokens() {
    static const char* kTokens[] = {
        "{", "}", "(", ")", "[", "]", "\"", "{{", "}}", "\"\"\"", "r\"", "r\"\"\"", "let", "var", "run", "@",
        "\n", ";", ",", ".", "=", "->", "//", "/*", "*/", "\\", "workflow", "fn f() {", "if", "else", "step",
        "parallel", "branch", "checkout", "approve", "retry", "timeout", "limit", "reason", "ttl", "1h", "1h1h",
        "10%", "%", "1_000", "99999999999999999999999", "not", "-", "?", ":", "<", ">", "list<", "run command",
        "wait event", "sleep until", "@timeout(", "return", "try {", "catch", "finally", "'", "\\{",
    };
    const size_t at = position();
    std::string inserted;
    const size_t count = 1 + pick(3);
    for (size_t i = 0; i < count; ++i) inserted += std::string(" ") + kTokens[pick(std::size(kTokens))];
    return {"`" + printable(inserted) + "` inserted at " + std::to_string(at), text_.substr(0, at) + inserted + text_.substr(at)};
  }
  std::pair<std::string, std::string> insert_bytes() {
    // Control characters, NUL and multi-byte code points, all valid UTF-8.
    static const std::string kPieces[] = {std::string(1, '\0'), "\x01", "\x7f", "\t", "\r", "\r\n", "\f", "\v",
                                    "\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\xc2\xa0", "\xe2\x80\xa8",
                                    "\xef\xbb\xbf", "#", "$", "`", "~", "^", "&", "|", "!"};
    const size_t at = position();
    std::string inserted;
    const size_t count = 1 + pick(4);
    for (size_t i = 0; i < count; ++i) {
      inserted += kPieces[pick(std::size(kPieces))];
    }
    return {"bytes `" + printable(inserted) + "` inserted at " + std::to_string(at),
            text_.substr(0, at) + inserted + text_.substr(at)};
  }
  std::pair<std::string, std::string> swap_lines() {
    std::vector<std::string> lines;
    std::stringstream in(text_);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    if (lines.size() < 2) return {"unchanged", text_};
    const size_t a = pick(lines.size()), b = pick(lines.size());
    std::swap(lines[a], lines[b]);
    std::string out;
    for (const auto& l : lines) out += l + "\n";
    return {"lines " + std::to_string(a + 1) + " and " + std::to_string(b + 1) + " swapped", out};
  }

  static std::string printable(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
      if (c == '\n') out += "\\n";
      else if (c < 0x20 || c >= 0x7f) out += "\\x" + std::string(1, "0123456789abcdef"[c >> 4]) + "0123456789abcdef"[c & 15];
      else out += static_cast<char>(c);
    }
    return out;
  }

 private:
  const std::string& text_;
  std::mt19937 rng_;
};

// The files mutated: every sample and a handful of the language tests' valid files that stress
// other corners (Unicode, semicolons, comments, contextual keywords, every statement form).
std::vector<std::string> mutation_inputs() {
  std::vector<std::string> out;
  for (const auto& entry : fs::directory_iterator(fs::path(WF_SOURCE_DIR) / "samples"))
    if (entry.path().extension() == ".wf") out.push_back("samples/" + entry.path().filename().string());
  std::sort(out.begin(), out.end());
  for (const char* name : {"statements_tour.wf", "declarations_tour.wf", "unicode.wf", "try_catch_finally.wf",
                           "semicolons.wf", "comments.wf", "keyword_field_names.wf"})
    out.push_back(std::string("tests/lang/valid/") + name);
  return out;
}

// Enough mutations per file to reach a few thousand compilations over all files while keeping the
// whole test within seconds in a Release build.
constexpr int kTruncations = 40;
constexpr int kOtherMutations = 120;

class MutationTest : public ::testing::TestWithParam<std::string> {};

TEST_P(MutationTest, EveryMutationCompilesToDiagnosticsWithRangesInTheFile) {
  const fs::path path = fs::path(WF_SOURCE_DIR) / GetParam();
  const std::string original = read_file(path);
  ASSERT_FALSE(original.empty()) << "cannot read " << path;
  std::string name = GetParam();
  std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');

  run_isolated(name, 60, [&](Progress& progress) {
    std::string report;
    size_t reported = 0;
    auto run = [&](const std::pair<std::string, std::string>& m) {
      const std::string problems = compile_and_check(progress, GetParam() + " " + m.first, path.string(), m.second);
      // A broken rule tends to repeat across mutations; a dozen examples are enough to read.
      if (!problems.empty() && reported++ < 12) report += problems;
    };
    // The unmutated file first: it must be clean, or the mutations below test nothing useful.
    size_t original_diagnostics = 0;
    report += compile_and_check(progress, GetParam() + " unmutated", path.string(), original, &original_diagnostics);
    if (original_diagnostics != 0) report += GetParam() + " has diagnostics before any mutation\n";

    Mutator m(original, seed_for(GetParam()));
    for (int i = 1; i <= kTruncations; ++i) run(m.truncate(original.size() * i / (kTruncations + 1)));
    for (int i = 0; i < kOtherMutations; ++i) {
      switch (i % 6) {
        case 0: run(m.truncate(m.pick(original.size() + 1))); break;
        case 1: run(m.delete_span()); break;
        case 2: run(m.duplicate_span()); break;
        case 3: run(m.insert_tokens()); break;
        case 4: run(m.insert_bytes()); break;
        case 5: run(m.swap_lines()); break;
      }
    }
    if (reported > 12) report += "... and " + std::to_string(reported - 12) + " more mutations with problems\n";
    return report;
  });
}

INSTANTIATE_TEST_SUITE_P(RealFiles, MutationTest, ::testing::ValuesIn(mutation_inputs()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           if (info.param.rfind("tests/", 0) == 0) name = "lang_" + name;
                           std::replace_if(name.begin(), name.end(),
                                           [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
                           return name;
                         });

// ---------------------------------------------------------------------------------------------
// Invalid UTF-8: the source must be UTF-8 (SPEC §1.1); anything else is reported, not thrown.

TEST(InvalidUtf8, IsReportedNotThrown) {
  run_isolated("invalid_utf8", 60, [](Progress& progress) {
    static const char* kBad[] = {"\xff", "\xfe\xff", "\xc3", "\xc0\xaf", "\xed\xa0\x80", "\xf8\x88\x80\x80\x80",
                                 "\x80", "\xe2\x82"};
    std::string report;
    // In code, in a string, in a comment, and at the very end of the file.
    const std::string shapes[] = {"const X = 1 @\n", "const S = \"a@b\"\n", "// comment @\nconst X = 1\n",
                                  "const X = 1\n@"};
    for (const std::string& shape : shapes) {
      for (const char* bad : kBad) {
        std::string text = shape;
        text.replace(text.find('@'), 1, bad);
        report += compile_and_check(progress, "invalid UTF-8 `" + Mutator::printable(text) + "`", "utf8.wf", text);
      }
    }
    // A multi-byte character cut in half by a truncation, as an editor buffer might be.
    const std::string cut = "const S = \"caf\xc3\xa9\"\n";
    for (size_t at = 14; at <= 16; ++at)
      report += compile_and_check(progress, "truncated inside `\\xc3\\xa9` at " + std::to_string(at), "utf8.wf", cut.substr(0, at));
    return report;
  });
}

TEST(InvalidUtf8, StrayByteInCodeIsASyntaxError) {
  run_isolated("invalid_utf8_in_code", 20, [](Progress& progress) -> std::string {
    const std::string text = "const A = 1\nconst X = 1 \xff\n";
    progress.begin("a stray 0xFF byte in code", text);
    Compilation c;
    try {
      c.check_text("utf8.wf", text);
    } catch (const std::exception& e) {
      return std::string("check_text threw: ") + e.what() + "\n";
    }
    for (const Diagnostic& d : c.diagnostics().all())
      if (d.code == DiagCode::SyntaxError && c.file(0).position(d.where.range.begin).line == 2) return "";
    return "no E0001 on line 2 for the stray byte\n";
  });
}

// ---------------------------------------------------------------------------------------------
// Hostile inputs built by hand

std::string repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

// What a hostile input must produce besides returning with ranges in bounds.
enum class Expect {
  Clean,            // no diagnostic at all
  SyntaxError,      // at least one E0001
  NothingButSyntax  // no diagnostic other than E0001: either accepted, or refused as too deep
};

void check_hostile(const std::string& name, const std::string& text, Expect expect,
                   const std::function<std::string(const Compilation&)>& more = nullptr) {
  run_isolated(name, 30, [&](Progress& progress) -> std::string {
    progress.begin(name, text);
    Compilation c;
    try {
      c.check_text(name + ".wf", text);
    } catch (const std::exception& e) {
      return std::string("check_text threw: ") + e.what() + "\n";
    }
    std::string report;
    for (const std::string& p : problems_in(c)) report += p + "\n";
    size_t syntax = 0, other = 0;
    std::string codes;
    for (const Diagnostic& d : c.diagnostics().all()) {
      (d.code == DiagCode::SyntaxError ? syntax : other)++;
      if (codes.size() < 200) codes += " " + std::string(info(d.code).code);
    }
    if (expect == Expect::Clean && syntax + other != 0) report += "expected no diagnostics, got:" + codes + "\n";
    if (expect == Expect::SyntaxError && syntax == 0) report += "expected an E0001, got:" + codes + "\n";
    if (expect == Expect::NothingButSyntax && other != 0) report += "expected only E0001 if anything, got:" + codes + "\n";
    if (more) report += more(c);
    return report;
  });
}

constexpr size_t kDeep = 5000;

TEST(Hostile, DeeplyNestedParentheses) {
  check_hostile("parens", "const X = " + repeat("(", kDeep) + "1" + repeat(")", kDeep) + "\n", Expect::SyntaxError);
  check_hostile("parens_unclosed", "const X = " + repeat("(", kDeep) + "1\n", Expect::SyntaxError);
}

TEST(Hostile, DeeplyNestedBrackets) {
  check_hostile("brackets", "const X = " + repeat("[", kDeep) + "1" + repeat("]", kDeep) + "\n", Expect::SyntaxError);
  check_hostile("brackets_unclosed", "const X = " + repeat("[", kDeep) + "\n", Expect::SyntaxError);
}

TEST(Hostile, LongRunsOfPrefixOperators) {
  check_hostile("nots", "const X = " + repeat("not ", kDeep) + "true\n", Expect::SyntaxError);
  check_hostile("minuses", "const X = " + repeat("- ", kDeep) + "1\n", Expect::SyntaxError);
}

TEST(Hostile, DeeplyNestedBlocks) {
  check_hostile("ifs", "workflow w(x: bool) {\n" + repeat("if x {\n", kDeep) + repeat("}\n", kDeep) + "}\n",
                Expect::SyntaxError);
  check_hostile("ifs_unclosed", "workflow w(x: bool) {\n" + repeat("if x {\n", kDeep), Expect::SyntaxError);
  check_hostile("records", "const X = " + repeat("{a: ", kDeep) + "1" + repeat("}", kDeep) + "\n", Expect::SyntaxError);
}

TEST(Hostile, DeeplyNestedInterpolations) {
  std::string s = "1";
  for (size_t i = 0; i < kDeep; ++i) s = "\"{{ " + s + " }}\"";
  check_hostile("interpolations", "const X = " + s + "\n", Expect::SyntaxError);
  check_hostile("interpolations_unclosed", "const X = " + repeat("\"{{ ", kDeep) + "\n", Expect::SyntaxError);
}

TEST(Hostile, DeeplyNestedTypes) {
  check_hostile("list_types", "type T = " + repeat("list<", kDeep) + "int" + repeat(">", kDeep) + "\n",
                Expect::NothingButSyntax);
  check_hostile("list_types_deeper", "type T = " + repeat("list<", 50'000) + "int" + repeat(">", 50'000) + "\n",
                Expect::NothingButSyntax);
}

TEST(Hostile, OneMegabyteStringLiteral) {
  const std::string body(1 << 20, 'a');
  check_hostile("megabyte_string", "const S = \"" + body + "\"\n", Expect::Clean, [&](const Compilation& c) -> std::string {
    if (c.root().decls.size() != 1 || c.root().decls[0]->kind != DeclKind::Const) return "no constant parsed\n";
    const Expr* e = static_cast<const ConstDecl&>(*c.root().decls[0]).value.get();
    if (!e || e->kind != ExprKind::String) return "the constant is not a string\n";
    if (static_cast<const StringExpr&>(*e).plain_text() != body) return "the string's text is not the 1 MB written\n";
    return "";
  });
  check_hostile("megabyte_string_unterminated", "const S = \"" + body + "\nconst T = 1\n", Expect::SyntaxError);
  check_hostile("megabyte_raw_string", "const S = r\"\"\"\n" + body + "\n\"\"\"\n", Expect::Clean);
}

TEST(Hostile, LineOfPlusSigns) {
  check_hostile("plus_line", repeat("+", 100'000) + "\n", Expect::SyntaxError);
  check_hostile("plus_line_in_const", "const X = " + repeat("+", 100'000) + "\n", Expect::SyntaxError);
}

// Long flat chains are not nested in the text, but each link is one more level in the tree. Their
// length is well past where an unguarded recursive front end overflows an 8 MB stack (about
// 25,000 links), yet small enough to keep this file's tests within seconds.
constexpr size_t kChain = 50'000;

TEST(Hostile, PlusSignsBetweenOperands) {
  check_hostile("plus_between_operands", "const X = 1" + repeat(" +", 30'000) + " 1\n", Expect::SyntaxError);
}

TEST(Hostile, LongSum) {
  check_hostile("long_sum", "const X = 1" + repeat(" + 1", kChain) + "\n", Expect::NothingButSyntax);
}

TEST(Hostile, LongLogicalChain) {
  check_hostile("long_and", "const X = true" + repeat(" and true", kChain) + "\n", Expect::NothingButSyntax);
}

TEST(Hostile, LongMethodChain) {
  check_hostile("long_method_chain", "fn f(s: string) -> string { return s" + repeat(".trim()", kChain) + " }\n",
                Expect::NothingButSyntax);
}

TEST(Hostile, LongIndexChain) {
  check_hostile("long_index_chain", "fn f(j: json) -> json { return j" + repeat("[0]", kChain) + " }\n",
                Expect::NothingButSyntax);
}

TEST(Hostile, LongElseIfChain) {
  std::string src = "fn f(x: int) -> int {\n  if x == 0 { return 0 }";
  for (size_t i = 1; i <= kChain; ++i) src += " else if x == " + std::to_string(i) + " { return " + std::to_string(i) + " }";
  src += "\n  return -1\n}\n";
  check_hostile("long_else_if", src, Expect::NothingButSyntax);
}

TEST(Hostile, ManyStatements) {
  // Wide rather than deep: 20,000 statements in one block must simply work.
  std::string src = "fn f() -> int {\n  var x = 0\n" + repeat("  x = x + 1\n", 20'000) + "  return x\n}\n";
  check_hostile("many_statements", src, Expect::Clean);
}

TEST(Hostile, UnterminatedStringWhereErrorRecoveryInsertsAToken) {
  // The newline given back after an unterminated string is where recovery conjures the missing
  // `)`; the conjured token is built from that newline's token source.
  check_hostile("unterminated_string_in_params", "fn f(y: \"\nfn g() {}\n", Expect::SyntaxError);
  check_hostile("unterminated_raw_string_in_params", "fn add(x: int, y: r\" int) -> int { return x }\nfn g() {}\n",
                Expect::SyntaxError);
}

TEST(Hostile, DegenerateFiles) {
  check_hostile("empty", "", Expect::Clean, [](const Compilation& c) {
    return c.root().decls.empty() ? std::string() : "declarations in an empty file\n";
  });
  check_hostile("only_comments", "// one\n/* two\n   three */\n/// four\n\n// five", Expect::Clean,
                [](const Compilation& c) {
                  return c.root().decls.empty() ? std::string() : "declarations in a file of comments\n";
                });
  check_hostile("only_newlines", repeat("\n", 10'000), Expect::Clean);
  check_hostile("only_triple_quote", "\"\"\"", Expect::SyntaxError);
  check_hostile("only_raw_triple_quote", "r\"\"\"", Expect::SyntaxError);
  check_hostile("unterminated_multiline", "const S = \"\"\"\n  a\n  {{ 1 }}\n", Expect::SyntaxError);
  check_hostile("unterminated_block_comment", "const X = 1\n/* never closed\n", Expect::SyntaxError);
  check_hostile("only_open_interpolation", "{{", Expect::SyntaxError);
  check_hostile("only_close_interpolation", "}}", Expect::SyntaxError);
  check_hostile("unterminated_interpolation", "const S = \"{{ \"{{ \"", Expect::SyntaxError);
  check_hostile("only_nuls", std::string(100, '\0'), Expect::SyntaxError);
  check_hostile("only_at", "@", Expect::SyntaxError);
  check_hostile("crlf_sample", "workflow w() {\r\n  log \"a\"\r\n}\r\n", Expect::Clean);
}

// The CPU seconds of checking `text` in a fresh compilation, which `c` receives.
double cpu_of_check(const std::string& name, const std::string& text, Compilation& c) {
  const std::clock_t before = std::clock();
  c.check_text(name, text);
  return static_cast<double>(std::clock() - before) / CLOCKS_PER_SEC;
}

// Constants, one a line, to about `bytes`.
std::string constants(size_t bytes) {
  std::string out;
  for (size_t i = 0; out.size() < bytes; ++i) out += "const X" + std::to_string(i) + " = 1 + 2 * 3\n";
  return out;
}

// Checks `valid` and `valid` with a cut line at its end, in a child, `sll_only` inside an
// SllOnlyScope: the error must be reported on the last line, and cost no second parse: when
// SLL prediction fails there, the whole file used to be parsed again with full LL prediction,
// several times the SLL pass (4.8 s of CPU for 600 KiB, where the valid file takes about
// 0.7 s). CPU times are compared within the child, so a slow machine slows both.
void check_error_at_end_parsed_once(const std::string& name, const std::string& valid, bool sll_only) {
  const std::string broken = valid + "const Last = (1 + 2\n";
  const size_t last_line = static_cast<size_t>(std::count(broken.begin(), broken.end(), '\n'));
  run_isolated(name, 60, [&](Progress& progress) -> std::string {
    std::optional<SllOnlyScope> scope;
    if (sll_only) scope.emplace();
    progress.begin(name + "_valid", valid);
    Compilation valid_c;
    const double valid_cpu = cpu_of_check(name + "_valid.wf", valid, valid_c);
    progress.begin(name, broken);
    Compilation broken_c;
    const double broken_cpu = cpu_of_check(name + ".wf", broken, broken_c);
    std::string report;
    if (!valid_c.diagnostics().all().empty()) report += "the valid source has diagnostics\n";
    bool on_last_line = false;
    for (const Diagnostic& d : broken_c.diagnostics().all())
      if (d.code == DiagCode::SyntaxError && broken_c.file(0).position(d.where.range.begin).line >= last_line)
        on_last_line = true;
    if (!on_last_line) report += "no E0001 on the last line\n";
    if (broken_cpu > 2 * valid_cpu + 0.2)
      report += "the source with the error took " + std::to_string(broken_cpu) + " s of CPU, the valid one " +
                std::to_string(valid_cpu) + " s\n";
    return report;
  });
}

// A source of 256 Ki characters or more is parsed once, with SLL prediction and error recovery.
TEST(Hostile, LargeSourceWithAnErrorAtTheEndIsParsedOnce) {
  check_error_at_end_parsed_once("large_error_at_end", constants(600 * 1024), false);
}

// Inside an SllOnlyScope (a service upload) a source below that size is parsed once too: an
// upload of several such files would otherwise add up their LL passes.
TEST(Hostile, SourceWithAnErrorAtTheEndIsParsedOnceWhereSllOnlyIsAsked) {
  check_error_at_end_parsed_once("sll_only_error_at_end", constants(200 * 1024), true);
}

}  // namespace
}  // namespace wf
