//! The quantile map `x = T^{-1}(u)` (SPEC §3): for each `d` in order, solve
//! `F_d(x | x_<d) = u_d`.
//!
//! Per dimension:
//! 1. *Rigorous bracket.* With `z_u = Φ^{-1}(u)`, every component with
//!    `p_k > 0` has its own `u`-quantile `x_k = μ_k + σ_k z_u`, and since
//!    `F_d` is a convex combination of the component CDFs,
//!    `F_d(min x_k) ≤ u ≤ F_d(max x_k)`. The bracket is padded by a few ulps
//!    to absorb the rounding of `z_u` and `x_k`.
//! 2. *Safeguarded Halley/Newton* on `G(x) = ln F(x) − ln u` (or
//!    `ln(1 − u) − ln Fc(x)` for `u > 1/2`, where `1 − u` is exact), which
//!    converges in the far tails where Newton on `F` crawls. Every
//!    evaluation shrinks the bracket from the sign of `G`; a step that
//!    leaves the bracket or fails to halve the previous one is replaced by
//!    bisection, so convergence is guaranteed.
//! 3. *Stop* when the step is below `2ε(|x| + (1 + z_u²)·h/f)` — the
//!    rounding of `x` plus the conditioning of the root (`h = min(F, Fc)`;
//!    the `z²` is what rounding `(x − μ)/σ` does to a tail probability),
//!    a quarter of the SPEC §6 bound: after such a step the remaining error
//!    is second order. Or when the observed convergence rate predicts that,
//!    or when the bracket is a few ulps wide.

use crate::kernel::log_weights::StepRows;
use crate::kernel::{conditional, conditional_rescaled};
use crate::workspace::Workspace;
use crate::{Buffer, DiagMixture, DiagMixtureRef, Error, Float};

/// Hard cap on CDF evaluations per dimension. Bisection alone halves the
/// bracket each time, so this is never reached on finite brackets in
/// practice; reaching it returns the bracket midpoint.
pub const MAX_EVALUATIONS_PER_DIM: u32 = 96;

/// How much work a quantile solve did: the hook the benchmarks read.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SolveStats {
    /// Dimensions solved.
    pub dims: u32,
    /// Conditional-CDF evaluations (each costs one `erfc` and one `exp` per
    /// active component) summed over the dimensions.
    pub evaluations: u32,
    /// The most evaluations any one dimension needed.
    pub max_per_dim: u32,
}

impl SolveStats {
    /// Mean evaluations per dimension.
    pub fn mean_per_dim(&self) -> f64 {
        if self.dims == 0 {
            0.0
        } else {
            f64::from(self.evaluations) / f64::from(self.dims)
        }
    }

    /// Adds another solve's counts.
    pub fn merge(&mut self, other: SolveStats) {
        self.dims = self.dims.saturating_add(other.dims);
        self.evaluations = self.evaluations.saturating_add(other.evaluations);
        self.max_per_dim = self.max_per_dim.max(other.max_per_dim);
    }

    fn record(&mut self, evaluations: u32) {
        self.merge(SolveStats {
            dims: 1,
            evaluations,
            max_per_dim: evaluations,
        });
    }
}

