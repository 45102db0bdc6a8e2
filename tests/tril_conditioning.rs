//! The accuracy of full-covariance mixtures as a function of the
//! conditioning of the factors, against `tests/data/tril_conditioning.txt`
//! (`python3 tools/gen_tril_reference.py --conditioning`, mpmath at 60
//! digits): factors with `cond(L Lᵀ)` of 2, 1e2, 1e4, 1e6 and 1e8, `K` in
//! {1, 3}, `D` in {2, 4, 8}, `u` in the middle, in both tails at 1e-10 and
//! in the valleys between components.
//!
//! The bounds come from the backward stability of the substitution
//! (docs/math.md §10.1): the computed `z_k` is exact for `L_k` and `μ_k`
//! perturbed by `D·ε` relative, so its forward error is at most
//!
//! ```text
//! ν_k = D·ε·‖L_k⁻¹‖₂·(‖L_k‖_F·‖z_k‖₂ + ‖μ_k‖₂) ≤ D·ε·κ_k·(√D·‖z_k‖₂ + ‖μ_k‖₂/‖L_k‖₂)
//! ```
//!
//! with `κ_k = ‖L_k‖₂‖L_k⁻¹‖₂ = √cond(L_k L_kᵀ)` (over the first `d + 1`
//! rows for dimension `d`). Each bound is the one that holds without
//! conditioning (docs/math.md §6; `D·1e-14·max(1, |log q|)` for
//! `log_prob`) plus the first-order effect of that error:
//!
//! * `cdf`: `Σ_k p_k (φ(z_kd) ν_k + Φ(z_kd) β_k)/F + Σ_k p_k β_k` relative
//!   below ½ (`β_k = ‖z_k,<d‖₂ ν_k` bounds the error of the log-weight
//!   `ℓ_k`), the same with `Φc` times `Fc` absolute above ½;
//! * `log_prob`: `Σ_k r_k ‖z_k‖₂ ν_k`, `r` the posterior;
//! * `quantile`: the substitution's term of tests/tril_reference.rs, which
//!   grows like `κ` through its `1/L_k[d][d] ≤ κ_k/‖L_k‖₂`;
//! * gradients (where §6 promises them):
//!   `max_k (√D·D·ε·κ_k + (1 + 3‖z_k‖₂) ν_k)`, see `grad_conditioning`.
//!
//! `cargo test --release --test tril_conditioning -- --nocapture` prints,
//! per level, how much of its bound the worst point uses, how much of the
//! bound without the conditioning term, and the errors themselves.

#![allow(clippy::needless_range_loop)]

mod common;

use common::tril::{tril_conditioning_cases, ConditionedCase, TrilCase, TrilPoint};
use common::{grad_error, probit, ulp, EPS};
use mixgrad::{TrilLogProbGrad, TrilMixtureRef};
use std::f64::consts::SQRT_2;

fn view(c: &TrilCase) -> TrilMixtureRef<'_, f64> {
    TrilMixtureRef::new(&c.logits, &c.means, &c.scale_tril, c.d).unwrap()
}

fn work(c: &TrilCase) -> Vec<f64> {
    vec![f64::NAN; TrilMixtureRef::<f64>::work_len(c.k, c.d).unwrap()]
}

fn norm(v: &[f64]) -> f64 {
    v.iter().map(|v| v * v).sum::<f64>().sqrt()
}

fn normal_cdf(z: f64) -> f64 {
    0.5 * libm::erfc(-z / SQRT_2)
}

