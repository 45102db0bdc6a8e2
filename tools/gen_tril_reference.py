#!/usr/bin/env python3
"""Generate the high-precision reference vectors of mixgrad's full-covariance
Gaussian mixtures.

The model: component k is N(μ_k, L_k L_kᵀ), L_k lower triangular with a
positive diagonal. Under component k the standardised coordinates come from
forward substitution,

    z_kd = (x_d − m_kd) / L_k[d][d],   m_kd = μ_kd + Σ_{j<d} L_k[d][j] z_kj,

so x_d | x_<d, k ~ N(m_kd, L_k[d][d]²), and the diagonal mixture's formulas
(docs/math.md §2–§4) hold with μ_kd → m_kd and σ_kd → L_k[d][d]:
ℓ_k^(d+1) = ℓ_k^(d) + ln φ(z_kd) − ln L_k[d][d], p^(d) = softmax(ℓ^(d)),
F_d = Σ_k p_k Φ(z_kd), f_d = Σ_k p_k φ(z_kd)/L_k[d][d].

Everything is computed with mpmath at 60 significant digits, independently
of the Rust code:

* quantile: x* with F_d(x*) = u_d, d = 0..D−1 in order with the exact x*_<d,
            solved by mpmath's findroot (Illinois, a bracketing method) on
            ln F − ln u (ln(1 − u) − ln Fc for u > ½) inside the bracket
            min/max_k(m_kd + L_k[d][d] Φ⁻¹(u_d)) (docs/math.md §3.1), then
            polished by Newton steps that stay in the bracket;
* cdf, pdf: F_d, Fc_d, f_d at the root rounded to doubles;
* log_prob: logsumexp_k ℓ_k^(D+1) − logsumexp_k a_k;
* jacobian: ∂x/∂θ at fixed u by forward-mode implicit differentiation,
            dimension by dimension (docs/math.md §1),
                dx_d/dθ = −(∂F_d/∂θ + Σ_{j<d} ∂F_d/∂x_j · dx_j/dθ) / f_d,
            every partial analytic (through z_k = L_k⁻¹(x − μ_k): ∂z_k/∂x =
            L_k⁻¹, ∂z_k/∂μ_k = −L_k⁻¹, ∂z_kd/∂L_k[i][j] = −(L_k⁻¹)[d][i] z_kj),
            a different algorithm from the reverse sweep of the Rust code;
            checked here against 60-digit central differences of this
            script's own quantile map on the small cases (the script aborts
            if they disagree);
* vjp:      x̄ᵀ J;
* lpgrad:   ∂ log q/∂(x, logits, means, scale_tril), analytic, checked
            against mpmath's numerical differentiation of log q on the small
            cases.

θ is ordered logits (K), means (K·D, (k,d) at k·D + d), scale_tril (K·D·D,
L_k at k·D·D, (i,j) at i·D + j) — the entries above the diagonal included:
the model ignores them, so their columns are zero and the data writes them
as 0.

Run:
  python3 tools/gen_tril_reference.py > tests/data/tril_reference.txt
  python3 tools/gen_tril_reference.py --conditioning > tests/data/tril_conditioning.txt
(requires mpmath, see tools/requirements.txt). Deterministic: fixed seeds.
Progress goes to stderr. `--conditioning` writes the sweep over the
conditioning of the factors (see conditioning_main()) that
tests/tril_conditioning.rs measures the accuracy against.

Format: blocks of `key value...` lines, one block per case, `end` closing it:
`case NAME`, `dims K D`, `logits`, `means`, `scale_tril`, then per point `u`,
optionally `check backward`, `xq`, `fq`, `x`, `cdf`, `ccdf`, `pdf`, `logq`,
`xbar`, `vjp`, optionally `jac` (D rows of K + K·D + K·D·D columns,
row-major), `lpgrad` (D + K + K·D + K·D·D values). The conditioning file
adds `cond` after `scale_tril`: cond(L_k L_kᵀ) of each factor as read
(the doubles), computed at 60 digits. Non-finite logits are written as
-inf. `check backward` marks a point where the exact root is not
determined by the double-precision data (see emit()).
"""
import random
import sys
import time

import mpmath as mp

mp.mp.dps = 60
DIGITS = 21  # printed significant digits (> 17: round-trips f64 exactly)

HALF = mp.mpf(1) / 2
LOG_SQRT_2PI = mp.log(2 * mp.pi) / 2
SQRT2 = mp.sqrt(2)


def fmt(v):
    v = mp.mpf(v)
    if mp.isinf(v):
        return "-inf" if v < 0 else "inf"
    return mp.nstr(v, DIGITS, min_fixed=1, max_fixed=0)


def f64(v):
    """Round an mpf to the nearest double (as a Python float)."""
    return float(mp.mpf(v))


# --- the standard normal (docs/math.md §2) -----------------------------------


def Phi(z):
    return mp.erfc(-z / SQRT2) / 2


def Phic(z):
    return mp.erfc(z / SQRT2) / 2


def phi(z):
    return mp.npdf(z)