/// Solves `F(x) = u` for one coordinate with responsibilities `p`.
/// Returns the root and the number of CDF evaluations used.
pub(crate) fn solve<F: Float>(
    column: impl Iterator<Item = (F, F)> + Clone,
    p: &[F],
    u: F,
) -> (F, u32) {
    let upper = u > F::HALF;
    // Exact for u ≥ 1/2 (Sterbenz).
    let target = if upper { F::ONE - u } else { u };
    let ln_target = target.ln();
    let z_u = F::normal_quantile(u);

    // Bracket, padding, and a first guess from the moment-matched Gaussian
    // (falling back to the weighted mean of the x_k if that overflows).
    let (mut lo, mut hi, mut pad) = (F::INFINITY, F::NEG_INFINITY, F::ZERO);
    let (mut mean, mut mean_xk) = (F::ZERO, F::ZERO);
    // The narrowest active component: a step longer than it may jump over
    // one, so such a step is never taken unevaluated.
    let mut sigma_min = F::MAX;
    for ((mu, sigma), &pk) in column.clone().zip(p) {
        if pk == F::ZERO {
            continue;
        }
        sigma_min = sigma_min.min(sigma);
        // Saturated: σ·z_u can overflow for σ near MAX.
        let xk = (mu + sigma * z_u).max(-F::MAX).min(F::MAX);
        lo = lo.min(xk);
        hi = hi.max(xk);
        // μ + σ z_u can cancel: its rounding scales with the terms.
        pad = pad.max(mu.abs() + sigma * (F::ONE + z_u.abs()));
        mean += pk * mu;
        mean_xk += pk * xk;
    }
    // Central moments 2 and 3 of the conditional mixture, for a
    // Cornish–Fisher first guess.
    let (mut var, mut m3) = (F::ZERO, F::ZERO);
    for ((mu, sigma), &pk) in column.clone().zip(p) {
        if pk != F::ZERO {
            let dm = mu - mean;
            let (dm2, s2) = (dm * dm, sigma * sigma);
            var += pk * (s2 + dm2);
            m3 += pk * dm * (dm2 + F::from_f64(3.0) * s2);
        }
    }
    // Generous: z_u is only good to a few ulps, and the bracket is a
    // safeguard, never an answer.
    let pad = F::from_f64(64.0) * F::EPSILON * pad;
    // Means near ±MAX must not pad the bracket out to ±∞. Where an end is
    // clamped, the root may lie beyond it, out of range: that end is then
    // the answer if the solve narrows down to it, so it starts with a
    // perfect score (the scores are |G| at the ends, G = 0 at the root).
    let (mut lo_score, mut hi_score) = (F::INFINITY, F::INFINITY);
    lo -= pad;
    if lo <= -F::MAX {
        (lo, lo_score) = (-F::MAX, F::ZERO);
    }
    hi += pad;
    if hi >= F::MAX {
        (hi, hi_score) = (F::MAX, F::ZERO);
    }
    // Cornish–Fisher to first order: the u-quantile of a distribution with
    // this skewness. (The second-order kurtosis terms saved another 0–10 %
    // of evaluations and cost 230 B of the f32 flash budget on a
    // Cortex-M4F.) A polynomial in z_u, so only in the bulk; beyond
    // |z_u| = 3 (and wherever the moments overflow) the moment-matched
    // Gaussian.
    let sd = var.sqrt();
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
    let guess = mean + sd * w;
    let mut x = if guess.is_finite() && guess > lo && guess < hi {
        guess
    } else {
        mean_xk.max(lo).min(hi)
    };

    let two_eps = F::TWO * F::EPSILON;
    // |G| beyond √ε·(1 + z²) is not rounding noise: not converged.
    let sqrt_eps = F::EPSILON.sqrt();
    // The root's own conditioning (SPEC §6): rounding (x − μ)/σ perturbs a
    // tail probability by about z²ε relative, so steps below
    // 2ε(1 + z²)·h/f are noise, not progress.
    let cond = F::ONE + z_u * z_u;
    // Step sizes of the last two iterations (rtsafe's dx and dxold).
    let (mut dx, mut dx_old) = (hi - lo, hi - lo);
    // |step| of the previous iteration if it was a Newton/Halley step, and
    // whether it was a Halley step.
    let mut last_step: Option<(F, bool)> = None;
    let mut jumped = false;
    let mut evaluations = 0u32;
    loop {
        let c = conditional(column.clone(), p, x);
        evaluations += 1;
        let h = if upper { c.ccdf } else { c.cdf };
        // G is increasing in x in both branches.
        let g = if upper {
            ln_target - h.ln()
        } else {
            h.ln() - ln_target
        };
        if g == F::ZERO {
            return (x, evaluations);
        }
        let root_below = g > F::ZERO;
        if root_below {
            (hi, hi_score) = (x, g.abs());
        } else {
            (lo, lo_score) = (x, g.abs());
        }
        let width = hi - lo;
        if evaluations >= MAX_EVALUATIONS_PER_DIM {
            return (midpoint(lo, hi), evaluations);
        }

        // G' = f/h; unusable where F or f underflowed (far outside every
        // component), and there the bracket does the work. Where f itself
        // overflowed (a subnormal σ), f and f' come scaled by s = the
        // smallest σ: f = pdf/s, f' = dpdf/s², and every quantity below is
        // formed from ratios that stay finite.
        let (pdf, dpdf, s) = if c.pdf.is_finite() {
            (c.pdf, c.dpdf, F::ONE)
        } else {
            conditional_rescaled(column.clone(), p, x)
        };
        // Newton: G/G' = g·h/f, the scale applied last (a subnormal s must
        // not meet the small g first).
        let newton = g * h / pdf * s;
        // Also unusable where f is so small (subnormal) that the step or the
        // tolerance overflows: a gap between components.
        let tol = two_eps * (x.abs() + cond * h / pdf * s);
        if newton.is_finite() && tol.is_finite() && pdf > F::ZERO {
            // Halley: G'' = f'/h ∓ (f/h)² (− in the lower branch), so
            // (G/G')·G''/G' = newton·f'/f ∓ g.
            let curvature = newton * (dpdf / pdf / s) + if upper { g } else { -g };
            let factor = F::ONE - F::HALF * curvature;
            let halley = factor > F::HALF && factor < F::TWO;
            let step = if halley { newton / factor } else { newton };
            let candidate = x - step;
            let size = step.abs();
            // Converged: the step is below the tolerance, or the observed
            // rate predicts the error after it is: with s' ≈ C·s^p and C
            // taken from the last two steps, |s'| ≈ |s|·(|s|/|s_prev|)^p,
            // p = 3 when both steps were Halley steps, else p = 2, with a
            // factor 4 of margin on the prediction (without it the round
            // trip cdf∘quantile used 0.78 of its bound instead of 0.15). Checked
            // before the bracket test: a sub-ulp step from x rounds onto x,
            // which is now a bracket end.
            let predicted_done = match last_step {
                Some((prev, prev_halley)) => {
                    let ratio = size / prev;
                    let rate = if halley && prev_halley {
                        ratio * ratio * ratio
                    } else {
                        ratio * ratio
                    };
                    // The rate is only evidence if the step before was
                    // itself in the asymptotic regime, where the local
                    // model corroborates it: |s_n·G''/G'| = 2·ratio² for
                    // Newton, 2K·s_{n-1}·ratio for Halley, both ≤ ratio.
                    // A step that jumped across a narrow component and
                    // then landed on its tail shows a small ratio by luck
                    // while the curvature is O(1) (there Newton moves about
                    // σ/|z| per step, far from converged).
                    ratio <= F::from_f64(0.25)
                        && curvature.abs() <= ratio
                        && rate * size * F::from_f64(4.0) <= tol
                }
                None => false,
            };
            // Converged by the step size or the observed rate, with G small.
            // The candidate is then returned unevaluated only if the step is
            // inside the bracket (else the model is wrong) and no longer than
            // the narrowest component or a few ulps (else the local model at
            // x cannot see a narrow component between x and the candidate).
            // Otherwise x itself is the answer if G is at rounding level
            // there, and else the candidate is evaluated like any step.
            let inside = candidate >= lo && candidate <= hi;
            // (A few ulps: 4ε|x| ≤ 8 ulp(x), SPEC §6's forward bound. With
            // 8ε|x| a step of 10 ulps could cross a whole component about
            // one ulp wide, and land where F is 0.)
            let short = size <= sigma_min.max(F::from_f64(4.0) * F::EPSILON * x.abs());
            let small_g = g.abs() <= sqrt_eps * cond;
            // G at rounding level (SPEC §6's backward error).
            let settled = g.abs() <= F::from_f64(8.0) * F::EPSILON * cond;
            let sub_ulp = candidate == x;
            if (size <= tol || predicted_done) && small_g {
                if inside && short && (settled || !sub_ulp) {
                    return (candidate, evaluations);
                }
                if settled {
                    return (x, evaluations);
                }
            }
            if size <= tol && (sub_ulp || !small_g) {
                // A sub-ulp step but G above rounding level: x sits inside
                // a component narrower than ulp(x), where F jumps within one
                // float, and the root may lie beyond the jump (or F is just
                // steep on the scale of ulp(x)). Step to the next float or
                // so toward it; the bracket keeps this finite.
                let nudge = (x.abs() * F::EPSILON).max(F::MIN_POSITIVE * F::EPSILON);
                let probe = if root_below { x - nudge } else { x + nudge };
                if probe > lo && probe < hi {
                    x = probe;
                    last_step = None;
                    continue;
                }
                let x = if lo_score <= hi_score { lo } else { hi };
                return (x, evaluations);
            }
            // Inside the bracket and at least halving the step before last.
            if candidate > lo && candidate < hi && size * F::TWO <= dx_old.abs() {
                dx_old = dx;
                dx = step;
                x = candidate;
                last_step = Some((size, halley));
                jumped = false;
                continue;
            }
        }
        last_step = None;
        // The bracket is down to rounding level. (Not `width <= tol`: tol
        // holds the conditioning at x, not at the root, and in a gap between
        // components it is huge.)
        if width <= two_eps * lo.abs().max(hi.abs()) {
            let x = match (lo_score == F::ZERO, hi_score == F::ZERO) {
                (true, _) => lo,
                (_, true) => hi,
                _ => midpoint(lo, hi),
            };
            return (x, evaluations);
        }
        dx_old = dx;
        // In a flat gap Newton is useless: jump into the nearest component on
        // the root's side, alternating with bisection so the bracket still
        // at least halves every other move.
        let next = if jumped {
            None
        } else {
            jump(column.clone(), p, x, h, target, root_below, lo, hi)
        };
        match next {
            Some(xj) => {
                jumped = true;
                dx = xj - x;
                x = xj;
            }
            None => {
                jumped = false;
                x = bisect(lo, hi);
                dx = x - lo;
                if x <= lo || x >= hi {
                    // lo and hi are adjacent floats: the better end.
                    let x = if lo_score <= hi_score { lo } else { hi };
                    return (x, evaluations);
                }
            }
        }
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

/// A guess for the root when `x` sits in a flat gap between components.
///
/// Take the nearest active component `j` on the root's side of `x` and
/// attribute the whole remaining tail mass `|h − target|` to it, as if the
/// components were separated: the root is where component `j`'s own CDF has
/// the matching level `q = |h − target|/p_j` (or `1 − q`). Exact for
/// well-separated components; only a guess otherwise, which the bracket and
/// the following Halley steps correct.
#[allow(clippy::too_many_arguments)]
fn jump<F: Float>(
    column: impl Iterator<Item = (F, F)>,
    p: &[F],
    x: F,
    h: F,
    target: F,
    root_below: bool,
    lo: F,
    hi: F,
) -> Option<F> {
    let mut best: Option<(F, F, F)> = None;
    for ((mu, sigma), &pk) in column.zip(p) {
        // Components whose bulk (±3σ) lies wholly on the root's side: one
        // that contains x is already part of the local shape Newton saw.
        // (Not "mean inside the bracket": the bracket ends are the
        // components' own u-quantiles and can lie short of their means.)
        let reach = F::from_f64(3.0) * sigma;
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
    let (mu, sigma, pk) = best?;
    let q = (h - target).abs() / pk;
    let next = if q >= F::ONE {
        // The root is beyond component j's bulk as well.
        mu
    } else {
        // Root below x: the root is on component j's upper flank with mass q
        // of it above the root (Φ_j = 1 − q, in either branch); root above:
        // Φ_j = q. So z = ∓Φ^{-1}(q).
        let z = F::normal_quantile(q);
        mu + sigma * if root_below { -z } else { z }
    };
    if !next.is_finite() {
        return None;
    }
    // Attributing all the remaining mass to j can overshoot the bracket end
    // when other components take part; land within one σ_j of that end.
    let next = if root_below && next <= lo {
        lo + sigma.min(F::HALF * (x - lo))
    } else if !root_below && next >= hi {
        hi - sigma.min(F::HALF * (hi - x))
    } else {
        next
    };
    (next > lo && next < hi).then_some(next)
}

impl<F: Float> DiagMixtureRef<'_, F> {
    /// The quantile map `x = T^{-1}(u)`, the inverse of [`cdf`](Self::cdf).
    ///
    /// `u` and `x` hold `D` values, each `u_d` strictly inside (0, 1).
    /// Errors: [`ErrorKind::BufferLength`], [`ErrorKind::UniformOutOfRange`]; on
    /// error `x` is untouched.
    ///
    /// Accuracy (f64, SPEC §6): `|x̂ − x*| ≤ 8·ulp(x*) + 8ε(1 + z²)·min(u, 1−u)/f(x*)`
    /// for `u ∈ [1e-300, 1 − 2^-53]`.
    pub fn quantile(&self, u: &[F], x: &mut [F]) -> Result<(), Error> {
        self.quantile_with_stats(u, x).map(|_| ())
    }

    /// [`quantile`](Self::quantile), also reporting how many conditional-CDF
    /// evaluations the solve used.
    pub fn quantile_with_stats(&self, u: &[F], x: &mut [F]) -> Result<SolveStats, Error> {
        self.on_stack(|ws| self.quantile_in(ws, u, x))
    }

    pub(crate) fn quantile_in(
        &self,
        ws: Workspace<'_, F>,
        u: &[F],
        x: &mut [F],
    ) -> Result<SolveStats, Error> {
        self.check_u(u)?;
        Self::check_len(x, self.num_dims(), Buffer::Output)?;
        let mut stats = SolveStats::default();
        self.solve_all(ws, u.iter().copied(), x.iter_mut(), &mut stats);
        Ok(stats)
    }

    /// Solves every dimension in order; `u` yields `D` values in (0, 1).
    pub(crate) fn solve_all<'x>(
        &self,
        ws: Workspace<'_, F>,
        u: impl Iterator<Item = F>,
        x: impl Iterator<Item = &'x mut F>,
        stats: &mut SolveStats,
    ) {
        let Workspace {
            mut weights,
            p,
            logn,
            ..
        } = ws;
        weights.init(self.logits());
        // `x` drives the loop: zipping the (possibly endless) stream of
        // uniforms first would pull one draw too many after the last `x_d`.
        for (d, (xd, ud)) in x.zip(u).enumerate() {
            weights.responsibilities(p);
            let (root, evaluations) = solve(self.column(d), p, ud);
            stats.record(evaluations);
            *xd = root;
            weights.step(self, d, root, F::ONE, StepRows::scratch(logn));
        }
    }
}

impl<F: Float, const K: usize, const D: usize> DiagMixture<F, K, D> {
    /// The quantile map; see [`DiagMixtureRef::quantile`].
    pub fn quantile(&self, u: &[F; D]) -> Result<[F; D], Error> {
        let mut x = [F::ZERO; D];
        self.run(|mix, ws| mix.quantile_in(ws, u, &mut x))?;
        Ok(x)
    }
}
