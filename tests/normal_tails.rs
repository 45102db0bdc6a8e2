//! `special::ndtr::tails_density_f64` against 50-digit mpmath values
//! (`tests/data/normal_tails.txt`, written by `tools/gen_normal_tails.py`):
//! the smaller tail and the density to 4ε relative wherever they are normal
//! numbers, both signs of z; 8ε for the tail below |z| = √2, where it is
//! `(1 − erf)/2 ≥ 0.079` and the subtraction amplifies erf's rounding up to
//! 6-fold. (docs/math.md §6 allows 1e-14 + 8εz² ≈ 45ε + 8εz².)

mod common;

use mixgrad::internals::ndtr::tails_density_f64;

fn reference() -> Vec<(f64, f64, f64)> {
    common::triples(include_str!("data/normal_tails.txt"))
}

#[test]
fn tails_and_density_to_four_ulps() {
    let table = reference();
    assert!(table.len() > 3000);
    let (mut worst_tail, mut worst_density) = (0.0f64, 0.0f64);
    for &(z, upper, density) in &table {
        for (zz, tail_of) in [(z, 1usize), (-z, 0usize)] {
            let (lower, upper_got, dens) = tails_density_f64(zz);
            let small = if tail_of == 1 { upper_got } else { lower };
            let large = if tail_of == 1 { lower } else { upper_got };
            if upper >= f64::MIN_POSITIVE {
                let rel = ((small - upper) / upper).abs() / f64::EPSILON;
                worst_tail = worst_tail.max(rel);
                let budget = if z < core::f64::consts::SQRT_2 {
                    8.0
                } else {
                    4.0
                };
                assert!(
                    rel <= budget,
                    "z = {zz}: tail {small:e} vs {upper:e} ({rel:.2} eps)"
                );
            }
            assert!(
                (large - (1.0 - upper)).abs() <= f64::EPSILON,
                "z = {zz}: larger tail"
            );
            if density >= f64::MIN_POSITIVE {
                let rel = ((dens - density) / density).abs() / f64::EPSILON;
                worst_density = worst_density.max(rel);
                assert!(
                    rel <= 4.0,
                    "z = {zz}: density {dens:e} vs {density:e} ({rel:.2} eps)"
                );
            }
        }
    }
    eprintln!("worst: tail {worst_tail:.2} eps, density {worst_density:.2} eps");
}

#[test]
fn far_tails_underflow_to_zero_not_nan() {
    for z in [39.0, 1e3, 1e150, 2.9e135] {
        let (lower, upper, dens) = tails_density_f64(-z);
        assert!((0.0..1e-300).contains(&lower) && upper == 1.0 && dens < 1e-300);
        let (lower, upper, _) = tails_density_f64(z);
        assert!(lower == 1.0 && (0.0..1e-300).contains(&upper));
    }
    assert_eq!(tails_density_f64(0.0), (0.5, 0.5, 0.398_942_280_401_432_7));
}
