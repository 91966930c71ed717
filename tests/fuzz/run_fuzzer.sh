#!/usr/bin/env bash
# Runs one libFuzzer target for a while and sums up the run; the one way
# both ctest (fuzz.<name>) and scripts/fuzz run a target.
#
#   run_fuzzer.sh NAME BINARY CORPUS_DIR SECONDS ARTIFACT_DIR [DICT]
#
# The committed corpus is read only: libFuzzer writes the inputs it finds to
# the first corpus folder it is given, which is a scratch folder here, so a
# run never grows CORPUS_DIR. Prints one line:
#   fuzz.NAME: EXECS execs in SECONDS s, cov: N ft: N, corpus: SEEDS seeds -> N inputs, no crash
# On a crash (or leak, sanitizer report, timeout, out of memory, failed
# FUZZ_CHECK), prints the report, keeps the input in ARTIFACT_DIR/NAME/ and
# the command that reproduces it, and exits 1.
set -uo pipefail

if [ $# -lt 5 ] || [ $# -gt 6 ]; then
  echo "usage: $0 NAME BINARY CORPUS_DIR SECONDS ARTIFACT_DIR [DICT]" >&2
  exit 2
fi
name=$1 binary=$2 corpus=$3 seconds=$4 artifacts=$5/$1 dict=${6:-}

# Symbolized stack traces in reports: the sanitizers want the symbolizer's
# real path (Debian's /usr/bin/llvm-symbolizer is a symlink they refuse).
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ] && command -v llvm-symbolizer >/dev/null; then
  export ASAN_SYMBOLIZER_PATH="$(readlink -f "$(command -v llvm-symbolizer)")"
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/identityd-fuzz-$name.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/corpus" "$scratch/artifacts"
args=(-max_total_time="$seconds" -timeout=25 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$scratch/artifacts/")
[ -n "$dict" ] && args+=(-dict="$dict")

"$binary" "${args[@]}" "$scratch/corpus" "$corpus" >"$scratch/log" 2>&1
status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/log" | tail -n 1)
cov=$(grep -E '^#[0-9]+.*cov: ' "$scratch/log" | tail -n 1 |
      sed -E 's/.*(cov: [0-9]+ ft: [0-9]+).*/\1/')
seeds=$(find "$corpus" -type f | wc -l)
found=$(find "$scratch/corpus" -type f | wc -l)
summary="fuzz.$name: ${execs:-?} execs in $seconds s, ${cov:-cov: ?}, corpus: $seeds seeds -> $((seeds + found)) inputs"

if [ "$status" -eq 0 ]; then
  echo "$summary, no crash"
  exit 0
fi

echo "$summary, FAILED (libFuzzer exit status $status)"
echo "---- the end of libFuzzer's output ----"
tail -n 60 "$scratch/log"
mkdir -p "$artifacts"
kept=()
for f in "$scratch"/artifacts/*; do
  [ -e "$f" ] || continue
  cp "$f" "$artifacts/"
  kept+=("$artifacts/$(basename "$f")")
done
if [ ${#kept[@]} -gt 0 ]; then
  echo "---- the input, kept ----"
  for f in "${kept[@]}"; do
    echo "$f"
    echo "reproduce: $binary $f"
  done
fi
exit 1
