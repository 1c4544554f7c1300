// UTF-16 positions ↔ byte offsets (see positions.h). Invalid UTF-8 counts one code unit per byte,
// so every byte stays addressable.
#include "protocol/positions.h"

#include <algorithm>

namespace wf::lsp {

namespace {

// The length in bytes of the UTF-8 sequence that starts at `i` (1 for a stray byte), and how many
// UTF-16 code units it encodes.
struct Char {
  uint32_t bytes;
  uint32_t units;
};

Char char_at(std::string_view text, uint32_t i, uint32_t end) {
  const auto lead = static_cast<unsigned char>(text[i]);
  uint32_t bytes = 1;
  if (lead >= 0xF0 && lead <= 0xF7) bytes = 4;
  else if (lead >= 0xE0) bytes = lead <= 0xEF ? 3 : 1;
  else if (lead >= 0xC2) bytes = 2;
  if (i + bytes > end) return {1, 1};
  for (uint32_t k = 1; k < bytes; ++k)
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return {1, 1};
  return {bytes, bytes == 4 ? 2u : 1u};
}

}  // namespace

LineIndex::LineIndex(std::string_view text) : text_(text) {
  starts_.push_back(0);
  for (uint32_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') starts_.push_back(i + 1);
    else if (text[i] == '\r') {
      if (i + 1 < text.size() && text[i + 1] == '\n') ++i;
      starts_.push_back(i + 1);
    }
  }
}

uint32_t LineIndex::line_end(uint32_t line) const {
  uint32_t end = line + 1 < starts_.size() ? starts_[line + 1] : static_cast<uint32_t>(text_.size());
  if (line + 1 < starts_.size()) {
    if (end > starts_[line] && text_[end - 1] == '\n') --end;
    if (end > starts_[line] && text_[end - 1] == '\r') --end;
  }
  return end;
}

uint32_t LineIndex::offset_of(Position p) const {
  if (p.line >= starts_.size()) return static_cast<uint32_t>(text_.size());
  const uint32_t end = line_end(p.line);
  uint32_t i = starts_[p.line];
  uint32_t units = 0;
  while (i < end && units < p.character) {
    const Char c = char_at(text_, i, end);
    if (units + c.units > p.character) break;  // inside a surrogate pair
    units += c.units;
    i += c.bytes;
  }
  return i;
}

Position LineIndex::position_of(uint32_t offset) const {
  offset = std::min(offset, static_cast<uint32_t>(text_.size()));
  const auto after = std::upper_bound(starts_.begin(), starts_.end(), offset);
  const auto line = static_cast<uint32_t>(after - starts_.begin() - 1);
  const uint32_t limit = line_end(line);
  const uint32_t end = std::min(offset, limit);
  uint32_t units = 0;
  for (uint32_t i = starts_[line]; i < end;) {
    const Char c = char_at(text_, i, limit);
    if (i + c.bytes > end) break;  // the offset is inside this character
    units += c.units;
    i += c.bytes;
  }
  return {line, units};
}

SourceRange LineIndex::offsets_of(Range r) const {
  uint32_t begin = offset_of(r.start), end = offset_of(r.end);
  if (end < begin) std::swap(begin, end);
  return {begin, end};
}

}  // namespace wf::lsp
