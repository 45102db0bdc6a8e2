//! The `*_many` forms of full-covariance mixtures against `n` single calls:
//! each row's result and the samplers' draws bit for bit, the summed
//! gradient as the single gradients added in row order to `+0`, and the
//! refusals (the first bad row named, nothing written, the generator not
//! advanced).

#![allow(clippy::needless_range_loop)]

use mixgrad::{ErrorKind, SeedableRng, TrilMixture, TrilMixtureRef, Xoshiro256PlusPlus};

const K: usize = 3;
const D: usize = 3;
const N: usize = 5;

/// Three correlated components with distinct weights.
fn owned() -> TrilMixture<f64, K, D> {
    TrilMixture::new(
        [0.3, -0.5, 1.1],
        [[0.0, 1.0, -1.0], [2.0, -0.5, 0.5], [-1.5, 0.0, 1.0]],
        [
            [[1.0, 0.0, 0.0], [0.6, 0.8, 0.0], [-0.3, 0.2, 1.2]],
            [[0.5, 0.0, 0.0], [-0.4, 1.5, 0.0], [0.1, 0.9, 0.7]],
            [[2.0, 0.0, 0.0], [1.0, 0.3, 0.0], [0.0, -0.6, 0.9]],
        ],
    )
    .unwrap()
}

fn work() -> Vec<f64> {
    vec![f64::NAN; TrilMixtureRef::<f64>::work_len(K, D).unwrap()]
}

/// `N` points of the mixture, and cotangents.
fn points() -> (Vec<f64>, Vec<f64>) {
    let mix = owned();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let x: Vec<f64> = (0..N)
        .flat_map(|_| mix.sample_quantile(&mut rng).0)
        .collect();
    let x_bar: Vec<f64> = (0..N * D).map(|i| (i as f64 * 0.37).sin()).collect();
    (x, x_bar)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|v| v.to_bits()).collect()
}

#[test]
fn value_forms_equal_single_calls() {
    let mix = owned();
    let view = mix.view().unwrap();
    let (x, _) = points();
    let mut w = work();

    let mut u = vec![0.0; N * D];
    view.cdf_many(&x, &mut u, &mut w[..]).unwrap();
    let mut lp = vec![0.0; N];
    view.log_prob_many(&x, &mut lp, &mut w[..]).unwrap();
    let mut back = vec![0.0; N * D];
    let stats = view.quantile_many(&u, &mut back, &mut w[..]).unwrap();
    assert_eq!(stats.dims as usize, N * D);

    for i in 0..N {
        let row = i * D..(i + 1) * D;
        let (mut ui, mut xi) = ([0.0; D], [0.0; D]);
        view.cdf(&x[row.clone()], &mut ui, &mut w[..]).unwrap();
        assert_eq!(bits(&ui), bits(&u[row.clone()]), "cdf row {i}");
        let lpi = view.log_prob(&x[row.clone()], &mut w[..]).unwrap();
        assert_eq!(lpi.to_bits(), lp[i].to_bits(), "log_prob row {i}");
        view.quantile(&u[row.clone()], &mut xi, &mut w[..]).unwrap();
        assert_eq!(bits(&xi), bits(&back[row.clone()]), "quantile row {i}");
    }

    // The owned forms: the view's bits.
    let xs: Vec<[f64; D]> = x.chunks(D).map(|r| r.try_into().unwrap()).collect();
    let mut us = vec![[0.0; D]; N];
    mix.cdf_many(&xs, &mut us).unwrap();
    assert_eq!(bits(us.as_flattened()), bits(&u));
    let mut lps = vec![0.0; N];
    mix.log_prob_many(&xs, &mut lps).unwrap();
    assert_eq!(bits(&lps), bits(&lp));
    let mut xb = vec![[0.0; D]; N];
    mix.quantile_many(&us, &mut xb).unwrap();
    assert_eq!(bits(xb.as_flattened()), bits(&back));
}