def log_phi(z):
    return -z * z / 2 - LOG_SQRT_2PI


def probit(u):
    """Φ⁻¹(u) to 60 digits, u in (0, 1) (1 − u exact for a double u ≥ ½)."""
    u = mp.mpf(u)
    upper = u > HALF
    target = 1 - u if upper else u
    if target > mp.mpf("1e-30"):
        return -SQRT2 * mp.erfinv(1 - 2 * u)
    # erfinv loses accuracy this close to ±1: find z_u by Newton on log Φ.
    z = -mp.sqrt(-2 * mp.log(target))
    for _ in range(200):
        g = mp.log(Phi(z)) - mp.log(target)
        step = g / (phi(z) / Phi(z))
        z -= step
        if abs(step) < mp.mpf("1e-58"):
            break
    return -z if upper else z


def softmax(l):
    m = max(l)
    w = [mp.e ** (lk - m) if lk != -mp.inf else mp.mpf(0) for lk in l]
    s = mp.fsum(w)
    return [wk / s for wk in w]


def lse(l):
    m = max(l)
    return m + mp.log(mp.fsum(mp.e ** (lk - m) for lk in l if lk != -mp.inf))


# --- the root of one dimension (docs/math.md §3.1) ---------------------------

STATS = {"solves": 0, "fallbacks": 0, "bisections": 0}


def solve(cond, centers, u):
    """The root of F(x) = u, with cond(x) -> (F, Fc, f) the conditional CDF,
    its complement and density, and `centers` the per-component roots
    m_kd + s_kd Φ⁻¹(u) of the active components. F is a convex combination
    of the component CDFs, so min/max(centers) bracket the root."""
    STATS["solves"] += 1
    u = mp.mpf(u)
    upper = u > HALF
    ltarget = mp.log(1 - u if upper else u)
    lo, hi = min(centers), max(centers)
    width = hi - lo
    # Absorb the rounding of Φ⁻¹(u) (60 digits) in the bracket ends.
    lo -= width * mp.mpf("1e-30") + mp.mpf("1e-40") * (1 + abs(lo))
    hi += width * mp.mpf("1e-30") + mp.mpf("1e-40") * (1 + abs(hi))

    def G(x):
        F, Fc, _ = cond(x)
        if upper:
            return ltarget - mp.log(Fc) if Fc > 0 else mp.inf
        return mp.log(F) - ltarget if F > 0 else -mp.inf

    glo, ghi = G(lo), G(hi)
    if glo > 0 or ghi < 0:
        raise SystemExit(f"bracket does not enclose the root: G(lo) = {glo}, G(hi) = {ghi}")
    if glo == 0:
        return lo
    if ghi == 0:
        return hi
    # An exact root among the component roots or at the midpoint (e.g. x = μ
    # for u = ½ and K = 1): keep it exact.
    for c in sorted(set(centers)) + [(lo + hi) / 2]:
        if lo <= c <= hi and G(c) == 0:
            return c
    tol = mp.mpf("1e-50")
    # Illinois (bracketing regula falsi) first; Anderson–Björck, which can
    # stall where G is nearly flat over most of a wide bracket (a deep valley
    # between modes), as the second try; bisection as the last resort.
    for method in ("illinois", "anderson"):
        x = mp.findroot(G, (lo, hi), solver=method, maxsteps=400, verify=False)
        if not lo <= x <= hi:
            x = (lo + hi) / 2
        # Newton polish on G (G' = f/F, or f/Fc for the upper tail), in the bracket.
        for _ in range(8):
            F, Fc, f = cond(x)
            h = Fc if upper else F
            if h <= 0 or f <= 0:
                break
            g = (ltarget - mp.log(h)) if upper else (mp.log(h) - ltarget)
            if g == 0:
                break
            nxt = x - g * h / f
            if not lo <= nxt <= hi or nxt == x:
                break
            x = nxt
        if abs(G(x)) <= tol:
            return x
        STATS["fallbacks"] += 1
    # Last resort: plain bisection on the sign of G.
    STATS["bisections"] += 1
    a, b = lo, hi
    for _ in range(600):
        m = (a + b) / 2
        gm = G(m)
        if gm == 0 or m == a or m == b:
            break
        if gm < 0:
            a = m
        else:
            b = m
    x = (a + b) / 2
    return x


# --- the mixture ----------------------------------------------------------------


