#!/usr/bin/env bash
# Drives `wf repl` in a real terminal: a private tmux server runs it in a 120x40 pane, keys are
# typed with send-keys, and each step waits (polling capture-pane, at most 10 s) for the text it
# expects. HOME is a temporary directory, so the history file is the test's own.
# Usage: tmux_test.sh WF_BINARY SOURCE_DIR. Exits 77 (skipped) when tmux is not installed.
set -uo pipefail

WF="$1"
ROOT="$2"
command -v tmux >/dev/null 2>&1 || { echo "tmux is not installed: skipped"; exit 77; }

TMP="$(mktemp -d)"
export HOME="$TMP/home"
mkdir -p "$HOME"
SOCKET="$TMP/tmux.sock"
t() { tmux -S "$SOCKET" "$@"; }
cleanup() { t kill-server >/dev/null 2>&1; rm -rf "$TMP"; }
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "---- pane ----"
  t capture-pane -p -J -S - -t repl 2>/dev/null
  exit 1
}

# The pane with its scrollback, wrapped lines joined.
pane() { t capture-pane -p -J -S - -t repl 2>/dev/null; }

# wait_for TEXT [COUNT]: until TEXT (a fixed string) occurs on at least COUNT lines (default 1).
wait_for() {
  local text="$1" want="${2:-1}" i have
  for ((i = 0; i < 100; i++)); do
    have="$(pane | grep -cF -- "$text")"
    ((have >= want)) && return 0
    sleep 0.1
  done
  fail "waited 10 s for \"$text\" (x$want)"
}

# wait_prompt PROMPT: until the pane's last non-empty line is PROMPT (trailing spaces aside), so
# keys are typed only when the line editor reads them.
wait_prompt() {
  local want="$1" i last
  for ((i = 0; i < 100; i++)); do
    last="$(pane | sed -e 's/[[:space:]]*$//' | grep -v '^$' | tail -n 1)"
    [[ "$last" == "$want" ]] && return 0
    sleep 0.1
  done
  fail "waited 10 s for the prompt \"$want\""
}

# type_line LINE [PROMPT]: waits for PROMPT (default `wf>`), types LINE and presses Enter.
type_line() {
  wait_prompt "${2:-wf>}"
  t send-keys -t repl -l -- "$1"
  t send-keys -t repl Enter
}

# keys PROMPT KEY...: waits for PROMPT, then presses the keys.
keys() {
  wait_prompt "$1"
  shift
  t send-keys -t repl "$@"
}

t new-session -d -x 120 -y 40 -s repl "cd '$ROOT' && HOME='$HOME' TERM=xterm NO_COLOR=1 '$WF' repl --fast"
wait_for "wf repl: :help for help"

# Definitions.
type_line 'let x = 40'
wait_for 'x: int = 40'

# A multi-line block: the continuation prompt, then the declaration when its brace closes.
type_line 'fn add2(a: int) -> int {'
type_line '  return a + 2' '...'
type_line '}' '...'
wait_for 'defined fn add2'
type_line 'add2(x)'
wait_for 'int = 42'

# A type error: its code and a caret under the input, and the session goes on.
type_line 'let bad: int = "s"'
wait_for 'error[E0200]'
wait_for '               ^~~'
type_line 'x + 1'
wait_for 'int = 41'

# An effect on this machine.
type_line 'run command "echo from-tmux" on [localhost()]'
wait_for 'run on localhost: echo from-tmux'
wait_for '"stdout":"from-tmux\n"'

# An approval answered at the prompt, with a note.
type_line 'let ok = approve "Ship it?"'
type_line 'y' 'approve "Ship it?" [y/N]:'
type_line 'lgtm' 'note (optional):'
wait_for '"note":"lgtm"'

# Meta-commands.
type_line ':type [x]'
wait_for 'list<int>'
type_line ':vars'
wait_for 'let x: int = 40'
type_line ':load samples/common.wf'
wait_for 'loaded samples/common.wf'
type_line 'slug("A B")'
wait_for 'string = "a-b"'

# History: the up arrow recalls the last line.
keys 'wf>' Up
t send-keys -t repl Enter
wait_for 'string = "a-b"' 2

# Tab completes a meta-command.
wait_prompt 'wf>'
t send-keys -t repl -l ':va'
t send-keys -t repl Tab
t send-keys -t repl Enter
wait_for 'let x: int = 40' 2

# Ctrl-C drops an unfinished input; nothing of it is defined.
type_line 'let never = ('
keys '...' C-c
type_line 'never'
wait_for 'error[E0100]'

# Ctrl-D leaves, and the history file holds the session's lines.
keys 'wf>' C-d
for ((i = 0; i < 100; i++)); do
  t has-session -t repl 2>/dev/null || break
  sleep 0.1
done
t has-session -t repl 2>/dev/null && fail "Ctrl-D did not end the session"
grep -qF 'slug(' "$HOME/.wf_history" || { echo "FAIL: no history in $HOME/.wf_history"; exit 1; }

# Without --fast a sleep counts down, and Ctrl-C stops it; the session goes on.
t new-session -d -x 120 -y 40 -s repl "cd '$ROOT' && HOME='$HOME' TERM=xterm NO_COLOR=1 '$WF' repl"
type_line 'sleep 5m'
wait_for 'sleeping: '
t send-keys -t repl C-c
wait_for 'error: cancelled'
type_line '6 * 7'
wait_for 'int = 42'
keys 'wf>' C-d
echo "ok"
