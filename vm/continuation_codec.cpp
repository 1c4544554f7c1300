// The msgpack encoding of continuations: ContinuationData ⇄ bytes (see continuation.h and
// docs/vm.md, "Continuations"). Positional arrays rather than maps, because an instance's
// continuation is rewritten at every effect and its size is the store's write volume. msgpack-c
// reports errors by throwing; every exception is caught in decode_continuation.
#include <sodium.h>

#include <cstring>
#include <limits>
#include <msgpack.hpp>
#include <new>

#include "bytecode/msgpack_shape.h"
#include "vm/continuation.h"

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

// Arrays around a value: the top level, `fibers`, a fiber, its `steps` or `pfor`, a step or the
// capture list. Values nest below that.
constexpr size_t kStructureDepth = 6;

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

// msgpack-c's packer writes to any stream with write(const char*, size_t).
struct ByteStream {
  std::vector<uint8_t>& out;
  void write(const char* p, size_t n) { out.insert(out.end(), p, p + n); }
};

class Encoder {
 public:
  explicit Encoder(std::vector<uint8_t>& out) : out_(out), stream_{out}, pk_(stream_) {}

  void top(const ContinuationData& d) {
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
    const auto sum = checksum(out_.data(), out_.size());
    pk_.pack_bin(kChecksumSize);
    pk_.pack_bin_body(reinterpret_cast<const char*>(sum.data()), kChecksumSize);
  }

 private:
  std::vector<uint8_t>& out_;
  ByteStream stream_;
  msgpack::packer<ByteStream> pk_;

  void str(std::string_view s) {
    pk_.pack_str(static_cast<uint32_t>(s.size()));
    pk_.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
  }

  // Always a float64: msgpack-c's pack_double may write a whole-valued double as an integer,
  // which would read back as an int.
  void float64(double f) {
    uint64_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    out_.push_back(0xcb);
    for (int i = 0; i < 8; ++i) out_.push_back(static_cast<uint8_t>(bits >> (56 - 8 * i)));
  }

  void kind(ValueKind k) { pk_.pack_uint8(static_cast<uint8_t>(k)); }

  // Scalars with a msgpack type of their own are written as that type; every other kind is an
  // array that starts with the kind: [kind, ms], [kind, item...], [kind, key, value, ...],
  // [kind, shape, field...].
  void value(const ValueData& v) {
    switch (v.kind) {
      case ValueKind::None: pk_.pack_nil(); return;
      case ValueKind::Bool:
        if (v.i) pk_.pack_true();
        else pk_.pack_false();
        return;
      case ValueKind::Int: pk_.pack_int64(v.i); return;
      case ValueKind::Float: float64(v.f); return;
      case ValueKind::Str: str(v.text); return;
      case ValueKind::Duration:
      case ValueKind::Time:
      case ValueKind::Fiber:
        pk_.pack_array(2);
        kind(v.kind);
        pk_.pack_int64(v.i);
        return;
      case ValueKind::List:
        pk_.pack_array(static_cast<uint32_t>(1 + v.items.size()));
        kind(v.kind);
        for (const auto& item : v.items) value(item);
        return;
      case ValueKind::Map:
        pk_.pack_array(static_cast<uint32_t>(1 + 2 * v.keys.size()));
        kind(v.kind);
        for (size_t i = 0; i < v.keys.size(); ++i) {
          str(v.keys[i]);
          value(v.items[i]);
        }
        return;
      case ValueKind::Record:
      case ValueKind::Credential:
      case ValueKind::Approver:
      case ValueKind::Channel:
        pk_.pack_array(static_cast<uint32_t>(2 + v.items.size()));
        kind(v.kind);
        pk_.pack_uint32(v.shape);
        for (const auto& item : v.items) value(item);
        return;
    }
  }

