//! Packed batches (docs/math.md §8): `n` diagonal mixtures of the same `K`
//! and `D`, one point each, results per mixture, in `f64` and `f32`.
//!
//! Every function is a thin `extern "C"` wrapper over one generic
//! implementation in `batch_ops`; the `f32` functions mirror the `f64` ones
//! with `float` for `double`. The rules every batch function shares are
//! documented once, on `mixgrad_diag_batch_f64`.

use crate::batch_ops;
use crate::checks::{BatchParts, RawBatch};
use crate::status::into_status;
use crate::{mixgrad_rng, mixgrad_status};

/// `n` diagonal Gaussian mixtures of `K` components in `D` dimensions,
/// packed (double precision): mixture `i` has the logits
/// `logits[i*K .. i*K + K-1]` and the means and scales
/// `[i*K*D .. i*K*D + K*D-1]`, each laid out as in `mixgrad_diag_f64`
/// (`(k, d)` at `k*D + d` within the mixture). The batch functions take one
/// point per mixture (row `i` of an `n*D` array, at `i*D`) and return
/// results per mixture: the amortised-inference (encoder) shape.
///
/// The rules of every batch function (`mixgrad_diag_batch_*`):
///
/// - Results: each mixture's is bit for bit what the single call returns
///   for that mixture and its row (`mixgrad_diag_f64` with
///   `logits + i*K`, `means + i*K*D`, `scales + i*K*D`), and a sampler
///   consumes exactly the draws of `n` consecutive single calls, mixture
///   0 first. Gradients are per mixture (`n*K` and `n*K*D` values,
///   overwritten).
/// - `n = 0` is valid: `MIXGRAD_OK`, nothing is read or written, a
///   generator is not advanced. Every array of `n` rows may then be NULL
///   (the struct's three arrays, `x`, `u`, `x_bar`, `log_prob`,
///   `component` and the per-mixture gradients); `b` is required, `K` and
///   `D` are checked, `rng` is required and must be seeded as for
///   `n >= 1` (see `mixgrad_diag_log_prob_many_f64()`). A non-NULL pointer
///   must be aligned whatever `n`.
/// - Validation: every mixture's values are checked, in order, before
///   anything is computed; the status is that of the first bad mixture, of
///   the kind its single call would report (scan mixture by mixture:
///   logits, then means, then scales). Then every row's inputs. An error
///   in any mixture or row refuses the whole call and nothing is written.
/// - Sizes: `K*D`, `n*K`, `n*K*D` and `n*D` values times the element size
///   must fit the address space (else `MIXGRAD_ERR_SIZE_OVERFLOW`, reported
///   before any array is read).
/// - Overlap: outputs, over their full lengths, may not overlap each
///   other, an input or the batch's arrays
///   (`MIXGRAD_ERR_OVERLAPPING_BUFFERS`).
/// - Check order: as for every function (see `mixgrad_status`): pointers
///   in argument order (`b`, then `b->logits`, `b->means`, `b->scales`,
///   then the other arguments), the shape and sizes, overlap, the mixtures'
///   values, the rows' inputs, the generator, the zero-density pre-pass.
///
/// The struct only borrows the three arrays; the caller keeps them alive
/// and unchanged during each call. Their lengths are taken from `batch`,
/// `num_components` and `num_dims` and cannot be checked: shorter arrays are
/// undefined behaviour, not an error code.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mixgrad_diag_batch_f64 {
    /// `n`, the number of mixtures (0 is valid).
    pub batch: usize,
    /// `K`, the number of components of each mixture:
    /// `1 <= K <= MIXGRAD_MAX_COMPONENTS`.
    pub num_components: u32,
    /// `D`, the number of dimensions: `D >= 1`.
    pub num_dims: u32,
    /// `n*K` logits, mixture `i`'s at `i*K`; the rules of
    /// `mixgrad_diag_f64` hold for each mixture's `K`.
    pub logits: *const f64,
    /// `n*K*D` means, mixture `i`'s at `i*K*D`, all finite.
    pub means: *const f64,
    /// `n*K*D` standard deviations, mixture `i`'s at `i*K*D`, finite and
    /// `> 0`.
    pub scales: *const f64,
}

