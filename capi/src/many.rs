//! The `_many` forms (docs/math.md §8): `n` points of one diagonal mixture
//! per call, in `f64` and `f32`. Row `i` of an `n*D` array is at `i*D`;
//! gradients with respect to the shared parameters are summed over the
//! rows.
//!
//! Every function is a thin `extern "C"` wrapper over one generic
//! implementation in `batch_ops`; the `f32` functions mirror the `f64` ones
//! with `float` for `double`. The rules every `_many` function shares are
//! documented once, on `mixgrad_diag_log_prob_many_f64()`.

use crate::batch_ops;
use crate::status::into_status;
use crate::{mixgrad_diag_f32, mixgrad_diag_f64, mixgrad_rng, mixgrad_status};

/// `log q(x_i)` for `n` points of one mixture: `x` holds `n*D` values (the
/// point `x_i` at `x + i*D`), `log_prob` receives `n` values, each the bits
/// `mixgrad_diag_log_prob_f64()` returns for that row.
///
/// `mix`: the mixture (checked as by `mixgrad_diag_validate_f64()`); `n`: the
/// number of points.
///
/// `n = 0`: `x` and `log_prob` may be NULL; only `mix` is checked and nothing
/// is written.
///
/// Overlap: `log_prob` (`n` values) may not overlap `x` (`n*D`) or the
/// mixture's arrays.
///
/// The rules of every `_many` function (`n` points of one mixture,
/// docs/math.md §8):
///
/// - Results: each row's is bit for bit the single call's on that row, and
///   a sampler consumes exactly the draws of `n` consecutive single calls.
///   A gradient with respect to the parameters is summed over the rows:
///   the single calls' gradients added in row order to `+0`, written over
///   the output (not accumulated into it).
/// - `n = 0` is valid: no row is read or written, a summed gradient is
///   written as zeros (the empty sum), a generator is not advanced. The
///   arrays of `n` rows (`x`, `u`, `x_bar`, `log_prob`, `x_grad`,
///   `component`) may then be NULL; every other argument is checked as for
///   `n >= 1`: `mix` and its values, the summed outputs and `rng` are
///   required, and an unseeded `rng` is refused
///   (`MIXGRAD_ERR_UNSEEDED_RNG`), so a program that passes with `n = 0`
///   does not fail on its first row. A non-NULL pointer must be aligned
///   whatever `n`.
/// - Refusal: an error in any row (a non-finite `x`, a `u` outside (0,1),
///   a non-finite cotangent, a zero density) refuses the whole call and
///   nothing is written. The status does not say which row: scan the array
///   for the stated condition (row `i = index / D`), or, for the zero
///   density, call `mixgrad_diag_first_zero_density_many_f64()`.
/// - Sizes: `n*D` values times the element size must fit the address space
///   (else `MIXGRAD_ERR_SIZE_OVERFLOW`, reported before any array is read).
/// - Overlap: outputs, over their full lengths (`n*D`, `n`, `K`, `K*D`),
///   may not overlap each other, an input or the mixture's arrays
///   (`MIXGRAD_ERR_OVERLAPPING_BUFFERS`).
/// - Check order: as for every function (see `mixgrad_status`): pointers
///   in argument order, the shape and sizes, overlap, the mixture's values,
///   then the rows' inputs (every `x` row before any cotangent row), the
///   generator, and last the zero-density pre-pass of the gradients.
///
/// Errors: the mixture's (see `mixgrad_diag_validate_f64()`),
/// `MIXGRAD_ERR_NULL_POINTER` (`mix`; `x` and `log_prob` unless `n = 0`),
/// `MIXGRAD_ERR_SIZE_OVERFLOW` (`n*D`), `MIXGRAD_ERR_OVERLAPPING_BUFFERS`,
/// `MIXGRAD_ERR_NONFINITE_X` (any row).
///
/// # Safety
/// `x` must be readable for `n*D` values and `log_prob` writable for `n`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_many_f64(
    mix: *const mixgrad_diag_f64,
    n: usize,
    x: *const f64,
    log_prob: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::log_prob_many(mix, n, x, log_prob) })
}

/// Single-precision `mixgrad_diag_log_prob_many_f64()`.
///
/// # Safety
/// As `mixgrad_diag_log_prob_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_many_f32(
    mix: *const mixgrad_diag_f32,
    n: usize,
    x: *const f32,
    log_prob: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::log_prob_many(mix, n, x, log_prob) })
}

