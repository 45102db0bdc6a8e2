#!/usr/bin/env python3
"""Generate the high-precision reference vectors of mixgrad.

Everything is computed with mpmath at 60 significant digits, independently of
the Rust code, for a diagonal mixture of a location-scale family (docs/math.md §9:
gaussian, logistic, laplace, cauchy; a component is x = μ + σ·z, z ~ g):

* cdf:      F_d(x_d | x_<d) from the docs/math.md §2 formulas (Φ → G, φ → g,
            log-domain weights ℓ_k += ln g(z_kd) − ln σ_kd);
* log_prob: logsumexp(l^(D+1)) - logsumexp(a);
* quantile: x* with F_d(x*) = u_d, solved by bisection + Newton on log F to 50
            digits inside the bracket min/max_k(μ_kd + σ_kd G⁻¹(u_d)) (docs/math.md §3.1),
            sequentially with the exact x*_<d;
* jacobian: forward-mode implicit differentiation, one row at a time,
            dx_d/dθ = -(∂F_d/∂θ + Σ_{j<d} ∂F_d/∂x_j · dx_j/dθ) / f_d
            (a different algorithm from the Rust reverse sweep), checked here
            against 60-digit central differences of this script's own quantile
            map on the small cases (the script aborts if they disagree);
* vjp:      x̄ᵀ J.

Run:
  python3 tools/gen_reference.py > tests/data/reference.txt            (Gaussian)
  python3 tools/gen_reference.py --families > tests/data/families.txt  (logistic,
      laplace, cauchy; each case has a `family NAME` line after `case NAME`)
  python3 tools/gen_reference.py --functions > tests/data/family_functions.txt
      (G, Gc, g, ln g, ψ of each standard density at double z, and G⁻¹ at double u)
(requires mpmath, see tools/requirements.txt). Deterministic: fixed seeds.

Format: blocks of `key value...` lines, one block per case, `end` closing it.
Non-finite logits are written as -inf. `check backward` marks a point where
only the backward error of the quantile is determined (see emit()).
"""
import random
import sys
import time

import mpmath as mp

mp.mp.dps = 60
DIGITS = 21  # printed significant digits (> 17: round-trips f64 exactly)


def fmt(v):
    v = mp.mpf(v)
    if mp.isinf(v):
        return "-inf" if v < 0 else "inf"
    return mp.nstr(v, DIGITS, min_fixed=1, max_fixed=0)


# --- docs/math.md §9.1: the standard densities-------------------------------------
#
# Each family gives, at 60 digits: log_g(z), G(z), Gc(z) (computed directly,
# never as 1 − G), g(z), psi(z) = d ln g/dz and Ginv(u), plus the component
# log-density ln g(z) − ln σ and the products e·∂ℓ/∂θ the Jacobian needs.
# The Gaussian keeps the exact expressions of the original script, so that
# tests/data/reference.txt stays byte-identical.


class Family:
    name = None

    def log_density(self, z, s):
        """ln g(z) − ln σ: one component's contribution to ℓ."""
        return self.log_g(z) - mp.log(s)

    # e·∂(ln g(z) − ln σ)/∂θ for θ = μ, σ, x (z = (x − μ)/σ):
    def e_dl_dmu(self, e, z, s):
        return e * (-self.psi(z)) / s

    def e_dl_dsig(self, e, z, s):
        return e * (-self.psi(z) * z - 1) / s

    def e_dl_dx(self, e, x, mu, s):
        return e * self.psi((x - mu) / s) / s


class Gaussian(Family):
    name = "gaussian"

    def log_g(self, z):
        return -z * z / 2 - mp.log(2 * mp.pi) / 2

    def log_density(self, z, s):
        return -z * z / 2 - mp.log(s) - mp.log(2 * mp.pi) / 2

    def G(self, z):
        return mp.erfc(-z / mp.sqrt(2)) / 2

    def Gc(self, z):
        return mp.erfc(z / mp.sqrt(2)) / 2

    def g(self, z):
        return mp.npdf(z)

    def psi(self, z):
        return -z

    def Ginv(self, u):
        u = mp.mpf(u)
        upper = u > mp.mpf(1) / 2
        target = 1 - u if upper else u
        if target > mp.mpf("1e-30"):
            return -mp.sqrt(2) * mp.erfinv(1 - 2 * u)
        # erfinv loses accuracy this close to ±1: find z_u by Newton on log Φ.
        z = -mp.sqrt(-2 * mp.log(target))
        for _ in range(200):
            g = mp.log(mp.erfc(-z / mp.sqrt(2)) / 2) - mp.log(target)
            step = g / (mp.npdf(z) / (mp.erfc(-z / mp.sqrt(2)) / 2))
            z -= step
            if abs(step) < mp.mpf("1e-55"):
                break
        return -z if upper else z

    def e_dl_dmu(self, e, z, s):
        return e * z / s

    def e_dl_dsig(self, e, z, s):
        return e * (z * z - 1) / s

    def e_dl_dx(self, e, x, mu, s):
        return -e * (x - mu) / s ** 2


