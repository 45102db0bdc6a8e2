//! Running a batch's rows in blocks: all in one block on one thread, or,
//! with the `rayon` feature, split between rows into halves down to a task
//! of [`rows_per_task`] rows and run on rayon's threads. A block of rows is
//! processed exactly as the whole call would process them, so results do
//! not depend on the split; errors come back from the first failing row in
//! row order.

#[cfg(feature = "rayon")]
use crate::DiagBatchRef;
use crate::Error;

/// The operations a batch runs over rows, told apart by what one
/// parameter entry costs them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Op {
    /// The zero-density pre-pass.
    Screen,
    /// Only the parallel samplers split their rows.
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))]
    SampleAncestral,
    LogProb,
    LogProbGrad,
    Cdf,
    Vjp,
    /// The quantile solve, with or without drawing the uniforms.
    Quantile,
}

/// The work of one row: its `K·D` parameter entries weighted by what an
/// entry costs the operation, in proportion to the loops of single calls
/// the batch table times (docs/performance.md, "Batches"). A parallel run
/// splits rows by work, not by entries: handing rows to rayon's threads has
/// a fixed cost, and a `log_prob` row must bring five times the entries of
/// a `vjp` row to repay it.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "rayon"), allow(dead_code))]
pub(crate) struct RowWork(usize);

impl RowWork {
    /// A row of `kd` entries of `op`.
    pub fn of(op: Op, kd: usize) -> Self {
        let per_entry = match op {
            Op::Screen | Op::SampleAncestral => 1,
            Op::LogProb => 4,
            Op::LogProbGrad => 8,
            Op::Cdf => 14,
            Op::Vjp => 22,
            Op::Quantile => 40,
        };
        RowWork(kd.max(1).saturating_mul(per_entry))
    }
}

/// The work of one task: 8192 entries of `vjp`.
#[cfg(feature = "rayon")]
const TASK_WORK: usize = 22 * 8192;

/// The fewest rows a parallel run hands one task: at least 16, and at
/// least [`TASK_WORK`].
#[cfg(feature = "rayon")]
pub(crate) fn rows_per_task(work: RowWork) -> usize {
    (TASK_WORK / work.0.max(1)).max(16)
}

/// Whether `n` rows of `work` each are worth splitting.
#[cfg(feature = "rayon")]
pub(crate) fn splits(n: usize, work: RowWork) -> bool {
    n >= 2 * rows_per_task(work)
}

/// Buffers of rows a parallel run can cut between rows: `split_rows(at)`
/// gives rows `..at` and `at..`.
#[cfg(feature = "rayon")]
pub(crate) trait RowSplit: Sized + Send {
    fn split_rows(self, at: usize) -> (Self, Self);
}

/// Input rows of `width` values.
#[derive(Clone, Copy)]
#[cfg_attr(not(feature = "rayon"), allow(dead_code))]
pub(crate) struct In<'a, T>(pub &'a [T], pub usize);

/// Output rows of `width` values.
#[cfg_attr(not(feature = "rayon"), allow(dead_code))]
pub(crate) struct Out<'a, T>(pub &'a mut [T], pub usize);

#[cfg(feature = "rayon")]
impl<T: Sync> RowSplit for In<'_, T> {
    fn split_rows(self, at: usize) -> (Self, Self) {
        let (a, b) = self.0.split_at(at.saturating_mul(self.1).min(self.0.len()));
        (In(a, self.1), In(b, self.1))
    }
}

#[cfg(feature = "rayon")]
impl<T: Send> RowSplit for Out<'_, T> {
    fn split_rows(self, at: usize) -> (Self, Self) {
        let mid = at.saturating_mul(self.1).min(self.0.len());
        let (a, b) = self.0.split_at_mut(mid);
        (Out(a, self.1), Out(b, self.1))
    }
}

#[cfg(feature = "rayon")]
impl<R: RowSplit> RowSplit for Option<R> {
    fn split_rows(self, at: usize) -> (Self, Self) {
        match self {
            Some(r) => {
                let (a, b) = r.split_rows(at);
                (Some(a), Some(b))
            }
            None => (None, None),
        }
    }
}

#[cfg(feature = "rayon")]
impl<A: RowSplit, B: RowSplit> RowSplit for (A, B) {
    fn split_rows(self, at: usize) -> (Self, Self) {
        let ((a0, a1), (b0, b1)) = (self.0.split_rows(at), self.1.split_rows(at));
        ((a0, b0), (a1, b1))
    }
}

#[cfg(feature = "rayon")]
impl<A: RowSplit, B: RowSplit, C: RowSplit> RowSplit for (A, B, C) {
    fn split_rows(self, at: usize) -> (Self, Self) {
        let ((a, b), (c, d)) = ((self.0, self.1).split_rows(at), self.2.split_rows(at));
        ((a.0, a.1, c), (b.0, b.1, d))
    }
}

#[cfg(feature = "rayon")]
impl<F: crate::Float, G: crate::Family> RowSplit for DiagBatchRef<'_, F, G> {
    fn split_rows(self, at: usize) -> (Self, Self) {
        self.split_at(at)
    }
}

/// Runs `op(first_row, rows, bufs)` over the `n` rows of `bufs`: once, on
/// this thread.
#[cfg(not(feature = "rayon"))]
#[inline(always)]
pub(crate) fn drive<B, R>(
    n: usize,
    _work: RowWork,
    bufs: B,
    op: impl Fn(usize, usize, B) -> Result<R, Error>,
    _merge: fn(R, R) -> R,
) -> Result<R, Error> {
    op(0, n, bufs)
}

/// Runs `op(first_row, rows, bufs)` over the `n` rows of `bufs` (of
/// `work` each), split into halves down to
/// [`rows_per_task`] rows on rayon's threads; results are combined by
/// `merge` (left, right), errors from the first failing row.
#[cfg(feature = "rayon")]
pub(crate) fn drive<B: RowSplit, R: Send>(
    n: usize,
    work: RowWork,
    bufs: B,
    op: impl Fn(usize, usize, B) -> Result<R, Error> + Sync,
    merge: fn(R, R) -> R,
) -> Result<R, Error> {
    let task = Task {
        op: &op,
        merge,
        rows: rows_per_task(work),
    };
    task.split(0, n, bufs)
}

/// A parallel run: the operation, how results combine, rows per task.
#[cfg(feature = "rayon")]
struct Task<'o, O, R> {
    op: &'o O,
    merge: fn(R, R) -> R,
    rows: usize,
}

#[cfg(feature = "rayon")]
impl<O, R: Send> Task<'_, O, R> {
    fn split<B: RowSplit>(&self, first: usize, n: usize, bufs: B) -> Result<R, Error>
    where
        O: Fn(usize, usize, B) -> Result<R, Error> + Sync,
    {
        if n < 2 * self.rows {
            return (self.op)(first, n, bufs);
        }
        let half = n / 2;
        let (left, right) = bufs.split_rows(half);
        let (a, b) = rayon::join(
            || self.split(first, half, left),
            || self.split(first + half, n - half, right),
        );
        Ok((self.merge)(a?, b?))
    }
}

/// Nothing to combine.
pub(crate) fn unit((): (), (): ()) {}
