//! Gradients against finite differences of the sampler itself (docs/math.md
//! §1: for a fixed u, x(u; θ) is smooth in θ), the K = 1 reparameterisation
//! trick (§4.1), and log-density gradients (§4.4) against finite differences
//! of log_prob.

// Index loops over several parallel arrays read better than zips here.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{grad_error, RandomMixture};
use mixgrad::{DiagMixture, DiagMixtureRef, LogProbGrad};

/// Central difference step for parameter value `v` (relative for scales).
fn step(v: f64) -> f64 {
    1e-6 * v.abs().max(1.0)
}

/// `∂x/∂θ_c` at fixed `u` by central differences of the quantile map.
fn fd_column(mix: &RandomMixture, theta: &[f64], c: usize, u: &[f64]) -> Vec<f64> {
    let h = step(theta[c]);
    let (mut tp, mut tm) = (theta.to_vec(), theta.to_vec());
    tp[c] += h;
    tm[c] -= h;
    let (mut xp, mut xm) = (vec![0.0; u.len()], vec![0.0; u.len()]);
    mix.with_params(&tp).view().quantile(u, &mut xp).unwrap();
    mix.with_params(&tm).view().quantile(u, &mut xm).unwrap();
    xp.iter()
        .zip(&xm)
        .map(|(p, m)| (p - m) / (2.0 * h))
        .collect()
}

#[test]
fn jacobian_and_vjp_match_central_differences_of_the_quantile_map() {
    let mut worst = 0.0f64;
    for (seed, (k, d)) in [(1, 1), (2, 1), (3, 2), (2, 3), (5, 3), (4, 4)]
        .into_iter()
        .enumerate()
    {
        let mix = RandomMixture::new(100 + seed as u64, k, d);
        let theta = mix.params();
        for j in 0..4 {
            let u: Vec<f64> = (0..d)
                .map(|i| 0.05 + 0.9 * (((j * 7 + i * 3) % 10) as f64 + 0.5) / 10.0)
                .collect();
            let mut x = vec![0.0; d];
            mix.view().quantile(&u, &mut x).unwrap();
            let p = theta.len();
            let mut jac = vec![0.0; d * p];
            mix.view().jacobian(&x, &mut jac).unwrap();

            let mut fd = vec![0.0; d * p];
            for c in 0..p {
                for (r, v) in fd_column(&mix, &theta, c, &u).into_iter().enumerate() {
                    fd[r * p + c] = v;
                }
            }
            let err = grad_error(&jac, &fd);
            worst = worst.max(err);
            assert!(err < 1e-6, "k={k} d={d} u={u:?}: jacobian vs FD {err:e}");

            // vjp = x̄ᵀ J, against the same differences.
            let xbar: Vec<f64> = (0..d).map(|i| 1.0 - 0.7 * i as f64).collect();
            let (mut a, mut m, mut s) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
            mix.view().vjp(&x, &xbar, &mut a, &mut m, &mut s).unwrap();
            let got: Vec<f64> = a.iter().chain(&m).chain(&s).copied().collect();
            let want: Vec<f64> = (0..p)
                .map(|c| (0..d).map(|r| xbar[r] * fd[r * p + c]).sum())
                .collect();
            assert!(grad_error(&got, &want) < 1e-6, "k={k} d={d}: vjp vs FD");
        }
    }
    eprintln!("worst jacobian-vs-FD error: {worst:e}");
}

#[test]
fn single_component_is_the_reparameterisation_trick() {
    let mix =
        DiagMixture::<f64, 1, 3>::new([0.7], [[1.0, -2.0, 30.0]], [[0.5, 3.0, 1e-3]]).unwrap();
    for u in [
        [1e-300, 0.3, 0.5],
        [0.999, 1.0 - 2f64.powi(-53), 1e-5],
        [0.25, 0.75, 0.5],
    ] {
        let x = mix.quantile(&u).unwrap();
        for (r, row) in mix.jacobian(&x).unwrap().iter().enumerate() {
            let z = (x[r] - mix.means()[0][r]) / mix.scales()[0][r];
            assert_eq!(row.logits[0], 0.0, "dx/da is exactly zero");
            for dd in 0..3 {
                let (dmu, dsig) = (row.means[0][dd], row.scales[0][dd]);
                if dd == r {
                    assert!((dmu - 1.0).abs() <= 4.0 * f64::EPSILON, "dx/dμ = {dmu}");
                    assert!(
                        (dsig - z).abs() <= 4.0 * f64::EPSILON * z.abs().max(1.0),
                        "dx/dσ = {dsig} vs z = {z}"
                    );
                } else {
                    assert_eq!((dmu, dsig), (0.0, 0.0), "coordinates are independent");
                }
            }
        }
    }
}

