//! On-target tests of the full-covariance Gaussian mixtures (docs/math.md
//! §10) under QEMU (Cortex-M4F `mps2-an386`, Cortex-M0 `microbit`, RISC-V
//! `virt`), in f64 and f32, on a K = 4, D = 4 mixture whose scratch is a
//! `TrilScratch` on the stack:
//!
//! - quantile → cdf round trip at a grid of uniforms, within the accuracy
//!   contract (bound at [`round_trip_tolerance`]); `F` in [0, 1];
//! - `log q` finite and below the mixture's largest possible density, its
//!   gradients and the `vjp` finite, at every round trip's point;
//! - quantile and ancestral samples finite, the quantile samples passing
//!   the same round trip with the uniforms they report;
//! - closed forms computed here without the library (§10.2): for one
//!   component, and for four identical components (weights `π_k`),
//!   `x = μ + L ε` with `ε_j = Φ⁻¹(u_j)`, `∂x_i/∂μ_ki = π_k`,
//!   `∂x_i/∂L_k[i][j] = π_k ε_j` (`j ≤ i`), `∂x/∂a = 0`;
//! - entries above the diagonal set to NaN change no result;
//! - refusals with nothing written: scratch too short (a slice and a
//!   `TrilScratch` of too few components), a diagonal entry `≤ 0`, a
//!   non-finite entry below the diagonal, `u = 0`, a NaN `x`, a NaN
//!   cotangent.
//!
//! Also measures the stack of one quantile sample + `vjp` (scratch on the
//! stack) by painting it. Prints a line per precision, the stack and a
//! summary through semihosting, and exits non-zero on any failure.
#![no_std]
#![no_main]

use mixgrad::{
    ErrorKind, Float, RngCore, SeedableRng, TrilLogProbGrad, TrilMixtureRef, TrilScratch,
    Xoshiro128PlusPlus, Xoshiro256PlusPlus,
};
use mixgrad_embedded::{entry, hprintln, stack_depth, Tally};

const K: usize = 4;
const D: usize = 4;
const DD: usize = D * D;
const LOGITS: [f64; K] = [0.3, -0.5, 0.0, 1.1];
const MEANS: [f64; K * D] = [
    -1.0, 0.5, 2.0, 0.0, //
    1.5, -0.5, 0.0, 1.0, //
    0.0, 2.0, -1.0, -0.5, //
    0.5, 0.5, 1.0, -2.0,
];
/// `L_k` at `k·D·D`, row-major; zero above the diagonal.
#[rustfmt::skip]
const TRIL: [f64; K * DD] = [
    1.0, 0.0, 0.0, 0.0,
    0.5, 0.8, 0.0, 0.0,
    -0.3, 0.2, 1.2, 0.0,
    0.1, -0.4, 0.3, 0.6,

    0.7, 0.0, 0.0, 0.0,
    -0.6, 1.1, 0.0, 0.0,
    0.0, 0.5, 0.9, 0.0,
    0.8, 0.1, -0.2, 1.4,

    1.5, 0.0, 0.0, 0.0,
    0.2, 0.4, 0.0, 0.0,
    0.3, -0.7, 0.8, 0.0,
    -0.5, 0.6, 0.2, 0.9,

    0.5, 0.0, 0.0, 0.0,
    0.9, 1.3, 0.0, 0.0,
    0.4, 0.3, 0.6, 0.0,
    0.0, 0.2, -0.3, 1.0,
];
/// The smallest diagonal entry of `TRIL`.
const SIGMA_MIN: f64 = 0.4;
/// `φ(0)`: a conditional density (a mixture of `N(m_kd, L_k[d][d]²)`) is at
/// most `φ(0)/σ_min`.
const PHI0: f64 = 0.398_942_280_401_432_7;

