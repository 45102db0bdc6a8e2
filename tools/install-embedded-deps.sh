#!/usr/bin/env bash
# Installs what the embedded checks need, idempotently and quietly:
#   * the Rust targets thumbv6m-none-eabi (Cortex-M0), thumbv7em-none-eabihf
#     (Cortex-M4F) and riscv32imac-unknown-none-elf;
#   * gcc-arm-none-eabi + newlib (the C firmware example);
#   * qemu-system-arm and qemu-system-misc (RISC-V) from bookworm-backports.
#
# Why backports, and why a private sources directory: the machine carries
# qemu-utils from bookworm-backports, which conflicts with bookworm's QEMU 7.2.
# /etc/apt is left alone; the backports stanza is derived from the system's
# own sources file (so no mirror address is written into this repository)
# and used through apt's Dir::Etc options for these installs only.
set -euo pipefail

rustup --quiet target add thumbv6m-none-eabi thumbv7em-none-eabihf riscv32imac-unknown-none-elf

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive

if ! command -v arm-none-eabi-gcc >/dev/null || [ ! -d /usr/lib/arm-none-eabi/newlib ]; then
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends \
        gcc-arm-none-eabi libnewlib-arm-none-eabi >/dev/null
fi

if ! command -v qemu-system-arm >/dev/null || ! command -v qemu-system-riscv32 >/dev/null; then
    system_sources=/etc/apt/sources.list.d/debian.sources
    private=$(mktemp -d)
    trap 'rm -rf "$private"' EXIT
    mkdir -p "$private/lists/partial"
    # First stanza (up to the first blank line), suite switched to backports.
    awk 'NF == 0 { exit } { print }' "$system_sources" \
        | sed 's/^Suites:.*/Suites: bookworm-backports/' > "$private/backports.sources"
    cp "$system_sources" "$private/debian.sources"
    apt_private=(-o Dir::Etc::sourcelist=/dev/null -o "Dir::Etc::sourceparts=$private"
                 -o "Dir::State::lists=$private/lists")
    $sudo apt-get "${apt_private[@]}" update -qq
    $sudo apt-get "${apt_private[@]}" install -y -qq --no-install-recommends \
        -t bookworm-backports qemu-system-arm qemu-system-misc >/dev/null
fi
