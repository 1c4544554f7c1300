#!/usr/bin/env python3
"""The chaos harness: runs instances of a workflow whose steps are jobs with a side effect through
one `wf serve` and two `wf agent` processes on 127.0.0.1, kills and disturbs them while the
instances run, and counts what came out: instances completed, failed and stuck, and side effects
lost and doubled.

Each instance gets a tag (`c7`) and runs STEPS steps on one of the two agents' hosts; step sK runs
`run command` appending the line `TAG sK` to EFFECTS/TAG.log, so every side effect that happened
is a line on disk, counted after the run. The chaos, at times drawn from --seed:

  server-kill  `kill -9` of `wf serve`, restarted on the same data directory (and port)
  agent-kill   `kill -9` of one `wf agent`, restarted with the same state directory
  slow-disk    the service's writes throttled to --slow-disk-iops write operations per second on
               its disk (the blkio cgroup v1 controller: real throttling of the block device
               under the data directory, fsyncs included); skipped, and said so, without it
  clock-step   `wf serve` restarted with its wall clock --clock-step ahead (libfaketime), and
               restarted again on the real clock --clock-hold seconds later (a step back)

At the end it prints one line per kind of chaos that happened and the counts, then a JSON line.
Exit status: 1 when an instance is stuck (not ended --settle seconds after the last start) or a
side effect was lost (a job the service recorded as completed, or a step of a completed instance,
without its line); 2 when the harness itself could not run. Doubled side effects are reported,
not failed: a job runs at least once (docs/operations.md, "What survives what").

Standard library only; it drives the real binaries and the HTTP API.
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKETIME_LIBS = [
    "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1",
    "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
]
BLKIO_ROOT = "/sys/fs/cgroup/blkio"
HOSTS = ["chaos1", "chaos2"]
ENDED = {"completed", "failed", "cancelled", "timeout"}


class HarnessError(Exception):
    """The harness could not do its part (a process would not start, the API refused a setup call)."""


def log(message):
    print(f"[chaos {time.strftime('%H:%M:%S')}] {message}", flush=True)


def env_default(name, default, kind=int):
    value = os.environ.get(name)
    return kind(value) if value not in (None, "") else default


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--wf", default=os.environ.get("WF_BIN", os.path.join(ROOT, "build", "cli", "wf")), help="the wf binary")
    p.add_argument("--small", action="store_true", help="the CTest size: a few instances, one chaos event of each kind")
    p.add_argument("--instances", type=int, default=env_default("CHAOS_INSTANCES", 200), help="instances to start (CHAOS_INSTANCES)")
    p.add_argument("--steps", type=int, default=3, help="job steps per instance")
    p.add_argument("--duration", type=float, default=env_default("CHAOS_DURATION", 120.0, float),
                   help="seconds over which instances are started and chaos happens (CHAOS_DURATION)")
    p.add_argument("--kill-interval", type=float, default=env_default("CHAOS_KILL_INTERVAL", 8.0, float),
                   help="mean seconds between kills, server or agent at random (CHAOS_KILL_INTERVAL)")
    p.add_argument("--job-seconds", type=float, default=0.3, help="how long each job's command sleeps before its side effect")
    p.add_argument("--job-timeout", type=int, default=env_default("CHAOS_JOB_TIMEOUT", 3),
                   help="each job's timeout in seconds; a killed agent's running jobs end 2x this later (CHAOS_JOB_TIMEOUT)")
    p.add_argument("--retries", type=int, default=5, help="retries of each step's job")
    p.add_argument("--max-jobs", type=int, default=4, help="each agent's --max-jobs")
    p.add_argument("--slow-disk-seconds", type=float, default=10.0, help="length of the slow-disk phase (0: none)")
    p.add_argument("--slow-disk-iops", type=int, default=20, help="write operations per second allowed during it")
    p.add_argument("--clock-step", default="+10m", help="libfaketime offset of the clock-step restart ('' or 0: none)")
    p.add_argument("--clock-hold", type=float, default=8.0, help="seconds the service runs on the stepped clock")
    p.add_argument("--settle", type=float, default=env_default("CHAOS_SETTLE", 90.0, float),
                   help="seconds after the chaos for every instance to end (CHAOS_SETTLE)")
    p.add_argument("--seed", type=int, default=env_default("CHAOS_SEED", int(time.time())), help="random seed (CHAOS_SEED)")
    p.add_argument("--workdir", help="where data, state, logs and side effects go (default: a new temporary directory)")
    p.add_argument("--keep", action="store_true", help="keep the work directory")
    args = p.parse_args(argv)
    if args.small:
        # Under a minute: one kill of each kind, a short slow-disk phase and a short clock step.
        args.instances, args.duration, args.kill_interval = 10, 20.0, 0.0
        args.slow_disk_seconds, args.clock_hold, args.settle = 4.0, 4.0, 30.0
        args.job_seconds, args.job_timeout = 0.2, 2
    if args.instances < 1 or args.steps < 1 or args.duration <= 0:
        p.error("--instances, --steps and --duration must be positive")
    if args.clock_step in ("0", "+0"):
        args.clock_step = ""
    return args


# ---- HTTP ---------------------------------------------------------------------------------------

class Api:
    def __init__(self, base, token):
        self.base, self.token = base, token

    def call(self, method, path, body=None, timeout=30.0):
        """(status, parsed JSON or None); status 0 when the service could not be reached."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + "/api/v1" + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as answer:
                raw = answer.read()
                return answer.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw) if raw else None
            except ValueError:
                return e.code, None
        except (OSError, ValueError):
            return 0, None

    def get(self, path, timeout=30.0):
        return self.call("GET", path, timeout=timeout)

    def list_all(self, path):
        items, skip = [], 0
        sep = "&" if "?" in path else "?"
        while True:
            status, page = self.get(f"{path}{sep}skip={skip}&limit=500")
            if status != 200:
                raise HarnessError(f"GET {path} answered {status}")
            items += page["items"]
            skip += len(page["items"])
            if not page["items"] or skip >= page.get("total", 0):
                return items


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, seconds, step=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


