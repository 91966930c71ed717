#!/usr/bin/env bash
# Builds identityd's container image (an OCI image layout) from Debian 12
# packages only: no base image from any registry.
#
#   deploy/image/build-image.sh --identityd=PATH --identityctl=PATH --out=DIR \
#     [--version=VERSION] [--suite=bookworm] [--mirror=URL]
#
# Two layers:
#   1. the runtime: `mmdebstrap --variant=extract` of the Debian packages that
#      hold the libraries the two binaries link (found with ldd and dpkg on
#      this machine, the one that built them) plus ca-certificates. Packages
#      are extracted, never installed: no maintainer script runs, so neither a
#      shell nor perl nor dpkg is needed or shipped. The steps after it do the
#      two things the maintainer scripts would have done that matter here (the
#      dynamic linker's cache, the CA bundle) and drop documentation (not the
#      copyright files), device nodes (the runtime makes /dev) and apt's
#      state. Cached in DIR/cache under a key made of the package list, suite,
#      mirror and this script: a second build reuses it.
#   2. identityd: /usr/bin/identityd, /usr/bin/identityctl, the user and group
#      identityd (10001:10001) in /etc/passwd and /etc/group, its state folder
#      /var/lib/identityd (0700, owned by it), /etc/identityd for mounted files,
#      and /usr/share/doc/identityd-image/packages.txt (each package and version
#      in layer 1).
# The image config runs /usr/bin/identityd as 10001:10001 (numeric, so that
# Kubernetes' runAsNonRoot can check it) with labels (org.opencontainers.image.*:
# title, description, version, revision, created, licenses, base.name).
#
# Output in DIR: oci/ (the OCI image layout, tag identityd:VERSION), the same
# as an oci-archive (identityd-VERSION.oci.tar: `skopeo copy
# oci-archive:identityd-VERSION.oci.tar docker://REGISTRY/identityd:VERSION`,
# or `podman load -i`), and image-size.txt. Times in the layers and the config
# are SOURCE_DATE_EPOCH (default: the last commit's time), so the same binaries
# and the same package versions make the same image digest.
#
# Needs (Debian 12 packages, in APT_PACKAGES): mmdebstrap, umoci, and root
# (mmdebstrap's root mode; the layers hold files owned by other users).

set -euo pipefail

IDENTITYD=""
IDENTITYCTL=""
OUT=""
VERSION=""
SUITE="bookworm"
MIRROR="http://deb.debian.org/debian"
for arg in "$@"; do
  case "$arg" in
    --identityd=*) IDENTITYD="${arg#*=}" ;;
    --identityctl=*) IDENTITYCTL="${arg#*=}" ;;
    --out=*) OUT="${arg#*=}" ;;
    --version=*) VERSION="${arg#*=}" ;;
    --suite=*) SUITE="${arg#*=}" ;;
    --mirror=*) MIRROR="${arg#*=}" ;;
    *) echo "build-image.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
if [ -z "$IDENTITYD" ] || [ -z "$IDENTITYCTL" ] || [ -z "$OUT" ]; then
  echo "usage: build-image.sh --identityd=PATH --identityctl=PATH --out=DIR [--version=V]" >&2
  exit 2
fi

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# The user identityd runs as in the image; deploy/kubernetes and the tests
# name the same numbers.
IMAGE_UID=10001
IMAGE_GID=10001

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

if [ -z "$VERSION" ]; then
  VERSION="$(git -C "$REPO_ROOT" describe --tags --always --dirty 2>/dev/null || echo unknown)"
fi
REVISION="$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
LAST_COMMIT_TIME="$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || echo 0)"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$LAST_COMMIT_TIME}"
CREATED="$(date -u -d "@$SOURCE_DATE_EPOCH" +%Y-%m-%dT%H:%M:%SZ)"

