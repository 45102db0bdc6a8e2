//! One component of a location-scale family, `x = μ + σz`, `z ~ g`, as a
//! [`Univariate`] distribution with `θ = (μ, σ)` (docs/math.md §9, §12).
//! Both derivatives of `F(x) = G((x − μ)/σ)` are closed forms,
//! `∂F/∂μ = −g(z)/σ` and `∂F/∂σ = −z·g(z)/σ`, so Eq. 6 gives the
//! reparameterisation trick's `dx/dμ = 1`, `dx/dσ = z`.

use core::marker::PhantomData;

use super::{QuantileStart, ScoreFunction, Univariate};
use crate::{Error, ErrorKind, Family, Float};

/// One component of the location-scale family `G` ([`Gaussian`],
/// [`Logistic`], [`Laplace`], [`Cauchy`]): density `g((x − μ)/σ)/σ`.
///
/// ```
/// use mixgrad::{Cauchy, LocScale, Univariate};
///
/// let d = LocScale::<Cauchy, f64>::new(-1.0, 0.5)?;
/// let x = Univariate::quantile(&d, 0.9)?;
/// assert!((d.cdf(x)? - 0.9).abs() < 1e-15);
/// assert_eq!(d.dx_dtheta(x)?.map(|g| g[0]), Some(1.0));
/// # Ok::<(), mixgrad::Error>(())
/// ```
///
/// [`Gaussian`]: crate::Gaussian
/// [`Logistic`]: crate::Logistic
/// [`Laplace`]: crate::Laplace
/// [`Cauchy`]: crate::Cauchy
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocScale<G, F> {
    mu: F,
    sigma: F,
    family: PhantomData<G>,
}

impl<G: Family, F: Float> LocScale<G, F> {
    /// Location `mu`, scale `sigma`.
    ///
    /// Errors: [`ErrorKind::NonFiniteMean`], [`ErrorKind::NonFiniteScale`],
    /// [`ErrorKind::NonPositiveScale`].
    pub fn new(mu: F, sigma: F) -> Result<Self, Error> {
        if !mu.is_finite() {
            return Err(Error::new(ErrorKind::NonFiniteMean));
        }
        if !sigma.is_finite() {
            return Err(Error::new(ErrorKind::NonFiniteScale));
        }
        if sigma <= F::ZERO {
            return Err(Error::new(ErrorKind::NonPositiveScale));
        }
        Ok(LocScale {
            mu,
            sigma,
            family: PhantomData,
        })
    }

    /// The location `μ`.
    pub fn mu(&self) -> F {
        self.mu
    }

    /// The scale `σ`.
    pub fn sigma(&self) -> F {
        self.sigma
    }

    /// `z = (x − μ)/σ` for a finite `x` (clamped as the mixtures clamp it,
    /// docs/math.md §7.2).
    fn z(&self, x: F) -> Result<F, Error> {
        if x.is_finite() {
            Ok(G::standardise(x, self.mu, self.sigma))
        } else {
            Err(Error::new(ErrorKind::NonFiniteX))
        }
    }
}

impl<G: Family, F: Float> Univariate<F, 2> for LocScale<G, F> {
    fn cdf(&self, x: F) -> Result<F, Error> {
        Ok(G::tails_density(self.z(x)?).0)
    }

    fn ccdf(&self, x: F) -> Result<F, Error> {
        Ok(G::tails_density(self.z(x)?).1)
    }

    fn density(&self, x: F) -> Result<F, Error> {
        Ok(G::density(self.z(x)?) / self.sigma)
    }

    /// The whole line, from the location, widened by the scale.
    fn quantile_start(&self, _u: F) -> QuantileStart<F> {
        QuantileStart {
            lo: F::NEG_INFINITY,
            hi: F::INFINITY,
            guess: self.mu,
            scale: self.sigma,
        }
    }

    /// `(−g(z)/σ, z·(−g(z)/σ))`: the first is minus the density itself, so
    /// that Eq. 6 returns `dx/dμ = 1` exactly.
    fn cdf_grad(&self, x: F) -> Result<Option<[F; 2]>, Error> {
        let z = self.z(x)?;
        let d_mu = -(G::density(z) / self.sigma);
        Ok(Some([d_mu, z * d_mu]))
    }

    /// `μ + σ·G⁻¹(u)`: the family's own quantile, exact in both tails.
    fn quantile(&self, u: F) -> Result<F, Error> {
        if u > F::ZERO && u < F::ONE {
            Ok(self.mu + self.sigma * G::quantile(u))
        } else {
            Err(Error::new(ErrorKind::UniformOutOfRange))
        }
    }
}

impl<G: Family, F: Float> ScoreFunction<F, 2> for LocScale<G, F> {
    /// With `ln f = ln g(z) − ln σ` and `ψ = (ln g)'`:
    /// `∂/∂μ = −ψ(z)/σ`, `∂/∂σ = (−z·ψ(z) − 1)/σ`.
    fn log_density_grad(&self, x: F) -> Result<[F; 2], Error> {
        let z = self.z(x)?;
        let neg_psi = G::neg_score(z);
        Ok([neg_psi / self.sigma, (z * neg_psi - F::ONE) / self.sigma])
    }
}
