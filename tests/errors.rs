//! Bad input: each case returns its own error variant and writes nothing
//! (outputs are poisoned with a NaN payload and compared bit for bit), for
//! every location-scale family.

// Index loops over several parallel arrays read better than zips here.
#![allow(clippy::needless_range_loop)]

use mixgrad::{
    Buffer, Cauchy, DiagMixture, DiagMixtureRef, ErrorKind, Family, Gaussian, Laplace, LogProbGrad,
    Logistic, SeedableRng, Xoshiro256PlusPlus, MAX_COMPONENTS,
};

/// A quiet NaN with a payload no computation produces.
const POISON_BITS: u64 = 0x7ff8_dead_beef_0001;

fn poisoned(n: usize) -> Vec<f64> {
    vec![f64::from_bits(POISON_BITS); n]
}

fn untouched(buf: &[f64]) -> bool {
    buf.iter().all(|v| v.to_bits() == POISON_BITS)
}

const A: [f64; 2] = [0.0, 0.5];
const MU: [f64; 4] = [0.0, 1.0, 2.0, -1.0];
const S: [f64; 4] = [1.0, 0.5, 0.7, 2.0];

#[test]
fn construction_errors_are_distinct_and_ordered() {
    let new = |a: &[f64], m: &[f64], s: &[f64], d| DiagMixtureRef::new(a, m, s, d).map(|_| ());
    assert_eq!(
        new(&[], &[], &[], 2).map_err(|e| e.kind()),
        Err(ErrorKind::NoComponents)
    );
    assert_eq!(
        new(&A, &MU, &S, 0).map_err(|e| e.kind()),
        Err(ErrorKind::NoDimensions)
    );
    assert_eq!(
        new(&A, &MU[..3], &S, 2).map_err(|e| e.kind()),
        Err(ErrorKind::ParameterShape)
    );
    assert_eq!(
        new(&A, &MU, &S[..3], 2).map_err(|e| e.kind()),
        Err(ErrorKind::ParameterShape)
    );
    let big = vec![0.0; MAX_COMPONENTS + 1];
    assert_eq!(
        new(&big, &big, &vec![1.0; MAX_COMPONENTS + 1], 1).map_err(|e| e.kind()),
        Err(ErrorKind::TooManyComponents)
    );
    assert_eq!(
        new(&[f64::NAN, 0.0], &MU, &S, 2).map_err(|e| e.kind()),
        Err(ErrorKind::NanLogit)
    );
    assert_eq!(
        new(&[f64::INFINITY, 0.0], &MU, &S, 2).map_err(|e| e.kind()),
        Err(ErrorKind::InfiniteLogit)
    );
    assert_eq!(
        new(&[f64::NEG_INFINITY; 2], &MU, &S, 2).map_err(|e| e.kind()),
        Err(ErrorKind::NoActiveComponent)
    );
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert_eq!(
            new(&A, &[0.0, bad, 0.0, 0.0], &S, 2).map_err(|e| e.kind()),
            Err(ErrorKind::NonFiniteMean)
        );
        assert_eq!(
            new(&A, &MU, &[1.0, 1.0, bad, 1.0], 2).map_err(|e| e.kind()),
            Err(ErrorKind::NonFiniteScale)
        );
    }
    for bad in [0.0, -0.0, -1.0, -f64::MIN_POSITIVE] {
        assert_eq!(
            new(&A, &MU, &[1.0, bad, 1.0, 1.0], 2).map_err(|e| e.kind()),
            Err(ErrorKind::NonPositiveScale)
        );
    }
    // A -inf logit is a valid zero-weight component; subnormal scales are valid.
    assert!(new(&[f64::NEG_INFINITY, 0.0], &MU, &S, 2).is_ok());
    assert!(new(&A, &MU, &[1.0, f64::from_bits(1), 1.0, 1.0], 2).is_ok());
    // Owned type: the same checks.
    assert_eq!(
        DiagMixture::<f64, 1, 1>::new([f64::NAN], [[0.0]], [[1.0]])
            .map(|_| ())
            .map_err(|e| e.kind()),
        Err(ErrorKind::NanLogit)
    );
    assert_eq!(
        DiagMixture::<f64, 1, 0>::new([0.0], [[]], [[]])
            .map(|_| ())
            .map_err(|e| e.kind()),
        Err(ErrorKind::NoDimensions)
    );
    assert_eq!(
        DiagMixture::<f64, 0, 1>::new([], [], [])
            .map(|_| ())
            .map_err(|e| e.kind()),
        Err(ErrorKind::NoComponents)
    );
    // Every variant names itself differently.
    let all = [
        ErrorKind::NoComponents,
        ErrorKind::NoDimensions,
        ErrorKind::TooManyComponents,
        ErrorKind::ParameterShape,
        ErrorKind::BufferLength,
        ErrorKind::NanLogit,
        ErrorKind::InfiniteLogit,
        ErrorKind::NoActiveComponent,
        ErrorKind::NonFiniteMean,
        ErrorKind::NonFiniteScale,
        ErrorKind::NonPositiveScale,
        ErrorKind::UniformOutOfRange,
        ErrorKind::NonFiniteX,
        ErrorKind::NonFiniteCotangent,
        ErrorKind::ZeroDensity,
    ];
    for (i, a) in all.iter().enumerate() {
        for b in &all[i + 1..] {
            assert_ne!(a.as_str(), b.as_str());
        }
    }
}

