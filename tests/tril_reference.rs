//! Full-covariance mixtures against `tests/data/tril_reference.txt`
//! (`python3 tools/gen_tril_reference.py`, mpmath at 60 digits; its
//! Jacobian by forward-mode implicit differentiation, checked there against
//! 60-digit central differences): cdf, log_prob, quantile, vjp, jacobian
//! and the log-density gradients, with the accuracy contract of
//! docs/math.md §6 widened by the conditioning of docs/math.md §10.1.

#![allow(clippy::needless_range_loop)]

mod common;

use common::tril::{tril_cases, TrilCase, TrilPoint};
use common::{grad_error, probit, ulp, EPS};
use mixgrad::{TrilLogProbGrad, TrilMixtureRef};

fn view(c: &TrilCase) -> TrilMixtureRef<'_, f64> {
    TrilMixtureRef::new(&c.logits, &c.means, &c.scale_tril, c.d).unwrap()
}

fn work(c: &TrilCase) -> Vec<f64> {
    vec![f64::NAN; TrilMixtureRef::<f64>::work_len(c.k, c.d).unwrap()]
}

/// The scale of the substitution's rounding in dimension `d` at `x`:
/// `D·ε·max_k (|x_d| + |μ_kd| + Σ_{j<d} |L_k[d][j] z_kj|)/L_k[d][d]`, the
/// change of `z_kd` under relative perturbations of `D·ε` of `L`, `μ` and
/// `x` (docs/math.md §10.1), in units of the component's scale.
fn substitution_noise(c: &TrilCase, x: &[f64], d: usize) -> f64 {
    let n = c.d;
    let mut worst = 0.0f64;
    for k in 0..c.k {
        let l = |i: usize, j: usize| c.scale_tril[(k * n + i) * n + j];
        let mut z = vec![0.0; n];
        let mut terms = 0.0;
        for i in 0..=d {
            let s: f64 = (0..i).map(|j| l(i, j) * z[j]).sum();
            z[i] = (x[i] - c.means[k * n + i] - s) / l(i, i);
            if i == d {
                let off: f64 = (0..i).map(|j| (l(i, j) * z[j]).abs()).sum();
                terms = (x[i].abs() + c.means[k * n + i].abs() + off) / l(i, i);
            }
        }
        worst = worst.max(terms);
    }
    n as f64 * EPS * worst
}

/// Whether no conditional density at the point is tiny relative to the
/// mixture's scale (gradients are held to 1e-10 there, docs/math.md §6).
fn well_conditioned(c: &TrilCase, p: &TrilPoint) -> bool {
    let smax = c.scale_tril.iter().fold(0.0f64, |m, &s| m.max(s.abs()));
    p.pdf.iter().all(|&f| f * smax >= 1e-6)
}

#[derive(Default)]
struct Worst {
    cdf: f64,
    quantile: f64,
    log_prob: f64,
    grad: f64,
}

fn check_point(c: &TrilCase, p: &TrilPoint, worst: &mut Worst) {
    let mix = view(c);
    let mut w = work(c);
    let at = format!("{} u={:?}", c.name, p.u);
    // cdf at the rounded root, both tails relative.
    let mut u = vec![0.0; c.d];
    mix.cdf(&p.x, &mut u, &mut w[..]).unwrap();
    for d in 0..c.d {
        let (got, want) = if p.cdf[d] <= 0.5 {
            (u[d], p.cdf[d])
        } else {
            (1.0 - u[d], p.ccdf[d])
        };
        let z = probit(want.min(0.5));
        let noise = substitution_noise(c, &p.x, d) * p.pdf[d] * max_scale(c) / want;
        let tol = 1e-14 + 8.0 * EPS * z * z + noise + if p.cdf[d] > 0.5 { EPS / want } else { 0.0 };
        let err = (got - want).abs() / want;
        worst.cdf = worst.cdf.max(err / tol);
        assert!(
            err <= tol,
            "{at} d={d}: cdf {got:e} vs {want:e} (rel {err:e}, tol {tol:e})"
        );
    }
    // log_prob.
    let lp = mix.log_prob(&p.x, &mut w[..]).unwrap();
    let tol = 1e-14 * p.logq.abs().max(1.0) * c.d as f64;
    worst.log_prob = worst.log_prob.max((lp - p.logq).abs() / tol);
    assert!(
        (lp - p.logq).abs() <= tol,
        "{at}: log_prob {lp} vs {}",
        p.logq
    );
    // quantile: the forward error, or the backward error at flat points.
    let mut x = vec![0.0; c.d];
    mix.quantile(&p.u, &mut x, &mut w[..]).unwrap();
    if p.backward_only {
        let mut back = vec![0.0; c.d];
        mix.cdf(&x, &mut back, &mut w[..]).unwrap();
        for d in 0..c.d {
            assert!(
                (back[d] - p.u[d]).abs() <= 8.0 * EPS * p.u[d],
                "{at}: backward"
            );
        }
    } else {
        for d in 0..c.d {
            let tail = p.u[d].min(1.0 - p.u[d]);
            let z = probit(tail);
            let scale = substitution_noise(c, &p.xq, d) * max_scale(c);
            let tol = 8.0 * ulp(p.xq[d]) + 8.0 * EPS * (1.0 + z * z) * tail / p.fq[d] + scale;
            let err = (x[d] - p.xq[d]).abs();
            worst.quantile = worst.quantile.max(err / tol);
            assert!(
                err <= tol,
                "{at} d={d}: x {} vs {} (err {err:e}, tol {tol:e})",
                x[d],
                p.xq[d]
            );
        }
    }
    if well_conditioned(c, p) {
        check_gradients(c, p, worst);
    }
}

