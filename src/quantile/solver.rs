//! One dimension of the quantile map: solve `F(x) = u` for a conditional
//! mixture with responsibilities `p` (docs/math.md §3.1).
//!
//! The solve is a sequence of named steps: the target `G` and its tail
//! ([`Target`]), the rigorous bracket and the moments of the mixture
//! ([`start`]), the Cornish–Fisher first guess, then per evaluation a
//! safeguarded Halley/Newton step with its convergence tests
//! ([`Solver::local_step`]) and, where the local model is useless, a jump
//! into the nearest component across a gap or a bisection
//! ([`Solver::global_step`]).

use core::marker::PhantomData;

use crate::kernel::{conditional, conditional_rescaled, Conditional};
use crate::{Family, Float};

use super::MAX_EVALUATIONS_PER_DIM;

/// Solves `F(x) = u` for one coordinate with responsibilities `p`.
/// Where the root lies in a flat gap ([`Outcome::flat`]), the caller
/// resolves it again (`flat_gap::resolve`, docs/math.md §9.4).
pub(crate) fn solve<F: Float, G: Family>(
    column: impl Iterator<Item = (F, F)> + Clone,
    p: &[F],
    u: F,
) -> Outcome<F> {
    let target = Target::new::<G>(u);
    let start = start::<F, G, Plain>(column.clone(), p, &target);
    Solver::<F, _, G, _>::new(column, p, target, start, Plain).run()
}

/// How the solver evaluates the conditional at a point: `F` itself
/// ([`Plain`]), or `F` less the mass of the components below a split
/// (`flat_gap::Shifted`).
pub(super) trait Evaluate<F> {
    fn at<G: Family>(&self, column: impl Iterator<Item = (F, F)>, p: &[F], x: F) -> Conditional<F>;
}

/// `F` itself: [`conditional`].
pub(super) struct Plain;

impl<F: Float> Evaluate<F> for Plain {
    #[inline(always)]
    fn at<G: Family>(&self, column: impl Iterator<Item = (F, F)>, p: &[F], x: F) -> Conditional<F> {
        conditional::<F, G>(column, p, x)
    }
}

/// What a solve found.
pub(crate) struct Outcome<F> {
    pub root: F,
    pub evaluations: u32,
    /// Whether the root lies in a valley or a gap, where the tail `h` is
    /// mostly mass far from it: `h/f` beyond `2^6` times the widest
    /// component's scale at the last evaluation (within a component's bulk
    /// or light tail `h/f` is at most about one scale; in a Cauchy tail it
    /// grows like `|z|`, and such roots take the cold path too). There
    /// `F(x) − u` cancels the far mass and loses `log2(h/(f·σ))` bits or
    /// more, which the flat-gap solve recovers (docs/math.md §9.4).
    pub flat: bool,
}

/// The equation `G(x) = 0`, increasing in `x`: `G = ln F(x) − ln u`, or
/// `ln(1 − u) − ln Fc(x)` for `u > 1/2` (where `1 − u` is exact), so that
/// Newton converges in the far tails where it crawls on `F` itself.
#[derive(Clone, Copy, Debug)]
pub(super) struct Target<F> {
    /// Whether the upper tail is solved for.
    upper: bool,
    /// `min(u, 1 − u)`, and its logarithm.
    level: F,
    ln_level: F,
    /// `G⁻¹(u)`.
    z_u: F,
    /// The root's own conditioning, `1 + κ(z_u)` (Gaussian: `1 + z_u²`,
    /// docs/math.md §6, §9.2): rounding `(x − μ)/σ` perturbs a tail
    /// probability by about `κε` relative, so steps below `2ε(1 + κ)·h/f`
    /// are noise, not progress.
    cond: F,
}

impl<F: Float> Target<F> {
    /// `F(x) − P = δ` for the flat-gap solve (`flat_gap`), with `F − P`
    /// in the tails of the conditional: the lower form for `δ > 0`, the
    /// upper for `δ < 0` (`δ ≠ 0`, `|δ|` a normal number).
    pub(super) fn shifted<G: Family>(delta: F) -> Self {
        let level = delta.abs();
        let z_u = G::quantile(level.min(F::HALF));
        Target {
            upper: delta < F::ZERO,
            level,
            ln_level: level.ln(),
            z_u,
            cond: G::tail_conditioning(z_u),
        }
    }

