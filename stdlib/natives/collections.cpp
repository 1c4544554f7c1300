// List and map functions (builtins.def "Lists and maps", and the list and map overloads of
// contains and index_of). Every function builds a new value and never updates an argument's
// object: values are immutable and an argument may be shared (SPEC §1.3).
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "stdlib/natives/support.h"
#include "vm/shape.h"

namespace wf::stdlib::natives {

namespace {

using vm::Tag;
using Items = std::vector<Value>;
using Entries = std::vector<std::pair<std::string, Value>>;

const Items& items(const Value& v) { return vm::as_list(v); }
const Entries& entries(const Value& v) { return vm::as_map(v).entries; }
const std::string& text(const Value& v) { return vm::as_string(v); }

Value index_error(NativeContext& ctx, std::string message) {
  ctx.fail(ErrorKind::Index, std::move(message));
  return Value();
}

Value arithmetic_error(NativeContext& ctx, std::string message) {
  ctx.fail(ErrorKind::Arithmetic, std::move(message));
  return Value();
}

// ---- Structural hashing, for unique ------------------------------------------------------------
// Consistent with vm::equal: equal values hash alike. Map entries and record fields are combined
// without regard to order, because equal compares maps by key and records by field name.

uint64_t mix(uint64_t h) {
  // The splitmix64 finalizer: cheap and spreads every input bit.
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ULL;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

uint64_t hash_text(std::string_view s) { return std::hash<std::string_view>{}(s); }

uint64_t hash_value(const Value& v) {
  uint64_t h = mix(static_cast<uint64_t>(v.tag) + 1);
  switch (v.tag) {
    case Tag::None: return h;
    case Tag::Bool: return mix(h ^ (v.b ? 1 : 2));
    case Tag::Int:
    case Tag::Duration:
    case Tag::Time:
    case Tag::Fiber: return mix(h ^ static_cast<uint64_t>(v.i));
    case Tag::Float: {
      const double f = v.f == 0.0 ? 0.0 : v.f;  // -0.0 == 0.0
      return mix(h ^ std::bit_cast<uint64_t>(f));
    }
    case Tag::Str: return mix(h ^ hash_text(text(v)));
    case Tag::List:
      for (const Value& e : items(v)) h = mix(h ^ hash_value(e));
      return h;
    case Tag::Map: {
      uint64_t sum = 0;
      for (const auto& [k, e] : entries(v)) sum += mix(hash_text(k) ^ hash_value(e));
      return mix(h ^ sum);
    }
    default: {
      const vm::RecObj& r = vm::as_record(v);
      uint64_t sum = 0;
      for (size_t i = 0; i < r.fields.size(); ++i)
        sum += mix(hash_text(r.shape->names()[i]) ^ hash_value(r.fields[i]));
      return mix(h ^ sum);
    }
  }
}

// ---- Search ------------------------------------------------------------------------------------

int64_t find_item(const Items& xs, const Value& x) {
  for (size_t i = 0; i < xs.size(); ++i)
    if (vm::equal(xs[i], x)) return static_cast<int64_t>(i);
  return -1;
}

Value contains_list(NativeContext&, const Value* a) { return Value::boolean(find_item(items(a[0]), a[1]) >= 0); }
Value index_of_list(NativeContext&, const Value* a) { return Value::integer(find_item(items(a[0]), a[1])); }
Value has(NativeContext&, const Value* a) { return Value::boolean(vm::as_map(a[0]).find(text(a[1])) != nullptr); }

// ---- Building ----------------------------------------------------------------------------------

Value int_range(int64_t start, int64_t end) {
  Items out;
  if (end > start) {
    // The count as unsigned: `end - start` can exceed INT64_MAX.
    const uint64_t count = static_cast<uint64_t>(end) - static_cast<uint64_t>(start);
    out.reserve(count);  // throws length_error or bad_alloc for an impossible count (guarded)
    for (uint64_t k = 0; k < count; ++k) out.push_back(Value::integer(static_cast<int64_t>(static_cast<uint64_t>(start) + k)));
  }
  return vm::make_list(std::move(out));
}

Value range_n(NativeContext&, const Value* a) { return int_range(0, a[0].i); }
Value range_ab(NativeContext&, const Value* a) { return int_range(a[0].i, a[1].i); }

Value append(NativeContext&, const Value* a) {
  Items out;
  out.reserve(items(a[0]).size() + 1);
  out.insert(out.end(), items(a[0]).begin(), items(a[0]).end());
  out.push_back(a[1]);
  return vm::make_list(std::move(out));
}

Value keys(NativeContext&, const Value* a) {
  Items out;
  out.reserve(entries(a[0]).size());
  for (const auto& [k, v] : entries(a[0])) out.push_back(vm::make_string(k));
  return vm::make_list(std::move(out));
}

Value values(NativeContext&, const Value* a) {
  Items out;
  out.reserve(entries(a[0]).size());
  for (const auto& [k, v] : entries(a[0])) out.push_back(v);
  return vm::make_list(std::move(out));
}

Value get_default(NativeContext&, const Value* a) {
  const Value* v = vm::as_map(a[0]).find(text(a[1]));
  return v ? *v : a[2];
}

Value get_optional(NativeContext&, const Value* a) {
  const Value* v = vm::as_map(a[0]).find(text(a[1]));
  return v ? *v : Value::none();
}

Value with(NativeContext&, const Value* a) {
  Entries out = entries(a[0]);
  const std::string& key = text(a[1]);
  for (auto& [k, v] : out) {
    if (k == key) {
      v = a[2];
      return vm::make_map(std::move(out));
    }
  }
  out.emplace_back(key, a[2]);
  return vm::make_map(std::move(out));
}

Value without(NativeContext&, const Value* a) {
  const std::string& key = text(a[1]);
  const Entries& in = entries(a[0]);
  const auto it = std::find_if(in.begin(), in.end(), [&](const auto& e) { return e.first == key; });
  if (it == in.end()) return a[0];  // unchanged, and immutable, so the same value will do
  Entries out;
  out.reserve(in.size() - 1);
  out.insert(out.end(), in.begin(), it);
  out.insert(out.end(), it + 1, in.end());
  return vm::make_map(std::move(out));
}

// ---- Ordering ----------------------------------------------------------------------------------
// The checker admits only lists of one ordered kind, so each comparator reads one payload.

bool int_less(const Value& x, const Value& y) { return x.i < y.i; }  // also durations and times
bool str_less(const Value& x, const Value& y) { return text(x) < text(y); }  // bytes = code points
bool float_less(const Value& x, const Value& y) {
  // NaN last, so the order stays a strict weak ordering even if a NaN ever got in.
  if (std::isnan(x.f)) return false;
  return std::isnan(y.f) || x.f < y.f;
}

template <bool (*Less)(const Value&, const Value&)>
Value sorted(NativeContext&, const Value* a) {
  Items out = items(a[0]);
  std::stable_sort(out.begin(), out.end(), Less);
  return vm::make_list(std::move(out));
}

Value reverse_list(NativeContext&, const Value* a) {
  return vm::make_list(Items(items(a[0]).rbegin(), items(a[0]).rend()));
}

Value unique(NativeContext&, const Value* a) {
  const Items& in = items(a[0]);
  Items out;
  // Hash buckets of indices into `out`, so the cost stays linear for lists of thousands of hosts.
  std::unordered_map<uint64_t, std::vector<size_t>> seen;
  for (const Value& x : in) {
    auto& bucket = seen[hash_value(x)];
    const bool repeated = std::any_of(bucket.begin(), bucket.end(), [&](size_t i) { return vm::equal(out[i], x); });
    if (repeated) continue;
    bucket.push_back(out.size());
    out.push_back(x);
  }
  return vm::make_list(std::move(out));
}

Value slice_range(NativeContext& ctx, const Value& list, int64_t start, int64_t end) {
  const Items& xs = items(list);
  const int64_t n = static_cast<int64_t>(xs.size());
  if (start < 0 || start > end || end > n)
    return index_error(ctx, "slice: " + std::to_string(start) + ".." + std::to_string(end) +
                                " is not a range within 0.." + std::to_string(n));
  return vm::make_list(Items(xs.begin() + start, xs.begin() + end));
}

Value slice_to(NativeContext& ctx, const Value* a) { return slice_range(ctx, a[0], a[1].i, a[2].i); }

Value slice_from(NativeContext& ctx, const Value* a) {
  const int64_t n = static_cast<int64_t>(items(a[0]).size());
  if (a[1].i < 0 || a[1].i > n)
    return index_error(ctx, "slice: start " + std::to_string(a[1].i) + " is outside 0.." + std::to_string(n));
  return slice_range(ctx, a[0], a[1].i, n);
}

Value first(NativeContext&, const Value* a) { return items(a[0]).empty() ? Value::none() : items(a[0]).front(); }
Value last(NativeContext&, const Value* a) { return items(a[0]).empty() ? Value::none() : items(a[0]).back(); }

// ---- Aggregates --------------------------------------------------------------------------------

// Sums ints or durations (Make builds the result), raising `arithmetic` on overflow.
template <Value (*Make)(int64_t)>
Value sum_exact(NativeContext& ctx, const Value* a) {
  int64_t total = 0;
  for (const Value& x : items(a[0]))
    if (__builtin_add_overflow(total, x.i, &total)) return arithmetic_error(ctx, "sum: the total overflows 64 bits");
  return Make(total);
}

Value sum_float(NativeContext& ctx, const Value* a) {
  double total = 0.0;
  for (const Value& x : items(a[0])) total += x.f;
  if (!std::isfinite(total)) return arithmetic_error(ctx, "sum: the total is not a finite number");
  return Value::real(total);
}

// The least (or, with Less's arguments swapped, the greatest) element; the first among equals.
template <bool (*Less)(const Value&, const Value&), bool Greatest>
Value extreme(NativeContext& ctx, const Value* a) {
  const Items& xs = items(a[0]);
  if (xs.empty()) return index_error(ctx, std::string(Greatest ? "max" : "min") + ": the list is empty");
  const Value* best = &xs[0];
  for (const Value& x : xs)
    if (Greatest ? Less(*best, x) : Less(x, *best)) best = &x;
  return *best;
}

template <bool (*Less)(const Value&, const Value&), bool Greatest>
Value extreme_of_two(NativeContext&, const Value* a) {
  if (Greatest) return Less(a[0], a[1]) ? a[1] : a[0];
  return Less(a[1], a[0]) ? a[1] : a[0];
}

Value make_int(int64_t x) { return Value::integer(x); }
Value make_duration(int64_t x) { return Value::duration(x); }

constexpr NativeEntry kNatives[] = {
    native<contains_list>("contains(xs: list<T>, x: T) -> bool"),
    native<has>("contains(m: map<T>, key: string) -> bool"),
    native<index_of_list>("index_of(xs: list<T>, x: T) -> int"),
    native<range_n>("range(n: int) -> list<int>"),
    native<range_ab>("range(start: int, end: int) -> list<int>"),
    native<append>("append(xs: list<T>, x: T) -> list<T>"),
    native<keys>("keys(m: map<T>) -> list<string>"),
    native<values>("values(m: map<T>) -> list<T>"),
    native<has>("has(m: map<T>, key: string) -> bool"),
    native<get_default>("get(m: map<T>, key: string, default: T) -> T"),
    native<get_optional>("get(m: map<T>, key: string) -> T?"),
    native<with>("with(m: map<T>, key: string, value: T) -> map<T>"),
    native<without>("without(m: map<T>, key: string) -> map<T>"),
    native<sorted<int_less>>("sort(xs: list<int>) -> list<int>"),
    native<sorted<float_less>>("sort(xs: list<float>) -> list<float>"),
    native<sorted<str_less>>("sort(xs: list<string>) -> list<string>"),
    native<sorted<int_less>>("sort(xs: list<duration>) -> list<duration>"),
    native<sorted<int_less>>("sort(xs: list<time>) -> list<time>"),
    native<reverse_list>("reverse(xs: list<T>) -> list<T>"),
    native<sum_exact<make_int>>("sum(xs: list<int>) -> int"),
    native<sum_float>("sum(xs: list<float>) -> float"),
    native<sum_exact<make_duration>>("sum(xs: list<duration>) -> duration"),
    native<extreme<int_less, false>>("min(xs: list<int>) -> int"),
    native<extreme<float_less, false>>("min(xs: list<float>) -> float"),
    native<extreme<int_less, false>>("min(xs: list<duration>) -> duration"),
    native<extreme_of_two<int_less, false>>("min(a: int, b: int) -> int"),
    native<extreme_of_two<float_less, false>>("min(a: float, b: float) -> float"),
    native<extreme_of_two<int_less, false>>("min(a: duration, b: duration) -> duration"),
    native<extreme<int_less, true>>("max(xs: list<int>) -> int"),
    native<extreme<float_less, true>>("max(xs: list<float>) -> float"),
    native<extreme<int_less, true>>("max(xs: list<duration>) -> duration"),
    native<extreme_of_two<int_less, true>>("max(a: int, b: int) -> int"),
    native<extreme_of_two<float_less, true>>("max(a: float, b: float) -> float"),
    native<extreme_of_two<int_less, true>>("max(a: duration, b: duration) -> duration"),
    native<unique>("unique(xs: list<T>) -> list<T>"),
    native<slice_to>("slice(xs: list<T>, start: int, end: int) -> list<T>"),
    native<slice_from>("slice(xs: list<T>, start: int) -> list<T>"),
    native<first>("first(xs: list<T>) -> T?"),
    native<last>("last(xs: list<T>) -> T?"),
};

}  // namespace

}  // namespace wf::stdlib::natives

namespace wf::stdlib {
std::span<const NativeEntry> collection_natives() { return natives::kNatives; }
}  // namespace wf::stdlib
