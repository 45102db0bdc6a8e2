#!/usr/bin/env python3
"""Gamma shape gradients of the ML frameworks and mixgrad against mpmath.

    python bench/gamma_frameworks.py [--points] [--no-cache]

A script, not CI. Run it with an interpreter that has mpmath and numpy and
at least one of the frameworks: JAX (`jax.lax.random_gamma_grad`),
TensorFlow (`tf.raw_ops.RandomGammaGrad`), PyTorch
(`torch._standard_gamma_grad`), e.g. a venv with
`pip install "jax[cpu]" torch mpmath numpy` (tensorflow optional; the
versions used are printed in the first line). A framework that does not
import is reported as missing and skipped. PyTorch runs on the CPU; JAX on
its default backend (printed with its version; the CPU with jax[cpu]).
JAX's own `jax.random.gamma` takes its gradient from
`jax.lax.random_gamma_grad`, and so does TFP's Gamma on its JAX substrate
(through the substrate's `RandomGammaGrad` shim), so the JAX rows speak for
those too; neither is called here.

mixgrad is measured the same way: the script builds
bench/src/bin/gamma_grid.rs (`cargo build --release -p mixgrad-bench`, so
it needs cargo and runs from a checkout) and feeds it the same (α, x)
pairs; the binary prints `Gamma::dx_dalpha` with rate 1.

What is measured: the reparameterisation gradient dx/dα of a standard
Gamma(α, 1) sample x = P⁻¹(α, u) at fixed u, i.e.

    dx/dα = −(∂P(α, x)/∂α) / f(α, x),

as each implementation computes it from (α, x) (for the frameworks, one
call on an array of all the points of a precision). The reference (mpmath,
60 digits):

* x  = the exact quantile P⁻¹(α, u), found by a bracketed Newton iteration
       on ln P (u ≤ ½) or ln Q (u > ½) against ln x, then rounded to double;
* dx/dα at that double x (and at the double α): ∂P/∂α by mp.diff in α of
       the regularised lower incomplete gamma P (u ≤ ½), or of −Q, the same
       derivative, for u > ½, where P is near 1; f the density
       x^{α−1}e^{−x}/Γ(α).

For float32, α and x are rounded to float32 and the reference is recomputed
at those float32 inputs, so that both precisions are charged only for the
function itself, not for the rounding of its arguments.

Grid: α ∈ {1e-3, 0.1, 0.5, 1, 2.5, 10, 1e3, 1e6} (the doubles nearest),
u ∈ {1e-300, 1e-10, 0.01, 0.5, 0.99, 1 − 1e-10}. Where u = 1e-300 puts x
below the smallest normal double, the smallest double u whose quantile is a
normal double is used instead (marked `*` and printed). Points are skipped,
and listed, where x is not a normal number of the precision (underflow, or
a subnormal), or the density or the exact dx/dα is not one.

Error measure: |got − exact|/|exact| over the points where the
implementation returned a finite non-zero number; the points where it
returned NaN, ±inf or 0 (the exact value always being a finite normal
number here), or where mixgrad refused the input, are counted and listed
separately. The median is over the former points only.

The reference is cached in target/gamma_frameworks/reference.json (keyed
by the exact inputs; --no-cache recomputes it). Three checks on it are
printed:

* the points whose (α, u) are also in tests/data/gamma_reference.txt
  (tools/gen_gamma_reference.py: series or quadrature for ∂P/∂α, and the
  exact rather than the rounded quantile; only u = 1e-300 and u = ½ are
  shared): the largest relative difference;
* ∂P/∂α the other way, from −Q instead of P or the reverse (90 digits),
  at the points with min(u, 1 − u) ≥ 1e-10;
* at every compared f64 point, the method above (at the exact quantile
  rather than the rounded one) against central differences in α of the
  60-digit quantile itself (step α·1e-15), which does not differentiate P.
"""
import argparse
import json
import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np

try:
    import mpmath as mp
except ImportError:
    sys.exit("needs mpmath (pip install mpmath)")

