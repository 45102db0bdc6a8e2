//! Adversarial inputs at the edges of the valid domain. Each case states the
//! behaviour it expects — a value, a bound or a specific error — which
//! docs/numerics.md ("Numeric domain, case by case") documents. The last
//! group holds the problems the fuzz targets found (each failed before its
//! fix).
//!
//! Every error variant has its own test in `errors.rs` (Rust API) and in
//! `ffi-tests/test_c.c` (C ABI).

// Index loops over several parallel arrays read better than zips here.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{probit, ulp, EPS};
use mixgrad::{DiagMixtureRef, ErrorKind, SeedableRng, Xoshiro256PlusPlus};

/// A runtime-sized mixture owned by the test.
struct Mix {
    d: usize,
    logits: Vec<f64>,
    means: Vec<f64>,
    scales: Vec<f64>,
}

impl Mix {
    /// One dimension: `(logit, mean, scale)` per component.
    fn one_d(components: &[(f64, f64, f64)]) -> Mix {
        Mix {
            d: 1,
            logits: components.iter().map(|c| c.0).collect(),
            means: components.iter().map(|c| c.1).collect(),
            scales: components.iter().map(|c| c.2).collect(),
        }
    }

    fn view(&self) -> DiagMixtureRef<'_, f64> {
        DiagMixtureRef::new(&self.logits, &self.means, &self.scales, self.d)
            .expect("a valid mixture")
    }
}

/// `(F, 1 − F)` of dimension `i` with `x_i` replaced by `xi`.
fn tails_at(v: &DiagMixtureRef<'_, f64>, x: &[f64], i: usize, xi: f64) -> (f64, f64) {
    let mut at = x.to_vec();
    at[i] = xi;
    let (mut f, mut fc) = (vec![0.0; x.len()], vec![0.0; x.len()]);
    v.cdf_density(&at, &mut f, Some(&mut fc), None).unwrap();
    (f[i], fc[i])
}

/// The docs/math.md §6 round trip in backward form: `F(quantile(u)) = u` to
/// `1e-12·(1 + z²)` relative, or `u` lies between `F` at the floats 8 ulp
/// either side of `x̂` (the forward bound's 8 ulp; F steps within an ulp
/// where a component is narrower than ulp(x)), or `x̂ = ±MAX` with the root
/// beyond the float range.
fn assert_round_trip(v: &DiagMixtureRef<'_, f64>, u: &[f64]) -> Vec<f64> {
    let mut x = vec![0.0; u.len()];
    v.quantile(u, &mut x).expect("quantile of u in (0, 1)");
    for i in 0..u.len() {
        assert!(x[i].is_finite(), "x[{i}] = {}", x[i]);
        let upper = u[i] > 0.5;
        let want = if upper { 1.0 - u[i] } else { u[i] };
        let g = |xi: f64| {
            let (f, fc) = tails_at(v, &x, i, xi);
            if upper {
                fc
            } else {
                f
            }
        };
        let z = probit(want);
        let tol = 1e-12 * (1.0 + z * z) * want;
        let got = g(x[i]);
        if (got - want).abs() <= tol {
            continue;
        }
        let (mut lo, mut hi) = (x[i], x[i]);
        for _ in 0..8 {
            lo = (lo - ulp(lo)).max(-f64::MAX);
            hi = (hi + ulp(hi)).min(f64::MAX);
        }
        let (a, b) = (g(lo), g(hi));
        let bracketed = want >= a.min(b) - tol && want <= a.max(b) + tol;
        // F rises with x; G is F below 1/2 and 1 − F above.
        let saturated = (x[i] == -f64::MAX && (got >= want) != upper)
            || (x[i] == f64::MAX && (got <= want) != upper);
        assert!(
            bracketed || saturated,
            "dim {i}: u={} x={:e} G={got:e} want={want:e} tol={tol:e}",
            u[i],
            x[i]
        );
    }
    x
}

/// vjp with `x̄ = 1`: every entry finite.
fn assert_vjp_finite(v: &DiagMixtureRef<'_, f64>, x: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (k, d) = (v.num_components(), v.num_dims());
    let (mut a, mut m, mut s) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
    v.vjp(x, &vec![1.0; d], &mut a, &mut m, &mut s)
        .expect("vjp at a sample");
    for g in a.iter().chain(&m).chain(&s) {
        assert!(g.is_finite(), "vjp entry {g}");
    }
    (a, m, s)
}

