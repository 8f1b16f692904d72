#!/usr/bin/env bash
# Times `keyhound scan --history-only` against git inflating the same objects.
#
#   scripts/bench-history.sh [REPO]
#
# Without REPO, a synthetic repository is generated with `git fast-import` (COMMITS commits,
# each rewriting FILES_PER_COMMIT of FILES text files, so packs hold long delta chains) and
# repacked with --depth=$DEPTH (default 50: long delta chains, like a gc'd repository; a
# smaller DEPTH gives shallow ones). With AS_IMPORTED=1 the pack is left as fast-import wrote
# it (each version of a file a delta of the previous one: linear chains up to 50 deep).
# Each variant has its own default path under /tmp.
# Reports wall time and peak RSS (/usr/bin/time -v) of:
#   1. keyhound scan --history-only (release build), with -j1 and -j2
#   2. git cat-file --batch-all-objects --batch --unordered >/dev/null
#   3. the same object list split over two `git cat-file --batch` processes
set -euo pipefail

COMMITS=${COMMITS:-3000}
FILES=${FILES:-400}
FILES_PER_COMMIT=${FILES_PER_COMMIT:-20}
LINES=${LINES:-200}
DEPTH=${DEPTH:-50}

here=$(cd "$(dirname "$0")/.." && pwd)
keyhound=${KEYHOUND:-$here/target/release/keyhound}
[ -x "$keyhound" ] || (cd "$here" && cargo build --release --quiet)

export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null

generate() {
    local repo=$1
    git init -q --bare "$repo"
    python3 - "$COMMITS" "$FILES" "$FILES_PER_COMMIT" "$LINES" <<'PY' | git -C "$repo" fast-import --quiet
import random, sys
commits, files, per_commit, lines = map(int, sys.argv[1:])
rng = random.Random(7)
words = [''.join(rng.choice('abcdefghijklmnopqrstuvwxyz') for _ in range(rng.randint(2, 9)))
         for _ in range(5000)]
def line():
    return ' '.join(rng.choice(words) for _ in range(rng.randint(4, 14)))
content = {f: [line() for _ in range(lines)] for f in range(files)}
out = sys.stdout.buffer
for c in range(commits):
    changed = rng.sample(range(files), per_commit)
    for f in changed:
        body = content[f]
        for _ in range(rng.randint(1, 6)):
            body[rng.randrange(len(body))] = line()
        if rng.random() < 0.3:
            body.insert(rng.randrange(len(body)), line())
    msg = f"commit {c}".encode()
    out.write(b"commit refs/heads/main\n")
    out.write(b"committer Bench <bench@example.invalid> %d +0000\n" % (1600000000 + c * 60))
    out.write(b"data %d\n%s\n" % (len(msg), msg))
    for f in changed:
        data = ('\n'.join(content[f]) + '\n').encode()
        out.write(b"M 100644 inline dir%d/file%d.txt\ndata %d\n%s\n" % (f % 20, f, len(data), data))
PY
    if [ "${AS_IMPORTED:-0}" != 1 ]; then
        # -f recomputes deltas: fast-import's own chains are up to 50 deep.
        local flags=-adq
        [ "$DEPTH" != 50 ] && flags=-adfq
        git -C "$repo" repack "$flags" --window=10 --depth="$DEPTH"
    fi
}

repo=${1:-}
if [ -z "$repo" ]; then
    default=/tmp/keyhound-bench-history.git
    [ "$DEPTH" != 50 ] && default=/tmp/keyhound-bench-history-depth$DEPTH.git
    [ "${AS_IMPORTED:-0}" = 1 ] && default=/tmp/keyhound-bench-history-imported.git
    repo=${BENCH_REPO:-$default}
    if [ ! -d "$repo" ]; then
        echo "generating $repo ($COMMITS commits)..." >&2
        generate "$repo"
    fi
fi

objects=$(git -C "$repo" count-objects -v | awk '/^(count|in-pack)/ {n += $2} END {print n}')
blobs=$(git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
    awk '$1 == "blob" {n++; s += $2} END {printf "%d blobs, %.1f MiB", n, s / 1048576}')
pack=$(du -sh "$repo/objects/pack" | cut -f1)
echo "corpus: $repo: $objects objects, $blobs, packs $pack"

measure() {
    local name=$1; shift
    local log
    log=$(mktemp)
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || true
    local wall rss
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$log")
    rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f MiB", $2 / 1024}' "$log")
    printf '%-44s wall %-9s peak RSS %s\n' "$name" "$wall" "$rss"
    rm -f "$log"
}

for jobs in 1 2; do
    measure "keyhound scan --history-only -j$jobs" \
        "$keyhound" scan --history-only --quiet --format json -j"$jobs" "$repo"
done
measure "git cat-file --batch-all-objects --unordered" \
    git -C "$repo" cat-file --batch-all-objects --batch --unordered
list=$(mktemp)
git -C "$repo" cat-file --batch-all-objects --batch-check='%(objectname)' --unordered >"$list"
half=$(( ($(wc -l <"$list") + 1) / 2 ))
split -l "$half" "$list" "$list.part."
measure "2 x git cat-file --batch (split list)" bash -c "
    git -C '$repo' cat-file --batch <'$list.part.aa' >/dev/null &
    git -C '$repo' cat-file --batch <'$list.part.ab' >/dev/null &
    wait"
rm -f "$list" "$list".part.*
