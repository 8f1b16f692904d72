#!/usr/bin/env bash
# Engine benchmark against a baseline build, in one run: `cargo bench --bench engine`'s
# binary for this checkout and, optionally, another commit's (build it in a worktree with
# `cargo bench --bench engine --no-run` and pass the executable it prints), run alternately
# so that a busy machine slows both alike. With CALLGRIND=1 it also counts instructions
# (valgrind), which load does not change: per MB for one engine pass over the corpus and per
# startup, each as the difference between a run of 3 samples and a run of 1 (the first
# sample also builds the regexes the corpus hits, and the corpus is read once).
#
#   scripts/bench-engine.sh [BASELINE_BENCH_BINARY] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
baseline=${1:-}
rounds=${2:-3}
current=$(cargo bench --locked --bench engine --no-run 2>&1 | sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -n 1)
[ -x "$current" ] || { echo "bench-engine: cannot find the engine bench binary" >&2; exit 2; }
binaries=("$current")
[ -n "$baseline" ] && binaries+=("$baseline")
label() { if [ "$1" = "$current" ]; then echo current; else echo baseline; fi; }

# The benches both builds have; a build without one prints nothing for it.
benches=(keyhound_engine keyhound_engine_and_decoder startup_load_and_compile_rules
    startup_rules_loaded_first_file_scanned)
for round in $(seq "$rounds"); do
    echo "round $round, load $(cut -d' ' -f1-3 /proc/loadavg)"
    for binary in "${binaries[@]}"; do
        for bench in "${benches[@]}"; do
            "$binary" --bench "$bench\$" 2>/dev/null | awk -v b="$(label "$binary")" -v n="$bench" '
                $0 ~ "─ " n " " { print b ": " $0; if ((getline line) > 0 && line ~ /^[│ ] /) print b ": " line }' || true
        done
    done
done

if [ "${CALLGRIND:-0}" = 1 ]; then
    # The bench prints its corpus's size; both builds read the same files.
    corpus_bytes=$("$current" --bench 'keyhound_engine$' --sample-count 1 --sample-size 1 2>&1 >/dev/null |
        sed -n 's/^corpus: .* \([0-9]*\) bytes$/\1/p')
    count() { # binary, bench, samples: instructions of the whole run
        valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" --bench "$2\$" \
            --sample-count "$3" --sample-size 1 2>&1 >/dev/null | sed -n 's/.*Collected : //p'
    }
    for binary in "${binaries[@]}"; do
        for bench in "${benches[@]}"; do
            "$binary" --list 2>/dev/null | grep -q " $bench\$" || continue
            one=$(count "$binary" "$bench" 1)
            three=$(count "$binary" "$bench" 3)
            awk -v b="$(label "$binary")" -v n="$bench" -v a="$one" -v c="$three" -v bytes="$corpus_bytes" 'BEGIN {
                per = (c - a) / 2
                if (n ~ /^startup/) printf "%s %s: %.1f M instructions per run\n", b, n, per / 1e6
                else printf "%s %s: %.2f instructions per byte (%d bytes)\n", b, n, per / bytes, bytes
            }'
        done
    done
fi
