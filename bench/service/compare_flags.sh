#!/usr/bin/env bash
# Compares one measurement of `wf serve` between two sets of wf_service_bench flags on ONE build,
# side by side: the same binary runs with flags A, then B, then A, ... so that the machine's
# drift falls on both alike (for what a switch or a load beside costs: `--serve-flags "--metrics
# off"`, `--notify-rate 200`). Prints the machine, each run's JSON line and, per side, the median
# of the field (default transitions_per_second) and the ratio A/B. A and B are each one word of
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

a=() b=()
for ((i = 1; i <= ROUNDS; i++)); do
  for side in A B; do
    if [ "$side" = A ]; then flags=("${a_flags[@]}"); else flags=("${b_flags[@]}"); fi
    line=$("$BENCH" "$@" "${flags[@]}" | grep '^{' | grep "\"$FIELD\"" | head -1)
    echo "$side $i (load $(cut -d' ' -f1 /proc/loadavg)): $line"
    value=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$line" "$FIELD")
    if [ "$side" = A ]; then a+=("$value"); else b+=("$value"); fi
  done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$FIELD" "${a[*]}" "${b[*]}" <<'PY'
import statistics, sys
field, a, b = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
ma, mb = statistics.median(a), statistics.median(b)
print(f"{field}: A median {ma:.1f} {sorted(a)}, B median {mb:.1f} {sorted(b)}, A/B = {ma / mb:.3f}")
PY
