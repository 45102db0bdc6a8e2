//! The batch calls give the bits of the single calls (a summed gradient:
//! their sum in row order) whatever the number of threads: with the
//! `rayon` feature (`cargo test -p mixgrad --features rayon --test
//! batch_threads`) the pools of 1, 2 and 7 threads split the rows; without
//! it the rows run on the calling thread.

use mixgrad::{DiagBatchRef, DiagMixtureRef, Float, LogProbGrad, SeedableRng, Xoshiro256PlusPlus};
use rand_xoshiro::rand_core::RngCore;

/// Parameters from a seeded stream: logits in (−2, 2), means in (−3, 3),
/// scales in (0.3, 2.3).
fn params<F: Float>(rng: &mut Xoshiro256PlusPlus, n: usize) -> Vec<F> {
    (0..n)
        .map(|_| F::from_f64((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64))
        .collect()
}

fn affine<F: Float>(v: Vec<F>, a: f64, b: f64) -> Vec<F> {
    v.into_iter()
        .map(|x| x * F::from_f64(a) + F::from_f64(b))
        .collect()
}

/// Everything the batch calls return, as bits, under a pool of `threads`.
fn run<F: Float>(threads: usize, k: usize, d: usize, n: usize) -> Vec<u64> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| outputs::<F>(k, d, n))
}

fn outputs<F: Float>(k: usize, d: usize, n: usize) -> Vec<u64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64((k * 1000 + d * 10 + n) as u64);
    let logits = affine::<F>(params(&mut rng, k), 4.0, -2.0);
    let means = affine::<F>(params(&mut rng, k * d), 6.0, -3.0);
    let scales = affine::<F>(params(&mut rng, k * d), 2.0, 0.3);
    let mix = DiagMixtureRef::new(&logits, &means, &scales, d).unwrap();
    let mut out = Vec::new();
    let mut push = |v: &[F]| out.extend(v.iter().map(|x| x.to_f64().to_bits()));

    let mut draw = Xoshiro256PlusPlus::seed_from_u64(11);
    let (mut x, mut u) = (vec![F::ZERO; n * d], vec![F::ZERO; n * d]);
    mix.sample_quantile_many(&mut draw, &mut x, Some(&mut u))
        .unwrap();
    push(&x);
    push(&u);
    let mut xa = vec![F::ZERO; n * d];
    let mut comps = vec![0usize; n];
    mix.sample_ancestral_many(&mut draw, &mut xa, Some(&mut comps))
        .unwrap();
    push(&xa);
    push(&[F::from_f64(draw.next_u64() as f64)]);
    let x_bar = affine::<F>(params(&mut rng, n * d), 2.0, -1.0);
    let (mut l, mut m, mut s) = (vec![F::ZERO; k], vec![F::ZERO; k * d], vec![F::ZERO; k * d]);
    mix.vjp_many(&x, &x_bar, &mut l, &mut m, &mut s).unwrap();
    push(&l);
    push(&m);
    push(&s);
    let (mut lp, mut gx) = (vec![F::ZERO; n], vec![F::ZERO; n * d]);
    let grad = LogProbGrad {
        x: Some(&mut gx),
        logits: Some(&mut l),
        means: Some(&mut m),
        scales: Some(&mut s),
    };
    mix.log_prob_grad_many(&x, &mut lp, grad).unwrap();
    for v in [&lp, &gx, &l, &m, &s] {
        push(v);
    }
    mix.cdf_many(&x, &mut u).unwrap();
    push(&u);

    let bl = affine::<F>(params(&mut rng, n * k), 4.0, -2.0);
    let bm = affine::<F>(params(&mut rng, n * k * d), 6.0, -3.0);
    let bs = affine::<F>(params(&mut rng, n * k * d), 2.0, 0.3);
    let batch = DiagBatchRef::new(&bl, &bm, &bs, k, d).unwrap();
    batch.sample_quantile(&mut draw, &mut x, None).unwrap();
    push(&x);
    let (mut gl, mut gm, mut gs) = (
        vec![F::ZERO; n * k],
        vec![F::ZERO; n * k * d],
        vec![F::ZERO; n * k * d],
    );
    batch.vjp(&x, &x_bar, &mut gl, &mut gm, &mut gs).unwrap();
    for v in [&gl, &gm, &gs] {
        push(v);
    }
    batch.log_prob(&x, &mut lp).unwrap();
    push(&lp);
    batch.sample_ancestral(&mut draw, &mut xa, None).unwrap();
    push(&xa);
    out
}

/// Row `i`'s gradient into `(ā, μ̄, σ̄)`.
type RowGradient<'a, F> = dyn FnMut(usize, &mut [F], &mut [F], &mut [F]) + 'a;

