// Corner cases of the lexical rules (SPEC §1.1): numeric, duration and percentage literals,
// strings with escapes, nested interpolation, raw and multi-line strings with their indentation
// rule, and the newline rules that decide where a statement ends. Token sequences are checked
// exactly as the parser sees them; decoded values through literals.h or a checked syntax tree.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "driver/compilation.h"
#include "parse/token_dump.h"
#include "syntax/literals.h"

namespace wf {
namespace {

// ---------------------------------------------------------------------------------------------
// Helpers

// The token stream as one line: `NAME` for tokens whose text the name fixes (keywords,
// punctuation, newlines), `NAME(text)` for the others, so expectations stay readable and exact.
std::string tokens(std::string_view src) {
  static const char* kWithText[] = {"ID", "INT", "FLOAT", "SUFFIXED", "PERCENT", "STR_TEXT", "STR_ESCAPE",
                                    "RAW_STRING", "RAW_ML_STRING", "BAD_CHAR"};
  std::string out;
  for (const auto& [name, text] : dump_tokens(src)) {
    if (!out.empty()) out += ' ';
    out += name;
    for (const char* n : kWithText)
      if (name == n) out += "(" + text + ")";
  }
  return out;
}

// Diagnostics as `code@line`, in source order: what a test of a whole file asserts.
std::vector<std::string> diagnostics_of(const Compilation& c) {
  std::vector<std::string> out;
  for (const Diagnostic& d : c.diagnostics().all())
    out.push_back(std::string(info(d.code).code) + "@" + std::to_string(c.file(0).position(d.where.range.begin).line));
  return out;
}

std::vector<std::string> check(const std::string& src) {
  Compilation c;
  c.check_text("lexer_test.wf", src);
  return diagnostics_of(c);
}

const Expr* const_value(const Compilation& c, std::string_view name) {
  for (const auto& d : c.root().decls)
    if (d->kind == DeclKind::Const && d->name.text == name) return static_cast<const ConstDecl&>(*d).value.get();
  return nullptr;
}

// A checked string constant: its parts rendered as text, interpolations shown as `<source>`, so a
// test sees both the decoded text and where the interpolations sit.
struct StringConst {
  std::vector<std::string> diagnostics;
  bool found = false;
  bool raw = false;
  size_t parts = 0;
  std::string rendered;
};

StringConst string_const(const std::string& src, std::string_view name = "S") {
  Compilation c;
  c.check_text("lexer_test.wf", src);
  StringConst out;
  out.diagnostics = diagnostics_of(c);
  const Expr* e = const_value(c, name);
  if (!e || e->kind != ExprKind::String) return out;
  const auto& s = static_cast<const StringExpr&>(*e);
  out.found = true;
  out.raw = s.raw;
  out.parts = s.parts.size();
  for (const StringPart& p : s.parts)
    out.rendered += p.expr ? "<" + std::string(c.file(0).slice(p.expr->range)) + ">" : p.text;
  return out;
}

using Codes = std::vector<std::string>;

// ---------------------------------------------------------------------------------------------
// Durations

TEST(Durations, CompoundSpellingsAreOneToken) {
  EXPECT_EQ(tokens("d = 1h30m"), "ID(d) ASSIGN SUFFIXED(1h30m)");
  EXPECT_EQ(tokens("1d2h3m4s5ms 500ms 0s"), "SUFFIXED(1d2h3m4s5ms) SUFFIXED(500ms) SUFFIXED(0s)");
  // An unknown unit stays one token, so it is reported as a bad literal, not as `5` then `min`.
  EXPECT_EQ(tokens("5min"), "SUFFIXED(5min)");
}

TEST(Durations, DecodeToMilliseconds) {
  EXPECT_EQ(decode_duration("500ms"), 500);
  EXPECT_EQ(decode_duration("30s"), 30'000);
  EXPECT_EQ(decode_duration("5m"), 300'000);
  EXPECT_EQ(decode_duration("2h"), 7'200'000);
  EXPECT_EQ(decode_duration("1d"), 86'400'000);
  EXPECT_EQ(decode_duration("0s"), 0);
  EXPECT_EQ(decode_duration("1h30m"), 5'400'000);
  EXPECT_EQ(decode_duration("1d2h3m4s5ms"), 86'400'000 + 2 * 3'600'000 + 3 * 60'000 + 4 * 1'000 + 5);
  EXPECT_EQ(decode_duration("1_000ms"), 1'000);
}

TEST(Durations, RejectBadUnitsOrders) {
  EXPECT_EQ(decode_duration("1m1h"), std::nullopt);   // units out of order
  EXPECT_EQ(decode_duration("1h1h"), std::nullopt);   // a unit twice
  EXPECT_EQ(decode_duration("1s1ms1s"), std::nullopt);
  EXPECT_EQ(decode_duration("5min"), std::nullopt);   // unknown unit
  EXPECT_EQ(decode_duration("5"), std::nullopt);      // no unit at all
  EXPECT_EQ(decode_duration("h"), std::nullopt);      // no amount
  EXPECT_EQ(decode_duration(""), std::nullopt);
  EXPECT_EQ(decode_duration("999999999999999d"), std::nullopt);  // overflows 64-bit milliseconds
}

TEST(Durations, FormatIsCanonical) {
  EXPECT_EQ(format_duration(5'400'000), "1h30m");
  EXPECT_EQ(format_duration(500), "500ms");
  EXPECT_EQ(format_duration(0), "0s");
  EXPECT_EQ(format_duration(86'400'000 + 1), "1d1ms");
  for (const char* s : {"1h30m", "1d2h3m4s5ms", "500ms", "2h", "45s"}) EXPECT_EQ(format_duration(*decode_duration(s)), s);
}

TEST(Durations, BadDurationIsOneE0401) {
  EXPECT_EQ(check("workflow w() {\n  let d = 5min\n  log \"{{d}}\"\n}\n"), (Codes{"E0401@2"}));
  EXPECT_EQ(check("workflow w() {\n  let a = 1m1h\n  let b = 1h1h\n  log \"{{a}} {{b}}\"\n}\n"),
            (Codes{"E0401@2", "E0401@3"}));
}

TEST(Durations, ValueReachesTheTree) {
  Compilation c;
  c.check_text("lexer_test.wf", "const D = 1h30m\n");
  ASSERT_TRUE(diagnostics_of(c).empty());
  const Expr* e = const_value(c, "D");
  ASSERT_TRUE(e && e->kind == ExprKind::Duration);
  EXPECT_EQ(static_cast<const DurationExpr*>(e)->millis, 5'400'000);
}

// ---------------------------------------------------------------------------------------------
// Integers, floats, percentages

TEST(Numbers, UnderscoresGroupDigits) {
  EXPECT_EQ(tokens("1_000"), "INT(1_000)");
  EXPECT_EQ(decode_int("1_000"), 1000);
  EXPECT_EQ(decode_int("1_000_000"), 1'000'000);
  Compilation c;
  c.check_text("lexer_test.wf", "const N = 1_000\n");
  ASSERT_TRUE(diagnostics_of(c).empty());
  const Expr* e = const_value(c, "N");
  ASSERT_TRUE(e && e->kind == ExprKind::Int);
  EXPECT_EQ(static_cast<const IntExpr*>(e)->value, 1000);
}

TEST(Numbers, IntegerOverflowIsE0401) {
  EXPECT_EQ(decode_int("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(decode_int("9223372036854775808"), std::nullopt);
  EXPECT_EQ(check("const A = 9223372036854775807\n"), Codes{});
  EXPECT_EQ(check("const A = 1\nconst B = 9223372036854775808\n"), (Codes{"E0401@2"}));
  EXPECT_EQ(check("const B = 99999999999999999999999\n"), (Codes{"E0401@1"}));
}

TEST(Numbers, Floats) {
  EXPECT_EQ(tokens("2e3 1.5 2E-3 1.5e2"), "FLOAT(2e3) FLOAT(1.5) FLOAT(2E-3) FLOAT(1.5e2)");
  EXPECT_EQ(decode_float("2e3"), 2000.0);
  EXPECT_EQ(decode_float("1.5"), 1.5);
  EXPECT_EQ(decode_float("1_000.5"), 1000.5);
  EXPECT_EQ(decode_float("1e999"), std::nullopt);
  Compilation c;
  c.check_text("lexer_test.wf", "const F = 2e3\n");
  ASSERT_TRUE(diagnostics_of(c).empty());
  const Expr* e = const_value(c, "F");
  ASSERT_TRUE(e && e->kind == ExprKind::Float);
  EXPECT_EQ(static_cast<const FloatExpr*>(e)->value, 2000.0);
}

TEST(Numbers, PercentOrModulo) {
  // `%` is a percentage's sign unless an operand follows it.
  EXPECT_EQ(tokens("10%"), "PERCENT(10%)");
  EXPECT_EQ(tokens("12.5%"), "PERCENT(12.5%)");
  EXPECT_EQ(tokens("10 % 3"), "INT(10) MOD INT(3)");
  EXPECT_EQ(tokens("10%3"), "INT(10) MOD INT(3)");
  EXPECT_EQ(tokens("10% 3"), "INT(10) MOD INT(3)");
  EXPECT_EQ(tokens("10%x"), "INT(10) MOD ID(x)");
  EXPECT_EQ(tokens("10%(x)"), "INT(10) MOD LPAREN ID(x) RPAREN");
  EXPECT_EQ(tokens("f(10%)"), "ID(f) LPAREN PERCENT(10%) RPAREN");
  EXPECT_EQ(tokens("10% + x"), "PERCENT(10%) PLUS ID(x)");
  EXPECT_EQ(decode_percent("10%"), 10.0);
  EXPECT_EQ(decode_percent("12.5%"), 12.5);
  EXPECT_EQ(decode_percent("100%"), 100.0);
  EXPECT_EQ(decode_percent("150%"), std::nullopt);
  EXPECT_EQ(check("const P = 150%\nconst Q = 10%\n"), (Codes{"E0401@1"}));
}

TEST(Numbers, ModuloValueInTheTree) {
  Compilation c;
  c.check_text("lexer_test.wf", "const M = 10%3\n");
  ASSERT_TRUE(diagnostics_of(c).empty());
  const Expr* e = const_value(c, "M");
  ASSERT_TRUE(e && e->kind == ExprKind::Binary);
  EXPECT_EQ(static_cast<const BinaryExpr*>(e)->op, BinaryOp::Mod);
}

// ---------------------------------------------------------------------------------------------
// Interpolation

TEST(Interpolation, InnerStringIsLexedAsAString) {
  EXPECT_EQ(tokens(R"("a {{ join(xs, ", ") }} b")"),
            "STR_OPEN STR_TEXT(a ) INTERP_OPEN ID(join) LPAREN ID(xs) COMMA STR_OPEN STR_TEXT(, ) STR_CLOSE "
            "RPAREN INTERP_CLOSE STR_TEXT( b) STR_CLOSE");
  const StringConst s = string_const("const XS = [\"p\", \"q\"]\nconst S = \"a {{ join(XS, \", \") }} b\"\n");
  EXPECT_EQ(s.diagnostics, Codes{});
  EXPECT_EQ(s.rendered, "a <join(XS, \", \")> b");
  EXPECT_EQ(s.parts, 3u);
}

TEST(Interpolation, RecordLiteralInside) {
  // The record's `}` is not the end of the interpolation; neither is the `}` of `}}}`.
  EXPECT_EQ(tokens(R"("{{ {a: 1}.a }}")"),
            "STR_OPEN INTERP_OPEN LBRACE ID(a) COLON INT(1) RBRACE DOT ID(a) INTERP_CLOSE STR_CLOSE");
  EXPECT_EQ(tokens(R"("{{ {a: 1}}}")"), "STR_OPEN INTERP_OPEN LBRACE ID(a) COLON INT(1) RBRACE INTERP_CLOSE STR_CLOSE");
  const StringConst s = string_const("const S = \"{{ {a: 1}.a }}\"\n");
  EXPECT_EQ(s.diagnostics, Codes{});
  EXPECT_EQ(s.rendered, "<{a: 1}.a>");
}

TEST(Interpolation, StringWithItsOwnInterpolationInside) {
  EXPECT_EQ(tokens(R"("x {{ "y {{ z }}" }}")"),
            "STR_OPEN STR_TEXT(x ) INTERP_OPEN STR_OPEN STR_TEXT(y ) INTERP_OPEN ID(z) INTERP_CLOSE STR_CLOSE "
            "INTERP_CLOSE STR_CLOSE");
  Compilation c;
  c.check_text("lexer_test.wf", "const Z = 1\nconst S = \"x {{ \"y {{ Z }}\" }}\"\n");
  EXPECT_EQ(diagnostics_of(c), Codes{});
  const Expr* e = const_value(c, "S");
  ASSERT_TRUE(e && e->kind == ExprKind::String);
  const auto& outer = static_cast<const StringExpr&>(*e);
  ASSERT_EQ(outer.parts.size(), 2u);
  EXPECT_EQ(outer.parts[0].text, "x ");
  ASSERT_TRUE(outer.parts[1].expr && outer.parts[1].expr->kind == ExprKind::String);
  const auto& inner = static_cast<const StringExpr&>(*outer.parts[1].expr);
  ASSERT_EQ(inner.parts.size(), 2u);
  EXPECT_EQ(inner.parts[0].text, "y ");
  ASSERT_TRUE(inner.parts[1].expr && inner.parts[1].expr->kind == ExprKind::Name);
  EXPECT_EQ(static_cast<const NameExpr&>(*inner.parts[1].expr).name.text, "Z");
}

TEST(Interpolation, NewlinesInsideAreIgnored) {
  EXPECT_EQ(tokens("\"{{ 1\n+ 2 }}\""), "STR_OPEN INTERP_OPEN INT(1) PLUS INT(2) INTERP_CLOSE STR_CLOSE");
}

// ---------------------------------------------------------------------------------------------
// Escapes and raw strings

TEST(Strings, EscapesAreDecoded) {
  EXPECT_EQ(tokens(R"("a\n\t\"\\\{b")"),
            R"(STR_OPEN STR_TEXT(a) STR_ESCAPE(\n) STR_ESCAPE(\t) STR_ESCAPE(\") STR_ESCAPE(\\) STR_ESCAPE(\{) STR_TEXT(b) STR_CLOSE)");
  const StringConst s = string_const(R"(const S = "a\n\t\"\\\{b")" "\n");
  EXPECT_EQ(s.diagnostics, Codes{});
  EXPECT_EQ(s.rendered, "a\n\t\"\\{b");
  EXPECT_EQ(s.parts, 1u);  // escapes merge into the surrounding text
}

TEST(Strings, EscapedBraceIsNotAnInterpolation) {
  const StringConst s = string_const(R"(const S = "\{{ x }}")" "\n");
  EXPECT_EQ(s.diagnostics, Codes{});
  EXPECT_EQ(s.rendered, "{{ x }}");
  EXPECT_EQ(s.parts, 1u);
}

TEST(Strings, DecodeEscape) {
  EXPECT_EQ(decode_escape('n'), '\n');
  EXPECT_EQ(decode_escape('t'), '\t');
  EXPECT_EQ(decode_escape('"'), '"');
  EXPECT_EQ(decode_escape('\\'), '\\');
  EXPECT_EQ(decode_escape('{'), '{');
  EXPECT_EQ(decode_escape('q'), std::nullopt);
  EXPECT_EQ(decode_escape('x'), std::nullopt);
}

TEST(Strings, UnknownEscapeIsOneE0001) {
  EXPECT_EQ(check("const A = 1\nconst S = \"a\\qb\"\n"), (Codes{"E0001@2"}));
}

TEST(Strings, RawStringIsVerbatim) {
  EXPECT_EQ(tokens(R"(r"C:\path\{{x}}")"), R"(RAW_STRING(r"C:\path\{{x}}"))");
  const StringConst s = string_const(R"(const S = r"C:\path\{{x}}")" "\n");
  EXPECT_EQ(s.diagnostics, Codes{});
  EXPECT_TRUE(s.raw);
  EXPECT_EQ(s.parts, 1u);  // no interpolation
  EXPECT_EQ(s.rendered, R"(C:\path\{{x}})");
}

TEST(Strings, UnterminatedStringIsOneErrorAndTheNextLineStillParses) {
  // Line 3 must be parsed and checked on its own: its type error proves it.
  const std::string src =
      "workflow w() {\n"
      "  let s = \"abc\n"
      "  let t: int = \"x\"\n"
      "  log \"{{s}} {{t}}\"\n"
      "}\n";
  EXPECT_EQ(check(src), (Codes{"E0001@2", "E0200@3"}));
  EXPECT_EQ(tokens("s = \"abc\nt = 1"), "ID(s) ASSIGN STR_OPEN STR_TEXT(abc) STR_UNTERMINATED NL ID(t) ASSIGN INT(1)");
}

// ---------------------------------------------------------------------------------------------
// Multi-line strings

TEST(MultiLine, CommonIndentationIsStripped) {
  const StringConst s = string_const("const S = \"\"\"\n    a\n      b\n    \"\"\"\n");
  EXPECT_EQ(s.diagnostics, Codes{});
  EXPECT_EQ(s.rendered, "a\n  b\n");
}

TEST(MultiLine, TabsCountAsIndentation) {
  EXPECT_EQ(string_const("const S = \"\"\"\n\ta\n\t  b\n\t\"\"\"\n").rendered, "a\n  b\n");
}

TEST(MultiLine, BlankLinesDoNotCountForIndentation) {
  // The empty line and the line of two spaces are shallower than the text, yet strip nothing.
  EXPECT_EQ(string_const("const S = \"\"\"\n    a\n\n      b\n    \"\"\"\n").rendered, "a\n\n  b\n");
  EXPECT_EQ(string_const("const S = \"\"\"\n    a\n  \n    b\n    \"\"\"\n").rendered, "a\n\nb\n");
}

TEST(MultiLine, InterpolationAtALineStart) {
  EXPECT_EQ(tokens("\"\"\"\n    {{ x }} a\n    \"\"\""),
            "ML_OPEN STR_TEXT(\n    ) INTERP_OPEN ID(x) INTERP_CLOSE STR_TEXT( a\n    ) ML_CLOSE");
  const std::string src = "const X = 1\nconst S = \"\"\"\n    {{ X }} a\n      b\n\n    c\n    \"\"\"\n";
  const StringConst s = string_const(src);
  EXPECT_EQ(s.diagnostics, Codes{});
  EXPECT_EQ(s.rendered, "<X> a\n  b\n\nc\n");
  // The interpolated line's indentation counts like any text's: here it is the shallowest.
  EXPECT_EQ(string_const("const X = 1\nconst S = \"\"\"\n      a\n    {{ X }}\n    \"\"\"\n").rendered, "  a\n<X>\n");
}

TEST(MultiLine, EscapedNewlineDoesNotStartALine) {
  // The spaces after `\n` are text, not indentation to strip.
  EXPECT_EQ(string_const("const S = \"\"\"\n    a\\n    b\n    \"\"\"\n").rendered, "a\n    b\n");
}

TEST(MultiLine, TextOnTheOpeningLineKeepsEverything) {
  EXPECT_EQ(string_const("const S = \"\"\"a\n    b\"\"\"\n").rendered, "a\n    b");
}

TEST(MultiLine, RawMultiLineIsStrippedButNotDecoded) {
  EXPECT_EQ(tokens("r\"\"\"\n  x\n  \"\"\""), "RAW_ML_STRING(r\"\"\"\n  x\n  \"\"\")");
  const StringConst s = string_const("const S = r\"\"\"\n    a \\n {{x}}\n      b\n    \"\"\"\n");
  EXPECT_EQ(s.diagnostics, Codes{});
  EXPECT_TRUE(s.raw);
  EXPECT_EQ(s.parts, 1u);
  EXPECT_EQ(s.rendered, "a \\n {{x}}\n  b\n");
}

// ---------------------------------------------------------------------------------------------
// Newline rules (SPEC §1.1, compiler/parse/newline_filter.cpp)

TEST(Newlines, IgnoredInsideParenthesesAndBrackets) {
  // The same `+` on a new line continues inside `(` but starts a new statement outside.
  EXPECT_EQ(tokens("(a\n+ b)"), "LPAREN ID(a) PLUS ID(b) RPAREN");
  EXPECT_EQ(tokens("a\n+ b"), "ID(a) NL PLUS ID(b)");
  EXPECT_EQ(tokens("[a\n, b\n]"), "LBRACK ID(a) COMMA ID(b) RBRACK");
  EXPECT_EQ(tokens("f(1,\n  2\n)\ng()"), "ID(f) LPAREN INT(1) COMMA INT(2) RPAREN NL ID(g) LPAREN RPAREN");
}

TEST(Newlines, IgnoredAfterABinaryOperatorOrComma) {
  EXPECT_EQ(tokens("a +\nb"), "ID(a) PLUS ID(b)");
  EXPECT_EQ(tokens("a *\n\n  b"), "ID(a) STAR ID(b)");
  EXPECT_EQ(tokens("a ==\nb"), "ID(a) EQ ID(b)");
  EXPECT_EQ(tokens("a and\nb or\nc"), "ID(a) AND ID(b) OR ID(c)");
  EXPECT_EQ(tokens("a,\nb"), "ID(a) COMMA ID(b)");
  EXPECT_EQ(tokens("x =\n  1"), "ID(x) ASSIGN INT(1)");
}

TEST(Newlines, IgnoredBeforeElseAndClosingBrace) {
  EXPECT_EQ(tokens("if x {\n  a\n}\nelse {\n}"), "IF ID(x) LBRACE ID(a) RBRACE ELSE LBRACE RBRACE");
  EXPECT_EQ(tokens("try {\n}\ncatch e {\n}\nfinally {\n}"), "TRY LBRACE RBRACE CATCH ID(e) LBRACE RBRACE FINALLY LBRACE RBRACE");
}

TEST(Newlines, IgnoredBeforeClauseKeywords) {
  EXPECT_EQ(tokens("x = run command \"a\"\n  on t\n  timeout 1m\n  retry 2\n  every 3s\n  backoff 2.0\n"
                   "  as c\n  priority high\n  canary\n  allow_failure\ny"),
            "ID(x) ASSIGN RUN COMMAND STR_OPEN STR_TEXT(a) STR_CLOSE ON ID(t) TIMEOUT SUFFIXED(1m) RETRY INT(2) "
            "EVERY SUFFIXED(3s) BACKOFF FLOAT(2.0) AS ID(c) PRIORITY ID(high) CANARY ALLOW_FAILURE NL ID(y)");
  EXPECT_EQ(tokens("approve \"x\"\n  by y\n  quorum z\n  timeout 1h\nn"),
            "APPROVE STR_OPEN STR_TEXT(x) STR_CLOSE BY ID(y) QUORUM ID(z) TIMEOUT SUFFIXED(1h) NL ID(n)");
  EXPECT_EQ(tokens("notify m\n  to y"), "NOTIFY ID(m) TO ID(y)");
  EXPECT_EQ(tokens("sleep\n  until t"), "SLEEP UNTIL ID(t)");
  EXPECT_EQ(tokens("x = a\n  .b"), "ID(x) ASSIGN ID(a) DOT ID(b)");
}

TEST(Newlines, ContextualClauseWordsContinueUnlessTheyStartAStatement) {
  EXPECT_EQ(tokens("checkout db = pam \"x\"\n  reason \"r\"\n  ttl 30m {\n}"),
            "CHECKOUT ID(db) ASSIGN PAM STR_OPEN STR_TEXT(x) STR_CLOSE REASON STR_OPEN STR_TEXT(r) STR_CLOSE "
            "TTL SUFFIXED(30m) LBRACE RBRACE");
  EXPECT_EQ(tokens("parallel for h in t\n  limit 5 {\n}"), "PARALLEL FOR ID(h) IN ID(t) LIMIT INT(5) LBRACE RBRACE");
  // As names they begin statements of their own: the newline before them stays.
  EXPECT_EQ(tokens("x = 1\nlimit = 5"), "ID(x) ASSIGN INT(1) NL LIMIT ASSIGN INT(5)");
  EXPECT_EQ(tokens("x = 1\nreason.x"), "ID(x) ASSIGN INT(1) NL REASON DOT ID(x)");
  EXPECT_EQ(tokens("x = 1\nttl(3)"), "ID(x) ASSIGN INT(1) NL TTL LPAREN INT(3) RPAREN");
  EXPECT_EQ(tokens("x = 1\nlimit[0]"), "ID(x) ASSIGN INT(1) NL LIMIT LBRACK INT(0) RBRACK");
  EXPECT_EQ(tokens("x = 1\nttl\ny"), "ID(x) ASSIGN INT(1) NL TTL NL ID(y)");
}

TEST(Newlines, LimitOnItsOwnLineIsAStatementInAWorkflow) {
  Compilation c;
  c.check_text("lexer_test.wf",
               "workflow w(targets: hosts) {\n"
               "  var limit = 1\n"
               "  limit = 5\n"
               "  parallel for h in targets\n"
               "    limit limit {\n"
               "    log \"{{h.hostname}}\"\n"
               "  }\n"
               "}\n");
  ASSERT_EQ(diagnostics_of(c), Codes{});
  const auto& w = static_cast<const WorkflowDecl&>(*c.root().decls.at(0));
  ASSERT_EQ(w.body.stmts.size(), 3u);
  EXPECT_EQ(w.body.stmts[1]->kind, StmtKind::Assign);
  ASSERT_EQ(w.body.stmts[2]->kind, StmtKind::ParallelFor);
  EXPECT_NE(static_cast<const ParallelForStmt&>(*w.body.stmts[2]).limit, nullptr);
}

TEST(Newlines, BlankLinesAndCommentsCollapseToOneNewline) {
  EXPECT_EQ(tokens("a\n\n\n\nb"), "ID(a) NL ID(b)");
  EXPECT_EQ(tokens("a // one\n// two\n\n/* three\n   four */\n\n/// five\nb"), "ID(a) NL ID(b)");
  EXPECT_EQ(tokens("\n\n// leading\n\na"), "ID(a)");
  EXPECT_EQ(tokens("a\n\n// trailing\n\n"), "ID(a)");
}

TEST(Newlines, CarriageReturnLineFeedIsOneNewline) {
  EXPECT_EQ(tokens("a\r\nb"), "ID(a) NL ID(b)");
  EXPECT_EQ(tokens("a +\r\n\r\nb\r\n"), "ID(a) PLUS ID(b)");
}

TEST(Newlines, SemicolonsSeparateStatements) {
  EXPECT_EQ(tokens("a; b;c"), "ID(a) SEMI ID(b) SEMI ID(c)");
  EXPECT_EQ(tokens("a;\nb"), "ID(a) SEMI ID(b)");
  Compilation c;
  c.check_text("lexer_test.wf", "workflow w() { let a = 1; let b = a + 1; log \"{{b}}\" }\n");
  ASSERT_EQ(diagnostics_of(c), Codes{});
  const auto& w = static_cast<const WorkflowDecl&>(*c.root().decls.at(0));
  ASSERT_EQ(w.body.stmts.size(), 3u);
  EXPECT_EQ(w.body.stmts[0]->kind, StmtKind::Let);
  EXPECT_EQ(w.body.stmts[1]->kind, StmtKind::Let);
  EXPECT_EQ(w.body.stmts[2]->kind, StmtKind::Log);
}

TEST(Newlines, MultiLineStatementsCheckClean) {
  // The rules above, together in one workflow the checker must accept as written.
  const std::string src =
      "workflow w(targets: hosts, x: int) -> int {\n"
      "  let total = x +\n"
      "    2 *\n"
      "    3\n"
      "\n"
      "  // a comment between statements\n"
      "\n"
      "  let xs = [\n"
      "    1,\n"
      "    2\n"
      "  ]\n"
      "  let r = run command \"uptime\"\n"
      "    on targets\n"
      "    timeout 1m\n"
      "    allow_failure\n"
      "  if r.ok\n"
      "    and total > 1 {\n"
      "    log \"{{len(xs)}}\"\n"
      "  }\n"
      "  else {\n"
      "    log \"no\"\n"
      "  }\n"
      "  return total\n"
      "}\n";
  EXPECT_EQ(check(src), Codes{});
}

}  // namespace
}  // namespace wf