class Logistic(Family):
    name = "logistic"

    def log_g(self, z):
        a = abs(z)
        return -a - 2 * mp.log1p(mp.exp(-a))

    def G(self, z):
        return 1 / (1 + mp.exp(-z))

    def Gc(self, z):
        return 1 / (1 + mp.exp(z))

    def g(self, z):
        t = mp.exp(-abs(z))
        return t / (1 + t) ** 2

    def psi(self, z):
        return -mp.tanh(z / 2)

    def Ginv(self, u):
        u = mp.mpf(u)
        return mp.log(u / (1 - u))  # 1 − u is exact for a double u ≥ 1/2


class Laplace(Family):
    name = "laplace"

    def log_g(self, z):
        return -abs(z) - mp.log(2)

    def G(self, z):
        return mp.exp(z) / 2 if z < 0 else 1 - mp.exp(-z) / 2

    def Gc(self, z):
        return mp.exp(-z) / 2 if z > 0 else 1 - mp.exp(z) / 2

    def g(self, z):
        return mp.exp(-abs(z)) / 2

    def psi(self, z):
        return -mp.sign(z)

    def Ginv(self, u):
        u = mp.mpf(u)
        return mp.log(2 * u) if u < mp.mpf(1) / 2 else -mp.log(2 * (1 - u))


class Cauchy(Family):
    name = "cauchy"

    def log_g(self, z):
        return -mp.log(mp.pi) - mp.log1p(z * z)

    def G(self, z):
        return mp.atan(-1 / z) / mp.pi if z < 0 else mp.mpf(1) / 2 + mp.atan(z) / mp.pi

    def Gc(self, z):
        return mp.atan(1 / z) / mp.pi if z > 0 else mp.mpf(1) / 2 - mp.atan(z) / mp.pi

    def g(self, z):
        return 1 / (mp.pi * (1 + z * z))

    def psi(self, z):
        return -2 * z / (1 + z * z)

    def Ginv(self, u):
        # tan(π(u − ½)) = −cot(πu) = cot(π(1 − u)): near either end the cot
        # form keeps the small argument exact (1 − u is exact for a double
        # u ≥ 1/2), in the middle u − ½ is exact.
        u = mp.mpf(u)
        if u < mp.mpf(1) / 4:
            return -mp.cot(mp.pi * u)
        if u > mp.mpf(3) / 4:
            return mp.cot(mp.pi * (1 - u))
        return mp.tan(mp.pi * (u - mp.mpf(1) / 2))  # u − ½ exact: tan(0) = 0


GAUSSIAN, LOGISTIC, LAPLACE, CAUCHY = Gaussian(), Logistic(), Laplace(), Cauchy()
FAMILIES = {f.name: f for f in (GAUSSIAN, LOGISTIC, LAPLACE, CAUCHY)}


