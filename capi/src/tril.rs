//! Full-covariance Gaussian mixtures (docs/math.md §10): component `k` is
//! `N(mu_k, L_k L_k^T)` with `L_k` lower triangular, every operation of the
//! diagonal mixture, in `f64` and `f32`, on the caller's scratch.
//!
//! Every function is a thin `extern "C"` wrapper over one generic
//! implementation in `tril_ops`; the `f32` functions mirror the `f64` ones
//! with `float` for `double`. The scratch (`work`, `work_len`) grows with
//! `K` and `D` and has no bound, so every function but `validate` takes it,
//! as the diagonal `_work` functions do.

use crate::mixgrad_rng;
use crate::mixgrad_status;
use crate::status::into_status;
use crate::tril_ops::{self as ops, RawTril};

/// A full-covariance Gaussian mixture with `K` components in `D`
/// dimensions (double precision), docs/math.md §10:
///
/// `q(x) = sum_k pi_k N(x; mu_k, L_k L_k^T)`, `pi = softmax(logits)`, each
/// `L_k` a lower-triangular Cholesky factor with a positive diagonal.
///
/// The struct only borrows the three arrays; the caller keeps them alive
/// and unchanged during each call. Their lengths (`K`, `K*D`, `K*D*D`) are
/// taken from `num_components` and `num_dims` and cannot be checked:
/// shorter arrays are undefined behaviour, not an error code. Functions
/// validate the struct on every call (or once, with
/// `mixgrad_tril_validate_f64()`, if you want an early answer).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mixgrad_tril_f64 {
    /// `K`, the number of components: `K >= 1`, no upper bound (the
    /// scratch is the caller's, `mixgrad_tril_work_len()`).
    pub num_components: u32,
    /// `D`, the number of dimensions: `D >= 1`.
    pub num_dims: u32,
    /// `K` unnormalised log-weights: finite, or `-INFINITY` for a component
    /// of weight zero (at least one must be finite; none NaN or `+INFINITY`).
    pub logits: *const f64,
    /// `K*D` means, `(k, d)` at `k*D + d`, all finite.
    pub means: *const f64,
    /// `K*D*D` values, the factors `L_k`: `L_k` at `k*D*D`, its entry
    /// `(i, j)` at `k*D*D + i*D + j`. The lower triangle and the diagonal
    /// are read: every entry with `j <= i` finite, the diagonal (`j == i`)
    /// `> 0`. The entries above the diagonal (`j > i`) are never read (any
    /// value, NaN included, is fine), but the array still spans `K*D*D`
    /// values.
    pub scale_tril: *const f64,
}

/// `mixgrad_tril_f64` in single precision: the same fields and rules with
/// `float` arrays.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mixgrad_tril_f32 {
    /// `K`, the number of components: `K >= 1`, no upper bound.
    pub num_components: u32,
    /// `D`, the number of dimensions: `D >= 1`.
    pub num_dims: u32,
    /// `K` unnormalised log-weights (see `mixgrad_tril_f64`).
    pub logits: *const f32,
    /// `K*D` means, `(k, d)` at `k*D + d`, all finite.
    pub means: *const f32,
    /// `K*D*D` values, `L_k` at `k*D*D`, `(i, j)` at `k*D*D + i*D + j`:
    /// lower triangle finite, diagonal `> 0`, above it never read (see
    /// `mixgrad_tril_f64`).
    pub scale_tril: *const f32,
}

macro_rules! raw_tril {
    ($($mix:ident: $t:ty),*) => {$(
        impl RawTril for $mix {
            type F = $t;
            fn parts(&self) -> (u32, u32, *const $t, *const $t, *const $t) {
                let m = self;
                (m.num_components, m.num_dims, m.logits, m.means, m.scale_tril)
            }
        }
    )*};
}

raw_tril!(mixgrad_tril_f64: f64, mixgrad_tril_f32: f32);