    pub(super) fn new<G: Family>(u: F) -> Self {
        let upper = u > F::HALF;
        // Exact for u ≥ 1/2 (Sterbenz).
        let level = if upper { F::ONE - u } else { u };
        let z_u = G::quantile(u);
        Target {
            upper,
            level,
            ln_level: level.ln(),
            z_u,
            cond: G::tail_conditioning(z_u),
        }
    }

    /// The tail the equation is about: `F` or `Fc`.
    #[inline]
    fn tail(&self, c: &Conditional<F>) -> F {
        if self.upper {
            c.ccdf
        } else {
            c.cdf
        }
    }

    /// `G` from the tail `h`.
    #[inline]
    fn g(&self, h: F) -> F {
        if self.upper {
            self.ln_level - h.ln()
        } else {
            h.ln() - self.ln_level
        }
    }
}

/// The bracket `[lo, hi]` around the root, with `|G|` at each end: the
/// better end is the answer when the bracket cannot shrink further.
#[derive(Clone, Copy, Debug)]
struct Bracket<F> {
    lo: F,
    hi: F,
    lo_score: F,
    hi_score: F,
}

impl<F: Float> Bracket<F> {
    /// Moves the end on the side of `x` that `G(x) = g` says to.
    #[inline]
    fn shrink(&mut self, x: F, g: F) {
        if g > F::ZERO {
            (self.hi, self.hi_score) = (x, g.abs());
        } else {
            (self.lo, self.lo_score) = (x, g.abs());
        }
    }

    /// Whether `x` lies strictly inside.
    #[inline]
    fn contains(&self, x: F) -> bool {
        x > self.lo && x < self.hi
    }

    /// The end with the smaller `|G|`.
    #[inline]
    fn better_end(&self) -> F {
        if self.lo_score <= self.hi_score {
            self.lo
        } else {
            self.hi
        }
    }
}

/// What the components say before any evaluation: the bracket, the first
/// guess, and the narrowest active component.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Start<F> {
    bracket: Bracket<F>,
    guess: F,
    /// A step longer than the narrowest active component may jump over
    /// one, so such a step is never taken unevaluated.
    sigma_min: F,
    /// The widest active component: the scale of the flat-gap test.
    sigma_max: F,
}

/// The rigorous bracket and the first guess. Every component with
/// `p_k > 0` has its own `u`-quantile `x_k = μ_k + σ_k z_u`, and since `F`
/// is a convex combination of the component CDFs,
/// `F(min x_k) ≤ u ≤ F(max x_k)`.
///
/// `E` only names the caller's copy: the flat-gap solve's own keeps this
/// one in line on the hot path.
#[allow(clippy::extra_unused_type_parameters)]
pub(super) fn start<F: Float, G: Family, E>(
    column: impl Iterator<Item = (F, F)> + Clone,
    p: &[F],
    target: &Target<F>,
) -> Start<F> {
    let z_u = target.z_u;
    let (mut lo, mut hi, mut pad) = (F::INFINITY, F::NEG_INFINITY, F::ZERO);
    let (mut mean, mut mean_xk) = (F::ZERO, F::ZERO);
    let (mut sigma_min, mut sigma_max) = (F::MAX, F::ZERO);
    for ((mu, sigma), &pk) in column.clone().zip(p) {
        if pk == F::ZERO {
            continue;
        }
        sigma_min = sigma_min.min(sigma);
        sigma_max = sigma_max.max(sigma);
        // Saturated: σ·z_u can overflow for σ near MAX.
        let xk = (mu + sigma * z_u).max(-F::MAX).min(F::MAX);
        lo = lo.min(xk);
        hi = hi.max(xk);
        // μ + σ z_u can cancel: its rounding scales with the terms.
        pad = pad.max(mu.abs() + sigma * (F::ONE + z_u.abs()));
        mean += pk * mu;
        mean_xk += pk * xk;
    }
    let bracket = padded_bracket(lo, hi, pad);
    let guess = first_guess::<F, G, E>(column, p, z_u, mean);
    let (lo, hi) = (bracket.lo, bracket.hi);
    let guess = if guess.is_finite() && guess > lo && guess < hi {
        guess
    } else {
        // The weighted mean of the x_k where the moments overflow.
        mean_xk.max(lo).min(hi)
    };
    Start {
        bracket,
        guess,
        sigma_min,
        sigma_max,
    }
}

