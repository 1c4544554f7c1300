// The shape check of untrusted msgpack bytes (see msgpack_shape.h). msgpack::parse with a
// visitor builds nothing and keeps its own stack, so hostile nesting cannot exhaust ours.
#include "bytecode/msgpack_shape.h"

#include <msgpack.hpp>

namespace wf::bytecode {

namespace {

struct ShapeCheck : msgpack::null_visitor {
  explicit ShapeCheck(size_t max) : max_depth(max) {}
  size_t max_depth;
  size_t depth = 0;
  const char* problem = nullptr;

  bool enter() {
    if (++depth > max_depth) {
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

}  // namespace

std::optional<std::string> check_msgpack_shape(std::span<const uint8_t> bytes, size_t max_depth,
                                               std::string_view what) {
  ShapeCheck check(max_depth);
  size_t off = 0;
  try {
    const bool parsed = msgpack::parse(reinterpret_cast<const char*>(bytes.data()), bytes.size(), off, check);
    if (!parsed) return std::string(check.problem ? check.problem : "malformed msgpack data");
  } catch (const std::exception&) {
    // The visitor reports every problem itself; this only keeps a surprise inside the decoder.
    return std::string(check.problem ? check.problem : "malformed msgpack data");
  }
  if (off != bytes.size()) return "unexpected bytes after the " + std::string(what);
  return std::nullopt;
}

}  // namespace wf::bytecode
