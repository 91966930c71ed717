#!/usr/bin/python3
"""Independent checks of identityd's proofs, run by ctest through run_with_identityd.py.

Tokens are verified by PyJWT (Debian's python3-jwt) with audience = app_id and
exp/iat required; email hashes are recomputed with the vendor's own Python
snippet (seed/identity-verification.md). Proofs are obtained with identityctl
--output=json, so this also checks the CLI's JSON output. identityctl (the C++
client, ClientOptions::MutualTls) calls over mutual TLS as an operator, as to a
production identityd: ctest runs this through run_with_identityd.py --mtls.
"""

import hashlib
import hmac
import json
import os
import subprocess
import time
import unittest

import jwt  # PyJWT

TARGET = os.environ["IDENTITYD_TARGET"]
APP_ID = os.environ["IDENTITYD_APP_ID"]
IDENTITYCTL = os.environ["IDENTITYCTL"]


def read_secret(var):
    with open(os.environ[var], encoding="ascii") as f:
        return f.read().rstrip("\n")


# The vendor's Python snippet, verbatim.
def sign_message_with_hmac(message, secret):
    secret_bytes = bytes.fromhex(secret)
    signature = hmac.new(secret_bytes, message.encode(), hashlib.sha256).hexdigest()
    return signature


# identityctl's mutual TLS flags: the CA, and the client's certificate and key.
MTLS_FLAGS = ["--ca=" + os.environ["IDENTITYD_CA_FILE"], "--cert=" + os.environ["IDENTITYD_CERT_FILE"],
              "--key=" + os.environ["IDENTITYD_KEY_FILE"]]


def identityctl(*args, stdin=None, connection=None):
    """Runs identityctl with `connection` flags (default: MTLS_FLAGS) and args."""
    proc = subprocess.run(
        [IDENTITYCTL, "--target=" + TARGET,
         *(MTLS_FLAGS if connection is None else connection), "--output=json", *args],
        input=stdin, capture_output=True, text=True, timeout=30, check=False)
    return proc


def call_ok(*args, stdin=None):
    proc = identityctl(*args, stdin=stdin)
    if proc.returncode != 0:
        raise AssertionError("identityctl %s failed: %s" % (args[0], proc.stderr))
    return json.loads(proc.stdout)


EMAILS = [
    "jane@example.com",
    "Jane.Doe+support@Example.COM",
    "o'brien@example.ie",
    '"quoted"@example.com',
    "jané@exämple.com",
    "用户@例子.广告",
    "emoji😀@example.com",
]


class EmailHashTest(unittest.TestCase):
    def test_hash_equals_vendor_python_snippet(self):
        secret = read_secret("IDENTITYD_EMAIL_HASH_SECRET_FILE")
        for email in EMAILS:
            with self.subTest(email=email):
                reply = call_ok("hash", APP_ID, email)
                self.assertEqual(reply["email_hash"], sign_message_with_hmac(email, secret))
                self.assertRegex(reply["email_hash"], "^[0-9a-f]{64}$")
                self.assertEqual(reply["secret_version"], "1")

    def test_uppercase_hex_secret(self):
        # The hash-only widget's secret is upper-case hex: the vendor snippet
        # (bytes.fromhex) accepts it, and so must identityd.
        app = os.environ["IDENTITYD_HASH_ONLY_APP_ID"]
        secret = read_secret("IDENTITYD_HASH_ONLY_SECRET_FILE")
        self.assertEqual(secret, secret.upper())
        reply = call_ok("hash", app, "jane@example.com")
        self.assertEqual(reply["email_hash"], sign_message_with_hmac("jane@example.com", secret))


class WidgetTokenTest(unittest.TestCase):
    def decode(self, token, secret):
        return jwt.decode(token, secret, algorithms=["HS256"], audience=APP_ID,
                          options={"require": ["exp", "iat", "aud", "email"]})

    def test_token_verifies_with_pyjwt(self):
        secret = read_secret("IDENTITYD_JWT_SECRET_FILE")
        for email in EMAILS:
            with self.subTest(email=email):
                before = int(time.time())
                reply = call_ok("token", APP_ID, email)
                after = int(time.time())
                claims = self.decode(reply["jwt"], secret)
                self.assertEqual(claims["email"], email)
                self.assertEqual(claims["aud"], APP_ID)
                self.assertTrue(before - 1 <= claims["iat"] <= after + 1)
                self.assertEqual(claims["exp"] - claims["iat"], 600)
                self.assertEqual(set(claims), {"email", "aud", "iat", "exp"})
                header = jwt.get_unverified_header(reply["jwt"])
                self.assertEqual(header, {"alg": "HS256", "typ": "JWT"})

    def test_optional_claims_and_ttl_round_trip(self):
        secret = read_secret("IDENTITYD_JWT_SECRET_FILE")
        reply = call_ok("token", APP_ID, "jane@example.com", "--ttl=900",
                        '--name=Jané "JD" O\'Brien \\ 用户',
                        "--account_id=acc_1", "--account_external_id=ext-acc-9",
                        "--contact_id=c_2", "--contact_external_id=ext-c-7")
        claims = self.decode(reply["jwt"], secret)
        self.assertEqual(claims["name"], 'Jané "JD" O\'Brien \\ 用户')
        self.assertEqual(claims["account_id"], "acc_1")
        self.assertEqual(claims["account_external_id"], "ext-acc-9")
        self.assertEqual(claims["contact_id"], "c_2")
        self.assertEqual(claims["contact_external_id"], "ext-c-7")
        self.assertEqual(claims["exp"] - claims["iat"], 900)

    def test_wrong_audience_or_secret_is_rejected(self):
        secret = read_secret("IDENTITYD_JWT_SECRET_FILE")
        token = call_ok("token", APP_ID, "jane@example.com")["jwt"]
        with self.assertRaises(jwt.InvalidAudienceError):
            jwt.decode(token, secret, algorithms=["HS256"], audience="another-widget")
        with self.assertRaises(jwt.InvalidSignatureError):
            jwt.decode(token, secret + "x", algorithms=["HS256"], audience=APP_ID)