/// The number of values (`double` for the `_f64` functions, `float` for the
/// `_f32` ones) of scratch every `mixgrad_tril_*` function but `validate`
/// needs for a mixture of `num_components` (`K`) components in `num_dims`
/// (`D`) dimensions: `K*(5 + 3*D)`, `O(K*D)`. The formula holds for any
/// arguments (0 for `K = 0`; such a mixture is refused anyway). `SIZE_MAX`
/// if it overflows `size_t` (no buffer can be long enough then).
///
/// The `mixgrad_tril_*` functions take two trailing arguments, `work` and
/// `work_len`:
///
/// - `work`: required (not NULL), aligned for its element type, writable
///   for `work_len` values, of which the first `mixgrad_tril_work_len(K, D)`
///   are used. That used part must not overlap any other argument
///   (`MIXGRAD_ERR_OVERLAPPING_BUFFERS`), the mixture's arrays included;
///   the values past it are never touched, and may hold anything.
///   Its contents on entry do not matter and on return are unspecified.
///   One buffer may serve every call, and every mixture of at most `K`
///   components in at most `D` dimensions, but not two calls at once.
/// - `work_len`: at least `mixgrad_tril_work_len(K, D)`, else
///   `MIXGRAD_ERR_SHORT_WORKSPACE` (nothing is written). If that many
///   values do not fit the address space: `MIXGRAD_ERR_SIZE_OVERFLOW`.
///
/// `work` is checked last among the pointers (it is the last pointer
/// argument), and `work_len` right after the mixture's shape (and, for the
/// Jacobian, the size of `jac`).
#[no_mangle]
pub extern "C" fn mixgrad_tril_work_len(num_components: u32, num_dims: u32) -> usize {
    ops::work_len(num_components as usize, num_dims as usize).unwrap_or(usize::MAX)
}

/// Checks a full-covariance mixture without computing anything: its
/// pointers, shape and parameter values. Returns the status any other
/// `mixgrad_tril_*` function would report for the mixture itself.
///
/// Errors, in this order: `MIXGRAD_ERR_NULL_POINTER` and
/// `MIXGRAD_ERR_MISALIGNED_POINTER` (`mix`, then `mix->logits`,
/// `mix->means`, `mix->scale_tril`), `MIXGRAD_ERR_NO_COMPONENTS`,
/// `MIXGRAD_ERR_NO_DIMENSIONS`, `MIXGRAD_ERR_SIZE_OVERFLOW` (`K*D*D` values
/// do not fit the address space), `MIXGRAD_ERR_NAN_LOGIT`,
/// `MIXGRAD_ERR_INFINITE_LOGIT`, `MIXGRAD_ERR_NO_ACTIVE_COMPONENT`,
/// `MIXGRAD_ERR_NONFINITE_MEAN`, then for `mix->scale_tril`, scanned in
/// order: `MIXGRAD_ERR_NONFINITE_SCALE` (an entry on or below a diagonal
/// that is NaN or infinite) or `MIXGRAD_ERR_NONPOSITIVE_SCALE` (a diagonal
/// entry `<= 0`), whichever comes first. Never
/// `MIXGRAD_ERR_TOO_MANY_COMPONENTS`.
///
/// # Safety
/// `mix` and its arrays, if not NULL, must be readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_validate_f64(mix: *const mixgrad_tril_f64) -> mixgrad_status {
    into_status(unsafe { ops::validate(mix) })
}

/// Single-precision `mixgrad_tril_validate_f64()`.
///
/// # Safety
/// As `mixgrad_tril_validate_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_validate_f32(mix: *const mixgrad_tril_f32) -> mixgrad_status {
    into_status(unsafe { ops::validate(mix) })
}

