//! The full-covariance `_many` forms (docs/math.md §10.4): `n` points of
//! one `mixgrad_tril_*` mixture per call, on the caller's one workspace, in
//! `f64` and `f32`. Row `i` of an `n*D` array is at `i*D`.
//!
//! Every function is a thin `extern "C"` wrapper over one generic
//! implementation in `tril_ops`. The rules every `_many` function shares
//! are documented once, on `mixgrad_tril_log_prob_many_f64()`.

use crate::mixgrad_rng;
use crate::mixgrad_status;
use crate::status::into_status;
use crate::tril::{mixgrad_tril_f32, mixgrad_tril_f64};
use crate::tril_ops as ops;

/// `log q(x_i)` for `n` points of one full-covariance mixture: `x` holds
/// `n*D` values, `log_prob` receives `n`, each the bits
/// `mixgrad_tril_log_prob_f64()` returns for that row.
///
/// The rules of every `mixgrad_tril_*_many` function are those of the
/// diagonal `_many` functions (see `mixgrad_diag_log_prob_many_f64()`),
/// with the workspace of the single `mixgrad_tril_*` functions:
///
/// - each row's result is the single call's bits; a sampler draws the
///   uniforms of `n` consecutive single calls; the parameter gradient of
///   `mixgrad_tril_vjp_many_f64()` is the single gradients added in row
///   order to `+0`, written over the outputs;
/// - `n = 0` is valid (the row arrays may then be NULL; everything else is
///   checked as for `n >= 1`);
/// - an error in any row (a non-finite `x`, a `u` outside (0,1), a
///   non-finite cotangent, a zero density) refuses the whole call: nothing
///   is written and a generator is not advanced;
/// - `work` (`work_len >= mixgrad_tril_work_len(K, D)` values, one buffer
///   for all rows) may not overlap any argument; the rows run on one
///   thread.
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER`,
/// `MIXGRAD_ERR_SIZE_OVERFLOW` (`n*D`), `MIXGRAD_ERR_SHORT_WORKSPACE`,
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X` (any row).
///
/// # Safety
/// `x` must be readable for `n*D` values, `log_prob` writable for `n`,
/// `work` for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_log_prob_many_f64(
    mix: *const mixgrad_tril_f64,
    n: usize,
    x: *const f64,
    log_prob: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::log_prob_many(mix, n, x, log_prob, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_log_prob_many_f64()`.
///
/// # Safety
/// As `mixgrad_tril_log_prob_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_log_prob_many_f32(
    mix: *const mixgrad_tril_f32,
    n: usize,
    x: *const f32,
    log_prob: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::log_prob_many(mix, n, x, log_prob, (work, work_len)) })
}

/// `mixgrad_tril_cdf_f64()` of `n` points: `x` and `u` hold `n*D` values.
/// Rules and errors: see `mixgrad_tril_log_prob_many_f64()`.
///
/// # Safety
/// `x` readable and `u` writable for `n*D` values, `work` for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_cdf_many_f64(
    mix: *const mixgrad_tril_f64,
    n: usize,
    x: *const f64,
    u: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::cdf_many(mix, n, x, u, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_cdf_many_f64()`.
///
/// # Safety
/// As `mixgrad_tril_cdf_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_cdf_many_f32(
    mix: *const mixgrad_tril_f32,
    n: usize,
    x: *const f32,
    u: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::cdf_many(mix, n, x, u, (work, work_len)) })
}

/// `mixgrad_tril_quantile_f64()` of `n` points: `u` and `x` hold `n*D`
/// values. Rules: see `mixgrad_tril_log_prob_many_f64()`; errors as there,
/// with `MIXGRAD_ERR_U_OUT_OF_RANGE` for a `u` outside (0, 1).
///
/// # Safety
/// `u` readable and `x` writable for `n*D` values, `work` for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_quantile_many_f64(
    mix: *const mixgrad_tril_f64,
    n: usize,
    u: *const f64,
    x: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::quantile_many(mix, n, u, x, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_quantile_many_f64()`.
///
/// # Safety
/// As `mixgrad_tril_quantile_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_quantile_many_f32(
    mix: *const mixgrad_tril_f32,
    n: usize,
    u: *const f32,
    x: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::quantile_many(mix, n, u, x, (work, work_len)) })
}

