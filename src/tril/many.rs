//! `n` points of one full-covariance mixture (docs/math.md §8.1, §10.4):
//! the `*_many` forms of [`TrilMixtureRef`], on the batch layer's row
//! rules. Row `i` of an `n·D` buffer is at `i·D`; a row's result is the
//! single call's bit for bit, a sampler draws the uniforms of `n`
//! consecutive single calls, and the parameter gradient is the single
//! calls' gradients added in row order to `+0`. Every row's input (and,
//! for `vjp_many`, its density) is checked before anything is written.
//!
//! The rows run on the caller's one workspace, on one thread: a parallel
//! run would need a workspace per task, which a caller-sized slice cannot
//! give without allocating.

use crate::batch::{
    check_each_row, check_rows, row_count, rows, rows_mut, zero, Accumulate, Probe,
};
use crate::rng::{as_rng_core, RandomSource};
use crate::vjp::{cotangent_scale, GradientRow};
use crate::{Buffer, Error, Float, SolveStats};

use super::work::{TrilWork, TrilWorkspace};
use super::{TrilGrad, TrilMixture, TrilMixtureRef};

impl<F: Float> TrilMixtureRef<'_, F> {
    /// [`cdf`](Self::cdf) of `n` points: `x` and `u` hold `n·D` values.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength)
    /// (also for a short `work`),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX) in any row
    /// ([`Error::row`] says which); then `u` is untouched.
    pub fn cdf_many<W: TrilWorkspace<F> + ?Sized>(
        &self,
        x: &[F],
        u: &mut [F],
        work: &mut W,
    ) -> Result<(), Error> {
        let n = row_count(x, self.dims, Buffer::X)?;
        check_rows(u, n, self.dims, Buffer::Output)?;
        check_each_row(x, self.dims, |xi| self.check_finite(xi, Buffer::X))?;
        let mut w = self.work(work)?;
        for (xi, ui) in rows(x, self.dims).zip(rows_mut(u, self.dims)) {
            self.cdf_in(&mut w, xi, ui);
        }
        Ok(())
    }

    /// [`quantile`](Self::quantile) of `n` points: `u` and `x` hold `n·D`
    /// values. Returns the solver's counts over all rows.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::UniformOutOfRange`](crate::ErrorKind::UniformOutOfRange)
    /// in any row; then `x` is untouched.
    pub fn quantile_many<W: TrilWorkspace<F> + ?Sized>(
        &self,
        u: &[F],
        x: &mut [F],
        work: &mut W,
    ) -> Result<SolveStats, Error> {
        let n = row_count(u, self.dims, Buffer::U)?;
        check_rows(x, n, self.dims, Buffer::Output)?;
        check_each_row(u, self.dims, |ui| self.check_u(ui))?;
        let mut w = self.work(work)?;
        let mut stats = SolveStats::default();
        for (ui, xi) in rows(u, self.dims).zip(rows_mut(x, self.dims)) {
            stats.merge(self.solve_into(&mut w, ui.iter().copied(), xi));
        }
        Ok(stats)
    }

    /// [`log_prob`](Self::log_prob) of `n` points into `log_prob` (`n`
    /// values).
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX) in any row;
    /// then `log_prob` is untouched.
    pub fn log_prob_many<W: TrilWorkspace<F> + ?Sized>(
        &self,
        x: &[F],
        log_prob: &mut [F],
        work: &mut W,
    ) -> Result<(), Error> {
        let n = row_count(x, self.dims, Buffer::X)?;
        check_rows(log_prob, n, 1, Buffer::Output)?;
        check_each_row(x, self.dims, |xi| self.check_finite(xi, Buffer::X))?;
        let mut w = self.work(work)?;
        for (xi, lp) in rows(x, self.dims).zip(log_prob.iter_mut()) {
            *lp = self.log_prob_in(&mut w, xi);
        }
        Ok(())
    }

    /// `n` draws of [`sample_quantile`](Self::sample_quantile) into `x`
    /// (`n·D` values) and, if given, the uniforms used into `u` (`n·D`).
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength);
    /// then nothing is written and the generator is not advanced.
    pub fn sample_quantile_many<R: RandomSource<V> + ?Sized, V, W: TrilWorkspace<F> + ?Sized>(
        &self,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
        work: &mut W,
    ) -> Result<SolveStats, Error> {
        let rng = &mut as_rng_core(rng);
        let n = row_count(x, self.dims, Buffer::Output)?;
        if let Some(u) = u.as_deref() {
            check_rows(u, n, self.dims, Buffer::Output)?;
        }
        let mut w = self.work(work)?;
        let mut u_rows = u.map(|u| rows_mut(u, self.dims));
        let mut stats = SolveStats::default();
        for xi in rows_mut(x, self.dims) {
            let mut u_out = u_rows
                .as_mut()
                .and_then(Iterator::next)
                .map(|r| r.iter_mut());
            let draws = core::iter::repeat_with(|| {
                let ud = F::uniform(rng);
                if let Some(slot) = u_out.as_mut().and_then(Iterator::next) {
                    *slot = ud;
                }
                ud
            });
            stats.merge(self.solve_into(&mut w, draws, xi));
        }
        Ok(stats)
    }

    /// `n` draws of [`sample_ancestral`](Self::sample_ancestral) into `x`
    /// (`n·D` values) and, if given, their components into `components`
    /// (`n` values). Needs no scratch.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength);
    /// then nothing is written and the generator is not advanced.
    pub fn sample_ancestral_many<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [F],
        components: Option<&mut [usize]>,
    ) -> Result<(), Error> {
        let rng = &mut as_rng_core(rng);
        let n = row_count(x, self.dims, Buffer::Output)?;
        if let Some(c) = components.as_deref() {
            check_rows(c, n, 1, Buffer::Components)?;
        }
        let mut slots = components.map(|c| c.iter_mut());
        for xi in rows_mut(x, self.dims) {
            let k = self.sample_ancestral(rng, xi)?;
            if let Some(slot) = slots.as_mut().and_then(Iterator::next) {
                *slot = k;
            }
        }
        Ok(())
    }

    /// `Σᵢ vjp(xᵢ, x̄ᵢ)` over `n` points (`x`, `x_bar`: `n·D` values) into
    /// `logits_bar` (`K`), `means_bar` (`K·D`) and `scale_tril_bar`
    /// (`K·D·D`, zero above the diagonals): the gradient of a batch loss
    /// with respect to the shared parameters, written over the outputs.
    /// A forward pre-pass over every row finds a zero density before
    /// anything is written, at the cost of one more forward pass per row.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX) (any row,
    /// checked first),
    /// [`ErrorKind::NonFiniteCotangent`](crate::ErrorKind::NonFiniteCotangent),
    /// [`ErrorKind::ZeroDensity`](crate::ErrorKind::ZeroDensity), each
    /// with [`Error::row`]; then nothing is written.
    pub fn vjp_many<W: TrilWorkspace<F> + ?Sized>(
        &self,
        x: &[F],
        x_bar: &[F],
        logits_bar: &mut [F],
        means_bar: &mut [F],
        scale_tril_bar: &mut [F],
        work: &mut W,
    ) -> Result<(), Error> {
        let dims = self.dims;
        let n = row_count(x, dims, Buffer::X)?;
        check_rows(x_bar, n, dims, Buffer::XBar)?;
        self.check_param_grads(logits_bar, means_bar, scale_tril_bar)?;
        check_each_row(x, dims, |xi| self.check_finite(xi, Buffer::X))?;
        check_each_row(x_bar, dims, |xb| self.check_finite(xb, Buffer::XBar))?;
        let mut w = self.work(work)?;
        for (i, xi) in rows(x, dims).enumerate() {
            self.walk_at(&mut w, xi);
            self.check_densities(&w).map_err(|e| e.in_row(i))?;
        }
        self.vjp_sum(&mut w, (x, x_bar), (logits_bar, means_bar, scale_tril_bar));
        Ok(())
    }

    /// `Σᵢ vjp(xᵢ, x̄ᵢ)` in row order into `outs`, every row past the
    /// zero-density test, each row's entries those of the single call.
    ///
    /// A row whose first sweep meets NaN takes the single call's rescue
    /// pass (f64), but by then its NaN entries are in the sum. The sum is
    /// then started again: the rows before it as before, and from it on
    /// each row first swept dry ([`Probe`]) to learn whether it needs the
    /// rescue. Such rows have gradients beyond the float range; they cost
    /// the call at most three sweeps per row and never change the bits.
    fn vjp_sum(&self, w: &mut TrilWork<'_, F>, (x, x_bar): (&[F], &[F]), outs: GradientRow<'_, F>) {
        let (logits_bar, means_bar, tril_bar) = outs;
        let dims = self.dims;
        let mut careful_from = None;
        'sum: loop {
            zero([&mut *logits_bar, &mut *means_bar, &mut *tril_bar]);
            for (i, (xi, xb)) in rows(x, dims).zip(rows(x_bar, dims)).enumerate() {
                self.walk_at(w, xi);
                let scale = cotangent_scale(xb);
                let xbar = |d: usize| xb.get(d).copied().unwrap_or(F::ZERO) / scale;
                let mut rescue = F::ONE;
                if let Some(r) = F::RESCUE_SCALE.filter(|_| careful_from.is_some_and(|c| i >= c)) {
                    let mut probe = Probe { met_nan: false };
                    let outs = (&mut *logits_bar, &mut *means_bar, &mut *tril_bar);
                    self.sweep(w, dims, xbar, outs, &mut probe);
                    if probe.met_nan {
                        rescue = r;
                    }
                }
                let mut sum = Accumulate {
                    factors: [F::ONE / rescue, scale],
                    met_nan: false,
                };
                let outs = (&mut *logits_bar, &mut *means_bar, &mut *tril_bar);
                self.sweep(w, dims, |d| xbar(d) * rescue, outs, &mut sum);
                if sum.met_nan && careful_from.is_none() && F::RESCUE_SCALE.is_some() {
                    careful_from = Some(i);
                    continue 'sum;
                }
            }
            return;
        }
    }
}

