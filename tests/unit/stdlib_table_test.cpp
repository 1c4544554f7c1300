// Checks the standard library's signature table: it covers SPEC §1.4, its overloads are grouped,
// and every signature and doc is shaped the way the checker and the language server expect.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "stdlib/builtins.h"

namespace wf::stdlib {
namespace {

// Every function SPEC §1.4 names, plus `map(json)`, the object counterpart of `list(json)`.
const std::vector<std::string_view> kSpecNames = {
    "len", "str", "int", "float", "bool", "list", "string", "map",
    "upper", "lower", "trim", "split", "join", "contains", "starts_with", "ends_with", "replace",
    "substr", "index_of", "matches", "lines",
    "range", "append", "keys", "values", "has", "get", "with", "without", "sort", "reverse", "sum",
    "min", "max", "unique", "slice", "first", "last",
    "abs", "floor", "ceil", "round", "pow",
    "parse_json", "to_json",
    "now", "format_time", "parse_time", "seconds",
    "by_tag", "by_group", "hostnames",
    "role", "user", "slack", "email", "webhook", "pagerduty",
    "env", "localhost",
};

// The type names a signature may use (SPEC §1.3, plus the opaque approver and channel types and
// `any`); single upper-case letters are type variables and are accepted separately.
const std::set<std::string, std::less<>> kTypeNames = {
    "int", "float", "bool", "string", "duration", "time", "json", "host", "hosts", "credential",
    "secret", "Results", "JobResult", "Approval", "Error", "list", "map", "any", "Approver",
    "Channel",
};

bool is_ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// A structural check only (the checker owns the real parser): empty string when well formed,
// otherwise what is wrong.
std::string signature_problem(std::string_view sig) {
  if (sig.empty() || sig.front() != '(') return "does not start with `(`";
  const size_t arrow = sig.find(") -> ");
  if (arrow == std::string_view::npos) return "has no `) -> `";
  if (arrow + 5 >= sig.size()) return "has no result type";
  int parens = 0, angles = 0, braces = 0;
  for (size_t i = 0; i < sig.size(); ++i) {
    const char c = sig[i];
    if (c == '-' && i + 1 < sig.size() && sig[i + 1] == '>') {
      ++i;  // the arrow's `>` closes nothing
      continue;
    }
    if (c == '(') ++parens;
    if (c == ')') --parens;
    if (c == '<') ++angles;
    if (c == '>') --angles;
    if (c == '{') ++braces;
    if (c == '}') --braces;
    if (parens < 0 || angles < 0 || braces < 0) return "closes a bracket it did not open";
  }
  if (parens != 0 || angles != 0 || braces != 0) return "has unbalanced brackets";

  // Every identifier is either a name (a parameter or record field, followed by `:`) or a type.
  std::set<std::string> params;
  int depth = 0;  // of `{`, so that record field names are not taken for parameters
  for (size_t i = 0; i < sig.size();) {
    if (!is_ident_char(sig[i])) {
      depth += sig[i] == '{';
      depth -= sig[i] == '}';
      ++i;
      continue;
    }
    size_t j = i;
    while (j < sig.size() && is_ident_char(sig[j])) ++j;
    const std::string word(sig.substr(i, j - i));
    if (j < sig.size() && sig[j] == ':') {
      // Parameter names are used as named arguments, so one signature must not repeat them.
      if (i < arrow && depth == 0 && !params.insert(word).second)
        return "repeats the parameter `" + word + "`";
    } else {
      const bool type_variable = word.size() == 1 && std::isupper(static_cast<unsigned char>(word[0]));
      if (!type_variable && !kTypeNames.contains(word)) return "uses the unknown type `" + word + "`";
    }
    i = j;
  }
  return "";
}

TEST(StdlibTable, EverySpecFunctionHasAnOverload) {
  for (std::string_view name : kSpecNames) {
    EXPECT_FALSE(overloads(name).empty()) << "no overload for `" << name << "`";
  }
}

TEST(StdlibTable, EveryBuiltinIsASpecFunction) {
  for (const BuiltinSignature& b : builtins()) {
    EXPECT_NE(std::find(kSpecNames.begin(), kSpecNames.end(), b.name), kSpecNames.end())
        << "`" << b.name << "` is not in SPEC §1.4";
  }
}

TEST(StdlibTable, OverloadsOfANameAreAdjacent) {
  const auto all = builtins();
  std::set<std::string_view> finished;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0 && all[i].name == all[i - 1].name) continue;
    EXPECT_TRUE(finished.insert(all[i].name).second)
        << "`" << all[i].name << "` has overloads apart from each other";
  }
}

TEST(StdlibTable, OverloadsIsTheNamesRunOfTheTable) {
  const auto all = builtins();
  for (std::string_view name : kSpecNames) {
    const auto run = overloads(name);
    size_t expected = 0;
    for (const BuiltinSignature& b : all) expected += b.name == name;
    EXPECT_EQ(run.size(), expected) << name;
    for (const BuiltinSignature& b : run) {
      EXPECT_EQ(b.name, name);
      EXPECT_GE(&b, all.data());
      EXPECT_LT(&b, all.data() + all.size());
    }
  }
  EXPECT_TRUE(overloads("no_such_builtin").empty());
  EXPECT_TRUE(overloads("").empty());
}

TEST(StdlibTable, NoTwoOverloadsShareASignature) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (const BuiltinSignature& b : builtins()) {
    EXPECT_TRUE(seen.insert({b.name, b.signature}).second) << b.name << b.signature;
  }
}

TEST(StdlibTable, SignaturesAreWellFormed) {
  for (const BuiltinSignature& b : builtins()) {
    EXPECT_EQ(signature_problem(b.signature), "") << b.name << b.signature;
  }
}

TEST(StdlibTable, TheStructuralCheckRejectsBrokenSignatures) {
  EXPECT_NE(signature_problem("s: string) -> int"), "");
  EXPECT_NE(signature_problem("(s: string) int"), "");
  EXPECT_NE(signature_problem("(xs: list<int) -> int"), "");
  EXPECT_NE(signature_problem("(r: {a: int) -> int"), "");
  EXPECT_NE(signature_problem("(s: strng) -> int"), "");
  EXPECT_NE(signature_problem("(a: int, a: int) -> int"), "");
  EXPECT_EQ(signature_problem("(r: {a: int, b: list<T>}, k: string?) -> map<{a: int}>"), "");
  EXPECT_EQ(signature_problem("(a: {a: int}, b: {a: int}) -> int"), "");
}

TEST(StdlibTable, DocsAreSentences) {
  for (const BuiltinSignature& b : builtins()) {
    ASSERT_FALSE(b.doc.empty()) << b.name << b.signature;
    EXPECT_EQ(b.doc.back(), '.') << b.name << b.signature;
    EXPECT_TRUE(std::isupper(static_cast<unsigned char>(b.doc.front()))) << b.name << b.signature;
  }
}

TEST(StdlibTable, OnlyNowReadsTheClockAndOnlyEnvAndLocalhostAreLocal) {
  for (const BuiltinSignature& b : builtins()) {
    Purity expected = Purity::Pure;
    if (b.name == "now") expected = Purity::Clock;
    if (b.name == "env" || b.name == "localhost") expected = Purity::LocalOnly;
    EXPECT_EQ(b.purity, expected) << b.name;
  }
}

}  // namespace
}  // namespace wf::stdlib
