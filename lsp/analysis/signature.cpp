// Signature help. While a call is being typed the text rarely parses, so the call is found in the
// text itself: back from the cursor to the `(` left open, counting the commas between (the active
// argument), then the name before it. The name is resolved as a builtin, or as a fn, workflow or
// script of the document or of a module it imports.
#include <algorithm>
#include <cctype>

#include "analysis/describe.h"
#include "analysis/features.h"

namespace wf::analysis {

namespace {

bool word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// The parameters of a one-line signature, `name(a: int, b: list<string>) -> r`: the text between
// its first `(` and the matching `)`, split at the commas outside brackets.
std::vector<std::string> params_of(const std::string& label) {
  std::vector<std::string> out;
  const size_t open = label.find('(');
  if (open == std::string::npos) return out;
  int depth = 0;
  std::string current;
  auto flush = [&] {
    const size_t b = current.find_first_not_of(' '), e = current.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(current.substr(b, e - b + 1));
    current.clear();
  };
  for (size_t i = open + 1; i < label.size(); ++i) {
    const char c = label[i];
    if (depth == 0 && c == ')') break;
    if (c == '(' || c == '[' || c == '{' || c == '<') ++depth;
    if (c == ')' || c == ']' || c == '}' || c == '>') --depth;
    if (depth == 0 && c == ',') flush();
    else current += c;
  }
  flush();
  return out;
}

// The open call around `offset`: where its `(` is and how many commas precede the cursor in it.
struct OpenCall {
  uint32_t paren = 0;
  uint32_t commas = 0;
};

std::optional<OpenCall> open_call(const std::string& text, uint32_t offset) {
  int depth = 0;
  uint32_t commas = 0;
  for (uint32_t i = std::min<uint32_t>(offset, static_cast<uint32_t>(text.size())); i-- > 0;) {
    const char c = text[i];
    if (c == ')' || c == ']' || c == '}') ++depth;
    else if (c == '[' || c == '{') {
      if (depth == 0) return std::nullopt;  // the cursor is in a list or a block, not arguments
      --depth;
    } else if (c == '(') {
      if (depth == 0) return OpenCall{i, commas};
      --depth;
    } else if (c == ',' && depth == 0) {
      ++commas;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<SignatureHelp> signature_at(const Snapshot& snapshot, const std::string& text, uint32_t offset) {
  const std::optional<OpenCall> call = open_call(text, offset);
  if (!call) return std::nullopt;
  uint32_t end = call->paren;
  while (end > 0 && (text[end - 1] == ' ' || text[end - 1] == '\t')) --end;
  uint32_t begin = end;
  while (begin > 0 && word_char(text[begin - 1])) --begin;
  if (begin == end) return std::nullopt;
  const std::string name = text.substr(begin, end - begin);
  // `xs.contains(x)`: the receiver is the builtin's first argument.
  const bool method_form = begin > 0 && text[begin - 1] == '.';

  SignatureHelp help;
  help.active_parameter = call->commas + (method_form ? 1 : 0);
  for (const stdlib::BuiltinSignature& overload : stdlib::overloads(name)) {
    SignatureInfo info{describe_builtin(overload), {}, std::string(overload.doc)};
    info.params = params_of(info.label);
    help.signatures.push_back(std::move(info));
  }
  if (help.signatures.empty() && !method_form) {
    const Compilation& c = snapshot.compilation();
    std::vector<uint32_t> files{0};
    for (const auto& [decl_index, target] : c.imports_of(0)) files.push_back(target);
    for (uint32_t f : files) {
      for (const auto& decl : c.module(f).decls) {
        if (decl->name.text != name) continue;
        if (decl->kind != DeclKind::Fn && decl->kind != DeclKind::Workflow && decl->kind != DeclKind::Script) continue;
        SignatureInfo info{describe_decl(c.file(f), *decl, false), {}, decl->docs};
        info.params = params_of(info.label);
        help.signatures.push_back(std::move(info));
        break;
      }
      if (!help.signatures.empty()) break;
    }
  }
  if (help.signatures.empty()) return std::nullopt;
  // The first overload with room for the argument being typed.
  for (uint32_t k = 0; k < help.signatures.size(); ++k)
    if (help.signatures[k].params.size() > help.active_parameter) {
      help.active_signature = k;
      break;
    }
  return help;
}

}  // namespace wf::analysis
