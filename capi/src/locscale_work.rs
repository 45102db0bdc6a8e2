//! The `_work` forms of the location-scale operations: each is its stack
//! form in `locscale` on the caller's scratch (`work`, `work_len`, as for
//! the `mixgrad_diag_*_work` functions and of the same length,
//! `mixgrad_diag_work_len(K)` for every family), which lifts the bound
//! `K <= MIXGRAD_MAX_COMPONENTS`. Otherwise each is its stack form: the
//! same arguments first, the same checks and the same results, bit for bit.

use crate::locscale::dispatch;
use crate::scratch::Scratch::Caller;
use crate::{mixgrad_locscale_f32, mixgrad_locscale_f64, mixgrad_rng, mixgrad_status};

/// `mixgrad_locscale_log_prob_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)`, and any `K >= 1`
/// is accepted, as `mixgrad_diag_log_prob_work_f64()`.
///
/// Errors: as `mixgrad_locscale_log_prob_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus those of `work` and `work_len`
/// listed on `mixgrad_diag_log_prob_work_f64()`. On error nothing is written.
///
/// # Safety
/// As `mixgrad_locscale_log_prob_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_log_prob_work_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    log_prob: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(log_prob(mix, x, log_prob, Caller(work, work_len)))
}

/// Single-precision `mixgrad_locscale_log_prob_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_locscale_log_prob_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_log_prob_work_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    log_prob: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(log_prob(mix, x, log_prob, Caller(work, work_len)))
}

/// `mixgrad_locscale_log_prob_grad_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)`, and any `K >= 1`
/// is accepted, as `mixgrad_diag_log_prob_grad_work_f64()`.
///
/// Errors: as `mixgrad_locscale_log_prob_grad_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus those of `work` and `work_len`
/// listed on `mixgrad_diag_log_prob_grad_work_f64()`. On error nothing is written.
///
/// # Safety
/// As `mixgrad_locscale_log_prob_grad_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_log_prob_grad_work_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    log_prob: *mut f64,
    x_grad: *mut f64,
    logits_grad: *mut f64,
    locs_grad: *mut f64,
    scales_grad: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, locs_grad, scales_grad];
    dispatch!(log_prob_grad(
        mix,
        x,
        log_prob,
        grads,
        Caller(work, work_len)
    ))
}

/// Single-precision `mixgrad_locscale_log_prob_grad_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_locscale_log_prob_grad_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_log_prob_grad_work_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    log_prob: *mut f32,
    x_grad: *mut f32,
    logits_grad: *mut f32,
    locs_grad: *mut f32,
    scales_grad: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, locs_grad, scales_grad];
    dispatch!(log_prob_grad(
        mix,
        x,
        log_prob,
        grads,
        Caller(work, work_len)
    ))
}

/// `mixgrad_locscale_cdf_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)`, and any `K >= 1`
/// is accepted, as `mixgrad_diag_cdf_work_f64()`.
///
/// Errors: as `mixgrad_locscale_cdf_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus those of `work` and `work_len`
/// listed on `mixgrad_diag_cdf_work_f64()`. On error nothing is written.
///
/// # Safety
/// As `mixgrad_locscale_cdf_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_cdf_work_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    u: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(cdf(mix, x, u, Caller(work, work_len)))
}

/// Single-precision `mixgrad_locscale_cdf_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_locscale_cdf_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_cdf_work_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    u: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(cdf(mix, x, u, Caller(work, work_len)))
}

/// `mixgrad_locscale_quantile_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)`, and any `K >= 1`
/// is accepted, as `mixgrad_diag_quantile_work_f64()`.
///
/// Errors: as `mixgrad_locscale_quantile_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus those of `work` and `work_len`
/// listed on `mixgrad_diag_quantile_work_f64()`. On error nothing is written.
///
/// # Safety
/// As `mixgrad_locscale_quantile_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_quantile_work_f64(
    mix: *const mixgrad_locscale_f64,
    u: *const f64,
    x: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(quantile(mix, u, x, Caller(work, work_len)))
}

