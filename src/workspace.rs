//! `O(K)` scratch: never `O(D)` or `O(KD)`.
//!
//! Every operation runs on a [`Workspace`]: [`ROWS`] rows of `K` values,
//! each with a named role. Where they come from is the caller's choice:
//!
//! * the runtime-sized view keeps them on the stack, in `[F; N]` arrays
//!   with `N = 8` for `K ≤ 8` and `N = MAX_COMPONENTS` above ([`on_stack`]);
//! * the owned `DiagMixture<F, K, D>` keeps `[F; K]` arrays, so an embedded
//!   user of `DiagMixture<f32, 8, 4>` pays for 8 components, not 64;
//! * a caller may pass one buffer of [`len`] values ([`Workspace::split`]),
//!   CMSIS-DSP's `pBuffer` style, with no bound on `K`.
//!
//! The stack storage is a const-generic array rather than a
//! `heapless::Vec`: the rows must be initialised either way (no `unsafe`
//! here), a length field would only repeat `K`, and the library keeps its
//! dependencies to `libm` and `rand_core` (docs/performance.md).

use crate::kernel::log_weights::LogWeights;
use crate::{Buffer, Error, ErrorKind, Float, MAX_COMPONENTS};

/// Number of `K`-long rows any operation may use.
pub(crate) const ROWS: usize = 9;

/// Values a workspace for `k` components needs (`None` on overflow).
#[inline]
pub(crate) const fn len(k: usize) -> Option<usize> {
    k.checked_mul(ROWS)
}

/// Named `K`-long scratch rows. The roles are those of the reverse sweep,
/// which uses every row; the other operations use a few, as documented.
pub(crate) struct Workspace<'w, F> {
    /// `ℓ` as a double-length sum.
    pub weights: LogWeights<'w, F>,
    /// Responsibilities `p^(d)` (the posterior `r` in `log_prob`).
    pub p: &'w mut [F],
    /// The suffix sums `S_k` of the reverse sweep (the prior `π` in
    /// `log_prob`).
    pub suffix: &'w mut [F],
    /// `log N_kd` of the current step of `ℓ`; then `p φ(z)/σ` in the
    /// reverse sweep.
    pub logn: &'w mut [F],
    /// `z_kd` of the current dimension (reverse sweep).
    pub z: &'w mut [F],
    /// The smaller normal tail `min(Φ(z), Φc(z))` (reverse sweep).
    pub tail: &'w mut [F],
    /// `S_k z_kd/σ_kd` (reverse sweep).
    pub suffix_z: &'w mut [F],
    /// The largest `|ℓ_k|` on the reverse sweep's path so far.
    pub path_max: &'w mut [F],
}

impl<'w, F> Workspace<'w, F> {
    /// The same rows, borrowed for one operation of a batch.
    #[inline(always)]
    pub fn reborrow(&mut self) -> Workspace<'_, F> {
        Workspace {
            weights: LogWeights {
                hi: &mut *self.weights.hi,
                lo: &mut *self.weights.lo,
            },
            p: &mut *self.p,
            suffix: &mut *self.suffix,
            logn: &mut *self.logn,
            z: &mut *self.z,
            tail: &mut *self.tail,
            suffix_z: &mut *self.suffix_z,
            path_max: &mut *self.path_max,
        }
    }

    /// The workspace over [`ROWS`] rows of `K` values each.
    #[inline(always)]
    fn from_rows(rows: [&'w mut [F]; ROWS]) -> Self {
        let [hi, lo, p, suffix, logn, z, tail, suffix_z, path_max] = rows;
        Workspace {
            weights: LogWeights { hi, lo },
            p,
            suffix,
            logn,
            z,
            tail,
            suffix_z,
            path_max,
        }
    }

    /// A workspace for `k` components in the first [`len`]`(k)` values of
    /// a caller's buffer; [`ErrorKind::BufferLength`] if it is shorter.
    pub fn split(buf: &'w mut [F], k: usize) -> Result<Self, Error> {
        let (need, actual) = (len(k).unwrap_or(usize::MAX), buf.len());
        let Some(mut rest) = buf.get_mut(..need) else {
            return Err(Error::length(
                ErrorKind::BufferLength,
                Buffer::Workspace,
                need,
                actual,
            ));
        };
        let rows = [(); ROWS].map(|()| {
            let (row, tail) = core::mem::take(&mut rest)
                .split_at_mut_checked(k)
                .unwrap_or_default();
            rest = tail;
            row
        });
        Ok(Workspace::from_rows(rows))
    }
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
        check_capacity(k, N)?;
        // k ≤ N: the slices below cannot fail.
        let [hi, lo, p, suffix, logn, z, tail, suffix_z, path_max] = &mut self.0;
        Ok(Workspace {
            weights: LogWeights {
                hi: &mut hi[..k],
                lo: &mut lo[..k],
            },
            p: &mut p[..k],
            suffix: &mut suffix[..k],
            logn: &mut logn[..k],
            z: &mut z[..k],
            tail: &mut tail[..k],
            suffix_z: &mut suffix_z[..k],
            path_max: &mut path_max[..k],
        })
    }
}

