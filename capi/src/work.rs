//! The `_work` forms of the diagonal-mixture operations: each runs on
//! scratch the caller passes (`work`, `work_len`: CMSIS-DSP's `pBuffer`
//! style) instead of the stack, which lifts the bound
//! `K <= MIXGRAD_MAX_COMPONENTS`. Otherwise each is its stack form: the
//! same arguments first, the same checks and the same results, bit for bit.

use mixgrad::Gaussian;

use crate::ops;
use crate::scratch::{work_len, Scratch::Caller};
use crate::status::into_status;
use crate::{mixgrad_diag_f32, mixgrad_diag_f64, mixgrad_rng, mixgrad_status};

/// The number of values (`double` for the `_f64` functions, `float` for the
/// `_f32` ones) of scratch a `_work` function needs for a mixture of
/// `num_components` (`K`) components: `9*K`, whatever `D`; `SIZE_MAX` if
/// that overflows `size_t` (no buffer can be long enough then).
///
/// The `_work` functions (`mixgrad_diag_cdf_work_f64()` and the rest) take
/// two trailing arguments, `work` and `work_len`:
///
/// - `work`: required (not NULL), aligned for its element type, writable
///   for `work_len` values, of which the first `mixgrad_diag_work_len(K)`
///   are used. It must not overlap any other argument
///   (`MIXGRAD_ERR_OVERLAPPING_BUFFERS`), the mixture's arrays included.
///   Its contents on entry do not matter and on return are unspecified.
///   One buffer may serve every call, and every mixture of at most `K`
///   components, but not two calls at once.
/// - `work_len`: at least `mixgrad_diag_work_len(K)`, else
///   `MIXGRAD_ERR_SHORT_WORKSPACE`.
///
/// With them, any `K >= 1` is accepted (no
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`); nothing else changes. `work` is
/// checked last among the pointers (it is the last argument), and
/// `work_len` right after the mixture's shape.
#[no_mangle]
pub extern "C" fn mixgrad_diag_work_len(num_components: u32) -> usize {
    work_len(num_components as usize).unwrap_or(usize::MAX)
}

/// `mixgrad_diag_log_prob_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)` (see there), and
/// any `K >= 1` is accepted.
///
/// Errors: as `mixgrad_diag_log_prob_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus `MIXGRAD_ERR_NULL_POINTER` or
/// `MIXGRAD_ERR_MISALIGNED_POINTER` for `work`,
/// `MIXGRAD_ERR_SHORT_WORKSPACE`, `MIXGRAD_ERR_SIZE_OVERFLOW` for the
/// workspace and `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// As `mixgrad_diag_log_prob_f64()`; `work` must be writable for `work_len`
/// values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_work_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    log_prob: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::log_prob(Gaussian, mix, x, log_prob, Caller(work, work_len)) })
}

/// Single-precision `mixgrad_diag_log_prob_work_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_diag_log_prob_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_work_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    log_prob: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::log_prob(Gaussian, mix, x, log_prob, Caller(work, work_len)) })
}

/// `mixgrad_diag_log_prob_grad_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)` (see there), and
/// any `K >= 1` is accepted.
///
/// Errors: as `mixgrad_diag_log_prob_grad_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus `MIXGRAD_ERR_NULL_POINTER` or
/// `MIXGRAD_ERR_MISALIGNED_POINTER` for `work`,
/// `MIXGRAD_ERR_SHORT_WORKSPACE`, `MIXGRAD_ERR_SIZE_OVERFLOW` for the
/// workspace and `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// As `mixgrad_diag_log_prob_grad_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_grad_work_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    log_prob: *mut f64,
    x_grad: *mut f64,
    logits_grad: *mut f64,
    means_grad: *mut f64,
    scales_grad: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scales_grad];
    into_status(unsafe {
        ops::log_prob_grad(Gaussian, mix, x, log_prob, grads, Caller(work, work_len))
    })
}

/// Single-precision `mixgrad_diag_log_prob_grad_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_diag_log_prob_grad_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_grad_work_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    log_prob: *mut f32,
    x_grad: *mut f32,
    logits_grad: *mut f32,
    means_grad: *mut f32,
    scales_grad: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scales_grad];
    into_status(unsafe {
        ops::log_prob_grad(Gaussian, mix, x, log_prob, grads, Caller(work, work_len))
    })
}

/// `mixgrad_diag_cdf_f64()` on the caller's scratch: `work` holds `work_len`
/// values, at least `mixgrad_diag_work_len(K)` (see there), and any `K >= 1`
/// is accepted.
///
/// Errors: as `mixgrad_diag_cdf_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus `MIXGRAD_ERR_NULL_POINTER` or
/// `MIXGRAD_ERR_MISALIGNED_POINTER` for `work`,
/// `MIXGRAD_ERR_SHORT_WORKSPACE`, `MIXGRAD_ERR_SIZE_OVERFLOW` for the
/// workspace and `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// As `mixgrad_diag_cdf_f64()`; `work` must be writable for `work_len`
/// values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_cdf_work_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    u: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::cdf(Gaussian, mix, x, u, Caller(work, work_len)) })
}

/// Single-precision `mixgrad_diag_cdf_work_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_diag_cdf_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_cdf_work_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    u: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::cdf(Gaussian, mix, x, u, Caller(work, work_len)) })
}