/// The round trips' uniforms, ascending: to `1e-6` of either end in f64,
/// `1e-3` in f32 (the bulk its contract covers). Point `i` takes
/// `u_d = U[i + 2d mod n]`, so each coordinate sees every value.
const U_F64: [f64; 7] = [1e-6, 0.02, 0.3, 0.5, 0.77, 0.999, 1.0 - 1e-6];
const U_F32: [f64; 7] = [1e-3, 0.02, 0.3, 0.5, 0.77, 0.98, 0.999];
/// A cotangent for the `vjp`s.
const X_BAR: [f64; D] = [1.0, -0.5, 0.25, 2.0];
/// Samples drawn by each sampler per precision.
const SAMPLES: usize = 8;

/// Precision-dependent constants of the checks.
struct Precision {
    name: &'static str,
    /// The contract's `cdf` error (docs/math.md §6): relative below ½,
    /// absolute above.
    a: f64,
    eps: f64,
    /// The contract's gradient error, relative to `1 + max|g*|`.
    grad: f64,
    /// The round trips' uniforms.
    grid: &'static [f64; 7],
    /// The names of the closed-form cases: one component, four identical.
    one: &'static str,
    four: &'static str,
}

const F64: Precision = Precision {
    name: "f64",
    a: 1e-14,
    eps: f64::EPSILON,
    grad: 1e-10,
    grid: &U_F64,
    one: "f64, K=1",
    four: "f64, 4 identical components",
};
const F32: Precision = Precision {
    name: "f32",
    a: 1e-5,
    eps: f32::EPSILON as f64,
    grad: 1e-3,
    grid: &U_F32,
    one: "f32, K=1",
    four: "f32, 4 identical components",
};

fn abs(x: f64) -> f64 {
    if x < 0.0 {
        -x
    } else {
        x
    }
}

