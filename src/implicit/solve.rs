//! A safeguarded Newton solver for `F(x) = u` over any [`Univariate`]
//! (docs/math.md §12). The mixture solver (`quantile/solver.rs`) is built
//! around the mixture's kernel and responsibilities, so this is a small
//! generic one: Newton on the logarithm of the smaller tail, which is
//! nearly linear in the far tails where Newton on `F` itself crawls, inside
//! a bracket that every evaluation shrinks.

use super::{QuantileStart, Univariate};
use crate::{Error, ErrorKind, Float};

/// Evaluations before the current iterate is returned as it is: generous,
/// because in a polynomial tail Newton on `ln F` gains only a factor of
/// about `ln(F/u)` in `x` per step.
const MAX_EVALUATIONS: usize = 200;

/// `x = F⁻¹(u)` for `u` strictly inside (0, 1), from
/// [`Univariate::quantile_start`], by Newton on `ln F(x) − ln u` (or
/// `ln(1 − u) − ln(1 − F(x))` above the median, where `1 − u` is exact).
/// Where the support is bounded below the variable is `ln(x − lo)`, so that
/// the iterates stay inside it and a quantile near the end is reached in
/// relative steps. A step leaving the bracket is replaced by its midpoint,
/// or by a doubling step toward an open end. It stops when the step is
/// below the resolution of the tail, `4ε(|x| + T/f)` (`T` the tail: an `ε`
/// relative error of `T` moves the root by `ε·T/f`).
///
/// Errors: [`ErrorKind::UniformOutOfRange`], and any of the distribution's
/// functions.
pub fn solve_quantile<F, D, const P: usize>(dist: &D, u: F) -> Result<F, Error>
where
    F: Float,
    D: Univariate<F, P> + ?Sized,
{
    if !(u > F::ZERO && u < F::ONE) {
        return Err(Error::new(ErrorKind::UniformOutOfRange));
    }
    let start = dist.quantile_start(u);
    let upper = u > F::HALF;
    let level = if upper { F::ONE - u } else { u };
    let mut search = Search::new(&start);
    for _ in 0..MAX_EVALUATIONS {
        let x = search.x();
        let tail = if upper { dist.ccdf(x)? } else { dist.cdf(x)? };
        let f = dist.density(x)?;
        // g increases with x in both cases.
        let g = if upper {
            -ln_ratio(tail, level)
        } else {
            ln_ratio(tail, level)
        };
        if g == F::ZERO {
            return Ok(x);
        }
        // dG/dx = f/T; dx/dt = x − lo in the log variable.
        let dx_dt = search.dx_dt(x);
        let step = -g * tail / (f * dx_dt);
        let noise = F::from_f64(4.0) * F::EPSILON * (x.abs() + tail / f) / dx_dt;
        // A zero density gives an infinite step and noise: no test.
        if step.abs() <= noise && step.is_finite() {
            return Ok(search.accept(step));
        }
        search.advance(g < F::ZERO, step);
    }
    Ok(search.x())
}

/// `ln(a/b)` for `b > 0`: from the quotient where both are normal (one
/// rounding), else as the difference of the logarithms (`a` may be 0).
fn ln_ratio<F: Float>(a: F, b: F) -> F {
    if a >= F::MIN_POSITIVE && b >= F::MIN_POSITIVE {
        (a / b).ln()
    } else {
        a.ln() - b.ln()
    }
}

/// The iterate and the bracket, in the solver's variable `t`: `x` itself,
/// or `ln(x − lo)` where the support is bounded below.
struct Search<F> {
    /// The support's lower end, if finite (then `t = ln(x − lo)`).
    origin: Option<F>,
    t: F,
    lo: F,
    hi: F,
    /// The next step toward an open end of the bracket; doubles each time.
    widen: F,
}

impl<F: Float> Search<F> {
    fn new(start: &QuantileStart<F>) -> Self {
        let origin = start.lo.is_finite().then_some(start.lo);
        let to_t = |x: F| match origin {
            Some(o) => (x - o).ln(),
            None => x,
        };
        Search {
            origin,
            t: to_t(start.guess),
            lo: to_t(start.lo),
            hi: to_t(start.hi),
            // One e-fold in the log variable, one scale in x.
            widen: if origin.is_some() {
                F::ONE
            } else {
                start.scale
            },
        }
    }

    fn x_of(&self, t: F) -> F {
        match self.origin {
            Some(o) => o + t.exp(),
            None => t,
        }
    }

    fn x(&self) -> F {
        self.x_of(self.t)
    }

    fn dx_dt(&self, x: F) -> F {
        match self.origin {
            Some(o) => x - o,
            None => F::ONE,
        }
    }

    /// The converged answer: the last step taken if it stays inside the
    /// bracket (it is below the noise, so either is as good).
    fn accept(&self, step: F) -> F {
        let t = self.t + step;
        let x = self.x_of(t);
        if t >= self.lo && t <= self.hi && x.is_finite() {
            x
        } else {
            self.x()
        }
    }

    /// Shrinks the bracket on the side `t` lies (`below`: the root is
    /// above `t`), then takes the Newton step if it stays strictly inside,
    /// else the safeguard.
    fn advance(&mut self, below: bool, step: F) {
        if below {
            self.lo = self.t;
        } else {
            self.hi = self.t;
        }
        let next = self.t + step;
        // The end on the root's side; the other end is `t` itself.
        let far = if below { self.hi } else { self.lo };
        self.t = if next > self.lo && next < self.hi {
            next
        } else if far.is_finite() {
            self.lo + (self.hi - self.lo) * F::HALF
        } else {
            // An open end on the root's side: widen toward it.
            let w = self.widen;
            self.widen = w * F::TWO;
            if below {
                self.t + w
            } else {
                self.t - w
            }
        };
    }
}
