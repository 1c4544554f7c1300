// Runtime values of the VM (SPEC §1.3). Every value is an immutable tree, so reference counting
// is exact (no cycles can form) and an unshared list or string may be updated in place: the
// language cannot observe it. A Value is 16 bytes: a tag and a payload (a scalar or an object).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wf::vm {

// Scalars first, objects after: whether a value holds an object (and so a reference count) is one
// comparison, which every register write makes.
enum class Tag : uint8_t {
  None, Bool, Int, Float, Duration, Time,  // scalars (Duration and Time are milliseconds)
  Fiber,                                   // a parallel branch's handle (never escapes a workflow)
  Str, List, Map, Record,                  // objects; `json` values use these same tags
  Credential, Approver, Channel,           // records with their own rendering
};

inline bool is_object(Tag t) { return t >= Tag::Str; }

struct Value;

struct Obj {
  uint32_t refs = 1;
  Tag tag;
  explicit Obj(Tag t) : tag(t) {}
};

class Shape;  // record field names (shape.h)

struct Value {
  Tag tag = Tag::None;
  union {
    bool b;
    int64_t i;  // Int, Duration, Time, Fiber
    double f;
    Obj* o;
  };

  Value() : i(0) {}
  ~Value() { release(); }
  Value(const Value& v) : tag(v.tag), i(v.i) { retain(); }
  Value(Value&& v) noexcept : tag(v.tag), i(v.i) { v.tag = Tag::None; }
  Value& operator=(const Value& v) {
    if (this != &v) {
      if (is_object(v.tag)) ++v.o->refs;
      release();
      tag = v.tag;
      i = v.i;
    }
    return *this;
  }
  Value& operator=(Value&& v) noexcept {
    if (this != &v) {
      release();
      tag = v.tag;
      i = v.i;
      v.tag = Tag::None;
    }
    return *this;
  }

  static Value none() { return Value(); }
  static Value boolean(bool x) { Value v; v.tag = Tag::Bool; v.i = 0; v.b = x; return v; }
  static Value integer(int64_t x) { Value v; v.tag = Tag::Int; v.i = x; return v; }
  static Value real(double x) { Value v; v.tag = Tag::Float; v.f = x; return v; }
  static Value duration(int64_t ms) { Value v; v.tag = Tag::Duration; v.i = ms; return v; }
  static Value time(int64_t ms) { Value v; v.tag = Tag::Time; v.i = ms; return v; }
  static Value fiber(int64_t id) { Value v; v.tag = Tag::Fiber; v.i = id; return v; }
  // Takes over a new object's one reference.
  static Value object(Obj* obj) { Value v; v.tag = obj->tag; v.o = obj; return v; }

  bool is_none() const { return tag == Tag::None; }
  // Whether this value holds the only reference to its object (in-place updates are invisible).
  bool unshared() const { return is_object(tag) && o->refs == 1; }

 private:
  void retain() const { if (is_object(tag)) ++o->refs; }
  void release();
};

struct StrObj : Obj {
  std::string text;
  explicit StrObj(std::string t) : Obj(Tag::Str), text(std::move(t)) {}
};

struct ListObj : Obj {
  std::vector<Value> items;
  ListObj() : Obj(Tag::List) {}
};

// Insertion-ordered; lookups scan, since workflow maps are small (a hash index would pay off
// only past a few dozen keys, and may be added behind this interface).
struct MapObj : Obj {
  std::vector<std::pair<std::string, Value>> entries;
  MapObj() : Obj(Tag::Map) {}
  const Value* find(std::string_view key) const;
};

// Records, and the record-like Credential, Approver and Channel values.
struct RecObj : Obj {
  const Shape* shape;
  std::vector<Value> fields;
  RecObj(Tag t, const Shape* s) : Obj(t), shape(s) {}
};

void destroy(Obj* o);

inline void Value::release() {
  if (is_object(tag) && --o->refs == 0) destroy(o);
}

// Constructors for object values.
Value make_string(std::string text);
Value make_list(std::vector<Value> items);
Value make_map(std::vector<std::pair<std::string, Value>> entries);
Value make_record(const Shape* shape, std::vector<Value> fields, Tag tag = Tag::Record);

// Accessors; the caller knows the tag (the checker proved it).
inline const std::string& as_string(const Value& v) { return static_cast<StrObj*>(v.o)->text; }
inline const std::vector<Value>& as_list(const Value& v) { return static_cast<ListObj*>(v.o)->items; }
inline const MapObj& as_map(const Value& v) { return *static_cast<MapObj*>(v.o); }
inline const RecObj& as_record(const Value& v) { return *static_cast<RecObj*>(v.o); }

// Structural equality (SPEC §1.4). Ints and floats are different values: `1 == 1.0` is false,
// but the checker never lets the two meet, except inside json.
bool equal(const Value& a, const Value& b);

}  // namespace wf::vm