/// `mixgrad_diag_batch_f64` in single precision: the same fields and rules
/// with `float` arrays.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mixgrad_diag_batch_f32 {
    /// `n`, the number of mixtures (0 is valid).
    pub batch: usize,
    /// `K`, the number of components of each mixture:
    /// `1 <= K <= MIXGRAD_MAX_COMPONENTS`.
    pub num_components: u32,
    /// `D`, the number of dimensions: `D >= 1`.
    pub num_dims: u32,
    /// `n*K` logits, mixture `i`'s at `i*K`.
    pub logits: *const f32,
    /// `n*K*D` means, mixture `i`'s at `i*K*D`, all finite.
    pub means: *const f32,
    /// `n*K*D` standard deviations, mixture `i`'s at `i*K*D`, finite and
    /// `> 0`.
    pub scales: *const f32,
}

impl RawBatch for mixgrad_diag_batch_f64 {
    type F = f64;
    fn parts(&self) -> BatchParts<f64> {
        let b = self;
        let (k, d) = (b.num_components, b.num_dims);
        (b.batch, k, d, b.logits, b.means, b.scales)
    }
}

impl RawBatch for mixgrad_diag_batch_f32 {
    type F = f32;
    fn parts(&self) -> BatchParts<f32> {
        let b = self;
        let (k, d) = (b.num_components, b.num_dims);
        (b.batch, k, d, b.logits, b.means, b.scales)
    }
}

/// Checks a batch without computing anything: its pointers, shape and
/// sizes, and every mixture's values in order. Returns the status any other
/// batch function would report for the batch itself.
///
/// `b`: the batch (see `mixgrad_diag_batch_f64`).
///
/// `n = 0`: `b->logits`, `b->means` and `b->scales` may be NULL; only `K` and
/// `D` are checked (there is no mixture).
///
/// Errors: `MIXGRAD_ERR_NULL_POINTER` (`b`; its arrays unless
/// `b->batch == 0`), `MIXGRAD_ERR_MISALIGNED_POINTER`,
/// `MIXGRAD_ERR_NO_COMPONENTS`, `MIXGRAD_ERR_NO_DIMENSIONS`,
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`, `MIXGRAD_ERR_SIZE_OVERFLOW`, then the
/// first bad mixture's `MIXGRAD_ERR_NAN_LOGIT`,
/// `MIXGRAD_ERR_INFINITE_LOGIT`, `MIXGRAD_ERR_NO_ACTIVE_COMPONENT`,
/// `MIXGRAD_ERR_NONFINITE_MEAN`, `MIXGRAD_ERR_NONFINITE_SCALE` or
/// `MIXGRAD_ERR_NONPOSITIVE_SCALE`.
///
/// # Safety
/// `b` and its arrays, if not NULL, must be readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_validate_f64(
    b: *const mixgrad_diag_batch_f64,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_validate(b) })
}

/// Single-precision `mixgrad_diag_batch_validate_f64()`.
///
/// # Safety
/// As `mixgrad_diag_batch_validate_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_validate_f32(
    b: *const mixgrad_diag_batch_f32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_validate(b) })
}

/// `log q_i(x_i)` for every mixture: `x` holds `n*D` values (mixture `i`'s
/// point at `x + i*D`), `log_prob` receives `n`.
///
/// `b`: the batch (see `mixgrad_diag_batch_f64`).
///
/// `n = 0`: the batch's arrays, `x` and `log_prob` may be NULL; only `K` and
/// `D` are checked and nothing is written.
///
/// Overlap: `log_prob` (`n` values) may not overlap `x` (`n*D`) or the batch's
/// arrays.
///
/// The rules of the batch functions apply (see `mixgrad_diag_batch_f64`).
///
/// Errors: the batch's (see `mixgrad_diag_batch_validate_f64()`),
/// `MIXGRAD_ERR_NULL_POINTER` (`x` and `log_prob` unless `n = 0`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X` (any row).
///
/// # Safety
/// `x` must be readable for `n*D` values and `log_prob` writable for `n`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_log_prob_f64(
    b: *const mixgrad_diag_batch_f64,
    x: *const f64,
    log_prob: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_log_prob(b, x, log_prob) })
}

