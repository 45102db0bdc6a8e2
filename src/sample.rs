//! Samplers (docs/math.md §3): uniforms strictly inside (0, 1) (§3.3), the
//! quantile sampler (§3.1) and the ancestral sampler (§3.2).

use crate::rng::{as_rng_core, RandomSource};
use rand_core::RngCore;

use crate::quantile::SolveStats;
use crate::workspace::Workspace;
use crate::{Buffer, DiagMixture, DiagMixtureRef, Error, Family, Float};

/// A uniform `f64` strictly inside (0, 1): `(bits + ½)·2^-52` from the top
/// 52 bits of one `next_u64`.
///
/// Why 52 bits and not 53 (docs/math.md §3.3): `(2^53 − ½)·2^-53 = 1 − 2^-54`
/// is not an `f64` and rounds to exactly 1. With 52 bits every value of the
/// grid is representable, the largest is `1 − 2^-53` (the largest `f64` below
/// 1), the smallest `2^-53`, and the grid is symmetric: `1 − u` is on it too.
#[inline]
pub fn uniform_f64<R: RandomSource<V> + ?Sized, V>(rng: &mut R) -> f64 {
    let bits = rng.next_u64() >> 12;
    (bits as f64 + 0.5) * (1.0 / 4_503_599_627_370_496.0) // 2^-52
}

/// A uniform `f32` strictly inside (0, 1): `(bits + ½)·2^-23` from the top
/// 23 bits of one `next_u32` (largest `1 − 2^-24`, smallest `2^-24`); see
/// [`uniform_f64`] for why not 24 bits.
#[inline]
pub fn uniform_f32<R: RandomSource<V> + ?Sized, V>(rng: &mut R) -> f32 {
    let bits = rng.next_u32() >> 9;
    (bits as f32 + 0.5) * (1.0 / 8_388_608.0) // 2^-23
}

/// A uniform variate strictly inside (0, 1) from a generator, per
/// precision: [`uniform_f64`] and [`uniform_f32`].
pub trait Uniform: Sized {
    /// One uniform; consumes one `next_u64` (f64) or `next_u32` (f32).
    fn uniform<R: RngCore + ?Sized>(rng: &mut R) -> Self;
}

impl Uniform for f64 {
    #[inline(always)]
    fn uniform<R: RngCore + ?Sized>(rng: &mut R) -> f64 {
        uniform_f64(rng)
    }
}

impl Uniform for f32 {
    #[inline(always)]
    fn uniform<R: RngCore + ?Sized>(rng: &mut R) -> f32 {
        uniform_f32(rng)
    }
}

impl<F: Float, G: Family> DiagMixtureRef<'_, F, G> {
    /// Draws `x = T^{-1}(u)` with `u` uniform on (0, 1)^D: the quantile
    /// sampler of the paper. For a fixed random stream `x` is a smooth
    /// function of the parameters, so common random numbers, quasi-Monte
    /// Carlo and stratification work through it. Writes `x` and, if given,
    /// the `u` used (`D` values each). Consumes exactly `D` draws of the
    /// generator's `next_u64` (f64) or `next_u32` (f32).
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength); on error nothing is written and the
    /// generator is not advanced.
    pub fn sample_quantile<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
    ) -> Result<SolveStats, Error> {
        let rng = &mut as_rng_core(rng);
        self.on_stack(|ws| self.sample_quantile_on(ws, rng, x, u))
    }

    /// [`sample_quantile`](Self::sample_quantile) on the workspace `ws`.
    pub(crate) fn sample_quantile_on<R: RngCore + ?Sized>(
        &self,
        ws: Workspace<'_, F>,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
    ) -> Result<SolveStats, Error> {
        let dims = self.num_dims();
        Self::check_len(x, dims, Buffer::Output)?;
        if let Some(u) = u.as_deref() {
            Self::check_len(u, dims, Buffer::Output)?;
        }
        let mut u_out = u.map(|s| s.iter_mut());
        let draws = core::iter::repeat_with(|| {
            let ud = F::uniform(rng);
            if let Some(slot) = u_out.as_mut().and_then(|it| it.next()) {
                *slot = ud;
            }
            ud
        });
        let mut stats = SolveStats::default();
        self.solve_all(ws, draws, x.iter_mut(), &mut stats);
        Ok(stats)
    }

    /// Draws a component `k ~ π`, then `x_d = μ_kd + σ_kd Φ^{-1}(u_d)`: the
    /// ancestral sampler, `O(K + D)`. Returns `k`. Consumes `D + 1` uniforms.
    /// The pathwise gradient ([`vjp`](Self::vjp)) applies to its samples
    /// unchanged; only the quantile sampler makes `x` smooth in θ for a
    /// fixed stream.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength); on error nothing is written.
    pub fn sample_ancestral<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [F],
    ) -> Result<usize, Error> {
        let rng = &mut as_rng_core(rng);
        self.on_stack(|ws| self.sample_ancestral_on(ws, rng, x))
    }

    /// [`sample_ancestral`](Self::sample_ancestral) on the workspace `ws`.
    pub(crate) fn sample_ancestral_on<R: RngCore + ?Sized>(
        &self,
        ws: Workspace<'_, F>,
        rng: &mut R,
        x: &mut [F],
    ) -> Result<usize, Error> {
        Self::check_len(x, self.num_dims(), Buffer::Output)?;
        let Workspace { mut weights, p, .. } = ws;
        weights.init(self.logits());
        weights.responsibilities(p);
        Ok(self.ancestral_draw(p, || F::uniform(rng), x))
    }

    /// One ancestral draw into `x` (`D` values) given the weights `p`
    /// (`π`, from the logits), taking its `D + 1` uniforms from `uniform`
    /// in order: returns the component.
    #[inline]
    pub(crate) fn ancestral_draw(
        &self,
        p: &[F],
        mut uniform: impl FnMut() -> F,
        x: &mut [F],
    ) -> usize {
        let k = pick_component(p, uniform());
        for (xd, (mu, sigma)) in x.iter_mut().zip(self.component(k)) {
            // A draw beyond the float range (σ near MAX) saturates, as
            // the quantile solver's bracket does.
            let v = mu + sigma * G::quantile(uniform());
            *xd = v.max(-F::MAX).min(F::MAX);
        }
        k
    }
}

