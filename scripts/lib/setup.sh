# Shared set-up for scripts/run, scripts/test and scripts/bench (sourced, not run).
# On a fresh Debian 12 machine, as root: installs every Debian package the
# project needs (only the missing ones), then configures and builds with CMake
# (Release, Ninja) into $BUILD_DIR.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD_DIR="${BUILD_DIR:-$REPO_ROOT/build}"
# The fuzz build (clang, libFuzzer, ASan + UBSan; docs/fuzzing.md): its own
# folder, as its flags differ from every other build's.
FUZZ_BUILD_DIR="${FUZZ_BUILD_DIR:-$REPO_ROOT/build-fuzz}"
# Extra -D options for the CMake configure step; a script may append to it
# after sourcing this file (scripts/test turns on the ThreadSanitizer test).
CMAKE_OPTIONS=()

# Every Debian package the build and the tests use. Keep this the one list.
APT_PACKAGES=(
  # the C++ service and client
  cmake ninja-build g++ pkg-config
  ccache                     # rebuilds (and the second and third build folders) reuse objects
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libabsl-dev libssl-dev openssl nlohmann-json3-dev rapidjson-dev
  libjemalloc-dev            # identityd's allocator (server/startup/release_allocator.cc)
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  rsyslog                    # a real syslog server for the audit sink tests (tests/audit)
  etcd-server etcd-client    # a real etcd cluster for the replicated store's tests (tests/etcd)
  prometheus                 # scrapes identityd in tests/metrics; promtool checks the alert rules
  android-libboringssl-dev   # the crypto core's second test run, against BoringSSL
  clang-16 libclang-rt-16-dev  # the fuzz build: clang with libFuzzer and the sanitizers
  llvm                         # llvm-symbolizer, for the sanitizers' stack traces
  python3 python3-jwt        # /usr/bin/python3 with PyJWT, for the interop checks
  nodejs                     # runs the vendor's Node snippet for test vectors
  etcd-server etcd-client     # a real etcd for deploy/kubernetes/etcd/setup-auth.sh (tests/deploy)
  # the clients in other languages (scripts/lib/clients.sh; Go and npm come
  # with the machine: Debian 12's Go is too old for client/go/go.mod)
  python3-venv               # the Python client's virtualenv
  ruby rake ruby-grpc ruby-google-protobuf ruby-jwt ruby-minitest  # the Ruby client
  openjdk-17-jdk-headless maven                                    # the Java client
  # deploy/: the container image (mmdebstrap, umoci; deploy/image/build-image.sh)
  # and the OCI runtime its test runs it with (runc; tests/deploy)
  mmdebstrap umoci runc
  systemd                    # systemd-analyze verify and security for deploy/systemd
)

source "$REPO_ROOT/scripts/lib/clients.sh"

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

install_packages() {
  local missing=()
  local pkg
  for pkg in "${APT_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$pkg")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "Debian packages: all ${#APT_PACKAGES[@]} present"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}" >&2
    echo "Run as root (or install them with sudo apt-get install) and retry." >&2
    exit 1
  fi
  log "Installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Configures (Release, Ninja) the build folder $1, with the extra CMake
# options $2...
configure() {
  local dir="$1"
  shift
  # Paths relative to the checkout in ccache's keys: another clone of the
  # repository (CI's) reuses the objects of this one.
  export CCACHE_BASEDIR="$REPO_ROOT"
  cmake -S "$REPO_ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache "$@" >/dev/null
}

# Configures and builds the whole tree into the folder $1, with the extra
# CMake options $2...
configure_and_build() {
  configure "$@"
  cmake --build "$1" -j "$(nproc)"
}

# build [TARGET...]: configures $BUILD_DIR, then builds the whole tree or only TARGETs.
build() {
  log "Configuring and building (Release) in $BUILD_DIR"
  configure "$BUILD_DIR" "${CMAKE_OPTIONS[@]}"
  cmake --build "$BUILD_DIR" -j "$(nproc)" ${1:+--target "$@"}
}

# Configures and builds the fuzz targets (tests/fuzz) in $FUZZ_BUILD_DIR.
build_fuzz() {
  log "Configuring and building the fuzz targets (clang-16, libFuzzer, ASan + UBSan) in $FUZZ_BUILD_DIR"
  # The later -DCMAKE_BUILD_TYPE wins over configure's Release.
  configure_and_build "$FUZZ_BUILD_DIR" -DIDENTITYD_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++-16 \
    -DCMAKE_BUILD_TYPE=Debug
}

setup() {
  install_packages
  build
}
