//! The `rayon` forms of the batch calls whose rows are not independent:
//! the samplers (one generator stream) and the summed gradients (one sum
//! in row order). Each keeps the bits of the one-thread form:
//!
//! * the samplers draw the uniforms of all rows first, in the order the
//!   single calls consume them, then solve the rows in parallel;
//! * a summed gradient is formed from blocks of rows (about
//!   [`SUM_BUFFER`] entries) whose single-call gradients are computed in
//!   parallel into a buffer, then added to the totals in row order (in
//!   parallel over the entries).

use std::vec;
use std::vec::Vec;

use rand_core::RngCore;
use rayon::prelude::*;

use super::drive::{drive, rows_per_task, unit, In, Op, Out, RowWork};
use super::many::Many;
use super::{rows, rows_mut};
use crate::vjp::GradientRow;
use crate::workspace::{Scratch, Workspace};
use crate::{DiagBatchRef, Error, Family, Float, LogProbGrad, SolveStats};

/// Entries of single-call gradients a summed call holds at once (fewer
/// only when `n` rows need fewer; more when one block of rows must span
/// two tasks).
const SUM_BUFFER: usize = 1 << 17;

/// `buf.len()` uniforms from `rng`, in order.
fn draw_uniforms<F: Float, R: RngCore + ?Sized>(rng: &mut R, buf: &mut [F]) {
    for v in buf {
        *v = F::uniform(rng);
    }
}

