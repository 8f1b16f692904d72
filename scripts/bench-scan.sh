#!/usr/bin/env bash
# Whole-scan benchmark: generates a synthetic source tree (real source code from cargo's
# registry cache, copied up to SIZE_MIB, with planted fake tokens), then times in the same
# run: reading every file (the floor: `cat` of all files), `grep -rF` of the token prefixes (a
# simple baseline), and `keyhound scan` on 1 and 2 threads. Reports wall time, MiB/s and peak RSS.
#
#   scripts/bench-scan.sh [SIZE_MIB=1100] [CORPUS_DIR=bench-corpus]
#
# BASELINE=PATH also times another keyhound binary (an earlier commit's release build) on the
# same corpus, alternating with this one; ROUNDS=N (default 1) repeats every command N times,
# round by round, so a busy machine slows both alike.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mib=${1:-1100}
corpus=${2:-bench-corpus}

cargo build --release --quiet --example corpus --bin keyhound
if [ ! -f "$corpus.planted.tsv" ]; then
    echo "generating a ${size_mib} MiB corpus in $corpus ..."
    ./target/release/examples/corpus "$corpus" "$size_mib"
fi
bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')
planted=$(wc -l <"$corpus.planted.tsv")
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.0f", b / 1048576 }')
echo "corpus: $corpus, $mib MiB, $(find "$corpus" -type f | wc -l) files, $planted planted tokens"

# Warm the page cache so every command reads from memory alike.
find "$corpus" -type f -print0 | xargs -0 cat >/dev/null

measure() { # label, command...
    local label=$1; shift
    local log; log=$(mktemp)
    /usr/bin/time -f '%e %M' -o "$log" "$@" >/dev/null 2>&1 || true
    read -r secs rss_kib < <(tail -n 1 "$log"); rm -f "$log"
    awk -v l="$label" -v s="$secs" -v m="$mib" -v r="$rss_kib" \
        'BEGIN { printf "%-34s %7.2f s %8.0f MiB/s %7.0f MiB peak RSS\n", l, s, m / s, r / 1024 }'
}

rounds=${ROUNDS:-1}
for round in $(seq "$rounds"); do
    [ "$rounds" -gt 1 ] && echo "round $round"
    measure "read floor (cat, 1 process)" sh -c "find '$corpus' -type f -print0 | xargs -0 cat"
    measure "grep -rF token prefixes" grep -rF -c -e ghp_ -e AKIA -e sk_live_ -e xoxb- -e npm_ -e postgres:// "$corpus"
    for threads in 1 2; do
        # Not `-q`: it now prints no report at all, so older and newer builds would differ.
        measure "keyhound scan -j$threads" ./target/release/keyhound scan -j$threads -f jsonl "$corpus"
        if [ -n "${BASELINE:-}" ]; then
            measure "baseline scan -j$threads" "$BASELINE" scan -j$threads -f jsonl "$corpus"
        fi
    done
done

found=$(./target/release/keyhound scan -f jsonl "$corpus" 2>/dev/null | grep -c '"rule_id"' || true)
echo "keyhound findings: $found (planted: $planted)"
if [ -n "${BASELINE:-}" ]; then
    found=$("$BASELINE" scan -f jsonl "$corpus" 2>/dev/null | grep -c '"rule_id"' || true)
    echo "baseline findings: $found (planted: $planted)"
fi