mp.mp.dps = 60

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CACHE = os.path.join(ROOT, "target", "gamma_frameworks", "reference.json")
COMMITTED = os.path.join(ROOT, "tests", "data", "gamma_reference.txt")
CACHE_VERSION = "gamma_frameworks reference v2, mpmath dps 60"

ALPHAS = ["1e-3", "0.1", "0.5", "1", "2.5", "10", "1e3", "1e6"]
US = ["1e-300", "1e-10", "0.01", "0.5", "0.99", "1-1e-10"]
PRECISIONS = ("f64", "f32")

F64_TINY = 2.0 ** -1022
F32_TINY = 2.0 ** -126
F32_MAX = float(np.finfo(np.float32).max)
F64_MAX = sys.float_info.max


def u_double(text):
    return 1.0 - 1e-10 if text == "1-1e-10" else float(text)


# ---------------------------------------------------------------- reference

def lower(a, y):
    return mp.gammainc(a, 0, y, regularized=True)


def upper(a, y):
    return mp.gammainc(a, y, mp.inf, regularized=True)


def density(a, y):
    return mp.exp((a - 1) * mp.log(y) - y - mp.loggamma(a))


def quantile(a, u, near=None):
    """y with P(a, y) = u, to about 55 digits (the last step is below
    1e-45 relative, and Newton's error after it is its square).

    Newton on t = ln y (tail_equation), kept inside a bracket [lo, hi]
    with g(lo) ≤ 0 ≤ g(hi) (bisection where a step leaves it). `near`, a
    ln y known to be within 1e-6 of the answer, replaces the general
    bracket by [near ± 1e-6]: the general one's search evaluates Q far out
    in the tail, where mpmath's series for a non-integer shape near 1e6
    does not converge.
    """
    g = tail_equation(a, u)
    if near is None:
        lo, hi = bracket(a, u, g)
    else:
        lo, hi = near - mp.mpf(1e-6), near + mp.mpf(1e-6)
        assert g(lo)[0] <= 0 <= g(hi)[0], f"no root within 1e-6 of ln y = {near}"
    t = (lo + hi) / 2
    for _ in range(300):
        v, dv = g(t)
        if v == 0:
            return mp.exp(t)
        if v < 0:
            lo = t
        else:
            hi = t
        step = -v / dv
        new = t + step
        if not (lo < new < hi):
            new = (lo + hi) / 2
        if abs(new - t) < mp.mpf(10) ** -45 * max(1, abs(t)):
            return mp.exp(new)
        t = new
    raise RuntimeError(f"quantile did not converge at a={a}, u={u}")


def tail_equation(a, u):
    """g(t) = (value, derivative), increasing in t = ln y, with its root
    at the quantile: ln P(e^t) − ln u (u ≤ ½) or ln(1 − u) − ln Q(e^t)
    (u > ½), g'(t) = y f/P or y f/Q; the smaller tail, so that neither
    loses digits to 1 − P."""
    if u <= mp.mpf(0.5):
        target = mp.log(u)

        def g(t):
            y = mp.exp(t)
            p = lower(a, y)
            return mp.log(p) - target, y * density(a, y) / p
        return g
    target = mp.log(1 - u)

    def g(t):
        y = mp.exp(t)
        q = upper(a, y)
        return target - mp.log(q), y * density(a, y) / q
    return g


def bracket(a, u, g):
    """(lo, hi) with g(lo) ≤ 0 ≤ g(hi). P(a, y) ≤ y^a/Γ(a + 1), so
    y_s(u) = (u Γ(a + 1))^{1/a} is at or below the answer; the median lies
    in (a − 1/3, a), so ln a is above it for u ≤ ½; for u > ½, y_s(½) is
    below the median and hi is doubled until g(hi) > 0."""
    if u <= mp.mpf(0.5):
        return (mp.log(u) + mp.loggamma(a + 1)) / a, mp.log(a)
    lo, hi = (mp.log(mp.mpf(0.5)) + mp.loggamma(a + 1)) / a, mp.log(a + 10)
    while g(hi)[0] < 0:
        lo, hi = hi, hi + mp.log(2)
    return lo, hi