/// `Σ_i row(i)` over `n` rows into `totals` (zeroed by the caller), in row
/// order: `row(i, g)` writes row `i`'s gradient `(ā, μ̄, σ̄)` into `g`.
///
/// The rows of a block are computed by [`drive`]'s tasks (one fork per
/// block, not per row: a fork costs more than a small row), then added.
fn sum_rows<F: Float>(
    n: usize,
    work: RowWork,
    totals: GradientRow<'_, F>,
    row: impl Fn(usize, GradientRow<'_, F>) -> Result<(), Error> + Sync,
) -> Result<(), Error> {
    let (k, kd) = (totals.0.len(), totals.1.len());
    let width = k + 2 * kd;
    let block_rows = (SUM_BUFFER / width).max(2 * rows_per_task(work)).min(n);
    let mut buf = vec![F::ZERO; block_rows * width];
    let (tl, tm, ts) = totals;
    for start in (0..n).step_by(block_rows.max(1)) {
        let m = block_rows.min(n - start);
        let block = buf.get_mut(..m * width).unwrap_or_default();
        let op = |first: usize, _, Out(g, _): Out<F>| {
            for (j, g) in g.chunks_exact_mut(width).enumerate() {
                let (l, rest) = g.split_at_mut(k);
                let (mu, sigma) = rest.split_at_mut(kd);
                row(start + first + j, (l, mu, sigma))?;
            }
            Ok(())
        };
        drive(m, work, Out(block, width), op, unit)?;
        for (offset, total) in [(0, &mut *tl), (k, &mut *tm), (k + kd, &mut *ts)] {
            add_in_row_order(total, block, width, offset);
        }
    }
    Ok(())
}

/// `total[j] += block[r·width + offset + j]` for the rows `r` in order.
fn add_in_row_order<F: Float>(total: &mut [F], block: &[F], width: usize, offset: usize) {
    total
        .par_chunks_mut(256)
        // Under 16 chunks the adding is shorter than a fork.
        .with_min_len(16)
        .enumerate()
        .for_each(|(c, chunk)| {
            let first = offset + c * 256;
            for g in block.chunks_exact(width) {
                let part = g.get(first..first + chunk.len()).unwrap_or_default();
                for (t, &v) in chunk.iter_mut().zip(part) {
                    *t += v;
                }
            }
        });
}

impl<F: Float, S: Scratch, G: Family> Many<'_, '_, F, S, G> {
    /// [`sample_quantile_many`](Self::sample_quantile_many), lengths
    /// checked, `n` rows: the uniforms first, then the quantiles.
    pub(crate) fn sample_quantile_many_par<R: RngCore + ?Sized>(
        &self,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
    ) -> Result<SolveStats, Error> {
        let mut own = Vec::new();
        let u = match u {
            Some(u) => u,
            None => {
                own.resize(x.len(), F::ZERO);
                &mut own[..]
            }
        };
        draw_uniforms(rng, u);
        self.quantile_rows(u, x)
    }

    /// [`sample_ancestral_many`](Self::sample_ancestral_many), lengths
    /// checked, `n` rows: `D + 1` uniforms per row first, then the draws.
    pub(crate) fn sample_ancestral_many_par<R: RngCore + ?Sized>(
        &self,
        rng: &mut R,
        x: &mut [F],
        components: Option<&mut [usize]>,
    ) -> Result<(), Error> {
        let (dims, n) = (self.mix.num_dims(), x.len() / self.mix.num_dims());
        let mut uniforms = vec![F::ZERO; n * (dims + 1)];
        draw_uniforms(rng, &mut uniforms);
        let bufs = (
            In(&uniforms[..], dims + 1),
            Out(x, dims),
            components.map(|c| Out(c, 1)),
        );
        let op = |_, _, (In(u, _), Out(x, _), c): (In<F>, Out<F>, Option<Out<usize>>)| {
            self.on_stack(|ws| {
                let Workspace { mut weights, p, .. } = ws;
                weights.init(self.mix.logits());
                weights.responsibilities(p);
                let mut slots = c.map(|Out(c, _)| c.iter_mut());
                for (ui, xi) in rows(u, dims + 1).zip(rows_mut(x, dims)) {
                    let mut next = ui.iter().copied();
                    let k = self
                        .mix
                        .ancestral_draw(p, || next.next().unwrap_or(F::HALF), xi);
                    if let Some(slot) = slots.as_mut().and_then(Iterator::next) {
                        *slot = k;
                    }
                }
                Ok(())
            })
        };
        drive(n, self.work(Op::SampleAncestral), bufs, op, unit)
    }

    /// The summed vjp of [`vjp_many`](Self::vjp_many), inputs checked and
    /// past the zero-density pre-pass, outputs zeroed.
    pub(crate) fn vjp_sum_par(
        &self,
        x: &[F],
        x_bar: &[F],
        outs: GradientRow<'_, F>,
    ) -> Result<(), Error> {
        let dims = self.mix.num_dims();
        let row = |i: usize, (l, m, s): GradientRow<'_, F>| {
            let (xi, xb) = (rows(x, dims).nth(i), rows(x_bar, dims).nth(i));
            let (xi, xb) = (xi.unwrap_or_default(), xb.unwrap_or_default());
            self.on_stack(|ws| self.mix.vjp_on(ws, xi, xb, l, m, s))
        };
        sum_rows(x.len() / dims, self.work(Op::Vjp), outs, row)
    }

    /// [`log_prob_grad_many`](Self::log_prob_grad_many) with summed
    /// outputs, inputs checked, the summed outputs zeroed.
    pub(crate) fn log_prob_grad_sum_par(
        &self,
        x: &[F],
        log_prob: &mut [F],
        grad: LogProbGrad<'_, F>,
    ) -> Result<(), Error> {
        let LogProbGrad {
            x: gx,
            logits,
            means,
            scales,
        } = grad;
        let dims = self.mix.num_dims();
        let n = log_prob.len();
        // log q and ∂/∂x per row first; the parameter gradients summed.
        let per_row = |_, _, (In(x, _), Out(lp, _), gx): (In<F>, Out<F>, Option<Out<F>>)| {
            let grad = LogProbGrad {
                x: gx.map(|Out(g, _)| g),
                ..LogProbGrad::default()
            };
            self.log_prob_grad_rows(x, lp, grad)
        };
        drive(
            n,
            self.work(Op::LogProb),
            (In(x, dims), Out(log_prob, 1), gx.map(|g| Out(g, dims))),
            per_row,
            unit,
        )?;
        // The gradients the caller did not ask for are summed into scratch
        // and dropped: the rows are computed whole either way.
        let (k, kd) = (self.mix.num_components(), self.mix.means().len());
        let mut spare = vec![F::ZERO; k + 2 * kd];
        let (sl, rest) = spare.split_at_mut(k);
        let (sm, ss) = rest.split_at_mut(kd);
        let totals = (
            logits.unwrap_or(sl),
            means.unwrap_or(sm),
            scales.unwrap_or(ss),
        );
        let row = |i: usize, (l, m, s): GradientRow<'_, F>| {
            let xi = rows(x, dims).nth(i).unwrap_or_default();
            let grad = LogProbGrad {
                x: None,
                logits: Some(l),
                means: Some(m),
                scales: Some(s),
            };
            self.on_stack(|ws| self.mix.log_prob_on(ws, xi, grad))
                .map(|_| ())
        };
        sum_rows(n, self.work(Op::LogProbGrad), totals, row)
    }
}

