#!/usr/bin/env python3
"""identityd scraped by a real Prometheus (Debian's prometheus 2.42).

Run by ctest through tests/support/run_with_identityd.py, which starts
identityd with --metrics_listen=127.0.0.1:0 and three widgets. This script:

1. reads the metrics port from identityd's log and checks the exposition with
   `promtool check metrics` (no problem reported);
2. makes a known number of good and bad calls with identityctl;
3. starts Prometheus (its own temporary directory, a free loopback port,
   scraping identityd every second) and checks, through Prometheus' HTTP API,
   that PromQL queries return exactly those counts;
4. runs every query of the Grafana dashboard (deploy/grafana) against it:
   each must be valid PromQL (metrics.names checks the names it uses).

Every wait is bounded; Prometheus is stopped in the end whatever happens.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse

from metrics_test_util import WAIT_S, fail, http_get, metrics_port_from_log, stop

PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"





def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def identityctl(*args):
    """Runs identityctl; returns the gRPC status code name it reported (OK on success)."""
    result = subprocess.run(
        [os.environ["IDENTITYCTL"], "--target=" + os.environ["IDENTITYD_TARGET"], "--insecure"]
        + list(args), capture_output=True, text=True, timeout=30)
    if result.returncode == 0:
        return "OK"
    m = re.match(r"identityctl: ([A-Z_]+)", result.stderr)
    return m.group(1) if m else "exit %d" % result.returncode


def make_calls():
    both = os.environ["IDENTITYD_APP_ID"]
    jwt_only = os.environ["IDENTITYD_JWT_ONLY_APP_ID"]
    calls = (
        [("OK", ["hash", both, "user%d@example.com" % i]) for i in range(5)]
        + [("INVALID_ARGUMENT", ["hash", both, "not-an-email"])] * 3
        + [("NOT_FOUND", ["hash", "no-such-widget", "a@example.com"])] * 2
        + [("FAILED_PRECONDITION", ["hash", jwt_only, "a@example.com"])]
        + [("OK", ["token", both, "t%d@example.com" % i]) for i in range(4)]
        + [("OK", ["rotate", jwt_only, "--kind=jwt", "--generate"])] * 2
        + [("ABORTED", ["rotate", jwt_only, "--kind=jwt", "--generate",
                        "--expected_version=1"])]
    )
    for expected, args in calls:
        got = identityctl(*args)
        if got != expected:
            fail("identityctl %s: %s, expected %s" % (args[0], got, expected))


# PromQL query -> the exact value it must return.
EXPECTED = {
    'identityd_rpc_calls_total{rpc="IssueEmailHash",code="OK"}': 5,
    'identityd_rpc_calls_total{rpc="IssueEmailHash",code="INVALID_ARGUMENT"}': 3,
    'identityd_rpc_calls_total{rpc="IssueEmailHash",code="NOT_FOUND"}': 2,
    'identityd_rpc_calls_total{rpc="IssueEmailHash",code="FAILED_PRECONDITION"}': 1,
    'sum(identityd_rpc_calls_total{rpc="IssueEmailHash"})': 11,
    'identityd_rpc_calls_total{rpc="IssueWidgetToken",code="OK"}': 4,
    'sum(identityd_rpc_calls_total{code!="OK"})': 7,
    'identityd_rpc_duration_seconds_count{rpc="IssueEmailHash"}': 11,
    'identityd_rpc_duration_seconds_bucket{rpc="IssueWidgetToken",le="+Inf"}': 4,
    'identityd_rotations_total{kind="jwt",outcome="OK"}': 2,
    'identityd_rotations_total{kind="jwt",outcome="ABORTED"}': 1,
    'sum(identityd_rotations_total{kind="email_hash"})': 0,
    'identityd_store_operation_duration_seconds_count{op="compare_and_set"}': 2,
    'identityd_widgets': 3,
    'identityd_widget_secrets{kind="jwt"}': 2,
    # interop-both and interop-jwt-only start at version 1; two rotations.
    'identityd_secret_versions_installed{kind="jwt"}': 4,
    'identityd_denied_calls_total{rpc="IssueEmailHash",reason="permission_denied"}': 0,
    # Audit (stdout): every issue call and the refused rotation are queued; the
    # two rotations made are written durably, not queued.
    'identityd_audit_events_queued_total': 16,
    'identityd_audit_sink_lines_written_total{sink="stdout"}': 18,
    'identityd_audit_events_dropped_total': 0,
    'up{job="identityd"}': 1,
}


DASHBOARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "deploy",
                         "grafana", "identityd-dashboard.json")


def dashboard_queries():
    with open(DASHBOARD, encoding="utf-8") as f:
        panels = json.load(f)["panels"]
    for panel in panels:
        for target in panel.get("targets", []):
            yield panel["title"], (target["expr"].replace("$instance", ".*")
                                   .replace("$__rate_interval", "1m"))


def check_dashboard(api):
    problems = []
    for title, promql in dashboard_queries():
        url = api + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
        try:
            _, _, body = http_get(url)
            answer = json.loads(body)
        except urllib.error.HTTPError as e:
            answer = json.loads(e.read().decode())
        if answer.get("status") != "success":
            problems.append("%s: %s: %s" % (title, promql, answer.get("error")))
    if problems:
        fail("dashboard queries:\n" + "\n".join(problems))


def query(api, promql):
    url = api + "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    _, _, body = http_get(url)
    result = json.loads(body)["data"]["result"]
    if len(result) != 1:
        return None
    return float(result[0]["value"][1])


def main():
    port = metrics_port_from_log(os.path.join(os.environ["IDENTITYD_DIR"], "identityd.stderr"))
    status, content_type, exposition = http_get("http://127.0.0.1:%d/metrics" % port)
    if status != 200 or not content_type.startswith("text/plain; version=0.0.4"):
        fail("GET /metrics: %s %s" % (status, content_type))
    check = subprocess.run([PROMTOOL, "check", "metrics"], input=exposition,
                           capture_output=True, text=True, timeout=30)
    if check.returncode != 0 or check.stdout.strip() or check.stderr.strip():
        fail("promtool check metrics:\n" + check.stdout + check.stderr)
    print("promtool check metrics: clean (%d lines)" % exposition.count("\n"))

    make_calls()

    workdir = tempfile.mkdtemp(prefix="identityd-prometheus-")
    web_port = free_port()
    config = os.path.join(workdir, "prometheus.yml")
    with open(config, "w", encoding="utf-8") as f:
        f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                "scrape_configs:\n  - job_name: identityd\n"
                "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % port)
    log = open(os.path.join(workdir, "prometheus.log"), "wb")
    prometheus = subprocess.Popen(
        [PROMETHEUS, "--config.file=" + config, "--storage.tsdb.path=" + workdir + "/data",
         "--web.listen-address=127.0.0.1:%d" % web_port, "--log.level=warn"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    api = "http://127.0.0.1:%d" % web_port
    try:
        deadline = time.monotonic() + WAIT_S
        got = {}
        while time.monotonic() < deadline:
            if prometheus.poll() is not None:
                break
            try:
                got = {q: query(api, q) for q in EXPECTED}
            except (OSError, ValueError, KeyError):
                got = {}
            if got and all(got[q] == v for q, v in EXPECTED.items()):
                break
            time.sleep(0.5)
        wrong = {q: got.get(q) for q, v in EXPECTED.items() if got.get(q) != v}
        if wrong:
            log.flush()
            with open(os.path.join(workdir, "prometheus.log"), errors="replace") as f:
                sys.stderr.write(f.read()[-3000:])
            fail("PromQL results differ from the calls made (query: got, expected):\n" +
                 "\n".join("  %s: %s, %s" % (q, g, EXPECTED[q]) for q, g in wrong.items()))
        print("Prometheus: %d PromQL queries returned the exact counts" % len(EXPECTED))
        check_dashboard(api)
        print("Prometheus: every dashboard query is valid PromQL")
    finally:
        stop(prometheus)
        log.close()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
