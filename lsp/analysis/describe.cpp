// One-line descriptions of declarations, bindings and builtins (see describe.h).
#include "analysis/describe.h"

#include "check/types.h"

namespace wf::analysis {

namespace {

std::string slice(const SourceFile& file, SourceRange range) { return std::string(file.slice(range)); }

std::string params_text(const SourceFile& file, const std::vector<Param>& params) {
  std::string out = "(";
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = params[i];
    if (i > 0) out += ", ";
    out += p.name.text;
    if (p.type) out += ": " + slice(file, p.type->range);
    if (p.default_value) out += " = " + slice(file, p.default_value->range);
  }
  return out + ")";
}

std::string result_text(const SourceFile& file, const TypeExpr* result) {
  return result ? " -> " + slice(file, result->range) : std::string();
}

}  // namespace

std::string describe_decl(const SourceFile& file, const Decl& decl, bool with_annotations) {
  std::string out;
  if (with_annotations)
    for (const Annotation& a : decl.annotations) out += slice(file, a.range) + "\n";
  const std::string& name = decl.name.text;
  switch (decl.kind) {
    case DeclKind::Import: return out + "import \"" + static_cast<const ImportDecl&>(decl).path + "\"";
    case DeclKind::Const: {
      const auto& c = static_cast<const ConstDecl&>(decl);
      out += "const " + name;
      if (c.declared) return out + ": " + slice(file, c.declared->range);
      if (c.value && c.value->type && !c.value->type->is_error()) return out + ": " + type_name(c.value->type);
      return out;
    }
    case DeclKind::Type: {
      const auto& t = static_cast<const TypeDecl&>(decl);
      return out + "type " + name + (t.aliased ? " = " + slice(file, t.aliased->range) : std::string());
    }
    case DeclKind::Fn: {
      const auto& f = static_cast<const FnDecl&>(decl);
      return out + "fn " + name + params_text(file, f.params) + result_text(file, f.result.get());
    }
    case DeclKind::Workflow: {
      const auto& w = static_cast<const WorkflowDecl&>(decl);
      return out + "workflow " + name + params_text(file, w.params) + result_text(file, w.result.get());
    }
    case DeclKind::Script: {
      const auto& s = static_cast<const ScriptDecl&>(decl);
      return out + "script " + name + params_text(file, s.params);
    }
    case DeclKind::Library: return out + "library " + name;
  }
  return out + name;
}

std::string describe_binding(const Binding& binding, const std::string& written) {
  std::string out;
  if (binding.kind == BindingKind::Local) out = binding.is_mutable ? "var " : "let ";
  out += binding.name;
  if (!written.empty()) out += ": " + written;
  else if (binding.type && !binding.type->is_error()) out += ": " + type_name(binding.type);
  return out;
}

std::string describe_builtin(const stdlib::BuiltinSignature& overload) {
  return std::string(overload.name) + std::string(overload.signature);
}

}  // namespace wf::analysis
