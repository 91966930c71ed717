"""VerifyEmailHash and VerifyWidgetToken against proofs made by other code.

Run by ctest through run_with_identityd.py --mtls with the Python client's
virtualenv (PyJWT pinned from PyPI in client/python/requirements.txt): tokens
from PyJWT (the vendor's Python snippet, and faults) and from the vendor's
Node.js snippet with jsonwebtoken (tests/interop/vendor_widget_jwt.js, pinned
in client/node/package-lock.json; NODE_PATH set by ctest), each fault getting
its verdict through `identityctl verify-token`, the token on stdin; hashes
from the vendor's Node.js and Python snippets through `identityctl
verify-hash`. The rotation (previous version) comes last: it changes the
widget's secret.
"""

import base64
import datetime
import hashlib
import hmac
import json
import os
import subprocess
import time
import unittest

import jwt  # PyJWT, from the client's virtualenv

HERE = os.path.dirname(os.path.abspath(__file__))
TARGET = os.environ["IDENTITYD_TARGET"]
APP_ID = os.environ["IDENTITYD_APP_ID"]
IDENTITYCTL = os.environ["IDENTITYCTL"]
MTLS_FLAGS = ["--ca=" + os.environ["IDENTITYD_CA_FILE"], "--cert=" + os.environ["IDENTITYD_CERT_FILE"],
              "--key=" + os.environ["IDENTITYD_KEY_FILE"]]
EMAIL = "jane.doe+support@example.com"


def read_secret(var):
    with open(os.environ[var], encoding="ascii") as f:
        return f.read().rstrip("\n")


def identityctl(*args, stdin=None):
    return subprocess.run([IDENTITYCTL, "--target=" + TARGET, *MTLS_FLAGS, "--output=json", *args],
                          input=stdin, capture_output=True, text=True, timeout=30, check=False)


def verify_token(token):
    """The verdict of `identityctl verify-token APP_ID -`, the token on stdin."""
    proc = identityctl("verify-token", APP_ID, "-", stdin=token + "\n")
    if proc.returncode != 0:
        raise AssertionError("verify-token failed: " + proc.stderr)
    return json.loads(proc.stdout)


def verify_hash(email, email_hash):
    proc = identityctl("verify-hash", APP_ID, email, email_hash)
    if proc.returncode != 0:
        raise AssertionError("verify-hash failed: " + proc.stderr)
    return json.loads(proc.stdout)


# ---- Verbatim from seed/identity-verification.md, "Python" JWT tab. ----
def create_chat_widget_jwt(secret, app_id, email, name=""):
    now = datetime.datetime.now(datetime.timezone.utc)

    return jwt.encode(
        {
            "email": email,
            "name": name,
            "aud": app_id,
            "iat": now,
            "exp": now + datetime.timedelta(minutes=10),
        },
        secret,
        algorithm="HS256",
    )
# ---- End of the vendor's snippet. ----


def pyjwt_token(secret, fault):
    """The snippet's claims with one fault, signed by PyJWT."""
    now = int(time.time())
    claims = {"email": EMAIL, "name": "", "aud": APP_ID, "iat": now, "exp": now + 600}
    if fault == "none":
        return create_chat_widget_jwt(secret, APP_ID, EMAIL)
    if fault == "wrong_secret":
        return jwt.encode(claims, "not the widget's secret, but long enough", algorithm="HS256")
    if fault == "wrong_aud":
        claims["aud"] = APP_ID + "-other"
    elif fault == "expired":
        claims["iat"], claims["exp"] = now - 1200, now - 600
    elif fault == "lifetime_16min":
        claims["exp"] = now + 16 * 60
    elif fault == "alg_none":
        return jwt.encode(claims, None, algorithm="none")
    elif fault == "tampered":
        header, _, signature = create_chat_widget_jwt(secret, APP_ID, EMAIL).split(".")
        claims["email"] = "mallory@example.com"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return ".".join([header, forged, signature])
    else:
        raise ValueError(fault)
    return jwt.encode(claims, secret, algorithm="HS256")


def node_token(secret, fault):
    proc = subprocess.run(["node", os.path.join(HERE, "vendor_widget_jwt.js")],
                          input=json.dumps({"secret": secret, "app_id": APP_ID, "email": EMAIL,
                                            "fault": fault}),
                          capture_output=True, text=True, timeout=30, check=True)
    return proc.stdout.strip()


