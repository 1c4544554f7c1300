// Object construction, destruction, shapes and structural equality.
#include "vm/value.h"

#include <map>
#include <memory>
#include <mutex>

#include "vm/shape.h"

namespace wf::vm {

int Shape::index_of(std::string_view name) const {
  for (size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return static_cast<int>(i);
  return -1;
}

const Shape* Shape::intern(std::vector<std::string> names) {
  // One registry per process; the service runs many VMs on one thread, the tests on several.
  static std::mutex mutex;
  static std::map<std::vector<std::string>, std::unique_ptr<Shape>> shapes;
  std::lock_guard<std::mutex> lock(mutex);
  auto it = shapes.find(names);
  if (it != shapes.end()) return it->second.get();
  auto shape = std::unique_ptr<Shape>(new Shape(names));
  const Shape* out = shape.get();
  shapes.emplace(std::move(names), std::move(shape));
  return out;
}

const Value* MapObj::find(std::string_view key) const {
  for (const auto& [k, v] : entries)
    if (k == key) return &v;
  return nullptr;
}

void destroy(Obj* o) {
  // Children are released by the members' destructors; deep trees recurse once per level, and
  // the loader and the decoder bound nesting depth.
  switch (o->tag) {
    case Tag::Str: delete static_cast<StrObj*>(o); break;
    case Tag::List: delete static_cast<ListObj*>(o); break;
    case Tag::Map: delete static_cast<MapObj*>(o); break;
    default: delete static_cast<RecObj*>(o); break;
  }
}

Value make_string(std::string text) { return Value::object(new StrObj(std::move(text))); }

Value make_list(std::vector<Value> items) {
  auto* l = new ListObj();
  l->items = std::move(items);
  return Value::object(l);
}

Value make_map(std::vector<std::pair<std::string, Value>> entries) {
  auto* m = new MapObj();
  m->entries = std::move(entries);
  return Value::object(m);
}

Value make_record(const Shape* shape, std::vector<Value> fields, Tag tag) {
  auto* r = new RecObj(tag, shape);
  r->fields = std::move(fields);
  return Value::object(r);
}

bool equal(const Value& a, const Value& b) {
  if (a.tag != b.tag) return false;
  switch (a.tag) {
    case Tag::None: return true;
    case Tag::Bool: return a.b == b.b;
    case Tag::Int:
    case Tag::Duration:
    case Tag::Time:
    case Tag::Fiber: return a.i == b.i;
    case Tag::Float: return a.f == b.f;
    case Tag::Str: return a.o == b.o || as_string(a) == as_string(b);
    case Tag::List: {
      const auto &x = as_list(a), &y = as_list(b);
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!equal(x[i], y[i])) return false;
      return true;
    }
    case Tag::Map: {
      const auto &x = as_map(a).entries, &y = as_map(b).entries;
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x) {
        const Value* w = as_map(b).find(k);
        if (!w || !equal(v, *w)) return false;
      }
      return true;
    }
    default: {
      const RecObj &x = as_record(a), &y = as_record(b);
      if (x.fields.size() != y.fields.size()) return false;
      for (size_t i = 0; i < x.fields.size(); ++i) {
        const int j = y.shape->index_of(x.shape->names()[i]);
        if (j < 0 || !equal(x.fields[i], y.fields[j])) return false;
      }
      return true;
    }
  }
}

}  // namespace wf::vm
