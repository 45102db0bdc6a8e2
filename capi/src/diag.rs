//! The diagonal mixture and its deterministic operations (docs/math.md §5): the
//! fixed conformance surface plus `validate` and `log_prob_grad`, in `f64`
//! and `f32`.
//!
//! Every function is a thin `extern "C"` wrapper over one generic
//! implementation in `ops`; the `f32` functions mirror the `f64` ones with
//! `float` for `double`.

use mixgrad::Gaussian;

use crate::checks::RawMixture;
use crate::mixgrad_status;
use crate::ops;
use crate::scratch::Scratch::Stack;
use crate::status::into_status;

/// A diagonal Gaussian mixture with `K` components in `D` dimensions
/// (double precision):
///
/// `q(x) = sum_k pi_k prod_d N(x_d; mu_kd, sigma_kd^2)`, `pi = softmax(logits)`.
///
/// The struct only borrows the three arrays; the caller keeps them alive and
/// unchanged during each call. Arrays are component-major: element `(k, d)`
/// is at index `k*D + d`. Their lengths (`K`, `K*D`, `K*D`) are taken from
/// `num_components` and `num_dims` and cannot be checked: shorter arrays are
/// undefined behaviour, not an error code. Functions validate the struct on every call (or
/// once, with `mixgrad_diag_validate_f64()`, if you want an early answer).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mixgrad_diag_f64 {
    /// `K`, the number of components: `1 <= K <= MIXGRAD_MAX_COMPONENTS`
    /// (any `K >= 1` for the `_work` functions).
    pub num_components: u32,
    /// `D`, the number of dimensions: `D >= 1`.
    pub num_dims: u32,
    /// `K` unnormalised log-weights: finite, or `-INFINITY` for a component
    /// of weight zero (at least one must be finite; none NaN or `+INFINITY`).
    pub logits: *const f64,
    /// `K*D` means, `(k, d)` at `k*D + d`, all finite.
    pub means: *const f64,
    /// `K*D` standard deviations, `(k, d)` at `k*D + d`, finite and `> 0`.
    pub scales: *const f64,
}

/// `mixgrad_diag_f64` in single precision: the same fields and rules with
/// `float` arrays.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mixgrad_diag_f32 {
    /// `K`, the number of components: `1 <= K <= MIXGRAD_MAX_COMPONENTS`
    /// (any `K >= 1` for the `_work` functions).
    pub num_components: u32,
    /// `D`, the number of dimensions: `D >= 1`.
    pub num_dims: u32,
    /// `K` unnormalised log-weights (see `mixgrad_diag_f64`).
    pub logits: *const f32,
    /// `K*D` means, `(k, d)` at `k*D + d`, all finite.
    pub means: *const f32,
    /// `K*D` standard deviations, `(k, d)` at `k*D + d`, finite and `> 0`.
    pub scales: *const f32,
}

impl RawMixture for mixgrad_diag_f64 {
    type F = f64;
    fn parts(&self) -> (u32, u32, *const f64, *const f64, *const f64) {
        let m = self;
        (m.num_components, m.num_dims, m.logits, m.means, m.scales)
    }
}

impl RawMixture for mixgrad_diag_f32 {
    type F = f32;
    fn parts(&self) -> (u32, u32, *const f32, *const f32, *const f32) {
        let m = self;
        (m.num_components, m.num_dims, m.logits, m.means, m.scales)
    }
}

/// Checks a mixture without computing anything: its pointers, shape and
/// parameter values. Returns the status any other function would report for
/// the mixture itself; it applies the bound `K <= MIXGRAD_MAX_COMPONENTS` of
/// the functions with stack scratch, which the `_work` functions lift.
///
/// Errors: `MIXGRAD_ERR_NULL_POINTER`, `MIXGRAD_ERR_MISALIGNED_POINTER`,
/// `MIXGRAD_ERR_NO_COMPONENTS`, `MIXGRAD_ERR_NO_DIMENSIONS`,
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`, `MIXGRAD_ERR_SIZE_OVERFLOW`,
/// `MIXGRAD_ERR_NAN_LOGIT`, `MIXGRAD_ERR_INFINITE_LOGIT`,
/// `MIXGRAD_ERR_NO_ACTIVE_COMPONENT`, `MIXGRAD_ERR_NONFINITE_MEAN`,
/// `MIXGRAD_ERR_NONFINITE_SCALE`, `MIXGRAD_ERR_NONPOSITIVE_SCALE`.
///
/// # Safety
/// `mix` and its arrays, if not NULL, must be readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_validate_f64(mix: *const mixgrad_diag_f64) -> mixgrad_status {
    into_status(unsafe { ops::validate(Gaussian, mix) })
}

/// Single-precision `mixgrad_diag_validate_f64()`.
///
/// # Safety
/// As `mixgrad_diag_validate_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_validate_f32(mix: *const mixgrad_diag_f32) -> mixgrad_status {
    into_status(unsafe { ops::validate(Gaussian, mix) })
}

