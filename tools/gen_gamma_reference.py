#!/usr/bin/env python3
"""Generate the Gamma distribution's reference vectors (docs/math.md §11).

Everything is computed with mpmath at 60 significant digits, independently of
the Rust code, for Gamma(α, 1) (the rate only rescales: x = y/β):

* y*      = P⁻¹(α, u): Newton on ln P (u ≤ ½) or ln Q (u > ½) to 50 digits,
            started from a bisection bracket;
* P, Q    at y*, each computed directly (never as 1 − the other);
* f       the density y^{α−1} e^{−y}/Γ(α) at y*;
* dP/dα   at y*, twice: by mp.diff of P(α, y*) in α, and by the series
            ∂P/∂α = R·((ln y − ψ(α))·S − Σ t_n H_n) (R = y^α e^{−y}/Γ(α),
            t_n = y^n/(α(α+1)…(α+n)), S = Σ t_n, H_n = Σ_{k≤n} 1/(α+k)) below
            the median, or by quadrature of ∂Q/∂α = −∂P/∂α above it; the
            script aborts if the two disagree beyond 1e-18
            (the tests need 1e-10);
* dy/dα   = −(∂P/∂α)/f.

Run:
  python3 tools/gen_gamma_reference.py > tests/data/gamma_reference.txt
(requires mpmath, see tools/requirements.txt). Deterministic.

Format: one line per point, `alpha u y P Q f dP_dalpha dy_dalpha`;
lines starting with `#` are comments. Points whose y* is below 1e-300 (no
normal double) are left out.
"""
import sys
import time

import mpmath as mp

mp.mp.dps = 60
DIGITS = 21  # printed significant digits (> 17: round-trips f64 exactly)

ALPHAS = ["1e-3", "0.1", "0.5", "1", "2.5", "10", "1e3", "1e6"]
# u as doubles (the Rust side reads the same doubles): both tails, the
# largest double below 1 included.
US = [1e-300, 1e-100, 1e-20, 1e-5, 0.1, 0.5, 0.9, 0.999, 1 - 1e-5, 1 - 2.0**-30, 1 - 2.0**-53]


def fmt(v):
    return mp.nstr(mp.mpf(v), DIGITS, min_fixed=1, max_fixed=0)


def series_p(a, y):
    """P = R·Σ t_n at 200 digits (Q = 1 − P keeps 60 of them down to 1e-140)."""
    with mp.workdps(200):
        t = 1 / a
        s = t
        n = 0
        while t > s * mp.mpf(10) ** -210 or n < y - a:
            n += 1
            t *= y / (a + n)
            s += t
        return mp.exp(a * mp.log(y) - y - mp.loggamma(a)) * s


def lower(a, y):
    # mpmath's hypergeometric series gives up near y ≈ a for huge a.
    try:
        return mp.gammainc(a, 0, y, regularized=True)
    except mp.libmp.NoConvergence:
        return +series_p(a, y)


def upper(a, y):
    try:
        return mp.gammainc(a, y, mp.inf, regularized=True)
    except mp.libmp.NoConvergence:
        with mp.workdps(200):
            q = 1 - series_p(a, y)
        return +q


def quantile(a, u):
    """y with P(a, y) = u: bisection on ln y to a bracket, then the secant
    method. Bracket: P(a, y) ≤ y^a/Γ(a + 1) puts y_s = (u·Γ(a + 1))^{1/a}
    below the answer, and the median lies between y_s(½) and a."""
    tail, target = (lower, mp.log(u)) if u <= 0.5 else (upper, mp.log(1 - u))
    sign = 1 if u <= 0.5 else -1

    def g(ln_y):
        return sign * (mp.log(tail(a, mp.exp(ln_y))) - target)

    if u <= 0.5:
        lo, hi = (mp.log(u) + mp.loggamma(a + 1)) / a, mp.log(a)
    else:
        lo, hi = (mp.log(0.5) + mp.loggamma(a + 1)) / a, mp.log(a + 10)
        while g(hi) < 0:
            lo, hi = hi, hi + 1
    for _ in range(200):
        mid = (lo + hi) / 2
        if g(mid) < 0:
            lo = mid
        else:
            hi = mid
        if hi - lo < mp.mpf("1e-6"):
            break
    return mp.exp(mp.findroot(g, (lo, hi), solver="anderson", tol=mp.mpf(10) ** -100))


def dp_dalpha_series(a, y):
    """∂P/∂α from the lower series, summed until the terms are negligible."""
    r = mp.exp(a * mp.log(y) - y - mp.loggamma(a))
    t, h = 1 / a, 1 / a
    s, w = t, t * h
    n = 0
    while True:
        n += 1
        t *= y / (a + n)
        h += 1 / (a + n)
        s += t
        w += t * h
        if t * h < w * mp.mpf(10) ** -70 and n > y - a:
            break
    return r * ((mp.log(y) - mp.digamma(a)) * s - w)


def dp_dalpha_quad(a, y):
    """−∂Q/∂α = −(∫_y^∞ ln t·t^{α−1}e^{−t} dt/Γ(α) − ψ(α)·Q)."""
    # Breakpoints where the integrand changes scale (t ≈ 1 for small α).
    cuts = sorted({y, 2 * y, max(y, mp.mpf(1)), y + 10 * (1 + mp.sqrt(a))})
    integral = mp.quad(lambda t: mp.log(t) * mp.exp((a - 1) * mp.log(t) - t - mp.loggamma(a)),
                       cuts + [mp.inf])
    return -(integral - mp.digamma(a) * upper(a, y))


def point(a, u):
    y = quantile(a, u)
    if y < mp.mpf("1e-300"):
        return None
    p, q = lower(a, y), upper(a, y)
    f = mp.exp((a - 1) * mp.log(y) - y - mp.loggamma(a))
    by_diff = mp.diff(lambda b: lower(b, y) if u <= 0.5 else -upper(b, y), a)
    by_sum = dp_dalpha_series(a, y) if u <= 0.5 else dp_dalpha_quad(a, y)
    if abs(by_diff - by_sum) > mp.mpf(10) ** -18 * abs(by_sum):
        sys.exit(f"dP/dα disagrees at α={a}, u={u}: {by_diff} vs {by_sum}")
    return [a, u, y, p, q, f, by_sum, -by_sum / f]


def main():
    start = time.time()
    print("# Gamma(alpha, 1) reference, mpmath 60 digits (tools/gen_gamma_reference.py)")
    print("# alpha u y P Q f dP_dalpha dy_dalpha")
    for a_text in ALPHAS:
        # The double nearest the decimal shape, exactly: the code is given
        # that double, and near u = 1e-20 the quantile is sensitive to the
        # 5.6e-18 between the two at alpha = 0.1.
        a = mp.mpf(float(a_text))
        for u_double in US:
            row = point(a, mp.mpf(u_double))
            if row is None:
                print(f"# alpha={a_text} u={u_double!r}: y* below 1e-300, left out")
                continue
            print(" ".join(fmt(v) for v in row))
            sys.stdout.flush()
    print(f"generated in {time.time() - start:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
