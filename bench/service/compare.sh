#!/usr/bin/env bash
# Compares one measurement of `wf serve` between two builds side by side: this build's
# wf_service_bench and another build's (an earlier commit built in its own directory), run in
# turns — A, B, A, B, ... — so that the machine's drift falls on both alike. Prints each run's JSON
# line and, per build, the median of `requests_per_second` (or of the field given) and the ratio.
#
#   bench/service/compare.sh OTHER_BUILD_DIR [ROUNDS] [FIELD] -- wf_service_bench arguments
#   bench/service/compare.sh /work/prev/build 5 requests_per_second -- --only http --wrk-seconds 10
set -euo pipefail
cd "$(dirname "$0")/../.."
OTHER=${1:?the other build directory}
ROUNDS=${2:-5}
FIELD=${3:-requests_per_second}
shift $(( $# >= 3 ? 3 : $# ))
[ "${1:-}" = "--" ] && shift
THIS_BENCH="${WF_BUILD_DIR:-build}/bench/service/wf_service_bench"
OTHER_BENCH="$OTHER/bench/service/wf_service_bench"
for b in "$THIS_BENCH" "$OTHER_BENCH"; do [ -x "$b" ] || { echo "compare: $b is missing"; exit 2; }; done
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"

this=() other=()
for ((i = 1; i <= ROUNDS; i++)); do
  for side in this other; do
    bench=$THIS_BENCH; [ "$side" = other ] && bench=$OTHER_BENCH
    line=$("$bench" "$@" | grep '^{' | grep "\"$FIELD\"" | head -1)
    echo "$side $i: $line"
    value=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$line" "$FIELD")
    if [ "$side" = this ]; then this+=("$value"); else other+=("$value"); fi
  done
done
python3 - "$FIELD" "${this[*]}" "${other[*]}" <<'PY'
import statistics, sys
field, a, b = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
ma, mb = statistics.median(a), statistics.median(b)
print(f"{field}: this build median {ma:.1f} {sorted(a)}, other build median {mb:.1f} {sorted(b)}, this/other = {ma / mb:.3f}")
PY
