// Copying a declaration's syntax tree, moved by a number of bytes: how a declaration parsed once
// is reused in a later parse of the same file, where an edit before it shifted its text. Only
// what the parser sets is copied; what the checker fills in (types, bindings, call targets) starts
// empty in the copy, as in a fresh parse.
#pragma once

#include <cstdint>

#include "syntax/ast.h"

namespace wf {

// A copy of `decl` with every byte range it holds moved by `shift`. Recursive: run it where the
// parser runs (on the large stack), since trees are as deep as the parser accepts.
Own<Decl> copy_decl(const Decl& decl, int64_t shift);

}  // namespace wf
