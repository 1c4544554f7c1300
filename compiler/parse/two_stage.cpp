// SLL first, LL with recovery when it fails; SLL with recovery alone for a large source (see
// two_stage.h).
#include "parse/two_stage.h"

namespace wf {

namespace {

// Whether the parser reads a source of kSllOnlyCharacters or more.
bool large_source(antlr4::CommonTokenStream& tokens) {
  antlr4::TokenSource* source = tokens.getTokenSource();
  antlr4::CharStream* input = source ? source->getInputStream() : nullptr;
  return input && input->size() >= kSllOnlyCharacters;
}

}  // namespace

wfgen::WfParser::ModuleContext* parse_two_stage(wfgen::WfParser& parser, antlr4::CommonTokenStream& tokens,
                                                antlr4::ANTLRErrorListener& listener, bool sll_only) {
  parser.removeErrorListeners();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->setPredictionMode(antlr4::atn::PredictionMode::SLL);
  if (sll_only || large_source(tokens)) {
    // One pass, whatever the source holds: the LL pass over a large source with an error costs
    // about seven times the SLL pass (seconds of CPU for an upload near the body limit).
    parser.addErrorListener(&listener);
    parser.setErrorHandler(std::make_shared<antlr4::DefaultErrorStrategy>());
    return parser.module();
  }
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
