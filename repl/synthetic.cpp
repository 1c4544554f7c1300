// The synthetic module and the mapping of its diagnostics (see synthetic.h).
#include "repl/synthetic.h"

#include <algorithm>
#include <filesystem>

#include "diagnostics/render_text.h"
#include "driver/compilation.h"

namespace wf::repl {

namespace {

// `text` as the inside of a wf string literal: no escape or interpolation is taken literally.
std::string escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\' || c == '"' || c == '{') out += '\\';
    out += c;
  }
  return out;
}

std::string param_name(const Variable& v) { return v.is_var ? "__var_" + v.name : v.name; }

}  // namespace

std::string synthetic_path() {
  std::error_code ec;
  const std::filesystem::path cwd = std::filesystem::current_path(ec);
  return ((ec ? std::filesystem::path(".") : cwd) / "__repl__.wf").string();
}

Synthetic build_synthetic(const Session& session, const SyntheticSpec& spec) {
  Synthetic s;
  const auto add = [&](Segment::Kind kind, size_t index, std::string_view text) {
    const auto begin = static_cast<uint32_t>(s.text.size());
    s.text += text;
    s.segments.push_back({kind, begin, static_cast<uint32_t>(s.text.size()), index});
    s.text += '\n';
  };
  const auto add_input = [&] {
    s.input_begin = static_cast<uint32_t>(s.text.size());
    add(Segment::Kind::Input, 0, spec.input);
    s.input_end = s.input_begin + static_cast<uint32_t>(spec.input.size());
  };

  for (size_t i = 0; i < session.loaded().size(); ++i)
    add(Segment::Kind::Load, i, "import \"" + escape(session.loaded()[i]) + "\"");
  for (size_t i = 0; i < session.declarations().size(); ++i) {
    const Declaration& d = session.declarations()[i];
    bool replaced = false;
    for (const std::string& name : spec.replaced) replaced = replaced || (!d.name.empty() && d.name == name);
    if (!replaced) add(Segment::Kind::Declaration, i, d.text);
  }
  if (spec.as == InputAs::Declarations) add_input();
  if (spec.as != InputAs::Statements && spec.as != InputAs::Expression) return s;

  s.text += "workflow ";
  s.text += kWorkflowName;
  s.text += '(';
  bool first = true;
  for (const Variable& v : session.variables()) {
    s.text += (first ? "" : ", ") + param_name(v) + ": " + v.type;
    first = false;
  }
  s.text += ')';
  const bool returns = spec.result && !spec.result->empty();
  if (returns) {
    s.text += " -> {";
    for (size_t i = 0; i < spec.result->size(); ++i)
      s.text += (i ? ", " : "") + (*spec.result)[i].name + ": " + (*spec.result)[i].type;
    s.text += '}';
  }
  s.text += " {\n";
  for (const Variable& v : session.variables())
    if (v.is_var) s.text += "var " + v.name + " = " + param_name(v) + "\n";
  // On the same line as the input: `reason`, `ttl` and `limit` at the start of a line would be
  // taken as clauses of the line above. Diagnostics are mapped by offset, so the prefix does not
  // move the input's columns.
  if (spec.as == InputAs::Expression) s.text += std::string("let ") + kValueName + " = ";
  add_input();
  if (returns) {
    s.text += "return {";
    for (size_t i = 0; i < spec.result->size(); ++i)
      s.text += (i ? ", " : "") + (*spec.result)[i].name + ": " + (*spec.result)[i].name;
    s.text += "}\n";
  }
  s.text += "}\n";
  return s;
}

