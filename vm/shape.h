// A record's field names, in order. Shapes are interned for the life of the process, so a
// record holds a plain pointer and two records with the same fields share one Shape.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace wf::vm {

class Shape {
 public:
  const std::vector<std::string>& names() const { return names_; }
  // The index of field `name`, or -1.
  int index_of(std::string_view name) const;

  static const Shape* intern(std::vector<std::string> names);

 private:
  explicit Shape(std::vector<std::string> names) : names_(std::move(names)) {}
  std::vector<std::string> names_;
};

}  // namespace wf::vm
