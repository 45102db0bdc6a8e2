//! The paper's general estimators for a univariate density
//! (docs/math.md §12): the implicit gradient of the quantile map,
//! `dx/dθ = −(∂F/∂θ)/f` (Eq. 6), from a closed-form `∂F/∂θ` where there is
//! one, and otherwise the Monte Carlo estimate of
//! `∂F(x)/∂θ = F(x)·E[∂ ln f(t)/∂θ | t ≤ x]` (Eq. 9).
//!
//! A distribution states its functions once ([`Univariate`], and
//! [`ScoreFunction`] for Eq. 9); the quantile solver ([`solve_quantile`]),
//! the sampler and both estimators are written over them.

mod eq9;
mod gamma;
mod loc_scale;
mod solve;

pub use eq9::{eq9_dx_dtheta, Eq9Estimate, Truncation};
pub use loc_scale::LocScale;
pub use solve::solve_quantile;

use crate::rng::{as_rng_core, RandomSource};

use crate::{Error, ErrorKind, Float};

/// Where [`solve_quantile`] starts: the support `[lo, hi]` (either end may
/// be infinite), a first guess strictly inside it, and a positive length
/// typical of the distribution's spread, by which an open bracket is
/// widened.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct QuantileStart<F> {
    /// The lower end of the support (`−∞` if unbounded).
    pub lo: F,
    /// The upper end of the support (`+∞` if unbounded).
    pub hi: F,
    /// The first iterate, `lo < guess < hi`.
    pub guess: F,
    /// A typical spread (a scale, a standard deviation), `> 0`.
    pub scale: F,
}

/// A univariate distribution with `P` parameters `θ`, sampled by its
/// quantile map `x = F⁻¹(u; θ)`, whose sample moves with `θ` at fixed `u`
/// by `dx/dθ = −(∂F(x)/∂θ)/f(x)` (the paper's Eq. 6).
///
/// An implementor provides the CDF, its complement, the density and a
/// start for the quantile solver, and `∂F/∂θ` where it has a closed form
/// ([`cdf_grad`](Self::cdf_grad)); where it has none, it implements
/// [`ScoreFunction`] for the Eq. 9 estimator ([`eq9_dx_dtheta`]). The
/// quantile ([`solve_quantile`] unless overridden), the sampler and Eq. 6
/// come from these.
///
/// ```
/// use mixgrad::{Gaussian, LocScale, SeedableRng, Univariate, Xoshiro256PlusPlus};
///
/// // A Gaussian with mean 1 and scale 2, as a location-scale family.
/// let d = LocScale::<Gaussian, f64>::new(1.0, 2.0)?;
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
/// let x = d.sample(&mut rng)?;
/// // Eq. 6: dx/dμ = 1 and dx/dσ = z = (x − μ)/σ.
/// let [dmu, dsigma] = d.dx_dtheta(x)?.expect("closed-form ∂F/∂θ");
/// assert_eq!(dmu, 1.0);
/// assert!((dsigma - (x - 1.0) / 2.0).abs() < 1e-15);
/// # Ok::<(), mixgrad::Error>(())
/// ```
pub trait Univariate<F: Float, const P: usize> {
    /// The number of parameters, `P`.
    const NUM_PARAMS: usize = P;

    /// `F(x)`, accurate in the lower tail.
    fn cdf(&self, x: F) -> Result<F, Error>;
    /// `1 − F(x)`, accurate in the upper tail.
    fn ccdf(&self, x: F) -> Result<F, Error>;
    /// `f(x)`.
    fn density(&self, x: F) -> Result<F, Error>;
    /// The start of the quantile solver for `u`.
    fn quantile_start(&self, u: F) -> QuantileStart<F>;

    /// `∂F(x)/∂θ` where it has a closed form; `None` (the default) where
    /// it has not, and Eq. 9 must estimate it.
    fn cdf_grad(&self, _x: F) -> Result<Option<[F; P]>, Error> {
        Ok(None)
    }

    /// `x = F⁻¹(u)` for `u` strictly inside (0, 1): [`solve_quantile`],
    /// unless the distribution has a better one.
    ///
    /// Errors: [`ErrorKind::UniformOutOfRange`], and any of the
    /// distribution's functions.
    fn quantile(&self, u: F) -> Result<F, Error> {
        solve_quantile(self, u)
    }

    /// Draws `x = F⁻¹(u)` with `u` uniform on (0, 1), consuming one
    /// `next_u64` (f64) or `next_u32` (f32): smooth in `θ` for a fixed
    /// random stream.
    fn sample<R: RandomSource<V> + ?Sized, V>(&self, rng: &mut R) -> Result<F, Error> {
        self.quantile(F::uniform(&mut as_rng_core(rng)))
    }

    /// `dx/dθ = −(∂F(x)/∂θ)/f(x)` (Eq. 6) at a sample `x`, or `None` where
    /// [`cdf_grad`](Self::cdf_grad) has no closed form.
    ///
    /// Errors: [`ErrorKind::ZeroDensity`] where `f(x)` is not a positive
    /// normal number, and any of the distribution's functions.
    fn dx_dtheta(&self, x: F) -> Result<Option<[F; P]>, Error> {
        match self.cdf_grad(x)? {
            Some(d_cdf) => eq6(d_cdf, self.density(x)?).map(Some),
            None => Ok(None),
        }
    }
}

/// `∂ ln f(x)/∂θ`, the score, which the Eq. 9 estimator
/// ([`eq9_dx_dtheta`]) averages over the density truncated to `t ≤ x`.
pub trait ScoreFunction<F: Float, const P: usize>: Univariate<F, P> {
    /// `∂ ln f(x)/∂θ` at a point `x` of the support.
    fn log_density_grad(&self, x: F) -> Result<[F; P], Error>;
}

/// Eq. 6 from `∂F/∂θ` and `f`: the quotient is refused where `f` is not a
/// positive normal number (it would amplify the rounding of `∂F/∂θ`
/// without bound).
fn eq6<F: Float, const P: usize>(d_cdf: [F; P], f: F) -> Result<[F; P], Error> {
    if f >= F::MIN_POSITIVE && f.is_finite() {
        Ok(d_cdf.map(|d| -d / f))
    } else {
        Err(Error::new(ErrorKind::ZeroDensity))
    }
}