MappedDiagnostics map_diagnostics(const Synthetic& synthetic, const Session& session, const Compilation& compilation,
                                  const std::vector<Diagnostic>& diagnostics, Show show) {
  MappedDiagnostics out;
  out.files.push_back(std::make_unique<SourceFile>("<input>", std::string(synthetic.text.substr(
                                                                  synthetic.input_begin, synthetic.input_end - synthetic.input_begin))));
  // Table entries made on first use: key → index in out.files.
  std::vector<std::pair<std::string, uint32_t>> made;
  const auto entry = [&](const std::string& key, auto make) -> uint32_t {
    for (const auto& [k, index] : made)
      if (k == key) return index;
    out.files.push_back(make());
    made.emplace_back(key, static_cast<uint32_t>(out.files.size() - 1));
    return made.back().second;
  };
  std::optional<uint32_t> session_file;
  const auto whole_module = [&] {
    session_file = entry("<session>", [&] { return std::make_unique<SourceFile>("<session>", synthetic.text); });
    return *session_file;
  };

  // nullopt: a place of the scaffolding (the caller decides what to do with it).
  const auto map = [&](const Location& where) -> std::optional<Location> {
    if (where.file != 0) {
      const SourceFile& f = compilation.file(where.file);
      const uint32_t index =
          entry("file:" + f.path(), [&] { return std::make_unique<SourceFile>(f.path(), f.text()); });
      return Location{index, where.range};
    }
    for (const Segment& seg : synthetic.segments) {
      if (where.range.begin < seg.begin || where.range.begin > seg.end) continue;
      const SourceRange shifted{where.range.begin - seg.begin, std::min(where.range.end, seg.end) - seg.begin};
      if (seg.kind == Segment::Kind::Input) return Location{0, shifted};
      if (seg.kind == Segment::Kind::Declaration) {
        const Declaration& d = session.declarations()[seg.index];
        const uint32_t index = entry("decl:" + std::to_string(seg.index), [&] {
          return std::make_unique<SourceFile>("<input " + std::to_string(d.input) + ">", d.text);
        });
        return Location{index, shifted};
      }
      return std::nullopt;  // an import line of `:load`
    }
    return std::nullopt;
  };
  const auto in_input = [&](const Location& where) {
    return where.file == 0 && where.range.begin >= synthetic.input_begin && where.range.begin <= synthetic.input_end;
  };

  for (const Diagnostic& d : diagnostics) {
    if (d.severity == Severity::Warning) {
      if (show == Show::Errors || !in_input(d.where)) continue;
      // Rebinding a session variable is how the prompt updates it, not a mistake.
      if (d.code == DiagCode::ShadowedBinding && !d.notes.empty() && !in_input(d.notes.front().where)) continue;
    }
    Diagnostic m = d;
    if (auto where = map(d.where)) m.where = *where;
    else m.where = Location{whole_module(), d.where.range};
    m.notes.clear();
    for (const DiagNote& note : d.notes)
      if (auto where = map(note.where)) m.notes.push_back({*where, note.message});
    if (m.fix) {
      if (auto where = map(m.fix->where)) m.fix->where = *where;
      else m.fix.reset();
    }
    if (m.severity == Severity::Error) ++out.errors;
    out.diagnostics.push_back(std::move(m));
  }
  // An error in the input (an unclosed bracket, say) can make the scaffolding after it fail to
  // parse too; those follow-on errors would only show the REPL's own text.
  const bool input_has_errors = std::any_of(out.diagnostics.begin(), out.diagnostics.end(), [](const Diagnostic& d) {
    return d.severity == Severity::Error && d.where.file == 0;
  });
  if (input_has_errors && session_file) {
    std::erase_if(out.diagnostics, [&](const Diagnostic& d) { return d.where.file == *session_file; });
    out.errors = static_cast<size_t>(std::count_if(out.diagnostics.begin(), out.diagnostics.end(),
                                                   [](const Diagnostic& d) { return d.severity == Severity::Error; }));
  }
  return out;
}

std::string render(const MappedDiagnostics& mapped, bool color) {
  std::string out;
  for (const Diagnostic& d : mapped.diagnostics) out += render_text(mapped.files, d, color);
  return out;
}

}  // namespace wf::repl
