//! `n` points of one mixture (docs/math.md §8.1): every `*_many` method of
//! [`DiagMixtureRef`] and [`DiagMixture`].

use crate::rng::{as_rng_core, RandomSource};
use rand_core::RngCore;

use super::drive::{drive, unit, In, Op, Out, RowWork};
use super::first_refused;
use super::prepass::Screen;
use super::{
    as_sum_of_one, check_each_row, check_rows, row_count, rows, rows_mut, zero, Accumulate, Probe,
};
use crate::vjp::{cotangent_scale, GradientRow};
use crate::workspace::{Fixed, OnStack, Scratch, Workspace};
use crate::{
    Buffer, DiagMixture, DiagMixtureRef, Error, Family, Float, LogProbGrad, ParamGrad, SolveStats,
};

/// The many forms on one scratch source: the view's stack
/// ([`OnStack`]) or the owned mixture's `K`-sized arrays (`Fixed<K>`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Many<'m, 'a, F, S, G> {
    pub mix: &'m DiagMixtureRef<'a, F, G>,
    pub scratch: S,
}

impl<'m, 'a, F: Float, S: Scratch, G: Family> Many<'m, 'a, F, S, G> {
    pub fn new(mix: &'m DiagMixtureRef<'a, F, G>, scratch: S) -> Self {
        Many { mix, scratch }
    }

    /// The work of one row of `op` on this mixture.
    pub fn work(&self, op: Op) -> RowWork {
        RowWork::of(op, self.mix.scales().len())
    }

    /// Runs `op` on a workspace from this scratch.
    #[inline]
    pub fn on_stack<R>(
        &self,
        op: impl FnOnce(Workspace<'_, F>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.scratch.run(self.mix.num_components(), op)
    }

    /// Runs `op` on these many forms over the view with `ln σ` hoisted for
    /// `rows` rows ([`DiagMixtureRef::with_hoisted_log_scales`]).
    #[inline]
    pub fn with_hoisted<R>(
        &self,
        rows: usize,
        op: impl FnOnce(Many<'_, '_, F, S, G>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let scratch = self.scratch;
        self.mix
            .with_hoisted_log_scales(rows, |mix| op(Many { mix, scratch }))
    }

    /// Runs `op` on a workspace and the view with `ln σ` hoisted.
    #[inline]
    pub fn on_stack_hoisted<R>(
        &self,
        rows: usize,
        op: impl FnOnce(&DiagMixtureRef<'_, F, G>, Workspace<'_, F>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        self.with_hoisted(rows, |many| many.on_stack(|ws| op(many.mix, ws)))
    }
}

impl<F: Float, G: Family> DiagMixtureRef<'_, F, G> {
    /// `n` draws of [`sample_quantile`](Self::sample_quantile) into `x`
    /// (`n·D` values, row `i` at `i·D`; `n = x.len() / D`) and, if given,
    /// the uniforms used into `u` (`n·D` values). The same samples, bit for
    /// bit, as `n` consecutive single calls, from the same `n·D` uniforms.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength);
    /// then nothing is written and the generator is not advanced.
    pub fn sample_quantile_many<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
    ) -> Result<SolveStats, Error> {
        let rng = &mut as_rng_core(rng);
        Many::new(self, OnStack).sample_quantile_many(rng, x, u)
    }

    /// `n` draws of [`sample_ancestral`](Self::sample_ancestral) into `x`
    /// (`n·D` values) and, if given, their components into `components`
    /// (`n` values): the same draws as `n` single calls, from the same
    /// `n·(D + 1)` uniforms. The weights `π` are computed once.
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
        Many::new(self, OnStack).sample_ancestral_many(rng, x, components)
    }

    /// [`cdf`](Self::cdf) of `n` points: `x` and `u` hold `n·D` values.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX) in any row
    /// ([`Error::row`]); then `u` is untouched.
    pub fn cdf_many(&self, x: &[F], u: &mut [F]) -> Result<(), Error> {
        Many::new(self, OnStack).cdf_many(x, u)
    }

    /// [`quantile`](Self::quantile) of `n` points: `u` and `x` hold `n·D`
    /// values. Returns the solver's counts summed over the rows.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::UniformOutOfRange`](crate::ErrorKind::UniformOutOfRange)
    /// in any row ([`Error::row`]); then `x` is untouched.
    pub fn quantile_many(&self, u: &[F], x: &mut [F]) -> Result<SolveStats, Error> {
        Many::new(self, OnStack).quantile_many(u, x)
    }

