#!/usr/bin/env python3
"""The soak: the real identityd under mixed load and every live change, for a while.

    soak.py --identityd=PATH --identityctl=PATH --identity-bench=PATH --repo-root=DIR
            [--seconds=600] [--rate=2000] [--rotate-every=3] [--sighup-every=30]
            [--policy-every=60] [--cert-every=90] [--rss-every=5] [--connection-age=60]
            [--warmup=0.2] [--server-flag=FLAG ...] [--work-dir=DIR] [--report=FILE]

scripts/soak runs it for 10 minutes (docs/soak.md); ctest's soak.smoke for 40 s
with every period shortened and RSS compared from half-way. What it does:

* makes a throw-away PKI, policy, master key and state directory
  (scripts/lib/bench_pki.sh: `identityd --init_state_dir`), an audit key and a
  config with one widget holding both kinds of secret (files, mode 0600);
* starts identityd over mutual TLS with a file audit sink, the rate limit off
  (a refusal would count as a failure), TLS files re-read every 2 s, the policy
  every 2 s, and connections closed after --connection-age (so that the load's
  connections re-handshake against the renewed certificates too);
* runs identity-bench in steady mode (open loop, --rate calls/s in total,
  IssueEmailHash, IssueWidgetToken and IssueWidgetToken with every claim, 4
  connections x 8 calls in flight) for --seconds, and meanwhile:
  - every --rotate-every: a RotateSecret through identityctl with
    --expected_version (alternating kinds; the reply must be that version + 1);
  - every --sighup-every: the audit file is renamed (as logrotate does) and
    identityd gets SIGHUP; it must say so in its log and write a new file; the
    renamed file is counted, then removed (a 10-minute run would otherwise keep
    ~600 MB of audit lines);
  - every --policy-every: the policy file is replaced by rename, alternately
    with one more (harmless) rule and without it; the log must report the reload
    with the new rule count;
  - every --cert-every: the server certificate and key are re-issued from the
    same CA (scripts/lib/dev_pki.sh --renew-server) and, within a few seconds, a
    new TLS handshake must be served the new certificate;
  - every --rss-every: identityd's VmRSS (/proc/PID/status);
* after the load: GetWidget must show the versions the rotations made, then
  SIGTERM, and identityd must exit 0 (its audit writer flushed).

Pass criteria (each failure is listed; exit status 1 if any): no failed issue
call, no failed rotation, every SIGHUP, policy and certificate change applied,
RSS at the end (median of the samples in the last 5 % of the run) at most 10 %
above RSS after warm-up (median of the samples from --warmup, a fraction of the
run, default 0.2, to 5 % later; medians, so that one sample caught mid-burst
decides nothing), identityd stopped cleanly with no ERROR line in its log, and
the audit log accounts for every call: call lines written (across every
renamed file) + events reported dropped = issue calls + rotations + the final
GetWidget, with no outcome other than OK. A report in Markdown goes to stdout
(and --report). The work directory is removed unless --work-dir is given.
"""

import argparse
import json
import os
import secrets
import signal
import statistics
import socket
import ssl
import subprocess
import sys
import tempfile
import time

APP_ID = "soak-widget"
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 60
APPLY_TIMEOUT_S = 15   # a SIGHUP, policy or certificate change must show by then
BENCH_SLACK_S = 60     # identity-bench must end this long after its duration


def now():
    return time.monotonic()