class Mixture:
    def __init__(self, logits, means, scales, family=GAUSSIAN):
        self.fam = family
        self.K = len(logits)
        self.D = len(means[0])
        self.a = [mp.mpf(v) for v in logits]
        self.mu = [[mp.mpf(v) for v in row] for row in means]
        self.sig = [[mp.mpf(v) for v in row] for row in scales]

    def z(self, k, d, x):
        return (x - self.mu[k][d]) / self.sig[k][d]

    # --- docs/math.md §2 ---------------------------------------------------
    def log_component(self, k, d, x):
        return self.fam.log_density(self.z(k, d, x), self.sig[k][d])

    def log_weights(self, x, upto):
        """l^(upto+1) (0-based: weights for coordinate `upto`)."""
        l = list(self.a)
        for d in range(upto):
            l = [lk + self.log_component(k, d, x[d]) if lk != -mp.inf else lk for k, lk in enumerate(l)]
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
        fam = self.fam
        F = Fc = f = mp.mpf(0)
        for k in range(self.K):
            if p[k] == 0:
                continue
            z = self.z(k, d, xd)
            F += p[k] * fam.G(z)
            Fc += p[k] * fam.Gc(z)
            f += p[k] * fam.g(z) / self.sig[k][d]
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
        # docs/math.md §3.1, §9.3: F_d is a convex combination of the component CDFs, so
        # min/max_k(μ_kd + σ_kd G⁻¹(u)) bracket the root.
        zu = self.fam.Ginv(u)
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
        fam = self.fam
        P = K + 2 * K * D

        def col_mu(k, d):
            return K + k * D + d

        def col_sig(k, d):
            return K + K * D + k * D + d

        rows = []
        for d in range(D):
            p = self.softmax(self.log_weights(x, d))
            F, Fc, f = self.conditional(d, p, x[d])
            z = [self.z(k, d, x[d]) for k in range(K)]
            if F <= mp.mpf(1) / 2:
                e = [p[k] * (fam.G(z[k]) - F) for k in range(K)]
            else:
                e = [-p[k] * (fam.Gc(z[k]) - Fc) for k in range(K)]
            # Direct partials of F_d with respect to θ (x_<d held fixed):
            # ∂F_d/∂ℓ_k = e_k, and ℓ_k = a_k + Σ_{j<d} (ln g(z_kj) − ln σ_kj).
            dF = [mp.mpf(0)] * P
            for k in range(K):
                dF[k] = e[k]
                for j in range(d):
                    zj = self.z(k, j, x[j])
                    dF[col_mu(k, j)] = fam.e_dl_dmu(e[k], zj, self.sig[k][j])
                    dF[col_sig(k, j)] = fam.e_dl_dsig(e[k], zj, self.sig[k][j])
                dF[col_mu(k, d)] = -p[k] * fam.g(z[k]) / self.sig[k][d]
                dF[col_sig(k, d)] = -p[k] * fam.g(z[k]) * z[k] / self.sig[k][d]
            # Plus the dependence through the earlier coordinates.
            for j in range(d):
                dFdxj = mp.fsum(fam.e_dl_dx(e[k], x[j], self.mu[k][j], self.sig[k][j]) for k in range(K))
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
        return Mixture(a, mu, sig, self.fam)


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


def emit(out, name, logits, means, scales, us, xbar_seed, fd_check=False, with_jac=True, flat=(), family=None):
    """One case. Points whose index is in `flat` lie where F is flat at u to
    below double resolution across a gap (u equal to a cumulative weight):
    the exact root is not determined by double-precision data, so the tests
    check the backward error |F(x) - u| there, and (families file) the
    forward error against `gap`, u - P with P the weight below the root.
    With `family` given, the case is of that family and says so in a
    `family NAME` line (without it: Gaussian, and no such line)."""
    # The reference is for exactly the doubles the Rust tests read.
    logits = [f64(v) for v in logits]
    means = [[f64(v) for v in row] for row in means]
    scales = [[f64(v) for v in row] for row in scales]
    mix = Mixture(logits, means, scales, family or GAUSSIAN)
    K, D = mix.K, mix.D
    out.append(f"case {name}")
    if family is not None:
        out.append(f"family {family.name}")
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
            if family is not None and D == 1:
                # F − P = u − P at the root, P the weight located below it:
                # the tail that conditions the root in a flat gap.
                w = [mp.exp(a) for a in logits]
                below = mp.fsum(wk for wk, row in zip(w, means) if row[0] < xq[0])
                out.append("gap " + fmt(u[0] - below / mp.fsum(w)))
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


def flat_gap(out, fam, seed):
    """Weights 0.3/0.4/0.3 at −50/0/50, σ = 1: u = 0.3 and u = 0.7 (the
    doubles nearest) equal a cumulative weight, so the root lies in a gap
    where F is (for the light-tailed families) flat to below double
    resolution; only the backward error is checked there."""
    emit(out, f"{fam.name}_flat_gap", [mp.log(0.3), mp.log(0.4), mp.log(0.3)],
         [[-50.0], [0.0], [50.0]], [[1.0], [1.0], [1.0]], [[0.3], [0.7]], seed,
         flat=(0, 1), family=fam)


