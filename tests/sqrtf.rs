//! `special::sqrtf` against `libm::sqrtf` (both correctly rounded, so the
//! reference is exact): every exponent, positive and negative, with a prime
//! stride through the mantissas, plus the neighbourhoods of the exponent
//! boundaries and of the perfect squares, where rounding is decided by the
//! last remainder bit.

use mixgrad::internals::sqrtf;

fn check(bits: u32) {
    let x = f32::from_bits(bits);
    let (got, want) = (sqrtf(x), libm::sqrtf(x));
    assert!(
        got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
        "sqrtf({x:e} = {bits:#010x}) = {got:e}, libm {want:e}"
    );
}

#[test]
fn every_exponent_with_a_stride_through_the_mantissas() {
    for sign in [0u32, 1 << 31] {
        for exponent in 0..=255u32 {
            for mantissa in (0..1u32 << 23).step_by(509) {
                check(sign | exponent << 23 | mantissa);
            }
            // Both ends of the binade, where the scaling changes.
            for mantissa in (0..64).chain((1 << 23) - 64..1 << 23) {
                check(sign | exponent << 23 | mantissa);
            }
        }
    }
}

#[test]
fn around_perfect_squares_and_midpoints() {
    // y² and (y + ½ulp)² land on or next to representable values: the cases
    // that a wrong rounding rule gets wrong.
    for y_bits in (0x0080_0000u32..0x7f00_0000).step_by(65_537) {
        let y = f32::from_bits(y_bits) as f64;
        let ulp = f32::from_bits(y_bits + 1) as f64 - y;
        for root in [y, y + ulp / 2.0] {
            let square = (root * root) as f32;
            if square.is_finite() && square > 0.0 {
                let b = square.to_bits();
                for bits in b.saturating_sub(2)..=b.saturating_add(2) {
                    check(bits);
                }
            }
        }
    }
}
