//! On-target tests of the Gamma distribution (docs/math.md §11) under QEMU
//! (Cortex-M4F `mps2-an386`, Cortex-M0 `microbit`, RISC-V `virt`), in f64
//! and f32, against oracles that do not call the library:
//!
//! - rows of the 60-digit reference (`tests/data/gamma_reference.txt`,
//!   picked by build.rs: shapes 10⁻³ to 10⁶, both tails): `P`, `Q`, the
//!   quantile and `dx/dα`, to the tolerances of tests/gamma.rs;
//! - α = 1, the exponential, against libm: `P = 1 − e^{−βx}`,
//!   `Q = e^{−βx}`, quantile `−ln(1 − u)/β`, at rates other than 1;
//! - quantile → cdf round trips on a grid of `u` for shapes 0.1 to 10⁶,
//!   within the bound the host contract implies; there the quantile is
//!   non-decreasing in `u`, `dx/dα` finite and `≥ 0`, and `dx/dβ = −x/β`
//!   bit for bit;
//! - the sampler: draws finite, `≥ 0`, and the quantile of the library's
//!   uniform (`uniform_f32`/`uniform_f64`) of the same stream, one draw
//!   each;
//! - Dirichlet draws summing to 1 within rounding, each `g_i/S`;
//! - refusals with their `ErrorKind`: a shape `≤ 0`, NaN or above
//!   `GAMMA_MAX_SHAPE`, a rate `≤ 0` or NaN, `u` = 0 and 1, `x < 0`, a NaN
//!   `x`; Dirichlet buffers of the wrong length, with nothing written.
//!
//! Prints, per precision, the worst error/tolerance ratio of each kind of
//! check, then the stack of one sample + `dx/dα` (measured by painting it)
//! and a summary, through semihosting; exits non-zero on any failure.
#![no_std]
#![no_main]

use core::hint::black_box;

use mixgrad::{
    uniform_f32, uniform_f64, Dirichlet, Error, ErrorKind, Float, Gamma, RandCore09, RngCore,
    SeedableRng, Xoshiro128PlusPlus, Xoshiro256PlusPlus, GAMMA_MAX_SHAPE,
};
use mixgrad_embedded::{entry, hprintln, stack_depth, Tally};

/// One reference row: Gamma(α, 1) at `y* = P⁻¹(α, u)`.
pub struct GammaRow {
    alpha: f64,
    u: f64,
    y: f64,
    p: f64,
    q: f64,
    /// The density at `y*`.
    f: f64,
    dy_dalpha: f64,
}

mod reference {
    use super::GammaRow;
    include!(concat!(env!("OUT_DIR"), "/gamma_reference.rs"));
}
use reference::GAMMA_ROWS;

/// The round trips' uniforms, ascending: to `1e-6` of either end in f64,
/// `1e-3` in f32, as the other test firmwares.
const U_F64: [f64; 7] = [1e-6, 0.02, 0.3, 0.5, 0.77, 0.999, 1.0 - 1e-6];
const U_F32: [f64; 7] = [1e-3, 0.02, 0.3, 0.5, 0.77, 0.98, 0.999];
/// `(α, β)` of the round trips: series and continued fraction, both
/// branches of the quantile's start, rates either side of 1.
const SHAPES: [(f64, f64); 6] = [
    (0.1, 1.0),
    (0.5, 3.0),
    (2.5, 0.5),
    (30.0, 2.0),
    (1e3, 1.0),
    (1e6, 0.25),
];
/// The exponential's rates, and the points `βx` its tails are checked at
/// (from deep in the lower tail to `Q ≈ 2e-35`, normal in f32).
const EXP_RATES: [f64; 2] = [0.3, 2.5];
const EXP_Y: [f64; 8] = [1e-30, 1e-5, 0.1, 0.7, 2.3, 10.0, 36.0, 80.0];
/// A concentration with a small entry (draws near 0) and large ones.
const CONCENTRATION: [f64; 4] = [0.5, 2.0, 3.5, 0.1];
/// Draws per sampler check.
const SAMPLES: usize = 8;

