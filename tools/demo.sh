#!/usr/bin/env bash
# `make run`: checks every sample, then shows the system at work on this machine — `wf serve`
# with its embedded SQLite store, one `wf agent`, a sample pushed, started, approved and followed
# to its end through the API with the client commands — and stops both cleanly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WF="${WF:-$ROOT/build/cli/wf}"
DATA="$ROOT/build/demo"

status=0
for f in "$ROOT"/samples/*.wf; do
  "$WF" check "$f" || status=1
done
if ((status != 0)); then
  echo "some samples do not check" >&2
  exit 1
fi

# A free port near 7878.
port=7878
while (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do port=$((port + 1)); done
export WF_SERVER="http://127.0.0.1:$port"

rm -rf "$DATA"
mkdir -p "$DATA"
serve_pid="" agent_pid=""
stop_all() {
  [[ -n "$agent_pid" ]] && kill -TERM "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null || true
  [[ -n "$serve_pid" ]] && kill -TERM "$serve_pid" 2>/dev/null && wait "$serve_pid" 2>/dev/null || true
}
trap stop_all EXIT

echo
echo "== wf serve --data $DATA/data --listen 127.0.0.1:$port"
"$WF" serve --data "$DATA/data" --listen "127.0.0.1:$port" 2>"$DATA/serve.log" &
serve_pid=$!
for _ in $(seq 100); do
  [[ -s "$DATA/data/admin.token" ]] && WF_TOKEN="$(cat "$DATA/data/admin.token")" WF_SERVER="$WF_SERVER" "$WF" ls >/dev/null 2>&1 && break
  sleep 0.1
done
export WF_TOKEN="$(cat "$DATA/data/admin.token")"

echo "== wf agent --hostname local"
"$WF" agent --server "$WF_SERVER" --enroll "$(cat "$DATA/data/enroll.secret")" --hostname local \
  --state "$DATA/agent" 2>"$DATA/agent.log" &
agent_pid=$!

echo "== wf push samples/health_report.wf"
"$WF" push "$ROOT/samples/health_report.wf"

# disk_limit=0 makes every host "full", so the workflow asks for an approval.
echo "== wf start health_report --hosts local --param disk_limit=0"
for _ in $(seq 100); do
  id="$("$WF" start health_report --hosts local --param disk_limit=0 2>/dev/null)" && break
  sleep 0.1  # until the agent has registered its host
done
echo "instance $id"

approval=""
for _ in $(seq 200); do
  approval="$("$WF" approvals --format json | python3 -c 'import json,sys; a=json.load(sys.stdin); print(a[0]["id"] if a else "")')"
  [[ -n "$approval" ]] && break
  sleep 0.1
done
echo "== wf approve $approval --note 'make run'"
"$WF" approve "$approval" --note "make run"

echo "== wf wait $id"
"$WF" wait "$id" --timeout 60s
echo "== wf show $id"
"$WF" show "$id"

stop_all
trap - EXIT
cat <<EOT

The service stopped cleanly. Where to look:
  $DATA/data/wf.db       the store (SQLite): definitions, instances, jobs, approvals, events
  $DATA/data/admin.token user admin's token (WF_TOKEN, or wf login, for the client commands)
  $DATA/serve.log        what wf serve said; $DATA/agent.log what the agent ran
Run it yourself: $WF serve --data $DATA/data, then WF_TOKEN=\$(cat $DATA/data/admin.token) $WF ls
EOT