/// `[lo, hi]` padded by a few ulps of the terms that formed it (generous:
/// `z_u` is only good to a few ulps, and the bracket is a safeguard, never
/// an answer). Means near `±MAX` must not pad the bracket out to `±∞`.
/// Where an end is clamped, the root may lie beyond it, out of range: that
/// end is then the answer if the solve narrows down to it, so it starts
/// with a perfect score (the scores are `|G|` at the ends, `G = 0` at the
/// root).
fn padded_bracket<F: Float>(lo: F, hi: F, pad: F) -> Bracket<F> {
    let pad = F::from_f64(64.0) * F::EPSILON * pad;
    let mut b = Bracket {
        lo: lo - pad,
        hi: hi + pad,
        lo_score: F::INFINITY,
        hi_score: F::INFINITY,
    };
    if b.lo <= -F::MAX {
        (b.lo, b.lo_score) = (-F::MAX, F::ZERO);
    }
    if b.hi >= F::MAX {
        (b.hi, b.hi_score) = (F::MAX, F::ZERO);
    }
    b
}

/// The Cornish–Fisher first guess to first order: the `u`-quantile of a
/// distribution with the mixture's mean, variance and skewness. (The
/// kurtosis terms would cost flash that small microcontrollers do not
/// have; docs/embedded.md.) A polynomial in `z_u`, so only in the bulk;
/// beyond `|z_u| = 3` (and wherever the moments overflow) the
/// moment-matched Gaussian. Other families: the moment-matched member of
/// the family, `mean + sd·z_u/√v` (`v` the standard variance); NaN for a
/// family without a variance (Cauchy), which makes the caller fall back to
/// the weighted mean of the components' `u`-quantiles. `E` as for
/// [`start`].
#[allow(clippy::extra_unused_type_parameters)]
fn first_guess<F: Float, G: Family, E>(
    column: impl Iterator<Item = (F, F)>,
    p: &[F],
    z_u: F,
    mean: F,
) -> F {
    let Some(v) = G::VARIANCE else {
        return F::from_f64(f64::NAN);
    };
    let v = F::from_f64(v);
    let (mut var, mut m3) = (F::ZERO, F::ZERO);
    for ((mu, sigma), &pk) in column.zip(p) {
        if pk != F::ZERO {
            let dm = mu - mean;
            // (v = 1 for the Gaussian: the product is exact.)
            let (dm2, s2) = (dm * dm, v * sigma * sigma);
            var += pk * (s2 + dm2);
            m3 += pk * dm * (dm2 + F::from_f64(3.0) * s2);
        }
    }
    let sd = var.sqrt();
    if !G::CORNISH_FISHER {
        return mean + sd * (z_u / v.sqrt());
    }
    let w = if z_u.abs() <= F::from_f64(3.0) {
        let g1 = m3 / (var * sd);
        let w = z_u + (z_u * z_u - F::ONE) * g1 / F::from_f64(6.0);
        if w.is_finite() {
            w
        } else {
            z_u
        }
    } else {
        z_u
    };
    mean + sd * w
}

/// The state of the iteration.
pub(super) struct Solver<'p, F, C, G, E> {
    family: PhantomData<G>,
    /// How the conditional is evaluated.
    evaluate: E,
    column: C,
    p: &'p [F],
    target: Target<F>,
    bracket: Bracket<F>,
    sigma_min: F,
    sigma_max: F,
    /// The current point.
    x: F,
    /// Step sizes of the last two moves (rtsafe's `dx` and `dxold`).
    dx: F,
    dx_old: F,
    /// `|step|` of the previous move if it was a Newton/Halley step, and
    /// whether it was a Halley step.
    last_step: Option<(F, bool)>,
    /// Whether the previous move was a jump across a gap.
    jumped: bool,
    evaluations: u32,
}

/// What a step decided.
enum Move<F> {
    /// The root, to return.
    Done(F),
    /// Evaluate at the new `x`.
    Next,
}