/// Precision-dependent constants: the contract of tests/gamma.rs.
struct Precision {
    name: &'static str,
    /// The tails' error: relative `A + 8εκ`.
    a: f64,
    eps: f64,
    /// The quantile's: `ulps·ulp(y*) + cond·ε(1 + κ)·min(u, 1 − u)/f`.
    ulps: f64,
    cond: f64,
    /// `dx/dα`'s: `|d − d*| ≤ grad_rel·|d*| + grad_abs`.
    grad_rel: f64,
    grad_abs: f64,
    grid: &'static [f64; 7],
    /// The smallest normal number: reference points below it are f64's.
    min_normal: f64,
}

const F64: Precision = Precision {
    name: "f64",
    a: 1e-14,
    eps: f64::EPSILON,
    ulps: 8.0,
    cond: 8.0,
    grad_rel: 1e-10,
    grad_abs: 0.0,
    grid: &U_F64,
    min_normal: f64::MIN_POSITIVE,
};
const F32: Precision = Precision {
    name: "f32",
    a: 1e-5,
    eps: f32::EPSILON as f64,
    ulps: 16.0,
    cond: 256.0,
    grad_rel: 1e-3,
    grad_abs: 1e-3,
    grid: &U_F32,
    min_normal: f32::MIN_POSITIVE as f64,
};

/// The library's uniform of each precision, called here to replay the
/// stream a sampler consumed.
trait Draw: Float {
    fn draw<R: RngCore>(rng: &mut R) -> Self;
}

impl Draw for f32 {
    fn draw<R: RngCore>(rng: &mut R) -> f32 {
        uniform_f32::<R, RandCore09>(rng)
    }
}

impl Draw for f64 {
    fn draw<R: RngCore>(rng: &mut R) -> f64 {
        uniform_f64::<R, RandCore09>(rng)
    }
}

/// The largest error/tolerance ratio seen by one kind of check (NaN counts
/// as infinite).
#[derive(Default)]
struct Worst(f64);

impl Worst {
    /// Whether `err ≤ tol`, keeping the ratio.
    fn within(&mut self, err: f64, tol: f64) -> bool {
        let r = err / tol;
        let r = if r.is_nan() { f64::INFINITY } else { r };
        if r > self.0 {
            self.0 = r;
        }
        r <= 1.0
    }
}

/// The worst ratios of one precision, printed after its checks.
#[derive(Default)]
struct Worsts {
    tails: Worst,
    quantile: Worst,
    dalpha: Worst,
    exp_tails: Worst,
    exp_quantile: Worst,
    trip: Worst,
    dirichlet: Worst,
}

fn abs(x: f64) -> f64 {
    if x < 0.0 {
        -x
    } else {
        x
    }
}

fn min(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else {
        b
    }
}

fn rel(got: f64, want: f64) -> f64 {
    if got == want {
        0.0
    } else {
        abs((got - want) / want)
    }
}

/// The unit in the last place of `x` in a format of epsilon `eps` (`x` a
/// normal number of that format).
fn ulp(x: f64, eps: f64) -> f64 {
    f64::from_bits(abs(x).to_bits() & 0x7ff0_0000_0000_0000) * eps
}

/// `κ = y·f(y)/m`, the relative conditioning of the tail of mass `m` at
/// `y`, with the density of Gamma(α, 1) from libm:
/// `y·f(y) = exp(α ln y − y − ln Γ(α))`.
fn kappa(alpha: f64, y: f64, m: f64) -> f64 {
    libm::exp(alpha * libm::log(y) - y - libm::lgamma(alpha)) / m
}

