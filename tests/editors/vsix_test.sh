#!/usr/bin/env bash
# Packages editors/vscode into a .vsix (npm install + vsce, from the npm registry) and checks its contents.
# Usage: vsix_test.sh SOURCE_DIR. Exit 77 (skip) only when node or npm is not installed.
set -euo pipefail
REPO="$1"
for tool in node npm npx unzip; do
  if ! command -v "$tool" >/dev/null; then
    echo "vsix_test: $tool is not installed" >&2
    exit 77
  fi
done
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp -r "$REPO/editors/vscode" "$WORK/ext"
rm -rf "$WORK/ext/node_modules"
cd "$WORK/ext"
export npm_config_cache="$WORK/npm-cache" npm_config_update_notifier=false
npm install --no-audit --no-fund --loglevel=error
# The grammar and the language configuration must be valid JSON.
node -e 'for (const f of process.argv.slice(1)) JSON.parse(require("fs").readFileSync(f, "utf8"))' \
  package.json syntaxes/wf.tmLanguage.json language-configuration.json
# The extension module must load its dependency (the vscode module itself exists only in the editor).
node -e 'require.resolve("vscode-languageclient/node")'
npx --yes @vscode/vsce@3 package --out "$WORK/wf.vsix" </dev/null
if [[ ! -s "$WORK/wf.vsix" ]]; then
  echo "vsix_test: FAIL: no .vsix was written" >&2
  exit 1
fi
listing="$(unzip -l "$WORK/wf.vsix")"
for entry in extension/package.json extension/syntaxes/wf.tmLanguage.json \
             extension/language-configuration.json extension/extension.js \
             extension/node_modules/vscode-languageclient/package.json; do
  if ! grep -qF "$entry" <<<"$listing"; then
    echo "vsix_test: FAIL: $entry is not in the .vsix:" >&2
    echo "$listing" >&2
    exit 1
  fi
done
echo "vsix_test: ok ($(stat -c %s "$WORK/wf.vsix") bytes)"
