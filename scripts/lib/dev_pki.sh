#!/usr/bin/env bash
# dev_pki.sh: a throw-away certificate authority and certificates for identityd's
# mutual TLS, made with the openssl CLI. For development (scripts/run --mtls) and
# the tests; production certificates come from your real CA (see README,
# "Security model").
#
#   scripts/lib/dev_pki.sh DIR          # CA, server, ops and service clients
#   scripts/lib/dev_pki.sh DIR --test   # plus the certificates the tests attack with
#   scripts/lib/dev_pki.sh DIR --foreign   # plus only foreign-ca and foreign (below)
#   scripts/lib/dev_pki.sh DIR --renew-server   # a new server key and certificate
#
# --renew-server re-issues server.pem and server.key from DIR's CA (a new key,
# a new serial) and moves them over the old ones, key first, each by rename:
# a certificate renewal as identityd's --tls_reload_interval expects one
# (scripts/soak renews every 90 s).
#
# Files already present are kept (run it again to fill gaps). Keys are 0600,
# ECDSA P-256. Made in DIR:
#   ca.pem, ca.key             the CA that signs the server and the clients
#   server.pem, server.key     identityd: SAN IP:127.0.0.1, IP:::1, DNS:localhost
#   ops.pem, ops.key           principal spiffe://identityd.test/ops/alice (URI SAN)
#   service.pem, service.key   principal spiffe://identityd.test/ns/billing/sa/api
# With --foreign or --test, also:
#   foreign-ca.pem, foreign.pem/.key  an "ops" client signed by another CA
# With --test, also:
#   expired.pem, expired.key          signed by ca.pem, valid 2020-01-01..2020-01-02
#   dns.pem, dns.key                  DNS SAN only: billing.identityd.test
#   cn.pem, cn.key                    no SAN, subject CN "cn-only-client"
#   ca2.pem, ca2.key, server2.pem/.key  a second CA and a server certificate from it
#                                       (for the certificate-reload test)
#   cn-spiffe.pem/.key       no SAN, CN "spiffe://identityd.test/ops/alice" (an ops look-alike)
#   dns-spiffe.pem/.key      DNS SAN "spiffe://identityd.test/ops/alice" (the same, as a DNS SAN)
#   two-uris.pem/.key        two URI SANs: the ops and the service principals
#   wildcard-dns.pem/.key    DNS SAN *.identityd.test only
#   mixed-case-dns.pem/.key  DNS SAN Billing.Identityd.TEST only
#   dotdot-spiffe.pem/.key   URI SAN spiffe://identityd.test/ops/../admin
# Can be sourced too (defines make_dev_pki).
set -euo pipefail

_pki_key() {  # FILE
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" \
    2>/dev/null)
}

_pki_ca() {  # DIR NAME CN
  local dir=$1 name=$2 cn=$3
  [ -s "$dir/$name.pem" ] && return 0
  _pki_key "$dir/$name.key"
  openssl req -x509 -new -key "$dir/$name.key" -out "$dir/$name.pem" -days 3650 -subj "/CN=$cn" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
}

