//! Round trips `cdf(quantile(u)) ≈ u` and `quantile(cdf(x)) ≈ x`, and the
//! f32 implementation against the f64 one.

// Index loops over several parallel arrays read better than zips here.
#![allow(clippy::needless_range_loop)]

mod common;

use common::{probit, ulp, RandomMixture, EPS};
use mixgrad::{DiagMixture, DiagMixtureRef, SeedableRng, Xoshiro256PlusPlus};

#[test]
fn cdf_of_quantile_returns_u_in_both_tails() {
    let mut worst = 0.0f64;
    for seed in 0..40u64 {
        let mix = RandomMixture::new(seed, 1 + (seed % 6) as usize, 1 + (seed % 4) as usize);
        let v = mix.view();
        let d = mix.d;
        for &u0 in &[
            1e-300,
            1e-100,
            1e-12,
            0.01,
            0.3,
            0.5,
            0.77,
            0.999,
            1.0 - 1e-12,
            1.0 - 2f64.powi(-53),
        ] {
            let u = vec![u0; d];
            let mut x = vec![0.0; d];
            v.quantile(&u, &mut x).unwrap();
            let (mut f, mut fc) = (vec![0.0; d], vec![0.0; d]);
            v.cdf_density(&x, &mut f, Some(&mut fc), None).unwrap();
            for i in 0..d {
                // Compare the informative tail relatively: F for u ≤ ½, Fc above.
                let (got, want) = if u0 <= 0.5 {
                    (f[i], u0)
                } else {
                    (fc[i], 1.0 - u0)
                };
                let z = probit(want);
                // One ulp of x moves the tail by f·ulp(x)/tail, i.e. ≈ |z x| ε.
                let tol = 16.0 * EPS * (1.0 + z * z)
                    + 4.0
                        * EPS
                        * (z * x[i]).abs()
                        * mix.scales.iter().fold(1.0f64, |m, s| m.max(1.0 / s));
                let err = ((got - want) / want).abs();
                worst = worst.max(err / tol);
                assert!(err <= tol, "seed {seed} u={u0:e} d={i}: F = {got:e}, want {want:e} (err {err:e}, tol {tol:e})");
            }
        }
    }
    eprintln!("cdf∘quantile: worst error / tolerance {worst:.3}");
}

#[test]
fn quantile_of_cdf_returns_x() {
    for seed in 0..40u64 {
        let mix = RandomMixture::new(
            1000 + seed,
            1 + (seed % 5) as usize,
            1 + (seed % 3) as usize,
        );
        let v = mix.view();
        let d = mix.d;
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        for _ in 0..20 {
            let mut x = vec![0.0; d];
            v.sample_ancestral(&mut rng, &mut x).unwrap();
            let (mut u, mut f) = (vec![0.0; d], vec![0.0; d]);
            v.cdf_density(&x, &mut u, None, Some(&mut f)).unwrap();
            let mut back = vec![0.0; d];
            v.quantile(&u, &mut back).unwrap();
            for i in 0..d {
                let tail = u[i].min(1.0 - u[i]);
                let z = probit(tail);
                // docs/math.md §6 quantile bound, plus what storing u as a
                // double costs: ulp(u)/f (large near u = 1, where ulp(u) ≫
                // ε·(1−u)).
                let tol = 8.0 * ulp(x[i])
                    + 16.0 * EPS * (1.0 + z * z) * tail / f[i]
                    + 2.0 * ulp(u[i]) / f[i];
                assert!(
                    (back[i] - x[i]).abs() <= tol,
                    "seed {seed} d={i}: {} vs {} tol {tol:e} u {} f {}",
                    back[i],
                    x[i],
                    u[i],
                    f[i]
                );
            }
        }
    }
}

