// Re-parsing the one declaration an edit falls in, and reusing the others (see decl_reparse.h).
#include "parse/decl_reparse.h"

#include <algorithm>

#include "parse/ast_copy.h"

namespace wf {

namespace {

// A character that may stand just before a declaration's first token in a clean parse, and that
// no token runs into: a blank, a line break, a `;`.
bool is_separating(char c) { return c == ' ' || c == '\t' || c == '\f' || c == '\r' || c == '\n' || c == ';'; }

// What may come right before a declaration: nothing, a separating character, or the end of a
// block comment.
bool fits_before(const std::string& text, size_t at) {
  if (at == 0) return true;
  const char c = text[at - 1];
  return is_separating(c) || (c == '/' && at >= 2 && text[at - 2] == '*');
}

// What may come right after a declaration: the end, a separating character, or a comment.
bool fits_after(const std::string& text, size_t at) {
  if (at >= text.size()) return at == text.size();
  const char c = text[at];
  return is_separating(c) || (c == '/' && at + 1 < text.size() && (text[at + 1] == '/' || text[at + 1] == '*'));
}

SourceRange current_range(const RememberedDecl& d) {
  return {static_cast<uint32_t>(d.tree->range.begin + d.shift), static_cast<uint32_t>(d.tree->range.end + d.shift)};
}

std::unique_ptr<Module> copy_module(const RememberedModule& remembered, uint32_t file_index) {
  auto module = std::make_unique<Module>();
  module->file = file_index;
  module->decls.reserve(remembered.decls.size());
  for (const RememberedDecl& d : remembered.decls) module->decls.push_back(copy_decl(*d.tree, d.shift));
  return module;
}

}  // namespace

std::unique_ptr<Module> reparse_declaration(RememberedModule& remembered, const SourceFile& source,
                                            uint32_t file_index, const ParseWhole& parse) {
  const std::string& old = remembered.text;
  const std::string& text = source.text();
  if (old == text) return copy_module(remembered, file_index);
  if (remembered.decls.empty()) return nullptr;

  // The unchanged head and tail: the edit replaced old[head, old_end) with text[head, new_end).
  const size_t limit = std::min(old.size(), text.size());
  size_t head = 0;
  while (head < limit && old[head] == text[head]) ++head;
  size_t tail = 0;
  while (tail < limit - head && old[old.size() - 1 - tail] == text[text.size() - 1 - tail]) ++tail;
  const size_t old_end = old.size() - tail;
  const int64_t delta = static_cast<int64_t>(text.size()) - static_cast<int64_t>(old.size());

  // The declaration whose first character is before the edit; the edit must end inside it.
  auto after = std::partition_point(remembered.decls.begin(), remembered.decls.end(),
                                    [&](const RememberedDecl& d) { return current_range(d).begin < head; });
  if (after == remembered.decls.begin()) return nullptr;
  const size_t index = static_cast<size_t>(after - remembered.decls.begin()) - 1;
  RememberedDecl& edited = remembered.decls[index];
  const SourceRange old_range = current_range(edited);
  if (old_end > old_range.end) return nullptr;
  const size_t begin = old_range.begin;
  const size_t end = static_cast<size_t>(static_cast<int64_t>(old_range.end) + delta);
  if (end <= begin || !fits_before(text, begin) || !fits_after(text, end)) return nullptr;

  // The declaration's new text, parsed alone: it must be one clean declaration, all of the text.
  SourceFile alone(source.path(), text.substr(begin, end - begin));
  DiagnosticSink sink;
  WholeParse fresh = parse(alone, sink);
  if (!sink.all().empty() || !fresh.lexer_ended_clean || !fresh.module || fresh.module->decls.size() != 1 ||
      fresh.first_tokens.size() != 1 || fresh.first_tokens[0] != edited.first_token)
    return nullptr;
  Own<Decl>& tree = fresh.module->decls[0];
  if (tree->range.begin != 0 || tree->range.end != end - begin) return nullptr;
  tree->docs = edited.tree->docs;  // the docs are before the declaration, where nothing changed

  edited.tree = std::move(tree);
  edited.shift = static_cast<int64_t>(begin);
  for (size_t j = index + 1; j < remembered.decls.size(); ++j) remembered.decls[j].shift += delta;
  remembered.text = text;
  return copy_module(remembered, file_index);
}

std::unique_ptr<RememberedModule> remember_parse(const std::string& text, const Module& module,
                                                 const std::vector<size_t>& first_tokens) {
  if (module.decls.size() != first_tokens.size()) return nullptr;
  auto remembered = std::make_unique<RememberedModule>();
  remembered->text = text;
  remembered->decls.reserve(module.decls.size());
  for (size_t i = 0; i < module.decls.size(); ++i) {
    if (!module.decls[i]) return nullptr;
    remembered->decls.push_back({copy_decl(*module.decls[i], 0), 0, first_tokens[i]});
  }
  return remembered;
}

}  // namespace wf
