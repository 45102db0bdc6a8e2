//! Unbiasedness for the location-scale families (docs/math.md §9.1, §4),
//! statistically: the Monte Carlo mean of pathwise gradients of a loss
//! equals the gradient of its closed-form expectation, for both samplers.
//!
//! - logistic and Laplace: `L = Σ_d x_d²`, `E[L] = Σ_k π_k Σ_d (μ² + v σ²)`
//!   with `v` the standard variance (`π²/3`, 2);
//! - Cauchy, which has no moments: the bounded `L = Σ_d 1/(1 + x_d²)`. For
//!   a Cauchy `x = μ + σZ` and `h` bounded and analytic in the upper half
//!   plane, `E[h(x)] = h(μ + iσ)` (the Poisson kernel); with
//!   `h(z) = −Im 1/(z + i)`, `E[1/(1 + x²)] = (1 + σ)/(μ² + (1 + σ)²)`.
//!
//! Fixed seeds keep the test deterministic; the bound is 5 standard errors
//! per coordinate (as in tests/statistics.rs).

#![allow(clippy::needless_range_loop)]

use mixgrad::{Cauchy, DiagMixture, Family, Laplace, Logistic, SeedableRng, Xoshiro256PlusPlus};

const K: usize = 3;
const D: usize = 2;
const N: usize = 40_000;

fn mixture<G: Family>(family: G) -> DiagMixture<f64, K, D, G> {
    DiagMixture::of_family(
        family,
        [0.4, -0.3, 0.1],
        [[-1.0, 0.5], [0.8, -0.7], [2.0, 1.5]],
        [[0.6, 1.1], [1.0, 0.4], [0.5, 0.9]],
    )
    .unwrap()
}

/// A loss, its derivative, and the closed form of one coordinate's
/// expectation under one component `(μ, σ)` with its partial derivatives
/// `(E, ∂E/∂μ, ∂E/∂σ)`; `v` is the family's standard variance, if any.
struct Loss {
    dl: fn(f64) -> f64,
    expectation: fn(f64, f64, f64) -> (f64, f64, f64),
    v: f64,
}

/// `x²`, for a family of standard variance `v`.
fn square(v: f64) -> Loss {
    Loss {
        dl: |x| 2.0 * x,
        expectation: |mu, s, v| (mu * mu + v * s * s, 2.0 * mu, 2.0 * v * s),
        v,
    }
}

/// `1/(1 + x²)` for the Cauchy.
fn lorentzian() -> Loss {
    Loss {
        dl: |x| -2.0 * x / (1.0 + x * x).powi(2),
        expectation: |mu, s, _| {
            let a = 1.0 + s;
            let q = mu * mu + a * a;
            (a / q, -2.0 * mu * a / (q * q), (mu * mu - a * a) / (q * q))
        },
        v: f64::NAN,
    }
}

/// The gradient of `E[L]` (logits, means, scales).
fn closed_form<G: Family>(mix: &DiagMixture<f64, K, D, G>, loss: &Loss) -> Vec<f64> {
    let w: Vec<f64> = mix.logits().iter().map(|v| v.exp()).collect();
    let tot: f64 = w.iter().sum();
    let pi: Vec<f64> = w.iter().map(|v| v / tot).collect();
    let e = |k: usize, d: usize| (loss.expectation)(mix.means()[k][d], mix.scales()[k][d], loss.v);
    let m: Vec<f64> = (0..K).map(|k| (0..D).map(|d| e(k, d).0).sum()).collect();
    let mean_m: f64 = (0..K).map(|k| pi[k] * m[k]).sum();
    let mut g: Vec<f64> = (0..K).map(|k| pi[k] * (m[k] - mean_m)).collect();
    for part in [1, 2] {
        for k in 0..K {
            for d in 0..D {
                let (_, dmu, dsigma) = e(k, d);
                g.push(pi[k] * if part == 1 { dmu } else { dsigma });
            }
        }
    }
    g
}

/// The Monte Carlo mean of the pathwise gradient over `N` draws against the
/// closed form; `Err` names the first coordinate more than 5 SE away.
fn check<G: Family>(
    family: G,
    loss: &Loss,
    ancestral: bool,
    drop_weights: bool,
) -> Result<(), String> {
    let mix = mixture(family);
    let want = closed_form(&mix, loss);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(21 + u64::from(ancestral));
    let (mut sum, mut sum2) = (vec![0.0; want.len()], vec![0.0; want.len()]);
    for _ in 0..N {
        let x = if ancestral {
            mix.sample_ancestral(&mut rng).0
        } else {
            mix.sample_quantile(&mut rng).0
        };
        let g = mix.vjp(&x, &x.map(loss.dl)).unwrap();
        let mut flat: Vec<f64> = g.logits.to_vec();
        if drop_weights {
            flat.fill(0.0);
        }
        flat.extend(g.means.as_flattened().iter().chain(g.scales.as_flattened()));
        for (c, v) in flat.into_iter().enumerate() {
            sum[c] += v;
            sum2[c] += v * v;
        }
    }
    let n = N as f64;
    for c in 0..want.len() {
        let mean = sum[c] / n;
        let se = ((sum2[c] / n - mean * mean) / n).sqrt();
        let z = (mean - want[c]) / se;
        if z.abs() >= 5.0 {
            return Err(format!(
                "{} (ancestral {ancestral}): coordinate {c}: MC {mean:.5} ± {se:.5} vs {:.5} ({z:.1} SE)",
                G::NAME,
                want[c]
            ));
        }
    }
    Ok(())
}

#[test]
fn logistic_pathwise_gradients_are_unbiased() {
    let loss = square(std::f64::consts::PI.powi(2) / 3.0);
    check(Logistic, &loss, false, false).unwrap();
    check(Logistic, &loss, true, false).unwrap();
}

#[test]
fn laplace_pathwise_gradients_are_unbiased() {
    check(Laplace, &square(2.0), false, false).unwrap();
    check(Laplace, &square(2.0), true, false).unwrap();
}

#[test]
fn cauchy_pathwise_gradients_are_unbiased() {
    check(Cauchy, &lorentzian(), false, false).unwrap();
    check(Cauchy, &lorentzian(), true, false).unwrap();
}

#[test]
fn the_check_rejects_a_biased_estimator() {
    // Negative controls: without the weight gradient the estimate is
    // biased and must fail, for a light and the heavy family.
    assert!(check(
        Logistic,
        &square(std::f64::consts::PI.powi(2) / 3.0),
        false,
        true
    )
    .is_err());
    assert!(check(Cauchy, &lorentzian(), false, true).is_err());
}