impl<'p, F: Float, C: Iterator<Item = (F, F)> + Clone, G: Family, E: Evaluate<F>>
    Solver<'p, F, C, G, E>
{
    /// The solver of `target` from `start`, evaluating as `evaluate` says.
    pub(super) fn new(
        column: C,
        p: &'p [F],
        target: Target<F>,
        start: Start<F>,
        evaluate: E,
    ) -> Self {
        let width = start.bracket.hi - start.bracket.lo;
        Solver {
            family: PhantomData,
            evaluate,
            column,
            p,
            target,
            bracket: start.bracket,
            sigma_min: start.sigma_min,
            sigma_max: start.sigma_max,
            x: start.guess,
            dx: width,
            dx_old: width,
            last_step: None,
            jumped: false,
            evaluations: 0,
        }
    }

    /// The same solver starting from `x`.
    pub(super) fn from(mut self, x: F) -> Self {
        self.x = x;
        self
    }

    /// Solves.
    pub(super) fn run(mut self) -> Outcome<F> {
        loop {
            let c = self.evaluate.at::<G>(self.column.clone(), self.p, self.x);
            self.evaluations += 1;
            let h = self.target.tail(&c);
            let g = self.target.g(h);
            if g == F::ZERO {
                return self.outcome(self.x, h, c.pdf);
            }
            self.bracket.shrink(self.x, g);
            if self.evaluations >= MAX_EVALUATIONS_PER_DIM {
                let root = midpoint(self.bracket.lo, self.bracket.hi);
                return self.outcome(root, h, c.pdf);
            }
            let step = match self.local_step(&c, h, g) {
                Some(step) => step,
                None => {
                    self.last_step = None;
                    self.global_step(h, g > F::ZERO)
                }
            };
            if let Move::Done(x) = step {
                return self.outcome(x, h, c.pdf);
            }
        }
    }

    /// The [`Outcome`] for `root`, with `h` and `f` of the last
    /// evaluation.
    #[inline]
    fn outcome(&self, root: F, h: F, pdf: F) -> Outcome<F> {
        Outcome {
            root,
            evaluations: self.evaluations,
            flat: h > F::from_f64(64.0) * self.sigma_max * pdf,
        }
    }

    /// A safeguarded Halley (or Newton) step from `x` with the convergence
    /// tests; `None` where the local model is unusable or its step leaves
    /// the bracket or fails to halve the step before last.
    fn local_step(&mut self, c: &Conditional<F>, h: F, g: F) -> Option<Move<F>> {
        let (x, cond) = (self.x, self.target.cond);
        // G' = f/h; unusable where F or f underflowed (far outside every
        // component), and there the bracket does the work. Where f itself
        // overflowed (a subnormal σ), f and f' come scaled by s = the
        // smallest σ: f = pdf/s, f' = dpdf/s², and every quantity below is
        // formed from ratios that stay finite.
        let (pdf, dpdf, s) = if c.pdf.is_finite() {
            (c.pdf, c.dpdf, F::ONE)
        } else {
            conditional_rescaled::<F, G>(self.column.clone(), self.p, x)
        };
        // Newton: G/G' = g·h/f, the scale applied last (a subnormal s must
        // not meet the small g first).
        let newton = g * h / pdf * s;
        // The step below which rounding, not the root, moves x: 2ε(|x| +
        // (1 + z²)·h/f), a quarter of the contract's bound, so that after
        // such a step the remaining error is second order. Unusable (like
        // the step) where f is so small that either overflows.
        let tol = F::TWO * F::EPSILON * (x.abs() + cond * h / pdf * s);
        if !(newton.is_finite() && tol.is_finite() && pdf > F::ZERO) {
            return None;
        }
        // Halley: G'' = f'/h ∓ (f/h)² (− in the lower branch), so
        // (G/G')·G''/G' = newton·f'/f ∓ g.
        let curvature = newton * (dpdf / pdf / s) + if self.target.upper { g } else { -g };
        let factor = F::ONE - F::HALF * curvature;
        let halley = factor > F::HALF && factor < F::TWO;
        let step = if halley { newton / factor } else { newton };
        let size = step.abs();
        let predicted_done = self.rate_predicts_done(size, halley, curvature, tol);
        if let Some(done) = self.converged(step, g, size <= tol || predicted_done) {
            return Some(done);
        }
        // |G| beyond √ε·(1 + z²) is not rounding noise: not converged.
        let small_g = g.abs() <= F::EPSILON.sqrt() * cond;
        if size <= tol && (x - step == x || !small_g) {
            return Some(self.nudge(g > F::ZERO));
        }
        let candidate = x - step;
        // Inside the bracket and at least halving the step before last.
        if self.bracket.contains(candidate) && size * F::TWO <= self.dx_old.abs() {
            self.dx_old = self.dx;
            self.dx = step;
            self.x = candidate;
            self.last_step = Some((size, halley));
            self.jumped = false;
            return Some(Move::Next);
        }
        None
    }

    /// Whether the observed rate predicts convergence after a step of
    /// `size`: with `s' ≈ C·s^p` and `C` from the last two steps,
    /// `|s'| ≈ |s|·(|s|/|s_prev|)^p`, `p = 3` when both steps were Halley
    /// steps, else 2, with a factor 4 of margin on the prediction. The rate
    /// is evidence only if the step before was itself in the asymptotic
    /// regime, where the local model corroborates it:
    /// `|s_n·G''/G'| = 2·ratio²` for Newton, `2K·s_{n-1}·ratio` for Halley,
    /// both `≤ ratio`. A step that jumped across a narrow component and
    /// then landed on its tail shows a small ratio by luck while the
    /// curvature is O(1) (there Newton moves about `σ/|z|` per step, far
    /// from converged).
    fn rate_predicts_done(&self, size: F, halley: bool, curvature: F, tol: F) -> bool {
        let Some((prev, prev_halley)) = self.last_step else {
            return false;
        };
        let ratio = size / prev;
        let rate = if halley && prev_halley {
            ratio * ratio * ratio
        } else {
            ratio * ratio
        };
        ratio <= F::from_f64(0.25)
            && curvature.abs() <= ratio
            && rate * size * F::from_f64(4.0) <= tol
    }

    /// The convergence test once the step is small (`small_step`: below
    /// the tolerance, or predicted so by the rate) and `G` is too. The
    /// candidate `x − step` is returned unevaluated only if it is inside
    /// the bracket (else the model is wrong) and no longer than the
    /// narrowest component or a few ulps (else the local model at `x`
    /// cannot see a narrow component between `x` and the candidate);
    /// otherwise `x` itself if `G` is at rounding level there.
    fn converged(&self, step: F, g: F, small_step: bool) -> Option<Move<F>> {
        let (x, cond) = (self.x, self.target.cond);
        // |G| beyond √ε·(1 + z²) is not rounding noise: not converged.
        if !(small_step && g.abs() <= F::EPSILON.sqrt() * cond) {
            return None;
        }
        let candidate = x - step;
        let inside = candidate >= self.bracket.lo && candidate <= self.bracket.hi;
        // (A few ulps: 4ε|x| ≤ 8 ulp(x), the contract's forward bound. With
        // 8ε|x| a step of 10 ulps could cross a whole component about one
        // ulp wide, and land where F is 0.)
        let short = step.abs() <= self.sigma_min.max(F::from_f64(4.0) * F::EPSILON * x.abs());
        // G at rounding level (the contract's backward error).
        let settled = g.abs() <= F::from_f64(8.0) * F::EPSILON * cond;
        if inside && short && (settled || candidate != x) {
            return Some(Move::Done(candidate));
        }
        settled.then_some(Move::Done(x))
    }

    /// A sub-ulp step but `G` above rounding level: `x` sits inside a
    /// component narrower than `ulp(x)`, where `F` jumps within one float,
    /// and the root may lie beyond the jump (or `F` is just steep on the
    /// scale of `ulp(x)`). Steps to the next float or so toward it; the
    /// bracket keeps this finite.
    fn nudge(&mut self, root_below: bool) -> Move<F> {
        let x = self.x;
        let nudge = (x.abs() * F::EPSILON).max(F::MIN_POSITIVE * F::EPSILON);
        let probe = if root_below { x - nudge } else { x + nudge };
        if self.bracket.contains(probe) {
            self.x = probe;
            self.last_step = None;
            return Move::Next;
        }
        Move::Done(self.bracket.better_end())
    }

    /// Where the local model failed: the bracket's end if the bracket is
    /// down to rounding level, else a jump into the nearest component
    /// across a flat gap, alternating with bisection so that the bracket
    /// at least halves every other move.
    fn global_step(&mut self, h: F, root_below: bool) -> Move<F> {
        let Bracket {
            lo,
            hi,
            lo_score,
            hi_score,
        } = self.bracket;
        // Not `width <= tol`: tol holds the conditioning at x, not at the
        // root, and in a gap between components it is huge.
        if hi - lo <= F::TWO * F::EPSILON * lo.abs().max(hi.abs()) {
            return Move::Done(match (lo_score == F::ZERO, hi_score == F::ZERO) {
                (true, _) => lo,
                (_, true) => hi,
                _ => midpoint(lo, hi),
            });
        }
        self.dx_old = self.dx;
        let next = if self.jumped {
            None
        } else {
            self.jump(h, root_below)
        };
        if let Some(xj) = next {
            self.jumped = true;
            self.dx = xj - self.x;
            self.x = xj;
            return Move::Next;
        }
        self.jumped = false;
        self.x = bisect(lo, hi);
        self.dx = self.x - lo;
        if self.x <= lo || self.x >= hi {
            // lo and hi are adjacent floats: the better end.
            return Move::Done(self.bracket.better_end());
        }
        Move::Next
    }
}

