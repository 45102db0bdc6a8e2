#!/usr/bin/env bash
# The batch kernels (ancestral sampling + summed vjp, n = 1024, K = 8, one
# thread) against the loop of single calls a caller of the last release
# without them writes, both through the C library and timed in one run.
#
# Builds libmixgrad.a twice: at OLD_COMMIT (extracted with git archive, so
# nothing is registered in .git and `cargo clean` leaves no stale worktree
# behind) and from the working tree. bench/c/simd_speedup.c is linked
# against each; the runs alternate between the old executable and the new
# one on every instruction set the CPU has, ROUNDS times (default 5), and
# the best time of each configuration is kept, so that a burst of load on
# the shared machine hits both sides alike and drops out.
#
# Output: a Markdown table on stdout and in target/simd-speedup.md (under
# CARGO_TARGET_DIR if set); the raw lines in target/simd-speedup/raw.txt.
# Exits non-zero if any SIMD path's summed gradient differs from the scalar
# path's; a difference between the old loop's and the new bits is reported
# in the table's notes, not treated as failure.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

OLD_COMMIT=82d6234
ROUNDS=${ROUNDS:-5}

mkdir -p "${CARGO_TARGET_DIR:-target}"
out=$(cd "${CARGO_TARGET_DIR:-target}" && pwd)
work=$out/simd-speedup
old_src=$work/old
mkdir -p "$work"

# Old tree: extracted once per commit; kept between runs so that cargo's
# fingerprints (file times) stay valid and the old build is not redone.
old_full=$(git rev-parse --verify "$OLD_COMMIT^{commit}")
if [[ "$(cat "$old_src/.simd-speedup-commit" 2>/dev/null || true)" != "$old_full" ]]; then
    rm -rf "$old_src"
    mkdir -p "$old_src"
    git archive "$old_full" | tar -x -C "$old_src"
    echo "$old_full" >"$old_src/.simd-speedup-commit"
fi
echo "building the C library at $OLD_COMMIT ..." >&2
(cd "$old_src" && CARGO_TARGET_DIR=$work/old-target \
    cargo build --quiet --release --locked -p mixgrad-clib)
echo "building the C library from the working tree ..." >&2
# Named before the build, which is what it describes.
new_rev=$(git rev-parse --short HEAD)
if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then
    new_rev="$new_rev + uncommitted changes"
fi
cargo build --quiet --release -p mixgrad-clib

cflags=(-std=c11 -O2 -Wall -Wextra -Werror -pedantic)
cc "${cflags[@]}" -DMIXGRAD_NEW=0 -I"$old_src/include" bench/c/simd_speedup.c \
    "$work/old-target/release/libmixgrad.a" -lm -o "$work/bench-old"
cc "${cflags[@]}" -DMIXGRAD_NEW=1 -Iinclude bench/c/simd_speedup.c \
    "$out/release/libmixgrad.a" -lm -o "$work/bench-new"

# "paths available=scalar,sse2,... auto=avx512"
paths_line=$("$work/bench-new" --paths)
read -r -a paths <<<"$(sed -E 's/.*available=([^ ]*).*/\1/; s/,/ /g' <<<"$paths_line")"
auto=$(sed -E 's/.*auto=([^ ]*).*/\1/' <<<"$paths_line")

