#!/usr/bin/env bash
# The batch table (bench/src/bin/batch_table.rs) twice, one after the
# other: on one thread (thread CPU clock), then with the `rayon` feature
# (wall clock, so it needs a quiet machine: its header and rows carry the
# load average). Output: target/batch-table.md and target/batch-table-rayon.md
# (under CARGO_TARGET_DIR if set). Arguments go to both runs, e.g. --quick.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out=${CARGO_TARGET_DIR:-target}
cargo build --quiet --release -p mixgrad-bench --bin batch_table
cp "$out/release/batch_table" "$out/batch_table-one-thread"
cargo build --quiet --release -p mixgrad-bench --bin batch_table --features rayon
cp "$out/release/batch_table" "$out/batch_table-rayon"
"$out/batch_table-one-thread" "$@" | tee "$out/batch-table.md"
"$out/batch_table-rayon" "$@" | tee "$out/batch-table-rayon.md"