fn mix_of<G: Family>(family: G) -> DiagMixtureRef<'static, f64, G> {
    DiagMixtureRef::of_family(family, &A, &MU, &S, 2).unwrap()
}

/// Runs a check generic over the family for each of the four.
macro_rules! every_family {
    ($check:ident) => {
        $check(Gaussian);
        $check(Logistic);
        $check(Laplace);
        $check(Cauchy);
    };
}

#[test]
fn bad_x_writes_nothing() {
    every_family!(bad_x);
}

fn bad_x<G: Family>(family: G) {
    let mix = || mix_of(family);
    for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let x = [0.0, bad];
        let mut out = poisoned(2);
        assert_eq!(
            mix().cdf(&x, &mut out).map_err(|e| e.kind()),
            Err(ErrorKind::NonFiniteX)
        );
        assert!(untouched(&out));
        assert_eq!(
            mix().log_prob(&x).map_err(|e| e.kind()),
            Err(ErrorKind::NonFiniteX)
        );
        let (mut a, mut m, mut s) = (poisoned(2), poisoned(4), poisoned(4));
        assert_eq!(
            mix()
                .vjp(&x, &[1.0, 1.0], &mut a, &mut m, &mut s)
                .map_err(|e| e.kind()),
            Err(ErrorKind::NonFiniteX)
        );
        assert!(untouched(&a) && untouched(&m) && untouched(&s));
        let mut j = poisoned(2 * 10);
        assert_eq!(
            mix().jacobian(&x, &mut j).map_err(|e| e.kind()),
            Err(ErrorKind::NonFiniteX)
        );
        assert!(untouched(&j));
        let mut gx = poisoned(2);
        let r = mix().log_prob_grad(
            &x,
            LogProbGrad {
                x: Some(&mut gx),
                ..LogProbGrad::default()
            },
        );
        assert_eq!(r.map_err(|e| e.kind()), Err(ErrorKind::NonFiniteX));
        assert!(untouched(&gx));
    }
}

#[test]
fn bad_u_writes_nothing() {
    every_family!(bad_u);
}

fn bad_u<G: Family>(family: G) {
    let mix = || mix_of(family);
    for bad in [0.0, 1.0, -0.5, 1.5, f64::NAN, f64::INFINITY, -0.0] {
        let mut x = poisoned(2);
        assert_eq!(
            mix().quantile(&[0.5, bad], &mut x).map_err(|e| e.kind()),
            Err(ErrorKind::UniformOutOfRange),
            "u = {bad}"
        );
        assert!(untouched(&x));
    }
}

#[test]
fn bad_cotangent_writes_nothing() {
    every_family!(bad_cotangent);
}

fn bad_cotangent<G: Family>(family: G) {
    let mix = || mix_of(family);
    let (mut a, mut m, mut s) = (poisoned(2), poisoned(4), poisoned(4));
    assert_eq!(
        mix()
            .vjp(&[0.0, 0.0], &[f64::NAN, 1.0], &mut a, &mut m, &mut s)
            .map_err(|e| e.kind()),
        Err(ErrorKind::NonFiniteCotangent)
    );
    assert!(untouched(&a) && untouched(&m) && untouched(&s));
}

