#!/usr/bin/env bash
# The aarch64 checks, as .ci/run runs them: the NEON path (src/simd/aarch64.rs)
# is compiled only for aarch64, so the host's builds and tests never see it.
#   1. clippy on the core crate, all targets, for aarch64-unknown-linux-gnu;
#   2. cross builds: the core crate, the C ABI and libmixgrad.a / .so;
#   3. the SIMD, batch, exp and normal-tail tests (release), run under QEMU
#      user mode: tests/simd.rs forces NEON and checks it bit for bit
#      against the scalar path;
#   4. the C examples linked against the aarch64 libmixgrad.a, under QEMU.
# Installs what it needs, idempotently and quietly: the Rust target, the
# cross linker and libc (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross) and
# qemu-user (bookworm's, which coexists with the backports qemu-system-*
# of tools/install-embedded-deps.sh). If QEMU user mode cannot be had, the
# builds still run and the script says plainly that the tests were skipped.
#
# The linker and runner are set here, in the environment, not in a committed
# .cargo/config.toml, so that ordinary builds are unaffected; the builds go to
# target/aarch64 so that they do not invalidate the host's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=aarch64-unknown-linux-gnu
sysroot=/usr/aarch64-linux-gnu

rustup --quiet target add "$target"

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
apt_updated=""
apt_update() {
    [ -z "$apt_updated" ] || return 0
    $sudo apt-get update -qq && apt_updated=1
}

if ! command -v aarch64-linux-gnu-gcc >/dev/null || [ ! -f "$sysroot/lib/crt1.o" ]; then
    apt_update
    $sudo apt-get install -y -qq --no-install-recommends \
        gcc-aarch64-linux-gnu libc6-dev-arm64-cross >/dev/null
fi

# qemu-aarch64 (qemu-user), or qemu-aarch64-static where only bookworm's
# qemu-user-static is installed.
find_qemu() { command -v qemu-aarch64 || command -v qemu-aarch64-static || true; }
qemu=$(find_qemu)
skip_reason=""
if [ -z "$qemu" ]; then
    if ! { apt_update && $sudo apt-get install -y -qq --no-install-recommends qemu-user >/dev/null; }; then
        skip_reason="apt-get could not install qemu-user"
    fi
    qemu=$(find_qemu)
    if [ -z "$qemu" ] && [ -z "$skip_reason" ]; then
        skip_reason="qemu-user installed no qemu-aarch64 binary"
    fi
fi

step() { printf '\n--> %s\n' "$*"; }
export CARGO_TARGET_DIR=target/aarch64
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
if [ -n "$qemu" ]; then
    export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER="$qemu -L $sysroot"
fi

step "clippy on the core crate, all targets, for $target (the NEON path included)"
cargo clippy --quiet --target "$target" -p mixgrad --all-targets -- -D warnings

step "cross builds for $target: mixgrad, mixgrad-capi, libmixgrad.a and libmixgrad.so (release)"
cargo build --quiet --release --target "$target" -p mixgrad -p mixgrad-capi -p mixgrad-clib
lib=$CARGO_TARGET_DIR/$target/release/libmixgrad.a
test -f "$lib"
test -f "$CARGO_TARGET_DIR/$target/release/libmixgrad.so"
echo "$target: libmixgrad.a $(stat -c %s "$lib") bytes on disk"
c_bins=()
for example in c_sample c_batch; do
    aarch64-linux-gnu-gcc -std=c11 -Wall -Wextra -Werror -pedantic "examples/$example.c" \
        -Iinclude "$lib" -lm -o "$CARGO_TARGET_DIR/$example"
    c_bins+=("$CARGO_TARGET_DIR/$example")
done

if [ -z "$qemu" ]; then
    step "SKIPPED: the aarch64 tests and C examples were NOT run under QEMU ($skip_reason); only the cross builds above were checked"
    exit 0
fi

step "NEON against the scalar path: tests simd, batch, exp, normal_tails (release) under $("$qemu" --version | head -n 1)"
cargo test --quiet --release --target "$target" -p mixgrad \
    --test simd --test batch --test exp --test normal_tails

step "the C examples against the aarch64 libmixgrad.a, under qemu-aarch64"
for bin in "${c_bins[@]}"; do
    echo "$(basename "$bin"):"
    timeout 300 "$qemu" -L "$sysroot" "$bin"
done
echo "aarch64 checks: done in ${SECONDS} s"
