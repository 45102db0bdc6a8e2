//! The normal tails and density over lanes: the bits of
//! [`tails_density_f64`](crate::special::ndtr::tails_density_f64) in every
//! lane. Its branches on `|z|` become selects; each rational function is
//! evaluated only when some lane needs it.

use super::exp::exp;
use crate::elementary::arith::Arith;
use crate::simd::{Simd, V};
use crate::special::ndtr::{
    small_tail_far, small_tail_middle, small_tail_near, square_parts, FRAC_1_SQRT_2PI, TAIL_END,
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
    let mut small = V::splat(z.s, 0.0);
    if near.any() {
        small = near.select(small_tail_near(x), small);
    }
    if middle.any() {
        small = middle.select(small_tail_middle(x, e), small);
    }
    if far.any() {
        small = far.select(small_tail_far(x, e), small);
    }
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
