//! The general estimators (docs/math.md §12): Eq. 6 through the
//! `Univariate` trait against central differences of the trait's own
//! sampler at a fixed uniform, the location-scale families' `dx/dμ = 1` and
//! `dx/dσ = z`, the generic quantile solver against closed-form and
//! specialised quantiles in both tails, and the Eq. 9 estimator (rejection
//! and inverse CDF) against the 60-digit Gamma shape derivatives of
//! tests/data/gamma_reference.txt.

use core::num::NonZeroUsize;

use mixgrad::{
    eq9_dx_dtheta, solve_quantile, Cauchy, ErrorKind, Family, Gamma, Gaussian, Laplace, LocScale,
    Logistic, ScoreFunction, SeedableRng, Truncation, Univariate, Xoshiro256PlusPlus,
};

/// `(α, u, y*, dy*/dα)` rows of the reference (rate 1, so `x = y`).
fn reference(alpha: f64, u: f64) -> (f64, f64) {
    include_str!("data/gamma_reference.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().map(|t| t.parse().unwrap()).collect();
            (v[0], v[1], v[2], v[7])
        })
        .find(|r| r.0 == alpha && (r.1 - u).abs() <= 1e-15 * u)
        .map(|r| (r.2, r.3))
        .unwrap_or_else(|| panic!("no reference row for alpha {alpha}, u {u}"))
}

/// The trait's sampler with a generator seeded afresh: the same uniform
/// for every parameter value.
fn sample_at<D: Univariate<f64, 2>>(d: &D, seed: u64) -> f64 {
    d.sample(&mut Xoshiro256PlusPlus::seed_from_u64(seed))
        .unwrap()
}

fn n(draws: usize) -> NonZeroUsize {
    NonZeroUsize::new(draws).unwrap()
}

#[test]
fn gamma_eq6_matches_central_differences_of_the_trait_sampler() {
    for (alpha, rate) in [(0.5, 1.0), (2.5, 4.0), (30.0, 0.5)] {
        let g = Gamma::new(alpha, rate).unwrap();
        for seed in 0..20 {
            let x = sample_at(&g, seed);
            let [da, db] = Univariate::dx_dtheta(&g, x).unwrap().unwrap();
            // The generic form −(∂F/∂θ)/f from the closed-form ∂F/∂θ.
            let d_cdf = g.cdf_grad(x).unwrap().unwrap();
            let f = Univariate::density(&g, x).unwrap();
            let generic = [-d_cdf[0] / f, -d_cdf[1] / f];
            let (ha, hb) = (1e-5 * alpha, 1e-5 * rate);
            let fd_a = (sample_at(&Gamma::new(alpha + ha, rate).unwrap(), seed)
                - sample_at(&Gamma::new(alpha - ha, rate).unwrap(), seed))
                / (2.0 * ha);
            let fd_b = (sample_at(&Gamma::new(alpha, rate + hb).unwrap(), seed)
                - sample_at(&Gamma::new(alpha, rate - hb).unwrap(), seed))
                / (2.0 * hb);
            for (got, fd, what) in [
                (da, fd_a, "dx/dalpha"),
                (db, fd_b, "dx/drate"),
                (generic[0], fd_a, "generic dx/dalpha"),
                (generic[1], fd_b, "generic dx/drate"),
            ] {
                let tol = 1e-6 * fd.abs() + 1e-9 * x;
                assert!(
                    (got - fd).abs() <= tol,
                    "{what} a {alpha} x {x}: {got} vs {fd}"
                );
            }
        }
    }
}

#[test]
fn gamma_cdf_grad_matches_central_differences_of_the_cdf() {
    for (alpha, rate) in [(0.5, 1.0), (2.5, 4.0), (30.0, 0.5)] {
        let g = Gamma::new(alpha, rate).unwrap();
        for u in [1e-4, 0.1, 0.5, 0.9, 0.999] {
            let x = g.quantile(u).unwrap();
            let [dfa, dfb] = g.cdf_grad(x).unwrap().unwrap();
            let (ha, hb) = (1e-5 * alpha, 1e-5 * rate);
            let cdf = |a: f64, b: f64| Gamma::new(a, b).unwrap().cdf(x).unwrap();
            let fd_a = (cdf(alpha + ha, rate) - cdf(alpha - ha, rate)) / (2.0 * ha);
            let fd_b = (cdf(alpha, rate + hb) - cdf(alpha, rate - hb)) / (2.0 * hb);
            assert!(dfa < 0.0 && dfb > 0.0, "a {alpha} u {u}: signs");
            assert!(
                (dfa - fd_a).abs() <= 1e-6 * fd_a.abs(),
                "a {alpha} u {u}: {dfa} vs {fd_a}"
            );
            assert!(
                (dfb - fd_b).abs() <= 1e-6 * fd_b.abs(),
                "a {alpha} u {u}: {dfb} vs {fd_b}"
            );
        }
    }
}

