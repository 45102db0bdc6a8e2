//! The Eq. 9 estimator: `∂F(x)/∂θ = F(x)·E[∂ ln f(t)/∂θ | t ≤ x]`, hence
//! `dx/dθ = −(F(x)/f(x))·E[∂ ln f(t)/∂θ | t ≤ x]`, from draws of the
//! density truncated to `t ≤ x` (docs/math.md §12).

use core::num::NonZeroUsize;

use rand_core::RngCore;

use super::{ScoreFunction, Univariate};
use crate::rng::{as_rng_core, RandomSource};
use crate::{Error, ErrorKind, Float};

/// How the estimator draws from `f` truncated to `t ≤ x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Truncation {
    /// The paper's Eq. 10: draw `t` from `f` ([`Univariate::sample`]) and
    /// keep it if `t ≤ x`; `1/F(x)` tries per kept draw on average. More
    /// than `max_tries` tries for one draw is an error.
    Rejection {
        /// The cap on tries per kept draw.
        max_tries: u64,
    },
    /// `t = F⁻¹(v·F(x))` with `v` uniform on (0, 1): one quantile per
    /// draw, none rejected.
    InverseCdf,
}

/// An Eq. 9 estimate, each entry the mean over the draws.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eq9Estimate<F, const P: usize> {
    /// The estimate of `dx/dθ`.
    pub dx_dtheta: [F; P],
    /// Its standard error, `|F/f|·s/√n` with `s` the sample standard
    /// deviation of the score (`∞` for a single draw).
    pub std_error: [F; P],
    /// The estimate of `∂F(x)/∂θ`.
    pub cdf_grad: [F; P],
    /// Draws from `f` or quantiles taken, kept or not.
    pub tries: u64,
}

/// Estimates `dx/dθ` at `x` by Eq. 9 from `draws` draws of the truncated
/// density, taken as `truncation` says, with `rng`'s uniforms.
///
/// ```
/// use core::num::NonZeroUsize;
/// use mixgrad::{eq9_dx_dtheta, Gamma, SeedableRng, Truncation, Xoshiro256PlusPlus};
///
/// let g = Gamma::<f64>::new(2.5, 1.0)?;
/// let x = g.quantile(0.1)?;
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
/// let n = NonZeroUsize::new(4000).expect("positive");
/// let e = eq9_dx_dtheta(&g, x, n, Truncation::InverseCdf, &mut rng)?;
/// // Within a few standard errors of the exact shape derivative.
/// assert!((e.dx_dtheta[0] - g.dx_dalpha(x)?).abs() < 5.0 * e.std_error[0]);
/// # Ok::<(), mixgrad::Error>(())
/// ```
///
/// Errors: [`ErrorKind::ZeroDensity`] where `f(x)` is not a positive
/// normal number; [`ErrorKind::RejectionLimit`] where one draw took more
/// than `max_tries` tries; any of the distribution's functions (for
/// [`Truncation::InverseCdf`], [`ErrorKind::UniformOutOfRange`] where
/// `v·F(x)` underflows to 0).
pub fn eq9_dx_dtheta<F, const P: usize, D, R, V>(
    dist: &D,
    x: F,
    draws: NonZeroUsize,
    truncation: Truncation,
    rng: &mut R,
) -> Result<Eq9Estimate<F, P>, Error>
where
    F: Float,
    D: ScoreFunction<F, P> + ?Sized,
    R: RandomSource<V> + ?Sized,
{
    let rng = &mut as_rng_core(rng);
    let cdf_x = dist.cdf(x)?;
    let f_x = dist.density(x)?;
    if !(f_x >= F::MIN_POSITIVE && f_x.is_finite()) {
        return Err(Error::new(ErrorKind::ZeroDensity));
    }
    let mut moments = Moments::<F, P>::new();
    let mut tries = 0u64;
    for _ in 0..draws.get() {
        let t = match truncation {
            Truncation::Rejection { max_tries } => rejection(dist, x, max_tries, rng, &mut tries)?,
            Truncation::InverseCdf => {
                tries += 1;
                dist.quantile(F::uniform(rng) * cdf_x)?
            }
        };
        moments.push(dist.log_density_grad(t)?);
    }
    let factor = cdf_x / f_x;
    let (mean, sd) = (moments.mean, moments.std_dev());
    let n_sqrt = moments.n.sqrt();
    Ok(Eq9Estimate {
        dx_dtheta: mean.map(|m| -factor * m),
        std_error: sd.map(|s| factor * s / n_sqrt),
        cdf_grad: mean.map(|m| cdf_x * m),
        tries,
    })
}

/// One draw of Eq. 10: from `f` until `t ≤ x`, at most `max_tries` times.
fn rejection<F, const P: usize, D, R>(
    dist: &D,
    x: F,
    max_tries: u64,
    rng: &mut R,
    tries: &mut u64,
) -> Result<F, Error>
where
    F: Float,
    D: Univariate<F, P> + ?Sized,
    R: RngCore + ?Sized,
{
    for _ in 0..max_tries {
        *tries += 1;
        let t = dist.sample(rng)?;
        if t <= x {
            return Ok(t);
        }
    }
    Err(Error::new(ErrorKind::RejectionLimit))
}

/// Welford's running mean and sum of squared deviations per parameter:
/// no cancellation where the score's mean is large against its spread.
struct Moments<F, const P: usize> {
    n: F,
    mean: [F; P],
    m2: [F; P],
}

impl<F: Float, const P: usize> Moments<F, P> {
    fn new() -> Self {
        Moments {
            n: F::ZERO,
            mean: [F::ZERO; P],
            m2: [F::ZERO; P],
        }
    }

    fn push(&mut self, s: [F; P]) {
        self.n += F::ONE;
        for ((m, m2), v) in self.mean.iter_mut().zip(self.m2.iter_mut()).zip(s) {
            let d = v - *m;
            *m += d / self.n;
            *m2 += d * (v - *m);
        }
    }

    /// The sample standard deviation (`n − 1` in the denominator), `∞` for
    /// one draw.
    fn std_dev(&self) -> [F; P] {
        if self.n < F::TWO {
            return [F::INFINITY; P];
        }
        self.m2.map(|m2| (m2 / (self.n - F::ONE)).sqrt())
    }
}
