#!/usr/bin/env bash
# Turns on etcd's authentication with identityd limited to its prefix: the
# etcd user "identityd" (the CN of identityd's client certificate) gets one
# role, "identityd", that may read and write keys under PREFIX (default
# /identityd/, identityd's --etcd_prefix) and nothing else; the user "root"
# (the CN of the administrator's certificate) keeps every right.
#
#   ETCDCTL_ENDPOINTS=https://identityd-etcd-0.identityd-etcd.identityd.svc:2379 \
#   ETCDCTL_CACERT=ca.crt ETCDCTL_CERT=root.crt ETCDCTL_KEY=root.key \
#     deploy/kubernetes/etcd/setup-auth.sh [PREFIX]
#
# With client certificates (--client-cert-auth), etcd takes the user from the
# certificate's CN: no passwords. Safe to run again: what exists is kept, and
# the permission is granted again. Tested against etcd 3.4 (Debian 12) by
# tests/deploy/etcd_auth_test.py; the same commands work on etcd 3.5.
set -euo pipefail

PREFIX="${1:-/identityd/}"
ETCDCTL="${ETCDCTL:-etcdctl}"
export ETCDCTL_API=3

ensure_user() {
  "$ETCDCTL" user get "$1" >/dev/null 2>&1 || "$ETCDCTL" user add "$1" --no-password >/dev/null
}

ensure_user root
"$ETCDCTL" user grant-role root root >/dev/null
"$ETCDCTL" role get identityd >/dev/null 2>&1 || "$ETCDCTL" role add identityd >/dev/null
"$ETCDCTL" role grant-permission identityd --prefix=true readwrite "$PREFIX" >/dev/null
ensure_user identityd
"$ETCDCTL" user grant-role identityd identityd >/dev/null
"$ETCDCTL" auth enable >/dev/null
echo "etcd authentication on; user identityd may read and write ${PREFIX}* only" >&2
