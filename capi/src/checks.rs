//! The checks every C entry point shares: required and optional pointers,
//! the mixture's shape, the sizes that become slices, and overlap between
//! outputs and everything else. Each function validates through these
//! helpers (in the order documented on [`mixgrad_status`]) before it builds
//! a single slice, so an error leaves every output untouched.

use core::mem::size_of;
use core::ptr::NonNull;

use mixgrad::{DiagBatchRef, DiagMixtureRef, Family, Float, Gaussian, LogProbGrad, MAX_COMPONENTS};

use crate::mixgrad_status as S;
use crate::mixgrad_status;

pub(crate) type Checked<T> = Result<T, mixgrad_status>;

/// A pointer the caller must supply: not NULL and aligned for `T`.
pub(crate) fn required<T>(p: *const T) -> Checked<*const T> {
    if p.is_null() {
        Err(S::MIXGRAD_ERR_NULL_POINTER)
    } else if !p.is_aligned() {
        Err(S::MIXGRAD_ERR_MISALIGNED_POINTER)
    } else {
        Ok(p)
    }
}

/// [`required`] for an output.
pub(crate) fn required_mut<T>(p: *mut T) -> Checked<*mut T> {
    required(p.cast_const()).map(<*const T>::cast_mut)
}

/// An output the caller may skip with NULL; if given it must be aligned.
pub(crate) fn optional_mut<T>(p: *mut T) -> Checked<Option<*mut T>> {
    if p.is_null() {
        Ok(None)
    } else {
        required_mut(p).map(Some)
    }
}

/// The optional gradient outputs of a `log_prob_grad` function (`∂/∂x`,
/// logits, means, scales), each checked as [`optional_mut`] in that order.
pub(crate) fn optional_grads<T>(grads: [*mut T; 4]) -> Checked<[Option<*mut T>; 4]> {
    let [gx, ga, gm, gs] = grads;
    Ok([
        optional_mut(gx)?,
        optional_mut(ga)?,
        optional_mut(gm)?,
        optional_mut(gs)?,
    ])
}

/// The outputs of [`optional_grads`] as buffers of `lens` elements.
pub(crate) fn grad_buffers<T>(
    grads: [Option<*mut T>; 4],
    lens: [usize; 4],
) -> [Option<Buffer<T>>; 4] {
    let [gx, ga, gm, gs] = grads;
    let [lx, la, lm, ls] = lens;
    [
        gx.map(|p| Buffer::output(p, lx)),
        ga.map(|p| Buffer::output(p, la)),
        gm.map(|p| Buffer::output(p, lm)),
        gs.map(|p| Buffer::output(p, ls)),
    ]
}

/// The core's [`LogProbGrad`] over the buffers of [`grad_buffers`].
///
/// # Safety
/// As [`Buffer::into_mut_slice`] for each buffer given.
pub(crate) unsafe fn log_prob_grad_of<'a, T>(grads: [Option<Buffer<T>>; 4]) -> LogProbGrad<'a, T> {
    let [gx, ga, gm, gs] = grads.map(|g| g.map(|b| unsafe { b.into_mut_slice() }));
    LogProbGrad {
        x: gx,
        logits: ga,
        means: gm,
        scales: gs,
    }
}

/// An array of `n` rows (of a batch function): required, except that for
/// `n = 0`, when nothing is read or written, NULL stands for the empty
/// array. A non-NULL pointer must be aligned whatever `n`.
pub(crate) fn rows_of<T>(p: *const T, n: usize) -> Checked<*const T> {
    if n == 0 && p.is_null() {
        // An empty slice needs a non-null, aligned pointer; it is never
        // dereferenced, and its span is empty (it overlaps nothing).
        Ok(NonNull::<T>::dangling().as_ptr().cast_const())
    } else {
        required(p)
    }
}

/// [`rows_of`] for an output.
pub(crate) fn rows_of_mut<T>(p: *mut T, n: usize) -> Checked<*mut T> {
    rows_of(p.cast_const(), n).map(<*const T>::cast_mut)
}

/// `n` rows of `width` elements of `T`: [`elements`] of `n·width`.
pub(crate) fn rows_len<T>(n: usize, width: usize) -> Checked<usize> {
    elements::<T>(n.checked_mul(width).ok_or(S::MIXGRAD_ERR_SIZE_OVERFLOW)?)
}

