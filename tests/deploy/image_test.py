#!/usr/bin/env python3
"""identityd's container image (deploy/image/build-image.sh), run here with
runc (tests/deploy/oci_container.py): what the image holds, its config, and
the image's own entrypoint, user and files serving a real call over mutual
TLS and answering health probes, with the state on a volume initialised by
the image's identityd.

Environment: IMAGE_LAYOUT (the OCI layout the build wrote), IDENTITYCTL and
GRPC_HEALTH_PROBE (this machine's, run in the container's network namespace),
REPO_ROOT. Run as root."""

import os
import re
import tempfile
import unittest

import oci_container
from deploy_fixtures import IMAGE_GID as GID
from deploy_fixtures import IMAGE_UID as UID
from deploy_fixtures import email_hash, identityctl, make_dev_pki, policy_json, probe, read
from deploy_fixtures import write_file as write

LAYOUT = os.environ["IMAGE_LAYOUT"]


class ImageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tag = oci_container.only_tag(LAYOUT)
        cls.config = oci_container.image_config(LAYOUT, cls.tag)
        cls.workdir = tempfile.mkdtemp(prefix="identityd-image-test-")
        os.chmod(cls.workdir, 0o755)
        cls.bundle = oci_container.Bundle(LAYOUT, cls.tag, cls.workdir)

    @classmethod
    def tearDownClass(cls):
        oci_container.remove_tree(cls.workdir)

    # --- what the image is --------------------------------------------------

    def test_config_runs_identityd_as_a_non_root_user_with_labels(self):
        config = self.config["config"]
        self.assertEqual(config["Entrypoint"], ["/usr/bin/identityd"])
        self.assertNotIn("Cmd", config)
        self.assertEqual(config["User"], "%d:%d" % (UID, GID))
        labels = config["Labels"]
        self.assertEqual(labels["org.opencontainers.image.title"], "identityd")
        self.assertEqual(labels["org.opencontainers.image.version"], self.tag.split(":", 1)[1])
        self.assertRegex(labels["org.opencontainers.image.revision"], "^[0-9a-f]{40}$")
        self.assertIn("org.opencontainers.image.created", labels)

    def test_root_filesystem_is_minimal(self):
        rootfs = self.bundle.rootfs
        for shell in ("bin/sh", "bin/bash", "bin/dash", "usr/bin/sh", "usr/bin/bash",
                      "usr/bin/dash", "bin/busybox", "usr/bin/perl", "usr/bin/apt",
                      "usr/bin/dpkg"):
            self.assertFalse(os.path.lexists(os.path.join(rootfs, shell)), shell)
        for program in ("usr/bin/identityd", "usr/bin/identityctl"):
            self.assertTrue(os.access(os.path.join(rootfs, program), os.X_OK), program)
        with open(os.path.join(rootfs, "etc/passwd"), encoding="ascii") as f:
            self.assertIn("identityd:x:%d:%d:" % (UID, GID), f.read())
        with open(os.path.join(rootfs, "etc/ssl/certs/ca-certificates.crt"),
                  encoding="ascii") as f:
            self.assertGreater(f.read().count("BEGIN CERTIFICATE"), 100)
        state = os.stat(os.path.join(rootfs, "var/lib/identityd"))
        self.assertEqual((state.st_uid, state.st_mode & 0o777), (UID, 0o700))

    def test_entrypoint_links_with_the_images_libraries(self):
        # identityd --help exits 1 (Abseil's convention) after printing every flag.
        code, out, err = self.bundle.run(["--help"])
        self.assertNotIn("error while loading shared libraries", out + err)
        self.assertIn("--health_listen", out + err)
        code, out, err = self.bundle.run([], user=None)
        self.assertEqual(code, 1)
        self.assertIn("--listen is required", out + err)

    # --- the image serving ------------------------------------------------------

    def test_serves_mutual_tls_calls_and_health_probes(self):
        work = tempfile.mkdtemp(prefix="run-", dir=self.workdir)
        os.chmod(work, 0o755)
        pki = make_dev_pki(os.path.join(work, "pki"))
        tls = os.path.join(work, "tls")
        os.mkdir(tls)
        for name in ("server.pem", "server.key", "ca.pem"):
            write(os.path.join(tls, name), read(os.path.join(pki, name)), 0o400)
        policy = os.path.join(work, "policy")
        os.mkdir(policy)
        write(os.path.join(policy, "policy.json"), policy_json(), 0o400)
        key_dir = os.path.join(work, "master-key")
        os.mkdir(key_dir)
        write(os.path.join(key_dir, "master.key"), os.urandom(32).hex() + "\n", 0o400)
        client = os.path.join(work, "client")
        os.mkdir(client)
        for name in ("service.pem", "service.key"):
            write(os.path.join(client, name), read(os.path.join(pki, name)), 0o400)
        state = os.path.join(work, "state-volume")
        os.mkdir(state, 0o700)
        os.chown(state, UID, GID)
        mounts = [(tls, "/etc/identityd/tls", True), (policy, "/etc/identityd/policy", True),
                  (key_dir, "/etc/identityd/master-key", True),
                  (client, "/etc/identityd/client", True), (state, "/var/lib/identityd", False)]
        key_flag = "--master_key_file=/etc/identityd/master-key/master.key"
        state_flag = "--state_dir=/var/lib/identityd/state"

        # As an init container would: make the state directory once.
        code, out, err = self.bundle.run(["--init_state_dir", state_flag, key_flag],
                                         mounts=mounts)
        self.assertEqual(code, 0, out + err)
        self.assertEqual(os.stat(os.path.join(state, "state")).st_uid, UID)

        server = self.bundle.start(
            ["--listen=0.0.0.0:50051", "--health_listen=0.0.0.0:8081", state_flag, key_flag,
             "--tls_cert_file=/etc/identityd/tls/server.pem",
             "--tls_key_file=/etc/identityd/tls/server.key",
             "--tls_client_ca_file=/etc/identityd/tls/ca.pem",
             "--authz_policy_file=/etc/identityd/policy/policy.json"],
            mounts=mounts)
        try:
            self.assertTrue(oci_container.wait_until(
                lambda: "identityd serving on" in server.log() or server.popen.poll() is not None,
                oci_container.START_TIMEOUT_S), server.log())
            self.assertIn("identityd serving on 0.0.0.0:50051", server.log())

            # Runs as the image's user, not root.
            with open("/proc/%d/status" % server.pid, encoding="ascii") as f:
                uids = re.search(r"^Uid:\s+(\d+)\s+(\d+)", f.read(), re.M)
            self.assertEqual(uids.groups(), (str(UID), str(UID)))

            # Kubernetes' gRPC probe: plain text on the health port.
            for service in ("", "identity.v1.IdentityService"):
                serving, result = probe(server, 8081, service)
                self.assertTrue(serving, result.stdout + result.stderr)
            # grpc-health-probe over mutual TLS on the service port.
            serving, result = probe(server, 50051, tls_pki=pki)
            self.assertTrue(serving, result.stdout + result.stderr)
            # No plain text on the service port.
            serving, _ = probe(server, 50051)
            self.assertFalse(serving)

            rotated = identityctl(server, 50051, pki, "ops", "rotate", "billing-main",
                                  "--kind=email_hash", "--generate")
            self.assertEqual(rotated.returncode, 0, rotated.stderr + server.log())
            secret = re.search(r'"generated_secret":\s*"([0-9a-f]{64})"', rotated.stdout)
            self.assertIsNotNone(secret, "no generated secret in identityctl's output")
            expected = email_hash(secret.group(1), "jane@example.com")
            hashed = identityctl(server, 50051, pki, "service", "hash", "billing-main",
                                 "jane@example.com")
            self.assertEqual(hashed.returncode, 0, hashed.stderr)
            self.assertIn(expected, hashed.stdout)
            # The image's own identityctl, inside the container.
            inside = server.exec(["/usr/bin/identityctl", "--target=127.0.0.1:50051",
                                  "--ca=/etc/identityd/tls/ca.pem",
                                  "--cert=/etc/identityd/client/service.pem",
                                  "--key=/etc/identityd/client/service.key",
                                  "hash", "billing-main", "jane@example.com"])
            self.assertEqual(inside.returncode, 0, inside.stdout + inside.stderr)
            self.assertIn(expected, inside.stdout)

            # SIGTERM, as the kubelet stops a pod: a graceful stop, status 0.
            self.assertEqual(server.stop(), 0, server.log())
            self.assertIn("stopped", server.log())
        finally:
            server.kill()

        # The rotation is on the volume: a new container serves it.
        self.assertTrue(os.path.exists(
            os.path.join(state, "state", "widgets", "billing-main.widget")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