def write_private(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def replace_file(path, text):
    """Writes `path` atomically: a temporary file in the same folder, then rename."""
    tmp = path + ".tmp"
    write_private(tmp, text)
    os.replace(tmp, path)


def rss_kib(pid):
    with open("/proc/%d/status" % pid, encoding="ascii") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS for pid %d" % pid)


def cpu_seconds(pid):
    """utime + stime of every thread of `pid`, from /proc/PID/stat."""
    with open("/proc/%d/stat" % pid, encoding="ascii") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load_average():
    with open("/proc/loadavg", encoding="ascii") as f:
        return " ".join(f.read().split()[:3])


def count_audit_file(path, tally):
    """Adds `path`'s audit lines to `tally`; returns its number of call lines."""
    calls = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            try:
                record = json.loads(line)
            except ValueError:
                tally["unparsable"] += 1
                continue
            kind = record.get("type")
            if kind == "audit_drops":
                # Totals since start: the last report counts.
                tally["dropped"] = record.get("dropped_total", 0)
            elif kind == "call":
                if "supersedes" in record:   # a rotation recorded, then not applied
                    tally["superseded"] += 1
                    continue
                calls += 1
                rpc = record.get("rpc", "?")
                tally["by_rpc"][rpc] = tally["by_rpc"].get(rpc, 0) + 1
                if record.get("outcome") != "OK":
                    key = "%s %s: %s" % (rpc, record.get("outcome"), record.get("reason"))
                    tally["not_ok"][key] = tally["not_ok"].get(key, 0) + 1
            else:
                tally["other"][kind] = tally["other"].get(kind, 0) + 1
    tally["calls"] += calls
    tally["files"].append((os.path.basename(path), calls, os.path.getsize(path)))
    return calls


class Soak:
    def __init__(self, args, work):
        self.args = args
        self.work = work
        self.certs = os.path.join(work, "certs")
        self.audit = os.path.join(work, "audit.log")
        self.server_log = os.path.join(work, "identityd.log")
        self.failures = []
        self.events = []          # (t, text) of every live change, for the report
        self.rss = []             # (t, KiB)
        self.versions = {"email_hash": 1, "jwt": 1}
        self.rotations = {"done": 0, "failed": 0}
        self.counts = {"sighup": 0, "policy": 0, "cert": 0}
        self.pending = []         # [description, deadline, check] of changes not yet seen
        self.tally = {"calls": 0, "dropped": 0, "superseded": 0, "unparsable": 0,
                      "by_rpc": {}, "not_ok": {}, "other": {}, "files": []}
        self.server = None
        self.bench = None
        self.t0 = None
        self.policy_extra = False  # whether the policy file holds the extra rule
        self.rotated_files = 0

    # ---- helpers

    def fail(self, text):
        self.failures.append(text)
        self.note("FAILED: " + text)

    def note(self, text):
        t = now() - self.t0 if self.t0 else 0.0
        self.events.append((t, text))
        print("[%6.1f s] %s" % (t, text), flush=True)

    def log_text(self):
        with open(self.server_log, encoding="utf-8", errors="replace") as f:
            return f.read()

    def ctl(self, *argv, timeout=30):
        cmd = [self.args.identityctl, "--target=" + self.target, "--output=json",
               "--ca=" + os.path.join(self.certs, "ca.pem"),
               "--cert=" + os.path.join(self.certs, "ops.pem"),
               "--key=" + os.path.join(self.certs, "ops.key")] + list(argv)
        # stdout may hold a generated secret: parsed here, never printed.
        return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=timeout, check=False)

    # ---- set-up

    def make_files(self):
        subprocess.run([os.path.join(self.args.repo_root, "scripts/lib/bench_pki.sh"), self.certs,
                        self.args.identityd], check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(self.certs, "policy.json"), encoding="utf-8") as f:
            self.policy = json.load(f)
        write_private(os.path.join(self.work, "audit.key"), secrets.token_hex(32) + "\n")
        write_private(os.path.join(self.work, "email_hash.secret"), secrets.token_hex(32) + "\n")
        write_private(os.path.join(self.work, "jwt.secret"), secrets.token_urlsafe(32) + "\n")
        config = {"widgets": [{"app_id": APP_ID,
                               "email_hash_secret": {"file": "email_hash.secret"},
                               "jwt_secret": {"file": "jwt.secret"}}]}
        write_private(os.path.join(self.work, "identityd.json"), json.dumps(config, indent=2))

    def start_server(self):
        port_file = os.path.join(self.work, "port")
        c = self.certs
        argv = [self.args.identityd, "--listen=127.0.0.1:0", "--port_file=" + port_file,
                "--config=" + os.path.join(self.work, "identityd.json"),
                "--tls_cert_file=" + os.path.join(c, "server.pem"),
                "--tls_key_file=" + os.path.join(c, "server.key"),
                "--tls_client_ca_file=" + os.path.join(c, "ca.pem"),
                "--authz_policy_file=" + os.path.join(c, "policy.json"),
                "--state_dir=" + os.path.join(c, "state"),
                "--master_key_file=" + os.path.join(c, "master.key"),
                "--audit_sink=file:" + self.audit,
                "--audit_key_file=" + os.path.join(self.work, "audit.key"),
                "--rate_limit_per_second=0",
                "--tls_reload_interval=2s", "--authz_policy_reload_interval=2s",
                "--max_connection_age=%ds" % self.args.connection_age,
                "--max_connection_age_grace=10s"] + self.args.server_flag
        with open(self.server_log, "wb") as log:
            self.server = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL)
        deadline = now() + START_TIMEOUT_S
        while now() < deadline and self.server.poll() is None:
            try:
                with open(port_file, encoding="ascii") as f:
                    text = f.read().strip()
                if text.isdigit() and int(text) > 0:
                    self.target = "127.0.0.1:" + text
                    return True
            except OSError:
                pass
            time.sleep(0.05)
        sys.stderr.write("soak: identityd did not start; its log:\n" + self.log_text())
        return False

    def start_bench(self):
        c = self.certs
        argv = [self.args.identity_bench, "--target=" + self.target,
                "--ca=" + os.path.join(c, "ca.pem"), "--cert=" + os.path.join(c, "ops.pem"),
                "--key=" + os.path.join(c, "ops.key"), "--app_id=" + APP_ID,
                "--methods=hash,token,token_full", "--steady_rate=%g" % self.args.rate,
                "--duration=%ds" % self.args.seconds, "--warmup=0s",
                "--channels=4", "--in_flight=8", "--server_pid=%d" % self.server.pid]
        self.bench_out = os.path.join(self.work, "identity-bench.out")
        with open(self.bench_out, "wb") as out:
            self.bench = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)

    # ---- the live changes

    def rotate(self):
        kind = "email_hash" if self.rotations["done"] % 2 == 0 else "jwt"
        expected = self.versions[kind]
        r = self.ctl("rotate", APP_ID, "--kind=" + kind, "--generate",
                     "--expected_version=%d" % expected)
        version = None
        if r.returncode == 0:
            try:
                version = int(json.loads(r.stdout).get("version", 0))
            except ValueError:
                pass
        if version == expected + 1:
            self.versions[kind] = version
            self.rotations["done"] += 1
        else:
            self.rotations["failed"] += 1
            self.fail("rotation of %s at expected_version %d: exit %d, version %r, %s"
                      % (kind, expected, r.returncode, version, r.stderr.strip()))

    def sighup(self):
        if not os.path.exists(self.audit):  # the last reopen has not happened yet
            self.fail("SIGHUP %d: no audit file to rename" % (self.counts["sighup"] + 1))
            return
        self.rotated_files += 1
        renamed = "%s.%d" % (self.audit, self.rotated_files)
        os.rename(self.audit, renamed)
        hups = self.log_text().count("received SIGHUP; reopening the audit sinks")
        self.server.send_signal(signal.SIGHUP)
        self.counts["sighup"] += 1

        def check():
            if self.log_text().count("received SIGHUP") <= hups or not os.path.exists(self.audit):
                return False
            # The writer has moved to the new file: the renamed one is complete.
            count_audit_file(renamed, self.tally)
            os.remove(renamed)
            return True
        self.expect("SIGHUP %d (audit file renamed, reopened)" % self.counts["sighup"], check)

    def reload_policy(self):
        extra = {"name": "soak: a harmless extra rule (no certificate names this principal)",
                 "principals": ["spiffe://identityd.test/ns/soak/sa/unused"],
                 "rpcs": ["GetWidget"], "app_ids": ["soak-unused"]}
        self.policy_extra = not self.policy_extra
        policy = dict(self.policy)
        policy["rules"] = self.policy["rules"] + ([extra] if self.policy_extra else [])
        rules = len(policy["rules"])
        path = os.path.join(self.certs, "policy.json")
        wanted = "authorization policy reloaded from %s: %d rule(s)" % (path, rules)
        seen = self.log_text().count(wanted)
        replace_file(path, json.dumps(policy, indent=2) + "\n")
        self.counts["policy"] += 1
        self.expect("policy reload %d (%d rule(s))" % (self.counts["policy"], rules),
                    lambda: self.log_text().count(wanted) > seen)

    def renew_cert(self):
        subprocess.run([os.path.join(self.args.repo_root, "scripts/lib/dev_pki.sh"), self.certs,
                        "--renew-server"], check=True)
        with open(os.path.join(self.certs, "server.pem"), encoding="ascii") as f:
            wanted = ssl.PEM_cert_to_DER_cert(f.read())
        self.counts["cert"] += 1
        self.expect("certificate renewal %d (a new handshake gets the new certificate)"
                    % self.counts["cert"], lambda: self.served_certificate() == wanted)

    def served_certificate(self):
        """The DER certificate a new mutual-TLS handshake is served, or None."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.load_verify_locations(os.path.join(self.certs, "ca.pem"))
        context.load_cert_chain(os.path.join(self.certs, "ops.pem"),
                                os.path.join(self.certs, "ops.key"))
        context.set_alpn_protocols(["h2"])
        host, port = self.target.rsplit(":", 1)
        try:
            with socket.create_connection((host, int(port)), timeout=5) as sock:
                with context.wrap_socket(sock, server_hostname=host) as tls:
                    return tls.getpeercert(binary_form=True)
        except (OSError, ssl.SSLError):
            return None

    def expect(self, what, check):
        self.pending.append([what, now() + APPLY_TIMEOUT_S, check])

    def check_pending(self):
        still = []
        for what, deadline, check in self.pending:
            if check():
                self.note("applied: " + what)
            elif now() > deadline:
                self.fail("not applied within %d s: %s" % (APPLY_TIMEOUT_S, what))
            else:
                still.append([what, deadline, check])
        self.pending = still

    # ---- the run

    def run(self):
        a = self.args
        self.make_files()
        if not self.start_server():
            return 1
        self.t0 = now()
        self.load_before = load_average()
        self.note("identityd pid %d on %s; load %g calls/s for %d s"
                  % (self.server.pid, self.target, a.rate, a.seconds))
        self.start_bench()
        # The last RSS sample is taken just before the load ends.
        end = self.t0 + a.seconds - min(2.0, a.rss_every / 2)
        periodic = [(a.rss_every, self.sample_rss, 0), (a.rotate_every, self.rotate, a.rotate_every),
                    (a.sighup_every, self.sighup, a.sighup_every),
                    (a.policy_every, self.reload_policy, a.policy_every),
                    (a.cert_every, self.renew_cert, a.cert_every)]
        due = [self.t0 + first for _, _, first in periodic]
        while now() < end and self.bench.poll() is None and self.server.poll() is None:
            for i, (every, action, _) in enumerate(periodic):
                if now() >= due[i]:
                    action()
                    due[i] += every
            self.check_pending()
            time.sleep(max(0.0, min(min(due) - now(), 0.5)))
        self.sample_rss()
        self.load_after = load_average()
        return self.finish()

    def sample_rss(self):
        try:
            kib = rss_kib(self.server.pid)
        except (OSError, RuntimeError):
            return
        t = now() - self.t0
        self.rss.append((t, kib))
        if len(self.rss) % max(1, int(30 / self.args.rss_every)) == 1:
            print("[%6.1f s] RSS %.1f MiB" % (t, kib / 1024), flush=True)

    def finish(self):
        a = self.args
        try:
            self.bench.wait(timeout=a.seconds + BENCH_SLACK_S - (now() - self.t0))
        except subprocess.TimeoutExpired:
            self.bench.kill()
            self.bench.wait()
            self.fail("identity-bench did not end")
        with open(self.bench_out, encoding="utf-8", errors="replace") as f:
            self.bench_report = f.read()
        if self.bench.returncode != 0:
            self.fail("identity-bench exit status %d" % self.bench.returncode)
        self.load_calls = self.load_failed = None
        for line in self.bench_report.splitlines():
            if line.startswith("steady: "):
                fields = dict(kv.split("=") for kv in line.split()[1:])
                self.load_calls, self.load_failed = int(fields["calls"]), int(fields["failed"])
        if self.load_calls is None:
            self.fail("identity-bench printed no totals")
        elif self.load_failed:
            self.fail("%d failed issue call(s)" % self.load_failed)

        # Changes still pending get their full time.
        while self.pending and self.server.poll() is None:
            self.check_pending()
            time.sleep(0.2)

        # The keyring holds the versions the rotations made.
        r = self.ctl("widget", APP_ID)
        self.widget_calls = 1
        if r.returncode != 0:
            self.fail("GetWidget: exit %d: %s" % (r.returncode, r.stderr.strip()))
        else:
            current = {}
            for secret in json.loads(r.stdout)["widget"]["secrets"]:
                kind = secret["kind"].replace("SECRET_KIND_", "").lower()
                current[kind] = int(secret["current"]["version"])
            if current != self.versions:
                self.fail("GetWidget shows versions %s, the rotations made %s"
                          % (current, self.versions))
        self.cpu_s = cpu_seconds(self.server.pid)

        if self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
        try:
            code = self.server.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.server.kill()
            code = self.server.wait()
            self.fail("identityd did not stop within %d s" % STOP_TIMEOUT_S)
        if code != 0:
            self.fail("identityd exited with status %r" % code)
        levels = [l.split(" ", 2)[1] for l in self.log_text().splitlines() if l.count(" ") >= 2]
        self.warnings = levels.count("WARNING")
        for line in [l for l in self.log_text().splitlines() if " ERROR " in l][:10]:
            self.fail("identityd logged: " + line)

        for name in sorted(os.listdir(self.work)):
            if name.startswith("audit.log"):
                count_audit_file(os.path.join(self.work, name), self.tally)
        return self.report()

    # ---- the report

    def report(self):
        a = self.args
        t = self.tally
        out = []
        p = out.append
        p("# identityd soak")
        p("")
        p("- command: `%s`" % " ".join(sys.argv))
        p("- %d s of load at %g calls/s (IssueEmailHash, IssueWidgetToken, IssueWidgetToken with "
          "every claim, evenly; 4 mTLS connections x 8 calls in flight, open loop); connections "
          "closed by identityd after %d s" % (a.seconds, a.rate, a.connection_age))
        p("- every %g s a rotation (identityctl, --expected_version); every %g s SIGHUP after "
          "renaming the audit file; every %g s a policy change; every %g s a renewed server "
          "certificate; RSS every %g s" % (a.rotate_every, a.sighup_every, a.policy_every,
                                           a.cert_every, a.rss_every))
        p("- machine: %d core(s), Linux %s; load average (1, 5, 15 min) at the start %s, at the "
          "end %s" % (os.cpu_count(), os.uname().release, self.load_before, self.load_after))
        p("")
        p("## Calls")
        p("")
        expected = None
        if self.load_calls is not None:
            rotations = self.rotations["done"] + self.rotations["failed"]
            expected = self.load_calls + rotations + self.widget_calls
            p("- issue calls: %d, failed: %d" % (self.load_calls, self.load_failed))
            p("- rotations: %d done, %d failed (email_hash now version %d, jwt version %d)"
              % (self.rotations["done"], self.rotations["failed"], self.versions["email_hash"],
                 self.versions["jwt"]))
            p("- live changes: %d SIGHUP, %d policy reloads, %d certificate renewals"
              % (self.counts["sighup"], self.counts["policy"], self.counts["cert"]))
            p("- identityd CPU time: %.1f s (%.1f us per call); log: %d WARNING line(s)"
              % (self.cpu_s, 1e6 * self.cpu_s / max(1, expected), self.warnings))
        p("")
        p("```")
        p(self.bench_report.strip())
        p("```")
        p("")
        p("## Audit log")
        p("")
        written = t["calls"]
        size = sum(b for _, _, b in t["files"])
        p("- call lines written: %d in %d file(s) (%s; %.0f MB, %.0f bytes a line); dropped: %d; "
          "superseded rotation lines: %d; other lines: %s; unparsable: %d"
          % (written, len(t["files"]), ", ".join("%s %d" % (n, c) for n, c, _ in t["files"][:3])
             + (", …" if len(t["files"]) > 3 else ""), size / 1e6, size / max(1, written),
             t["dropped"], t["superseded"], t["other"] or "none", t["unparsable"]))
        p("- by RPC: %s" % ", ".join("%s %d" % kv for kv in sorted(t["by_rpc"].items())))
        if expected is not None:
            p("- calls made (issue + rotations + 1 GetWidget): %d; written + dropped: %d; "
              "unaccounted: %d" % (expected, written + t["dropped"],
                                   expected - written - t["dropped"]))
            if expected != written + t["dropped"]:
                self.fail("the audit log accounts for %d of %d calls"
                          % (written + t["dropped"], expected))
        for key, n in sorted(t["not_ok"].items()):
            self.fail("audit: %d x %s" % (n, key))
        if t["unparsable"]:
            self.fail("audit: %d unparsable line(s)" % t["unparsable"])
        p("")
        p("## Resident memory (VmRSS)")
        p("")
        w = a.warmup
        warm = [k for t_, k in self.rss if w * a.seconds <= t_ <= (w + 0.05) * a.seconds]
        last = [k for t_, k in self.rss if t_ >= 0.95 * a.seconds - a.rss_every]
        if warm and last:
            growth = statistics.median(last) / statistics.median(warm) - 1
            after = [k for t_, k in self.rss if t_ >= w * a.seconds]
            p("- after warm-up (median of %d sample(s) at %.0f-%.0f %% of the run): %.1f MiB; at "
              "the end (median of the last %d): %.1f MiB; change %+.1f %% (limit +10 %%)"
              % (len(warm), 100 * w, 100 * (w + 0.05), statistics.median(warm) / 1024, len(last),
                 statistics.median(last) / 1024, 100 * growth))
            p("- from warm-up on: min %.1f MiB, max %.1f MiB; first sample %.1f MiB at %.0f s; "
              "%d samples in all" % (min(after) / 1024, max(after) / 1024, self.rss[0][1] / 1024,
                                     self.rss[0][0], len(self.rss)))
            step = max(1, len(self.rss) // 24)
            series = self.rss[::step]
            if series[-1] is not self.rss[-1]:
                series.append(self.rss[-1])
            p("- series (s: MiB): " + ", ".join("%.0f: %.1f" % (s, k / 1024) for s, k in series))
            if growth > 0.10:
                self.fail("RSS grew %.1f %% after warm-up (%.1f -> %.1f MiB)"
                          % (100 * growth, statistics.median(warm) / 1024,
                             statistics.median(last) / 1024))
        else:
            self.fail("no RSS samples after warm-up or at the end")
        p("")
        p("## Live changes")
        p("")
        for t_, text in self.events:
            if text.startswith("applied: ") or text.startswith("FAILED"):
                p("- %.1f s: %s" % (t_, text))
        p("")
        p("## Verdict")
        p("")
        for f in self.failures:
            p("- FAILED: " + f)
        p("%s: %d failure(s)" % ("OK" if not self.failures else "FAILED", len(self.failures)))
        text = "\n".join(out) + "\n"
        print()
        print(text, end="")
        if a.report:
            with open(a.report, "w", encoding="utf-8") as f:
                f.write(text)
        return 0 if not self.failures else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identityd", required=True)
    parser.add_argument("--identityctl", required=True)
    parser.add_argument("--identity-bench", required=True)
    parser.add_argument("--repo-root", required=True)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--rate", type=float, default=2000, help="issue calls/s in total")
    parser.add_argument("--rotate-every", type=float, default=3)
    parser.add_argument("--sighup-every", type=float, default=30)
    parser.add_argument("--policy-every", type=float, default=60)
    parser.add_argument("--cert-every", type=float, default=90)
    parser.add_argument("--rss-every", type=float, default=5)
    parser.add_argument("--warmup", type=float, default=0.2,
                        help="the fraction of the run after which RSS must stay within 10 %%")
    parser.add_argument("--connection-age", type=int, default=60,
                        help="identityd's --max_connection_age, seconds")
    parser.add_argument("--server-flag", action="append", default=[],
                        help="an extra identityd flag (repeatable; a later flag wins)")
    parser.add_argument("--work-dir", help="keep the files here (default: a temporary "
                        "directory, removed at the end)")
    parser.add_argument("--report", help="also write the Markdown report here")
    args = parser.parse_args()
    if args.seconds < 10:
        parser.error("--seconds: at least 10")
    if not 0 < args.warmup <= 0.8:
        parser.error("--warmup: a fraction of the run, above 0 and at most 0.8")
    if args.work_dir:
        os.makedirs(args.work_dir, exist_ok=False)
        return run(args, args.work_dir)
    with tempfile.TemporaryDirectory(prefix="identityd-soak-") as work:
        return run(args, work)


def run(args, work):
    soak = Soak(args, work)
    try:
        return soak.run()
    finally:
        for proc in (soak.bench, soak.server):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()


if __name__ == "__main__":
    sys.exit(main())
