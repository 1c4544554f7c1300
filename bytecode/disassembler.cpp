// The disassembler: module tables first, then each function's instructions, handlers and locals.
// Operands are shown by role (operand_roles.h), so a new op needs no change here.
#include "bytecode/disassembler.h"

#include <charconv>
#include <cstdio>
#include <string_view>
#include <vector>

#include "bytecode/operand_roles.h"

namespace wf::bytecode {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

// The canonical spelling interpolation uses (SPEC §1.4): `1h30m`, `500ms`, `0s`.
std::string duration(int64_t millis) {
  if (millis == 0) return "0s";
  std::string out = millis < 0 ? "-" : "";
  // Through unsigned arithmetic, so that the most negative value has a magnitude too.
  uint64_t rest = millis < 0 ? 0 - static_cast<uint64_t>(millis) : static_cast<uint64_t>(millis);
  struct Unit {
    const char* name;
    uint64_t millis;
  };
  static constexpr Unit kUnits[] = {
      {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1'000}, {"ms", 1}};
  for (const auto& u : kUnits) {
    if (rest >= u.millis) {
      out += std::to_string(rest / u.millis) + u.name;
      rest %= u.millis;
    }
  }
  return out;
}

// Shortest round-trip form, always recognisable as a float (`2.0`, not `2`).
std::string real(double f) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  std::string out(buf, ec == std::errc() ? end : buf);
  if (out.find_first_of(".eEn") == std::string::npos) out += ".0";
  return out;
}

std::string constant(const Constant& c) {
  switch (c.kind) {
    case ConstKind::None: return "none";
    case ConstKind::Bool: return c.i ? "true" : "false";
    case ConstKind::Int: return str(c.i);
    case ConstKind::Float: return real(c.f);
    case ConstKind::Duration: return duration(c.i);
    case ConstKind::String: return quoted(c.s);
  }
  return "?";
}

std::string_view function_kind(FunctionKind k) {
  switch (k) {
    case FunctionKind::Fn: return "fn";
    case FunctionKind::Workflow: return "workflow";
    case FunctionKind::Branch: return "branch";
    case FunctionKind::Init: return "init";
  }
  return "?";
}

std::string pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}
std::string pad_left(const std::string& s, size_t width) {
  return s.size() < width ? std::string(width - s.size(), ' ') + s : s;
}

class Lister {
 public:
  explicit Lister(const Module& m) : m_(m) {}

  std::string run() {
    out_ += std::string("module (format ") + str(m_.format_version) + ")\n";
    tables();
    for (size_t i = 0; i < m_.functions.size(); ++i) function(i);
    return std::move(out_);
  }

 private:
  const Module& m_;
  std::string out_;

  template <typename T>
  static bool in(int64_t index, const std::vector<T>& v) {
    return index >= 0 && index < static_cast<int64_t>(v.size());
  }

  std::string function_ref(int64_t index) const {
    return std::string("F") + str(index) +
           (in(index, m_.functions) ? " `" + m_.functions[index].name + "`" : " ?");
  }
  std::string shape_ref(int64_t index) const {
    std::string out = std::string("S") + str(index) + " ";
    if (!in(index, m_.shapes)) return out + "?";
    out += "{";
    for (size_t i = 0; i < m_.shapes[index].size(); ++i) out += (i ? ", " : "") + m_.shapes[index][i];
    return out + "}";
  }

  std::string params(const std::vector<Param>& ps) const {
    std::string out = "(";
    for (size_t i = 0; i < ps.size(); ++i) {
      if (i) out += ", ";
      out += ps[i].name + ": " + ps[i].type;
      if (ps[i].default_fn != -1) out += " = " + function_ref(ps[i].default_fn);
    }
    return out + ")";
  }

  void tables() {
    out_ += "sources:\n";
    for (size_t i = 0; i < m_.sources.size(); ++i) {
      out_ +=
          std::string("  ") + str(i) + " " + m_.sources[i].path + " sha256 " + m_.sources[i].sha256 + "\n";
    }
    out_ += "constants:\n";
    for (size_t i = 0; i < m_.constants.size(); ++i)
      out_ += std::string("  K") + str(i) + " " + constant(m_.constants[i]) + "\n";
    out_ += "shapes:\n";
    for (size_t i = 0; i < m_.shapes.size(); ++i) out_ += "  " + shape_ref(static_cast<int64_t>(i)) + "\n";
    out_ += "builtins:\n";
    for (size_t i = 0; i < m_.builtins.size(); ++i)
      out_ += std::string("  B") + str(i) + " " + m_.builtins[i] + "\n";
    out_ += "globals:\n";
    for (size_t i = 0; i < m_.globals.size(); ++i)
      out_ += std::string("  G") + str(i) + " " + m_.globals[i] + "\n";
    out_ += "init: " + (m_.init_function == -1 ? std::string("none") : function_ref(m_.init_function)) + "\n";
    out_ += "workflows:\n";
    for (const Workflow& w : m_.workflows) {
      out_ += "  " + w.name + params(w.params);
      if (!w.result_type.empty()) out_ += " -> " + w.result_type;
      out_ += ": " + function_ref(w.function) + "\n";
      for (const Annotation& a : w.annotations) out_ += "    @" + a.name + " " + a.args + "\n";
      if (!w.docs.empty()) out_ += "    docs " + quoted(w.docs) + "\n";
    }
    out_ += "scripts:\n";
    for (const Script& s : m_.scripts) {
      out_ += std::string("  ") + (s.is_library ? "library " : "script ") + s.name;
      if (!s.is_library) out_ += params(s.params);
      out_ += " lang " + s.lang + ", timeout " + duration(s.timeout_ms);
      if (s.elevated) out_ += ", elevated";
      if (!s.uses.empty()) {
        out_ += ", uses";
        for (uint32_t u : s.uses)
          out_ += " " + (in(u, m_.scripts) ? m_.scripts[u].name : std::string("?") + str(u));
      }
      out_ += "\n    body " + quoted(s.body) + "\n";
    }
  }