# The Debian packages that hold the shared libraries (and the dynamic linker)
# the binaries load, as this machine's dpkg knows them. With merged /usr a
# library may be registered under another spelling of its path: every
# spelling is asked, in one dpkg-query (which reads every package's file list).
runtime_packages() {
  local libs=() candidates=() lib found spelling matched
  mapfile -t libs < <(for binary in "$IDENTITYD" "$IDENTITYCTL"; do
    ldd "$binary" | awk '/=> \// {print $3} /^\t\/[^ ]*ld-linux/ {print $1}'
  done | sort -u)
  for lib in "${libs[@]}"; do
    candidates+=("$lib" "$(readlink -f "$lib")" "/usr$lib" "${lib#/usr}")
  done
  found="$(dpkg-query -S "${candidates[@]}" 2>/dev/null || true)"
  for lib in "${libs[@]}"; do
    matched=""
    for spelling in "$lib" "$(readlink -f "$lib")" "/usr$lib" "${lib#/usr}"; do
      matched+="$(awk -v p="$spelling" '$2 == p {print $1}' <<<"$found")"
    done
    if [ -z "$matched" ]; then
      echo "build-image.sh: no Debian package holds $lib" >&2
      exit 1
    fi
  done
  # "PACKAGE[:ARCH][, PACKAGE[:ARCH]...]: PATH"
  sed -E 's/: [^ ]+$//; s/, /\n/g' <<<"$found" | sed -E 's/:[a-z0-9]+$//' | sort -u
}

mkdir -p "$OUT/cache"
OUT="$(cd "$OUT" && pwd)"
mapfile -t PACKAGES < <(runtime_packages)
PACKAGES+=(ca-certificates)
PACKAGE_LIST="$(printf '%s\n' "${PACKAGES[@]}" | sort -u | paste -sd, -)"
CACHE_KEY="$(printf '%s\n' "$PACKAGE_LIST" "$SUITE" "$MIRROR" "$SOURCE_DATE_EPOCH" \
  "$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-64)" | sha256sum | cut -c1-16)"
BASE_TAR="$OUT/cache/runtime-$CACHE_KEY.tar"
BASE_PACKAGES="$OUT/cache/runtime-$CACHE_KEY.packages"

if [ -f "$BASE_TAR" ] && [ -f "$BASE_PACKAGES" ]; then
  log "Runtime layer: cached ($BASE_TAR)"
