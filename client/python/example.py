#!/usr/bin/env python3
"""Calls identityd's three RPCs from Python, each with a deadline, and shows
how a caller tells the error statuses apart.

Mutual TLS, as a production identityd requires (the client's certificate must
be one the server's policy grants the calls below, e.g. the "ops" client of
scripts/run --mtls):

    IDENTITYD_TARGET=identityd.corp:50051 IDENTITYD_CA_FILE=ca.pem \
    IDENTITYD_CERT_FILE=ops.pem IDENTITYD_KEY_FILE=ops.key python example.py [APP_ID [EMAIL]]

Plain text, only against a development identityd (scripts/run, which starts
it with --insecure_loopback):

    IDENTITYD_TARGET=127.0.0.1:50051 IDENTITYD_INSECURE=1 python example.py [APP_ID [EMAIL]]

With neither, it stops and says what to set: it never falls back to plain text.
APP_ID defaults to demo-widget (the widget scripts/run configures), EMAIL to
jane@example.com. The rotation step registers (or rotates) the JWT secret of a
separate widget, APP_ID + "-rotated", so that APP_ID's secrets stay as they
are. Secrets are never printed: only versions and fingerprints.
"""

import sys

import grpc
from google.protobuf import duration_pb2

from identity.v1 import identity_pb2
import identityd_client

# identityd answers in microseconds: a call that takes seconds means the
# service is unreachable or overloaded.
CALL_TIMEOUT_S = 5.0


def main(argv):
    app_id = argv[0] if len(argv) > 0 else "demo-widget"
    email = argv[1] if len(argv) > 1 else "jane@example.com"
    try:
        # identityd_client.connect(target, ca_file, cert_file, key_file) for mutual
        # TLS, connect_insecure(target) for plain text: chosen from the environment.
        channel = identityd_client.connect_from_env()
    except (ValueError, OSError) as err:
        print("example: %s" % err, file=sys.stderr)
        return 2

    with channel:
        stub = identityd_client.stub(channel)
        try:
            # 1. The HMAC email hash, for the widget's `email_hash`.
            hashed = stub.IssueEmailHash(
                identity_pb2.IssueEmailHashRequest(app_id=app_id, email=email),
                timeout=CALL_TIMEOUT_S)
            print("email_hash: %s (secret version %d)" % (hashed.email_hash, hashed.secret_version))

            # 1b. Many hashes in one call (backfills, exports; at most 1,000 emails):
            # one result per email, in order; a bad email gets its own error.
            batch = stub.IssueEmailHashes(
                identity_pb2.IssueEmailHashesRequest(app_id=app_id,
                                                     emails=[email, "not-an-email"]),
                timeout=CALL_TIMEOUT_S)
            for result in batch.results:
                if result.WhichOneof("result") == "error":
                    print("not hashed: %s" % result.error.message)
                else:
                    print("email_hash: %s" % result.email_hash)

            # 2. A widget JWT with an optional claim and an explicit lifetime.
            token = stub.IssueWidgetToken(
                identity_pb2.IssueWidgetTokenRequest(
                    app_id=app_id, email=email, name="Jane Doe",
                    ttl=duration_pb2.Duration(seconds=600)),
                timeout=CALL_TIMEOUT_S)
            print("jwt: %s" % token.jwt)
            print("expires_at: %s" % token.expires_at.ToJsonString())

            # 3. Rotation (an operator's call): a generated JWT secret, returned once.
            rotated = app_id + "-rotated"
            rotation = stub.RotateSecret(
                identity_pb2.RotateSecretRequest(
                    app_id=rotated, kind=identity_pb2.SECRET_KIND_JWT, generate=True),
                timeout=CALL_TIMEOUT_S)
            # A real operator stores rotation.generated_secret in the widget
            # vendor's settings now; it is never shown again, and never logged.
            print("rotated %s: JWT secret version %d, fingerprint %s (%d-character secret not shown)"
                  % (rotated, rotation.version, rotation.fingerprint, len(rotation.generated_secret)))
        except grpc.RpcError as err:
            return describe(err)

        # 4. Errors arrive as gRPC status codes: an unknown widget is NOT_FOUND.
        try:
            stub.IssueEmailHash(
                identity_pb2.IssueEmailHashRequest(app_id="no-such-widget", email=email),
                timeout=CALL_TIMEOUT_S)
            print("example: an unknown widget was accepted", file=sys.stderr)
            return 1
        except grpc.RpcError as err:
            if err.code() != grpc.StatusCode.NOT_FOUND:
                return describe(err)
            print("unknown widget: %s" % err.code().name)
    return 0


def describe(err):
    """Prints what a caller would do about a failed call; returns exit status 1."""
    code = err.code()
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        advice = "bad request (fix the input)"
    elif code in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.FAILED_PRECONDITION):
        advice = "widget not set up for this call"
    elif code == grpc.StatusCode.UNAVAILABLE:
        # Also how a refused TLS handshake surfaces: the server does not trust
        # this client's certificate (or got none, or plain text).
        advice = ("identityd unreachable, or it refused this client's certificate "
                  "(check IDENTITYD_CA_FILE, IDENTITYD_CERT_FILE, IDENTITYD_KEY_FILE)")
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        advice = "identityd unreachable (retry later)"
    else:
        advice = "failed"
    print("example: %s: %s: %s" % (advice, code.name, err.details()), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