class Tril:
    def __init__(self, logits, means, tril):
        self.K = len(logits)
        self.D = len(means[0])
        D = self.D
        self.a = [mp.mpf(v) for v in logits]
        self.mu = [[mp.mpf(v) for v in row] for row in means]
        # Entries above the diagonal are ignored by the model: zero them.
        self.L = [[[mp.mpf(Lk[i][j]) if j <= i else mp.mpf(0) for j in range(D)]
                   for i in range(D)] for Lk in tril]
        for Lk in self.L:
            for i in range(D):
                assert Lk[i][i] > 0

    # θ = (logits, means, scale_tril incl. the upper entries)
    def col_a(self, k):
        return k

    def col_mu(self, k, i):
        return self.K + k * self.D + i

    def col_L(self, k, i, j):
        return self.K + self.K * self.D + k * self.D * self.D + i * self.D + j

    def num_params(self):
        return self.K + self.K * self.D + self.K * self.D * self.D

    def params(self):
        flat = list(self.a)
        flat += [v for row in self.mu for v in row]
        flat += [v for Lk in self.L for row in Lk for v in row]
        return flat

    def with_params(self, flat):
        K, D = self.K, self.D
        a = flat[:K]
        mu = [flat[self.col_mu(k, 0): self.col_mu(k, 0) + D] for k in range(K)]
        L = [[flat[self.col_L(k, i, 0): self.col_L(k, i, 0) + D] for i in range(D)] for k in range(K)]
        return Tril(a, mu, L)

    def lower_cols(self):
        """The columns the model depends on (finite logits, means, lower L)."""
        cols = [self.col_a(k) for k in range(self.K) if mp.isfinite(self.a[k])]
        cols += [self.col_mu(k, i) for k in range(self.K) for i in range(self.D)]
        cols += [self.col_L(k, i, j) for k in range(self.K) for i in range(self.D) for j in range(i + 1)]
        return cols

    def cond_mean(self, k, d, z):
        """m_kd = μ_kd + Σ_{j<d} L_k[d][j] z_kj."""
        Lkd = self.L[k][d]
        return self.mu[k][d] + mp.fsum(Lkd[j] * z[k][j] for j in range(d))

    def conditional_fn(self, d, p, z):
        """x_d ↦ (F_d, Fc_d, f_d) given the responsibilities p and z_<d."""
        comps = [(p[k], self.cond_mean(k, d, z), self.L[k][d][d]) for k in range(self.K) if p[k] != 0]

        def cond(t):
            F = Fc = f = mp.mpf(0)
            for pk, m, s in comps:
                zz = (t - m) / s
                F += pk * Phi(zz)
                Fc += pk * Phic(zz)
                f += pk * phi(zz) / s
            return F, Fc, f

        return cond, comps

    def advance(self, l, z, d, xd):
        """Append z_kd for x_d and return ℓ^(d+1) from ℓ^(d)."""
        out = []
        for k in range(self.K):
            s = self.L[k][d][d]
            zk = (xd - self.cond_mean(k, d, z)) / s
            z[k].append(zk)
            out.append(l[k] + log_phi(zk) - mp.log(s) if l[k] != -mp.inf else l[k])
        return out

    def quantile(self, u):
        x, dens = [], []
        z = [[] for _ in range(self.K)]
        l = list(self.a)
        for d in range(self.D):
            p = softmax(l)
            cond, comps = self.conditional_fn(d, p, z)
            zu = probit(u[d])
            xd = solve(cond, [m + s * zu for _, m, s in comps], u[d])
            x.append(xd)
            dens.append(cond(xd)[2])
            l = self.advance(l, z, d, xd)
        return x, dens

    def cdf(self, x):
        out = []
        z = [[] for _ in range(self.K)]
        l = list(self.a)
        for d in range(self.D):
            cond, _ = self.conditional_fn(d, softmax(l), z)
            out.append(cond(x[d]))
            l = self.advance(l, z, d, x[d])
        return out

    def log_weights_and_z(self, x):
        z = [[] for _ in range(self.K)]
        l = list(self.a)
        ls = []
        for d in range(self.D):
            ls.append(l)
            l = self.advance(l, z, d, x[d])
        ls.append(l)
        return ls, z

    def log_prob(self, x):
        ls, _ = self.log_weights_and_z(x)
        return lse(ls[self.D]) - lse(self.a)

    def inverses(self):
        """M_k = L_k⁻¹ (lower triangular), by forward substitution."""
        D = self.D
        Ms = []
        for Lk in self.L:
            M = [[mp.mpf(0)] * D for _ in range(D)]
            for i in range(D):
                M[i][i] = 1 / Lk[i][i]
                for d in range(i + 1, D):
                    M[d][i] = -mp.fsum(Lk[d][r] * M[r][i] for r in range(i, d)) / Lk[d][d]
            Ms.append(M)
        return Ms

    # --- forward-mode implicit differentiation (docs/math.md §1) ------------
    def jacobian(self, x):
        K, D = self.K, self.D
        P = self.num_params()
        ls, z = self.log_weights_and_z(x)
        Ms = self.inverses()
        # W_k[i] = Σ_{i ≤ r < d} z_kr M_k[r][i] = −∂ℓ_k^(d)/∂x_i, updated per d.
        W = [[mp.mpf(0)] * D for _ in range(K)]
        rows = []
        for d in range(D):
            p = softmax(ls[d])
            cond, _ = self.conditional_fn(d, p, z)
            F, Fc, f = cond(x[d])
            zd = [z[k][d] for k in range(K)]
            if F <= HALF:
                e = [p[k] * (Phi(zd[k]) - F) for k in range(K)]
            else:
                e = [-p[k] * (Phic(zd[k]) - Fc) for k in range(K)]
            g = [p[k] * phi(zd[k]) for k in range(K)]  # ∂F_d/∂z_kd
            # Direct partials of F_d (all x held fixed): through ℓ_k^(d) (with
            # weight e_k) and through z_kd (with weight g_k).
            dF = [mp.mpf(0)] * P
            dFdx = [mp.mpf(0)] * d
            for k in range(K):
                if p[k] == 0:
                    continue
                M = Ms[k]
                dF[self.col_a(k)] = e[k]
                for i in range(d + 1):
                    Wi = W[k][i] if i < d else mp.mpf(0)
                    # ∂ℓ/∂μ_ki = W_k[i];  ∂z_kd/∂μ_ki = −M[d][i]
                    dF[self.col_mu(k, i)] = e[k] * Wi - g[k] * M[d][i]
                    for j in range(i + 1):
                        # ∂ℓ/∂L[i][j] = W_k[i] z_kj − [i = j < d]/L_ii;
                        # ∂z_kd/∂L[i][j] = −M[d][i] z_kj
                        dl = Wi * z[k][j]
                        if i == j and i < d:
                            dl -= 1 / self.L[k][i][i]
                        dF[self.col_L(k, i, j)] = e[k] * dl - g[k] * M[d][i] * z[k][j]
                    if i < d:
                        # ∂ℓ/∂x_i = −W_k[i];  ∂z_kd/∂x_i = M[d][i]
                        dFdx[i] += -e[k] * Wi + g[k] * M[d][i]
            # Plus the dependence through the earlier coordinates.
            for i in range(d):
                c = dFdx[i]
                dF = [v + c * r if r else v for v, r in zip(dF, rows[i])]
            rows.append([-v / f for v in dF])
            for k in range(K):
                for i in range(d + 1):
                    W[k][i] += z[k][d] * Ms[k][d][i]
        return rows

    # --- ∂ log q -----------------------------------------------------------
    def lpgrad(self, x):
        """∂ log q/∂x (D), ∂/∂logits (K), ∂/∂means (K·D), ∂/∂scale_tril (K·D·D)."""
        K, D = self.K, self.D
        ls, z = self.log_weights_and_z(x)
        Ms = self.inverses()
        r = softmax(ls[D])
        pi = softmax(self.a)
        gx = [mp.mpf(0)] * D
        ga = [r[k] - pi[k] for k in range(K)]
        gmu = [mp.mpf(0)] * (K * D)
        gL = [mp.mpf(0)] * (K * D * D)
        for k in range(K):
            if r[k] == 0:
                continue
            M = Ms[k]
            # V_k[i] = Σ_{r ≥ i} z_kr M_k[r][i] = −∂(Σ_r ln φ(z_kr))/∂x_i
            V = [mp.fsum(z[k][rr] * M[rr][i] for rr in range(i, D)) for i in range(D)]
            for i in range(D):
                gx[i] -= r[k] * V[i]
                gmu[k * D + i] = r[k] * V[i]
                for j in range(i + 1):
                    v = V[i] * z[k][j]
                    if i == j:
                        v -= 1 / self.L[k][i][i]
                    gL[k * D * D + i * D + j] = r[k] * v
        return gx + ga + gmu + gL


