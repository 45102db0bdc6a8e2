//! Mixtures of one location-scale family chosen at run time (docs/math.md
//! §9): Gaussian, logistic, Laplace or Cauchy components, with every
//! operation of the diagonal Gaussian mixture, in `f64` and `f32`.
//!
//! Each function reads `mix->family` right after the NULL and alignment
//! check of `mix` and calls the generic implementation in `ops` for that
//! family (the `dispatch!` macro); the checks, their order and the results are
//! otherwise those of the `mixgrad_diag_*` function of the same name. With
//! `MIXGRAD_FAMILY_GAUSSIAN` every result is that function's, bit for bit.

use mixgrad::FamilyKind;

use crate::checks::{required, Checked, RawMixture};
use crate::scratch::Scratch::Stack;
use crate::{mixgrad_rng, mixgrad_status, mixgrad_status as S};

/// `mixgrad_locscale_f64::family`: Gaussian components, `g = phi`
/// (the `mixgrad_diag_*` model).
pub const MIXGRAD_FAMILY_GAUSSIAN: u32 = 0;
/// `mixgrad_locscale_f64::family`: logistic components,
/// `g(z) = e^-z / (1 + e^-z)^2`.
pub const MIXGRAD_FAMILY_LOGISTIC: u32 = 1;
/// `mixgrad_locscale_f64::family`: Laplace components, `g(z) = e^-|z| / 2`.
pub const MIXGRAD_FAMILY_LAPLACE: u32 = 2;
/// `mixgrad_locscale_f64::family`: Cauchy components,
/// `g(z) = 1 / (pi (1 + z^2))`.
pub const MIXGRAD_FAMILY_CAUCHY: u32 = 3;

/// A mixture of `K` components of one location-scale family in `D`
/// dimensions (double precision), docs/math.md §9:
///
/// `q(x) = sum_k pi_k prod_d g(z_kd) / sigma_kd`, `z_kd = (x_d - mu_kd) / sigma_kd`,
/// `pi = softmax(logits)`, `g` the family's standard density.
///
/// The fields and rules are those of `mixgrad_diag_f64` (`locs` for its
/// `means`), plus `family`, one of the `MIXGRAD_FAMILY_*` codes; any other
/// value is `MIXGRAD_ERR_UNKNOWN_FAMILY`, checked right after the NULL and
/// alignment check of `mix` and before its arrays.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mixgrad_locscale_f64 {
    /// The family of every component: a `MIXGRAD_FAMILY_*` code.
    pub family: u32,
    /// `K`, the number of components: `1 <= K <= MIXGRAD_MAX_COMPONENTS`
    /// (any `K >= 1` for the `_work` functions).
    pub num_components: u32,
    /// `D`, the number of dimensions: `D >= 1`.
    pub num_dims: u32,
    /// `K` unnormalised log-weights (see `mixgrad_diag_f64`).
    pub logits: *const f64,
    /// `K*D` locations, `(k, d)` at `k*D + d`, all finite.
    pub locs: *const f64,
    /// `K*D` scales, `(k, d)` at `k*D + d`, finite and `> 0`.
    pub scales: *const f64,
}

/// `mixgrad_locscale_f64` in single precision: the same fields and rules
/// with `float` arrays.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct mixgrad_locscale_f32 {
    /// The family of every component: a `MIXGRAD_FAMILY_*` code.
    pub family: u32,
    /// `K`, the number of components: `1 <= K <= MIXGRAD_MAX_COMPONENTS`
    /// (any `K >= 1` for the `_work` functions).
    pub num_components: u32,
    /// `D`, the number of dimensions: `D >= 1`.
    pub num_dims: u32,
    /// `K` unnormalised log-weights (see `mixgrad_diag_f64`).
    pub logits: *const f32,
    /// `K*D` locations, `(k, d)` at `k*D + d`, all finite.
    pub locs: *const f32,
    /// `K*D` scales, `(k, d)` at `k*D + d`, finite and `> 0`.
    pub scales: *const f32,
}

/// A location-scale struct: the mixture's fields and the family code.
pub(crate) trait RawLocScale: RawMixture {
    fn family(&self) -> u32;
}

macro_rules! raw_locscale {
    ($($mix:ident: $t:ty),*) => {$(
        impl RawMixture for $mix {
            type F = $t;
            fn parts(&self) -> (u32, u32, *const $t, *const $t, *const $t) {
                let m = self;
                (m.num_components, m.num_dims, m.logits, m.locs, m.scales)
            }
        }

        impl RawLocScale for $mix {
            fn family(&self) -> u32 {
                self.family
            }
        }
    )*};
}

