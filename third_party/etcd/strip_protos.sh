#!/usr/bin/env bash
# Regenerates proto/ from etcd's API module: copies rpc.proto, kv.proto and
# auth.proto, and removes what Debian's protoc cannot resolve and identityd
# does not need: the gogoproto import and options (Go code generation) and the
# google.api.http annotations (etcd's HTTP gateway). Messages, fields and
# services are left exactly as etcd defines them.
#
#   third_party/etcd/strip_protos.sh [VERSION]
#
# The etcd API module is fetched with `go mod download` from the Go module
# proxy (the only place it is reachable here). The result is checked in, so
# that builds never need the network; rerun only to move to another version,
# then update VERSION in README.md.
set -euo pipefail

version="${1:-v3.5.17}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
(cd "$scratch" && go mod init fetch-etcd-api >/dev/null 2>&1 &&
  GOFLAGS=-mod=mod go mod download -json "go.etcd.io/etcd/api/v3@${version}") >"$scratch/mod.json"
module_dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' "$scratch/mod.json")"
[ -d "$module_dir" ] || { echo "go mod download gave no folder for ${version}" >&2; exit 1; }

strip() {
  # Drops: the two imports, every file-level `option (gogoproto...)` line, and
  # each multi-line `option (google.api.http) = { ... };` block.
  awk '
    /^import "gogoproto\/gogo.proto";/ { next }
    /^import "google\/api\/annotations.proto";/ { next }
    /^\/\/ for grpc-gateway$/ { next }
    /^option \(gogoproto\./ { next }
    /option \(google\.api\.http\) = \{/ { in_http = 1; next }
    in_http { if ($0 ~ /\};[[:space:]]*$/) in_http = 0; next }
    { print }
  ' "$1"
}

out="$here/proto/etcd/api"
mkdir -p "$out/mvccpb" "$out/authpb" "$out/etcdserverpb"
strip "$module_dir/mvccpb/kv.proto" >"$out/mvccpb/kv.proto"
strip "$module_dir/authpb/auth.proto" >"$out/authpb/auth.proto"
strip "$module_dir/etcdserverpb/rpc.proto" >"$out/etcdserverpb/rpc.proto"
cp "$module_dir/LICENSE" "$here/LICENSE"
chmod 0644 "$here/LICENSE" "$out"/*/*.proto
if grep -n 'gogoproto\|google\.api' "$out"/*/*.proto; then
  echo "strip_protos.sh: the lines above were not removed; adapt the script to ${version}" >&2
  exit 1
fi
echo "wrote $out/{mvccpb/kv,authpb/auth,etcdserverpb/rpc}.proto from go.etcd.io/etcd/api/v3@${version}"