def families_main():
    """docs/math.md §9: the cases of main() for the logistic, Laplace and Cauchy
    families (names prefixed by the family), plus a flat-gap case for every
    family, the Gaussian included."""
    t0 = time.time()
    out = ["# mixgrad reference values for the location-scale families: generated by"
           " tools/gen_reference.py --families (mpmath, 60 digits). Do not edit."]
    for fi, fam in enumerate((LOGISTIC, LAPLACE, CAUCHY)):
        t1 = time.time()
        n = fam.name
        rng = random.Random(20261124 + 1000 * (fi + 1))
        seed = 1000 * (fi + 1)

        def us(count, D):
            return [[rng.uniform(0.02, 0.98) for _ in range(D)] for _ in range(count)]

        emit(out, f"{n}_single", [0.0], [[1.5, -2.0]], [[0.7, 3.0]], us(3, 2), seed + 1,
             fd_check=True, family=fam)
        for i, (K, D) in enumerate([(2, 1), (3, 2), (2, 3), (4, 2)]):
            emit(out, f"{n}_small{i}", *random_mixture(rng, K, D), us(3, D), seed + 10 + i,
                 fd_check=True, family=fam)

        # Extreme u. A Cauchy tail is polynomial: u down to 1e-15 (x ≈ 3e14 σ).
        if fam is CAUCHY:
            lo, hi = 1e-15, 1 - 1e-15
            tail_us = [[lo, 0.5], [1e-10, hi], [hi, lo], [1e-12, 1 - 1e-12], [1e-13, 0.999999]]
            single_us = [[lo], [hi], [0.5], [1e-10]]
        else:
            lo, hi = 1e-300, 1 - 2.0 ** -53
            tail_us = [[lo, 0.5], [1e-100, hi], [hi, lo], [1e-20, 1 - 1e-12], [2.0 ** -53, 0.999999]]
            single_us = [[lo], [hi], [0.5], [1e-10]]
        emit(out, f"{n}_tails", [0.2, -0.4, 1.0], [[-1.0, 2.0], [0.5, -1.0], [3.0, 0.0]],
             [[1.0, 0.5], [2.0, 1.5], [0.3, 2.0]], tail_us, seed + 20, with_jac=False, family=fam)
        emit(out, f"{n}_tails_single", [0.0], [[0.0]], [[1.0]], single_us, seed + 21, family=fam)

        # Separated modes (±50, σ = 0.1) with u in the valley. u = 0.3 (index
        # 5) is a cumulative weight: flat for the exponential tails; a Cauchy
        # valley is not flat (its tails fall like 1/z), so it is not marked.
        valley_us = [[0.3 - 1e-6], [0.3 + 1e-6], [0.3 - 1e-12], [0.3 + 1e-12], [0.3 - 1e-15],
                     [0.3], [0.15], [0.65]]
        emit(out, f"{n}_valley", [mp.log(0.3), mp.log(0.7)], [[-50.0], [50.0]], [[0.1], [0.1]],
             valley_us, seed + 30, flat=() if fam is CAUCHY else (5,), family=fam)
        emit(out, f"{n}_valley2d", [mp.log(0.5), mp.log(0.5)], [[-50.0, 1.0], [50.0, -1.0]],
             [[0.1, 1.0], [0.1, 2.0]], [[0.5 - 1e-9, 0.3], [0.5 + 1e-9, 0.8], [0.2, 0.6]],
             seed + 31, family=fam)

        # Scale ratios 1e4 within each dimension.
        emit(out, f"{n}_scale_ratio", [0.0, 0.5, -0.5], [[0.0, 1.0], [0.1, 1.0], [-0.2, 0.0]],
             [[1e-2, 1.0], [1e2, 1e-2], [1.0, 1e2]], us(4, 2), seed + 40, family=fam)

        # Weights spanning e^-700, and a -inf logit (a zero-weight component).
        emit(out, f"{n}_tiny_weight", [0.0, -700.0, -350.0], [[0.0, 0.0], [0.5, -0.5], [-1.0, 1.0]],
             [[1.0, 1.0], [0.5, 2.0], [1.5, 0.7]], us(3, 2), seed + 50, family=fam)
        emit(out, f"{n}_neg_inf_logit", [0.3, -mp.inf, -0.2], [[0.0, 1.0], [100.0, -100.0], [1.0, -1.0]],
             [[1.0, 0.5], [1.0, 1.0], [0.7, 1.3]], us(3, 2), seed + 60, family=fam)

        # Larger shapes: K = 8, D = 8 (with Jacobian), K = 16, D = 16 (vjp only).
        emit(out, f"{n}_k8d8", *random_mixture(rng, 8, 8), us(2, 8), seed + 70, family=fam)
        emit(out, f"{n}_k16d16", *random_mixture(rng, 16, 16, spread=2.0), us(2, 16), seed + 80,
             with_jac=False, family=fam)

        flat_gap(out, fam, seed + 90)
        sys.stderr.write(f"{n}: {time.time() - t1:.1f} s\n")
    flat_gap(out, GAUSSIAN, 90)
    print("\n".join(out))
    sys.stderr.write(f"families: {time.time() - t0:.1f} s\n")