    /// [`log_prob`](Self::log_prob) of `n` points: `x` holds `n·D` values,
    /// `log_prob` receives `n`.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX) in any row;
    /// then nothing is written.
    pub fn log_prob_many(&self, x: &[F], log_prob: &mut [F]) -> Result<(), Error> {
        Many::new(self, OnStack).log_prob_many(x, log_prob)
    }

    /// [`log_prob_grad`](Self::log_prob_grad) of `n` points: `log q` of each
    /// row into `log_prob` (`n` values); `grad.x`, if given, receives the
    /// `n·D` per-row gradients `∂ log q(xᵢ)/∂xᵢ`; `grad.logits`,
    /// `grad.means`, `grad.scales` receive the gradients of
    /// `Σᵢ log q(xᵢ)`, summed in row order (module docs) and overwritten
    /// (`n = 0` writes zeros).
    ///
    /// Errors: as [`log_prob_many`](Self::log_prob_many).
    pub fn log_prob_grad_many(
        &self,
        x: &[F],
        log_prob: &mut [F],
        grad: LogProbGrad<'_, F>,
    ) -> Result<(), Error> {
        Many::new(self, OnStack).log_prob_grad_many(x, log_prob, grad)
    }

    /// The first row of `x` (`n·D` values) whose gradient a single call
    /// would refuse with [`ErrorKind::ZeroDensity`](crate::ErrorKind::ZeroDensity),
    /// if any: the forward pre-pass of [`vjp_many`](Self::vjp_many) alone,
    /// for a caller that wants to drop such rows and call again.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX) in any row.
    pub fn first_zero_density_many(&self, x: &[F]) -> Result<Option<usize>, Error> {
        Many::new(self, OnStack).first_zero_density_many(x)
    }

    /// The vector–Jacobian product summed over `n` points:
    /// `Σᵢ x̄ᵢ·∂xᵢ/∂θ` for `x` and `x_bar` of `n·D` values, into
    /// `logits_bar`, `means_bar`, `scales_bar` (`K`, `K·D`, `K·D` values,
    /// overwritten): the single-call [`vjp`](Self::vjp)s added in row
    /// order to `+0` (module docs), so `n = 0` writes zeros.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX),
    /// [`ErrorKind::NonFiniteCotangent`](crate::ErrorKind::NonFiniteCotangent),
    /// [`ErrorKind::ZeroDensity`](crate::ErrorKind::ZeroDensity) in any row
    /// (the first is [`Error::row`]); then nothing is written.
    pub fn vjp_many(
        &self,
        x: &[F],
        x_bar: &[F],
        logits_bar: &mut [F],
        means_bar: &mut [F],
        scales_bar: &mut [F],
    ) -> Result<(), Error> {
        Many::new(self, OnStack).vjp_many(x, x_bar, logits_bar, means_bar, scales_bar)
    }
}

impl<F: Float, S: Scratch, G: Family> Many<'_, '_, F, S, G> {
    /// [`DiagMixtureRef::sample_quantile_many`] on this scratch.
    pub(crate) fn sample_quantile_many<R: RngCore + ?Sized>(
        &self,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
    ) -> Result<SolveStats, Error> {
        let dims = self.mix.num_dims();
        let n = row_count(x, dims, Buffer::Output)?;
        if let Some(u) = u.as_deref() {
            check_rows(u, n, dims, Buffer::Output)?;
        }
        // Refused before any uniform is drawn (the parallel form draws
        // every row's first).
        self.scratch.check(self.mix.num_components())?;
        #[cfg(feature = "rayon")]
        if super::drive::splits(n, self.work(Op::Quantile)) {
            return self.sample_quantile_many_par(rng, x, u);
        }
        let mut u_rows = u.map(|u| rows_mut(u, dims));
        let mut stats = SolveStats::default();
        self.on_stack_hoisted(n, |mix, mut ws| {
            for xi in rows_mut(x, dims) {
                let ui = u_rows.as_mut().and_then(Iterator::next);
                stats.merge(mix.sample_quantile_on(ws.reborrow(), rng, xi, ui)?);
            }
            Ok(stats)
        })
    }