/// Single-precision `mixgrad_diag_batch_log_prob_f64()`.
///
/// # Safety
/// As `mixgrad_diag_batch_log_prob_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_log_prob_f32(
    b: *const mixgrad_diag_batch_f32,
    x: *const f32,
    log_prob: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_log_prob(b, x, log_prob) })
}

/// `log q_i(x_i)` and the gradients of `mixgrad_diag_log_prob_grad_f64()`
/// for every mixture, per mixture:
///
/// - `log_prob`: `n` values; **required**, as in
///   `mixgrad_diag_log_prob_grad_many_f64()`;
/// - `x_grad` (optional): `n*D` values, row `i` `d log q_i / d x_i`;
/// - `logits_grad` (optional): `n*K` values, mixture `i`'s at `i*K`;
/// - `means_grad`, `scales_grad` (optional): `n*K*D` values each, mixture
///   `i`'s at `i*K*D`.
///
/// `b`: the batch (see `mixgrad_diag_batch_f64`); `x`: `n*D` values, mixture
/// `i`'s point at `x + i*D`.
///
/// `n = 0`: every array may be NULL; only `K` and `D` are checked and nothing
/// is written.
///
/// Overlap: no output, over its full length (`n`, `n*D`, `n*K`, `n*K*D`), may
/// overlap another output, `x` or the batch's arrays.
///
/// The rules of the batch functions apply (see `mixgrad_diag_batch_f64`).
///
/// Errors: as `mixgrad_diag_batch_log_prob_f64()` (the optional outputs
/// must be aligned, and count in the overlap check).
///
/// # Safety
/// `x` must be readable for `n*D` values, `log_prob` writable for `n`, and
/// every non-NULL gradient writable for its stated length.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_log_prob_grad_f64(
    b: *const mixgrad_diag_batch_f64,
    x: *const f64,
    log_prob: *mut f64,
    x_grad: *mut f64,
    logits_grad: *mut f64,
    means_grad: *mut f64,
    scales_grad: *mut f64,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scales_grad];
    into_status(unsafe { batch_ops::batch_log_prob_grad(b, x, log_prob, grads) })
}

/// Single-precision `mixgrad_diag_batch_log_prob_grad_f64()`.
///
/// # Safety
/// As `mixgrad_diag_batch_log_prob_grad_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_log_prob_grad_f32(
    b: *const mixgrad_diag_batch_f32,
    x: *const f32,
    log_prob: *mut f32,
    x_grad: *mut f32,
    logits_grad: *mut f32,
    means_grad: *mut f32,
    scales_grad: *mut f32,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scales_grad];
    into_status(unsafe { batch_ops::batch_log_prob_grad(b, x, log_prob, grads) })
}

/// `mixgrad_diag_cdf_f64()` of row `i` of `x` (`n*D` values) under mixture
/// `i`, into row `i` of `u` (`n*D` values).
///
/// `b`: the batch (see `mixgrad_diag_batch_f64`).
///
/// `n = 0`: the batch's arrays, `x` and `u` may be NULL; only `K` and `D` are
/// checked and nothing is written.
///
/// Overlap: `u` (`n*D` values) may not overlap `x` or the batch's arrays.
///
/// The rules of the batch functions apply (see `mixgrad_diag_batch_f64`).
///
/// Errors: the batch's, `MIXGRAD_ERR_NULL_POINTER` (`x` and `u` unless
/// `n = 0`), `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`
/// (any row).
///
/// # Safety
/// `x` must be readable and `u` writable for `n*D` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_cdf_f64(
    b: *const mixgrad_diag_batch_f64,
    x: *const f64,
    u: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_cdf(b, x, u) })
}

/// Single-precision `mixgrad_diag_batch_cdf_f64()`.
///
/// # Safety
/// As `mixgrad_diag_batch_cdf_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_cdf_f32(
    b: *const mixgrad_diag_batch_f32,
    x: *const f32,
    u: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_cdf(b, x, u) })
}