impl<F: Float, C: Iterator<Item = (F, F)> + Clone, G: Family, E: Evaluate<F>>
    Solver<'_, F, C, G, E>
{
    /// A guess for the root when `x` sits in a flat gap between components.
    ///
    /// Take the nearest active component `j` on the root's side of `x` and
    /// attribute the whole remaining tail mass `|h − level|` to it, as if
    /// the components were separated: the root is where component `j`'s own
    /// CDF has the matching level `q = |h − level|/p_j` (or `1 − q`). Exact
    /// for well-separated components; only a guess otherwise, which the
    /// bracket and the following Halley steps correct.
    fn jump(&self, h: F, root_below: bool) -> Option<F> {
        let (x, Bracket { lo, hi, .. }) = (self.x, self.bracket);
        let (mu, sigma, pk) = self.nearest_across_gap(root_below)?;
        let q = (h - self.target.level).abs() / pk;
        let next = if q >= F::ONE {
            // The root is beyond component j's bulk as well.
            mu
        } else {
            // Root below x: the root is on component j's upper flank with
            // mass q of it above the root (Φ_j = 1 − q, in either branch);
            // root above: Φ_j = q. So z = ∓G⁻¹(q) (every family is
            // symmetric).
            let z = G::quantile(q);
            mu + sigma * if root_below { -z } else { z }
        };
        if !next.is_finite() {
            return None;
        }
        // Attributing all the remaining mass to j can overshoot the bracket
        // end when other components take part; land within one σ_j of it.
        let next = if root_below && next <= lo {
            lo + sigma.min(F::HALF * (x - lo))
        } else if !root_below && next >= hi {
            hi - sigma.min(F::HALF * (hi - x))
        } else {
            next
        };
        (next > lo && next < hi).then_some(next)
    }

    /// `(μ, σ, p)` of the nearest active component whose bulk (`±BULK_REACH·σ`,
    /// Gaussian `±3σ`) lies
    /// wholly on the root's side of `x`: one that contains `x` is already
    /// part of the local shape Newton saw. (Not "mean inside the bracket":
    /// the bracket ends are the components' own `u`-quantiles and can lie
    /// short of their means.)
    fn nearest_across_gap(&self, root_below: bool) -> Option<(F, F, F)> {
        let x = self.x;
        let mut best: Option<(F, F, F)> = None;
        for ((mu, sigma), &pk) in self.column.clone().zip(self.p) {
            let reach = F::from_f64(G::BULK_REACH) * sigma;
            let on_side = if root_below {
                mu + reach < x
            } else {
                mu - reach > x
            };
            if pk == F::ZERO || !on_side {
                continue;
            }
            let nearer = match best {
                None => true,
                Some((b, _, _)) => (root_below && mu > b) || (!root_below && mu < b),
            };
            if nearer {
                best = Some((mu, sigma, pk));
            }
        }
        best
    }
}

