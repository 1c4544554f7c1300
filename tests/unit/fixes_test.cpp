// The fixes diagnostics carry ("did you mean `targets`?", a `none` check, `float(...)`), the
// distance that picks the closest name, and the parser's word for a keyword used as a name.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "check/suggest.h"
#include "diagnostics/render_text.h"
#include "driver/compilation.h"

namespace wf {
namespace {

// The first diagnostic of `code` when `text` is checked; the test fails when there is none.
Diagnostic first_of(const std::string& text, std::string_view code) {
  Compilation c;
  c.check_text("a.wf", text);
  for (const Diagnostic& d : c.diagnostics().all())
    if (info(d.code).code == code) return d;
  ADD_FAILURE() << "no " << code << " in:\n" << text;
  return Diagnostic{DiagCode::SyntaxError, Severity::Error, {}, "", {}, {}};
}

// The diagnostics of `code` when `text` is checked, in source order.
std::vector<Diagnostic> all_of(const std::string& text, std::string_view code) {
  Compilation c;
  c.check_text("a.wf", text);
  std::vector<Diagnostic> out;
  for (const Diagnostic& d : c.diagnostics().all())
    if (info(d.code).code == code) out.push_back(d);
  return out;
}

// `text` with the diagnostic's fix applied.
std::string fixed(const std::string& text, const Diagnostic& d) {
  if (!d.fix) return "(no fix)";
  std::string out = text;
  out.replace(d.fix->where.range.begin, d.fix->where.range.end - d.fix->where.range.begin, d.fix->replacement);
  return out;
}

TEST(EditDistance, CountsInsertionsDeletionsSubstitutionsAndSwaps) {
  EXPECT_EQ(edit_distance("targets", "targets"), 0u);
  EXPECT_EQ(edit_distance("targts", "targets"), 1u);   // insertion
  EXPECT_EQ(edit_distance("targetss", "targets"), 1u); // deletion
  EXPECT_EQ(edit_distance("tergets", "targets"), 1u);  // substitution
  EXPECT_EQ(edit_distance("tagrets", "targets"), 1u);  // swap of neighbours
  EXPECT_EQ(edit_distance("", "abc"), 3u);
}

TEST(ClosestName, SuggestsOnlyNamesThatAreClose) {
  EXPECT_EQ(closest_name("targts", {"hosts", "targets", "target_list"}), "targets");
  EXPECT_EQ(closest_name("hostname", {"hostnames", "hostnam"}), "hostnames");  // a tie: the first
  EXPECT_EQ(closest_name("x", {"y"}), std::nullopt);             // one edit is all of a short name
  EXPECT_EQ(closest_name("cnt", {"count"}), std::nullopt);         // two edits in three letters
  EXPECT_EQ(closest_name("servce", {"service"}), "service");
  EXPECT_EQ(closest_name("timeout", {"retries", "delay"}), std::nullopt);
  EXPECT_EQ(closest_name("same", {"same"}), std::nullopt);
}

TEST(Fixes, UnknownNameSuggestsTheClosestNameInScope) {
  const std::string text = "workflow main(targets: hosts) {\n  let count = 2\n  log \"{{len(targts)}} {{cuont}}\"\n}\n";
  const std::vector<Diagnostic> unknown = all_of(text, "E0100");
  ASSERT_EQ(unknown.size(), 2u);
  ASSERT_TRUE(unknown[0].fix);
  EXPECT_EQ(unknown[0].fix->title, "did you mean `targets`?");
  EXPECT_NE(fixed(text, unknown[0]).find("len(targets)"), std::string::npos);
  ASSERT_TRUE(unknown[1].fix);
  EXPECT_EQ(unknown[1].fix->replacement, "count");
  // `wf check` shows it as help under the snippet.
  Compilation c;
  c.check_text("a.wf", text);
  const std::string shown = render_text(c.files(), unknown[0], false);
  EXPECT_NE(shown.find("help: did you mean `targets`?\n"), std::string::npos) << shown;
}

TEST(Fixes, UnknownNameFarFromEveryNameHasNoFix) {
  const Diagnostic d = first_of("workflow main(targets: hosts) {\n  log \"{{zebra}}\"\n}\n", "E0100");
  EXPECT_FALSE(d.fix);
}

TEST(Fixes, UnknownFunctionSuggestsAFunctionOrABuiltin) {
  const std::string text = "fn double(n: int) -> int {\n  return n * 2\n}\nworkflow main() {\n  log str(doubel(2)) + lowr(\"A\")\n}\n";
  const std::vector<Diagnostic> unknown = all_of(text, "E0100");
  ASSERT_EQ(unknown.size(), 2u);
  ASSERT_TRUE(unknown[0].fix);
  EXPECT_EQ(unknown[0].fix->replacement, "double");
  ASSERT_TRUE(unknown[1].fix);
  EXPECT_EQ(unknown[1].fix->replacement, "lower");
}

TEST(Fixes, UnknownFieldSuggestsAFieldOfTheType) {
  const std::string text =
      "type Target = {hostname: string, port: int}\n"
      "workflow main() {\n"
      "  let t: Target = {hostname: \"a\", prot: 1}\n"
      "  log t.hostnme\n"
      "}\n";
  std::vector<std::string> replacements;
  for (const Diagnostic& d : all_of(text, "E0202"))
    if (d.fix) replacements.push_back(d.fix->replacement);
  EXPECT_EQ(replacements, (std::vector<std::string>{"port", "hostname"}));
}

TEST(Fixes, UnhandledOptionalWrapsTheStatementInANoneCheck) {
  const std::string text = "fn f(port: int?) -> int {\n  return port + 1\n}\n";
  const Diagnostic d = first_of(text, "E0205");
  ASSERT_TRUE(d.fix);
  EXPECT_EQ(d.fix->title, "check it first: `if port != none { ... }`");
  EXPECT_EQ(fixed(text, d), "fn f(port: int?) -> int {\n  if port != none {\n    return port + 1\n  }\n}\n");
  // `wf check` names the edit by its title; the block it puts in would not fit on the line.
  Compilation c;
  c.check_text("a.wf", text);
  const std::string shown = render_text(c.files(), d, false);
  EXPECT_NE(shown.find("  help: check it first: `if port != none { ... }`\n"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("replace with"), std::string::npos) << shown;
}

TEST(Fixes, UnhandledOptionalInALetKeepsTheNoteWithoutAFix) {
  // Wrapping a `let` would end the binding's scope at the `}`: only the note is given.
  const Diagnostic d = first_of("fn f(port: int?) -> int {\n  let p = port + 1\n  return p\n}\n", "E0205");
  EXPECT_FALSE(d.fix);
  ASSERT_EQ(d.notes.size(), 1u);
  EXPECT_NE(d.notes[0].message.find("if x != none"), std::string::npos);
}

TEST(Fixes, IntWhereFloatIsNeededIsConvertedWithFloat) {
  const std::string text = "fn f(n: int) -> float {\n  let half: float = n\n  return half * n\n}\n";
  const std::vector<Diagnostic> mismatches = all_of(text, "E0200");
  ASSERT_EQ(mismatches.size(), 2u);
  for (const Diagnostic& d : mismatches) {
    EXPECT_EQ(info(d.code).code, "E0200");
    ASSERT_TRUE(d.fix);
    EXPECT_EQ(d.fix->replacement, "float(n)");
    EXPECT_EQ(d.fix->title, "convert it: `float(n)`");
  }
  Compilation c;
  c.check_text("a.wf", text);
  EXPECT_NE(render_text(c.files(), mismatches[0], false).find("  help: convert it: `float(n)`\n"), std::string::npos)
      << render_text(c.files(), mismatches[0], false);
}

TEST(KeywordAsName, SaysTheWordIsAKeywordAndToRenameIt) {
  for (const char* text : {"workflow main() {\n  let step = 1\n}\n", "workflow main(if: int) {\n}\n",
                           "workflow main() {\n  for log in [1] {\n  }\n}\n"}) {
    const Diagnostic d = first_of(text, "E0001");
    EXPECT_NE(d.message.find("is a keyword here; rename it"), std::string::npos) << d.message;
  }
  // Where any expression could go, a keyword is not taken for a name.
  const Diagnostic d = first_of("workflow main() {\n  let x = return\n}\n", "E0001");
  EXPECT_EQ(d.message.find("keyword here"), std::string::npos) << d.message;
}

}  // namespace
}  // namespace wf