raw_locscale!(mixgrad_locscale_f64: f64, mixgrad_locscale_f32: f32);

/// The family `mix` names, after the NULL and alignment check of `mix`.
///
/// # Safety
/// `mix`, if not NULL and aligned, must point to a readable struct.
pub(crate) unsafe fn family_of<M: RawLocScale>(mix: *const M) -> Checked<FamilyKind> {
    let mix = required(mix)?;
    // SAFETY: non-null, aligned, readable by the caller's contract.
    let code = unsafe { &*mix }.family();
    FamilyKind::from_code(code).ok_or(S::MIXGRAD_ERR_UNKNOWN_FAMILY)
}

/// `ops::$op(family, mix, args…)` with the family `mix->family` names, as
/// a status: the one place a run-time family code becomes a unit type.
macro_rules! dispatch {
    ($op:ident($mix:ident $(, $arg:expr)*)) => {{
        use $crate::ops::$op as op;
        use ::mixgrad::{Cauchy, FamilyKind as Kind, Gaussian, Laplace, Logistic};
        let kind = unsafe { $crate::locscale::family_of($mix) };
        $crate::status::into_status(kind.and_then(|kind| match kind {
            Kind::Gaussian => unsafe { op(Gaussian, $mix $(, $arg)*) },
            Kind::Logistic => unsafe { op(Logistic, $mix $(, $arg)*) },
            Kind::Laplace => unsafe { op(Laplace, $mix $(, $arg)*) },
            Kind::Cauchy => unsafe { op(Cauchy, $mix $(, $arg)*) },
        }))
    }};
}
pub(crate) use dispatch;

/// Checks a mixture without computing anything: its pointers, family,
/// shape and parameter values, as `mixgrad_diag_validate_f64()`.
///
/// Errors: `MIXGRAD_ERR_UNKNOWN_FAMILY` (after the NULL and alignment check
/// of `mix`), then those of `mixgrad_diag_validate_f64()`
/// (`MIXGRAD_ERR_NONFINITE_MEAN` for `mix->locs`).
///
/// # Safety
/// `mix` and its arrays, if not NULL, must be readable for their lengths.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_validate_f64(
    mix: *const mixgrad_locscale_f64,
) -> mixgrad_status {
    dispatch!(validate(mix))
}

/// Single-precision `mixgrad_locscale_validate_f64()`.
///
/// # Safety
/// As `mixgrad_locscale_validate_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_validate_f32(
    mix: *const mixgrad_locscale_f32,
) -> mixgrad_status {
    dispatch!(validate(mix))
}

/// The joint log density `log q(x)`, written to `*log_prob`.
///
/// `x`: `D` values, all finite. A point farther from every component than
/// the family's clamp (docs/math.md §9.2) gets a finite, saturated value.
///
/// Errors: the mixture's (see `mixgrad_locscale_validate_f64()`),
/// `MIXGRAD_ERR_NULL_POINTER` (`mix`, `x`, `log_prob`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`. On error
/// nothing is written.
///
/// # Safety
/// Every pointer must be valid for its stated length (`x`: `D` reads,
/// `log_prob`: one write).
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_log_prob_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    log_prob: *mut f64,
) -> mixgrad_status {
    dispatch!(log_prob(mix, x, log_prob, Stack))
}

/// Single-precision `mixgrad_locscale_log_prob_f64()`.
///
/// # Safety
/// As `mixgrad_locscale_log_prob_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_log_prob_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    log_prob: *mut f32,
) -> mixgrad_status {
    dispatch!(log_prob(mix, x, log_prob, Stack))
}

