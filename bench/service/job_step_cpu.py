#!/usr/bin/env python3
"""Job-step time and CPU per step: starts `wf serve` and one `wf agent` (the wf binary given as the
first argument) on a new data directory under $TMPDIR, runs a 40-step `run command "true"` chain N
times (the second argument, default 5) after a warm-up instance, and prints the CPU time per step
of the agent, of the jobs' processes (the agent's reaped children) and of the service, from
/proc/PID/stat, and each instance's started_at-to-ended_at divided by 40 with their median.
CPU time is what the load of other work on the machine disturbs least; run two builds alternating
to compare them (docs/performance.md). STRACE_AGENT / STRACE_SERVER name a file to run that process
under `strace -f -tt -T` into. Standard library only."""
import json, os, shutil, subprocess, sys, time, urllib.request, tempfile, socket, statistics
WF = sys.argv[1]; N = int(sys.argv[2]) if len(sys.argv) > 2 else 5
STRACE = os.environ.get("STRACE_AGENT")  # path for strace output of the agent
SSTRACE = os.environ.get("STRACE_SERVER")
work = tempfile.mkdtemp(prefix="wf-job-step-")
s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close()
url = f"http://127.0.0.1:{port}"
pre = ["strace", "-f", "-tt", "-T", "-o", SSTRACE] if SSTRACE else []
srv = subprocess.Popen(pre + [WF, "serve", "--data", work + "/data", "--listen", f"127.0.0.1:{port}"], stdout=open(work + "/serve.log", "w"), stderr=subprocess.STDOUT)
def call(m, p, b=None):
    req = urllib.request.Request(url + "/api/v1" + p, data=json.dumps(b).encode() if b is not None else None, method=m)
    req.add_header("Authorization", "Bearer " + tok); req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=30) as r: return json.loads(r.read() or b"null")
for _ in range(200):
    try:
        urllib.request.urlopen(url + "/api/v1/health", timeout=1); break
    except OSError: time.sleep(0.05)
tok = open(work + "/data/admin.token").read().strip(); sec = open(work + "/data/enroll.secret").read().strip()
apre = ["strace", "-f", "-tt", "-T", "-o", STRACE] if STRACE else []
ag = subprocess.Popen(apre + [WF, "agent", "--server", url, "--enroll", sec, "--hostname", "b1", "--state", work + "/agent"], stdout=open(work + "/agent.log", "w"), stderr=subprocess.STDOUT)
while not any(a["hostname"] == "b1" for a in call("GET", "/agents")["items"]): time.sleep(0.05)
src = "workflow jobs_chain(targets: hosts) -> int {\n" + "".join(f'  step "s{i}" {{ run command "true" on targets }}\n' for i in range(1, 41)) + "  return 40\n}\n"
d = call("POST", "/definitions", {"source": src, "file": "c.wf"})["definitions"][0]["id"]
from datetime import datetime
def ms(t): return datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 1000
def cpu(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    t = os.sysconf("SC_CLK_TCK")
    return (int(f[11]) + int(f[12])) * 1000 / t, (int(f[13]) + int(f[14])) * 1000 / t
res = []
for k in range(N + 1):
    if k == 1: a0, s0 = cpu(ag.pid), cpu(srv.pid)
    i = call("POST", f"/definitions/{d}/run", {"hosts": ["b1"]})["id"]
    while True:
        x = call("GET", f"/instances/{i}")
        if x["status"] in ("completed", "failed"): break
        time.sleep(0.01)
    if k: res.append((ms(x["ended_at"]) - ms(x["started_at"])) / 40)
a1, s1 = cpu(ag.pid), cpu(srv.pid)
steps = N * 40
print(f"cpu ms/step agent {(a1[0]-a0[0])/steps:.2f} (+children {(a1[1]-a0[1])/steps:.2f}) server {(s1[0]-s0[0])/steps:.2f};", end=" ")
print("per step ms:", " ".join(f"{r:.2f}" for r in res), "median", f"{statistics.median(res):.2f}")
# Where a step's time goes, from the jobs' own timestamps (the service's clock, millisecond
# precision, averaged over every measured job): queued→started (hand-out, the agent's start
# exchange and its commit), started→ended (the process, its report and the service's commit),
# ended→next queued (the engine's step to the next `run`), and the process alone (the agent's
# duration_ms).
jobs, after = [], None
while True:
    page = call("GET", "/jobs?limit=200" + (f"&after={after}" if after else ""))
    jobs += page["items"]; after = page.get("next")
    if not after: break
jobs = sorted((j for j in jobs if j["instance_id"] > 1), key=lambda j: j["id"])
gaps = [ms(b["scheduled_at"]) - ms(a["ended_at"]) for a, b in zip(jobs, jobs[1:]) if a["instance_id"] == b["instance_id"]]
mean = lambda xs: sum(xs) / len(xs) if xs else float("nan")
print(f"phases ms (mean of {len(jobs)} jobs): queued->started {mean([ms(j['started_at']) - ms(j['scheduled_at']) for j in jobs]):.2f}",
      f"started->ended {mean([ms(j['ended_at']) - ms(j['started_at']) for j in jobs]):.2f}",
      f"(process {mean([j['duration_ms'] for j in jobs]):.2f})", f"ended->next queued {mean(gaps):.2f}")
ag.terminate(); ag.wait(); srv.terminate(); srv.wait()
shutil.rmtree(work, ignore_errors=True)
