#!/bin/sh
# A short run of identity-bench over mutual TLS (part 4 of scripts/bench), about
# a second: makes a throw-away PKI, policy, master key and state directory with
# scripts/lib/bench_pki.sh, starts identityd serving mTLS (with a --state_dir,
# as TLS requires) through run_with_identityd.py, and runs
# identity_bench_smoke.sh's "mtls" mode. Passes if no call failed and the
# server stopped cleanly.
#
#   identity_bench_mtls_smoke.sh REPO_ROOT IDENTITYD IDENTITY_BENCH
set -eu
root=$1
identityd=$2
bench=$3
BENCH_CERTS=$(mktemp -d)
export BENCH_CERTS
trap 'rm -rf "$BENCH_CERTS"' EXIT
"$root/scripts/lib/bench_pki.sh" "$BENCH_CERTS" "$identityd" >/dev/null
/usr/bin/python3 "$root/tests/support/run_with_identityd.py" --identityd="$identityd" \
  --no-insecure-loopback --server-flag=--rate_limit_per_second=0 --server-flag=--audit_sink=none \
  --server-flag=--tls_cert_file="$BENCH_CERTS/server.pem" \
  --server-flag=--tls_key_file="$BENCH_CERTS/server.key" \
  --server-flag=--tls_client_ca_file="$BENCH_CERTS/ca.pem" \
  --server-flag=--authz_policy_file="$BENCH_CERTS/policy.json" \
  --server-flag=--state_dir="$BENCH_CERTS/state" \
  --server-flag=--master_key_file="$BENCH_CERTS/master.key" \
  -- "$root/tests/bench/identity_bench_smoke.sh" "$bench" mtls