/// Eq. 6 for one location-scale family: `dx/dμ = 1` exactly, `dx/dσ = z`
/// to rounding, both the central differences of the sampler.
fn check_loc_scale<G: Family>() {
    let (mu, sigma) = (-0.75, 1.5);
    let d = LocScale::<G, f64>::new(mu, sigma).unwrap();
    for seed in 0..50 {
        let x = sample_at(&d, seed);
        let z = (x - mu) / sigma;
        let [dmu, dsigma] = d.dx_dtheta(x).unwrap().unwrap();
        assert_eq!(dmu, 1.0, "{} x {x}", G::NAME);
        let ulps = (dsigma - z).abs() / (f64::EPSILON * z.abs().max(f64::MIN_POSITIVE));
        assert!(
            ulps <= 4.0,
            "{} x {x}: dx/dsigma {dsigma} vs z {z}",
            G::NAME
        );
        let h = 1e-6;
        let at = |m: f64, s: f64| sample_at(&LocScale::<G, f64>::new(m, s).unwrap(), seed);
        let fd_mu = (at(mu + h, sigma) - at(mu - h, sigma)) / (2.0 * h);
        let fd_sigma = (at(mu, sigma + h) - at(mu, sigma - h)) / (2.0 * h);
        let tol = 1e-8 * (1.0 + x.abs());
        assert!(
            (fd_mu - 1.0).abs() <= tol,
            "{} x {x}: fd dx/dmu {fd_mu}",
            G::NAME
        );
        assert!(
            (fd_sigma - dsigma).abs() <= tol,
            "{} x {x}: fd {fd_sigma} vs {dsigma}",
            G::NAME
        );
    }
}

#[test]
fn location_scale_eq6_is_the_reparameterisation_trick() {
    check_loc_scale::<Gaussian>();
    check_loc_scale::<Logistic>();
    check_loc_scale::<Laplace>();
    check_loc_scale::<Cauchy>();
}

/// The generic solver against `d`'s own quantile (closed form or
/// specialised) at `u` in both tails, to `tol` relative (plus `abs` near 0).
fn check_solver<D: Univariate<f64, 2>>(d: &D, name: &str, tol: f64, abs: f64) {
    let us = [
        1e-300,
        1e-100,
        1e-12,
        1e-3,
        0.3,
        0.5,
        0.7,
        0.999,
        1.0 - 1e-9,
        1.0 - 1e-15,
    ];
    // The Cauchy quantile at 1e-300 (|z| ≈ 3e299) lies beyond the families'
    // clamp on |z| (docs/math.md §7.2), where the CDF is constant.
    let from = usize::from(name == "cauchy");
    for u in us.into_iter().skip(from) {
        let want = d.quantile(u).unwrap();
        let got = solve_quantile(d, u).unwrap();
        assert!(
            (got - want).abs() <= tol * want.abs() + abs,
            "{name} u {u}: solver {got} vs {want}"
        );
    }
}

#[test]
fn generic_quantile_solver_converges_in_both_tails() {
    check_solver(
        &LocScale::<Gaussian, f64>::new(0.5, 2.0).unwrap(),
        "gaussian",
        1e-14,
        1e-15,
    );
    check_solver(
        &LocScale::<Logistic, f64>::new(0.5, 2.0).unwrap(),
        "logistic",
        1e-14,
        1e-15,
    );
    check_solver(
        &LocScale::<Laplace, f64>::new(0.5, 2.0).unwrap(),
        "laplace",
        1e-14,
        1e-15,
    );
    // The Cauchy quantile from tan(πu) is itself accurate to a few ulps
    // only relative to its argument's rounding.
    check_solver(
        &LocScale::<Cauchy, f64>::new(0.5, 2.0).unwrap(),
        "cauchy",
        1e-13,
        1e-15,
    );
    for alpha in [0.3, 1.0, 2.5, 40.0] {
        check_solver(&Gamma::new(alpha, 3.0).unwrap(), "gamma", 1e-12, 0.0);
    }
    for bad in [0.0, 1.0, f64::NAN, -0.5] {
        let g = Gamma::new(2.0, 1.0).unwrap();
        assert_eq!(
            solve_quantile(&g, bad).unwrap_err().kind(),
            ErrorKind::UniformOutOfRange
        );
    }
}