/// `mixgrad_diag_quantile_f64()` of row `i` of `u` (`n*D` values) under
/// mixture `i`, into row `i` of `x` (`n*D` values).
///
/// `b`: the batch (see `mixgrad_diag_batch_f64`); every `u` strictly inside (0,
/// 1).
///
/// `n = 0`: the batch's arrays, `u` and `x` may be NULL; only `K` and `D` are
/// checked and nothing is written.
///
/// Overlap: `x` (`n*D` values) may not overlap `u` or the batch's arrays.
///
/// The rules of the batch functions apply (see `mixgrad_diag_batch_f64`).
///
/// Errors: the batch's, `MIXGRAD_ERR_NULL_POINTER` (`u` and `x` unless
/// `n = 0`), `MIXGRAD_ERR_OVERLAPPING_BUFFERS`,
/// `MIXGRAD_ERR_U_OUT_OF_RANGE` (any row).
///
/// # Safety
/// `u` must be readable and `x` writable for `n*D` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_quantile_f64(
    b: *const mixgrad_diag_batch_f64,
    u: *const f64,
    x: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_quantile(b, u, x) })
}

/// Single-precision `mixgrad_diag_batch_quantile_f64()`.
///
/// # Safety
/// As `mixgrad_diag_batch_quantile_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_quantile_f32(
    b: *const mixgrad_diag_batch_f32,
    u: *const f32,
    x: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_quantile(b, u, x) })
}

/// `mixgrad_diag_vjp_f64()` per mixture: row `i` of `x` and `x_bar` (`n*D`
/// values each) under mixture `i`, **overwriting** row `i` of
/// `logits_bar` (`n*K` values, at `i*K`), `means_bar` and `scales_bar`
/// (`n*K*D` values each, at `i*K*D`).
///
/// Zero density: if any row's single `vjp` would return
/// `MIXGRAD_ERR_ZERO_DENSITY`, the whole call returns it and writes
/// nothing; `mixgrad_diag_batch_first_zero_density_f64()` names the first
/// such mixture.
///
/// `b`: the batch (see `mixgrad_diag_batch_f64`); `x`: mixture `i`'s sample at
/// `x + i*D`; `x_bar`: the loss's gradient with respect to it, finite.
///
/// `n = 0`: every array may be NULL; only `K` and `D` are checked and nothing
/// is written.
///
/// Overlap: the three outputs may not overlap each other, `x`, `x_bar` or the
/// batch's arrays.
///
/// The rules of the batch functions apply (see `mixgrad_diag_batch_f64`).
///
/// Errors: the batch's, `MIXGRAD_ERR_NULL_POINTER` (every pointer unless
/// `n = 0`), `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`,
/// `MIXGRAD_ERR_NONFINITE_COTANGENT` (any row; every `x` row is checked
/// first), `MIXGRAD_ERR_ZERO_DENSITY` (any row).
///
/// # Safety
/// `x` and `x_bar` must be readable for `n*D` values, the outputs writable
/// for `n*K`, `n*K*D`, `n*K*D`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_vjp_f64(
    b: *const mixgrad_diag_batch_f64,
    x: *const f64,
    x_bar: *const f64,
    logits_bar: *mut f64,
    means_bar: *mut f64,
    scales_bar: *mut f64,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scales_bar];
    into_status(unsafe { batch_ops::batch_vjp(b, x, x_bar, bars) })
}

/// Single-precision `mixgrad_diag_batch_vjp_f64()`.
///
/// # Safety
/// As `mixgrad_diag_batch_vjp_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_vjp_f32(
    b: *const mixgrad_diag_batch_f32,
    x: *const f32,
    x_bar: *const f32,
    logits_bar: *mut f32,
    means_bar: *mut f32,
    scales_bar: *mut f32,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scales_bar];
    into_status(unsafe { batch_ops::batch_vjp(b, x, x_bar, bars) })
}

/// Which mixture `mixgrad_diag_batch_vjp_f64()` would refuse: writes to
/// `*row` the index of the first mixture whose point (row of `x`, `n*D`
/// values) its single `mixgrad_diag_vjp_f64()` refuses with
/// `MIXGRAD_ERR_ZERO_DENSITY`, or `n` if there is none. It runs the forward
/// pre-pass of the `vjp` alone.
///
/// `b`: the batch (see `mixgrad_diag_batch_f64`); `row`: one `size_t`, written
/// on success.
///
/// `n = 0`: the batch's arrays and `x` may be NULL; `*row` is set to 0.
///
/// Overlap: `row` may not overlap `x` or the batch's arrays.
///
/// The rules of the batch functions apply (see `mixgrad_diag_batch_f64`).
///
/// Errors: the batch's, `MIXGRAD_ERR_NULL_POINTER` (`row`; `x` unless
/// `n = 0`), `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`
/// (any row).
///
/// # Safety
/// `x` must be readable for `n*D` values and `row` writable.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_first_zero_density_f64(
    b: *const mixgrad_diag_batch_f64,
    x: *const f64,
    row: *mut usize,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_first_zero_density(b, x, row) })
}