const U_GRID: [f64; 9] = [
    1e-300,
    1e-100,
    1e-10,
    0.1,
    0.5,
    0.7,
    0.999,
    1.0 - 1e-12,
    1.0 - EPS / 2.0,
];

#[test]
fn weights_spanning_1e_300_to_1() {
    // Expected: the 1e-300 component is a valid part of the mixture: round
    // trips hold on the whole u grid, including u = 1e-300, where the root
    // sits in the tiny component's own range only if it is the leftmost.
    let mix = Mix::one_d(&[
        (1e-300f64.ln(), -30.0, 1.0),
        (1e-10f64.ln(), 5.0, 0.1),
        (0.0, 0.0, 1.0),
    ]);
    let v = mix.view();
    for u in U_GRID {
        let x = assert_round_trip(&v, &[u]);
        if (1e-250..=0.5).contains(&u) {
            assert_vjp_finite(&v, &x);
        }
    }
    // u = 0.5e-300: the main component's tail (Φ(−30) ≈ 5e-198) outweighs
    // the whole 1e-300 component, so the root is the main component's own
    // quantile Φ^{-1}(0.5e-300) ≈ −37.07.
    let mut x = [0.0];
    v.quantile(&[0.5e-300], &mut x).unwrap();
    assert!((x[0] - probit(0.5e-300)).abs() < 1e-9, "x = {}", x[0]);
    // log q and its gradient at the tiny component's mean are finite.
    assert!(v.log_prob(&[-30.0]).unwrap().is_finite());
}

