//! Operations on a caller's workspace: bit-identical to the view's own
//! (stack) scratch, no bound on `K`, and a short workspace refused with
//! nothing written.

use mixgrad::{Buffer, DiagMixtureRef, ErrorKind, LogProbGrad, SeedableRng, Xoshiro256PlusPlus};

/// xorshift64 uniforms in [0, 1), independent of the crate.
fn uniforms(mut state: u64) -> impl FnMut() -> f64 {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

#[test]
fn every_operation_on_a_workspace_equals_the_view_bit_for_bit() {
    let mut unif = uniforms(0x51f1_5eed);
    // Miri runs a few cases: it checks the buffer handling, not the values.
    let cases = if cfg!(miri) { 6 } else { 300 };
    for case in 0..cases {
        let (k, dims) = (1 + case % 11, 1 + case % 4);
        let logits: Vec<f64> = (0..k).map(|_| 4.0 * unif() - 2.0).collect();
        let means: Vec<f64> = (0..k * dims).map(|_| 6.0 * unif() - 3.0).collect();
        let scales: Vec<f64> = (0..k * dims).map(|_| (4.0 * unif() - 2.0).exp()).collect();
        let mix = DiagMixtureRef::new(&logits, &means, &scales, dims).unwrap();
        let mut work = vec![f64::NAN; mix.workspace_len() + case % 3];
        let mut on_work = mix.with_workspace(&mut work).unwrap();

        let seed = case as u64;
        let (mut x1, mut x2) = (vec![0.0; dims], vec![0.0; dims]);
        mix.sample_quantile(&mut Xoshiro256PlusPlus::seed_from_u64(seed), &mut x1, None)
            .unwrap();
        on_work
            .sample_quantile(&mut Xoshiro256PlusPlus::seed_from_u64(seed), &mut x2, None)
            .unwrap();
        assert_eq!(bits(&x1), bits(&x2));
        let (mut a1, mut a2) = (vec![0.0; dims], vec![0.0; dims]);
        let k1 = mix
            .sample_ancestral(&mut Xoshiro256PlusPlus::seed_from_u64(seed), &mut a1)
            .unwrap();
        let k2 = on_work
            .sample_ancestral(&mut Xoshiro256PlusPlus::seed_from_u64(seed), &mut a2)
            .unwrap();
        assert_eq!((k1, bits(&a1)), (k2, bits(&a2)));

        let (mut u1, mut u2) = (vec![0.0; dims], vec![0.0; dims]);
        mix.cdf(&x1, &mut u1).unwrap();
        on_work.cdf(&x1, &mut u2).unwrap();
        assert_eq!(bits(&u1), bits(&u2));
        let (mut q1, mut q2) = (vec![0.0; dims], vec![0.0; dims]);
        mix.quantile(&u1, &mut q1).unwrap();
        on_work.quantile(&u1, &mut q2).unwrap();
        assert_eq!(bits(&q1), bits(&q2));

        let (mut g1, mut g2) = (vec![0.0; k], vec![0.0; k]);
        let l1 = mix.log_prob_grad(
            &x1,
            LogProbGrad {
                logits: Some(&mut g1),
                ..Default::default()
            },
        );
        let l2 = on_work.log_prob_grad(
            &x1,
            LogProbGrad {
                logits: Some(&mut g2),
                ..Default::default()
            },
        );
        assert_eq!(l1.unwrap().to_bits(), l2.unwrap().to_bits());
        assert_eq!(bits(&g1), bits(&g2));

        let x_bar: Vec<f64> = (0..dims).map(|_| unif() - 0.5).collect();
        let mut v1 = (vec![0.0; k], vec![0.0; k * dims], vec![0.0; k * dims]);
        let mut v2 = v1.clone();
        let r1 = mix.vjp(&x1, &x_bar, &mut v1.0, &mut v1.1, &mut v1.2);
        let r2 = on_work.vjp(&x1, &x_bar, &mut v2.0, &mut v2.1, &mut v2.2);
        assert_eq!(r1.is_ok(), r2.is_ok());
        assert_eq!(
            (bits(&v1.0), bits(&v1.1), bits(&v1.2)),
            (bits(&v2.0), bits(&v2.1), bits(&v2.2))
        );
        let (mut j1, mut j2) = (
            vec![0.0; dims * mix.num_params()],
            vec![0.0; dims * mix.num_params()],
        );
        assert_eq!(
            mix.jacobian(&x1, &mut j1).is_ok(),
            on_work.jacobian(&x1, &mut j2).is_ok()
        );
        assert_eq!(bits(&j1), bits(&j2));
    }
}

#[test]
fn a_workspace_lifts_the_bound_on_components() {
    let k = 100;
    let logits = vec![0.0; k];
    let means: Vec<f64> = (0..k).map(|i| i as f64).collect();
    let scales = vec![1.0; k];
    assert_eq!(
        DiagMixtureRef::new(&logits, &means, &scales, 1)
            .unwrap_err()
            .kind(),
        ErrorKind::TooManyComponents
    );
    let mix = DiagMixtureRef::new_unbounded(&logits, &means, &scales, 1).unwrap();
    // Its own (stack) scratch is still bounded.
    assert_eq!(
        mix.cdf(&[3.0], &mut [0.0]).unwrap_err().kind(),
        ErrorKind::TooManyComponents
    );
    let mut work = vec![0.0; mix.workspace_len()];
    let mut u = [0.0];
    mix.with_workspace(&mut work)
        .unwrap()
        .cdf(&[49.5], &mut u)
        .unwrap();
    assert!((u[0] - 0.5).abs() < 1e-12, "{}", u[0]);
}

#[test]
fn a_short_workspace_is_refused_and_untouched() {
    let (logits, means, scales) = ([0.0; 3], [0.0; 3], [1.0; 3]);
    let mix = DiagMixtureRef::new(&logits, &means, &scales, 1).unwrap();
    let mut work = vec![7.0; mix.workspace_len() - 1];
    let err = mix.with_workspace(&mut work).unwrap_err();
    assert_eq!(
        (err.kind(), err.buffer()),
        (ErrorKind::BufferLength, Some(Buffer::Workspace))
    );
    assert_eq!(err.lengths(), Some((27, 26)));
    assert!(work.iter().all(|&v| v == 7.0));
}
