#!/usr/bin/env bash
# Precision and recall on real repositories, against the hand-made labels in eval/real/.
# Fetches nothing: TREES holds the plain trees of the repositories in eval/real/repos.tsv
# (see eval/real/README.md for how to get them; scripts/real-trees.sh extracts them).
#
#   scripts/precision.sh TREES [--keyhound BIN] [--min-confidence LEVEL] [--peers DIR] [--keep DIR] [--quiet] [--debug]
#
# --debug builds without optimisation (same findings, slower scan, less disk and CPU to build).
# keyhound is scored at its default threshold (`medium`) unless --min-confidence says otherwise.
# Prints precision over labelled findings, recall against every labelled secret line (by kind:
# password, token, private-key, header), per-rule numbers and every unlabelled finding.
# --peers DIR also scans with the peers installed in DIR/bin (gitleaks, betterleaks,
# kingfisher, detect-secrets) and scores them against the same labels.
set -euo pipefail
cd "$(dirname "$0")/.."

[ $# -ge 1 ] || { echo "usage: scripts/precision.sh TREES [--keyhound BIN] [--min-confidence LEVEL] [--peers DIR] [--keep DIR] [--quiet] [--debug]" >&2; exit 2; }
trees=$(cd "$1" && pwd); shift
keyhound="" min_confidence="" peers="" keep="" quiet="" profile=release
while [ $# -gt 0 ]; do
  case "$1" in
    --keyhound) keyhound=$2; shift 2 ;;
    --min-confidence) min_confidence=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --keep) keep=$2; shift 2 ;;
    --quiet) quiet=--quiet; shift ;;
    --debug) profile=debug; shift ;;
    *) echo "precision.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done

if [ "$profile" = release ]; then
  cargo build --quiet --locked --release --bin keyhound --example real_eval
else
  cargo build --quiet --locked --bin keyhound --example real_eval
fi
target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
keyhound=${keyhound:-$target_dir/$profile/keyhound}
score="$target_dir/$profile/examples/real_eval"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
repos=$(tail -n +2 eval/real/repos.tsv | cut -f1)
for repo in $repos; do
  [ -d "$trees/$repo" ] || { echo "precision.sh: $trees/$repo is missing (see eval/real/README.md)" >&2; exit 2; }
done

scan() { # tool repo out
  local tool=$1 repo=$2 out=$3 status=0
  case "$tool" in
    # every finding, whatever its confidence: the scorer applies the threshold
    keyhound) (cd "$trees" && "$keyhound" scan "$repo" --format json --no-warnings --confidence low --output "$out") || status=$? ;;
    gitleaks) (cd "$trees" && "$peers/bin/gitleaks" dir "$repo" -f json -r "$out" --no-banner -l error) >/dev/null 2>&1 || status=$? ;;
    betterleaks) (cd "$trees" && "$peers/bin/betterleaks" "$repo" -o "$out" --no-banner -l error) >/dev/null 2>&1 || status=$? ;;
    kingfisher) (cd "$trees" && "$peers/bin/kingfisher" scan "$repo" --no-validate --no-update-check \
                  --git-history none --format json -o "$out") >/dev/null 2>&1 || status=$? ;;
    detect-secrets) (cd "$trees/$repo" && "$peers/bin/detect-secrets" scan --all-files .) >"$out" 2>/dev/null || status=$? ;;
  esac
  # 0 and 1 mean "no findings" and "findings" for every tool here (kingfisher uses 200 and 205)
  case "$status" in 0|1|200|205) ;; *) echo "precision.sh: $tool failed on $repo (exit $status)" >&2; exit 2 ;; esac
}

tools=keyhound
[ -z "$peers" ] || tools="keyhound gitleaks betterleaks kingfisher detect-secrets"
for tool in $tools; do
  mkdir -p "$work/$tool"
  for repo in $repos; do scan "$tool" "$repo" "$work/$tool/$repo.json"; done
  echo "== $tool"
  args=(score eval/real/labels.tsv "$work/$tool" --tool "$tool")
  [ "$tool" != keyhound ] || args+=(--min-confidence "${min_confidence:-medium}")
  [ -z "$quiet" ] && [ "$tool" = keyhound ] || args+=(--quiet)
  "$score" "${args[@]}"
  echo
done
[ -z "$keep" ] || { mkdir -p "$keep" && cp -r "$work/." "$keep/"; }
