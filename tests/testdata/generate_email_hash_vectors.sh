#!/bin/sh
# Produces email_hash_vectors.json: the widget vendor's own Python and Node.js
# snippets (seed/identity-verification.md) run over every (secret, email) pair
# of email_hash_inputs.json. Fails unless both snippets give the same hash for
# every pair.
#
#   Regenerate (from the repository root):
#     tests/testdata/generate_email_hash_vectors.sh > tests/testdata/email_hash_vectors.json
#   Check that the committed file is exactly what the snippets produce (ctest
#   runs this as email_hash_vectors_regenerate):
#     tests/testdata/generate_email_hash_vectors.sh --check
#
# PYTHON (default /usr/bin/python3) and NODE (default node) choose the
# interpreters. With --check, a missing interpreter exits 77 (ctest: skipped).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
NODE=${NODE:-node}
mode=${1:-generate}

for tool in "$PYTHON" "$NODE"; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "generate_email_hash_vectors.sh: $tool not found" >&2
    [ "$mode" = "--check" ] && exit 77
    exit 1
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

"$PYTHON" "$here/vendor_email_hash.py" < "$here/email_hash_inputs.json" > "$tmp/python.txt"
"$NODE" "$here/vendor_email_hash.js" < "$here/email_hash_inputs.json" > "$tmp/node.txt"
if ! cmp -s "$tmp/python.txt" "$tmp/node.txt"; then
  echo "generate_email_hash_vectors.sh: the Python and Node.js snippets disagree" >&2
  diff "$tmp/python.txt" "$tmp/node.txt" >&2 || true
  exit 1
fi

# Pair the inputs with the (agreed) hashes, in the same order.
"$PYTHON" - "$here/email_hash_inputs.json" "$tmp/python.txt" > "$tmp/vectors.json" <<'PY'
import json
import re
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    inputs = json.load(f)
with open(sys.argv[2], encoding="ascii") as f:
    hashes = f.read().split()
pairs = [(s, e) for s in inputs["secrets"] for e in inputs["emails"]]
if len(hashes) != len(pairs):
    sys.exit(f"expected {len(pairs)} hashes, got {len(hashes)}")
for h in hashes:
    if not re.fullmatch("[0-9a-f]{64}", h):
        sys.exit("a snippet printed something that is not 64 lowercase hex digits")
doc = {
    "source": "The widget vendor's Python and Node.js email-hash snippets "
              "(seed/identity-verification.md), which agreed on every vector.",
    "command": "tests/testdata/generate_email_hash_vectors.sh > tests/testdata/email_hash_vectors.json",
    "vectors": [{"secret": s, "email": e, "email_hash": h}
                for (s, e), h in zip(pairs, hashes)],
}
sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
PY

if [ "$mode" = "--check" ]; then
  if ! cmp -s "$tmp/vectors.json" "$here/email_hash_vectors.json"; then
    echo "generate_email_hash_vectors.sh: email_hash_vectors.json differs from what the snippets produce:" >&2
    diff "$here/email_hash_vectors.json" "$tmp/vectors.json" >&2 || true
    exit 1
  fi
  echo "email_hash_vectors.json matches the vendor snippets ($(wc -l < "$tmp/python.txt") vectors)"
else
  cat "$tmp/vectors.json"
fi