/// `count` elements of `T`, checked to fit one allocation (`isize::MAX`
/// bytes, the limit `core::slice::from_raw_parts` requires).
pub(crate) fn elements<T>(count: usize) -> Checked<usize> {
    match count.checked_mul(size_of::<T>()) {
        Some(bytes) if bytes <= isize::MAX as usize => Ok(count),
        _ => Err(S::MIXGRAD_ERR_SIZE_OVERFLOW),
    }
}

/// A caller buffer of `len` elements: the unit of the overlap check and the
/// source of the one slice made from it.
#[derive(Clone, Copy)]
pub(crate) struct Buffer<T> {
    ptr: *mut T,
    len: usize,
}

impl<T> Buffer<T> {
    pub(crate) fn input(ptr: *const T, len: usize) -> Self {
        Buffer {
            ptr: ptr.cast_mut(),
            len,
        }
    }

    pub(crate) fn output(ptr: *mut T, len: usize) -> Self {
        Buffer { ptr, len }
    }

    /// The byte range `[start, end)` it occupies.
    pub(crate) fn span(&self) -> Span {
        let start = self.ptr as usize;
        // Cannot overflow: `len` passed `elements::<T>` and the caller
        // promises the memory exists.
        Span(start, start.saturating_add(self.len * size_of::<T>()))
    }

    /// # Safety
    /// `ptr` must be valid for reads of `len` elements for `'a`, and nothing
    /// may write to them meanwhile.
    pub(crate) unsafe fn into_slice<'a>(self) -> &'a [T] {
        // SAFETY: non-null and aligned (checked by `required`), length within
        // `isize::MAX` bytes (checked by `elements`), validity promised by
        // the caller of the C function.
        unsafe { core::slice::from_raw_parts(self.ptr.cast_const(), self.len) }
    }

    /// # Safety
    /// `ptr` must be valid for writes of `len` elements for `'a`, and no
    /// other reference may alias them (established by [`disjoint`]).
    pub(crate) unsafe fn into_mut_slice<'a>(self) -> &'a mut [T] {
        // SAFETY: as `into_slice`, plus exclusivity from the overlap check.
        unsafe { core::slice::from_raw_parts_mut(self.ptr, self.len) }
    }
}

/// A byte range `[start, end)`.
#[derive(Clone, Copy)]
pub(crate) struct Span(usize, usize);

impl Span {
    /// Whether the two ranges share a byte. An empty range (the rows of a
    /// batch call with `n = 0`) shares none, wherever it points.
    fn overlaps(self, other: Span) -> bool {
        self.0 < self.1 && other.0 < other.1 && self.0 < other.1 && other.0 < self.1
    }
}

/// Every output must be disjoint from every input and every other output:
/// the core functions take `&[T]` and `&mut [T]`, and Rust forbids those to
/// alias. Inputs may overlap each other (they are only read).
pub(crate) fn disjoint(outputs: &[Option<Span>], inputs: &[Span]) -> Checked<()> {
    let mut rest = outputs;
    while let Some((&out, later)) = rest.split_first() {
        rest = later;
        let Some(out) = out else { continue };
        let clash_in = inputs.iter().any(|&s| out.overlaps(s));
        let clash_out = later.iter().flatten().any(|&s| out.overlaps(s));
        if clash_in || clash_out {
            return Err(S::MIXGRAD_ERR_OVERLAPPING_BUFFERS);
        }
    }
    Ok(())
}

/// The fields of `mixgrad_diag_f64` / `mixgrad_diag_f32` (and those of
/// `mixgrad_locscale_f64` / `mixgrad_locscale_f32` but the family, which
/// the caller has resolved to a type), generic over the element type so
/// that both precisions share every check.
pub(crate) trait RawMixture {
    type F: Float;
    fn parts(&self) -> (u32, u32, *const Self::F, *const Self::F, *const Self::F);
}

