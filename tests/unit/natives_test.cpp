// Tests of the standard library's implementations (stdlib/natives) and of value rendering and JSON
// conversion (vm/render.h): every overload of builtins.def has a native, and each native does
// what its doc line says, including the errors it raises.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "stdlib/builtin_records.h"
#include "stdlib/builtins.h"
#include "stdlib/natives.h"
#include "stdlib/natives/registry.h"
#include "vm/render.h"
#include "vm/shape.h"
#include "vm/value.h"

namespace wf::stdlib {
namespace {

using vm::Tag;
using vm::Value;

constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

// ---- Building values ---------------------------------------------------------------------------

Value S(std::string s) { return vm::make_string(std::move(s)); }
Value I(int64_t i) { return Value::integer(i); }
Value F(double f) { return Value::real(f); }
Value B(bool b) { return Value::boolean(b); }
Value D(int64_t ms) { return Value::duration(ms); }
Value T(int64_t ms) { return Value::time(ms); }
Value L(std::vector<Value> xs) { return vm::make_list(std::move(xs)); }
Value M(std::vector<std::pair<std::string, Value>> es) { return vm::make_map(std::move(es)); }
Value Strings(std::initializer_list<const char*> xs) {
  std::vector<Value> out;
  for (const char* x : xs) out.push_back(S(x));
  return L(std::move(out));
}

const vm::Shape* record_shape(std::string_view name) {
  std::vector<std::string> names;
  for (const RecordField& f : builtin_record(name)->fields) names.emplace_back(f.name);
  return vm::Shape::intern(std::move(names));
}

Value host(std::string name, std::initializer_list<const char*> tags, std::initializer_list<const char*> groups) {
  return vm::make_record(record_shape("host"),
                         {S("id-" + name), S(name), S("127.0.0.1"), S("linux"), Strings(tags), Strings(groups)});
}

Value credential(std::string identity) {
  return vm::make_record(record_shape("credential"),
                         {S("dba"), S("CORP"), S("password"), Value::none(), S(std::move(identity)), S("session-1")},
                         Tag::Credential);
}

// ---- Calling natives ---------------------------------------------------------------------------

// A context with a fixed clock, one host and one environment variable.
class FakeContext : public NativeContext {
 public:
  int64_t now_ms() override { return 1736647200000; }
  Value localhost() override { return host("localhost", {}, {}); }
  Value env(std::string_view name) override { return name == "WF_TEST_VAR" ? S("set") : Value::none(); }
};

struct Outcome {
  Value value;
  bool failed = false;
  std::string kind, message;
};

Outcome invoke(std::string_view key, std::vector<Value> args) {
  FakeContext ctx;
  const Native fn = find_native(key);
  EXPECT_NE(fn, nullptr) << "no native for " << key;
  if (!fn) return {Value(), true, "missing", std::string(key)};
  Value v = fn(ctx, args.data());
  return {std::move(v), ctx.failed(), std::string(error_kind_name(ctx.error_kind())), ctx.error_message()};
}

// The value of a call that must succeed.
Value call(std::string_view key, std::vector<Value> args) {
  Outcome o = invoke(key, std::move(args));
  EXPECT_FALSE(o.failed) << key << " raised " << o.kind << ": " << o.message;
  return std::move(o.value);
}

// The error kind of a call that must fail ("" when it did not).
std::string error_of(std::string_view key, std::vector<Value> args) {
  Outcome o = invoke(key, std::move(args));
  EXPECT_TRUE(o.failed) << key << " did not raise; returned " << vm::render(o.value);
  EXPECT_FALSE(o.message.empty()) << key << " raised without a message";
  return o.failed ? o.kind : std::string();
}

// Compact JSON of a call's result, for comparing lists, maps and records at a glance.
std::string json_of(std::string_view key, std::vector<Value> args) { return vm::to_json_text(call(key, std::move(args))); }

std::string str_of(std::string_view key, std::vector<Value> args) {
  const Value v = call(key, std::move(args));
  return v.tag == Tag::Str ? vm::as_string(v) : "<not a string: " + vm::render(v) + ">";
}

int64_t int_of(std::string_view key, std::vector<Value> args) {
  const Value v = call(key, std::move(args));
  EXPECT_EQ(v.tag, Tag::Int) << key;
  return v.i;
}

bool bool_of(std::string_view key, std::vector<Value> args) {
  const Value v = call(key, std::move(args));
  EXPECT_EQ(v.tag, Tag::Bool) << key;
  return v.b;
}

// ---- The table and the registry agree ----------------------------------------------------------

TEST(NativeRegistry, EveryOverloadHasANative) {
  for (const BuiltinSignature& b : builtins()) {
    const std::string key = std::string(b.name) + std::string(b.signature);
    EXPECT_NE(find_native(key), nullptr) << "no native implements " << key;
  }
}

TEST(NativeRegistry, EveryNativeIsAnOverloadAndRegisteredOnce) {
  std::set<std::string, std::less<>> keys;
  for (const BuiltinSignature& b : builtins()) keys.insert(std::string(b.name) + std::string(b.signature));
  std::set<std::string_view> seen;
  for (const NativeEntry& e : all_natives()) {
    EXPECT_TRUE(keys.count(e.key)) << "native registered under a key builtins.def lacks: " << e.key;
    EXPECT_TRUE(seen.insert(e.key).second) << "native registered twice: " << e.key;
    EXPECT_NE(e.fn, nullptr) << e.key;
  }
  EXPECT_EQ(seen.size(), builtins().size());
}

TEST(NativeRegistry, UnknownKeysFindNothing) {
  EXPECT_EQ(find_native("len"), nullptr);
  EXPECT_EQ(find_native("len(s: str) -> int"), nullptr);
  EXPECT_EQ(find_native(""), nullptr);
}

// ---- Conversions -------------------------------------------------------------------------------

TEST(NativeConversions, LenCountsCodePointsElementsAndEntries) {
  EXPECT_EQ(int_of("len(s: string) -> int", {S("héllo")}), 5);
  EXPECT_EQ(int_of("len(s: string) -> int", {S("")}), 0);
  EXPECT_EQ(int_of("len(s: string) -> int", {S("日本 👍")}), 4);
  // Bytes that start no UTF-8 sequence count one each; a truncated sequence is not swallowed.
  EXPECT_EQ(int_of("len(s: string) -> int", {S("\xff\xfe")}), 2);
  EXPECT_EQ(int_of("len(s: string) -> int", {S("a\xc3")}), 2);
  EXPECT_EQ(int_of("len(xs: list<T>) -> int", {L({I(1), I(2), I(3)})}), 3);
  EXPECT_EQ(int_of("len(m: map<T>) -> int", {M({{"a", I(1)}})}), 1);
  EXPECT_EQ(int_of("len(j: json) -> int", {S("héllo")}), 5);
  EXPECT_EQ(int_of("len(j: json) -> int", {L({I(1), S("x")})}), 2);
  EXPECT_EQ(int_of("len(j: json) -> int", {M({})}), 0);
  EXPECT_EQ(error_of("len(j: json) -> int", {I(3)}), "type");
  EXPECT_EQ(error_of("len(j: json) -> int", {Value::none()}), "type");
}

TEST(NativeConversions, StrRendersAsInterpolationDoes) {
  EXPECT_EQ(str_of("str(v: any) -> string", {I(-42)}), "-42");
  EXPECT_EQ(str_of("str(v: any) -> string", {Value::none()}), "");
  EXPECT_EQ(str_of("str(v: any) -> string", {D(5'400'000)}), "1h30m");
  EXPECT_EQ(str_of("str(v: any) -> string", {L({S("a"), I(1)})}), R"(["a",1])");
}

TEST(NativeConversions, IntParsesDecimalTextWithinSurroundingWhitespace) {
  const char* key = "int(s: string) -> int";
  EXPECT_EQ(int_of(key, {S("42")}), 42);
  EXPECT_EQ(int_of(key, {S("  -17\n")}), -17);
  EXPECT_EQ(int_of(key, {S("+7")}), 7);
  EXPECT_EQ(int_of(key, {S("-9223372036854775808")}), kMin);
  EXPECT_EQ(int_of(key, {S("9223372036854775807")}), kMax);
  EXPECT_EQ(error_of(key, {S("9223372036854775808")}), "arithmetic");
  EXPECT_EQ(error_of(key, {S("-99999999999999999999")}), "arithmetic");
  for (const char* bad : {"", "  ", "12x", "1.5", "+-1", "-", "0x10", "1 2", "1_000"})
    EXPECT_EQ(error_of(key, {S(bad)}), "type") << bad;
}

TEST(NativeConversions, IntOfFloatTruncatesTowardZero) {
  const char* key = "int(f: float) -> int";
  EXPECT_EQ(int_of(key, {F(2.9)}), 2);
  EXPECT_EQ(int_of(key, {F(-2.9)}), -2);
  EXPECT_EQ(int_of(key, {F(-9223372036854775808.0)}), kMin);
  EXPECT_EQ(error_of(key, {F(9223372036854775808.0)}), "arithmetic");
  EXPECT_EQ(error_of(key, {F(std::nan(""))}), "arithmetic");
  EXPECT_EQ(error_of(key, {F(-INFINITY)}), "arithmetic");
}

TEST(NativeConversions, IntOfJsonNeedsAnIntegralNumber) {
  const char* key = "int(j: json) -> int";
  EXPECT_EQ(int_of(key, {I(5)}), 5);
  EXPECT_EQ(int_of(key, {F(3.0)}), 3);
  EXPECT_EQ(error_of(key, {F(3.5)}), "type");
  EXPECT_EQ(error_of(key, {F(1e30)}), "type");
  EXPECT_EQ(error_of(key, {S("5")}), "type");
  EXPECT_EQ(error_of(key, {Value::none()}), "type");
}

TEST(NativeConversions, FloatParsesFiniteNumbers) {
  const auto f = [](const char* text) { return call("float(s: string) -> float", {S(text)}).f; };
  EXPECT_EQ(f("1.5"), 1.5);
  EXPECT_EQ(f(" -3 "), -3.0);
  EXPECT_EQ(f("2e3"), 2000.0);
  EXPECT_EQ(f("+0.25"), 0.25);
  for (const char* bad : {"", "abc", "inf", "nan", "-infinity", "1e400", "1.5x", "+-1", "0x1p3"})
    EXPECT_EQ(error_of("float(s: string) -> float", {S(bad)}), "type") << bad;
  EXPECT_EQ(call("float(i: int) -> float", {I(-3)}).f, -3.0);
  EXPECT_EQ(call("float(j: json) -> float", {I(2)}).f, 2.0);
  EXPECT_EQ(call("float(j: json) -> float", {F(2.5)}).f, 2.5);
  EXPECT_EQ(error_of("float(j: json) -> float", {S("2.5")}), "type");
}

TEST(NativeConversions, BoolStringListAndMapOfJsonCheckTheKind) {
  EXPECT_TRUE(bool_of("bool(s: string) -> bool", {S(" true\n")}));
  EXPECT_FALSE(bool_of("bool(s: string) -> bool", {S("false")}));
  EXPECT_EQ(error_of("bool(s: string) -> bool", {S("True")}), "type");
  EXPECT_EQ(error_of("bool(s: string) -> bool", {S("1")}), "type");
  EXPECT_TRUE(bool_of("bool(j: json) -> bool", {B(true)}));
  EXPECT_EQ(error_of("bool(j: json) -> bool", {S("true")}), "type");
  EXPECT_EQ(str_of("string(j: json) -> string", {S("x")}), "x");
  EXPECT_EQ(error_of("string(j: json) -> string", {I(1)}), "type");
  EXPECT_EQ(json_of("list(j: json) -> list<json>", {L({I(1), S("a")})}), R"([1,"a"])");
  EXPECT_EQ(error_of("list(j: json) -> list<json>", {M({})}), "type");
  EXPECT_EQ(json_of("map(j: json) -> map<json>", {M({{"z", I(1)}, {"a", I(2)}})}), R"({"z":1,"a":2})");
  EXPECT_EQ(error_of("map(j: json) -> map<json>", {L({})}), "type");
}

// ---- Strings -----------------------------------------------------------------------------------

TEST(NativeStrings, CaseMappingIsAsciiOnly) {
  EXPECT_EQ(str_of("upper(s: string) -> string", {S("héllo wörld 1")}), "HéLLO WöRLD 1");
  EXPECT_EQ(str_of("lower(s: string) -> string", {S("ÉCOLE Abc")}), "École abc");
}

TEST(NativeStrings, TrimRemovesSpacesTabsAndLineEnds) {
  EXPECT_EQ(str_of("trim(s: string) -> string", {S(" \t a b \r\n")}), "a b");
  EXPECT_EQ(str_of("trim(s: string) -> string", {S(" \n ")}), "");
  EXPECT_EQ(str_of("trim(s: string) -> string", {S("\xc2\xa0x")}), "\xc2\xa0x");  // NBSP is not trimmed
}

TEST(NativeStrings, SplitAtSeparatorsOrIntoCodePoints) {
  const char* key = "split(s: string, sep: string) -> list<string>";
  EXPECT_EQ(json_of(key, {S("a,b,,c,"), S(",")}), R"(["a","b","","c",""])");
  EXPECT_EQ(json_of(key, {S("a--b"), S("--")}), R"(["a","b"])");
  EXPECT_EQ(json_of(key, {S(""), S(",")}), R"([""])");
  EXPECT_EQ(json_of(key, {S("abc"), S("x")}), R"(["abc"])");
  EXPECT_EQ(json_of(key, {S("hé👍"), S("")}), R"(["h","é","👍"])");
  EXPECT_EQ(json_of(key, {S(""), S("")}), "[]");
}

TEST(NativeStrings, JoinContainsAndAffixes) {
  EXPECT_EQ(str_of("join(parts: list<string>, sep: string) -> string", {Strings({"a", "b", "c"}), S(", ")}), "a, b, c");
  EXPECT_EQ(str_of("join(parts: list<string>, sep: string) -> string", {Strings({}), S(",")}), "");
  EXPECT_TRUE(bool_of("contains(s: string, sub: string) -> bool", {S("héllo"), S("éll")}));
  EXPECT_FALSE(bool_of("contains(s: string, sub: string) -> bool", {S("hello"), S("L")}));
  EXPECT_TRUE(bool_of("contains(s: string, sub: string) -> bool", {S("x"), S("")}));
  EXPECT_TRUE(bool_of("starts_with(s: string, prefix: string) -> bool", {S("web-01"), S("web")}));
  EXPECT_FALSE(bool_of("starts_with(s: string, prefix: string) -> bool", {S("we"), S("web")}));
  EXPECT_TRUE(bool_of("ends_with(s: string, suffix: string) -> bool", {S("a.log"), S(".log")}));
  EXPECT_FALSE(bool_of("ends_with(s: string, suffix: string) -> bool", {S("a.log"), S(".txt")}));
}

TEST(NativeStrings, ReplaceGoesLeftToRightAndIgnoresAnEmptyPattern) {
  const char* key = "replace(s: string, old: string, replacement: string) -> string";
  EXPECT_EQ(str_of(key, {S("a b c"), S(" "), S("-")}), "a-b-c");
  EXPECT_EQ(str_of(key, {S("aaa"), S("aa"), S("b")}), "ba");
  EXPECT_EQ(str_of(key, {S("abc"), S(""), S("x")}), "abc");
  EXPECT_EQ(str_of(key, {S("abc"), S("b"), S("")}), "ac");
}

TEST(NativeStrings, SubstrCountsCodePointsAndChecksBounds) {
  EXPECT_EQ(str_of("substr(s: string, start: int) -> string", {S("héllo"), I(1)}), "éllo");
  EXPECT_EQ(str_of("substr(s: string, start: int) -> string", {S("héllo"), I(5)}), "");
  EXPECT_EQ(error_of("substr(s: string, start: int) -> string", {S("héllo"), I(6)}), "index");
  EXPECT_EQ(error_of("substr(s: string, start: int) -> string", {S("abc"), I(-1)}), "index");
  const char* key = "substr(s: string, start: int, length: int) -> string";
  EXPECT_EQ(str_of(key, {S("héllo"), I(1), I(3)}), "éll");
  EXPECT_EQ(str_of(key, {S("héllo"), I(3), I(100)}), "lo");
  EXPECT_EQ(str_of(key, {S("héllo"), I(2), I(0)}), "");
  EXPECT_EQ(error_of(key, {S("héllo"), I(1), I(-1)}), "index");
  EXPECT_EQ(error_of(key, {S("héllo"), I(9), I(1)}), "index");
}

TEST(NativeStrings, IndexOfGivesACodePointIndexOrMinusOne) {
  const char* key = "index_of(s: string, sub: string) -> int";
  EXPECT_EQ(int_of(key, {S("héllo"), S("l")}), 2);
  EXPECT_EQ(int_of(key, {S("日本語"), S("語")}), 2);
  EXPECT_EQ(int_of(key, {S("hello"), S("z")}), -1);
  EXPECT_EQ(int_of(key, {S("hello"), S("")}), 0);
  EXPECT_EQ(int_of(key, {S(""), S("")}), 0);
  EXPECT_EQ(int_of(key, {S("ab"), S("abc")}), -1);
  // A match that would begin inside a code point is not one.
  EXPECT_EQ(int_of(key, {S("é"), S("\xa9")}), -1);
}

TEST(NativeStrings, MatchesSearchesWithEcmaScriptRegularExpressions) {
  const char* key = "matches(s: string, pattern: string) -> bool";
  EXPECT_TRUE(bool_of(key, {S("disk at 91%"), S("\\d+%")}));
  EXPECT_FALSE(bool_of(key, {S("disk at 91%"), S("^\\d+%$")}));
  EXPECT_TRUE(bool_of(key, {S("web-01"), S("^web-\\d{2}$")}));
  EXPECT_TRUE(bool_of(key, {S("ok"), S("(?:ok|fine)")}));  // ECMAScript non-capturing group
  // The same pattern again comes from the cache and must answer the same.
  EXPECT_TRUE(bool_of(key, {S("web-02"), S("^web-\\d{2}$")}));
  EXPECT_EQ(error_of(key, {S("x"), S("(unclosed")}), "type");
  EXPECT_EQ(error_of(key, {S("x"), S("[z-a]")}), "type");
}

TEST(NativeStrings, MatchesLongTextWithoutExhaustingTheStack) {
  const char* key = "matches(s: string, pattern: string) -> bool";
  // One 100 KB line: std::regex recurses once per character `.*` consumes, which overflows an
  // ordinary thread stack; matches gives such texts a stack of their own.
  const std::string line = std::string(100'000, 'a') + "c";
  EXPECT_TRUE(bool_of(key, {S(line), S("^.*c$")}));
  EXPECT_TRUE(bool_of(key, {S(line), S("^(a|b)*c")}));
  // A megabyte of ordinary log lines.
  std::string log;
  while (log.size() < (1u << 20)) log += "info: request served in 12ms by worker 7\n";
  EXPECT_FALSE(bool_of(key, {S(log), S("ERROR: .*disk")}));
  EXPECT_TRUE(bool_of(key, {S(log + "ERROR: no space left on disk\n"), S("ERROR: .*disk")}));
  EXPECT_EQ(error_of(key, {S(log), S("(")}), "type");
}

TEST(NativeStrings, LinesDropsCarriageReturnsAndTheLastEmptyLine) {
  const char* key = "lines(s: string) -> list<string>";
  EXPECT_EQ(json_of(key, {S("a\r\nb\n")}), R"(["a","b"])");
  EXPECT_EQ(json_of(key, {S("a\n\nb")}), R"(["a","","b"])");
  EXPECT_EQ(json_of(key, {S("a\n\n")}), R"(["a",""])");
  EXPECT_EQ(json_of(key, {S("\n")}), R"([""])");
  EXPECT_EQ(json_of(key, {S("")}), "[]");
  EXPECT_EQ(json_of(key, {S("a\rb")}), R"(["a\rb"])");
}

TEST(NativeStrings, ReverseAndSliceWorkOnCodePoints) {
  EXPECT_EQ(str_of("reverse(s: string) -> string", {S("héllo👍")}), "👍olléh");
  EXPECT_EQ(str_of("reverse(s: string) -> string", {S("")}), "");
  const char* key = "slice(s: string, start: int, end: int) -> string";
  EXPECT_EQ(str_of(key, {S("héllo"), I(1), I(3)}), "él");
  EXPECT_EQ(str_of(key, {S("héllo"), I(5), I(5)}), "");
  EXPECT_EQ(error_of(key, {S("héllo"), I(3), I(2)}), "index");
  EXPECT_EQ(error_of(key, {S("héllo"), I(0), I(6)}), "index");
  EXPECT_EQ(error_of(key, {S("héllo"), I(-1), I(2)}), "index");
}

// ---- Lists and maps ----------------------------------------------------------------------------

TEST(NativeCollections, RangeCountsUpAndIsEmptyOtherwise) {
  EXPECT_EQ(json_of("range(n: int) -> list<int>", {I(4)}), "[0,1,2,3]");
  EXPECT_EQ(json_of("range(n: int) -> list<int>", {I(0)}), "[]");
  EXPECT_EQ(json_of("range(n: int) -> list<int>", {I(-3)}), "[]");
  EXPECT_EQ(json_of("range(start: int, end: int) -> list<int>", {I(-2), I(2)}), "[-2,-1,0,1]");
  EXPECT_EQ(json_of("range(start: int, end: int) -> list<int>", {I(5), I(2)}), "[]");
  // A range too large to hold raises instead of ending the process.
  EXPECT_EQ(error_of("range(start: int, end: int) -> list<int>", {I(kMin), I(kMax)}), "arithmetic");
}

TEST(NativeCollections, ContainsAndIndexOfUseStructuralEquality) {
  const Value xs = L({I(1), L({S("a")}), M({{"k", I(2)}})});
  EXPECT_TRUE(bool_of("contains(xs: list<T>, x: T) -> bool", {xs, L({S("a")})}));
  EXPECT_FALSE(bool_of("contains(xs: list<T>, x: T) -> bool", {xs, F(1.0)}));
  EXPECT_EQ(int_of("index_of(xs: list<T>, x: T) -> int", {xs, M({{"k", I(2)}})}), 2);
  EXPECT_EQ(int_of("index_of(xs: list<T>, x: T) -> int", {xs, I(9)}), -1);
  EXPECT_TRUE(bool_of("contains(m: map<T>, key: string) -> bool", {M({{"k", I(2)}}), S("k")}));
  EXPECT_FALSE(bool_of("contains(m: map<T>, key: string) -> bool", {M({{"k", I(2)}}), S("K")}));
}

TEST(NativeCollections, AppendBuildsANewListAndLeavesItsArgument) {
  const Value xs = L({I(1)});
  EXPECT_EQ(vm::to_json_text(call("append(xs: list<T>, x: T) -> list<T>", {xs, I(2)})), "[1,2]");
  EXPECT_EQ(vm::to_json_text(xs), "[1]");
}

TEST(NativeCollections, MapFunctionsKeepInsertionOrderAndNeverMutate) {
  const Value m = M({{"b", I(1)}, {"a", I(2)}});
  EXPECT_EQ(json_of("keys(m: map<T>) -> list<string>", {m}), R"(["b","a"])");
  EXPECT_EQ(json_of("values(m: map<T>) -> list<T>", {m}), "[1,2]");
  EXPECT_TRUE(bool_of("has(m: map<T>, key: string) -> bool", {m, S("a")}));
  EXPECT_FALSE(bool_of("has(m: map<T>, key: string) -> bool", {m, S("c")}));
  EXPECT_EQ(int_of("get(m: map<T>, key: string, default: T) -> T", {m, S("a"), I(0)}), 2);
  EXPECT_EQ(int_of("get(m: map<T>, key: string, default: T) -> T", {m, S("c"), I(7)}), 7);
  EXPECT_EQ(int_of("get(m: map<T>, key: string) -> T?", {m, S("b")}), 1);
  EXPECT_TRUE(call("get(m: map<T>, key: string) -> T?", {m, S("c")}).is_none());
  EXPECT_EQ(json_of("with(m: map<T>, key: string, value: T) -> map<T>", {m, S("b"), I(9)}), R"({"b":9,"a":2})");
  EXPECT_EQ(json_of("with(m: map<T>, key: string, value: T) -> map<T>", {m, S("c"), I(3)}), R"({"b":1,"a":2,"c":3})");
  EXPECT_EQ(json_of("without(m: map<T>, key: string) -> map<T>", {m, S("b")}), R"({"a":2})");
  EXPECT_EQ(json_of("without(m: map<T>, key: string) -> map<T>", {m, S("zz")}), R"({"b":1,"a":2})");
  EXPECT_EQ(vm::to_json_text(m), R"({"b":1,"a":2})");
}

TEST(NativeCollections, SortOrdersEachKindAscending) {
  EXPECT_EQ(json_of("sort(xs: list<int>) -> list<int>", {L({I(3), I(-1), I(2), I(-1)})}), "[-1,-1,2,3]");
  EXPECT_EQ(json_of("sort(xs: list<float>) -> list<float>", {L({F(2.5), F(-0.5), F(1.0)})}), "[-0.5,1.0,2.5]");
  // Code-point order: upper case before lower case, and é (U+00E9) after z.
  EXPECT_EQ(json_of("sort(xs: list<string>) -> list<string>", {Strings({"é", "b", "Z", "a", "z"})}),
            R"(["Z","a","b","z","é"])");
  EXPECT_EQ(json_of("sort(xs: list<duration>) -> list<duration>", {L({D(60'000), D(500), D(-1)})}),
            R"(["-1ms","500ms","1m"])");
  EXPECT_EQ(json_of("sort(xs: list<time>) -> list<time>", {L({T(1000), T(0)})}),
            R"(["1970-01-01T00:00:00Z","1970-01-01T00:00:01Z"])");
  const Value xs = L({I(2), I(1)});
  call("sort(xs: list<int>) -> list<int>", {xs});
  EXPECT_EQ(vm::to_json_text(xs), "[2,1]");
}

TEST(NativeCollections, ReverseUniqueSliceFirstAndLast) {
  EXPECT_EQ(json_of("reverse(xs: list<T>) -> list<T>", {L({I(1), I(2), I(3)})}), "[3,2,1]");
  // First occurrences kept, in order; maps are equal whatever their key order; 1 and 1.0 differ.
  const Value xs = L({I(1), S("a"), I(1), M({{"x", I(1)}, {"y", I(2)}}), F(1.0), S("a"),
                      M({{"y", I(2)}, {"x", I(1)}}), I(2)});
  EXPECT_EQ(json_of("unique(xs: list<T>) -> list<T>", {xs}), R"([1,"a",{"x":1,"y":2},1.0,2])");
  EXPECT_EQ(json_of("unique(xs: list<T>) -> list<T>", {L({})}), "[]");
  const Value ys = L({I(0), I(1), I(2), I(3)});
  EXPECT_EQ(json_of("slice(xs: list<T>, start: int, end: int) -> list<T>", {ys, I(1), I(3)}), "[1,2]");
  EXPECT_EQ(json_of("slice(xs: list<T>, start: int, end: int) -> list<T>", {ys, I(4), I(4)}), "[]");
  EXPECT_EQ(error_of("slice(xs: list<T>, start: int, end: int) -> list<T>", {ys, I(2), I(1)}), "index");
  EXPECT_EQ(error_of("slice(xs: list<T>, start: int, end: int) -> list<T>", {ys, I(0), I(5)}), "index");
  EXPECT_EQ(error_of("slice(xs: list<T>, start: int, end: int) -> list<T>", {ys, I(-1), I(1)}), "index");
  EXPECT_EQ(json_of("slice(xs: list<T>, start: int) -> list<T>", {ys, I(2)}), "[2,3]");
  EXPECT_EQ(json_of("slice(xs: list<T>, start: int) -> list<T>", {ys, I(4)}), "[]");
  EXPECT_EQ(error_of("slice(xs: list<T>, start: int) -> list<T>", {ys, I(5)}), "index");
  EXPECT_EQ(int_of("first(xs: list<T>) -> T?", {ys}), 0);
  EXPECT_EQ(int_of("last(xs: list<T>) -> T?", {ys}), 3);
  EXPECT_TRUE(call("first(xs: list<T>) -> T?", {L({})}).is_none());
  EXPECT_TRUE(call("last(xs: list<T>) -> T?", {L({})}).is_none());
}

TEST(NativeCollections, SumRaisesOnOverflowAndNonFiniteTotals) {
  EXPECT_EQ(int_of("sum(xs: list<int>) -> int", {L({I(1), I(2), I(-4)})}), -1);
  EXPECT_EQ(int_of("sum(xs: list<int>) -> int", {L({})}), 0);
  EXPECT_EQ(error_of("sum(xs: list<int>) -> int", {L({I(kMax), I(1)})}), "arithmetic");
  EXPECT_EQ(error_of("sum(xs: list<int>) -> int", {L({I(kMin), I(-1)})}), "arithmetic");
  EXPECT_EQ(call("sum(xs: list<float>) -> float", {L({F(0.5), F(0.25)})}).f, 0.75);
  EXPECT_EQ(call("sum(xs: list<float>) -> float", {L({})}).f, 0.0);
  EXPECT_EQ(error_of("sum(xs: list<float>) -> float", {L({F(1e308), F(1e308)})}), "arithmetic");
  const Value total = call("sum(xs: list<duration>) -> duration", {L({D(1000), D(59'000)})});
  EXPECT_EQ(total.tag, Tag::Duration);
  EXPECT_EQ(total.i, 60'000);
  EXPECT_EQ(call("sum(xs: list<duration>) -> duration", {L({})}).tag, Tag::Duration);
  EXPECT_EQ(error_of("sum(xs: list<duration>) -> duration", {L({D(kMax), D(1)})}), "arithmetic");
}

TEST(NativeCollections, MinAndMaxOfListsAndPairs) {
  EXPECT_EQ(int_of("min(xs: list<int>) -> int", {L({I(3), I(-2), I(5)})}), -2);
  EXPECT_EQ(int_of("max(xs: list<int>) -> int", {L({I(3), I(-2), I(5)})}), 5);
  EXPECT_EQ(call("min(xs: list<float>) -> float", {L({F(0.5), F(-1.5)})}).f, -1.5);
  EXPECT_EQ(call("max(xs: list<float>) -> float", {L({F(0.5), F(-1.5)})}).f, 0.5);
  EXPECT_EQ(call("min(xs: list<duration>) -> duration", {L({D(2000), D(10)})}).i, 10);
  EXPECT_EQ(call("max(xs: list<duration>) -> duration", {L({D(2000), D(10)})}).tag, Tag::Duration);
  for (const char* key : {"min(xs: list<int>) -> int", "max(xs: list<int>) -> int", "min(xs: list<float>) -> float",
                          "max(xs: list<float>) -> float", "min(xs: list<duration>) -> duration",
                          "max(xs: list<duration>) -> duration"})
    EXPECT_EQ(error_of(key, {L({})}), "index") << key;
  EXPECT_EQ(int_of("min(a: int, b: int) -> int", {I(4), I(-4)}), -4);
  EXPECT_EQ(int_of("max(a: int, b: int) -> int", {I(4), I(-4)}), 4);
  EXPECT_EQ(call("min(a: float, b: float) -> float", {F(1.5), F(2.5)}).f, 1.5);
  EXPECT_EQ(call("max(a: float, b: float) -> float", {F(1.5), F(2.5)}).f, 2.5);
  EXPECT_EQ(call("min(a: duration, b: duration) -> duration", {D(5), D(3)}).i, 3);
  EXPECT_EQ(call("max(a: duration, b: duration) -> duration", {D(5), D(3)}).i, 5);
}

// ---- Numbers -----------------------------------------------------------------------------------

TEST(NativeNumbers, AbsRaisesForTheSmallestInt) {
  EXPECT_EQ(int_of("abs(x: int) -> int", {I(-5)}), 5);
  EXPECT_EQ(int_of("abs(x: int) -> int", {I(kMax)}), kMax);
  EXPECT_EQ(error_of("abs(x: int) -> int", {I(kMin)}), "arithmetic");
  EXPECT_EQ(call("abs(x: float) -> float", {F(-2.5)}).f, 2.5);
  const Value d = call("abs(d: duration) -> duration", {D(-90'000)});
  EXPECT_EQ(d.tag, Tag::Duration);
  EXPECT_EQ(d.i, 90'000);
  EXPECT_EQ(error_of("abs(d: duration) -> duration", {D(kMin)}), "arithmetic");
}

TEST(NativeNumbers, FloorCeilAndRoundGiveIntsOrRaise) {
  EXPECT_EQ(int_of("floor(x: float) -> int", {F(-1.5)}), -2);
  EXPECT_EQ(int_of("floor(x: float) -> int", {F(1.5)}), 1);
  EXPECT_EQ(int_of("ceil(x: float) -> int", {F(-1.5)}), -1);
  EXPECT_EQ(int_of("ceil(x: float) -> int", {F(1.2)}), 2);
  // Halves away from zero.
  EXPECT_EQ(int_of("round(x: float) -> int", {F(2.5)}), 3);
  EXPECT_EQ(int_of("round(x: float) -> int", {F(-2.5)}), -3);
  EXPECT_EQ(int_of("round(x: float) -> int", {F(0.5)}), 1);
  EXPECT_EQ(int_of("round(x: float) -> int", {F(0.49999999999999994)}), 0);
  EXPECT_EQ(int_of("round(x: float) -> int", {F(-0.4)}), 0);
  for (const char* key : {"floor(x: float) -> int", "ceil(x: float) -> int", "round(x: float) -> int"}) {
    EXPECT_EQ(error_of(key, {F(std::nan(""))}), "arithmetic") << key;
    EXPECT_EQ(error_of(key, {F(1e19)}), "arithmetic") << key;
    EXPECT_EQ(error_of(key, {F(INFINITY)}), "arithmetic") << key;
  }
}

TEST(NativeNumbers, PowRaisesOnOverflowNegativeExponentsAndNonFiniteResults) {
  const char* key = "pow(base: int, exp: int) -> int";
  EXPECT_EQ(int_of(key, {I(2), I(10)}), 1024);
  EXPECT_EQ(int_of(key, {I(0), I(0)}), 1);
  EXPECT_EQ(int_of(key, {I(-3), I(3)}), -27);
  EXPECT_EQ(int_of(key, {I(-2), I(63)}), kMin);
  EXPECT_EQ(int_of(key, {I(-1), I(kMax)}), -1);
  EXPECT_EQ(int_of(key, {I(1), I(kMax)}), 1);
  EXPECT_EQ(int_of(key, {I(0), I(kMax)}), 0);
  EXPECT_EQ(error_of(key, {I(2), I(63)}), "arithmetic");
  EXPECT_EQ(error_of(key, {I(10), I(19)}), "arithmetic");
  EXPECT_EQ(int_of(key, {I(10), I(18)}), 1'000'000'000'000'000'000);
  EXPECT_EQ(error_of(key, {I(2), I(-1)}), "arithmetic");
  const char* fkey = "pow(base: float, exp: float) -> float";
  EXPECT_EQ(call(fkey, {F(2.0), F(0.5)}).f, std::sqrt(2.0));
  EXPECT_EQ(call(fkey, {F(2.0), F(-1.0)}).f, 0.5);
  EXPECT_EQ(error_of(fkey, {F(0.0), F(-1.0)}), "arithmetic");
  EXPECT_EQ(error_of(fkey, {F(-8.0), F(1.0 / 3.0)}), "arithmetic");
  EXPECT_EQ(error_of(fkey, {F(10.0), F(400.0)}), "arithmetic");
}

// ---- JSON --------------------------------------------------------------------------------------

TEST(NativeJson, ParseAndRenderRoundTripNestedObjectsInTheirOrder) {
  const std::string text = R"({"z":1,"a":{"y":[1,2.5,"x",null,true,-7],"b":{}},"m":[]})";
  const Value v = call("parse_json(s: string) -> json", {S(text)});
  ASSERT_EQ(v.tag, Tag::Map);
  EXPECT_EQ(vm::as_map(v).entries.front().first, "z");
  EXPECT_EQ(str_of("to_json(v: any) -> string", {v}), text);
}

TEST(NativeJson, NumbersBecomeIntsWhenWrittenAsIntegersThatFit) {
  const auto parse = [](const char* text) { return call("parse_json(s: string) -> json", {S(text)}); };
  EXPECT_EQ(parse("5").tag, Tag::Int);
  EXPECT_EQ(parse("-5").i, -5);
  EXPECT_EQ(parse("9223372036854775807").i, kMax);
  EXPECT_EQ(parse("9223372036854775808").tag, Tag::Float);
  EXPECT_EQ(parse("1.0").tag, Tag::Float);
  EXPECT_EQ(parse("2e3").tag, Tag::Float);
  EXPECT_EQ(str_of("to_json(v: any) -> string", {parse("1.0")}), "1.0");
  EXPECT_TRUE(parse(" null ").is_none());
  EXPECT_EQ(vm::as_string(parse(R"("h\u00e9")")), "hé");
}

TEST(NativeJson, MalformedOrTooDeepTextRaisesType) {
  for (const char* bad : {"", "{", "[1,]", "{'a':1}", "01", "1 2", "nul", "[1] x"})
    EXPECT_EQ(error_of("parse_json(s: string) -> json", {S(bad)}), "type") << bad;
  const int limit = vm::kMaxJsonDepth;
  const std::string ok = std::string(limit, '[') + std::string(limit, ']');
  EXPECT_EQ(call("parse_json(s: string) -> json", {S(ok)}).tag, Tag::List);
  const std::string deep = std::string(limit + 1, '[') + std::string(limit + 1, ']');
  EXPECT_EQ(error_of("parse_json(s: string) -> json", {S(deep)}), "type");
  const std::string hostile(1'000'000, '[');
  EXPECT_EQ(error_of("parse_json(s: string) -> json", {S(hostile)}), "type");
}

TEST(NativeJson, ToJsonRendersEveryKind) {
  const char* key = "to_json(v: any) -> string";
  EXPECT_EQ(str_of(key, {Value::none()}), "null");
  EXPECT_EQ(str_of(key, {S("a\"b")}), R"("a\"b")");
  EXPECT_EQ(str_of(key, {D(1500)}), R"("1s500ms")");
  EXPECT_EQ(str_of(key, {T(1736647200000)}), R"("2025-01-12T02:00:00Z")");
  EXPECT_EQ(str_of(key, {credential("db_admin")}), R"j("credential(db_admin)")j");
  EXPECT_EQ(str_of(key, {L({B(true), F(0.1), I(3)})}), "[true,0.1,3]");
  // Bytes that are not UTF-8 become U+FFFD rather than an error.
  EXPECT_EQ(str_of(key, {S("a\xff")}), "\"a\xef\xbf\xbd\"");
}

// ---- Time --------------------------------------------------------------------------------------

TEST(NativeTime, NowReadsTheContextsClock) {
  const Value t = call("now() -> time", {});
  EXPECT_EQ(t.tag, Tag::Time);
  EXPECT_EQ(t.i, 1736647200000);
}

TEST(NativeTime, FormatTimeUsesStrftimeInUtc) {
  const char* key = "format_time(t: time, format: string) -> string";
  EXPECT_EQ(str_of(key, {T(1736647200000), S("%Y-%m-%d")}), "2025-01-12");
  EXPECT_EQ(str_of(key, {T(1736647200999), S("%Y-%m-%d %H:%M:%S %%")}), "2025-01-12 02:00:00 %");
  EXPECT_EQ(str_of(key, {T(-1), S("%Y-%m-%dT%H:%M:%S")}), "1969-12-31T23:59:59");
  EXPECT_EQ(str_of(key, {T(0), S("")}), "");
  EXPECT_EQ(str_of(key, {T(0), S("literal")}), "literal");
  EXPECT_EQ(str_of(key, {T(0), S(std::string(5000, 'x') + "%Y")}), std::string(5000, 'x') + "1970");
}

TEST(NativeTime, ParseTimeReadsRfc3339) {
  const auto parse = [](const char* text) { return call("parse_time(s: string) -> time", {S(text)}); };
  EXPECT_EQ(parse("2024-05-01T12:00:00Z").i, 1714564800000);
  EXPECT_EQ(parse("2024-05-01T12:00:00Z").tag, Tag::Time);
  EXPECT_EQ(parse("2024-05-01t12:00:00z").i, 1714564800000);
  EXPECT_EQ(parse("2024-05-01 12:00:00Z").i, 1714564800000);
  EXPECT_EQ(parse(" 2024-05-01T14:30:00+02:30\n").i, 1714564800000);
  EXPECT_EQ(parse("2024-05-01T07:00:00-05:00").i, 1714564800000);
  EXPECT_EQ(parse("2024-05-01T12:00:00.5Z").i, 1714564800500);
  EXPECT_EQ(parse("2024-05-01T12:00:00.123456Z").i, 1714564800123);
  EXPECT_EQ(parse("2024-02-29T23:59:59Z").i, 1709251199000);
  EXPECT_EQ(parse("1969-12-31T23:59:59.999Z").i, -1);
  for (const char* bad : {"", "2024-05-01", "2024-05-01T12:00:00", "2024-05-01T12:00Z", "2024-13-01T00:00:00Z",
                          "2023-02-29T00:00:00Z", "2024-05-01T24:00:00Z", "2024-05-01T12:00:00.Z",
                          "2024-05-01T12:00:00+0200", "2024-05-01T12:00:00Zjunk", "24-05-01T12:00:00Z",
                          "yesterday"})
    EXPECT_EQ(error_of("parse_time(s: string) -> time", {S(bad)}), "type") << bad;
}

TEST(NativeTime, FormatAndParseRoundTrip) {
  for (int64_t ms : {int64_t{0}, int64_t{1736647200000}, int64_t{1736647200250}, int64_t{-86'400'001},
                     int64_t{253402300799999}}) {
    const std::string text = vm::format_instant(ms);
    EXPECT_EQ(call("parse_time(s: string) -> time", {S(text)}).i, ms) << text;
  }
  const char* key = "format_time(t: time, format: string) -> string";
  const std::string text = str_of(key, {T(1714564800000), S("%Y-%m-%dT%H:%M:%SZ")});
  EXPECT_EQ(call("parse_time(s: string) -> time", {S(text)}).i, 1714564800000);
}

TEST(NativeTime, SecondsTruncatesTowardZero) {
  EXPECT_EQ(int_of("seconds(d: duration) -> int", {D(90'999)}), 90);
  EXPECT_EQ(int_of("seconds(d: duration) -> int", {D(-1500)}), -1);
  EXPECT_EQ(int_of("seconds(d: duration) -> int", {D(999)}), 0);
}

// ---- Hosts, approvers, channels, local ---------------------------------------------------------

TEST(NativeHosts, FiltersKeepTheOrderOfTheirInput) {
  const Value hs = L({host("web-2", {"web", "prod"}, {"eu"}), host("db-1", {"db"}, {"eu", "core"}),
                      host("web-1", {"web"}, {"us"})});
  const auto names = [](const Value& list) {
    return vm::to_json_text(call("hostnames(hs: hosts) -> list<string>", {list}));
  };
  EXPECT_EQ(names(hs), R"(["web-2","db-1","web-1"])");
  EXPECT_EQ(names(call("by_tag(hs: hosts, tag: string) -> hosts", {hs, S("web")})), R"(["web-2","web-1"])");
  EXPECT_EQ(names(call("by_tag(hs: hosts, tag: string) -> hosts", {hs, S("prod")})), R"(["web-2"])");
  EXPECT_EQ(names(call("by_tag(hs: hosts, tag: string) -> hosts", {hs, S("eu")})), "[]");
  EXPECT_EQ(names(call("by_group(hs: hosts, group: string) -> hosts", {hs, S("eu")})), R"(["web-2","db-1"])");
  EXPECT_EQ(names(call("by_group(hs: hosts, group: string) -> hosts", {L({}), S("eu")})), "[]");
  // The results are the same host values, fields and all.
  const Value eu = call("by_group(hs: hosts, group: string) -> hosts", {hs, S("core")});
  ASSERT_EQ(vm::as_list(eu).size(), 1u);
  EXPECT_TRUE(vm::equal(vm::as_list(eu)[0], vm::as_list(hs)[1]));
}

TEST(NativeApprovers, RolesUsersAndChannelsRenderAsKindColonName) {
  const Value admin = call("role(name: string) -> Approver", {S("admin")});
  EXPECT_EQ(admin.tag, Tag::Approver);
  EXPECT_EQ(vm::render(admin), "role:admin");
  EXPECT_EQ(vm::render(call("user(name: string) -> Approver", {S("alice")})), "user:alice");
  EXPECT_TRUE(vm::equal(admin, vm::make_approver(vm::kApproverRole, "admin")));
  EXPECT_FALSE(vm::equal(admin, vm::make_approver(vm::kApproverUser, "admin")));
  const Value ops = call("slack(channel: string) -> Channel", {S("#ops")});
  EXPECT_EQ(ops.tag, Tag::Channel);
  EXPECT_EQ(vm::render(ops), "slack:#ops");
  EXPECT_EQ(vm::render(call("email(address: string) -> Channel", {S("ops@x.org")})), "email:ops@x.org");
  EXPECT_EQ(vm::render(call("webhook(name: string) -> Channel", {S("deploys")})), "webhook:deploys");
  EXPECT_EQ(vm::render(call("pagerduty(name: string) -> Channel", {S("oncall")})), "pagerduty:oncall");
  EXPECT_EQ(vm::to_json_text(L({admin, ops})), R"(["role:admin","slack:#ops"])");
  const vm::RecObj& r = vm::as_record(ops);
  EXPECT_EQ(r.shape, vm::channel_shape());
  EXPECT_EQ(vm::as_string(r.fields[r.shape->index_of("target")]), "#ops");
}

TEST(NativeLocal, EnvAndLocalhostComeFromTheContext) {
  EXPECT_EQ(str_of("env(name: string) -> string?", {S("WF_TEST_VAR")}), "set");
  EXPECT_TRUE(call("env(name: string) -> string?", {S("WF_UNSET")}).is_none());
  const Value h = call("localhost() -> host", {});
  EXPECT_EQ(vm::to_json_text(call("hostnames(hs: hosts) -> list<string>", {L({h})})), R"(["localhost"])");
}

// ---- Rendering ---------------------------------------------------------------------------------

TEST(RenderValue, ScalarsRenderAsInterpolationText) {
  EXPECT_EQ(vm::render(I(0)), "0");
  EXPECT_EQ(vm::render(I(kMin)), "-9223372036854775808");
  EXPECT_EQ(vm::render(B(true)), "true");
  EXPECT_EQ(vm::render(B(false)), "false");
  EXPECT_EQ(vm::render(Value::none()), "");
  EXPECT_EQ(vm::render(S("plain \"text\"")), "plain \"text\"");
}

TEST(RenderValue, FloatsAreShortestRoundTripAndKeepAPoint) {
  EXPECT_EQ(vm::render(F(1.0)), "1.0");
  EXPECT_EQ(vm::render(F(-0.0)), "-0.0");
  EXPECT_EQ(vm::render(F(0.1)), "0.1");
  EXPECT_EQ(vm::render(F(2.5)), "2.5");
  EXPECT_EQ(vm::render(F(1.0 / 3.0)), "0.3333333333333333");
  EXPECT_EQ(vm::render(F(123456789.0)), "123456789.0");
  EXPECT_EQ(vm::render(F(1e20)), "1e+20");
  EXPECT_EQ(vm::render(F(1.5e-7)), "1.5e-07");
  // Interpolation and JSON agree on every float.
  for (double f : {1.0, 0.1, 1e20, 1.5e-7, -0.0, 123456789.0, 1.0 / 3.0})
    EXPECT_EQ(vm::render(F(f)), vm::to_json_text(F(f))) << f;
}

TEST(RenderValue, DurationsUseCanonicalUnits) {
  EXPECT_EQ(vm::render(D(5'400'000)), "1h30m");
  EXPECT_EQ(vm::render(D(90'061'001)), "1d1h1m1s1ms");
  EXPECT_EQ(vm::render(D(0)), "0s");
  EXPECT_EQ(vm::render(D(500)), "500ms");
  EXPECT_EQ(vm::render(D(172'800'000)), "2d");
  EXPECT_EQ(vm::render(D(-300'000)), "-5m");
  EXPECT_EQ(vm::render(D(kMin)), "-106751991167d7h12m55s808ms");
  EXPECT_EQ(vm::render(D(kMax)), "106751991167d7h12m55s807ms");
}

TEST(RenderValue, TimesAreRfc3339UtcWithMillisecondsOnlyWhenSet) {
  EXPECT_EQ(vm::render(T(1736647200000)), "2025-01-12T02:00:00Z");
  EXPECT_EQ(vm::render(T(1736647200250)), "2025-01-12T02:00:00.250Z");
  EXPECT_EQ(vm::render(T(0)), "1970-01-01T00:00:00Z");
  EXPECT_EQ(vm::render(T(-1)), "1969-12-31T23:59:59.999Z");
}

TEST(RenderValue, CollectionsAndRecordsAreCompactJson) {
  EXPECT_EQ(vm::render(L({I(1), S("a"), Value::none(), D(1000)})), R"([1,"a",null,"1s"])");
  EXPECT_EQ(vm::render(L({})), "[]");
  EXPECT_EQ(vm::render(M({{"z", I(1)}, {"a", L({T(0)})}})), R"({"z":1,"a":["1970-01-01T00:00:00Z"]})");
  EXPECT_EQ(vm::render(M({})), "{}");
  const vm::Shape* shape = vm::Shape::intern({"name", "port", "up"});
  EXPECT_EQ(vm::render(vm::make_record(shape, {S("web"), I(80), B(true)})), R"({"name":"web","port":80,"up":true})");
  EXPECT_EQ(vm::render(host("h", {"t"}, {})),
            R"({"id":"id-h","hostname":"h","primary_ip":"127.0.0.1","os":"linux","tags":["t"],"groups":[]})");
}

TEST(RenderValue, CredentialsShowOnlyTheirIdentity) {
  EXPECT_EQ(vm::render(credential("db_admin")), "credential(db_admin)");
  EXPECT_EQ(vm::render(M({{"c", credential("db_admin")}})), R"j({"c":"credential(db_admin)"})j");
}

TEST(RenderValue, JsonConvertsBothWaysKeepingOrder) {
  const nlohmann::ordered_json j = vm::to_json(M({{"b", F(1.0)}, {"a", L({I(1), B(false)})}, {"n", Value::none()}}));
  EXPECT_EQ(j.dump(), R"({"b":1.0,"a":[1,false],"n":null})");
  EXPECT_TRUE(j["b"].is_number_float());
  const Value back = vm::from_json(j);
  EXPECT_EQ(vm::to_json_text(back), j.dump());
  // A plain nlohmann::json (sorted keys) converts too.
  const nlohmann::json sorted = nlohmann::json::parse(R"({"b":[1,2.5],"a":"x"})");
  EXPECT_EQ(vm::to_json_text(vm::from_json(sorted)), R"({"a":"x","b":[1,2.5]})");
  Value out;
  std::string error;
  EXPECT_FALSE(vm::parse_json_text("{\"a\":", out, error));
  EXPECT_NE(error.find("parse error"), std::string::npos) << error;
  EXPECT_EQ(error.find("[json.exception"), std::string::npos) << error;
}

}  // namespace
}  // namespace wf::stdlib
