// Completion. What is offered depends on the text just before the cursor, read from the text
// itself because the tree is often broken there:
//   after `@`            the annotations
//   after `.`            the receiver's fields (a record) and the builtins callable on it in method
//                        form (`names.contains(x)`)
//   after `->`           type names
//   after `run script`   the scripts of the module and of the modules it imports
//   after `quorum`       the approval quorums the checker accepts
//   in the record of a typed job kind (`run service_control {`), where a field name goes: the
//                        kind's fields not written yet
//   elsewhere in code    keywords, the names in scope, the module's declarations and imported
//                        ones, the builtins; type names too after `:`
//   in a comment or in the text of a string: nothing.
#include <fmt/format.h>

#include <cctype>
#include <set>

#include "analysis/describe.h"
#include "analysis/features.h"
#include "analysis/scope_at.h"
#include "analysis/vocabulary.h"
#include "check/types.h"
#include "stdlib/builtin_records.h"
#include "syntax/ast_walk.h"

namespace wf::analysis {

namespace {

bool is_word_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

enum class Place { Code, Comment, StringText };

// Whether `offset` is in code, a line comment or a string's text, from the start of its line.
// Interpolations (`{{ }}`) are code. Multi-line strings and block comments are not followed: at
// worst completion offers names where it need not.
Place place_of(std::string_view text, uint32_t offset) {
  size_t i = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  i = (i == std::string_view::npos || offset == 0) ? 0 : i + 1;
  bool in_string = false;
  int interpolation = 0;
  for (; i < offset; ++i) {
    const char c = text[i];
    if (in_string && interpolation == 0) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      else if (c == '{' && i + 1 < offset && text[i + 1] == '{') { interpolation = 1; ++i; }
      continue;
    }
    if (c == '/' && i + 1 < offset && text[i + 1] == '/') return Place::Comment;
    if (in_string && c == '}' && i + 1 < offset && text[i + 1] == '}') { interpolation = 0; ++i; continue; }
    if (c == '"') {
      if (in_string) continue;  // a string inside an interpolation: rare, ignored
      in_string = true;
    }
  }
  return in_string && interpolation == 0 ? Place::StringText : Place::Code;
}

class Completer {
 public:
  // `text` is the document as it is now; `edits` lead to it from the snapshot's text.
  Completer(Snapshot& s, const std::string& text, uint32_t offset, const std::vector<TextEdit>& edits)
      : s_(s), text_(text), offset_(offset), edits_(edits) {}

  std::vector<CompletionCandidate> run() {
    if (offset_ > text_.size()) offset_ = static_cast<uint32_t>(text_.size());
    if (place_of(text_, offset_) != Place::Code) return {};
    uint32_t start = offset_;
    while (start > 0 && is_word_char(text_[start - 1])) --start;
    const char before = start > 0 ? text_[start - 1] : '\0';
    if (before == '@') {
      annotations_();
    } else if (before == '.') {
      members(start - 1);
    } else if (const std::string_view word = word_before(start); word == "quorum") {
      quorums();
    } else if (word == "script" && word_before(word_begin(start)) == "run") {
      scripts();
    } else if (!job_fields(start)) {
      const std::string_view token = token_before(start);
      if (token == "->") {
        types();
      } else {
        everything();
        if (token == ":") types();
      }
    }
    return std::move(out_);
  }

 private:
  void add(std::string label, CompletionKind kind, std::string detail = {}, std::string docs = {},
           std::string insert = {}) {
    if (!seen_.insert(label).second) return;
    out_.push_back({std::move(label), kind, std::move(detail), std::move(docs), std::move(insert)});
  }

  // The offset in the snapshot's text of an offset in the current one.
  uint32_t older(uint32_t offset) const { return to_older(edits_, offset).offset; }

