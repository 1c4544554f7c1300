// The one place where the protocol's positions (zero-based line, UTF-16 code units, lines ended
// by `\n`, `\r\n` or `\r`) meet the analysis's byte offsets into UTF-8 text.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "protocol/protocol.h"
#include "source/source_file.h"

namespace wf::lsp {

class LineIndex {
 public:
  // `text` must outlive the index.
  explicit LineIndex(std::string_view text);

  // The byte offset of a position. Out-of-range positions are clamped, as the protocol asks: a
  // character past the end of its line means the line's end, a line past the last means the end
  // of the text. A position inside a character (between the two halves of a surrogate pair, say)
  // means the start of that character.
  uint32_t offset_of(Position p) const;
  // The position of a byte offset (clamped to the text; inside a character: its start).
  Position position_of(uint32_t offset) const;

  Range range_of(SourceRange r) const { return {position_of(r.begin), position_of(r.end)}; }
  SourceRange offsets_of(Range r) const;

 private:
  uint32_t line_end(uint32_t line) const;  // the offset of the line's terminator (or the text's end)

  std::string_view text_;
  std::vector<uint32_t> starts_;
};

}  // namespace wf::lsp