  void values(const std::vector<ValueData>& vs) {
    pk_.pack_array(static_cast<uint32_t>(vs.size()));
    for (const auto& v : vs) value(v);
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
      pk_.pack_array(3);
      pk_.pack_uint32(s.frame);
      pk_.pack_uint32(s.enter_pc);
      value(s.info);
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

// Thrown inside this file only; decode_continuation turns it into an error value.
struct Corrupt {
  std::string message;
};

bool is_array_header(uint8_t byte) { return (byte >= 0x90 && byte <= 0x9f) || byte == 0xdc || byte == 0xdd; }

using Items = std::span<const msgpack::object>;

// Reads the object tree into ContinuationData, checking every type and range. The path of the
// item being read is kept so that an error names it: "fibers[1].frames: expected ...".
class Decoder {
 public:
  ContinuationData top(const msgpack::object& root, std::span<const uint8_t> bytes, Integrity integrity);

 private:
  struct Segment {
    std::string_view field;  // empty for an array index
    size_t index = 0;
  };
  std::vector<Segment> path_;
  size_t shape_count_ = 0;
  std::vector<uint32_t> shape_sizes_;

  class At {
   public:
    At(Decoder& d, std::string_view field) : d_(d) { d_.path_.push_back({field, 0}); }
    At(Decoder& d, size_t index) : d_(d) { d_.path_.push_back({{}, index}); }
    ~At() { d_.path_.pop_back(); }
    At(const At&) = delete;
    At& operator=(const At&) = delete;

   private:
    Decoder& d_;
  };

  [[noreturn]] void fail(std::string_view what) const {
    std::string where;
    for (const auto& s : path_) {
      if (s.field.empty()) {
        where += '[';
        where += std::to_string(s.index);
        where += ']';
      } else {
        if (!where.empty()) where += ".";
        where += s.field;
      }
    }
    std::string message = "corrupt continuation: ";
    if (!where.empty()) message += where + ": ";
    message += what;
    throw Corrupt{std::move(message)};
  }

  Items array(const msgpack::object& o) {
    if (o.type != msgpack::type::ARRAY) fail("expected an array");
    return Items(o.via.array.ptr, o.via.array.size);
  }

  Items tuple(const msgpack::object& o, size_t n) {
    Items items = array(o);
    if (items.size() != n) fail("expected " + std::to_string(n) + " items, found " + std::to_string(items.size()));
    return items;
  }

  std::string string(const msgpack::object& o) {
    if (o.type != msgpack::type::STR) fail("expected a string");
    return std::string(o.via.str.ptr, o.via.str.size);
  }

  uint64_t unsigned_int(const msgpack::object& o, uint64_t max) {
    if (o.type != msgpack::type::POSITIVE_INTEGER || o.via.u64 > max)
      fail("expected an integer from 0 to " + std::to_string(max));
    return o.via.u64;
  }

  int64_t signed_int(const msgpack::object& o, int64_t min, int64_t max) {
    if (o.type == msgpack::type::POSITIVE_INTEGER && o.via.u64 <= static_cast<uint64_t>(max))
      return static_cast<int64_t>(o.via.u64);
    if (o.type == msgpack::type::NEGATIVE_INTEGER && o.via.i64 >= min) return o.via.i64;
    fail("expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }

  uint32_t u32(const msgpack::object& o) { return static_cast<uint32_t>(unsigned_int(o, std::numeric_limits<uint32_t>::max())); }
  uint8_t u8(const msgpack::object& o) { return static_cast<uint8_t>(unsigned_int(o, 255)); }
  int64_t i64(const msgpack::object& o) {
    return signed_int(o, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  }

  // An enum stored as its number, at most `last`.
  template <typename E>
  E enumerated(const msgpack::object& o, E last) {
    return static_cast<E>(unsigned_int(o, static_cast<uint64_t>(last)));
  }

  std::vector<ValueData> values(const msgpack::object& o, size_t depth) {
    Items items = array(o);
    std::vector<ValueData> out(items.size());  // the tree exists, so its size is bounded by the input
    for (size_t i = 0; i < items.size(); ++i) {
      At at(*this, i);
      out[i] = value(items[i], depth);
    }
    return out;
  }

  // `depth` counts the lists, maps and records around this value.
  ValueData value(const msgpack::object& o, size_t depth) {
    ValueData v;
    switch (o.type) {
      case msgpack::type::NIL: return v;
      case msgpack::type::BOOLEAN:
        v.kind = ValueKind::Bool;
        v.i = o.via.boolean ? 1 : 0;
        return v;
      case msgpack::type::POSITIVE_INTEGER:
      case msgpack::type::NEGATIVE_INTEGER:
        v.kind = ValueKind::Int;
        v.i = i64(o);
        return v;
      case msgpack::type::FLOAT64:
        v.kind = ValueKind::Float;
        v.f = o.via.f64;
        return v;
      case msgpack::type::STR:
        v.kind = ValueKind::Str;
        v.text.assign(o.via.str.ptr, o.via.str.size);
        return v;
      case msgpack::type::ARRAY: break;
      default: fail("expected a value");
    }
    Items items(o.via.array.ptr, o.via.array.size);
    if (items.empty()) fail("expected a value's kind");
    v.kind = enumerated(items[0], ValueKind::Fiber);
    auto scalar = [&](int64_t min, int64_t max) {
      if (items.size() != 2) fail("expected 2 items, found " + std::to_string(items.size()));
      v.i = signed_int(items[1], min, max);
    };
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
      case ValueKind::Time: scalar(std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()); return v;
      case ValueKind::Fiber: scalar(0, std::numeric_limits<uint32_t>::max()); return v;
      default: break;
    }
    if (depth + 1 > kMaxValueDepth) fail("values are nested more than " + std::to_string(kMaxValueDepth) + " deep");
    switch (v.kind) {
      case ValueKind::List:
        v.items.resize(items.size() - 1);
        for (size_t i = 1; i < items.size(); ++i) {
          At at(*this, i - 1);
          v.items[i - 1] = value(items[i], depth + 1);
        }
        return v;
      case ValueKind::Map: {
        if (items.size() % 2 != 1) fail("a map needs a value for every key");
        const size_t n = (items.size() - 1) / 2;
        v.keys.resize(n);
        v.items.resize(n);
        for (size_t i = 0; i < n; ++i) {
          At at(*this, i);
          v.keys[i] = string(items[1 + 2 * i]);
          v.items[i] = value(items[2 + 2 * i], depth + 1);
        }
        return v;
      }
      default: {  // the record kinds
        if (items.size() < 2) fail("expected a record's shape");
        v.shape = u32(items[1]);
        if (v.shape >= shape_count_) fail("shape " + std::to_string(v.shape) + " out of range (the continuation has " + std::to_string(shape_count_) + ")");
        if (items.size() - 2 != shape_sizes_[v.shape])
          fail("a record of shape " + std::to_string(v.shape) + " needs " + std::to_string(shape_sizes_[v.shape]) +
               " fields, found " + std::to_string(items.size() - 2));
        v.items.resize(items.size() - 2);
        for (size_t i = 2; i < items.size(); ++i) {
          At at(*this, i - 2);
          v.items[i - 2] = value(items[i], depth + 1);
        }
        return v;
      }
    }
  }

  FiberData fiber(const msgpack::object& o) {
    Items t = tuple(o, kFiberItemCount);
    FiberData f;
    {
      At at(*this, "parent");
      f.parent = static_cast<int32_t>(signed_int(t[kParent], -1, std::numeric_limits<int32_t>::max()));
    }
    {
      At at(*this, "state");
      f.state = enumerated(t[kState], FiberStateData::Failed);
    }
    {
      At at(*this, "delivery");
      f.delivery = enumerated(t[kDelivery], DeliveryData::JoinDone);
    }
    {
      At at(*this, "flags");
      const uint8_t flags = u8(t[kFlags]);
      if (flags & ~(kDoomed | kPendingUncatchable)) fail("unknown flags");
      f.doomed = flags & kDoomed;
      f.pending_uncatchable = flags & kPendingUncatchable;
    }
    {
      At at(*this, "seq");
      f.seq = unsigned_int(t[kSeq], std::numeric_limits<uint64_t>::max());
    }
    {
      At at(*this, "effect_register");
      f.effect_register = u8(t[kEffectRegister]);
    }
    {
      At at(*this, "registers");
      f.registers = values(t[kRegisters], 0);
    }
    {
      At at(*this, "frames");
      Items flat = array(t[kFrames]);
      if (flat.size() % 4 != 0) fail("expected four numbers per frame");
      if (flat.size() / 4 > kMaxContinuationFrames)
        fail("more than " + std::to_string(kMaxContinuationFrames) + " frames");
      f.frames.resize(flat.size() / 4);
      for (size_t i = 0; i < f.frames.size(); ++i) {
        At at_frame(*this, i);
        f.frames[i] = FrameData{u32(flat[4 * i]), u32(flat[4 * i + 1]), u32(flat[4 * i + 2]), u8(flat[4 * i + 3])};
      }
    }
    {
      At at(*this, "steps");
      Items steps = array(t[kSteps]);
      f.steps.resize(steps.size());
      for (size_t i = 0; i < steps.size(); ++i) {
        At at_step(*this, i);
        Items s = tuple(steps[i], 3);
        f.steps[i].frame = u32(s[0]);
        f.steps[i].enter_pc = u32(s[1]);
        f.steps[i].info = value(s[2], 0);
      }
    }
    {
      At at(*this, "children");
      Items children = array(t[kChildren]);
      f.children.resize(children.size());
      for (size_t i = 0; i < children.size(); ++i) f.children[i] = u32(children[i]);
    }
    {
      At at(*this, "pfor");
      if (t[kPfor].type != msgpack::type::NIL) {
        Items p = tuple(t[kPfor], 5);
        f.has_pfor = true;
        f.pfor.items = value(p[0], 0);
        f.pfor.next = u32(p[1]);
        f.pfor.limit = u32(p[2]);
        f.pfor.function = u32(p[3]);
        f.pfor.captures = values(p[4], 0);
      }
    }
    {
      At at(*this, "pending");
      f.pending = value(t[kPending], 0);
    }
    {
      At at(*this, "first_error");
      f.first_error = value(t[kFirstError], 0);
    }
    {
      At at(*this, "result");
      f.result = value(t[kFiberResult], 0);
    }
    {
      At at(*this, "error");
      f.error = value(t[kFiberError], 0);
    }
    return f;
  }
};

ContinuationData Decoder::top(const msgpack::object& root, std::span<const uint8_t> bytes, Integrity integrity) {
  if (root.type != msgpack::type::ARRAY || root.via.array.size < 2) throw Corrupt{"not a wf continuation"};
  Items t(root.via.array.ptr, root.via.array.size);
  if (t[kMagic].type != msgpack::type::STR ||
      std::string_view(t[kMagic].via.str.ptr, t[kMagic].via.str.size) != kContinuationMagic)
    throw Corrupt{"not a wf continuation"};
  if (t[kVersion].type != msgpack::type::POSITIVE_INTEGER) {
    At at(*this, "version");
    fail("expected a format version number");
  }
  if (t[kVersion].via.u64 != kContinuationVersion)
    throw Corrupt{"continuation format version " + std::to_string(t[kVersion].via.u64) +
                  " is not supported (this wf reads version " + std::to_string(kContinuationVersion) + ")"};
  if (t.size() != kTopItemCount) fail("expected " + std::to_string(kTopItemCount) + " items, found " + std::to_string(t.size()));
  // The checksum is the last item and covers every byte before it; it is checked before anything
  // else is believed. Written canonically it is a bin 8 header (c4 08) and its 8 bytes.
  {
    At at(*this, "checksum");
    const msgpack::object& sum = t[kChecksum];
    if (sum.type != msgpack::type::BIN || sum.via.bin.size != kChecksumSize) fail("expected 8 bytes");
    if (bytes.size() < kChecksumSize + 2) fail("the checksum is not the last item");
    const size_t covered = bytes.size() - kChecksumSize - 2;
    if (bytes[covered] != 0xc4 || bytes[covered + 1] != kChecksumSize) fail("the checksum is not the last item");
    if (integrity == Integrity::Checked) {
      const auto expected = checksum(bytes.data(), covered);
      if (std::memcmp(expected.data(), bytes.data() + covered + 2, kChecksumSize) != 0)
        throw Corrupt{"corrupt continuation: the checksum does not match (damaged in storage?)"};
    }
  }
  ContinuationData d;
  d.version = kContinuationVersion;
  {
    At at(*this, "module");
    const msgpack::object& m = t[kModule];
    if (m.type != msgpack::type::BIN || m.via.bin.size != d.module_sha256.size()) fail("expected a 32-byte SHA-256");
    std::memcpy(d.module_sha256.data(), m.via.bin.ptr, d.module_sha256.size());
  }
  {
    At at(*this, "status");
    d.status = enumerated(t[kStatus], StatusData::Failed);
  }
  {
    At at(*this, "next_seq");
    d.next_seq = unsigned_int(t[kNextSeq], std::numeric_limits<uint64_t>::max());
  }
  {
    At at(*this, "shapes");
    Items shapes = array(t[kShapes]);
    d.shapes.resize(shapes.size());
    shape_sizes_.resize(shapes.size());
    for (size_t i = 0; i < shapes.size(); ++i) {
      At at_shape(*this, i);
      Items names = array(shapes[i]);
      d.shapes[i].resize(names.size());
      for (size_t k = 0; k < names.size(); ++k) d.shapes[i][k] = string(names[k]);
      shape_sizes_[i] = static_cast<uint32_t>(names.size());
    }
    shape_count_ = shapes.size();
  }
  {
    At at(*this, "globals");
    d.globals = values(t[kGlobals], 0);
  }
  {
    At at(*this, "fibers");
    Items fibers = array(t[kFibers]);
    d.fibers.resize(fibers.size());
    for (size_t i = 0; i < fibers.size(); ++i) {
      At at_fiber(*this, i);
      d.fibers[i] = fiber(fibers[i]);
    }
  }
  {
    At at(*this, "result");
    d.result = value(t[kResult], 0);
  }
  {
    At at(*this, "error");
    d.error = value(t[kError], 0);
  }
  return d;
}

}  // namespace

std::vector<uint8_t> encode_continuation(const ContinuationData& data) {
  std::vector<uint8_t> out;
  out.reserve(1024);
  Encoder(out).top(data);
  return out;
}

ContinuationDecodeResult decode_continuation(std::span<const uint8_t> bytes, Integrity integrity) {
  try {
    if (bytes.empty() || !is_array_header(bytes[0])) return ContinuationDecodeResult(std::string("not a wf continuation"));
    if (auto problem = bytecode::check_msgpack_shape(bytes, kMaxValueDepth + kStructureDepth, "continuation"))
      return ContinuationDecodeResult("corrupt continuation: " + *problem);
    // No count or length can exceed the input size; the limits restate what the shape check
    // proved, in case the two parsers ever disagree.
    const size_t size = bytes.size();
    const msgpack::unpack_limit limit(size, size, size, size, size, kMaxValueDepth + kStructureDepth + 1);
    // Strings and binary data are referenced in `bytes`, not copied: the tree lives only as
    // long as this call, and the decoder copies what it keeps.
    const auto reference = [](msgpack::type::object_type, size_t, void*) { return true; };
    size_t off = 0;
    msgpack::object_handle handle =
        msgpack::unpack(reinterpret_cast<const char*>(bytes.data()), size, off, reference, nullptr, limit);
    Decoder decoder;
    return ContinuationDecodeResult(decoder.top(handle.get(), bytes, integrity));
  } catch (const Corrupt& c) {
    return ContinuationDecodeResult(c.message);
  } catch (const std::bad_alloc&) {
    return ContinuationDecodeResult(std::string("continuation too large: out of memory while decoding"));
  } catch (const std::exception& e) {
    return ContinuationDecodeResult("corrupt continuation: " + std::string(e.what()));
  } catch (...) {
    return ContinuationDecodeResult(std::string("corrupt continuation"));
  }
}

}  // namespace wf::vm
