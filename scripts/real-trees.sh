#!/usr/bin/env bash
# Extract the plain tree of each repository in eval/real/repos.tsv at its fixed commit,
# from bare git copies that are already on this machine (fetches nothing).
#
#   scripts/real-trees.sh MIRRORS OUT
#
# MIRRORS/<owner+name>/repo (or MIRRORS/<owner+name>) is a bare copy of github.com/<owner>/<name>
# that contains the commit; OUT/<owner+name>/ receives its tree. The tree is checked out from a
# private index rather than `git archive`, so `export-ignore` attributes (laravel and ansible
# drop their tests that way) do not remove files; blobs missing from a partial copy are skipped
# with a warning.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 2 ] || { echo "usage: scripts/real-trees.sh MIRRORS OUT" >&2; exit 2; }
mirrors=$1 out=$2
index=$(mktemp)
trap 'rm -f "$index"' EXIT
tail -n +2 eval/real/repos.tsv | while IFS=$'\t' read -r repo commit _; do
  git_dir="$mirrors/$repo/repo"
  [ -d "$git_dir" ] || git_dir="$mirrors/$repo"
  git --git-dir="$git_dir" cat-file -e "$commit^{commit}" 2>/dev/null \
    || { echo "real-trees.sh: $repo: commit $commit not in $git_dir" >&2; exit 2; }
  rm -rf "${out:?}/$repo" && mkdir -p "$out/$repo"
  GIT_INDEX_FILE=$index git --git-dir="$git_dir" read-tree "$commit"
  GIT_INDEX_FILE=$index git --git-dir="$git_dir" --work-tree="$out/$repo" checkout-index -a -f 2>&1 \
    | sed "s|^|real-trees.sh: $repo: |" >&2 || true
  echo "$repo $commit $(find "$out/$repo" -type f | wc -l) files"
done
