//! The forward pass of a full-covariance mixture (docs/math.md §10.1):
//! dimension by dimension the conditional locations `m_kd` by forward
//! substitution, the responsibilities, `x_d` (given, solved or drawn),
//! then `z_kd` and the step of the log-weights. On it: `cdf`, `quantile`,
//! `log_prob` and both samplers.

use crate::family::StandardDensity;
use crate::kernel::log_weights::{LogSumExp, LogWeights};
use crate::kernel::{conditional, standardise_within};
use crate::quantile::solve_resolving;
use crate::rng::{as_rng_core, RandomSource};
use crate::{Buffer, Error, Float, Gaussian, SolveStats};

use super::work::{TrilWork, TrilWorkspace};
use super::{factor_row, TrilMixtureRef};

/// What the forward pass knows of dimension `d` before `x_d`: the
/// conditional's components and responsibilities.
pub(super) struct Dimension<'s, F> {
    /// `m_kd`.
    pub m: &'s [F],
    /// `L_k[d][d]` of every component, in order (a stride through the
    /// factors).
    pub sigma: &'s [F],
    pub d: usize,
    pub dims: usize,
    /// `p^(d)`.
    pub p: &'s [F],
    pub weights: &'s LogWeights<'s, F>,
}

impl<F: Float> Dimension<'_, F> {
    /// The conditional's `(location, scale)` pairs.
    #[inline]
    pub fn column(&self) -> impl Iterator<Item = (F, F)> + Clone + '_ {
        let step = self.dims * self.dims;
        let at = self.d * self.dims + self.d;
        let sigma = self.sigma.iter().skip(at).step_by(step.max(1)).copied();
        self.m.iter().copied().zip(sigma)
    }
}

