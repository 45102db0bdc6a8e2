//! Batches (docs/math.md §8): `n` rows through one call, in two shapes.
//!
//! * **many** — `n` points of *one* mixture ([`DiagMixtureRef::cdf_many`]
//!   and the other `*_many` methods; `x` holds `n·D` values, row `i` at
//!   `i·D`). Parameter gradients are *summed* over the rows: the gradient
//!   of a batch loss with respect to the shared parameters.
//! * **batch** — `n` *different* mixtures of the same `K` and `D`, packed
//!   ([`DiagBatchRef`]), one point each, gradients per mixture: the
//!   amortised-inference (VAE encoder) shape.
//!
//! Every row runs the single-call kernels unchanged, so the contract is
//! exact:
//!
//! * a row's result equals the single call's bit for bit; a sampler over
//!   `n` rows consumes the uniforms of `n` consecutive single calls;
//! * a summed gradient is `((0 + g₀) + g₁) + … + g_{n−1}` entry by entry,
//!   the single-call gradients `gᵢ` added in row order to `+0`
//!   ([`Accumulate`]): the same bits with or without the `rayon` feature
//!   and for any thread count;
//! * validation runs once per call, before anything is written: the
//!   parameters once (per mixture for a batch), then every row's `x`, `u`
//!   or cotangent. The first bad row refuses the whole call
//!   ([`Error::row`](crate::Error::row) says which) and nothing is written;
//! * the zero-density refusal ([`ErrorKind::ZeroDensity`]), which only the
//!   log-weight recursion reveals, is found by a forward pre-pass over all
//!   rows (`O(nDK)` without `exp`) before anything is written: such a row
//!   refuses the call like a bad input, and `Error::row` names the first.
//!   The gradient a single call would refuse is never silently dropped
//!   from a sum;
//! * `ln σ` is computed once per call (per mixture for a batch) where
//!   `K·D` fits a stack buffer ([`HOISTED_LOG_SCALES`]); beyond it,
//!   [`DiagMixtureRef::with_log_scales`] does it on the caller's buffer.
//!
//! The layer is generic in the row operation: the drivers here take the
//! single-row kernels as closures, so another mixture type gets the same
//! batch forms by supplying its own rows.
//!
//! [`ErrorKind::ZeroDensity`]: crate::ErrorKind::ZeroDensity

mod drive;
mod many;
mod packed;
#[cfg(feature = "rayon")]
mod parallel;
mod prepass;

pub use packed::DiagBatchRef;

use crate::sweep::GradientSink;
use crate::{Buffer, DiagMixtureRef, Error, ErrorKind, Family, Float};

/// The largest `K·D` whose `ln σ` a batch call computes once, on the
/// stack (32 KiB in f64; firmware builds: 64 values, to keep within small
/// stacks). Larger mixtures compute `ln σ` per row, or the caller hoists
/// it with [`DiagMixtureRef::with_log_scales`].
#[cfg(not(feature = "small-code"))]
pub const HOISTED_LOG_SCALES: usize = 4096;
/// The largest `K·D` whose `ln σ` a batch call computes once, on the
/// stack (32 KiB in f64; firmware builds: 64 values, to keep within small
/// stacks). Larger mixtures compute `ln σ` per row, or the caller hoists
/// it with [`DiagMixtureRef::with_log_scales`].
#[cfg(feature = "small-code")]
pub const HOISTED_LOG_SCALES: usize = 64;

/// The middle of the three stack buffers for `ln σ`: each call zeroes the
/// smallest that holds `K·D` values, so a small mixture does not pay for
/// clearing 32 KiB.
const HOISTED_MEDIUM: usize = if HOISTED_LOG_SCALES < 256 {
    HOISTED_LOG_SCALES
} else {
    256
};

/// Adds each delivered gradient entry into its slot, after the single
/// call's post-scaling (`factors`, each skipped when it is 1, in order),
/// so `slot += gᵢ` with `gᵢ` the single call's entry bit for bit. Notes
/// whether an entry was NaN (the reverse sweep's rescue test).
pub(crate) struct Accumulate<F> {
    pub factors: [F; 2],
    pub met_nan: bool,
}

impl<F: Float> GradientSink<F> for Accumulate<F> {
    #[inline(always)]
    fn put(&mut self, slot: &mut F, value: F) {
        self.met_nan |= value.is_nan();
        let mut g = value;
        for f in self.factors {
            if f != F::ONE {
                g *= f;
            }
        }
        *slot += g;
    }

    #[inline(always)]
    fn put_products(&mut self, slots: &mut [F], coeff: F, z: &[F]) {
        if self.factors != [F::ONE; 2] {
            for (slot, &zj) in slots.iter_mut().zip(z) {
                self.put(slot, coeff * zj);
            }
            return;
        }
        // A finite coefficient times finite z is never NaN.
        for (slot, &zj) in slots.iter_mut().zip(z) {
            *slot += coeff * zj;
        }
    }
}

impl<F: Float> Accumulate<F> {
    /// An accumulator that adds the entries unscaled.
    pub fn plain() -> Self {
        Accumulate {
            factors: [F::ONE; 2],
            met_nan: false,
        }
    }
}

/// Writes nothing; notes whether an entry was NaN: a dry run of the
/// reverse sweep that tells whether a row needs the rescue pass before its
/// entries are added to a sum.
pub(crate) struct Probe {
    pub met_nan: bool,
}

