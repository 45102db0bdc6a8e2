//! The Gamma distribution (shape `α`, rate `β`) and the exact pathwise
//! gradient of its quantile sampler (docs/math.md §11): the worked instance
//! of `dx/dθ = −(∂F/∂θ)/f` for a parameter whose `∂F/∂θ` has no elementary
//! closed form.

mod dirichlet;
mod quantile;

pub use dirichlet::Dirichlet;

use crate::rng::{as_rng_core, RandomSource};

use crate::special::gamma::{incomplete_gamma, ln_gamma, ln_gamma_1p, quantile_da_over_y};
use crate::{Error, ErrorKind, Float};

/// Gamma(α, β): density `β^α x^{α−1} e^{−βx}/Γ(α)` on `x > 0`, sampled by
/// the quantile map `x = P⁻¹(α, u)/β` (`P` the regularised lower
/// incomplete gamma function), with the exact pathwise derivatives
///
/// * `dx/dα = −(∂P(α, βx)/∂α)/(β·f(βx))`, `f` the density of Gamma(α, 1)
///   ([`dx_dalpha`](Self::dx_dalpha)), and
/// * `dx/dβ = −x/β` ([`dx_drate`](Self::dx_drate)).
///
/// ```
/// use mixgrad::{Gamma, SeedableRng, Xoshiro256PlusPlus};
///
/// let g = Gamma::<f64>::new(2.5, 4.0)?;
/// let x = g.quantile(0.3)?;
/// assert!((g.cdf(x)? - 0.3).abs() < 1e-15);
/// // The sample moves with α at fixed u: dx/dα = −(∂P/∂α)/f.
/// let h = 1e-6;
/// let fd = (Gamma::new(2.5 + h, 4.0)?.quantile(0.3)?
///     - Gamma::new(2.5 - h, 4.0)?.quantile(0.3)?) / (2.0 * h);
/// assert!((g.dx_dalpha(x)? - fd).abs() < 1e-7);
/// assert_eq!(g.dx_drate(x)?, -x / 4.0);
///
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
/// let s = g.sample(&mut rng);
/// assert!(s > 0.0 && g.dx_dalpha(s)? > 0.0);
/// # Ok::<(), mixgrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gamma<F> {
    alpha: F,
    rate: F,
}

/// A shape or rate must be finite and positive; `kind` says which failed.
fn check_positive<F: Float>(v: F, kind: ErrorKind) -> Result<F, Error> {
    if v.is_finite() && v > F::ZERO {
        Ok(v)
    } else {
        Err(Error::new(kind))
    }
}

/// `Ok` for a finite `x` inside `(0, ∞)` (`[0, ∞)` if `zero_ok`).
fn check_x<F: Float>(x: F, zero_ok: bool) -> Result<(), Error> {
    if !x.is_finite() {
        Err(Error::new(ErrorKind::NonFiniteX))
    } else if x > F::ZERO || (zero_ok && x == F::ZERO) {
        Ok(())
    } else {
        Err(Error::new(ErrorKind::XOutsideSupport))
    }
}

/// The largest shape [`Gamma::new`] accepts, `10⁶` (in both precisions):
/// the range the 60-digit references cover (docs/math.md §11.6). Above it
/// the series and the continued fraction need more than `9√α` terms near
/// the median and, without the large-α expansion, lose accuracy (from
/// about `α = 10¹²` in `f64`, earlier in `f32`) and finally give NaN, so
/// larger shapes are refused instead.
pub const GAMMA_MAX_SHAPE: f64 = 1e6;

impl<F: Float> Gamma<F> {
    /// Gamma(α, β) with shape `alpha` and rate `rate` (mean `α/β`).
    ///
    /// Errors: [`ErrorKind::InvalidShape`] for a shape that is not a
    /// positive normal number at most [`GAMMA_MAX_SHAPE`], then
    /// [`ErrorKind::InvalidRate`] for a rate that is not finite and
    /// positive.
    pub fn new(alpha: F, rate: F) -> Result<Self, Error> {
        // Subnormal shapes are refused too: `Γ(α) ≈ 1/α` overflows there.
        if alpha.to_f64() > GAMMA_MAX_SHAPE || alpha.abs() < F::MIN_POSITIVE {
            return Err(Error::new(ErrorKind::InvalidShape));
        }
        let alpha = check_positive(alpha, ErrorKind::InvalidShape)?;
        let rate = check_positive(rate, ErrorKind::InvalidRate)?;
        Ok(Gamma { alpha, rate })
    }

    /// The shape `α`.
    pub fn alpha(&self) -> F {
        self.alpha
    }

