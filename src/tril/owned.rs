//! The owned full-covariance mixture for sizes known at compile time: its
//! scratch a [`TrilScratch`] on the stack.

use crate::rng::{as_rng_core, RandomSource};
use crate::{Error, Float, SolveStats};

use super::{TrilLogProbGrad, TrilMixtureRef, TrilScratch};

/// An owned full-covariance Gaussian mixture of `K` components in `D`
/// dimensions: `L_k = scale_tril[k]`, row `i` at `scale_tril[k][i]` (the
/// entries above the diagonal never read). Validates as
/// [`TrilMixtureRef::new`] and runs its algorithms on stack scratch of
/// `K·(5 + 3D)` values.
///
/// ```
/// use mixgrad::{SeedableRng, TrilMixture, Xoshiro256PlusPlus};
/// let mix = TrilMixture::<f64, 1, 2>::new([0.0], [[1.0, 2.0]], [[[1.0, 0.0], [0.8, 0.6]]])?;
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
/// let (x, _u) = mix.sample_quantile(&mut rng);
/// let g = mix.vjp(&x, &[1.0, 1.0])?; // ∂(x₀ + x₁)/∂θ
/// // One component: x = μ + Lε, so ∂(x₀ + x₁)/∂μ = (1, 1).
/// assert!(g.means[0].iter().all(|&v| (v - 1.0).abs() < 1e-15));
/// # Ok::<(), mixgrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrilMixture<F, const K: usize, const D: usize> {
    logits: [F; K],
    means: [[F; D]; K],
    scale_tril: [[[F; D]; D]; K],
}

/// A gradient with respect to every parameter of a [`TrilMixture`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrilGrad<F, const K: usize, const D: usize> {
    /// W.r.t. the logits.
    pub logits: [F; K],
    /// W.r.t. the means.
    pub means: [[F; D]; K],
    /// W.r.t. the factors (zero above the diagonals).
    pub scale_tril: [[[F; D]; D]; K],
}

impl<F: Float, const K: usize, const D: usize> Default for TrilGrad<F, K, D> {
    fn default() -> Self {
        TrilGrad {
            logits: [F::ZERO; K],
            means: [[F::ZERO; D]; K],
            scale_tril: [[[F::ZERO; D]; D]; K],
        }
    }
}

impl<F: Float, const K: usize, const D: usize> TrilMixture<F, K, D> {
    /// Validates and stores the parameters; the errors of
    /// [`TrilMixtureRef::new`].
    pub fn new(
        logits: [F; K],
        means: [[F; D]; K],
        scale_tril: [[[F; D]; D]; K],
    ) -> Result<Self, Error> {
        let mix = TrilMixture {
            logits,
            means,
            scale_tril,
        };
        mix.view().map(|_| mix)
    }

    /// The view of the parameters.
    pub fn view(&self) -> Result<TrilMixtureRef<'_, F>, Error> {
        let means = self.means.as_flattened();
        let factors = self.scale_tril.as_flattened().as_flattened();
        TrilMixtureRef::new(&self.logits, means, factors, D)
    }

    /// Runs `op` on the view and stack scratch.
    pub(super) fn run<R>(
        &self,
        op: impl FnOnce(&TrilMixtureRef<'_, F>, &mut TrilScratch<F, K, D>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut scratch = TrilScratch::new();
        op(&self.view()?, &mut scratch)
    }

    /// The conditional CDFs; see [`TrilMixtureRef::cdf`].
    pub fn cdf(&self, x: &[F; D]) -> Result<[F; D], Error> {
        let mut u = [F::ZERO; D];
        self.run(|m, s| m.cdf(x, &mut u, s))?;
        Ok(u)
    }

    /// The quantile map; see [`TrilMixtureRef::quantile`].
    pub fn quantile(&self, u: &[F; D]) -> Result<[F; D], Error> {
        let mut x = [F::ZERO; D];
        self.run(|m, s| m.quantile(u, &mut x, s))?;
        Ok(x)
    }

    /// `log q(x)`.
    pub fn log_prob(&self, x: &[F; D]) -> Result<F, Error> {
        self.run(|m, s| m.log_prob(x, s))
    }

    /// `log q(x)`, `∂ log q/∂x` and the parameter gradients.
    pub fn log_prob_grad(&self, x: &[F; D]) -> Result<(F, [F; D], TrilGrad<F, K, D>), Error> {
        let (mut gx, mut g) = ([F::ZERO; D], TrilGrad::default());
        let grad = TrilLogProbGrad {
            x: Some(&mut gx),
            logits: Some(&mut g.logits),
            means: Some(g.means.as_flattened_mut()),
            scale_tril: Some(g.scale_tril.as_flattened_mut().as_flattened_mut()),
        };
        let lp = self.run(|m, s| m.log_prob_grad(x, grad, s))?;
        Ok((lp, gx, g))
    }

    /// The quantile sampler: `(x, u)`.
    pub fn sample_quantile<R: RandomSource<V> + ?Sized, V>(&self, rng: &mut R) -> ([F; D], [F; D]) {
        let rng = &mut as_rng_core(rng);
        let (mut x, mut u) = ([F::ZERO; D], [F::ZERO; D]);
        // Lengths are D by construction and the parameters valid.
        let _: Result<SolveStats, Error> =
            self.run(|m, s| m.sample_quantile(rng, &mut x, Some(&mut u), s));
        (x, u)
    }

    /// The ancestral sampler: `(x, k)`.
    pub fn sample_ancestral<R: RandomSource<V> + ?Sized, V>(&self, rng: &mut R) -> ([F; D], usize) {
        let rng = &mut as_rng_core(rng);
        let mut x = [F::ZERO; D];
        let k = self.run(|m, _| m.sample_ancestral(rng, &mut x));
        (x, k.unwrap_or(0))
    }

    /// The vector–Jacobian product; see [`TrilMixtureRef::vjp`].
    pub fn vjp(&self, x: &[F; D], x_bar: &[F; D]) -> Result<TrilGrad<F, K, D>, Error> {
        let mut g = TrilGrad::default();
        let (logits, means) = (&mut g.logits, g.means.as_flattened_mut());
        let factors = g.scale_tril.as_flattened_mut().as_flattened_mut();
        self.run(|m, s| m.vjp(x, x_bar, logits, means, factors, s))?;
        Ok(g)
    }
}
