#!/usr/bin/env bash
# Times `wf check` on a generated 10,000-line module with hyperfine and prints a docs row.
#
# Environment: WF_BIN (default build/cli/wf), WF_BENCH_LINES (10000), WF_BENCH_RUNS (20),
# WF_BENCH_OUT (bench/results): where the hyperfine JSON and the machine description are kept.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
WF_BIN="${WF_BIN:-$ROOT/build/cli/wf}"
LINES="${WF_BENCH_LINES:-10000}"
RUNS="${WF_BENCH_RUNS:-20}"
OUT_DIR="${WF_BENCH_OUT:-$ROOT/bench/results}"

if [[ ! -x "$WF_BIN" ]]; then
  echo "bench: $WF_BIN is missing; build first (make bench does)" >&2
  exit 2
fi
for tool in hyperfine python3; do
  if ! command -v "$tool" >/dev/null; then
    echo "bench: $tool is not installed (tools/setup.sh installs it)" >&2
    exit 2
  fi
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
MODULE="$WORK/bench_module.wf"
python3 "$ROOT/bench/check/gen_module.py" "$LINES" -o "$MODULE"
line_count="$(wc -l < "$MODULE" | tr -d ' ')"

# The module must check clean: timing a run that stops at the first error measures nothing.
if ! "$WF_BIN" check "$MODULE" > "$WORK/check.out" 2>&1; then
  echo "bench: wf check reported errors on the generated module:" >&2
  head -n 40 "$WORK/check.out" >&2
  exit 1
fi
if grep -q 'warning\[' "$WORK/check.out"; then
  echo "bench: note: wf check reported warnings on the generated module:" >&2
  grep -m 10 'warning\[' "$WORK/check.out" >&2
fi

# The machine, recorded next to the numbers so that results from different machines are not
# compared by mistake.
cpus="$(nproc)"
cpu_model="$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)"
cpu_model="${cpu_model:-unknown CPU}"
mem_kib="$(sed -n 's/^MemTotal:[[:space:]]*\([0-9]*\).*/\1/p' /proc/meminfo)"
mem_gib="$(awk -v k="${mem_kib:-0}" 'BEGIN { printf "%.1f", k / 1048576 }')"
machine="${cpus} × ${cpu_model}, ${mem_gib} GiB"

mkdir -p "$OUT_DIR"
JSON="$OUT_DIR/check.json"
printf '%s\n' "$machine" > "$OUT_DIR/machine.txt"

# --shell=none: each run is a new `wf check` process, with no shell start-up in the figure.
hyperfine --warmup 3 --runs "$RUNS" --shell=none --export-json "$JSON" \
  --command-name "wf check (${line_count} lines)" "$WF_BIN check $MODULE"

python3 - "$JSON" "$line_count" "$machine" <<'PY'
import datetime
import json
import sys

path, lines, machine = sys.argv[1], int(sys.argv[2]), sys.argv[3]
result = json.load(open(path))["results"][0]
ms = {key: result[key] * 1000 for key in ("mean", "stddev", "median", "min", "max")}
rate = lines / result["mean"] / 1000 if result["mean"] > 0 else 0.0
print()
print(f"lines:  {lines}")
print(f"mean:   {ms['mean']:.1f} ms ± {ms['stddev']:.1f} ms")
print(f"median: {ms['median']:.1f} ms")
print(f"min:    {ms['min']:.1f} ms")
print(f"rate:   {rate:.0f}k lines/s")
print(f"machine: {machine}")
print()
print("Row for docs/performance.md:")
print("| date | benchmark | lines | mean (ms) | median (ms) | min (ms) | machine |")
print("|---|---|---|---|---|---|---|")
today = datetime.date.today().isoformat()
print(f"| {today} | `wf check` | {lines} | {ms['mean']:.1f} ± {ms['stddev']:.1f} | "
      f"{ms['median']:.1f} | {ms['min']:.1f} | {machine} |")
PY
