// Machine ⇄ ContinuationData (see continuation.h): capturing a quiescent machine as plain data,
// and validating data against a program before installing it in a fresh machine. The validator
// restates every invariant the Machine and the interpreter rely on without checking (indices,
// program counters, register windows, fiber links, the records the VM reads fields of), because
// the verifier proved them for code but nothing proves them for bytes from a store.
#include "vm/continuation.h"
#include "vm/error_path.h"

#include <algorithm>
#include <limits>
#include <memory>

#include "bytecode/operand_roles.h"
#include "vm/fiber.h"
#include "vm/machine.h"
#include "vm/render.h"
#include "vm/shape.h"

namespace wf::vm {

namespace {

bool live(FiberState s) { return s == FiberState::Runnable || s == FiberState::WaitingEffect || s == FiberState::WaitingJoin; }

// The end of the highest register window of any frame: what a fiber's registers must reach.
// A callee's window starts inside its caller's and may end before it, so the top frame's end
// alone is not enough.
template <typename Frames>
uint32_t window_end(const Program& p, const Frames& frames) {
  uint32_t end = 0;
  for (const auto& fr : frames) end = std::max(end, fr.base + p.code[fr.function].num_registers);
  return end;
}

// Shape::intern under a lock, with a copy of the names; most continuations use the same few
// shapes again and again, so each thread remembers the ones it has met (shapes live as long as
// the process, so the pointers stay good).
const Shape* intern(const std::vector<std::string>& names) {
  thread_local std::vector<const Shape*> recent;
  for (const Shape* s : recent)
    if (s->names() == names) return s;
  const Shape* s = Shape::intern(names);
  if (recent.size() < 256) recent.push_back(s);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Machine → data

class Capture {
 public:
  Capture(const Program& p, ContinuationData& d) : p_(p), d_(d) {}

  // A new node holding `v`.
  ValueRef value(const Value& v) {
    const ValueRef ref = d_.add_nodes(1).first;
    fill(ref, v);
    return ref;
  }

  // New consecutive nodes holding `vs` (or the first `n` of them, then none).
  ValueRange values(const std::vector<Value>& vs, size_t n) {
    const ValueRange r = d_.add_nodes(static_cast<uint32_t>(n));
    for (size_t k = 0; k < n && k < vs.size(); ++k) fill(r.first + static_cast<uint32_t>(k), vs[k]);
    return r;
  }
  ValueRange values(const std::vector<Value>& vs) { return values(vs, vs.size()); }

  // Makes node `ref` hold `v`. Nodes are found by index each time: adding nodes may move them.
  void fill(ValueRef ref, const Value& v) {
    ValueKind kind = ValueKind::None;
    switch (v.tag) {
      case Tag::None: return;
      case Tag::Bool: d_.values[ref].kind = ValueKind::Bool; d_.values[ref].i = v.b ? 1 : 0; return;
      case Tag::Int: kind = ValueKind::Int; break;
      case Tag::Duration: kind = ValueKind::Duration; break;
      case Tag::Time: kind = ValueKind::Time; break;
      case Tag::Fiber: kind = ValueKind::Fiber; break;
      case Tag::Float: d_.values[ref].kind = ValueKind::Float; d_.values[ref].f = v.f; return;
      case Tag::Str: d_.set_text(ref, as_string(v)); return;
      case Tag::List: {
        const ValueRange c = values(as_list(v));
        d_.values[ref].kind = ValueKind::List;
        d_.values[ref].children = c;
        return;
      }
      case Tag::Map: {
        const auto& entries = as_map(v).entries;
        const ValueRange c = d_.add_nodes(static_cast<uint32_t>(2 * entries.size()));
        d_.values[ref].kind = ValueKind::Map;
        d_.values[ref].children = c;
        for (size_t k = 0; k < entries.size(); ++k) {
          d_.set_text(c.first + static_cast<uint32_t>(2 * k), entries[k].first);
          fill(c.first + static_cast<uint32_t>(2 * k + 1), entries[k].second);
        }
        return;
      }
      case Tag::Record:
      case Tag::Credential:
      case Tag::Approver:
      case Tag::Channel: {
        const RecObj& r = as_record(v);
        const uint32_t index = shape(r.shape);
        const ValueRange c = values(r.fields);
        ValueData& node = d_.values[ref];
        node.kind = v.tag == Tag::Record       ? ValueKind::Record
                    : v.tag == Tag::Credential ? ValueKind::Credential
                    : v.tag == Tag::Approver   ? ValueKind::Approver
                                               : ValueKind::Channel;
        node.shape = index;
        node.children = c;
        // A credential's `secret` field is always none (hosts keep secrets, SPEC §1.8); should
        // one ever hold something, it is still not written out.
        if (v.tag == Tag::Credential)
          if (const int secret = r.shape->index_of("secret"); secret >= 0) d_.values[c.first + secret] = ValueData();
        return;
      }
    }
    d_.values[ref].kind = kind;
    d_.values[ref].i = v.i;
  }

  FiberData fiber(const Fiber& f) {
    FiberData out;
    out.parent = f.parent;
    out.state = static_cast<FiberStateData>(f.state == FiberState::Runnable        ? 0
                                            : f.state == FiberState::WaitingEffect ? 1
                                            : f.state == FiberState::WaitingJoin   ? 2
                                            : f.state == FiberState::Done          ? 3
                                                                                   : 4);
    // Registers past every window hold nothing a frame can read; a finished fiber has none.
    out.registers = values(f.registers, live(f.state) ? window_end(p_, f.frames) : 0);
    out.frames.reserve(f.frames.size());
    for (const Frame& fr : f.frames) out.frames.push_back(FrameData{fr.function, fr.pc, fr.base, fr.result});
    for (const OpenStep& s : f.steps) out.steps.push_back(StepData{s.frame, s.enter_pc, value(s.info), s.deadline});
    out.seq = f.seq;
    out.effect_register = f.effect_register;
    out.delivery = static_cast<DeliveryData>(f.delivery == Delivery::None    ? 0
                                             : f.delivery == Delivery::Value ? 1
                                             : f.delivery == Delivery::Error ? 2
                                                                             : 3);
    out.pending_uncatchable = f.pending_uncatchable;
    out.doomed = f.doomed;
    out.pending = value(f.pending);
    out.children = f.children;
    // pfor_next, _limit and _function mean something only while there are items.
    if (!f.pfor_items.is_none()) {
      out.has_pfor = true;
      out.pfor.items = value(f.pfor_items);
      out.pfor.next = f.pfor_next;
      out.pfor.limit = f.pfor_limit;
      out.pfor.function = f.pfor_function;
      out.pfor.captures = values(f.pfor_captures);
    }
    out.first_error = value(f.first_error);
    out.result = value(f.result);
    out.error = value(f.error);
    return out;
  }

 private:
  const Program& p_;
  ContinuationData& d_;
  std::vector<const Shape*> shapes_;  // parallel to d_.shapes; a handful, so a scan is fastest

  uint32_t shape(const Shape* s) {
    for (size_t i = 0; i < shapes_.size(); ++i)
      if (shapes_[i] == s) return static_cast<uint32_t>(i);
    shapes_.push_back(s);
    d_.shapes.push_back(s->names());
    return static_cast<uint32_t>(shapes_.size() - 1);
  }
};

// ---------------------------------------------------------------------------------------------
// Data → Machine

// Thrown inside this file only; restore_data turns it into an error value.
struct Invalid {
  std::string message;
};

class Restorer {
 public:
  Restorer(const Program& p, const ContinuationData& d) : p_(p), d_(d), starts_(p.module.functions.size()) {}

  // Builds the machine's parts, or throws Invalid.
  void build(std::vector<std::unique_ptr<Fiber>>& fibers, std::vector<Value>& globals, Value& result, Value& error) {
    const auto& functions = p_.module.functions;
    {
      At at(*this, "shapes");
      shapes_.reserve(d_.shapes.size());
      for (const auto& names : d_.shapes) shapes_.push_back(intern(names));
    }
    {
      At at(*this, "globals");
      if (d_.globals.count != p_.module.globals.size() && !(d_.globals.count == 0 && d_.fibers.empty()))
        fail("expected " + str(p_.module.globals.size()) + " globals, found " + str(d_.globals.count));
      globals = values(d_.globals);
    }
    if (d_.next_seq == 0) {
      At at(*this, "next_seq");
      fail("must be at least 1");
    }
    // Links first: a branch is created by a fiber that already exists, so its parent comes
    // before it, and only the main fiber has none.
    for (size_t i = 0; i < d_.fibers.size(); ++i) {
      const int32_t parent = d_.fibers[i].parent;
      if (i == 0 ? parent != -1 : (parent < 0 || static_cast<size_t>(parent) >= i)) {
        At at(*this, "fibers");
        At at_fiber(*this, i);
        At at_parent(*this, "parent");
        fail(i == 0 ? "the main fiber has no parent" : "expected a fiber before this one");
      }
    }
    fibers.reserve(d_.fibers.size());
    for (size_t i = 0; i < d_.fibers.size(); ++i) {
      At at(*this, "fibers");
      At at_fiber(*this, i);
      fibers.push_back(fiber(static_cast<uint32_t>(i), d_.fibers[i], functions));
    }
    {
      At at(*this, "result");
      result = value(d_.result, 0);
    }
    {
      At at(*this, "error");
      error = value(d_.error, 0);
      if (!error.is_none() && !is_error(error)) fail("expected an Error record");
    }
    const bool any = !fibers.empty();
    At at(*this, "status");
    switch (d_.status) {
      case StatusData::Running:
        if (any && !live(fibers[0]->state)) fail("running, but the main fiber has finished");
        break;
      case StatusData::Waiting:
        if (!any || !live(fibers[0]->state)) fail("waiting, but there is no live main fiber");
        break;
      case StatusData::Completed:
        if (!any || fibers[0]->state != FiberState::Done) fail("completed, but the main fiber is not done");
        break;
      case StatusData::Failed:
        if (!is_error(error)) fail("failed without an Error record");
        break;
      default: fail("unknown status " + std::to_string(static_cast<int>(d_.status)));
    }
  }

 private:
  const Program& p_;
  const ContinuationData& d_;
  std::vector<const Shape*> shapes_;
  struct Starts {
    int walks = 0;
    std::vector<uint8_t> table;  // table[pc]: an instruction begins at pc
  };
  std::vector<Starts> starts_;  // per function

  // The path of the item being read, as a chain of At guards on the C++ stack: free to keep,
  // walked only to name the item in an error.
  // `At at(*this, "field")` marks a level of the error path while it lives.
  struct At : ErrorPath::Step {
    At(Restorer& o, std::string_view field) : Step(o.path_, field) {}
    At(Restorer& o, size_t index) : Step(o.path_, index) {}
  };
  ErrorPath path_;

  [[noreturn]] void fail(std::string_view what) const {
    const std::string where = path_.text();
    std::string message = "invalid continuation: ";
    if (!where.empty()) message += where + ": ";
    message += what;
    throw Invalid{std::move(message)};
  }

  static std::string str(uint64_t n) { return std::to_string(n); }

  // Where `pc` falls in `function`: whether an instruction begins there (not an extra word, not
  // past the end), and which instruction ends right before it. The first few questions about a
  // function walk its code up to pc; after that a table of instruction starts pays for itself (a
  // hostile continuation may ask about many frames).
  struct Place {
    bool start = false;
    bool after = false;      // an instruction ends at pc...
    bytecode::Instr before = 0;  // ...and this is it
  };
  Place place(uint32_t function, uint32_t pc) {
    const auto& code = p_.module.functions[function].code;
    Place out;
    if (pc > code.size()) return out;
    Starts& s = starts_[function];
    if (s.table.empty() && ++s.walks <= 4) {
      size_t at = 0, prev = 0;
      while (at < pc) {
        prev = at;
        at += width(code[at]);
      }
      out.start = at == pc && pc < code.size();
      out.after = at == pc && pc > 0;
      if (out.after) out.before = code[prev];
      return out;
    }
    if (s.table.empty()) {
      s.table.assign(code.size(), 0);
      for (size_t at = 0; at < code.size(); at += width(code[at])) s.table[at] = 1;
    }
    out.start = pc < code.size() && s.table[pc];
    for (uint32_t back = 1; back <= 2 && back <= pc; ++back) {
      if (s.table[pc - back] && pc - back + width(code[pc - back]) == pc) {
        out.after = true;
        out.before = code[pc - back];
        break;
      }
    }
    return out;
  }

  static size_t width(bytecode::Instr instr) {
    const uint8_t byte = static_cast<uint8_t>(instr & 0xFF);
    // The verifier rules out unknown ops; should one appear, no later pc counts as a start.
    if (!bytecode::is_known_op(byte)) return std::numeric_limits<uint32_t>::max();
    return static_cast<size_t>(bytecode::instr_width(static_cast<bytecode::Op>(byte)));
  }

  static bool ends_with(const Place& p, bytecode::Op op) { return p.after && bytecode::op_of(p.before) == op; }

  bool is_error(const Value& v) const {
    if (v.tag != Tag::Record) return false;
    const RecObj& r = as_record(v);
    return r.shape == p_.error_shape && r.fields.size() >= 3 && r.fields[0].tag == Tag::Str &&
           r.fields[1].tag == Tag::Str && r.fields[2].tag == Tag::Str;
  }

  // The nodes of `r`, checked to exist.
  ValueRange range(ValueRange r) const {
    if (r.first > d_.values.size() || r.count > d_.values.size() - r.first)
      fail("nodes " + str(r.first) + "+" + str(r.count) + " out of range (the continuation has " + str(d_.values.size()) + ")");
    return r;
  }

  const ValueData& node(ValueRef ref) const {
    if (ref >= d_.values.size()) fail("node " + str(ref) + " out of range (the continuation has " + str(d_.values.size()) + ")");
    return d_.values[ref];
  }

  std::string_view text(const ValueData& v) const {
    if (v.text > d_.text.size() || v.text_size > d_.text.size() - v.text) fail("a string out of range");
    return d_.text_of(v);
  }

  std::vector<Value> values(ValueRange r) {
    r = range(r);
    std::vector<Value> out;
    out.reserve(r.count);
    for (uint32_t k = 0; k < r.count; ++k) {
      At at(*this, k);
      out.push_back(value(r.first + k, 0));
    }
    return out;
  }

  // `depth` counts the lists, maps and records around the value; it also ends a cycle, which
  // data not made by decode_continuation might hold.
  Value value(ValueRef ref, size_t depth) {
    const ValueData& v = node(ref);
    switch (v.kind) {
      case ValueKind::None: return Value();
      case ValueKind::Bool: return Value::boolean(v.i != 0);
      case ValueKind::Int: return Value::integer(v.i);
      case ValueKind::Float: return Value::real(v.f);
      case ValueKind::Duration: return Value::duration(v.i);
      case ValueKind::Time: return Value::time(v.i);
      case ValueKind::Str: return make_string(std::string(text(v)));
      case ValueKind::Fiber:
        // JOIN and the Machine index the fiber list with it.
        if (v.i < 0 || static_cast<uint64_t>(v.i) >= d_.fibers.size())
          fail("fiber " + std::to_string(v.i) + " out of range (the continuation has " + str(d_.fibers.size()) + ")");
        return Value::fiber(v.i);
      default: break;
    }
    if (depth + 1 > kMaxValueDepth) fail("values are nested more than " + str(kMaxValueDepth) + " deep");
    const ValueRange c = range(v.children);
    switch (v.kind) {
      case ValueKind::List: {
        std::vector<Value> items;
        items.reserve(c.count);
        for (uint32_t k = 0; k < c.count; ++k) items.push_back(value(c.first + k, depth + 1));
        return make_list(std::move(items));
      }
      case ValueKind::Map: {
        if (c.count % 2 != 0) fail("a map needs a value for every key");
        std::vector<std::pair<std::string, Value>> entries;
        entries.reserve(c.count / 2);
        for (uint32_t k = 0; k < c.count; k += 2) {
          const ValueData& key = d_.values[c.first + k];
          if (key.kind != ValueKind::Str) fail("a map's keys are strings");
          entries.emplace_back(std::string(text(key)), value(c.first + k + 1, depth + 1));
        }
        return make_map(std::move(entries));
      }
      case ValueKind::Record:
      case ValueKind::Credential:
      case ValueKind::Approver:
      case ValueKind::Channel: {
        if (v.shape >= shapes_.size()) fail("shape " + str(v.shape) + " out of range");
        const Shape* shape = shapes_[v.shape];
        if (shape->names().size() != c.count) fail("a record's fields do not match its shape");
        Tag tag = Tag::Record;
        if (v.kind == ValueKind::Credential) {
          // A credential holds a session handle; its secret stays with whoever checked it out.
          const int secret = shape->index_of("secret");
          if (secret >= 0 && d_.values[c.first + secret].kind != ValueKind::None) fail("a credential must not hold a secret");
          tag = Tag::Credential;
        } else if (v.kind == ValueKind::Approver || v.kind == ValueKind::Channel) {
          tag = v.kind == ValueKind::Approver ? Tag::Approver : Tag::Channel;
          if (shape != (tag == Tag::Approver ? approver_shape() : channel_shape()) ||
              d_.values[c.first].kind != ValueKind::Str || d_.values[c.first + 1].kind != ValueKind::Str)
            fail(tag == Tag::Approver ? "an approver is {kind, name}, two strings" : "a channel is {kind, target}, two strings");
        }
        std::vector<Value> fields;
        fields.reserve(c.count);
        for (uint32_t k = 0; k < c.count; ++k) fields.push_back(value(c.first + k, depth + 1));
        return make_record(shape, std::move(fields), tag);
      }
      default: fail("unknown value kind " + str(static_cast<uint64_t>(v.kind)));
    }
  }

  std::unique_ptr<Fiber> fiber(uint32_t id, const FiberData& fd, const std::vector<bytecode::Function>& functions) {
    auto f = std::make_unique<Fiber>();
    f->id = id;
    f->parent = fd.parent;  // checked by build()
    switch (fd.state) {
      case FiberStateData::Runnable: f->state = FiberState::Runnable; break;
      case FiberStateData::WaitingEffect: f->state = FiberState::WaitingEffect; break;
      case FiberStateData::WaitingJoin: f->state = FiberState::WaitingJoin; break;
      case FiberStateData::Done: f->state = FiberState::Done; break;
      case FiberStateData::Failed: f->state = FiberState::Failed; break;
      default: {
        At at(*this, "state");
        fail("unknown state " + str(static_cast<uint64_t>(fd.state)));
      }
    }
    switch (fd.delivery) {
      case DeliveryData::None: f->delivery = Delivery::None; break;
      case DeliveryData::Value: f->delivery = Delivery::Value; break;
      case DeliveryData::Error: f->delivery = Delivery::Error; break;
      case DeliveryData::JoinDone: f->delivery = Delivery::JoinDone; break;
      default: {
        At at(*this, "delivery");
        fail("unknown delivery " + str(static_cast<uint64_t>(fd.delivery)));
      }
    }
    if (f->delivery != Delivery::None && f->state != FiberState::Runnable) {
      At at(*this, "delivery");
      fail("only a runnable fiber has something delivered");
    }
    const bool is_live = live(f->state);

    // Frames: the bottom one starts the register file; each one above was called by the CALL
    // just before its caller's pc, which fixes its function, base and result register.
    {
      At at(*this, "frames");
      if (is_live == fd.frames.empty()) fail(is_live ? "a live fiber needs a frame" : "a finished fiber has no frames");
      if (fd.frames.size() > kMaxContinuationFrames) fail("more than " + str(kMaxContinuationFrames) + " frames");
      for (size_t k = 0; k < fd.frames.size(); ++k) {
        At at_frame(*this, k);
        const FrameData& fr = fd.frames[k];
        if (fr.function >= functions.size())
          fail("function " + str(fr.function) + " out of range (the module has " + str(functions.size()) + ")");
        if (k == 0 && fr.base != 0) fail("the bottom frame starts at register 0");
        const Place at_pc = place(fr.function, fr.pc);
        if (k + 1 < fd.frames.size()) {
          const FrameData& callee = fd.frames[k + 1];
          if (!ends_with(at_pc, bytecode::Op::CALL))
            fail("pc " + str(fr.pc) + " does not follow a CALL, but a frame lies above it");
          const uint32_t target = functions[fr.function].code[fr.pc - 1];  // the CALL's extra word
          if (callee.function != target || callee.base != fr.base + bytecode::b_of(at_pc.before) ||
              callee.result != bytecode::a_of(at_pc.before))
            fail("the frame above is not the one its CALL made");
        } else if (!at_pc.start) {
          fail("pc " + str(fr.pc) + " is not an instruction of function `" + functions[fr.function].name + "`");
        }
        f->frames.push_back(Frame{fr.function, fr.pc, fr.base, fr.result});
      }
    }
    {
      At at(*this, "registers");
      const uint32_t end = window_end(p_, fd.frames);
      if (fd.registers.count != end)
        fail("expected " + str(end) + " registers (to the end of the highest frame window), found " + str(fd.registers.count));
      f->registers = values(fd.registers);
      // A new fiber's file has at least 16 registers (Machine::new_fiber); keep that.
      if (is_live && f->registers.size() < 16) f->registers.resize(16);
    }

    // What the top frame's pc says about how the fiber stopped.
    if (is_live) {
      const FrameData& top = fd.frames.back();
      const Place at_pc = place(top.function, top.pc);
      const bool after_effect = ends_with(at_pc, bytecode::Op::EFFECT);
      const uint8_t effect_a = after_effect ? bytecode::a_of(at_pc.before) : 0;
      const bool after_join = ends_with(at_pc, bytecode::Op::JOIN) || ends_with(at_pc, bytecode::Op::PFOR);
      At at(*this, "pc");
      if (f->state == FiberState::WaitingEffect || f->delivery == Delivery::Value) {
        // The effect's value goes to R[effect_register] when the fiber runs.
        if (!after_effect) fail("waiting for an effect, but not after an EFFECT instruction");
        if (fd.effect_register != effect_a) fail("the effect register is not the EFFECT's");
      }
      if ((f->state == FiberState::WaitingJoin || f->delivery == Delivery::JoinDone) && !after_join)
        fail("waiting for branches, but not after a JOIN or PFOR instruction");
    }
    if (f->state == FiberState::WaitingEffect && fd.seq >= d_.next_seq) {
      At at(*this, "seq");
      fail("seq " + str(fd.seq) + " was never handed out (next_seq is " + str(d_.next_seq) + ")");
    }
    f->seq = fd.seq;
    f->effect_register = fd.effect_register;
    f->pending_uncatchable = fd.pending_uncatchable;
    f->doomed = fd.doomed;
    {
      At at(*this, "pending");
      f->pending = value(fd.pending, 0);
      if (f->delivery == Delivery::Error ? !is_error(f->pending)
                                         : f->delivery != Delivery::Value && !f->pending.is_none())
        fail(f->delivery == Delivery::Error ? "expected an Error record" : "nothing is being delivered");
    }

    // Steps: innermost last, each opened by a STEP of its frame's function.
    {
      At at(*this, "steps");
      if (!is_live && !fd.steps.empty()) fail("a finished fiber has no open steps");
      for (size_t k = 0; k < fd.steps.size(); ++k) {
        At at_step(*this, k);
        const StepData& s = fd.steps[k];
        if (s.frame >= fd.frames.size()) fail("frame " + str(s.frame) + " out of range");
        if (k > 0 && s.frame < fd.steps[k - 1].frame) fail("steps out of frame order");
        const uint32_t fn = fd.frames[s.frame].function;
        if (!place(fn, s.enter_pc).start || bytecode::op_of(functions[fn].code[s.enter_pc]) != bytecode::Op::STEP)
          fail("pc " + str(s.enter_pc) + " is not a STEP instruction");
        Value info = value(s.info, 0);
        // The interpreter names a failing step by the info record's first field.
        if (info.tag != Tag::Record || as_record(info).fields.empty() || as_record(info).fields[0].tag != Tag::Str)
          fail("a step's info is a record whose first field is its name");
        if (s.deadline < 0) fail("a step's deadline is negative");
        f->steps.push_back(OpenStep{s.frame, s.enter_pc, std::move(info), s.deadline});
      }
    }
    {
      At at(*this, "children");
      for (size_t k = 0; k < fd.children.size(); ++k) {
        const uint32_t c = fd.children[k];
        if (c >= d_.fibers.size() || d_.fibers[c].parent != static_cast<int32_t>(id))
          fail("fiber " + str(c) + " is not a branch of this fiber");
      }
      f->children = fd.children;
    }
    if (fd.has_pfor) {
      At at(*this, "pfor");
      if (f->state != FiberState::WaitingJoin) fail("only a fiber waiting for its branches runs a parallel for");
      f->pfor_items = value(fd.pfor.items, 0);
      if (f->pfor_items.tag != Tag::List) fail("the items are not a list");
      if (fd.pfor.function >= functions.size()) fail("function " + str(fd.pfor.function) + " out of range");
      const uint32_t params = functions[fd.pfor.function].num_params;
      if (params == 0 || fd.pfor.captures.count != params - 1)
        fail("function `" + functions[fd.pfor.function].name + "` does not take an item and " +
             str(fd.pfor.captures.count) + " captures");
      if (fd.pfor.next > as_list(f->pfor_items).size()) fail("next item out of range");
      f->pfor_next = fd.pfor.next;
      f->pfor_limit = fd.pfor.limit;
      f->pfor_function = fd.pfor.function;
      f->pfor_captures = values(fd.pfor.captures);
    }
    {
      At at(*this, "first_error");
      f->first_error = value(fd.first_error, 0);
      if (!f->first_error.is_none() && !is_error(f->first_error)) fail("expected an Error record");
    }
    {
      At at(*this, "result");
      f->result = value(fd.result, 0);
    }
    {
      At at(*this, "error");
      f->error = value(fd.error, 0);
      if (!f->error.is_none() && !is_error(f->error)) fail("expected an Error record");
      if (f->state == FiberState::Failed && f->error.is_none()) fail("a failed fiber needs its Error record");
    }
    return f;
  }
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string hex_prefix(const std::array<uint8_t, 32>& sha) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < 6; ++i) {
    out += kDigits[sha[i] >> 4];
    out += kDigits[sha[i] & 15];
  }
  return out;
}

}  // namespace

std::array<uint8_t, 32> module_sha256_bytes(std::string_view hex) {
  std::array<uint8_t, 32> out{};
  if (hex.size() != 64) return out;
  for (size_t i = 0; i < 32; ++i) {
    const int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return {};
    out[i] = static_cast<uint8_t>(hi * 16 + lo);
  }
  return out;
}

void capture_into(const Machine& m, ContinuationData& d) {
  const Program& p = m.program();
  d.clear();
  d.module_sha256 = module_sha256_bytes(p.module_hash);
  switch (m.status()) {
    case Status::Running: d.status = StatusData::Running; break;
    case Status::Waiting: d.status = StatusData::Waiting; break;
    case Status::Completed: d.status = StatusData::Completed; break;
    case Status::Failed: d.status = StatusData::Failed; break;
  }
  d.next_seq = m.next_seq();
  Capture c(p, d);
  d.globals = c.values(m.globals());
  d.fibers.reserve(m.fibers().size());
  for (const auto& f : m.fibers()) d.fibers.push_back(c.fiber(*f));
  d.result = c.value(m.result());
  d.error = c.value(m.error());
}

ContinuationData capture(const Machine& m) {
  ContinuationData d;
  capture_into(m, d);
  return d;
}

namespace {
// What snapshot() and restore() reuse on each thread; a continuation far larger than usual does
// not keep its memory.
ContinuationData& scratch() {
  thread_local ContinuationData data;
  return data;
}
void release_if_large(ContinuationData& d) {
  if (d.values.capacity() > (1u << 16) || d.text.capacity() > (1u << 20)) d = ContinuationData();
}
}  // namespace

std::vector<uint8_t> snapshot(const Machine& m) {
  ContinuationData& d = scratch();
  capture_into(m, d);
  std::vector<uint8_t> bytes = encode_continuation(d);
  release_if_large(d);
  return bytes;
}

RestoreResult restore_data(Machine& fresh, const ContinuationData& data) {
  try {
    if (!fresh.fibers().empty() || !fresh.globals().empty() || fresh.status() != Status::Running)
      return {"a continuation is restored only into a machine that has not started"};
    const Program& p = fresh.program();
    const auto ours = module_sha256_bytes(p.module_hash);
    if (data.module_sha256 != ours)
      return {"the continuation belongs to module " + hex_prefix(data.module_sha256) + "…, not to this one (" +
              hex_prefix(ours) + "…)"};
    if (data.version != kContinuationVersion)
      return {"continuation format version " + std::to_string(data.version) + " is not supported"};
    std::vector<std::unique_ptr<Fiber>> fibers;
    std::vector<Value> globals;
    Value result, error;
    Restorer(p, data).build(fibers, globals, result, error);
    // Everything is valid: install it.
    fresh.fibers() = std::move(fibers);
    fresh.globals() = std::move(globals);
    fresh.next_seq() = data.next_seq;
    switch (data.status) {
      case StatusData::Running: fresh.set_status(Status::Running); break;
      case StatusData::Waiting: fresh.set_status(Status::Waiting); break;
      case StatusData::Completed: fresh.set_status(Status::Completed); break;
      case StatusData::Failed: fresh.set_status(Status::Failed); break;
    }
    fresh.set_outcome(std::move(result), std::move(error));
    return {};
  } catch (const Invalid& e) {
    return {e.message};
  } catch (const std::bad_alloc&) {
    return {"continuation too large: out of memory while restoring"};
  } catch (const std::exception& e) {
    return {"invalid continuation: " + std::string(e.what())};
  }
}

RestoreResult restore(Machine& fresh, std::span<const uint8_t> bytes) {
  ContinuationData& d = scratch();
  RestoreResult result;
  try {
    result.error = decode_continuation_into(bytes, d);
  } catch (const std::bad_alloc&) {
    result.error = "continuation too large: out of memory while decoding";
  }
  if (result.ok()) result = restore_data(fresh, d);
  release_if_large(d);
  return result;
}

std::vector<uint8_t> encode_values(const Program& p, const std::vector<Value>& values) {
  ContinuationData d;
  d.module_sha256 = module_sha256_bytes(p.module_hash);
  d.status = StatusData::Running;  // a machine not yet started: no fibers
  Capture c(p, d);
  // As one list in the result's place: the globals are checked against the program's.
  d.globals = c.values(std::vector<Value>(p.module.globals.size()));
  d.result = c.value(make_list(values));
  d.error = c.value(Value());
  return encode_continuation(d);
}

bool decode_values(const Program& p, std::span<const uint8_t> bytes, std::vector<Value>& out, std::string& error) {
  try {
    ContinuationDecodeResult decoded = decode_continuation(bytes);
    if (!decoded.ok()) {
      error = decoded.error();
      return false;
    }
    const ContinuationData& data = decoded.data();
    if (data.module_sha256 != module_sha256_bytes(p.module_hash) || !data.fibers.empty()) {
      error = "the values belong to another module";
      return false;
    }
    std::vector<std::unique_ptr<Fiber>> fibers;
    std::vector<Value> globals;
    Value result, err;
    Restorer(p, data).build(fibers, globals, result, err);
    if (result.tag != Tag::List) {
      error = "the values are not a list";
      return false;
    }
    out = as_list(result);
    return true;
  } catch (const Invalid& e) {
    error = e.message;
  } catch (const std::exception& e) {
    error = std::string("invalid values: ") + e.what();
  }
  return false;
}

}  // namespace wf::vm