/// The pathwise gradient of a batch loss over `n` samples: the sum over
/// rows of `mixgrad_tril_vjp_f64()` at `x_i` with cotangent `x_bar_i`
/// (`n*D` values each), **written over** `logits_bar` (`K`), `means_bar`
/// (`K*D`) and `scale_tril_bar` (`K*D*D`, 0 above the diagonal). Every
/// row's densities are checked by a forward pass before anything is
/// written. Rules: see `mixgrad_tril_log_prob_many_f64()`; errors as
/// there, with `MIXGRAD_ERR_NONFINITE_COTANGENT` and
/// `MIXGRAD_ERR_ZERO_DENSITY` (any row).
///
/// # Safety
/// `x`, `x_bar` readable for `n*D` values, the outputs writable for their
/// lengths, `work` for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_vjp_many_f64(
    mix: *const mixgrad_tril_f64,
    n: usize,
    x: *const f64,
    x_bar: *const f64,
    logits_bar: *mut f64,
    means_bar: *mut f64,
    scale_tril_bar: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scale_tril_bar];
    into_status(unsafe { ops::vjp_many(mix, n, (x, x_bar), bars, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_vjp_many_f64()`.
///
/// # Safety
/// As `mixgrad_tril_vjp_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_vjp_many_f32(
    mix: *const mixgrad_tril_f32,
    n: usize,
    x: *const f32,
    x_bar: *const f32,
    logits_bar: *mut f32,
    means_bar: *mut f32,
    scale_tril_bar: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scale_tril_bar];
    into_status(unsafe { ops::vjp_many(mix, n, (x, x_bar), bars, (work, work_len)) })
}

/// `n` draws of `mixgrad_tril_sample_quantile_f64()` into `x` (`n*D`
/// values) and, if `u` is not NULL, the uniforms used (`n*D`). Rules and
/// errors: see `mixgrad_tril_log_prob_many_f64()` and
/// `mixgrad_tril_sample_quantile_f64()`; on error `rng` is not advanced.
///
/// # Safety
/// `rng` writable, `x` (and `u` if not NULL) writable for `n*D` values,
/// `work` for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_sample_quantile_many_f64(
    mix: *const mixgrad_tril_f64,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut f64,
    u: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_quantile_many(mix, rng, n, (x, u), (work, work_len)) })
}

/// Single-precision `mixgrad_tril_sample_quantile_many_f64()`.
///
/// # Safety
/// As `mixgrad_tril_sample_quantile_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_sample_quantile_many_f32(
    mix: *const mixgrad_tril_f32,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut f32,
    u: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_quantile_many(mix, rng, n, (x, u), (work, work_len)) })
}

/// `n` draws of `mixgrad_tril_sample_ancestral_f64()` into `x` (`n*D`
/// values) and, if `component` is not NULL, their components (`n`).
/// Rules and errors: see `mixgrad_tril_log_prob_many_f64()` and
/// `mixgrad_tril_sample_ancestral_f64()`; on error `rng` is not advanced.
///
/// # Safety
/// `rng` writable, `x` writable for `n*D` values, `component` (if not
/// NULL) for `n`, `work` for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_sample_ancestral_many_f64(
    mix: *const mixgrad_tril_f64,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut f64,
    component: *mut u32,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe {
        ops::sample_ancestral_many(mix, rng, n, (x, component), (work, work_len))
    })
}

/// Single-precision `mixgrad_tril_sample_ancestral_many_f64()`.
///
/// # Safety
/// As `mixgrad_tril_sample_ancestral_many_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_sample_ancestral_many_f32(
    mix: *const mixgrad_tril_f32,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut f32,
    component: *mut u32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe {
        ops::sample_ancestral_many(mix, rng, n, (x, component), (work, work_len))
    })
}
