// Go to definition: where the name under the cursor was declared, in the document or in a module
// it imports (a narrowed view of a variable leads to the variable itself).
#include "analysis/features.h"
#include "analysis/locate.h"

namespace wf::analysis {

std::optional<FileRange> definition_at(const Snapshot& snapshot, uint32_t offset) {
  const std::optional<Occurrence> found = locate(snapshot, offset);
  if (!found) return std::nullopt;
  const Occurrence& o = *found;
  const Compilation& c = snapshot.compilation();
  if (o.import) {
    for (const auto& [decl_index, target] : c.imports_of(0))
      if (c.root().decls[decl_index].get() == o.import) return FileRange{c.file(target).path(), SourceRange{0, 0}};
    return std::nullopt;
  }
  if (o.decl) return FileRange{c.file(snapshot.file_of(o.decl)).path(), o.decl->name.range};
  if (o.binding) {
    const Binding* b = o.binding;
    while (b->narrows) b = b->narrows;
    if (b->decl) return FileRange{c.file(snapshot.file_of(b->decl)).path(), b->decl->name.range};
    return FileRange{c.file(b->where.file).path(), b->where.range};
  }
  if (o.param) return FileRange{snapshot.document().path(), o.param->name.range};
  return std::nullopt;
}

}  // namespace wf::analysis
