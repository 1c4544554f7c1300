// Reusing the tokens of a file's previous parse when it is parsed again after an edit: a language
// server parses a document after every keystroke, and all but a few of its tokens are the ones it
// had, shifted by the edit. Only the text around the edit is lexed again; the token stream, and so
// the tree and every diagnostic, is exactly what lexing the whole text would give. ANTLR-free.
//
// parse_module takes no memo of its own, because it is reached through Compilation; a
// TokenMemoScope makes a memo the one that parse_module uses on the scope's thread.
#pragma once

#include <memory>
#include <vector>

namespace wf {

// The tokens of the last parse of each file (by path). Used by one thread at a time.
class TokenMemo {
 public:
  TokenMemo();
  ~TokenMemo();
  TokenMemo(const TokenMemo&) = delete;
  TokenMemo& operator=(const TokenMemo&) = delete;

  struct Files;  // defined in parse/memo_token_source.h
  Files& files() { return *files_; }

  // With `keep`, each parse made with the memo leaves ANTLR's parse tree and tokens to the caller
  // instead of freeing them as it ends. Freeing them costs a sixth of a parse, which a language
  // server can spend off the path of an edit (after publishing its diagnostics).
  void keep_leftovers(bool keep);
  // What the parses since the last call left; dropping the pointers frees it, on any thread.
  std::vector<std::shared_ptr<void>> take_leftovers();

  // With `reparse`, a file parsed cleanly is also remembered as its declarations' trees, and a
  // later parse of it after an edit inside one declaration parses only that declaration's text
  // (parse/decl_reparse.h); the tree and the diagnostics are still exactly a fresh parse's. Off
  // by default.
  void reparse_declarations(bool reparse);
  // How often each shortcut was taken, for tests and measurements.
  struct Reuse {
    size_t declarations_reparsed = 0;  // parses that re-parsed one declaration
    size_t modules_copied = 0;         // parses of a remembered text, not parsed again at all
    size_t whole_parses = 0;           // parses of the whole text
  };
  const Reuse& reuse() const;

 private:
  std::unique_ptr<Files> files_;
};

// While it lives, parse_module on this thread reads and updates `memo`; scopes nest.
class TokenMemoScope {
 public:
  explicit TokenMemoScope(TokenMemo& memo);
  ~TokenMemoScope();
  TokenMemoScope(const TokenMemoScope&) = delete;
  TokenMemoScope& operator=(const TokenMemoScope&) = delete;

  // The memo of the innermost scope on this thread, or null.
  static TokenMemo* current();

 private:
  TokenMemo* outer_;
};

}  // namespace wf