/// [`ErrorKind::TooManyComponents`] if `k` components exceed a scratch of
/// `capacity`.
#[inline(always)]
fn check_capacity(k: usize, capacity: usize) -> Result<(), Error> {
    if k > capacity {
        return Err(Error::length(
            ErrorKind::TooManyComponents,
            Buffer::Logits,
            capacity,
            k,
        ));
    }
    Ok(())
}

/// Components whose scratch the view keeps in a small, always-initialised
/// block; larger `K` initialise the full `MAX_COMPONENTS` block.
const SMALL: usize = 8;

/// Runs `f` with stack scratch for the runtime-sized view. The storage is
/// zero-initialised (no `unsafe` here), so for `K ≤ 8` only a block sized
/// for 8 components is written; the large block is initialised only when
/// `K` needs it. `f` is called once, from one place, so it is not
/// duplicated in the binary.
#[inline(always)]
pub(crate) fn on_stack<F: Float, R>(
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

/// Where a run of operations (a batch call) takes its scratch from: the
/// view's stack storage ([`OnStack`], `K ≤ MAX_COMPONENTS`) or arrays sized
/// by a compile-time `N` ([`Fixed`], the owned mixture's `K`).
pub(crate) trait Scratch: Copy + Send + Sync {
    /// Runs `op` on a workspace for `k` components.
    fn run<F: Float, R>(
        self,
        k: usize,
        op: impl FnOnce(Workspace<'_, F>) -> Result<R, Error>,
    ) -> Result<R, Error>;

    /// The refusal [`run`](Self::run) would give for `k` components, for a
    /// call that must know it before it writes anything.
    fn check(self, k: usize) -> Result<(), Error>;
}

/// The runtime-sized view's stack scratch ([`on_stack`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct OnStack;

impl Scratch for OnStack {
    #[inline(always)]
    fn run<F: Float, R>(
        self,
        k: usize,
        op: impl FnOnce(Workspace<'_, F>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        on_stack(k, op)
    }

    #[inline(always)]
    fn check(self, k: usize) -> Result<(), Error> {
        check_capacity(k, MAX_COMPONENTS)
    }
}

/// Stack scratch for up to `N` components ([`Storage`]).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Fixed<const N: usize>;

impl<const N: usize> Scratch for Fixed<N> {
    #[inline(always)]
    fn run<F: Float, R>(
        self,
        k: usize,
        op: impl FnOnce(Workspace<'_, F>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let mut storage = Storage::<F, N>::new();
        op(storage.rows(k)?)
    }

    #[inline(always)]
    fn check(self, k: usize) -> Result<(), Error> {
        check_capacity(k, N)
    }
}

/// `dst ← src` over the common length (no length-mismatch panic path).
#[inline(always)]
pub(crate) fn copy<F: Copy>(dst: &mut [F], src: &[F]) {
    for (d, s) in dst.iter_mut().zip(src) {
        *d = *s;
    }
}
