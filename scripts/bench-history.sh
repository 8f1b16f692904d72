#!/usr/bin/env bash
# Whole-history scan speed: keyhound against the inflate floor and Kingfisher, same run.
#
#   scripts/bench-history.sh [REPO]
#
# REPO is any git repository (bare or not). Without it, a synthetic one is generated with
# `git fast-import` (COMMITS commits, each rewriting FILES_PER_COMMIT of FILES text files,
# so packs hold long delta chains) and repacked with --depth=$DEPTH (default 50, like a
# gc'd repository). With AS_IMPORTED=1 the pack is left as fast-import wrote it.
#
# Each of ROUNDS rounds (default 3) runs, one after the other (interleaved, so a load spike
# on a shared machine hits all of them alike):
#   floor      every object inflated by git, the object list split over two
#              `git cat-file --batch` processes (pack order);
#   keyhound   keyhound scan --history-only --format json (release build; KEYHOUND=path);
#   kingfisher kingfisher scan REPO --git-history full (if installed: KINGFISHER=path, or on
#              PATH; the project's peers are installed by the shared install-peers script).
# It prints each run, then the medians of wall time, CPU time (user + system, less sensitive
# to other load) and peak RSS, and keyhound's ratios to the floor and to Kingfisher, with the
# load average before and after.
set -euo pipefail

COMMITS=${COMMITS:-3000}
FILES=${FILES:-400}
FILES_PER_COMMIT=${FILES_PER_COMMIT:-20}
LINES=${LINES:-200}
DEPTH=${DEPTH:-50}
ROUNDS=${ROUNDS:-3}

here=$(cd "$(dirname "$0")/.." && pwd)
keyhound=${KEYHOUND:-$here/target/release/keyhound}
[ -x "$keyhound" ] || (cd "$here" && cargo build --release --quiet)
kingfisher=${KINGFISHER:-$(command -v kingfisher || true)}

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
summary=$(git -C "$repo" cat-file --batch-all-objects --batch-check='%(objecttype) %(objectsize)' |
    awk '{n[$1]++; s[$1] += $2} END {printf "%d commits, %d trees, %d blobs (%.1f MiB of blobs)", n["commit"], n["tree"], n["blob"], s["blob"] / 1048576}')
pack=$(du -sh "$repo/objects/pack" 2>/dev/null || du -sh "$repo/.git/objects/pack")
echo "corpus: $repo: $objects objects: $summary; packs ${pack%%[[:space:]]*}"
echo "cores: $(nproc); load before: $(uptime | sed 's/.*load average: //')"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git -C "$repo" cat-file --batch-all-objects --batch-check='%(objectname)' --unordered >"$work/ids"
split -n l/2 "$work/ids" "$work/ids."

floor() {
    git -C "$repo" cat-file --batch <"$work/ids.aa" >/dev/null &
    git -C "$repo" cat-file --batch <"$work/ids.ab" >/dev/null &
    wait
}

# measure NAME COMMAND...: one run; appends "NAME wall cpu rss_kib" to $work/runs.
measure() {
    local name=$1; shift
    /usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr" || true
    read -r wall user sys rss < <(tail -n 1 "$work/time")
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
    echo "$name $wall $cpu $rss" >>"$work/runs"
    printf '  %-10s wall %7.2f s  cpu %7.2f s  peak RSS %5.0f MiB\n' "$name" "$wall" "$cpu" "$((rss / 1024))"
}

export -f floor
export repo work
for round in $(seq 1 "$ROUNDS"); do
    echo "round $round:"
    measure floor bash -c floor
    measure keyhound "$keyhound" scan --history-only --no-warnings --format json "$repo"
    if [ -n "$kingfisher" ]; then
        measure kingfisher "$kingfisher" scan "$repo" --no-validate --no-update-check \
            --git-history full --format json -o "$work/kingfisher.json"
    fi
done
echo "load after: $(uptime | sed 's/.*load average: //')"

median() { # median NAME FIELD
    awk -v n="$1" -v f="$2" '$1 == n {print $f}' "$work/runs" | sort -g |
        awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}
echo "medians of $ROUNDS:"
for name in floor keyhound kingfisher; do
    grep -q "^$name " "$work/runs" || continue
    printf '  %-10s wall %7.2f s  cpu %7.2f s  peak RSS %5.0f MiB\n' "$name" \
        "$(median "$name" 2)" "$(median "$name" 3)" "$(( $(median "$name" 4 | cut -d. -f1) / 1024 ))"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
kw=$(median keyhound 2); kc=$(median keyhound 3)
echo "keyhound / floor:      wall $(ratio "$kw" "$(median floor 2)")x  cpu $(ratio "$kc" "$(median floor 3)")x"
if grep -q '^kingfisher ' "$work/runs"; then
    echo "keyhound / kingfisher: wall $(ratio "$kw" "$(median kingfisher 2)")x  cpu $(ratio "$kc" "$(median kingfisher 3)")x"
fi
echo "keyhound cpu / wall:   $(ratio "$kc" "$kw")"