/// Single-precision `mixgrad_locscale_quantile_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_locscale_quantile_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_quantile_work_f32(
    mix: *const mixgrad_locscale_f32,
    u: *const f32,
    x: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(quantile(mix, u, x, Caller(work, work_len)))
}

/// `mixgrad_locscale_vjp_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)`, and any `K >= 1`
/// is accepted, as `mixgrad_diag_vjp_work_f64()`.
///
/// Errors: as `mixgrad_locscale_vjp_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus those of `work` and `work_len`
/// listed on `mixgrad_diag_vjp_work_f64()`. On error nothing is written.
///
/// # Safety
/// As `mixgrad_locscale_vjp_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_vjp_work_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    x_bar: *const f64,
    logits_bar: *mut f64,
    locs_bar: *mut f64,
    scales_bar: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    let bars = [logits_bar, locs_bar, scales_bar];
    dispatch!(vjp(mix, x, x_bar, bars, Caller(work, work_len)))
}

/// Single-precision `mixgrad_locscale_vjp_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_locscale_vjp_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_vjp_work_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    x_bar: *const f32,
    logits_bar: *mut f32,
    locs_bar: *mut f32,
    scales_bar: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    let bars = [logits_bar, locs_bar, scales_bar];
    dispatch!(vjp(mix, x, x_bar, bars, Caller(work, work_len)))
}

/// `mixgrad_locscale_jacobian_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)`, and any `K >= 1`
/// is accepted, as `mixgrad_diag_jacobian_work_f64()`.
///
/// Errors: as `mixgrad_locscale_jacobian_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus those of `work` and `work_len`
/// listed on `mixgrad_diag_jacobian_work_f64()`. On error nothing is written.
///
/// # Safety
/// As `mixgrad_locscale_jacobian_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_jacobian_work_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    jac: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(jacobian(mix, x, jac, Caller(work, work_len)))
}

/// Single-precision `mixgrad_locscale_jacobian_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_locscale_jacobian_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_jacobian_work_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    jac: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(jacobian(mix, x, jac, Caller(work, work_len)))
}

/// `mixgrad_locscale_sample_quantile_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)`, and any `K >= 1`
/// is accepted, as `mixgrad_diag_sample_quantile_work_f64()`.
///
/// Errors: as `mixgrad_locscale_sample_quantile_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus those of `work` and `work_len`
/// listed on `mixgrad_diag_sample_quantile_work_f64()`. On error nothing is written.
///
/// # Safety
/// As `mixgrad_locscale_sample_quantile_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_sample_quantile_work_f64(
    mix: *const mixgrad_locscale_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    u: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(sample_quantile(mix, rng, x, u, Caller(work, work_len)))
}

/// Single-precision `mixgrad_locscale_sample_quantile_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_locscale_sample_quantile_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_sample_quantile_work_f32(
    mix: *const mixgrad_locscale_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    u: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(sample_quantile(mix, rng, x, u, Caller(work, work_len)))
}

/// `mixgrad_locscale_sample_ancestral_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)`, and any `K >= 1`
/// is accepted, as `mixgrad_diag_sample_ancestral_work_f64()`.
///
/// Errors: as `mixgrad_locscale_sample_ancestral_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus those of `work` and `work_len`
/// listed on `mixgrad_diag_sample_ancestral_work_f64()`. On error nothing is written.
///
/// # Safety
/// As `mixgrad_locscale_sample_ancestral_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_sample_ancestral_work_f64(
    mix: *const mixgrad_locscale_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    component: *mut u32,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(sample_ancestral(
        mix,
        rng,
        x,
        component,
        Caller(work, work_len)
    ))
}

/// Single-precision `mixgrad_locscale_sample_ancestral_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_locscale_sample_ancestral_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_sample_ancestral_work_f32(
    mix: *const mixgrad_locscale_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    component: *mut u32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    dispatch!(sample_ancestral(
        mix,
        rng,
        x,
        component,
        Caller(work, work_len)
    ))
}