/// Single-precision `mixgrad_diag_batch_first_zero_density_f64()`: the
/// mixture `mixgrad_diag_batch_vjp_f32()` would refuse.
///
/// # Safety
/// As `mixgrad_diag_batch_first_zero_density_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_first_zero_density_f32(
    b: *const mixgrad_diag_batch_f32,
    x: *const f32,
    row: *mut usize,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_first_zero_density(b, x, row) })
}

/// A quantile-sampler draw from every mixture in order: writes `x` (`n*D`
/// values, mixture `i`'s sample at `x + i*D`) and, if `u` is not NULL, the
/// uniforms used (`n*D` values). The same samples, bit for bit, as `n`
/// consecutive `mixgrad_diag_sample_quantile_f64()` calls, mixture 0 first,
/// on the same generator (`n*D` draws consumed).
///
/// `b`: the batch (see `mixgrad_diag_batch_f64`); `rng`: a seeded generator,
/// advanced.
///
/// `n = 0`: the batch's arrays, `x` and `u` may be NULL; nothing is written and
/// `rng` is not advanced (it must still be seeded).
///
/// Overlap: `*rng`, `x` and `u` (`n*D` values each) may not overlap each other
/// or the batch's arrays.
///
/// The rules of the batch functions apply (see `mixgrad_diag_batch_f64`).
///
/// Errors: the batch's, `MIXGRAD_ERR_NULL_POINTER` (`rng`; `x` unless
/// `n = 0`), `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_UNSEEDED_RNG`.
/// On error `rng` is not advanced.
///
/// # Safety
/// `rng` must be writable; `x` and `u` (if not NULL) writable for `n*D`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_sample_quantile_f64(
    b: *const mixgrad_diag_batch_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    u: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_sample_quantile(b, rng, x, u) })
}

/// Single-precision `mixgrad_diag_batch_sample_quantile_f64()`.
///
/// # Safety
/// As `mixgrad_diag_batch_sample_quantile_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_sample_quantile_f32(
    b: *const mixgrad_diag_batch_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    u: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_sample_quantile(b, rng, x, u) })
}

/// An ancestral draw from every mixture in order: writes `x` (`n*D` values)
/// and, if `component` is not NULL, the `n` components drawn (mixture
/// `i`'s at `component[i]`, `0 <= k < K`). The same draws, bit for bit, as
/// `n` consecutive `mixgrad_diag_sample_ancestral_f64()` calls
/// (`n*(D + 1)` draws consumed).
///
/// `b`: the batch (see `mixgrad_diag_batch_f64`); `rng`: a seeded generator,
/// advanced.
///
/// `n = 0`: the batch's arrays, `x` and `component` may be NULL; nothing is
/// written and `rng` is not advanced (it must still be seeded).
///
/// Overlap: `*rng`, `x` (`n*D` values) and `component` (`n`) may not overlap
/// each other or the batch's arrays.
///
/// The rules of the batch functions apply (see `mixgrad_diag_batch_f64`).
///
/// Errors: as `mixgrad_diag_batch_sample_quantile_f64()`. On error `rng` is
/// not advanced.
///
/// # Safety
/// `rng` must be writable, `x` for `n*D` values, `component` (if not NULL)
/// for `n`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_sample_ancestral_f64(
    b: *const mixgrad_diag_batch_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    component: *mut u32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_sample_ancestral(b, rng, x, component) })
}

/// Single-precision `mixgrad_diag_batch_sample_ancestral_f64()`.
///
/// # Safety
/// As `mixgrad_diag_batch_sample_ancestral_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_batch_sample_ancestral_f32(
    b: *const mixgrad_diag_batch_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    component: *mut u32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::batch_sample_ancestral(b, rng, x, component) })
}
