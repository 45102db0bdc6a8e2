//! The floating-point format the algorithms are written against: constants
//! and `libm` calls, nothing else.
//!
//! Every algorithm in the crate is generic over [`Float`], implemented for
//! `f32` and `f64` only (the trait is sealed). The transcendental functions
//! come from `libm`, so the crate needs no `std` and behaves identically on
//! every target. The numerical choices an algorithm makes per precision
//! (which special-function implementation, which clamps and limits) are
//! not here: each lives in a private trait beside the algorithm that makes
//! it, and the seal requires every precision to make them all.

use core::fmt::{Debug, Display};
use core::ops::{Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// A floating-point type the crate works in: `f32` or `f64`.
pub trait Float:
    crate::seal::Sealed
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
    /// Veltkamp's splitter `2^⌈p/2⌉ + 1` (`p` the significand's bits):
    /// splits a float into two halves whose products are exact.
    const SPLITTER: Self;
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
    /// `self^y`, within an ulp or so: unlike `exp(y·ln self)`, whose
    /// error grows with `|y·ln self|`.
    fn powf(self, y: Self) -> Self;
    /// `ln(1 + self)`, accurate for small `self`.
    fn ln_1p(self) -> Self;
    /// `e^self − 1`, accurate for small `self`.
    fn exp_m1(self) -> Self;
    /// Arctangent.
    fn atan(self) -> Self;
    /// Tangent.
    fn tan(self) -> Self;
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
}

macro_rules! impl_float {
    ($t:ident, $m:ident, $exp:path, $ln:path, $erfc:path, $sqrt:path,
     $ln_1p:path, $exp_m1:path, $atan:path, $tan:path, $pow:path) => {
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
            const SPLITTER: Self = ((1u32 << $t::MANTISSA_DIGITS.div_ceil(2)) + 1) as $t;

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
            fn powf(self, y: Self) -> Self {
                $pow(self, y)
            }
            #[inline(always)]
            fn ln_1p(self) -> Self {
                $ln_1p(self)
            }
            #[inline(always)]
            fn exp_m1(self) -> Self {
                $exp_m1(self)
            }
            #[inline(always)]
            fn atan(self) -> Self {
                $atan(self)
            }
            #[inline(always)]
            fn tan(self) -> Self {
                $tan(self)
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
        }
    };
}

// f64's `exp` is the crate's own (no division); the f32 square root is a
// table-free one (the flash budget of small microcontrollers).
impl_float!(
    f64,
    f64,
    crate::elementary::exp::exp,
    libm::log,
    libm::erfc,
    libm::sqrt,
    libm::log1p,
    libm::expm1,
    libm::atan,
    libm::tan,
    libm::pow
);
impl_float!(
    f32,
    f32,
    libm::expf,
    libm::logf,
    libm::erfcf,
    crate::elementary::sqrtf::sqrtf,
    libm::log1pf,
    libm::expm1f,
    libm::atanf,
    libm::tanf,
    libm::powf
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_max_is_the_overflow_threshold_of_exp() {
        assert!(libm::exp(<f64 as Float>::LN_MAX - 1e-9).is_finite());
        assert!(libm::exp(<f64 as Float>::LN_MAX + 1e-9).is_infinite());
        assert!(libm::expf(<f32 as Float>::LN_MAX - 1e-3).is_finite());
        assert!(libm::expf(<f32 as Float>::LN_MAX + 1e-3).is_infinite());
    }
}
