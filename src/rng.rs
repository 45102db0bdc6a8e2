//! The generators the samplers take: those of both `rand_core` generations
//! in use, 0.9 (`RngCore`; rand 0.9, rand_distr 0.5, and this crate's
//! re-exported xoshiro generators) and 0.10 (`Rng`; rand 0.10).
//!
//! Why a marker parameter: 0.10 renamed the trait, and one blanket impl per
//! generation of a single trait would overlap (coherence cannot rule out a
//! type implementing both). [`RandomSource`] takes the generation as a type
//! parameter instead, so the two blanket impls are of different traits and
//! the compiler infers the generation from the one the generator implements.
//! Inside the crate every sampler runs on the 0.9 trait through
//! [`AsRngCore`], which forwards `next_u32`/`next_u64` one to one: the same
//! generator gives the same bits through either generation.

use core::marker::PhantomData;

/// A generator of uniform words, of the `rand_core` generation `V`
/// ([`RandCore09`] or [`RandCore010`]). Implemented for every
/// `rand_core` 0.9 `RngCore` and, with the default `rand_core_0_10`
/// feature, every `rand_core` 0.10 `Rng`; `V` is inferred, so callers pass
/// their generator as it is:
///
/// ```
/// use mixgrad::{DiagMixture, SeedableRng, Xoshiro256PlusPlus};
/// let mix = DiagMixture::<f64, 1, 1>::new([0.0], [[0.0]], [[1.0]])?;
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(1); // rand_core 0.9
/// let (x, _u) = mix.sample_quantile(&mut rng);
/// assert!(x[0].is_finite());
/// # Ok::<(), mixgrad::Error>(())
/// ```
pub trait RandomSource<V> {
    /// The next 32 uniform bits (the f32 samplers' draw).
    fn next_u32(&mut self) -> u32;
    /// The next 64 uniform bits (the f64 samplers' draw).
    fn next_u64(&mut self) -> u64;
}

/// The marker of `rand_core` 0.9 generators (`rand_core::RngCore`).
#[derive(Clone, Copy, Debug)]
pub enum RandCore09 {}

/// The marker of `rand_core` 0.10 generators (`rand_core::Rng`, feature
/// `rand_core_0_10`).
#[derive(Clone, Copy, Debug)]
pub enum RandCore010 {}

impl<R: rand_core::RngCore + ?Sized> RandomSource<RandCore09> for R {
    #[inline(always)]
    fn next_u32(&mut self) -> u32 {
        rand_core::RngCore::next_u32(self)
    }
    #[inline(always)]
    fn next_u64(&mut self) -> u64 {
        rand_core::RngCore::next_u64(self)
    }
}

#[cfg(feature = "rand_core_0_10")]
impl<R: rand_core_0_10::Rng + ?Sized> RandomSource<RandCore010> for R {
    #[inline(always)]
    fn next_u32(&mut self) -> u32 {
        rand_core_0_10::Rng::next_u32(self)
    }
    #[inline(always)]
    fn next_u64(&mut self) -> u64 {
        rand_core_0_10::Rng::next_u64(self)
    }
}

/// A [`RandomSource`] of either generation seen as the 0.9 `RngCore` the
/// crate's samplers are written against.
pub(crate) struct AsRngCore<'r, R: ?Sized, V> {
    rng: &'r mut R,
    generation: PhantomData<V>,
}

/// Wraps `rng` for the crate's samplers.
#[inline(always)]
pub(crate) fn as_rng_core<R: RandomSource<V> + ?Sized, V>(rng: &mut R) -> AsRngCore<'_, R, V> {
    AsRngCore {
        rng,
        generation: PhantomData,
    }
}

impl<R: RandomSource<V> + ?Sized, V> rand_core::RngCore for AsRngCore<'_, R, V> {
    #[inline(always)]
    fn next_u32(&mut self) -> u32 {
        self.rng.next_u32()
    }
    #[inline(always)]
    fn next_u64(&mut self) -> u64 {
        self.rng.next_u64()
    }
    fn fill_bytes(&mut self, dst: &mut [u8]) {
        rand_core::impls::fill_bytes_via_next(self, dst);
    }
}
