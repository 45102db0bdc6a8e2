//! The normal tails and density over lanes: the bits of
//! [`tails_density_f64`](crate::special::ndtr::tails_density_f64) in every
//! lane. Its branches on `|z|` become selects; each rational function is
//! evaluated only when some lane needs it, and all share one division.

use super::exp::exp;
use crate::elementary::arith::Arith;
use crate::simd::{Simd, V};
use crate::special::ndtr::{
    far_parts, middle_parts, near_parts, near_tail, square_parts, tail, FRAC_1_SQRT_2PI, TAIL_END,
};

/// `(Φ(z), Φc(z), φ(z))` per lane, for finite `z`.
#[inline(always)]
pub(crate) fn tails_density<S: Simd>(z: V<S>) -> [V<S>; 3] {
    let a = z.abs();
    let x = a * core::f64::consts::FRAC_1_SQRT_2;
    // exp(−a²/2) as the scalar code forms it (`exp_minus_half_square`).
    let (p, err) = square_parts(a);
    let e = exp(p * -0.5) * (err * 0.5).rsub(1.0);
    let near = x.lt(1.0);
    let far = x.ge(8.0);
    let middle = !(near | far);
    // The parts of the ranges present, then one division for all lanes.
    // (Three plain blocks, not a loop over function pointers, which the
    // compiler may leave uninlined: then the registers would cross calls
    // compiled for no particular instruction set.)
    let mut num = V::splat(z.s, 0.0);
    let mut den = V::splat(z.s, 1.0);
    if near.any() {
        let (n, d) = near_parts(x);
        num = near.select(n, num);
        den = near.select(d, den);
    }
    if middle.any() {
        let (n, d) = middle_parts(x);
        num = middle.select(n, num);
        den = middle.select(d, den);
    }
    if far.any() {
        let (n, d) = far_parts(x);
        num = far.select(n, num);
        den = far.select(d, den);
    }
    let q = num / den;
    let small = near.select(near_tail(q), tail(q, e));
    let beyond = a.ge(TAIL_END);
    let small = beyond.select(0.0, small);
    let density = beyond.select(0.0, e * FRAC_1_SQRT_2PI);
    let large = small.rsub(1.0);
    let negative = z.lt(0.0);
    [
        negative.select(small, large),
        negative.select(large, small),
        density,
    ]
}
