#!/usr/bin/env bash
# The client commands (SPEC §6) against a real `wf serve` and two real `wf agent`s (hosts web1
# and web2): push samples/health_report.wf (and a file that does not compile), start it on web1
# with a disk limit of 0 so it asks whether to open a ticket, approve that, and `wf wait` exits 0
# with the instance completed; a workflow whose `approve` statement raises `rejected` is rejected
# and `wf wait` exits 3; samples/uptime_report.wf runs on both hosts; then an approval timeout,
# a cancel while a job runs, pause and resume, a retry from the failed step and a deferred start,
# each through the client commands. Every wait is a bounded loop. The service and the agents are
# stopped on exit.
# Usage: client_e2e_test.sh WF_BINARY SOURCE_DIR. Exits 77 (skipped) when `wf serve` is not a
# command of WF_BINARY yet, or when python3 (which reads the JSON answers here) is missing.
set -uo pipefail

WF="$1"
ROOT="$2"
# CLI11 answers --help after an unknown word with the top-level help and exit 0, so the help must
# also be serve's own.
"$WF" serve --help 2>/dev/null | grep -q -- '--listen' || { echo "wf serve is not available: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed: skipped"; exit 77; }

TMP="$(mktemp -d)"
SERVER_PID=""
AGENT_PID=""
AGENT2_PID=""

# stop PID: SIGTERM, then SIGKILL if it is still there after 10 s.
stop() {
  local pid="$1" i
  [[ -n "$pid" ]] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}
cleanup() {
  stop "$AGENT_PID"
  stop "$AGENT2_PID"
  stop "$SERVER_PID"
  rm -rf "$TMP"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*"
  echo "---- wf serve ----"
  tail -n 40 "$TMP/serve.log" 2>/dev/null
  echo "---- wf agent ----"
  tail -n 40 "$TMP/agent.log" 2>/dev/null
  exit 1
}

# json_get EXPRESSION: evaluates a Python expression over the JSON on stdin (bound to `d`).
json_get() { python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }

# Starts the service on a free port (another process may take a port between the check and the
# bind, so a service that dies at start is tried again on another one).
start_server() {
  local attempt i
  for ((attempt = 0; attempt < 5; attempt++)); do
    PORT=$((20000 + RANDOM % 30000))
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && continue  # something answers there
    "$WF" serve --data "$TMP/data" --listen "127.0.0.1:$PORT" >"$TMP/serve.log" 2>&1 &
    SERVER_PID=$!
    for ((i = 0; i < 150; i++)); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      if [[ -s "$TMP/data/admin.token" ]] &&
        "$WF" ls --server "http://127.0.0.1:$PORT" --token "$(cat "$TMP/data/admin.token")" >/dev/null 2>&1; then
        return 0
      fi
      sleep 0.1
    done
    stop "$SERVER_PID"
    SERVER_PID=""
  done
  fail "wf serve did not start"
}

start_server
export WF_SERVER="http://127.0.0.1:$PORT"
export WF_TOKEN="$(cat "$TMP/data/admin.token")"
[[ -s "$TMP/data/enroll.secret" ]] || fail "wf serve wrote no enroll.secret"

"$WF" agent --server "$WF_SERVER" --enroll "$(cat "$TMP/data/enroll.secret")" --hostname web1 \
  --state "$TMP/agent1" >"$TMP/agent.log" 2>&1 &
AGENT_PID=$!
for ((i = 0; i < 150; i++)); do
  [[ -s "$TMP/agent1/agent.json" ]] && break
  kill -0 "$AGENT_PID" 2>/dev/null || fail "wf agent exited"
  sleep 0.1
done
[[ -s "$TMP/agent1/agent.json" ]] || fail "wf agent did not register in 15 s"
"$WF" agent --server "$WF_SERVER" --enroll "$(cat "$TMP/data/enroll.secret")" --hostname web2 \
  --state "$TMP/agent2" >"$TMP/agent2.log" 2>&1 &
AGENT2_PID=$!
for ((i = 0; i < 150; i++)); do
  [[ -s "$TMP/agent2/agent.json" ]] && break
  kill -0 "$AGENT2_PID" 2>/dev/null || fail "the second wf agent exited"
  sleep 0.1
done
[[ -s "$TMP/agent2/agent.json" ]] || fail "the second wf agent did not register in 15 s"

# A bad token is an HTTP error: exit 2 and the service's message.
"$WF" ls --token wrong >/dev/null 2>"$TMP/err"
rc=$?
[[ $rc -eq 2 ]] || fail "wf ls with a wrong token exited $rc, not 2"
grep -q '^wf: ' "$TMP/err" || fail "wf ls with a wrong token said: $(cat "$TMP/err")"

