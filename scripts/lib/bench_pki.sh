#!/usr/bin/env bash
# bench_pki.sh DIR IDENTITYD: what identityd (the binary IDENTITYD) needs to
# serve mutual TLS to identity-bench, made in DIR (for scripts/bench's part 4
# and the bench.identity_bench_mtls_smoke test; throw-away, development only):
#   ca.pem, server.pem/.key, ops.pem/.key  scripts/lib/dev_pki.sh's CA, server
#                  certificate (IP SAN 127.0.0.1) and client "ops", principal
#                  spiffe://identityd.test/ops/alice (service.pem/.key too)
#   policy.json    a policy granting that principal every RPC on every widget
#                  (the bench registers widgets and rotates secrets too)
#   master.key     a random master key (hex) for --state_dir: identityd serving
#                  TLS refuses memory-only state
#   state/         a new state directory sealed under it (identityd
#                  --init_state_dir: identityd never makes one when it starts)
# Then run identityd with
#   --tls_cert_file=DIR/server.pem --tls_key_file=DIR/server.key
#   --tls_client_ca_file=DIR/ca.pem --authz_policy_file=DIR/policy.json
#   --state_dir=DIR/state --master_key_file=DIR/master.key
# and identity-bench with --ca=DIR/ca.pem --cert=DIR/ops.pem --key=DIR/ops.key.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 DIR IDENTITYD" >&2
  exit 2
fi
dir=$1
identityd=$2
"$(dirname "$0")/dev_pki.sh" "$dir"
cat > "$dir/policy.json" <<'JSON'
{"rules": [
  {"name": "the bench client may call everything",
   "principals": ["spiffe://identityd.test/ops/alice"], "rpcs": ["*"], "app_ids": ["*"]}
]}
JSON
(umask 077 && openssl rand -hex 32 > "$dir/master.key")
"$identityd" --init_state_dir --state_dir="$dir/state" --master_key_file="$dir/master.key"
