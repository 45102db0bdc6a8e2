#!/usr/bin/env python3
"""Generate tests/data/reference.txt: high-precision reference values for mixgrad.

Everything is computed with mpmath at 60 significant digits, independently of
the Rust code:

* cdf:      F_d(x_d | x_<d) from the docs/math.md §2 formulas (erfc,
            log-domain weights);
* log_prob: logsumexp(l^(D+1)) - logsumexp(a);
* quantile: x* with F_d(x*) = u_d, solved by bisection + Newton on log F to 50
            digits, sequentially with the exact x*_<d;
* jacobian: forward-mode implicit differentiation, one row at a time,
            dx_d/dθ = -(∂F_d/∂θ + Σ_{j<d} ∂F_d/∂x_j · dx_j/dθ) / f_d
            (a different algorithm from the Rust reverse sweep), checked here
            against 60-digit central differences of this script's own quantile
            map on the small cases (the script aborts if they disagree);
* vjp:      x̄ᵀ J.

Run:  python3 tools/gen_reference.py > tests/data/reference.txt
(requires mpmath, see tools/requirements.txt). Deterministic: fixed seeds.

Format: blocks of `key value...` lines, one block per case, `end` closing it.
Non-finite logits are written as -inf. `check backward` marks a point where
only the backward error of the quantile is determined (see emit()).
"""
import random
import sys

import mpmath as mp

mp.mp.dps = 60
DIGITS = 21  # printed significant digits (> 17: round-trips f64 exactly)


def fmt(v):
    v = mp.mpf(v)
    if mp.isinf(v):
        return "-inf" if v < 0 else "inf"
    return mp.nstr(v, DIGITS, min_fixed=1, max_fixed=0)