def dx_dalpha(a, x, lower_tail):
    """−(∂P/∂α)/f at (a, x), ∂P/∂α by mp.diff (of −Q above the median)."""
    if lower_tail:
        dp = mp.diff(lambda b: lower(b, x), a)
    else:
        dp = mp.diff(lambda b: -upper(b, x), a)
    return -dp / density(a, x), density(a, x)


def quantile_fd_check(a, um, y, lower_tail):
    """Relative difference between −(∂P/∂α)/f at the exact quantile y and
    central differences of the quantile in α (step α·1e-15: truncation
    near 1e-30, and the 60-digit quantiles leave far less than that)."""
    h = a * mp.mpf(10) ** -15
    t = mp.log(y)
    fd = (quantile(a + h, um, near=t) - quantile(a - h, um, near=t)) / (2 * h)
    d, _ = dx_dalpha(a, y, lower_tail)
    return float(abs(fd - d) / abs(d))


def other_tail_check(points):
    """∂P/∂α the other way (mp.diff of −Q for u ≤ ½, of P for u > ½, at
    90 digits to absorb the cancellation in the tail near 1) at the points
    with min(u, 1 − u) ≥ 1e-10: the largest relative difference to the
    reference, and the number of points."""
    worst, n = 0.0, 0
    for p in points:
        e = p["f64"]
        if "exact" not in e or min(p["u"], 1 - p["u"]) < 1e-10:
            continue
        with mp.workdps(90):
            a, x = mp.mpf(e["alpha"]), mp.mpf(e["x"])
            if p["u"] <= 0.5:
                dp = mp.diff(lambda b: -upper(b, x), a)
            else:
                dp = mp.diff(lambda b: lower(b, x), a)
            d = -dp / density(a, x)
            worst = max(worst, float(abs(d - mp.mpf(e["exact"])) / abs(d)))
        n += 1
    return worst, n


def normal(v, tiny, big):
    return math.isfinite(v) and tiny <= abs(v) <= big


def smallest_u(a):
    """The smallest double u whose quantile is at least 2^-1022."""
    u_min = lower(a, mp.mpf(F64_TINY))
    u = float(u_min)
    if mp.mpf(u) < u_min:
        u = math.nextafter(u, math.inf)
    return u


def build_points(cache):
    """The grid with its references: one dict per (α, u)."""
    points, hits = [], 0
    for a_text in ALPHAS:
        a64 = float(a_text)
        a = mp.mpf(a64)
        for u_text in US:
            u = u_double(u_text)
            note = ""
            if u_text == "1e-300" and lower(a, mp.mpf(F64_TINY)) > mp.mpf(u):
                u = smallest_u(a)
                note = "smallest u with a normal x"
            key = f"{a64.hex()} {u.hex()}"
            row = cache.get(key)
            hits += row is not None
            if row is None:
                row = reference_row(a64, u)
                cache[key] = row
            row = dict(row)
            row.update(alpha_text=a_text, u_text=u_text, note=note)
            points.append(row)
    return points, hits


def reference_row(a64, u):
    a, um = mp.mpf(a64), mp.mpf(u)
    lower_tail = um <= mp.mpf(0.5)
    y = quantile(a, um)
    x64 = float(y)
    row = {"alpha": a64, "u": u, "y": mp.nstr(y, 25), "x64": x64}
    row["f64"] = reference_entry(a64, x64, F64_TINY, F64_MAX, lower_tail)
    row["f32"] = reference_entry(float(np.float32(a64)), float(np.float32(x64)),
                                 F32_TINY, F32_MAX, lower_tail)
    if "skip" not in row["f64"]:
        row["fd_check"] = quantile_fd_check(a, um, y, lower_tail)
    return row


