#!/usr/bin/env bash
# Runs console.test.mjs: the web console in Debian's headless Chromium against a real `wf serve`.
# The npm packages (puppeteer-core, axe-core) are installed into tests/console/node_modules by
# tools/setup.sh (from package-lock.json); they are installed here too when missing.
# Usage: browser_test.sh WF_BINARY SOURCE_DIR OUT_DIR (screenshots). Exit 77 (skip) only when
# node, npm or chromium is not installed.
set -euo pipefail
WF_BIN="$1"
REPO="$2"
OUT="$3"
for tool in node npm chromium; do
  if ! command -v "$tool" >/dev/null; then
    echo "console browser test: $tool is not installed" >&2
    exit 77
  fi
done
DIR="$REPO/tests/console"
if [[ ! -d "$DIR/node_modules/puppeteer-core" || ! -d "$DIR/node_modules/axe-core" ]]; then
  (cd "$DIR" && npm_config_update_notifier=false npm ci --no-audit --no-fund --loglevel=error)
fi
CHROMIUM="$(command -v chromium)" timeout 240 node "$DIR/console.test.mjs" "$WF_BIN" "$OUT"