class Mixture:
    def __init__(self, logits, means, scales):
        self.K = len(logits)
        self.D = len(means[0])
        self.a = [mp.mpf(v) for v in logits]
        self.mu = [[mp.mpf(v) for v in row] for row in means]
        self.sig = [[mp.mpf(v) for v in row] for row in scales]

    # --- docs/math.md §2 ---------------------------------------------------
    def log_normal(self, k, d, x):
        z = (x - self.mu[k][d]) / self.sig[k][d]
        return -z * z / 2 - mp.log(self.sig[k][d]) - mp.log(2 * mp.pi) / 2

    def log_weights(self, x, upto):
        """l^(upto+1) (0-based: weights for coordinate `upto`)."""
        l = list(self.a)
        for d in range(upto):
            l = [lk + self.log_normal(k, d, x[d]) if lk != -mp.inf else lk for k, lk in enumerate(l)]
        return l

    @staticmethod
    def softmax(l):
        m = max(l)
        w = [mp.e ** (lk - m) if lk != -mp.inf else mp.mpf(0) for lk in l]
        s = mp.fsum(w)
        return [wk / s for wk in w]

    @staticmethod
    def lse(l):
        m = max(l)
        return m + mp.log(mp.fsum(mp.e ** (lk - m) for lk in l if lk != -mp.inf))

    def conditional(self, d, p, xd):
        """(F, Fc, f) of coordinate d with responsibilities p at xd."""
        F = Fc = f = mp.mpf(0)
        for k in range(self.K):
            if p[k] == 0:
                continue
            z = (xd - self.mu[k][d]) / self.sig[k][d]
            F += p[k] * mp.erfc(-z / mp.sqrt(2)) / 2
            Fc += p[k] * mp.erfc(z / mp.sqrt(2)) / 2
            f += p[k] * mp.npdf(z) / self.sig[k][d]
        return F, Fc, f

    def cdf(self, x):
        out = []
        for d in range(self.D):
            p = self.softmax(self.log_weights(x, d))
            out.append(self.conditional(d, p, x[d]))
        return out

    def log_prob(self, x):
        return self.lse(self.log_weights(x, self.D)) - self.lse(self.a)

    # --- docs/math.md §3.1: the exact root ---------------------------------
    def solve(self, d, p, u):
        u = mp.mpf(u)
        upper = u > mp.mpf(1) / 2
        target = 1 - u if upper else u
        zu = -mp.sqrt(2) * mp.erfinv(1 - 2 * u) if target > mp.mpf("1e-30") else None
        if zu is None:
            # erfinv loses accuracy this close to ±1: find z_u by Newton on log Φ.
            z = -mp.sqrt(-2 * mp.log(target))
            for _ in range(200):
                g = mp.log(mp.erfc(-z / mp.sqrt(2)) / 2) - mp.log(target)
                step = g / (mp.npdf(z) / (mp.erfc(-z / mp.sqrt(2)) / 2))
                z -= step
                if abs(step) < mp.mpf("1e-55"):
                    break
            zu = -z if upper else z
        xs = [self.mu[k][d] + self.sig[k][d] * zu for k in range(self.K) if p[k] != 0]
        lo, hi = min(xs), max(xs)
        width = hi - lo
        lo -= width * mp.mpf("1e-30") + mp.mpf("1e-40") * (1 + abs(lo))
        hi += width * mp.mpf("1e-30") + mp.mpf("1e-40") * (1 + abs(hi))

        def G(x):
            F, Fc, f = self.conditional(d, p, x)
            h = Fc if upper else F
            if h == 0:
                return (mp.inf if upper else -mp.inf), h, f
            g = (mp.log(target) - mp.log(h)) if upper else (mp.log(h) - mp.log(target))
            return g, h, f

        x = (lo + hi) / 2
        for _ in range(2000):
            g, h, f = G(x)
            if g == 0:
                return x
            if g < 0:
                lo = x
            else:
                hi = x
            nxt = None
            if mp.isfinite(g) and f > 0 and h > 0:
                cand = x - g * h / f
                if lo < cand < hi:
                    nxt = cand
            if nxt is None:
                nxt = (lo + hi) / 2
            if abs(nxt - x) <= mp.mpf("1e-52") * (abs(x) + self.sig[0][d]) or hi - lo <= mp.mpf("1e-52") * (abs(x) + 1e-300):
                return nxt
            x = nxt
        raise RuntimeError("reference root did not converge")

    def quantile(self, u):
        x = []
        dens = []
        for d in range(self.D):
            p = self.softmax(self.log_weights(x, d))
            xd = self.solve(d, p, u[d])
            x.append(xd)
            dens.append(self.conditional(d, p, xd)[2])
        return x, dens

    # --- docs/math.md §1, §4.1: forward-mode implicit differentiation ------
    def jacobian(self, x):
        K, D = self.K, self.D
        P = K + 2 * K * D

        def col_mu(k, d):
            return K + k * D + d

        def col_sig(k, d):
            return K + K * D + k * D + d

        rows = []
        for d in range(D):
            p = self.softmax(self.log_weights(x, d))
            F, Fc, f = self.conditional(d, p, x[d])
            z = [(x[d] - self.mu[k][d]) / self.sig[k][d] for k in range(K)]
            Phi = [mp.erfc(-zk / mp.sqrt(2)) / 2 for zk in z]
            e = [p[k] * (Phi[k] - F) for k in range(K)]
            # Direct partials of F_d with respect to θ (x_<d held fixed).
            dF = [mp.mpf(0)] * P
            for k in range(K):
                dF[k] = e[k]
                for j in range(d):
                    zj = (x[j] - self.mu[k][j]) / self.sig[k][j]
                    dF[col_mu(k, j)] = e[k] * zj / self.sig[k][j]
                    dF[col_sig(k, j)] = e[k] * (zj * zj - 1) / self.sig[k][j]
                dF[col_mu(k, d)] = -p[k] * mp.npdf(z[k]) / self.sig[k][d]
                dF[col_sig(k, d)] = -p[k] * mp.npdf(z[k]) * z[k] / self.sig[k][d]
            # Plus the dependence through the earlier coordinates.
            for j in range(d):
                dFdxj = mp.fsum(-e[k] * (x[j] - self.mu[k][j]) / self.sig[k][j] ** 2 for k in range(K))
                dF = [a + dFdxj * b for a, b in zip(dF, rows[j])]
            rows.append([-v / f for v in dF])
        return rows

    def params(self):
        flat = list(self.a)
        flat += [v for row in self.mu for v in row]
        flat += [v for row in self.sig for v in row]
        return flat

    def with_params(self, flat):
        K, D = self.K, self.D
        a = flat[:K]
        mu = [flat[K + k * D: K + (k + 1) * D] for k in range(K)]
        sig = [flat[K + K * D + k * D: K + K * D + (k + 1) * D] for k in range(K)]
        return Mixture(a, mu, sig)


