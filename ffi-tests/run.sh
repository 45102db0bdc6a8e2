#!/usr/bin/env bash
# Builds libmixgrad.a, then the C11 and C++17 suites and the C example with
# -Wall -Wextra -Werror -pedantic, and runs them with CTest twice: plain, and
# under AddressSanitizer + UndefinedBehaviorSanitizer. Needs cmake.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
cargo build --release --quiet -p mixgrad-clib
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
