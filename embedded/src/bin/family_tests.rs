//! On-target tests of the location-scale families besides the Gaussian
//! (docs/math.md §9: logistic, Laplace, Cauchy) under QEMU (Cortex-M4F
//! `mps2-an386`, Cortex-M0 `microbit`, RISC-V `virt`), in f64 and f32, on
//! one K = 3, D = 2 mixture per family:
//!
//! - quantile → cdf round trip at a grid of uniforms, within the accuracy
//!   contract (bound below); `F` and `1 − F` in [0, 1] and summing to 1;
//!   the first coordinate (the marginal quantile) non-decreasing in `u`;
//! - `log q` finite and below the mixture's largest possible density, and
//!   the `vjp` finite, at every round trip's point;
//! - quantile and ancestral samples finite, the quantile samples passing
//!   the same round trip with the uniforms they report;
//! - a bad scale, `u = 0` and a NaN `x` refused with their errors.
//!
//! The oracles are the uniforms put in and bounds derived from the
//! family's density, not further calls of the library. (The Gaussian has
//! reference vectors in `firmware_tests`.) Prints a line per family and
//! precision and a summary through semihosting, and exits non-zero on any
//! failure (a panic exits non-zero too).
//!
//! A firmware of its own: every family in both precisions is a copy of the
//! algorithms each, which would not fit the micro:bit's 256 KiB of flash
//! beside `firmware_tests`' checks.
#![no_std]
#![no_main]

use mixgrad::{
    Cauchy, DiagMixtureRef, ErrorKind, Family, FamilyKind, Float, Laplace, Logistic, RngCore,
    SeedableRng, Xoshiro128PlusPlus, Xoshiro256PlusPlus,
};
use mixgrad_embedded::{entry, hprintln, Tally};

const K: usize = 3;
const D: usize = 2;
const LOGITS: [f64; K] = [0.2, -0.7, 0.0];
const LOCS: [f64; K * D] = [-1.0, 0.5, 2.0, -0.25, 0.0, 1.5];
const SCALES: [f64; K * D] = [0.6, 1.2, 0.4, 0.9, 1.5, 0.3];
const SIGMA_MIN: f64 = 0.3;

/// The round trips' uniforms, ascending: to `1e-6` of either end in f64,
/// `1e-3` in f32 (the bulk its contract covers). Point `i` takes
/// `u = (U[i], U[i + 3 mod n])`, so each coordinate sees every value.
const U_F64: [f64; 7] = [1e-6, 0.02, 0.3, 0.5, 0.77, 0.999, 1.0 - 1e-6];
const U_F32: [f64; 7] = [1e-3, 0.02, 0.3, 0.5, 0.77, 0.98, 0.999];

/// Samples drawn by each sampler per family and precision.
const SAMPLES: usize = 8;

/// `g(0)`, the standard density's largest value: a component's density is
/// at most `g(0)/σ`, so a conditional density (a mixture of them) is at
/// most `g(0)/σ_min`.
fn g0(kind: FamilyKind) -> f64 {
    match kind {
        FamilyKind::Gaussian => 0.398_942_280_401_432_7,
        FamilyKind::Logistic => 0.25,
        FamilyKind::Laplace => 0.5,
        FamilyKind::Cauchy => core::f64::consts::FRAC_1_PI,
    }
}

fn abs(x: f64) -> f64 {
    if x < 0.0 {
        -x
    } else {
        x
    }
}

/// `ln g(z)`, the standard log-density (docs/math.md §9.1), from its
/// formula.
fn ln_g(kind: FamilyKind, z: f64) -> f64 {
    let a = abs(z);
    match kind {
        FamilyKind::Gaussian => -0.5 * z * z - 0.918_938_533_204_672_7,
        FamilyKind::Logistic => -a - 2.0 * libm::log1p(libm::exp(-a)),
        FamilyKind::Laplace => -a - core::f64::consts::LN_2,
        FamilyKind::Cauchy => -libm::log(core::f64::consts::PI) - libm::log1p(z * z),
    }
}

/// `Λ` of docs/math.md §9.2 for the second coordinate: the largest
/// `|ln g(z_k0) − ln σ_k0|` at the first coordinate `x0`.
fn carried(kind: FamilyKind, x0: f64) -> f64 {
    (0..K).fold(0.0, |m, k| {
        let (mu, sigma) = (LOCS[k * D], SCALES[k * D]);
        m.max(abs(ln_g(kind, (x0 - mu) / sigma) - libm::log(sigma)))
    })
}