/// The joint log density `log q(x)`, written to `*log_prob`
/// (docs/math.md §10.1).
///
/// `x`: `D` values, all finite. Accuracy (f64): docs/math.md §6, widened by
/// the problem's own conditioning under relative perturbations of about
/// `D*eps` of `L` and `x` (docs/math.md §10.1).
///
/// Errors: the mixture's (see `mixgrad_tril_validate_f64()`),
/// `MIXGRAD_ERR_NULL_POINTER` (`mix`, `x`, `log_prob`, `work`),
/// `MIXGRAD_ERR_NONFINITE_X`.
///
/// The workspace (see `mixgrad_tril_work_len()`): `MIXGRAD_ERR_NULL_POINTER`
/// or `MIXGRAD_ERR_MISALIGNED_POINTER` for `work` (after the other
/// pointers), `MIXGRAD_ERR_SIZE_OVERFLOW` or `MIXGRAD_ERR_SHORT_WORKSPACE`
/// for `work_len`, `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// Every pointer must be valid for its stated length (`x`: `D` reads,
/// `log_prob`: one write, `work`: `work_len` writes).
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_log_prob_f64(
    mix: *const mixgrad_tril_f64,
    x: *const f64,
    log_prob: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::log_prob(mix, x, log_prob, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_log_prob_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_tril_log_prob_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_log_prob_f32(
    mix: *const mixgrad_tril_f32,
    x: *const f32,
    log_prob: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::log_prob(mix, x, log_prob, (work, work_len)) })
}

/// `log q(x)` and its gradients (docs/math.md §10.3); every output is
/// optional (NULL skips it):
///
/// - `log_prob`: 1 value, `log q(x)`;
/// - `x_grad`: `D` values, `d log q / d x_d`;
/// - `logits_grad`: `K` values, `d log q / d logit_k = r_k - pi_k`
///   (`r` the posterior responsibilities);
/// - `means_grad`: `K*D` values, `(k, d)` at `k*D + d`, `d log q / d mu_kd`;
/// - `scale_tril_grad`: `K*D*D` values, `d log q / d L_k[i][j]` at
///   `k*D*D + i*D + j`, 0 above the diagonal (the log-determinant term
///   `-r_k / L_k[d][d]` included on the diagonal).
///
/// These are the score-function ingredients and the `log q` term of an
/// ELBO; the pathwise gradient of a sample is `mixgrad_tril_vjp_f64()`.
///
/// Errors: as `mixgrad_tril_log_prob_f64()` (only `mix`, `x` and `work`
/// are required).
///
/// # Safety
/// Every non-NULL pointer must be valid for its stated length, `work` for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_log_prob_grad_f64(
    mix: *const mixgrad_tril_f64,
    x: *const f64,
    log_prob: *mut f64,
    x_grad: *mut f64,
    logits_grad: *mut f64,
    means_grad: *mut f64,
    scale_tril_grad: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scale_tril_grad];
    into_status(unsafe { ops::log_prob_grad(mix, x, log_prob, grads, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_log_prob_grad_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_tril_log_prob_grad_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_log_prob_grad_f32(
    mix: *const mixgrad_tril_f32,
    x: *const f32,
    log_prob: *mut f32,
    x_grad: *mut f32,
    logits_grad: *mut f32,
    means_grad: *mut f32,
    scale_tril_grad: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, means_grad, scale_tril_grad];
    into_status(unsafe { ops::log_prob_grad(mix, x, log_prob, grads, (work, work_len)) })
}

/// The conditional CDFs (docs/math.md §10.1): `u_d = F_d(x_d | x_<d)`
/// for `d = 0 .. D-1`, written to `u` (`D` values); the inverse of
/// `mixgrad_tril_quantile_f64()`.
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `x`, `u`,
/// `work`), `MIXGRAD_ERR_NONFINITE_X`.
///
/// The workspace (see `mixgrad_tril_work_len()`): `MIXGRAD_ERR_NULL_POINTER`
/// or `MIXGRAD_ERR_MISALIGNED_POINTER` for `work` (after the other
/// pointers), `MIXGRAD_ERR_SIZE_OVERFLOW` or `MIXGRAD_ERR_SHORT_WORKSPACE`
/// for `work_len`, `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// `x` must be readable and `u` writable for `D` values, `work` writable
/// for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_cdf_f64(
    mix: *const mixgrad_tril_f64,
    x: *const f64,
    u: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::cdf(mix, x, u, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_cdf_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_tril_cdf_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_cdf_f32(
    mix: *const mixgrad_tril_f32,
    x: *const f32,
    u: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::cdf(mix, x, u, (work, work_len)) })
}

/// The inverse of `mixgrad_tril_cdf_f64()`: solves `F_d(x_d | x_<d) = u_d`
/// for `d = 0 .. D-1` (the diagonal solver on each conditional,
/// docs/math.md §10.1) and writes `x` (`D` values). Pushing `u` uniform on
/// `(0,1)^D` through it samples the mixture (the quantile sampler). With
/// `K = 1` it is `x = mu + L Phi^-1(u)`.
///
/// `u`: `D` values strictly inside (0, 1).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `u`, `x`,
/// `work`), `MIXGRAD_ERR_U_OUT_OF_RANGE`.
///
/// The workspace (see `mixgrad_tril_work_len()`): `MIXGRAD_ERR_NULL_POINTER`
/// or `MIXGRAD_ERR_MISALIGNED_POINTER` for `work` (after the other
/// pointers), `MIXGRAD_ERR_SIZE_OVERFLOW` or `MIXGRAD_ERR_SHORT_WORKSPACE`
/// for `work_len`, `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// `u` must be readable and `x` writable for `D` values, `work` writable
/// for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_quantile_f64(
    mix: *const mixgrad_tril_f64,
    u: *const f64,
    x: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::quantile(mix, u, x, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_quantile_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_tril_quantile_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_quantile_f32(
    mix: *const mixgrad_tril_f32,
    u: *const f32,
    x: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::quantile(mix, u, x, (work, work_len)) })
}

