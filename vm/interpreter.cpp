// The dispatch loop over opcodes.def. With GCC or Clang it dispatches by computed goto (one
// indirect jump per instruction, each with its own branch-prediction history); otherwise, or with
// WF_VM_SWITCH defined, the same case bodies compile as a `switch`. The loop keeps pc, the frame's
// register window and the code pointer in locals for speed and writes them back to the fiber
// before anything that can suspend, call or raise: the fiber stays the only state that matters.
#include "vm/interpreter.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "bytecode/ops.h"
#include "stdlib/error_kinds.h"
#include "vm/fiber.h"
#include "vm/machine.h"
#include "vm/render.h"

namespace wf::vm {

using bytecode::Instr;
using bytecode::Op;
using stdlib::ErrorKind;

namespace {

constexpr size_t kMaxFrames = 10'000;

inline void set_int(Value& v, Tag tag, int64_t x) {
  if (is_object(v.tag)) v = Value();
  v.tag = tag;
  v.i = x;
}
inline void set_float(Value& v, double x) {
  if (is_object(v.tag)) v = Value();
  v.tag = Tag::Float;
  v.f = x;
}
inline void set_bool(Value& v, bool x) {
  if (is_object(v.tag)) v = Value();
  v.tag = Tag::Bool;
  v.i = 0;
  v.b = x;
}

bool less(const Value& a, const Value& b, bool or_equal) {
  switch (a.tag) {
    case Tag::Float: return or_equal ? a.f <= b.f : a.f < b.f;
    case Tag::Str: {
      const int c = as_string(a).compare(as_string(b));
      return or_equal ? c <= 0 : c < 0;
    }
    default: return or_equal ? a.i <= b.i : a.i < b.i;
  }
}

// The code point at index `i` of UTF-8 text, or false when out of range.
bool code_point_at(const std::string& s, int64_t i, std::string& out) {
  if (i < 0) return false;
  int64_t n = 0;
  for (size_t k = 0; k < s.size();) {
    size_t len = 1;
    const unsigned char c = static_cast<unsigned char>(s[k]);
    if (c >= 0xF0) len = 4;
    else if (c >= 0xE0) len = 3;
    else if (c >= 0xC0) len = 2;
    if (n == i) {
      out = s.substr(k, len);
      return true;
    }
    k += len;
    ++n;
  }
  return false;
}

int64_t code_point_count(const std::string& s) {
  int64_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// Ends the top frame: releases the objects its register window holds (stale references would
// keep values shared, defeating in-place appends, and would be written into continuations) and
// closes the steps it opened. True when it was the fiber's last frame; otherwise `result` is the
// caller's register that receives the return value.
inline bool pop_frame(Fiber& f, const Program& prog, uint8_t& result) {
  const Frame done = f.frames.back();
  Value* window = f.registers.data() + done.base;
  const uint32_t size = std::min<uint32_t>(prog.code[done.function].num_registers,
                                           static_cast<uint32_t>(f.registers.size() - done.base));
  for (uint32_t i = 0; i < size; ++i)
    if (is_object(window[i].tag)) window[i] = Value();
  f.frames.pop_back();
  if (!f.steps.empty())
    while (!f.steps.empty() && f.steps.back().frame >= f.frames.size()) f.steps.pop_back();
  result = done.result;
  return f.frames.empty();
}

}  // namespace

FiberExit Interpreter::run(Machine& m, Fiber& f, uint64_t& fuel_left) {
  const Program& prog = *m.program_;
  // Kept in a local while the loop runs (a reference would be a memory round trip on every
  // call and backward jump) and written back on the way out.
  uint64_t fuel = fuel_left;
  struct FuelWriteBack {
    uint64_t& to;
    const uint64_t& from;
    ~FuelWriteBack() { to = from; }
  } write_back{fuel_left, fuel};
  const auto& functions = prog.module.functions;
  // Only these stay in registers across the loop: the instruction pointer, the frame's window,
  // the constants, the fiber, the machine and the fuel. Everything else (the code base, the frame)
  // is recomputed where a rarer instruction needs it, so the compiler need not spill `ip`.
  const Value* const K = prog.constants.data();

  Value* R;
  const Instr* ip;  // the next instruction; frame->pc is its index, written back by SAVE_PC
  Instr ins;
  Value error;          // the error being raised, for the `raise` path
  uint8_t returned_to = 0;
  // A value on its way to a register (a return value, a native's result). It lives at function
  // scope because the dispatch jumps (indirect gotos) may not leave the scope of a local with a
  // destructor.
  Value result_value;
  bool uncatchable = false;

// Caches the top frame in locals, and writes them back.
#define LOAD_FRAME()                                     \
  do {                                                   \
    const Frame& top_ = f.frames.back();                 \
    R = f.registers.data() + top_.base;                  \
    ip = m.program_->code[top_.function].code + top_.pc; \
  } while (0)
#define SAVE_PC() (f.frames.back().pc = static_cast<uint32_t>(ip - m.program_->code[f.frames.back().function].code))
// Returns from the top frame: a return inside a step leaves the step normally; the frame's
// window releases the objects it holds (stale references would keep values shared, defeating
// in-place appends, and would be written into continuations); the caller gets the value.
#define RETURN_VALUE(out)                                                              \
  do {                                                                                 \
    while (!f.steps.empty() && f.steps.back().frame + 1 >= f.frames.size()) {          \
      m.host_.on_step(f.id, f.steps.back().info, StepEvent::Leave);                    \
      f.steps.pop_back();                                                              \
    }                                                                                  \
    const uint8_t result = f.frames.back().result;                                     \
    const FunctionCode& returning = m.program_->code[f.frames.back().function];        \
    if (!returning.scalar_registers)                                                   \
      for (uint32_t i = 0; i < returning.num_registers; ++i)                           \
        if (is_object(R[i].tag)) R[i] = Value();                                       \
    f.frames.pop_back();                                                               \
    if (f.frames.empty()) {                                                            \
      f.result = std::move(out);                                                       \
      return FiberExit::Finished;                                                      \
    }                                                                                  \
    LOAD_FRAME();                                                                      \
    R[result] = std::move(out);                                                        \
    VM_NEXT();                                                                         \
  } while (0)
#define A() bytecode::a_of(ins)
#define B() bytecode::b_of(ins)
#define C() bytecode::c_of(ins)
#define RAISE(kind, ...)                                         \
  do {                                                           \
    error = m.make_error(kind, fmt::format(__VA_ARGS__));        \
    uncatchable = false;                                         \
    goto raise_error;                                            \
  } while (0)

  if (f.frames.empty()) return FiberExit::Finished;
  LOAD_FRAME();

  // What woke the fiber: an effect's value for its register, an error to raise where it
  // stopped, or the end of the children it joined.
  {
    const Delivery d = f.delivery;
    f.delivery = Delivery::None;
    f.state = FiberState::Runnable;
    if (d == Delivery::Value) {
      R[f.effect_register] = std::move(f.pending);
      f.pending = Value();
    } else if (d == Delivery::Error) {
      error = std::move(f.pending);
      f.pending = Value();
      uncatchable = f.pending_uncatchable;
      goto raise_error;
    } else if (d == Delivery::JoinDone && !f.first_error.is_none()) {
      error = std::move(f.first_error);
      f.first_error = Value();
      uncatchable = f.doomed;
      goto raise_error;
    }
  }

#if (defined(__GNUC__) || defined(__clang__)) && !defined(WF_VM_SWITCH)
  static const void* const kLabels[] = {
#define WF_OP(name, a, b, c, x, meaning) &&op_##name,
#include "bytecode/opcodes.def"
#undef WF_OP
  };
#define VM_CASE(name) op_##name:
#define VM_NEXT()                  \
  do {                             \
    ins = *ip++;              \
    goto* kLabels[ins & 0xFF];     \
  } while (0)
  VM_NEXT();
#else
#define VM_CASE(name) case static_cast<uint8_t>(Op::name):
#define VM_NEXT() goto next
next:
  ins = *ip++;
  switch (ins & 0xFF) {
#endif

  VM_CASE(MOVE) { R[A()] = R[B()]; VM_NEXT(); }
  VM_CASE(LOADK) { R[A()] = K[bytecode::bx_of(ins)]; VM_NEXT(); }
  VM_CASE(LOADI) { set_int(R[A()], Tag::Int, bytecode::sbx_of(ins)); VM_NEXT(); }
  VM_CASE(LOADNONE) { R[A()] = Value(); VM_NEXT(); }
  VM_CASE(LOADBOOL) { set_bool(R[A()], B() != 0); VM_NEXT(); }
  VM_CASE(GETGLOBAL) { R[A()] = m.globals_[bytecode::bx_of(ins)]; VM_NEXT(); }
  VM_CASE(SETGLOBAL) { m.globals_[bytecode::bx_of(ins)] = R[A()]; VM_NEXT(); }

  VM_CASE(ADDI) {
    int64_t x;
    if (__builtin_add_overflow(R[B()].i, R[C()].i, &x)) RAISE(ErrorKind::Arithmetic, "integer overflow in `+`");
    set_int(R[A()], Tag::Int, x);
    VM_NEXT();
  }
  VM_CASE(SUBI) {
    int64_t x;
    if (__builtin_sub_overflow(R[B()].i, R[C()].i, &x)) RAISE(ErrorKind::Arithmetic, "integer overflow in `-`");
    set_int(R[A()], Tag::Int, x);
    VM_NEXT();
  }
  VM_CASE(MULI) {
    int64_t x;
    if (__builtin_mul_overflow(R[B()].i, R[C()].i, &x)) RAISE(ErrorKind::Arithmetic, "integer overflow in `*`");
    set_int(R[A()], Tag::Int, x);
    VM_NEXT();
  }
  VM_CASE(DIVI) {
    const int64_t d = R[C()].i, n = R[B()].i;
    if (d == 0) RAISE(ErrorKind::Arithmetic, "division by zero");
    if (d == -1 && n == std::numeric_limits<int64_t>::min()) RAISE(ErrorKind::Arithmetic, "integer overflow in `/`");
    set_int(R[A()], Tag::Int, n / d);  // C++ truncates toward zero, as SPEC §1.4 asks
    VM_NEXT();
  }
  VM_CASE(MODI) {
    const int64_t d = R[C()].i, n = R[B()].i;
    if (d == 0) RAISE(ErrorKind::Arithmetic, "division by zero in `%`");
    set_int(R[A()], Tag::Int, d == -1 ? 0 : n % d);  // the sign of the dividend, as in C++
    VM_NEXT();
  }
  VM_CASE(MULIK) {
    int64_t x;
    if (__builtin_mul_overflow(R[B()].i, static_cast<int64_t>(C()) - 128, &x)) RAISE(ErrorKind::Arithmetic, "integer overflow in `*`");
    set_int(R[A()], Tag::Int, x);
    VM_NEXT();
  }
  VM_CASE(MODIK) {
    const int64_t d = static_cast<int64_t>(C()) - 128;
    if (d == 0) RAISE(ErrorKind::Arithmetic, "division by zero in `%`");
    set_int(R[A()], Tag::Int, d == -1 ? 0 : R[B()].i % d);
    VM_NEXT();
  }
  VM_CASE(NEGI) {
    if (R[B()].i == std::numeric_limits<int64_t>::min()) RAISE(ErrorKind::Arithmetic, "integer overflow in `-`");
    set_int(R[A()], Tag::Int, -R[B()].i);
    VM_NEXT();
  }
  VM_CASE(ADDIK) {
    int64_t x;
    if (__builtin_add_overflow(R[B()].i, static_cast<int64_t>(C()) - 128, &x)) RAISE(ErrorKind::Arithmetic, "integer overflow in `+`");
    set_int(R[A()], Tag::Int, x);
    VM_NEXT();
  }
#define FLOAT_OP(name, expr, sym)                                                         \
  VM_CASE(name) {                                                                        \
    const double x = (expr);                                                             \
    if (!std::isfinite(x)) RAISE(ErrorKind::Arithmetic, "`{}` gives a result that is not a finite number", sym); \
    set_float(R[A()], x);                                                                \
    VM_NEXT();                                                                           \
  }
  FLOAT_OP(ADDF, R[B()].f + R[C()].f, "+")
  FLOAT_OP(SUBF, R[B()].f - R[C()].f, "-")
  FLOAT_OP(MULF, R[B()].f * R[C()].f, "*")
  FLOAT_OP(DIVF, R[B()].f / R[C()].f, "/")
  FLOAT_OP(NEGF, -R[B()].f, "-")
#undef FLOAT_OP
  VM_CASE(ADDD) {
    int64_t x;
    if (__builtin_add_overflow(R[B()].i, R[C()].i, &x)) RAISE(ErrorKind::Arithmetic, "duration overflow in `+`");
    set_int(R[A()], R[B()].tag, x);  // time + duration is a time; duration + duration a duration
    VM_NEXT();
  }
  VM_CASE(SUBD) {
    int64_t x;
    if (__builtin_sub_overflow(R[B()].i, R[C()].i, &x)) RAISE(ErrorKind::Arithmetic, "duration overflow in `-`");
    set_int(R[A()], R[B()].tag, x);
    VM_NEXT();
  }
  VM_CASE(SUBT) {
    int64_t x;
    if (__builtin_sub_overflow(R[B()].i, R[C()].i, &x)) RAISE(ErrorKind::Arithmetic, "duration overflow in `-`");
    set_int(R[A()], Tag::Duration, x);
    VM_NEXT();
  }
  VM_CASE(MULDI) {
    int64_t x;
    if (__builtin_mul_overflow(R[B()].i, R[C()].i, &x)) RAISE(ErrorKind::Arithmetic, "duration overflow in `*`");
    set_int(R[A()], Tag::Duration, x);
    VM_NEXT();
  }
  VM_CASE(DIVDI) {
    if (R[C()].i == 0) RAISE(ErrorKind::Arithmetic, "division by zero");
    set_int(R[A()], Tag::Duration, R[B()].i / R[C()].i);
    VM_NEXT();
  }
  VM_CASE(NEGD) {
    if (R[B()].i == std::numeric_limits<int64_t>::min()) RAISE(ErrorKind::Arithmetic, "duration overflow in `-`");
    set_int(R[A()], Tag::Duration, -R[B()].i);
    VM_NEXT();
  }

  VM_CASE(CONCAT) {
    const uint8_t a = A(), b = B(), c = C();
    if (a == b && R[a].unshared()) {
      static_cast<StrObj*>(R[a].o)->text += as_string(R[c]);  // nobody else can see the change
    } else {
      R[a] = make_string(as_string(R[b]) + as_string(R[c]));
    }
    VM_NEXT();
  }
  VM_CASE(LCONCAT) {
    const uint8_t a = A(), b = B(), c = C();
    if (a == b && a != c && R[a].unshared()) {
      auto& items = static_cast<ListObj*>(R[a].o)->items;
      const auto& more = as_list(R[c]);
      items.insert(items.end(), more.begin(), more.end());
    } else {
      std::vector<Value> items = as_list(R[b]);
      const auto& more = as_list(R[c]);
      items.insert(items.end(), more.begin(), more.end());
      R[a] = make_list(std::move(items));
    }
    VM_NEXT();
  }
  VM_CASE(APPEND) {
    const uint8_t a = A();
    if (!R[a].unshared()) R[a] = make_list(as_list(R[a]));  // copy first: someone else sees it
    static_cast<ListObj*>(R[a].o)->items.push_back(R[B()]);
    VM_NEXT();
  }
  VM_CASE(TOSTR) {
    if (R[B()].tag == Tag::Str) R[A()] = R[B()];
    else R[A()] = make_string(render(R[B()]));
    VM_NEXT();
  }
  VM_CASE(CONCATN) {
    const uint8_t b = B(), n = C();
    size_t size = 0;
    for (uint8_t i = 0; i < n; ++i) size += as_string(R[b + i]).size();
    {
      std::string out;
      out.reserve(size);
      for (uint8_t i = 0; i < n; ++i) out += as_string(R[b + i]);
      R[A()] = make_string(std::move(out));
    }
    VM_NEXT();
  }

  VM_CASE(EQ) { set_bool(R[A()], equal(R[B()], R[C()])); VM_NEXT(); }
  VM_CASE(NE) { set_bool(R[A()], !equal(R[B()], R[C()])); VM_NEXT(); }
  VM_CASE(LT) { set_bool(R[A()], less(R[B()], R[C()], false)); VM_NEXT(); }
  VM_CASE(LE) { set_bool(R[A()], less(R[B()], R[C()], true)); VM_NEXT(); }
  VM_CASE(NOT) { set_bool(R[A()], !R[B()].b); VM_NEXT(); }
  VM_CASE(ISNONE) { set_bool(R[A()], R[B()].is_none()); VM_NEXT(); }

  VM_CASE(JMP) {
    const int16_t offset = bytecode::sbx_of(ins);
    ip += offset;
    if (offset < 0 && --fuel == 0) {
      SAVE_PC();
      return FiberExit::OutOfFuel;
    }
    VM_NEXT();
  }
  VM_CASE(JMPIF) {
    if (R[A()].b) ip += bytecode::sbx_of(ins);
    VM_NEXT();
  }
  VM_CASE(JMPIFNOT) {
    if (!R[A()].b) ip += bytecode::sbx_of(ins);
    VM_NEXT();
  }
  VM_CASE(JLTI) {
    const int32_t offset = static_cast<int32_t>(*ip++);
    if (!(R[A()].i < R[B()].i)) ip += offset;
    VM_NEXT();
  }
  VM_CASE(JLTK) {
    const int32_t offset = static_cast<int32_t>(*ip++);
    if (!(R[A()].i < K[bytecode::bx_of(ins)].i)) ip += offset;
    VM_NEXT();
  }
  VM_CASE(CALL) {
    const uint32_t callee = *ip++;
    if (f.frames.size() >= kMaxFrames) RAISE(ErrorKind::Failed, "calls nest deeper than {} levels", kMaxFrames);
    if (--fuel == 0) {
      // Yield before the call, so it is made when the fiber runs again (with new fuel).
      ip -= 2;
      SAVE_PC();
      return FiberExit::OutOfFuel;
    }
    SAVE_PC();
    const uint32_t base = f.frames.back().base + B();
    const size_t need = base + m.program_->code[callee].num_registers;
    if (f.registers.size() < need) f.registers.resize(std::max(need, f.registers.size() * 2));
    f.frames.push_back(Frame{callee, 0, base, A()});
    LOAD_FRAME();
    VM_NEXT();
  }
  VM_CASE(CALLB) {
    const uint32_t index = *ip++;
    stdlib::NativeContext& ctx = m.host_;
    ctx.clear();
    result_value = m.program_->natives[index](ctx, &R[B()]);
    if (ctx.failed()) {
      result_value = Value();
      error = m.make_error(ctx.error_kind(), ctx.error_message());
      uncatchable = false;
      goto raise_error;
    }
    R[A()] = std::move(result_value);
    VM_NEXT();
  }
  VM_CASE(RET) {
    result_value = std::move(R[A()]);
    RETURN_VALUE(result_value);
  }
  VM_CASE(RETNONE) {
    result_value = Value();
    RETURN_VALUE(result_value);
  }

  VM_CASE(NEWLIST) {
    const uint8_t b = B(), n = C();
    R[A()] = make_list(std::vector<Value>(R + b, R + b + n));
    VM_NEXT();
  }
  VM_CASE(NEWMAP) {
    const uint8_t b = B(), n = C();
    {
      std::vector<std::pair<std::string, Value>> entries;
      entries.reserve(n);
      for (uint8_t i = 0; i < n; ++i) entries.emplace_back(as_string(R[b + 2 * i]), R[b + 2 * i + 1]);
      R[A()] = make_map(std::move(entries));
    }
    VM_NEXT();
  }
  VM_CASE(NEWREC) {
    const Shape* shape = m.program_->shapes[*ip++];
    const uint8_t b = B();
    const size_t n = shape->names().size();
    R[A()] = make_record(shape, std::vector<Value>(R + b, R + b + n));
    VM_NEXT();
  }
  VM_CASE(GETFIELD) {
    const Value& rec = R[B()];
    if (!is_object(rec.tag) || rec.tag == Tag::Str || rec.tag == Tag::List || rec.tag == Tag::Map)
      RAISE(ErrorKind::Type, "this value has no fields");
    const auto& fields = as_record(rec).fields;
    if (C() >= fields.size()) RAISE(ErrorKind::Type, "this record has no field {}", C());
    R[A()] = fields[C()];
    VM_NEXT();
  }
  VM_CASE(INDEX) {
    const Value& obj = R[B()];
    const Value& key = R[C()];
    switch (obj.tag) {
      case Tag::List: {
        if (key.tag != Tag::Int) RAISE(ErrorKind::Type, "a list is indexed by an int");
        const auto& items = as_list(obj);
        if (key.i < 0 || static_cast<uint64_t>(key.i) >= items.size())
          RAISE(ErrorKind::Index, "index {} is out of range for a list of {}", key.i, items.size());
        R[A()] = items[key.i];
        break;
      }
      case Tag::Map: {
        if (key.tag != Tag::Str) RAISE(ErrorKind::Type, "a map is indexed by a string");
        const Value* v = as_map(obj).find(as_string(key));
        if (!v) RAISE(ErrorKind::Index, "no key \"{}\" in this map", as_string(key));
        R[A()] = *v;
        break;
      }
      case Tag::Str: {
        if (key.tag != Tag::Int) RAISE(ErrorKind::Type, "a string is indexed by an int");
        std::string out;
        if (!code_point_at(as_string(obj), key.i, out))
          RAISE(ErrorKind::Index, "index {} is out of range for a string of {} characters", key.i, code_point_count(as_string(obj)));
        R[A()] = make_string(std::move(out));
        break;
      }
      default:
        RAISE(ErrorKind::Type, "cannot index {}", obj.is_none() ? "JSON null" : "this value");
    }
    VM_NEXT();
  }
  VM_CASE(MEMBER) {
    const Value& obj = R[B()];
    const Value& key = R[C()];
    if (key.tag != Tag::Str) RAISE(ErrorKind::Type, "a JSON member is named by a string");
    if (obj.is_none()) {
      R[A()] = Value::none();
    } else if (obj.tag == Tag::Map) {
      const Value* v = as_map(obj).find(as_string(key));
      R[A()] = v ? *v : Value::none();
    } else {
      const char* what = obj.tag == Tag::List ? "a JSON array" : obj.tag == Tag::Str ? "a JSON string"
                         : obj.tag == Tag::Bool ? "a JSON boolean" : "a JSON number";
      RAISE(ErrorKind::Type, "{} has no member `{}`", what, as_string(key));
    }
    VM_NEXT();
  }
  VM_CASE(NOTNULL) {
    if (R[A()].is_none()) {
      const Value& message = K[bytecode::bx_of(ins)];
      RAISE(ErrorKind::Type, "{}", message.tag == Tag::Str ? as_string(message) : std::string_view("a JSON member is null"));
    }
    VM_NEXT();
  }
  VM_CASE(LEN) {
    const Value& v = R[B()];
    int64_t n = 0;
    if (v.tag == Tag::List) n = static_cast<int64_t>(as_list(v).size());
    else if (v.tag == Tag::Map) n = static_cast<int64_t>(as_map(v).entries.size());
    else if (v.tag == Tag::Str) n = code_point_count(as_string(v));
    set_int(R[A()], Tag::Int, n);
    VM_NEXT();
  }

  VM_CASE(FAIL) {
    error = m.make_error(ErrorKind::Failed, as_string(R[A()]));
    uncatchable = false;
    goto raise_error;
  }
  VM_CASE(RAISE) {
    error = R[A()];
    uncatchable = f.doomed;
    goto raise_error;
  }
  VM_CASE(RETRYABLE) {
    const Value& e = R[B()];
    bool ok = !f.doomed;
    if (ok && e.tag == Tag::Record) {
      ok = stdlib::retry_may_pass(as_string(as_record(e).fields[0]));
    }
    set_bool(R[A()], ok);
    VM_NEXT();
  }
  VM_CASE(STEP) {
    SAVE_PC();
    if (B() != 0) {
      f.steps.push_back(OpenStep{static_cast<uint32_t>(f.frames.size() - 1), static_cast<uint32_t>(ip - m.program_->code[f.frames.back().function].code) - 1, R[A()]});
      m.host_.on_step(f.id, R[A()], StepEvent::Enter);
      // The timeout runs from here, set after the host's checkpoint so that a retry of the
      // instance from that checkpoint starts the step with a timeout of its own.
      f.steps.back().deadline = Machine::step_deadline_from(R[A()], m.host_.now_ms());
    } else {
      if (!f.steps.empty()) f.steps.pop_back();
      m.host_.on_step(f.id, R[A()], StepEvent::Leave);
    }
    VM_NEXT();
  }
  VM_CASE(COND) {
    m.host_.on_condition(f.id, as_string(K[bytecode::bx_of(ins)]), R[A()].b);
    VM_NEXT();
  }
  VM_CASE(LOG) {
    m.host_.on_log(f.id, as_string(R[A()]));
    VM_NEXT();
  }

  VM_CASE(EFFECT) {
    const auto kind = static_cast<bytecode::EffectKind>(*ip++);
    SAVE_PC();
    f.state = FiberState::WaitingEffect;
    f.seq = m.next_seq_++;
    f.effect_register = A();
    m.effects_.push_back(EffectRequest{kind, R[B()], f.id, f.seq});
    return FiberExit::Waiting;
  }
  VM_CASE(SPAWN) {
    const uint32_t callee = *ip++;
    SAVE_PC();
    const uint8_t a = A();
    // new_fiber may grow the fiber list; `f` stays valid (fibers are held by pointer).
    const uint32_t child = m.new_fiber(callee, std::vector<Value>(R + B(), R + B() + C()), static_cast<int32_t>(f.id)).id;
    R[a] = Value::fiber(child);
    VM_NEXT();
  }
  VM_CASE(JOIN) {
    SAVE_PC();
    f.children.clear();
    for (uint8_t i = 0; i < C(); ++i) f.children.push_back(static_cast<uint32_t>(R[B() + i].i));
    f.state = FiberState::WaitingJoin;
    m.finish_join_if_done(f);  // with no branches the join is done at once
    return FiberExit::Waiting;  // the Machine wakes it when every child is done
  }
  VM_CASE(PFOR) {
    const uint32_t callee = *ip++;
    SAVE_PC();
    f.children.clear();
    f.pfor_items = R[B()];
    f.pfor_next = 0;
    f.pfor_limit = R[C()].i > 0 ? static_cast<uint32_t>(R[C()].i) : 0;
    f.pfor_function = callee;
    const uint32_t captures = functions[callee].num_params - 1;
    f.pfor_captures.assign(R + A() + 1, R + A() + 1 + captures);
    f.state = FiberState::WaitingJoin;
    m.finish_join_if_done(f);  // starts the first items; over an empty list the join is done at once
    return FiberExit::Waiting;
  }

#if !((defined(__GNUC__) || defined(__clang__)) && !defined(WF_VM_SWITCH))
  }
  // Unreachable: every case ends in VM_NEXT() or leaves the loop.
  return FiberExit::Finished;
#endif

raise_error: {
  // Unwind: look for a handler around the failing instruction in each frame, innermost first.
  // Catch handlers do not see uncatchable errors; finally handlers see everything.
  SAVE_PC();
  if (uncatchable) f.doomed = true;
  // The step the error happened in, for Error.step.
  if (error.tag == Tag::Record && !f.steps.empty()) {
    auto* rec = static_cast<RecObj*>(error.o);
    const Value& step_name = as_record(f.steps.back().info).fields[0];
    if (rec->fields.size() > 2 && rec->fields[2].tag == Tag::Str && as_string(rec->fields[2]).empty()) {
      if (error.unshared()) rec->fields[2] = step_name;
      else {
        std::vector<Value> fields = rec->fields;
        fields[2] = step_name;
        error = make_record(rec->shape, std::move(fields));
      }
    }
  }
  while (!f.frames.empty()) {
    Frame& fr = f.frames.back();
    const auto& handlers = functions[fr.function].handlers;
    const uint32_t at = fr.pc == 0 ? 0 : fr.pc - 1;
    for (const auto& h : handlers) {
      if (at < h.start || at >= h.end) continue;
      if (!h.is_finally && f.doomed) continue;
      // Steps opened inside the protected range are left, failed.
      const uint32_t depth = static_cast<uint32_t>(f.frames.size() - 1);
      while (!f.steps.empty() && (f.steps.back().frame > depth ||
                                  (f.steps.back().frame == depth && f.steps.back().enter_pc >= h.start))) {
        m.host_.on_step(f.id, f.steps.back().info, StepEvent::Fail);
        f.steps.pop_back();
      }
      fr.pc = h.target;
      f.registers[fr.base + h.reg] = std::move(error);
      LOAD_FRAME();
      VM_NEXT();
    }
    // No handler here: the frame ends, and the steps it opened fail.
    while (!f.steps.empty() && f.steps.back().frame + 1 >= f.frames.size()) {
      m.host_.on_step(f.id, f.steps.back().info, StepEvent::Fail);
      f.steps.pop_back();
    }
    pop_frame(f, prog, returned_to);
  }
  while (!f.steps.empty()) {
    m.host_.on_step(f.id, f.steps.back().info, StepEvent::Fail);
    f.steps.pop_back();
  }
  f.error = std::move(error);
  f.state = FiberState::Failed;
  return FiberExit::Finished;
}
#undef VM_CASE
#undef VM_NEXT
#undef RAISE
#undef LOAD_FRAME
#undef SAVE_PC
#undef A
#undef B
#undef C
}

}  // namespace wf::vm
