#!/usr/bin/env python3
"""The metric names in the README, the alert rules and the dashboard are the
ones identityd exposes.

Starts identityd with mutual TLS (certificates from scripts/lib/dev_pki.sh, a
fresh state directory) and --metrics_listen, scrapes /metrics once, and checks:

* `promtool check metrics` finds no problem in the exposition (with the TLS,
  policy and rate-limit families that a plain-text server lacks);
* the README's "Monitoring" table lists exactly the families exposed, apart
  from rows marked "etcd store only" (which must not be exposed yet);
* every metric name in deploy/prometheus/identityd-alerts.yml and in
  deploy/grafana/identityd-dashboard.json is in that table (or is `up`);
* the dashboard is well-formed JSON with a unique id per panel, every panel
  has a Prometheus target, and no query names an email or app_id label;
* and, while it runs, that the TLS and policy metrics follow the files: the
  certificate's notAfter as openssl reads it, reloads that succeed (a renewed
  certificate, a new policy) and that fail (a broken certificate, a policy
  that does not parse).

    metric_names_test.py --identityd=PATH --repo=PATH
"""

import argparse
import calendar
import json
import os
import re
import secrets
import subprocess
import tempfile
import time

from metrics_test_util import WAIT_S, fail, http_get, metrics_port_from_log, stop

# PromQL words that look like metric names.
PROMQL_WORDS = {
    "sum", "max", "min", "avg", "count", "by", "without", "on", "ignoring", "group_left",
    "group_right", "rate", "increase", "irate", "histogram_quantile", "time", "absent", "and",
    "or", "unless", "offset", "bool", "le", "topk", "bottomk", "label_values", "humanize",
    "humanizeDuration", "humanizePercentage", "value", "labels", "instance", "job", "rpc",
    "code", "kind", "outcome", "sink", "op", "reason", "s", "m", "h", "d",
}
HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")
REPO = None