/// A mixture of the family `G` whose pointers passed the NULL and alignment
/// checks; its shape and values are checked by [`Mixture::shape`] and
/// [`Mixture::view`].
pub(crate) struct Mixture<F, G = Gaussian> {
    family: G,
    num_components: u32,
    num_dims: u32,
    logits: *const F,
    means: *const F,
    scales: *const F,
}

/// `K`, `D` and `K·D` after the shape checks.
#[derive(Clone, Copy)]
pub(crate) struct Shape {
    pub k: usize,
    pub d: usize,
    pub kd: usize,
}

impl<F: Float> Mixture<F> {
    /// Reads the Gaussian mixture behind `mix` (a `mixgrad_diag_*`) and
    /// checks its pointers.
    ///
    /// # Safety
    /// As [`Mixture::of_family`].
    pub(crate) unsafe fn read<M: RawMixture<F = F>>(mix: *const M) -> Checked<Self> {
        unsafe { Mixture::of_family(Gaussian, mix) }
    }
}

impl<F: Float, G: Family> Mixture<F, G> {
    /// Reads the struct behind `mix`, a mixture of `family`, and checks its
    /// pointers.
    ///
    /// # Safety
    /// `mix`, if not NULL and aligned, must point to a readable struct.
    pub(crate) unsafe fn of_family<M: RawMixture<F = F>>(
        family: G,
        mix: *const M,
    ) -> Checked<Self> {
        let mix = required(mix)?;
        // SAFETY: non-null, aligned, readable by the caller's contract.
        let (k, d, logits, means, scales) = unsafe { &*mix }.parts();
        Ok(Mixture {
            family,
            num_components: k,
            num_dims: d,
            logits: required(logits)?,
            means: required(means)?,
            scales: required(scales)?,
        })
    }

    /// `K ≥ 1`, `D ≥ 1`, `K ≤ max_components` (the capacity of the stack
    /// scratch, or unbounded), `K·D` elements fit.
    pub(crate) fn shape(&self, max_components: usize) -> Checked<Shape> {
        let (k, d) = (self.num_components as usize, self.num_dims as usize);
        if k == 0 {
            return Err(S::MIXGRAD_ERR_NO_COMPONENTS);
        }
        if d == 0 {
            return Err(S::MIXGRAD_ERR_NO_DIMENSIONS);
        }
        if k > max_components {
            return Err(S::MIXGRAD_ERR_TOO_MANY_COMPONENTS);
        }
        let kd = k.checked_mul(d).ok_or(S::MIXGRAD_ERR_SIZE_OVERFLOW)?;
        Ok(Shape {
            k,
            d,
            kd: elements::<F>(kd)?,
        })
    }

    fn buffers(&self, s: Shape) -> [Buffer<F>; 3] {
        [
            Buffer::input(self.logits, s.k),
            Buffer::input(self.means, s.kd),
            Buffer::input(self.scales, s.kd),
        ]
    }

    /// The byte ranges of the three parameter arrays (inputs of the overlap
    /// check).
    pub(crate) fn spans(&self, s: Shape) -> [Span; 3] {
        self.buffers(s).map(|b| b.span())
    }

    /// Validates the parameter values and wraps them in the core view,
    /// unbounded: [`Mixture::shape`] has applied the bound on `K` that the
    /// scratch imposes.
    ///
    /// # Safety
    /// The arrays must be readable for `K`, `K·D`, `K·D` elements and not be
    /// written to for `'a`.
    pub(crate) unsafe fn view<'a>(&self, s: Shape) -> Checked<DiagMixtureRef<'a, F, G>> {
        let [logits, means, scales] = self.buffers(s);
        // SAFETY: forwarded to the caller.
        let (logits, means, scales) =
            unsafe { (logits.into_slice(), means.into_slice(), scales.into_slice()) };
        let family = self.family;
        Ok(DiagMixtureRef::of_family_unbounded(
            family, logits, means, scales, s.d,
        )?)
    }
}

/// The fields of `mixgrad_diag_batch_f64` / `mixgrad_diag_batch_f32`, in
/// order: `n`, `K`, `D` and the three packed arrays.
pub(crate) type BatchParts<F> = (usize, u32, u32, *const F, *const F, *const F);

/// [`BatchParts`] of either struct, generic over the element type so that
/// both precisions share every check.
pub(crate) trait RawBatch {
    type F: Float;
    fn parts(&self) -> BatchParts<Self::F>;
}

