//! The standard normal tails `Φ`, `Φc` and density `φ` (docs/math.md §2; the
//! smaller tail first, §7.6).
//!
//! `Φ(z) = erfc(−z/√2)/2` and `Φc(z) = erfc(z/√2)/2`. Only the *smaller*
//! tail is ever computed through `erfc`; the larger is `1 − small`, which is
//! accurate in absolute terms and, being ≥ 1/2, also in relative terms. So a
//! component contributes to `F` and to `Fc = 1 − F` with full relative
//! accuracy from one `erfc` call.

use crate::Float;

/// Both tails of the standard normal at `z`: `(Φ(z), Φc(z))`.
#[inline(always)]
pub fn tails<F: Float>(z: F) -> (F, F) {
    let small = F::HALF * (z.abs() * F::FRAC_1_SQRT_2).erfc();
    let large = F::ONE - small;
    if z < F::ZERO {
        (small, large)
    } else {
        (large, small)
    }
}

/// `(Φ(z), Φc(z), φ(z))` in one call: for f64 from one `exp`
/// ([`ndtr::tails_density_f64`](super::ndtr::tails_density_f64)), for f32
/// from [`tails`] and [`density`].
#[inline(always)]
pub fn tails_density<F: Float>(z: F) -> (F, F, F) {
    F::normal_tails_density(z)
}

/// [`tails`] and [`density`] as two calls (`erfc`, `exp`): the f32 path,
/// where libm's `erfcf` is cheap and an f64 detour would be soft-float on
/// FPU-less or single-precision microcontrollers.
#[inline(always)]
pub fn tails_density_separately<F: Float>(z: F) -> (F, F, F) {
    let (lower, upper) = tails(z);
    (lower, upper, density(z))
}

/// The standard normal density `φ(z) = exp(−z²/2)/√(2π)`.
#[inline(always)]
pub fn density<F: Float>(z: F) -> F {
    (-F::HALF * z * z).exp() * F::FRAC_1_SQRT_2PI
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_are_complementary_and_accurate() {
        // mpmath 50 digits: ncdf(-10), ncdf(-37).
        let (lo, hi) = tails(-10.0f64);
        assert!((lo / 7.619_853_024_160_527e-24 - 1.0).abs() < 1e-14);
        assert_eq!(hi, 1.0);
        let (lo, hi) = tails(37.0f64);
        assert_eq!(lo, 1.0);
        // docs/math.md §6: 1e-14 + 8ε·z² (the rounding of z/√2 costs z²·ε).
        let tol = 1e-14 + 8.0 * f64::EPSILON * 37.0 * 37.0;
        assert!((hi / 5.725_571_222_524_577e-300 - 1.0).abs() < tol);
        let (a, b) = tails(0.0f64);
        assert_eq!((a, b), (0.5, 0.5));
    }

    #[test]
    fn density_peak_and_underflow() {
        assert_eq!(density(0.0f64), <f64 as Float>::FRAC_1_SQRT_2PI);
        assert_eq!(density(40.0f64), 0.0);
        assert_eq!(density(1e300f64), 0.0);
    }
}