    /// [`DiagMixtureRef::sample_ancestral_many`] on this scratch.
    pub(crate) fn sample_ancestral_many<R: RngCore + ?Sized>(
        &self,
        rng: &mut R,
        x: &mut [F],
        components: Option<&mut [usize]>,
    ) -> Result<(), Error> {
        let dims = self.mix.num_dims();
        let n = row_count(x, dims, Buffer::Output)?;
        if let Some(c) = components.as_deref() {
            check_rows(c, n, 1, Buffer::Components)?;
        }
        self.scratch.check(self.mix.num_components())?;
        #[cfg(feature = "rayon")]
        if super::drive::splits(n, self.work(Op::SampleAncestral)) {
            return self.sample_ancestral_many_par(rng, x, components);
        }
        let mut slots = components.map(|c| c.iter_mut());
        self.on_stack(|ws| {
            let Workspace { mut weights, p, .. } = ws;
            weights.init(self.mix.logits());
            weights.responsibilities(p);
            for xi in rows_mut(x, dims) {
                let k = self.mix.ancestral_draw(p, || F::uniform(rng), xi);
                if let Some(slot) = slots.as_mut().and_then(Iterator::next) {
                    *slot = k;
                }
            }
            Ok(())
        })
    }

    /// [`DiagMixtureRef::cdf_many`] on this scratch.
    pub(crate) fn cdf_many(&self, x: &[F], u: &mut [F]) -> Result<(), Error> {
        let dims = self.mix.num_dims();
        let n = row_count(x, dims, Buffer::X)?;
        check_rows(u, n, dims, Buffer::Output)?;
        check_each_row(x, dims, |xi| self.mix.check_x(xi))?;
        let op = |_, rows_n, (In(x, _), Out(u, _)): (In<F>, Out<F>)| {
            self.on_stack_hoisted(rows_n, |mix, mut ws| {
                for (xi, ui) in rows(x, dims).zip(rows_mut(u, dims)) {
                    mix.cdf_on(ws.reborrow(), xi, ui, None, None)?;
                }
                Ok(())
            })
        };
        drive(n, self.work(Op::Cdf), (In(x, dims), Out(u, dims)), op, unit)
    }

    /// [`DiagMixtureRef::quantile_many`] on this scratch.
    pub(crate) fn quantile_many(&self, u: &[F], x: &mut [F]) -> Result<SolveStats, Error> {
        let dims = self.mix.num_dims();
        let n = row_count(u, dims, Buffer::U)?;
        check_rows(x, n, dims, Buffer::Output)?;
        check_each_row(u, dims, |ui| self.mix.check_u(ui))?;
        self.quantile_rows(u, x)
    }

    /// [`quantile_many`](Self::quantile_many) with its inputs checked.
    pub(crate) fn quantile_rows(&self, u: &[F], x: &mut [F]) -> Result<SolveStats, Error> {
        let dims = self.mix.num_dims();
        let op = |_, rows_n, (In(u, _), Out(x, _)): (In<F>, Out<F>)| {
            let mut stats = SolveStats::default();
            self.on_stack_hoisted(rows_n, |mix, mut ws| {
                for (ui, xi) in rows(u, dims).zip(rows_mut(x, dims)) {
                    stats.merge(mix.quantile_on(ws.reborrow(), ui, xi)?);
                }
                Ok(stats)
            })
        };
        let n = u.len() / dims;
        drive(
            n,
            self.work(Op::Quantile),
            (In(u, dims), Out(x, dims)),
            op,
            SolveStats::merged,
        )
    }

    /// [`DiagMixtureRef::log_prob_many`] on this scratch.
    pub(crate) fn log_prob_many(&self, x: &[F], log_prob: &mut [F]) -> Result<(), Error> {
        self.log_prob_grad_many(x, log_prob, LogProbGrad::default())
    }