/// `log q(x)` and its gradients; every output is optional (NULL skips it),
/// with the lengths of `mixgrad_diag_log_prob_grad_f64()`. With
/// `t_kd = -psi(z_kd)` (`psi = (ln g)'`, docs/math.md §9.1) and `r` the
/// posterior responsibilities:
///
/// - `log_prob`: 1 value, `log q(x)`;
/// - `x_grad`: `D` values, `d log q / d x_d = -sum_k r_k t_kd / sigma_kd`;
/// - `logits_grad`: `K` values, `r_k - pi_k`;
/// - `locs_grad`, `scales_grad`: `K*D` values each, `(k, d)` at `k*D + d`,
///   `r_k t_kd / sigma_kd` and `r_k (t_kd z_kd - 1) / sigma_kd`.
///
/// Errors: as `mixgrad_locscale_log_prob_f64()` (only `mix` and `x` are
/// required). On error nothing is written.
///
/// # Safety
/// Every non-NULL pointer must be valid for its stated length.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_log_prob_grad_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    log_prob: *mut f64,
    x_grad: *mut f64,
    logits_grad: *mut f64,
    locs_grad: *mut f64,
    scales_grad: *mut f64,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, locs_grad, scales_grad];
    dispatch!(log_prob_grad(mix, x, log_prob, grads, Stack))
}

/// Single-precision `mixgrad_locscale_log_prob_grad_f64()`.
///
/// # Safety
/// As `mixgrad_locscale_log_prob_grad_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_log_prob_grad_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    log_prob: *mut f32,
    x_grad: *mut f32,
    logits_grad: *mut f32,
    locs_grad: *mut f32,
    scales_grad: *mut f32,
) -> mixgrad_status {
    let grads = [x_grad, logits_grad, locs_grad, scales_grad];
    dispatch!(log_prob_grad(mix, x, log_prob, grads, Stack))
}

/// The conditional CDFs: `u_d = F_d(x_d | x_<d)` for `d = 0 .. D-1`,
/// written to `u` (`D` values), as `mixgrad_diag_cdf_f64()`.
///
/// Accuracy (f64): that of `mixgrad_diag_cdf_f64()` with its `z^2` replaced
/// by the family's tail conditioning `kappa(z)` (docs/math.md §9.2:
/// Gaussian about `z^2`, logistic and Laplace about `|z|`, Cauchy `<= 1`).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `x`, `u`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`. On error
/// nothing is written.
///
/// # Safety
/// `x` must be readable and `u` writable for `D` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_cdf_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    u: *mut f64,
) -> mixgrad_status {
    dispatch!(cdf(mix, x, u, Stack))
}

/// Single-precision `mixgrad_locscale_cdf_f64()`.
///
/// # Safety
/// As `mixgrad_locscale_cdf_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_cdf_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    u: *mut f32,
) -> mixgrad_status {
    dispatch!(cdf(mix, x, u, Stack))
}

/// The inverse of `mixgrad_locscale_cdf_f64()`: solves
/// `F_d(x_d | x_<d) = u_d` for `d = 0 .. D-1` and writes `x` (`D` values),
/// as `mixgrad_diag_quantile_f64()`.
///
/// `u`: `D` values strictly inside (0, 1). Accuracy (f64): that of
/// `mixgrad_diag_quantile_f64()` with `z^2` replaced by `kappa(z)`
/// (docs/math.md §9.2).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `u`, `x`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_U_OUT_OF_RANGE`. On
/// error nothing is written.
///
/// # Safety
/// `u` must be readable and `x` writable for `D` values.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_quantile_f64(
    mix: *const mixgrad_locscale_f64,
    u: *const f64,
    x: *mut f64,
) -> mixgrad_status {
    dispatch!(quantile(mix, u, x, Stack))
}

/// Single-precision `mixgrad_locscale_quantile_f64()`.
///
/// # Safety
/// As `mixgrad_locscale_quantile_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_quantile_f32(
    mix: *const mixgrad_locscale_f32,
    u: *const f32,
    x: *mut f32,
) -> mixgrad_status {
    dispatch!(quantile(mix, u, x, Stack))
}

/// The pathwise gradient of a sample (docs/math.md §9.1): given a sample
/// `x` and the cotangent `x_bar = dL/dx`, **overwrites** `logits_bar`,
/// `locs_bar` and `scales_bar` with `dL/dlogits`, `dL/dmu`, `dL/dsigma`
/// through the quantile map at fixed `u`, as `mixgrad_diag_vjp_f64()`.
///
/// Lengths: `x`, `x_bar`: `D`; `logits_bar`: `K`; `locs_bar`,
/// `scales_bar`: `K*D` (`(k, d)` at `k*D + d`).
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (all pointers are
/// required), `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_NONFINITE_X`,
/// `MIXGRAD_ERR_NONFINITE_COTANGENT`, `MIXGRAD_ERR_ZERO_DENSITY`. On error
/// nothing is written.
///
/// # Safety
/// Every pointer must be valid for its stated length.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_vjp_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    x_bar: *const f64,
    logits_bar: *mut f64,
    locs_bar: *mut f64,
    scales_bar: *mut f64,
) -> mixgrad_status {
    let bars = [logits_bar, locs_bar, scales_bar];
    dispatch!(vjp(mix, x, x_bar, bars, Stack))
}

