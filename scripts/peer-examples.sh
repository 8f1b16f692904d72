#!/usr/bin/env bash
# Peer-examples benchmark: how many of other scanners' own rule examples keyhound finds.
#
#   scripts/peer-examples.sh [--misses] [--keep DIR] MIRROR...
#
# Each MIRROR is a local bare copy of a peer's repository (fetch github:praetorian-inc/noseyparker,
# github:mongodb/kingfisher, github:gitleaks/gitleaks, github:betterleaks/betterleaks; a directory
# holding `repo` is accepted too). Their positive and negative rule examples are written into a
# temporary corpus, one file per example (removed afterwards unless --keep; never commit it),
# scanned with keyhound, and scored per peer:
#   recall    = positive examples with at least one finding / positive examples
#   precision = found positives / (found positives + negative examples with a finding)
#   realistic recall = the same recall over the positives that hold no made-up sequence: eight
#     consecutive characters of the alphabet, the digits or a keyboard row, either way
#     (`abcdefgh`, `12345678`, `qwertyui`), or one letter or digit eight times (`aaaaaaaa`,
#     `00000000`). A random 40-character hex or alphanumeric token holds
#     one with a chance under one in ten million, so such a positive was typed by a person and
#     stands for no real credential. The same test applies to every peer; negatives are all
#     counted. The targets are read on this column; both are printed.
# Rules that match only identifiers are skipped and counted (see peer-examples-extract.py).
# The corpus is scanned twice and a table printed for each: at the default confidence (what a
# user sees) and at `--confidence low` (everything keyhound can report).
# --misses also lists every missed positive (`missed`, or `missed-made-up`) and every flagged
# negative (peer, what, peer rule, our rules, text), both at the default confidence; a missed
# positive that the low scan finds names those rules (`low:rule-id`), and a negative flagged only
# at low confidence is listed as `flagged-low`.
# Last, provider coverage: every provider named by the rule files of two or more peers (one file
# per provider in each), and whether keyhound finds at least one of its realistic examples.
# KEYHOUND=path/to/keyhound scans with that binary instead of building this tree's debug one.
set -euo pipefail
cd "$(dirname "$0")/.."

misses=()
keep=
while [ $# -gt 0 ]; do
    case $1 in
        --misses) misses=(--misses); shift ;;
        --keep) keep=$2; shift 2 ;;
        -h | --help) sed -n '2,28p' "$0"; exit 0 ;;
        -*) echo "peer-examples: unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
if [ $# -eq 0 ]; then
    echo "usage: scripts/peer-examples.sh [--misses] [--keep DIR] MIRROR..." >&2
    exit 2
fi

git_dirs=()
for mirror in "$@"; do
    if [ -d "$mirror/repo" ]; then mirror=$mirror/repo; fi
    if ! git --git-dir="$mirror" rev-parse --verify -q HEAD >/dev/null; then
        echo "peer-examples: $mirror is not a git repository with a HEAD" >&2
        exit 2
    fi
    git_dirs+=("$mirror")
done

if [ -z "${KEYHOUND:-}" ]; then
    cargo build --locked --quiet --bin keyhound
    KEYHOUND=$PWD/target/debug/keyhound
fi

if [ -n "$keep" ]; then
    mkdir -p "$keep"
    corpus=$(mktemp -d "$keep/corpus.XXXXXX")
else
    corpus=$(mktemp -d "${TMPDIR:-/tmp}/keyhound-peer-examples.XXXXXX")
    trap 'rm -rf "$corpus"' EXIT
fi
findings=$corpus/findings.jsonl
low_findings=$corpus/findings-low.jsonl

python3 scripts/peer-examples-extract.py extract "$corpus" "${git_dirs[@]}"
scan() { # OUTPUT [SCAN OPTION...]
    local output=$1 status=0
    shift
    "$KEYHOUND" scan --no-warnings --no-ignore --format jsonl "$@" "$corpus/examples" >"$output" || status=$?
    if [ "$status" -gt 1 ]; then
        echo "peer-examples: keyhound scan $* failed (exit $status)" >&2
        exit 2
    fi
}
scan "$findings"
scan "$low_findings" --confidence low
echo "keyhound $("$KEYHOUND" --version | awk '{ print $2 }'), $("$KEYHOUND" rules | tail -n +2 | wc -l) rules"
python3 scripts/peer-examples-extract.py score "$corpus" "$findings" "$low_findings" "${misses[@]}"