/// Eq. 9 at the reference's `(α, u)`: the estimate is within four
/// standard errors of the exact `dx/dα`, and the standard error is small
/// enough that a biased estimator would fail.
fn check_eq9(alpha: f64, u: f64, draws: usize, truncation: Truncation, seed: u64) {
    let (x, exact) = reference(alpha, u);
    let g = Gamma::new(alpha, 1.0).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let e = eq9_dx_dtheta(&g, x, n(draws), truncation, &mut rng).unwrap();
    let (est, se) = (e.dx_dtheta[0], e.std_error[0]);
    let what = format!("alpha {alpha} u {u} {truncation:?}");
    assert!(se > 0.0 && se < 0.03 * exact, "{what}: se {se} vs {exact}");
    assert!(
        (est - exact).abs() < 4.0 * se,
        "{what}: {est} ± {se} vs {exact}"
    );
    // dx/dβ = −x/β exactly.
    let (est_b, se_b) = (e.dx_dtheta[1], e.std_error[1]);
    assert!(
        (est_b + x).abs() < 4.0 * se_b,
        "{what}: dx/drate {est_b} ± {se_b} vs {}",
        -x
    );
    // Both are estimates of ∂F/∂θ divided by −f.
    let f = Univariate::density(&g, x).unwrap();
    assert!(
        (e.cdf_grad[0] + est * f).abs() <= 1e-12 * (est * f).abs(),
        "{what}"
    );
    if truncation == Truncation::InverseCdf {
        assert_eq!(e.tries, draws as u64);
    } else {
        assert!(e.tries >= draws as u64);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn eq9_inverse_cdf_is_unbiased_for_the_gamma_shape_derivative() {
    for (seed, (alpha, u)) in [(0.5, 0.1), (2.5, 0.5), (2.5, 0.1), (2.5, 1e-5), (10.0, 0.1)]
        .into_iter()
        .enumerate()
    {
        check_eq9(alpha, u, 20_000, Truncation::InverseCdf, seed as u64);
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn eq9_rejection_is_unbiased_for_the_gamma_shape_derivative() {
    let rejection = Truncation::Rejection {
        max_tries: 1_000_000,
    };
    for (seed, (alpha, u)) in [(0.5, 0.1), (2.5, 0.5), (2.5, 0.1), (10.0, 0.5)]
        .into_iter()
        .enumerate()
    {
        check_eq9(alpha, u, 20_000, rejection, 100 + seed as u64);
    }
}

/// Eq. 9 on a location-scale family recovers Eq. 6's closed forms,
/// `dx/dμ = 1` and `dx/dσ = z`.
fn check_eq9_loc_scale<G: Family>() {
    let d = LocScale::<G, f64>::new(1.0, 2.0).unwrap();
    for u in [0.2, 0.6] {
        let x = d.quantile(u).unwrap();
        let z = (x - 1.0) / 2.0;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
        let e = eq9_dx_dtheta(&d, x, n(20_000), Truncation::InverseCdf, &mut rng).unwrap();
        for (est, se, want) in [
            (e.dx_dtheta[0], e.std_error[0], 1.0),
            (e.dx_dtheta[1], e.std_error[1], z),
        ] {
            assert!(se < 0.05, "{} u {u}: se {se}", G::NAME);
            // Laplace below its mode: the score is constant, se = 0.
            let ok = (est - want).abs() <= 4.0 * se + 1e-12 * want.abs();
            assert!(ok, "{} u {u}: {est} ± {se} vs {want}", G::NAME);
        }
    }
}

#[test]
#[cfg_attr(miri, ignore)]
fn eq9_on_location_scale_families_recovers_the_closed_forms() {
    check_eq9_loc_scale::<Gaussian>();
    check_eq9_loc_scale::<Logistic>();
    check_eq9_loc_scale::<Laplace>();
    check_eq9_loc_scale::<Cauchy>();
}

#[test]
fn gamma_score_is_the_derivative_of_the_log_density() {
    for (alpha, rate) in [(0.5, 1.0), (2.5, 4.0), (30.0, 0.5)] {
        let g = Gamma::new(alpha, rate).unwrap();
        for x in [0.01, 0.3, 1.0, 7.0] {
            let [sa, sb] = g.log_density_grad(x).unwrap();
            let h = 1e-6;
            let lnf = |a: f64, b: f64| {
                Univariate::density(&Gamma::new(a, b).unwrap(), x)
                    .unwrap()
                    .ln()
            };
            let fd_a = (lnf(alpha + h, rate) - lnf(alpha - h, rate)) / (2.0 * h);
            let fd_b = (lnf(alpha, rate + h) - lnf(alpha, rate - h)) / (2.0 * h);
            assert!(
                (sa - fd_a).abs() <= 1e-7 * (1.0 + fd_a.abs()),
                "a {alpha} x {x}"
            );
            assert!(
                (sb - fd_b).abs() <= 1e-7 * (1.0 + fd_b.abs()),
                "a {alpha} x {x}"
            );
            // The density against its closed form.
            let want =
                (alpha * rate.ln() + (alpha - 1.0) * x.ln() - rate * x - libm::lgamma(alpha)).exp();
            let got = Univariate::density(&g, x).unwrap();
            assert!(
                (got - want).abs() <= 1e-12 * want,
                "a {alpha} x {x}: {got} vs {want}"
            );
        }
    }
}

#[test]
fn the_rejection_cap_is_an_error() {
    let g = Gamma::new(2.5, 1.0).unwrap();
    // F(x) = 1e-5: ten tries per draw almost never suffice.
    let (x, _) = reference(2.5, 1e-5);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let capped = Truncation::Rejection { max_tries: 10 };
    let e = eq9_dx_dtheta(&g, x, n(5), capped, &mut rng).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RejectionLimit);
    let none = Truncation::Rejection { max_tries: 0 };
    let e = eq9_dx_dtheta(&g, 100.0, n(1), none, &mut rng).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RejectionLimit);
    // Where the density underflows there is no gradient to estimate.
    let d = LocScale::<Gaussian, f64>::new(0.0, 1.0).unwrap();
    let e = eq9_dx_dtheta(&d, -60.0, n(1), Truncation::InverseCdf, &mut rng).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::ZeroDensity);
    assert_eq!(
        d.dx_dtheta(-60.0).unwrap_err().kind(),
        ErrorKind::ZeroDensity
    );
}

#[test]
fn a_single_draw_has_an_infinite_standard_error() {
    let g = Gamma::new(2.5, 1.0).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2);
    let e = eq9_dx_dtheta(&g, 2.0, n(1), Truncation::InverseCdf, &mut rng).unwrap();
    assert!(e.dx_dtheta.iter().all(|v: &f64| v.is_finite()));
    assert!(e.std_error.iter().all(|v| *v == f64::INFINITY));
}