impl<F: Float> GradientSink<F> for Probe {
    #[inline(always)]
    fn put(&mut self, _slot: &mut F, value: F) {
        self.met_nan |= value.is_nan();
    }

    #[inline(always)]
    fn put_products(&mut self, _slots: &mut [F], _coeff: F, _z: &[F]) {
        // A finite coefficient times finite z is never NaN.
    }
}

/// The number of rows of `width` values in `buf`; the length must be a
/// multiple of `width` ([`ErrorKind::BufferLength`] otherwise).
pub(crate) fn row_count<T>(buf: &[T], width: usize, which: Buffer) -> Result<usize, Error> {
    let n = buf.len() / width.max(1);
    if n * width == buf.len() {
        Ok(n)
    } else {
        let expected = (n + 1) * width;
        Err(Error::length(
            ErrorKind::BufferLength,
            which,
            expected,
            buf.len(),
        ))
    }
}

/// `Ok` if `buf` holds `rows` rows of `width` values.
pub(crate) fn check_rows<T>(
    buf: &[T],
    rows: usize,
    width: usize,
    which: Buffer,
) -> Result<(), Error> {
    match rows.checked_mul(width) {
        Some(len) if len == buf.len() => Ok(()),
        Some(len) => Err(Error::length(
            ErrorKind::BufferLength,
            which,
            len,
            buf.len(),
        )),
        None => Err(ErrorKind::SizeOverflow.into()),
    }
}

/// `n` rows of `width` values, row `i` at `i·width` (`width ≥ 1`).
#[inline]
pub(crate) fn rows<T>(buf: &[T], width: usize) -> core::slice::ChunksExact<'_, T> {
    buf.chunks_exact(width.max(1))
}

/// [`rows`], mutably.
#[inline]
pub(crate) fn rows_mut<T>(buf: &mut [T], width: usize) -> core::slice::ChunksExactMut<'_, T> {
    buf.chunks_exact_mut(width.max(1))
}

/// Runs `check` on every row of `buf` (`width` values each), tagging the
/// first error with its row.
#[inline]
pub(crate) fn check_each_row<F>(
    buf: &[F],
    width: usize,
    mut check: impl FnMut(&[F]) -> Result<(), Error>,
) -> Result<(), Error> {
    for (i, row) in rows(buf, width).enumerate() {
        check(row).map_err(|e| e.in_row(i))?;
    }
    Ok(())
}

/// The row a density pre-pass refused (`Ok(None)` if none): other errors
/// pass through.
pub(crate) fn first_refused(prepass: Result<(), Error>) -> Result<Option<usize>, Error> {
    match prepass {
        Ok(()) => Ok(None),
        Err(e) if e.kind() == ErrorKind::ZeroDensity => Ok(e.row()),
        Err(e) => Err(e),
    }
}

/// Sets every value of the summed outputs to `+0`: the start of the sum
/// (and the empty sum of `n = 0`).
pub(crate) fn zero(outputs: [&mut [impl Float]; 3]) {
    for out in outputs {
        out.fill(Float::ZERO);
    }
}

/// Turns one row's single-call gradient, written over the summed
/// outputs, into the row-order sum of that one row: `+0 + g`, which is `g`
/// with `−0` made `+0`.
pub(crate) fn as_sum_of_one<F: Float>(outputs: [&mut [F]; 3]) {
    for out in outputs {
        for v in out {
            *v = F::ZERO + *v;
        }
    }
}

impl<'a, F: Float, G: Family> DiagMixtureRef<'a, F, G> {
    /// Runs `op` on this view with `ln σ` computed once, on the stack, when
    /// it pays (`rows ≥ 2`, no stored `ln σ` yet, `K·D ≤`
    /// [`HOISTED_LOG_SCALES`]); on the view itself otherwise. Results are
    /// the same bits either way.
    #[inline]
    pub(crate) fn with_hoisted_log_scales<R>(
        &self,
        rows: usize,
        op: impl FnOnce(&DiagMixtureRef<'_, F, G>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let len = self.scales().len();
        if rows < 2 || self.stored_log_scales().is_some() || len > HOISTED_LOG_SCALES {
            return op(self);
        }
        log_scale_buffer(len, |buf| op(&self.with_log_scales(buf)?))
    }
}

/// Runs `op` on a stack buffer of `len ≤` [`HOISTED_LOG_SCALES`] values
/// for `ln σ`: the smallest of three sizes that holds them, so that a small
/// mixture does not pay for clearing 32 KiB.
#[inline]
pub(crate) fn log_scale_buffer<F: Float, R>(
    len: usize,
    op: impl FnOnce(&mut [F]) -> Result<R, Error>,
) -> Result<R, Error> {
    let mut small = [F::ZERO; 32];
    let mut medium: Option<[F; HOISTED_MEDIUM]> = None;
    let mut large: Option<[F; HOISTED_LOG_SCALES]> = None;
    let buf = if len <= small.len() {
        small.get_mut(..len)
    } else if len <= HOISTED_MEDIUM {
        medium.insert([F::ZERO; HOISTED_MEDIUM]).get_mut(..len)
    } else {
        large.insert([F::ZERO; HOISTED_LOG_SCALES]).get_mut(..len)
    };
    op(buf.unwrap_or_default())
}
