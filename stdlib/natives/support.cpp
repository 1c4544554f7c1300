// Code-point stepping and message helpers shared by the native files (support.h).
#include "stdlib/natives/support.h"

namespace wf::stdlib::natives {

namespace {

bool continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

}  // namespace

size_t cp_width(std::string_view s, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char b = byte(pos);
  if (b < 0x80) return 1;
  // The well-formed sequences of Unicode's table 3-7: the second byte's range depends on the
  // first, which excludes overlong forms, surrogates and code points past U+10FFFF.
  size_t width = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) {
    width = 2;
  } else if (b >= 0xE0 && b <= 0xEF) {
    width = 3;
    if (b == 0xE0) lo = 0xA0;
    if (b == 0xED) hi = 0x9F;
  } else if (b >= 0xF0 && b <= 0xF4) {
    width = 4;
    if (b == 0xF0) lo = 0x90;
    if (b == 0xF4) hi = 0x8F;
  } else {
    return 1;
  }
  if (pos + width > s.size()) return 1;
  const unsigned char second = byte(pos + 1);
  if (second < lo || second > hi) return 1;
  for (size_t i = 2; i < width; ++i)
    if (!continuation(byte(pos + i))) return 1;
  return width;
}

int64_t cp_count(std::string_view s) {
  int64_t n = 0;
  for (size_t pos = 0; pos < s.size(); pos += cp_width(s, pos)) ++n;
  return n;
}

size_t cp_advance(std::string_view s, size_t pos, int64_t n) {
  for (; n > 0 && pos < s.size(); --n) pos += cp_width(s, pos);
  return pos;
}

std::string_view trim_space(std::string_view s) {
  constexpr std::string_view kSpace = " \t\r\n";
  const size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const size_t end = s.find_last_not_of(kSpace);
  return s.substr(begin, end - begin + 1);
}

std::string quoted(std::string_view s) {
  constexpr int64_t kMax = 40;
  const bool shorten = cp_count(s) > kMax;
  std::string out = "\"";
  out.append(shorten ? s.substr(0, cp_advance(s, 0, kMax)) : s);
  out.append(shorten ? "...\"" : "\"");
  return out;
}

}  // namespace wf::stdlib::natives