  // Where the word that ends before `end` (over spaces and tabs) begins, and the word itself.
  uint32_t word_begin(uint32_t end) const {
    while (end > 0 && (text_[end - 1] == ' ' || text_[end - 1] == '\t')) --end;
    while (end > 0 && is_word_char(text_[end - 1])) --end;
    return end;
  }
  std::string_view word_before(uint32_t end) const {
    const uint32_t begin = word_begin(end);
    uint32_t stop = begin;
    while (stop < text_.size() && is_word_char(text_[stop])) ++stop;
    return std::string_view(text_).substr(begin, stop - begin);
  }

  // The punctuation just before `start`, over spaces and tabs.
  std::string_view token_before(uint32_t start) const {
    uint32_t i = start;
    while (i > 0 && (text_[i - 1] == ' ' || text_[i - 1] == '\t')) --i;
    if (i >= 2 && text_.compare(i - 2, 2, "->") == 0) return "->";
    if (i >= 1 && text_[i - 1] == ':') return ":";
    return {};
  }

  void quorums() {
    for (const std::string& q : approval_quorums()) add(q, CompletionKind::Keyword, "approval quorum");
  }

  void scripts() {
    for_each_module_decl([&](const SourceFile& file, const Decl& d) {
      if (d.kind == DeclKind::Script && !d.name.empty())
        add(d.name.text, CompletionKind::Script, describe_decl(file, d), d.docs);
    });
  }

  // In the record literal of a typed job kind, where a field name goes (after its `{` or a `,`):
  // the kind's fields, as the checker's table gives them, less those already written. False when
  // the cursor is anywhere else.
  bool job_fields(uint32_t start) {
    uint32_t before = start;
    while (before > 0 && std::isspace(static_cast<unsigned char>(text_[before - 1]))) --before;
    if (before == 0 || (text_[before - 1] != '{' && text_[before - 1] != ',')) return false;
    // The `{` left open around the cursor, over nested brackets (a list value, a call).
    int depth = 0;
    uint32_t open = before;
    for (;;) {
      if (open == 0) return false;
      const char c = text_[--open];
      if (c == '}' || c == ']' || c == ')') ++depth;
      else if (c == '[' || c == '(') {
        if (depth == 0) return false;
        --depth;
      } else if (c == '{') {
        if (depth == 0) break;
        --depth;
      }
    }
    const std::string_view kind = word_before(open);
    if (kind.empty() || word_before(word_begin(open)) != "run") return false;
    const Type* schema = s_.compilation().types().job_kind(kind);
    if (!schema || schema->kind != TypeKind::Record) return false;
    const std::string_view written = std::string_view(text_).substr(open, start - open);
    for (const Field& f : schema->fields) {
      // `name:` already in the record: offered once is enough.
      bool present = false;
      for (size_t at = written.find(f.name); at != std::string_view::npos && !present; at = written.find(f.name, at + 1)) {
        const bool starts = at == 0 || !is_word_char(written[at - 1]);
        size_t after = at + f.name.size();
        while (after < written.size() && (written[after] == ' ' || written[after] == '\t')) ++after;
        present = starts && after < written.size() && written[after] == ':';
      }
      if (!present) add(f.name, CompletionKind::Field, type_name(f.type));
    }
    return true;
  }

  void annotations_() {
    for (const AnnotationWord& a : annotations())
      add(std::string(a.name), CompletionKind::Annotation, std::string(a.usage), std::string(a.doc));
  }

  void types() {
    for (std::string_view t : builtin_type_names()) add(std::string(t), CompletionKind::Type);
    for (const stdlib::BuiltinRecord& r : stdlib::builtin_records()) {
      const Type* t = s_.compilation().types().builtin_named(r.name);
      add(std::string(r.name), CompletionKind::Type, t ? type_name_with_fields(t) : std::string());
    }
    for_each_module_decl([&](const SourceFile& file, const Decl& d) {
      if (d.kind == DeclKind::Type) add(d.name.text, CompletionKind::Type, describe_decl(file, d), d.docs);
    });
  }

  static std::string type_name_with_fields(const Type* t) {
    if (t->kind != TypeKind::Record || t->name.empty()) return type_name(t);
    std::string out = "{";
    for (const Field& f : t->fields) out += (out.size() > 1 ? ", " : "") + f.name + ": " + type_name(f.type);
    return out + "}";
  }