#[test]
fn scales_from_1e_minus_150_to_1e150() {
    // Expected: round trips on the u grid; gradients finite at every sample.
    let mix = Mix {
        d: 2,
        logits: vec![0.0, -1.0, 0.5],
        means: vec![0.0, 1.0, 3.0, -2.0, -1e140, 1e140],
        scales: vec![1e-150, 1.0, 1.0, 1e-150, 1e150, 1e150],
    };
    let v = mix.view();
    for u0 in U_GRID {
        for u1 in [1e-200, 0.3, 0.5, 1.0 - 1e-9] {
            assert_round_trip(&v, &[u0, u1]);
        }
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    for _ in 0..300 {
        let mut x = [0.0; 2];
        v.sample_quantile(&mut rng, &mut x, None).unwrap();
        match v.vjp(&x, &[1.0, 1.0], &mut [0.0; 3], &mut [0.0; 6], &mut [0.0; 6]) {
            Ok(()) => {
                assert_vjp_finite(&v, &x);
            }
            // Refused only where some f_d is below MIN_POSITIVE.
            Err(e) => assert_eq!(e, ErrorKind::ZeroDensity),
        }
    }
}

#[test]
fn means_at_plus_minus_1e150() {
    // Expected: u below the left weight lands at −1e150 + σ·z to the
    // accuracy of ulp(1e150) (σ = 1 is far below it: F steps within one
    // float, so the answer is −1e150 itself, within the 8-ulp bracket);
    // u = 1/2 of a symmetric pair lies in the flat gap (backward error).
    let mix = Mix::one_d(&[(0.0, -1e150, 1.0), (0.0, 1e150, 1.0)]);
    let v = mix.view();
    for u in U_GRID {
        let x = assert_round_trip(&v, &[u]);
        assert!(x[0].abs() <= 1.0000001e150, "x = {:e}", x[0]);
    }
    let mut x = [0.0];
    v.quantile(&[0.25], &mut x).unwrap();
    assert!((x[0] + 1e150).abs() <= 8.0 * ulp(1e150), "x = {:e}", x[0]);
    // log q at a mean: ln(1/2) − ln √(2π).
    let lp = v.log_prob(&[1e150]).unwrap();
    assert!((lp - (0.5f64.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln())).abs() < 1e-14);
}

#[test]
fn special_uniforms() {
    let mix = Mix::one_d(&[(0.0, -1.0, 1.0), (0.0, 1.0, 1.0)]);
    let v = mix.view();
    // u = 1/2 exactly: the symmetric pair's centre, 0, to rounding.
    let mut x = [f64::NAN];
    v.quantile(&[0.5], &mut x).unwrap();
    assert!(x[0].abs() <= 1e-15, "x = {:e}", x[0]);
    // u = 1 − 2^-53 (the largest the samplers draw): the round trip holds.
    assert_round_trip(&v, &[1.0 - EPS / 2.0]);
    // u = 5e-324, below the contract's 1e-300: finite, not above
    // quantile(1e-300), and within the leftmost component's own range
    // (Φ^{-1}(5e-324/2) ≈ −38.6).
    let mut lowest = [0.0];
    v.quantile(&[f64::from_bits(1)], &mut lowest).unwrap();
    v.quantile(&[1e-300], &mut x).unwrap();
    assert!(
        lowest[0].is_finite() && lowest[0] <= x[0],
        "{lowest:?} vs {x:?}"
    );
    assert!((lowest[0] - (-1.0 - 38.6)).abs() < 0.5, "x = {}", lowest[0]);
}

#[test]
fn x_far_outside_the_support() {
    // z = ±1e6 from the only component: F is 0 or 1 exactly (the tails
    // underflow), log q = −z²/2 − ln √(2π) to 1e-14 relative, its x-gradient
    // is −z/σ exactly, and the pathwise gradient is refused: f = φ(1e6) is
    // not representable, so ∂x/∂θ ∝ 1/f is not either.
    let mix = Mix::one_d(&[(0.0, 2.0, 3.0)]);
    let v = mix.view();
    for z in [-1e6, 1e6] {
        let x = [2.0 + 3.0 * z];
        let (mut f, mut fc) = ([0.0], [0.0]);
        v.cdf_density(&x, &mut f, Some(&mut fc), None).unwrap();
        let (want_f, want_fc) = if z < 0.0 { (0.0, 1.0) } else { (1.0, 0.0) };
        assert_eq!((f[0], fc[0]), (want_f, want_fc));
        let want = -0.5 * z * z - 3.0f64.ln() - 0.5 * (2.0 * std::f64::consts::PI).ln();
        let lp = v.log_prob(&x).unwrap();
        assert!(((lp - want) / want).abs() < 1e-14, "{lp} vs {want}");
        let mut gx = [0.0];
        v.log_prob_grad(
            &x,
            mixgrad::LogProbGrad {
                x: Some(&mut gx),
                ..Default::default()
            },
        )
        .unwrap();
        assert!((gx[0] + z / 3.0).abs() <= 1e-9 * z.abs(), "{gx:?}");
        let r = v.vjp(&x, &[1.0], &mut [0.0], &mut [0.0], &mut [0.0]);
        assert_eq!(r.map_err(|e| e.kind()), Err(ErrorKind::ZeroDensity));
    }
    // Two components 2e6 apart, x midway: the gap is refused. One σ inside
    // the right one, f = φ(1)/2 and F = (1 + Φ(1))/2: ∂x/∂μ = (0, 1) and
    // ∂x/∂a₁ = −∂x/∂a₀ = Φc(1)/(2φ(1)).
    let mix = Mix::one_d(&[(0.0, -1e6, 1.0), (0.0, 1e6, 1.0)]);
    let v = mix.view();
    assert_eq!(
        v.vjp(&[0.0], &[1.0], &mut [0.0; 2], &mut [0.0; 2], &mut [0.0; 2])
            .map_err(|e| e.kind()),
        Err(ErrorKind::ZeroDensity)
    );
    let (a, m, _) = assert_vjp_finite(&v, &[1e6 + 1.0]);
    let phi1 = (-0.5f64).exp() / (2.0 * std::f64::consts::PI).sqrt();
    let want = 0.5 * 0.5 * libm::erfc(std::f64::consts::FRAC_1_SQRT_2) / phi1;
    assert!(
        (a[1] - want).abs() < 1e-12 && (a[0] + want).abs() < 1e-12,
        "{a:?}"
    );
    assert!(m[0] == 0.0 && (m[1] - 1.0).abs() < 1e-12, "{m:?}");
}

#[test]
fn d1024_k64_on_a_small_stack() {
    // Expected: every operation works on a 256 KiB thread stack (the
    // scratch is O(K) on the stack, never O(D)), outputs finite, round
    // trip on every dimension. The elapsed time is printed, not asserted.
    let run = || {
        let (k, d) = (64, 1024);
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1024);
        let mut next = |lo: f64, hi: f64| lo + (hi - lo) * mixgrad::uniform_f64(&mut rng);
        let mix = Mix {
            d,
            logits: (0..k).map(|_| next(-3.0, 3.0)).collect(),
            means: (0..k * d).map(|_| next(-4.0, 4.0)).collect(),
            scales: (0..k * d).map(|_| next(0.3, 2.0)).collect(),
        };
        let v = mix.view();
        let start = std::time::Instant::now();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        let (mut x, mut u) = (vec![0.0; d], vec![0.0; d]);
        v.sample_quantile(&mut rng, &mut x, Some(&mut u)).unwrap();
        assert_round_trip(&v, &u);
        assert_vjp_finite(&v, &x);
        assert!(v.log_prob(&x).unwrap().is_finite());
        let k_anc = v.sample_ancestral(&mut rng, &mut x).unwrap();
        assert!(k_anc < k);
        assert_vjp_finite(&v, &x);
        eprintln!(
            "D=1024, K=64: sample, round trip, 2 vjp in {:?}",
            start.elapsed()
        );
    };
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

#[test]
fn duplicated_identical_components_act_as_one() {
    // Four copies of N(μ, σ²) per dimension: the quantile is μ + σ Φ^{-1}(u)
    // (to 1e-13 relative), the logit gradient is exactly 0 (every F_k = F)
    // and each copy gets a quarter of the mean and scale gradients.
    let (mu, sigma) = ([0.5, -2.0], [1.5, 0.25]);
    let mix = Mix {
        d: 2,
        logits: vec![0.3; 4],
        means: (0..4).flat_map(|_| mu).collect(),
        scales: (0..4).flat_map(|_| sigma).collect(),
    };
    let v = mix.view();
    let u = [0.2, 0.9];
    let mut x = [0.0; 2];
    v.quantile(&u, &mut x).unwrap();
    for i in 0..2 {
        let want = mu[i] + sigma[i] * probit(u[i]);
        assert!((x[i] - want).abs() <= 1e-13 * (1.0 + want.abs()), "{x:?}");
    }
    let (a, m, s) = assert_vjp_finite(&v, &x);
    assert!(a.iter().all(|&g| g == 0.0), "{a:?}");
    for k in 0..4 {
        for i in 0..2 {
            assert!((m[k * 2 + i] - 0.25).abs() < 1e-14, "{m:?}");
            let z = (x[i] - mu[i]) / sigma[i];
            assert!((s[k * 2 + i] - 0.25 * z).abs() < 1e-13, "{s:?}");
        }
    }
}

#[test]
fn every_error_is_reported_not_a_crash() {
    // Each variant is covered, with untouched outputs, by errors.rs; here the
    // adversarial values that are *invalid*: NaN/±∞ anywhere, σ = 0, −0,
    // negative, u outside (0, 1) including ±0, 1, NaN, subnormal negatives.
    let v_ok = Mix::one_d(&[(0.0, 0.0, 1.0)]);
    let v = v_ok.view();
    for bad_u in [
        0.0,
        -0.0,
        1.0,
        -f64::from_bits(1),
        1.0 + EPS,
        f64::NAN,
        f64::INFINITY,
    ] {
        assert_eq!(
            v.quantile(&[bad_u], &mut [0.0]).map_err(|e| e.kind()),
            Err(ErrorKind::UniformOutOfRange)
        );
    }
    for bad_x in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            v.cdf(&[bad_x], &mut [0.0]).map_err(|e| e.kind()),
            Err(ErrorKind::NonFiniteX)
        );
        assert_eq!(
            v.log_prob(&[bad_x]).map_err(|e| e.kind()),
            Err(ErrorKind::NonFiniteX)
        );
    }
    for bad_s in [0.0, -0.0, -1e-300, -f64::from_bits(1)] {
        let r = DiagMixtureRef::new(&[0.0], &[0.0], &[bad_s], 1).map(|_| ());
        assert_eq!(r.map_err(|e| e.kind()), Err(ErrorKind::NonPositiveScale));
    }
}