/// `log q(x_i)` of `n` points and the gradients of
/// `mixgrad_diag_log_prob_grad_f64()`:
///
/// - `log_prob`: `n` values, `log q(x_i)`; **required** (unlike the single
///   call): the rows' values are computed anyway, and the summed gradients
///   cannot be split into blocks without changing their bits;
/// - `x_grad` (optional): `n*D` values, row `i` the gradient
///   `d log q(x_i) / d x_i`;
/// - `logits_grad` (`K` values), `means_grad`, `scales_grad` (`K*D`
///   values each), all optional: the gradients of `sum_i log q(x_i)` with
///   respect to the shared parameters, summed in row order and overwritten
///   (zeros for `n = 0`).
///
/// `mix`: the mixture; `n`: the number of points; `x`: `n*D` values, point `i`
/// at `x + i*D`.
///
/// `n = 0`: `x`, `log_prob` and `x_grad` may be NULL; the summed gradients that
/// are not NULL are written as zeros, nothing else is written.
///
/// Overlap: no output, over its full length (`n`, `n*D`, `K`, `K*D`), may
/// overlap another output, `x` or the mixture's arrays.
///
/// The rules of the `_many` functions apply (see
/// `mixgrad_diag_log_prob_many_f64()`).
///
/// Errors: as `mixgrad_diag_log_prob_many_f64()` (the optional outputs
/// must be aligned, and count in the overlap check).
///
/// # Safety
/// `x` must be readable for `n*D` values, `log_prob` writable for `n`, and
/// every non-NULL gradient writable for its stated length.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_grad_many_f64(
    mix: *const mixgrad_diag_f64,
    n: usize,
    x: *const f64,
    log_prob: *mut f64,
    x_grad: *mut f64,
    logits_grad: *mut f64,
    means_grad: *mut f64,
    scales_grad: *mut f64,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scales_grad];
    into_status(unsafe { batch_ops::log_prob_grad_many(mix, n, x, log_prob, grads) })
}

/// Single-precision `mixgrad_diag_log_prob_grad_many_f64()`.
///
/// # Safety
/// As `mixgrad_diag_log_prob_grad_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_grad_many_f32(
    mix: *const mixgrad_diag_f32,
    n: usize,
    x: *const f32,
    log_prob: *mut f32,
    x_grad: *mut f32,
    logits_grad: *mut f32,
    means_grad: *mut f32,
    scales_grad: *mut f32,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scales_grad];
    into_status(unsafe { batch_ops::log_prob_grad_many(mix, n, x, log_prob, grads) })
}

/// `mixgrad_diag_cdf_f64()` of `n` points: `x` and `u` hold `n*D` values,
/// row `i` of `u` the conditional CDFs of row `i` of `x`.
///
/// `mix`: the mixture; `n`: the number of points.
///
/// `n = 0`: `x` and `u` may be NULL; only `mix` is checked and nothing is
/// written.
///
/// Overlap: `u` (`n*D` values) may not overlap `x` or the mixture's arrays.
///
/// The rules of the `_many` functions apply (see
/// `mixgrad_diag_log_prob_many_f64()`).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`; `x` and `u`
/// unless `n = 0`), `MIXGRAD_ERR_SIZE_OVERFLOW` (`n*D`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X` (any row).
///
/// # Safety
/// `x` must be readable and `u` writable for `n*D` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_cdf_many_f64(
    mix: *const mixgrad_diag_f64,
    n: usize,
    x: *const f64,
    u: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::cdf_many(mix, n, x, u) })
}

/// Single-precision `mixgrad_diag_cdf_many_f64()`.
///
/// # Safety
/// As `mixgrad_diag_cdf_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_cdf_many_f32(
    mix: *const mixgrad_diag_f32,
    n: usize,
    x: *const f32,
    u: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::cdf_many(mix, n, x, u) })
}

