// The msgpack encoding of continuations: ContinuationData ⇄ bytes (see continuation.h and
// docs/vm.md, "Continuations"). Positional arrays rather than maps, because an instance's
// continuation is rewritten at every effect and its size is the store's write volume. Written
// with msgpack-c's packer; read by a bounded one-pass reader of the few msgpack types the format
// uses. No exception leaves decode_continuation.
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <memory>
#include <msgpack.hpp>
#include <new>

#include "vm/continuation.h"
#include "vm/error_path.h"

namespace wf::vm {

namespace {

// The items of the top-level array, in order. The first two keep their places in every later
// version, so that any version can at least be recognised and refused by name.
enum TopItem : uint8_t {
  kMagic,
  kVersion,
  kModule,
  kStatus,
  kNextSeq,
  kShapes,
  kGlobals,
  kFibers,
  kResult,
  kError,
  kChecksum,
  kTopItemCount
};

// The items of a fiber, in order.
enum FiberItem : uint8_t {
  kParent,
  kState,
  kDelivery,
  kFlags,
  kSeq,
  kEffectRegister,
  kRegisters,
  kFrames,
  kSteps,
  kChildren,
  kPfor,
  kPending,
  kFirstError,
  kFiberResult,
  kFiberError,
  kFiberItemCount
};

// Fiber flags.
constexpr uint8_t kDoomed = 1;
constexpr uint8_t kPendingUncatchable = 2;

// The checksum: SipHash-2-4 (libsodium's crypto_shorthash) under a fixed, public key. It detects
// corruption in storage, not tampering; whoever can write the store can also write a checksum.
constexpr size_t kChecksumSize = crypto_shorthash_BYTES;  // 8
constexpr unsigned char kChecksumKey[crypto_shorthash_KEYBYTES] = {'w', 'f', '-', 'c', 'o', 'n', 't', 'i',
                                                                  'n', 'u', 'a', 't', 'i', 'o', 'n', '1'};

std::array<uint8_t, kChecksumSize> checksum(const uint8_t* data, size_t size) {
  static const bool initialised = sodium_init() >= 0;  // idempotent and thread-safe
  (void)initialised;
  std::array<uint8_t, kChecksumSize> out{};
  crypto_shorthash(out.data(), data, size, kChecksumKey);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Encoding

class Encoder {
 public:
  explicit Encoder(msgpack::sbuffer& out) : out_(out), pk_(out) {}

  void top(const ContinuationData& d) {
    d_ = &d;
    pk_.pack_array(kTopItemCount);
    str(kContinuationMagic);
    pk_.pack_uint32(d.version);
    pk_.pack_bin(static_cast<uint32_t>(d.module_sha256.size()));
    pk_.pack_bin_body(reinterpret_cast<const char*>(d.module_sha256.data()), static_cast<uint32_t>(d.module_sha256.size()));
    pk_.pack_uint8(static_cast<uint8_t>(d.status));
    pk_.pack_uint64(d.next_seq);
    pk_.pack_array(static_cast<uint32_t>(d.shapes.size()));
    for (const auto& names : d.shapes) {
      pk_.pack_array(static_cast<uint32_t>(names.size()));
      for (const auto& n : names) str(n);
    }
    values(d.globals);
    pk_.pack_array(static_cast<uint32_t>(d.fibers.size()));
    for (const auto& f : d.fibers) fiber(f);
    value(d.result);
    value(d.error);
    const auto sum = checksum(reinterpret_cast<const uint8_t*>(out_.data()), out_.size());
    pk_.pack_bin(kChecksumSize);
    pk_.pack_bin_body(reinterpret_cast<const char*>(sum.data()), kChecksumSize);
  }

 private:
  msgpack::sbuffer& out_;
  msgpack::packer<msgpack::sbuffer> pk_;
  const ContinuationData* d_ = nullptr;

  void str(std::string_view s) {
    pk_.pack_str(static_cast<uint32_t>(s.size()));
    pk_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  }

  // Always a float64: msgpack-c's pack_double may write a whole-valued double as an integer,
  // which would read back as an int.
  void float64(double f) {
    uint64_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    char bytes[9] = {static_cast<char>(0xcb)};
    for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xFF);
    out_.write(bytes, sizeof bytes);
  }

  void kind(ValueKind k) { pk_.pack_uint8(static_cast<uint8_t>(k)); }

  // Scalars with a msgpack type of their own are written as that type; every other kind is an
  // array that starts with the kind: [kind, ms], [kind, item...], [kind, key, value, ...],
  // [kind, shape, field...]. Data that capture and decode_continuation did not make may hold
  // references out of range or cycles; those are written as none, never followed.
  void value(ValueRef ref, size_t depth = 0) {
    if (ref >= d_->values.size() || depth > kMaxValueDepth) {
      pk_.pack_nil();
      return;
    }
    const ValueData& v = d_->values[ref];
    switch (v.kind) {
      case ValueKind::None: pk_.pack_nil(); return;
      case ValueKind::Bool:
        if (v.i) pk_.pack_true();
        else pk_.pack_false();
        return;
      case ValueKind::Int: pk_.pack_int64(v.i); return;
      case ValueKind::Float: float64(v.f); return;
      case ValueKind::Str:
        if (v.text > d_->text.size() || v.text_size > d_->text.size() - v.text) str("");
        else str(d_->text_of(v));
        return;
      case ValueKind::Duration:
      case ValueKind::Time:
      case ValueKind::Fiber:
        pk_.pack_array(2);
        kind(v.kind);
        pk_.pack_int64(v.i);
        return;
      case ValueKind::List:
      case ValueKind::Map: {
        const ValueRange c = clamp(v.children);
        pk_.pack_array(1 + c.count);
        kind(v.kind);
        for (uint32_t k = 0; k < c.count; ++k) value(c.first + k, depth + 1);
        return;
      }
      case ValueKind::Record:
      case ValueKind::Credential:
      case ValueKind::Approver:
      case ValueKind::Channel: {
        const ValueRange c = clamp(v.children);
        pk_.pack_array(2 + c.count);
        kind(v.kind);
        pk_.pack_uint32(v.shape);
        for (uint32_t k = 0; k < c.count; ++k) value(c.first + k, depth + 1);
        return;
      }
    }
    pk_.pack_nil();
  }

  void values(ValueRange r) {
    r = clamp(r);
    pk_.pack_array(r.count);
    for (uint32_t k = 0; k < r.count; ++k) value(r.first + k);
  }

  ValueRange clamp(ValueRange r) const {
    const size_t n = d_->values.size();
    if (r.first > n) return {0, 0};
    if (r.count > n - r.first) r.count = static_cast<uint32_t>(n - r.first);
    return r;
  }

  void fiber(const FiberData& f) {
    pk_.pack_array(kFiberItemCount);
    pk_.pack_int32(f.parent);
    pk_.pack_uint8(static_cast<uint8_t>(f.state));
    pk_.pack_uint8(static_cast<uint8_t>(f.delivery));
    pk_.pack_uint8(static_cast<uint8_t>((f.doomed ? kDoomed : 0) | (f.pending_uncatchable ? kPendingUncatchable : 0)));
    pk_.pack_uint64(f.seq);
    pk_.pack_uint8(f.effect_register);
    values(f.registers);
    // Frames are flat, four numbers each: one array header for the whole stack.
    pk_.pack_array(static_cast<uint32_t>(4 * f.frames.size()));
    for (const auto& fr : f.frames) {
      pk_.pack_uint32(fr.function);
      pk_.pack_uint32(fr.pc);
      pk_.pack_uint32(fr.base);
      pk_.pack_uint8(fr.result);
    }
    pk_.pack_array(static_cast<uint32_t>(f.steps.size()));
    for (const auto& s : f.steps) {
      pk_.pack_array(s.deadline != 0 ? 4 : 3);
      pk_.pack_uint32(s.frame);
      pk_.pack_uint32(s.enter_pc);
      value(s.info);
      if (s.deadline != 0) pk_.pack_int64(s.deadline);
    }
    pk_.pack_array(static_cast<uint32_t>(f.children.size()));
    for (uint32_t c : f.children) pk_.pack_uint32(c);
    if (f.has_pfor) {
      pk_.pack_array(5);
      value(f.pfor.items);
      pk_.pack_uint32(f.pfor.next);
      pk_.pack_uint32(f.pfor.limit);
      pk_.pack_uint32(f.pfor.function);
      values(f.pfor.captures);
    } else {
      pk_.pack_nil();
    }
    value(f.pending);
    value(f.first_error);
    value(f.result);
    value(f.error);
  }
};

// ---------------------------------------------------------------------------------------------
// Decoding
//
// One pass over the bytes, in the order they were written, believing no length before the data
// it announces has been read: an array's items are read one by one (the read fails at the end of
// the input, whatever the header claimed), and a value's children are placed only once they have
// all been read. So nothing is allocated that is not already backed by input bytes, and the
// recursion is bounded by kMaxValueDepth. (The module decoder gets the same guarantee from
// msgpack-c with a validating pass before it unpacks; a continuation is decoded each time an
// instance is loaded, and one direct pass costs a third of those two.)

// Thrown inside this file only; decode_continuation turns it into an error value.
struct Corrupt {
  std::string message;
};

bool is_array_header(uint8_t byte) { return (byte >= 0x90 && byte <= 0x9f) || byte == 0xdc || byte == 0xdd; }

// Reads the bytes into ContinuationData, checking every type and range. The path of the item
// being read is kept so that an error names it: "fibers[1].frames: expected ...".
class Decoder {
 public:
  Decoder(std::span<const uint8_t> bytes, std::vector<ValueData>& pending)
      : b_(bytes.data()), size_(bytes.size()), pending_(pending) {}
  void top(Integrity integrity, ContinuationData& d);