def reference_entry(a_p, x_p, tiny, big, lower_tail):
    """The exact dx/dα at (a_p, x_p), already rounded to the precision, or
    why the point is skipped."""
    entry = {"alpha": a_p, "x": x_p}
    if not normal(x_p, tiny, big):
        entry["skip"] = "x not a normal number" if x_p != 0 else "x underflows to 0"
        return entry
    d, f = dx_dalpha(mp.mpf(a_p), mp.mpf(x_p), lower_tail)
    entry["exact"] = mp.nstr(d, 30)
    entry["f"] = mp.nstr(f, 20)
    if not normal(float(f), tiny, big):
        entry["skip"] = f"density {mp.nstr(f, 3)} not a normal number"
    elif not normal(float(d), tiny, big):
        entry["skip"] = f"dx/dalpha {mp.nstr(d, 3)} not a normal number"
    return entry


def load_cache(use):
    if not use or not os.path.exists(CACHE):
        return {}
    with open(CACHE) as fh:
        data = json.load(fh)
    return data.get("points", {}) if data.get("version") == CACHE_VERSION else {}


def save_cache(cache):
    os.makedirs(os.path.dirname(CACHE), exist_ok=True)
    with open(CACHE, "w") as fh:
        json.dump({"version": CACHE_VERSION, "points": cache}, fh, indent=1, sort_keys=True)


def check_against_committed(points):
    """Largest relative difference to tests/data/gamma_reference.txt where
    (α, u) coincide (its dy/dα is at the exact y*, ours at the double x)."""
    if not os.path.exists(COMMITTED):
        return None
    worst, n = 0.0, 0
    by_key = {(p["alpha"], p["u"]): p for p in points}
    with open(COMMITTED) as fh:
        for line in fh:
            if line.startswith("#"):
                continue
            v = line.split()
            key = (float(v[0]), float(v[1]))
            p = by_key.get(key)
            if p is None or "exact" not in p["f64"]:
                continue
            ours, theirs = mp.mpf(p["f64"]["exact"]), mp.mpf(v[7])
            worst = max(worst, float(abs(ours - theirs) / abs(theirs)))
            n += 1
    return worst, n


# ---------------------------------------------------------- implementations
#
# Each implementation is (name, version, evaluate): evaluate(prec, pairs)
# takes (α, x) pairs already rounded to the precision and returns one
# result per pair, a float or, for a refused input, the reason as a string.
# The frameworks get all the pairs of a precision as one array, as they are
# used (and JAX's eager scalar calls take about 0.3 s each); XLA's
# vectorised loop can differ from its scalar code by an ulp.

def unzip(pairs):
    return [a for a, _ in pairs], [x for _, x in pairs]


def jax_impl():
    import jax
    # Without x64, JAX silently computes the float64 rows in float32.
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp
    import jaxlib

    def evaluate(prec, pairs):
        dtype = {"f64": jnp.float64, "f32": jnp.float32}[prec]
        a, x = unzip(pairs)
        return [float(v) for v in jax.lax.random_gamma_grad(jnp.asarray(a, dtype), jnp.asarray(x, dtype))]
    version = f"jax {jax.__version__}, jaxlib {jaxlib.__version__} ({jax.default_backend()})"
    return "JAX `lax.random_gamma_grad`", version, evaluate


def tf_impl():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import tensorflow as tf

    def evaluate(prec, pairs):
        dtype = {"f64": tf.float64, "f32": tf.float32}[prec]
        a, x = unzip(pairs)
        out = tf.raw_ops.RandomGammaGrad(alpha=tf.constant(a, dtype), sample=tf.constant(x, dtype))
        return [float(v) for v in out.numpy()]
    return "TensorFlow `raw_ops.RandomGammaGrad`", f"tensorflow {tf.__version__}", evaluate


def torch_impl():
    import torch

    def evaluate(prec, pairs):
        dtype = {"f64": torch.float64, "f32": torch.float32}[prec]
        a, x = unzip(pairs)
        out = torch._standard_gamma_grad(torch.tensor(a, dtype=dtype), torch.tensor(x, dtype=dtype))
        return [float(v) for v in out]
    return "PyTorch `_standard_gamma_grad`", f"torch {torch.__version__}", evaluate