/// `(lo + hi)/2` for finite `lo ≤ hi`, also where `hi − lo` overflows
/// (a bracket spanning means near `−MAX` and `+MAX`).
#[inline]
fn midpoint<F: Float>(lo: F, hi: F) -> F {
    let width = hi - lo;
    if width.is_finite() {
        lo + F::HALF * width
    } else {
        F::HALF * lo + F::HALF * hi
    }
}

/// The bisection point of `[lo, hi]`: the arithmetic midpoint, or the
/// geometric one where the bracket spans more than a factor 4 on one side
/// of zero (and zero itself where it straddles zero that unevenly), so that
/// a bracket reaching out to ±MAX comes down through the exponent range in
/// about ten steps rather than a thousand halvings.
#[inline]
fn bisect<F: Float>(lo: F, hi: F) -> F {
    let four = F::from_f64(4.0);
    if lo >= F::ZERO {
        let l = lo.max(F::MIN_POSITIVE);
        if hi > four * l {
            return l.sqrt() * hi.sqrt();
        }
    } else if hi <= F::ZERO {
        let h = hi.min(-F::MIN_POSITIVE);
        if lo < four * h {
            return -((-lo).sqrt() * (-h).sqrt());
        }
    } else if hi > -four * lo || -lo > four * hi {
        return F::ZERO;
    }
    midpoint(lo, hi)
}
