#!/usr/bin/env python3
"""Checks the Go peer (bench/peers/go) against identityd: same answers.

    run_with_identityd.py --identityd=PATH --identityctl=PATH -- \\
        go_peer_check.py PEER_BINARY

Runs under tests/support/run_with_identityd.py (identityd is up; IDENTITYD_*
and IDENTITYCTL are set). Starts the peer on a free loopback port with
identityd's own configuration file (so the same widgets and secrets), then
asks both the same questions through identityctl (the C++ client) and
requires:

  * every email of tests/testdata/email_hash_inputs.json hashes to the same
    64 hex characters on both (widgets with upper- and lower-case hex secrets);
  * tokens with and without every optional claim carry the same claims on
    both (iat/exp apart: exp - iat must match) and the peer's verifies with
    PyJWT under the widget's JWT secret and audience;
  * the same status code, and a message naming the same field, for each bad
    request (app_id, email, claims, ttl) and for NOT_FOUND and
    FAILED_PRECONDITION.

The bench compares throughput only if the two serve the same contract; this
is what makes that claim checkable. Secrets are never printed.
"""

import base64
import json
import os
import subprocess
import sys
import tempfile
import time

import jwt  # Debian's python3-jwt

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
START_TIMEOUT_S = 20


def call(target, args):
    proc = subprocess.run([os.environ["IDENTITYCTL"], "--target=" + target, "--insecure",
                           "--output=json"] + args, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=30, check=False)
    if proc.returncode == 0:
        return json.loads(proc.stdout), None
    # "identityctl: CODE: field: message"
    parts = proc.stderr.strip().split(": ", 3)
    code = parts[1] if len(parts) > 1 else proc.stderr
    field = parts[2] if len(parts) > 2 else ""
    return None, (code, field)


def claims_of(token):
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def start_peer(binary, workdir):
    port_file = os.path.join(workdir, "peer.port")
    log = open(os.path.join(workdir, "peer.log"), "wb")
    peer = subprocess.Popen([binary, "--listen=127.0.0.1:0", "--port_file=" + port_file,
                             "--config=" + os.path.join(os.environ["IDENTITYD_DIR"],
                                                        "identityd.json")],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
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
    peer.kill()
    peer.wait()
    with open(os.path.join(workdir, "peer.log"), encoding="utf-8", errors="replace") as f:
        raise RuntimeError("the peer did not start:\n" + f.read())


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: go_peer_check.py PEER_BINARY\n")
        return 2
    both = os.environ["IDENTITYD_APP_ID"]
    hash_only = os.environ["IDENTITYD_HASH_ONLY_APP_ID"]
    jwt_only = os.environ["IDENTITYD_JWT_ONLY_APP_ID"]
    with open(os.environ["IDENTITYD_JWT_SECRET_FILE"], encoding="ascii") as f:
        jwt_secret = f.read().rstrip("\n")
    with open(os.path.join(REPO, "tests", "testdata", "email_hash_inputs.json"),
              encoding="utf-8") as f:
        emails = json.load(f)["emails"]

    failures = []
    with tempfile.TemporaryDirectory(prefix="go-peer-check-") as workdir:
        peer, peer_target = start_peer(sys.argv[1], workdir)
        targets = {"identityd": os.environ["IDENTITYD_TARGET"], "peer": peer_target}
        try:
            checks = 0
            for app in (both, hash_only):
                for email in emails:
                    got = {k: call(t, ["hash", app, email]) for k, t in targets.items()}
                    checks += 1
                    if got["identityd"][1] or got["identityd"] != got["peer"]:
                        failures.append("hash %s %r: identityd %r, peer %r"
                                        % (app, email, got["identityd"], got["peer"]))
            claim_flags = ["--name=Jane Dö \"quoted\"", "--account_id=acct-1",
                           "--account_external_id=crm-1", "--contact_id=c-1",
                           "--contact_external_id=crm-c-1", "--ttl=300"]
            for flags in ([], ["--name="], claim_flags):
                got = {k: call(t, ["token", both, "jane@example.com"] + flags)
                       for k, t in targets.items()}
                checks += 1
                if got["identityd"][1] or got["peer"][1]:
                    failures.append("token %r: identityd %r, peer %r"
                                    % (flags, got["identityd"][1], got["peer"][1]))
                    continue
                mine, theirs = (claims_of(got[k][0]["jwt"]) for k in ("identityd", "peer"))
                lifetimes = [c.pop("exp") - c.pop("iat") for c in (mine, theirs)]
                if mine != theirs or lifetimes[0] != lifetimes[1]:
                    failures.append("token %r: claims differ: %r vs %r" % (flags, mine, theirs))
                try:
                    jwt.decode(got["peer"][0]["jwt"], jwt_secret, algorithms=["HS256"],
                               audience=both)
                except jwt.InvalidTokenError as e:
                    failures.append("token %r: the peer's JWT does not verify: %s" % (flags, e))
            bad = [
                ["hash", "no-such-widget", "jane@example.com"],
                ["hash", jwt_only, "jane@example.com"],
                ["token", hash_only, "jane@example.com"],
                ["hash", "bad app", "jane@example.com"],
                ["hash", "x" * 129, "jane@example.com"],
                ["hash", both, "no-at-sign"],
                ["hash", both, "a@b@c"],
                ["hash", both, "@example.com"],
                ["hash", both, "jane@"],
                ["hash", both, "ja ne@example.com"],
                ["hash", both, "jane\u00a0@example.com"],
                ["hash", both, "j@"  + "x" * 253],
                ["token", both, "jane@example.com", "--ttl=901"],
                ["token", both, "jane@example.com", "--ttl=0"],
                ["token", both, "jane@example.com", "--name=a\x01b"],
                ["token", both, "jane@example.com", "--account_id=" + "x" * 257],
                ["token", both, "jane\t@example.com"],
            ]
            for args in bad:
                got = {k: call(t, args)[1] for k, t in targets.items()}
                checks += 1
                if got["identityd"] is None or got["identityd"] != got["peer"]:
                    failures.append("%r: identityd %r, peer %r"
                                    % (args[:2] + [a[:40] for a in args[2:]], got["identityd"],
                                       got["peer"]))
        finally:
            peer.terminate()
            peer.wait(timeout=20)
    for f in failures:
        print("FAILED " + f)
    print("%s: %d checks, %d failed" % ("OK" if not failures else "FAILED", checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