/// `Φ⁻¹(p)` in f64 without the library: Acklam's rational approximation
/// (relative error below `1.2e-9`), then one Halley step on
/// `Φ(x) = erfc(−x/√2)/2`, which leaves it within a few ulp. Computed on
/// the lower tail (`1 − p` is exact for `p ≥ ½`), where `Φ` keeps its
/// relative accuracy.
fn ndtri_ref(p: f64) -> f64 {
    if p > 0.5 {
        return -ndtri_ref(1.0 - p);
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const DEN: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let x = if p < 0.02425 {
        let q = libm::sqrt(-2.0 * libm::log(p));
        let num = C.iter().fold(0.0, |s, &c| s * q + c);
        let den = DEN.iter().fold(0.0, |s, &c| s * q + c) * q + 1.0;
        num / den
    } else {
        let q = p - 0.5;
        let r = q * q;
        let num = A.iter().fold(0.0, |s, &c| s * r + c) * q;
        let den = B.iter().fold(0.0, |s, &c| s * r + c) * r + 1.0;
        num / den
    };
    let e = 0.5 * libm::erfc(-x * core::f64::consts::FRAC_1_SQRT_2) - p;
    let u = e * libm::sqrt(2.0 * core::f64::consts::PI) * libm::exp(0.5 * x * x);
    x - u / (1.0 + 0.5 * x * u)
}

/// The round trip's tolerance for `|F(Q(u)) − u|` in one dimension, from
/// the contract (docs/math.md §6). Dimension `d`'s quantile and `cdf` see
/// the same `x_<d`, so the same computed conditional (locations `m_kd`,
/// responsibilities; §10.1): whatever the substitution rounds, the round
/// trip is the one-dimensional one. At tail `m = min(u, 1 − u)`, with
/// `z² ≤ 2 ln(1/m)` (a Gaussian tail `Φ(−z) ≤ e^{−z²/2}/2`):
///
/// - the quantile is within `8 ulp(x*) + 8ε (1 + z²) m / f` of the root,
///   so `F` at it is within `8 f ε |x| + 8ε (1 + z²) m` of `u`;
/// - `cdf` adds `(A + 8ε z²) m` below ½, `A` absolute above.
///
/// The density `f` is at most `φ(0)/σ_min`. The `8ε` terms are doubled
/// for the rounding of `u` and `m` themselves in f32.
fn round_trip_tolerance(u: f64, x: f64, p: &Precision) -> f64 {
    let m = if u <= 0.5 { u } else { 1.0 - u };
    let z2 = 2.0 * libm::log(1.0 / m);
    let a = if u <= 0.5 { p.a * m } else { p.a };
    a + 16.0 * p.eps * (1.0 + 2.0 * z2) * m + 8.0 * p.eps * abs(x) * PHI0 / SIGMA_MIN
}

/// `x = Q(u)` (already computed) against `u` through `cdf`, and `F` in
/// [0, 1]. Returns whether all held.
fn round_trip<F: Float>(
    v: &TrilMixtureRef<'_, F>,
    work: &mut TrilScratch<F, K, D>,
    p: &Precision,
    u: &[F; D],
    x: &[F; D],
) -> bool {
    let mut c = [F::ZERO; D];
    if !x.iter().all(|v| v.is_finite()) || v.cdf(x, &mut c, work).is_err() {
        return false;
    }
    (0..D).all(|d| {
        let (ud, cd, xd) = (u[d].to_f64(), c[d].to_f64(), x[d].to_f64());
        (0.0..=1.0).contains(&cd) && abs(cd - ud) <= round_trip_tolerance(ud, xd, p)
    })
}

/// Parameters in precision `F`.
struct Params<F> {
    logits: [F; K],
    means: [F; K * D],
    tril: [F; K * DD],
}

fn params<F: Float>() -> Params<F> {
    Params {
        logits: LOGITS.map(F::from_f64),
        means: MEANS.map(F::from_f64),
        tril: TRIL.map(F::from_f64),
    }
}

/// Round trips, `log q` and its gradients, the `vjp`, both samplers.
#[inline(never)]
fn check_mixture<F: Float, R: RngCore + SeedableRng>(t: &mut Tally, p: &Precision) {
    let case = p.name;
    let par = params::<F>();
    let v = match TrilMixtureRef::new(&par.logits, &par.means, &par.tril, D) {
        Ok(v) => v,
        Err(_) => return t.check(false, "construct", case),
    };
    let mut work = TrilScratch::<F, K, D>::new();
    // ln q ≤ max_k Σ_d ln(φ(0)/L_k[d][d]): the largest density there is.
    let log_q_max = (0..K).fold(f64::NEG_INFINITY, |m, k| {
        let s = (0..D).fold(0.0, |s, d| s + libm::log(PHI0 / TRIL[k * DD + d * D + d]));
        m.max(s)
    });
    let x_bar = X_BAR.map(F::from_f64);

    let n = p.grid.len();
    let (mut trips, mut finite, mut grads) = (true, true, true);
    for i in 0..n {
        let u: [F; D] = core::array::from_fn(|d| F::from_f64(p.grid[(i + 2 * d) % n]));
        let mut x = [F::ZERO; D];
        if v.quantile(&u, &mut x, &mut work).is_err() {
            trips = false;
            continue;
        }
        trips &= round_trip(&v, &mut work, p, &u, &x);

        let lq = v.log_prob(&x, &mut work);
        finite &= lq.is_ok_and(|l| l.is_finite() && l.to_f64() <= log_q_max + 1e-6);
        let (mut gx, mut ga, mut gm, mut gl) = (
            [F::ZERO; D],
            [F::ZERO; K],
            [F::ZERO; K * D],
            [F::ZERO; K * DD],
        );
        let grad = TrilLogProbGrad {
            x: Some(&mut gx),
            logits: Some(&mut ga),
            means: Some(&mut gm),
            scale_tril: Some(&mut gl),
        };
        let lq2 = v.log_prob_grad(&x, grad, &mut work);
        finite &= lq2.is_ok_and(|l| l.is_finite())
            && gx
                .iter()
                .chain(&ga)
                .chain(&gm)
                .chain(&gl)
                .all(|g| g.is_finite());

        let (mut a, mut mb, mut lb) = ([F::ZERO; K], [F::ZERO; K * D], [F::ZERO; K * DD]);
        let ok = v
            .vjp(&x, &x_bar, &mut a, &mut mb, &mut lb, &mut work)
            .is_ok();
        grads &= ok && a.iter().chain(&mb).chain(&lb).all(|g| g.is_finite());
        // Zero above the diagonal.
        grads &= (0..K * DD).all(|i| i % D <= i % DD / D || lb[i] == F::ZERO);
    }
    t.check(trips, "quantile -> cdf round trip", case);
    t.check(finite, "log q and its gradients finite", case);
    t.check(grads, "vjp finite, zero above the diagonal", case);

    let mut rng = R::seed_from_u64(2016);
    let (mut quantile_ok, mut ancestral_ok) = (true, true);
    for _ in 0..SAMPLES {
        let (mut x, mut u) = ([F::ZERO; D], [F::ZERO; D]);
        quantile_ok &= v
            .sample_quantile(&mut rng, &mut x, Some(&mut u), &mut work)
            .is_ok()
            && u.iter().all(|&u| u > F::ZERO && u < F::ONE)
            && round_trip(&v, &mut work, p, &u, &x);
        let k = v.sample_ancestral(&mut rng, &mut x);
        ancestral_ok &= k.is_ok_and(|k| k < K) && x.iter().all(|v| v.is_finite());
    }
    t.check(quantile_ok, "sample_quantile finite, round trip", case);
    t.check(ancestral_ok, "sample_ancestral finite", case);

    // Entries above the diagonal are never read: NaN there, the same bits.
    let mut nan_above = par.tril;
    for (i, l) in nan_above.iter_mut().enumerate() {
        if i % D > i % DD / D {
            *l = F::from_f64(f64::NAN);
        }
    }
    let same = TrilMixtureRef::new(&par.logits, &par.means, &nan_above, D).is_ok_and(|w| {
        let u = [0.2, 0.9, 0.5, 0.01].map(F::from_f64);
        let (mut x1, mut x2) = ([F::ZERO; D], [F::ZERO; D]);
        let (mut a1, mut m1, mut l1) = ([F::ZERO; K], [F::ZERO; K * D], [F::ZERO; K * DD]);
        let (mut a2, mut m2, mut l2) = ([F::ZERO; K], [F::ZERO; K * D], [F::ZERO; K * DD]);
        let mut work2 = TrilScratch::<F, K, D>::new();
        v.quantile(&u, &mut x1, &mut work).is_ok()
            && w.quantile(&u, &mut x2, &mut work2).is_ok()
            && v.vjp(&x1, &x_bar, &mut a1, &mut m1, &mut l1, &mut work)
                .is_ok()
            && w.vjp(&x2, &x_bar, &mut a2, &mut m2, &mut l2, &mut work2)
                .is_ok()
            && bits(&x1) == bits(&x2)
            && bits(&a1) == bits(&a2)
            && bits(&m1) == bits(&m2)
            && bits(&l1) == bits(&l2)
            && v.log_prob(&x1, &mut work).map(|l| l.to_f64().to_bits())
                == w.log_prob(&x2, &mut work2).map(|l| l.to_f64().to_bits())
    });
    t.check(same, "NaN above the diagonal changes nothing", case);
}

/// The values' bits (through f64, exact for f32), to compare NaN-free
/// results bit for bit.
fn bits<F: Float, const N: usize>(v: &[F; N]) -> [u64; N] {
    v.map(|x| x.to_f64().to_bits())
}

/// The closed forms of docs/math.md §10.2 with `copies` identical
/// components (`μ`, `L` = component 0 of the test mixture; logits those of
/// the test mixture's first `copies`): the mixture is `N(μ, L Lᵀ)`, so
/// `x = μ + L ε` with `ε_j = Φ⁻¹(u_j)`, and a change of component `k`
/// moves `x` by `π_k` times the single Gaussian's change:
/// `∂x_i/∂μ_ki = π_k`, `∂x_i/∂L_k[i][j] = π_k ε_j` (`j ≤ i`),
/// `∂x/∂a = 0`. Every expected value is computed here in f64, from the
/// parameters as rounded to `F`, without the library.
///
/// The quantile's tolerance: with `ε̂_j = ε_j + δ_j` what the forward
/// substitution recovers from the computed `x`, `x̂_i = μ_i + Σ_{j≤i}
/// L_ij ε̂_j` up to the substitution's rounding (`(D + 1) ε` relative to
/// `|μ_i| + Σ |L_ij ε_j|`, §10.1), and the solver leaves
/// `|δ_j| ≤ (A + 8ε(1 + ε_j²))·m/φ(ε_j) + 8ε|x_j|/L_jj` (§6, `F` known to
/// `A·m`), with the Mills ratio `m/φ ≤ 1.26`. The gradients: the
/// contract's `vjp` bound (`1e-10` f64, `1e-3` f32, relative to
/// `1 + max|g*|`).
#[inline(never)]
fn check_closed_form<F: Float>(t: &mut Tally, p: &Precision, copies: usize, case: &str) {
    let par = params::<F>();
    let mut means = [F::ZERO; K * D];
    let mut tril = [F::ZERO; K * DD];
    for k in 0..copies {
        means[k * D..(k + 1) * D].copy_from_slice(&par.means[..D]);
        tril[k * DD..(k + 1) * DD].copy_from_slice(&par.tril[..DD]);
    }
    let logits = &par.logits[..copies];
    let v = match TrilMixtureRef::new(logits, &means[..copies * D], &tril[..copies * DD], D) {
        Ok(v) => v,
        Err(_) => return t.check(false, "construct", case),
    };
    // π = softmax(a), in f64 from the rounded logits.
    let amax = logits
        .iter()
        .fold(f64::NEG_INFINITY, |m, a| m.max(a.to_f64()));
    let total = logits
        .iter()
        .fold(0.0, |s, a| s + libm::exp(a.to_f64() - amax));
    let pi = |k: usize| libm::exp(logits[k].to_f64() - amax) / total;
    let mu = |i: usize| par.means[i].to_f64();
    let l = |i: usize, j: usize| par.tril[i * D + j].to_f64();

    let mut work = TrilScratch::<F, K, D>::new();
    let x_bar = X_BAR.map(F::from_f64);
    let (mut x_ok, mut g_ok) = (true, true);
    for i in [1, 3, 5] {
        let n = p.grid.len();
        let u: [F; D] = core::array::from_fn(|d| F::from_f64(p.grid[(i + 3 * d) % n]));
        let eps: [f64; D] = core::array::from_fn(|j| ndtri_ref(u[j].to_f64()));
        let mut x = [F::ZERO; D];
        if v.quantile(&u, &mut x, &mut work).is_err() {
            x_ok = false;
            continue;
        }
        for r in 0..D {
            let exact = (0..=r).fold(mu(r), |s, j| s + l(r, j) * eps[j]);
            let (mut delta, mut size) = (0.0, abs(mu(r)));
            for j in 0..=r {
                let e2 = eps[j] * eps[j];
                let dz = 1.26 * (p.a + 8.0 * p.eps * (1.0 + e2))
                    + 8.0 * p.eps * abs(x[j].to_f64()) / l(j, j);
                delta += abs(l(r, j)) * dz;
                size += abs(l(r, j) * eps[j]);
            }
            let tol = delta + (D as f64 + 1.0) * p.eps * size;
            x_ok &= abs(x[r].to_f64() - exact) <= tol;
        }

        let (mut a, mut mb, mut lb) = ([F::ZERO; K], [F::ZERO; K * D], [F::ZERO; K * DD]);
        let got = v.vjp(
            &x,
            &x_bar,
            &mut a[..copies],
            &mut mb[..copies * D],
            &mut lb[..copies * DD],
            &mut work,
        );
        if got.is_err() {
            g_ok = false;
            continue;
        }
        // max|g*|: the largest expected entry.
        let gmax = (0..D).fold(0.0f64, |m, r| {
            (0..=r).fold(m.max(abs(X_BAR[r])), |m, j| m.max(abs(X_BAR[r] * eps[j])))
        });
        let tol = p.grad * (1.0 + gmax);
        for k in 0..copies {
            g_ok &= abs(a[k].to_f64()) <= tol;
            for r in 0..D {
                g_ok &= abs(mb[k * D + r].to_f64() - pi(k) * X_BAR[r]) <= tol;
                for j in 0..D {
                    let want = if j <= r {
                        pi(k) * X_BAR[r] * eps[j]
                    } else {
                        0.0
                    };
                    g_ok &= abs(lb[k * DD + r * D + j].to_f64() - want) <= tol;
                }
            }
        }
    }
    t.check(x_ok, "quantile = mu + L Phi^-1(u)", case);
    t.check(g_ok, "vjp = closed form", case);
}

/// Refusals, each with nothing written and the generator not advanced.
#[inline(never)]
fn check_errors<F: Float, R: RngCore + SeedableRng + Clone + PartialEq>(
    t: &mut Tally,
    p: &Precision,
) {
    let case = p.name;
    let par = params::<F>();
    let Ok(v) = TrilMixtureRef::new(&par.logits, &par.means, &par.tril, D) else {
        return t.check(false, "construct", case);
    };
    let kind = |r: Result<(), mixgrad::Error>| r.map_err(|e| e.kind());
    let seven = F::from_f64(7.0);
    let u = [0.3, 0.6, 0.5, 0.9].map(F::from_f64);
    let x = [0.1, -0.2, 0.3, 1.0].map(F::from_f64);
    let x_bar = X_BAR.map(F::from_f64);

    // A slice one value short of work_len(K, D).
    let need = TrilMixtureRef::<F>::work_len(K, D).unwrap_or(0);
    let mut short = [F::ZERO; K * (5 + 3 * D)];
    let short = &mut short[..need - 1];
    let mut out = [seven; D];
    let r = v.quantile(&u, &mut out, short).map(|_| ());
    let mut ok = kind(r) == Err(ErrorKind::BufferLength) && out == [seven; D];
    let r = v.cdf(&x, &mut out, short);
    ok &= kind(r) == Err(ErrorKind::BufferLength) && out == [seven; D];
    ok &= v.log_prob(&x, short).map_err(|e| e.kind()) == Err(ErrorKind::BufferLength);
    let (mut a, mut mb, mut lb) = ([seven; K], [seven; K * D], [seven; K * DD]);
    let r = v.vjp(&x, &x_bar, &mut a, &mut mb, &mut lb, short);
    let untouched = |a: &[F], mb: &[F], lb: &[F]| a.iter().chain(mb).chain(lb).all(|&g| g == seven);
    ok &= kind(r) == Err(ErrorKind::BufferLength) && untouched(&a, &mb, &lb);
    let mut rng = R::seed_from_u64(5);
    let before = rng.clone();
    let mut u_out = [seven; D];
    let r = v.sample_quantile(&mut rng, &mut out, Some(&mut u_out), short);
    ok &= kind(r.map(|_| ())) == Err(ErrorKind::BufferLength)
        && out == [seven; D]
        && u_out == [seven; D]
        && rng == before;
    t.check(ok, "short scratch slice refused, nothing written", case);

    // Stack scratch for fewer components than the mixture has.
    let mut small = TrilScratch::<F, 2, D>::new();
    let r = v.quantile(&u, &mut out, &mut small).map(|_| ());
    let mut ok = kind(r) == Err(ErrorKind::BufferLength) && out == [seven; D];
    let r = v.vjp(&x, &x_bar, &mut a, &mut mb, &mut lb, &mut small);
    ok &= kind(r) == Err(ErrorKind::BufferLength) && untouched(&a, &mb, &lb);
    t.check(ok, "TrilScratch<K = 2> refused, nothing written", case);

    // Bad factors: a diagonal entry 0 or negative, a lower entry NaN or ∞.
    let mut ok = true;
    for (at, value, want) in [
        (DD + D + 1, 0.0, ErrorKind::NonPositiveScale),
        (3 * DD + 3 * D + 3, -0.5, ErrorKind::NonPositiveScale),
        (2 * DD + 2 * D, f64::NAN, ErrorKind::NonFiniteScale),
        (3 * D + 1, f64::INFINITY, ErrorKind::NonFiniteScale),
    ] {
        let mut bad = par.tril;
        bad[at] = F::from_f64(value);
        let r = TrilMixtureRef::new(&par.logits, &par.means, &bad, D).map(|_| ());
        ok &= kind(r) == Err(want);
    }
    t.check(ok, "diagonal <= 0, non-finite lower entry refused", case);

    let mut work = TrilScratch::<F, K, D>::new();
    let zero = [F::ZERO, F::HALF, F::HALF, F::HALF];
    let r = v.quantile(&zero, &mut out, &mut work).map(|_| ());
    t.check(
        kind(r) == Err(ErrorKind::UniformOutOfRange) && out == [seven; D],
        "u = 0 refused, x untouched",
        case,
    );
    let nan = F::from_f64(f64::NAN);
    let r = v.cdf(&[F::ZERO, nan, F::ZERO, F::ZERO], &mut out, &mut work);
    t.check(
        kind(r) == Err(ErrorKind::NonFiniteX) && out == [seven; D],
        "x = NaN refused, u untouched",
        case,
    );
    let r = v.vjp(
        &x,
        &[F::ONE, F::ONE, nan, F::ONE],
        &mut a,
        &mut mb,
        &mut lb,
        &mut work,
    );
    t.check(
        kind(r) == Err(ErrorKind::NonFiniteCotangent) && untouched(&a, &mb, &lb),
        "NaN cotangent refused, gradients untouched",
        case,
    );
}

/// One quantile sample and its `vjp` at K = 4, D = 4, the scratch a
/// `TrilScratch` on the stack: the call whose stack is measured.
#[inline(never)]
fn sample_and_vjp<F: Float, R: RngCore + SeedableRng>() {
    let par = params::<F>();
    if let Ok(v) = TrilMixtureRef::new(&par.logits, &par.means, &par.tril, D) {
        let mut work = TrilScratch::<F, K, D>::new();
        let mut rng = R::seed_from_u64(1);
        let mut x = [F::ZERO; D];
        let ok = v.sample_quantile(&mut rng, &mut x, None, &mut work).is_ok();
        let (mut a, mut mb, mut lb) = ([F::ZERO; K], [F::ZERO; K * D], [F::ZERO; K * DD]);
        let g = v.vjp(&x, &[F::ONE; D], &mut a, &mut mb, &mut lb, &mut work);
        core::hint::black_box(ok && g.is_ok());
    }
}

fn run<F: Float, R: RngCore + SeedableRng + Clone + PartialEq>(t: &mut Tally, p: &Precision) {
    let (checks, failures) = (t.checks, t.failures);
    check_mixture::<F, R>(t, p);
    check_closed_form::<F>(t, p, 1, p.one);
    check_closed_form::<F>(t, p, K, p.four);
    check_errors::<F, R>(t, p);
    hprintln!(
        "tril K={} D={} {}: {} checks, {} failures",
        K,
        D,
        p.name,
        t.checks - checks,
        t.failures - failures
    );
}

#[entry]
fn main() -> ! {
    let mut t = Tally::new();
    run::<f64, Xoshiro256PlusPlus>(&mut t, &F64);
    run::<f32, Xoshiro128PlusPlus>(&mut t, &F32);
    let s32 = stack_depth(sample_and_vjp::<f32, Xoshiro128PlusPlus>);
    let s64 = stack_depth(sample_and_vjp::<f64, Xoshiro256PlusPlus>);
    hprintln!(
        "stack: tril sample+vjp K=4 D=4 (TrilScratch): f32 {} B, f64 {} B",
        s32,
        s64
    );
    hprintln!(
        "mixgrad full-covariance tests (K=4 D=4; f64, f32): {} checks, {} failures",
        t.checks,
        t.failures
    );
    t.exit()
}

mixgrad_embedded::test_firmware_handlers!();