#[test]
fn location_scale_rejects_invalid_parameters() {
    let kind = |m: f64, s: f64| LocScale::<Logistic, f64>::new(m, s).unwrap_err().kind();
    assert_eq!(kind(f64::NAN, 1.0), ErrorKind::NonFiniteMean);
    assert_eq!(kind(0.0, f64::INFINITY), ErrorKind::NonFiniteScale);
    assert_eq!(kind(0.0, 0.0), ErrorKind::NonPositiveScale);
    let d = LocScale::<Logistic, f64>::new(0.0, 1.0).unwrap();
    assert_eq!(d.cdf(f64::NAN).unwrap_err().kind(), ErrorKind::NonFiniteX);
    assert_eq!(
        <LocScale<Logistic, f64> as Univariate<f64, 2>>::NUM_PARAMS,
        2
    );
}

#[test]
fn f32_follows_the_same_contract() {
    let g = Gamma::<f32>::new(2.5, 1.0).unwrap();
    let d = LocScale::<Gaussian, f32>::new(0.0, 1.0).unwrap();
    for u in [1e-6f32, 0.3, 0.9] {
        let want = g.quantile(u).unwrap();
        let got = solve_quantile(&g, u).unwrap();
        assert!(
            (got - want).abs() <= 1e-5 * want,
            "gamma u {u}: {got} vs {want}"
        );
        let x = d.quantile(u).unwrap();
        assert!((solve_quantile(&d, u).unwrap() - x).abs() <= 1e-5 * (1.0 + x.abs()));
        assert_eq!(d.dx_dtheta(x).unwrap().unwrap()[0], 1.0);
    }
}