# --- self-checks ------------------------------------------------------------------


def check_jacobian_by_finite_differences(mix, u, xq, jac):
    """Central differences of the 60-digit quantile map against `jac` (at
    the exact root xq, where x(θ) is the sampler)."""
    h = mp.mpf("1e-20")
    theta = mix.params()
    worst = mp.mpf(0)
    lower = set(mix.lower_cols())
    for c in range(len(theta)):
        if c not in lower:
            if mp.isfinite(theta[c]) and any(jac[d][c] != 0 for d in range(mix.D)):
                raise SystemExit(f"jacobian column {c} (ignored entry) is not zero")
            continue
        tp, tm = list(theta), list(theta)
        tp[c] += h
        tm[c] -= h
        xp, _ = mix.with_params(tp).quantile(u)
        xm, _ = mix.with_params(tm).quantile(u)
        for d in range(mix.D):
            fd = (xp[d] - xm[d]) / (2 * h)
            ref = jac[d][c]
            err = abs(fd - ref) / (1 + abs(ref))
            worst = max(worst, err)
            if err > mp.mpf("1e-20"):
                raise SystemExit(f"jacobian self-check failed at column {c}, row {d}: {fd} vs {ref}")
    return worst


def check_lpgrad_numerically(mix, x, grad):
    """mpmath's numerical derivative of log q against the analytic gradient."""
    worst = mp.mpf(0)
    D = mix.D
    for i in range(D):
        def fx(t, i=i):
            xx = list(x)
            xx[i] = t
            return mix.log_prob(xx)
        num = mp.diff(fx, x[i])
        worst = max(worst, abs(num - grad[i]) / (1 + abs(grad[i])))
    theta = mix.params()
    lower = set(mix.lower_cols())
    for c in range(len(theta)):
        ref = grad[D + c]
        if c not in lower:
            if mp.isfinite(theta[c]) and ref != 0:
                raise SystemExit(f"lpgrad column {c} (ignored entry) is not zero")
            continue

        def ft(t, c=c):
            tt = list(theta)
            tt[c] = t
            return mix.with_params(tt).log_prob(x)
        num = mp.diff(ft, theta[c])
        worst = max(worst, abs(num - ref) / (1 + abs(ref)))
    if worst > mp.mpf("1e-40"):
        raise SystemExit(f"lpgrad self-check failed: worst relative disagreement {worst}")
    return worst


