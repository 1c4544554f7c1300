#!/usr/bin/env bash
# VM benchmarks (SPEC issue targets): fib(30), a 10^7-iteration arithmetic loop, string building
# and list building, each as a .wf workflow run by `wf run`, in Lua 5.4 and in python3 — whole
# processes, start-up and compilation included, side by side in one hyperfine run. Prints a
# Markdown table with wf's ratio to each peer, for docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
WF=${WF_BIN:-build/cli/wf}
RUNS=${WF_BENCH_RUNS:-10}
OUT=${WF_BENCH_OUT:-bench/results}
mkdir -p "$OUT"
for tool in hyperfine lua5.4 python3; do
  command -v "$tool" > /dev/null || { echo "bench/vm: $tool is missing (tools/setup.sh installs it)"; exit 2; }
done

P=bench/vm/programs
rows=()
for b in fib loop strings lists; do
  # The three must agree before their times mean anything.
  w=$("$WF" run "$P/$b.wf" 2>/dev/null); l=$(lua5.4 "$P/$b.lua"); p=$(python3 "$P/$b.py")
  if [ "$w" != "$l" ] || [ "$w" != "$p" ]; then
    echo "bench/vm: $b disagrees: wf=$w lua=$l python=$p"; exit 1
  fi
  hyperfine -N --warmup 2 --runs "$RUNS" --export-json "$OUT/vm-$b.json" \
    -n wf "$WF run $P/$b.wf" -n lua "lua5.4 $P/$b.lua" -n python "python3 $P/$b.py" > /dev/null
  rows+=("$(python3 - "$OUT/vm-$b.json" "$b" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ms = lambda n: r[n]["mean"] * 1000
w, l, p = ms("wf"), ms("lua"), ms("python")
print(f"| {sys.argv[2]} | {w:.1f} | {l:.1f} | {p:.1f} | {w/l:.2f} | {w/p:.2f} |")
PY
)")
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/Mem:/{print $2}') GiB"
echo "| benchmark | wf (ms) | Lua 5.4 (ms) | python3 (ms) | wf / Lua (≤ 1.0) | wf / python3 (≤ 0.66) |"
echo "|---|---|---|---|---|---|"
printf '%s\n' "${rows[@]}"
if [ -x "$(dirname "$WF")/../bench/vm/continuation_bench" ]; then "$(dirname "$WF")/../bench/vm/continuation_bench"; fi