fn normal_pdf(z: f64) -> f64 {
    (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
}

/// `‖L‖₂` by power iteration on `LᵀL`. An estimate from below, so
/// `κ/‖L‖₂` errs on the large side of `‖L⁻¹‖₂`.
fn spectral_norm(l: &[f64], n: usize) -> f64 {
    let mut v = vec![1.0; n];
    let mut sigma = 0.0;
    for _ in 0..200 {
        let lv: Vec<f64> = (0..n)
            .map(|i| (0..=i).map(|j| l[i * n + j] * v[j]).sum())
            .collect();
        let w: Vec<f64> = (0..n)
            .map(|j| (j..n).map(|i| l[i * n + j] * lv[i]).sum())
            .collect();
        sigma = norm(&lv) / norm(&v);
        let s = norm(&w);
        v = w.iter().map(|w| w / s).collect();
    }
    sigma
}

/// The first-order effect of the substitution's rounding on component `k`
/// at one point (in f64: these only scale the bounds).
struct Component {
    /// `κ_k = √cond(L_k L_kᵀ)`.
    kappa: f64,
    /// `z_k = L_k⁻¹(x − μ_k)`.
    z: Vec<f64>,
    /// `ℓ_k^(d)` for `d = 0 … D` (without the `−d/2·ln 2π` common to all
    /// components).
    logw: Vec<f64>,
    /// `ν_k^(d)`, the bound on `|δz_kj|`, `j ≤ d`.
    nu: Vec<f64>,
}

impl Component {
    /// The bound on `|δℓ_k^(d)| = |Σ_{j<d} z_kj δz_kj|`.
    fn beta(&self, d: usize) -> f64 {
        if d == 0 {
            0.0
        } else {
            norm(&self.z[..d]) * self.nu[d - 1]
        }
    }
}

fn analyse(c: &ConditionedCase, x: &[f64]) -> Vec<Component> {
    let case = &c.case;
    let n = case.d;
    (0..case.k)
        .map(|k| {
            let l = &case.scale_tril[k * n * n..(k + 1) * n * n];
            let mu = &case.means[k * n..(k + 1) * n];
            let kappa = c.cond[k].sqrt();
            let inv_norm = kappa / spectral_norm(l, n);
            let mut z = vec![0.0; n];
            let mut logw = vec![case.logits[k]];
            let mut nu = Vec::with_capacity(n);
            let mut frob2 = 0.0;
            for d in 0..n {
                let s: f64 = (0..d).map(|j| l[d * n + j] * z[j]).sum();
                z[d] = (x[d] - mu[d] - s) / l[d * n + d];
                logw.push(logw[d] - 0.5 * z[d] * z[d] - l[d * n + d].ln());
                frob2 += (0..=d).map(|j| l[d * n + j] * l[d * n + j]).sum::<f64>();
                let noise = frob2.sqrt() * norm(&z[..=d]) + norm(&mu[..=d]);
                nu.push(n as f64 * EPS * inv_norm * noise);
            }
            Component { kappa, z, logw, nu }
        })
        .collect()
}

/// `softmax_k ℓ_k^(d)`: the responsibilities `p^(d)` (`d = D`: the
/// posterior).
fn softmax(comps: &[Component], d: usize) -> Vec<f64> {
    let top = comps
        .iter()
        .fold(f64::NEG_INFINITY, |m, c| m.max(c.logw[d]));
    let e: Vec<f64> = comps.iter().map(|c| (c.logw[d] - top).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|e| e / s).collect()
}

/// The substitution's term of the conditional CDF's relative error in
/// dimension `d`, from `F_d = Σ_k p_k Φ(z_kd)` and `p ∝ exp ℓ^(d)`:
/// `δF = Σ_k p_k φ(z_kd) δz_kd + Σ_k p_k (δℓ_k − Σ_j p_j δℓ_j) Φ(z_kd)`,
/// so `|δF|/F ≤ Σ_k p_k (φ(z_kd) ν_k + Φ(z_kd) β_k)/F + Σ_k p_k β_k`
/// (the upper tail with `Φc` and `Fc`).
fn cdf_conditioning(comps: &[Component], d: usize, upper: bool, tail: f64) -> f64 {
    let p = softmax(comps, d);
    let mut direct = 0.0;
    let mut mixed = 0.0;
    for (c, &pk) in comps.iter().zip(&p) {
        let z = c.z[d];
        let t = if upper { normal_cdf(-z) } else { normal_cdf(z) };
        direct += pk * (normal_pdf(z) * c.nu[d] + t * c.beta(d));
        mixed += pk * c.beta(d);
    }
    direct / tail + mixed
}

/// The scale of the substitution's rounding in dimension `d` at `x`, as
/// `tests/tril_reference.rs` has it: `D·ε·max_k (|x_d| + |μ_kd| +
/// Σ_{j<d} |L_k[d][j] z_kj|)/L_k[d][d]`, in units of the component's scale.
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

/// The largest diagonal entry of any factor.
fn max_scale(c: &TrilCase) -> f64 {
    let n = c.d;
    (0..c.k * n)
        .map(|r| c.scale_tril[r * n + r % n])
        .fold(0.0, f64::max)
}

/// Whether no conditional density at the point is tiny relative to the
/// mixture's scale (where docs/math.md §6 promises gradients).
fn well_conditioned(c: &TrilCase, p: &TrilPoint) -> bool {
    let smax = c.scale_tril.iter().fold(0.0f64, |m, &s| m.max(s.abs()));
    p.pdf.iter().all(|&f| f * smax >= 1e-6)
}

/// The worst errors of one conditioning level: against the whole bound
/// (`full`), and against the bound without its conditioning term
/// (`base`: docs/math.md §6, `D·1e-14·max(1, |log q|)` for `log_prob` as
/// in tests/tril_reference.rs).
#[derive(Default, Clone, Copy)]
struct Level {
    cond: f64,
    points: usize,
    grad_points: usize,
    full: [f64; 4],
    base: [f64; 4],
    /// The errors themselves: `|x̂ − x*|/|x*|`, the relative error of `F`
    /// where `F ≤ ½`, `|δ log q|/max(1, |log q|)` and docs/math.md §6's
    /// gradient measure.
    raw: [f64; 4],
}

const QUANTILE: usize = 0;
const CDF: usize = 1;
const LOG_PROB: usize = 2;
const GRAD: usize = 3;

impl Level {
    /// Records an error against its bound `base + conditioning`, and
    /// describes it if it is beyond.
    fn note(&mut self, what: usize, err: f64, base: f64, conditioning: f64) -> Result<(), String> {
        let tol = base + conditioning;
        self.full[what] = self.full[what].max(err / tol);
        self.base[what] = self.base[what].max(err / base);
        if err <= tol {
            Ok(())
        } else {
            Err(format!("error {err:e} beyond {base:e} + {conditioning:e}"))
        }
    }
}

fn check_point(c: &ConditionedCase, p: &TrilPoint, level: &mut Level) {
    let case = &c.case;
    let mix = view(case);
    let mut w = work(case);
    let n = case.d;
    let at = format!("{} u={:?}", case.name, p.u);
    let comps = analyse(c, &p.x);

    // cdf at the rounded root: relative below ½; above ½ absolute, the
    // contract's form there (F itself is returned, so 1 − F carries the
    // rounding of F near 1).
    let mut u = vec![0.0; n];
    mix.cdf(&p.x, &mut u, &mut w[..]).unwrap();
    for d in 0..n {
        let checked = if p.cdf[d] <= 0.5 {
            let want = p.cdf[d];
            let z = probit(want);
            let err = (u[d] - want).abs() / want;
            level.raw[CDF] = level.raw[CDF].max(err);
            let conditioning = cdf_conditioning(&comps, d, false, want);
            level.note(CDF, err, 1e-14 + 8.0 * EPS * z * z, conditioning)
        } else {
            let err = (u[d] - p.cdf[d]).abs();
            let conditioning = p.ccdf[d] * cdf_conditioning(&comps, d, true, p.ccdf[d]);
            level.note(CDF, err, 1e-14, conditioning)
        };
        if let Err(e) = checked {
            panic!("{at} d={d}: cdf {:e} vs {:e}: {e}", u[d], p.cdf[d]);
        }
    }

    // log_prob: δ log q = Σ_k r_k δℓ_k^(D+1), r the posterior.
    let lp = mix.log_prob(&p.x, &mut w[..]).unwrap();
    let r = softmax(&comps, n);
    let conditioning: f64 = comps.iter().zip(&r).map(|(c, rk)| rk * c.beta(n)).sum();
    let base = 1e-14 * p.logq.abs().max(1.0) * n as f64;
    let raw = (lp - p.logq).abs() / p.logq.abs().max(1.0);
    level.raw[LOG_PROB] = level.raw[LOG_PROB].max(raw);
    if let Err(e) = level.note(LOG_PROB, (lp - p.logq).abs(), base, conditioning) {
        panic!("{at}: log_prob {lp} vs {}: {e}", p.logq);
    }

    // quantile against the exact root: the contract plus the substitution's
    // term of tests/tril_reference.rs.
    let mut x = vec![0.0; n];
    mix.quantile(&p.u, &mut x, &mut w[..]).unwrap();
    assert!(!p.backward_only, "{at}: no flat gaps in the sweep");
    for d in 0..n {
        let tail = p.u[d].min(1.0 - p.u[d]);
        let z = probit(tail);
        let base = 8.0 * ulp(p.xq[d]) + 8.0 * EPS * (1.0 + z * z) * tail / p.fq[d];
        let conditioning = substitution_noise(case, &p.xq, d) * max_scale(case);
        let raw = (x[d] - p.xq[d]).abs() / p.xq[d].abs();
        level.raw[QUANTILE] = level.raw[QUANTILE].max(raw);
        if let Err(e) = level.note(QUANTILE, (x[d] - p.xq[d]).abs(), base, conditioning) {
            panic!("{at} d={d}: x {} vs {}: {e}", x[d], p.xq[d]);
        }
    }

    if well_conditioned(case, p) {
        level.grad_points += 1;
        check_gradients(c, p, &comps, level);
    }
    level.points += 1;
}

/// The conditioning term of the gradients' bound (on top of docs/math.md
/// §6's `1e-10`), for the worst component: `√D·D·ε·κ_k`, since the
/// transposed substitution of the reverse sweep is backward stable too
/// and a relative perturbation `D·ε` of `L_k` moves `L_k⁻¹` by
/// `‖L_k‖_F/‖L_k‖₂·D·ε·κ_k ≤ √D·D·ε·κ_k` relative; and `(1 + 3‖z_k‖)·ν_k`,
/// since the sweep's factors `φ(z)`, `Φ(z)`, `z` and `1/f` move by
/// `(1 + ‖z‖)·ν` relative and the responsibilities by `2‖z‖·ν`.
fn grad_conditioning(comps: &[Component], n: usize) -> f64 {
    comps
        .iter()
        .map(|c| {
            let nu = c.nu[n - 1];
            (n as f64).sqrt() * n as f64 * EPS * c.kappa + (1.0 + 3.0 * norm(&c.z)) * nu
        })
        .fold(0.0, f64::max)
}

fn check_gradients(c: &ConditionedCase, p: &TrilPoint, comps: &[Component], level: &mut Level) {
    let case = &c.case;
    let mix = view(case);
    let mut w = work(case);
    let at = format!("{} u={:?}", case.name, p.u);
    let conditioning = grad_conditioning(comps, case.d);
    let mut note = |err: f64, what: &str| {
        level.raw[GRAD] = level.raw[GRAD].max(err);
        if let Err(e) = level.note(GRAD, err, 1e-10, conditioning) {
            panic!("{at}: {what}: {e}");
        }
    };
    let (k, kd, kdd) = (case.k, case.k * case.d, case.k * case.d * case.d);
    let (mut a, mut m, mut l) = (vec![0.0; k], vec![0.0; kd], vec![0.0; kdd]);
    mix.vjp(&p.x, &p.xbar, &mut a, &mut m, &mut l, &mut w[..])
        .unwrap();
    note(grad_error(&[a, m, l].concat(), &p.vjp), "vjp");
    if let Some(want) = &p.jac {
        let mut jac = vec![0.0; want.len()];
        mix.jacobian(&p.x, &mut jac, &mut w[..]).unwrap();
        let cols = case.num_params();
        for d in 0..case.d {
            let span = d * cols..(d + 1) * cols;
            note(grad_error(&jac[span.clone()], &want[span]), "jacobian row");
        }
    }
    let (mut gx, mut ga, mut gm, mut gl) = (
        vec![0.0; case.d],
        vec![0.0; k],
        vec![0.0; kd],
        vec![0.0; kdd],
    );
    let grad = TrilLogProbGrad {
        x: Some(&mut gx),
        logits: Some(&mut ga),
        means: Some(&mut gm),
        scale_tril: Some(&mut gl),
    };
    mix.log_prob_grad(&p.x, grad, &mut w[..]).unwrap();
    note(
        grad_error(&[gx, ga, gm, gl].concat(), &p.lpgrad),
        "log_prob_grad",
    );
}

#[test]
fn accuracy_against_the_conditioning_of_the_factors() {
    let cases = tril_conditioning_cases();
    assert_eq!(cases.len(), 30, "the sweep lost cases");
    // Level i holds the cases whose worst factor has cond(L Lᵀ) ≈ 10^(2i)
    // (the first: cond 2).
    let mut levels = [Level::default(); 5];
    for c in &cases {
        let cond = c.cond.iter().fold(0.0, |m: f64, &v| m.max(v));
        let level = &mut levels[(cond.log10().round() / 2.0) as usize];
        level.cond = level.cond.max(cond);
        for p in &c.case.points {
            check_point(c, p, level);
        }
    }
    // Three decimals, or two digits of what is below 0.01.
    let cell = |v: f64| {
        if v >= 0.01 {
            format!("{v:.3}")
        } else {
            format!("{v:.1e}")
        }
    };
    let row = |v: &[f64; 4]| {
        format!(
            "{:>16} | {:>7} | {:>8} | {:>9}",
            cell(v[QUANTILE]),
            cell(v[CDF]),
            cell(v[LOG_PROB]),
            cell(v[GRAD])
        )
    };
    eprintln!("worst error / bound, per level of the worst factor:");
    eprintln!(
        "      cond | quantile err/tol |     cdf | log_prob | gradients | points (with gradients)"
    );
    for l in &levels {
        let (cond, full) = (l.cond, row(&l.full));
        eprintln!("{cond:>10.1e} | {full} | {} ({})", l.points, l.grad_points);
    }
    eprintln!("worst error / the bound without its conditioning term:");
    eprintln!("      cond | quantile err/tol |     cdf | log_prob | gradients");
    for l in &levels {
        eprintln!("{:>10.1e} | {}", l.cond, row(&l.base));
    }
    eprintln!(
        "worst error: quantile |x - x*|/|x*|, cdf relative (F <= 1/2), log_prob over \
         max(1, |log q|), gradients as in docs/math.md §6:"
    );
    eprintln!("      cond | quantile         |     cdf | log_prob | gradients");
    for l in &levels {
        let v = l.raw.map(|v| format!("{v:.1e}"));
        eprintln!(
            "{:>10.1e} | {:>16} | {:>7} | {:>8} | {:>9}",
            l.cond, v[0], v[1], v[2], v[3]
        );
    }
    for l in &levels {
        assert!(l.points > 0 && l.grad_points > 0, "an empty level");
    }
}