impl<F: Float, G: Family> DiagBatchRef<'_, F, G> {
    /// [`sample_quantile`](Self::sample_quantile), lengths checked: the
    /// uniforms first, then the quantiles.
    pub(crate) fn sample_quantile_par<R: RngCore + ?Sized>(
        &self,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
    ) -> Result<SolveStats, Error> {
        let mut own = Vec::new();
        let u = match u {
            Some(u) => u,
            None => {
                own.resize(x.len(), F::ZERO);
                &mut own[..]
            }
        };
        draw_uniforms(rng, u);
        self.quantile_rows(u, x)
    }

    /// [`sample_ancestral`](Self::sample_ancestral), lengths checked:
    /// `D + 1` uniforms per row first, then the draws.
    pub(crate) fn sample_ancestral_par<R: RngCore + ?Sized>(
        &self,
        rng: &mut R,
        x: &mut [F],
        components: Option<&mut [usize]>,
    ) -> Result<(), Error> {
        let dims = self.num_dims();
        let mut uniforms = vec![F::ZERO; self.len() * (dims + 1)];
        draw_uniforms(rng, &mut uniforms);
        let bufs = (
            *self,
            (In(&uniforms[..], dims + 1), Out(x, dims)),
            components.map(|c| Out(c, 1)),
        );
        type Bufs<'b, 'a, F, G> = (
            DiagBatchRef<'a, F, G>,
            (In<'b, F>, Out<'b, F>),
            Option<Out<'b, usize>>,
        );
        let op = |_, _, (batch, (In(u, _), Out(x, _)), c): Bufs<'_, '_, F, G>| {
            workspace_for(&batch, |mut ws| {
                let mut slots = c.map(|Out(c, _)| c.iter_mut());
                for (mix, (ui, xi)) in batch.iter().zip(rows(u, dims + 1).zip(rows_mut(x, dims))) {
                    let Workspace { weights, p, .. } = ws.reborrow();
                    let mut weights = weights;
                    weights.init(mix.logits());
                    weights.responsibilities(p);
                    let mut next = ui.iter().copied();
                    let k = mix.ancestral_draw(p, || next.next().unwrap_or(F::HALF), xi);
                    if let Some(slot) = slots.as_mut().and_then(Iterator::next) {
                        *slot = k;
                    }
                }
                Ok(())
            })
        };
        drive(
            self.len(),
            RowWork::of(Op::SampleAncestral, self.num_components() * self.num_dims()),
            bufs,
            op,
            unit,
        )
    }
}

/// Runs `op` on a stack workspace for the batch's `K`.
fn workspace_for<F: Float, G: Family, R>(
    batch: &DiagBatchRef<'_, F, G>,
    op: impl FnOnce(Workspace<'_, F>) -> Result<R, Error>,
) -> Result<R, Error> {
    crate::workspace::on_stack(batch.num_components(), op)
}
