//! The normal tails and density from one `exp` (f64): `(Φ(z), Φc(z), φ(z))`.
//!
//! `libm::erfc` spends two `exp` calls per value above `|x| = 1.25` (it
//! splits `x²` to keep `exp(−x²)` exact), and the density needs a third. Here
//! `z²` is formed exactly as a double-length `hi + lo` (Dekker's product), so
//! `e = exp(−hi/2)·(1 − lo/2)` is `exp(−z²/2)` to working precision with one
//! `exp`, and the tail is `e` times a rational function:
//!
//! ```text
//! erfc(x) = e · P(x)/Q(x)        1 ≤ x < 8        (x = |z|/√2)
//! erfc(x) = e · R(x)/S(x)        x ≥ 8
//! erf(x)  = x · T(x²)/U(x²)      x < 1            (the smaller tail is ≥ 0.079 there)
//! φ(z)    = e / √(2π)
//! ```
//!
//! The rational approximations are S. L. Moshier's (Cephes `ndtr.c`, the
//! coefficients SciPy ships); `tests/normal_tails.rs` holds the smaller
//! tail and the density to 4ε relative against 50-digit mpmath values over
//! `|z| ≤ 38` (8ε for the tail below `|z| = √2`, see [`tails_density_f64`]).

// The coefficients are kept digit for digit as published (Cephes ndtr.c).
#![allow(clippy::excessive_precision)]

use crate::elementary::arith::Arith;

/// `polevl`: `c[0]·x^n + … + c[n]` by Horner's rule from 0, as Cephes
/// computes it (the first step `0·x + c[0]`).
#[inline(always)]
fn poly<T: Arith, const N: usize>(x: T, c: &[f64; N]) -> T {
    match c.split_first() {
        Some((&c0, rest)) => rest.iter().fold(x * 0.0 + c0, |acc, &ci| acc * x + ci),
        None => x * 0.0,
    }
}

/// `p1evl`: `x^N + c[0]·x^(N−1) + … + c[N−1]` (leading coefficient 1) by
/// Horner's rule, from `1·x + c[0] = x + c[0]`.
#[inline(always)]
fn poly1<T: Arith, const N: usize>(x: T, c: &[f64; N]) -> T {
    match c.split_first() {
        Some((&c0, rest)) => rest.iter().fold(x + c0, |acc, &ci| acc * x + ci),
        None => x * 0.0 + 1.0,
    }
}

const P: [f64; 9] = [
    2.461_969_814_735_305_125_24e-10,
    5.641_895_648_310_688_219_77e-1,
    7.463_210_564_422_699_126_87e0,
    4.863_719_709_856_813_666_14e1,
    1.965_208_329_560_770_982_42e2,
    5.264_451_949_954_773_586_31e2,
    9.345_285_271_719_576_075_40e2,
    1.027_551_886_895_157_102_72e3,
    5.575_353_353_693_993_275_26e2,
];
const Q: [f64; 8] = [
    1.322_819_511_547_449_925_08e1,
    8.670_721_408_859_897_423_29e1,
    3.549_377_788_878_198_910_62e2,
    9.757_085_017_432_054_897_53e2,
    1.823_909_166_879_097_362_89e3,
    2.246_337_608_187_109_817_92e3,
    1.656_663_091_941_613_501_82e3,
    5.575_353_408_177_276_755_46e2,
];
const R: [f64; 6] = [
    5.641_895_835_477_550_739_84e-1,
    1.275_366_707_599_781_044_16e0,
    5.019_050_422_511_804_774_14e0,
    6.160_210_979_930_535_851_95e0,
    7.409_742_699_504_489_391_60e0,
    2.978_866_653_721_002_406_70e0,
];
const S: [f64; 6] = [
    2.260_528_632_201_172_765_90e0,
    9.396_035_249_380_014_346_73e0,
    1.204_895_398_080_966_566_05e1,
    1.708_144_507_475_658_972_22e1,
    9.608_968_090_632_858_781_98e0,
    3.369_076_451_000_815_160_50e0,
];
const T: [f64; 5] = [
    9.604_973_739_870_516_387_49e0,
    9.002_601_972_038_426_892_17e1,
    2.232_005_345_946_843_192_26e3,
    7.003_325_141_128_050_754_73e3,
    5.559_230_130_103_949_627_68e4,
];
const U: [f64; 5] = [
    3.356_171_416_475_030_996_47e1,
    5.213_579_497_801_526_797_95e2,
    4.594_323_829_709_801_279_87e3,
    2.262_900_006_138_909_342_46e4,
    4.926_739_426_086_359_210_86e4,
];

