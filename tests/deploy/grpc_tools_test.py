#!/usr/bin/env python3
"""The tools operators and Kubernetes users point at identityd, pinned in
tools/grpc-probes: grpcurl (through server reflection alone, no .proto file)
and grpc-health-probe. Run by ctest under tests/support/run_with_identityd.py,
which starts identityd and sets IDENTITYD_TARGET; GRPCURL and
GRPC_HEALTH_PROBE name the binaries.

Before server/health, reflection listed grpc.health.v1.Health but could not
describe it, so `grpcurl … grpc.health.v1.Health/Check` failed with "target
server does not expose service"."""

import hashlib
import hmac
import json
import os
import subprocess
import unittest

TARGET = os.environ["IDENTITYD_TARGET"]
GRPCURL = os.environ["GRPCURL"]
PROBE = os.environ["GRPC_HEALTH_PROBE"]
TIMEOUT_S = 30


def run(argv, stdin=None):
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, timeout=TIMEOUT_S,
                          check=False)


def grpcurl(*args, data=None):
    argv = [GRPCURL, "-plaintext", "-max-time", "10"]
    if data is not None:
        argv += ["-d", json.dumps(data)]
    return run(argv + [TARGET] + list(args))


class GrpcurlTest(unittest.TestCase):
    def test_lists_every_served_service(self):
        result = grpcurl("list")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(sorted(result.stdout.split()),
                         ["grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection",
                          "identity.v1.IdentityService"])

    def test_describes_every_served_service(self):
        for service in grpcurl("list").stdout.split():
            with self.subTest(service=service):
                result = grpcurl("describe", service)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn("service " + service.rsplit(".", 1)[1], result.stdout)

    def test_calls_the_health_service(self):
        for service in ("", "identity.v1.IdentityService"):
            with self.subTest(service=service):
                result = grpcurl("grpc.health.v1.Health/Check", data={"service": service})
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertEqual(json.loads(result.stdout), {"status": "SERVING"})
        result = grpcurl("grpc.health.v1.Health/Check", data={"service": "no.such.Service"})
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("NotFound", result.stderr)

    def test_calls_the_identity_service(self):
        result = grpcurl("identity.v1.IdentityService/IssueEmailHash",
                         data={"app_id": os.environ["IDENTITYD_APP_ID"],
                               "email": "jane@example.com"})
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(os.environ["IDENTITYD_EMAIL_HASH_SECRET_FILE"], encoding="ascii") as f:
            key = bytes.fromhex(f.read().strip())
        expected = hmac.new(key, b"jane@example.com", hashlib.sha256).hexdigest()
        # grpcurl prints the proto field names.
        self.assertEqual(json.loads(result.stdout)["email_hash"], expected)


class GrpcHealthProbeTest(unittest.TestCase):
    def test_serving(self):
        for service in ("", "identity.v1.IdentityService"):
            with self.subTest(service=service):
                result = run([PROBE, "-addr", TARGET, "-service", service,
                              "-connect-timeout", "5s", "-rpc-timeout", "5s"])
                self.assertEqual(result.returncode, 0, result.stdout + result.stderr)
                self.assertIn("status: SERVING", result.stdout + result.stderr)

    def test_unknown_service_fails_the_probe(self):
        result = run([PROBE, "-addr", TARGET, "-service", "no.such.Service",
                      "-connect-timeout", "5s", "-rpc-timeout", "5s"])
        self.assertNotEqual(result.returncode, 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
