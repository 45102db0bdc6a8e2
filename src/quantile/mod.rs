//! The quantile map `x = T^{-1}(u)` (docs/math.md §3.1): for each `d` in
//! order, solve `F_d(x | x_<d) = u_d`.
//!
//! Per dimension:
//! 1. *Rigorous bracket.* With `z_u = G^{-1}(u)` (the family's standard
//!    quantile, `Φ^{-1}` for the Gaussian; docs/math.md §9.3), every component with
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
//!    a quarter of the docs/math.md §6 bound: after such a step the
//!    remaining error is second order. Or when the observed convergence
//!    rate predicts that, or when the bracket is a few ulps wide.

mod flat_gap;
mod solver;

pub(crate) use flat_gap::DoubleLengthExp;

use crate::kernel::log_weights::{LogWeights, StepRows};
use crate::workspace::Workspace;
use crate::{Buffer, DiagMixture, DiagMixtureRef, Error, Family, Float};

pub(crate) use solver::solve;

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

    /// `a` merged with `b`.
    pub(crate) fn merged(mut a: SolveStats, b: SolveStats) -> SolveStats {
        a.merge(b);
        a
    }

    fn record(&mut self, evaluations: u32) {
        self.merge(SolveStats {
            dims: 1,
            evaluations,
            max_per_dim: evaluations,
        });
    }
}

impl<F: Float, G: Family> DiagMixtureRef<'_, F, G> {
    /// The quantile map `x = T^{-1}(u)`, the inverse of [`cdf`](Self::cdf).
    ///
    /// `u` and `x` hold `D` values, each `u_d` strictly inside (0, 1).
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength), [`ErrorKind::UniformOutOfRange`](crate::ErrorKind::UniformOutOfRange); on
    /// error `x` is untouched.
    ///
    /// Accuracy (f64, docs/math.md §6): `|x̂ − x*| ≤ 8·ulp(x*) + 8ε(1 + z²)·min(u, 1−u)/f(x*)`
    /// for `u ∈ [1e-300, 1 − 2^-53]`.
    pub fn quantile(&self, u: &[F], x: &mut [F]) -> Result<(), Error> {
        self.quantile_with_stats(u, x).map(|_| ())
    }

    /// [`quantile`](Self::quantile), also reporting how many conditional-CDF
    /// evaluations the solve used.
    pub fn quantile_with_stats(&self, u: &[F], x: &mut [F]) -> Result<SolveStats, Error> {
        self.on_stack(|ws| self.quantile_on(ws, u, x))
    }

    /// [`quantile_with_stats`](Self::quantile_with_stats) on the workspace
    /// `ws`.
    pub(crate) fn quantile_on(
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
            let first = solve::<F, G>(self.column(d), p, ud);
            let (root, evaluations) = if F::RESOLVES_FLAT_GAPS && first.flat {
                self.resolve_flat(d, p, &weights, ud, first.root, first.evaluations)
            } else {
                (first.root, first.evaluations)
            };
            stats.record(evaluations);
            *xd = root;
            weights.step(self, d, root, F::ONE, StepRows::scratch(logn));
        }
    }

    /// The root of dimension `d` where the first solve's root `first`
    /// (after `evaluations`) lies in a flat gap: the flat-gap solve's root
    /// and the evaluations of both, or the first root where that solve does
    /// not apply (docs/math.md §9.4).
    #[cold]
    #[inline(never)]
    fn resolve_flat(
        &self,
        d: usize,
        p: &[F],
        weights: &LogWeights<'_, F>,
        u: F,
        first: F,
        evaluations: u32,
    ) -> (F, u32) {
        match flat_gap::resolve::<F, G>(self.column(d), p, weights, u, first) {
            Some((root, extra)) => (root, evaluations + extra),
            None => (first, evaluations),
        }
    }
}

/// One dimension's root of `F(x) = u` for the components `column`
/// (`(location, scale)` pairs) with responsibilities `p` and log-weights
/// `weights`, a flat gap resolved (docs/math.md §9.4): `(root,
/// evaluations)`. For the mixtures whose locations are not stored
/// (full covariance); the diagonal loop above keeps its own arrangement.
pub(crate) fn solve_resolving<F: Float, G: Family>(
    column: impl Iterator<Item = (F, F)> + Clone,
    p: &[F],
    weights: &LogWeights<'_, F>,
    u: F,
) -> (F, u32) {
    let first = solve::<F, G>(column.clone(), p, u);
    let resolved = (F::RESOLVES_FLAT_GAPS && first.flat)
        .then(|| flat_gap::resolve::<F, G>(column, p, weights, u, first.root))
        .flatten();
    match resolved {
        Some((root, extra)) => (root, first.evaluations + extra),
        None => (first.root, first.evaluations),
    }
}

impl<F: Float, const K: usize, const D: usize, G: Family> DiagMixture<F, K, D, G> {
    /// The quantile map; see [`DiagMixtureRef::quantile`].
    pub fn quantile(&self, u: &[F; D]) -> Result<[F; D], Error> {
        let mut x = [F::ZERO; D];
        self.run(|mix, ws| mix.quantile_on(ws, u, &mut x))?;
        Ok(x)
    }
}
