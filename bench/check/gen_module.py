#!/usr/bin/env python3
"""Writes a realistic, valid wf module of N lines, the input of the `wf check` benchmark."""

import argparse
import sys

# Each group below is one self-contained slice of an operations code base: constants, a record
# type, pure helpers, managed scripts and the workflows that use them. Every name carries the
# group's number so the module has no duplicate declarations, and every binding is used so the
# checker has nothing to warn about. `{k}` is the group number; `{{`/`}}` are literal braces.

SERVICE_GROUP = '''\
/// Port range of service group {k}.
const BASE_PORT_{k} = {port}
const SERVICE_PREFIX_{k} = "svc{k}"

/// A service as the operations team describes it.
type Service_{k} = {{ name: string, port: int, tags: list<string> }}

/// The label shown in logs and approvals for a service.
fn service_label_{k}(s: Service_{k}) -> string {{
  let tagged = join(s.tags, ",")
  if contains(tagged, "critical") {{
    return upper(s.name) + ":" + str(s.port)
  }} else if len(s.tags) == 0 {{
    return s.name + ":" + str(s.port) + ":untagged"
  }}
  return s.name + ":" + str(s.port) + "[" + tagged + "]"
}}

/// A rough health score from latency samples: slow samples weigh double.
fn score_{k}(samples: list<int>, cutoff: int) -> int {{
  var total = 0
  var count = 0
  for v in samples {{
    if v > cutoff {{
      total = total + v * 2
    }} else {{
      total = total + v % 7
    }}
    count = count + 1
  }}
  while total > 1000 {{
    total = total / 2 - 1
  }}
  return total + count - BASE_PORT_{k} / 1000
}}

/// Host names from a comma-separated list, upper-cased, without blanks or repeats.
fn normalize_hosts_{k}(csv: string) -> list<string> {{
  var out: list<string> = []
  var seen = ","
  for part in split(csv, ",") {{
    let name = upper(part)
    if len(name) > 0 and not contains(seen, "," + name + ",") {{
      out = out + [name]
      seen = seen + name + ","
    }}
  }}
  return out
}}

/// Whether a port belongs to this group's range.
fn in_range_{k}(port: int) -> bool {{
  let low = BASE_PORT_{k}
  let high = BASE_PORT_{k} + 99
  return port >= low and port <= high
}}

/// Checks free disk space on the root file system.
script disk_check_{k}(threshold: int = 90) {{
  lang = bash
  timeout = 60s
  elevated = false
  body = r"""
    used=$(df --output=pcent / | tail -1 | tr -dc 0-9)
    echo "disk at ${{used}}%"
    [ "$used" -lt "$WF_PARAM_THRESHOLD" ]
  """
}}

/// Prints a few facts about the host as JSON.
script collect_facts_{k}(section: string = "all") {{
  lang = python
  timeout = 2m
  body = r"""
    import json, os, platform
    facts = {{"host": platform.node(), "section": os.environ["WF_PARAM_SECTION"]}}
    print(json.dumps(facts))
  """
}}

/// Installs pending updates, rebooting only when asked.
script apply_patches_{k}(reboot: bool = false) {{
  lang = bash
  timeout = 30m
  elevated = true
  body = r"""
    set -e
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get upgrade -y -q
    if [ "$WF_PARAM_REBOOT" = "true" ] && [ -f /var/run/reboot-required ]; then
      shutdown -r +1 "patched by wf"
    fi
  """
}}
'''

RESTART_WORKFLOW = '''\
/// Restarts the web tier of group {k} after a health check and an approval.
@timeout(2h) @trigger(manual)
workflow restart_web_{k}(targets: hosts, purpose: string = "routine", n: int = 3) -> int {{
  let svc: Service_{k} = {{name: SERVICE_PREFIX_{k} + "-web", port: BASE_PORT_{k} + {off}, tags: ["critical", "edge"]}}
  let label = service_label_{k}(svc)
  log "restarting {{{{label}}}} on {{{{len(targets)}}}} hosts: {{{{purpose}}}}"
  var healthy = 0
  step "Health check" {{
    let r = run script disk_check_{k}(threshold: 85) on targets timeout 2m retry 2 every 30s
    if r.ok {{
      healthy = r.succeeded
      log "all {{{{r.total}}}} hosts healthy, first said {{{{r.stdout}}}}"
    }} else {{
      log "{{{{r.failed}}}} of {{{{r.total}}}} hosts failed, exit code {{{{r.exit_code}}}}"
    }}
  }}
  step "Approval" {{
    let a = approve "Restart {{{{label}}}} on {{{{len(targets)}}}} hosts?" by [role("admin"), user("alice")] quorum one_of_many timeout 1h
    if not a.approved {{
      let who = join(a.responded_by, ", ")
      fail "restart of {{{{label}}}} rejected by {{{{who}}}}: {{{{a.note}}}}"
    }}
  }}
  step "Restart" retry 2 every 30s timeout 10m {{
    run command "systemctl restart {{{{svc.name}}}}" on targets timeout 5m priority high
    let status = run command ["systemctl", "is-active", svc.name] on targets allow_failure
    for jr in status.results {{
      log "{{{{jr.host}}}}: {{{{jr.status}}}} (exit {{{{jr.exit_code}}}}) in {{{{jr.duration}}}}"
    }}
  }}
  sleep 5m
  var attempt = 0
  while attempt < n {{
    attempt = attempt + 1
    let probe = run command "curl -fsS http://localhost:{{{{svc.port}}}}/health" on targets allow_failure
    if probe.ok {{
      break
    }}
    sleep 30s
  }}
  if in_range_{k}(svc.port) and attempt < n {{
    log "{{{{label}}}} answered after {{{{attempt}}}} probes"
  }} else {{
    approve "{{{{label}}}} is still unhealthy after {{{{attempt}}}} probes; keep it running?"
  }}
  return healthy + attempt
}}
'''

