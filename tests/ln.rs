//! `special::ln::ln_positive` against 60-digit mpmath values
//! (`tests/data/ln.txt`, written by `tools/gen_ln.py`): subnormals, both
//! ends of every binade, the neighbourhood of 1 and of the reduction's
//! switch at `√2`, and random inputs. Over the table the maximum error is
//! 0.714 ulp (at x = 1.6183734840152093 it returns the neighbour of the
//! correctly rounded value); the budget is 0.75. FreeBSD's `log`, whose
//! operations it runs, documents < 1 ulp: faithful, not correctly rounded.
//! Also against `libm::log` on a stride through every binade, around the
//! switch and on a million random bit patterns: within 1 ulp of each
//! other, which holds for any `log` under 1 ulp, so no particular libm
//! version is assumed.

mod common;

use mixgrad::internals::ln_positive;

/// Budget in ulps of the exact value (see the module comment).
const BUDGET: f64 = 0.75;

/// `(x, hi, lo)` with `hi + lo = ln x`.
fn reference() -> Vec<(f64, f64, f64)> {
    common::triples(include_str!("data/ln.txt"))
}

/// ulp of a finite nonzero number's magnitude (subnormals included).
fn ulp(v: f64) -> f64 {
    let a = v.abs();
    f64::from_bits(a.to_bits() + 1) - a
}

#[test]
fn within_budget_of_60_digits() {
    let table = reference();
    assert!(table.len() > 9000);
    let mut worst = (0.0f64, 0.0f64);
    for &(x, hi, lo) in &table {
        let got = ln_positive(x);
        if hi == 0.0 {
            assert_eq!((x, got), (1.0, 0.0));
            continue;
        }
        // (got − hi) is exact (Sterbenz) for got within a few ulps of hi.
        let err = ((got - hi) - lo).abs() / ulp(hi);
        if err > worst.0 {
            worst = (err, x);
        }
    }
    println!("max error {:.4} ulp at x = {:e}", worst.0, worst.1);
    assert!(
        worst.0 <= BUDGET,
        "max error {} ulp at x = {:e}",
        worst.0,
        worst.1
    );
}

/// Within 1 ulp of `libm::log` (both are under 1 ulp of the exact value,
/// so a difference of 2 would mean one of them is not).
fn check(x: f64) {
    let (got, want) = (ln_positive(x), libm::log(x));
    let tolerance = if want == 0.0 { 0.0 } else { ulp(want) };
    assert!(
        (got - want).abs() <= tolerance,
        "ln_positive({x:e} = {:#018x}) = {got:e}, libm {want:e}",
        x.to_bits()
    );
}

#[test]
fn every_binade_with_a_stride_through_the_mantissas() {
    for exponent in 0..2047u64 {
        for mantissa in (0..1u64 << 52).step_by(4_503_599_627_391) {
            let bits = exponent << 52 | mantissa;
            if bits != 0 {
                check(f64::from_bits(bits));
            }
        }
        // Both ends of the binade (for exponent 0: the smallest subnormals
        // and the largest, next to MIN_POSITIVE).
        for mantissa in (1..64).chain((1 << 52) - 64..1 << 52) {
            check(f64::from_bits(exponent << 52 | mantissa));
        }
    }
}

#[test]
fn around_the_reduction_switch_at_sqrt_2() {
    // Mantissas above 0x6a09e… (√2) are reduced into the next binade.
    let switch = 0x6_a09e_0000_0000u64;
    for exponent in [1u64, 500, 1022, 1023, 1024, 2046] {
        for mantissa in switch - 4096..switch + 4096 {
            check(f64::from_bits(exponent << 52 | mantissa));
        }
    }
}

#[test]
fn random_positive_finite_bit_patterns() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..1_000_000 {
        // xorshift64*
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let bits = state.wrapping_mul(0x2545_f491_4f6c_dd1d) & 0x7fef_ffff_ffff_ffff;
        if bits != 0 {
            check(f64::from_bits(bits));
        }
    }
}

#[test]
fn exact_values() {
    assert_eq!(ln_positive(1.0), 0.0);
    assert_eq!(ln_positive(2.0), core::f64::consts::LN_2);
    // ln 2^k = k·ln2_hi + k·ln2_lo, correctly rounded.
    assert_eq!(ln_positive(0.5), -core::f64::consts::LN_2);
    // Monotone over the scales the crate meets most.
    let mut last = f64::NEG_INFINITY;
    for i in 1..=100_000 {
        let v = ln_positive(i as f64 * 1e-4);
        assert!(v >= last, "{i}");
        last = v;
    }
}
