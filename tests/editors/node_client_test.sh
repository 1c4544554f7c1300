#!/usr/bin/env bash
# Drives `wf lsp` with the Node LSP client library (node_client/client.js, dependencies from npm).
# Usage: node_client_test.sh WF_BINARY SOURCE_DIR. Exit 77 (skip) only when node or npm is missing.
set -euo pipefail
WF_BIN="$1"
REPO="$2"
for tool in node npm; do
  if ! command -v "$tool" >/dev/null; then
    echo "node_client_test: $tool is not installed" >&2
    exit 77
  fi
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$REPO/tests/editors/node_client/package.json" "$REPO/tests/editors/node_client/client.js" "$WORK/"
(cd "$WORK" && npm_config_cache="$WORK/npm-cache" npm_config_update_notifier=false \
  npm install --no-audit --no-fund --loglevel=error)
cp "$REPO/samples/uptime_report.wf" "$WORK/uptime_report.wf"
# The injected type error (E0200): a string where an int is declared.
cat >> "$WORK/uptime_report.wf" <<'WF'

fn injected_error() -> int {
  let retries: int = "three"
  return retries
}
WF
timeout 60 node "$WORK/client.js" "$WF_BIN" "$WORK/uptime_report.wf"