  template <class F>
  void for_each_module_decl(F&& f) {
    const Compilation& c = s_.compilation();
    for (const auto& d : c.root().decls) f(c.file(0), *d);
    for (const auto& [decl_index, target] : c.imports_of(0))
      for (const auto& d : c.module(target).decls) f(c.file(target), *d);
  }

  void everything() {
    // Innermost names first: the first of a spelling wins, as it shadows the others.
    std::vector<LocalName> locals = locals_at(s_, older(offset_));
    for (auto it = locals.rbegin(); it != locals.rend(); ++it) {
      const Type* t = it->binding ? it->binding->type : nullptr;
      std::string detail = it->binding ? s_.written_type(*it->binding) : it->written_type;
      if (detail.empty() && t && !t->is_error()) detail = type_name(t);
      add(it->name, it->is_param ? CompletionKind::Parameter : CompletionKind::Variable, std::move(detail));
    }
    for_each_module_decl([&](const SourceFile& file, const Decl& d) {
      if (d.name.empty()) return;
      switch (d.kind) {
        case DeclKind::Const: add(d.name.text, CompletionKind::Constant, describe_decl(file, d), d.docs); break;
        case DeclKind::Fn: add(d.name.text, CompletionKind::Fn, describe_decl(file, d), d.docs); break;
        case DeclKind::Workflow: add(d.name.text, CompletionKind::Workflow, describe_decl(file, d, false), d.docs); break;
        case DeclKind::Script: add(d.name.text, CompletionKind::Script, describe_decl(file, d), d.docs); break;
        case DeclKind::Library: add(d.name.text, CompletionKind::Library, describe_decl(file, d), d.docs); break;
        case DeclKind::Type:
        case DeclKind::Import: break;
      }
    });
    builtins([](const stdlib::BuiltinSignature&) { return true; });
    for (std::string_view k : keywords()) add(std::string(k), CompletionKind::Keyword);
  }

  // Each builtin name once, with its first fitting overload as the detail and every fitting
  // overload in the docs.
  template <class Fits>
  void builtins(Fits&& fits) {
    const auto all = stdlib::builtins();
    for (size_t i = 0; i < all.size();) {
      const auto overloads = stdlib::overloads(all[i].name);
      std::string detail, docs;
      for (const auto& o : overloads) {
        if (!fits(o)) continue;
        if (detail.empty()) detail = describe_builtin(o);
        if (!docs.empty()) docs += "\n\n";
        docs += fmt::format("`{}`: {}", describe_builtin(o), o.doc);
      }
      if (!detail.empty()) add(std::string(all[i].name), CompletionKind::Builtin, std::move(detail), std::move(docs));
      i += overloads.empty() ? 1 : overloads.size();
    }
  }

  // ---- after `.`

  void members(uint32_t dot) {
    const Type* receiver = receiver_from_tree(dot);
    if (!receiver) receiver = receiver_from_text(dot);
    if (!receiver || receiver->is_error()) return;
    if (receiver->kind == TypeKind::Record)
      for (const Field& f : receiver->fields) add(f.name, CompletionKind::Field, type_name(f.type));
    TypeContext& types = s_.compilation().types();
    builtins([&](const stdlib::BuiltinSignature& o) {
      std::vector<std::pair<std::string, const Type*>> params;
      types.parse_signature(o.signature, params);
      return !params.empty() && accepts(params[0].second, receiver);
    });
  }

  // Whether a builtin's first parameter takes the receiver. A bare type variable (`v: any`) takes
  // everything; those are left out, or every value would offer `str` and `to_json`.
  static bool accepts(const Type* param, const Type* receiver) {
    if (param->kind == TypeKind::TypeVar) return false;
    if ((param->kind == TypeKind::List || param->kind == TypeKind::Map) && param->kind == receiver->kind)
      return param->element->kind == TypeKind::TypeVar || assignable(receiver, param);
    return assignable(receiver, param);
  }