/// Single-precision `mixgrad_locscale_vjp_f64()`.
///
/// # Safety
/// As `mixgrad_locscale_vjp_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_vjp_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    x_bar: *const f32,
    logits_bar: *mut f32,
    locs_bar: *mut f32,
    scales_bar: *mut f32,
) -> mixgrad_status {
    let bars = [logits_bar, locs_bar, scales_bar];
    dispatch!(vjp(mix, x, x_bar, bars, Stack))
}

/// The full Jacobian `dx/dtheta` of the quantile map at the sample `x`:
/// `D` rows of `P = K + 2*K*D` columns, row-major (`jac[d*P + j]`), the
/// columns ordered logits (`K`), locations (`K*D`), scales (`K*D`), as
/// `mixgrad_diag_jacobian_f64()`.
///
/// Errors: as `mixgrad_locscale_vjp_f64()` (without the cotangent), plus
/// `MIXGRAD_ERR_SIZE_OVERFLOW` if `D*P` values do not fit the address
/// space. On error nothing is written.
///
/// # Safety
/// `x` must be readable for `D` values and `jac` writable for `D*P`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_jacobian_f64(
    mix: *const mixgrad_locscale_f64,
    x: *const f64,
    jac: *mut f64,
) -> mixgrad_status {
    dispatch!(jacobian(mix, x, jac, Stack))
}

/// Single-precision `mixgrad_locscale_jacobian_f64()`.
///
/// # Safety
/// As `mixgrad_locscale_jacobian_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_jacobian_f32(
    mix: *const mixgrad_locscale_f32,
    x: *const f32,
    jac: *mut f32,
) -> mixgrad_status {
    dispatch!(jacobian(mix, x, jac, Stack))
}

/// Draws one sample with the quantile sampler, `x = T^-1(u)` with `u`
/// uniform from `rng`, as `mixgrad_diag_sample_quantile_f64()`: writes `x`
/// (`D` values) and, if `u` is not NULL, the uniforms used (`D` values);
/// consumes `D` draws from `rng`.
///
/// Errors: the mixture's, `MIXGRAD_ERR_NULL_POINTER` (`mix`, `rng`, `x`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_UNSEEDED_RNG`. On error
/// nothing is written and `rng` is not advanced.
///
/// # Safety
/// `rng` must be writable; `x` and `u` (if not NULL) writable for `D`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_sample_quantile_f64(
    mix: *const mixgrad_locscale_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    u: *mut f64,
) -> mixgrad_status {
    dispatch!(sample_quantile(mix, rng, x, u, Stack))
}

/// Single-precision `mixgrad_locscale_sample_quantile_f64()`.
///
/// # Safety
/// As `mixgrad_locscale_sample_quantile_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_sample_quantile_f32(
    mix: *const mixgrad_locscale_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    u: *mut f32,
) -> mixgrad_status {
    dispatch!(sample_quantile(mix, rng, x, u, Stack))
}

/// Draws one sample with the ancestral sampler, a component
/// `k ~ softmax(logits)`, then `x_d = mu_kd + sigma_kd G^-1(u_d)`, as
/// `mixgrad_diag_sample_ancestral_f64()`: writes `x` (`D` values) and, if
/// `component` is not NULL, `k`; consumes `D + 1` draws from `rng`.
///
/// Errors: as `mixgrad_locscale_sample_quantile_f64()`. On error nothing is
/// written and `rng` is not advanced.
///
/// # Safety
/// `rng` and `component` (if not NULL) must be writable, `x` for `D`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_sample_ancestral_f64(
    mix: *const mixgrad_locscale_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    component: *mut u32,
) -> mixgrad_status {
    dispatch!(sample_ancestral(mix, rng, x, component, Stack))
}

/// Single-precision `mixgrad_locscale_sample_ancestral_f64()`.
///
/// # Safety
/// As `mixgrad_locscale_sample_ancestral_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_locscale_sample_ancestral_f32(
    mix: *const mixgrad_locscale_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    component: *mut u32,
) -> mixgrad_status {
    dispatch!(sample_ancestral(mix, rng, x, component, Stack))
}
