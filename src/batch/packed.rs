//! A packed batch of mixtures (docs/math.md §8.2): `n` mixtures of the same
//! `K` and `D`, one point each, results per mixture.

use crate::rng::{as_rng_core, RandomSource};
use core::num::NonZeroUsize;

use super::drive::{drive, unit, In, Op, Out, RowWork};
use super::prepass::Screen;
use super::{check_each_row, check_rows, row_count, rows, rows_mut};
use super::{first_refused, log_scale_buffer, HOISTED_LOG_SCALES};
use crate::family::Gaussian;
use crate::layout::ComponentMajor;
use crate::workspace::{self, Workspace};
use crate::MAX_COMPONENTS;
use crate::{Buffer, DiagMixtureRef, Error, ErrorKind, Family, Float, LogProbGrad, SolveStats};

/// `n` diagonal Gaussian mixtures of `K` components in `D` dimensions,
/// packed: mixture `i` has logits `logits[i·K..][..K]` and means and scales
/// `[i·K·D..][..K·D]` (component-major, as [`DiagMixtureRef`]). Validated
/// once, by [`new`](Self::new); every operation takes one point per mixture
/// and returns results per mixture, each equal bit for bit to the single
/// call on [`mixture`](Self::mixture)`(i)`.
///
/// ```
/// use mixgrad::DiagBatchRef;
/// // Two mixtures, K = 2, D = 1: an encoder's output for two data points.
/// let logits = [0.0, 0.0, 1.0, -1.0];
/// let means = [-1.0, 1.0, 0.0, 3.0];
/// let scales = [0.5, 0.5, 1.0, 2.0];
/// let batch = DiagBatchRef::new(&logits, &means, &scales, 2, 1)?;
/// let x = [0.1, 2.0]; // one point per mixture
/// let mut log_prob = [0.0; 2];
/// batch.log_prob(&x, &mut log_prob)?;
/// assert_eq!(log_prob[1], batch.mixture(1).unwrap().log_prob(&x[1..])?);
/// # Ok::<(), mixgrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct DiagBatchRef<'a, F, G = Gaussian> {
    /// The family of every mixture's components.
    family: G,
    logits: &'a [F],
    means: &'a [F],
    scales: &'a [F],
    /// The shape of one mixture's `means` and `scales`.
    shape: ComponentMajor,
    /// `n`.
    len: usize,
}

impl<'a, F: Float> DiagBatchRef<'a, F> {
    /// Validates `n = logits.len() / K` mixtures and wraps them.
    ///
    /// Errors: [`ErrorKind::NoComponents`], [`ErrorKind::NoDimensions`],
    /// [`ErrorKind::TooManyComponents`], [`ErrorKind::ParameterShape`]
    /// (`logits` not a multiple of `K`, or `means`/`scales` not `n·K·D`
    /// values), [`ErrorKind::SizeOverflow`], then the values of each
    /// mixture in order, as [`DiagMixtureRef::new`], with
    /// [`Error::row`] the mixture.
    pub fn new(
        logits: &'a [F],
        means: &'a [F],
        scales: &'a [F],
        num_components: usize,
        num_dims: usize,
    ) -> Result<Self, Error> {
        Self::of_family(Gaussian, logits, means, scales, num_components, num_dims)
    }
}

impl<'a, F: Float, G: Family> DiagBatchRef<'a, F, G> {
    /// `n` mixtures of the location-scale family `G` (docs/math.md §9),
    /// validated as by [`new`](DiagBatchRef::new), with the same errors.
    pub fn of_family(
        family: G,
        logits: &'a [F],
        means: &'a [F],
        scales: &'a [F],
        num_components: usize,
        num_dims: usize,
    ) -> Result<Self, Error> {
        let k = NonZeroUsize::new(num_components).ok_or(ErrorKind::NoComponents)?;
        let dims = NonZeroUsize::new(num_dims).ok_or(ErrorKind::NoDimensions)?;
        if k.get() > MAX_COMPONENTS {
            let kind = ErrorKind::TooManyComponents;
            return Err(Error::length(kind, Buffer::Logits, MAX_COMPONENTS, k.get()));
        }
        let shape_err = |e: Error| match e.lengths() {
            Some((expected, actual)) => Error::length(
                ErrorKind::ParameterShape,
                e.buffer().unwrap_or(Buffer::Logits),
                expected,
                actual,
            ),
            None => e,
        };
        let len = row_count(logits, k.get(), Buffer::Logits).map_err(shape_err)?;
        let shape = ComponentMajor::new(k.get(), dims);
        for (buffer, values) in [(Buffer::Means, means), (Buffer::Scales, scales)] {
            check_rows(values, len, shape.len(), buffer).map_err(shape_err)?;
        }
        let batch = DiagBatchRef {
            family,
            logits,
            means,
            scales,
            shape,
            len,
        };
        for i in 0..len {
            let (l, m, s) = batch.parts(i);
            DiagMixtureRef::of_family(family, l, m, s, num_dims).map_err(|e| e.in_row(i))?;
        }
        Ok(batch)
    }