  // The source line of pc: the last line-table entry at or before it.
  std::string line_of(const Function& f, size_t pc) const {
    const LineEntry* found = nullptr;
    for (const LineEntry& l : f.lines) {
      if (l.pc > pc) break;
      found = &l;
    }
    return found ? std::string("[") + str(found->line) + "]" : "[-]";
  }

  std::string operand(const Function& f, Role role, int64_t value, size_t next) const {
    switch (role) {
      case Role::Unused: return "";
      case Role::Reg: return std::string("R") + str(value);
      case Role::RegCount:
      case Role::PairCount:
      case Role::Int: return str(value);
      case Role::BiasedInt: return std::string(value >= 128 ? "+" : "") + str(value - 128);
      case Role::Bool: return value ? "true" : "false";
      case Role::FieldIndex: return std::string(".") + str(value);
      case Role::Const:
        return std::string("K") + str(value) + " " +
               (in(value, m_.constants) ? constant(m_.constants[value]) : "?");
      case Role::Global:
        return std::string("G") + str(value) + " " + (in(value, m_.globals) ? m_.globals[value] : "?");
      case Role::Jump: return std::string("-> ") + str(static_cast<int64_t>(next) + value);
      case Role::Function: return function_ref(value);
      case Role::Shape: return shape_ref(value);
      case Role::Builtin:
        return std::string("B") + str(value) + " " +
               (in(value, m_.builtins) ? "`" + m_.builtins[value] + "`" : "?");
      case Role::Effect:
        return value < kEffectKindCount ? std::string(effect_name(static_cast<EffectKind>(value)))
                                        : std::string("E") + str(value) + " ?";
    }
    return "?";
  }

  void function(size_t index) {
    const Function& f = m_.functions[index];
    out_ += std::string("\nfunction ") + str(index) + " `" + f.name + "` (" +
            std::string(function_kind(f.kind)) + "): " + str(f.num_params) + std::string(" params, ") +
            str(f.num_registers) + std::string(" registers, source ") + str(f.source) + "\n";
    size_t pc = 0;
    while (pc < f.code.size()) {
      const Instr ins = f.code[pc];
      std::string line = pad_left(str(pc), 6) + "  " + pad(line_of(f, pc), 6) + "  ";
      const uint8_t byte = static_cast<uint8_t>(ins & 0xFF);
      if (!is_known_op(byte)) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "0x%08x", ins);
        out_ += line + pad(".word", 10) + buf + "\n";
        ++pc;
        continue;
      }
      const Op op = op_of(ins);
      const OpInfo& info = op_info(op);
      const OpRoles roles = op_roles(op);
      const size_t next = pc + instr_width(op);
      std::vector<std::string> parts;
      auto add = [&](Role role, int64_t value) {
        if (role != Role::Unused) parts.push_back(operand(f, role, value, next));
      };
      add(roles.a, a_of(ins));
      if (info.wide()) {
        add(roles.b, info.b == Operand::sBx ? sbx_of(ins) : bx_of(ins));
      } else {
        add(roles.b, b_of(ins));
        add(roles.c, c_of(ins));
      }
      if (info.has_extra()) {
        if (pc + 1 < f.code.size()) {
          const Instr x = f.code[pc + 1];
          add(roles.x, roles.x == Role::Jump ? static_cast<int64_t>(static_cast<int32_t>(x))
                                             : static_cast<int64_t>(x));
        } else {
          parts.push_back("? (no extra word)");
        }
      }
      line += pad(std::string(info.name), 10);
      for (size_t i = 0; i < parts.size(); ++i) line += (i ? ", " : "") + parts[i];
      while (!line.empty() && line.back() == ' ') line.pop_back();
      out_ += line + "\n";
      pc = next;
    }
    if (!f.handlers.empty()) {
      out_ += "  handlers:\n";
      for (const Handler& h : f.handlers) {
        out_ += std::string("    [") + str(h.start) + std::string(", ") + str(h.end) + std::string(") -> ") +
                str(h.target) + " " + (h.is_finally ? "finally" : "catch") + std::string(" R") + str(h.reg) +
                "\n";
      }
    }
    if (!f.locals.empty()) {
      out_ += "  locals:\n";
      for (const LocalName& l : f.locals) {
        out_ += std::string("    R") + str(l.reg) + " " + l.name + std::string(" [") + str(l.start) +
                std::string(", ") + str(l.end) + ")\n";
      }
    }
  }
};

}  // namespace

std::string disassemble(const Module& module) { return Lister(module).run(); }

}  // namespace wf::bytecode
