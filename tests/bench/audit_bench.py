#!/usr/bin/env python3
"""The cost of the audit log (and of the metrics): IssueEmailHash throughput with them on and off.

    audit_bench.py --identityd=PATH --identity-bench=PATH --run-with=run_with_identityd.py
                   [--sinks=none,file,stdout] [--rounds=5] [--seconds=2]
                   [--calls=N] [--warmup-calls=N] [--log-dir=DIR]
                   [--server-flag=FLAG ...] [-- IDENTITY_BENCH_FLAG ...]

Starts one identityd per sink in --sinks, all at once, each by
tests/support/run_with_identityd.py (nested: each server's command starts the
next server), every one with the same --server-flag's plus its
--audit_sink: `none`, `file` (--audit_sink=file:LOG_DIR/audit-bench-file.log)
or `stdout` (the default sink; the harness sends the server's stdout to a file,
copied to LOG_DIR/audit-bench-stdout.log when it stops). The pseudo-sink
`metrics` is auditing off (`none`) with the metrics on
(--metrics_listen=127.0.0.1:0), scraped once a second (a busier scrape than
Prometheus' usual 15 s) while the calls are measured: compared with `none`,
it is the cost of the metrics (scripts/bench part 7; target at most 3 %).

Then, against every server in turn, identity-bench makes IssueEmailHash calls
(closed loop; IDENTITY_BENCH_FLAGs, e.g. --channels=2 --in_flight=16
--threads=1, set the concurrency): first --warmup-calls each (unmeasured), then
--rounds rounds, each running every server once, in an order rotated by one
each round so that no sink always goes first. Each run makes exactly --calls
calls (count mode, so the calls made are known exactly); without --calls,
the number is --seconds times the median calls/s of the warm-ups.

When every server has stopped cleanly (its final drop report written), it
prints a Markdown table: the calls/s of each round, their median, the ratio to
`none` (median over median, and the median of the per-round ratios, which
cancels drift between rounds), the cost (1 - ratio), the server's CPU time per
call (all threads, the audit writer included, over the whole run), and the
audit log's accounting: calls made, events written, events dropped (the last
"type":"audit_drops" line's dropped_total) and events unaccounted for
(calls - written - dropped; should be 0).

Exit status 0 if every call succeeded, every server stopped cleanly and every
event is accounted for; 1 otherwise. Timings are reported, never checked.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

SINKS = ("none", "file", "stdout", "metrics")
# Seconds between two scrapes of the `metrics` server.
SCRAPE_INTERVAL_S = 1.0
CONFIG_ENV = "AUDIT_BENCH_CONFIG"
SERVERS_ENV = "AUDIT_BENCH_SERVERS"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def fail(message):
    sys.stderr.write("audit_bench: %s\n" % message)
    return 1


def cpu_seconds(pid):
    """utime + stime of every thread of `pid`, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid, encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def run_bench(config, server, calls):
    """One identity-bench run of `calls` IssueEmailHash calls against `server`.

    Returns (calls/s, ok, failed, client CPU us/call, exit status, output)."""
    argv = [config["identity_bench"], "--target=" + server["target"], "--insecure",
            "--app_id=" + server["app_id"], "--methods=hash", "--calls=%d" % calls,
            "--rounds=1"] + config["bench_flags"]
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=300, check=False)
    rows = []
    for line in proc.stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "hash" and len(cells) >= 3:
            rows.append(cells)
    # | hash | calls/s | p50 us | p99 us | p99.9 us | calls | failed | ... (saturation)
    # | hash | client CPU us/call | server CPU us/call | ...                (CPU time)
    saturation = [r for r in rows if len(r) >= 7 and r[1].isdigit()]
    cpu = [r for r in rows if len(r) < 7]
    if not saturation:
        raise RuntimeError("identity-bench (status %d) printed no hash row:\n%s"
                           % (proc.returncode, proc.stdout))
    r = saturation[0]
    try:
        client_cpu = float(cpu[0][1])
    except (IndexError, ValueError):
        client_cpu = float("nan")
    return float(r[1]), int(r[5]), int(r[6]), client_cpu, proc.returncode, proc.stdout