/// A packed batch whose pointers passed the NULL and alignment checks (the
/// arrays may be NULL for `n = 0`); its shape and values are checked by
/// [`Batch::shape`] and [`Batch::view`].
pub(crate) struct Batch<F> {
    len: usize,
    num_components: u32,
    num_dims: u32,
    logits: *const F,
    means: *const F,
    scales: *const F,
}

/// A batch's `n`, `K`, `D` and the lengths of its row arrays, after the
/// shape checks.
#[derive(Clone, Copy)]
pub(crate) struct BatchShape {
    pub n: usize,
    pub k: usize,
    pub d: usize,
    /// `n·K`: the logits, and a per-mixture logits gradient.
    pub nk: usize,
    /// `n·K·D`: the means and scales, and their per-mixture gradients.
    pub nkd: usize,
    /// `n·D`: the points, uniforms and cotangents.
    pub nd: usize,
}

impl<F: Float> Batch<F> {
    /// Reads the struct behind `b` and checks its pointers.
    ///
    /// # Safety
    /// `b`, if not NULL and aligned, must point to a readable struct.
    pub(crate) unsafe fn read<B: RawBatch<F = F>>(b: *const B) -> Checked<Self> {
        let b = required(b)?;
        // SAFETY: non-null, aligned, readable by the caller's contract.
        let (n, k, d, logits, means, scales) = unsafe { &*b }.parts();
        Ok(Batch {
            len: n,
            num_components: k,
            num_dims: d,
            logits: rows_of(logits, n)?,
            means: rows_of(means, n)?,
            scales: rows_of(scales, n)?,
        })
    }

    /// `n`, the number of mixtures (for the row checks of the other
    /// arguments, before [`Batch::shape`]).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// `K ≥ 1`, `D ≥ 1`, `K ≤ MAX_COMPONENTS`, then `K·D`, `n·K`, `n·K·D`
    /// and `n·D` elements fit.
    pub(crate) fn shape(&self) -> Checked<BatchShape> {
        let (n, k, d) = (
            self.len,
            self.num_components as usize,
            self.num_dims as usize,
        );
        if k == 0 {
            return Err(S::MIXGRAD_ERR_NO_COMPONENTS);
        }
        if d == 0 {
            return Err(S::MIXGRAD_ERR_NO_DIMENSIONS);
        }
        if k > MAX_COMPONENTS {
            return Err(S::MIXGRAD_ERR_TOO_MANY_COMPONENTS);
        }
        let kd = rows_len::<F>(k, d)?;
        Ok(BatchShape {
            n,
            k,
            d,
            nk: rows_len::<F>(n, k)?,
            nkd: rows_len::<F>(n, kd)?,
            nd: rows_len::<F>(n, d)?,
        })
    }

    fn buffers(&self, s: BatchShape) -> [Buffer<F>; 3] {
        [
            Buffer::input(self.logits, s.nk),
            Buffer::input(self.means, s.nkd),
            Buffer::input(self.scales, s.nkd),
        ]
    }

    /// The byte ranges of the three packed arrays (inputs of the overlap
    /// check).
    pub(crate) fn spans(&self, s: BatchShape) -> [Span; 3] {
        self.buffers(s).map(|b| b.span())
    }

    /// The three packed arrays as slices (unvalidated).
    ///
    /// # Safety
    /// The arrays must be readable for `n·K`, `n·K·D`, `n·K·D` elements and
    /// not be written to for `'a`.
    pub(crate) unsafe fn arrays<'a>(&self, s: BatchShape) -> [&'a [F]; 3] {
        // SAFETY: forwarded to the caller.
        self.buffers(s).map(|b| unsafe { b.into_slice() })
    }

    /// Validates every mixture's values (in order) and wraps them in the
    /// core view.
    ///
    /// # Safety
    /// As [`Batch::arrays`].
    pub(crate) unsafe fn view<'a>(&self, s: BatchShape) -> Checked<DiagBatchRef<'a, F>> {
        let [logits, means, scales] = unsafe { self.arrays(s) };
        Ok(DiagBatchRef::new(logits, means, scales, s.k, s.d)?)
    }
}
