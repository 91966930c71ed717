# ctest runs of scripts/test (sourced after setup.sh, not run): each phase's
# failed tests are run once more, alone, and the names of what failed, and of
# what passed only the second time, are repeated in one summary at the very end
# of the output, where a reader of a long CI log looks first.
#
# A test that fails and then passes is reported as FLAKY and does not fail the
# run: the services these tests start share 2 cores with the whole suite, and a
# test that depends on timing can lose once. A test that fails twice fails the
# run. Flaky tests are bugs to fix, not to ignore: the summary names them.

TEST_SUMMARY=()

# run_ctest PHASE BUILD_DIR [CTEST_ARGS...]: ctest in BUILD_DIR with the suite's
# usual settings; returns non-zero if a test failed twice.
run_ctest() {
  local phase="$1" dir="$2"
  shift 2
  local status=0
  (cd "$dir" && ctest --output-on-failure --timeout 600 -j "$(nproc)" "$@") || status=$?
  if [ "$status" -eq 0 ]; then
    TEST_SUMMARY+=("$phase: all passed")
    return 0
  fi
  local failed_log="$dir/Testing/Temporary/LastTestsFailed.log"
  local first_failures
  first_failures="$(cut -d: -f2- "$failed_log" 2>/dev/null | paste -sd' ' -)"
  if [ -z "$first_failures" ]; then
    # ctest itself failed (no test list): nothing to run again.
    TEST_SUMMARY+=("$phase: FAILED: ctest exit status $status")
    return "$status"
  fi
  log "$phase: failed: $first_failures; running them once more, one at a time"
  status=0
  (cd "$dir" && ctest --output-on-failure --timeout 600 --rerun-failed "$@") || status=$?
  if [ "$status" -eq 0 ]; then
    TEST_SUMMARY+=("$phase: FLAKY (failed, then passed alone): $first_failures")
    return 0
  fi
  TEST_SUMMARY+=("$phase: FAILED twice: $(cut -d: -f2- "$failed_log" | paste -sd' ' -)")
  return "$status"
}

print_test_summary() {
  log "Summary"
  local line
  for line in "${TEST_SUMMARY[@]}"; do
    printf '  %s\n' "$line" >&2
  done
}
