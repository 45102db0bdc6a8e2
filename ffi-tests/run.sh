#!/usr/bin/env bash
# Builds libmixgrad.a, checks that it exports nothing but the mixgrad_* API
# and links beside another Rust static library, then builds the C11 and C++17
# suites and the C example with -Wall -Wextra -Werror -pedantic, and runs
# them with CTest twice: plain, and under AddressSanitizer +
# UndefinedBehaviorSanitizer. Needs cmake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --release --quiet -p mixgrad-clib
lib="$root/target/release/libmixgrad.a"

# libmixgrad.a must define no symbol that another Rust static library also
# defines: no global, default-visibility definition but the mixgrad_* API
# (compiler_builtins' are hidden: local to the final link, and pulled from
# whichever archive comes first).
extra="$(readelf -sW "$lib" | awk '($5 == "GLOBAL" || $5 == "WEAK") && $6 == "DEFAULT" && $7 != "UND" { print $8 }' | grep -v '^mixgrad_' || true)"
if [ -n "$extra" ]; then
    echo "libmixgrad.a exports symbols besides mixgrad_*:"; echo "$extra"; exit 1
fi

# ... and a C program links it together with another, independent Rust
# static library (std, default settings, built in both profiles), in both
# link orders, and both work.
echo "== libmixgrad.a + another Rust static library in one C program"
other="$root/target/ffi-tests/other-rust-lib"
for profile in release dev; do
    CARGO_TARGET_DIR="$other" cargo build --quiet --profile "$profile" \
        --manifest-path ffi-tests/other-rust-lib/Cargo.toml
    dir=$profile
    [ "$profile" = dev ] && dir=debug
    other_lib="$other/$dir/libother_rust_lib.a"
    for order in "$lib $other_lib" "$other_lib $lib"; do
        # shellcheck disable=SC2086 # $order is two paths, split on purpose
        "${CC:-cc}" -std=c11 -Wall -Wextra -Werror -pedantic -Iinclude \
            ffi-tests/link_two_rust_libs.c $order -lm -o "$other/link_two_rust_libs"
        "$other/link_two_rust_libs" >/dev/null
    done
done
echo "   linked and ran in both orders (other library: release and dev)"

for variant in plain sanitize; do
    build="$root/target/ffi-tests/$variant"
    sanitize=OFF
    [ "$variant" = sanitize ] && sanitize=ON
    cmake -S ffi-tests -B "$build" -DMIXGRAD_SANITIZE="$sanitize" -DCMAKE_BUILD_TYPE=Debug >/dev/null
    cmake --build "$build" --parallel >/dev/null
    echo "== ffi-tests ($variant)"
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        ctest --test-dir "$build" --output-on-failure
done
