# Set-up of the clients in other languages (sourced by setup.sh, not run).
# Each function fetches that language's pinned dependencies from its own
# registry (PyPI, the Go module proxy, npm, Maven Central; Ruby's come from
# Debian, see APT_PACKAGES) and generates its code from proto/, with the one
# command README.md shows. A step whose inputs have not changed since its last
# run is skipped (a stamp file under $CLIENTS_BUILD_DIR), so a warm set-up costs
# seconds. A missing toolchain stops the set-up with a message; the language's
# ctest then fails too, never skips.

CLIENTS_BUILD_DIR="$BUILD_DIR/clients"

# Succeeds when the stamp $1 and the step's output $2 exist and none of the
# step's inputs $3... (files or folders) is newer than the stamp.
up_to_date() {
  local stamp="$1" output="$2"
  shift 2
  [ -f "$stamp" ] && [ -e "$output" ] && [ -z "$(find "$@" -newer "$stamp" -print -quit)" ]
}

require_command() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "$1 not found on PATH: $2" >&2
    exit 1
  fi
}

# `npm ci` in $REPO_ROOT/$1 (from its package-lock.json) unless the lock is
# unchanged since the last run.
npm_ci() {
  local dir="$REPO_ROOT/$1" stamp="$CLIENTS_BUILD_DIR/${1//\//_}.npm.stamp"
  if up_to_date "$stamp" "$dir/node_modules" "$dir/package-lock.json"; then return; fi
  require_command npm "install Node.js with npm"
  log "npm ci ($1)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  touch "$stamp"
}

# The buf CLI (npm package @bufbuild/buf, pinned in tools/buf/package-lock.json).
setup_buf() {
  npm_ci tools/buf
}

# Python: a virtualenv of Debian's /usr/bin/python3 with the hash-pinned
# requirements, then client/python/generate.py.
setup_python_client() {
  local dir="$REPO_ROOT/client/python" venv="$CLIENTS_BUILD_DIR/python/venv"
  local stamp="$CLIENTS_BUILD_DIR/python.stamp"
  if ! up_to_date "$stamp" "$venv/bin/python" "$dir/requirements.txt"; then
    log "python client: pip install (requirements.txt, hash-checked) into $venv"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes \
      --only-binary=:all: -r "$dir/requirements.txt"
    touch "$stamp"
  fi
  "$venv/bin/python" "$dir/generate.py"
}

# Go: modules from go.sum, then `go generate` (protoc-gen-go and -go-grpc
# built from the versions go.mod pins).
setup_go_client() {
  require_command go "the Go toolchain (go.mod asks for Go $(sed -n 's/^go //p' "$REPO_ROOT/client/go/go.mod"))"
  log "go client: go mod download && go generate ./..."
  (cd "$REPO_ROOT/client/go" && go mod download && go generate ./...)
}

# Node.js: npm ci from package-lock.json (the client loads the .proto at run
# time with @grpc/proto-loader: nothing to generate).
setup_node_client() {
  npm_ci client/node
}

# Ruby: grpc, google-protobuf, jwt and minitest are Debian's packages (this
# machine reaches no gem registry); `rake generate` runs Debian's protoc with
# grpc_ruby_plugin.
setup_ruby_client() {
  log "ruby client: rake generate"
  (cd "$REPO_ROOT/client/ruby" && rake --silent generate >/dev/null)
}

# Java: `mvn package` fetches the pinned artifacts from Maven Central into
# ~/.m2 (online only when something is missing), generates the stubs with the
# pinned protoc and protoc-gen-grpc-java, compiles, and copies every jar the
# tests run with into client/java/target/lib (git-ignored). ctest then runs a
# plain JVM: no Maven, no network.
setup_java_client() {
  local dir="$REPO_ROOT/client/java" stamp="$CLIENTS_BUILD_DIR/java.stamp"
  if up_to_date "$stamp" "$dir/target/lib" "$dir/pom.xml" "$dir/src" "$REPO_ROOT/proto"; then return; fi
  require_command mvn "Debian package maven"
  log "java client: mvn package"
  (cd "$dir" && mvn --batch-mode --quiet --no-transfer-progress package)
  touch "$stamp"
}

setup_clients() {
  mkdir -p "$CLIENTS_BUILD_DIR"
  setup_buf
  setup_python_client
  setup_go_client
  setup_node_client
  setup_ruby_client
  setup_java_client
}
