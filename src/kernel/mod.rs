//! The conditional-mixture kernel (docs/math.md §2): coordinate `d` given
//! `x_<d` is a one-dimensional mixture with weights `p^(d) = softmax(ℓ^(d))`
//! ([`log_weights`]); this module evaluates its CDF, complement, density
//! and the density's derivative at a point ([`conditional`]).

pub(crate) mod log_weights;

use crate::{Family, Float};

/// The clamp on standardised distances, per precision.
pub trait DistanceClamp: Sized {
    /// Standardised distances are clamped to `±Z_MAX` so that `z²/2`, and
    /// the log-weights `ℓ` summed over up to `2^32` dimensions, stay finite:
    /// the recursion can then be undone in the reverse sweep. A component
    /// that far away has weight exactly zero next to any component that is
    /// not.
    const Z_MAX: Self;
    /// The clamp of the families whose `ln g` falls like `−|z|` or slower
    /// (logistic, Laplace, Cauchy): `|z|` summed over `2^32` dimensions
    /// stays finite.
    const Z_MAX_LINEAR: Self;
}

// f64: |z| ≤ 2^450 keeps z²/2 ≤ 2^899, and 2^32 such terms stay below 2^1024.
impl DistanceClamp for f64 {
    const Z_MAX: f64 = 2.907_354_897_182_427_6e135; // 2^450
    const Z_MAX_LINEAR: f64 = 9.745_314_011_4e288; // 2^960
}

// f32: |z| ≤ 2^44 keeps z²/2 ≤ 2^87, and 2^32 such terms stay below 2^128.
impl DistanceClamp for f32 {
    const Z_MAX: f32 = 1.759_218_6e13; // 2^44
    const Z_MAX_LINEAR: f32 = 3.094_850_1e26; // 2^88
}

/// `z = (x − μ)/σ`, clamped to `±z_max` (a family's clamp,
/// [`StandardDensity::z_max`](crate::family::StandardDensity::z_max)).
#[inline(always)]
pub(crate) fn standardise_within<F: Float>(x: F, mu: F, sigma: F, z_max: F) -> F {
    let diff = x - mu;
    // x − μ overflows only for |x|, |μ| near MAX with opposite signs; then
    // x/σ − μ/σ is finite (σ ≥ 1) or ±∞ of the right sign, never ∞ − ∞.
    let z = if diff.is_finite() {
        diff / sigma
    } else {
        x / sigma - mu / sigma
    };
    // NaN cannot occur: x and μ are finite and σ > 0; only ±∞ from overflow.
    z.max(-z_max).min(z_max)
}

/// The conditional CDF, its complement, the density and its derivative of
/// one coordinate at one point (docs/math.md §2):
/// `F = Σ p G(z)`, `Fc = Σ p Gc(z)`, `f = Σ p g(z)/σ`, `f' = Σ p ψ(z) g(z)/σ²`.
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
pub(crate) fn conditional<F: Float, G: Family>(
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
        let t = component_terms::<F, G>(x, mu, sigma, pk);
        c.cdf += t.lower;
        c.ccdf += t.upper;
        c.pdf += t.density;
        c.dpdf -= t.slope;
    }
    c
}

/// One component's terms of [`Conditional`] at `x`, weighted by `p`.
pub(crate) struct ComponentTerms<F> {
    /// `p G(z)`, `p Gc(z)`.
    pub lower: F,
    pub upper: F,
    /// `p g(z)/σ`, and `−p ψ(z) g(z)/σ²` (minus the density's slope).
    pub density: F,
    pub slope: F,
}

/// [`ComponentTerms`] of the component `(μ, σ)` of weight `p` at `x`.
#[inline(always)]
pub(crate) fn component_terms<F: Float, G: Family>(
    x: F,
    mu: F,
    sigma: F,
    p: F,
) -> ComponentTerms<F> {
    let z = G::standardise(x, mu, sigma);
    let (lower, upper, g) = G::tails_density(z);
    let density = p * g / sigma;
    ComponentTerms {
        lower: p * lower,
        upper: p * upper,
        density,
        slope: density * G::neg_score(z) / sigma,
    }
}

/// The density and its derivative where [`conditional`]'s overflowed (a
/// subnormal `σ` makes `φ/σ` infinite): returns `(s·f, s²·f', s)` with `s`
/// the smallest active `σ`, each term `p φ (s/σ)` finite.
#[cold]
pub(crate) fn conditional_rescaled<F: Float, G: Family>(
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
        let z = G::standardise(x, mu, sigma);
        let ratio = s / sigma;
        let dens = pk * G::density(z) * ratio;
        pdf += dens;
        dpdf -= dens * G::neg_score(z) * ratio;
    }
    (pdf, dpdf, s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::family::StandardDensity;
    use crate::Gaussian;

    #[test]
    fn the_clamp_is_the_stated_power_of_two_and_keeps_sums_finite() {
        // Exact powers of two from their bits (`powi` is not exact under
        // Miri, which perturbs non-basic float operations on purpose).
        let pow2 = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
        let pow2f = |e: i32| f32::from_bits(((e + 127) as u32) << 23);
        assert_eq!(<f64 as DistanceClamp>::Z_MAX, pow2(450));
        assert_eq!(<f32 as DistanceClamp>::Z_MAX, pow2f(44));
        assert_eq!(<f64 as DistanceClamp>::Z_MAX_LINEAR, pow2(960));
        assert_eq!(<f32 as DistanceClamp>::Z_MAX_LINEAR, pow2f(88));
        assert!((<f64 as DistanceClamp>::Z_MAX_LINEAR + 1e3) * pow2(32) < f64::MAX);
        assert!((<f32 as DistanceClamp>::Z_MAX_LINEAR + 1e2) * pow2f(32) < f32::MAX);
        // 2^32 dimensions of the largest |log N| stay finite.
        let z = <f64 as DistanceClamp>::Z_MAX;
        assert!((0.5 * z * z + 1e3) * pow2(32) < f64::MAX);
        let z = <f32 as DistanceClamp>::Z_MAX;
        assert!((0.5 * z * z + 1e2) * pow2f(32) < f32::MAX);
    }

    #[test]
    fn standardise_clamps_overflow() {
        let standardise = Gaussian::standardise::<f64>;
        assert_eq!(
            standardise(1e308, -1e308, 1e-300),
            <f64 as DistanceClamp>::Z_MAX
        );
        assert_eq!(
            standardise(-1e308, 1e308, 1.0),
            -<f64 as DistanceClamp>::Z_MAX
        );
        let z = <f64 as DistanceClamp>::Z_MAX;
        assert!(crate::Gaussian::log_density(z, 1e-300f64.ln()).is_finite());
    }
}