/// The joint log density `log q(x)`, written to `*log_prob`.
///
/// `x`: `D` values, all finite. Accuracy (f64): within
/// `1e-14 * max(1, |log q|)`; a point more than `2^450` scales away from
/// every component gets a finite, saturated value.
///
/// Errors: the mixture's (see `mixgrad_diag_validate_f64()`),
/// `MIXGRAD_ERR_NULL_POINTER` (`mix`, `x`, `log_prob`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`.
///
/// # Safety
/// Every pointer must be valid for its stated length (`x`: `D` reads,
/// `log_prob`: one write).
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    log_prob: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { ops::log_prob(Gaussian, mix, x, log_prob, Stack) })
}

/// Single-precision `mixgrad_diag_log_prob_f64()`.
///
/// # Safety
/// As `mixgrad_diag_log_prob_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    log_prob: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { ops::log_prob(Gaussian, mix, x, log_prob, Stack) })
}

/// `log q(x)` and its gradients; every output is optional (NULL skips it):
///
/// - `log_prob`: 1 value, `log q(x)`;
/// - `x_grad`: `D` values, `d log q / d x_d`;
/// - `logits_grad`: `K` values, `d log q / d logit_k = r_k - pi_k`
///   (`r` the posterior responsibilities);
/// - `means_grad`, `scales_grad`: `K*D` values each, `(k, d)` at `k*D + d`,
///   `d log q / d mu_kd = r_k z_kd / sigma_kd` and
///   `d log q / d sigma_kd = r_k (z_kd^2 - 1) / sigma_kd`.
///
/// These are the score-function ingredients and the `log q` term of an ELBO;
/// the pathwise gradient of a sample is `mixgrad_diag_vjp_f64()`.
///
/// Errors: as `mixgrad_diag_log_prob_f64()` (only `mix` and `x` are
/// required).
///
/// # Safety
/// Every non-NULL pointer must be valid for its stated length.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_grad_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    log_prob: *mut f64,
    x_grad: *mut f64,
    logits_grad: *mut f64,
    means_grad: *mut f64,
    scales_grad: *mut f64,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scales_grad];
    into_status(unsafe { ops::log_prob_grad(Gaussian, mix, x, log_prob, grads, Stack) })
}

/// Single-precision `mixgrad_diag_log_prob_grad_f64()`.
///
/// # Safety
/// As `mixgrad_diag_log_prob_grad_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_log_prob_grad_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    log_prob: *mut f32,
    x_grad: *mut f32,
    logits_grad: *mut f32,
    means_grad: *mut f32,
    scales_grad: *mut f32,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scales_grad];
    into_status(unsafe { ops::log_prob_grad(Gaussian, mix, x, log_prob, grads, Stack) })
}

/// The conditional CDFs (the "T" map of the paper, docs/math.md §3):
/// `u_d = F_d(x_d | x_<d)` for `d = 0 .. D-1`, written to `u` (`D` values).
///
/// Accuracy (f64, docs/math.md §6): relative error `<= 1e-14 + 8 eps z^2` for values
/// `>= 1e-300` (tails included), `<= 1e-14` absolute above 1/2.
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `x`, `u`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`.
///
/// # Safety
/// `x` must be readable and `u` writable for `D` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_cdf_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    u: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { ops::cdf(Gaussian, mix, x, u, Stack) })
}

/// Single-precision `mixgrad_diag_cdf_f64()`.
///
/// # Safety
/// As `mixgrad_diag_cdf_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_cdf_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    u: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { ops::cdf(Gaussian, mix, x, u, Stack) })
}

