// Reading lines: at a terminal through libedit (editing, history in ~/.wf_history, Tab
// completion); otherwise plain lines from stdin, without prompts, so a session can be scripted.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace wf::repl {

enum class ReadStatus {
  Line,         // `line` holds what was typed, without its newline
  Interrupted,  // Ctrl-C: the line being typed is dropped
  End,          // Ctrl-D on an empty line, or the end of the input
};

struct ReadResult {
  ReadStatus status = ReadStatus::End;
  std::string line;
};

class LineEditor {
 public:
  // `interactive`: stdin and stdout are a terminal. `history_path` empty: no history file.
  LineEditor(bool interactive, std::string history_path);
  ~LineEditor();
  LineEditor(const LineEditor&) = delete;
  LineEditor& operator=(const LineEditor&) = delete;

  bool interactive() const;

  // Reads one line; `prompt` is shown only at a terminal.
  ReadResult read(const std::string& prompt);

  // Adds a line to the history (and saves the file at once, so no line is lost to a crash or a
  // closed window). Ignored when not interactive: a script leaves no history.
  void remember(const std::string& line);

  // What Tab offers for the word before the cursor.
  void set_completer(std::function<std::vector<std::string>(std::string_view prefix)> completer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ~/.wf_history, from HOME; empty when HOME is not set.
std::string default_history_path();

}  // namespace wf::repl
