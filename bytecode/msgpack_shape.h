// A first, non-allocating pass over untrusted msgpack bytes, shared by the module and the
// continuation decoders: it proves that the bytes are exactly one well-formed value before any
// length prefix in them is believed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace wf::bytecode {

// Nullopt when `bytes` hold exactly one msgpack value, with no extension values and no array
// or map nested more than `max_depth` deep. Otherwise a phrase such as "malformed msgpack data"
// or "unexpected bytes after the <what>". msgpack-c's object builder allocates an array's slots
// as soon as it reads the array's header; after this check every header is known to be followed
// by its elements, so what the builder allocates is proportional to the input.
std::optional<std::string> check_msgpack_shape(std::span<const uint8_t> bytes, size_t max_depth,
                                               std::string_view what);

}  // namespace wf::bytecode
