#!/usr/bin/env bash
# `wf serve` benchmarks (docs/performance.md, "`wf serve`"): step overhead through one agent and
# for durable steps, throughput of 1,000 instances beside the store's single-commit bound, 10,000
# instances parked at an approval (memory, then approving them all), and GET of an instance under
# wrk. wf_service_bench starts `wf serve`, `wf agent` and wf_store_commit_bench itself, each run on
# a new data directory under $TMPDIR (whose disk is what the commits measure). Builds nothing:
# `make setup` (or building wf_service_bench) comes first. Arguments go to wf_service_bench
# (--help lists them); WF_BENCH_RUNS repeats the whole set. Prints the machine, one JSON line per
# measurement and a Markdown table per run; raw lines go to $WF_BENCH_OUT (bench/results).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${WF_BUILD_DIR:-build}
OUT=${WF_BENCH_OUT:-bench/results}
BENCH="$BUILD/bench/service/wf_service_bench"
[ -x "$BENCH" ] || { echo "bench/service: $BENCH is missing (make setup builds it)"; exit 2; }
command -v wrk > /dev/null || echo "bench/service: wrk is missing, the HTTP measurement is skipped (tools/setup.sh installs it)"
mkdir -p "$OUT"

# The machine, for the table in docs/performance.md: CPU, memory, the disk under the data
# directories, and how busy the machine was (other work on the two cores shows in every figure).
tmp=${TMPDIR:-/tmp}
disk=$(df --output=source "$tmp" | tail -1)
dev=$(basename "$(readlink -f "$disk")")
rotational=$(cat "/sys/block/${dev%%[0-9]*}/queue/rotational" 2>/dev/null || echo "?")
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(free -g | awk '/Mem:/{print $2}') GiB," \
  "data under $tmp on $disk ($(df --output=fstype "$tmp" | tail -1), rotational=$rotational)," \
  "load average $(cut -d' ' -f1-3 /proc/loadavg)"

# The disk's commit latency swings with other work, so a few runs say more than one.
RUNS=${WF_BENCH_RUNS:-1}
for ((run = 1; run <= RUNS; run++)); do
  [ "$RUNS" -gt 1 ] && echo "== run $run of $RUNS"
  "$BENCH" "$@" | tee "$OUT/service-$run.txt"
  grep '^{' "$OUT/service-$run.txt" > "$OUT/service-$run.json" || true
done