def diag_quantile(logits, means, scales, u):
    """The diagonal mixture's quantile from docs/math.md §2–§3 (z = (x − μ)/σ),
    with the same root solve."""
    K, D = len(logits), len(means[0])
    l = [mp.mpf(v) for v in logits]
    x = []
    for d in range(D):
        p = softmax(l)
        comps = [(p[k], mp.mpf(means[k][d]), mp.mpf(scales[k][d])) for k in range(K) if p[k] != 0]

        def cond(t, comps=comps):
            F = Fc = f = mp.mpf(0)
            for pk, m, s in comps:
                zz = (t - m) / s
                F += pk * Phi(zz)
                Fc += pk * Phic(zz)
                f += pk * phi(zz) / s
            return F, Fc, f

        zu = probit(u[d])
        xd = solve(cond, [m + s * zu for _, m, s in comps], u[d])
        x.append(xd)
        l = [lk + log_phi((xd - means[k][d]) / scales[k][d]) - mp.log(scales[k][d])
             if lk != -mp.inf else lk for k, lk in enumerate(l)]
    return x


def check_diagonal(mix, u, xq, x, grad):
    """With a diagonal L the model is the diagonal mixture: the same root,
    and docs/math.md §4.4's log-density gradients."""
    K, D = mix.K, mix.D
    scales = [[mix.L[k][d][d] for d in range(D)] for k in range(K)]
    xd = diag_quantile(mix.a, mix.mu, scales, u)
    for d in range(D):
        if abs(xd[d] - xq[d]) > mp.mpf("1e-45") * (1 + abs(xq[d])):
            raise SystemExit(f"diagonal self-check failed at d = {d}: {xd[d]} vs {xq[d]}")
    ls, _ = mix.log_weights_and_z(x)
    r = softmax(ls[D])
    for k in range(K):
        for d in range(D):
            s = scales[k][d]
            zz = (x[d] - mix.mu[k][d]) / s
            want_mu = r[k] * zz / s
            want_s = r[k] * (zz * zz - 1) / s
            got_mu = grad[D + K + k * D + d]
            got_s = grad[D + K + K * D + k * D * D + d * D + d]
            if abs(got_mu - want_mu) > mp.mpf("1e-45") * (1 + abs(want_mu)) or \
                    abs(got_s - want_s) > mp.mpf("1e-45") * (1 + abs(want_s)):
                raise SystemExit(f"diagonal lpgrad self-check failed at k = {k}, d = {d}")


def check_single(mix, u, xq, jac):
    """K = 1: x = μ + L Φ⁻¹(u), ∂x/∂μ = I, ∂x_i/∂L[i][j] = Φ⁻¹(u_j)."""
    D = mix.D
    eps = [probit(v) for v in u]
    for i in range(D):
        want = mix.mu[0][i] + mp.fsum(mix.L[0][i][j] * eps[j] for j in range(i + 1))
        if abs(want - xq[i]) > mp.mpf("1e-45") * (1 + abs(want)):
            raise SystemExit(f"single-component self-check failed at d = {i}: {xq[i]} vs {want}")
        for c in range(mix.num_params()):
            w = mp.mpf(0)
            for j in range(D):
                if c == mix.col_mu(0, j) and i == j:
                    w = mp.mpf(1)
                if j <= i and c == mix.col_L(0, i, j):
                    w = eps[j]
            if abs(jac[i][c] - w) > mp.mpf("1e-40") * (1 + abs(w)):
                raise SystemExit(f"single-component jacobian self-check failed at ({i}, {c})")


# --- output -----------------------------------------------------------------------