else
  log "Runtime layer: mmdebstrap --variant=extract $SUITE: $PACKAGE_LIST"
  rm -rf "$OUT"/cache/runtime-*
  # mmdebstrap makes a folder; the steps after it do what the maintainer scripts
  # would have done that matters here, drop what identityd never reads, and
  # make the layer's tar with times clamped to SOURCE_DATE_EPOCH.
  rootfs="$OUT/cache/runtime-$CACHE_KEY.rootfs"
  # The extract hook runs on this machine, with the root filesystem as $1 and
  # apt's downloaded packages still in it: it lists them.
  mmdebstrap --quiet --variant=extract --include="$PACKAGE_LIST" \
    --extract-hook='for d in "$1"/var/cache/apt/archives/*.deb; do
        dpkg-deb --show --showformat="\${Package} \${Version} \${Architecture}\n" "$d"
      done | sort > "'"$BASE_PACKAGES.tmp"'"' \
    "$SUITE" "$rootfs" "$MIRROR"
  ldconfig -r "$rootfs"
  cat "$rootfs"/usr/share/ca-certificates/mozilla/*.crt \
    > "$rootfs/etc/ssl/certs/ca-certificates.crt"
  find "$rootfs/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
  rm -rf "$rootfs"/usr/share/man "$rootfs"/usr/share/info "$rootfs"/usr/share/locale \
    "$rootfs"/usr/share/lintian "$rootfs"/var/lib/apt "$rootfs"/var/cache/* "$rootfs"/var/log/* \
    "$rootfs"/etc/apt "$rootfs"/dev/*
  tar --sort=name --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" --clamp-mtime \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --format=pax \
    -C "$rootfs" -cf "$BASE_TAR.tmp" .
  rm -rf "$rootfs"
  mv "$BASE_TAR.tmp" "$BASE_TAR"
  mv "$BASE_PACKAGES.tmp" "$BASE_PACKAGES"
fi

log "identityd layer"
APP_TAR="$OUT/cache/identityd-layer.tar"
/usr/bin/python3 - "$APP_TAR" "$IDENTITYD" "$IDENTITYCTL" "$BASE_PACKAGES" \
  "$IMAGE_UID" "$IMAGE_GID" "$SOURCE_DATE_EPOCH" <<'EOF'
import io
import sys
import tarfile

out, identityd, identityctl, packages, uid, gid, mtime = sys.argv[1:]
uid, gid, mtime = int(uid), int(gid), int(mtime)


def add(tar, name, mode, data=None, path=None, owner=(0, 0), kind=tarfile.REGTYPE):
    info = tarfile.TarInfo(name)
    info.mode, info.mtime, info.type = mode, mtime, kind
    info.uid, info.gid = owner
    info.uname = info.gname = ""
    if path is not None:
        with open(path, "rb") as f:
            data = f.read()
    if kind == tarfile.REGTYPE:
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    else:
        tar.addfile(info)


with tarfile.open(out, "w", format=tarfile.PAX_FORMAT) as tar:
    for folder in ("etc", "etc/identityd", "usr", "usr/bin", "usr/share", "usr/share/doc",
                   "usr/share/doc/identityd-image", "var", "var/lib"):
        add(tar, folder, 0o755, kind=tarfile.DIRTYPE)
    add(tar, "etc/passwd", 0o644,
        ("root:x:0:0:root:/root:/nonexistent\n"
         "identityd:x:%d:%d:identityd:/nonexistent:/nonexistent\n" % (uid, gid)).encode())
    add(tar, "etc/group", 0o644, ("root:x:0:\nidentityd:x:%d:\n" % gid).encode())
    # The state volume's mount point; the state directory is a subfolder
    # made by `identityd --init_state_dir` (README, "State directory").
    add(tar, "var/lib/identityd", 0o700, owner=(uid, gid), kind=tarfile.DIRTYPE)
    add(tar, "usr/bin/identityd", 0o755, path=identityd)
    add(tar, "usr/bin/identityctl", 0o755, path=identityctl)
    add(tar, "usr/share/doc/identityd-image/packages.txt", 0o644, path=packages)
EOF

log "OCI image: $OUT/oci (identityd:$VERSION)"
rm -rf "$OUT/oci"
umoci init --layout "$OUT/oci"
umoci new --image "$OUT/oci:identityd:$VERSION"
for layer in "$BASE_TAR" "$APP_TAR"; do
  umoci raw add-layer --image "$OUT/oci:identityd:$VERSION" \
    --history.created="$CREATED" --history.created_by="deploy/image/build-image.sh" "$layer"
done
umoci config --image "$OUT/oci:identityd:$VERSION" --created="$CREATED" \
  --history.created="$CREATED" --history.created_by="deploy/image/build-image.sh" \
  --author="identityd" --os=linux --architecture="$(dpkg --print-architecture)" \
  --config.user="$IMAGE_UID:$IMAGE_GID" \
  --config.entrypoint=/usr/bin/identityd --clear=config.cmd \
  --clear=config.env --config.env=PATH=/usr/bin \
  --config.workingdir=/ \
  --config.exposedports=50051/tcp --config.exposedports=8081/tcp \
  --config.label=org.opencontainers.image.title=identityd \
  --config.label="org.opencontainers.image.description=Widget identity service (gRPC);\
 Debian $SUITE packages, no shell" \
  --config.label="org.opencontainers.image.version=$VERSION" \
  --config.label="org.opencontainers.image.revision=$REVISION" \
  --config.label="org.opencontainers.image.created=$CREATED" \
  --config.label="org.opencontainers.image.base.name=debian:$SUITE (mmdebstrap --variant=extract)" \
  --manifest.annotation="org.opencontainers.image.version=$VERSION" \
  --manifest.annotation="org.opencontainers.image.revision=$REVISION"
umoci gc --layout "$OUT/oci"

ARCHIVE="$OUT/identityd-$VERSION.oci.tar"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
  -C "$OUT/oci" -cf "$ARCHIVE" .
{
  echo "image: identityd:$VERSION"
  echo "compressed (OCI archive): $(stat -c %s "$ARCHIVE") bytes"
  echo "unpacked layers: $(( $(stat -c %s "$BASE_TAR") + $(stat -c %s "$APP_TAR") )) bytes"
  echo "packages: $(wc -l < "$BASE_PACKAGES")"
} > "$OUT/image-size.txt"
cat "$OUT/image-size.txt" >&2