// ---- Problems the fuzz targets found (minimised), each with its fix. ----

#[test]
fn fuzz_far_point_keeps_log_q_finite_f32() {
    // ℓ's low part exceeded exp's range: log q was −∞.
    let v = DiagMixtureRef::new(&[0.0f32], &[0.0, 1.0], &[1.0, 1e-30], 2).unwrap();
    let lp = v.log_prob(&[1e6, 0.0]).unwrap();
    // z₂ clamps at 2^44: log q ≈ −2^87 − 5e11 + 69.
    assert!(lp.is_finite() && lp < -1e26, "{lp}");
}

#[test]
fn fuzz_mean_at_minus_max_f32() {
    // The padded bracket reached −∞ and the quantile was NaN; the root lies
    // below −MAX, so the answer saturates there.
    let v = DiagMixtureRef::new(&[-1.0f32, 0.0], &[-f32::MAX, 0.0], &[1.0, 1.0], 1).unwrap();
    let mut x = [0.0f32];
    v.quantile(&[0.25], &mut x).unwrap();
    assert_eq!(x[0], -f32::MAX);
}

#[test]
fn fuzz_far_component_with_tiny_scale_has_zero_not_nan_gradient() {
    // S_k·(z²−1)/σ was 0·∞ for a component of weight 0 far out.
    let mix = Mix::one_d(&[(0.0, 5e-299, 1.6e-154), (40.0, 1.0, 2.0)]);
    let (a, m, s) = assert_vjp_finite(&mix.view(), &[0.5]);
    assert_eq!((a[0], m[0], s[0]), (a[0], 0.0, 0.0));
}