def mixgrad_impl():
    """Builds bench/src/bin/gamma_grid.rs and evaluates through it, one
    process per precision."""
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "mixgrad-bench", "--bin", "gamma_grid"],
                   cwd=ROOT, check=True)
    binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")),
                          "release", "gamma_grid")

    def evaluate(prec, pairs):
        # repr() is the shortest decimal that reads back to the same double.
        text = "".join(f"{a!r} {x!r}\n" for a, x in pairs)
        out = subprocess.run([binary, prec], input=text, capture_output=True, text=True, check=True).stdout
        return [line if line.startswith("error") else float(line) for line in out.splitlines()]
    return "mixgrad `Gamma::dx_dalpha`", mixgrad_version(), evaluate


def mixgrad_version():
    with open(os.path.join(ROOT, "Cargo.toml")) as fh:
        version = re.search(r'^version\s*=\s*"([^"]+)"', fh.read(), re.M).group(1)
    rustc = subprocess.run(["rustc", "-V"], capture_output=True, text=True).stdout.split()
    return f"mixgrad {version} (rustc {rustc[1] if len(rustc) > 1 else 'unknown'})"


def implementations():
    """(name, version, evaluate) for each implementation that loads, and
    (name, reason) for each that does not."""
    found, missing = [], []
    for label, make in (("JAX", jax_impl), ("TensorFlow", tf_impl), ("PyTorch", torch_impl),
                        ("mixgrad", mixgrad_impl)):
        try:
            found.append(make())
        except Exception as e:  # noqa: BLE001 -- any failure to load means "missing"
            missing.append((label, f"{type(e).__name__}: {e}"))
    return found, missing


# ------------------------------------------------------------------ measure

def measure(evaluate, prec, points):
    """([(error, point, result)], [(point, result)]) over the points
    compared: the relative errors, and the NaN, ±inf, 0 or refused results."""
    used = [p for p in points if "skip" not in p[prec]]
    results = evaluate(prec, [(p[prec]["alpha"], p[prec]["x"]) for p in used])
    assert len(results) == len(used), "one result per point"
    errs, bad = [], []
    for p, got in zip(used, results):
        if isinstance(got, str) or not math.isfinite(got) or got == 0:
            bad.append((p, got))
        else:
            exact = mp.mpf(p[prec]["exact"])
            errs.append((float(abs(mp.mpf(got) - exact) / abs(exact)), p, got))
    return errs, bad


def table_row(name, prec, errs, bad):
    if not errs:
        return (name, prec, len(bad), "—", "—", "—", len(bad))
    worst = max(errs, key=lambda t: t[0])
    median = statistics.median(e for e, _, _ in errs)
    return (name, prec, len(errs) + len(bad), fmt_err(worst[0]), where(worst[1]), fmt_err(median), len(bad))


# ------------------------------------------------------------------- report

def where(p):
    u = p["u_text"] if not p["note"] else f"{p['u']:.3g}*"
    return f"α={p['alpha_text']}, u={u}"


def fmt_err(e):
    return "0" if e == 0 else f"{e:.1e}"


def print_header(found, missing):
    argv = " ".join(["python", os.path.relpath(os.path.abspath(sys.argv[0]), os.getcwd())] + sys.argv[1:])
    versions = [f"Python {platform.python_version()}", f"mpmath {mp.__version__} (dps 60)", f"numpy {np.__version__}"]
    versions += [v for _, v, _ in found]
    absent = "; ".join(f"{n}: not loaded ({why.splitlines()[0][:80]})" for n, why in missing)
    print(f"Command: `{argv}`; {', '.join(versions)}" + (f"; {absent}" if absent else "") + ".")
    print()
    print("Relative error of dx/dα of Gamma(α, 1) at x = P⁻¹(α, u) against mpmath (60 digits), "
          f"over α ∈ {{{', '.join(ALPHAS)}}} × u ∈ {{{', '.join(US)}}}:")
    print()


