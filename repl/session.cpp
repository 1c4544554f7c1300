// The session's state (see session.h).
#include "repl/session.h"

#include <algorithm>

namespace wf::repl {

void Session::declare(Declaration d) {
  if (d.kind == "import") {
    for (const Declaration& e : declarations_)
      if (e.kind == "import" && e.text == d.text) return;
  } else {
    std::erase_if(declarations_, [&](const Declaration& e) { return !e.name.empty() && e.name == d.name; });
  }
  declarations_.push_back(std::move(d));
}

bool Session::declares(std::string_view name) const {
  return std::any_of(declarations_.begin(), declarations_.end(), [&](const Declaration& d) { return d.name == name; });
}

void Session::load(std::string absolute_path) {
  if (std::find(loaded_.begin(), loaded_.end(), absolute_path) == loaded_.end()) loaded_.push_back(std::move(absolute_path));
}

const Variable* Session::variable(std::string_view name) const {
  for (const Variable& v : variables_)
    if (v.name == name) return &v;
  return nullptr;
}

void Session::set_variable(Variable v) {
  for (Variable& e : variables_)
    if (e.name == v.name) {
      e = std::move(v);
      return;
    }
  variables_.push_back(std::move(v));
}

void Session::reset() {
  declarations_.clear();
  loaded_.clear();
  variables_.clear();
}

}  // namespace wf::repl