impl<F: Float, const K: usize, const D: usize> TrilMixture<F, K, D> {
    /// [`TrilMixtureRef::cdf_many`] on stack scratch.
    pub fn cdf_many(&self, x: &[[F; D]], u: &mut [[F; D]]) -> Result<(), Error> {
        self.run(|m, s| m.cdf_many(x.as_flattened(), u.as_flattened_mut(), s))
    }

    /// [`TrilMixtureRef::quantile_many`] on stack scratch.
    pub fn quantile_many(&self, u: &[[F; D]], x: &mut [[F; D]]) -> Result<SolveStats, Error> {
        self.run(|m, s| m.quantile_many(u.as_flattened(), x.as_flattened_mut(), s))
    }

    /// [`TrilMixtureRef::log_prob_many`] on stack scratch.
    pub fn log_prob_many(&self, x: &[[F; D]], log_prob: &mut [F]) -> Result<(), Error> {
        self.run(|m, s| m.log_prob_many(x.as_flattened(), log_prob, s))
    }

    /// `x.len()` draws of the quantile sampler, and the uniforms used into
    /// `u` if given; see [`TrilMixtureRef::sample_quantile_many`].
    pub fn sample_quantile_many<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [[F; D]],
        u: Option<&mut [[F; D]]>,
    ) -> Result<SolveStats, Error> {
        let rng = &mut as_rng_core(rng);
        let u = u.map(|u| u.as_flattened_mut());
        self.run(|m, s| m.sample_quantile_many(rng, x.as_flattened_mut(), u, s))
    }

    /// `x.len()` ancestral draws; see
    /// [`TrilMixtureRef::sample_ancestral_many`].
    pub fn sample_ancestral_many<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [[F; D]],
        components: Option<&mut [usize]>,
    ) -> Result<(), Error> {
        let rng = &mut as_rng_core(rng);
        self.view()?
            .sample_ancestral_many(rng, x.as_flattened_mut(), components)
    }

    /// `Σᵢ vjp(xᵢ, x̄ᵢ)`; see [`TrilMixtureRef::vjp_many`].
    pub fn vjp_many(&self, x: &[[F; D]], x_bar: &[[F; D]]) -> Result<TrilGrad<F, K, D>, Error> {
        let mut g = TrilGrad::default();
        let (logits, means) = (&mut g.logits, g.means.as_flattened_mut());
        let factors = g.scale_tril.as_flattened_mut().as_flattened_mut();
        let (x, x_bar) = (x.as_flattened(), x_bar.as_flattened());
        self.run(|m, s| m.vjp_many(x, x_bar, logits, means, factors, s))?;
        Ok(g)
    }
}