#[test]
fn f32_agrees_with_f64() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    for seed in 0..20u64 {
        let m64 = RandomMixture::new(
            2000 + seed,
            1 + (seed % 5) as usize,
            1 + (seed % 4) as usize,
        );
        let (k, d) = (m64.k, m64.d);
        // The same mixture in f32 (and its f64 image, so only arithmetic differs).
        let to32 = |v: &[f64]| v.iter().map(|&x| x as f32).collect::<Vec<f32>>();
        let back = |v: &[f32]| v.iter().map(|&x| x as f64).collect::<Vec<f64>>();
        let (a32, mu32, s32) = (to32(&m64.logits), to32(&m64.means), to32(&m64.scales));
        let (a, mu, s) = (back(&a32), back(&mu32), back(&s32));
        let v32 = DiagMixtureRef::new(&a32, &mu32, &s32, d).unwrap();
        let v64 = DiagMixtureRef::new(&a, &mu, &s, d).unwrap();

        let mut x = vec![0.0f64; d];
        v64.sample_ancestral(&mut rng, &mut x).unwrap();
        let x32 = to32(&x);
        let x = back(&x32);

        let (mut u64_, mut u32_) = (vec![0.0; d], vec![0.0f32; d]);
        v64.cdf(&x, &mut u64_).unwrap();
        v32.cdf(&x32, &mut u32_).unwrap();
        for i in 0..d {
            // docs/math.md §6 structure: relative below ½, absolute above (an
            // f32 near 1 has ulp 6e-8, so its tail is only absolutely
            // accurate).
            let (got, want) = (u32_[i] as f64, u64_[i]);
            let ok = if want <= 0.5 {
                ((got - want) / want).abs() < 1e-5
            } else {
                (got - want).abs() < 1e-6
            };
            assert!(ok, "cdf seed {seed} d={i}: {got} vs {want}");
        }
        let lp64 = v64.log_prob(&x).unwrap();
        let lp32 = v32.log_prob(&x32).unwrap() as f64;
        assert!(
            (lp32 - lp64).abs() < 1e-5 * lp64.abs().max(1.0),
            "log_prob seed {seed}"
        );

        // Quantile of the f32 u in both precisions.
        let mut q64 = vec![0.0; d];
        let mut q32 = vec![0.0f32; d];
        v64.quantile(&back(&u32_), &mut q64).unwrap();
        v32.quantile(&u32_, &mut q32).unwrap();
        for i in 0..d {
            assert!(
                (q32[i] as f64 - q64[i]).abs() < 1e-3 * (1.0 + q64[i].abs()),
                "quantile seed {seed}"
            );
        }

        // Gradients to ≈ 1e-3 (docs/math.md §6), relative to their scale.
        let xbar: Vec<f64> = (0..d).map(|i| 1.0 - 0.5 * i as f64).collect();
        let (mut ga, mut gm, mut gs) = (vec![0.0; k], vec![0.0; k * d], vec![0.0; k * d]);
        v64.vjp(&x, &xbar, &mut ga, &mut gm, &mut gs).unwrap();
        let (mut ha, mut hm, mut hs) = (vec![0.0f32; k], vec![0.0f32; k * d], vec![0.0f32; k * d]);
        v32.vjp(&x32, &to32(&xbar), &mut ha, &mut hm, &mut hs)
            .unwrap();
        let want: Vec<f64> = ga.iter().chain(&gm).chain(&gs).copied().collect();
        let got: Vec<f64> = ha.iter().chain(&hm).chain(&hs).map(|&v| v as f64).collect();
        assert!(
            common::grad_error(&got, &want) < 1e-3,
            "vjp seed {seed}: {:e}",
            common::grad_error(&got, &want)
        );
    }
}

#[test]
fn f32_sampler_stays_inside_and_finite() {
    let mix = DiagMixture::<f32, 2, 3>::new(
        [0.0, -1.0],
        [[0.0, 1.0, -1.0], [3.0, -2.0, 0.5]],
        [[1.0, 0.5, 2.0], [0.3, 1.0, 1.0]],
    )
    .unwrap();
    let mut rng = mixgrad::Xoshiro128PlusPlus::seed_from_u64(3);
    for _ in 0..2000 {
        let (x, u) = mix.sample_quantile(&mut rng);
        assert!(u.iter().all(|&v| v > 0.0 && v < 1.0));
        assert!(x.iter().all(|v| v.is_finite()));
        let g = mix.vjp(&x, &[1.0, 1.0, 1.0]).unwrap();
        assert!(g
            .logits
            .iter()
            .chain(g.means.as_flattened())
            .chain(g.scales.as_flattened())
            .all(|v| v.is_finite()));
    }
}

#[test]
fn sampling_is_reproducible_for_a_fixed_seed() {
    let mix = DiagMixture::<f64, 2, 2>::new(
        [0.0, 0.5],
        [[0.0, 1.0], [2.0, -1.0]],
        [[1.0, 0.5], [0.7, 2.0]],
    )
    .unwrap();
    let draw = |seed| {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        (
            mix.sample_quantile(&mut rng),
            mix.sample_ancestral(&mut rng),
        )
    };
    assert_eq!(draw(9), draw(9));
    assert_ne!(draw(9), draw(10));
    // The quantile sampler is the quantile map of the u it reports.
    let ((x, u), _) = draw(9);
    assert_eq!(mix.quantile(&u).unwrap(), x);
}