#[test]
fn wrong_buffer_lengths_write_nothing() {
    every_family!(wrong_buffer_lengths);
}

fn wrong_buffer_lengths<G: Family>(family: G) {
    let mix = || mix_of(family);
    let x = [0.1, 0.2];
    let mut short = poisoned(1);
    assert_eq!(
        mix().cdf(&x, &mut short).map_err(|e| e.kind()),
        Err(ErrorKind::BufferLength)
    );
    assert!(untouched(&short));
    assert_eq!(
        mix().cdf(&x[..1], &mut poisoned(2)).map_err(|e| e.kind()),
        Err(ErrorKind::BufferLength)
    );
    let mut x_out = poisoned(2);
    assert_eq!(
        mix().quantile(&[0.5], &mut x_out).map_err(|e| e.kind()),
        Err(ErrorKind::BufferLength)
    );
    assert!(untouched(&x_out));
    for (na, nm, ns) in [(1, 4, 4), (2, 3, 4), (2, 4, 5)] {
        let (mut a, mut m, mut s) = (poisoned(na), poisoned(nm), poisoned(ns));
        assert_eq!(
            mix()
                .vjp(&x, &[1.0, 1.0], &mut a, &mut m, &mut s)
                .map_err(|e| e.kind()),
            Err(ErrorKind::BufferLength)
        );
        assert!(untouched(&a) && untouched(&m) && untouched(&s));
    }
    let (mut a, mut m, mut s) = (poisoned(2), poisoned(4), poisoned(4));
    assert_eq!(
        mix()
            .vjp(&x, &[1.0], &mut a, &mut m, &mut s)
            .map_err(|e| e.kind()),
        Err(ErrorKind::BufferLength)
    );
    assert!(untouched(&a));
    let mut j = poisoned(19);
    assert_eq!(
        mix().jacobian(&x, &mut j).map_err(|e| e.kind()),
        Err(ErrorKind::BufferLength)
    );
    assert!(untouched(&j));
    let (mut gx, mut ga) = (poisoned(2), poisoned(3));
    let r = mix().log_prob_grad(
        &x,
        LogProbGrad {
            x: Some(&mut gx),
            logits: Some(&mut ga),
            ..LogProbGrad::default()
        },
    );
    assert_eq!(r.map_err(|e| e.kind()), Err(ErrorKind::BufferLength));
    assert!(untouched(&gx) && untouched(&ga));
    // Samplers: nothing written and the generator not advanced.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let before = rng.clone();
    let (mut xs, mut us) = (poisoned(2), poisoned(3));
    assert_eq!(
        mix()
            .sample_quantile(&mut rng, &mut xs, Some(&mut us))
            .map_err(|e| e.kind()),
        Err(ErrorKind::BufferLength)
    );
    assert!(untouched(&xs) && untouched(&us));
    assert_eq!(
        mix()
            .sample_ancestral(&mut rng, &mut poisoned(3))
            .map_err(|e| e.kind()),
        Err(ErrorKind::BufferLength)
    );
    assert_eq!(rng, before);
    // with_log_scales: K·D values, no more, no fewer.
    for n in [A.len() * 2 - 1, A.len() * 2 + 1, 0] {
        let mut buf = poisoned(n);
        assert_eq!(
            mix().with_log_scales(&mut buf).err().map(|e| e.kind()),
            Some(ErrorKind::BufferLength)
        );
        assert!(untouched(&buf));
    }
}

#[test]
fn gradients_in_a_gap_deeper_than_min_positive_are_refused_cleanly() {
    // Two components at ±50 with σ = 0.1: at x = 0 the density is ~e^-125000.
    let (a, m, s) = ([0.0, 0.0], [-50.0, 50.0], [0.1, 0.1]);
    let v = DiagMixtureRef::new(&a, &m, &s, 1).unwrap();
    let (mut ga, mut gm, mut gs) = (poisoned(2), poisoned(2), poisoned(2));
    assert_eq!(
        v.vjp(&[0.0], &[1.0], &mut ga, &mut gm, &mut gs)
            .map_err(|e| e.kind()),
        Err(ErrorKind::ZeroDensity)
    );
    assert!(untouched(&ga) && untouched(&gm) && untouched(&gs));
    let mut j = poisoned(6);
    assert_eq!(
        v.jacobian(&[0.0], &mut j).map_err(|e| e.kind()),
        Err(ErrorKind::ZeroDensity)
    );
    assert!(untouched(&j));
    // The value-level operations still answer there.
    let mut u = [0.0];
    v.cdf(&[0.0], &mut u).unwrap();
    assert_eq!(u[0], 0.5);
    assert!(v.log_prob(&[0.0]).unwrap() < -1e5);
}

