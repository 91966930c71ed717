#!/usr/bin/env python3
"""Checks, against a real identityd, that the Python client gets proofs that
Python's own libraries accept: the email hash equals the vendor's Python
snippet (hmac with bytes.fromhex), the JWT verifies with PyJWT, and errors
arrive as grpc.StatusCode values. Every call goes over mutual TLS, as to a
production identityd; clients without an acceptable certificate are refused
at once (UNAVAILABLE), not left waiting; plain text (IDENTITYD_INSECURE=1)
reaches a development identityd.

ctest runs it (test interop.python) with the client's virtualenv, through
tests/support/run_with_identityd.py --mtls, which starts the server with the
development PKI and sets the IDENTITYD_* variables read here.
"""

import hashlib
import hmac
import json
import os
import re
import subprocess
import sys
import time
import unittest

import grpc
import jwt  # PyJWT
from google.protobuf import duration_pb2

from identity.v1 import identity_pb2
import identityd_client

HERE = os.path.dirname(os.path.abspath(__file__))
CALL_TIMEOUT_S = 10.0
# A refused handshake ends a call at once; half the deadline is far from it.
REFUSAL_WITHIN_S = CALL_TIMEOUT_S / 2

# Emails hashed and signed exactly as given (Unicode, quotes, SHA-256 padding
# boundaries, 254 bytes): the list every suite shares with the C++ vectors.
with open(os.path.join(HERE, "..", "..", "tests", "testdata", "email_hash_inputs.json"),
          encoding="utf-8") as _f:
    EMAILS = json.load(_f)["emails"]
LOWER_HEX_64 = re.compile(r"^[0-9a-f]{64}$")
BASE64URL_43 = re.compile(r"^[A-Za-z0-9_-]{43}$")


def env(name):
    value = os.environ.get(name)
    if not value:
        raise RuntimeError("%s is not set: run this test through "
                           "tests/support/run_with_identityd.py (ctest -R interop.python)" % name)
    return value


def read_secret(var):
    with open(env(var), encoding="ascii") as f:
        return f.read().rstrip("\n")


# The vendor's Python snippet (seed/identity-verification.md), verbatim.
def sign_message_with_hmac(message, secret):
    secret_bytes = bytes.fromhex(secret)
    signature = hmac.new(secret_bytes, message.encode(), hashlib.sha256).hexdigest()
    return signature


def verify(token, key, app_id):
    """Decodes `token` with PyJWT: HS256 only, aud = app_id, exp/iat required."""
    return jwt.decode(token, key, algorithms=["HS256"], audience=app_id,
                      options={"require": ["exp", "iat", "aud", "email"]})


class InteropTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.channel = identityd_client.connect(
            env("IDENTITYD_TARGET"), ca_file=env("IDENTITYD_CA_FILE"),
            cert_file=env("IDENTITYD_CERT_FILE"), key_file=env("IDENTITYD_KEY_FILE"))
        cls.stub = identityd_client.stub(cls.channel)
        cls.app_id = env("IDENTITYD_APP_ID")

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()

    def hash(self, app_id, email, timeout=CALL_TIMEOUT_S):
        return self.stub.IssueEmailHash(
            identity_pb2.IssueEmailHashRequest(app_id=app_id, email=email), timeout=timeout)

    def token(self, **fields):
        return self.stub.IssueWidgetToken(identity_pb2.IssueWidgetTokenRequest(**fields),
                                          timeout=CALL_TIMEOUT_S)

    def rotate(self, **fields):
        return self.stub.RotateSecret(identity_pb2.RotateSecretRequest(**fields),
                                      timeout=CALL_TIMEOUT_S)

    def test_email_hash_equals_vendor_python_snippet(self):
        secret = read_secret("IDENTITYD_EMAIL_HASH_SECRET_FILE")
        for email in EMAILS:
            with self.subTest(email=email):
                reply = self.hash(self.app_id, email)
                self.assertEqual(reply.email_hash, sign_message_with_hmac(email, secret))
                self.assertRegex(reply.email_hash, LOWER_HEX_64)
                self.assertEqual(reply.secret_version, 1)

    def test_bulk_email_hashes_equal_vendor_snippet_and_a_bad_email_fails_alone(self):
        secret = read_secret("IDENTITYD_EMAIL_HASH_SECRET_FILE")
        emails = list(EMAILS) + ["not-an-email"]
        reply = self.stub.IssueEmailHashes(
            identity_pb2.IssueEmailHashesRequest(app_id=self.app_id, emails=emails),
            timeout=CALL_TIMEOUT_S)
        self.assertEqual(len(reply.results), len(emails))
        for email, result in zip(EMAILS, reply.results):
            self.assertEqual(result.WhichOneof("result"), "email_hash")
            self.assertEqual(result.email_hash, sign_message_with_hmac(email, secret))
        bad = reply.results[len(EMAILS)]
        self.assertEqual(bad.WhichOneof("result"), "error")
        self.assertEqual(bad.error.code, grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertEqual(bad.error.message,
                         "emails[%d]: must contain exactly one '@'" % len(EMAILS))
        self.assertEqual(reply.secret_version, 1)
        with self.assertRaises(grpc.RpcError) as caught:
            self.stub.IssueEmailHashes(
                identity_pb2.IssueEmailHashesRequest(app_id=self.app_id,
                                                     emails=["jane@example.com"] * 1001),
                timeout=CALL_TIMEOUT_S)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(caught.exception.details(), "emails: at most 1000 per call; got 1001")

    def test_email_hash_with_upper_case_hex_secret(self):
        secret = read_secret("IDENTITYD_HASH_ONLY_SECRET_FILE")
        self.assertEqual(secret, secret.upper())
        reply = self.hash(env("IDENTITYD_HASH_ONLY_APP_ID"), "jane@example.com")
        self.assertEqual(reply.email_hash, sign_message_with_hmac("jane@example.com", secret))

    def test_widget_token_verifies_with_pyjwt(self):
        secret = read_secret("IDENTITYD_JWT_SECRET_FILE")
        for email in EMAILS:
            with self.subTest(email=email):
                before = int(time.time())
                reply = self.token(app_id=self.app_id, email=email)
                after = int(time.time())
                claims = verify(reply.jwt, secret, self.app_id)
                self.assertEqual(claims["email"], email)
                self.assertEqual(claims["aud"], self.app_id)
                self.assertTrue(before - 1 <= claims["iat"] <= after + 1)
                self.assertEqual(claims["exp"] - claims["iat"], 600)
                self.assertEqual(reply.expires_at.seconds, claims["exp"])
                self.assertEqual(set(claims), {"email", "aud", "iat", "exp"})
                self.assertEqual(jwt.get_unverified_header(reply.jwt),
                                 {"alg": "HS256", "typ": "JWT"})

    def test_optional_claims_and_ttl_round_trip(self):
        name = 'Jané "JD" O\'Brien \\ 用户'
        reply = self.token(app_id=self.app_id, email="jane@example.com", name=name,
                           account_id="acc_1", account_external_id="ext-acc-9",
                           contact_id="c_2", contact_external_id="ext-c-7",
                           ttl=duration_pb2.Duration(seconds=900))
        claims = verify(reply.jwt, read_secret("IDENTITYD_JWT_SECRET_FILE"), self.app_id)
        self.assertEqual(
            {k: claims[k] for k in ("name", "account_id", "account_external_id",
                                    "contact_id", "contact_external_id")},
            {"name": name, "account_id": "acc_1", "account_external_id": "ext-acc-9",
             "contact_id": "c_2", "contact_external_id": "ext-c-7"})
        self.assertEqual(claims["exp"] - claims["iat"], 900)

    def test_wrong_audience_or_key_is_rejected(self):
        secret = read_secret("IDENTITYD_JWT_SECRET_FILE")
        token = self.token(app_id=self.app_id, email="a@b.co").jwt
        with self.assertRaises(jwt.InvalidAudienceError):
            verify(token, secret, "another-widget")
        with self.assertRaises(jwt.InvalidSignatureError):
            verify(token, secret + "x", self.app_id)

    def test_rotate_secret_generate(self):
        app = "interop-python-rotated"
        hashed = self.rotate(app_id=app, kind=identity_pb2.SECRET_KIND_EMAIL_HASH, generate=True)
        self.assertEqual(hashed.version, 1)
        self.assertRegex(hashed.generated_secret, LOWER_HEX_64)
        self.assertEqual(hashed.fingerprint,
                         hashlib.sha256(bytes.fromhex(hashed.generated_secret)).hexdigest()[:16])
        self.assertEqual(self.hash(app, "jane@example.com").email_hash,
                         sign_message_with_hmac("jane@example.com", hashed.generated_secret))

        rotated = self.rotate(app_id=app, kind=identity_pb2.SECRET_KIND_JWT, generate=True,
                              expected_version=0)
        self.assertRegex(rotated.generated_secret, BASE64URL_43)
        claims = verify(self.token(app_id=app, email="jane@example.com").jwt,
                        rotated.generated_secret, app)
        self.assertEqual(claims["email"], "jane@example.com")

        # A stale compare-and-swap guard changes nothing.
        with self.assertRaises(grpc.RpcError) as caught:
            self.rotate(app_id=app, kind=identity_pb2.SECRET_KIND_JWT, generate=True,
                        expected_version=0)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.ABORTED)

    def test_errors_surface_as_status_codes(self):
        hash_only = env("IDENTITYD_HASH_ONLY_APP_ID")
        cases = [
            ("unknown app_id", lambda: self.hash("no-such-widget", "a@b.co"),
             grpc.StatusCode.NOT_FOUND, "app_id"),
            ("bad email", lambda: self.hash(self.app_id, "not-an-email"),
             grpc.StatusCode.INVALID_ARGUMENT, "email"),
            ("no JWT secret", lambda: self.token(app_id=hash_only, email="a@b.co"),
             grpc.StatusCode.FAILED_PRECONDITION, ""),
            ("ttl too long",
             lambda: self.token(app_id=self.app_id, email="a@b.co",
                                ttl=duration_pb2.Duration(seconds=901)),
             grpc.StatusCode.INVALID_ARGUMENT, "ttl"),
            ("expired deadline", lambda: self.hash(self.app_id, "a@b.co", timeout=-1.0),
             grpc.StatusCode.DEADLINE_EXCEEDED, ""),
        ]
        for name, call, code, field in cases:
            with self.subTest(name):
                with self.assertRaises(grpc.RpcError) as caught:
                    call()
                self.assertEqual(caught.exception.code(), code)
                self.assertTrue(caught.exception.details().startswith(field),
                                caught.exception.details())

    def assert_refused(self, channel):
        """A call on `channel` fails the handshake: UNAVAILABLE, long before its deadline."""
        with channel:
            started = time.monotonic()
            with self.assertRaises(grpc.RpcError) as caught:
                identityd_client.stub(channel).IssueEmailHash(
                    identity_pb2.IssueEmailHashRequest(app_id=self.app_id, email="a@b.co"),
                    timeout=CALL_TIMEOUT_S)
            self.assertEqual(caught.exception.code(), grpc.StatusCode.UNAVAILABLE,
                             caught.exception.details())
            self.assertLess(time.monotonic() - started, REFUSAL_WITHIN_S)

    def test_client_without_certificate_is_refused(self):
        with open(env("IDENTITYD_CA_FILE"), "rb") as f:
            trusts_the_server_only = grpc.ssl_channel_credentials(root_certificates=f.read())
        self.assert_refused(grpc.secure_channel(env("IDENTITYD_TARGET"), trusts_the_server_only))

    def test_client_with_certificate_from_another_ca_is_refused(self):
        self.assert_refused(identityd_client.connect(
            env("IDENTITYD_TARGET"), ca_file=env("IDENTITYD_CA_FILE"),
            cert_file=env("IDENTITYD_FOREIGN_CERT_FILE"),
            key_file=env("IDENTITYD_FOREIGN_KEY_FILE")))

    def test_plain_text_client_is_refused(self):
        self.assert_refused(identityd_client.connect_insecure(env("IDENTITYD_TARGET")))

    def test_plain_text_to_a_development_identityd(self):
        """IDENTITYD_INSECURE=1 reaches an identityd started with --insecure_loopback."""
        with identityd_client.connect_from_env({"IDENTITYD_TARGET": env("IDENTITYD_INSECURE_TARGET"),
                                                "IDENTITYD_INSECURE": "1"}) as channel:
            reply = identityd_client.stub(channel).IssueEmailHash(
                identity_pb2.IssueEmailHashRequest(app_id=self.app_id, email="jane@example.com"),
                timeout=CALL_TIMEOUT_S)
        self.assertEqual(reply.email_hash, sign_message_with_hmac(
            "jane@example.com", read_secret("IDENTITYD_EMAIL_HASH_SECRET_FILE")))

    def run_example(self, environ):
        return subprocess.run(
            [sys.executable, os.path.join(HERE, "example.py"), self.app_id, "jane@example.com"],
            capture_output=True, text=True, timeout=60, check=False, env=environ)

    def test_example_program(self):
        """example.py, the program the README shows, works against the same server."""
        proc = self.run_example(os.environ)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        for want in ("email_hash: ", "jwt: ", "rotated ", "unknown widget: NOT_FOUND"):
            self.assertIn(want, proc.stdout)

    def test_example_never_falls_back_to_plain_text(self):
        """Without the TLS files and without IDENTITYD_INSECURE=1, example.py stops and
        says what to set."""
        environ = {k: v for k, v in os.environ.items()
                   if k not in identityd_client.TLS_FILE_VARS + (identityd_client.INSECURE_VAR,)}
        proc = self.run_example(environ)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("IDENTITYD_CA_FILE", proc.stderr)
        self.assertIn("IDENTITYD_INSECURE=1", proc.stderr)
        self.assertNotIn("email_hash", proc.stdout)


if __name__ == "__main__":
    unittest.main(verbosity=2)
