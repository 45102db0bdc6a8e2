#!/usr/bin/env bash
# Instructions per call (callgrind) of the full-covariance cdf, log_prob,
# vjp and both samplers at K = 8, D ∈ {4, 16, 64}, f64: the workload of
# bench/src/bin/tril_instructions.rs minus its fixed overhead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --quiet --release -p mixgrad-bench --bin tril_instructions
bin=target/release/tril_instructions
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 \
        | awk '/Collected :/ { print $4 }'
}
for d in 4 16 64; do
    base=$(count none "$d")
    for op in cdf log_prob vjp sample_quantile sample_ancestral; do
        n=$(count "$op" "$d")
        printf 'D=%-3d %-17s %10d instructions per call\n' "$d" "$op" $(( (n - base) / 200 ))
    done
done
