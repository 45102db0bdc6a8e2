#!/usr/bin/env bash
# The C library's install, as a user runs it (docs/install.md):
#
#   * cargo-c (pinned; the binary cached outside the clone) installs the
#     header, libmixgrad.a, libmixgrad.so with a versioned soname,
#     mixgrad.pc and the CMake package into a scratch prefix;
#   * examples/cmake-consumer, a separate CMake project, is configured,
#     built and run against that prefix through find_package (shared and
#     static) and through pkg-config;
#   * the C library's build compiles no header generator, and
#     `cargo publish --dry-run` passes for every published crate.
#
#   tools/install_check.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo_c_version=0.10.24
cache="${XDG_CACHE_HOME:-$HOME/.cache}/mixgrad-ci"
cargo_c_root="$cache/cargo-c-$cargo_c_version"
work=target/install-check
fail() { echo "install check: $*"; exit 1; }

need_debs() {
    local missing=()
    for pkg in "$@"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# cargo-c links libgit2/curl/OpenSSL through cargo; the consumer needs
# pkg-config. The newest cargo-c needs a newer rustc than the toolchain
# here, hence the pin; its build takes minutes, hence the cache.
need_debs pkg-config libssl-dev cmake
if [ ! -x "$cargo_c_root/bin/cargo-cinstall" ]; then
    echo "building cargo-c $cargo_c_version into $cargo_c_root (once per machine)"
    cargo install --quiet --locked "cargo-c@$cargo_c_version" --root "$cargo_c_root"
fi
export PATH="$cargo_c_root/bin:$PATH"

crate_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' clib/Cargo.toml | head -1)
rm -rf "$work" && mkdir -p "$work"
prefix="$PWD/$work/prefix"

echo "cargo cinstall --release --prefix $prefix --libdir lib -p mixgrad-clib"
cargo cinstall --release --prefix "$prefix" --libdir lib -p mixgrad-clib >"$work/cinstall.log" 2>&1 \
    || { cat "$work/cinstall.log"; fail "cargo cinstall failed"; }

for f in include/mixgrad.h lib/libmixgrad.a lib/libmixgrad.so lib/pkgconfig/mixgrad.pc \
    share/mixgrad/cmake/mixgradConfig.cmake share/mixgrad/cmake/mixgradConfigVersion.cmake; do
    [ -e "$prefix/$f" ] || fail "$f was not installed"
done
cmp -s "$prefix/include/mixgrad.h" capi/include/mixgrad.h || fail "the installed header is not capi/include/mixgrad.h"
soname=$(readelf -d "$prefix/lib/libmixgrad.so" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
case "$soname" in
    libmixgrad.so.*) echo "soname: $soname" ;;
    *) fail "libmixgrad.so has no versioned soname (got '$soname')" ;;
esac
[ -e "$prefix/lib/$soname" ] || fail "no $soname beside libmixgrad.so"
pc_version=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --modversion mixgrad)
[ "$pc_version" = "$crate_version" ] || fail "mixgrad.pc says $pc_version, the crate $crate_version"
cmake_version=$(sed -n 's/^set(PACKAGE_VERSION "\(.*\)")$/\1/p' clib/cmake/mixgradConfigVersion.cmake)
[ "$cmake_version" = "$crate_version" ] || fail "mixgradConfigVersion.cmake says $cmake_version, the crate $crate_version"

consumer() {
    local name=$1; shift
    cmake -S examples/cmake-consumer -B "$work/$name" -DCMAKE_BUILD_TYPE=Release "$@" >"$work/$name.log" 2>&1 \
        && cmake --build "$work/$name" >>"$work/$name.log" 2>&1 \
        || { cat "$work/$name.log"; fail "the consumer ($name) did not build"; }
    grep -E '^-- mixgrad ' "$work/$name.log"
}
consumer find_package -DCMAKE_PREFIX_PATH="$prefix"
"$work/find_package/consumer"
"$work/find_package/consumer_static"
# The shared build really loads the installed libmixgrad.so.
readelf -d "$work/find_package/consumer" | grep -q "NEEDED.*\[$soname\]" \
    || fail "the find_package consumer does not load $soname"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" consumer pkg_config -DMIXGRAD_FIND=pkg-config
"$work/pkg_config/consumer"

echo "the C library's build compiles no header generator"
if cargo tree -q -p mixgrad-clib -e normal,build | grep -q cbindgen; then
    fail "cbindgen is in mixgrad-clib's build"
fi

echo "cargo publish --dry-run (mixgrad, mixgrad-capi, mixgrad-clib)"
# mixgrad-clib is a no_std final artifact: it builds only with the
# panic = "abort" of this workspace's profiles, which the verification of
# its unpacked tarball does not read (docs/install.md).
cargo publish --quiet --dry-run --workspace --exclude mixgrad-bench --allow-dirty \
    --config 'profile.dev.panic="abort"' >"$work/publish.log" 2>&1 \
    || { cat "$work/publish.log"; fail "cargo publish --dry-run failed"; }
