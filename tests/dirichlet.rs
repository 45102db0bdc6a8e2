//! The Dirichlet distribution as normalised Gamma draws: the vector–Jacobian
//! product against central differences of the sampler at fixed uniforms,
//! the pathwise gradient of `E[x]` unbiased against its closed form
//! `∂(α_i/α₀)/∂α_j = (δ_ij α₀ − α_i)/α₀²`, underflowing draws, and every
//! refusal with nothing written.

use mixgrad::{Buffer, Dirichlet, ErrorKind, SeedableRng, Xoshiro256PlusPlus};

/// `x` drawn from Dirichlet(`alpha`) with the generator seeded `seed`.
fn draw(alpha: &[f64], seed: u64) -> (Vec<f64>, Vec<f64>) {
    let k = alpha.len();
    let (mut g, mut x) = (vec![0.0; k], vec![0.0; k]);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Dirichlet::new(alpha)
        .unwrap()
        .sample(&mut rng, &mut g, &mut x)
        .unwrap();
    (g, x)
}

#[test]
fn vjp_matches_central_differences_of_the_sampler() {
    let alpha = [0.7, 2.0, 5.5, 1.2];
    for seed in 0..20 {
        let (g, x) = draw(&alpha, seed);
        assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        let dir = Dirichlet::new(&alpha).unwrap();
        for i in 0..4 {
            let mut x_bar = [0.0; 4];
            x_bar[i] = 1.0;
            let mut row = [f64::NAN; 4];
            dir.vjp(&g, &x_bar, &mut row).unwrap();
            for j in 0..4 {
                let h = 1e-6 * alpha[j];
                let (mut up, mut down) = (alpha, alpha);
                up[j] += h;
                down[j] -= h;
                let fd = (draw(&up, seed).1[i] - draw(&down, seed).1[i]) / (2.0 * h);
                let tol = 1e-6 * (1.0 + fd.abs());
                assert!(
                    (row[j] - fd).abs() <= tol,
                    "seed {seed}: dx_{i}/dα_{j} = {} vs {fd}",
                    row[j]
                );
            }
        }
    }
}

#[test]
#[cfg_attr(miri, ignore = "many draws")]
fn the_pathwise_gradient_of_the_mean_is_unbiased() {
    let alpha = [0.5, 1.5, 3.0];
    let a0: f64 = alpha.iter().sum();
    let dir = Dirichlet::new(&alpha).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    let n = 20_000;
    // x̄ = e_0: the gradient of E[x_0] = α_0/α₀.
    let (mut sum, mut sum_sq) = ([0.0; 3], [0.0; 3]);
    let (mut g, mut x, mut bar) = ([0.0; 3], [0.0; 3], [0.0; 3]);
    for _ in 0..n {
        dir.sample(&mut rng, &mut g, &mut x).unwrap();
        dir.vjp(&g, &[1.0, 0.0, 0.0], &mut bar).unwrap();
        for j in 0..3 {
            sum[j] += bar[j];
            sum_sq[j] += bar[j] * bar[j];
        }
    }
    for j in 0..3 {
        let mean = sum[j] / n as f64;
        let se = ((sum_sq[j] / n as f64 - mean * mean) / n as f64).sqrt();
        let exact = (if j == 0 { a0 } else { 0.0 } - alpha[0]) / (a0 * a0);
        assert!(
            (mean - exact).abs() <= 4.0 * se && se < 0.05 * exact.abs(),
            "∂E[x_0]/∂α_{j}: {mean} ± {se} vs {exact}"
        );
    }
}

#[test]
fn underflowing_draws_give_zero_coordinates_and_zero_gradients() {
    let alpha = [1e-3, 1e-3, 2.0];
    let dir = Dirichlet::new(&alpha).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let (mut g, mut x, mut bar) = ([0.0; 3], [0.0; 3], [0.0; 3]);
    let mut zeros = 0;
    for _ in 0..200 {
        dir.sample(&mut rng, &mut g, &mut x).unwrap();
        dir.vjp(&g, &[0.3, -1.0, 2.0], &mut bar).unwrap();
        assert!(bar.iter().all(|v: &f64| v.is_finite()), "{g:?} {bar:?}");
        for j in 0..2 {
            if g[j] == 0.0 {
                zeros += 1;
                assert_eq!((x[j], bar[j]), (0.0, 0.0));
            }
        }
    }
    // About half of the draws at α = 1e-3 underflow.
    assert!((100..300).contains(&zeros), "{zeros} of 400 underflowed");
}

#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let empty: [f64; 0] = [];
    assert_eq!(
        Dirichlet::new(&empty).unwrap_err().kind(),
        ErrorKind::NoComponents
    );
    for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let e = Dirichlet::new(&[1.0, bad]).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidShape);
        assert_eq!(
            (e.buffer(), e.index()),
            (Some(Buffer::Concentration), Some(1))
        );
    }
    let alpha = [1.0, 2.0];
    let dir = Dirichlet::new(&alpha).unwrap();
    let poison = -7.25;
    let mut bar = [poison; 2];
    let cases: [(&[f64], &[f64], ErrorKind); 5] = [
        (&[1.0], &[0.0, 0.0], ErrorKind::BufferLength),
        (&[1.0, 2.0], &[0.0], ErrorKind::BufferLength),
        (&[1.0, 2.0], &[f64::NAN, 0.0], ErrorKind::NonFiniteCotangent),
        (&[1.0, -2.0], &[0.0, 0.0], ErrorKind::XOutsideSupport),
        (&[0.0, 0.0], &[0.0, 0.0], ErrorKind::XOutsideSupport),
    ];
    for (g, xb, want) in cases {
        assert_eq!(dir.vjp(g, xb, &mut bar).unwrap_err().kind(), want);
        assert_eq!(bar, [poison; 2]);
    }
    assert_eq!(
        dir.vjp(&[1.0, 2.0], &[0.0, 0.0], &mut [0.0; 3])
            .unwrap_err()
            .kind(),
        ErrorKind::BufferLength
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let before = rng.clone();
    let (mut g, mut x) = ([poison; 2], [poison; 3]);
    assert_eq!(
        dir.sample(&mut rng, &mut g, &mut x).unwrap_err().kind(),
        ErrorKind::BufferLength
    );
    assert_eq!((g, rng), ([poison; 2], before));
}
