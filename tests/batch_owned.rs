//! The owned mixture's batch forms: rows of `[F; D]`, scratch sized by `K`
//! (here `K = 70`, above the view's stack bound), results equal to the
//! owned type's single calls bit for bit (sums in row order from +0).

use mixgrad::{DiagMixture, ErrorKind, SeedableRng, Xoshiro256PlusPlus};

const K: usize = 70;
const D: usize = 3;
const N: usize = 9;

fn mixture() -> DiagMixture<f64, K, D> {
    let logits = core::array::from_fn(|k| (k as f64 * 0.7).sin());
    let means =
        core::array::from_fn(|k| core::array::from_fn(|d| 3.0 * (1.3 * k as f64 + d as f64).sin()));
    let scales = core::array::from_fn(|k| {
        core::array::from_fn(|d| 1.0 + 0.5 * (0.9 * k as f64 + 1.1 * d as f64).cos())
    });
    DiagMixture::new(logits, means, scales).unwrap()
}

fn bits<const L: usize>(v: &[[f64; L]]) -> Vec<u64> {
    v.iter().flatten().map(|x| x.to_bits()).collect()
}

#[test]
fn owned_many_forms_equal_the_single_calls_above_the_stack_bound() {
    let mix = mixture();
    assert_eq!(
        mix.view().cdf(&[0.0; D], &mut [0.0; D]).unwrap_err().kind(),
        ErrorKind::TooManyComponents
    );

    let (mut x, mut u) = ([[0.0; D]; N], [[0.0; D]; N]);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
    mix.sample_quantile_many(&mut rng, &mut x, Some(&mut u))
        .unwrap();
    let mut single = Xoshiro256PlusPlus::seed_from_u64(3);
    let (xs, us): (Vec<_>, Vec<_>) = (0..N).map(|_| mix.sample_quantile(&mut single)).unzip();
    assert_eq!(bits(&x), bits(&xs));
    assert_eq!(bits(&u), bits(&us));

    let mut back = [[0.0; D]; N];
    mix.quantile_many(&u, &mut back).unwrap();
    assert_eq!(bits(&back), bits(&xs));
    let mut cdf = [[0.0; D]; N];
    mix.cdf_many(&x, &mut cdf).unwrap();
    let cdfs: Vec<_> = x.iter().map(|xi| mix.cdf(xi).unwrap()).collect();
    assert_eq!(bits(&cdf), bits(&cdfs));

    let x_bar: [[f64; D]; N] =
        core::array::from_fn(|i| core::array::from_fn(|d| (i * D + d) as f64 * 0.1 - 1.0));
    let sum = mix.vjp_many(&x, &x_bar).unwrap();
    let mut want = mixgrad::ParamGrad::<f64, K, D>::default();
    for (xi, xb) in x.iter().zip(&x_bar) {
        let g = mix.vjp(xi, xb).unwrap();
        want.logits
            .iter_mut()
            .zip(&g.logits)
            .for_each(|(t, v)| *t += v);
        bits_add(&mut want.means, &g.means);
        bits_add(&mut want.scales, &g.scales);
    }
    assert_eq!(bits(&[sum.logits]), bits(&[want.logits]));
    assert_eq!(bits(&sum.means), bits(&want.means));
    assert_eq!(bits(&sum.scales), bits(&want.scales));

    let (mut lp, mut gx) = ([0.0; N], [[0.0; D]; N]);
    let g = mix.log_prob_grad_many(&x, &mut lp, Some(&mut gx)).unwrap();
    let mut want = mixgrad::ParamGrad::<f64, K, D>::default();
    for (i, xi) in x.iter().enumerate() {
        let (l, dx, dp) = mix.log_prob_grad(xi).unwrap();
        assert_eq!(
            (lp[i].to_bits(), bits(&[gx[i]])),
            (l.to_bits(), bits(&[dx]))
        );
        want.logits
            .iter_mut()
            .zip(&dp.logits)
            .for_each(|(t, v)| *t += v);
        bits_add(&mut want.means, &dp.means);
        bits_add(&mut want.scales, &dp.scales);
    }
    assert_eq!(bits(&[g.logits]), bits(&[want.logits]));
    assert_eq!(bits(&g.means), bits(&want.means));
    assert_eq!(bits(&g.scales), bits(&want.scales));
}

/// `t += v` entry by entry, in place.
fn bits_add(t: &mut [[f64; D]; K], v: &[[f64; D]; K]) {
    for (tr, vr) in t.iter_mut().zip(v) {
        tr.iter_mut().zip(vr).for_each(|(a, b)| *a += b);
    }
}