/// The pathwise gradient of a sample (docs/math.md §10.2): given a sample
/// `x` and the cotangent `x_bar = dL/dx`, **overwrites** `logits_bar`,
/// `means_bar` and `scale_tril_bar` with `dL/dlogits`, `dL/dmu`, `dL/dL_k`
/// through the quantile map `x = T^-1(u; theta)` at fixed `u`. One
/// `O(K*D^2)` sweep; the result is the same for samples drawn by either
/// sampler.
///
/// Lengths: `x`, `x_bar`: `D`; `logits_bar`: `K`; `means_bar`: `K*D`
/// (`(k, d)` at `k*D + d`); `scale_tril_bar`: `K*D*D` (`(k, i, j)` at
/// `k*D*D + i*D + j`, 0 above the diagonal).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (all pointers are
/// required), `MIXGRAD_ERR_NONFINITE_X`, `MIXGRAD_ERR_NONFINITE_COTANGENT`,
/// `MIXGRAD_ERR_ZERO_DENSITY` (a conditional density at `x` is zero or its
/// reciprocal overflows).
///
/// The workspace (see `mixgrad_tril_work_len()`): `MIXGRAD_ERR_NULL_POINTER`
/// or `MIXGRAD_ERR_MISALIGNED_POINTER` for `work` (after the other
/// pointers), `MIXGRAD_ERR_SIZE_OVERFLOW` or `MIXGRAD_ERR_SHORT_WORKSPACE`
/// for `work_len`, `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// Every pointer must be valid for its stated length, `work` for
/// `work_len` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_vjp_f64(
    mix: *const mixgrad_tril_f64,
    x: *const f64,
    x_bar: *const f64,
    logits_bar: *mut f64,
    means_bar: *mut f64,
    scale_tril_bar: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scale_tril_bar];
    into_status(unsafe { ops::vjp(mix, x, x_bar, bars, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_vjp_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_tril_vjp_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_vjp_f32(
    mix: *const mixgrad_tril_f32,
    x: *const f32,
    x_bar: *const f32,
    logits_bar: *mut f32,
    means_bar: *mut f32,
    scale_tril_bar: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    let bars = [logits_bar, means_bar, scale_tril_bar];
    into_status(unsafe { ops::vjp(mix, x, x_bar, bars, (work, work_len)) })
}

/// The full Jacobian `dx/dtheta` of the quantile map at the sample `x`:
/// `D` rows of `P = K + K*D + K*D*D` columns, row-major (`jac[d*P + j]`),
/// the columns ordered logits (`K`), means (`K*D`, component-major), then
/// each `L_k` row-major (`K*D*D`, 0 above the diagonal). `D` reverse
/// sweeps; use `mixgrad_tril_vjp_f64()` when one cotangent is enough.
///
/// Errors: as `mixgrad_tril_vjp_f64()` (without the cotangent), plus
/// `MIXGRAD_ERR_SIZE_OVERFLOW` if `D*P` values do not fit the address space
/// (checked before `work_len`).
///
/// # Safety
/// `x` must be readable for `D` values, `jac` writable for `D*P`, `work`
/// for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_jacobian_f64(
    mix: *const mixgrad_tril_f64,
    x: *const f64,
    jac: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::jacobian(mix, x, jac, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_jacobian_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_tril_jacobian_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_jacobian_f32(
    mix: *const mixgrad_tril_f32,
    x: *const f32,
    jac: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::jacobian(mix, x, jac, (work, work_len)) })
}

/// Draws one sample with the quantile sampler: `x = T^-1(u)`, `u` uniform
/// on `(0,1)^D` from `rng` (as `mixgrad_diag_sample_quantile_f64()`).
/// Writes `x` (`D` values) and, if `u` is not NULL, the uniforms used (`D`
/// values). Consumes exactly `D` draws from `rng`. Gradient of the sample:
/// `mixgrad_tril_vjp_f64()` at the returned `x`.
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `rng`, `x`,
/// `work`), `MIXGRAD_ERR_UNSEEDED_RNG`. On error `rng` is not advanced.
///
/// The workspace (see `mixgrad_tril_work_len()`): `MIXGRAD_ERR_NULL_POINTER`
/// or `MIXGRAD_ERR_MISALIGNED_POINTER` for `work` (after the other
/// pointers), `MIXGRAD_ERR_SIZE_OVERFLOW` or `MIXGRAD_ERR_SHORT_WORKSPACE`
/// for `work_len`, `MIXGRAD_ERR_OVERLAPPING_BUFFERS` for `work`.
///
/// # Safety
/// `rng` must be writable; `x` and `u` (if not NULL) writable for `D`,
/// `work` for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_sample_quantile_f64(
    mix: *const mixgrad_tril_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    u: *mut f64,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_quantile(mix, rng, x, u, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_sample_quantile_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_tril_sample_quantile_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_sample_quantile_f32(
    mix: *const mixgrad_tril_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    u: *mut f32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_quantile(mix, rng, x, u, (work, work_len)) })
}

/// Draws one sample with the ancestral sampler: a component
/// `k ~ softmax(logits)`, then `x = mu_k + L_k eps` with
/// `eps_d = Phi^-1(u_d)`. Writes `x` (`D` values) and, if `component` is
/// not NULL, `k` (`0 <= k < K`). Consumes `D + 1` draws from `rng`.
/// `mixgrad_tril_vjp_f64()` gives the same pathwise gradient for its
/// samples. This sampler uses no scratch, but `work` and `work_len` are
/// checked as for every other `mixgrad_tril_*` function (so one buffer
/// serves them all).
///
/// Errors: as `mixgrad_tril_sample_quantile_f64()`. On error `rng` is not
/// advanced.
///
/// # Safety
/// `rng` and `component` (if not NULL) must be writable, `x` for `D`,
/// `work` for `work_len`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_sample_ancestral_f64(
    mix: *const mixgrad_tril_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    component: *mut u32,
    work: *mut f64,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_ancestral(mix, rng, x, component, (work, work_len)) })
}

/// Single-precision `mixgrad_tril_sample_ancestral_f64()`: `work` holds `float`
/// values.
///
/// # Safety
/// As `mixgrad_tril_sample_ancestral_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_tril_sample_ancestral_f32(
    mix: *const mixgrad_tril_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    component: *mut u32,
    work: *mut f32,
    work_len: usize,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_ancestral(mix, rng, x, component, (work, work_len)) })
}
