//! [`Gamma`] as a [`Univariate`] distribution with `θ = (α, β)`: `∂F/∂θ`
//! in closed form from the exact shape derivative (docs/math.md §11.4),
//! and the score for Eq. 9, `∂ ln f/∂α = ln(βx) − ψ(α)`,
//! `∂ ln f/∂β = α/β − x`.

use super::{QuantileStart, ScoreFunction, Univariate};
use crate::special::gamma::{digamma, ln_prefactor, prefactor};
use crate::{Error, ErrorKind, Float, Gamma};

impl<F: Float> Univariate<F, 2> for Gamma<F> {
    fn cdf(&self, x: F) -> Result<F, Error> {
        Gamma::cdf(self, x)
    }

    fn ccdf(&self, x: F) -> Result<F, Error> {
        Gamma::ccdf(self, x)
    }

    /// `β·R/y` with `R = y·f(y)` the prefactor of the incomplete gamma
    /// functions, `y = βx` (its logarithm where `R` is not a normal
    /// number); at `x = 0` the limit (`∞`, `β` or 0 for `α <, =, > 1`).
    fn density(&self, x: F) -> Result<F, Error> {
        if !x.is_finite() {
            return Err(Error::new(ErrorKind::NonFiniteX));
        }
        if x < F::ZERO {
            return Err(Error::new(ErrorKind::XOutsideSupport));
        }
        let (a, b) = (self.alpha(), self.rate());
        let y = b * x;
        if y == F::ZERO {
            return Ok(if a < F::ONE {
                F::INFINITY
            } else if a == F::ONE {
                b
            } else {
                F::ZERO
            });
        }
        Ok(match prefactor(a, y) {
            Some(r) => b * (r / y),
            None => b * (ln_prefactor(a, y) - y.ln()).exp(),
        })
    }

    /// Support `[0, ∞)`, from the mean `α/β`, widened by the standard
    /// deviation `√α/β`.
    fn quantile_start(&self, _u: F) -> QuantileStart<F> {
        let (a, b) = (self.alpha(), self.rate());
        QuantileStart {
            lo: F::ZERO,
            hi: F::INFINITY,
            guess: a / b,
            scale: a.sqrt() / b,
        }
    }

    /// `∂F/∂α = −(dx/dα)·f(x)` from the exact
    /// [`dx_dalpha`](Gamma::dx_dalpha), and `∂F/∂β = x·f(x)/β`
    /// (`F = P(α, βx)`).
    fn cdf_grad(&self, x: F) -> Result<Option<[F; 2]>, Error> {
        let f = Univariate::density(self, x)?;
        let da = self.dx_dalpha(x)?;
        Ok(Some([-da * f, x * f / self.rate()]))
    }

    /// The specialised solver of docs/math.md §11.3.
    fn quantile(&self, u: F) -> Result<F, Error> {
        Gamma::quantile(self, u)
    }

    /// The exact derivatives themselves rather than `−(∂F/∂θ)/f`: the
    /// shape derivative cancels the prefactor `R` analytically, so it stays
    /// representable where `f(x)` underflows.
    fn dx_dtheta(&self, x: F) -> Result<Option<[F; 2]>, Error> {
        Ok(Some([self.dx_dalpha(x)?, self.dx_drate(x)?]))
    }
}

impl<F: Float> ScoreFunction<F, 2> for Gamma<F> {
    /// With `ln f(x) = α ln β + (α − 1) ln x − βx − ln Γ(α)`:
    /// `(ln(βx) − ψ(α), α/β − x)`.
    ///
    /// Errors: [`ErrorKind::NonFiniteX`], [`ErrorKind::XOutsideSupport`]
    /// for an `x ≤ 0` (or whose `βx` is not positive and finite).
    fn log_density_grad(&self, x: F) -> Result<[F; 2], Error> {
        if !x.is_finite() {
            return Err(Error::new(ErrorKind::NonFiniteX));
        }
        let (a, b) = (self.alpha(), self.rate());
        let y = b * x;
        if !(y > F::ZERO && y.is_finite()) {
            return Err(Error::new(ErrorKind::XOutsideSupport));
        }
        Ok([y.ln() - digamma(a), a / b - x])
    }
}