def metrics_port(server_dir):
    """The port of the metrics listener, from identityd's log in `server_dir`."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(os.path.join(server_dir, "identityd.stderr"), errors="replace") as f:
            for line in f:
                if "metrics on http://127.0.0.1:" in line:
                    return int(line.split("metrics on http://127.0.0.1:", 1)[1].split("/", 1)[0])
        time.sleep(0.05)
    raise RuntimeError("the metrics server did not log its address")


def scrape_every_second(port, stop, scrapes):
    """Scrapes http://127.0.0.1:PORT/metrics once a second until `stop` is set."""
    while not stop.wait(SCRAPE_INTERVAL_S):
        with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=10) as r:
            r.read()
        scrapes.append(1)


def measure(config, servers):
    """Runs with every server up; returns the results (a JSON-able dict)."""
    sinks = config["sinks"]
    stop_scraping = threading.Event()
    scrapes = []
    if "metrics" in servers:
        threading.Thread(target=scrape_every_second, daemon=True,
                         args=(servers["metrics"]["metrics_port"], stop_scraping,
                               scrapes)).start()
    cpu_start = {s: cpu_seconds(servers[s]["pid"]) for s in sinks}
    made = {s: 0 for s in sinks}
    client_cpu_s = {s: 0.0 for s in sinks}
    failed = {s: 0 for s in sinks}
    failures = []

    def one(sink, calls):
        rate, ok, bad, client_us, status, output = run_bench(config, servers[sink], calls)
        made[sink] += ok + bad
        client_cpu_s[sink] += client_us * (ok + bad) / 1e6
        failed[sink] += bad
        if bad or status != 0:
            failures.append("%s: %d failed call(s), identity-bench exit status %d\n%s"
                            % (sink, bad, status, output))
        # Let an audit writer catch up before the next server's run, so that
        # its backlog is not written on another server's time.
        time.sleep(config["settle_s"])
        return rate

    warmup = {s: one(s, config["warmup_calls"]) for s in sinks}
    calls = config["calls"] or max(100, int(statistics.median(warmup.values()) * config["seconds"]))
    rounds = {s: [] for s in sinks}
    for r in range(config["rounds"]):
        k = r % len(sinks)
        for sink in sinks[k:] + sinks[:k]:
            rounds[sink].append(one(sink, calls))
    time.sleep(0.5)
    cpu = {s: cpu_seconds(servers[s]["pid"]) - cpu_start[s] for s in sinks}
    stop_scraping.set()
    return {"scrapes": len(scrapes), "calls_per_round": calls, "warmup": warmup, "rounds": rounds, "made": made,
            "failed": failed, "failures": failures, "cpu_s": cpu,
            "client_cpu_s": client_cpu_s}


def stage(depth):
    """Inside run_with_identityd.py: notes this server, starts the next or measures."""
    config = json.loads(os.environ[CONFIG_ENV])
    servers = json.loads(os.environ.get(SERVERS_ENV, "{}"))
    sink = config["sinks"][depth - 1]
    servers[sink] = {"target": os.environ["IDENTITYD_TARGET"],
                     "app_id": os.environ["IDENTITYD_APP_ID"],
                     "pid": int(os.environ["IDENTITYD_PID"])}
    if sink == "metrics":
        servers[sink]["metrics_port"] = metrics_port(os.environ["IDENTITYD_DIR"])
    if depth < len(config["sinks"]):
        return start_server(config, depth, servers)
    try:
        results = measure(config, servers)
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        return fail(str(e))
    with open(config["results"], "w", encoding="utf-8") as f:
        json.dump(results, f)
    return 0


