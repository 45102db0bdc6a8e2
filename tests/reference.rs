//! Reference vectors (tools/gen_reference.py, mpmath at 60 digits) against
//! the docs/math.md §6 accuracy contract, for cdf, log_prob, quantile, vjp
//! and jacobian.

// Index loops over several parallel arrays read better than zips here.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{grad_error, probit, reference_cases, ulp, Case, EPS};
use mixgrad::DiagMixtureRef;

fn view(c: &Case) -> DiagMixtureRef<'_, f64> {
    DiagMixtureRef::new(&c.logits, &c.means, &c.scales, c.d).expect("reference mixtures are valid")
}

#[test]
fn reference_file_covers_the_required_cases() {
    let cases = reference_cases();
    let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    for want in [
        "single",
        "tails",
        "valley",
        "scale_ratio",
        "tiny_weight",
        "neg_inf_logit",
        "k16d32",
    ] {
        assert!(names.contains(&want), "missing case {want}");
    }
    assert!(cases.iter().any(|c| c.k == 16 && c.d == 32));
    let us: Vec<f64> = cases
        .iter()
        .flat_map(|c| c.points.iter().flat_map(|p| p.u.iter().copied()))
        .collect();
    assert!(us.contains(&1e-300));
    assert!(us.contains(&(1.0 - 2f64.powi(-53))));
}

#[test]
fn cdf_matches_reference() {
    let mut checked = 0;
    for c in reference_cases() {
        let mix = view(&c);
        for p in &c.points {
            let (mut u, mut uc, mut f) = (vec![0.0; c.d], vec![0.0; c.d], vec![0.0; c.d]);
            mix.cdf_density(&p.x, &mut u, Some(&mut uc), Some(&mut f))
                .unwrap();
            for d in 0..c.d {
                let (want, want_c) = (p.cdf[d], p.ccdf[d]);
                let z = probit(want.min(want_c));
                let rel_tol = 1e-14 + 8.0 * EPS * z * z;
                let ctx = format!("{} d={d} x={:?}", c.name, p.x);
                if want > 0.5 {
                    assert!(
                        (u[d] - want).abs() <= 1e-14,
                        "cdf abs {ctx}: {} vs {want}",
                        u[d]
                    );
                } else if want >= 1e-300 {
                    assert!(
                        ((u[d] - want) / want).abs() <= rel_tol,
                        "cdf rel {ctx}: {} vs {want}",
                        u[d]
                    );
                }
                // The complement is returned to full relative accuracy too.
                if (1e-300..=0.5).contains(&want_c) {
                    assert!(
                        ((uc[d] - want_c) / want_c).abs() <= rel_tol,
                        "ccdf rel {ctx}: {} vs {want_c}",
                        uc[d]
                    );
                }
                assert!(
                    ((f[d] - p.pdf[d]) / p.pdf[d]).abs() <= 1e-13 + 8.0 * EPS * z * z,
                    "pdf {ctx}"
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 100);
}

#[test]
fn log_prob_matches_reference() {
    for c in reference_cases() {
        let mix = view(&c);
        for p in &c.points {
            let lp = mix.log_prob(&p.x).unwrap();
            let tol = 1e-14 * p.logq.abs().max(1.0);
            assert!((lp - p.logq).abs() <= tol, "{}: {lp} vs {}", c.name, p.logq);
        }
    }
}

#[test]
fn quantile_matches_reference() {
    let mut worst = 0.0f64;
    let mut backward_checked = 0;
    for c in reference_cases() {
        let mix = view(&c);
        for p in &c.points {
            let mut x = vec![0.0; c.d];
            mix.quantile(&p.u, &mut x).unwrap();
            if p.backward_only {
                // The gap's F equals u to below double resolution: any point
                // in it is a root to working precision. Check that F(x̂) = u
                // to 8ε relative.
                let mut back = vec![0.0; c.d];
                mix.cdf(&x, &mut back).unwrap();
                for d in 0..c.d {
                    assert!(
                        (back[d] - p.u[d]).abs() <= 8.0 * EPS * p.u[d],
                        "{}: backward error",
                        c.name
                    );
                }
                backward_checked += 1;
                continue;
            }
            for d in 0..c.d {
                let (u, want) = (p.u[d], p.xq[d]);
                let tail = u.min(1.0 - u);
                let z = probit(tail);
                let tol = 8.0 * ulp(want) + 8.0 * EPS * (1.0 + z * z) * tail / p.fq[d];
                let err = (x[d] - want).abs();
                worst = worst.max(err / tol);
                assert!(
                    err <= tol,
                    "{} d={d} u={u:e}: got {} want {want} (err {err:e}, tol {tol:e})",
                    c.name,
                    x[d]
                );
            }
        }
    }
    eprintln!("quantile: worst error / tolerance = {worst:.3}");
    assert_eq!(
        backward_checked, 1,
        "exactly the one documented flat-gap point"
    );
}

/// docs/math.md §6: gradients are held to 1e-10 on well-conditioned points,
/// i.e. where no conditional density is tiny relative to the mixture's scale.
fn well_conditioned(c: &Case, p: &common::Point) -> bool {
    let smax = c.scales.iter().fold(0.0f64, |m, &s| m.max(s));
    p.pdf.iter().all(|&f| f * smax >= 1e-6)
}

#[test]
fn vjp_matches_reference() {
    let mut checked = 0;
    for c in reference_cases() {
        let mix = view(&c);
        for p in c.points.iter().filter(|p| well_conditioned(&c, p)) {
            let (mut a, mut m, mut s) =
                (vec![0.0; c.k], vec![0.0; c.k * c.d], vec![0.0; c.k * c.d]);
            mix.vjp(&p.x, &p.xbar, &mut a, &mut m, &mut s).unwrap();
            let got: Vec<f64> = a.iter().chain(&m).chain(&s).copied().collect();
            let err = grad_error(&got, &p.vjp);
            assert!(err <= 1e-10, "{}: vjp error {err:e}", c.name);
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} points checked");
}

#[test]
fn jacobian_matches_reference() {
    let mut checked = 0;
    for c in reference_cases() {
        let mix = view(&c);
        for p in c.points.iter().filter(|p| well_conditioned(&c, p)) {
            let Some(want) = &p.jac else { continue };
            let mut jac = vec![0.0; want.len()];
            mix.jacobian(&p.x, &mut jac).unwrap();
            let rows = c.k + 2 * c.k * c.d;
            for d in 0..c.d {
                let err = grad_error(
                    &jac[d * rows..(d + 1) * rows],
                    &want[d * rows..(d + 1) * rows],
                );
                assert!(err <= 1e-10, "{} row {d}: jacobian error {err:e}", c.name);
            }
            checked += 1;
        }
    }
    assert!(checked >= 20, "only {checked} points checked");
}
