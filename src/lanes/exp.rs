//! `exp` over lanes: the bits of the scalar
//! [`exp`](crate::elementary::exp::exp) in every lane.
//!
//! The scalar function branches on the range of its argument; here each
//! range is a select. Below −512 the argument is shifted by 512 and the
//! result scaled by `e^-512` (a factor of exactly 1 elsewhere, which
//! changes no bit); below −746 the result is 0. Arguments at or above 512
//! and NaN, which the scalar function hands to `libm::exp`, take the
//! scalar function lane by lane.

use crate::elementary::exp::{exp as exp_scalar, exp_reduced, EXP_MINUS_512};
use crate::simd::{Simd, V};

/// `e^x` in every lane.
#[inline(always)]
pub(crate) fn exp<S: Simd>(x: V<S>) -> V<S> {
    let low = x.le(-512.0);
    // Lanes outside the table's range reduce 0 instead of their argument:
    // the result is selected away, and garbage operands could be subnormal
    // numbers, which cost a microcode assist per instruction on many x86
    // CPUs.
    let in_range = x.ge(-746.0) & x.lt(512.0);
    let shifted = low.select(x + 512.0, x);
    let reduced = exp_reduced(in_range.select(shifted, 0.0));
    let scaled = reduced * low.select(EXP_MINUS_512, 1.0);
    let out = x.lt(-746.0).select(0.0, scaled);
    if (!x.lt(512.0)).any() {
        return V::load(x.s, &rare(x.lanes(), out.lanes(), S::LANES));
    }
    out
}

/// [`exp`] where some of the first `lanes` lanes is at or above 512, or
/// NaN: those from the scalar function. (Arrays, not registers, cross the
/// call: this function is compiled for no particular instruction set.)
#[cold]
#[inline(never)]
fn rare(x: [f64; 8], mut out: [f64; 8], lanes: usize) -> [f64; 8] {
    for (o, &v) in out.iter_mut().zip(&x).take(lanes) {
        // NaN too, which fails every comparison.
        if v >= 512.0 || v.is_nan() {
            *o = exp_scalar(v);
        }
    }
    out
}
