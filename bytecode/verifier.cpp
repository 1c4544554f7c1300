// The module verifier: walks every function's code once to find instruction starts, then checks
// each operand against its role, and the module's tables against each other.
#include "bytecode/verifier.h"

#include <set>
#include <string_view>
#include <vector>

#include "bytecode/operand_roles.h"

namespace wf::bytecode {

namespace {

using Problem = std::optional<std::string>;

std::string str(int64_t v) { return std::to_string(v); }

// "out of range (module has 3)": the common tail of index errors.
std::string out_of_range(std::string_view what, int64_t index, size_t size, std::string_view owner) {
  return std::string(what) + " " + str(index) + " out of range (" + std::string(owner) + " has " +
         str(static_cast<int64_t>(size)) + ")";
}

class FunctionVerifier {
 public:
  FunctionVerifier(const Module& m, size_t index) : m_(m), index_(index), f_(m.functions[index]) {}

  Problem run() {
    if (f_.kind > FunctionKind::Init) return in("unknown function kind " + str(static_cast<int>(f_.kind)));
    if (f_.num_registers > kMaxRegisters) {
      return in("frame of " + str(f_.num_registers) + " registers exceeds the limit of " +
                str(kMaxRegisters));
    }
    if (f_.num_params > f_.num_registers) {
      return in("takes " + str(f_.num_params) + " parameters but its frame has only " +
                str(f_.num_registers) + " registers");
    }
    // A module built without source information (tests, the REPL) has no sources at all.
    if (!m_.sources.empty() && f_.source >= m_.sources.size()) {
      return in(out_of_range("source", f_.source, m_.sources.size(), "module"));
    }
    if (f_.code.empty()) return in("has no code");
    if (auto p = find_starts()) return p;
    for (size_t pc = 0; pc < f_.code.size(); ++pc) {
      if (!starts_[pc]) continue;
      if (auto p = check_instruction(pc)) return p;
    }
    if (auto p = check_handlers()) return p;
    if (auto p = check_lines()) return p;
    return check_locals();
  }

 private:
  const Module& m_;
  size_t index_;
  const Function& f_;
  std::vector<bool> starts_;  // starts_[pc]: an instruction begins at pc (not an extra word)

  std::string in(std::string_view what) const { return "function `" + f_.name + "`: " + std::string(what); }
  std::string at(size_t pc, std::string_view what) const {
    return "function `" + f_.name + "` pc " + str(static_cast<int64_t>(pc)) + ": " + std::string(what);
  }

  bool is_start(int64_t pc) const {
    return pc >= 0 && pc < static_cast<int64_t>(f_.code.size()) && starts_[pc];
  }

  // Marks where each instruction begins: only there may a jump or a handler land.
  Problem find_starts() {
    starts_.assign(f_.code.size(), false);
    size_t pc = 0, last = 0;
    while (pc < f_.code.size()) {
      const uint8_t byte = static_cast<uint8_t>(f_.code[pc] & 0xFF);
      if (!is_known_op(byte)) return at(pc, "unknown opcode " + str(byte));
      const Op op = static_cast<Op>(byte);
      starts_[pc] = true;
      last = pc;
      if (pc + instr_width(op) > f_.code.size()) {
        return at(pc, std::string(op_info(op).name) + " lacks its extra word (the code ends)");
      }
      pc += instr_width(op);
    }
    const Op op = op_of(f_.code[last]);
    if (!ends_flow(op)) {
      return at(last, "the function can run off its end (it ends with " + std::string(op_info(op).name) +
                          ", not a return, jump, raise or fail)");
    }
    return std::nullopt;
  }

  Problem register_range(size_t pc, int64_t first, int64_t count, std::string_view what) const {
    if (first + count > f_.num_registers) {
      return at(pc, std::string(what) + " R" + str(first) + "..R" + str(first + count - 1) +
                        " out of range (frame has " + str(f_.num_registers) + ")");
    }
    return std::nullopt;
  }

