// The loop (see repl.h). At a terminal it prompts (`wf> `, then `... ` while an input goes on),
// colours diagnostics, shows a countdown during sleeps and takes Ctrl-C; with stdin not a
// terminal it reads the same inputs silently, answering approvals from the same stream.
#include "repl/repl.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <iostream>

#include "local/channels_file.h"
#include "local/notifier.h"
#include "repl/completion.h"
#include "repl/evaluate.h"
#include "repl/input.h"
#include "repl/interrupt.h"
#include "repl/line_editor.h"
#include "repl/meta_commands.h"
#include "repl/session.h"
#include "vm/render.h"

namespace wf::repl {

namespace {

bool wants_color() {
  const char* term = std::getenv("TERM");
  return std::getenv("NO_COLOR") == nullptr && !(term && std::string_view(term) == "dumb");
}

// A sleep's time left, rewritten in place once a second: `sleeping: 4s left (Ctrl-C stops it)`.
class Countdown {
 public:
  void show(int64_t left_ms) {
    if (left_ms <= 0) {
      if (!shown_.empty()) std::fputs("\r\033[K", stdout);
      shown_.clear();
    } else {
      const std::string text =
          fmt::format("sleeping: {} left (Ctrl-C stops it)", vm::format_duration((left_ms + 999) / 1000 * 1000));
      if (text == shown_) return;
      shown_ = text;
      std::fputs(("\r\033[K" + text).c_str(), stdout);
    }
    std::fflush(stdout);
  }

 private:
  std::string shown_;
};

}  // namespace

int run_repl(const ReplOptions& options) {
  const bool interactive = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
  SessionOptions session_options;
  session_options.fast = options.fast;
  if (!options.vault.empty()) {
    std::string error;
    if (!local::load_vault(options.vault, session_options.vault, error)) {
      fmt::print(stderr, "wf: {}\n", error);
      return 2;
    }
  }
  if (!options.notify.empty()) {
    std::string error;
    std::optional<local::ChannelsFile> channels = local::load_channels_file(options.notify, error);
    if (!channels) {
      fmt::print(stderr, "wf: {}\n", error);
      return 2;
    }
    session_options.notifier = std::make_shared<local::Notifier>(std::move(channels));
    session_options.notify_file = options.notify;
  }
  Session session(std::move(session_options));
  LineEditor editor(interactive, interactive ? default_history_path() : std::string());
  editor.set_completer([&session](std::string_view prefix) {
    std::vector<std::string> candidates = complete(session, prefix);
    // A whole meta-command or keyword is always followed by a space, so Tab types it too.
    if (candidates.size() == 1) {
      const std::string& c = candidates.front();
      const auto& kw = keywords();
      if (c.starts_with(':') || std::find(kw.begin(), kw.end(), c) != kw.end()) candidates.front() += ' ';
    }
    return candidates;
  });
  if (interactive) {
    install_interrupt_handler();
    std::cout << "wf repl: :help for help, Ctrl-D to quit\n";
  }

  Countdown countdown;
  Io io;
  io.out = &std::cout;
  io.color = interactive && wants_color();
  io.cancel = &interrupted();
  if (interactive) io.countdown = [&countdown](int64_t left) { countdown.show(left); };
  io.ask = [&](const std::string& title) -> std::pair<bool, std::string> {
    std::cout.flush();
    const ReadResult answer = editor.read(fmt::format("approve \"{}\" [y/N]: ", title));
    if (answer.status != ReadStatus::Line) {
      // Ctrl-C at the question cancels the effect (the editor has cleared the flag).
      if (answer.status == ReadStatus::Interrupted) interrupted().store(true);
      return {false, ""};
    }
    const bool yes = !answer.line.empty() && (answer.line[0] == 'y' || answer.line[0] == 'Y');
    const ReadResult note = editor.read("note (optional): ");
    return {yes, note.status == ReadStatus::Line ? note.line : std::string()};
  };

  for (;;) {
    std::cout.flush();
    ReadResult first = editor.read("wf> ");
    if (first.status == ReadStatus::End) break;
    if (first.status == ReadStatus::Interrupted) continue;
    editor.remember(first.line);
    std::string input = first.line;

    if (classify(input) == InputKind::Meta) {
      try {
        if (run_meta_command(session, input, io) == MetaResult::Quit) break;
      } catch (const std::exception& e) {
        std::cout << "internal error: " << e.what() << "\n";
      } catch (...) {
        std::cout << "internal error\n";
      }
      interrupted().store(false);
      continue;
    }

    bool cancelled = false, ended = false;
    while (!input_complete(input)) {
      ReadResult more = editor.read("... ");
      if (more.status == ReadStatus::Interrupted) {
        cancelled = true;
        break;
      }
      if (more.status == ReadStatus::End) {
        // At a terminal Ctrl-D leaves; at the end of a script what was read is still evaluated,
        // so its error is shown.
        ended = true;
        cancelled = interactive;
        break;
      }
      editor.remember(more.line);
      input += "\n" + more.line;
    }
    if (cancelled) {
      if (ended) break;
      continue;
    }

    session.next_input();
    try {
      switch (classify(input)) {
        case InputKind::Empty:
        case InputKind::Meta:
          break;
        case InputKind::Declarations:
          evaluate_declarations(session, input, io);
          break;
        case InputKind::Statements:
          evaluate_statements(session, input, io);
          break;
      }
    } catch (const std::exception& e) {
      // No error ends the session; this one is wf's own fault, so it says so.
      std::cout << "internal error: " << e.what() << "\n";
    } catch (...) {
      std::cout << "internal error\n";
    }
    interrupted().store(false);
    if (ended) break;
  }
  if (interactive) std::cout << "\n";
  std::cout.flush();
  return 0;
}

}  // namespace wf::repl