 private:
  // The path of the item being read, as a chain of At guards on the C++ stack: free to keep,
  // walked only to name the item in an error.
  // `At at(*this, "field")` marks a level of the error path while it lives.
  struct At : ErrorPath::Step {
    At(Decoder& o, std::string_view field) : Step(o.path_, field) {}
    At(Decoder& o, size_t index) : Step(o.path_, index) {}
  };

  const uint8_t* b_;
  size_t size_;
  size_t pos_ = 0;
  ErrorPath path_;
  ContinuationData* d_ = nullptr;      // what top() is building
  std::vector<ValueData>& pending_;    // children read but not yet placed, innermost last
  std::vector<uint32_t> shape_sizes_;  // the number of fields of each shape

  [[noreturn]] void fail(std::string_view what) const {
    const std::string where = path_.text();
    std::string message = "corrupt continuation: ";
    if (!where.empty()) message += where + ": ";
    message += what;
    throw Corrupt{std::move(message)};
  }

  // ---- msgpack, one item at a time

  uint8_t peek() {
    if (pos_ >= size_) fail("the data ends early (truncated?)");
    return b_[pos_];
  }
  // The next n bytes, as a big-endian number (n ≤ 8).
  uint64_t big_endian(size_t n) {
    if (size_ - pos_ < n) fail("the data ends early (truncated?)");
    uint64_t x = 0;
    for (size_t k = 0; k < n; ++k) x = (x << 8) | b_[pos_ + k];
    pos_ += n;
    return x;
  }
  std::string_view bytes(uint64_t n) {
    if (size_ - pos_ < n) fail("the data ends early (truncated?)");
    const std::string_view out(reinterpret_cast<const char*>(b_ + pos_), static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return out;
  }

  static bool is_int(uint8_t t) { return t <= 0x7f || t >= 0xe0 || (t >= 0xcc && t <= 0xcf) || (t >= 0xd0 && t <= 0xd3); }
  static bool is_str(uint8_t t) { return (t >= 0xa0 && t <= 0xbf) || (t >= 0xd9 && t <= 0xdb); }
  static bool is_array(uint8_t t) { return is_array_header(t); }

  // Any integer encoding; `negative` when the value is below zero (then `x` is its two's
  // complement), as msgpack-c sorts them.
  uint64_t integer(bool& negative) {
    const uint8_t t = peek();
    negative = false;
    if (t <= 0x7f) return ++pos_, t;
    if (t >= 0xe0) {
      ++pos_;
      negative = true;
      return static_cast<uint64_t>(static_cast<int64_t>(static_cast<int8_t>(t)));
    }
    if (t >= 0xcc && t <= 0xcf) {
      ++pos_;
      return big_endian(size_t{1} << (t - 0xcc));
    }
    if (t >= 0xd0 && t <= 0xd3) {
      ++pos_;
      const size_t n = size_t{1} << (t - 0xd0);
      const uint64_t raw = big_endian(n);
      const unsigned shift = static_cast<unsigned>(64 - 8 * n);
      const int64_t x = static_cast<int64_t>(raw << shift) >> shift;  // sign-extend
      negative = x < 0;
      return static_cast<uint64_t>(x);
    }
    fail("expected an integer");
  }

  uint64_t unsigned_int(uint64_t max) {
    bool negative = false;
    const uint64_t x = integer(negative);
    if (negative || x > max) fail("expected an integer from 0 to " + std::to_string(max));
    return x;
  }
  int64_t signed_int(int64_t min, int64_t max) {
    bool negative = false;
    const uint64_t raw = integer(negative);
    if (!negative && raw > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) fail("expected a 64-bit integer");
    const int64_t x = static_cast<int64_t>(raw);
    if (x < min || x > max) fail("expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return x;
  }
  uint32_t u32() { return static_cast<uint32_t>(unsigned_int(std::numeric_limits<uint32_t>::max())); }
  uint8_t u8() { return static_cast<uint8_t>(unsigned_int(255)); }
  template <typename E>
  E enumerated(E last) {
    return static_cast<E>(unsigned_int(static_cast<uint64_t>(last)));
  }

  uint32_t array() {
    const uint8_t t = peek();
    if (t >= 0x90 && t <= 0x9f) return ++pos_, t & 0x0f;
    if (t == 0xdc || t == 0xdd) {
      ++pos_;
      return static_cast<uint32_t>(big_endian(t == 0xdc ? 2 : 4));
    }
    fail("expected an array");
  }
  void tuple(uint32_t n) {
    const uint32_t found = array();
    if (found != n) fail("expected " + std::to_string(n) + " items, found " + std::to_string(found));
  }
  std::string_view string() {
    const uint8_t t = peek();
    if (t >= 0xa0 && t <= 0xbf) return ++pos_, bytes(t & 0x1f);
    if (t >= 0xd9 && t <= 0xdb) {
      ++pos_;
      return bytes(big_endian(size_t{1} << (t - 0xd9)));
    }
    fail("expected a string");
  }
  std::string_view binary() {
    const uint8_t t = peek();
    if (t >= 0xc4 && t <= 0xc6) {
      ++pos_;
      return bytes(big_endian(size_t{1} << (t - 0xc4)));
    }
    fail("expected binary data");
  }
  bool nil() {
    if (peek() != 0xc0) return false;
    ++pos_;
    return true;
  }

  // ---- values

  // Reads a value; its children are placed in d_->values, the value itself is returned for the
  // caller to place. `depth` counts the lists, maps and records around it.
  ValueData value(size_t depth) {
    ValueData v;
    const uint8_t t = peek();
    if (t == 0xc0) {
      ++pos_;
      return v;
    }
    if (t == 0xc2 || t == 0xc3) {
      ++pos_;
      v.kind = ValueKind::Bool;
      v.i = t == 0xc3;
      return v;
    }
    if (is_int(t)) {
      v.kind = ValueKind::Int;
      v.i = signed_int(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
      return v;
    }
    if (t == 0xcb || t == 0xca) {
      ++pos_;
      v.kind = ValueKind::Float;
      if (t == 0xcb) {
        const uint64_t bits = big_endian(8);
        std::memcpy(&v.f, &bits, sizeof v.f);
      } else {
        const uint32_t bits = static_cast<uint32_t>(big_endian(4));
        float f;
        std::memcpy(&f, &bits, sizeof f);
        v.f = f;
      }
      return v;
    }
    if (is_str(t)) {
      const std::string_view s = string();
      v.kind = ValueKind::Str;
      v.text = static_cast<uint32_t>(d_->text.size());
      v.text_size = static_cast<uint32_t>(s.size());
      d_->text.append(s);
      return v;
    }
    if (!is_array(t)) fail("expected a value");
    const uint32_t n = array();
    if (n == 0) fail("expected a value's kind");
    {
      At at(*this, "kind");
      v.kind = enumerated(ValueKind::Fiber);
    }
    switch (v.kind) {
      case ValueKind::None:
      case ValueKind::Bool:
      case ValueKind::Int:
      case ValueKind::Float:
      case ValueKind::Str:
        // These have msgpack types of their own; a second spelling would break the rule that
        // decoding and encoding again gives the same bytes.
        fail("a value of kind " + std::to_string(static_cast<int>(v.kind)) + " written as an array");
      case ValueKind::Duration:
      case ValueKind::Time:
      case ValueKind::Fiber:
        if (n != 2) fail("expected 2 items, found " + std::to_string(n));
        v.i = v.kind == ValueKind::Fiber
                  ? signed_int(0, std::numeric_limits<uint32_t>::max())
                  : signed_int(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
        return v;
      default: break;
    }
    if (depth + 1 > kMaxValueDepth) fail("values are nested more than " + std::to_string(kMaxValueDepth) + " deep");
    uint32_t count = n - 1;
    if (v.kind == ValueKind::Map) {
      if (count % 2 != 0) fail("a map needs a value for every key");
    } else if (v.kind != ValueKind::List) {  // the record kinds
      if (n < 2) fail("expected a record's shape");
      v.shape = u32();
      if (v.shape >= shape_sizes_.size())
        fail("shape " + std::to_string(v.shape) + " out of range (the continuation has " +
             std::to_string(shape_sizes_.size()) + ")");
      count = n - 2;
      if (count != shape_sizes_[v.shape])
        fail("a record of shape " + std::to_string(v.shape) + " needs " + std::to_string(shape_sizes_[v.shape]) +
             " fields, found " + std::to_string(count));
    }
    const size_t mark = pending_.size();
    for (uint32_t k = 0; k < count; ++k) {
      At at(*this, k);
      if (v.kind == ValueKind::Map && k % 2 == 0 && !is_str(peek())) fail("a map's keys are strings");
      pending_.push_back(value(depth + 1));
    }
    v.children = place(mark);
    return v;
  }

  // Moves the children read since `mark` to the end of d_->values, consecutively.
  ValueRange place(size_t mark) {
    const ValueRange r{static_cast<uint32_t>(d_->values.size()), static_cast<uint32_t>(pending_.size() - mark)};
    d_->values.insert(d_->values.end(), pending_.begin() + static_cast<std::ptrdiff_t>(mark), pending_.end());
    pending_.resize(mark);
    return r;
  }

  ValueRef one_value() {
    pending_.push_back(value(0));
    return place(pending_.size() - 1).first;
  }

  ValueRange values() {
    const uint32_t n = array();
    const size_t mark = pending_.size();
    for (uint32_t k = 0; k < n; ++k) {
      At at(*this, k);
      pending_.push_back(value(0));
    }
    return place(mark);
  }

  FiberData fiber() {
    tuple(kFiberItemCount);
    FiberData f;
    {
      At at(*this, "parent");
      f.parent = static_cast<int32_t>(signed_int(-1, std::numeric_limits<int32_t>::max()));
    }
    {
      At at(*this, "state");
      f.state = enumerated(FiberStateData::Failed);
    }
    {
      At at(*this, "delivery");
      f.delivery = enumerated(DeliveryData::JoinDone);
    }
    {
      At at(*this, "flags");
      const uint8_t flags = u8();
      if (flags & ~(kDoomed | kPendingUncatchable)) fail("unknown flags");
      f.doomed = flags & kDoomed;
      f.pending_uncatchable = flags & kPendingUncatchable;
    }
    {
      At at(*this, "seq");
      f.seq = unsigned_int(std::numeric_limits<uint64_t>::max());
    }
    {
      At at(*this, "effect_register");
      f.effect_register = u8();
    }
    {
      At at(*this, "registers");
      f.registers = values();
    }
    {
      At at(*this, "frames");
      const uint32_t n = array();
      if (n % 4 != 0) fail("expected four numbers per frame");
      if (n / 4 > kMaxContinuationFrames) fail("more than " + std::to_string(kMaxContinuationFrames) + " frames");
      for (uint32_t k = 0; k < n / 4; ++k) {
        At at_frame(*this, k);
        FrameData fr;
        fr.function = u32();
        fr.pc = u32();
        fr.base = u32();
        fr.result = u8();
        f.frames.push_back(fr);
      }
    }
    {
      At at(*this, "steps");
      const uint32_t n = array();
      for (uint32_t k = 0; k < n; ++k) {
        At at_step(*this, k);
        // A step without a timeout has three items; with one, its deadline is the fourth.
        const uint32_t items = array();
        if (items != 3 && items != 4) fail("expected 3 or 4 items, found " + std::to_string(items));
        StepData s;
        s.frame = u32();
        s.enter_pc = u32();
        s.info = one_value();
        if (items == 4) s.deadline = signed_int(1, std::numeric_limits<int64_t>::max());
        f.steps.push_back(s);
      }
    }
    {
      At at(*this, "children");
      const uint32_t n = array();
      for (uint32_t k = 0; k < n; ++k) f.children.push_back(u32());
    }
    {
      At at(*this, "pfor");
      if (!nil()) {
        tuple(5);
        f.has_pfor = true;
        f.pfor.items = one_value();
        f.pfor.next = u32();
        f.pfor.limit = u32();
        f.pfor.function = u32();
        f.pfor.captures = values();
      }
    }
    {
      At at(*this, "pending");
      f.pending = one_value();
    }
    {
      At at(*this, "first_error");
      f.first_error = one_value();
    }
    {
      At at(*this, "result");
      f.result = one_value();
    }
    {
      At at(*this, "error");
      f.error = one_value();
    }
    return f;
  }
};

void Decoder::top(Integrity integrity, ContinuationData& d) {
  // The magic and the version first, so that other data and other versions are named as such.
  if (size_ == 0 || !is_array_header(b_[0])) throw Corrupt{"not a wf continuation"};
  const uint32_t items = array();
  if (pos_ >= size_ || !is_str(b_[pos_]) || string() != kContinuationMagic) throw Corrupt{"not a wf continuation"};
  {
    At at(*this, "version");
    const uint64_t version = unsigned_int(std::numeric_limits<uint64_t>::max());
    if (version != kContinuationVersion)
      throw Corrupt{"continuation format version " + std::to_string(version) + " is not supported (this wf reads version " +
                    std::to_string(kContinuationVersion) + ")"};
  }
  if (items != kTopItemCount) fail("expected " + std::to_string(kTopItemCount) + " items, found " + std::to_string(items));
  // The checksum is the last item, a bin 8 header (c4 08) and 8 bytes, over every byte before
  // it; nothing else is believed until it matches.
  if (size_ < pos_ + kChecksumSize + 2 || b_[size_ - kChecksumSize - 2] != 0xc4 || b_[size_ - kChecksumSize - 1] != kChecksumSize) {
    At at(*this, "checksum");
    fail("missing (truncated?)");
  }
  const size_t covered = size_ - kChecksumSize - 2;
  if (integrity == Integrity::Checked) {
    const auto expected = checksum(b_, covered);
    if (std::memcmp(expected.data(), b_ + covered + 2, kChecksumSize) != 0)
      throw Corrupt{"corrupt continuation: the checksum does not match (damaged in storage?)"};
  }
  size_ = covered;  // the items before the checksum end where it begins

  d.clear();
  d_ = &d;
  pending_.clear();
  {
    At at(*this, "module");
    const std::string_view sha = binary();
    if (sha.size() != d.module_sha256.size()) fail("expected a 32-byte SHA-256");
    std::memcpy(d.module_sha256.data(), sha.data(), sha.size());
  }
  {
    At at(*this, "status");
    d.status = enumerated(StatusData::Failed);
  }
  {
    At at(*this, "next_seq");
    d.next_seq = unsigned_int(std::numeric_limits<uint64_t>::max());
  }
  {
    At at(*this, "shapes");
    const uint32_t n = array();
    for (uint32_t k = 0; k < n; ++k) {
      At at_shape(*this, k);
      const uint32_t fields = array();
      std::vector<std::string> names;
      for (uint32_t i = 0; i < fields; ++i) names.emplace_back(string());
      d.shapes.push_back(std::move(names));
      shape_sizes_.push_back(fields);
    }
  }
  {
    At at(*this, "globals");
    d.globals = values();
  }
  {
    At at(*this, "fibers");
    const uint32_t n = array();
    for (uint32_t k = 0; k < n; ++k) {
      At at_fiber(*this, k);
      d.fibers.push_back(fiber());
    }
  }
  {
    At at(*this, "result");
    d.result = one_value();
  }
  {
    At at(*this, "error");
    d.error = one_value();
  }
  if (pos_ != size_) fail("unexpected bytes before the checksum");
}

// The buffers snapshot() and restore() reuse. A continuation far larger than usual does not
// keep its memory: buffers above this size are given back after use.
constexpr size_t kKeptBuffer = 1 << 20;

}  // namespace

std::vector<uint8_t> encode_continuation(const ContinuationData& data) {
  thread_local std::unique_ptr<msgpack::sbuffer> buffer;
  if (!buffer) buffer = std::make_unique<msgpack::sbuffer>(4096);
  msgpack::sbuffer& out = *buffer;
  out.clear();
  Encoder(out).top(data);
  const auto* bytes = reinterpret_cast<const uint8_t*>(out.data());
  std::vector<uint8_t> result(bytes, bytes + out.size());
  if (out.size() > kKeptBuffer) buffer.reset();
  return result;
}

std::string decode_continuation_into(std::span<const uint8_t> bytes, ContinuationData& out, Integrity integrity) {
  // Offsets into the data are 32-bit.
  if (bytes.size() >= (uint64_t{1} << 32)) return "continuation too large: 4 GiB or more";
  thread_local std::vector<ValueData> pending;
  std::string error;
  try {
    Decoder(bytes, pending).top(integrity, out);
  } catch (const Corrupt& c) {
    error = c.message;
  } catch (const std::bad_alloc&) {
    error = "continuation too large: out of memory while decoding";
  } catch (const std::exception& e) {
    error = "corrupt continuation: " + std::string(e.what());
  } catch (...) {
    error = "corrupt continuation";
  }
  if (pending.capacity() > kKeptBuffer / sizeof(ValueData)) std::vector<ValueData>().swap(pending);
  return error;
}

ContinuationDecodeResult decode_continuation(std::span<const uint8_t> bytes, Integrity integrity) {
  try {
    ContinuationData d;
    std::string error = decode_continuation_into(bytes, d, integrity);
    if (!error.empty()) return ContinuationDecodeResult(std::move(error));
    return ContinuationDecodeResult(std::move(d));
  } catch (const std::bad_alloc&) {
    return ContinuationDecodeResult(std::string("continuation too large: out of memory while decoding"));
  }
}

}  // namespace wf::vm