  // The receiver as the parser saw it: the largest postfix expression that ends at the dot. Text
  // typed since the analysis has no tree.
  const Type* receiver_from_tree(uint32_t current_dot) {
    const OlderOffset at = to_older(edits_, current_dot);
    if (!at.exact) return nullptr;
    const uint32_t dot = at.offset;
    const Expr* best = nullptr;
    AstVisitor v;
    v.on_expr = [&](Expr& e) {
      if (e.range.end != dot || !e.type) return;
      switch (e.kind) {
        case ExprKind::Name: case ExprKind::Field: case ExprKind::Index: case ExprKind::Call:
        case ExprKind::String: case ExprKind::List: case ExprKind::Record: case ExprKind::Map:
        case ExprKind::Run: case ExprKind::Approve: case ExprKind::WaitEvent:
          if (!best || e.range.begin < best->range.begin) best = &e;
          break;
        default: break;
      }
    };
    for (const auto& d : s_.module().decls)
      if (d->range.begin <= dot && dot <= d->range.end) walk(mutable_decl(*d), v);
    return best ? best->type : nullptr;
  }

  // The receiver read from the text, `name(.field)*`, when the parser lost the statement: the
  // name from the scope, then each field of its record type.
  const Type* receiver_from_text(uint32_t dot) {
    // `name([..])*(.field([..])*)*`, each part with the number of indexes after it.
    struct Part {
      std::string name;
      int indexes = 0;
    };
    std::vector<Part> chain;
    uint32_t end = dot;
    for (;;) {
      Part part;
      while (end > 0 && text_[end - 1] == ']') {
        int depth = 0;
        uint32_t open = end;
        while (open > 0) {
          const char c = text_[--open];
          if (c == ']') ++depth;
          else if (c == '[' && --depth == 0) break;
        }
        if (depth != 0) return nullptr;
        ++part.indexes;
        end = open;
      }
      uint32_t begin = end;
      while (begin > 0 && is_word_char(text_[begin - 1])) --begin;
      if (begin == end) return nullptr;
      part.name = text_.substr(begin, end - begin);
      chain.insert(chain.begin(), std::move(part));
      if (begin == 0 || text_[begin - 1] != '.') break;
      end = begin - 1;
    }
    auto indexed = [](const Type* t, int indexes) {
      for (int i = 0; i < indexes && t; ++i)
        t = t->kind == TypeKind::List || t->kind == TypeKind::Map ? t->element : nullptr;
      return t;
    };
    const Type* t = nullptr;
    std::vector<LocalName> locals = locals_at(s_, older(dot));
    bool local = false;  // the innermost name of that spelling shadows the others
    for (auto it = locals.rbegin(); it != locals.rend() && !local; ++it) {
      if (it->name != chain[0].name) continue;
      local = true;
      // A parameter never used has no binding; a built-in type written for it still says enough.
      t = it->binding ? it->binding->type : s_.compilation().types().builtin_named(it->written_type);
    }
    if (!local) {
      for_each_module_decl([&](const SourceFile&, const Decl& d) {
        if (!t && d.kind == DeclKind::Const && d.name.text == chain[0].name) {
          const auto& c = static_cast<const ConstDecl&>(d);
          if (c.value) t = c.value->type;
        }
      });
    }
    t = indexed(t, chain[0].indexes);
    for (size_t i = 1; i < chain.size() && t; ++i) {
      const Field* f = t->kind == TypeKind::Record ? t->field(chain[i].name) : nullptr;
      t = f ? indexed(f->type, chain[i].indexes) : nullptr;
    }
    return t;
  }

  Snapshot& s_;
  const std::string& text_;
  uint32_t offset_;
  const std::vector<TextEdit>& edits_;
  std::vector<CompletionCandidate> out_;
  std::set<std::string> seen_;
};

}  // namespace

std::vector<CompletionCandidate> completion_at(Snapshot& snapshot, const std::string& text, uint32_t offset,
                                               const std::vector<TextEdit>& edits) {
  return Completer(snapshot, text, offset, edits).run();
}

}  // namespace wf::analysis
