// Completion candidates (see completion.h).
#include "repl/completion.h"

#include <algorithm>

#include "analysis/vocabulary.h"
#include "stdlib/builtins.h"

namespace wf::repl {

std::span<const std::string_view> keywords() { return analysis::keywords(); }

const std::vector<std::string_view>& meta_command_names() {
  static const std::vector<std::string_view> list = {":help", ":type", ":disasm", ":load", ":vars",
                                                     ":reset", ":simulate", ":notify", ":quit"};
  return list;
}

std::vector<std::string> complete(const Session& session, std::string_view prefix) {
  std::vector<std::string> out;
  const auto offer = [&](std::string_view name) {
    if (!name.empty() && name.starts_with(prefix) && !name.starts_with("__")) out.emplace_back(name);
  };
  if (prefix.starts_with(":")) {
    for (std::string_view m : meta_command_names()) offer(m);
  } else {
    for (std::string_view k : keywords()) offer(k);
    for (const stdlib::BuiltinSignature& b : stdlib::builtins()) offer(b.name);
    for (std::string_view t : analysis::builtin_type_names()) offer(t);
    for (const Declaration& d : session.declarations()) offer(d.name);
    for (const Variable& v : session.variables()) offer(v.name);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace wf::repl