# ---- The processes --------------------------------------------------------------------------------

class Processes:
    """`wf serve` and the agents, each restartable on its own directory; logs append across restarts."""

    def __init__(self, args, work):
        self.args, self.work = args, work
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data = os.path.join(work, "data")
        self.server = None
        self.agents = {}
        self.token = self.secret = None
        self.slow_cgroup = None  # set while the slow-disk phase holds the service

    def _spawn(self, argv, log_name, env=None):
        with open(os.path.join(self.work, log_name), "ab") as out:
            out.write(f"\n==== {time.strftime('%H:%M:%S')} {' '.join(argv[1:3])}\n".encode())
            out.flush()
            return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                    env=env, start_new_session=True)

    def start_server(self, faketime=""):
        env = dict(os.environ)
        if faketime:
            env["LD_PRELOAD"] = faketime_library()
            env["FAKETIME"] = faketime
        self.server = self._spawn([self.args.wf, "serve", "--data", self.data, "--listen", f"127.0.0.1:{self.port}"],
                                  "serve.log", env)
        if self.slow_cgroup:
            self.slow_cgroup.hold(self.server.pid)

        def healthy():
            if self.server.poll() is not None:
                raise HarnessError(f"wf serve exited with {self.server.returncode}; see {self.work}/serve.log")
            try:
                with urllib.request.urlopen(self.url + "/api/v1/health", timeout=2) as r:
                    return r.status == 200
            except OSError:
                return False

        if not wait_until(healthy, 30):
            raise HarnessError(f"wf serve did not answer on {self.url}; see {self.work}/serve.log")
        if self.token is None:
            self.token = read_line(os.path.join(self.data, "admin.token"))
            self.secret = read_line(os.path.join(self.data, "enroll.secret"))

    def kill_server(self):
        kill9(self.server)

    def start_agent(self, host):
        self.agents[host] = self._spawn(
            [self.args.wf, "agent", "--server", self.url, "--enroll", self.secret, "--hostname", host,
             "--state", os.path.join(self.work, "agent-" + host), "--max-jobs", str(self.args.max_jobs)],
            f"agent-{host}.log")

    def kill_agent(self, host):
        kill9(self.agents[host])

    def stop_all(self):
        for p in [self.server, *self.agents.values()]:
            if p is not None and p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in [self.server, *self.agents.values()]:
            if p is None:
                continue
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                kill9(p)