  // One operand slot: its role says what the value must be.
  Problem check_slot(size_t pc, char slot, Role role, int64_t value, size_t next) const {
    auto unused_nonzero = [&] {
      return at(pc, std::string("unused operand ") + slot + " is " + str(value) + ", not 0");
    };
    switch (role) {
      case Role::Unused: return value == 0 ? std::nullopt : Problem(unused_nonzero());
      case Role::Reg:
        if (value >= f_.num_registers) {
          return at(pc, "register " + str(value) + " out of range (frame has " + str(f_.num_registers) + ")");
        }
        return std::nullopt;
      case Role::Const:
        if (value >= static_cast<int64_t>(m_.constants.size())) {
          return at(pc, out_of_range("constant", value, m_.constants.size(), "module"));
        }
        return std::nullopt;
      case Role::Global:
        if (value >= static_cast<int64_t>(m_.globals.size())) {
          return at(pc, out_of_range("global", value, m_.globals.size(), "module"));
        }
        return std::nullopt;
      case Role::Function:
        if (value >= static_cast<int64_t>(m_.functions.size())) {
          return at(pc, out_of_range("function", value, m_.functions.size(), "module"));
        }
        return std::nullopt;
      case Role::Shape:
        if (value >= static_cast<int64_t>(m_.shapes.size())) {
          return at(pc, out_of_range("shape", value, m_.shapes.size(), "module"));
        }
        return std::nullopt;
      case Role::Builtin:
        if (value >= static_cast<int64_t>(m_.builtins.size())) {
          return at(pc, out_of_range("builtin", value, m_.builtins.size(), "module"));
        }
        return std::nullopt;
      case Role::Effect:
        if (value >= kEffectKindCount) return at(pc, "unknown effect kind " + str(value));
        return std::nullopt;
      case Role::Bool:
        if (value > 1)
          return at(pc, "operand " + std::string(1, slot) + " is " + str(value) + ", not 0 or 1");
        return std::nullopt;
      case Role::Jump: {
        const int64_t target = static_cast<int64_t>(next) + value;
        if (target < 0 || target >= static_cast<int64_t>(f_.code.size())) {
          return at(pc, "jump target " + str(target) + " is outside the function (code has " +
                            str(static_cast<int64_t>(f_.code.size())) + " words)");
        }
        if (!starts_[target])
          return at(pc, "jump target " + str(target) + " is inside an instruction's extra word");
        return std::nullopt;
      }
      // Counts are checked with their base register in check_instruction; the rest are free.
      case Role::RegCount:
      case Role::PairCount:
      case Role::Int:
      case Role::BiasedInt:
      case Role::FieldIndex: return std::nullopt;
    }
    return std::nullopt;
  }

  Problem check_instruction(size_t pc) const {
    const Instr ins = f_.code[pc];
    const Op op = op_of(ins);
    const OpInfo& info = op_info(op);
    const OpRoles roles = op_roles(op);
    const size_t next = pc + instr_width(op);
    const int64_t a = a_of(ins);
    // In the wide formats B and C together are one 16-bit field, signed for a jump or LOADI.
    const int64_t b = info.wide() ? (info.b == Operand::sBx ? sbx_of(ins) : bx_of(ins)) : b_of(ins);
    const int64_t c = c_of(ins);
    // The extra word is a 32-bit index, or for a jump a signed offset.
    const int64_t x = info.has_extra() ? (roles.x == Role::Jump
                                              ? static_cast<int64_t>(static_cast<int32_t>(f_.code[pc + 1]))
                                              : static_cast<int64_t>(f_.code[pc + 1]))
                                       : 0;

    if (auto p = check_slot(pc, 'A', roles.a, a, next)) return p;
    if (auto p = check_slot(pc, 'B', roles.b, b, next)) return p;
    if (!info.wide()) {
      if (auto p = check_slot(pc, 'C', roles.c, c, next)) return p;
    }
    if (info.has_extra()) {
      if (auto p = check_slot(pc, 'X', roles.x, x, next)) return p;
    }

    // Register ranges: a count in C, or a record shape's length, starting at R[B].
    if (roles.c == Role::RegCount) {
      if (auto p = register_range(pc, b, c, "register range")) return p;
    }
    if (roles.c == Role::PairCount) {
      if (auto p = register_range(pc, b, 2 * c, "key/value registers")) return p;
    }
    if (roles.x == Role::Shape) {
      if (auto p = register_range(pc, b, static_cast<int64_t>(m_.shapes[x].size()), "record fields"))
        return p;
    }
    if (roles.x == Role::Function) {
      const Function& callee = m_.functions[x];
      if (roles.c == Role::RegCount) {
        // CALL, SPAWN: the arguments are exactly the callee's parameters.
        if (c != callee.num_params) {
          return at(pc, "passes " + str(c) + " arguments to `" + callee.name + "`, which takes " +
                            str(callee.num_params));
        }
      } else if (op == Op::PFOR) {
        // The body takes the item and then the captures, which sit in R[A+1]... (opcodes.def).
        if (callee.num_params < 1) {
          return at(pc, "loop body `" + callee.name + "` takes no parameter for the item");
        }
        if (auto p = register_range(pc, a + 1, callee.num_params - 1, "captured registers")) return p;
      }
    }
    if (op == Op::SETGLOBAL && static_cast<int64_t>(index_) != m_.init_function) {
      return at(pc, "SETGLOBAL outside the module's init function");
    }
    return std::nullopt;
  }

