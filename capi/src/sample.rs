//! The two samplers (docs/math.md §3), `f64` and `f32`, drawing from a caller-owned
//! `mixgrad_rng`.

use mixgrad::Gaussian;

use crate::ops;
use crate::scratch::Scratch::Stack;
use crate::status::into_status;
use crate::{mixgrad_diag_f32, mixgrad_diag_f64, mixgrad_rng, mixgrad_status};

/// Draws one sample with the quantile sampler (docs/math.md §3):
/// `x = T^-1(u)`, `u` uniform on `(0,1)^D` from `rng`. For a fixed stream,
/// `x` is a smooth function of the parameters, so common random numbers and
/// quasi-Monte Carlo work through it. Writes `x` (`D` values) and, if `u` is
/// not NULL, the uniforms used (`D` values). Consumes exactly `D` 64-bit
/// draws (`f64`) or `D` 32-bit draws (`f32`) from `rng`.
///
/// Gradient of the sample: `mixgrad_diag_vjp_f64()` at the returned `x`.
///
/// Errors: the mixture's (see `mixgrad_diag_validate_f64()`),
/// `MIXGRAD_ERR_NULL_POINTER` (`mix`, `rng`, `x`),
/// `MIXGRAD_ERR_OVERLAPPING_BUFFERS`, `MIXGRAD_ERR_UNSEEDED_RNG` (`rng` is
/// all zero: never seeded). On error `rng` is not advanced.
///
/// # Safety
/// `rng` must be writable; `x` and `u` (if not NULL) writable for `D`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_quantile_f64(
    mix: *const mixgrad_diag_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    u: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_quantile(Gaussian, mix, rng, x, u, Stack) })
}

/// Single-precision `mixgrad_diag_sample_quantile_f64()`.
///
/// # Safety
/// As `mixgrad_diag_sample_quantile_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_quantile_f32(
    mix: *const mixgrad_diag_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    u: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_quantile(Gaussian, mix, rng, x, u, Stack) })
}

/// Draws one sample with the ancestral sampler (docs/math.md §3): a component
/// `k ~ softmax(logits)`, then `x_d = mu_kd + sigma_kd Phi^-1(u_d)`.
/// `O(K + D)`, cheaper than the quantile sampler; `mixgrad_diag_vjp_f64()`
/// gives the same pathwise gradient for its samples. Writes `x` (`D`
/// values) and, if `component` is not NULL, `k` (`0 <= k < K`). Consumes
/// `D + 1` draws from `rng`.
///
/// Errors: as `mixgrad_diag_sample_quantile_f64()`. On error `rng` is not
/// advanced.
///
/// # Safety
/// `rng` and `component` (if not NULL) must be writable, `x` for `D`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_ancestral_f64(
    mix: *const mixgrad_diag_f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
    component: *mut u32,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_ancestral(Gaussian, mix, rng, x, component, Stack) })
}

/// Single-precision `mixgrad_diag_sample_ancestral_f64()`.
///
/// # Safety
/// As `mixgrad_diag_sample_ancestral_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_diag_sample_ancestral_f32(
    mix: *const mixgrad_diag_f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
    component: *mut u32,
) -> mixgrad_status {
    into_status(unsafe { ops::sample_ancestral(Gaussian, mix, rng, x, component, Stack) })
}