    /// The rate `β`.
    pub fn rate(&self) -> F {
        self.rate
    }

    /// `βx` for a finite `x ≥ 0`.
    fn standardise(&self, x: F) -> Result<F, Error> {
        check_x(x, true)?;
        Ok(self.rate * x)
    }

    /// `F(x) = P(α, βx)`, to full relative accuracy below the median
    /// (`cdf(0) = 0`).
    ///
    /// Errors: [`ErrorKind::NonFiniteX`], [`ErrorKind::XOutsideSupport`]
    /// for a negative `x`.
    pub fn cdf(&self, x: F) -> Result<F, Error> {
        Ok(self.probabilities(x)?.0)
    }

    /// `1 − F(x) = Q(α, βx)`, to full relative accuracy above the median.
    ///
    /// Errors: as [`cdf`](Self::cdf).
    pub fn ccdf(&self, x: F) -> Result<F, Error> {
        Ok(self.probabilities(x)?.1)
    }

    /// `(P, Q)` at `βx`; where `βx` falls below the normal range for an
    /// `x > 0` (a subnormal with few significant bits, or 0), from
    /// `ln(βx) = ln β + ln x` instead: there `e^{−βx}` and the series
    /// beyond its first term are 1 and 0 to rounding, so
    /// `P = (βx)^α/Γ(1 + α)` (docs/math.md §11.1). For small shapes that
    /// `P` is far from 0: α = 10⁻³ puts half the mass below 10⁻³⁰¹.
    fn probabilities(&self, x: F) -> Result<(F, F), Error> {
        let y = self.standardise(x)?;
        if y >= F::MIN_POSITIVE || x == F::ZERO {
            let g = incomplete_gamma(self.alpha, y);
            return Ok((g.p, g.q));
        }
        let a = self.alpha;
        let ln_gamma_1pa = if a <= F::HALF {
            ln_gamma_1p(a)
        } else {
            ln_gamma(a) + a.ln()
        };
        let ln_p = a * (self.rate.ln() + x.ln()) - ln_gamma_1pa;
        Ok((ln_p.exp(), -ln_p.exp_m1()))
    }

    /// `x = F⁻¹(u) = P⁻¹(α, u)/β` for `u` strictly inside (0, 1); 0 where
    /// the quantile is below the smallest positive number, `+∞` where it
    /// is above the largest finite one (only for rates below 1, far below
    /// the shape: `β < α/f64::MAX` at the median).
    ///
    /// Errors: [`ErrorKind::UniformOutOfRange`].
    pub fn quantile(&self, u: F) -> Result<F, Error> {
        if u > F::ZERO && u < F::ONE {
            Ok(self.quantile_unchecked(u))
        } else {
            Err(Error::new(ErrorKind::UniformOutOfRange))
        }
    }

    fn quantile_unchecked(&self, u: F) -> F {
        quantile::standard_quantile(self.alpha, u) / self.rate
    }

    /// Draws `x = F⁻¹(u)` with `u` uniform on (0, 1): smooth in `(α, β)`
    /// for a fixed random stream. Consumes one `next_u64` (f64) or
    /// `next_u32` (f32).
    pub fn sample<R: RandomSource<V> + ?Sized, V>(&self, rng: &mut R) -> F {
        let rng = &mut as_rng_core(rng);
        self.quantile_unchecked(F::uniform(rng))
    }

    /// `dx/dα = −(∂P(α, βx)/∂α)/(β·f(βx))` at `x = F⁻¹(u)` (`u` held
    /// fixed), exact: from the series of `P` below `βx = α + 1` and the
    /// continued fraction of `Q` above, each differentiated term by term
    /// (docs/math.md §11). Positive everywhere.
    ///
    /// Errors: [`ErrorKind::NonFiniteX`], [`ErrorKind::XOutsideSupport`]
    /// for an `x ≤ 0` or one whose `βx` is not a positive finite number.
    pub fn dx_dalpha(&self, x: F) -> Result<F, Error> {
        check_x(x, false)?;
        let y = self.rate * x;
        if !(y > F::ZERO && y.is_finite()) {
            return Err(Error::new(ErrorKind::XOutsideSupport));
        }
        Ok(x * quantile_da_over_y(self.alpha, y))
    }

    /// `dx/dβ = −x/β` (`x = y/β` with `y` independent of `β`).
    ///
    /// Errors: as [`dx_dalpha`](Self::dx_dalpha).
    pub fn dx_drate(&self, x: F) -> Result<F, Error> {
        check_x(x, false)?;
        Ok(-x / self.rate)
    }
}
