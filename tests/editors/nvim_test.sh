#!/usr/bin/env bash
# Drives `wf lsp` from headless Neovim (nvim_client.lua): diagnostics, hover, definition, completion.
# Usage: nvim_test.sh WF_BINARY SOURCE_DIR. Exit 77 (skip) only when nvim is not installed.
set -euo pipefail
WF_BIN="$1"
REPO="$2"
if ! command -v nvim >/dev/null; then
  echo "nvim_test: nvim is not installed (tools/setup.sh installs neovim)" >&2
  exit 77
fi
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$REPO/samples/uptime_report.wf" "$WORK/uptime_report.wf"
# The injected type error (E0200): a string where an int is declared.
cat >> "$WORK/uptime_report.wf" <<'WF'

fn injected_error() -> int {
  let retries: int = "three"
  return retries
}
WF
export WF_BIN WF_REPO="$REPO" WF_FILE="$WORK/uptime_report.wf"
export HOME="$WORK" XDG_STATE_HOME="$WORK/state" XDG_CACHE_HOME="$WORK/cache" XDG_DATA_HOME="$WORK/data"
cd "$WORK"
timeout 60 nvim --headless -u NONE -i NONE -n -c "luafile $REPO/tests/editors/nvim_client.lua" 2>&1 </dev/null
