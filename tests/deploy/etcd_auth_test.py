#!/usr/bin/env python3
"""deploy/kubernetes/etcd/setup-auth.sh against a real etcd (Debian 12's
etcd-server 3.4, one member on loopback, TLS with client certificates as the
example StatefulSet runs it): afterwards the certificate with CN identityd
may read and write under /identityd/ and nowhere else, a certificate with
another CN may do nothing, root may do everything, and a second run changes
nothing and succeeds.

Environment: REPO_ROOT."""

import os
import socket
import subprocess
import tempfile
import time
import unittest

REPO_ROOT = os.environ["REPO_ROOT"]
SETUP_AUTH = os.path.join(REPO_ROOT, "deploy", "kubernetes", "etcd", "setup-auth.sh")
START_TIMEOUT_S = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True,
                   timeout=60)


def make_certificates(directory):
    """ca, server (127.0.0.1) and clients whose CNs are root, identityd, billing."""
    openssl("req", "-x509", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
            "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=etcd CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign", cwd=directory)
    for name, extensions in (
            ("server", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n"),
            ("root", "extendedKeyUsage=clientAuth\n"),
            ("identityd", "extendedKeyUsage=clientAuth\n"),
            ("billing", "extendedKeyUsage=clientAuth\n")):
        with open(os.path.join(directory, name + ".ext"), "w", encoding="ascii") as f:
            f.write(extensions)
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                "-keyout", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + name,
                cwd=directory)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                "-CAcreateserial", "-days", "2", "-extfile", name + ".ext", "-out",
                name + ".pem", cwd=directory)


class EtcdAuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="identityd-etcd-auth-")
        make_certificates(cls.dir)
        client_port, peer_port = free_port(), free_port()
        cls.endpoint = "https://127.0.0.1:%d" % client_port
        peer = "http://127.0.0.1:%d" % peer_port
        cls.log = open(os.path.join(cls.dir, "etcd.log"), "wb")
        cls.etcd = subprocess.Popen(
            ["etcd", "--name=m0", "--data-dir=" + os.path.join(cls.dir, "data"),
             "--listen-client-urls=" + cls.endpoint, "--advertise-client-urls=" + cls.endpoint,
             "--listen-peer-urls=" + peer, "--initial-advertise-peer-urls=" + peer,
             "--initial-cluster=m0=" + peer, "--client-cert-auth=true",
             "--trusted-ca-file=" + os.path.join(cls.dir, "ca.pem"),
             "--cert-file=" + os.path.join(cls.dir, "server.pem"),
             "--key-file=" + os.path.join(cls.dir, "server.key")],
            stdout=cls.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT_S
        while cls.ctl("root", "endpoint", "health").returncode != 0:
            if time.monotonic() > deadline or cls.etcd.poll() is not None:
                cls.tearDownClass()
                raise AssertionError("etcd did not start")
            time.sleep(0.2)

    @classmethod
    def tearDownClass(cls):
        cls.etcd.terminate()
        try:
            cls.etcd.wait(timeout=20)
        except subprocess.TimeoutExpired:
            cls.etcd.kill()
            cls.etcd.wait()
        cls.log.close()
        subprocess.run(["rm", "-rf", cls.dir], check=False)

    @classmethod
    def env(cls, cn):
        env = dict(os.environ)
        env.update({"ETCDCTL_API": "3", "ETCDCTL_ENDPOINTS": cls.endpoint,
                    "ETCDCTL_CACERT": os.path.join(cls.dir, "ca.pem"),
                    "ETCDCTL_CERT": os.path.join(cls.dir, cn + ".pem"),
                    "ETCDCTL_KEY": os.path.join(cls.dir, cn + ".key"),
                    "ETCDCTL_DIAL_TIMEOUT": "5s", "ETCDCTL_COMMAND_TIMEOUT": "10s"})
        return env

    @classmethod
    def ctl(cls, cn, *args):
        return subprocess.run(["etcdctl"] + list(args), env=cls.env(cn), capture_output=True,
                              text=True, timeout=30, check=False)

    def test_identityd_is_limited_to_its_prefix(self):
        # Before: no authentication, anyone with a certificate may write anywhere.
        self.assertEqual(self.ctl("billing", "put", "/elsewhere", "x").returncode, 0)

        for attempt in (1, 2):  # a second run changes nothing and succeeds
            result = subprocess.run([SETUP_AUTH], env=self.env("root"), capture_output=True,
                                    text=True, timeout=60, check=False)
            self.assertEqual(result.returncode, 0, "run %d: %s" % (attempt, result.stderr))

        def ok(cn, *args):
            result = self.ctl(cn, *args)
            self.assertEqual(result.returncode, 0, "%s %s: %s" % (cn, args, result.stderr))
            return result.stdout

        def denied(cn, *args):
            result = self.ctl(cn, *args)
            self.assertNotEqual(result.returncode, 0, "%s %s succeeded" % (cn, args))
            self.assertIn("permission denied", result.stderr, result.stderr)

        ok("identityd", "put", "/identityd/widgets/billing-main", "sealed")
        self.assertIn("sealed", ok("identityd", "get", "/identityd/widgets/billing-main"))
        ok("identityd", "get", "--prefix", "/identityd/")
        ok("identityd", "del", "/identityd/widgets/billing-main")
        denied("identityd", "put", "/elsewhere", "x")
        denied("identityd", "get", "/elsewhere")
        denied("identityd", "get", "--prefix", "/")
        denied("identityd", "put", "/identityd", "just outside the prefix")
        denied("billing", "put", "/identityd/widgets/x", "x")
        denied("billing", "get", "--prefix", "/identityd/")
        ok("root", "get", "/elsewhere")


if __name__ == "__main__":
    unittest.main(verbosity=2)
