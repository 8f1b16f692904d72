#!/usr/bin/env bash
# Recall and precision against a third party's labels: Samsung CredData (line-by-line labels of
# candidate secrets in real public repositories). Fetches nothing: CREDDATA is a bare copy of
# github.com/Samsung/CredData, MIRRORS holds bare copies of the repositories in
# eval/creddata/repos.txt as MIRRORS/<owner>+<name>/repo (the `fetch` tool's layout).
#
#   scripts/creddata.sh CREDDATA MIRRORS [--work DIR] [--keyhound BIN] [--peers DIR] [--debug]
#
# Extracts every labelled file at the commit CredData labelled into DIR (default
# /tmp/creddata), scans those files with keyhound (at --confidence medium, the default, and low)
# and, with --peers, gitleaks, betterleaks and detect-secrets from DIR/bin, and prints each
# tool's recall and precision per CredData category and overall (scripts/creddata.py says how
# lines are matched and how undecided labels count).
set -euo pipefail
cd "$(dirname "$0")/.."

usage="usage: scripts/creddata.sh CREDDATA MIRRORS [--work DIR] [--keyhound BIN] [--peers DIR] [--debug]"
[ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }
creddata=$1 mirrors=$2; shift 2
work=/tmp/creddata keyhound="" peers="" profile=release
while [ $# -gt 0 ]; do
  case "$1" in
    --work) work=$2; shift 2 ;;
    --keyhound) keyhound=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --debug) profile=debug; shift ;;
    *) echo "creddata.sh: unknown argument $1" >&2; echo "$usage" >&2; exit 2 ;;
  esac
done

if [ -z "$keyhound" ]; then
  if [ "$profile" = release ]; then cargo build --quiet --locked --release --bin keyhound
  else cargo build --quiet --locked --bin keyhound; fi
  target_dir=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')
  keyhound=$target_dir/$profile/keyhound
fi

rm -rf "$work/files" "$work/reports"
python3 scripts/creddata.py extract "$creddata" "$mirrors" eval/creddata/repos.txt "$work" 2>&1 \
  | { grep -v ': [0-9]* files$' || true; } >&2
files=$work/files
repos=$(ls "$files")

scan() { # tool repo out
  local tool=$1 repo=$2 out=$3 status=0
  case "$tool" in
    keyhound) (cd "$files" && "$keyhound" scan "$repo" --format json --no-warnings --no-ignore --confidence low --output "$out") || status=$? ;;
    gitleaks) (cd "$files" && "$peers/bin/gitleaks" dir "$repo" -f json -r "$out" --no-banner -l error) >/dev/null 2>&1 || status=$? ;;
    betterleaks) (cd "$files" && "$peers/bin/betterleaks" "$repo" -o "$out" --no-banner -l error) >/dev/null 2>&1 || status=$? ;;
    detect-secrets) (cd "$files/$repo" && "$peers/bin/detect-secrets" scan --all-files .) >"$out" 2>/dev/null || status=$? ;;
  esac
  case "$status" in 0|1) ;; *) echo "creddata.sh: $tool failed on $repo (exit $status)" >&2; exit 2 ;; esac
}

tools=keyhound
[ -z "$peers" ] || tools="keyhound gitleaks betterleaks detect-secrets"
for tool in $tools; do
  mkdir -p "$work/reports/$tool"
  for repo in $repos; do scan "$tool" "$repo" "$work/reports/$tool/$repo.json"; done
  if [ "$tool" = keyhound ]; then
    for level in medium low; do
      echo "== keyhound --confidence $level"
      python3 scripts/creddata.py score "$work" keyhound "$work/reports/keyhound" --min-confidence "$level"
      echo
    done
  else
    echo "== $tool"
    python3 scripts/creddata.py score "$work" "$tool" "$work/reports/$tool"
    echo
  fi
done