/// The inverse CDF of the categorical distribution `p` at `u0`. Rounding
/// can leave the total a hair below `u0`: then the last component of
/// positive weight.
fn pick_component<F: Float>(p: &[F], u0: F) -> usize {
    let mut acc = F::ZERO;
    let mut last_active = 0;
    for (k, &pk) in p.iter().enumerate() {
        if pk > F::ZERO {
            last_active = k;
            acc += pk;
            if u0 < acc {
                return k;
            }
        }
    }
    last_active
}

impl<F: Float, const K: usize, const D: usize, G: Family> DiagMixture<F, K, D, G> {
    /// A quantile-sampler draw `(x, u)`; see
    /// [`DiagMixtureRef::sample_quantile`].
    pub fn sample_quantile<R: RandomSource<V> + ?Sized, V>(&self, rng: &mut R) -> ([F; D], [F; D]) {
        let rng = &mut as_rng_core(rng);
        let (mut x, mut u) = ([F::ZERO; D], [F::ZERO; D]);
        // Lengths are D by construction: this cannot fail.
        let _ = self.run(|mix, ws| mix.sample_quantile_on(ws, rng, &mut x, Some(&mut u)));
        (x, u)
    }

    /// An ancestral draw `(x, k)`; see [`DiagMixtureRef::sample_ancestral`].
    pub fn sample_ancestral<R: RandomSource<V> + ?Sized, V>(&self, rng: &mut R) -> ([F; D], usize) {
        let rng = &mut as_rng_core(rng);
        let mut x = [F::ZERO; D];
        // Lengths are D by construction: this cannot fail.
        let k = self.run(|mix, ws| mix.sample_ancestral_on(ws, rng, &mut x));
        (x, k.unwrap_or(0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A generator that returns one fixed word.
    struct Const(u64);
    impl RngCore for Const {
        fn next_u32(&mut self) -> u32 {
            (self.0 >> 32) as u32
        }
        fn next_u64(&mut self) -> u64 {
            self.0
        }
        fn fill_bytes(&mut self, dst: &mut [u8]) {
            dst.fill(0);
        }
    }

    #[test]
    fn uniforms_stay_strictly_inside_the_unit_interval() {
        // 2^-53 and 2^-24 from their bits (`powi` is inexact under Miri).
        let (e53, e24) = (f64::from_bits(970 << 52), f32::from_bits(103 << 23));
        assert_eq!(uniform_f64(&mut Const(0)), e53);
        assert_eq!(uniform_f64(&mut Const(u64::MAX)), 1.0 - e53);
        assert!(uniform_f64(&mut Const(u64::MAX)) < 1.0);
        assert_eq!(uniform_f32(&mut Const(0)), e24);
        assert_eq!(uniform_f32(&mut Const(u64::MAX)), 1.0 - e24);
        assert!(uniform_f32(&mut Const(u64::MAX)) < 1.0);
        // The grid is symmetric: 1 − u is exact and on it.
        let u = uniform_f64(&mut Const(0x1234_5678_9abc_def0));
        assert_eq!(1.0 - (1.0 - u), u);
    }
}
