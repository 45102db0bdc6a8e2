//! The one small float trait the algorithms are written against.
//!
//! Every algorithm in the crate is generic over [`Float`], implemented for
//! `f32` and `f64` only (the trait is sealed). The transcendental functions
//! come from `libm`, so the crate needs no `std` and behaves identically on
//! every target.

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point type the crate works in: `f32` or `f64`.
pub trait Float:
    sealed::Sealed
    + Copy
    + Debug
    + Display
    + Default
    + PartialOrd
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Neg<Output = Self>
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Send
    + Sync
    + 'static
{
    /// 0.
    const ZERO: Self;
    /// 1.
    const ONE: Self;
    /// 1/2.
    const HALF: Self;
    /// 2.
    const TWO: Self;
    /// Machine epsilon (`2^-52` for f64, `2^-23` for f32).
    const EPSILON: Self;
    /// Largest finite value.
    const MAX: Self;
    /// Smallest positive normal value.
    const MIN_POSITIVE: Self;
    /// +∞.
    const INFINITY: Self;
    /// −∞.
    const NEG_INFINITY: Self;
    /// `1/√2`.
    const FRAC_1_SQRT_2: Self;
    /// `1/√(2π)`.
    const FRAC_1_SQRT_2PI: Self;
    /// `ln √(2π)`.
    const LN_SQRT_2PI: Self;
    /// `ln(MAX)`: the largest argument whose `exp` is finite.
    const LN_MAX: Self;
    /// Standardised distances are clamped to `±Z_MAX` so that `z²/2`, and
    /// the log-weights `ℓ` summed over up to `2^32` dimensions, stay finite:
    /// the recursion of SPEC §2 can then be undone in the reverse sweep. A
    /// component that far away has weight exactly zero next to any component
    /// that is not.
    const Z_MAX: Self;
    /// The largest `|ℓ|` (log-weight) along a component's path for which
    /// the reverse sweep may undo the recursion by subtraction (2^56 in f64,
    /// 2^25 in f32). The double-length sum rounds by about `2^-105·|ℓ|`
    /// (f32: `2^-47·|ℓ|`) per step, so below the limit `ℓ` comes back to
    /// within `2^-39` (f32: `2^-12`) absolute after 1024 steps; above it the
    /// recovered value may be off by more than the gap to the leading
    /// component, and the sweep recomputes `ℓ` from the logits instead.
    const RECOVERY_LIMIT: Self;
    /// The power of two (2^-768 in f64) the reverse sweep scales its
    /// cotangent by when a first pass met `∞ − ∞`: a gradient whose true
    /// value is beyond the float range then overflows to `±∞` after scaling
    /// back, instead of its intermediates meeting as NaN. 1 (no second
    /// pass) in f32: its code (0.6 KiB) does not fit the f32 flash budget
    /// on a Cortex-M4F, so there such entries can still be NaN.
    const RESCUE_SCALE: Self;

    /// Converts an `f64` constant (rounding for `f32`).
    fn from_f64(v: f64) -> Self;
    /// Converts to `f64` (exact for both types).
    fn to_f64(self) -> f64;
    /// Converts a count (`K`, `D`), rounding for huge values; no `f64`
    /// arithmetic on the way (it is software floating point on an M4F).
    fn from_usize(n: usize) -> Self;
    /// The largest power of two not above `self`, for finite `self` of at
    /// least the smallest normal number (the exponent bits alone).
    fn pow2_floor(self) -> Self;
    /// `e^self`.
    fn exp(self) -> Self;
    /// Natural logarithm.
    fn ln(self) -> Self;
    /// Natural logarithm of a positive finite number (a validated scale),
    /// identical to [`ln`](Self::ln) there; in f64 without a branch, so
    /// that a column of them vectorises ([`special::ln`](crate::special::ln)).
    fn ln_positive(self) -> Self;
    /// Complementary error function.
    fn erfc(self) -> Self;
    /// Square root.
    fn sqrt(self) -> Self;
    /// Absolute value.
    fn abs(self) -> Self;
    /// Neither infinite nor NaN.
    fn is_finite(self) -> bool;
    /// NaN.
    fn is_nan(self) -> bool;
    /// The larger of the two (the non-NaN one if one is NaN).
    fn max(self, other: Self) -> Self;
    /// The smaller of the two (the non-NaN one if one is NaN).
    fn min(self, other: Self) -> Self;
    /// A uniform variate strictly inside (0, 1) from the generator (SPEC §3).
    fn uniform<R: rand_core::RngCore + ?Sized>(rng: &mut R) -> Self;
    /// The standard normal quantile `Φ^{-1}(p)` for `p` in (0, 1).
    fn normal_quantile(p: Self) -> Self;
    /// `(Φ(z), Φc(z), φ(z))`: both tails and the density of the standard
    /// normal, the smaller tail and the density to full relative accuracy.
    fn normal_tails_density(z: Self) -> (Self, Self, Self);
}

