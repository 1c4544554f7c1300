// The msgpack encoding of modules: the encoder, the validating decoder and the SHA-256 hashes.
// msgpack-c reports errors by throwing; every exception is caught in decode_module.
#include "bytecode/module_codec.h"

#include <sodium.h>

#include <array>
#include <cstring>
#include <limits>
#include <msgpack.hpp>
#include <new>
#include <optional>

namespace wf::bytecode {

namespace {

// The fields of the top-level map, in the order the encoder writes them. Keys are short because
// every module carries them; docs/vm.md lists what each holds.
enum TopField : uint8_t {
  kMagic,
  kVersion,
  kSources,
  kConsts,
  kShapes,
  kBuiltins,
  kGlobals,
  kInit,
  kFunctions,
  kWorkflows,
  kScripts,
  kTopFieldCount
};
constexpr std::array<std::string_view, kTopFieldCount> kTopKeys = {"magic",  "version",  "sources", "consts",
                                                                   "shapes", "builtins", "globals", "init",
                                                                   "fns",    "wfs",      "scripts"};

// The deepest nesting a module has is 5 (the map, `fns`, a function, its `handlers`, a handler).
// The cap leaves room for later versions, whose version field must still be reachable, and bounds
// the parser's stack on hostile input.
constexpr size_t kMaxDepth = 16;

// ---------------------------------------------------------------------------------------------
// Encoding

using Packer = msgpack::packer<msgpack::sbuffer>;

void pack_str(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

void pack_strings(Packer& pk, const std::vector<std::string>& strings) {
  pk.pack_array(static_cast<uint32_t>(strings.size()));
  for (const auto& s : strings) pack_str(pk, s);
}

// Always a float64: msgpack-c's pack_double writes a whole-valued double as an integer, which
// would turn the constant 2.0 into the int 2.
void pack_float64(msgpack::sbuffer& out, double f) {
  uint64_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  char bytes[9] = {static_cast<char>(0xcb)};
  for (int i = 0; i < 8; ++i) bytes[1 + i] = static_cast<char>((bits >> (56 - 8 * i)) & 0xFF);
  out.write(bytes, sizeof bytes);
}

void pack_constant(Packer& pk, msgpack::sbuffer& out, const Constant& c) {
  // [kind] for none, [kind, value] for the rest: the value in its natural msgpack type.
  if (c.kind == ConstKind::None) {
    pk.pack_array(1);
    pk.pack(static_cast<uint8_t>(c.kind));
    return;
  }
  pk.pack_array(2);
  pk.pack(static_cast<uint8_t>(c.kind));
  switch (c.kind) {
    case ConstKind::Bool: pk.pack(c.i != 0); break;
    case ConstKind::Int:
    case ConstKind::Duration: pk.pack(c.i); break;
    case ConstKind::Float: pack_float64(out, c.f); break;  // the packer writes through, unbuffered
    case ConstKind::String: pack_str(pk, c.s); break;
    case ConstKind::None: break;
  }
}

void pack_params(Packer& pk, const std::vector<Param>& params) {
  pk.pack_array(static_cast<uint32_t>(params.size()));
  for (const auto& p : params) {
    pk.pack_array(3);
    pack_str(pk, p.name);
    pack_str(pk, p.type);
    pk.pack(p.default_fn);
  }
}

void pack_function(Packer& pk, const Function& f) {
  pk.pack_array(10);
  pack_str(pk, f.name);
  pk.pack(static_cast<uint8_t>(f.kind));
  pk.pack(f.num_params);
  pk.pack(f.num_registers);
  pk.pack(f.source);
  // The code is one binary blob of little-endian words: compact, and read back in one pass.
  std::string code(f.code.size() * 4, '\0');
  for (size_t i = 0; i < f.code.size(); ++i) {
    for (int b = 0; b < 4; ++b) code[i * 4 + b] = static_cast<char>((f.code[i] >> (8 * b)) & 0xFF);
  }
  pk.pack_bin(static_cast<uint32_t>(code.size()));
  pk.pack_bin_body(code.data(), static_cast<uint32_t>(code.size()));
  pk.pack_array(static_cast<uint32_t>(f.lines.size()));
  for (const auto& l : f.lines) {
    pk.pack_array(2);
    pk.pack(l.pc);
    pk.pack(l.line);
  }
  pk.pack_array(static_cast<uint32_t>(f.handlers.size()));
  for (const auto& h : f.handlers) {
    pk.pack_array(5);
    pk.pack(h.start);
    pk.pack(h.end);
    pk.pack(h.target);
    pk.pack(h.reg);
    pk.pack(h.is_finally);
  }
  pk.pack_array(static_cast<uint32_t>(f.locals.size()));
  for (const auto& l : f.locals) {
    pk.pack_array(4);
    pack_str(pk, l.name);
    pk.pack(l.reg);
    pk.pack(l.start);
    pk.pack(l.end);
  }
  pk.pack(f.scalar_registers);
}

void pack_workflow(Packer& pk, const Workflow& w) {
  // The steps are a seventh item only when there are some, so a module without top-level steps
  // encodes (and hashes) as it did before they were recorded.
  pk.pack_array(w.steps.empty() ? 6 : 7);
  pack_str(pk, w.name);
  pk.pack(w.function);
  pack_params(pk, w.params);
  pack_str(pk, w.result_type);
  pk.pack_array(static_cast<uint32_t>(w.annotations.size()));
  for (const auto& a : w.annotations) {
    pk.pack_array(2);
    pack_str(pk, a.name);
    pack_str(pk, a.args);
  }
  pack_str(pk, w.docs);
  if (w.steps.empty()) return;
  pk.pack_array(static_cast<uint32_t>(w.steps.size()));
  for (const auto& step : w.steps) {
    pk.pack_array(4);
    pack_str(pk, step.name);
    pk.pack(step.entry);
    pk.pack(step.open_pc);
    pk.pack_array(static_cast<uint32_t>(step.variables.size()));
    for (const auto& v : step.variables) {
      pk.pack_array(3);
      pack_str(pk, v.name);
      pk.pack(v.reg);
      pack_str(pk, v.type);
    }
  }
}

void pack_script(Packer& pk, const Script& s) {
  pk.pack_array(9);
  pack_str(pk, s.name);
  pack_str(pk, s.lang);
  pk.pack(s.timeout_ms);
  pk.pack(s.elevated);
  pk.pack_array(static_cast<uint32_t>(s.uses.size()));
  for (uint32_t u : s.uses) pk.pack(u);
  pack_str(pk, s.body);
  pack_params(pk, s.params);
  pk.pack(s.is_library);
  pack_str(pk, s.docs);
}

// ---------------------------------------------------------------------------------------------
// Decoding

// Thrown inside this file only; decode_module turns it into an error value.
struct Corrupt {
  std::string message;
};

bool is_map_header(uint8_t byte) { return (byte >= 0x80 && byte <= 0x8f) || byte == 0xde || byte == 0xdf; }

// Walks the bytes once, building nothing, so that no length prefix is believed before the data it
// announces has been seen. msgpack-c's object builder allocates an array's slots as soon as it
// reads the array's header; after this pass every header is known to be followed by its
// elements, so what the builder allocates is proportional to the input.
struct ShapeCheck : msgpack::null_visitor {
  size_t depth = 0;
  const char* problem = nullptr;

  bool enter() {
    if (++depth > kMaxDepth) {
      problem = "values are nested too deeply";
      return false;
    }
    return true;
  }
  bool start_array(uint32_t) { return enter(); }
  bool end_array() {
    --depth;
    return true;
  }
  bool start_map(uint32_t) { return enter(); }
  bool end_map() {
    --depth;
    return true;
  }
  bool visit_ext(const char*, uint32_t) {
    problem = "unexpected msgpack extension value";
    return false;
  }
  void parse_error(size_t, size_t) { problem = "malformed msgpack data"; }
  void insufficient_bytes(size_t, size_t) { problem = "the data ends early (truncated file?)"; }
};

std::optional<std::string> check_shape(const char* data, size_t size) {
  ShapeCheck check;
  size_t off = 0;
  const bool parsed = msgpack::parse(data, size, off, check);
  if (!parsed) return std::string(check.problem ? check.problem : "malformed msgpack data");
  if (off != size) return std::string("unexpected bytes after the module");
  return std::nullopt;
}

using Items = std::span<const msgpack::object>;

// Reads the object tree into a Module, checking every type and range. The path of the value being
// read is kept so that an error names it: "fns[2].handlers[0].reg: expected ...".
class Decoder {
 public:
  Module module(const msgpack::object& root);

 private:
  struct Segment {
    std::string_view field;  // empty for an array index
    size_t index = 0;
  };
  std::vector<Segment> path_;

  // Pushes a path segment for the lifetime of the guard.
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
        where += "[" + std::to_string(s.index) + "]";
      } else {
        if (!where.empty()) where += ".";
        where += s.field;
      }
    }
    std::string message = "corrupt module: ";
    if (!where.empty()) message += where + ": ";
    message += what;
    throw Corrupt{std::move(message)};
  }