/// The largest diagonal entry of any factor.
fn max_scale(c: &TrilCase) -> f64 {
    let n = c.d;
    (0..c.k * n)
        .map(|r| c.scale_tril[r * n + r % n])
        .fold(0.0, f64::max)
}

fn check_gradients(c: &TrilCase, p: &TrilPoint, worst: &mut Worst) {
    let mix = view(c);
    let mut w = work(c);
    let at = format!("{} u={:?}", c.name, p.u);
    let (k, kd, kdd) = (c.k, c.k * c.d, c.k * c.d * c.d);
    let (mut a, mut m, mut l) = (vec![0.0; k], vec![0.0; kd], vec![0.0; kdd]);
    mix.vjp(&p.x, &p.xbar, &mut a, &mut m, &mut l, &mut w[..])
        .unwrap();
    let got: Vec<f64> = [a, m, l].concat();
    let e = grad_error(&got, &p.vjp);
    worst.grad = worst.grad.max(e / 1e-10);
    assert!(e <= 1e-10, "{at}: vjp error {e:e}");
    if let Some(want) = &p.jac {
        let mut jac = vec![0.0; want.len()];
        mix.jacobian(&p.x, &mut jac, &mut w[..]).unwrap();
        let cols = c.num_params();
        for d in 0..c.d {
            let span = d * cols..(d + 1) * cols;
            let e = grad_error(&jac[span.clone()], &want[span]);
            worst.grad = worst.grad.max(e / 1e-10);
            assert!(e <= 1e-10, "{at}: jacobian row {d} error {e:e}");
        }
    }
    let (mut gx, mut ga, mut gm, mut gl) =
        (vec![0.0; c.d], vec![0.0; k], vec![0.0; kd], vec![0.0; kdd]);
    let grad = TrilLogProbGrad {
        x: Some(&mut gx),
        logits: Some(&mut ga),
        means: Some(&mut gm),
        scale_tril: Some(&mut gl),
    };
    mix.log_prob_grad(&p.x, grad, &mut w[..]).unwrap();
    let got: Vec<f64> = [gx, ga, gm, gl].concat();
    let e = grad_error(&got, &p.lpgrad);
    worst.grad = worst.grad.max(e / 1e-10);
    assert!(e <= 1e-10, "{at}: log_prob_grad error {e:e}");
}

#[test]
fn full_covariance_matches_the_60_digit_reference() {
    let cases = tril_cases();
    assert!(cases.len() >= 16, "the reference file lost cases");
    let mut worst = Worst::default();
    let mut points = 0;
    for c in &cases {
        for p in &c.points {
            check_point(c, p, &mut worst);
            points += 1;
        }
    }
    eprintln!(
        "{points} points: worst error/tolerance cdf {:.3}, quantile {:.3}, log_prob {:.3}, gradients {:.1e}",
        worst.cdf, worst.quantile, worst.log_prob, worst.grad
    );
}