# One round: the old executable, then the new one on each path; every
# other round in reverse order, so that neither side always runs first
# after a pause or right after a build.
configs=(old "${paths[@]}")
raw=$work/raw.txt
: >"$raw"
start=$SECONDS
for ((round = 1; round <= ROUNDS; round++)); do
    order=("${configs[@]}")
    if ((round % 2 == 0)); then
        order=()
        for ((i = ${#configs[@]} - 1; i >= 0; i--)); do order+=("${configs[i]}"); done
    fi
    echo "round $round/$ROUNDS: ${order[*]}" >&2
    for c in "${order[@]}"; do
        if [[ $c == old ]]; then
            "$work/bench-old" >>"$raw"
        else
            MIXGRAD_SIMD=$c "$work/bench-new" >>"$raw"
        fi
    done
done
echo "measured in $((SECONDS - start)) s" >&2

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n 1)

# Best time per (implementation, path, precision, D); checksums per line.
awk -v cpu="${cpu:-unknown CPU}" -v date="$(date -u '+%Y-%m-%d %H:%M UTC')" \
    -v rounds="$ROUNDS" -v paths="${paths[*]}" -v auto="$auto" \
    -v old_rev="$OLD_COMMIT" -v new_rev="$new_rev" '
function field(name,    i) {
    for (i = 2; i <= NF; i++)
        if (index($i, name "=") == 1) return substr($i, length(name) + 2)
    return ""
}
$1 == "row" {
    impl = field("impl"); path = impl == "old" ? "old" : field("path")
    key = path SUBSEP field("prec") SUBSEP field("D")
    ns = field("ns") + 0
    if (!(key in best) || ns < best[key]) best[key] = ns
    sum = field("xsum") "/" field("gsum")
    if (!(key in bits)) bits[key] = sum
    else if (bits[key] != sum) unstable[key] = 1
}
END {
    np = split(paths, p, " ")
    nd = split("4 32 128", dims, " ")
    split("f64 f32", precs, " ")
    printf "# SIMD batch kernels against the single-call loop: %s, %s\n\n", cpu, date
    printf "Ancestral sample + summed vjp of n = 1024 samples, K = 8, one thread, "
    printf "ns per sample (thread CPU time, best of %d interleaved rounds, each the best ", rounds
    printf "of 5 repetitions of about 50 ms). Old: the loop of single calls and a row-order "
    printf "sum in C, libmixgrad.a at %s. New: the _many calls, libmixgrad.a at %s, ", old_rev, new_rev
    printf "forced onto each path (auto picks %s). Speed-up = old / new.\n\n", auto

    printf "| D | prec | old loop |"
    for (i = 1; i <= np; i++) printf " %s |", p[i]
    for (i = 1; i <= np; i++) printf " ×%s |", p[i]
    printf "\n|--:|:--|--:|"
    for (i = 1; i <= 2 * np; i++) printf "--:|"
    printf "\n"
    for (di = 1; di <= nd; di++) for (pi = 1; pi <= 2; pi++) {
        d = dims[di]; pr = precs[pi]
        o = best["old", pr, d]
        printf "| %s | %s | %.1f |", d, pr, o
        for (i = 1; i <= np; i++) printf " %.1f |", best[p[i], pr, d]
        for (i = 1; i <= np; i++) printf " %.2f |", o / best[p[i], pr, d]
        printf "\n"
    }

    printf "\nf32 speed-up over f64 (f64 time / f32 time), new on %s:", auto
    for (di = 1; di <= nd; di++) {
        d = dims[di]
        printf " D = %s: %.2f%s", d, best[auto, "f64", d] / best[auto, "f32", d], (di < nd ? ";" : "")
    }
    printf " (the old loop:"
    for (di = 1; di <= nd; di++) {
        d = dims[di]
        printf " %.2f%s", best["old", "f64", d] / best["old", "f32", d], (di < nd ? "," : ")\n")
    }

    # The speed targets: f64 at least 4x on AVX-512 and 2.5x on AVX2 at
    # every D, and f32 at least 1.7x faster than f64.
    printf "\nTargets:"
    nt = split("avx512 4 avx2 2.5", t, " ")
    for (ti = 1; ti < nt; ti += 2) {
        if (!((t[ti], "f64", dims[1]) in best)) continue
        printf " f64 %s ≥ %s×:", t[ti], t[ti + 1]
        for (di = 1; di <= nd; di++) {
            s = best["old", "f64", dims[di]] / best[t[ti], "f64", dims[di]]
            printf " D = %s %s;", dims[di], (s >= t[ti + 1] ? "met" : "missed")
        }
    }
    printf " f32 ≥ 1.7× faster than f64 (%s):", auto
    for (di = 1; di <= nd; di++) {
        s = best[auto, "f64", dims[di]] / best[auto, "f32", dims[di]]
        printf " D = %s %s%s", dims[di], (s >= 1.7 ? "met" : "missed"), (di < nd ? ";" : ".\n")
    }

    # Every new path was checked against the scalar path inside the
    # program (it exits 1 on a difference); here old against new.
    differ = ""
    for (di = 1; di <= nd; di++) for (pi = 1; pi <= 2; pi++) {
        d = dims[di]; pr = precs[pi]
        for (i = 1; i <= np; i++)
            if (bits["old", pr, d] != bits[p[i], pr, d]) {
                differ = differ sprintf(" %s D = %s (%s: old %s, new %s);", pr, d, p[i],
                                        bits["old", pr, d], bits[p[i], pr, d])
                break
            }
    }
    for (key in unstable) {
        split(key, k, SUBSEP)
        differ = differ sprintf(" %s %s D = %s changed between rounds;", k[1], k[2], k[3])
    }
    if (differ == "")
        printf "\nChecksums: the samples and summed gradients (FNV-1a of their bits) of the old loop and of every new path are identical in all %d configurations.\n", nd * 2
    else
        printf "\nChecksums DIFFER (samples/gradient, FNV-1a of their bits):%s every new path matched the scalar path bit for bit.\n", differ
}' "$raw" | tee "$out/simd-speedup.md"