def emit(out, name, logits, means, tril, us, xbar_seed, fd_check=False, with_jac=True, flat=(),
         diagonal=False, with_cond=False):
    """One case. Points whose index is in `flat` lie where F is flat at u to
    below double resolution across a gap (u equal to a cumulative weight):
    the exact root is not determined by double-precision data, so the tests
    check only the backward error |F(x) − u| there."""
    t0 = time.time()
    # The reference is for exactly the doubles the Rust tests read.
    K, D = len(logits), len(means[0])
    logits = [f64(v) for v in logits]
    means = [[f64(v) for v in row] for row in means]
    tril = [[[f64(Lk[i][j]) if j <= i else 0.0 for j in range(D)] for i in range(D)] for Lk in tril]
    mix = Tril(logits, means, tril)
    P = mix.num_params()
    out.append(f"case {name}")
    out.append(f"dims {K} {D}")
    out.append("logits " + " ".join(fmt(v) for v in logits))
    out.append("means " + " ".join(fmt(v) for row in means for v in row))
    out.append("scale_tril " + " ".join(fmt(v) for Lk in tril for row in Lk for v in row))
    if with_cond:
        out.append("cond " + " ".join(fmt(cond_number(Lk)) for Lk in tril))
    notes = []
    for i, u in enumerate(us):
        u = [f64(v) for v in u]
        assert all(0.0 < v < 1.0 for v in u)
        xq, dens = mix.quantile(u)
        out.append(f"u {' '.join(repr(v) for v in u)}")
        if i in flat:
            out.append("check backward")
        out.append("xq " + " ".join(fmt(v) for v in xq))
        out.append("fq " + " ".join(fmt(v) for v in dens))
        # Everything else at the root rounded to doubles (the point Rust sees).
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
            jq = mix.jacobian(xq)
            worst = check_jacobian_by_finite_differences(mix, u, xq, jq)
            notes.append(f"fd {mp.nstr(worst, 2)}")
            if K == 1:
                check_single(mix, u, xq, jq)
        rng = random.Random(xbar_seed + i)
        xbar = [rng.choice([-1, 1]) * rng.uniform(0.25, 2.0) for _ in range(D)]
        out.append("xbar " + " ".join(repr(v) for v in xbar))
        vjp = [mp.fsum(xbar[d] * jac[d][c] for d in range(D)) for c in range(P)]
        out.append("vjp " + " ".join(fmt(v) for v in vjp))
        if with_jac:
            out.append("jac " + " ".join(fmt(v) for row in jac for v in row))
        grad = mix.lpgrad(xm)
        if fd_check and i == 0:
            worst = check_lpgrad_numerically(mix, xm, grad)
            notes.append(f"lpgrad {mp.nstr(worst, 2)}")
        if diagonal:
            check_diagonal(mix, u, xq, xm, grad)
        out.append("lpgrad " + " ".join(fmt(v) for v in grad))
    out.append("end")
    extra = f" (checks: {', '.join(notes)})" if notes else ""
    sys.stderr.write(f"{name}: K={K} D={D}, {len(us)} points, {time.time() - t0:.1f} s{extra}\n")


def random_tril(rng, D, diag=(0.4, 1.6), off=0.8):
    return [[rng.uniform(*diag) if j == i else (rng.uniform(-off, off) if j < i else 0.0)
             for j in range(D)] for i in range(D)]


def random_mixture(rng, K, D, spread=3.0, off=0.8):
    logits = [rng.uniform(-2, 2) for _ in range(K)]
    means = [[rng.uniform(-spread, spread) for _ in range(D)] for _ in range(K)]
    tril = [random_tril(rng, D, off=off) for _ in range(K)]
    return logits, means, tril


def correlated_tril(rng, D, eigs):
    """cholesky(R diag(eigs) Rᵀ), R a random rotation: cond(L Lᵀ) = max/min eigs."""
    A = mp.matrix([[rng.gauss(0, 1) for _ in range(D)] for _ in range(D)])
    Q, _ = mp.qr(A)
    S = Q * mp.diag([mp.mpf(v) for v in eigs]) * Q.T
    C = mp.cholesky(S)
    return [[C[i, j] if j <= i else mp.mpf(0) for j in range(D)] for i in range(D)]


def cond_number(Lk):
    D = len(Lk)
    A = mp.matrix([[mp.mpf(f64(Lk[i][j])) if j <= i else 0 for j in range(D)] for i in range(D)])
    ev = mp.eigsy(A * A.T)[0]
    return max(ev) / min(ev)