# push: one line per workflow; a file that does not compile gives its diagnostics and exit 1.
out="$("$WF" push "$ROOT/samples/health_report.wf")" || fail "wf push exited $?: $out"
[[ "$out" =~ ^health_report\ version\ [0-9]+$ ]] || fail "wf push printed: $out"
printf '%s\n' 'workflow broken() { let _x: int = "s" }' >"$TMP/broken.wf"
"$WF" push "$TMP/broken.wf" >/dev/null 2>"$TMP/err"
rc=$?
[[ $rc -eq 1 ]] || fail "wf push of a file with an error exited $rc, not 1: $(cat "$TMP/err")"
grep -Eq 'broken\.wf:1:[0-9]+: error\[E0200\]: ' "$TMP/err" || fail "wf push printed: $(cat "$TMP/err")"

# wait_for_approval INSTANCE: the id of the instance's pending approval, at most 60 s from now.
wait_for_approval() {
  local instance="$1" i id
  for ((i = 0; i < 600; i++)); do
    id="$("$WF" approvals --format json |
      json_get "next((str(a['id']) for a in d if a.get('instance_id') == $instance and a.get('status') == 'pending'), '')")"
    [[ -n "$id" ]] && { echo "$id"; return 0; }
    sleep 0.1
  done
  return 1
}

# Run 1: approved. Every host is over a 0% disk limit, so the workflow asks whether to open a ticket.
ID="$("$WF" start health_report --hosts web1 --param disk_limit=0)" || fail "wf start exited $?"
[[ "$ID" =~ ^[0-9]+$ ]] || fail "wf start printed \"$ID\", not an instance id"
APPROVAL="$(wait_for_approval "$ID")" || fail "no pending approval for instance $ID in 60 s: $("$WF" show "$ID")"
"$WF" approvals | grep -Eq "^$APPROVAL +$ID +pending " || fail "wf approvals shows: $("$WF" approvals)"
out="$("$WF" approve "$APPROVAL" --note "from the end-to-end test")" || fail "wf approve exited $?"
[[ "$out" == "approval $APPROVAL: approved" ]] || fail "wf approve printed: $out"
out="$("$WF" wait "$ID" --timeout 120s)"
rc=$?
[[ $rc -eq 0 ]] || fail "wf wait for the approved instance exited $rc: $("$WF" show "$ID")"
[[ "$(printf '%s' "$out" | json_get "d['ticket'], d['checked'], d['over_limit']")" == "(True, 1, ['web1'])" ]] ||
  fail "wf wait printed: $out"
detail="$("$WF" show "$ID" --format json)" || fail "wf show exited $?"
[[ "$(printf '%s' "$detail" | json_get "d['status']")" == completed ]] || fail "wf show: $detail"
printf '%s' "$detail" | json_get "[k for k in ('id', 'workflow', 'status', 'pause_reason', 'result', 'error_message', 'steps', 'variables') if k not in d]" |
  grep -qx '\[\]' || fail "wf show --format json lacks fields: $detail"
"$WF" show "$ID" | grep -q '^status  *completed$' || fail "wf show: $("$WF" show "$ID")"
"$WF" ls --workflow health_report | grep -Eq "^$ID +health_report +completed " || fail "wf ls: $("$WF" ls)"
[[ -n "$("$WF" logs "$ID")" ]] || fail "wf logs printed nothing"
"$WF" wait "$ID" --timeout 5s >/dev/null || fail "wf wait for an instance that has ended exited $?"

# Run 2: rejected. The statement form of `approve` raises `rejected`, which `wf wait` reports as 3.
cat >"$TMP/gate.wf" <<'EOF'
// Only asks for an approval; the statement form raises `rejected` when it is rejected.
@trigger(manual)
workflow e2e_gate() -> string {
  approve "Let the end-to-end gate pass?"
  return "passed"
}
EOF
out="$("$WF" push "$TMP/gate.wf")" || fail "wf push of the gate exited $?: $out"
ID="$("$WF" start e2e_gate)" || fail "wf start e2e_gate exited $?"
APPROVAL="$(wait_for_approval "$ID")" || fail "no pending approval for instance $ID in 60 s"
"$WF" approve "$APPROVAL" --reject --note "not today" >/dev/null || fail "wf approve --reject exited $?"
"$WF" wait "$ID" --timeout 60s >/dev/null 2>"$TMP/err"
rc=$?
[[ $rc -eq 3 ]] || fail "wf wait for the rejected instance exited $rc, not 3: $(cat "$TMP/err")"
grep -q 'rejected' "$TMP/err" || fail "wf wait said: $(cat "$TMP/err")"
out="$("$WF" approve "$APPROVAL" 2>&1)"
rc=$?
[[ $rc -eq 2 ]] || fail "answering a decided approval exited $rc, not 2: $out"

