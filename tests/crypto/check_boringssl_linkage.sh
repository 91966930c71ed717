#!/bin/sh
# Checks that the BoringSSL build of the crypto tests loads BoringSSL's
# libcrypto and neither OpenSSL 3 nor gRPC: the two libcrypto builds export the
# same unversioned symbols, and a process that loads both crashes.
#   check_boringssl_linkage.sh BINARY
set -eu
binary=$1
libs=$(ldd "$binary")
status=0
if ! printf '%s\n' "$libs" | grep -q '/android/libcrypto\.so\.0'; then
  echo "$binary does not load BoringSSL (android/libcrypto.so.0)" >&2
  status=1
fi
if printf '%s\n' "$libs" | grep -q 'libcrypto\.so\.3'; then
  echo "$binary loads OpenSSL 3 (libcrypto.so.3)" >&2
  status=1
fi
if printf '%s\n' "$libs" | grep -Eq 'libssl\.so|libgrpc|libgpr'; then
  echo "$binary loads libssl or gRPC" >&2
  status=1
fi
[ "$status" -eq 0 ] || { printf '%s\n' "$libs" >&2; exit 1; }
echo "$binary: BoringSSL only, no OpenSSL 3, no gRPC"
