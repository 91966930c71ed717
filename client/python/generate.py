#!/usr/bin/env python3
"""Generates the Python stubs for identityd from proto/ (grpcio-tools' protoc).

    build/clients/python/venv/bin/python client/python/generate.py

writes identity/v1/identity_pb2.py, identity_pb2.pyi and identity_pb2_grpc.py
beside this file, where example.py and interop_test.py import them (`from
identity.v1 import ...`; the generated files import each other that way, so
their root must be on sys.path). They are never committed.
"""

import os
import sys

from grpc_tools import protoc

HERE = os.path.dirname(os.path.abspath(__file__))
PROTO_ROOT = os.path.join(HERE, "..", "..", "proto")
# protoc from grpcio-tools ships the well-known types (duration, timestamp).
WELL_KNOWN = os.path.join(os.path.dirname(protoc.__file__), "_proto")


def main():
    status = protoc.main([
        "grpc_tools.protoc",
        "--proto_path=" + PROTO_ROOT,
        "--proto_path=" + WELL_KNOWN,
        "--python_out=" + HERE,
        "--pyi_out=" + HERE,
        "--grpc_python_out=" + HERE,
        "identity/v1/identity.proto",
    ])
    if status != 0:
        sys.exit("generate.py: protoc failed with status %d" % status)


if __name__ == "__main__":
    main()
