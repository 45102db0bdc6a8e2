//! `O(K)` scratch on the stack, never `O(D)` or `O(KD)`.
//!
//! Every algorithm takes a [`Workspace`] of row slices of length `K`. The
//! runtime-sized view backs it with `[F; MAX_COMPONENTS]` arrays, the owned
//! type with `[F; K]` arrays, so an embedded user of `DiagMixture<f32, 8, 4>`
//! pays for 8 components, not 64.

use crate::{Error, ErrorKind, Float, MAX_COMPONENTS};

/// Number of `K`-long rows any operation may use.
pub(crate) const ROWS: usize = 9;

/// Named `K`-long scratch rows. Which operation uses which row is documented
/// at the use; the names only say what is stored most often.
pub(crate) struct Workspace<'w, F> {
    /// `ℓ` (high part of the double-length sum).
    pub hi: &'w mut [F],
    /// `ℓ` (low part).
    pub lo: &'w mut [F],
    /// Responsibilities `p^(d)`.
    pub p: &'w mut [F],
    /// Running suffix sums `S_k` of the reverse sweep.
    pub s: &'w mut [F],
    /// Per-component values of the current dimension.
    pub r0: &'w mut [F],
    pub r1: &'w mut [F],
    pub r2: &'w mut [F],
    pub r3: &'w mut [F],
    /// The largest `|ℓ_k|` on the reverse sweep's path so far.
    pub big: &'w mut [F],
}

/// Backing storage for a [`Workspace`] of up to `N` components.
pub(crate) struct Storage<F, const N: usize>([[F; N]; ROWS]);

impl<F: Float, const N: usize> Storage<F, N> {
    #[inline(always)]
    pub fn new() -> Self {
        Storage([[F::ZERO; N]; ROWS])
    }

    /// Rows of length `k`; [`ErrorKind::TooManyComponents`] if `k > N`.
    #[inline(always)]
    pub fn rows(&mut self, k: usize) -> Result<Workspace<'_, F>, Error> {
        let [hi, lo, p, s, r0, r1, r2, r3, big] = &mut self.0;
        Ok(Workspace {
            hi: take(hi, k)?,
            lo: take(lo, k)?,
            p: take(p, k)?,
            s: take(s, k)?,
            r0: take(r0, k)?,
            r1: take(r1, k)?,
            r2: take(r2, k)?,
            r3: take(r3, k)?,
            big: take(big, k)?,
        })
    }
}

#[inline(always)]
fn take<F, const N: usize>(row: &mut [F; N], k: usize) -> Result<&mut [F], Error> {
    row.get_mut(..k)
        .ok_or(Error::new(ErrorKind::TooManyComponents))
}

/// Components whose scratch the view keeps in a small, always-initialised
/// block; larger `K` initialise the full `MAX_COMPONENTS` block.
const SMALL: usize = 8;

/// Runs `f` with scratch for the runtime-sized view. The storage is
/// zero-initialised (no `unsafe` here), so for `K ≤ 8` only a block sized
/// for 8 components is written (0.6 KiB in f64 instead of 4.6 KiB per
/// call); the large block is initialised only when `K` needs it. `f` is
/// called once, from one place, so it is not duplicated in the binary.
#[inline(always)]
pub(crate) fn with_max<F: Float, R>(
    k: usize,
    f: impl FnOnce(Workspace<'_, F>) -> Result<R, Error>,
) -> Result<R, Error> {
    let mut small = Storage::<F, SMALL>::new();
    let mut large: Option<Storage<F, MAX_COMPONENTS>> = None;
    let rows = if k <= SMALL {
        small.rows(k)
    } else {
        large.insert(Storage::new()).rows(k)
    };
    f(rows?)
}

/// `dst ← src` over the common length (no length-mismatch panic path).
#[inline(always)]
pub(crate) fn copy<F: Copy>(dst: &mut [F], src: &[F]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}
