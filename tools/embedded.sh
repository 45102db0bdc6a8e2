#!/usr/bin/env bash
# The embedded checks (docs/embedded.md), as .ci/run runs them:
#   1. rlibs and libmixgrad.a for Cortex-M0, Cortex-M4F and RISC-V;
#   2. the on-target test firmwares (single calls; batch forms; the
#      logistic, Laplace and Cauchy families; full covariance; the Gamma
#      distribution) under QEMU
#      on a Cortex-M4F (mps2-an386), a Cortex-M0 (micro:bit) and a RISC-V
#      core (riscv32imac, virt), failing on any wrong result;
#   3. the C firmware example (arm-none-eabi-gcc, newlib rdimon) on the M4F;
#   4. the link-time proof that no panic path survives (thumbv7em, release);
#   5. the footprint report, with the Cortex-M4F f32 budget (12 KiB at
#      opt-level "s") enforced and the footprint firmware checked to hold
#      no code of the families it does not call; the full-covariance
#      figure reported, not budgeted.
# Installs what it needs through tools/install-embedded-deps.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/install-embedded-deps.sh

step() { printf '\n--> %s\n' "$*"; }
qemu_m4f=(qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic
          -semihosting-config enable=on,target=native -kernel)
qemu_m0=(qemu-system-arm -machine microbit -nographic
         -semihosting-config enable=on,target=native -kernel)
qemu_rv=(qemu-system-riscv32 -machine virt -bios none -nographic
         -semihosting-config enable=on,target=native -kernel)

step "cross builds: rlibs and the static library for three bare-metal targets"
for target in thumbv6m-none-eabi thumbv7em-none-eabihf riscv32imac-unknown-none-elf; do
    cargo build --quiet --release --target "$target" --lib -p mixgrad -p mixgrad-capi \
        --features mixgrad/small-code
    # Cargo notes that it drops the cdylib crate type there: expected.
    cargo build --quiet --release --target "$target" -p mixgrad-clib --features small-code 2>&1 \
        | grep -v 'dropping unsupported crate type `cdylib`' || true
    test -f "target/$target/release/libmixgrad.a"
    echo "$target: libmixgrad.a $(stat -c %s "target/$target/release/libmixgrad.a") bytes on disk"
done

step "clippy on the firmware crate (Arm; RISC-V for the test firmwares, the ones built there)"
(cd embedded && cargo clippy --quiet --release --target thumbv7em-none-eabihf -- -D warnings)
(cd embedded && cargo clippy --quiet --release --target riscv32imac-unknown-none-elf \
    --lib --bin firmware_tests --bin batch_tests --bin family_tests --bin tril_tests \
    --bin gamma_tests -- -D warnings)

step "on-target tests: Cortex-M4F (mps2-an386), Cortex-M0 (micro:bit) and RISC-V (virt) under QEMU"
# firmware_tests: single calls against the reference vectors, sampling,
# errors, the stack budget; batch_tests: the batch forms against the single
# calls, bit for bit, and the batched stack; family_tests: the logistic,
# Laplace and Cauchy families (round trips, finiteness, samplers, errors);
# tril_tests: full covariance at K = 4, D = 4 (round trips, closed forms,
# refusals, the stack of sample + vjp); gamma_tests: the Gamma distribution
# (60-digit reference rows, the exponential's closed forms, round trips,
# sampler and Dirichlet draws, refusals, the stack of sample + dx/dalpha).
for target in thumbv7em-none-eabihf thumbv6m-none-eabi riscv32imac-unknown-none-elf; do
    (cd embedded && cargo build --quiet --release --target "$target" \
        --bin firmware_tests --bin batch_tests --bin family_tests --bin tril_tests \
        --bin gamma_tests)
    case "$target" in
        thumbv6m-*) qemu=("${qemu_m0[@]}") ;;
        riscv32*) qemu=("${qemu_rv[@]}") ;;
        *) qemu=("${qemu_m4f[@]}") ;;
    esac
    for bin in firmware_tests batch_tests family_tests tril_tests gamma_tests; do
        echo "$target $bin:"
        timeout 300 "${qemu[@]}" "embedded/target/$target/release/$bin"
    done
done

step "C firmware: arm-none-eabi-gcc + libmixgrad.a (thumbv7em) on mps2-an386"
c_elf=target/c_firmware.elf
arm-none-eabi-gcc -std=c11 -Wall -Wextra -Werror -pedantic -O2 \
    -mcpu=cortex-m4 -mthumb -mfpu=fpv4-sp-d16 -mfloat-abi=hard --specs=rdimon.specs \
    -Iinclude embedded/c/main.c embedded/c/startup.c -T embedded/c/mps2-an386.ld \
    -Wl,-z,noexecstack -Wl,--no-warn-rwx-segments \
    -Ltarget/thumbv7em-none-eabihf/release -lmixgrad -lm -o "$c_elf"
c_out=$(timeout 120 "${qemu_m4f[@]}" "$c_elf")
echo "$c_out"
grep -q '^c firmware: OK$' <<<"$c_out"

step "no panic path survives: link embedded/src/bin/no_panic.rs (thumbv7em, release, LTO)"
(cd embedded && cargo build --quiet --release --target thumbv7em-none-eabihf --bin no_panic)
echo "linked: every public entry point is panic-free"

step "footprint"
footprint=$(tools/footprint.sh)
echo "$footprint"
# The footprint firmware calls the Gaussian only: no other family's code
# may link in. The debug info names every generic function linked, with
# its family type (mixgrad::family::gaussian::Gaussian, ...); the Gaussian's
# must be there, no other family's. (The strings go to a file first: under
# pipefail, `readelf | grep -q` reports readelf's SIGPIPE.)
size_f32=embedded/target/footprint-s/thumbv7em-none-eabihf/release/size_f32
arm-none-eabi-readelf -p .debug_str "$size_f32" > target/size_f32-debug-strings.txt
grep -q 'family::gaussian::Gaussian' target/size_f32-debug-strings.txt \
    || { echo "size_f32: no Gaussian instance named in its debug info"; exit 1; }
if grep -m3 -E 'family::(logistic|laplace|cauchy)::' target/size_f32-debug-strings.txt; then
    echo "size_f32 links code of a family it does not call"
    exit 1
fi
echo "size_f32 holds code of the Gaussian only"
m4f_f32=$(awk '$1 == "thumbv7em-none-eabihf" && $2 == "s" { print $3 }' <<<"$footprint")
echo "Cortex-M4F f32 .text at opt-level s: $m4f_f32 B (budget 12288 B)"
[ "$m4f_f32" -le 12288 ] || { echo "over the 12 KiB f32 budget"; exit 1; }
m4f_tril=$(awk '$1 == "thumbv7em-none-eabihf" && $2 == "s" { print $5 }' <<<"$footprint")
echo "Cortex-M4F full-covariance f32 (K=4 D=4) .text at opt-level s: $m4f_tril B (no budget)"