  Problem check_handlers() const {
    const size_t size = f_.code.size();
    for (size_t i = 0; i < f_.handlers.size(); ++i) {
      const Handler& h = f_.handlers[i];
      const std::string name = "handler " + str(static_cast<int64_t>(i));
      if (h.start >= h.end || h.end > size) {
        return in(name + ": range [" + str(h.start) + ", " + str(h.end) + ") is not within the code (" +
                  str(static_cast<int64_t>(size)) + " words)");
      }
      if (!starts_[h.start] || (h.end < size && !starts_[h.end])) {
        return in(name + ": range [" + str(h.start) + ", " + str(h.end) + ") splits an instruction");
      }
      if (!is_start(h.target)) {
        return in(name + ": target " + str(h.target) + " is not an instruction of the function");
      }
      if (h.reg >= f_.num_registers) {
        return in(name + ": register " + str(h.reg) + " out of range (frame has " + str(f_.num_registers) +
                  ")");
      }
    }
    return std::nullopt;
  }

  Problem check_lines() const {
    for (size_t i = 0; i < f_.lines.size(); ++i) {
      const LineEntry& l = f_.lines[i];
      if (!is_start(l.pc))
        return in("line table entry " + str(static_cast<int64_t>(i)) + ": pc " + str(l.pc) +
                  " is not an instruction");
      if (i > 0 && l.pc < f_.lines[i - 1].pc) {
        return in("line table is not sorted by pc (entry " + str(static_cast<int64_t>(i)) + ")");
      }
    }
    return std::nullopt;
  }

  Problem check_locals() const {
    for (const LocalName& l : f_.locals) {
      if (l.reg >= f_.num_registers) {
        return in("local `" + l.name + "`: register " + str(l.reg) + " out of range (frame has " +
                  str(f_.num_registers) + ")");
      }
      if (l.start > l.end || l.end > f_.code.size()) {
        return in("local `" + l.name + "`: live range [" + str(l.start) + ", " + str(l.end) +
                  ") is not within the code");
      }
    }
    return std::nullopt;
  }
};

class ModuleVerifier {
 public:
  explicit ModuleVerifier(const Module& m) : m_(m) {}