/// The round trip's tolerance, from the contract (docs/math.md §6, with
/// `z²` replaced by `1 + κ + Λ` as §9.2 says). At tail `m = min(u, 1 − u)`:
///
/// - the quantile is within `8 ulp(x*) + 8ε (1 + κ + Λ) m / f` of the
///   root, so `F` at it is within `8 f ulp(x) + 8ε (1 + κ + Λ) m` of `u`
///   (`ulp(x) ≤ ε |x|`);
/// - `cdf` (on the smaller tail, which the check compares) adds
///   `(A + 8ε (1 + κ + Λ)) m`, with `A = 1e-14` (f64) or `1e-5` (f32).
///
/// `κ ≤ 1 + ln(1/m)` for these three families (logistic and Laplace
/// `κ ≤ |z| ≤ ln(1/m)`, Cauchy `κ ≤ 1`); `Λ` is computed from the
/// formulas ([`carried`]). The density `f` only scales the rounding of
/// `x` itself, and is checked to lie in `(0, g(0)/σ_min]`.
fn tolerance(m: f64, p: &Precision, f: f64, x: f64, lambda: f64) -> f64 {
    let kappa = 1.0 + libm::log(1.0 / m);
    m * (p.a + 16.0 * p.eps * (1.0 + kappa + lambda)) + 8.0 * f * abs(x) * p.eps
}

/// Precision-dependent constants of the checks.
struct Precision {
    name: &'static str,
    /// The contract's relative `cdf` error below ½ (`A` above); also at
    /// least its absolute error above ½, so `F + (1 − F)` is within `2A`
    /// of 1.
    a: f64,
    eps: f64,
}

/// One round trip: `x = Q(u)` (already computed) against `u`, plus the
/// range and sum checks on `F` and `1 − F`. Returns whether all held.
fn round_trip<F: Float, G: Family>(
    v: &DiagMixtureRef<'_, F, G>,
    p: &Precision,
    u: &[F; D],
    x: &[F; D],
) -> bool {
    let (mut c, mut cc, mut f) = ([F::ZERO; D], [F::ZERO; D], [F::ZERO; D]);
    if !x.iter().all(|v| v.is_finite())
        || v.cdf_density(x, &mut c, Some(&mut cc), Some(&mut f))
            .is_err()
    {
        return false;
    }
    let f_max = g0(G::KIND) / SIGMA_MIN;
    let lambda = [0.0, carried(G::KIND, x[0].to_f64())];
    (0..D).all(|d| {
        let (ud, cd, ccd, fd, xd) = (
            u[d].to_f64(),
            c[d].to_f64(),
            cc[d].to_f64(),
            f[d].to_f64(),
            x[d].to_f64(),
        );
        // 1 − u is exact in either precision for u ≥ ½.
        let (got, m) = if ud <= 0.5 {
            (cd, ud)
        } else {
            (ccd, (F::ONE - u[d]).to_f64())
        };
        (0.0..=1.0).contains(&cd)
            && (0.0..=1.0).contains(&ccd)
            && abs(cd + ccd - 1.0) <= 2.0 * p.a
            && fd > 0.0
            && fd <= f_max * (1.0 + 4.0 * p.eps)
            && abs(got - m) <= tolerance(m, p, fd, xd, lambda[d])
    })
}

