#!/usr/bin/env bash
# Compares one measurement of `wf serve` between two sets of wf_service_bench flags on ONE build,
# side by side: the same binary runs with flags A, then B, then A, ... so that the machine's
# drift falls on both alike (for what a switch or a load beside costs: `--serve-flags "--metrics
# off"`, `--notify-rate 200`). Prints the machine, each run's JSON line and, per side, the median
# of the field (default transitions_per_second) and the ratio A/B, and the same for the server's
# CPU per transition when the lines carry it. A and B are each one word of
# the command line, split as the shell would split them (quotes inside are kept).
#
#   bench/service/compare_flags.sh ROUNDS FIELD "A flags" "B flags" -- common wf_service_bench arguments
#   bench/service/compare_flags.sh 5 transitions_per_second "" "--serve-flags '--metrics off'" -- --only throughput
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${1:?rounds}
FIELD=${2:-transitions_per_second}
A=${3-}
B=${4-}
shift $(( $# >= 4 ? 4 : $# ))
[ "${1:-}" = "--" ] && shift
BENCH="${WF_BUILD_DIR:-build}/bench/service/wf_service_bench"
[ -x "$BENCH" ] || { echo "compare_flags: $BENCH is missing"; exit 2; }
eval "a_flags=($A)"
eval "b_flags=($B)"
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "A: ${A:-(no flags)}"
echo "B: ${B:-(no flags)}"

lines_a=() lines_b=()
for ((i = 1; i <= ROUNDS; i++)); do
  for side in A B; do
    if [ "$side" = A ]; then flags=("${a_flags[@]}"); else flags=("${b_flags[@]}"); fi
    line=$("$BENCH" "$@" "${flags[@]}" | grep '^{' | grep "\"$FIELD\"" | head -1)
    echo "$side $i (load $(cut -d' ' -f1 /proc/loadavg)): $line"
    if [ "$side" = A ]; then lines_a+=("$line"); else lines_b+=("$line"); fi
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
# The field, then the server's CPU per transition where the lines have it: on a busy machine the
# CPU a transition costs moves much less than the rate does.
python3 - "$FIELD" "$(printf '%s\n' "${lines_a[@]}")" "$(printf '%s\n' "${lines_b[@]}")" <<'PY'
import json, statistics, sys
field, a, b = sys.argv[1], [json.loads(l) for l in sys.argv[2].splitlines()], [json.loads(l) for l in sys.argv[3].splitlines()]
for name in [field, "loop_cpu_us_per_transition", "server_cpu_us_per_transition"]:
    xa, xb = [float(d[name]) for d in a if name in d], [float(d[name]) for d in b if name in d]
    if len(xa) != len(a) or len(xb) != len(b): continue
    ma, mb = statistics.median(xa), statistics.median(xb)
    print(f"{name}: A median {ma:.1f} {sorted(round(x, 1) for x in xa)}, B median {mb:.1f} {sorted(round(x, 1) for x in xb)}, A/B = {ma / mb:.3f}")
PY
