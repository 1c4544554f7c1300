// Hover: what the name under the cursor stands for (a declaration's signature and `///` docs, a
// local's type, a builtin's signature and doc), or else the type of the expression there.
#include <fmt/format.h>

#include "analysis/describe.h"
#include "analysis/features.h"
#include "analysis/locate.h"
#include "check/types.h"

namespace wf::analysis {

namespace {

HoverInfo about_decl(const Snapshot& s, const Decl& decl, SourceRange range) {
  return {range, describe_decl(s.compilation().file(s.file_of(&decl)), decl), decl.docs};
}

HoverInfo about_builtins(const Occurrence& o) {
  HoverInfo h{o.range, {}, {}};
  if (o.overload >= 0) {
    const auto& chosen = o.builtins[static_cast<size_t>(o.overload)];
    h.code = describe_builtin(chosen);
    h.docs = std::string(chosen.doc);
    return h;
  }
  // No overload fits the arguments (yet): show them all.
  for (const auto& overload : o.builtins) {
    if (!h.code.empty()) h.code += '\n';
    h.code += describe_builtin(overload);
    if (!h.docs.empty()) h.docs += "\n\n";
    h.docs += fmt::format("`{}`: {}", describe_builtin(overload), overload.doc);
  }
  return h;
}

bool shows_type(const Type* t) { return t && !t->is_error() && t->kind != TypeKind::Void; }

}  // namespace

std::optional<HoverInfo> hover_at(Snapshot& snapshot, uint32_t offset) {
  const std::optional<Occurrence> found = locate(snapshot, offset);
  if (!found) return std::nullopt;
  const Occurrence& o = *found;
  if (o.import) {
    // The docs say which file the path resolved to, or nothing when it did not resolve.
    const Compilation& c = snapshot.compilation();
    std::string resolved;
    for (const auto& [decl_index, target] : c.imports_of(0))
      if (c.root().decls[decl_index].get() == o.import) resolved = "`" + c.file(target).path() + "`";
    return HoverInfo{o.range, describe_decl(snapshot.document(), *o.import), resolved};
  }
  if (!o.builtins.empty()) return about_builtins(o);
  if (o.decl) return about_decl(snapshot, *o.decl, o.range);
  if (o.binding) {
    if (o.binding->decl) return about_decl(snapshot, *o.binding->decl, o.range);
    return HoverInfo{o.range, describe_binding(*o.binding, snapshot.written_type(*o.binding)), {}};
  }
  if (o.param) {
    // A parameter nothing uses has no binding to give its type: show it as written.
    std::string code = o.param->name.text;
    if (o.param->type) code += ": " + std::string(snapshot.document().slice(o.param->type->range));
    return HoverInfo{o.range, code, {}};
  }
  if (!o.field.empty())
    return HoverInfo{o.range, o.field + (shows_type(o.field_type) ? ": " + type_name(o.field_type) : ""), {}};
  if (!o.job_kind.empty()) {
    const Type* record = snapshot.compilation().types().job_kind(o.job_kind);
    return HoverInfo{o.range, o.job_kind + (record ? ": " + type_name(record) : ""),
                     "The record a `run " + o.job_kind + "` job takes; fields of optional type may be left out."};
  }
  if (o.expr && shows_type(o.expr->type)) return HoverInfo{o.range, type_name(o.expr->type), {}};
  return std::nullopt;
}

}  // namespace wf::analysis