/// `mixgrad_diag_quantile_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)` (see there), and
/// any `K >= 1` is accepted.
///
/// Errors: as `mixgrad_diag_quantile_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus `MIXGRAD_ERR_NULL_POINTER` or
/// `MIXGRAD_ERR_MISALIGNED_POINTER` for `work`,
/// `MIXGRAD_ERR_SHORT_WORKSPACE`, `MIXGRAD_ERR_SIZE_OVERFLOW` for the
/// workspace and `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// As `mixgrad_diag_quantile_f64()`; `work` must be writable for `work_len`
/// values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_quantile_work_f64(
    mix: *const mixgrad_diag_f64,
    u: *const f64,
    x: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::quantile(Gaussian, mix, u, x, Caller(work, work_len)) })
}

/// Single-precision `mixgrad_diag_quantile_work_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_diag_quantile_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_quantile_work_f32(
    mix: *const mixgrad_diag_f32,
    u: *const f32,
    x: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::quantile(Gaussian, mix, u, x, Caller(work, work_len)) })
}

/// `mixgrad_diag_vjp_f64()` on the caller's scratch: `work` holds `work_len`
/// values, at least `mixgrad_diag_work_len(K)` (see there), and any `K >= 1`
/// is accepted.
///
/// Errors: as `mixgrad_diag_vjp_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus `MIXGRAD_ERR_NULL_POINTER` or
/// `MIXGRAD_ERR_MISALIGNED_POINTER` for `work`,
/// `MIXGRAD_ERR_SHORT_WORKSPACE`, `MIXGRAD_ERR_SIZE_OVERFLOW` for the
/// workspace and `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// As `mixgrad_diag_vjp_f64()`; `work` must be writable for `work_len`
/// values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_vjp_work_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    x_bar: *const f64,
    logits_bar: *mut f64,
    means_bar: *mut f64,
    scales_bar: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scales_bar];
    into_status(unsafe { ops::vjp(Gaussian, mix, x, x_bar, bars, Caller(work, work_len)) })
}

/// Single-precision `mixgrad_diag_vjp_work_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_diag_vjp_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_vjp_work_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    x_bar: *const f32,
    logits_bar: *mut f32,
    means_bar: *mut f32,
    scales_bar: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scales_bar];
    into_status(unsafe { ops::vjp(Gaussian, mix, x, x_bar, bars, Caller(work, work_len)) })
}

/// `mixgrad_diag_jacobian_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)` (see there), and
/// any `K >= 1` is accepted.
///
/// Errors: as `mixgrad_diag_jacobian_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus `MIXGRAD_ERR_NULL_POINTER` or
/// `MIXGRAD_ERR_MISALIGNED_POINTER` for `work`,
/// `MIXGRAD_ERR_SHORT_WORKSPACE`, `MIXGRAD_ERR_SIZE_OVERFLOW` for the
/// workspace and `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// As `mixgrad_diag_jacobian_f64()`; `work` must be writable for `work_len`
/// values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_jacobian_work_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    jac: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::jacobian(Gaussian, mix, x, jac, Caller(work, work_len)) })
}

/// Single-precision `mixgrad_diag_jacobian_work_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_diag_jacobian_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_jacobian_work_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    jac: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::jacobian(Gaussian, mix, x, jac, Caller(work, work_len)) })
}

/// `mixgrad_diag_sample_quantile_f64()` on the caller's scratch: `work` holds
/// `work_len` values, at least `mixgrad_diag_work_len(K)` (see there), and
/// any `K >= 1` is accepted.
///
/// Errors: as `mixgrad_diag_sample_quantile_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus `MIXGRAD_ERR_NULL_POINTER` or
/// `MIXGRAD_ERR_MISALIGNED_POINTER` for `work`,
/// `MIXGRAD_ERR_SHORT_WORKSPACE`, `MIXGRAD_ERR_SIZE_OVERFLOW` for the
/// workspace and `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// As `mixgrad_diag_sample_quantile_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_quantile_work_f64(
    mix: *const mixgrad_diag_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    u: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_quantile(Gaussian, mix, rng, x, u, Caller(work, work_len)) })
}

/// Single-precision `mixgrad_diag_sample_quantile_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_diag_sample_quantile_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_quantile_work_f32(
    mix: *const mixgrad_diag_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    u: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_quantile(Gaussian, mix, rng, x, u, Caller(work, work_len)) })
}

/// `mixgrad_diag_sample_ancestral_f64()` on the caller's scratch: `work`
/// holds `work_len` values, at least `mixgrad_diag_work_len(K)` (see there),
/// and any `K >= 1` is accepted.
///
/// Errors: as `mixgrad_diag_sample_ancestral_f64()` (but never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`), plus `MIXGRAD_ERR_NULL_POINTER` or
/// `MIXGRAD_ERR_MISALIGNED_POINTER` for `work`,
/// `MIXGRAD_ERR_SHORT_WORKSPACE`, `MIXGRAD_ERR_SIZE_OVERFLOW` for the
/// workspace and `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// As `mixgrad_diag_sample_ancestral_f64()`; `work` must be writable for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_ancestral_work_f64(
    mix: *const mixgrad_diag_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    component: *mut u32,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe {
        ops::sample_ancestral(Gaussian, mix, rng, x, component, Caller(work, work_len))
    })
}

/// Single-precision `mixgrad_diag_sample_ancestral_work_f64()`: `work` holds
/// `float` values.
///
/// # Safety
/// As `mixgrad_diag_sample_ancestral_work_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_ancestral_work_f32(
    mix: *const mixgrad_diag_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    component: *mut u32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe {
        ops::sample_ancestral(Gaussian, mix, rng, x, component, Caller(work, work_len))
    })
}