impl<F: Float> TrilMixtureRef<'_, F> {
    /// The forward pass: for each `d` in order, `x_d = pick(dimension)`,
    /// then `z_kd` into `w.z` and `ℓ^(d+1)`; `p^(d)` is kept in
    /// `w.resp`. Returns `logsumexp` of the logits (`ℓ^(1)`).
    pub(super) fn walk(
        &self,
        w: &mut TrilWork<'_, F>,
        mut pick: impl FnMut(&Dimension<'_, F>) -> F,
    ) -> LogSumExp<F> {
        w.weights.init(self.logits);
        let mut first = None;
        let k = self.num_components();
        for d in 0..self.dims {
            self.locations(d, w.z, w.m);
            let lse = w.weights.responsibilities(w.p);
            first.get_or_insert(lse);
            let resp = w.resp.iter_mut().skip(d * k);
            for (slot, &pk) in resp.zip(w.p.iter()) {
                *slot = pk;
            }
            let dim = Dimension {
                m: w.m,
                sigma: self.scale_tril,
                d,
                dims: self.dims,
                p: w.p,
                weights: &w.weights,
            };
            let x = pick(&dim);
            self.step(d, x, w);
        }
        // D ≥ 1: the loop ran.
        first.unwrap_or_else(|| w.weights.responsibilities(w.p))
    }

    /// `m_kd = μ_kd + Σ_{j<d} L_k[d][j] z_kj` into `m`.
    fn locations(&self, d: usize, z: &[F], m: &mut [F]) {
        let dims = self.dims;
        for ((mk, (_, mu, factor)), z_k) in m
            .iter_mut()
            .zip(self.components())
            .zip(z.chunks_exact(dims.max(1)))
        {
            let (left, _) = factor_row(factor, d, dims);
            let mut acc = mu.get(d).copied().unwrap_or(F::ZERO);
            for (&l, &zj) in left.iter().zip(z_k) {
                acc += l * zj;
            }
            *mk = acc;
        }
    }

    /// `z_kd = (x − m_kd)/L_k[d][d]` into `w.z` and `ℓ += log N_kd(x)`.
    fn step(&self, d: usize, x: F, w: &mut TrilWork<'_, F>) {
        let dims = self.dims;
        let z_max = Gaussian::z_max::<F>();
        let rows = w.logn.iter_mut().zip(w.m.iter());
        for (((logn, &m), (_, _, factor)), z_k) in rows
            .zip(self.components())
            .zip(w.z.chunks_exact_mut(dims.max(1)))
        {
            let (_, sigma) = factor_row(factor, d, dims);
            let z = standardise_within(x, m, sigma, z_max);
            if let Some(slot) = z_k.get_mut(d) {
                *slot = z;
            }
            *logn = Gaussian::log_density(z, sigma.ln());
        }
        w.weights.add(F::ONE, w.logn);
    }

    /// The conditional CDFs `u_d = F_d(x_d | x_<d)` (docs/math.md §10.1),
    /// the inverse of [`quantile`](Self::quantile). `x`, `u`: `D` values.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength)
    /// (also for `work` shorter than [`work_len`](Self::work_len)),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX); on error
    /// `u` is untouched.
    pub fn cdf<W: TrilWorkspace<F> + ?Sized>(
        &self,
        x: &[F],
        u: &mut [F],
        work: &mut W,
    ) -> Result<(), Error> {
        self.check_finite(x, Buffer::X)?;
        Self::check_len(u, self.dims, Buffer::Output)?;
        let mut w = self.work(work)?;
        self.cdf_in(&mut w, x, u);
        Ok(())
    }

    /// [`cdf`](Self::cdf) on checked buffers.
    pub(super) fn cdf_in(&self, w: &mut TrilWork<'_, F>, x: &[F], u: &mut [F]) {
        let mut out = u.iter_mut();
        self.walk(w, |dim| {
            let xd = x.get(dim.d).copied().unwrap_or(F::ZERO);
            let c = conditional::<F, Gaussian>(dim.column(), dim.p, xd);
            if let Some(slot) = out.next() {
                // A sum of weighted CDFs can round a hair above 1.
                *slot = c.cdf.min(F::ONE);
            }
            xd
        });
    }

    /// The quantile map `x = T⁻¹(u)`: dimension by dimension the root of
    /// `F_d(x_d | x_<d) = u_d`, by the diagonal mixture's solver on the
    /// conditional (docs/math.md §3.1, §9.4). Returns the solver's counts.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::UniformOutOfRange`](crate::ErrorKind::UniformOutOfRange);
    /// on error `x` is untouched.
    pub fn quantile<W: TrilWorkspace<F> + ?Sized>(
        &self,
        u: &[F],
        x: &mut [F],
        work: &mut W,
    ) -> Result<SolveStats, Error> {
        self.check_u(u)?;
        Self::check_len(x, self.dims, Buffer::Output)?;
        let mut w = self.work(work)?;
        Ok(self.solve_into(&mut w, u.iter().copied(), x))
    }

    /// Solves every dimension with the uniforms `u` into `x`.
    pub(super) fn solve_into(
        &self,
        w: &mut TrilWork<'_, F>,
        mut u: impl Iterator<Item = F>,
        x: &mut [F],
    ) -> SolveStats {
        let mut stats = SolveStats::default();
        let mut out = x.iter_mut();
        self.walk(w, |dim| {
            let ud = u.next().unwrap_or(F::HALF);
            let (root, evaluations) =
                solve_resolving::<F, Gaussian>(dim.column(), dim.p, dim.weights, ud);
            stats.merge(SolveStats {
                dims: 1,
                evaluations,
                max_per_dim: evaluations,
            });
            if let Some(slot) = out.next() {
                *slot = root;
            }
            root
        });
        stats
    }

    /// `log q(x)`.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX).
    pub fn log_prob<W: TrilWorkspace<F> + ?Sized>(
        &self,
        x: &[F],
        work: &mut W,
    ) -> Result<F, Error> {
        self.check_finite(x, Buffer::X)?;
        let mut w = self.work(work)?;
        Ok(self.log_prob_in(&mut w, x))
    }

    /// The forward pass over a given point `x` (`D` values).
    pub(super) fn walk_at(&self, w: &mut TrilWork<'_, F>, x: &[F]) -> LogSumExp<F> {
        self.walk(w, |dim| x.get(dim.d).copied().unwrap_or(F::ZERO))
    }

    /// `log q(x)` after the forward pass over `x`, the posterior `r` left
    /// in `w.p`.
    pub(super) fn log_prob_in(&self, w: &mut TrilWork<'_, F>, x: &[F]) -> F {
        let lse0 = self.walk_at(w, x);
        let lse1 = w.weights.responsibilities(w.p);
        (lse1.max_hi - lse0.max_hi) + (lse1.rest() - lse0.rest())
    }

    /// The quantile sampler: `x = T⁻¹(u)` with `u` uniform on `(0, 1)^D`,
    /// `D` draws of the generator; writes `x` and, if given, the `u` used.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength);
    /// on error nothing is written and the generator is not advanced.
    pub fn sample_quantile<R: RandomSource<V> + ?Sized, V, W: TrilWorkspace<F> + ?Sized>(
        &self,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
        work: &mut W,
    ) -> Result<SolveStats, Error> {
        let rng = &mut as_rng_core(rng);
        Self::check_len(x, self.dims, Buffer::Output)?;
        if let Some(u) = u.as_deref() {
            Self::check_len(u, self.dims, Buffer::Output)?;
        }
        let mut w = self.work(work)?;
        let mut u_out = u.map(|s| s.iter_mut());
        let draws = core::iter::repeat_with(|| {
            let ud = F::uniform(rng);
            if let Some(slot) = u_out.as_mut().and_then(|it| it.next()) {
                *slot = ud;
            }
            ud
        });
        Ok(self.solve_into(&mut w, draws, x))
    }

    /// The ancestral sampler: a component `k ~ π`, then
    /// `x = μ_k + L_k ε` with `ε_d = Φ⁻¹(u_d)`; `D + 1` uniforms. Returns
    /// `k`. Needs no scratch.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength);
    /// on error nothing is written and the generator is not advanced.
    pub fn sample_ancestral<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [F],
    ) -> Result<usize, Error> {
        let rng = &mut as_rng_core(rng);
        Self::check_len(x, self.dims, Buffer::Output)?;
        let k = self.pick_component(F::uniform(rng));
        let Some((_, mu, factor)) = self.components().nth(k) else {
            return Ok(k);
        };
        // ε into x first, then x = μ + L ε from the last row up, so that
        // each row reads the ε of the rows above it, not yet overwritten.
        for xd in x.iter_mut() {
            *xd = Gaussian::quantile(F::uniform(rng));
        }
        for d in (0..self.dims).rev() {
            let (left, diag) = factor_row(factor, d, self.dims);
            let eps = x.get(..=d).unwrap_or(&[]);
            let mut acc = mu.get(d).copied().unwrap_or(F::ZERO);
            for (&l, &e) in left.iter().zip(eps) {
                acc += l * e;
            }
            acc += diag * eps.last().copied().unwrap_or(F::ZERO);
            if let Some(slot) = x.get_mut(d) {
                *slot = acc.max(-F::MAX).min(F::MAX);
            }
        }
        Ok(k)
    }

    /// The inverse CDF of `π = softmax(a)` at `u0` (the last component of
    /// positive weight where rounding leaves the total below `u0`).
    fn pick_component(&self, u0: F) -> usize {
        let max = self.logits.iter().fold(F::NEG_INFINITY, |m, &a| m.max(a));
        let total = self
            .logits
            .iter()
            .fold(F::ZERO, |s, &a| s + (a - max).exp());
        let (mut acc, mut last) = (F::ZERO, 0);
        for (k, &a) in self.logits.iter().enumerate() {
            let pk = (a - max).exp() / total;
            if pk > F::ZERO {
                last = k;
                acc += pk;
                if u0 < acc {
                    return k;
                }
            }
        }
        last
    }

    /// The named rows of `work`.
    pub(super) fn work<'w, W: TrilWorkspace<F> + ?Sized>(
        &self,
        work: &'w mut W,
    ) -> Result<TrilWork<'w, F>, Error> {
        TrilWork::split(work, self.num_components(), self.dims)
    }
}
