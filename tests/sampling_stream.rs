//! The samplers' contract with the generator (docs/math.md §3.3): the
//! quantile sampler consumes exactly `D` draws and returns the uniforms it
//! used, the ancestral sampler `D + 1`; checked against a second generator
//! advanced by hand, not against the sampler itself.

use mixgrad::{uniform_f32, uniform_f64, DiagMixtureRef, RngCore, SeedableRng, Xoshiro256PlusPlus};

const LOGITS: [f64; 3] = [0.0, -0.7, 0.4];
const MEANS: [f64; 6] = [-2.0, 0.0, 0.5, 1.0, 2.5, -1.0];
const SCALES: [f64; 6] = [0.5, 1.0, 0.8, 0.3, 1.2, 0.6];

#[test]
fn quantile_sampler_consumes_exactly_d_draws_f64() {
    let mix = DiagMixtureRef::new(&LOGITS, &MEANS, &SCALES, 2).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    let mut by_hand = rng.clone();
    for _ in 0..50 {
        let (mut x, mut u) = ([0.0; 2], [0.0; 2]);
        mix.sample_quantile(&mut rng, &mut x, Some(&mut u)).unwrap();
        let want = [uniform_f64(&mut by_hand), uniform_f64(&mut by_hand)];
        assert_eq!(u, want);
        let mut xq = [0.0; 2];
        mix.quantile(&u, &mut xq).unwrap();
        assert_eq!(x, xq);
    }
    assert_eq!(rng.next_u64(), by_hand.next_u64());
}

#[test]
fn quantile_sampler_consumes_exactly_d_draws_f32() {
    let (l, m, s) = (
        LOGITS.map(|v| v as f32),
        MEANS.map(|v| v as f32),
        SCALES.map(|v| v as f32),
    );
    let mix = DiagMixtureRef::new(&l, &m, &s, 2).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
    let mut by_hand = rng.clone();
    for _ in 0..50 {
        let (mut x, mut u) = ([0.0f32; 2], [0.0f32; 2]);
        mix.sample_quantile(&mut rng, &mut x, Some(&mut u)).unwrap();
        assert_eq!(u, [uniform_f32(&mut by_hand), uniform_f32(&mut by_hand)]);
    }
    assert_eq!(rng.next_u64(), by_hand.next_u64());
}

#[test]
fn ancestral_sampler_consumes_d_plus_one_draws() {
    let mix = DiagMixtureRef::new(&LOGITS, &MEANS, &SCALES, 2).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(13);
    let mut by_hand = rng.clone();
    for _ in 0..50 {
        let mut x = [0.0; 2];
        mix.sample_ancestral(&mut rng, &mut x).unwrap();
        for _ in 0..3 {
            by_hand.next_u64();
        }
    }
    assert_eq!(rng.next_u64(), by_hand.next_u64());
}