/// The selected reference rows, at a rate of 1 (so `x = y`). In f32 a
/// tail is checked where it is a normal f32, the quantile where `u` is one
/// to `10⁻⁷` relative (as tests/gamma.rs does). Returns the rows run.
#[inline(never)]
fn check_reference<F: Float>(t: &mut Tally, p: &Precision, w: &mut Worsts) -> usize {
    let (mut tails, mut quantiles, mut slopes, mut run) = (true, true, true, 0);
    for r in GAMMA_ROWS {
        let y = F::from_f64(r.y);
        let m = min(r.p, r.q);
        if !(y.to_f64() >= p.min_normal && m >= p.min_normal) {
            continue;
        }
        let Ok(g) = Gamma::new(F::from_f64(r.alpha), F::ONE) else {
            tails = false;
            continue;
        };
        run += 1;
        let k = r.y * r.f / m;
        let tol = p.a + 8.0 * p.eps * k;
        tails &= match (g.cdf(y), g.ccdf(y)) {
            (Ok(got_p), Ok(got_q)) => {
                let ok = w.tails.within(rel(got_p.to_f64(), r.p), tol);
                w.tails.within(rel(got_q.to_f64(), r.q), tol) && ok
            }
            _ => false,
        };

        let u = F::from_f64(r.u);
        let uf = u.to_f64();
        let mu = min(r.u, 1.0 - r.u);
        if u > F::ZERO && u < F::ONE && abs(uf - r.u) <= 1e-7 * mu {
            let x_tol = p.ulps * ulp(y.to_f64(), p.eps) + p.cond * p.eps * (1.0 + k) * mu / r.f;
            quantiles &= g
                .quantile(u)
                .is_ok_and(|x| w.quantile.within(abs(x.to_f64() - r.y), x_tol));
        }

        let d_tol = p.grad_rel * abs(r.dy_dalpha) + p.grad_abs;
        slopes &= g
            .dx_dalpha(y)
            .is_ok_and(|d| w.dalpha.within(abs(d.to_f64() - r.dy_dalpha), d_tol));
    }
    t.check(tails, "reference P and Q", p.name);
    t.check(quantiles, "reference quantile", p.name);
    t.check(slopes, "reference dx/dalpha", p.name);
    t.check(run >= 12, "enough reference rows in range", p.name);
    run
}

/// α = 1: Gamma(1, β) is the exponential. Its tails `−expm1(−βx)` and
/// `exp(−βx)` and its quantile `−log1p(−u)/β` come from libm in f64, from
/// the parameters as rounded to `F`; their own error (a few f64 ulp, and
/// the rounding of `βx` in f64) is added to the host's tolerances. The
/// quantile's: the host bound in `y = βx` (`f(y*) = 1 − u`), divided by
/// `β` (`ulp(y*)/β ≤ ε x*`), plus the rounding of that division.
#[inline(never)]
fn check_exponential<F: Float>(t: &mut Tally, p: &Precision, w: &mut Worsts) {
    let (mut tails, mut quantiles, mut rate_exact) = (true, true, true);
    let oracle = 4.0 * f64::EPSILON;
    for beta in EXP_RATES {
        let Ok(g) = Gamma::new(F::ONE, F::from_f64(beta)) else {
            return t.check(false, "construct Gamma(1, rate)", p.name);
        };
        let b = g.rate().to_f64();
        for y in EXP_Y {
            let x = F::from_f64(y / b);
            let by = b * x.to_f64();
            let (want_p, want_q) = (-libm::expm1(-by), libm::exp(-by));
            let k = by * want_q / min(want_p, want_q);
            let tol = p.a + 8.0 * p.eps * k + oracle * (1.0 + k);
            tails &= match (g.cdf(x), g.ccdf(x)) {
                (Ok(got_p), Ok(got_q)) => {
                    let ok = w.exp_tails.within(rel(got_p.to_f64(), want_p), tol);
                    w.exp_tails.within(rel(got_q.to_f64(), want_q), tol) && ok
                }
                _ => false,
            };
        }
        for &u in p.grid {
            let uf = F::from_f64(u).to_f64();
            let want = -libm::log1p(-uf) / b;
            let m = min(uf, 1.0 - uf);
            let k = b * want * (1.0 - uf) / m;
            let tol = ((p.ulps + 1.0) * p.eps + oracle) * want
                + p.cond * p.eps * (1.0 + k) * m / ((1.0 - uf) * b);
            let x = g.quantile(F::from_f64(u));
            quantiles &= x.is_ok_and(|x| w.exp_quantile.within(abs(x.to_f64() - want), tol));
            // dx/dβ = −x/β, the same operation in the same precision.
            rate_exact &= x.is_ok_and(|x| {
                g.dx_drate(x)
                    .is_ok_and(|d| d.to_f64().to_bits() == (-x / g.rate()).to_f64().to_bits())
            });
        }
    }
    t.check(tails, "alpha = 1: P = 1 - e^-bx, Q = e^-bx", p.name);
    t.check(quantiles, "alpha = 1: quantile = -ln(1 - u)/b", p.name);
    t.check(rate_exact, "alpha = 1: dx/drate = -x/rate exactly", p.name);
}

