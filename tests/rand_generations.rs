//! The samplers take the generators of both `rand_core` generations (0.9's
//! `RngCore`, 0.10's `Rng`) as they are, and a generator gives the same
//! bits through either: the traits only forward `next_u32`/`next_u64`.

use mixgrad::{rand_core_0_10, DiagBatchRef, DiagMixture, Gamma, RngCore, TrilMixture};
use rand::SeedableRng as _;

/// One counter-based stream implementing both generations' traits.
struct SplitMix(u64);

impl SplitMix {
    fn step(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl RngCore for SplitMix {
    fn next_u32(&mut self) -> u32 {
        (self.step() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.step()
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        mixgrad::rand_core::impls::fill_bytes_via_next(self, dst);
    }
}

/// The 0.10 face of the same stream, through a wrapper (a type with both
/// impls would leave the generation ambiguous to the compiler).
struct SplitMix010(SplitMix);

impl rand_core_0_10::TryRng for SplitMix010 {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(RngCore::next_u32(&mut self.0))
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(RngCore::next_u64(&mut self.0))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        RngCore::fill_bytes(&mut self.0, dst);
        Ok(())
    }
}

fn mixture() -> DiagMixture<f64, 2, 2> {
    DiagMixture::new(
        [0.3f64.ln(), 0.7f64.ln()],
        [[-1.0, 0.0], [2.0, 1.0]],
        [[0.5, 1.0], [1.0, 0.3]],
    )
    .unwrap()
}

#[test]
fn both_generations_give_the_same_samples() {
    let mix = mixture();
    let (mut old, mut new) = (SplitMix(7), SplitMix010(SplitMix(7)));
    for _ in 0..100 {
        assert_eq!(mix.sample_quantile(&mut old), mix.sample_quantile(&mut new));
        assert_eq!(
            mix.sample_ancestral(&mut old),
            mix.sample_ancestral(&mut new)
        );
    }
    let gamma = Gamma::<f32>::new(2.5, 1.0).unwrap();
    for _ in 0..100 {
        assert_eq!(
            gamma.sample(&mut old).to_bits(),
            gamma.sample(&mut new).to_bits()
        );
    }
}

#[test]
fn a_rand_0_10_std_rng_is_taken_by_every_sampler_form() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mix = mixture();
    let (x, u) = mix.sample_quantile(&mut rng);
    assert!(x.iter().chain(&u).all(|v| v.is_finite()));

    let (logits, means, scales) = ([0.0, 0.0], [-1.0, 1.0], [0.5, 0.5]);
    let batch = DiagBatchRef::new(&logits, &means, &scales, 2, 1).unwrap();
    let mut z = [0.0];
    batch.sample_quantile(&mut rng, &mut z, None).unwrap();
    mix.view()
        .sample_quantile_many(&mut rng, &mut [0.0; 6], None)
        .unwrap();

    let tril = TrilMixture::<f64, 1, 2>::new([0.0], [[0.0, 1.0]], [[[1.0, 0.0], [0.5, 2.0]]]);
    let (y, _) = tril.unwrap().sample_quantile(&mut rng);
    assert!(y.iter().all(|v| v.is_finite()));
    // A generator behind `&mut dyn` (0.9) works as before.
    let dyn_rng: &mut dyn RngCore = &mut SplitMix(1);
    assert!(mix.sample_quantile(dyn_rng).0[0].is_finite());
}
