#!/usr/bin/env bash
# Instructions per call (callgrind) of cdf, vjp and both samplers at K = 8,
# D = 32, f64, on the plain and the prepared view: the workload of
# bench/src/bin/instructions.rs minus its fixed overhead.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cargo build --quiet --release -p mixgrad-bench --bin instructions
bin=target/release/instructions
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$@" 2>&1 \
        | awk '/Collected :/ { print $4 }'
}
for view in plain prepared; do
    base=$(count none "$view")
    for op in cdf vjp sample_quantile sample_ancestral; do
        n=$(count "$op" "$view")
        printf '%-9s %-17s %10d instructions per call\n' "$view" "$op" $(( (n - base) / 200 ))
    done
done