/// `mixgrad_diag_quantile_f64()` of `n` points: `u` and `x` hold `n*D`
/// values, row `i` of `x` the solution for row `i` of `u`.
///
/// `mix`: the mixture; `n`: the number of points; every `u` strictly inside (0,
/// 1).
///
/// `n = 0`: `u` and `x` may be NULL; only `mix` is checked and nothing is
/// written.
///
/// Overlap: `x` (`n*D` values) may not overlap `u` or the mixture's arrays.
///
/// The rules of the `_many` functions apply (see
/// `mixgrad_diag_log_prob_many_f64()`).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`; `u` and `x`
/// unless `n = 0`), `MIXGRAD_ERR_SIZE_OVERFLOW` (`n*D`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_U_OUT_OF_RANGE` (any
/// row).
///
/// # Safety
/// `u` must be readable and `x` writable for `n*D` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_quantile_many_f64(
    mix: *const mixgrad_diag_f64,
    n: usize,
    u: *const f64,
    x: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::quantile_many(mix, n, u, x) })
}

/// Single-precision `mixgrad_diag_quantile_many_f64()`.
///
/// # Safety
/// As `mixgrad_diag_quantile_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_quantile_many_f32(
    mix: *const mixgrad_diag_f32,
    n: usize,
    u: *const f32,
    x: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::quantile_many(mix, n, u, x) })
}

/// The pathwise gradient summed over `n` samples: `sum_i x_bar_i^T
/// dx_i/dtheta` for the samples `x` and cotangents `x_bar` (`n*D` values
/// each), **overwriting** `logits_bar` (`K` values), `means_bar` and
/// `scales_bar` (`K*D` values each): the gradient of a batch loss with
/// respect to the shared parameters. The sum is the single
/// `mixgrad_diag_vjp_f64()` results added in row order to `+0`, so `n = 0`
/// writes zeros.
///
/// Zero density: if any row's `x` lies so deep in a gap that its single
/// `vjp` would return `MIXGRAD_ERR_ZERO_DENSITY`, the whole call returns it
/// and writes nothing (a gradient is never silently dropped from the sum);
/// `mixgrad_diag_first_zero_density_many_f64()` names the first such row,
/// so the caller can drop it and call again.
///
/// `mix`: the mixture; `n`: the number of samples; `x`: the samples (as from
/// the samplers), `x_bar`: the loss's gradient with respect to them, finite.
///
/// `n = 0`: `x` and `x_bar` may be NULL; the three outputs are required and
/// written as zeros.
///
/// Overlap: the three outputs (`K`, `K*D`, `K*D` values) may not overlap each
/// other, `x`, `x_bar` or the mixture's arrays.
///
/// The rules of the `_many` functions apply (see
/// `mixgrad_diag_log_prob_many_f64()`).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, the three
/// outputs; `x` and `x_bar` unless `n = 0`), `MIXGRAD_ERR_SIZE_OVERFLOW`
/// (`n*D`), `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`,
/// `MIXGRAD_ERR_NONFINITE_COTANGENT` (any row; every `x` row is checked
/// first), `MIXGRAD_ERR_ZERO_DENSITY` (any row).
///
/// # Safety
/// `x` and `x_bar` must be readable for `n*D` values, the outputs writable
/// for `K`, `K*D`, `K*D`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_vjp_many_f64(
    mix: *const mixgrad_diag_f64,
    n: usize,
    x: *const f64,
    x_bar: *const f64,
    logits_bar: *mut f64,
    means_bar: *mut f64,
    scales_bar: *mut f64,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scales_bar];
    into_status(unsafe { batch_ops::vjp_many(mix, n, x, x_bar, bars) })
}

/// Single-precision `mixgrad_diag_vjp_many_f64()`.
///
/// # Safety
/// As `mixgrad_diag_vjp_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_vjp_many_f32(
    mix: *const mixgrad_diag_f32,
    n: usize,
    x: *const f32,
    x_bar: *const f32,
    logits_bar: *mut f32,
    means_bar: *mut f32,
    scales_bar: *mut f32,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scales_bar];
    into_status(unsafe { batch_ops::vjp_many(mix, n, x, x_bar, bars) })
}

/// Which row `mixgrad_diag_vjp_many_f64()` would refuse: writes to `*row`
/// the index of the first row of `x` (`n*D` values) whose single
/// `mixgrad_diag_vjp_f64()` returns `MIXGRAD_ERR_ZERO_DENSITY`, or `n` if
/// there is none (then the `vjp` call succeeds for any finite cotangent).
/// It runs the forward pre-pass of the `vjp` alone, `O(n*K*D)`.
///
/// `mix`: the mixture; `n`: the number of points; `row`: one `size_t`, written
/// on success.
///
/// `n = 0`: `x` may be NULL; `*row` is set to 0.
///
/// Overlap: `row` may not overlap `x` or the mixture's arrays.
///
/// The rules of the `_many` functions apply (see
/// `mixgrad_diag_log_prob_many_f64()`).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `row`; `x`
/// unless `n = 0`), `MIXGRAD_ERR_SIZE_OVERFLOW` (`n*D`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X` (any row).
///
/// # Safety
/// `x` must be readable for `n*D` values and `row` writable.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_first_zero_density_many_f64(
    mix: *const mixgrad_diag_f64,
    n: usize,
    x: *const f64,
    row: *mut usize,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::first_zero_density_many(mix, n, x, row) })
}