/// The inverse of `mixgrad_diag_cdf_f64()`: solves `F_d(x_d | x_<d) = u_d`
/// for `d = 0 .. D-1` and writes `x` (`D` values). Pushing `u` uniform on
/// `(0,1)^D` through it samples the mixture (the quantile sampler).
///
/// `u`: `D` values strictly inside (0, 1). Accuracy (f64, docs/math.md §6):
/// `|x - x*| <= 8 ulp(x*) + 8 eps (1 + z^2) min(u, 1-u) / f(x*)` for `u` in
/// `[1e-300, 1 - 2^-53]` (the second term is the problem's own conditioning
/// between far-apart modes). Typically 2-3 CDF evaluations per dimension.
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `u`, `x`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_U_OUT_OF_RANGE`.
///
/// # Safety
/// `u` must be readable and `x` writable for `D` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_quantile_f64(
    mix: *const mixgrad_diag_f64,
    u: *const f64,
    x: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { ops::quantile(Gaussian, mix, u, x, Stack) })
}

/// Single-precision `mixgrad_diag_quantile_f64()`.
///
/// # Safety
/// As `mixgrad_diag_quantile_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_quantile_f32(
    mix: *const mixgrad_diag_f32,
    u: *const f32,
    x: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { ops::quantile(Gaussian, mix, u, x, Stack) })
}

/// The pathwise gradient of a sample (docs/math.md §4): given a sample `x` and the
/// cotangent `x_bar = dL/dx`, **overwrites** `logits_bar`, `means_bar` and
/// `scales_bar` with `dL/dlogits`, `dL/dmu`, `dL/dsigma` through the
/// quantile map `x = T^-1(u; theta)` at fixed `u`. One `O(K*D)` sweep; the
/// result is the same for samples drawn by either sampler.
///
/// Lengths: `x`, `x_bar`: `D`; `logits_bar`: `K`; `means_bar`,
/// `scales_bar`: `K*D` (`(k, d)` at `k*D + d`). Accuracy (f64, docs/math.md §6):
/// `max|g - g*| <= 1e-10 (1 + max|g*|)`.
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (all pointers are
/// required), `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`,
/// `MIXGRAD_ERR_NONFINITE_COTANGENT`, `MIXGRAD_ERR_ZERO_DENSITY` (`x` lies
/// so deep in a gap between components that a conditional density is below
/// the smallest normal number and `1/f_d` is not representable).
///
/// # Safety
/// Every pointer must be valid for its stated length.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_vjp_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    x_bar: *const f64,
    logits_bar: *mut f64,
    means_bar: *mut f64,
    scales_bar: *mut f64,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scales_bar];
    into_status(unsafe { ops::vjp(Gaussian, mix, x, x_bar, bars, Stack) })
}

/// Single-precision `mixgrad_diag_vjp_f64()`.
///
/// # Safety
/// As `mixgrad_diag_vjp_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_vjp_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    x_bar: *const f32,
    logits_bar: *mut f32,
    means_bar: *mut f32,
    scales_bar: *mut f32,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scales_bar];
    into_status(unsafe { ops::vjp(Gaussian, mix, x, x_bar, bars, Stack) })
}

/// The full Jacobian `dx/dtheta` of the quantile map at the sample `x`:
/// `D` rows of `P = K + 2*K*D` columns, row-major (`jac[d*P + j]`), the
/// columns ordered logits (`K`), means (`K*D`, component-major), scales
/// (`K*D`, component-major). `D` reverse sweeps, `O(D^2 K)`; use
/// `mixgrad_diag_vjp_f64()` when one cotangent is enough.
///
/// Errors: as `mixgrad_diag_vjp_f64()` (without the cotangent), plus
/// `MIXGRAD_ERR_SIZE_OVERFLOW` if `D*P` values do not fit the address space.
///
/// # Safety
/// `x` must be readable for `D` values and `jac` writable for `D*P`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_jacobian_f64(
    mix: *const mixgrad_diag_f64,
    x: *const f64,
    jac: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { ops::jacobian(Gaussian, mix, x, jac, Stack) })
}

/// Single-precision `mixgrad_diag_jacobian_f64()`.
///
/// # Safety
/// As `mixgrad_diag_jacobian_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_jacobian_f32(
    mix: *const mixgrad_diag_f32,
    x: *const f32,
    jac: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { ops::jacobian(Gaussian, mix, x, jac, Stack) })
}