def kill9(process):
    if process is not None and process.poll() is None:
        process.kill()
        process.wait()


def read_line(path):
    with open(path) as f:
        return f.readline().strip()


def faketime_library():
    for path in FAKETIME_LIBS:
        if os.path.exists(path):
            return path
    return ""


class SlowDisk:
    """A blkio (cgroup v1) group that allows IOPS write operations per second on one block device."""

    def __init__(self, path, iops):
        self.iops = iops
        self.group = os.path.join(BLKIO_ROOT, f"wf-chaos-{os.getpid()}")
        self.device = block_device_of(path)

    @staticmethod
    def unavailable(path):
        """Why the phase cannot run here, or '' when it can."""
        if not os.path.isfile(os.path.join(BLKIO_ROOT, "blkio.throttle.write_iops_device")):
            return "no blkio cgroup (v1) controller at " + BLKIO_ROOT
        if not os.access(BLKIO_ROOT, os.W_OK):
            return "the blkio controller is not writable (run as root)"
        if block_device_of(path) is None:
            return "cannot tell the block device under " + path
        return ""

    def __enter__(self):
        os.makedirs(self.group, exist_ok=True)
        with open(os.path.join(self.group, "blkio.throttle.write_iops_device"), "w") as f:
            f.write(f"{self.device} {self.iops}\n")
        return self

    def hold(self, pid):
        # cgroup.procs moves every thread of the process, the store's writer included.
        with open(os.path.join(self.group, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    def release(self, pid):
        try:
            with open(os.path.join(BLKIO_ROOT, "cgroup.procs"), "w") as f:
                f.write(str(pid))
        except OSError:
            pass  # the process has gone

    def __exit__(self, *exc):
        try:
            with open(os.path.join(self.group, "cgroup.procs")) as f:
                for pid in f.read().split():
                    self.release(pid)
            os.rmdir(self.group)
        except OSError as e:
            log(f"slow-disk: cannot remove {self.group}: {e}")


def block_device_of(path):
    """MAJ:MIN of the whole disk holding path (throttling applies to disks, not partitions)."""
    try:
        dev = os.stat(path).st_dev
    except OSError:
        return None
    major, minor = os.major(dev), os.minor(dev)
    sysfs = f"/sys/dev/block/{major}:{minor}"
    if os.path.exists(os.path.join(sysfs, "partition")):
        try:
            with open(os.path.join(os.path.realpath(sysfs), "..", "dev")) as f:
                return f.read().strip()
        except OSError:
            return None
    return f"{major}:{minor}" if os.path.exists(sysfs) else None


# ---- The workflow -----------------------------------------------------------------------------------

def workflow_source(args, effects_dir):
    steps = []
    for k in range(1, args.steps + 1):
        # The side effect comes last: a job killed before it leaves no line, one killed after it
        # leaves its line, and a job run twice leaves two.
        command = f"sleep {args.job_seconds}; echo '{{{{tag}}}} s{k}' >> '{effects_dir}/{{{{tag}}}}.log'"
        steps.append(f'  step "s{k}" {{ run command "{command}" on targets timeout {args.job_timeout}s '
                     f'retry {args.retries} every 1s }}')
    return ("workflow chaos_steps(targets: hosts, tag: string) -> int {\n" + "\n".join(steps) +
            f"\n  return {args.steps}\n}}\n")


# ---- The run -----------------------------------------------------------------------------------------

def schedule(args, rng):
    """[(seconds from the start, kind)] of the chaos events."""
    d = args.duration
    events = []
    if args.kill_interval > 0:
        t = rng.expovariate(1.0 / args.kill_interval)
        while t < d:
            events.append((t, rng.choice(["server-kill", "agent-kill"])))
            t += rng.expovariate(1.0 / args.kill_interval)
    else:
        # One of each, spread over the run.
        events += [(d * 0.15, "server-kill"), (d * 0.35, "agent-kill")]
    if args.slow_disk_seconds > 0:
        events.append((d * 0.55 if args.kill_interval <= 0 else rng.uniform(0, d * 0.7), "slow-disk"))
    if args.clock_step:
        events.append((d * 0.75 if args.kill_interval <= 0 else rng.uniform(0, d * 0.8), "clock-step"))
    return sorted(events)


class Run:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.work = args.workdir or tempfile.mkdtemp(prefix="wf-chaos-")
        os.makedirs(self.work, exist_ok=True)
        self.effects = os.path.join(self.work, "effects")
        os.makedirs(self.effects, exist_ok=True)
        self.procs = Processes(args, self.work)
        self.api = None
        self.definition = None
        self.started = {}  # tag -> instance id, from start answers
        self.start_errors = []  # tags whose start got no answer
        self.happened = []  # (kind, note)
        self.timed = {}  # slow-disk / clock-step phases in progress: kind -> end time
        self.starts, self.next_start, self.t0 = [], 0, time.monotonic()  # the start schedule

    # -- set-up --
    def set_up(self):
        if not os.access(self.args.wf, os.X_OK):
            raise HarnessError(f"{self.args.wf} is not an executable wf binary (build it first: make setup)")
        self.procs.start_server()
        self.api = Api(self.procs.url, self.procs.token)
        for host in HOSTS:
            self.procs.start_agent(host)
        if not wait_until(self.agents_registered, 30):
            raise HarnessError("the agents did not register; see agent-*.log in " + self.work)
        status, answer = self.api.call("POST", "/definitions",
                                       {"source": workflow_source(self.args, self.effects), "file": "chaos.wf"})
        if status != 201:
            raise HarnessError(f"pushing the workflow failed: {status} {answer}")
        self.definition = answer["definitions"][0]["id"]

    def agents_registered(self):
        status, answer = self.api.get("/agents", timeout=5)
        return status == 200 and {a["hostname"] for a in answer["items"]} >= set(HOSTS)

    # -- starting instances --
    def start_instance(self, n):
        tag = f"c{n}"
        body = {"params": {"tag": tag}, "hosts": [HOSTS[n % len(HOSTS)]]}
        # Only this thread kills the service, so a start is never cut off by the harness's own
        # kill; without an answer (the slow disk) it is looked up at the end by its tag.
        status, answer = self.api.call("POST", f"/definitions/{self.definition}/run", body, timeout=60)
        if status == 201:
            self.started[tag] = answer["id"]
        else:
            self.start_errors.append(tag)
            log(f"start of {tag}: no instance ({status} {answer})")

    # -- chaos --
    def chaos(self, kind):
        if kind == "server-kill":
            if "clock-step" in self.timed:
                return  # the clock-step phase owns the server's restarts
            self.procs.kill_server()
            time.sleep(self.rng.uniform(0.0, 1.0))
            self.procs.start_server()
            self.happened.append((kind, "wf serve killed with SIGKILL and restarted on its data directory"))
        elif kind == "agent-kill":
            host, running = self.busy_host()
            self.procs.kill_agent(host)
            time.sleep(self.rng.uniform(0.0, 1.0))
            self.procs.start_agent(host)
            self.happened.append((kind, f"wf agent {host} killed with SIGKILL and restarted on its state directory"
                                        + (" (it had a job running)" if host in running else "")))
        elif kind == "slow-disk":
            why = SlowDisk.unavailable(self.procs.data)
            if why:
                self.happened.append((kind, "SKIPPED: " + why))
                return
            disk = SlowDisk(self.procs.data, self.args.slow_disk_iops).__enter__()
            disk.hold(self.procs.server.pid)
            self.procs.slow_cgroup = disk
            self.timed[kind] = time.monotonic() + self.args.slow_disk_seconds
            self.happened.append((kind, f"wf serve's writes held to {self.args.slow_disk_iops}/s on {disk.device} "
                                        f"for {self.args.slow_disk_seconds:g} s (blkio throttle)"))
        elif kind == "clock-step":
            if not faketime_library():
                self.happened.append((kind, "SKIPPED: libfaketime is not installed (Debian package faketime)"))
                return
            self.procs.kill_server()
            self.procs.start_server(faketime=self.args.clock_step)
            self.timed[kind] = time.monotonic() + self.args.clock_hold
            self.happened.append((kind, f"wf serve restarted with its clock {self.args.clock_step}, then back on the "
                                        f"real clock {self.args.clock_hold:g} s later"))

    def busy_host(self):
        """A host with a job running (waiting up to 3 s for one, so that the kill interrupts a job),
        else one at random."""
        busy = []

        def find_busy():
            self.start_due()  # instances go on starting meanwhile
            status, answer = self.api.get("/jobs?status=running&limit=50", timeout=10)
            busy[:] = sorted({j["host"] for j in (answer or {}).get("items", [])} & set(HOSTS)) if status == 200 else []
            return bool(busy)

        wait_until(find_busy, 3.0, step=0.02)
        return self.rng.choice(busy or HOSTS), busy

    def end_phases(self, now, force=False):
        for kind, until in list(self.timed.items()):
            if not force and now < until:
                continue
            del self.timed[kind]
            if kind == "slow-disk":
                self.procs.slow_cgroup.__exit__(None, None, None)
                self.procs.slow_cgroup = None
            elif kind == "clock-step":
                self.procs.kill_server()
                self.procs.start_server()

    def drive(self):
        events = schedule(self.args, self.rng)
        log(f"{self.args.instances} instances over {self.args.duration:g} s, chaos: "
            + ", ".join(f"{k} at {t:.1f}s" for t, k in events) + f"; work directory {self.work}; seed {self.args.seed}")
        self.starts = [self.args.duration * i / self.args.instances for i in range(self.args.instances)]
        self.t0 = time.monotonic()
        while self.next_start < len(self.starts) or events or self.timed:
            now = time.monotonic() - self.t0
            self.end_phases(time.monotonic())
            if events and events[0][0] <= now:
                kind = events.pop(0)[1]
                log(f"chaos: {kind}")
                self.chaos(kind)
                continue
            if not self.start_due():
                time.sleep(0.02)

    def start_due(self):
        """Starts the instances whose time has come; whether there was one."""
        started = False
        while self.next_start < len(self.starts) and self.starts[self.next_start] <= time.monotonic() - self.t0:
            self.start_instance(self.next_start)
            self.next_start += 1
            started = True
        return started

    # -- the count --
    def settle(self):
        """Waits up to --settle seconds for every instance to end; returns {instance id: status}."""
        ids = self.all_instances()
        statuses = {}
        deadline = time.monotonic() + self.args.settle
        while True:
            items = self.api.list_all(f"/instances?workflow=chaos_steps")
            statuses = {i["id"]: i["status"] for i in items if i["id"] in ids}
            if all(s in ENDED for s in statuses.values()) or time.monotonic() >= deadline:
                return statuses
            time.sleep(0.5)

    def all_instances(self):
        """tag -> id for every instance, those whose start went unanswered found by their tag."""
        ids = set(self.started.values())
        if self.start_errors:
            for item in self.api.list_all("/instances?workflow=chaos_steps"):
                if item["id"] in ids:
                    continue
                status, detail = self.api.get(f"/instances/{item['id']}")
                tag = (detail or {}).get("params", {}).get("tag")
                if status == 200 and tag in self.start_errors:
                    self.started[tag] = item["id"]
                    ids.add(item["id"])
        return ids

    def side_effects(self, tag):
        counts = {}
        try:
            with open(os.path.join(self.effects, tag + ".log")) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 2 and parts[0] == tag:
                        counts[parts[1]] = counts.get(parts[1], 0) + 1
        except FileNotFoundError:
            pass
        return counts

    def count(self, statuses):
        tally = {"completed": 0, "failed": 0, "cancelled": 0, "timeout": 0, "stuck": 0,
                 "side_effects": 0, "lost": 0, "doubled": 0}
        findings = []
        for tag, iid in sorted(self.started.items(), key=lambda kv: kv[1]):
            status = statuses.get(iid, "unknown")
            if status in ENDED:
                tally[status] += 1
            else:
                tally["stuck"] += 1
                findings.append(f"instance {iid} ({tag}) stuck: {status}")
            counts = self.side_effects(tag)
            tally["side_effects"] += sum(counts.values())
            completed_steps = set()
            for job in self.api.list_all(f"/jobs?instance={iid}"):
                # The job's description is its command, which names the line it appends.
                named = re.search(r"'(c\d+) (s\d+)'", job.get("description", ""))
                if named and job.get("status") == "completed":
                    completed_steps.add(named.group(2))
            if status == "completed":
                completed_steps |= {f"s{k}" for k in range(1, self.args.steps + 1)}
            for step in sorted(completed_steps):
                if counts.get(step, 0) == 0:
                    tally["lost"] += 1
                    findings.append(f"instance {iid} ({tag}): step {step} completed but its side effect is missing")
            for step, n in sorted(counts.items()):
                if n > 1:
                    tally["doubled"] += n - 1
                    findings.append(f"instance {iid} ({tag}): step {step} ran {n} times")
            if status in ("failed", "timeout", "cancelled"):
                _, detail = self.api.get(f"/instances/{iid}")
                findings.append(f"instance {iid} ({tag}) {status}: {(detail or {}).get('error_message') or ''}")
        return tally, findings

    def main(self):
        try:
            self.set_up()
            self.drive()
            log(f"chaos over; waiting up to {self.args.settle:g} s for the instances to end")
            statuses = self.settle()
            tally, findings = self.count(statuses)
        finally:
            self.end_phases(0, force=True) if self.api else None
            self.procs.stop_all()
        never = [t for t in self.start_errors if t not in self.started]
        print()
        print("what happened:")
        for kind, note in self.happened:
            print(f"  {kind:12} {note}")
        print("findings:" if findings else "findings: none")
        for f in findings:
            print("  " + f)
        print(f"instances: {len(self.started)} started ({len(never)} starts unanswered and not found), "
              f"{tally['completed']} completed, {tally['failed']} failed, {tally['timeout']} timed out, "
              f"{tally['cancelled']} cancelled, {tally['stuck']} stuck")
        print(f"side effects: {tally['side_effects']} lines, {tally['lost']} lost, {tally['doubled']} doubled "
              "(doubled are allowed: at-least-once)")
        print(json.dumps({"measurement": "chaos", "seed": self.args.seed, "instances": self.args.instances,
                          "duration_s": self.args.duration, "chaos": [k for k, _ in self.happened],
                          "skipped": [k for k, n in self.happened if n.startswith("SKIPPED")], **tally}))
        ok = tally["stuck"] == 0 and tally["lost"] == 0
        print("chaos: PASS" if ok else "chaos: FAIL (stuck instances or lost side effects)")
        return 0 if ok else 1


def main(argv):
    args = parse_args(argv)
    run = Run(args)
    try:
        code = run.main()
    except HarnessError as e:
        log(f"error: {e}")
        code = 2
    if args.keep or code != 0:
        log(f"work directory kept: {run.work}")
    else:
        shutil.rmtree(run.work, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
