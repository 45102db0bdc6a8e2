#!/usr/bin/env bash
# Prints the flash footprint that quantile sampling + vjp + cdf of a
# DiagMixture<F, 8, 4> add to a bare-metal firmware: .text of
# embedded/src/bin/size_{f32,f64}.rs minus that of size_base.rs, for
# Cortex-M4F and Cortex-M0, at opt-level "s" and "z", with fat LTO; and
# beside them the same for a full-covariance TrilMixtureRef<f32> at K = 4,
# D = 4 (size_tril_f32.rs; reported, not budgeted).
# (The stack depth is measured on target by the QEMU test firmware.)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../embedded"

text() { arm-none-eabi-size -A "$1" | awk '$1 == ".text" { print $2 }'; }

printf '%-24s %-4s %10s %10s %10s\n' target opt "f32 bytes" "f64 bytes" "tril f32"
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    for opt in s z; do
        dir=target/footprint-$opt
        cargo build --quiet --release --target "$target" --target-dir "$dir" \
            --config "profile.release.opt-level=\"$opt\"" \
            --bin size_base --bin size_f32 --bin size_f64 --bin size_tril_f32
        bin=$dir/$target/release
        base=$(text "$bin/size_base")
        printf '%-24s %-4s %10d %10d %10d\n' "$target" "$opt" \
            $(( $(text "$bin/size_f32") - base )) $(( $(text "$bin/size_f64") - base )) \
            $(( $(text "$bin/size_tril_f32") - base ))
    done
done