/// `x = Q(u)` against `u` through `cdf` and `ccdf` (the smaller tail).
/// From the host contract, with `m = min(u, 1 − u)`: the quantile is within
/// `ulps·ulp(y*) + cond·ε(1 + κ)m/f` of the root, which moves the tail by
/// `ulps·εκm + cond·ε(1 + κ)m`; forming `βx` again rounds `y` (`εκm`); the
/// tail itself adds `(A + 8εκ)m`. Also `P`, `Q` in [0, 1] and summing to 1
/// within `2A` plus rounding.
fn round_trip<F: Float>(g: &Gamma<F>, p: &Precision, w: &mut Worst, u: F, x: F) -> bool {
    let (Ok(c), Ok(cc)) = (g.cdf(x), g.ccdf(x)) else {
        return false;
    };
    let (c, cc) = (c.to_f64(), cc.to_f64());
    let (got, m) = if u <= F::HALF {
        (c, u.to_f64())
    } else {
        // 1 − u is exact for u ≥ ½.
        (cc, (F::ONE - u).to_f64())
    };
    let y = g.rate().to_f64() * x.to_f64();
    let k = kappa(g.alpha().to_f64(), y, m);
    let tol = m * (p.a + (9.0 + p.ulps) * p.eps * k + p.cond * p.eps * (1.0 + k));
    (0.0..=1.0).contains(&c)
        && (0.0..=1.0).contains(&cc)
        && abs(c + cc - 1.0) <= 2.0 * (p.a + p.eps)
        && w.within(abs(got - m), tol)
}

/// Round trips on the grid for each `(α, β)` of [`SHAPES`], with `dx/dα`
/// and `dx/dβ` at every point.
#[inline(never)]
fn check_round_trips<F: Float>(t: &mut Tally, p: &Precision, w: &mut Worsts) {
    let (mut trips, mut monotone, mut slopes, mut rate_exact) = (true, true, true, true);
    for (alpha, beta) in SHAPES {
        let Ok(g) = Gamma::new(F::from_f64(alpha), F::from_f64(beta)) else {
            return t.check(false, "construct", p.name);
        };
        let mut last = F::ZERO;
        for &u in p.grid {
            let u = F::from_f64(u);
            let Ok(x) = g.quantile(u) else {
                trips = false;
                continue;
            };
            if !(x.is_finite() && x > F::ZERO) {
                trips = false;
                continue;
            }
            trips &= round_trip(&g, p, &mut w.trip, u, x);
            monotone &= x >= last;
            last = x;
            slopes &= g.dx_dalpha(x).is_ok_and(|d| d.is_finite() && d >= F::ZERO);
            rate_exact &= g
                .dx_drate(x)
                .is_ok_and(|d| d.to_f64().to_bits() == (-x / g.rate()).to_f64().to_bits());
        }
    }
    t.check(trips, "quantile -> cdf round trip", p.name);
    t.check(monotone, "quantile non-decreasing in u", p.name);
    t.check(slopes, "dx/dalpha finite and >= 0", p.name);
    t.check(rate_exact, "dx/drate = -x/rate exactly", p.name);
}

/// The sampler draws `quantile(uniform)` from one draw of the stream: a
/// twin of the generator, read through the library's uniform, must give
/// the same bits and be left in the same state.
#[inline(never)]
fn check_sampler<F: Draw, R: RngCore + SeedableRng + Clone + PartialEq>(
    t: &mut Tally,
    p: &Precision,
) {
    let (mut valid, mut same) = (true, true);
    for (alpha, beta) in [(0.1, 1.0), (2.5, 0.5), (1e3, 1.0)] {
        let Ok(g) = Gamma::new(F::from_f64(alpha), F::from_f64(beta)) else {
            return t.check(false, "construct", p.name);
        };
        let mut rng = R::seed_from_u64(2016);
        let mut twin = rng.clone();
        for _ in 0..SAMPLES {
            let x = g.sample(&mut rng);
            let u = F::draw(&mut twin);
            let bits = x.to_f64().to_bits();
            same &= g.quantile(u).is_ok_and(|q| q.to_f64().to_bits() == bits);
            valid &= x.is_finite() && x >= F::ZERO;
            if x > F::ZERO {
                valid &= g.dx_dalpha(x).is_ok_and(|d| d.is_finite() && d >= F::ZERO);
            }
        }
        same &= rng == twin;
    }
    t.check(valid, "samples finite, >= 0, dx/dalpha finite >= 0", p.name);
    t.check(same, "sample = quantile(uniform), one draw each", p.name);
}

