"""Opens connections to identityd, the widget identity service, from Python.

Every Python caller creates its channel here, so that transport security is
configured in one place: identityd serves plain text only on loopback
(--insecure_loopback, for development and tests); TLS credentials belong in
connect() when the server offers them.

    from identity.v1 import identity_pb2
    import identityd_client

    with identityd_client.connect("127.0.0.1:50051") as channel:
        stub = identityd_client.stub(channel)
        reply = stub.IssueEmailHash(
            identity_pb2.IssueEmailHashRequest(app_id="demo-widget", email="jane@example.com"),
            timeout=5.0)  # every call carries a deadline
"""

import grpc

from identity.v1 import identity_pb2_grpc


def connect(target):
    """Returns a grpc.Channel to identityd at `target` ("host:port").

    The channel connects lazily, on the first call. Close it (or use it as a
    context manager) when done.
    """
    # Plain text: today's identityd accepts it only on a loopback address.
    return grpc.insecure_channel(target)


def stub(channel):
    """Returns the generated IdentityService stub bound to `channel`."""
    return identity_pb2_grpc.IdentityServiceStub(channel)
