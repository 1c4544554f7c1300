// The parse strategy shared by the parser driver and the formatter's token stream: SLL
// prediction with a bail-out first (fast, and enough for correct files), then full LL with error
// recovery when SLL fails. A source of kSllOnlyCharacters or more is parsed once, with SLL
// prediction and error recovery, so that its cost stays near that of one SLL pass even when it
// holds an error: its syntax errors are those SLL prediction finds, which can differ from LL's in
// where recovery resumes. Internal to compiler/parse (it includes ANTLR headers).
#pragma once

#include "WfParser.h"
#include "antlr4-runtime.h"

namespace wf {

// 256 Ki characters: larger than any hand-written file, well below the service's 1 MiB body limit.
inline constexpr size_t kSllOnlyCharacters = 256 * 1024;

// `listener` hears the errors of the pass with recovery only: an SLL bail-out is not a syntax error.
// `sll_only` asks for the one SLL pass whatever the size (sll_only.h).
wfgen::WfParser::ModuleContext* parse_two_stage(wfgen::WfParser& parser, antlr4::CommonTokenStream& tokens,
                                                antlr4::ANTLRErrorListener& listener, bool sll_only = false);

}  // namespace wf
