#!/usr/bin/env bash
# The Python package (python/): builds it as its README says
# (`pip install ./python`), proves that a fresh venv imports it, and runs
# its pytest suite (NumPy, PyTorch, JAX) in a cached venv.
#
# The venv with the pinned test dependencies (python/tests/requirements.txt,
# torch alone is about 4 GB installed) and the Rust build of the extension
# live outside the clone, under ${XDG_CACHE_HOME:-$HOME/.cache}/mixgrad-ci,
# so that later runs reuse them; they are (re)created when missing or when
# the requirements change. Needs python3 (3.9 or later, with venv) and PyPI.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"

cache="${XDG_CACHE_HOME:-$HOME/.cache}/mixgrad-ci"
venv="$cache/py311"
reqs=python/tests/requirements.txt
# One Rust build for every venv and clone: the extension is built for the
# stable ABI, so the interpreter of the venv does not change it.
export CARGO_TARGET_DIR="$cache/py-target"
pip_quiet=(--quiet --disable-pip-version-check --no-input)

step() { printf '\n==> [%ss] %s\n' "$SECONDS" "$*"; }

step "cached test venv ($venv)"
# Made again when the pins or the interpreter change (or a run was cut
# short before the stamp was written).
want="$(python3 --version; cat "$reqs")"
if [ "$want" != "$(cat "$venv/.stamp" 2>/dev/null)" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install "${pip_quiet[@]}" -r "$reqs"
    printf '%s\n' "$want" > "$venv/.stamp"
fi

step "the reference values are what python/tests/reference.rs prints"
# A target directory of its own: maturin builds PyO3 with a configuration
# file that a plain cargo build does not set, and sharing one directory
# would rebuild PyO3 at every switch.
(cd python && CARGO_TARGET_DIR="$cache/py-ref-target" cargo run --quiet --release --example reference) \
    > "$cache/reference.json"
diff -q "$cache/reference.json" python/tests/data/reference.json \
    || { echo "python/tests/data/reference.json is stale: see python/tests/reference.rs"; exit 1; }

step "cargo fmt --check and clippy -D warnings in python/"
(cd python && cargo fmt -- --check)
(cd python && CARGO_TARGET_DIR="$cache/py-ref-target" cargo clippy --quiet --all-targets -- -D warnings)

step "pip install ./python && python -c 'import mixgrad' in a new venv"
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
python3 -m venv "$fresh/venv"
"$fresh/venv/bin/pip" install "${pip_quiet[@]}" ./python
(cd "$fresh" && venv/bin/python -c 'import mixgrad; print("imported", mixgrad.__file__)')

step "pip install ./python into the test venv, then pytest"
# The venv's maturin builds (no isolated build env to set up again); it
# finds the cargo build of the step above.
PATH="$venv/bin:$PATH" "$venv/bin/pip" install "${pip_quiet[@]}" \
    --no-build-isolation --no-deps --force-reinstall ./python
# From outside the clone, so that the installed package is the one tested.
(cd "$fresh" && "$venv/bin/python" -m pytest -q -p no:cacheprovider "$root/python/tests")

step "the VAE example's smoke run (examples/python/vae_mixture.py --smoke: every method, both data sets, a few iterations)"
(cd "$fresh" && "$venv/bin/python" "$root/examples/python/vae_mixture.py" --smoke)