def print_table(rows):
    print("| implementation | precision | points | worst | worst at | median | NaN/inf/0/refused |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(str(c) for c in r) + " |")
    print()


def print_grid_notes(points):
    subst = [p for p in points if p["note"]]
    if subst:
        print("`*`: u = 1e-300 puts x below 2^-1022; the smallest double u whose quantile is a "
              "normal double is used instead: "
              + ", ".join(f"α={p['alpha_text']}: u={p['u']:.6g} (x={p['x64']:.6g})" for p in subst) + ".")
    for prec in PRECISIONS:
        skipped = [p for p in points if "skip" in p[prec]]
        print(f"{prec}: {len(points) - len(skipped)} of {len(points)} points compared"
              + ("; skipped: " + "; ".join(f"{where(p)} ({p[prec]['skip']})" for p in skipped) if skipped else "")
              + ".")


def print_failures(failures):
    if not failures:
        print("No implementation returned NaN, ±inf or 0, or refused, where the exact value is a finite "
              "normal number.")
        return
    print("NaN, ±inf, 0 or refused where the exact value is a finite normal number: "
          + "; ".join(f"{n} {prec} at {where(p)} (x={p[prec]['x']:.6g}): {got!r}, exact "
                      f"{mp.nstr(mp.mpf(p[prec]['exact']), 6)}" for n, prec, p, got in failures) + ".")


def print_checks(committed, other, points):
    if committed is not None:
        worst, n = committed
        print(f"Reference check: at the {n} points shared with tests/data/gamma_reference.txt "
              f"(another method), largest relative difference {worst:.1e}.")
    print(f"Reference check: ∂P/∂α from the other tail (mp.diff of Q instead of P or the reverse, 90 digits) "
          f"at the {other[1]} points with min(u, 1 − u) ≥ 1e-10, largest relative difference {other[0]:.1e}.")
    fd = [p["fd_check"] for p in points if "fd_check" in p]
    print(f"Reference check: −(∂P/∂α)/f at the exact quantile against central differences of the quantile "
          f"in α, at the {len(fd)} f64 points, largest relative difference {max(fd):.1e}.")


def print_points(per_point):
    print()
    print("| implementation | precision | α | u | x | exact dx/dα | returned | rel. error |")
    print("|---|---|---|---|---|---|---|---|")
    for name, prec, p, got, err in per_point:
        u = p["u_text"] if not p["note"] else f"{p['u']:.6g}"
        print(f"| {name} | {prec} | {p['alpha_text']} | {u} | {p[prec]['x']:.17g} | "
              f"{mp.nstr(mp.mpf(p[prec]['exact']), 17)} | {got!r} | "
              f"{'—' if err is None else fmt_err(err)} |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--points", action="store_true", help="also print every point's errors")
    ap.add_argument("--no-cache", action="store_true", help="recompute the mpmath reference")
    args = ap.parse_args()

    found, missing = implementations()
    start = time.time()
    cache = load_cache(not args.no_cache)
    points, n_cached = build_points(cache)
    save_cache(cache)
    committed = check_against_committed(points)
    other = other_tail_check(points)
    ref_seconds = time.time() - start

    start = time.time()
    rows, failures, per_point = [], [], []
    for name, _, evaluate in found:
        for prec in PRECISIONS:
            errs, bad = measure(evaluate, prec, points)
            rows.append(table_row(name, prec, errs, bad))
            failures += [(name, prec, p, got) for p, got in bad]
            per_point += [(name, prec, p, got, err) for err, p, got in errs]
            per_point += [(name, prec, p, got, None) for p, got in bad]
    eval_seconds = time.time() - start

    print_header(found, missing)
    print_table(rows)
    print_grid_notes(points)
    print_failures(failures)
    print_checks(committed, other, points)
    print(f"(mpmath reference and checks: {ref_seconds:.0f} s, {n_cached} of {len(points)} points from the "
          f"cache; the implementations: {eval_seconds:.0f} s.)")
    if args.points:
        print_points(per_point)


if __name__ == "__main__":
    main()