  Problem run() const {
    if (m_.format_version != kFormatVersion) {
      return "module format version " + str(m_.format_version) + " is not supported (this wf reads version " +
             str(kFormatVersion) + ")";
    }
    for (size_t i = 0; i < m_.constants.size(); ++i) {
      const Constant& c = m_.constants[i];
      if (c.kind > ConstKind::String) return "constant " + str(static_cast<int64_t>(i)) + ": unknown kind";
      if (c.kind == ConstKind::Bool && c.i != 0 && c.i != 1) {
        return "constant " + str(static_cast<int64_t>(i)) + ": a bool that is neither 0 nor 1";
      }
    }
    for (size_t i = 0; i < m_.shapes.size(); ++i) {
      std::set<std::string_view> seen;
      for (const auto& field : m_.shapes[i]) {
        if (!seen.insert(field).second)
          return "shape " + str(static_cast<int64_t>(i)) + " names field `" + field + "` twice";
      }
    }
    if (m_.init_function < -1 || m_.init_function >= static_cast<int64_t>(m_.functions.size())) {
      return "module: init " + out_of_range("function", m_.init_function, m_.functions.size(), "module");
    }
    if (m_.init_function >= 0 && m_.functions[m_.init_function].num_params != 0) {
      return "function `" + m_.functions[m_.init_function].name + "`: the init function takes parameters";
    }
    for (size_t i = 0; i < m_.functions.size(); ++i) {
      if (auto p = FunctionVerifier(m_, i).run()) return p;
    }
    for (const Workflow& w : m_.workflows) {
      const std::string owner = "workflow `" + w.name + "`: ";
      if (w.function >= m_.functions.size())
        return owner + out_of_range("function", w.function, m_.functions.size(), "module");
      // The host puts the arguments in R[0..n) of the workflow's function.
      const Function& f = m_.functions[w.function];
      if (f.num_params != w.params.size()) {
        return owner + "declares " + str(static_cast<int64_t>(w.params.size())) +
               " parameters but function `" + f.name + "` takes " + str(f.num_params);
      }
      if (auto p = check_params(owner, w.params)) return p;
      // An upgrade starts the new code at a step's entry with its variables' registers filled.
      for (const TopStep& step : w.steps) {
        if (step.entry > step.open_pc || step.open_pc >= f.code.size())
          return owner + "step \"" + step.name + "\" begins outside function `" + f.name + "`";
        for (const StepVariable& v : step.variables)
          if (v.reg >= f.num_registers)
            return owner + "step \"" + step.name + "\": variable `" + v.name + "` is outside the frame";
      }
    }
    for (size_t i = 0; i < m_.scripts.size(); ++i) {
      const Script& s = m_.scripts[i];
      const std::string owner = "script `" + s.name + "`: ";
      for (uint32_t u : s.uses) {
        if (u >= m_.scripts.size())
          return owner + "uses " + out_of_range("script", u, m_.scripts.size(), "module");
        if (!m_.scripts[u].is_library)
          return owner + "uses `" + m_.scripts[u].name + "`, which is not a library";
      }
      if (auto p = check_params(owner, s.params)) return p;
    }
    return check_library_cycles();
  }

 private:
  const Module& m_;

  Problem check_params(const std::string& owner, const std::vector<Param>& params) const {
    for (const Param& p : params) {
      if (p.default_fn == -1) continue;
      if (p.default_fn < -1 || p.default_fn >= static_cast<int64_t>(m_.functions.size())) {
        return owner + "parameter `" + p.name + "`: default " +
               out_of_range("function", p.default_fn, m_.functions.size(), "module");
      }
      if (m_.functions[p.default_fn].num_params != 0) {
        return owner + "parameter `" + p.name + "`: default function `" + m_.functions[p.default_fn].name +
               "` takes parameters";
      }
    }
    return std::nullopt;
  }

  // A library that uses itself, directly or not, would make assembling a script's text loop.
  Problem check_library_cycles() const {
    enum class Mark : uint8_t { New, Active, Done };
    std::vector<Mark> mark(m_.scripts.size(), Mark::New);
    // Iterative depth-first search: a hostile module may chain thousands of libraries.
    for (size_t root = 0; root < m_.scripts.size(); ++root) {
      if (mark[root] != Mark::New) continue;
      std::vector<std::pair<size_t, size_t>> stack{{root, 0}};  // script, next use to follow
      mark[root] = Mark::Active;
      while (!stack.empty()) {
        auto& [s, next] = stack.back();
        if (next == m_.scripts[s].uses.size()) {
          mark[s] = Mark::Done;
          stack.pop_back();
          continue;
        }
        const size_t u = m_.scripts[s].uses[next++];
        if (mark[u] == Mark::Active)
          return "script `" + m_.scripts[u].name + "`: its libraries use it in a cycle";
        if (mark[u] == Mark::New) {
          mark[u] = Mark::Active;
          stack.push_back({u, 0});
        }
      }
    }
    return std::nullopt;
  }
};

}  // namespace

std::optional<std::string> verify_module(const Module& module) { return ModuleVerifier(module).run(); }

}  // namespace wf::bytecode