macro_rules! impl_float {
    ($t:ident, $m:ident, $exp:path, $ln:path, $ln_positive:path, $erfc:path, $sqrt:path,
     $z_max:expr, $recovery:expr, $rescue:expr, $uniform:path, $ndtri:path,
     $tails_density:path) => {
        impl Float for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;
            const HALF: Self = 0.5;
            const TWO: Self = 2.0;
            const EPSILON: Self = $t::EPSILON;
            const MAX: Self = $t::MAX;
            const MIN_POSITIVE: Self = $t::MIN_POSITIVE;
            const INFINITY: Self = $t::INFINITY;
            const NEG_INFINITY: Self = $t::NEG_INFINITY;
            const FRAC_1_SQRT_2: Self = core::$m::consts::FRAC_1_SQRT_2;
            const FRAC_1_SQRT_2PI: Self = 0.398_942_280_401_432_677_939_946_059_934_381_87;
            const LN_SQRT_2PI: Self = 0.918_938_533_204_672_741_780_329_736_405_617_6;
            const LN_MAX: Self = $t::MAX_EXP as $t * core::$m::consts::LN_2;
            const Z_MAX: Self = $z_max;
            const RECOVERY_LIMIT: Self = $recovery;
            const RESCUE_SCALE: Self = $rescue;

            #[inline(always)]
            fn from_f64(v: f64) -> Self {
                v as $t
            }
            #[inline(always)]
            fn to_f64(self) -> f64 {
                self as f64
            }
            #[inline(always)]
            fn from_usize(n: usize) -> Self {
                n as $t
            }
            #[inline(always)]
            fn pow2_floor(self) -> Self {
                // Sign and exponent kept, mantissa cleared.
                const MANTISSA: u32 = $t::MANTISSA_DIGITS - 1;
                $t::from_bits(self.to_bits() >> MANTISSA << MANTISSA)
            }
            #[inline(always)]
            fn exp(self) -> Self {
                $exp(self)
            }
            #[inline(always)]
            fn ln(self) -> Self {
                $ln(self)
            }
            #[inline(always)]
            fn ln_positive(self) -> Self {
                $ln_positive(self)
            }
            #[inline(always)]
            fn erfc(self) -> Self {
                $erfc(self)
            }
            #[inline(always)]
            fn sqrt(self) -> Self {
                $sqrt(self)
            }
            #[inline(always)]
            fn abs(self) -> Self {
                $t::abs(self)
            }
            #[inline(always)]
            fn is_finite(self) -> bool {
                $t::is_finite(self)
            }
            #[inline(always)]
            fn is_nan(self) -> bool {
                $t::is_nan(self)
            }
            #[inline(always)]
            fn max(self, other: Self) -> Self {
                $t::max(self, other)
            }
            #[inline(always)]
            fn min(self, other: Self) -> Self {
                $t::min(self, other)
            }
            #[inline(always)]
            fn uniform<R: rand_core::RngCore + ?Sized>(rng: &mut R) -> Self {
                $uniform(rng)
            }
            #[inline]
            fn normal_quantile(p: Self) -> Self {
                $ndtri(p)
            }
            #[inline(always)]
            fn normal_tails_density(z: Self) -> (Self, Self, Self) {
                $tails_density(z)
            }
        }
    };
}

// f64: |z| ≤ 2^450 keeps z²/2 ≤ 2^899, and 2^32 such terms stay below 2^1024.
impl_float!(
    f64,
    f64,
    crate::special::exp::exp,
    libm::log,
    crate::special::ln::ln_positive,
    libm::erfc,
    libm::sqrt,
    2.907_354_897_182_427_6e135, // 2^450
    72_057_594_037_927_936.0,    // 2^56
    6.441_148_769_597_133e-232,  // 2^-768
    crate::sample::uniform_f64,
    crate::special::ndtri::ndtri_f64,
    crate::special::ndtr::tails_density_f64
);
// f32: |z| ≤ 2^44 keeps z²/2 ≤ 2^87, and 2^32 such terms stay below 2^128.
impl_float!(
    f32,
    f32,
    libm::expf,
    libm::logf,
    libm::logf,
    libm::erfcf,
    crate::special::sqrtf::sqrtf,
    1.759_218_6e13, // 2^44
    33_554_432.0,   // 2^25
    1.0,            // no second pass
    crate::sample::uniform_f32,
    crate::special::ndtri::ndtri_f32,
    crate::special::normal::tails_density_separately
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamp_constants_are_the_stated_powers_of_two() {
        // Exact powers of two from their bits (`powi` is not exact under
        // Miri, which perturbs non-basic float operations on purpose).
        let pow2 = |e: i32| f64::from_bits(((e + 1023) as u64) << 52);
        let pow2f = |e: i32| f32::from_bits(((e + 127) as u32) << 23);
        assert_eq!(<f64 as Float>::Z_MAX, pow2(450));
        assert_eq!(<f32 as Float>::Z_MAX, pow2f(44));
        assert_eq!(<f64 as Float>::RECOVERY_LIMIT, pow2(56));
        assert_eq!(<f32 as Float>::RECOVERY_LIMIT, pow2f(25));
        assert_eq!(<f64 as Float>::RESCUE_SCALE, pow2(-768));
        assert_eq!(<f32 as Float>::RESCUE_SCALE, 1.0);
        // 2^32 dimensions of the largest |log N| stay finite.
        let z = <f64 as Float>::Z_MAX;
        assert!((0.5 * z * z + 1e3) * pow2(32) < f64::MAX);
        let z = <f32 as Float>::Z_MAX;
        assert!((0.5 * z * z + 1e2) * pow2f(32) < f32::MAX);
    }

    #[test]
    fn ln_max_is_the_overflow_threshold_of_exp() {
        assert!(libm::exp(<f64 as Float>::LN_MAX - 1e-9).is_finite());
        assert!(libm::exp(<f64 as Float>::LN_MAX + 1e-9).is_infinite());
        assert!(libm::expf(<f32 as Float>::LN_MAX - 1e-3).is_finite());
        assert!(libm::expf(<f32 as Float>::LN_MAX + 1e-3).is_infinite());
    }
}
