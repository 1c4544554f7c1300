// The token memo and the scope that lends it to parse_module (see token_memo.h).
#include "parse/token_memo.h"

#include "parse/memo_token_source.h"

namespace wf {

namespace {
thread_local TokenMemo* current_memo = nullptr;
}  // namespace

TokenMemo::TokenMemo() : files_(std::make_unique<Files>()) {}
TokenMemo::~TokenMemo() = default;

void TokenMemo::keep_leftovers(bool keep) { files_->keep_leftovers = keep; }

std::vector<std::shared_ptr<void>> TokenMemo::take_leftovers() { return std::move(files_->leftovers); }

void TokenMemo::reparse_declarations(bool reparse) {
  files_->reparse_declarations = reparse;
  if (!reparse) files_->modules.clear();
}

const TokenMemo::Reuse& TokenMemo::reuse() const { return files_->reuse; }

TokenMemoScope::TokenMemoScope(TokenMemo& memo) : outer_(current_memo) { current_memo = &memo; }
TokenMemoScope::~TokenMemoScope() { current_memo = outer_; }

TokenMemo* TokenMemoScope::current() { return current_memo; }

}  // namespace wf