    /// [`DiagMixtureRef::log_prob_grad_many`] on this scratch.
    pub(crate) fn log_prob_grad_many(
        &self,
        x: &[F],
        log_prob: &mut [F],
        grad: LogProbGrad<'_, F>,
    ) -> Result<(), Error> {
        let dims = self.mix.num_dims();
        let n = row_count(x, dims, Buffer::X)?;
        check_rows(log_prob, n, 1, Buffer::Output)?;
        self.mix.check_log_prob_grad(&grad, n)?;
        check_each_row(x, dims, |xi| self.mix.check_x(xi))?;
        let LogProbGrad {
            x: gx,
            logits,
            means,
            scales,
        } = grad;
        // The scratch is checked before the sums are zeroed: a refusal
        // leaves every output as it was.
        self.scratch.check(self.mix.num_components())?;
        let (mut logits, mut means, mut scales) = (logits, means, scales);
        for out in [&mut logits, &mut means, &mut scales].into_iter().flatten() {
            out.fill(F::ZERO);
        }
        #[cfg(feature = "rayon")]
        let cost = match (&gx, &logits, &means, &scales) {
            (None, None, None, None) => Op::LogProb,
            _ => Op::LogProbGrad,
        };
        #[cfg(feature = "rayon")]
        if super::drive::splits(n, self.work(cost)) {
            return match (logits, means, scales) {
                (None, None, None) => {
                    let bufs = (In(x, dims), Out(log_prob, 1), gx.map(|g| Out(g, dims)));
                    let op = |_, _, (In(x, _), Out(lp, _), gx): (In<F>, Out<F>, Option<Out<F>>)| {
                        let grad = LogProbGrad {
                            x: gx.map(|Out(g, _)| g),
                            ..LogProbGrad::default()
                        };
                        self.log_prob_grad_rows(x, lp, grad)
                    };
                    drive(n, self.work(cost), bufs, op, unit)
                }
                (logits, means, scales) => {
                    let grad = LogProbGrad {
                        x: gx,
                        logits,
                        means,
                        scales,
                    };
                    self.log_prob_grad_sum_par(x, log_prob, grad)
                }
            };
        }
        let grad = LogProbGrad {
            x: gx,
            logits,
            means,
            scales,
        };
        self.log_prob_grad_rows(x, log_prob, grad)
    }

    /// [`log_prob_grad_many`](Self::log_prob_grad_many) with its inputs
    /// checked and the summed outputs zeroed: adds into them.
    pub(crate) fn log_prob_grad_rows(
        &self,
        x: &[F],
        log_prob: &mut [F],
        grad: LogProbGrad<'_, F>,
    ) -> Result<(), Error> {
        let dims = self.mix.num_dims();
        let LogProbGrad {
            x: gx,
            mut logits,
            mut means,
            mut scales,
        } = grad;
        let mut gx_rows = gx.map(|g| rows_mut(g, dims));
        self.on_stack_hoisted(log_prob.len(), |mix, mut ws| {
            for (xi, lp) in rows(x, dims).zip(log_prob.iter_mut()) {
                let row = LogProbGrad {
                    x: gx_rows.as_mut().and_then(Iterator::next),
                    logits: logits.as_deref_mut(),
                    means: means.as_deref_mut(),
                    scales: scales.as_deref_mut(),
                };
                let sum = &mut Accumulate::plain();
                *lp = mix.log_prob_unchecked(ws.reborrow(), xi, row, sum);
            }
            Ok(())
        })
    }

    /// [`DiagMixtureRef::first_zero_density_many`] on this scratch.
    pub(crate) fn first_zero_density_many(&self, x: &[F]) -> Result<Option<usize>, Error> {
        let dims = self.mix.num_dims();
        row_count(x, dims, Buffer::X)?;
        check_each_row(x, dims, |xi| self.mix.check_x(xi))?;
        first_refused(self.density_rows(x))
    }

    /// The zero-density pre-pass over the rows of `x` (inputs checked):
    /// [`ErrorKind::ZeroDensity`](crate::ErrorKind::ZeroDensity) for the
    /// first row a single gradient call would refuse.
    pub(crate) fn density_rows(&self, x: &[F]) -> Result<(), Error> {
        let dims = self.mix.num_dims();
        let screen = Screen::new(self.mix);
        let op = |first: usize, _, In(x, _): In<F>| {
            self.on_stack(|mut ws| {
                check_each_row(x, dims, |xi| self.mix.check_density(&screen, &mut ws, xi))
                    .map_err(|e| e.in_row(first + e.row().unwrap_or(0)))
            })
        };
        drive(x.len() / dims, self.work(Op::Screen), In(x, dims), op, unit)
    }

