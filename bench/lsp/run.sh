#!/usr/bin/env bash
# Measures `wf lsp` latencies on a generated 2,000-line module (driver.js) and prints a Markdown table.
#
# Environment: WF_BIN (default build/cli/wf), WF_BENCH_LINES (2000), WF_BENCH_SAMPLES (50),
# WF_BENCH_OUT (bench/results): where the raw samples (lsp.json) and the machine are kept.
# The driver's npm dependencies are installed into a temporary directory on each run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WF_BIN="${WF_BIN:-$ROOT/build/cli/wf}"
LINES="${WF_BENCH_LINES:-2000}"
SAMPLES="${WF_BENCH_SAMPLES:-50}"
OUT_DIR="${WF_BENCH_OUT:-$ROOT/bench/results}"

if [[ ! -x "$WF_BIN" ]]; then
  echo "bench: $WF_BIN is missing; build first" >&2
  exit 2
fi
for tool in node npm python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench: $tool is not installed" >&2
    exit 2
  fi
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cp "$ROOT/bench/lsp/package.json" "$ROOT/bench/lsp/driver.js" "$WORK/"
(cd "$WORK" && npm_config_cache="$WORK/npm-cache" npm_config_update_notifier=false \
  npm install --no-audit --no-fund --loglevel=error >/dev/null)
MODULE="$WORK/module/bench_module.wf"
mkdir -p "$WORK/module"
python3 "$ROOT/bench/check/gen_module.py" "$LINES" -o "$MODULE"
if ! "$WF_BIN" check "$MODULE" > "$WORK/check.out" 2>&1; then
  echo "bench: wf check reported errors on the generated module:" >&2
  head -n 40 "$WORK/check.out" >&2
  exit 1
fi

cpus="$(nproc)"
cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
cpu_model="${cpu_model:-unknown CPU}"
mem_kib="$(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\).*/\1/p' /proc/meminfo)"
mem_gib="$(awk -v k="${mem_kib:-0}" 'BEGIN { printf "%.1f", k / 1048576 }')"
machine="${cpus} × ${cpu_model}, ${mem_gib} GiB"

mkdir -p "$OUT_DIR"
JSON="$OUT_DIR/lsp.json"
node "$WORK/driver.js" "$WF_BIN" "$MODULE" "$SAMPLES" > "$JSON"

python3 - "$JSON" "$machine" <<'PY'
import datetime
import json
import math
import sys

path, machine = sys.argv[1], sys.argv[2]
r = json.load(open(path))

def pct(values, p):
    # Nearest rank: the smallest sample with at least p% of the samples at or below it.
    v = sorted(values)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)]

rows = [
    ("open to first diagnostics", "open", "p95", 300),
    ("diagnostics after an edit", "edit", "p95", 20),
    ("completion", "completion", "p95", 10),
    ("hover", "hover", "p95", 10),
]
print(f"`wf lsp` on a generated {r['lines']}-line module, {len(r['hover'])} samples each, "
      f"{datetime.date.today().isoformat()}, {machine}")
print()
print("| measure | median (ms) | p95 (ms) | max (ms) | target p95 (ms) | met |")
print("|---|---|---|---|---|---|")
for label, key, _, target in rows:
    v = r[key]
    p95 = pct(v, 95)
    print(f"| {label} | {pct(v, 50):.1f} | {p95:.1f} | {max(v):.1f} | ≤ {target} | "
          f"{'yes' if p95 <= target else 'no'} |")
PY