/// `exp(−a²/2)` for `a ≥ 0` with `a²` formed exactly (Dekker's split
/// product), so the rounding of `a²` costs nothing: one `exp`.
#[inline(always)]
fn exp_minus_half_square(a: f64) -> f64 {
    let (p, err) = square_parts(a);
    crate::elementary::exp::exp(p * -0.5) * (err * 0.5).rsub(1.0)
}

/// `a² = p + err` exactly: `p = fl(a·a)` and the rounding error `err`
/// (Dekker's split product). `exp(−(p + err)/2) = exp(−p/2)·(1 − err/2)` to
/// `O(err²)`, `|err| ≤ ulp(p)/2`.
#[inline(always)]
pub(crate) fn square_parts<T: Arith>(a: T) -> (T, T) {
    let c = a * 134_217_729.0; // 2^27 + 1
    let hi = c - (c - a);
    let lo = a - hi;
    let p = a * a;
    let err = ((hi * hi - p) + hi * 2.0 * lo) + lo * lo;
    (p, err)
}

/// The smaller tail is one of three rational functions of `x = |z|/√2`,
/// each `numerator / denominator` finished by [`near_tail`] or [`tail`]:
/// the parts are apart so that lanes in different ranges share one
/// division (`crate::lanes::normal`).
///
/// For `x < 1`: `x·T(x²)` over `U(x²)`.
#[inline(always)]
pub(crate) fn near_parts<T: Arith>(x: T) -> (T, T) {
    let x2 = x * x;
    (x * poly(x2, &T), poly1(x2, &U))
}

/// For `1 ≤ x < 8`: `P(x)` over `Q(x)`.
#[inline(always)]
pub(crate) fn middle_parts<T: Arith>(x: T) -> (T, T) {
    (poly(x, &P), poly1(x, &Q))
}

/// For `x ≥ 8`: `R(x)` over `S(x)`.
#[inline(always)]
pub(crate) fn far_parts<T: Arith>(x: T) -> (T, T) {
    (poly(x, &R), poly1(x, &S))
}

/// The smaller tail for `x < 1` from its ratio `q`: `(1 − erf x)/2`.
#[inline(always)]
pub(crate) fn near_tail<T: Arith>(q: T) -> T {
    (q * 0.5).rsub(0.5)
}

/// The smaller tail for `x ≥ 1` from its ratio `q` and `e = exp(−z²/2)`.
#[inline(always)]
pub(crate) fn tail<T: Arith>(q: T, e: T) -> T {
    e * 0.5 * q
}

/// `1/√(2π)`.
pub(crate) const FRAC_1_SQRT_2PI: f64 = 0.398_942_280_401_432_677_939_946_059_934_381_87;

/// Beyond this `|z|`, `exp(−z²/2) < 1e-347`: the tail and the density are 0
/// (and the rational functions would overflow for huge `x`).
pub(crate) const TAIL_END: f64 = 40.0;

/// `(Φ(z), Φc(z), φ(z))` for finite `z`. The smaller tail and the density
/// are accurate to a few ulps relative down to the normal range (|z| ≈ 37.5);
/// the larger tail is `1 − smaller`. Below `|z| = √2` the smaller tail is
/// `(1 − erf)/2` with a tail ≥ 0.079, which amplifies erf's rounding by up
/// to 6: an 8ε budget there, 4ε elsewhere.
///
/// `#[inline]`, not `always`: forced into every call site it made the
/// panic-check firmware (every entry point, both precisions) overflow the
/// micro:bit's flash and enlarged every f64 firmware, for a modest gain in
/// the vjp's speed (docs/performance.md, "Tried and dropped").
#[inline]
pub fn tails_density_f64(z: f64) -> (f64, f64, f64) {
    let a = z.abs();
    let x = a * core::f64::consts::FRAC_1_SQRT_2;
    if a >= TAIL_END {
        return if z < 0.0 {
            (0.0, 1.0, 0.0)
        } else {
            (1.0, 0.0, 0.0)
        };
    }
    // One exp for every branch, ahead of them: the branch on x is
    // unpredictable for points among the components, and only the rational
    // function depends on it.
    let e = exp_minus_half_square(a);
    let small = if x < 1.0 {
        let (num, den) = near_parts(x);
        near_tail(num / den)
    } else if x < 8.0 {
        let (num, den) = middle_parts(x);
        tail(num / den, e)
    } else {
        let (num, den) = far_parts(x);
        tail(num / den, e)
    };
    let density = e * FRAC_1_SQRT_2PI;
    let large = 1.0 - small;
    if z < 0.0 {
        (small, large, density)
    } else {
        (large, small, density)
    }
}