def check_jacobian_by_finite_differences(mix, u, jac):
    """Central differences of the 60-digit quantile map against `jac`."""
    h = mp.mpf("1e-20")
    theta = mix.params()
    for c in range(len(theta)):
        if not mp.isfinite(theta[c]):
            continue
        tp = list(theta)
        tm = list(theta)
        tp[c] += h
        tm[c] -= h
        xp, _ = mix.with_params(tp).quantile(u)
        xm, _ = mix.with_params(tm).quantile(u)
        for d in range(mix.D):
            fd = (xp[d] - xm[d]) / (2 * h)
            ref = jac[d][c]
            if abs(fd - ref) > mp.mpf("1e-25") * (1 + abs(ref)):
                raise SystemExit(f"jacobian self-check failed at column {c}, row {d}: {fd} vs {ref}")


def f64(v):
    """Round an mpf to the nearest double (as a Python float)."""
    return float(mp.mpf(v))


def emit(out, name, logits, means, scales, us, xbar_seed, fd_check=False, with_jac=True, flat=()):
    """One case. Points whose index is in `flat` lie where F is flat at u to
    below double resolution across a gap (u equal to a cumulative weight):
    the exact root is not determined by double-precision data, so the tests
    check the backward error |F(x) - u| there instead of the forward error."""
    # The reference is for exactly the doubles the Rust tests read.
    logits = [f64(v) for v in logits]
    means = [[f64(v) for v in row] for row in means]
    scales = [[f64(v) for v in row] for row in scales]
    mix = Mixture(logits, means, scales)
    K, D = mix.K, mix.D
    out.append(f"case {name}")
    out.append(f"dims {K} {D}")
    out.append("logits " + " ".join(fmt(v) for v in logits))
    out.append("means " + " ".join(fmt(v) for row in means for v in row))
    out.append("scales " + " ".join(fmt(v) for row in scales for v in row))
    for i, u in enumerate(us):
        # u as doubles; the reference root is exact for those doubles.
        u = [f64(v) for v in u]
        xq, dens = mix.quantile(u)
        out.append(f"u {' '.join(repr(v) for v in u)}")
        if i in flat:
            out.append("check backward")
        out.append("xq " + " ".join(fmt(v) for v in xq))
        out.append("fq " + " ".join(fmt(v) for v in dens))
        # Gradients at the sample rounded to doubles (the point Rust sees).
        x = [f64(v) for v in xq]
        xm = [mp.mpf(v) for v in x]
        cond = mix.cdf(xm)
        out.append("x " + " ".join(repr(v) for v in x))
        out.append("cdf " + " ".join(fmt(c[0]) for c in cond))
        out.append("ccdf " + " ".join(fmt(c[1]) for c in cond))
        out.append("pdf " + " ".join(fmt(c[2]) for c in cond))
        out.append("logq " + fmt(mix.log_prob(xm)))
        jac = mix.jacobian(xm)
        if fd_check and i == 0:
            # The FD check runs at the exact root, where x(θ) is the sampler.
            check_jacobian_by_finite_differences(mix, u, mix.jacobian(xq))
        rng = random.Random(xbar_seed + i)
        xbar = [rng.choice([-1, 1]) * rng.uniform(0.25, 2.0) for _ in range(D)]
        out.append("xbar " + " ".join(repr(v) for v in xbar))
        P = K + 2 * K * D
        vjp = [mp.fsum(xbar[d] * jac[d][c] for d in range(D)) for c in range(P)]
        out.append("vjp " + " ".join(fmt(v) for v in vjp))
        if with_jac:
            out.append("jac " + " ".join(fmt(v) for row in jac for v in row))
    out.append("end")
    sys.stderr.write(f"{name}: K={K} D={D}, {len(us)} points\n")