def check_family(fam):
    """Self-check of a family's formulas at 60 digits: G + Gc = 1, G' = g,
    (ln g)' = ψ, ln g = log(g), G⁻¹(G(z)) = z and G⁻¹(1 − Gc(z)) = z (the
    script aborts if they disagree)."""
    tol = mp.mpf("1e-45")
    for z in [mp.mpf(v) for v in (-30, -7.5, -2, -1, -0.3, 1e-7, 0.25, 1, 1.5, 4, 12, 33)]:
        G, Gc, g = fam.G(z), fam.Gc(z), fam.g(z)
        checks = [
            ("G + Gc", G + Gc, 1),
            ("G'", mp.diff(fam.G, z), g),
            ("(ln g)'", mp.diff(fam.log_g, z), fam.psi(z)),
            ("ln g", mp.log(g), fam.log_g(z)),
            ("Ginv(G)", fam.Ginv(G) if G <= mp.mpf(1) / 2 else fam.Ginv(1 - Gc), z),
        ]
        for what, got, want in checks:
            if abs(got - want) > tol * (1 + abs(want)):
                raise SystemExit(f"{fam.name}: self-check {what} failed at z = {z}: {got} vs {want}")


def functions_main():
    """The standard densities themselves (K = 1, μ = 0, σ = 1): for double z,
    `z FAMILY z G(z) Gc(z) g(z) ln g(z) ψ(z)`; for double u, `u FAMILY u G⁻¹(u)`."""
    t0 = time.time()
    out = ["# mixgrad standard densities of the location-scale families: generated by"
           " tools/gen_reference.py --functions (mpmath, 60 digits). Do not edit.",
           "# z FAMILY z G Gc g ln_g psi",
           "# u FAMILY u Ginv"]
    rng = random.Random(20261125)
    special_u = [1e-300, 1e-250, 1e-200, 1e-150, 1e-100, 1e-50, 1e-30, 1e-20, 2.0 ** -53, 1e-15,
                 1e-12, 1e-10, 1e-5, 1e-3, 0.01, 0.1, 0.25, 0.3, 0.4999, 0.5, 0.5001, 0.7, 0.75,
                 0.9, 0.99, 1 - 1e-3, 1 - 1e-5, 1 - 1e-10, 1 - 1e-12, 1 - 1e-15, 1 - 2.0 ** -40,
                 1 - 2.0 ** -50, 1 - 2.0 ** -52, 1 - 2.0 ** -53]
    special_u += [rng.uniform(0.0, 1.0) for _ in range(20)]
    special_u += [10.0 ** rng.uniform(-300, -1) for _ in range(10)]
    special_u += [1 - 2.0 ** -rng.randint(2, 53) * rng.uniform(1.0, 2.0) for _ in range(10)]
    for fam in (LOGISTIC, LAPLACE, CAUCHY):
        check_family(fam)
        if fam is CAUCHY:
            mags = [1e15, 3.1e14, 1e12, 1e8, 1e5, 1e3, 100.0, 10.0]
            zmax = 1e15
        else:
            mags = [700.0, 690.0, 600.0, 500.0, 300.0, 100.0, 50.0, 37.0, 36.7, 20.0, 10.0]
            zmax = 700.0
        mags += [5.0, 2.0, 1.0 + 2.0 ** -52, 1.0, 1.0 - 2.0 ** -53, 0.5, 0.1, 1e-3, 1e-8, 1e-16,
                 1e-100, 1e-300]
        zs = [s * m for m in mags for s in (-1.0, 1.0)] + [0.0]
        zs += [rng.uniform(-40.0, 40.0) for _ in range(20)]
        zs += [s * 10.0 ** rng.uniform(-10.0, float(mp.log10(zmax))) for s in (-1.0, 1.0) for _ in range(10)]
        zs = [float(z) for z in zs]
        for z in zs:
            zm = mp.mpf(z)
            vals = [fam.G(zm), fam.Gc(zm), fam.g(zm), fam.log_g(zm), fam.psi(zm)]
            out.append(f"z {fam.name} {z!r} " + " ".join(fmt(v) for v in vals))
        for u in special_u:
            if fam is CAUCHY and not (1e-15 <= u <= 1 - 1e-15):
                continue
            out.append(f"u {fam.name} {u!r} {fmt(fam.Ginv(u))}")
    print("\n".join(out))
    sys.stderr.write(f"functions: {time.time() - t0:.1f} s\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--families"]:
        families_main()
    elif sys.argv[1:] == ["--functions"]:
        functions_main()
    elif sys.argv[1:]:
        raise SystemExit("usage: gen_reference.py [--families | --functions]")
    else:
        main()