#[test]
fn samplers_draw_as_consecutive_single_calls() {
    let mix = owned();
    let view = mix.view().unwrap();
    let mut w = work();

    let (mut batch, mut single) = (
        Xoshiro256PlusPlus::seed_from_u64(3),
        Xoshiro256PlusPlus::seed_from_u64(3),
    );
    let (mut x, mut u) = (vec![0.0; N * D], vec![0.0; N * D]);
    view.sample_quantile_many(&mut batch, &mut x, Some(&mut u), &mut w[..])
        .unwrap();
    for i in 0..N {
        let (mut xi, mut ui) = ([0.0; D], [0.0; D]);
        view.sample_quantile(&mut single, &mut xi, Some(&mut ui), &mut w[..])
            .unwrap();
        assert_eq!(bits(&xi), bits(&x[i * D..(i + 1) * D]));
        assert_eq!(bits(&ui), bits(&u[i * D..(i + 1) * D]));
    }
    assert!(batch == single, "the generators end in the same state");

    let mut comps = vec![usize::MAX; N];
    view.sample_ancestral_many(&mut batch, &mut x, Some(&mut comps))
        .unwrap();
    for i in 0..N {
        let mut xi = [0.0; D];
        let k = view.sample_ancestral(&mut single, &mut xi).unwrap();
        assert_eq!((k, bits(&xi)), (comps[i], bits(&x[i * D..(i + 1) * D])));
    }
    assert!(batch == single);

    // The owned forms draw the same.
    let mut owned_rng = Xoshiro256PlusPlus::seed_from_u64(3);
    let mut xs = vec![[0.0; D]; N];
    mix.sample_quantile_many(&mut owned_rng, &mut xs, None)
        .unwrap();
    let mut view_rng = Xoshiro256PlusPlus::seed_from_u64(3);
    view.sample_quantile_many(&mut view_rng, &mut x, None, &mut w[..])
        .unwrap();
    assert_eq!(bits(xs.as_flattened()), bits(&x));
}

#[test]
fn vjp_many_is_the_row_order_sum_of_single_vjps() {
    let mix = owned();
    let view = mix.view().unwrap();
    let (x, x_bar) = points();
    let mut w = work();
    let (mut a, mut m, mut l) = (
        vec![f64::NAN; K],
        vec![f64::NAN; K * D],
        vec![f64::NAN; K * D * D],
    );
    view.vjp_many(&x, &x_bar, &mut a, &mut m, &mut l, &mut w[..])
        .unwrap();

    let (mut sa, mut sm, mut sl) = (vec![0.0; K], vec![0.0; K * D], vec![0.0; K * D * D]);
    for i in 0..N {
        let row = i * D..(i + 1) * D;
        let (mut ga, mut gm, mut gl) = (vec![0.0; K], vec![0.0; K * D], vec![0.0; K * D * D]);
        view.vjp(
            &x[row.clone()],
            &x_bar[row],
            &mut ga,
            &mut gm,
            &mut gl,
            &mut w[..],
        )
        .unwrap();
        for (s, g) in [(&mut sa, &ga), (&mut sm, &gm), (&mut sl, &gl)] {
            for (s, g) in s.iter_mut().zip(g.iter()) {
                *s += g;
            }
        }
    }
    assert_eq!(bits(&a), bits(&sa), "logits");
    assert_eq!(bits(&m), bits(&sm), "means");
    assert_eq!(bits(&l), bits(&sl), "factors");
    assert!(l.iter().all(|v| v.is_finite()));

    let xs: Vec<[f64; D]> = x.chunks(D).map(|r| r.try_into().unwrap()).collect();
    let xbs: Vec<[f64; D]> = x_bar.chunks(D).map(|r| r.try_into().unwrap()).collect();
    let g = mix.vjp_many(&xs, &xbs).unwrap();
    assert_eq!(bits(&g.logits), bits(&a));
    assert_eq!(bits(g.scale_tril.as_flattened().as_flattened()), bits(&l));

    // No rows: the empty sum, +0 everywhere.
    view.vjp_many(&[], &[], &mut a, &mut m, &mut l, &mut w[..])
        .unwrap();
    assert!(a.iter().chain(&m).chain(&l).all(|v| v.to_bits() == 0));
}

