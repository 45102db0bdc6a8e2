//! Property tests over thousands of random mixtures of every family: no
//! panic, no NaN, bracket invariants, round-trip tolerances, solver work
//! bounds.

// Index loops over several parallel arrays read better than zips here.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{probit, ulp, EPS};
use mixgrad::{
    Cauchy, DiagMixtureRef, Family, FamilyKind, Gaussian, Laplace, Logistic,
    MAX_EVALUATIONS_PER_DIM,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Mix {
    family: FamilyKind,
    d: usize,
    logits: Vec<f64>,
    means: Vec<f64>,
    scales: Vec<f64>,
}

/// Mixtures with K ≤ 6, D ≤ 4, logits spanning e^±30 (some −∞), means up to
/// ±1e3 and scales over twelve orders of magnitude; half Gaussian, the rest
/// of the other families.
fn mixture() -> impl Strategy<Value = Mix> {
    let family = prop_oneof![
        3 => Just(FamilyKind::Gaussian),
        1 => Just(FamilyKind::Logistic),
        1 => Just(FamilyKind::Laplace),
        1 => Just(FamilyKind::Cauchy),
    ];
    (1usize..=6, 1usize..=4, family).prop_flat_map(|(k, d, family)| {
        let logit = prop_oneof![9 => -30.0f64..30.0, 1 => Just(f64::NEG_INFINITY)];
        let mean = prop_oneof![3 => -5.0f64..5.0, 1 => -1e3f64..1e3];
        let scale = prop_oneof![3 => 0.1f64..3.0, 1 => (-6.0f64..6.0).prop_map(|e| 10f64.powf(e))];
        (
            prop::collection::vec(logit, k),
            prop::collection::vec(mean, k * d),
            prop::collection::vec(scale, k * d),
        )
            .prop_map(move |(mut logits, means, scales)| {
                if logits.iter().all(|a| !a.is_finite()) {
                    logits[0] = 0.0;
                }
                Mix {
                    family,
                    d,
                    logits,
                    means,
                    scales,
                }
            })
    })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

fn uniform() -> impl Strategy<Value = f64> {
    prop_oneof![
        6 => 1e-6f64..(1.0 - 1e-6),
        1 => (-300.0f64..-6.0).prop_map(|e| 10f64.powf(e)),
        1 => (-15.9f64..-6.0).prop_map(|e| 1.0 - 10f64.powf(e)),
    ]
}

proptest! {
    // 3000 cases by default; PROPTEST_CASES=N runs a deeper search.
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn quantile_stays_in_its_bracket_and_inverts_cdf(m in mixture(), us in prop::collection::vec(uniform(), 4)) {
        match m.family {
            FamilyKind::Gaussian => quantile_inverts_cdf(Gaussian, &m, &us)?,
            FamilyKind::Logistic => quantile_inverts_cdf(Logistic, &m, &us)?,
            FamilyKind::Laplace => quantile_inverts_cdf(Laplace, &m, &us)?,
            FamilyKind::Cauchy => quantile_inverts_cdf(Cauchy, &m, &us)?,
        }
    }

    #[test]
    fn outputs_are_finite_for_valid_input(m in mixture(), seed in any::<u64>()) {
        match m.family {
            FamilyKind::Gaussian => outputs_are_finite(Gaussian, &m, seed)?,
            FamilyKind::Logistic => outputs_are_finite(Logistic, &m, seed)?,
            FamilyKind::Laplace => outputs_are_finite(Laplace, &m, seed)?,
            FamilyKind::Cauchy => outputs_are_finite(Cauchy, &m, seed)?,
        }
    }

    #[test]
    fn log_scales_view_is_bit_identical(m in mixture(), seed in any::<u64>(), us in prop::collection::vec(uniform(), 4)) {
        use mixgrad::{LogProbGrad, SeedableRng, Xoshiro256PlusPlus};
        // (The Gaussian view of every generated mixture.)
        let plain = DiagMixtureRef::new(&m.logits, &m.means, &m.scales, m.d).unwrap();
        let mut buf = vec![0.0; m.scales.len()];
        let fast = plain.with_log_scales(&mut buf).unwrap();
        let (k, d) = (m.logits.len(), m.d);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();

        // Each view's own draws (same seed): the samplers, then every
        // operation at the ancestral draw and on the quantile path.
        let mut draws = Vec::new();
        for v in [&plain, &fast] {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let (mut xa, mut xq, mut xu) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
            v.sample_ancestral(&mut rng, &mut xa).unwrap();
            v.sample_quantile(&mut rng, &mut xq, None).unwrap();
            let stats = v.quantile_with_stats(&us[..d], &mut xu).unwrap();
            let (mut f, mut fc, mut q) = (vec![0.0; d], vec![0.0; d], vec![0.0; d]);
            v.cdf_density(&xa, &mut f, Some(&mut fc), Some(&mut q)).unwrap();
            let (mut gx, mut ga, mut gm, mut gs) = (vec![0.0; d], vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
            let lp = v.log_prob_grad(&xa, LogProbGrad {
                x: Some(&mut gx), logits: Some(&mut ga), means: Some(&mut gm), scales: Some(&mut gs),
            }).unwrap();
            let (mut va, mut vm, mut vs) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
            let vjp = v.vjp(&xq, &vec![1.0; d], &mut va, &mut vm, &mut vs);
            let mut jac = vec![0.0; d * v.num_params()];
            let jr = v.jacobian(&xq, &mut jac);
            draws.push((
                [bits(&xa), bits(&xq), bits(&xu), bits(&f), bits(&fc), bits(&q)],
                stats,
                [bits(&[lp]), bits(&gx), bits(&ga), bits(&gm), bits(&gs)],
                (vjp, bits(&va), bits(&vm), bits(&vs)),
                (jr, bits(&jac)),
            ));
        }
        prop_assert_eq!(&draws[0], &draws[1]);
    }
}

/// `G⁻¹(t)` of the standard density for `0 < t ≤ ½` (test-only, from the
/// formulas of docs/math.md §9.1), and the family's tail conditioning
/// bound there (§9.2: `z²`, `|z|`, `|z|`, 1).
fn lower_quantile(family: FamilyKind, t: f64) -> (f64, f64) {
    match family {
        FamilyKind::Gaussian => {
            let z = probit(t);
            (z, z * z)
        }
        FamilyKind::Logistic => {
            let z = t.ln() - (-t).ln_1p();
            (z, z.abs())
        }
        FamilyKind::Laplace => {
            let z = (2.0 * t).ln();
            (z, z.abs())
        }
        FamilyKind::Cauchy => (-1.0 / (std::f64::consts::PI * t).tan(), 1.0),
    }
}

/// The quantile stays in the bracket of the components' own quantiles and
/// inverts the cdf to its backward error bound.
fn quantile_inverts_cdf<G: Family>(family: G, m: &Mix, us: &[f64]) -> Result<(), TestCaseError> {
    let v = DiagMixtureRef::of_family(family, &m.logits, &m.means, &m.scales, m.d).unwrap();
    // The Cauchy below 1e-280 meets the clamp on z (docs/math.md §9.2).
    let floor = if m.family == FamilyKind::Cauchy {
        1e-280
    } else {
        0.0
    };
    let u: Vec<f64> = us[..m.d].iter().map(|&u| u.max(floor)).collect();
    let mut x = vec![0.0; m.d];
    let stats = v.quantile_with_stats(&u, &mut x).unwrap();
    prop_assert!(x.iter().all(|v| v.is_finite()));
    prop_assert!(stats.max_per_dim <= MAX_EVALUATIONS_PER_DIM);

    let (mut f, mut fc, mut dens) = (vec![0.0; m.d], vec![0.0; m.d], vec![0.0; m.d]);
    v.cdf_density(&x, &mut f, Some(&mut fc), Some(&mut dens))
        .unwrap();
    for d in 0..m.d {
        // Bracket invariant: the root lies within the span of the active
        // components' own u-quantiles μ + σ z_u (docs/math.md §3.1), up
        // to rounding.
        let (z, kappa) = lower_quantile(m.family, u[d].min(1.0 - u[d]));
        let z = if u[d] > 0.5 { -z } else { z };
        let (mut lo, mut hi, mut terms) = (f64::INFINITY, f64::NEG_INFINITY, 0.0f64);
        for k in 0..m.logits.len() {
            if m.logits[k].is_finite() {
                let (mu, sz) = (m.means[k * m.d + d], m.scales[k * m.d + d] * z);
                lo = lo.min(mu + sz);
                hi = hi.max(mu + sz);
                // μ + σz can cancel: its rounding is relative to the terms.
                terms = terms.max(mu.abs() + sz.abs() + m.scales[k * m.d + d]);
            }
        }
        let pad = 1e-9 * (hi - lo).abs() + 64.0 * EPS * terms;
        prop_assert!(
            x[d] >= lo - pad && x[d] <= hi + pad,
            "x={} outside [{lo}, {hi}]",
            x[d]
        );

        // Backward error: F(x̂) = u to the accuracy x̂'s own ulp allows.
        let (got, want) = if u[d] <= 0.5 {
            (f[d], u[d])
        } else {
            (fc[d], 1.0 - u[d])
        };
        let slack = 8.0 * ulp(x[d]) * dens[d];
        let tol = 1e-12 * (1.0 + kappa) * want + slack;
        prop_assert!(
            (got - want).abs() <= tol,
            "d={d}: F={got:e} u={want:e} tol={tol:e}"
        );
    }
    Ok(())
}

/// Both samplers, `log_prob`, `cdf` and `vjp` give finite values (or the
/// documented refusal) on draws from the mixture.
fn outputs_are_finite<G: Family>(family: G, m: &Mix, seed: u64) -> Result<(), TestCaseError> {
    use mixgrad::SeedableRng;
    let v = DiagMixtureRef::of_family(family, &m.logits, &m.means, &m.scales, m.d).unwrap();
    let (k, d) = (m.logits.len(), m.d);
    let mut rng = mixgrad::Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut x = vec![0.0; d];
    v.sample_ancestral(&mut rng, &mut x).unwrap();
    prop_assert!(v.log_prob(&x).unwrap().is_finite());
    let mut u = vec![0.0; d];
    v.cdf(&x, &mut u).unwrap();
    prop_assert!(u.iter().all(|p| (0.0..=1.0).contains(p)));
    let (mut a, mut mu, mut s) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
    match v.vjp(&x, &vec![1.0; d], &mut a, &mut mu, &mut s) {
        Ok(()) => prop_assert!(a.iter().chain(&mu).chain(&s).all(|g| g.is_finite())),
        // Only deep in a gap between components.
        Err(e) => prop_assert_eq!(e, mixgrad::ErrorKind::ZeroDensity),
    }
    let mut xq = vec![0.0; d];
    let mut uq = vec![0.0; d];
    v.sample_quantile(&mut rng, &mut xq, Some(&mut uq)).unwrap();
    prop_assert!(xq.iter().all(|v| v.is_finite()));
    prop_assert!(uq.iter().all(|&p| p > 0.0 && p < 1.0));
    Ok(())
}
