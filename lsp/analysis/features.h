// The questions a Workspace answers, each in its own file, on one Snapshot. Internal to
// lsp/analysis: callers go through workspace.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "analysis/offset_map.h"
#include "analysis/results.h"
#include "analysis/snapshot.h"

namespace wf::analysis {

std::vector<Problem> problems_of(const Snapshot& snapshot);                           // problems.cpp
std::optional<HoverInfo> hover_at(Snapshot& snapshot, uint32_t offset);               // hover.cpp
std::optional<FileRange> definition_at(const Snapshot& snapshot, uint32_t offset);    // definition.cpp
std::vector<Symbol> symbols_of(const Snapshot& snapshot);                             // symbols.cpp
// `text` is the document as it is now, `offset` is in it, and `edits` lead from the snapshot's
// text to it: what is being typed is read from the text, names and types from the snapshot.
std::vector<CompletionCandidate> completion_at(Snapshot& snapshot, const std::string& text,  // completion.cpp
                                               uint32_t offset, const std::vector<TextEdit>& edits);
Formatting format_text(const std::string& path, const std::string& text);             // formatting.cpp
std::vector<FileRange> references_at(const Snapshot& snapshot, uint32_t offset,       // references.cpp
                                     bool include_declaration);
Renaming rename_at(const Snapshot& snapshot, uint32_t offset);                        // references.cpp
std::vector<Fold> folds_of(const Snapshot& snapshot);                                 // folding.cpp
std::vector<SemanticToken> tokens_of(const Snapshot& snapshot);                       // tokens.cpp
std::optional<SignatureHelp> signature_at(const Snapshot& snapshot, const std::string& text,  // signature.cpp
                                          uint32_t offset);

}  // namespace wf::analysis