def main():
    t0 = time.time()
    out = ["# mixgrad full-covariance reference values: generated by tools/gen_tril_reference.py"
           " (mpmath, 60 digits). Do not edit."]
    rng = random.Random(20261207)

    def us(n, D):
        return [[rng.uniform(0.02, 0.98) for _ in range(D)] for _ in range(n)]

    # K = 1: x = μ + L Φ⁻¹(u), the reparameterisation trick.
    emit(out, "single", [0.0], [[1.5, -2.0, 0.5]],
         [[[0.7, 0, 0], [-1.2, 3.0, 0], [0.4, 0.9, 0.5]]], us(3, 3), 1, fd_check=True)

    # Small random mixtures, with the finite-difference self-checks.
    for i, (K, D) in enumerate([(2, 2), (3, 3), (2, 4), (4, 3)]):
        emit(out, f"small{i}", *random_mixture(rng, K, D), us(3, D), 10 + i, fd_check=True)

    # Strongly correlated components: cond(L Lᵀ) = 1e4.
    crng = random.Random(7)
    corr = [correlated_tril(crng, 3, [4.0, 0.3, 4e-4]), correlated_tril(crng, 3, [1.0, 1e-2, 1e-4])]
    sys.stderr.write("correlated: cond(L Lᵀ) = "
                     + ", ".join(mp.nstr(cond_number(Lk), 6) for Lk in corr) + "\n")
    emit(out, "correlated", [0.4, -0.3], [[0.5, -1.0, 2.0], [-0.5, 1.0, 1.5]], corr, us(4, 3), 20,
         fd_check=True)
    rho = 0.9998  # cond = (1 + ρ)/(1 − ρ) ≈ 1e4
    emit(out, "correlated2d", [0.0, 0.2],
         [[0.0, 0.0], [1.0, -1.0]],
         [[[1.0, 0], [rho, mp.sqrt(1 - mp.mpf(rho) ** 2)]],
          [[2.0, 0], [-2.0 * rho, 2.0 * mp.sqrt(1 - mp.mpf(rho) ** 2)]]], us(4, 2), 21, fd_check=True)

    # Separated means (±30 in dimension 0) with u in the valley. u = 0.3
    # (index 5) equals the cumulative weight of the left component: flat.
    valley = [0.3 - 1e-6, 0.3 + 1e-6, 0.3 - 1e-12, 0.3 + 1e-12, 0.3 - 1e-15, 0.3, 0.15, 0.65]
    vrng = random.Random(31)
    emit(out, "separated", [mp.log(0.3), mp.log(0.7)], [[-30.0, 1.0], [30.0, -1.0]],
         [[[1.0, 0], [0.6, 0.8]], [[1.5, 0], [-0.9, 0.5]]],
         [[v, vrng.uniform(0.05, 0.95)] for v in valley], 30, flat=(5,))
    emit(out, "separated3d", [mp.log(0.5), mp.log(0.5)], [[-30.0, 1.0, 0.0], [30.0, -1.0, 2.0]],
         [[[1.0, 0, 0], [0.5, 1.0, 0], [-0.3, 0.2, 0.7]], [[1.0, 0, 0], [-0.4, 2.0, 0], [0.1, -0.6, 1.2]]],
         [[0.5 - 1e-9, 0.3, 0.6], [0.5 + 1e-9, 0.8, 0.1], [0.2, 0.6, 0.9]], 31, fd_check=True)

    # Tails: u down to 1e-300 and up to 1 − 2⁻⁵³, in several dimensions.
    top = 1 - 2.0 ** -53
    tail_us = [[1e-300, 0.5, top], [top, 1e-300, 0.3], [1e-100, top, 1e-300],
               [1e-20, 1 - 1e-12, 0.7], [2.0 ** -53, 0.999999, 1e-300], [top, top, top],
               [1e-300, 1e-300, 1e-300]]
    emit(out, "tails", [0.2, -0.4, 1.0], [[-1.0, 2.0, 0.0], [0.5, -1.0, 1.0], [3.0, 0.0, -2.0]],
         [[[1.0, 0, 0], [0.3, 0.5, 0], [-0.2, 0.4, 0.8]],
          [[2.0, 0, 0], [-0.7, 1.5, 0], [0.5, 0.1, 1.1]],
          [[0.3, 0, 0], [0.2, 2.0, 0], [0.0, -0.5, 0.6]]], tail_us, 40)
    emit(out, "tails_single", [0.0], [[0.0, 1.0]], [[[1.0, 0], [-0.8, 0.6]]],
         [[1e-300, top], [top, 1e-300], [0.5, 1e-10], [1e-300, 1e-300]], 41)

    # A −inf logit (a component of weight zero).
    emit(out, "neg_inf_logit", [0.3, -mp.inf, -0.2], [[0.0, 1.0], [100.0, -100.0], [1.0, -1.0]],
         [[[1.0, 0], [0.4, 0.5]], [[1.0, 0], [0.9, 1.0]], [[0.7, 0], [-0.6, 1.3]]], us(3, 2), 50,
         fd_check=True)

    # A diagonal L: the diagonal mixture (checked against its formulas).
    drng = random.Random(60)
    emit(out, "diagonal", [drng.uniform(-1, 1) for _ in range(3)],
         [[drng.uniform(-2, 2) for _ in range(3)] for _ in range(3)],
         [[[drng.uniform(0.4, 1.6) if i == j else 0.0 for j in range(3)] for i in range(3)]
          for _ in range(3)], us(3, 3), 60, diagonal=True)

    # Larger shapes: K = 8, D = 4 and K = 2, D = 12 with the Jacobian,
    # K = 8, D = 12 without (its 12 × 1256 Jacobian would dominate the file).
    emit(out, "k8d4", *random_mixture(rng, 8, 4), us(2, 4), 70)
    emit(out, "k2d12", *random_mixture(rng, 2, 12, off=0.3), us(2, 12), 71)
    emit(out, "k8d12", *random_mixture(rng, 8, 12, spread=2.0, off=0.3), us(3, 12), 72, with_jac=False)

    print("\n".join(out))
    sys.stderr.write(f"root solves: {STATS['solves']}, Illinois stalls: {STATS['fallbacks']},"
                     f" bisections: {STATS['bisections']}\n")
    sys.stderr.write(f"total: {time.time() - t0:.1f} s\n")