#[inline(never)]
fn check_family<F: Float, G: Family, R: RngCore + SeedableRng>(
    t: &mut Tally,
    family: G,
    p: &Precision,
    grid: &[f64; 7],
) {
    let (checks, failures) = (t.checks, t.failures);
    let name = G::NAME;
    let logits = LOGITS.map(F::from_f64);
    let locs = LOCS.map(F::from_f64);
    let scales = SCALES.map(F::from_f64);
    let v = match DiagMixtureRef::of_family(family, &logits, &locs, &scales, D) {
        Ok(v) => v,
        Err(_) => return t.check(false, "construct", name),
    };
    // ln q ≤ Σ_d ln(g(0)/σ_min): the largest density a point can have.
    let log_q_max = D as f64 * libm::log(g0(G::KIND) / SIGMA_MIN);

    let n = grid.len();
    let mut last_x0 = f64::NEG_INFINITY;
    let (mut trips, mut monotone, mut finite) = (true, true, true);
    for i in 0..n {
        let u = [F::from_f64(grid[i]), F::from_f64(grid[(i + 3) % n])];
        let mut x = [F::ZERO; D];
        if v.quantile(&u, &mut x).is_err() {
            trips = false;
            continue;
        }
        trips &= round_trip(&v, p, &u, &x);
        let x0 = x[0].to_f64();
        monotone &= x0 >= last_x0;
        last_x0 = x0;

        let lq = v.log_prob(&x);
        finite &= lq.is_ok_and(|l| l.is_finite() && l.to_f64() <= log_q_max + 1e-6);
        let xb = [F::ONE, F::from_f64(-0.5)];
        let (mut a, mut mb, mut sb) = ([F::ZERO; K], [F::ZERO; K * D], [F::ZERO; K * D]);
        let ok = v.vjp(&x, &xb, &mut a, &mut mb, &mut sb).is_ok();
        finite &= ok && a.iter().chain(&mb).chain(&sb).all(|g| g.is_finite());
    }
    t.check(trips, "quantile -> cdf round trip", name);
    t.check(monotone, "marginal quantile non-decreasing in u", name);
    t.check(finite, "log q and vjp finite", name);

    let mut rng = R::seed_from_u64(2016);
    let (mut quantile_ok, mut ancestral_ok) = (true, true);
    for _ in 0..SAMPLES {
        let (mut x, mut u) = ([F::ZERO; D], [F::ZERO; D]);
        quantile_ok &= v.sample_quantile(&mut rng, &mut x, Some(&mut u)).is_ok()
            && u.iter().all(|&u| u > F::ZERO && u < F::ONE)
            && round_trip(&v, p, &u, &x);
        let k = v.sample_ancestral(&mut rng, &mut x);
        ancestral_ok &= k.is_ok_and(|k| k < K) && x.iter().all(|v| v.is_finite());
    }
    t.check(quantile_ok, "sample_quantile finite, round trip", name);
    t.check(ancestral_ok, "sample_ancestral finite", name);

    let bad = [F::ONE, F::ZERO, F::ONE, F::ONE, F::ONE, F::ONE];
    let refused = DiagMixtureRef::of_family(family, &logits, &locs, &bad, D).map(|_| ());
    t.check(
        refused.map_err(|e| e.kind()) == Err(ErrorKind::NonPositiveScale),
        "scale 0 refused",
        name,
    );
    let mut x = [F::from_f64(7.0); D];
    let zero = v.quantile(&[F::ZERO, F::HALF], &mut x);
    t.check(
        zero.map_err(|e| e.kind()) == Err(ErrorKind::UniformOutOfRange)
            && x == [F::from_f64(7.0); D],
        "u = 0 refused, x untouched",
        name,
    );
    let mut u = [F::from_f64(7.0); D];
    let nan = F::from_f64(f64::NAN);
    let refused = v.cdf(&[F::ZERO, nan], &mut u);
    t.check(
        refused.map_err(|e| e.kind()) == Err(ErrorKind::NonFiniteX) && u == [F::from_f64(7.0); D],
        "x = NaN refused, u untouched",
        name,
    );

    hprintln!(
        "{} {}: {} checks, {} failures",
        name,
        p.name,
        t.checks - checks,
        t.failures - failures
    );
}

#[entry]
fn main() -> ! {
    let f64p = Precision {
        name: "f64",
        a: 1e-14,
        eps: f64::EPSILON,
    };
    let f32p = Precision {
        name: "f32",
        a: 1e-5,
        eps: f32::EPSILON as f64,
    };
    let mut t = Tally::new();
    check_family::<f64, _, Xoshiro256PlusPlus>(&mut t, Logistic, &f64p, &U_F64);
    check_family::<f32, _, Xoshiro128PlusPlus>(&mut t, Logistic, &f32p, &U_F32);
    check_family::<f64, _, Xoshiro256PlusPlus>(&mut t, Laplace, &f64p, &U_F64);
    check_family::<f32, _, Xoshiro128PlusPlus>(&mut t, Laplace, &f32p, &U_F32);
    check_family::<f64, _, Xoshiro256PlusPlus>(&mut t, Cauchy, &f64p, &U_F64);
    check_family::<f32, _, Xoshiro128PlusPlus>(&mut t, Cauchy, &f32p, &U_F32);
    hprintln!(
        "mixgrad family tests (logistic, Laplace, Cauchy; K=3 D=2; f64, f32): {} checks, {} failures",
        t.checks,
        t.failures
    );
    t.exit()
}

mixgrad_embedded::test_firmware_handlers!();