  Items array(const msgpack::object& o) {
    if (o.type != msgpack::type::ARRAY) fail("expected an array");
    return Items(o.via.array.ptr, o.via.array.size);
  }

  // An array of exactly n items: a record of the format.
  Items tuple(const msgpack::object& o, size_t n) {
    Items items = array(o);
    if (items.size() != n) {
      fail("expected " + std::to_string(n) + " items, found " + std::to_string(items.size()));
    }
    return items;
  }

  std::string string(const msgpack::object& o) {
    if (o.type != msgpack::type::STR) fail("expected a string");
    return std::string(o.via.str.ptr, o.via.str.size);
  }

  uint64_t unsigned_int(const msgpack::object& o, uint64_t max) {
    if (o.type != msgpack::type::POSITIVE_INTEGER || o.via.u64 > max) {
      fail("expected an integer from 0 to " + std::to_string(max));
    }
    return o.via.u64;
  }

  int64_t signed_int(const msgpack::object& o, int64_t min, int64_t max) {
    if (o.type == msgpack::type::POSITIVE_INTEGER && o.via.u64 <= static_cast<uint64_t>(max)) {
      return static_cast<int64_t>(o.via.u64);
    }
    if (o.type == msgpack::type::NEGATIVE_INTEGER && o.via.i64 >= min) return o.via.i64;
    fail("expected an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }

  uint32_t u32(const msgpack::object& o) {
    return static_cast<uint32_t>(unsigned_int(o, std::numeric_limits<uint32_t>::max()));
  }
  uint8_t u8(const msgpack::object& o) { return static_cast<uint8_t>(unsigned_int(o, 255)); }
  int32_t i32(const msgpack::object& o) {
    return static_cast<int32_t>(
        signed_int(o, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
  }
  int64_t i64(const msgpack::object& o) {
    return signed_int(o, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max());
  }

  bool boolean(const msgpack::object& o) {
    if (o.type != msgpack::type::BOOLEAN) fail("expected true or false");
    return o.via.boolean;
  }

  double real(const msgpack::object& o) {
    // msgpack-c widens a float32 into via.f64.
    if (o.type != msgpack::type::FLOAT64 && o.type != msgpack::type::FLOAT32) fail("expected a float");
    return o.via.f64;
  }

  // Reads every item of the array o with read(item), naming each by its index on error.
  template <typename Read>
  auto list(const msgpack::object& o, Read read) -> std::vector<decltype(read(o))> {
    Items items = array(o);
    std::vector<decltype(read(o))> out;
    out.reserve(items.size());  // the tree exists, so its size is bounded by the input
    for (size_t i = 0; i < items.size(); ++i) {
      At at(*this, i);
      out.push_back(read(items[i]));
    }
    return out;
  }

  std::vector<std::string> strings(const msgpack::object& o) {
    return list(o, [&](const msgpack::object& s) { return string(s); });
  }

  Source source(const msgpack::object& o) {
    Items t = tuple(o, 2);
    Source s;
    {
      At at(*this, "path");
      s.path = string(t[0]);
    }
    {
      At at(*this, "sha256");
      s.sha256 = string(t[1]);
    }
    return s;
  }

  Constant constant(const msgpack::object& o) {
    Items items = array(o);
    if (items.empty()) fail("expected a constant's kind");
    Constant c;
    {
      At at(*this, "kind");
      c.kind = static_cast<ConstKind>(unsigned_int(items[0], static_cast<uint64_t>(ConstKind::String)));
    }
    const size_t expected = c.kind == ConstKind::None ? 1 : 2;
    if (items.size() != expected) {
      fail("expected " + std::to_string(expected) + " items, found " + std::to_string(items.size()));
    }
    At at(*this, "value");
    switch (c.kind) {
      case ConstKind::None: break;
      case ConstKind::Bool: c.i = boolean(items[1]) ? 1 : 0; break;
      case ConstKind::Int:
      case ConstKind::Duration: c.i = i64(items[1]); break;
      case ConstKind::Float: c.f = real(items[1]); break;
      case ConstKind::String: c.s = string(items[1]); break;
    }
    return c;
  }

  std::vector<Param> params(const msgpack::object& o) {
    return list(o, [&](const msgpack::object& item) {
      Items t = tuple(item, 3);
      Param p;
      {
        At at(*this, "name");
        p.name = string(t[0]);
      }
      {
        At at(*this, "type");
        p.type = string(t[1]);
      }
      {
        At at(*this, "default_fn");
        p.default_fn = i32(t[2]);
      }
      return p;
    });
  }

  std::vector<Instr> code(const msgpack::object& o) {
    if (o.type != msgpack::type::BIN) fail("expected binary data");
    if (o.via.bin.size % 4 != 0) fail("code size is not a whole number of 32-bit words");
    const auto* bytes = reinterpret_cast<const uint8_t*>(o.via.bin.ptr);
    std::vector<Instr> out(o.via.bin.size / 4);
    for (size_t i = 0; i < out.size(); ++i) {
      out[i] = static_cast<Instr>(bytes[i * 4]) | (static_cast<Instr>(bytes[i * 4 + 1]) << 8) |
               (static_cast<Instr>(bytes[i * 4 + 2]) << 16) | (static_cast<Instr>(bytes[i * 4 + 3]) << 24);
    }
    return out;
  }

  Function function(const msgpack::object& o) {
    Items t = tuple(o, 10);
    Function f;
    {
      At at(*this, "name");
      f.name = string(t[0]);
    }
    // FunctionKind's last enumerator bounds the stored value.
    {
      At at(*this, "kind");
      f.kind = static_cast<FunctionKind>(unsigned_int(t[1], static_cast<uint64_t>(FunctionKind::Init)));
    }
    {
      At at(*this, "num_params");
      f.num_params = u8(t[2]);
    }
    {
      At at(*this, "num_registers");
      f.num_registers = u8(t[3]);
    }
    {
      At at(*this, "source");
      f.source = u32(t[4]);
    }
    {
      At at(*this, "code");
      f.code = code(t[5]);
    }
    {
      At at(*this, "lines");
      f.lines = list(t[6], [&](const msgpack::object& item) {
        Items l = tuple(item, 2);
        return LineEntry{u32(l[0]), u32(l[1])};
      });
    }
    {
      At at(*this, "handlers");
      f.handlers = list(t[7], [&](const msgpack::object& item) {
        Items h = tuple(item, 5);
        Handler handler;
        handler.start = u32(h[0]);
        handler.end = u32(h[1]);
        handler.target = u32(h[2]);
        handler.reg = u8(h[3]);
        handler.is_finally = boolean(h[4]);
        return handler;
      });
    }
    {
      At at(*this, "locals");
      f.locals = list(t[8], [&](const msgpack::object& item) {
        Items l = tuple(item, 4);
        LocalName local;
        local.name = string(l[0]);
        local.reg = u8(l[1]);
        local.start = u32(l[2]);
        local.end = u32(l[3]);
        return local;
      });
    }
    {
      At at(*this, "scalar_registers");
      f.scalar_registers = boolean(t[9]);
    }
    return f;
  }

  Workflow workflow(const msgpack::object& o) {
    // A workflow without top-level steps has 6 items; the seventh lists them.
    Items t = array(o);
    if (t.size() != 6 && t.size() != 7) fail("expected 6 or 7 items, found " + std::to_string(t.size()));
    Workflow w;
    {
      At at(*this, "name");
      w.name = string(t[0]);
    }
    {
      At at(*this, "function");
      w.function = u32(t[1]);
    }
    {
      At at(*this, "params");
      w.params = params(t[2]);
    }
    {
      At at(*this, "result_type");
      w.result_type = string(t[3]);
    }
    {
      At at(*this, "annotations");
      w.annotations = list(t[4], [&](const msgpack::object& item) {
        Items a = tuple(item, 2);
        return Annotation{string(a[0]), string(a[1])};
      });
    }
    {
      At at(*this, "docs");
      w.docs = string(t[5]);
    }
    if (t.size() == 7) {
      At at(*this, "steps");
      w.steps = list(t[6], [&](const msgpack::object& item) {
        Items st = tuple(item, 4);
        TopStep step;
        step.name = string(st[0]);
        step.entry = u32(st[1]);
        step.open_pc = u32(st[2]);
        At vars(*this, "variables");
        step.variables = list(st[3], [&](const msgpack::object& v) {
          Items vt = tuple(v, 3);
          return StepVariable{string(vt[0]), u8(vt[1]), string(vt[2])};
        });
        return step;
      });
    }
    return w;
  }

  Script script(const msgpack::object& o) {
    // Modules stored before scripts kept their docs have 8 items; they load with none.
    Items t = array(o);
    if (t.size() != 8 && t.size() != 9) fail("expected 9 items, found " + std::to_string(t.size()));
    Script s;
    {
      At at(*this, "name");
      s.name = string(t[0]);
    }
    {
      At at(*this, "lang");
      s.lang = string(t[1]);
    }
    {
      At at(*this, "timeout_ms");
      s.timeout_ms = i64(t[2]);
    }
    {
      At at(*this, "elevated");
      s.elevated = boolean(t[3]);
    }
    {
      At at(*this, "uses");
      s.uses = list(t[4], [&](const msgpack::object& u) { return u32(u); });
    }
    {
      At at(*this, "body");
      s.body = string(t[5]);
    }
    {
      At at(*this, "params");
      s.params = params(t[6]);
    }
    {
      At at(*this, "is_library");
      s.is_library = boolean(t[7]);
    }
    if (t.size() == 9) {
      At at(*this, "docs");
      s.docs = string(t[8]);
    }
    return s;
  }
};

Module Decoder::module(const msgpack::object& root) {
  if (root.type != msgpack::type::MAP) throw Corrupt{"not a wf module"};
  std::array<const msgpack::object*, kTopFieldCount> fields{};
  std::optional<std::string> bad_key;  // reported only once the data is known to be a wf module
  for (uint32_t i = 0; i < root.via.map.size; ++i) {
    const msgpack::object_kv& kv = root.via.map.ptr[i];
    if (kv.key.type != msgpack::type::STR) {
      bad_key = "a field name is not a string";
      continue;
    }
    const std::string_view key(kv.key.via.str.ptr, kv.key.via.str.size);
    size_t f = 0;
    while (f < kTopFieldCount && kTopKeys[f] != key) ++f;
    if (f == kTopFieldCount) {
      if (!bad_key) bad_key = "unknown field `" + std::string(key) + "`";
    } else if (fields[f]) {
      if (!bad_key) bad_key = "field `" + std::string(key) + "` appears twice";
    } else {
      fields[f] = &kv.val;
    }
  }

  const msgpack::object* magic = fields[kMagic];
  if (!magic || magic->type != msgpack::type::STR ||
      std::string_view(magic->via.str.ptr, magic->via.str.size) != kModuleMagic) {
    throw Corrupt{"not a wf module"};
  }
  Module m;
  {
    if (!fields[kVersion]) fail("field `version` is missing");
    At at(*this, kTopKeys[kVersion]);
    if (fields[kVersion]->type != msgpack::type::POSITIVE_INTEGER) fail("expected a format version number");
    const uint64_t version = fields[kVersion]->via.u64;
    if (version != kFormatVersion) {
      throw Corrupt{"module format version " + std::to_string(version) +
                    " is not supported (this wf reads version " + std::to_string(kFormatVersion) + ")"};
    }
    m.format_version = static_cast<uint32_t>(version);
  }
  if (bad_key) fail(*bad_key);
  for (size_t f = 0; f < kTopFieldCount; ++f) {
    if (!fields[f]) fail("field `" + std::string(kTopKeys[f]) + "` is missing");
  }

  auto field = [&](TopField f, auto read) {
    At at(*this, kTopKeys[f]);
    read(*fields[f]);
  };
  field(kSources, [&](const msgpack::object& o) {
    m.sources = list(o, [&](const msgpack::object& s) { return source(s); });
  });
  field(kConsts, [&](const msgpack::object& o) {
    m.constants = list(o, [&](const msgpack::object& c) { return constant(c); });
  });
  field(kShapes, [&](const msgpack::object& o) {
    m.shapes = list(o, [&](const msgpack::object& s) { return strings(s); });
  });
  field(kBuiltins, [&](const msgpack::object& o) { m.builtins = strings(o); });
  field(kGlobals, [&](const msgpack::object& o) { m.globals = strings(o); });
  field(kInit, [&](const msgpack::object& o) { m.init_function = i32(o); });
  field(kFunctions, [&](const msgpack::object& o) {
    m.functions = list(o, [&](const msgpack::object& f) { return function(f); });
  });
  field(kWorkflows, [&](const msgpack::object& o) {
    m.workflows = list(o, [&](const msgpack::object& w) { return workflow(w); });
  });
  field(kScripts, [&](const msgpack::object& o) {
    m.scripts = list(o, [&](const msgpack::object& s) { return script(s); });
  });
  return m;
}

std::string hex_sha256(const unsigned char* data, size_t size) {
  // SHA-256 needs no initialisation, but libsodium asks for sodium_init before any use; it is
  // idempotent and thread-safe.
  static const bool initialised = sodium_init() >= 0;
  (void)initialised;
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, data, size);
  char hex[crypto_hash_sha256_BYTES * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, digest, sizeof digest);
  return std::string(hex, crypto_hash_sha256_BYTES * 2);
}

}  // namespace

std::vector<uint8_t> encode_module(const Module& m) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  pk.pack_map(kTopFieldCount);
  auto key = [&](TopField f) { pack_str(pk, kTopKeys[f]); };
  key(kMagic);
  pack_str(pk, kModuleMagic);
  key(kVersion);
  pk.pack(m.format_version);
  key(kSources);
  pk.pack_array(static_cast<uint32_t>(m.sources.size()));
  for (const auto& s : m.sources) {
    pk.pack_array(2);
    pack_str(pk, s.path);
    pack_str(pk, s.sha256);
  }
  key(kConsts);
  pk.pack_array(static_cast<uint32_t>(m.constants.size()));
  for (const auto& c : m.constants) pack_constant(pk, buffer, c);
  key(kShapes);
  pk.pack_array(static_cast<uint32_t>(m.shapes.size()));
  for (const auto& s : m.shapes) pack_strings(pk, s);
  key(kBuiltins);
  pack_strings(pk, m.builtins);
  key(kGlobals);
  pack_strings(pk, m.globals);
  key(kInit);
  pk.pack(m.init_function);
  key(kFunctions);
  pk.pack_array(static_cast<uint32_t>(m.functions.size()));
  for (const auto& f : m.functions) pack_function(pk, f);
  key(kWorkflows);
  pk.pack_array(static_cast<uint32_t>(m.workflows.size()));
  for (const auto& w : m.workflows) pack_workflow(pk, w);
  key(kScripts);
  pk.pack_array(static_cast<uint32_t>(m.scripts.size()));
  for (const auto& s : m.scripts) pack_script(pk, s);
  const auto* data = reinterpret_cast<const uint8_t*>(buffer.data());
  return std::vector<uint8_t>(data, data + buffer.size());
}

DecodeResult decode_module(std::span<const uint8_t> bytes) {
  try {
    if (bytes.empty() || !is_map_header(bytes[0])) return DecodeResult(std::string("not a wf module"));
    const char* data = reinterpret_cast<const char*>(bytes.data());
    const size_t size = bytes.size();
    if (auto problem = check_shape(data, size)) return DecodeResult("corrupt module: " + *problem);
    // No count or length can exceed the input size; the limits restate what check_shape proved,
    // in case the two parsers ever disagree.
    const msgpack::unpack_limit limit(size, size, size, size, size, kMaxDepth + 1);
    size_t off = 0;
    bool referenced = false;
    msgpack::object_handle handle = msgpack::unpack(data, size, off, referenced, nullptr, nullptr, limit);
    Decoder decoder;
    return DecodeResult(decoder.module(handle.get()));
  } catch (const Corrupt& c) {
    return DecodeResult(c.message);
  } catch (const std::bad_alloc&) {
    return DecodeResult(std::string("module too large: out of memory while decoding"));
  } catch (const std::exception& e) {
    return DecodeResult("corrupt module: " + std::string(e.what()));
  } catch (...) {
    return DecodeResult(std::string("corrupt module"));
  }
}

std::string module_hash(std::span<const uint8_t> bytes) { return hex_sha256(bytes.data(), bytes.size()); }

std::string sha256_hex(std::string_view data) {
  return hex_sha256(reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

}  // namespace wf::bytecode