def conditioned_tril(Q, eigs):
    """cholesky(Q diag(eigs) Qᵀ): L with singular values √eigs, so
    cond(L Lᵀ) = max/min eigs, and L Lᵀ's eigenvectors the columns of Q."""
    D = len(eigs)
    C = mp.cholesky(Q * mp.diag([mp.mpf(v) for v in eigs]) * Q.T)
    return [[C[i, j] if j <= i else mp.mpf(0) for j in range(D)] for i in range(D)]


def conditioning_main():
    """The sweep over the conditioning of the factors: cond(L Lᵀ) of 2
    (the smallest with an off-diagonal L: cond 1 forces L = s·I), 1e2, 1e4,
    1e6 and 1e8, K ∈ {1, 3}, D ∈ {2, 4, 8}.

    For each D one rotation Q (fixed seed) serves every level, so that only
    the spread of the eigenvalues of L Lᵀ (geometric from 1 down to
    1/cond) changes along the sweep. With K = 3 the components share Q (an
    ill-conditioned component is narrow across a direction; with Q shared
    the components stay O(1) apart in each other's standardised
    coordinates, so they mix in every dimension), have the interior
    eigenvalues jittered inside [1/cond, 1] (so cond stays exact) and
    overall scales 1, 0.6 and 1.5, and have their means at −6, 0 and 6
    times the first column of the unjittered factor (a shift of z_0
    alone: the valleys are in dimension 0). The points: u in the middle,
    tails of 1e-10 on both sides, and (K = 3) u_0 in the two valleys,
    equal to the cumulative weights 0.3 and 0.75.
    """
    t0 = time.time()
    out = ["# mixgrad full-covariance conditioning sweep: generated by"
           " tools/gen_tril_reference.py --conditioning (mpmath, 60 digits). Do not edit."]
    levels = [("c0", 2), ("c2", mp.mpf(10) ** 2), ("c4", mp.mpf(10) ** 4), ("c6", mp.mpf(10) ** 6),
              ("c8", mp.mpf(10) ** 8)]
    weights = [mp.mpf("0.3"), mp.mpf("0.45"), mp.mpf("0.25")]
    scales = [1, mp.mpf("0.6"), mp.mpf("1.5")]
    lo, hi = 1e-10, 1 - 1e-10
    for D in (2, 4, 8):
        rng = random.Random(1000 + D)
        Q, _ = mp.qr(mp.matrix([[rng.gauss(0, 1) for _ in range(D)] for _ in range(D)]))
        base_mean = [rng.uniform(-2, 2) for _ in range(D)]
        jitter = [[rng.uniform(0.5, 2.0) for _ in range(D)] for _ in range(3)]
        offsets = [[rng.uniform(-0.5, 0.5) for _ in range(D)] for _ in range(3)]
        mids = [[rng.uniform(0.1, 0.9) for _ in range(D)] for _ in range(4)]
        tails = [lo if d % 2 == 0 else hi for d in range(D)]
        flipped = [hi if d % 2 == 0 else lo for d in range(D)]
        for li, (tag, c) in enumerate(levels):
            eigs = [mp.mpf(c) ** (-mp.mpf(i) / (D - 1)) for i in range(D)]
            seed = 100 * D + 10 * li
            emit(out, f"{tag}_k1_d{D}", [0.0], [base_mean], [conditioned_tril(Q, eigs)],
                 [mids[0], tails, flipped, mids[1]], seed, fd_check=True, with_cond=True)
            tril = []
            for k in range(3):
                ek = [eigs[0]] + [min(max(e * jitter[k][i], eigs[-1]), eigs[0])
                                  for i, e in enumerate(eigs[1:-1], 1)] + [eigs[-1]]
                tril.append(conditioned_tril(Q, [scales[k] ** 2 * e for e in ek]))
            base = conditioned_tril(Q, eigs)
            means = []
            for k, t in enumerate((-6, 0, 6)):
                means.append([base_mean[i] + t * base[i][0]
                              + mp.fsum(base[i][j] * offsets[k][j] for j in range(i + 1))
                              for i in range(D)])
            valley = [[weights[0]] + mids[2][1:], [weights[0] + weights[1]] + mids[3][1:]]
            # The 8 × 219 Jacobian of K = 3, D = 8 would dominate the file
            # (its rows are checked through vjp and lpgrad instead), and its
            # finite-difference check, 438 solves a point, the run time.
            emit(out, f"{tag}_k3_d{D}", [mp.log(w) for w in weights], means, tril,
                 [mids[0], tails, valley[0], valley[1]], seed + 5, fd_check=D <= 4,
                 with_jac=D <= 4, with_cond=True)
    print("\n".join(out))
    sys.stderr.write(f"root solves: {STATS['solves']}, Illinois stalls: {STATS['fallbacks']},"
                     f" bisections: {STATS['bisections']}\n")
    sys.stderr.write(f"total: {time.time() - t0:.1f} s\n")


if __name__ == "__main__":
    if sys.argv[1:] == ["--conditioning"]:
        conditioning_main()
    elif sys.argv[1:]:
        raise SystemExit("usage: gen_tril_reference.py [--conditioning]")
    else:
        main()