#[test]
fn fuzz_subnormal_scale_gradients_are_not_nan() {
    // φ/σ overflowed for σ = 3e-317: dens/f was ∞/∞.
    let mix = Mix {
        d: 2,
        logits: vec![1e-311, 0.0, 0.0],
        means: vec![0.0; 6],
        scales: vec![2.9e-317, 1.0, 1.0, 1.0, 1.0, 1.0],
    };
    let v = mix.view();
    let (mut a, mut m, mut s) = ([0.0; 3], [0.0; 6], [0.0; 6]);
    v.vjp(&[0.0, 0.0], &[0.0, 1.0], &mut a, &mut m, &mut s)
        .unwrap();
    assert!(a.iter().chain(&m).chain(&s).all(|g| !g.is_nan()));
}

#[test]
fn fuzz_huge_logits_do_not_revive_dead_components() {
    // Equal logits −2.3e73 and a component 2.3e73 σ away in four
    // dimensions: recovering ℓ by subtraction lost the logit and gave the
    // far component weight 1 at d = 0 (p on zero density: NaN). Expected:
    // x̄ = 0 gives exactly zero gradients; with x̄ = 1 the five live
    // components share dimension 0 equally (∂x₀/∂μ_k0 = 1/5).
    let a = -2.320_888_629_453_762_3e73;
    let mut means = vec![0.0; 30];
    means[..4].fill(a);
    means[4] = -3.3e73;
    means[6] = f64::MAX;
    let mix = Mix {
        d: 5,
        logits: vec![a; 6],
        means,
        scales: vec![1.0; 30],
    };
    let v = mix.view();
    let x = [0.0; 5];
    let (mut ga, mut gm, mut gs) = ([1.0; 6], [1.0; 30], [1.0; 30]);
    v.vjp(&x, &[0.0; 5], &mut ga, &mut gm, &mut gs).unwrap();
    assert!(ga.iter().chain(&gm).chain(&gs).all(|&g| g == 0.0));
    let (_, m, _) = assert_vjp_finite(&v, &x);
    for k in 1..6 {
        assert!((m[k * 5] - 0.2).abs() < 1e-14, "{:?}", &m[..]);
    }
    assert_eq!(m[0], 0.0);
}