#[test]
fn a_bad_row_refuses_the_call_and_writes_nothing() {
    let view_owner = owned();
    let view = view_owner.view().unwrap();
    let (mut x, mut x_bar) = points();
    let mut w = work();
    let poison = f64::from_bits(0x7ff8_dead_beef_0001);
    let untouched = |v: &[f64]| v.iter().all(|g| g.to_bits() == poison.to_bits());

    x[3 * D + 1] = f64::INFINITY;
    let mut u = vec![poison; N * D];
    let e = view.cdf_many(&x, &mut u, &mut w[..]).unwrap_err();
    assert_eq!((e.kind(), e.row()), (ErrorKind::NonFiniteX, Some(3)));
    assert!(untouched(&u));
    let mut lp = vec![poison; N];
    let e = view.log_prob_many(&x, &mut lp, &mut w[..]).unwrap_err();
    assert_eq!((e.kind(), e.row()), (ErrorKind::NonFiniteX, Some(3)));
    assert!(untouched(&lp));

    // Every x row is checked before any cotangent row.
    x_bar[D] = f64::NAN;
    let (mut a, mut m, mut l) = (
        vec![poison; K],
        vec![poison; K * D],
        vec![poison; K * D * D],
    );
    let e = view
        .vjp_many(&x, &x_bar, &mut a, &mut m, &mut l, &mut w[..])
        .unwrap_err();
    assert_eq!((e.kind(), e.row()), (ErrorKind::NonFiniteX, Some(3)));
    x[3 * D + 1] = 0.0;
    let e = view
        .vjp_many(&x, &x_bar, &mut a, &mut m, &mut l, &mut w[..])
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.row()),
        (ErrorKind::NonFiniteCotangent, Some(1))
    );
    assert!(untouched(&a) && untouched(&m) && untouched(&l));

    let mut u_bad = vec![0.5; N * D];
    u_bad[4 * D] = 1.0;
    let mut out = vec![poison; N * D];
    let e = view
        .quantile_many(&u_bad, &mut out, &mut w[..])
        .unwrap_err();
    assert_eq!((e.kind(), e.row()), (ErrorKind::UniformOutOfRange, Some(4)));
    assert!(untouched(&out));

    // A point far out in the tails of every component of a narrow
    // mixture: its conditional density underflows.
    let narrow = TrilMixtureRef::new(&[0.0], &[0.0, 0.0], &[1e-3, 0.0, 0.0, 1e-3], 2).unwrap();
    let xs = [0.0, 0.0, 0.001, 0.0, 1e3, 0.0];
    let mut w2 = vec![0.0; TrilMixtureRef::<f64>::work_len(1, 2).unwrap()];
    let (mut a, mut m, mut l) = (vec![poison; 1], vec![poison; 2], vec![poison; 4]);
    let e = narrow
        .vjp_many(&xs, &[1.0; 6], &mut a, &mut m, &mut l, &mut w2[..])
        .unwrap_err();
    assert_eq!((e.kind(), e.row()), (ErrorKind::ZeroDensity, Some(2)));
    assert!(untouched(&a) && untouched(&m) && untouched(&l));

    // A row count that does not match, and a short workspace: the
    // generator is not advanced.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let mut out = vec![poison; N * D];
    let short = &mut w[1..];
    let e = view
        .sample_quantile_many(&mut rng, &mut out, None, short)
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BufferLength);
    let mut u_short = vec![poison; N * D - 1];
    let e = view
        .sample_quantile_many(&mut rng, &mut out, Some(&mut u_short), &mut w[..])
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BufferLength);
    let mut comps = vec![0usize; N + 1];
    let e = view
        .sample_ancestral_many(&mut rng, &mut out, Some(&mut comps))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::BufferLength);
    assert!(untouched(&out) && untouched(&u_short));
    assert!(rng == Xoshiro256PlusPlus::seed_from_u64(9));
}