def start_server(config, depth, servers):
    """Starts the server for config["sinks"][depth], running stage depth + 1 under it."""
    sink = config["sinks"][depth]
    argv = [sys.executable, config["run_with"], "--identityd=" + config["identityd"]]
    argv += ["--server-flag=" + f for f in config["server_flags"]]
    if sink == "file":
        argv.append("--server-flag=--audit_sink=file:" + config["logs"]["file"])
    elif sink == "metrics":
        argv += ["--server-flag=--audit_sink=none", "--server-flag=--metrics_listen=127.0.0.1:0"]
    else:
        argv.append("--server-flag=--audit_sink=" + sink)
    if sink == "stdout":
        argv.append("--keep-stdout=" + config["logs"]["stdout"])
    argv += ["--", sys.executable, os.path.abspath(__file__), "--stage=%d" % (depth + 1)]
    env = dict(os.environ)
    env[CONFIG_ENV] = json.dumps(config)
    env[SERVERS_ENV] = json.dumps(servers)
    return subprocess.run(argv, env=env, check=False).returncode


def read_log(path):
    """(events, dropped_total, undelivered, unparsable lines) of an audit log."""
    events = dropped = undelivered = bad = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if record.get("type") == "audit_drops":
                # Totals since start: the last report (the final one) counts.
                dropped = record.get("dropped_total", 0)
                undelivered = sum(record.get("undelivered_by_sink", {}).values())
            else:
                events += 1
    return events, dropped, undelivered, bad


def fmt_ratio(x):
    return "%.3f" % x


def fmt_cost(ratio):
    return "%+.1f %%" % ((1 - ratio) * 100)