#[test]
fn fuzz_spike_narrower_than_an_ulp() {
    // A component of σ = 6.8e-231 at x = 1 made F jump within one float;
    // the solver stopped on the spike although the root lay beyond it.
    let mix = Mix {
        d: 3,
        logits: vec![-0.375, 0.0, -6.161_148_146_932_587e125],
        means: vec![1.0, 1.0, f64::MAX, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        scales: vec![
            595_805_541.997_152_6,
            6.784_406_347_009_109e-231,
            f64::MAX,
            1.0,
            595_821_443.513_725_4,
            4.467_013_770_428_176e97,
            5.080_218_046_913_158e-170,
            1.0,
            1.0,
        ],
    };
    assert_round_trip(&mix.view(), &[0.5, 0.5, 0.5]);
}

#[test]
fn fuzz_bracket_spanning_the_exponent_range_f32() {
    // A component at MAX made the bracket [1, 3.4e38]: 96 halvings did not
    // reach the root near 1.39 (geometric bisection does).
    let v = DiagMixtureRef::new(
        &[0.0f32; 4],
        &[
            0.0,
            0.0,
            0.0,
            0.0,
            0.0,
            5.6e-39,
            0.0,
            -1.44e17,
            -5.6875,
            -1.0,
            0.0,
            f32::MAX,
        ],
        &[
            1.0, 1.0, 1.0, 3.2e19, 1.0, 2.5e-42, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0,
        ],
        3,
    )
    .unwrap();
    let mut x = [0.0f32; 3];
    v.quantile(&[0.5; 3], &mut x).unwrap();
    let mut u = [0.0f32; 3];
    v.cdf(&x, &mut u).unwrap();
    assert!((u[2] - 0.5).abs() < 1e-4, "{x:?} {u:?}");
}

#[test]
fn fuzz_root_inside_a_subnormal_scale() {
    // A component of σ = 1e-320 at 0 holds the root of dimension 1 near
    // x = −6.5e-320: every step and tolerance there is a handful of
    // subnormal ulps, and a predicted error that underflowed to 0 passed
    // for convergence 400 ulps short of the root.
    let mix = Mix {
        d: 2,
        logits: vec![0.0, 0.0, 2.781_342_323_133_997e-309, 0.0, 0.0],
        means: vec![0.0, 0.0, 0.0, -f64::MAX, -1.6875, 0.0, 1.0, 0.0, 0.0, 0.0],
        scales: vec![1.0, 1e-320, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],
    };
    assert_round_trip(&mix.view(), &[0.5, 0.5]);
}

#[test]
fn fuzz_f32_step_across_a_component_one_ulp_wide() {
    // Dimension 2 is ½ N(−26 711 958, 1) + ½ N(0, 1) in f32, where ulp(x)
    // is 2: the root of F = ½ sits on the right tail of the first
    // component, at x = −26 711 952 (F one ulp above ½). From there, with G
    // at rounding level, a Newton step of 19.6 (10 ulps; 20 σ) was accepted
    // unevaluated as "a few ulps" (8ε|x| = 25) and landed left of the whole
    // component, where F = 4e-45. The few ulps are now 4ε|x| ≤ 8 ulp(x).
    let v = DiagMixtureRef::new(
        &[1.192_092_9e-7f32, 1.192_092_9e-7, 0.0, -26_711_958.0],
        &[
            -26_711_958.0,
            1e-45,
            -26_711_958.0,
            -26_711_958.0,
            -1.350_692_8e38,
            -26_738_686.0,
            -26_711_958.0,
            1.850_32e-40,
            0.0,
            0.0,
            0.0,
            0.0,
        ],
        &[1.0f32; 12],
        3,
    )
    .unwrap();
    let mut x = [0.0f32; 3];
    v.quantile(&[0.5; 3], &mut x).unwrap();
    let mut u = [0.0f32; 3];
    v.cdf(&x, &mut u).unwrap();
    assert!(u.iter().all(|&ui| (ui - 0.5).abs() < 1e-4), "{x:?} {u:?}");
}

#[test]
fn fuzz_gradient_beyond_the_float_range_overflows_without_nan() {
    // x_5 sits where f_5 = 2.5e-89 (a normal number: no ZeroDensity), so
    // S_k ≈ ±4.9e86 after dimension 5, and at dimension 3 a component of
    // σ = 1e-300 multiplies that by z/σ = 1e300: the true gradient of x_5
    // is ~1e386. The overflowing terms met as ∞ − ∞ = NaN; now the sweep is
    // redone with the cotangent scaled by 2^-768 and those entries are ±∞,
    // every other one finite, in the vjp and in the Jacobian row alike.
    let mix = Mix {
        d: 6,
        logits: vec![
            3.125,
            7.37e-150,
            0.0,
            -5.6875,
            -5.268_566_205_537_548e87,
            1e-300,
        ],
        means: [
            [1e-300, 1e-300, -0.0, 0.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0, 1e-300, 1e-300],
            [1e-300; 6],
            [1e-300; 6],
            [5.0625, -1.0, -1.0, -1.0, -1.0, -1.0],
            [-1.0, f64::MAX, f64::MAX, 7.5625, -0.0625, 0.0],
        ]
        .concat(),
        scales: [
            vec![1e300, 1.0, f64::MAX, 1e-300, 1e-300, 1e-300],
            vec![
                1e-300,
                1e-300,
                1e-300,
                1e-300,
                1e-300,
                1.587_502_185_615_919e88,
            ],
            vec![
                2.0,
                1.224_167_770_289_121_6e-250,
                1e-300,
                1e-300,
                1e-300,
                1e-300,
            ],
            vec![1e-300; 18],
        ]
        .concat(),
    };
    let v = mix.view();
    let x = [
        1e-300,
        1e-300,
        1e-300,
        1e-300,
        1e-300,
        -5.268_566_205_536_858e-291,
    ];
    let (k, d) = (6, 6);
    let (mut a, mut m, mut s) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
    v.vjp(&x, &[0.0, 0.0, 0.0, 0.0, 0.0, 1.0], &mut a, &mut m, &mut s)
        .unwrap();
    let g: Vec<f64> = a.iter().chain(&m).chain(&s).copied().collect();
    assert!(g.iter().all(|v| !v.is_nan()), "{g:?}");
    assert!(g.iter().filter(|v| v.is_infinite()).count() > 0, "{g:?}");
    let mut jac = vec![0.0; d * v.num_params()];
    v.jacobian(&x, &mut jac).unwrap();
    let row = &jac[5 * v.num_params()..];
    assert!(row.iter().zip(&g).all(|(p, q)| p.to_bits() == q.to_bits()));
    assert!(jac.iter().all(|v| !v.is_nan()));
}

#[test]
fn fuzz_f32_equal_tails_give_zero_weight_gradient_not_nan() {
    // At x = 1e-40 every component of dimension 3 has z ≈ 0 (scales 1e38
    // and 2.4e26), so every Φ_k is ½ and e_k3 = p_k (Φ_k − F_3) is exactly
    // 0. With F_3 summed over p that add up to 1 − ε only, e_k3 was p·ε,
    // times 1/f_3 ≈ 6e26, and at dimension 1 a scale of 2.2e-31 turned
    // that into an f32 overflow and NaN across row 3 of the Jacobian (f64:
    // all entries ≤ 1). F is now the average over the p actually summed.
    let logits = [1.0f32, 0.5, 1.0, 4.75];
    let means = [
        4.75f32,
        0.4375,
        1e-45,
        0.375,
        0.0,
        0.0,
        2.3316e-41,
        0.0,
        0.0,
        0.0,
        0.0,
        2.350_988_6e-38,
        1.084_205_3e-19,
        0.0,
        1.0,
        -0.0625,
        2.968_597_8e-8,
        0.0,
        2.059_446_7e-38,
        0.0,
        0.0,
        -1.486_817_8e-31,
        2.431_101_8e26,
        2.431_101_8e26,
    ];
    let scales = [
        1.0f32,
        3.392_855_9e38,
        4.254_509e37,
        1e38,
        1.0,
        1.0,
        6.0,
        0.1,
        1.625,
        1e38,
        0.1,
        2.431_101_8e26,
        7.9375,
        2.165_527_4e-31,
        2.431_101_8e26,
        2.431_101_8e26,
        1.0,
        2.431_101_8e26,
        2.431_101_8e26,
        2.431_101_8e26,
        2.431_101_8e26,
        2.431_101_8e26,
        2.597_942e26,
        1.0,
    ];
    let x = [1e-40f32; 6];
    let v32 = DiagMixtureRef::new(&logits, &means, &scales, 6).unwrap();
    let (l64, m64, s64) = (
        logits.map(f64::from),
        means.map(f64::from),
        scales.map(f64::from),
    );
    let v64 = DiagMixtureRef::new(&l64, &m64, &s64, 6).unwrap();
    let params = v32.num_params();
    let mut j32 = vec![0.0f32; 6 * params];
    let mut j64 = vec![0.0f64; 6 * params];
    v32.jacobian(&x, &mut j32).unwrap();
    v64.jacobian(&x.map(f64::from), &mut j64).unwrap();
    for (d, (r32, r64)) in j32.chunks(params).zip(j64.chunks(params)).enumerate() {
        let scale = 1.0 + r64.iter().fold(0.0f64, |m, g| m.max(g.abs()));
        for (c, (&a, &b)) in r32.iter().zip(r64).enumerate() {
            assert!(
                (f64::from(a) - b).abs() <= 1e-4 * scale,
                "row {d} column {c}: f32 {a:e}, f64 {b:e}"
            );
        }
    }
}