#[test]
fn one_dimensional_weight_gradient_is_the_papers_closed_form() {
    // dx/da_j = −p_j (Φ_j − F)/f at F(x) = u (Graves 2016, one dimension).
    let (a, mu, s) = ([0.2f64, -0.5, 1.0], [-1.0, 0.5, 2.0], [0.8, 1.2, 0.5]);
    let mix =
        DiagMixture::<f64, 3, 1>::new(a, [[mu[0]], [mu[1]], [mu[2]]], [[s[0]], [s[1]], [s[2]]])
            .unwrap();
    let x = mix.quantile(&[0.37]).unwrap()[0];
    let w: Vec<f64> = a.iter().map(|v| v.exp()).collect();
    let tot: f64 = w.iter().sum();
    let phi = |z: f64| 0.5 * libm::erfc(-z / std::f64::consts::SQRT_2);
    let pdf = |z: f64| (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let f: f64 = (0..3)
        .map(|k| w[k] / tot * pdf((x - mu[k]) / s[k]) / s[k])
        .sum();
    let g = mix.vjp(&[x], &[1.0]).unwrap();
    for j in 0..3 {
        let want = -(w[j] / tot) * (phi((x - mu[j]) / s[j]) - 0.37) / f;
        assert!(
            (g.logits[j] - want).abs() < 1e-13,
            "j={j}: {} vs {want}",
            g.logits[j]
        );
    }
}

#[test]
fn log_prob_gradients_match_central_differences() {
    for (seed, (k, d)) in [(1, 1), (3, 2), (4, 3)].into_iter().enumerate() {
        let mix = RandomMixture::new(300 + seed as u64, k, d);
        let x: Vec<f64> = (0..d).map(|i| 0.3 * i as f64 - 0.4).collect();
        let (mut gx, mut ga, mut gm, mut gs) = (
            vec![0.0; d],
            vec![0.0; k],
            vec![0.0; k * d],
            vec![0.0; k * d],
        );
        mix.view()
            .log_prob_grad(
                &x,
                LogProbGrad {
                    x: Some(&mut gx),
                    logits: Some(&mut ga),
                    means: Some(&mut gm),
                    scales: Some(&mut gs),
                },
            )
            .unwrap();
        let theta = mix.params();
        let lp = |m: &RandomMixture, x: &[f64]| m.view().log_prob(x).unwrap();
        let fd_theta: Vec<f64> = (0..theta.len())
            .map(|c| {
                let h = step(theta[c]);
                let (mut tp, mut tm) = (theta.clone(), theta.clone());
                tp[c] += h;
                tm[c] -= h;
                (lp(&mix.with_params(&tp), &x) - lp(&mix.with_params(&tm), &x)) / (2.0 * h)
            })
            .collect();
        let got: Vec<f64> = ga.iter().chain(&gm).chain(&gs).copied().collect();
        assert!(grad_error(&got, &fd_theta) < 1e-8, "parameters k={k} d={d}");
        let fd_x: Vec<f64> = (0..d)
            .map(|i| {
                let (mut xp, mut xm) = (x.clone(), x.clone());
                xp[i] += 1e-6;
                xm[i] -= 1e-6;
                (lp(&mix, &xp) - lp(&mix, &xm)) / 2e-6
            })
            .collect();
        assert!(grad_error(&gx, &fd_x) < 1e-8, "x k={k} d={d}");
    }
}

#[test]
fn owned_and_view_agree_bit_for_bit() {
    let owned = DiagMixture::<f64, 2, 2>::new(
        [0.1, -0.3],
        [[0.0, 1.0], [2.0, -1.0]],
        [[1.0, 0.5], [0.7, 2.0]],
    )
    .unwrap();
    let v = owned.view();
    let view = DiagMixtureRef::new(v.logits(), v.means(), v.scales(), 2).unwrap();
    let u = [0.3, 0.9];
    let x = owned.quantile(&u).unwrap();
    let mut x2 = [0.0; 2];
    view.quantile(&u, &mut x2).unwrap();
    assert_eq!(x, x2);
    let g = owned.vjp(&x, &[1.0, -2.0]).unwrap();
    let (mut a, mut m, mut s) = ([0.0; 2], [0.0; 4], [0.0; 4]);
    view.vjp(&x, &[1.0, -2.0], &mut a, &mut m, &mut s).unwrap();
    assert_eq!(g.logits, a);
    assert_eq!(g.means.as_flattened(), &m);
    assert_eq!(g.scales.as_flattened(), &s);
    // The owned Jacobian's rows are the flat Jacobian's rows.
    let jac = owned.jacobian(&x).unwrap();
    let mut flat = [0.0; 2 * 10];
    view.jacobian(&x, &mut flat).unwrap();
    for (r, row) in jac.iter().enumerate() {
        let got: Vec<f64> = row
            .logits
            .iter()
            .chain(row.means.as_flattened())
            .chain(row.scales.as_flattened())
            .copied()
            .collect();
        assert_eq!(&got[..], &flat[r * 10..(r + 1) * 10]);
    }
}

#[test]
fn large_dimension_at_full_capacity() {
    // K = MAX_COMPONENTS, D = 1024: scratch is O(K), so this needs no more
    // stack than D = 1; the reverse sweep recovers ℓ over 1024 steps.
    let (k, d) = (mixgrad::MAX_COMPONENTS, 1024);
    let mix = RandomMixture::new(77, k, d);
    let v = mix.view();
    let mut rng = <mixgrad::Xoshiro256PlusPlus as mixgrad::SeedableRng>::seed_from_u64(5);
    let (mut x, mut u) = (vec![0.0; d], vec![0.0; d]);
    v.sample_quantile(&mut rng, &mut x, Some(&mut u)).unwrap();
    assert!(x.iter().all(|v| v.is_finite()));
    // x̄ on the last coordinate only: its gradient involves every earlier one.
    let mut xbar = vec![0.0; d];
    xbar[d - 1] = 1.0;
    let (mut a, mut m, mut s) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
    v.vjp(&x, &xbar, &mut a, &mut m, &mut s).unwrap();
    let theta = mix.params();
    let got: Vec<f64> = a.iter().chain(&m).chain(&s).copied().collect();
    assert!(got.iter().all(|g| g.is_finite()));
    // A few columns by central differences of the whole 1024-step sampler.
    for c in [
        0,
        5,
        k + 3 * d,
        k + 17 * d + d - 1,
        k + k * d + 40 * d + 900,
    ] {
        let fd = fd_column(&mix, &theta, c, &u)[d - 1];
        assert!(
            (got[c] - fd).abs() <= 1e-6 * (1.0 + fd.abs()),
            "column {c}: {} vs {fd}",
            got[c]
        );
    }
}