def report(config, results):
    sinks = config["sinks"]
    rounds = results["rounds"]
    median = {s: statistics.median(rounds[s]) for s in sinks}
    made = {s: max(1, results["made"][s]) for s in sinks}
    server_us = {s: results["cpu_s"][s] * 1e6 / made[s] for s in sinks}
    client_us = {s: results["client_cpu_s"][s] * 1e6 / made[s] for s in sinks}
    print("IssueEmailHash (`identity-bench --methods=hash --calls=%d %s`), %d round(s) "
          "interleaved (order rotated each round), after %d warm-up calls per server; "
          "one identityd per sink, all running throughout. Cost = 1 - ratio to `none` "
          "(negative: faster than without auditing, i.e. noise). CPU time per call over "
          "every call made (warm-ups included): the server's from /proc/PID/stat, all threads "
          "(the audit writer's included), the client's as identity-bench reports it; "
          "projected = (client + server CPU of none) / (client + server CPU of the sink), "
          "the calls/s ratio of a machine running only these processes."
          % (results["calls_per_round"], " ".join(config["bench_flags"]),
             config["rounds"], config["warmup_calls"]))
    print()
    print("| audit sink | calls/s per round | median calls/s | x none | cost | "
          "median of per-round x none | cost | server CPU us/call | client CPU us/call | "
          "projected x none (CPU) | cost |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    projected = {}
    for s in sinks:
        per_round = ", ".join("%.0f" % x for x in rounds[s])
        if s == "none" or "none" not in sinks:
            print("| %s | %s | %.0f | - | - | - | - | %.1f | %.1f | - | - |"
                  % (s, per_round, median[s], server_us[s], client_us[s]))
            continue
        ratio = median[s] / median["none"]
        paired = statistics.median(a / b for a, b in zip(rounds[s], rounds["none"]))
        total = server_us[s] + client_us[s]
        projected[s] = (server_us["none"] + client_us["none"]) / total if total > 0 else float("nan")
        print("| %s | %s | %.0f | %s | %s | %s | %s | %.1f | %.1f | %s | %s |"
              % (s, per_round, median[s], fmt_ratio(ratio), fmt_cost(ratio), fmt_ratio(paired),
                 fmt_cost(paired), server_us[s], client_us[s], fmt_ratio(projected[s]),
                 fmt_cost(projected[s])))
    print()
    status = 0
    logged = [s for s in sinks if s not in ("none", "metrics")]
    if logged:
        print("Audit log accounting (events counted after the server stopped; dropped = the "
              "final `\"type\":\"audit_drops\"` line's `dropped_total`):")
        print()
        print("| audit sink | log | calls made | events written | dropped | undelivered | "
              "unaccounted | log MB | bytes/event |")
        print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
        for s in logged:
            path = config["logs"][s]
            events, dropped, undelivered, bad = read_log(path)
            made = results["made"][s]
            missing = made - events - dropped
            size = os.path.getsize(path)
            print("| %s | %s | %d | %d | %d | %d | %d | %.1f | %.0f |"
                  % (s, os.path.basename(path), made, events, dropped, undelivered, missing,
                     size / 1e6, size / max(1, events)))
            if missing != 0 or bad:
                status = 1
                print("\n- UNACCOUNTED %s: %d event(s) neither written nor reported dropped; "
                      "%d unparsable line(s)" % (s, missing, bad))
        print()
    # (sink, what, largest cost allowed)
    targets = [("file", "file auditing costs", 0.10),
               ("metrics", "metrics (on, scraped every %.0f s: %d scrape(s)) cost"
                % (SCRAPE_INTERVAL_S, results.get("scrapes", 0)), 0.03)]
    for sink, what, limit in targets:
        if "none" not in sinks or sink not in sinks:
            continue
        ratio = median[sink] / median["none"]
        paired = statistics.median(a / b for a, b in zip(rounds[sink], rounds["none"]))
        worst = max(1 - ratio, 1 - paired)
        print("- target: %s at most %.0f %% of calls/s: cost %s (medians), %s (median "
              "per-round): %s; projected from CPU time per call: %s"
              % (what, limit * 100, fmt_cost(ratio), fmt_cost(paired),
                 "met" if worst <= limit else "NOT met", fmt_cost(projected[sink])))
    failed = sum(results["failed"].values())
    for f in results["failures"]:
        print("- FAILED " + f)
    print("\n%s: %d failed call(s)" % ("OK" if failed == 0 else "FAILED", failed))
    return 1 if failed or results["failures"] else status


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--identityd")
    parser.add_argument("--identity-bench")
    parser.add_argument("--run-with")
    parser.add_argument("--sinks", default=",".join(SINKS))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--calls", type=int, default=0)
    parser.add_argument("--warmup-calls", type=int, default=2000)
    parser.add_argument("--settle", type=float, default=0.2, help="seconds between runs")
    parser.add_argument("--log-dir", help="where the audit logs go (default: a temporary "
                        "directory, removed at the end)")
    parser.add_argument("--server-flag", action="append", default=[])
    parser.add_argument("bench_flags", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if args.stage:
        return stage(args.stage)
    for name in ("identityd", "identity_bench", "run_with"):
        if not getattr(args, name):
            parser.error("--%s is required" % name.replace("_", "-"))
    sinks = args.sinks.split(",")
    if not sinks or any(s not in SINKS for s in sinks) or len(set(sinks)) != len(sinks):
        parser.error("--sinks: distinct names among " + ",".join(SINKS))
    bench_flags = args.bench_flags[1:] if args.bench_flags[:1] == ["--"] else args.bench_flags

    tmp = tempfile.TemporaryDirectory(prefix="audit-bench-")
    log_dir = args.log_dir or tmp.name
    os.makedirs(log_dir, exist_ok=True)
    logs = {"file": os.path.join(log_dir, "audit-bench-file.log"),
            "stdout": os.path.join(log_dir, "audit-bench-stdout.log")}
    for path in logs.values():
        if os.path.exists(path):
            os.remove(path)  # the file sink appends
    config = {"sinks": sinks, "identityd": os.path.abspath(args.identityd),
              "identity_bench": os.path.abspath(args.identity_bench),
              "run_with": os.path.abspath(args.run_with), "server_flags": args.server_flag,
              "rounds": args.rounds, "seconds": args.seconds, "calls": args.calls,
              "warmup_calls": args.warmup_calls, "settle_s": args.settle,
              "bench_flags": bench_flags, "logs": logs,
              "results": os.path.join(tmp.name, "results.json")}
    with tmp:
        status = start_server(config, 0, {})
        if status != 0:
            return fail("a server or the measurement failed (status %d)" % status)
        with open(config["results"], encoding="utf-8") as f:
            results = json.load(f)
        return report(config, results)


if __name__ == "__main__":
    sys.exit(main())