/// Dirichlet draws: `x_i = g_i/S` with `S` summed in order in `F` (bit for
/// bit), in [0, 1], summing to 1 within rounding: each quotient rounds by
/// `ε/2` and `S` by `(K − 1)ε/2` relative, so `|Σx − 1| ≤ Kε`; the sum is
/// taken here in f64 (`K` f64 roundings more). Then its refusals.
#[inline(never)]
fn check_dirichlet<F: Float, R: RngCore + SeedableRng + Clone + PartialEq>(
    t: &mut Tally,
    p: &Precision,
    w: &mut Worsts,
) {
    const K: usize = CONCENTRATION.len();
    let conc = CONCENTRATION.map(F::from_f64);
    let Ok(dir) = Dirichlet::new(&conc) else {
        return t.check(false, "construct Dirichlet", p.name);
    };
    let mut rng = R::seed_from_u64(7);
    let (mut sums, mut exact, mut grads) = (true, true, true);
    let tol = K as f64 * (p.eps + f64::EPSILON);
    for _ in 0..SAMPLES {
        let (mut g, mut x) = ([F::ZERO; K], [F::ZERO; K]);
        if dir.sample(&mut rng, &mut g, &mut x).is_err() {
            sums = false;
            continue;
        }
        let total = x.iter().fold(0.0, |s, v| s + v.to_f64());
        sums &= w.dirichlet.within(abs(total - 1.0), tol)
            && x.iter().all(|&v| v >= F::ZERO && v <= F::ONE);
        let s = g.iter().fold(F::ZERO, |s, &v| s + v);
        exact &= g.iter().zip(&x).all(|(&g, &x)| g.is_finite() && g / s == x);
        let mut bar = [F::ZERO; K];
        let x_bar = [1.0, -0.5, 0.0, 2.0].map(F::from_f64);
        grads &= dir.vjp(&g, &x_bar, &mut bar).is_ok() && bar.iter().all(|b| b.is_finite());
    }
    t.check(sums, "Dirichlet sums to 1, x in [0, 1]", p.name);
    t.check(exact, "Dirichlet x = g/S", p.name);
    t.check(grads, "Dirichlet vjp finite", p.name);

    let seven = F::from_f64(7.0);
    let kind = |r: Result<(), Error>| r.map_err(|e| e.kind());
    let mut ok = kind(Dirichlet::<F>::new(&[]).map(|_| ())) == Err(ErrorKind::NoComponents);
    let bad = [F::ONE, F::ZERO];
    ok &= kind(Dirichlet::new(&bad).map(|_| ())) == Err(ErrorKind::InvalidShape);
    let (mut g, mut x) = ([seven; K], [seven; K - 1]);
    let before = rng.clone();
    let r = dir.sample(&mut rng, &mut g, &mut x);
    ok &= kind(r) == Err(ErrorKind::BufferLength)
        && g == [seven; K]
        && x == [seven; K - 1]
        && rng == before;
    t.check(ok, "Dirichlet refusals, nothing written or drawn", p.name);
}

