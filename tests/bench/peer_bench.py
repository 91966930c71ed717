#!/usr/bin/env python3
"""identityd against the Go peer (bench/peers/go): same load, same run.

    run_with_identityd.py --identityd=PATH [--server-flag=...] -- \\
        peer_bench.py --identity-bench=PATH --peer=PATH [--peer-flag=FLAG ...]
                      [--methods=health,hash,token,token_full] [--rounds=3]
                      [--duration=2s] [--warmup=500ms] [--paced-duration=1s]
                      [-- IDENTITY_BENCH_FLAG ...]

Runs under tests/support/run_with_identityd.py, which has started identityd
(IDENTITYD_TARGET, IDENTITYD_PID, IDENTITYD_DIR set). Starts the peer with
identityd's own configuration file (the same widget and secrets) plus the
--peer-flag's (e.g. its TLS flags), then:

  1. saturation: --rounds rounds; each round runs every method against both
     servers, one after the other, the order swapped from one method to the
     next and, per method, from one round to the next, so that drifts of a shared machine hit both alike.
     Each run is `identity-bench --methods=M --rounds=1 --duration --warmup
     --server_pid` with the IDENTITY_BENCH_FLAGs (concurrency, TLS);
  2. latency at half of saturation: per method, both servers at the same
     open-loop rate (`--steady_rate`), half of the slower one's median
     saturated calls/s, for --paced-duration.

Prints a Markdown table per method: median calls/s of each, their ratio
(identityd / peer; and the median of the per-round ratios, which cancels
drift between rounds), server CPU per call (utime + stime of every thread from
/proc/PID/stat, as identity-bench measures it over each run, warm-up
included; median over rounds), p50/p99 at saturation (median over rounds) and
p50/p99 at half of saturation. Exit status 1 if any call failed (every
response is checked by identity-bench) or the peer did not start.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

START_TIMEOUT_S = 20
SERVERS = ("identityd", "peer")


def table_rows(output, header_start):
    """The rows of the first Markdown table whose header begins with header_start."""
    rows, inside = [], False
    for line in output.splitlines():
        if line.startswith("| " + header_start):
            inside = True
            continue
        if inside:
            if not line.startswith("|"):
                break
            if line.startswith("|---"):
                continue
            rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def run(argv):
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=600, check=False)
    return proc.returncode, proc.stdout


def saturate(args, server, method):
    status, out = run([args.identity_bench, "--target=" + server["target"],
                       "--app_id=" + os.environ["IDENTITYD_APP_ID"], "--methods=" + method,
                       "--rounds=1", "--duration=" + args.duration, "--warmup=" + args.warmup,
                       "--server_pid=%d" % server["pid"]] + args.bench_flags)
    sat = table_rows(out, "scenario | calls/s")
    cpu = table_rows(out, "scenario | client CPU")
    if status != 0 or not sat or not cpu:
        raise RuntimeError("identity-bench against %s (%s) failed (status %d):\n%s"
                           % (server["name"], method, status, out))
    r = sat[0]
    return {"rate": float(r[1]), "p50": float(r[2]), "p99": float(r[3]),
            "server_cpu": float(cpu[0][2]), "client_cpu": float(cpu[0][1])}


def paced(args, server, method, rate):
    status, out = run([args.identity_bench, "--target=" + server["target"],
                       "--app_id=" + os.environ["IDENTITYD_APP_ID"], "--methods=" + method,
                       "--steady_rate=%d" % rate, "--duration=" + args.paced_duration,
                       "--warmup=" + args.warmup] + args.bench_flags)
    rows = table_rows(out, "method | offered")
    if status != 0 or not rows:
        raise RuntimeError("identity-bench --steady_rate against %s (%s) failed (status %d):\n%s"
                           % (server["name"], method, status, out))
    r = rows[0]
    return {"achieved": float(r[2]), "p50": float(r[5]), "p99": float(r[6])}


def start_peer(args, workdir):
    port_file = os.path.join(workdir, "peer.port")
    log_path = os.path.join(workdir, "peer.log")
    with open(log_path, "wb") as log:
        peer = subprocess.Popen(
            [args.peer, "--listen=127.0.0.1:0", "--port_file=" + port_file,
             "--config=" + os.path.join(os.environ["IDENTITYD_DIR"], "identityd.json")]
            + args.peer_flag, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and peer.poll() is None:
        try:
            with open(port_file, encoding="ascii") as f:
                text = f.read().strip()
            if text.isdigit():
                return peer, "127.0.0.1:" + text
        except OSError:
            pass
        time.sleep(0.01)
    if peer.poll() is None:
        peer.kill()
    peer.wait()
    with open(log_path, encoding="utf-8", errors="replace") as f:
        raise RuntimeError("the peer did not start:\n" + f.read())


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def report(args, sat, half, rates):
    print("identityd against the Go peer (bench/peers/go), same run: %d round(s) of "
          "`identity-bench --methods=M --duration=%s --warmup=%s %s` per method and server, "
          "interleaved (order swapped per method and per round); then both at the same open-loop rate (half "
          "the slower one's median saturated calls/s) for %s. Client and both servers share "
          "the machine's cores; only one server is under load at a time. Server CPU per call: "
          "/proc/PID/stat utime + stime, all threads, over each run (warm-up included), median "
          "over rounds; client CPU likewise (identity-bench's own). Cores used = calls/s x server "
          "CPU per call: the share of the machine each server got. Projected x = (client + server "
          "CPU per call of the peer) / (the same of identityd), the calls/s ratio of a machine "
          "running only the load generator and one server. x = identityd / peer."
          % (args.rounds, args.duration, args.warmup, " ".join(args.bench_flags),
             args.paced_duration))
    print()
    print("| method | identityd calls/s | peer calls/s | x calls/s | median per-round x | "
          "identityd CPU us/call | peer CPU us/call | x CPU | cores used, identityd / peer | "
          "projected x calls/s (CPU) | identityd p50 / p99 us | "
          "peer p50 / p99 us | half-saturation rate | identityd p50 / p99 us | "
          "peer p50 / p99 us |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for m in args.methods:
        med = {s: {k: median([r[k] for r in sat[m][s]]) for k in ("rate", "p50", "p99",
                                                                    "server_cpu", "client_cpu")}
               for s in SERVERS}
        # The calls/s ratio of a machine running only the load generator and
        # the server, from the CPU each call costs both (as identity-bench
        # projects against health); and how many cores each server got.
        projected = ((med["peer"]["server_cpu"] + med["peer"]["client_cpu"])
                     / (med["identityd"]["server_cpu"] + med["identityd"]["client_cpu"]))
        cores = {s: med[s]["rate"] * med[s]["server_cpu"] / 1e6 for s in SERVERS}
        per_round = median([a["rate"] / b["rate"] for a, b in zip(sat[m]["identityd"],
                                                                   sat[m]["peer"])])
        x_rate = med["identityd"]["rate"] / med["peer"]["rate"]
        x_cpu = med["identityd"]["server_cpu"] / med["peer"]["server_cpu"]
        summary[m] = (x_rate, per_round, x_cpu, med, projected)
        h = half.get(m, {})
        hp = lambda s: ("%.0f / %.0f" % (h[s]["p50"], h[s]["p99"])) if s in h else "-"
        print("| %s | %.0f | %.0f | %.3f | %.3f | %.1f | %.1f | %.3f | %.2f / %.2f | %.3f | "
              "%.0f / %.0f | %.0f / %.0f | %s | %s | %s |"
              % (m, med["identityd"]["rate"], med["peer"]["rate"], x_rate, per_round,
                 med["identityd"]["server_cpu"], med["peer"]["server_cpu"], x_cpu,
                 cores["identityd"], cores["peer"], projected,
                 med["identityd"]["p50"], med["identityd"]["p99"], med["peer"]["p50"],
                 med["peer"]["p99"], "%d" % rates[m] if m in rates else "-", hp("identityd"),
                 hp("peer")))
    print()
    print("Per round calls/s (identityd / peer): " + "; ".join(
        "%s %s" % (m, ", ".join("%.0f/%.0f" % (a["rate"], b["rate"])
                                for a, b in zip(sat[m]["identityd"], sat[m]["peer"])))
        for m in args.methods))
    if "health" in args.methods:
        base = {s: summary["health"][3][s]["rate"] for s in SERVERS}
        print()
        print("Against each server's own null RPC (Health/Check), calls/s: " + "; ".join(
            "%s identityd %.3f, peer %.3f" % (m, summary[m][3]["identityd"]["rate"]
                                              / base["identityd"],
                                              summary[m][3]["peer"]["rate"] / base["peer"])
            for m in args.methods if m != "health"))
    print()
    for m in args.methods:
        if m == "health":
            continue
        x_rate, per_round, x_cpu, _, projected = summary[m]
        print("- %s: identityd %.2fx the peer's calls/s (per-round median %.2fx; projected from "
              "CPU %.2fx; target >= 1.15), %.2fx its server CPU per call (target <= 0.85)"
              % (m, x_rate, per_round, projected, x_cpu))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identity-bench", required=True)
    parser.add_argument("--peer", required=True)
    parser.add_argument("--peer-flag", action="append", default=[])
    parser.add_argument("--methods", default="health,hash,token,token_full")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", default="2s")
    parser.add_argument("--warmup", default="500ms")
    parser.add_argument("--paced-duration", default="1s")
    parser.add_argument("bench_flags", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    args.methods = args.methods.split(",")
    args.bench_flags = args.bench_flags[1:] if args.bench_flags[:1] == ["--"] else args.bench_flags

    with tempfile.TemporaryDirectory(prefix="peer-bench-") as workdir:
        try:
            peer, peer_target = start_peer(args, workdir)
        except RuntimeError as e:
            sys.stderr.write("peer_bench: %s\n" % e)
            return 1
        servers = {"identityd": {"name": "identityd", "target": os.environ["IDENTITYD_TARGET"],
                                 "pid": int(os.environ["IDENTITYD_PID"])},
                   "peer": {"name": "peer", "target": peer_target, "pid": peer.pid}}
        sat = {m: {s: [] for s in SERVERS} for m in args.methods}
        half, rates = {}, {}
        try:
            for r in range(args.rounds):
                for i, m in enumerate(args.methods):
                    # Swapped from one method to the next and, for each
                    # method, from one round to the next.
                    order = SERVERS if (r + i) % 2 == 0 else SERVERS[::-1]
                    for s in order:
                        sat[m][s].append(saturate(args, servers[s], m))
            if args.paced_duration not in ("0", "0s"):
                for i, m in enumerate(args.methods):
                    rates[m] = max(1, int(0.5 * min(median([r["rate"] for r in sat[m][s]])
                                                    for s in SERVERS)))
                    half[m] = {}
                    for s in (SERVERS if i % 2 == 0 else SERVERS[::-1]):
                        half[m][s] = paced(args, servers[s], m, rates[m])
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            sys.stderr.write("peer_bench: %s\n" % e)
            return 1
        finally:
            peer.terminate()
            try:
                peer.wait(timeout=20)
            except subprocess.TimeoutExpired:
                peer.kill()
                peer.wait()
    report(args, sat, half, rates)
    print("\nOK: 0 failed call(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
