// The line editor (see line_editor.h), over libedit's native interface: EditLine for editing,
// History for the history list and its file.
#include "repl/line_editor.h"

#include <histedit.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "repl/interrupt.h"

namespace wf::repl {

struct LineEditor::Impl {
  bool interactive = false;
  std::string history_path;
  EditLine* el = nullptr;
  History* history = nullptr;
  std::string prompt;
  std::function<std::vector<std::string>(std::string_view)> completer;

  static char* prompt_of(EditLine* el) {
    void* data = nullptr;
    el_get(el, EL_CLIENTDATA, &data);
    return const_cast<char*>(static_cast<Impl*>(data)->prompt.c_str());
  }

  // Tab: the word before the cursor is completed as far as the candidates agree; when they
  // agree no further, they are listed under the line.
  static unsigned char on_tab(EditLine* el, int ch) {
    // Called from C: nothing may be thrown through libedit.
    try {
      return complete_word(el, ch);
    } catch (...) {
      return CC_ERROR;
    }
  }

  static unsigned char complete_word(EditLine* el, int) {
    void* data = nullptr;
    el_get(el, EL_CLIENTDATA, &data);
    const Impl& self = *static_cast<Impl*>(data);
    if (!self.completer) return CC_ERROR;
    const LineInfo* li = el_line(el);
    const char* start = li->cursor;
    while (start > li->buffer &&
           (std::isalnum(static_cast<unsigned char>(start[-1])) || start[-1] == '_' || start[-1] == ':'))
      --start;
    const std::string prefix(start, li->cursor);
    const std::vector<std::string> candidates = self.completer(prefix);
    if (candidates.empty()) return CC_ERROR;
    std::string common = candidates.front();
    for (const std::string& c : candidates) {
      size_t n = 0;
      while (n < common.size() && n < c.size() && common[n] == c[n]) ++n;
      common.resize(n);
    }
    if (common.size() > prefix.size()) {
      el_insertstr(el, common.substr(prefix.size()).c_str());
      return CC_REFRESH;
    }
    if (candidates.size() == 1) return CC_REFRESH;
    std::string list = "\n";
    size_t width = 0;
    for (const std::string& c : candidates) width = std::max(width, c.size());
    const size_t columns = std::max<size_t>(1, 80 / (width + 2));
    for (size_t i = 0; i < candidates.size(); ++i) {
      list += candidates[i];
      list += (i + 1) % columns == 0 || i + 1 == candidates.size() ? std::string("\n")
                                                                    : std::string(width + 2 - candidates[i].size(), ' ');
    }
    std::fputs(list.c_str(), stdout);
    std::fflush(stdout);
    return CC_REDISPLAY;
  }
};

LineEditor::LineEditor(bool interactive, std::string history_path) : impl_(std::make_unique<Impl>()) {
  impl_->interactive = interactive;
  impl_->history_path = std::move(history_path);
  if (!interactive) return;
  HistEvent ev;
  impl_->history = history_init();
  history(impl_->history, &ev, H_SETSIZE, 1000);
  history(impl_->history, &ev, H_SETUNIQUE, 1);
  if (!impl_->history_path.empty()) history(impl_->history, &ev, H_LOAD, impl_->history_path.c_str());

  impl_->el = el_init("wf", stdin, stdout, stderr);
  el_set(impl_->el, EL_CLIENTDATA, impl_.get());
  el_set(impl_->el, EL_EDITOR, "emacs");
  el_set(impl_->el, EL_PROMPT, &Impl::prompt_of);
  el_set(impl_->el, EL_HIST, history, impl_->history);
  // libedit puts the terminal back in order around a signal and then calls our handler, which
  // raises the interrupt flag.
  el_set(impl_->el, EL_SIGNAL, 1);
  el_set(impl_->el, EL_ADDFN, "wf-complete", "Complete the name before the cursor", &Impl::on_tab);
  el_set(impl_->el, EL_BIND, "^I", "wf-complete", nullptr);
  el_source(impl_->el, nullptr);  // the operator's ~/.editrc, if any
}

LineEditor::~LineEditor() {
  if (impl_->el) el_end(impl_->el);
  if (impl_->history) history_end(impl_->history);
}

bool LineEditor::interactive() const { return impl_->interactive; }

ReadResult LineEditor::read(const std::string& prompt) {
  ReadResult r;
  if (!impl_->interactive) {
    if (std::getline(std::cin, r.line)) {
      if (!r.line.empty() && r.line.back() == '\r') r.line.pop_back();
      r.status = ReadStatus::Line;
    }
    return r;
  }
  impl_->prompt = prompt;
  interrupted().store(false);
  int count = 0;
  errno = 0;
  const char* line = el_gets(impl_->el, &count);
  if (interrupted().exchange(false) || (!line && count < 0 && errno == EINTR)) {
    std::fputs("\n", stdout);
    std::fflush(stdout);
    r.status = ReadStatus::Interrupted;
    return r;
  }
  if (!line) return r;
  r.line.assign(line, static_cast<size_t>(count));
  while (!r.line.empty() && (r.line.back() == '\n' || r.line.back() == '\r')) r.line.pop_back();
  r.status = ReadStatus::Line;
  return r;
}

void LineEditor::remember(const std::string& line) {
  if (!impl_->interactive || line.find_first_not_of(" \t") == std::string::npos) return;
  HistEvent ev;
  history(impl_->history, &ev, H_ENTER, line.c_str());
  if (!impl_->history_path.empty()) history(impl_->history, &ev, H_SAVE, impl_->history_path.c_str());
}

void LineEditor::set_completer(std::function<std::vector<std::string>(std::string_view prefix)> completer) {
  impl_->completer = std::move(completer);
}

std::string default_history_path() {
  const char* home = std::getenv("HOME");
  if (!home || !*home) return {};
  return std::string(home) + "/.wf_history";
}

}  // namespace wf::repl