# The uptime sample on both hosts: one job per host, on each host's own agent.
"$WF" push "$ROOT/samples/uptime_report.wf" >/dev/null || fail "wf push uptime_report exited $?"
ID="$("$WF" start uptime_report --hosts web1,web2 --param max_days=0)" || fail "wf start uptime_report exited $?"
"$WF" wait "$ID" --timeout 60s >/dev/null || fail "uptime_report did not complete: $("$WF" show "$ID")"
grep -q 'cat /proc/uptime' "$TMP/agent.log" && grep -q 'cat /proc/uptime' "$TMP/agent2.log" ||
  fail "a job did not run on each host"

cat >"$TMP/ops.wf" <<'EOF'
// Workflows for the operator's commands.
workflow timed_gate() -> string {
  approve "Nobody will answer this" timeout 1s
  return "passed"
}
workflow long_job(targets: hosts) {
  run command "sleep 30" on targets timeout 60s
}
workflow naps() -> int {
  var n = 0
  for i in range(4) {
    sleep 400ms
    n = n + 1
  }
  return n
}
workflow guarded(targets: hosts, flag: string) -> string {
  step "Check" {
    run command "test -f {{flag}}" on targets
  }
  return "ok"
}
workflow later() -> string {
  return "ran"
}
EOF
"$WF" push "$TMP/ops.wf" >/dev/null || fail "wf push ops.wf exited $?"

# An approval nobody answers times out: the statement form raises `rejected` (exit 3).
ID="$("$WF" start timed_gate)" || fail "wf start timed_gate exited $?"
"$WF" wait "$ID" --timeout 60s >/dev/null 2>&1
rc=$?
[[ $rc -eq 3 ]] || fail "wf wait for the timed-out approval exited $rc, not 3: $("$WF" show "$ID")"
[[ "$("$WF" approvals --status expired --format json | json_get "[a['instance_id'] for a in d]")" == *"$ID"* ]] ||
  fail "the approval of instance $ID is not listed as expired"

# Cancel while a job runs: the instance ends at once as cancelled (exit 3).
ID="$("$WF" start long_job --hosts web2)" || fail "wf start long_job exited $?"
for ((i = 0; i < 300; i++)); do
  grep -q "sleep 30" "$TMP/agent2.log" && break
  sleep 0.1
done
grep -q "sleep 30" "$TMP/agent2.log" || fail "the long job did not start"
"$WF" cancel "$ID" >/dev/null || fail "wf cancel exited $?"
"$WF" wait "$ID" --timeout 10s >/dev/null 2>&1
rc=$?
[[ $rc -eq 3 ]] || fail "wf wait for the cancelled instance exited $rc, not 3"
[[ "$("$WF" show "$ID" --format json | json_get "d['status']")" == cancelled ]] || fail "not cancelled: $("$WF" show "$ID")"

# Pause holds the instance; resume lets it finish.
ID="$("$WF" start naps)" || fail "wf start naps exited $?"
"$WF" pause "$ID" >/dev/null || fail "wf pause exited $?"
[[ "$("$WF" show "$ID" --format json | json_get "d['status'], d['pause_reason']")" == "('paused', 'operator')" ]] ||
  fail "not paused by the operator: $("$WF" show "$ID")"
sleep 2
[[ "$("$WF" show "$ID" --format json | json_get "d['status']")" == paused ]] || fail "went on while paused"
"$WF" resume "$ID" >/dev/null || fail "wf resume exited $?"
out="$("$WF" wait "$ID" --timeout 30s)" || fail "wf wait after resume exited $?"
[[ "$out" == 4 ]] || fail "naps returned $out"

# Retry from the failed step: it fails while the flag file is missing, then passes.
ID="$("$WF" start guarded --hosts web1 --param flag="$TMP/flag")" || fail "wf start guarded exited $?"
"$WF" wait "$ID" --timeout 30s >/dev/null 2>&1
rc=$?
[[ $rc -eq 1 ]] || fail "wf wait for the failing instance exited $rc, not 1"
touch "$TMP/flag"
"$WF" retry "$ID" >/dev/null || fail "wf retry exited $?"
out="$("$WF" wait "$ID" --timeout 30s)" || fail "wf wait after retry exited $?: $("$WF" show "$ID")"
[[ "$out" == '"ok"' ]] || fail "guarded returned $out"

# A deferred start waits queued until its time.
ID="$("$WF" start later --at +2s)" || fail "wf start --at exited $?"
[[ "$("$WF" show "$ID" --format json | json_get "d['status']")" == queued ]] || fail "not queued: $("$WF" show "$ID")"
out="$("$WF" wait "$ID" --timeout 30s)" || fail "wf wait for the deferred instance exited $?"
[[ "$out" == '"ran"' ]] || fail "later returned $out"

echo "PASS"
