"""Opens connections to identityd, the widget identity service, from Python.

Every Python caller creates its channel here, so that transport security is
configured in one place. A production identityd accepts **mutual TLS only**:
the caller trusts the CA that signed identityd's certificate and presents its
own certificate and key, whose name (a SPIFFE ID, a DNS name or a CN) the
server's policy authorizes. Plain text exists only for a development identityd
started with --insecure_loopback, and must be asked for by name.

    from identity.v1 import identity_pb2
    import identityd_client

    # Mutual TLS (production): PEM files, as grpc.ssl_channel_credentials takes them.
    channel = identityd_client.connect(
        "identityd.corp:50051", ca_file="ca.pem", cert_file="billing.pem",
        key_file="billing.key")
    # Plain text: only a development server (identityd --insecure_loopback).
    channel = identityd_client.connect_insecure("127.0.0.1:50051")

    with channel:
        stub = identityd_client.stub(channel)
        reply = stub.IssueEmailHash(
            identity_pb2.IssueEmailHashRequest(app_id="demo-widget", email="jane@example.com"),
            timeout=5.0)  # every call carries a deadline

A server that refuses the client's certificate (none, or one from a CA it does
not trust) fails the TLS handshake: the call ends at once with UNAVAILABLE,
it does not wait for its deadline.
"""

import os

import grpc

from identity.v1 import identity_pb2_grpc

# The environment variables connect_from_env() reads (the examples and the
# interop tests use them).
TARGET_VAR = "IDENTITYD_TARGET"
TLS_FILE_VARS = ("IDENTITYD_CA_FILE", "IDENTITYD_CERT_FILE", "IDENTITYD_KEY_FILE")
INSECURE_VAR = "IDENTITYD_INSECURE"
DEFAULT_TARGET = "127.0.0.1:50051"


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def mtls_credentials(ca_file, cert_file, key_file):
    """Returns grpc.ChannelCredentials for mutual TLS from three PEM files.

    ca_file: the CA certificate(s) identityd's certificate must chain to;
    cert_file: this client's certificate chain (leaf first); key_file: its
    private key. The files are read once, here: open a new channel to pick up
    renewed certificates. Raises OSError naming a file that cannot be read.
    """
    return grpc.ssl_channel_credentials(root_certificates=_read(ca_file),
                                        private_key=_read(key_file),
                                        certificate_chain=_read(cert_file))


def connect(target, ca_file, cert_file, key_file):
    """Returns a grpc.Channel to identityd at `target` ("host:port") over mutual TLS.

    The server's certificate must chain to ca_file and name the target's host.
    The channel connects lazily, on the first call. Close it (or use it as a
    context manager) when done.
    """
    return grpc.secure_channel(target, mtls_credentials(ca_file, cert_file, key_file))


def connect_insecure(target):
    """Returns a plain-text grpc.Channel: only for a development identityd
    started with --insecure_loopback (it listens on loopback only). A
    production identityd refuses it (UNAVAILABLE)."""
    return grpc.insecure_channel(target)


def connect_from_env(environ=os.environ):
    """Returns a channel to identityd as the environment asks.

    IDENTITYD_TARGET (default 127.0.0.1:50051), and either IDENTITYD_CA_FILE,
    IDENTITYD_CERT_FILE and IDENTITYD_KEY_FILE (mutual TLS) or
    IDENTITYD_INSECURE=1 (plain text, development). Anything else raises
    ValueError saying what to set: a caller never falls back to plain text.
    """
    target = environ.get(TARGET_VAR) or DEFAULT_TARGET
    files = [environ.get(name, "") for name in TLS_FILE_VARS]
    insecure = environ.get(INSECURE_VAR, "") == "1"
    if any(files) and insecure:
        raise ValueError("set either %s or %s=1, not both" % ("/".join(TLS_FILE_VARS), INSECURE_VAR))
    if all(files):
        return connect(target, *files)
    if insecure:
        return connect_insecure(target)
    raise ValueError("set %s, %s and %s (mutual TLS, which a production identityd requires), "
                     "or %s=1 for a development identityd started with --insecure_loopback"
                     % (TLS_FILE_VARS + (INSECURE_VAR,)))


def stub(channel):
    """Returns the generated IdentityService stub bound to `channel`."""
    return identity_pb2_grpc.IdentityServiceStub(channel)
