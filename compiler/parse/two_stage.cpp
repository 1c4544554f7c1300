// SLL first, LL with recovery when it fails (see two_stage.h).
#include "parse/two_stage.h"

namespace wf {

wfgen::WfParser::ModuleContext* parse_two_stage(wfgen::WfParser& parser, antlr4::CommonTokenStream& tokens,
                                                antlr4::ANTLRErrorListener& listener) {
  parser.removeErrorListeners();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  parser.setErrorHandler(std::make_shared<antlr4::BailErrorStrategy>());
  try {
    return parser.module();
  } catch (const antlr4::ParseCancellationException&) {
    tokens.seek(0);
    parser.reset();
    parser.addErrorListener(&listener);
    parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::LL);
    return parser.module();
  }
}

}  // namespace wf
