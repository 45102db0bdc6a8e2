//! The conditional-mixture kernel (docs/math.md §2): coordinate `d` given
//! `x_<d` is a one-dimensional mixture with weights `p^(d) = softmax(ℓ^(d))`
//! ([`log_weights`]); this module evaluates its CDF, complement, density
//! and the density's derivative at a point ([`conditional`]).

pub(crate) mod log_weights;

use crate::special::normal;
use crate::Float;

/// The clamp on standardised distances, per precision.
pub trait DistanceClamp: Sized {
    /// Standardised distances are clamped to `±Z_MAX` so that `z²/2`, and
    /// the log-weights `ℓ` summed over up to `2^32` dimensions, stay finite:
    /// the recursion can then be undone in the reverse sweep. A component
    /// that far away has weight exactly zero next to any component that is
    /// not.
    const Z_MAX: Self;
}

// f64: |z| ≤ 2^450 keeps z²/2 ≤ 2^899, and 2^32 such terms stay below 2^1024.
impl DistanceClamp for f64 {
    const Z_MAX: f64 = 2.907_354_897_182_427_6e135; // 2^450
}

// f32: |z| ≤ 2^44 keeps z²/2 ≤ 2^87, and 2^32 such terms stay below 2^128.
impl DistanceClamp for f32 {
    const Z_MAX: f32 = 1.759_218_6e13; // 2^44
}

/// `z = (x − μ)/σ`, clamped to `±Z_MAX` so that `z²` and everything built on
/// it stays finite (see [`DistanceClamp`]).
#[inline(always)]
pub(crate) fn standardise<F: Float>(x: F, mu: F, sigma: F) -> F {
    let diff = x - mu;
    // x − μ overflows only for |x|, |μ| near MAX with opposite signs; then
    // x/σ − μ/σ is finite (σ ≥ 1) or ±∞ of the right sign, never ∞ − ∞.
    let z = if diff.is_finite() {
        diff / sigma
    } else {
        x / sigma - mu / sigma
    };
    // NaN cannot occur: x and μ are finite and σ > 0; only ±∞ from overflow.
    z.max(-F::Z_MAX).min(F::Z_MAX)
}

/// `log N_kd = −z²/2 − ln σ − ½ ln 2π` (docs/math.md §2), given `ln σ`.
#[inline(always)]
pub(crate) fn log_normal<F: Float>(z: F, ln_sigma: F) -> F {
    -F::HALF * z * z - ln_sigma - F::LN_SQRT_2PI
}

/// The conditional CDF, its complement, the density and its derivative of
/// one coordinate at one point (docs/math.md §2):
/// `F = Σ p Φ(z)`, `Fc = Σ p Φc(z)`, `f = Σ p φ(z)/σ`, `f' = −Σ p φ(z) z/σ²`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conditional<F> {
    pub cdf: F,
    pub ccdf: F,
    pub pdf: F,
    pub dpdf: F,
}

/// Evaluates [`Conditional`] at `x` for responsibilities `p`. Each component
/// costs one tails-and-density evaluation (one `exp` in f64); both tails are
/// accumulated from the smaller one, so `F` and `Fc` each keep full
/// relative accuracy.
// In line on hosts (a call per dimension and evaluation costs the CDF
// loop its overlap with the caller's); out of line for `small-code`.
#[cfg_attr(not(feature = "small-code"), inline(always))]
pub(crate) fn conditional<F: Float>(
    column: impl Iterator<Item = (F, F)>,
    p: &[F],
    x: F,
) -> Conditional<F> {
    let mut c = Conditional {
        cdf: F::ZERO,
        ccdf: F::ZERO,
        pdf: F::ZERO,
        dpdf: F::ZERO,
    };
    for ((mu, sigma), &pk) in column.zip(p) {
        if pk == F::ZERO {
            continue;
        }
        let z = standardise(x, mu, sigma);
        let (lower, upper, phi) = normal::tails_density(z);
        let dens = pk * phi / sigma;
        c.cdf += pk * lower;
        c.ccdf += pk * upper;
        c.pdf += dens;
        c.dpdf -= dens * z / sigma;
    }
    c
}

/// The density and its derivative where [`conditional`]'s overflowed (a
/// subnormal `σ` makes `φ/σ` infinite): returns `(s·f, s²·f', s)` with `s`
/// the smallest active `σ`, each term `p φ (s/σ)` finite.
#[cold]
pub(crate) fn conditional_rescaled<F: Float>(
    column: impl Iterator<Item = (F, F)> + Clone,
    p: &[F],
    x: F,
) -> (F, F, F) {
    let mut s = F::MAX;
    for ((_, sigma), &pk) in column.clone().zip(p) {
        if pk != F::ZERO {
            s = s.min(sigma);
        }
    }
    let (mut pdf, mut dpdf) = (F::ZERO, F::ZERO);
    for ((mu, sigma), &pk) in column.zip(p) {
        if pk == F::ZERO {
            continue;
        }
        let z = standardise(x, mu, sigma);
        let ratio = s / sigma;
        let dens = pk * normal::density(z) * ratio;
        pdf += dens;
        dpdf -= dens * z * ratio;
    }
    (pdf, dpdf, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clamp_is_the_stated_power_of_two_and_keeps_sums_finite() {
        // Exact powers of two from their bits (`powi` is not exact under
        // Miri, which perturbs non-basic float operations on purpose).
        let pow2 = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
        let pow2f = |e: i32| f32::from_bits(((e + 127) as u32) << 23);
        assert_eq!(<f64 as DistanceClamp>::Z_MAX, pow2(450));
        assert_eq!(<f32 as DistanceClamp>::Z_MAX, pow2f(44));
        // 2^32 dimensions of the largest |log N| stay finite.
        let z = <f64 as DistanceClamp>::Z_MAX;
        assert!((0.5 * z * z + 1e3) * pow2(32) < f64::MAX);
        let z = <f32 as DistanceClamp>::Z_MAX;
        assert!((0.5 * z * z + 1e2) * pow2f(32) < f32::MAX);
    }

    #[test]
    fn standardise_clamps_overflow() {
        assert_eq!(
            standardise(1e308, -1e308, 1e-300),
            <f64 as DistanceClamp>::Z_MAX
        );
        assert_eq!(
            standardise(-1e308, 1e308, 1.0),
            -<f64 as DistanceClamp>::Z_MAX
        );
        assert!(log_normal(<f64 as DistanceClamp>::Z_MAX, 1e-300f64.ln()).is_finite());
    }
}
