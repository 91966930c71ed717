#!/usr/bin/env python3
"""deploy/systemd/identityd.service: `systemd-analyze verify` reports nothing,
`systemd-analyze security --offline` rates its exposure at most
MAX_EXPOSURE (the figure deploy/README.md quotes), its flags are ones
identityd accepts, its stop timeout exceeds --shutdown_grace plus identityd's
stop limit, and its command lines run: ExecStartPre then ExecStart, with
systemd's specifiers and directories filled in the way systemd fills them,
in the image (tests/deploy/oci_container.py; this machine's PID 1 is not
systemd) as the unit's user, serving the health port; ExecReload's SIGHUP
reopens the audit file; SIGTERM stops it with status 0.

Environment: IDENTITYD (this build's), IMAGE_LAYOUT, GRPC_HEALTH_PROBE,
IDENTITYCTL, REPO_ROOT. Run as root."""

import os
import re
import shlex
import subprocess
import tempfile
import unittest

import oci_container
from deploy_fixtures import (IMAGE_GID, IMAGE_UID, REPO_ROOT, make_dev_pki, policy_json, probe,
                             read, write_file)

IDENTITYD = os.environ["IDENTITYD"]
LAYOUT = os.environ["IMAGE_LAYOUT"]
UNIT = os.path.join(REPO_ROOT, "deploy", "systemd", "identityd.service")
MAX_EXPOSURE = 1.5
STOP_FLUSH_LIMIT_S = 30  # server/startup/main.cc, kStopFlushLimit


def unit_settings(path):
    """[(key, value)] of the unit file, continuation lines joined."""
    with open(path, encoding="utf-8") as f:
        text = re.sub(r"\\\n\s*", " ", f.read())
    return [tuple(part.strip() for part in line.split("=", 1)) for line in text.splitlines()
            if "=" in line and not line.lstrip().startswith("#")]


def setting(settings, key):
    (value,) = [v for k, v in settings if k == key]
    return value


class SystemdUnitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workdir = tempfile.mkdtemp(prefix="identityd-systemd-test-")
        os.chmod(cls.workdir, 0o755)
        # The unit as installed, with this build's identityd where it names
        # /usr/bin/identityd (verify checks that the programs exist).
        cls.unit_copy = os.path.join(cls.workdir, "identityd.service")
        with open(UNIT, encoding="utf-8") as f:
            text = f.read().replace("/usr/bin/identityd", os.path.abspath(IDENTITYD))
        with open(cls.unit_copy, "w", encoding="utf-8") as f:
            f.write(text)
        cls.settings = unit_settings(UNIT)

    @classmethod
    def tearDownClass(cls):
        oci_container.remove_tree(cls.workdir)

    def test_verify_is_clean(self):
        result = subprocess.run(["systemd-analyze", "verify", self.unit_copy],
                                capture_output=True, text=True, timeout=60, check=False)
        self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
        self.assertEqual(result.stdout + result.stderr, "")

    def test_security_exposure(self):
        result = subprocess.run(["systemd-analyze", "security", "--offline=true",
                                 "--no-pager", self.unit_copy],
                                capture_output=True, text=True, timeout=60, check=False)
        match = re.search(r"Overall exposure level for identityd.service: ([0-9.]+)",
                          result.stdout)
        self.assertIsNotNone(match, result.stdout + result.stderr)
        print("systemd-analyze security: exposure %s" % match.group(1))
        self.assertLessEqual(float(match.group(1)), MAX_EXPOSURE, result.stdout)

    def test_flags_and_stop_timeout(self):
        helpfull = subprocess.run([IDENTITYD, "--helpfull"], capture_output=True, text=True,
                                  timeout=30, check=False)
        known = set(re.findall(r"^\s+--([a-z0-9_]+) \(", helpfull.stdout + helpfull.stderr,
                               re.M))
        for key in ("ExecStartPre", "ExecStart"):
            for arg in shlex.split(setting(self.settings, key))[1:]:
                self.assertIn(arg.split("=", 1)[0].lstrip("-"), known, "%s: %s" % (key, arg))
        grace = re.search(r"--shutdown_grace=(\d+)s", setting(self.settings, "ExecStart"))
        timeout = re.fullmatch(r"(\d+)", setting(self.settings, "TimeoutStopSec"))
        self.assertGreater(int(timeout.group(1)), int(grace.group(1)) + STOP_FLUSH_LIMIT_S)

    def test_command_lines_run(self):
        pki = make_dev_pki(os.path.join(self.workdir, "pki"))
        etc = os.path.join(self.workdir, "etc-identityd")
        os.makedirs(os.path.join(etc, "tls"))
        for name in ("server.pem", "server.key", "ca.pem"):
            write_file(os.path.join(etc, "tls", name), read(os.path.join(pki, name)), 0o640,
                       owner=(0, IMAGE_GID))
        write_file(os.path.join(etc, "policy.json"), policy_json(), 0o640, owner=(0, IMAGE_GID))
        # What systemd makes: the credential (the service user's, 0400), and
        # the state and logs directories (the service user's, 0700).
        credentials = os.path.join(self.workdir, "credentials")
        os.mkdir(credentials, 0o500)
        os.chown(credentials, IMAGE_UID, IMAGE_GID)
        write_file(os.path.join(credentials, "master.key"), os.urandom(32).hex() + "\n", 0o400)
        directories = {}
        for name in ("state", "logs"):
            directories[name] = os.path.join(self.workdir, name)
            os.mkdir(directories[name], 0o700)
            os.chown(directories[name], IMAGE_UID, IMAGE_GID)
        mounts = [(etc, "/etc/identityd", True),
                  (credentials, "/run/credentials/identityd.service", True),
                  (directories["state"], "/var/lib/identityd", False),
                  (directories["logs"], "/var/log/identityd", False)]

        def expand(command):
            command = (command.replace("%d", "/run/credentials/identityd.service")
                       .replace("${STATE_DIRECTORY}", "/var/lib/identityd")
                       .replace("${LOGS_DIRECTORY}", "/var/log/identityd"))
            argv = shlex.split(command)
            self.assertEqual(argv[0], "/usr/bin/identityd")
            return argv[1:]

        bundle = oci_container.Bundle(LAYOUT, oci_container.only_tag(LAYOUT), self.workdir)
        user = (IMAGE_UID, IMAGE_GID)
        code, out, err = bundle.run(expand(setting(self.settings, "ExecStartPre")),
                                    mounts=mounts, user=user)
        self.assertEqual(code, 0, out + err)
        server = bundle.start(expand(setting(self.settings, "ExecStart")), mounts=mounts,
                              user=user)
        try:
            health_port = int(re.search(r"--health_listen=127.0.0.1:(\d+)",
                                        setting(self.settings, "ExecStart")).group(1))
            self.assertTrue(oci_container.wait_until(
                lambda: server.popen.poll() is None and probe(server, health_port)[0],
                oci_container.START_TIMEOUT_S, interval=0.5), server.log())
            # ExecReload: SIGHUP reopens the audit file.
            self.assertEqual(setting(self.settings, "ExecReload"), "/bin/kill -HUP $MAINPID")
            server.signal("HUP")
            self.assertTrue(oci_container.wait_until(
                lambda: "reopening the audit sinks" in server.log(), 10), server.log())
            self.assertEqual(server.stop(), 0, server.log())
        finally:
            server.kill()
        self.assertTrue(os.path.exists(os.path.join(directories["logs"], "audit.log")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