class RotationTest(unittest.TestCase):
    def test_generated_secrets_work_with_independent_checks(self):
        app = "interop-rotated"
        hash_reply = call_ok("rotate", app, "--kind=email_hash", "--generate")
        self.assertEqual(hash_reply["version"], "1")
        self.assertRegex(hash_reply["generated_secret"], "^[0-9a-f]{64}$")
        fresh = call_ok("hash", app, "jane@example.com")
        self.assertEqual(fresh["email_hash"],
                         sign_message_with_hmac("jane@example.com", hash_reply["generated_secret"]))
        self.assertEqual(
            hash_reply["fingerprint"],
            hashlib.sha256(bytes.fromhex(hash_reply["generated_secret"])).hexdigest()[:16])

        jwt_reply = call_ok("rotate", app, "--kind=jwt", "--generate", "--expected_version=0")
        self.assertRegex(jwt_reply["generated_secret"], "^[A-Za-z0-9_-]{43}$")
        token = call_ok("token", app, "jane@example.com")["jwt"]
        claims = jwt.decode(token, jwt_reply["generated_secret"], algorithms=["HS256"],
                            audience=app, options={"require": ["exp", "iat"]})
        self.assertEqual(claims["email"], "jane@example.com")

    def test_imported_secret_from_stdin(self):
        app = "interop-imported"
        secret = "an imported JWT secret, printable!"
        reply = call_ok("rotate", app, "--kind=jwt", stdin=secret + "\n")
        self.assertNotIn("generated_secret", reply)
        token = call_ok("token", app, "a@b.co")["jwt"]
        jwt.decode(token, secret, algorithms=["HS256"], audience=app)


class ErrorTest(unittest.TestCase):
    def test_errors_surface_as_status_names(self):
        cases = [
            (("hash", "no-such-widget", "a@b.co"), "NOT_FOUND"),
            (("hash", APP_ID, "not-an-email"), "INVALID_ARGUMENT: email"),
            (("token", os.environ["IDENTITYD_HASH_ONLY_APP_ID"], "a@b.co"), "FAILED_PRECONDITION"),
            (("token", APP_ID, "a@b.co", "--ttl=901"), "INVALID_ARGUMENT: ttl"),
        ]
        for args, expected in cases:
            with self.subTest(args=args):
                proc = identityctl(*args)
                self.assertEqual(proc.returncode, 1)
                self.assertIn(expected, proc.stderr)
                self.assertEqual(proc.stdout, "")


class RefusedClientTest(unittest.TestCase):
    """Clients the server does not accept fail at once with a clear error."""

    def assert_refused(self, connection):
        started = time.monotonic()
        proc = identityctl("--timeout=20s", "hash", APP_ID, "a@b.co", connection=connection)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("UNAVAILABLE", proc.stderr)
        self.assertIn("or it refused this connection", proc.stderr)  # and what to check
        self.assertEqual(proc.stdout, "")
        # A refused handshake ends the call long before its deadline.
        self.assertLess(time.monotonic() - started, 10)

    def test_certificate_from_another_ca_is_refused(self):
        self.assert_refused([MTLS_FLAGS[0], "--cert=" + os.environ["IDENTITYD_FOREIGN_CERT_FILE"],
                             "--key=" + os.environ["IDENTITYD_FOREIGN_KEY_FILE"]])

    def test_plain_text_is_refused(self):
        self.assert_refused(["--insecure"])

    def test_no_certificate_is_a_usage_error(self):
        proc = identityctl("hash", APP_ID, "a@b.co", connection=MTLS_FLAGS[:1])
        self.assertEqual(proc.returncode, 2)
        self.assertIn("pass --ca, --cert and --key", proc.stderr)


class PlainTextTest(unittest.TestCase):
    """--insecure reaches an identityd started with --insecure_loopback (development)."""

    def test_plain_text_reaches_a_development_identityd(self):
        proc = subprocess.run(
            [IDENTITYCTL, "--target=" + os.environ["IDENTITYD_INSECURE_TARGET"], "--insecure",
             "--output=json", "hash", APP_ID, "jane@example.com"],
            capture_output=True, text=True, timeout=30, check=False)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertEqual(json.loads(proc.stdout)["email_hash"], sign_message_with_hmac(
            "jane@example.com", read_secret("IDENTITYD_EMAIL_HASH_SECRET_FILE")))


if __name__ == "__main__":
    unittest.main(verbosity=2)