    /// [`DiagMixtureRef::vjp_many`] on this scratch.
    pub(crate) fn vjp_many(
        &self,
        x: &[F],
        x_bar: &[F],
        logits_bar: &mut [F],
        means_bar: &mut [F],
        scales_bar: &mut [F],
    ) -> Result<(), Error> {
        let dims = self.mix.num_dims();
        let n = row_count(x, dims, Buffer::X)?;
        check_rows(x_bar, n, dims, Buffer::XBar)?;
        DiagMixtureRef::<F, G>::check_len(
            logits_bar,
            self.mix.num_components(),
            Buffer::LogitsBar,
        )?;
        DiagMixtureRef::<F, G>::check_len(means_bar, self.mix.means().len(), Buffer::MeansBar)?;
        DiagMixtureRef::<F, G>::check_len(scales_bar, self.mix.scales().len(), Buffer::ScalesBar)?;
        check_each_row(x, dims, |xi| self.mix.check_x(xi))?;
        check_each_row(x_bar, dims, |xb| self.mix.check_finite(xb, Buffer::XBar))?;
        if n == 1 {
            // A lone row: the single call (its forward test is the
            // pre-pass), without the fixed costs of the batch path.
            let outs = (&mut *logits_bar, &mut *means_bar, &mut *scales_bar);
            self.on_stack(|ws| self.mix.vjp_on(ws, x, x_bar, outs.0, outs.1, outs.2))
                .map_err(|e| e.in_row(0))?;
            as_sum_of_one([logits_bar, means_bar, scales_bar]);
            return Ok(());
        }
        // Threads run scalar rows; the lanes of a wide SIMD path on one
        // thread outrun a few of them (the same bits either way).
        #[cfg(feature = "rayon")]
        if super::drive::splits(n, self.work(Op::Vjp))
            && rayon::current_num_threads() > G::vjp_lane_speedup(self.mix)
        {
            return self.with_hoisted(n, |many| {
                many.density_rows(x)?;
                zero([&mut *logits_bar, &mut *means_bar, &mut *scales_bar]);
                many.vjp_sum_par(x, x_bar, (logits_bar, means_bar, scales_bar))
            });
        }
        // The zero-density pre-pass: nothing is written before every row
        // is known to have a representable gradient.
        self.density_rows(x)?;
        self.with_hoisted(n, |many| {
            many.on_stack(|mut ws| {
                let outs = (logits_bar, means_bar, scales_bar);
                many.vjp_sum(&mut ws, x, x_bar, outs);
                Ok(())
            })
        })
    }

    /// `Σᵢ vjp(xᵢ, x̄ᵢ)` in row order into `outs`, inputs checked and every
    /// row past the zero-density test: through the lanes of the SIMD path in
    /// use where it has them, row by row otherwise.
    ///
    /// A row whose first reverse sweep meets NaN takes the single call's
    /// rescue pass (f64), but by then its NaN entries are in the sum. The
    /// sum is then started again: the rows before it as before (they did
    /// not meet NaN), that row rescued, and every later row first swept dry
    /// ([`Probe`]) to learn whether it needs the rescue. Such rows have
    /// gradients beyond the float range; they cost the call at most twice
    /// its time and never change the bits.
    fn vjp_sum(&self, ws: &mut Workspace<'_, F>, x: &[F], x_bar: &[F], outs: GradientRow<'_, F>) {
        let dims = self.mix.num_dims();
        let (logits_bar, means_bar, scales_bar) = outs;
        // The lanes sum the leading rows, block by block (the same bits,
        // docs/math.md §8.5); the loop goes on after them, or sums every
        // row if they could not.
        let lanes = (&mut *logits_bar, &mut *means_bar, &mut *scales_bar);
        let mut lanes_done = G::vjp_sum_lanes(self.mix, x, x_bar, lanes);
        let mut careful_from = None;
        'sum: loop {
            let first = lanes_done.take().unwrap_or_else(|| {
                zero([&mut *logits_bar, &mut *means_bar, &mut *scales_bar]);
                0
            });
            let all = rows(x, dims).zip(rows(x_bar, dims)).enumerate();
            for (i, (xi, xb)) in all.skip(first) {
                let scale = cotangent_scale(xb);
                let probed = careful_from.is_some_and(|c| i >= c);
                let rescue = match F::RESCUE_SCALE {
                    Some(r) if probed => {
                        let outs = (&mut *logits_bar, &mut *means_bar, &mut *scales_bar);
                        let nan = self.row_meets_nan(ws, (xi, xb), scale, outs);
                        if nan {
                            r
                        } else {
                            F::ONE
                        }
                    }
                    _ => F::ONE,
                };
                let mut sum = Accumulate {
                    factors: [F::ONE / rescue, scale],
                    met_nan: false,
                };
                // Past the pre-pass, forward cannot fail.
                let _ = self.mix.forward(ws, xi);
                let outs = (&mut *logits_bar, &mut *means_bar, &mut *scales_bar);
                self.mix
                    .vjp_pass(ws, xi, xb, [scale, rescue], outs, &mut sum);
                if sum.met_nan && careful_from.is_none() && F::RESCUE_SCALE.is_some() {
                    careful_from = Some(i);
                    continue 'sum;
                }
            }
            return;
        }
    }

    /// Whether the single call's first reverse sweep of row `xi` meets NaN:
    /// a dry run over the outputs `outs` that writes nothing to them.
    #[cold]
    fn row_meets_nan(
        &self,
        ws: &mut Workspace<'_, F>,
        (xi, xb): (&[F], &[F]),
        scale: F,
        outs: GradientRow<'_, F>,
    ) -> bool {
        let mut probe = Probe { met_nan: false };
        let _ = self.mix.forward(ws, xi);
        self.mix
            .vjp_pass(ws, xi, xb, [scale, F::ONE], outs, &mut probe);
        probe.met_nan
    }
}