def node_email_hash(secret, email):
    proc = subprocess.run(["node", os.path.join(HERE, "..", "testdata", "vendor_email_hash.js")],
                          input=json.dumps({"secrets": [secret], "emails": [email]}),
                          capture_output=True, text=True, timeout=30, check=True)
    return proc.stdout.strip()


# The vendor's Python email-hash snippet, verbatim.
def sign_message_with_hmac(message, secret):
    secret_bytes = bytes.fromhex(secret)
    signature = hmac.new(secret_bytes, message.encode(), hashlib.sha256).hexdigest()
    return signature


FAULTS = {
    "none": "TOKEN_VERDICT_VALID",
    "wrong_secret": "TOKEN_VERDICT_BAD_SIGNATURE",
    "wrong_aud": "TOKEN_VERDICT_WRONG_AUDIENCE",
    "expired": "TOKEN_VERDICT_EXPIRED",
    "lifetime_16min": "TOKEN_VERDICT_BAD_LIFETIME",
    "alg_none": "TOKEN_VERDICT_UNSUPPORTED_ALGORITHM",
    "tampered": "TOKEN_VERDICT_BAD_SIGNATURE",
}


class VerifyInteropTest(unittest.TestCase):
    def test_tokens_hashes_and_a_rotation(self):
        jwt_secret = read_secret("IDENTITYD_JWT_SECRET_FILE")
        hash_secret = read_secret("IDENTITYD_EMAIL_HASH_SECRET_FILE")
        makers = {"pyjwt": pyjwt_token, "jsonwebtoken": node_token}
        for maker, make in makers.items():
            for fault, verdict in FAULTS.items():
                with self.subTest(maker=maker, fault=fault):
                    reply = verify_token(make(jwt_secret, fault))
                    self.assertEqual(reply["verdict"], verdict, json.dumps(reply, indent=1))
                    self.assertEqual(len(reply["findings"]), 13)
                    if fault not in ("wrong_secret", "alg_none", "tampered"):
                        self.assertEqual(reply["signed_by_version"], "1")
        self.assertEqual(verify_token(node_token(jwt_secret, "tampered"))["email"],
                         "mallory@example.com")

        for maker, email_hash in (("node", node_email_hash(hash_secret, EMAIL)),
                                  ("python", sign_message_with_hmac(EMAIL, hash_secret))):
            with self.subTest(hash_maker=maker):
                self.assertEqual(verify_hash(EMAIL, email_hash)["verdict"],
                                 "EMAIL_HASH_VERDICT_CURRENT_VERSION")
                wrong = verify_hash(EMAIL.upper(), email_hash)
                self.assertEqual(wrong["verdict"], "EMAIL_HASH_VERDICT_NO_MATCH")
                self.assertEqual(wrong.get("matched_version", "0"), "0")
        other_secret = "00" * 32
        self.assertEqual(verify_hash(EMAIL, sign_message_with_hmac(EMAIL, other_secret))["verdict"],
                         "EMAIL_HASH_VERDICT_NO_MATCH")

        # Tokens and hashes made before a rotation that keeps the previous
        # version: named as signed by version 1.
        old_tokens = {maker: make(jwt_secret, "none") for maker, make in makers.items()}
        old_hash = sign_message_with_hmac(EMAIL, hash_secret)
        for kind in ("jwt", "email_hash"):
            proc = identityctl("rotate", APP_ID, "--kind=" + kind, "--generate")
            self.assertEqual(proc.returncode, 0, proc.stderr)
        for maker, token in old_tokens.items():
            with self.subTest(maker=maker, fault="previous version"):
                reply = verify_token(token)
                self.assertEqual(reply["verdict"], "TOKEN_VERDICT_PREVIOUS_VERSION")
                self.assertEqual(reply["signed_by_version"], "1")
                self.assertEqual(reply["current_version"], "2")
        reply = verify_hash(EMAIL, old_hash)
        self.assertEqual(reply["verdict"], "EMAIL_HASH_VERDICT_PREVIOUS_VERSION")
        self.assertEqual(reply["matched_version"], "1")
        self.assertEqual(reply["checked_versions"], ["2", "1"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