    /// The family of the components.
    pub fn family(&self) -> G {
        self.family
    }

    /// `n`, the number of mixtures.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the batch holds no mixture (`n = 0`, which is valid).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `K`.
    pub fn num_components(&self) -> usize {
        self.shape.components()
    }

    /// `D`.
    pub fn num_dims(&self) -> usize {
        self.shape.dims().get()
    }

    /// Mixture `i`, already validated (`None` for `i ≥ n`).
    pub fn mixture(&self, i: usize) -> Option<DiagMixtureRef<'a, F, G>> {
        (i < self.len).then(|| {
            let (l, m, s) = self.parts(i);
            DiagMixtureRef::from_validated(l, m, s, self.shape)
        })
    }

    /// The mixtures in order.
    pub fn iter(&self) -> impl Iterator<Item = DiagMixtureRef<'a, F, G>> + '_ {
        (0..self.len).filter_map(|i| self.mixture(i))
    }

    /// Mixtures `..at` and `at..` (`at ≤ n`), each still validated.
    #[cfg(feature = "rayon")]
    pub(crate) fn split_at(self, at: usize) -> (Self, Self) {
        let at = at.min(self.len);
        let (k, kd) = (self.num_components(), self.shape.len());
        let (l0, l1) = self.logits.split_at(at * k);
        let (m0, m1) = self.means.split_at(at * kd);
        let (s0, s1) = self.scales.split_at(at * kd);
        let part = |logits, means, scales, len| DiagBatchRef {
            family: self.family,
            logits,
            means,
            scales,
            shape: self.shape,
            len,
        };
        (part(l0, m0, s0, at), part(l1, m1, s1, self.len - at))
    }

    /// The parameter slices of mixture `i < n` (empty past the end).
    fn parts(&self, i: usize) -> (&'a [F], &'a [F], &'a [F]) {
        let (k, kd) = (self.num_components(), self.shape.len());
        let logits = self.logits.get(i * k..(i + 1) * k).unwrap_or_default();
        let means = self.means.get(i * kd..(i + 1) * kd).unwrap_or_default();
        let scales = self.scales.get(i * kd..(i + 1) * kd).unwrap_or_default();
        (logits, means, scales)
    }

    /// The work of one row of `op` on these mixtures.
    fn work(&self, op: Op) -> RowWork {
        RowWork::of(op, self.shape.len())
    }

    /// Runs `op` on one stack workspace for `K` components.
    fn on_stack<R>(
        &self,
        op: impl FnOnce(Workspace<'_, F>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        workspace::on_stack(self.num_components(), op)
    }

    /// `Ok` if `buf` holds one row of `width` values per mixture.
    fn check_rows<T>(&self, buf: &[T], width: usize, which: Buffer) -> Result<(), Error> {
        check_rows(buf, self.len, width, which)
    }

    /// `Ok` if `x` (or a cotangent, by `check`) holds a valid row per
    /// mixture; the first bad row is [`Error::row`].
    fn check_each(
        &self,
        values: &[F],
        which: Buffer,
        check: impl Fn(&DiagMixtureRef<'a, F, G>, &[F]) -> Result<(), Error>,
    ) -> Result<(), Error> {
        self.check_rows(values, self.num_dims(), which)?;
        let mut mixtures = self.iter();
        check_each_row(values, self.num_dims(), |row| match mixtures.next() {
            Some(mix) => check(&mix, row),
            None => Ok(()),
        })
    }
}

impl<F: Float, G: Family> DiagBatchRef<'_, F, G> {
    /// A quantile-sampler draw from every mixture in order into `x` (`n·D`
    /// values) and, if given, the uniforms into `u` (`n·D`): the draws of
    /// `n` single [`DiagMixtureRef::sample_quantile`] calls, from the same
    /// `n·D` uniforms. Errors: [`ErrorKind::BufferLength`]; then nothing
    /// is written and the generator is not advanced.
    pub fn sample_quantile<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
    ) -> Result<SolveStats, Error> {
        let rng = &mut as_rng_core(rng);
        let dims = self.num_dims();
        self.check_rows(x, dims, Buffer::Output)?;
        if let Some(u) = u.as_deref() {
            self.check_rows(u, dims, Buffer::Output)?;
        }
        #[cfg(feature = "rayon")]
        if super::drive::splits(self.len, self.work(Op::Quantile)) {
            return self.sample_quantile_par(rng, x, u);
        }
        let mut u_rows = u.map(|u| rows_mut(u, dims));
        let mut stats = SolveStats::default();
        self.on_stack(|mut ws| {
            for (mix, xi) in self.iter().zip(rows_mut(x, dims)) {
                let ui = u_rows.as_mut().and_then(Iterator::next);
                stats.merge(mix.sample_quantile_on(ws.reborrow(), rng, xi, ui)?);
            }
            Ok(stats)
        })
    }

    /// An ancestral draw from every mixture in order into `x` (`n·D`
    /// values) and, if given, the components into `components` (`n`): the
    /// draws of `n` single [`DiagMixtureRef::sample_ancestral`] calls.
    /// Errors as [`sample_quantile`](Self::sample_quantile).
    pub fn sample_ancestral<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        x: &mut [F],
        components: Option<&mut [usize]>,
    ) -> Result<(), Error> {
        let rng = &mut as_rng_core(rng);
        let dims = self.num_dims();
        self.check_rows(x, dims, Buffer::Output)?;
        if let Some(c) = components.as_deref() {
            self.check_rows(c, 1, Buffer::Components)?;
        }
        #[cfg(feature = "rayon")]
        if super::drive::splits(self.len, self.work(Op::SampleAncestral)) {
            return self.sample_ancestral_par(rng, x, components);
        }
        let mut slots = components.map(|c| c.iter_mut());
        self.on_stack(|mut ws| {
            for (mix, xi) in self.iter().zip(rows_mut(x, dims)) {
                let k = mix.sample_ancestral_on(ws.reborrow(), rng, xi)?;
                if let Some(slot) = slots.as_mut().and_then(Iterator::next) {
                    *slot = k;
                }
            }
            Ok(())
        })
    }

    /// [`DiagMixtureRef::cdf`] of point `i` (row `i` of `x`, `n·D` values)
    /// under mixture `i`, into row `i` of `u`. Errors:
    /// [`ErrorKind::BufferLength`], [`ErrorKind::NonFiniteX`] in any row
    /// ([`Error::row`]); then `u` is untouched.
    pub fn cdf(&self, x: &[F], u: &mut [F]) -> Result<(), Error> {
        let dims = self.num_dims();
        self.check_each(x, Buffer::X, |mix, xi| mix.check_x(xi))?;
        self.check_rows(u, dims, Buffer::Output)?;
        let op = |_, _, (batch, In(x, _), Out(u, _)): (Self, In<F>, Out<F>)| {
            batch.on_stack(|mut ws| {
                for (mix, (xi, ui)) in batch.iter().zip(rows(x, dims).zip(rows_mut(u, dims))) {
                    mix.cdf_on(ws.reborrow(), xi, ui, None, None)?;
                }
                Ok(())
            })
        };
        drive(
            self.len,
            self.work(Op::Cdf),
            (*self, In(x, dims), Out(u, dims)),
            op,
            unit,
        )
    }

    /// [`DiagMixtureRef::quantile`] of row `i` of `u` (`n·D` values) under
    /// mixture `i`, into row `i` of `x`. Errors: [`ErrorKind::BufferLength`],
    /// [`ErrorKind::UniformOutOfRange`] in any row; then `x` is untouched.
    pub fn quantile(&self, u: &[F], x: &mut [F]) -> Result<SolveStats, Error> {
        let dims = self.num_dims();
        self.check_each(u, Buffer::U, |mix, ui| mix.check_u(ui))?;
        self.check_rows(x, dims, Buffer::Output)?;
        self.quantile_rows(u, x)
    }

    /// [`quantile`](Self::quantile) with its inputs checked.
    pub(crate) fn quantile_rows(&self, u: &[F], x: &mut [F]) -> Result<SolveStats, Error> {
        let dims = self.num_dims();
        let op = |_, _, (batch, In(u, _), Out(x, _)): (Self, In<F>, Out<F>)| {
            let mut stats = SolveStats::default();
            batch.on_stack(|mut ws| {
                for (mix, (ui, xi)) in batch.iter().zip(rows(u, dims).zip(rows_mut(x, dims))) {
                    stats.merge(mix.quantile_on(ws.reborrow(), ui, xi)?);
                }
                Ok(stats)
            })
        };
        let bufs = (*self, In(u, dims), Out(x, dims));
        drive(
            self.len,
            self.work(Op::Quantile),
            bufs,
            op,
            SolveStats::merged,
        )
    }

    /// `log qᵢ(xᵢ)` for every mixture into `log_prob` (`n` values).
    /// Errors: [`ErrorKind::BufferLength`], [`ErrorKind::NonFiniteX`] in any
    /// row; then nothing is written.
    pub fn log_prob(&self, x: &[F], log_prob: &mut [F]) -> Result<(), Error> {
        self.log_prob_grad(x, log_prob, LogProbGrad::default())
    }

    /// `log qᵢ(xᵢ)` into `log_prob` (`n` values) and any of its gradients,
    /// per mixture: `grad.x` `n·D` values, `grad.logits` `n·K`,
    /// `grad.means` and `grad.scales` `n·K·D`, each row that of
    /// [`DiagMixtureRef::log_prob_grad`] for mixture `i`. Errors as
    /// [`log_prob`](Self::log_prob).
    pub fn log_prob_grad(
        &self,
        x: &[F],
        log_prob: &mut [F],
        grad: LogProbGrad<'_, F>,
    ) -> Result<(), Error> {
        let (k, dims, kd) = (self.num_components(), self.num_dims(), self.shape.len());
        self.check_each(x, Buffer::X, |mix, xi| mix.check_x(xi))?;
        self.check_rows(log_prob, 1, Buffer::Output)?;
        let wanted = [
            (grad.x.as_deref(), dims, Buffer::Output),
            (grad.logits.as_deref(), k, Buffer::LogitsBar),
            (grad.means.as_deref(), kd, Buffer::MeansBar),
            (grad.scales.as_deref(), kd, Buffer::ScalesBar),
        ];
        for (g, width, which) in wanted {
            if let Some(g) = g {
                self.check_rows(g, width, which)?;
            }
        }
        let cost = match grad {
            LogProbGrad {
                x: None,
                logits: None,
                means: None,
                scales: None,
            } => Op::LogProb,
            _ => Op::LogProbGrad,
        };
        let grads = (
            (grad.x.map(|g| Out(g, dims)), grad.logits.map(|g| Out(g, k))),
            grad.means.map(|g| Out(g, kd)),
            grad.scales.map(|g| Out(g, kd)),
        );
        let bufs = (*self, (In(x, dims), Out(log_prob, 1)), grads);
        drive(
            self.len,
            self.work(cost),
            bufs,
            |_, _, bufs| Self::log_prob_grad_rows(bufs),
            unit,
        )
    }

    /// [`log_prob_grad`](Self::log_prob_grad) of one block of rows.
    fn log_prob_grad_rows(
        (batch, (In(x, dims), Out(lp, _)), grads): LogProbRows<'_, '_, F, G>,
    ) -> Result<(), Error> {
        let ((gx, gl), gm, gs) = grads;
        let mut gx = gx.map(|Out(g, w)| rows_mut(g, w));
        let mut gl = gl.map(|Out(g, w)| rows_mut(g, w));
        let mut gm = gm.map(|Out(g, w)| rows_mut(g, w));
        let mut gs = gs.map(|Out(g, w)| rows_mut(g, w));
        batch.on_stack(|mut ws| {
            for (mix, (xi, lp)) in batch.iter().zip(rows(x, dims).zip(lp.iter_mut())) {
                let row = LogProbGrad {
                    x: gx.as_mut().and_then(Iterator::next),
                    logits: gl.as_mut().and_then(Iterator::next),
                    means: gm.as_mut().and_then(Iterator::next),
                    scales: gs.as_mut().and_then(Iterator::next),
                };
                *lp = mix.log_prob_on(ws.reborrow(), xi, row)?;
            }
            Ok(())
        })
    }

    /// The first mixture whose point (row of `x`, `n·D` values) a single
    /// [`DiagMixtureRef::vjp`] would refuse with [`ErrorKind::ZeroDensity`],
    /// if any: the forward pre-pass of [`vjp`](Self::vjp) alone. Errors:
    /// [`ErrorKind::BufferLength`], [`ErrorKind::NonFiniteX`] in any row.
    pub fn first_zero_density(&self, x: &[F]) -> Result<Option<usize>, Error> {
        self.check_each(x, Buffer::X, |mix, xi| mix.check_x(xi))?;
        first_refused(self.density_rows(x))
    }

    /// The zero-density pre-pass: [`ErrorKind::ZeroDensity`] for the first
    /// row whose gradient a single call would refuse.
    fn density_rows(&self, x: &[F]) -> Result<(), Error> {
        let dims = self.num_dims();
        let screen = Screen::over::<G>(self.logits, self.scales, self.num_components(), dims);
        let op = |first: usize, _, (batch, In(x, _)): (Self, In<F>)| {
            batch.on_stack(|mut ws| {
                let mut mixtures = batch.iter();
                check_each_row(x, dims, |xi| match mixtures.next() {
                    Some(mix) => mix.check_density(&screen, &mut ws, xi),
                    None => Ok(()),
                })
                .map_err(|e| e.in_row(first + e.row().unwrap_or(0)))
            })
        };
        let work = self.work(Op::Screen);
        drive(self.len, work, (*self, In(x, dims)), op, unit)
    }

    /// [`DiagMixtureRef::vjp`] per mixture: row `i` of `x` and `x_bar`
    /// (`n·D` values each) under mixture `i`, into row `i` of `logits_bar`
    /// (`n·K`), `means_bar` and `scales_bar` (`n·K·D`), overwritten.
    ///
    /// Errors: [`ErrorKind::BufferLength`], [`ErrorKind::NonFiniteX`],
    /// [`ErrorKind::NonFiniteCotangent`], [`ErrorKind::ZeroDensity`] in any
    /// row (the first is [`Error::row`], found by a forward pre-pass over
    /// every row); then nothing is written.
    pub fn vjp(
        &self,
        x: &[F],
        x_bar: &[F],
        logits_bar: &mut [F],
        means_bar: &mut [F],
        scales_bar: &mut [F],
    ) -> Result<(), Error> {
        let (k, dims, kd) = (self.num_components(), self.num_dims(), self.shape.len());
        self.check_each(x, Buffer::X, |mix, xi| mix.check_x(xi))?;
        self.check_each(x_bar, Buffer::XBar, |mix, xb| {
            mix.check_finite(xb, Buffer::XBar)
        })?;
        self.check_rows(logits_bar, k, Buffer::LogitsBar)?;
        self.check_rows(means_bar, kd, Buffer::MeansBar)?;
        self.check_rows(scales_bar, kd, Buffer::ScalesBar)?;
        if let (1, Some(mix)) = (self.len, self.mixture(0)) {
            // A lone mixture: the single call (its forward test is the
            // pre-pass), without the fixed costs of the batch path.
            return mix
                .vjp(x, x_bar, logits_bar, means_bar, scales_bar)
                .map_err(|e| e.in_row(0));
        }
        // Nothing is written before every row is known to have a
        // representable gradient.
        self.density_rows(x)?;
        let outs = (Out(logits_bar, k), Out(means_bar, kd), Out(scales_bar, kd));
        let bufs = (*self, (In(x, dims), In(x_bar, dims)), outs);
        drive(
            self.len,
            self.work(Op::Vjp),
            bufs,
            |_, _, bufs| Self::vjp_rows(bufs),
            unit,
        )
    }

    /// [`vjp`](Self::vjp) of one block of rows, past the pre-pass.
    fn vjp_rows(
        (batch, (In(x, dims), In(x_bar, _)), outs): VjpRows<'_, '_, F, G>,
    ) -> Result<(), Error> {
        let (Out(l, k), Out(m, kd), Out(s, _)) = outs;
        let outs = rows_mut(l, k).zip(rows_mut(m, kd).zip(rows_mut(s, kd)));
        let ins = rows(x, dims).zip(rows(x_bar, dims));
        // ln σ once per row for its two passes (forward and sweep), in one
        // buffer for the block of rows.
        let hoist = kd <= HOISTED_LOG_SCALES;
        log_scale_buffer(if hoist { kd } else { 0 }, |buf| {
            batch.on_stack(|mut ws| {
                for (mix, ((xi, xb), (lb, (mb, sb)))) in batch.iter().zip(ins.zip(outs)) {
                    let mix = if hoist {
                        mix.with_log_scales(&mut *buf)?
                    } else {
                        mix
                    };
                    mix.vjp_on(ws.reborrow(), xi, xb, lb, mb, sb)?;
                }
                Ok(())
            })
        })
    }
}

/// The buffers of [`DiagBatchRef::log_prob_grad`] for one block of rows.
type LogProbRows<'b, 'a, F, G> = (
    DiagBatchRef<'a, F, G>,
    (In<'b, F>, Out<'b, F>),
    (
        (Option<Out<'b, F>>, Option<Out<'b, F>>),
        Option<Out<'b, F>>,
        Option<Out<'b, F>>,
    ),
);

/// The buffers of [`DiagBatchRef::vjp`] for one block of rows.
type VjpRows<'b, 'a, F, G> = (
    DiagBatchRef<'a, F, G>,
    (In<'b, F>, In<'b, F>),
    (Out<'b, F>, Out<'b, F>, Out<'b, F>),
);
