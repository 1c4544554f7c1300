#!/usr/bin/env python3
"""Notification delivery benchmark (docs/performance.md, "Notification delivery").

Starts `wf serve` on a fresh data directory and the tests' scripted receiver
(tests/runtime/service/notification_receiver.py, answering 200 at once), configures a webhook
channel, and starts instances that each `notify` N times; measures how fast the 10,000
notifications are delivered, from the first one's creation to the last one's delivery, as the
service records them. Builds nothing: `wf` comes from $WF_BUILD_DIR (default build).

  bench/notify/run.py [--notifications 10000] [--per-instance 100]
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WF = os.path.join(os.environ.get("WF_BUILD_DIR", os.path.join(ROOT, "build")), "cli", "wf")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(base, token, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + token)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        text = r.read()
        return json.loads(text) if text else None


def wait(predicate, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def thread_cpu_seconds(pid):
    """CPU seconds of the process's main (event loop) thread and of all its threads together."""
    tick = os.sysconf("SC_CLK_TCK")
    loop = total = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            fields = open(f"/proc/{pid}/task/{tid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # a thread that ended meanwhile
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
        total += seconds
        if int(tid) == pid:
            loop = seconds
    return loop, total


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--notifications", type=int, default=10000)
    p.add_argument("--per-instance", type=int, default=100)
    a = p.parse_args()
    work = tempfile.mkdtemp(prefix="wf-notify-bench-")
    procs = []
    try:
        port_file = os.path.join(work, "receiver.port")
        procs.append(subprocess.Popen([sys.executable, os.path.join(ROOT, "tests/runtime/service/notification_receiver.py"), port_file],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait(lambda: os.path.exists(port_file), 20)
        receiver = "http://127.0.0.1:" + open(port_file).read().strip()
        port = free_port()
        base = f"http://127.0.0.1:{port}/api/v1"
        log = open(os.path.join(work, "serve.log"), "w")
        procs.append(subprocess.Popen([WF, "serve", "--data", os.path.join(work, "data"), "--listen", f"127.0.0.1:{port}"],
                                      stdout=log, stderr=log))
        def ready():
            try:
                urllib.request.urlopen(base + "/ready", timeout=1)
                return True
            except Exception:
                return False
        if not wait(ready, 60):
            sys.exit("wf serve did not start")
        token = open(os.path.join(work, "data", "admin.token")).read().split()[0]
        call(base, token, "POST", "/notification-channels", {"kind": "webhook", "name": "bench", "config": {"url": receiver + "/bench"}})
        items = ", ".join(str(k) for k in range(a.per_instance))
        source = f'workflow notify_bench() {{\n  for k in [{items}] {{\n    notify "note {{{{k}}}}" to webhook("bench")\n  }}\n}}\n'
        call(base, token, "POST", "/definitions", {"source": source, "file": "bench.wf"})
        instances = a.notifications // a.per_instance
        serve = procs[-1].pid
        cpu_before = thread_cpu_seconds(serve)
        began = time.time()
        for _ in range(instances):
            call(base, token, "POST", "/definitions/notify_bench/run", {})
        total = instances * a.per_instance

        def count(status):
            return call(base, token, "GET", f"/notifications?status={status}&limit=1&count=true")["total"]
        wait(lambda: count("delivered") >= total, 600)
        ended = time.time()
        cpu_after = thread_cpu_seconds(serve)
        delivered = count("delivered")
        # What each notification cost the service, from its `notify` to its recorded delivery
        # (the bench's own polling requests are a few dozen among them).
        per = lambda i: round((cpu_after[i] - cpu_before[i]) * 1e6 / max(delivered, 1), 1)
        print(json.dumps({"measure": "notifications delivered", "notifications": delivered, "seconds": round(ended - began, 3),
                          "per_second": round(delivered / (ended - began), 1), "dead": count("dead"),
                          "loop_cpu_us_per_notification": per(0), "server_cpu_us_per_notification": per(1)}))
    finally:
        for proc in reversed(procs):
            proc.kill()
            proc.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
