#!/usr/bin/env python3
"""Runs a test command against a real identityd started for it.

Used by ctest for tests written in other languages, so that each of them needs
no knowledge of how to start the server:

    run_with_identityd.py --identityd=PATH [--identityctl=PATH] [--mtls[=PKI_DIR]]
                          [--server-flag=FLAG ...] [--no-insecure-loopback]
                          [--keep-stdout=PATH] -- COMMAND [ARG ...]

It makes a private temporary directory, generates fresh secrets (Python's
`secrets` module) into files there (mode 0600), writes a config with three
widgets, starts identityd on a free loopback port (--listen=127.0.0.1:0
--port_file, plain text via --insecure_loopback unless --no-insecure-loopback
is given, e.g. with TLS flags passed by --server-flag; --mtls serves mutual TLS
as in production, see below), runs COMMAND with these environment variables,
then stops the server with SIGTERM and requires a clean
exit (status 0). With --keep-stdout, the server's standard output (e.g. its
audit log, --audit_sink=stdout) is copied to PATH once it has stopped.
These environment variables are set for COMMAND:

  IDENTITYD_TARGET                  127.0.0.1:PORT
  IDENTITYD_APP_ID                  a widget holding both kinds of secret
  IDENTITYD_EMAIL_HASH_SECRET_FILE  its email-hash secret (hex, one line)
  IDENTITYD_JWT_SECRET_FILE         its JWT secret (as displayed, one line)
  IDENTITYD_HASH_ONLY_APP_ID        a widget with only an email-hash secret
  IDENTITYD_HASH_ONLY_SECRET_FILE   its secret (UPPER-case hex, 16 bytes)
  IDENTITYD_JWT_ONLY_APP_ID         a widget with only a JWT secret
  IDENTITYD_DIR                     the private directory (scratch space)
  IDENTITYD_PID                     the server's process id (e.g. to read its memory)
  IDENTITYCTL                       the identityctl binary, if --identityctl given

With --mtls[=PKI_DIR], identityd serves mutual TLS only (no
--insecure_loopback), with the development PKI in PKI_DIR (made by
scripts/lib/dev_pki.sh PKI_DIR --foreign; without PKI_DIR, a new one in the
private directory: ~0.6 s of openssl), a policy that grants the "ops" client
(spiffe://identityd.test/ops/alice) every RPC on every widget, and a new sealed
state directory, and also sets:

  IDENTITYD_CA_FILE                 the CA that signed the server (and the clients)
  IDENTITYD_CERT_FILE               the ops client's certificate
  IDENTITYD_KEY_FILE                its private key
  IDENTITYD_FOREIGN_CERT_FILE       the same principal signed by another CA
  IDENTITYD_FOREIGN_KEY_FILE        (a client the server must refuse), its key
  IDENTITYD_INSECURE_TARGET         127.0.0.1:PORT of a second identityd serving
                                    the same widgets in plain text
                                    (--insecure_loopback), as for development

Secret values are never printed. Exit status: COMMAND's, or 1 if the server
failed to start or to stop cleanly. Every wait is bounded.
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SCRIPTS_LIB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scripts", "lib")
START_TIMEOUT_S = 20
STOP_TIMEOUT_S = 20
COMMAND_TIMEOUT_S = 600


def write_secret(path, text):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")


def server_log(workdir, name="identityd"):
    out = []
    for stream in ("stdout", "stderr"):
        try:
            with open(os.path.join(workdir, "%s.%s" % (name, stream)), encoding="utf-8",
                      errors="replace") as f:
                out.append(f.read())
        except OSError:
            pass
    return "".join(out)


def start_server(argv, workdir, name):
    """Starts identityd (argv, without --listen and --port_file) on a free loopback
    port, its output in WORKDIR/NAME.stdout and .stderr. Returns (process, port),
    port None if it did not start within START_TIMEOUT_S."""
    port_file = os.path.join(workdir, name + ".port")
    argv = argv[:1] + ["--listen=127.0.0.1:0", "--port_file=" + port_file] + argv[1:]
    with open(os.path.join(workdir, name + ".stdout"), "wb") as out, \
            open(os.path.join(workdir, name + ".stderr"), "wb") as err:
        server = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            with open(port_file, encoding="ascii") as f:
                text = f.read().strip()
            if text.isdigit() and int(text) > 0:
                return server, int(text)
        except OSError:
            pass
        if server.poll() is not None:
            break
        time.sleep(0.01)
    return server, None


def stop_server(server):
    """Stops identityd with SIGTERM; returns its exit status (None: it did not stop)."""
    server.send_signal(signal.SIGTERM)
    try:
        return server.wait(timeout=STOP_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        sys.stderr.write("run_with_identityd: identityd did not stop within %ds\n"
                         % STOP_TIMEOUT_S)
        return None


# The policy of --mtls: the "ops" client may call every RPC for every widget
# (the suites register widgets and rotate secrets).
MTLS_POLICY = {"rules": [{"name": "the interop tests' ops client may call everything",
                          "principals": ["spiffe://identityd.test/ops/alice"],
                          "rpcs": ["*"], "app_ids": ["*"]}]}


def make_mtls(identityd, workdir, pki):
    """Sets up --mtls: the PKI `pki` (made in WORKDIR/pki if empty), and a policy,
    master key and state directory of this server's own in WORKDIR.

    Returns (identityd flags, environment variables for COMMAND).
    """
    if not pki:
        pki = os.path.join(workdir, "pki")
        subprocess.run([os.path.join(SCRIPTS_LIB, "dev_pki.sh"), pki, "--foreign"], check=True,
                       timeout=START_TIMEOUT_S)
    policy = os.path.join(workdir, "policy.json")
    with open(policy, "w", encoding="utf-8") as f:
        json.dump(MTLS_POLICY, f)
    master_key = os.path.join(workdir, "master.key")
    state_dir = os.path.join(workdir, "state")
    write_secret(master_key, secrets.token_hex(32))
    # A server that serves TLS keeps its state sealed on disk; identityd makes a
    # state directory only when asked to.
    made = subprocess.run([identityd, "--init_state_dir", "--state_dir=" + state_dir,
                           "--master_key_file=" + master_key],
                          capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False)
    if made.returncode != 0:
        raise RuntimeError("identityd --init_state_dir failed: " + made.stderr)
    flags = ["--tls_cert_file=" + os.path.join(pki, "server.pem"),
             "--tls_key_file=" + os.path.join(pki, "server.key"),
             "--tls_client_ca_file=" + os.path.join(pki, "ca.pem"),
             "--authz_policy_file=" + policy,
             "--state_dir=" + state_dir,
             "--master_key_file=" + master_key]
    env = {"IDENTITYD_CA_FILE": os.path.join(pki, "ca.pem"),
           "IDENTITYD_CERT_FILE": os.path.join(pki, "ops.pem"),
           "IDENTITYD_KEY_FILE": os.path.join(pki, "ops.key"),
           "IDENTITYD_FOREIGN_CERT_FILE": os.path.join(pki, "foreign.pem"),
           "IDENTITYD_FOREIGN_KEY_FILE": os.path.join(pki, "foreign.key")}
    return flags, env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--identityd", required=True)
    parser.add_argument("--identityctl")
    parser.add_argument("--mtls", nargs="?", const="", default=None, metavar="PKI_DIR",
                        help="serve mutual TLS with the development PKI in PKI_DIR "
                             "(scripts/lib/dev_pki.sh DIR --foreign), or a new one (see above)")
    parser.add_argument("--server-flag", action="append", default=[])
    parser.add_argument("--no-insecure-loopback", action="store_true",
                        help="do not pass --insecure_loopback (the server flags set up TLS)")
    parser.add_argument("--keep-stdout", metavar="PATH",
                        help="copy the server's stdout here once it has stopped")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("missing COMMAND after --")

    workdir = tempfile.mkdtemp(prefix="identityd-interop-")
    servers = []
    try:
        app_id = "interop-both"
        hash_secret_file = os.path.join(workdir, "email_hash.secret")
        jwt_secret_file = os.path.join(workdir, "jwt.secret")
        write_secret(hash_secret_file, secrets.token_hex(32))
        # A JWT secret as the vendor displays one: printable ASCII, used as-is.
        write_secret(jwt_secret_file, secrets.token_urlsafe(32))
        hash_only_file = os.path.join(workdir, "hash_only.secret")
        jwt_only_file = os.path.join(workdir, "jwt_only.secret")
        write_secret(hash_only_file, secrets.token_hex(16).upper())
        write_secret(jwt_only_file, secrets.token_urlsafe(24))
        config = {
            "widgets": [
                {"app_id": app_id,
                 "email_hash_secret": {"file": hash_secret_file},
                 "jwt_secret": {"file": jwt_secret_file}},
                {"app_id": "interop-hash-only", "email_hash_secret": {"file": hash_only_file}},
                {"app_id": "interop-jwt-only", "jwt_secret": {"file": jwt_only_file}},
            ]
        }
        config_path = os.path.join(workdir, "identityd.json")
        with open(config_path, "w", encoding="utf-8") as f:
            json.dump(config, f, indent=2)

        def serve(name, argv):
            server, port = start_server(argv, workdir, name)
            servers.append((name, server))
            if port is None:
                sys.stderr.write("run_with_identityd: %s did not start; its log:\n" % name)
                sys.stderr.write(server_log(workdir, name))
            return server, port

        argv = [args.identityd, "--config=" + config_path] + args.server_flag
        tls_env = {}
        if args.mtls is not None:
            tls_flags, tls_env = make_mtls(args.identityd, workdir, args.mtls)
            argv += tls_flags
        elif not args.no_insecure_loopback:
            argv.append("--insecure_loopback")
        main_server, main_port = serve("identityd", argv)
        if main_port is None:
            return 1
        if args.mtls is not None:
            _, plain_port = serve("identityd-plain", [args.identityd, "--config=" + config_path,
                                                      "--insecure_loopback"])
            if plain_port is None:
                return 1
            tls_env["IDENTITYD_INSECURE_TARGET"] = "127.0.0.1:%d" % plain_port

        env = dict(os.environ)
        env.update({
            "IDENTITYD_TARGET": "127.0.0.1:%d" % main_port,
            "IDENTITYD_APP_ID": app_id,
            "IDENTITYD_EMAIL_HASH_SECRET_FILE": hash_secret_file,
            "IDENTITYD_JWT_SECRET_FILE": jwt_secret_file,
            "IDENTITYD_HASH_ONLY_APP_ID": "interop-hash-only",
            "IDENTITYD_HASH_ONLY_SECRET_FILE": hash_only_file,
            "IDENTITYD_JWT_ONLY_APP_ID": "interop-jwt-only",
            "IDENTITYD_DIR": workdir,
            "IDENTITYD_PID": str(main_server.pid),
        })
        env.update(tls_env)
        if args.identityctl:
            env["IDENTITYCTL"] = args.identityctl
        try:
            result = subprocess.run(command, env=env, timeout=COMMAND_TIMEOUT_S, check=False)
            status = result.returncode
        except subprocess.TimeoutExpired:
            sys.stderr.write("run_with_identityd: the test command timed out\n")
            status = 1

        codes = {name: stop_server(server) for name, server in servers}
        if args.keep_stdout:
            shutil.copyfile(os.path.join(workdir, "identityd.stdout"), args.keep_stdout)
        for name, code in codes.items():
            if code != 0:
                sys.stderr.write("run_with_identityd: %s exited with %r; its log:\n" % (name, code))
                sys.stderr.write(server_log(workdir, name))
                return 1
        if status != 0:
            sys.stderr.write("run_with_identityd: test failed; identityd log:\n")
            sys.stderr.write(server_log(workdir))
        return status
    finally:
        for _, server in servers:
            if server.poll() is None:
                server.kill()
                server.wait()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