# Issues DIR/NAME.pem (+ .key), signed by DIR/CA.pem, with subject CN and the
# extensions EXT (one per line). DAYS: validity.
_pki_leaf() {  # DIR CA NAME CN DAYS EXT
  local dir=$1 ca=$2 name=$3 cn=$4 days=$5 ext=$6
  [ -s "$dir/$name.pem" ] && return 0
  _pki_key "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "/CN=$cn" -out "$dir/$name.csr" 2>/dev/null
  printf '%s\n' "$ext" > "$dir/$name.ext"
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/$ca.pem" -CAkey "$dir/$ca.key" \
    -days "$days" -sha256 -extfile "$dir/$name.ext" -out "$dir/$name.pem" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

# A client certificate that expired long ago: `openssl ca` is the CLI that
# takes explicit validity dates.
_pki_expired() {  # DIR
  local dir=$1 work
  [ -s "$dir/expired.pem" ] && return 0
  work=$(mktemp -d)
  _pki_key "$dir/expired.key"
  openssl req -new -key "$dir/expired.key" -subj "/CN=expired-client" -out "$work/csr" 2>/dev/null
  : > "$work/index.txt"
  echo 1000 > "$work/serial"
  cat > "$work/ca.cnf" <<EOF
[ca]
default_ca = dev
[dev]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = any
unique_subject = no
x509_extensions = leaf
[any]
commonName = supplied
[leaf]
subjectAltName = URI:spiffe://identityd.test/ops/expired
extendedKeyUsage = clientAuth
EOF
  openssl ca -batch -config "$work/ca.cnf" -cert "$dir/ca.pem" -keyfile "$dir/ca.key" \
    -in "$work/csr" -out "$dir/expired.pem" -notext \
    -startdate 20200101000000Z -enddate 20200102000000Z 2>/dev/null
  rm -rf "$work"
}

# The "ops" client's principal on a certificate from another CA: what a client
# that trusts the wrong CA presents (the interop tests' refused caller).
_pki_foreign() {  # DIR
  _pki_ca "$1" foreign-ca "some other CA"
  _pki_leaf "$1" foreign-ca foreign "ops-mallory" 825 \
    $'subjectAltName=URI:spiffe://identityd.test/ops/alice\nextendedKeyUsage=clientAuth'
}

_PKI_SERVER_EXT=$'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth'

renew_dev_server() {  # DIR
  local dir=$1
  rm -f "$dir/server.renewed.pem" "$dir/server.renewed.key"
  _pki_leaf "$dir" ca server.renewed "identityd" 825 "$_PKI_SERVER_EXT"
  mv -f "$dir/server.renewed.key" "$dir/server.key"
  mv -f "$dir/server.renewed.pem" "$dir/server.pem"
}

make_dev_pki() {  # DIR [--test]
  local dir=$1 extras=${2:-}
  mkdir -p "$dir"
  chmod 700 "$dir"
  _pki_ca "$dir" ca "identityd development CA"
  _pki_leaf "$dir" ca server "identityd" 825 "$_PKI_SERVER_EXT"
  _pki_leaf "$dir" ca ops "ops-alice" 825 \
    $'subjectAltName=URI:spiffe://identityd.test/ops/alice\nextendedKeyUsage=clientAuth'
  _pki_leaf "$dir" ca service "billing-api" 825 \
    $'subjectAltName=URI:spiffe://identityd.test/ns/billing/sa/api\nextendedKeyUsage=clientAuth'
  case "$extras" in --test | --foreign) _pki_foreign "$dir" ;; esac
  [ "$extras" = "--test" ] || return 0
  _pki_expired "$dir"
  _pki_leaf "$dir" ca dns "dns-client" 825 \
    $'subjectAltName=DNS:billing.identityd.test\nextendedKeyUsage=clientAuth'
  _pki_leaf "$dir" ca cn "cn-only-client" 825 'extendedKeyUsage=clientAuth'
  _pki_ca "$dir" ca2 "identityd development CA 2"
  _pki_leaf "$dir" ca2 server2 "identityd-2" 825 "$_PKI_SERVER_EXT"
  # Names a lax CA might let a requester choose (see README, "The caller's
  # principal"); '/' in a subject is escaped for -subj.
  _pki_leaf "$dir" ca cn-spiffe 'spiffe:\/\/identityd.test\/ops\/alice' 825 \
    'extendedKeyUsage=clientAuth'
  _pki_leaf "$dir" ca dns-spiffe "dns-spiffe" 825 \
    $'subjectAltName=DNS:spiffe://identityd.test/ops/alice\nextendedKeyUsage=clientAuth'
  _pki_leaf "$dir" ca two-uris "two-uris" 825 \
    $'subjectAltName=URI:spiffe://identityd.test/ops/alice,URI:spiffe://identityd.test/ns/billing/sa/api\nextendedKeyUsage=clientAuth'
  _pki_leaf "$dir" ca wildcard-dns "wildcard-dns" 825 \
    $'subjectAltName=DNS:*.identityd.test\nextendedKeyUsage=clientAuth'
  _pki_leaf "$dir" ca mixed-case-dns "mixed-case-dns" 825 \
    $'subjectAltName=DNS:Billing.Identityd.TEST\nextendedKeyUsage=clientAuth'
  _pki_leaf "$dir" ca dotdot-spiffe "dotdot-spiffe" 825 \
    $'subjectAltName=URI:spiffe://identityd.test/ops/../admin\nextendedKeyUsage=clientAuth'
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: $0 DIR [--test | --foreign | --renew-server]" >&2
    exit 2
  fi
  if [ "${2:-}" = "--renew-server" ]; then
    renew_dev_server "$1"
  else
    make_dev_pki "$@"
  fi
fi
