#!/usr/bin/env bash
# The embedded checks (docs/embedded.md), as .ci/run runs them:
#   1. rlibs and libmixgrad.a for Cortex-M0, Cortex-M4F and RISC-V;
#   2. the on-target test firmwares (single calls; batch forms) under QEMU
#      on a Cortex-M4F (mps2-an386) and a Cortex-M0 (micro:bit), failing on
#      any wrong result;
#   3. the C firmware example (arm-none-eabi-gcc, newlib rdimon) on the M4F;
#   4. the link-time proof that no panic path survives (thumbv7em, release);
#   5. the footprint report.
# Installs what it needs through tools/install-embedded-deps.sh.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tools/install-embedded-deps.sh

step() { printf '\n--> %s\n' "$*"; }
qemu_m4f=(qemu-system-arm -machine mps2-an386 -cpu cortex-m4 -nographic
          -semihosting-config enable=on,target=native -kernel)
qemu_m0=(qemu-system-arm -machine microbit -nographic
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

step "clippy on the firmware crate"
(cd embedded && cargo clippy --quiet --release --target thumbv7em-none-eabihf -- -D warnings)

step "on-target tests: Cortex-M4F (mps2-an386) and Cortex-M0 (micro:bit) under QEMU"
# firmware_tests: single calls against the reference vectors, sampling,
# errors, the stack budget; batch_tests: the batch forms against the single
# calls, bit for bit, and the batched stack.
for target in thumbv7em-none-eabihf thumbv6m-none-eabi; do
    (cd embedded && cargo build --quiet --release --target "$target" \
        --bin firmware_tests --bin batch_tests)
    if [ "$target" = thumbv6m-none-eabi ]; then qemu=("${qemu_m0[@]}"); else qemu=("${qemu_m4f[@]}"); fi
    for bin in firmware_tests batch_tests; do
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
tools/footprint.sh
