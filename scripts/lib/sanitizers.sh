# The second build and run of scripts/test (sourced after setup.sh, not run):
# everything built with AddressSanitizer (with LeakSanitizer) and
# UndefinedBehaviorSanitizer in $SANITIZE_BUILD_DIR (CMake option
# IDENTITYD_SANITIZE), and the C++ unit and integration suites run there.
# Any report from any process fails the run (docs/unit-tests.md, section
# "AddressSanitizer + UndefinedBehaviorSanitizer").

SANITIZE_BUILD_DIR="${SANITIZE_BUILD_DIR:-$REPO_ROOT/build-asan}"
# Every report of every process goes here, one file per process
# (report.<program>.<pid>): the test binaries, the identityd and identityctl
# they start (the sanitized ones of this build: tests/support finds them by
# their CMake target), however the test reads the child's exit or output.
SANITIZER_REPORT_DIR="$SANITIZE_BUILD_DIR/sanitizer-reports"
# Tests not run in this build, by label (docs/unit-tests.md says why for each):
#   interop  the clients and checks in other languages: their runtimes are not
#            instrumented, and the first run covered them against the same code
#   bench    benchmark smoke runs: they assert no result, only that they run
#   proto    buf lint and buf breaking: no C++ runs
#   memory_bounds  the hostile-caller attacks (security.hostile_caller) and the
#            soak smoke (soak.smoke): their bounds are RSS with identityd's
#            release allocator, jemalloc, which this build replaces with ASan's
#            (quarantine, redzones); the request paths they reach run here in
#            the unit and integration tests
#   etcd     identityd replicas on a real etcd cluster (tests/etcd): kill -9,
#            SIGSTOP and elections against wall-clock deadlines, which the
#            slower instrumented build would turn into flakes (the store's
#            C++ on its own, label etcd_store, runs here: tests/etcd)
#   deploy   the deployment checks (tests/deploy): grpcurl, the container image,
#            the Kubernetes manifests, the systemd unit; identityd's code they
#            reach runs here in the integration tests
#   prometheus  identityd scraped by a real Prometheus, and promtool on the alert
#            rules: Go programs, not instrumented; the exposition's C++ code runs
#            here in its unit tests (metrics.*)
SANITIZE_EXCLUDED_LABELS='^(interop|bench|proto|memory_bounds|etcd|deploy|prometheus)$'

build_sanitized() {
  log "Configuring and building with AddressSanitizer + UBSan in $SANITIZE_BUILD_DIR"
  # ThreadSanitizer cannot share a binary with them: its keyring run is in $BUILD_DIR.
  configure_and_build "$SANITIZE_BUILD_DIR" -DIDENTITYD_SANITIZE=address,undefined \
    -DIDENTITYD_TSAN=OFF
}

# Runs ctest in $SANITIZE_BUILD_DIR (extra arguments go to ctest; run_ctest,
# scripts/lib/ctest_run.sh). Fails if a
# test failed or any process wrote a sanitizer report, and prints the reports.
test_sanitized() {
  rm -rf "$SANITIZER_REPORT_DIR"
  mkdir -p "$SANITIZER_REPORT_DIR"
  # halt_on_error: the first report ends the process (exit 1; leaks exit 23).
  # detect_leaks: LeakSanitizer checks every process that exits normally.
  # log_path: reports go to files, never only to a child's stderr, which a
  # test may not read.
  local common="halt_on_error=1:log_path=$SANITIZER_REPORT_DIR/report:log_exe_name=1"
  local status=0
  log "Running the C++ suites under AddressSanitizer + UBSan"
  local asan="detect_leaks=1:detect_stack_use_after_return=1"
  asan+=":check_initialization_order=1:strict_init_order=1"
  # local -x: exported to the tests, gone when this function returns.
  local -x ASAN_OPTIONS="$common:$asan"
  local -x UBSAN_OPTIONS="$common:print_stacktrace=1"
  # Leaks inside Debian's libraries only, each with its upstream issue.
  # print_suppressions=0: else the list of suppressions used would land in
  # the report folder too.
  local -x LSAN_OPTIONS="suppressions=$REPO_ROOT/tests/lsan_suppressions.txt:print_suppressions=0"
  # A report from a first, failed attempt still fails the run (below).
  run_ctest "sanitizers" "$SANITIZE_BUILD_DIR" -LE "$SANITIZE_EXCLUDED_LABELS" "$@" || status=$?
  local reports=() report
  mapfile -t reports < <(find "$SANITIZER_REPORT_DIR" -type f | sort)
  if [ "${#reports[@]}" -gt 0 ]; then
    for report in "${reports[@]}"; do
      printf '\n----- %s\n' "$report" >&2
      cat "$report" >&2
    done
    log "Sanitizer reports: ${#reports[@]} (above; kept in $SANITIZER_REPORT_DIR)"
    TEST_SUMMARY+=("sanitizers: FAILED: ${#reports[@]} sanitizer report(s) in $SANITIZER_REPORT_DIR")
    status=1
  fi
  return "$status"
}
