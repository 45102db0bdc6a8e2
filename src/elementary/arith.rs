//! [`Arith`]: the arithmetic the hot special functions are written in, for
//! one `f64` or for a vector of them (`crate::simd::V`, one row per lane).
//!
//! `exp`'s reduction and the normal tails' rational functions are written
//! once over it, so the scalar code and every SIMD path run the same
//! operations in the same order: the same bits in every lane. Constants
//! sit on the right of an operator (`x * 0.5`, not `0.5 * x`), which IEEE
//! arithmetic does not distinguish.

use core::ops::{Add, Div, Mul, Sub};

/// `f64` arithmetic on one value or on lanes of values.
pub(crate) trait Arith:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Div<Output = Self>
    + Add<f64, Output = Self>
    + Sub<f64, Output = Self>
    + Mul<f64, Output = Self>
{
    /// `c − self`.
    fn rsub(self, c: f64) -> Self;
    /// `exp`'s table lookup: with `k` in the low bits of `kd`,
    /// `(T_i, 2^e·H_i)` ([`table_entry`](super::exp::table_entry)).
    fn exp_table(self) -> (Self, Self);
}

impl Arith for f64 {
    #[inline(always)]
    fn rsub(self, c: f64) -> f64 {
        c - self
    }
    #[inline(always)]
    fn exp_table(self) -> (f64, f64) {
        super::exp::table_entry(self.to_bits())
    }
}