/// Refusals: each call returns its `ErrorKind`.
#[inline(never)]
fn check_refusals<F: Float>(t: &mut Tally, p: &Precision) {
    let kind = |r: Result<F, Error>| r.map(|_| ()).map_err(|e| e.kind());
    let new = |a: f64, b: f64| {
        Gamma::new(F::from_f64(a), F::from_f64(b))
            .map(|_| ())
            .map_err(|e| e.kind())
    };
    let nan = f64::NAN;
    // Just above the largest shape in either precision (exact in f32).
    let above = GAMMA_MAX_SHAPE + 1.0;
    let shapes = [0.0, -0.0, -1.0, nan, f64::INFINITY, above, 1e12];
    let mut ok = shapes
        .iter()
        .all(|&a| new(a, 1.0) == Err(ErrorKind::InvalidShape));
    ok &= new(GAMMA_MAX_SHAPE, 1.0).is_ok();
    t.check(
        ok,
        "shape <= 0, NaN, inf, > GAMMA_MAX_SHAPE refused",
        p.name,
    );
    let ok = [0.0, -0.0, -2.0, nan, f64::INFINITY]
        .iter()
        .all(|&b| new(2.0, b) == Err(ErrorKind::InvalidRate));
    t.check(ok, "rate <= 0, NaN, inf refused", p.name);

    let Ok(g) = Gamma::new(F::from_f64(2.5), F::from_f64(1.5)) else {
        return t.check(false, "construct", p.name);
    };
    let ok = [0.0, 1.0, -0.5, 2.0, nan]
        .iter()
        .all(|&u| kind(g.quantile(F::from_f64(u))) == Err(ErrorKind::UniformOutOfRange));
    t.check(ok, "u = 0, 1, outside, NaN refused", p.name);
    let all = |x: F, want: ErrorKind| {
        [g.cdf(x), g.ccdf(x), g.dx_dalpha(x), g.dx_drate(x)]
            .into_iter()
            .all(|r| kind(r) == Err(want))
    };
    let out = ErrorKind::XOutsideSupport;
    let ok = all(F::from_f64(-1.0), out)
        && all(-F::MIN_POSITIVE, out)
        && kind(g.dx_dalpha(F::ZERO)) == Err(out)
        && kind(g.dx_drate(F::ZERO)) == Err(out)
        && g.cdf(F::ZERO).is_ok_and(|c| c == F::ZERO)
        && g.ccdf(F::ZERO).is_ok_and(|c| c == F::ONE);
    t.check(ok, "x < 0 refused (dx at 0 too), cdf(0) = 0", p.name);
    let ok = [nan, f64::INFINITY, f64::NEG_INFINITY]
        .iter()
        .all(|&x| all(F::from_f64(x), ErrorKind::NonFiniteX));
    t.check(ok, "x = NaN, inf refused", p.name);
}

/// One sample and its `dx/dα` (shape opaque to the optimiser): the call
/// whose stack is measured.
#[inline(never)]
fn sample_and_dalpha<F: Float, R: RngCore + SeedableRng>() {
    if let Ok(g) = Gamma::new(black_box(F::from_f64(2.5)), F::ONE) {
        let mut rng = R::seed_from_u64(1);
        let x = g.sample(&mut rng);
        black_box(g.dx_dalpha(x).is_ok());
    }
}

fn run<F: Draw, R: RngCore + SeedableRng + Clone + PartialEq>(t: &mut Tally, p: &Precision) {
    let (checks, failures) = (t.checks, t.failures);
    let mut w = Worsts::default();
    let rows = check_reference::<F>(t, p, &mut w);
    check_exponential::<F>(t, p, &mut w);
    check_round_trips::<F>(t, p, &mut w);
    check_sampler::<F, R>(t, p);
    check_dirichlet::<F, R>(t, p, &mut w);
    check_refusals::<F>(t, p);
    hprintln!(
        "gamma {}: worst error/tolerance: reference ({} rows) P,Q {:.2e}, quantile {:.2e}, dx/dalpha {:.2e}; exponential P,Q {:.2e}, quantile {:.2e}; round trip {:.2e}; Dirichlet sum {:.2e}",
        p.name,
        rows,
        w.tails.0,
        w.quantile.0,
        w.dalpha.0,
        w.exp_tails.0,
        w.exp_quantile.0,
        w.trip.0,
        w.dirichlet.0
    );
    hprintln!(
        "gamma {}: {} checks, {} failures",
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
    let s32 = stack_depth(sample_and_dalpha::<f32, Xoshiro128PlusPlus>);
    let s64 = stack_depth(sample_and_dalpha::<f64, Xoshiro256PlusPlus>);
    hprintln!(
        "stack: gamma sample+dx/dalpha: f32 {} B, f64 {} B",
        s32,
        s64
    );
    hprintln!(
        "mixgrad Gamma tests (f64, f32): {} checks, {} failures",
        t.checks,
        t.failures
    );
    t.exit()
}

mixgrad_embedded::test_firmware_handlers!();