impl<F: Float, const K: usize, const D: usize, G: Family> DiagMixture<F, K, D, G> {
    /// `x.len()` quantile-sampler draws; see
    /// [`DiagMixtureRef::sample_quantile_many`]. Like every batch form of
    /// the owned type, it keeps its scratch in arrays sized by `K` (no
    /// bound on `K`).
    pub fn sample_quantile_many<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [[F; D]],
        u: Option<&mut [[F; D]]>,
    ) -> Result<SolveStats, Error> {
        let rng = &mut as_rng_core(rng);
        let u = u.map(|u| u.as_flattened_mut());
        self.many(|m| m.sample_quantile_many(rng, x.as_flattened_mut(), u))
    }

    /// `x.len()` ancestral draws; see
    /// [`DiagMixtureRef::sample_ancestral_many`].
    pub fn sample_ancestral_many<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [[F; D]],
        components: Option<&mut [usize]>,
    ) -> Result<(), Error> {
        let rng = &mut as_rng_core(rng);
        self.many(|m| m.sample_ancestral_many(rng, x.as_flattened_mut(), components))
    }

    /// The distributional transform of every point; see
    /// [`DiagMixtureRef::cdf_many`].
    pub fn cdf_many(&self, x: &[[F; D]], u: &mut [[F; D]]) -> Result<(), Error> {
        self.many(|m| m.cdf_many(x.as_flattened(), u.as_flattened_mut()))
    }

    /// The quantile map of every row; see [`DiagMixtureRef::quantile_many`].
    pub fn quantile_many(&self, u: &[[F; D]], x: &mut [[F; D]]) -> Result<SolveStats, Error> {
        self.many(|m| m.quantile_many(u.as_flattened(), x.as_flattened_mut()))
    }

    /// `log q` of every point into `log_prob`; see
    /// [`DiagMixtureRef::log_prob_many`].
    pub fn log_prob_many(&self, x: &[[F; D]], log_prob: &mut [F]) -> Result<(), Error> {
        self.many(|m| m.log_prob_many(x.as_flattened(), log_prob))
    }

    /// `log q` of every point into `log_prob`, `∂ log q/∂x` per point into
    /// `x_grad` if given, and the gradient of `Σᵢ log q(xᵢ)` with respect
    /// to the parameters; see [`DiagMixtureRef::log_prob_grad_many`].
    pub fn log_prob_grad_many(
        &self,
        x: &[[F; D]],
        log_prob: &mut [F],
        x_grad: Option<&mut [[F; D]]>,
    ) -> Result<ParamGrad<F, K, D>, Error> {
        let mut g = ParamGrad::default();
        let (logits, means, scales) = g.parts_mut();
        let grad = LogProbGrad {
            x: x_grad.map(|g| g.as_flattened_mut()),
            logits: Some(logits),
            means: Some(means),
            scales: Some(scales),
        };
        self.many(|m| m.log_prob_grad_many(x.as_flattened(), log_prob, grad))?;
        Ok(g)
    }

    /// The vector–Jacobian product summed over the points; see
    /// [`DiagMixtureRef::vjp_many`].
    pub fn vjp_many(&self, x: &[[F; D]], x_bar: &[[F; D]]) -> Result<ParamGrad<F, K, D>, Error> {
        let mut g = ParamGrad::default();
        let (logits, means, scales) = g.parts_mut();
        let (x, x_bar) = (x.as_flattened(), x_bar.as_flattened());
        self.many(|m| m.vjp_many(x, x_bar, logits, means, scales))?;
        Ok(g)
    }

    /// Runs `op` on the many forms of the view with scratch sized by `K`.
    fn many<R>(&self, op: impl FnOnce(Many<'_, '_, F, Fixed<K>, G>) -> R) -> R {
        op(Many::new(&self.view(), Fixed::<K>))
    }
}