#[test]
fn errors_say_which_input_is_wrong() {
    let mix = || mix_of(Gaussian);
    let new = |a: &[f64], m: &[f64], s: &[f64], d| DiagMixtureRef::new(a, m, s, d).unwrap_err();
    // Shapes: which buffer, its expected and actual length.
    let e = new(&A, &MU, &S[..3], 2);
    assert_eq!(
        (e.buffer(), e.lengths()),
        (Some(Buffer::Scales), Some((4, 3)))
    );
    assert_eq!(
        e.to_string(),
        "means/scales do not hold K*D values: scales holds 3 values, 4 expected"
    );
    // Values: which component (and dimension).
    let e = new(&[0.0, f64::NAN], &MU, &S, 2);
    assert_eq!(
        (e.buffer(), e.component(), e.dim()),
        (Some(Buffer::Logits), Some(1), None)
    );
    assert_eq!(e.to_string(), "a logit is NaN: logits[1] (component 1)");
    let e = new(&A, &[0.0, 0.0, f64::INFINITY, 0.0], &S, 2);
    assert_eq!(
        (e.component(), e.dim(), e.index()),
        (Some(1), Some(0), Some(2))
    );
    let e = new(&A, &MU, &[1.0, 0.0, 1.0, 1.0], 2);
    assert_eq!(
        e.to_string(),
        "a scale is not positive: scales[1] (component 0, dimension 1)"
    );
    // Per-call inputs: which buffer and dimension.
    let (mut u, mut ga, mut gm, mut gs) = ([0.0; 2], [0.0; 2], [0.0; 4], [0.0; 4]);
    let e = mix().cdf(&[0.0, f64::NAN], &mut u).unwrap_err();
    assert_eq!(
        (e.kind(), e.buffer(), e.dim()),
        (ErrorKind::NonFiniteX, Some(Buffer::X), Some(1))
    );
    let e = mix().quantile(&[0.5, 1.0], &mut u).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a u is not strictly inside (0, 1): u[1] (dimension 1)"
    );
    let e = mix()
        .vjp(&[0.0; 2], &[f64::INFINITY, 0.0], &mut ga, &mut gm, &mut gs)
        .unwrap_err();
    assert_eq!(
        (e.kind(), e.buffer(), e.dim()),
        (ErrorKind::NonFiniteCotangent, Some(Buffer::XBar), Some(0))
    );
    let e = mix()
        .vjp(&[0.0; 2], &[0.0; 2], &mut ga, &mut gm[..3], &mut gs)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "a buffer has the wrong length: means_bar holds 3 values, 4 expected"
    );
    // Every kind has its own description.
    for (i, a) in ErrorKind::ALL.iter().enumerate() {
        for b in &ErrorKind::ALL[i + 1..] {
            assert_ne!(a.as_str(), b.as_str());
        }
    }
}

#[test]
fn capacity_is_checked_before_shapes_and_values() {
    // K = 65 with wrong shapes and a NaN logit: the documented order puts the
    // capacity first after K = 0 and D = 0.
    let mut logits = vec![0.0; MAX_COMPONENTS + 1];
    logits[3] = f64::NAN;
    assert_eq!(
        DiagMixtureRef::new(&logits, &[0.0], &[1.0], 2)
            .map(|_| ())
            .map_err(|e| e.kind()),
        Err(ErrorKind::TooManyComponents)
    );
    // The owned type has no capacity bound.
    let big = DiagMixture::<f64, 65, 1>::new([0.0; 65], [[0.0]; 65], [[1.0]; 65]).unwrap();
    let (x, _) = big.sample_quantile(&mut Xoshiro256PlusPlus::seed_from_u64(3));
    assert!(big.vjp(&x, &[1.0]).is_ok());
    // Its view runs on the bounded scratch, and says so.
    let mut u = [0.0];
    assert_eq!(
        big.view().cdf(&x, &mut u).map_err(|e| e.kind()),
        Err(ErrorKind::TooManyComponents)
    );
}
