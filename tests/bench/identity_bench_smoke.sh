#!/bin/sh
# A short run of identity-bench against the identityd that
# tests/support/run_with_identityd.py started (IDENTITYD_TARGET, IDENTITYD_APP_ID,
# IDENTITYD_PID). It asserts only what identity-bench's exit status says: the
# run completed and no call failed (exit 0). Timings are printed, never checked.
#
#   identity_bench_smoke.sh IDENTITY_BENCH saturation|scale|bulk|mtls
# (mtls: identityd serves mutual TLS with BENCH_CERTS's files; see
# identity_bench_mtls_smoke.sh.)
set -eu
bench=$1
mode=$2
short="--duration=150ms --warmup=50ms --channels=2 --in_flight=4"
case "$mode" in
  saturation)
    # Every method, a +rotate scenario (every 10 ms), and the paced pass.
    exec "$bench" --target="$IDENTITYD_TARGET" --insecure --app_id="$IDENTITYD_APP_ID" \
      --methods=health,hash,token,token_full,rotate,hash+rotate,token+rotate \
      --paced_fraction=0.5 $short ;;
  scale)
    # Registration through RotateSecret, calls spread over the widgets, memory
    # (VmRSS of the server) and single-rotation probes at each count.
    exec "$bench" --target="$IDENTITYD_TARGET" --insecure --methods=hash,token \
      --scale=1,50 --server_pid="$IDENTITYD_PID" --rotation_probe_calls=20 $short ;;
  bulk)
    # IssueEmailHashes at 10 and 1,000 emails per call against single calls:
    # every result of every batch checked (scripts/bench part 9).
    exec "$bench" --target="$IDENTITYD_TARGET" --insecure --app_id="$IDENTITYD_APP_ID" \
      --server_pid="$IDENTITYD_PID" --bulk=10,1000 $short ;;
  mtls)
    # Every issue method and a +rotate scenario over mutual TLS (the client
    # certificate's principal may call everything: scripts/lib/bench_pki.sh).
    exec "$bench" --target="$IDENTITYD_TARGET" --ca="$BENCH_CERTS/ca.pem" \
      --cert="$BENCH_CERTS/ops.pem" --key="$BENCH_CERTS/ops.key" --app_id="$IDENTITYD_APP_ID" \
      --methods=health,hash,token,token_full,hash+rotate $short ;;
  *)
    echo "identity_bench_smoke.sh: unknown mode $mode" >&2
    exit 2 ;;
esac
