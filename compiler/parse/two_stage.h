// The parse strategy shared by the parser driver and the formatter's token stream: SLL
// prediction with a bail-out first (fast, and enough for correct files), then full LL with error
// recovery when SLL fails. Internal to compiler/parse (it includes ANTLR headers).
#pragma once

#include "WfParser.h"
#include "antlr4-runtime.h"

namespace wf {

// `listener` hears the errors of the LL pass only: an SLL failure is not a syntax error.
wfgen::WfParser::ModuleContext* parse_two_stage(wfgen::WfParser& parser, antlr4::CommonTokenStream& tokens,
                                                antlr4::ANTLRErrorListener& listener);

}  // namespace wf
