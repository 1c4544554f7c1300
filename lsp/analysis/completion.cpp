// Completion. What is offered depends on the text just before the cursor, read from the text
// itself because the tree is often broken there:
//   after `@`            the annotations
//   after `.`            the receiver's fields (a record) and the builtins callable on it in method
//                        form (`names.contains(x)`)
//   after `->`           type names
//   elsewhere in code    keywords, the names in scope, the module's declarations and imported
//                        ones, the builtins; type names too after `:`
//   in a comment or in the text of a string: nothing.
#include <fmt/format.h>

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
  Completer(Snapshot& s, uint32_t offset) : s_(s), text_(s.document().text()), offset_(offset) {}

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
    } else {
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

  // The punctuation just before `start`, over spaces and tabs.
  std::string_view token_before(uint32_t start) const {
    uint32_t i = start;
    while (i > 0 && (text_[i - 1] == ' ' || text_[i - 1] == '\t')) --i;
    if (i >= 2 && text_.compare(i - 2, 2, "->") == 0) return "->";
    if (i >= 1 && text_[i - 1] == ':') return ":";
    return {};
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
    std::vector<LocalName> locals = locals_at(s_, offset_);
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

  // The receiver as the parser saw it: the largest postfix expression that ends at the dot.
  const Type* receiver_from_tree(uint32_t dot) {
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
    std::vector<std::string> chain;
    uint32_t end = dot;
    for (;;) {
      uint32_t begin = end;
      while (begin > 0 && is_word_char(text_[begin - 1])) --begin;
      if (begin == end) return nullptr;
      chain.insert(chain.begin(), text_.substr(begin, end - begin));
      if (begin == 0 || text_[begin - 1] != '.') break;
      end = begin - 1;
    }
    const Type* t = nullptr;
    std::vector<LocalName> locals = locals_at(s_, dot);
    for (auto it = locals.rbegin(); it != locals.rend() && !t; ++it)
      if (it->name == chain[0] && it->binding) t = it->binding->type;
    if (!t) {
      for_each_module_decl([&](const SourceFile&, const Decl& d) {
        if (!t && d.kind == DeclKind::Const && d.name.text == chain[0]) {
          const auto& c = static_cast<const ConstDecl&>(d);
          if (c.value) t = c.value->type;
        }
      });
    }
    for (size_t i = 1; i < chain.size() && t; ++i) {
      const Field* f = t->kind == TypeKind::Record ? t->field(chain[i]) : nullptr;
      t = f ? f->type : nullptr;
    }
    return t;
  }

  Snapshot& s_;
  const std::string& text_;
  uint32_t offset_;
  std::vector<CompletionCandidate> out_;
  std::set<std::string> seen_;
};

}  // namespace

std::vector<CompletionCandidate> completion_at(Snapshot& snapshot, uint32_t offset) {
  return Completer(snapshot, offset).run();
}

}  // namespace wf::analysis
