//! `sqrtf`, correctly rounded, in integer arithmetic without a table.
//!
//! `libm::sqrtf` (0.2.16) is a Goldschmidt iteration seeded from a 256-byte
//! reciprocal-square-root table, whose flash counts on a Cortex-M4F (its
//! `vsqrt.f32` instruction stable `no_std` Rust cannot reach without
//! `unsafe`). The f32 path spends its whole flash budget for sampling, `vjp`
//! and `cdf` (docs/embedded.md) on the mathematics, so this is the classic
//! restoring square root instead (Sun's `e_sqrtf.c`, as in FreeBSD and the
//! early `libm` crate): one result bit per step, exact remainder, rounding to
//! nearest-even from the remainder, in little code and no table. Speed is
//! irrelevant here (a few calls per sample: the tails of the normal quantile
//! and the quantile solver's set-up).
//!
//! `tests/sqrtf.rs` compares it bit for bit with `libm::sqrtf` (also
//! correctly rounded, so an exact reference) on every exponent with a
//! stride through the mantissas and around squares and midpoints; a run
//! over all 2^32 inputs found no difference.

/// `√x` rounded to nearest-even; `sqrt(±0) = ±0`, `sqrt(+∞) = +∞`, NaN for
/// NaN and for `x < 0`.
///
/// Never inlined: inlined into the quantile solver, its loop state added
/// to the solver's frame and pushed the Cortex-M0's stack for sample +
/// `vjp` over its budget (docs/embedded.md).
#[inline(never)]
pub fn sqrtf(x: f32) -> f32 {
    let bits = x.to_bits();
    if bits & 0x7f80_0000 == 0x7f80_0000 {
        // +∞ → +∞, NaN → NaN, −∞ → NaN.
        return x * x + x;
    }
    if bits & 0x7fff_ffff == 0 {
        return x;
    }
    if bits >> 31 != 0 {
        return f32::NAN;
    }
    // x = 1.f · 2^m with the significand as an integer in [2^23, 2^24).
    let mut sig = bits & 0x007f_ffff;
    let mut m = (bits >> 23) as i32;
    if m == 0 {
        // Subnormal: normalise (x > 0, so sig ≠ 0 and the loop ends).
        while sig & 0x0080_0000 == 0 {
            sig <<= 1;
            m -= 1;
        }
        m += 1;
    }
    let m = m - 127;
    let mut ix = sig | 0x0080_0000;
    if m & 1 != 0 {
        // Odd exponent: double the significand to make it even.
        ix += ix;
    }
    let m = m >> 1;

    // Bit by bit: q is the root so far, s = 2q in the scaled arithmetic,
    // ix the remainder (at most 2^26 before each doubling: no overflow).
    ix += ix;
    let (mut q, mut s) = (0u32, 0u32);
    let mut r = 0x0100_0000u32;
    while r != 0 {
        let t = s + r;
        if t <= ix {
            s = t + r;
            ix -= t;
            q += r;
        }
        ix += ix;
        r >>= 1;
    }
    // A nonzero remainder: the exact root lies strictly between q and the
    // next value, so round half to even on the extra bit q carries.
    if ix != 0 {
        q += q & 1;
    }
    let exponent = ((m + 126) as u32) << 23;
    f32::from_bits((q >> 1) + exponent)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_values() {
        assert_eq!(sqrtf(0.0).to_bits(), 0.0f32.to_bits());
        assert_eq!(sqrtf(-0.0).to_bits(), (-0.0f32).to_bits());
        assert_eq!(sqrtf(f32::INFINITY), f32::INFINITY);
        assert!(sqrtf(f32::NEG_INFINITY).is_nan());
        assert!(sqrtf(f32::NAN).is_nan());
        assert!(sqrtf(-1.0).is_nan());
        assert!(sqrtf(-f32::MIN_POSITIVE / 4.0).is_nan());
        assert_eq!(sqrtf(4.0), 2.0);
        assert_eq!(sqrtf(2.0), core::f32::consts::SQRT_2);
        // The smallest subnormal (√ = 2^-74.5) and the largest finite
        // value, against the f64 root rounded once more (double rounding is
        // innocuous for a square root when 53 ≥ 2·24 + 2, Figueroa 1995).
        for x in [f32::from_bits(1), f32::MAX, f32::MIN_POSITIVE, 3.0] {
            assert_eq!(sqrtf(x), libm::sqrt(f64::from(x)) as f32, "{x:e}");
        }
    }
}