def random_mixture(rng, K, D, spread=3.0):
    logits = [rng.uniform(-2, 2) for _ in range(K)]
    means = [[rng.uniform(-spread, spread) for _ in range(D)] for _ in range(K)]
    scales = [[rng.uniform(0.3, 2.0) for _ in range(D)] for _ in range(K)]
    return logits, means, scales


def main():
    out = ["# mixgrad reference values: generated by tools/gen_reference.py (mpmath, 60 digits). Do not edit."]
    rng = random.Random(20261124)

    def us(n, D):
        return [[rng.uniform(0.02, 0.98) for _ in range(D)] for _ in range(n)]

    # K = 1: the reparameterisation trick.
    emit(out, "single", [0.0], [[1.5, -2.0]], [[0.7, 3.0]], us(3, 2), 1, fd_check=True)

    # Small random mixtures, with the finite-difference self-check.
    for i, (K, D) in enumerate([(2, 1), (3, 2), (2, 3), (4, 2)]):
        emit(out, f"small{i}", *random_mixture(rng, K, D), us(3, D), 10 + i, fd_check=True)

    # Extreme u: down to 1e-300 and up to 1 - 2^-53, in both tails.
    tail_us = [[1e-300, 0.5], [1e-100, 1 - 2.0 ** -53], [1 - 2.0 ** -53, 1e-300],
               [1e-20, 1 - 1e-12], [2.0 ** -53, 0.999999]]
    emit(out, "tails", [0.2, -0.4, 1.0], [[-1.0, 2.0], [0.5, -1.0], [3.0, 0.0]],
         [[1.0, 0.5], [2.0, 1.5], [0.3, 2.0]], tail_us, 20, with_jac=False)
    emit(out, "tails_single", [0.0], [[0.0]], [[1.0]], [[1e-300], [1 - 2.0 ** -53], [0.5], [1e-10]], 21)

    # Far-separated components (±50, σ = 0.1) with u in the valley.
    valley_us = [[0.3 - 1e-6], [0.3 + 1e-6], [0.3 - 1e-12], [0.3 + 1e-12], [0.3 - 1e-15],
                 [0.3], [0.15], [0.65]]
    emit(out, "valley", [mp.log(0.3), mp.log(0.7)], [[-50.0], [50.0]], [[0.1], [0.1]], valley_us, 30, flat=(5,))
    emit(out, "valley2d", [mp.log(0.5), mp.log(0.5)], [[-50.0, 1.0], [50.0, -1.0]],
         [[0.1, 1.0], [0.1, 2.0]], [[0.5 - 1e-9, 0.3], [0.5 + 1e-9, 0.8], [0.2, 0.6]], 31)

    # Scale ratios up to 1e6.
    emit(out, "scale_ratio", [0.0, 0.5, -0.5], [[0.0, 1.0], [0.1, 1.0], [-0.2, 0.0]],
         [[1e-3, 1.0], [1e3, 1e-3], [1.0, 1e3]], us(4, 2), 40)

    # Weights spanning e^-700, and a -inf logit (a zero-weight component).
    emit(out, "tiny_weight", [0.0, -700.0, -350.0], [[0.0, 0.0], [0.5, -0.5], [-1.0, 1.0]],
         [[1.0, 1.0], [0.5, 2.0], [1.5, 0.7]], us(3, 2), 50)
    emit(out, "neg_inf_logit", [0.3, -mp.inf, -0.2], [[0.0, 1.0], [100.0, -100.0], [1.0, -1.0]],
         [[1.0, 0.5], [1.0, 1.0], [0.7, 1.3]], us(3, 2), 60)

    # Larger shapes: K = 8, D = 8 (with Jacobian) and K = 16, D = 32 (vjp only).
    emit(out, "k8d8", *random_mixture(rng, 8, 8), us(2, 8), 70)
    emit(out, "k16d32", *random_mixture(rng, 16, 32, spread=2.0), us(2, 32), 80, with_jac=False)

    print("\n".join(out))


if __name__ == "__main__":
    main()
