#!/usr/bin/env bash
# Precision and recall of the built-in rules and noise control on a generated, labelled
# corpus (see examples/eval.rs). Prints a table per rule family; exits 1 below the minimum.
#
#   scripts/eval.sh [--min 0.98] [--copies K] [--seed N] [--keep DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

min=0.98 copies=6 seed=20240611 keep=""
while [ $# -gt 0 ]; do
  case "$1" in
    --min) min=$2; shift 2 ;;
    --copies) copies=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    *) echo "eval.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

cargo build --quiet --locked --bin keyhound --example eval
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
keyhound="$target_dir/debug/keyhound"
eval_bin="$target_dir/debug/examples/eval"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$eval_bin" generate "$work/corpus" "$work/labels.json" --seed "$seed" --copies "$copies"

status=0
# Every finding, whatever its confidence: this corpus checks the rules and checks (a password
# rule's example lands in code files too, where it is reported at `low`); what the default
# threshold costs and buys is measured on real code (scripts/precision.sh).
(cd "$work/corpus" && "$keyhound" scan . --format json --no-warnings --confidence low) >"$work/findings.json" || status=$?
if [ "$status" -gt 1 ]; then
  echo "eval.sh: keyhound scan failed (exit $status)" >&2
  exit 2
fi

[ -z "$keep" ] || { mkdir -p "$keep" && cp -r "$work/." "$keep/"; }
"$eval_bin" score "$work/labels.json" "$work/findings.json" --min "$min"