/// The same calls, one row at a time through the single-call API.
fn single<F: Float>(k: usize, d: usize, n: usize) -> Vec<u64> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64((k * 1000 + d * 10 + n) as u64);
    let logits = affine::<F>(params(&mut rng, k), 4.0, -2.0);
    let means = affine::<F>(params(&mut rng, k * d), 6.0, -3.0);
    let scales = affine::<F>(params(&mut rng, k * d), 2.0, 0.3);
    let mix = DiagMixtureRef::new(&logits, &means, &scales, d).unwrap();
    let mut out = Vec::new();
    let mut push = |v: &[F]| out.extend(v.iter().map(|x| x.to_f64().to_bits()));
    let mut draw = Xoshiro256PlusPlus::seed_from_u64(11);
    let (mut x, mut u) = (vec![F::ZERO; n * d], vec![F::ZERO; n * d]);
    for (xi, ui) in x.chunks_exact_mut(d).zip(u.chunks_exact_mut(d)) {
        mix.sample_quantile(&mut draw, xi, Some(ui)).unwrap();
    }
    push(&x);
    push(&u);
    let mut xa = vec![F::ZERO; n * d];
    for xi in xa.chunks_exact_mut(d) {
        mix.sample_ancestral(&mut draw, xi).unwrap();
    }
    push(&xa);
    push(&[F::from_f64(draw.next_u64() as f64)]);
    let x_bar = affine::<F>(params(&mut rng, n * d), 2.0, -1.0);
    let sum = |parts: &mut RowGradient<'_, F>| {
        let (mut l, mut m, mut s) = (vec![F::ZERO; k], vec![F::ZERO; k * d], vec![F::ZERO; k * d]);
        for i in 0..n {
            let (mut a, mut b, mut c) =
                (vec![F::ZERO; k], vec![F::ZERO; k * d], vec![F::ZERO; k * d]);
            parts(i, &mut a, &mut b, &mut c);
            for (t, g) in [(&mut l, &a), (&mut m, &b), (&mut s, &c)] {
                t.iter_mut().zip(g.iter()).for_each(|(t, &g)| *t += g);
            }
        }
        (l, m, s)
    };
    let (l, m, s) = sum(&mut |i, a, b, c| {
        mix.vjp(&x[i * d..][..d], &x_bar[i * d..][..d], a, b, c)
            .unwrap()
    });
    for v in [&l, &m, &s] {
        push(v);
    }
    let (mut lp, mut gx) = (vec![F::ZERO; n], vec![F::ZERO; n * d]);
    let (l, m, s) = sum(&mut |i, a, b, c| {
        let g = LogProbGrad {
            x: Some(&mut gx[i * d..][..d]),
            logits: Some(a),
            means: Some(b),
            scales: Some(c),
        };
        lp[i] = mix.log_prob_grad(&x[i * d..][..d], g).unwrap();
    });
    for v in [&lp, &gx, &l, &m, &s] {
        push(v);
    }
    for (xi, ui) in x.chunks_exact(d).zip(u.chunks_exact_mut(d)) {
        mix.cdf(xi, ui).unwrap();
    }
    push(&u);

    let bl = affine::<F>(params(&mut rng, n * k), 4.0, -2.0);
    let bm = affine::<F>(params(&mut rng, n * k * d), 6.0, -3.0);
    let bs = affine::<F>(params(&mut rng, n * k * d), 2.0, 0.3);
    let batch = DiagBatchRef::new(&bl, &bm, &bs, k, d).unwrap();
    for (i, xi) in x.chunks_exact_mut(d).enumerate() {
        batch
            .mixture(i)
            .unwrap()
            .sample_quantile(&mut draw, xi, None)
            .unwrap();
    }
    push(&x);
    let (mut gl, mut gm, mut gs) = (
        vec![F::ZERO; n * k],
        vec![F::ZERO; n * k * d],
        vec![F::ZERO; n * k * d],
    );
    for i in 0..n {
        let mi = batch.mixture(i).unwrap();
        let (xi, xb) = (&x[i * d..][..d], &x_bar[i * d..][..d]);
        mi.vjp(
            xi,
            xb,
            &mut gl[i * k..][..k],
            &mut gm[i * k * d..][..k * d],
            &mut gs[i * k * d..][..k * d],
        )
        .unwrap();
    }
    for v in [&gl, &gm, &gs] {
        push(v);
    }
    for (i, xi) in x.chunks_exact(d).enumerate() {
        lp[i] = batch.mixture(i).unwrap().log_prob(xi).unwrap();
    }
    push(&lp);
    for (i, xi) in xa.chunks_exact_mut(d).enumerate() {
        batch
            .mixture(i)
            .unwrap()
            .sample_ancestral(&mut draw, xi)
            .unwrap();
    }
    push(&xa);
    out
}

fn check<F: Float>() {
    // A task holds at least 16 rows and the work of 8192 entries of vjp,
    // more entries for a cheaper operation. K·D = 512 splits the vjp and
    // the quantiles from n = 32 rows, cdf from 50 and log_prob from 176,
    // in several blocks of summed rows at n = 200; K·D = 2048 splits the
    // ancestral sampler and the zero-density pre-pass (a fifth of the
    // work of log_prob per entry) at n = 200. The smaller shapes stay on
    // one task up to n = 200.
    for (k, d) in [(1, 1), (3, 4), (8, 2), (8, 64), (8, 256)] {
        for n in [0, 1, 31, 32, 33, 65, 200] {
            let want = single::<F>(k, d, n);
            // Without the feature every pool runs the rows on the calling
            // thread: one pool says all there is to say.
            let pools: &[usize] = if cfg!(feature = "rayon") {
                &[1, 2, 7]
            } else {
                &[1]
            };
            for &threads in pools {
                assert!(
                    run::<F>(threads, k, d, n) == want,
                    "K={k} D={d} n={n} threads={threads}"
                );
            }
        }
    }
}

#[test]
fn every_thread_count_gives_the_single_call_bits_f64() {
    check::<f64>();
}

#[test]
fn every_thread_count_gives_the_single_call_bits_f32() {
    check::<f32>();
}