def readme_metrics(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    section = text.split("\n## Monitoring\n", 1)[1].split("\n## ", 1)[0]
    listed, etcd_only = set(), set()
    for line in section.splitlines():
        m = re.match(r"\| `([a-z_]+)` \| (counter|gauge|histogram) \|", line)
        if m:
            (etcd_only if "etcd store only" in line else listed).add(m.group(1))
    return listed, etcd_only


def names_in_expr(expr):
    # Drop strings (label values) and {...} label matchers, then take identifiers.
    expr = re.sub(r'"[^"]*"', '""', expr)
    expr = re.sub(r"\{[^}]*\}", "", expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    names = set()
    for word in re.findall(r"[A-Za-z_:][A-Za-z0-9_:]*", expr):
        if word in PROMQL_WORDS or word.startswith("__") or re.fullmatch(r"e\d*", word):
            continue
        for suffix in HISTOGRAM_SUFFIXES:
            if word.endswith(suffix) and word.startswith("identityd_") and "duration" in word:
                word = word[: -len(suffix)]
        names.add(word)
    return names


def rule_exprs(path):
    exprs = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"(\s*)expr: ?(\|)?(.*)", lines[i])
        if m:
            if m.group(2):  # a block: the lines indented deeper
                indent = len(m.group(1))
                block = []
                i += 1
                while i < len(lines) and (not lines[i].strip() or
                                          len(lines[i]) - len(lines[i].lstrip()) > indent):
                    block.append(lines[i])
                    i += 1
                exprs.append("\n".join(block))
                continue
            exprs.append(m.group(3))
        i += 1
    return exprs


def dashboard_exprs(path):
    with open(path, encoding="utf-8") as f:
        dashboard = json.load(f)
    ids = [p["id"] for p in dashboard["panels"]]
    if len(ids) != len(set(ids)):
        fail("dashboard: panel ids are not unique")
    exprs = []
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            continue
        targets = panel.get("targets") or fail("dashboard panel %r has no target" % panel["title"])
        if panel["datasource"]["type"] != "prometheus":
            fail("dashboard panel %r: not a Prometheus data source" % panel["title"])
        exprs += [t["expr"] for t in targets]
    for variable in dashboard["templating"]["list"]:
        if "definition" in variable:
            exprs.append(variable["definition"].replace("label_values(", "(", 1))
    return exprs


def sample(exposition, series):
    """The value of `series` (name{labels} as exposed) in `exposition`, or None."""
    for line in exposition.splitlines():
        if line.startswith(series + " "):
            return float(line.split(" ")[1])
    return None


def wait_for(port, series, predicate, what):
    """Scrapes until `predicate(value of series)` holds (bounded); returns the exposition."""
    deadline = time.monotonic() + WAIT_S
    while True:
        _, _, exposition = http_get("http://127.0.0.1:%d/metrics" % port)
        value = sample(exposition, series)
        if value is not None and predicate(value):
            return exposition
        if time.monotonic() > deadline:
            fail("%s: %s is %s" % (what, series, value))
        time.sleep(0.1)


def write_atomically(path, text):
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.rename(path + ".tmp", path)


def check_reloads(port, pki, policy):
    """The TLS and policy metrics follow changes of their files."""
    end = subprocess.run(["openssl", "x509", "-noout", "-enddate", "-in", pki + "/server.pem"],
                         check=True, capture_output=True, text=True).stdout.strip()
    not_after = calendar.timegm(time.strptime(end.split("=", 1)[1], "%b %d %H:%M:%S %Y %Z"))
    cert = "identityd_tls_certificate_not_after_timestamp_seconds"
    wait_for(port, cert, lambda v: v == not_after, "notAfter as openssl reads it")
    # A new valid policy, then one that does not parse (the previous stays).
    write_atomically(policy, json.dumps({"rules": []}))
    wait_for(port, 'identityd_authz_policy_reloads_total{outcome="success"}', lambda v: v == 1,
             "policy reloaded")
    write_atomically(policy, "{not json")
    wait_for(port, 'identityd_authz_policy_reloads_total{outcome="failure"}', lambda v: v == 1,
             "policy reload failed")
    # A renewed server certificate (new key, new serial), then a broken one.
    time.sleep(1.1)  # notAfter has whole seconds: let the renewed one differ
    subprocess.run([os.path.join(REPO, "scripts/lib/dev_pki.sh"), pki, "--renew-server"],
                   check=True, stdout=subprocess.DEVNULL, timeout=60)
    wait_for(port, 'identityd_tls_reloads_total{outcome="success"}', lambda v: v >= 1,
             "certificate reloaded")
    wait_for(port, cert, lambda v: v > not_after, "renewed notAfter")
    write_atomically(pki + "/server.pem", "not a certificate\n")
    wait_for(port, 'identityd_tls_reloads_total{outcome="failure"}', lambda v: v >= 1,
             "broken certificate")


def scrape_tls_identityd(identityd, repo):
    workdir = tempfile.mkdtemp(prefix="identityd-names-")
    pki = os.path.join(workdir, "pki")
    subprocess.run([os.path.join(repo, "scripts/lib/dev_pki.sh"), pki], check=True,
                   stdout=subprocess.DEVNULL, timeout=60)
    policy = os.path.join(workdir, "policy.json")
    with open(policy, "w") as f:
        json.dump({"rules": [{"name": "ops", "principals": ["spiffe://identityd.test/ops/*"],
                              "rpcs": ["*"], "app_ids": ["*"]}]}, f)
    key = os.path.join(workdir, "master.key")
    fd = os.open(key, os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_hex(32) + "\n")
    state = os.path.join(workdir, "state")
    subprocess.run([identityd, "--init_state_dir", "--state_dir=" + state,
                    "--master_key_file=" + key], check=True, capture_output=True, timeout=30)
    log_path = os.path.join(workdir, "identityd.log")
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [identityd, "--listen=127.0.0.1:0", "--metrics_listen=127.0.0.1:0",
             "--tls_cert_file=" + pki + "/server.pem", "--tls_key_file=" + pki + "/server.key",
             "--tls_client_ca_file=" + pki + "/ca.pem", "--authz_policy_file=" + policy,
             "--state_dir=" + state, "--master_key_file=" + key,
             "--tls_reload_interval=1s", "--authz_policy_reload_interval=100ms",
             "--audit_sink=file:" + os.path.join(workdir, "audit.log")],
            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        port = metrics_port_from_log(log_path, server)
        _, _, exposition = http_get("http://127.0.0.1:%d/metrics" % port)
        check_reloads(port, pki, policy)
    finally:
        stop(server)
    return exposition


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--identityd", required=True)
    parser.add_argument("--repo", required=True)
    args = parser.parse_args()
    global REPO
    REPO = args.repo

    exposition = scrape_tls_identityd(args.identityd, args.repo)
    check = subprocess.run(["promtool", "check", "metrics"], input=exposition,
                           capture_output=True, text=True, timeout=30)
    if check.returncode != 0 or check.stdout.strip() or check.stderr.strip():
        fail("promtool check metrics (TLS server):\n" + check.stdout + check.stderr)
    exposed = set(re.findall(r"^# TYPE (\S+) ", exposition, re.M))
    if re.search(r'(email|app_id)="', exposition):
        fail("the exposition has an email or app_id label")
    listed, etcd_only = readme_metrics(os.path.join(args.repo, "README.md"))
    errors = []
    if exposed - listed:
        errors.append("exposed but not in the README: %s" % sorted(exposed - listed))
    if listed - exposed:
        errors.append("in the README but not exposed: %s" % sorted(listed - exposed))
    if not etcd_only or etcd_only & exposed:
        errors.append("etcd-only rows: %s (exposed: %s)" % (sorted(etcd_only),
                                                             sorted(etcd_only & exposed)))
    known = listed | etcd_only | {"up"}
    for what, exprs in (
            ("deploy/prometheus/identityd-alerts.yml",
             rule_exprs(os.path.join(args.repo, "deploy/prometheus/identityd-alerts.yml"))),
            ("deploy/grafana/identityd-dashboard.json",
             dashboard_exprs(os.path.join(args.repo, "deploy/grafana/identityd-dashboard.json")))):
        if not exprs:
            errors.append("%s: no expression found" % what)
        for expr in exprs:
            if re.search(r"\b(email|app_id)\b", expr):
                errors.append("%s: %r names email or app_id" % (what, expr))
            unknown = names_in_expr(expr) - known
            if unknown:
                errors.append("%s: unknown metric(s) %s in %r" % (what, sorted(unknown), expr))
    if errors:
        fail("\n".join(errors))
    print("metric names: %d exposed = README (+%d etcd-only); alert rules and dashboard use "
          "only these" % (len(exposed), len(etcd_only)))


if __name__ == "__main__":
    main()