/// Single-precision `mixgrad_diag_first_zero_density_many_f64()`: the row
/// `mixgrad_diag_vjp_many_f32()` would refuse (in `float`, the density
/// check is that of `float`).
///
/// # Safety
/// As `mixgrad_diag_first_zero_density_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_first_zero_density_many_f32(
    mix: *const mixgrad_diag_f32,
    n: usize,
    x: *const f32,
    row: *mut usize,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::first_zero_density_many(mix, n, x, row) })
}

/// `n` draws of `mixgrad_diag_sample_quantile_f64()`: writes `x` (`n*D`
/// values, sample `i` at `x + i*D`) and, if `u` is not NULL, the uniforms
/// used (`n*D` values). The same samples, bit for bit, as `n` consecutive
/// single calls on the same generator, which ends where they would leave
/// it (`n*D` draws consumed).
///
/// `mix`: the mixture; `rng`: a seeded generator, advanced; `n`: the number of
/// samples.
///
/// `n = 0`: `x` and `u` may be NULL; nothing is written and `rng` is not
/// advanced.
///
/// Overlap: `*rng`, `x` and `u` (`n*D` values each) may not overlap each other
/// or the mixture's arrays.
///
/// The rules of the `_many` functions apply (see
/// `mixgrad_diag_log_prob_many_f64()`): with `n = 0`, `x` may be NULL and
/// `rng` must still be seeded (it is not advanced).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `rng`; `x`
/// unless `n = 0`), `MIXGRAD_ERR_SIZE_OVERFLOW` (`n*D`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_UNSEEDED_RNG`. On error
/// `rng` is not advanced.
///
/// # Safety
/// `rng` must be writable; `x` and `u` (if not NULL) writable for `n*D`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_quantile_many_f64(
    mix: *const mixgrad_diag_f64,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut f64,
    u: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::sample_quantile_many(mix, rng, n, x, u) })
}

/// Single-precision `mixgrad_diag_sample_quantile_many_f64()`.
///
/// # Safety
/// As `mixgrad_diag_sample_quantile_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_quantile_many_f32(
    mix: *const mixgrad_diag_f32,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut f32,
    u: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::sample_quantile_many(mix, rng, n, x, u) })
}

/// `n` draws of `mixgrad_diag_sample_ancestral_f64()`: writes `x` (`n*D`
/// values) and, if `component` is not NULL, the `n` components drawn
/// (`0 <= k < K`). The same draws, bit for bit, as `n` consecutive single
/// calls, consuming their `n*(D + 1)` draws.
///
/// `mix`: the mixture; `rng`: a seeded generator, advanced; `n`: the number of
/// samples.
///
/// `n = 0`: `x` and `component` may be NULL; nothing is written and `rng` is
/// not advanced (it must still be seeded).
///
/// Overlap: `*rng`, `x` (`n*D` values) and `component` (`n`) may not overlap
/// each other or the mixture's arrays.
///
/// The rules of the `_many` functions apply (see
/// `mixgrad_diag_log_prob_many_f64()`).
///
/// Errors: as `mixgrad_diag_sample_quantile_many_f64()`. On error `rng` is
/// not advanced.
///
/// # Safety
/// `rng` must be writable, `x` for `n*D` values, `component` (if not NULL)
/// for `n`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_ancestral_many_f64(
    mix: *const mixgrad_diag_f64,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut f64,
    component: *mut u32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::sample_ancestral_many(mix, rng, n, x, component) })
}

/// Single-precision `mixgrad_diag_sample_ancestral_many_f64()`.
///
/// # Safety
/// As `mixgrad_diag_sample_ancestral_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_ancestral_many_f32(
    mix: *const mixgrad_diag_f32,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut f32,
    component: *mut u32,
) -> mixgrad_status {
    into_status(unsafe { batch_ops::sample_ancestral_many(mix, rng, n, x, component) })
}
