// Finding a cut point that does not split a UTF-8 character (see utf8_text.h).
#include "runtime/agent/utf8_text.h"

namespace wf::agent {

size_t complete_utf8_prefix(std::string_view text) {
  const size_t n = text.size();
  // A character is at most 4 bytes, so an unfinished one starts within the last 3.
  for (size_t back = 1; back <= 3 && back <= n; ++back) {
    const auto byte = static_cast<unsigned char>(text[n - back]);
    if ((byte & 0xC0) == 0x80) continue;  // a continuation byte: the lead is further back
    size_t length = 1;
    if (byte >= 0xC2 && byte <= 0xDF) length = 2;
    else if (byte >= 0xE0 && byte <= 0xEF) length = 3;
    else if (byte >= 0xF0 && byte <= 0xF4) length = 4;
    return length > back ? n - back : n;
  }
  return n;
}

}  // namespace wf::agent