PATCH_WORKFLOW = '''\
/// Patches hosts of group {k} one by one, pausing between batches.
@timeout(6h) @description("Rolling patch for group {k}")
workflow patch_hosts_{k}(targets: hosts, window: duration = 15m, batch: int = 2) -> int {{
  let wanted = normalize_hosts_{k}(join(hostnames(targets), ","))
  log "patching {{{{len(wanted)}}}} hosts in batches of {{{{batch}}}}: {{{{wanted}}}}"
  var done = 0
  var failures: list<string> = []
  for h in targets {{
    step "Patch {{{{h.hostname}}}}" retry 1 every 1m {{
      let r = run script apply_patches_{k}(reboot: false) on [h] timeout 40m allow_failure
      if r.ok {{
        done = done + 1
      }} else {{
        failures = failures + [h.hostname]
      }}
    }}
    if done % batch == 0 {{
      sleep window
    }}
  }}
  if len(failures) > 0 {{
    let names = join(failures, ",")
    log "patch failed on {{{{names}}}}"
    approve "{{{{len(failures)}}}} hosts failed to patch; close the change anyway?"
  }}
  return done
}}
'''

FACTS_WORKFLOW = '''\
/// Collects host facts for group {k} and scores the latency of its services.
@trigger(manual)
workflow collect_facts_wf_{k}(targets: hosts, section: string = "all") -> int {{
  let samples = [12, 48, 230, 7, 1500, {off}]
  let score = score_{k}(samples, 200)
  let r = run script collect_facts_{k}(section: section) on targets timeout 2m retry 2 every 30s
  var total = 0
  if r.ok {{
    log "facts from {{{{r.total}}}} hosts, score {{{{score}}}}: {{{{r.stdout}}}}"
    total = r.succeeded
  }} else if r.failed > r.total / 2 {{
    fail "most hosts failed to report facts ({{{{r.failed}}}} of {{{{r.total}}}})"
  }}
  step "Tag" timeout 5m {{
    let tag = SERVICE_PREFIX_{k} + "-" + section
    run command ["logger", "-t", "wf", tag] on targets priority low
  }}
  return total + score
}}
'''

# A group is emitted unit by unit, so that a workflow always follows the declarations it uses.
GROUP_UNITS = [SERVICE_GROUP, RESTART_WORKFLOW, PATCH_WORKFLOW, FACTS_WORKFLOW]

# The smaller units used to fill the tail of the module once a whole group no longer fits.
SMALL_UNITS = [
    '''\
const LIMIT_{k} = {off}
fn clamp_{k}(x: int) -> int {{
  if x > LIMIT_{k} {{
    return LIMIT_{k}
  }}
  return x
}}
''',
    '''\
/// Joins words with dashes.
fn dashed_{k}(words: list<string>) -> string {{
  return join(words, "-")
}}
''',
    '''\
type Endpoint_{k} = {{ host: string, port: int }}
''',
]


def render(template, k):
    return template.format(k=k, port=8000 + 100 * (k % 90), off=k % 97)


def generate(target_lines):
    header = [
        "// A generated operations module: the input of the `wf check` benchmark (bench/check).",
        "",
    ]
    lines = list(header)
    k = 0
    unit = 0
    while True:
        body = render(GROUP_UNITS[unit], k).splitlines() + [""]
        if len(lines) + len(body) > target_lines:
            break
        lines.extend(body)
        unit = (unit + 1) % len(GROUP_UNITS)
        if unit == 0:
            k += 1
    k += 1
    # Fill what is left with the small units that still fit, then blank lines.
    progress = True
    while progress:
        progress = False
        for small in SMALL_UNITS:
            body = render(small, k).splitlines() + [""]
            if len(lines) + len(body) <= target_lines:
                lines.extend(body)
                k += 1
                progress = True
                break
    while len(lines) < target_lines:
        lines.append("")
    return "\n".join(lines[:target_lines]) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("lines", nargs="?", type=int, default=10000, help="number of lines (default 10000)")
    parser.add_argument("-o", "--output", help="file to write (default: standard output)")
    args = parser.parse_args()
    if args.lines < 2:
        parser.error("the module needs at least 2 lines")
    text = generate(args.lines)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
