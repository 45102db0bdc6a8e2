//! The Gamma distribution (shape `alpha`, rate `beta`, docs/math.md §11):
//! its CDF, quantile, sampler and the exact pathwise gradient of the
//! quantile sampler, in `f64` and `f32`.
//!
//! Every function is a thin `extern "C"` wrapper over one generic
//! implementation below. The parameters and inputs are scalars passed by
//! value; only the outputs (and the generator) are pointers. Checks run in
//! the order of `mixgrad_status`: the pointers, then overlap between the
//! outputs, then `alpha` (`MIXGRAD_ERR_INVALID_SHAPE`), `rate`
//! (`MIXGRAD_ERR_INVALID_RATE`), then the input `x` or `u`, then the
//! generator's state. Nothing is written on error.
//!
//! The functions are documented for C readers of `mixgrad.h` (CMSIS-style
//! `@param[in]`/`@param[out]`), which rustdoc would read as links.
#![allow(rustdoc::broken_intra_doc_links)]

use mixgrad::{Float, Gamma};

use crate::checks::{disjoint, optional_mut, required_mut, Buffer, Checked};
use crate::mixgrad_rng;
use crate::mixgrad_status;
use crate::ops::seeded;
use crate::status::into_status;

/// Writes `value` to the checked, aligned, non-NULL `out`.
///
/// # Safety
/// `out` must be writable.
unsafe fn put<T: Float>(out: *mut T, value: T) {
    // SAFETY: the caller's promise; `required_mut` checked NULL and
    // alignment.
    unsafe { out.write(value) }
}

unsafe fn cdf<T: Float>(alpha: T, rate: T, x: T, u: *mut T) -> Checked<()> {
    let u = required_mut(u)?;
    let value = Gamma::new(alpha, rate)?.cdf(x)?;
    unsafe { put(u, value) };
    Ok(())
}

unsafe fn quantile<T: Float>(alpha: T, rate: T, u: T, x: *mut T) -> Checked<()> {
    let x = required_mut(x)?;
    let value = Gamma::new(alpha, rate)?.quantile(u)?;
    unsafe { put(x, value) };
    Ok(())
}

unsafe fn grad<T: Float>(
    alpha: T,
    rate: T,
    x: T,
    dx_dalpha: *mut T,
    dx_drate: *mut T,
) -> Checked<()> {
    let (da, db) = (optional_mut(dx_dalpha)?, optional_mut(dx_drate)?);
    let span = |p: Option<*mut T>| p.map(|p| Buffer::output(p, 1).span());
    disjoint(&[span(da), span(db)], &[])?;
    let g = Gamma::new(alpha, rate)?;
    // Both computed before either is written; each checks `x` itself.
    let (a, b) = (g.dx_dalpha(x)?, g.dx_drate(x)?);
    if let Some(p) = da {
        unsafe { put(p, a) };
    }
    if let Some(p) = db {
        unsafe { put(p, b) };
    }
    Ok(())
}

unsafe fn sample<T: Float>(alpha: T, rate: T, rng: *mut mixgrad_rng, x: *mut T) -> Checked<()> {
    let (rng, x) = (required_mut(rng)?, required_mut(x)?);
    let (rng, x) = (Buffer::output(rng, 1), Buffer::output(x, 1));
    disjoint(&[Some(rng.span()), Some(x.span())], &[])?;
    let g = Gamma::new(alpha, rate)?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let x = unsafe { x.into_mut_slice() };
    for slot in x {
        *slot = g.sample(rng);
    }
    Ok(())
}

/// The CDF of Gamma(`alpha`, `rate`): `u = P(alpha, rate*x)`, the
/// regularised lower incomplete gamma function, to full relative accuracy
/// in both tails (docs/numerics.md gives the bound); `cdf(0) = 0`.
///
/// @param[in] alpha the shape, a normal number in `(0, 1e6]`
/// @param[in] rate the rate (inverse scale), finite and `> 0`
/// @param[in] x the point, finite and `>= 0`
/// @param[out] u the probability `P(X <= x)`
///
/// Errors: `MIXGRAD_ERR_NULL_POINTER` or `MIXGRAD_ERR_MISALIGNED_POINTER`
/// (`u`), `MIXGRAD_ERR_INVALID_SHAPE`, `MIXGRAD_ERR_INVALID_RATE`,
/// `MIXGRAD_ERR_NONFINITE_X`, `MIXGRAD_ERR_X_OUTSIDE_SUPPORT` (`x < 0`).
///
/// # Safety
/// `u` must be writable.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_gamma_cdf_f64(
    alpha: f64,
    rate: f64,
    x: f64,
    u: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { cdf(alpha, rate, x, u) })
}

/// Single-precision `mixgrad_gamma_cdf_f64()`.
///
/// # Safety
/// As `mixgrad_gamma_cdf_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_gamma_cdf_f32(
    alpha: f32,
    rate: f32,
    x: f32,
    u: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { cdf(alpha, rate, x, u) })
}

/// The quantile of Gamma(`alpha`, `rate`): `x = P^-1(alpha, u) / rate`,
/// the inverse of `mixgrad_gamma_cdf_f64()`; 0 where the quantile is below
/// the smallest positive number, +infinity where it is above the largest
/// finite one (a rate far below the shape).
///
/// @param[in] alpha the shape, a normal number in `(0, 1e6]`
/// @param[in] rate the rate, finite and `> 0`
/// @param[in] u the probability, strictly inside (0, 1)
/// @param[out] x the quantile
///
/// Errors: `MIXGRAD_ERR_NULL_POINTER` or `MIXGRAD_ERR_MISALIGNED_POINTER`
/// (`x`), `MIXGRAD_ERR_INVALID_SHAPE`, `MIXGRAD_ERR_INVALID_RATE`,
/// `MIXGRAD_ERR_U_OUT_OF_RANGE`.
///
/// # Safety
/// `x` must be writable.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_gamma_quantile_f64(
    alpha: f64,
    rate: f64,
    u: f64,
    x: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { quantile(alpha, rate, u, x) })
}

/// Single-precision `mixgrad_gamma_quantile_f64()`.
///
/// # Safety
/// As `mixgrad_gamma_quantile_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_gamma_quantile_f32(
    alpha: f32,
    rate: f32,
    u: f32,
    x: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { quantile(alpha, rate, u, x) })
}

/// The exact pathwise gradient of the quantile sampler at `x`, the
/// paper's Eq. 6 with `u` held fixed (docs/math.md §11):
/// `dx/dalpha = -(dP(alpha, rate*x)/dalpha) / (rate * f(rate*x))`, to
/// `1e-10` relative wherever the density is a normal number, and
/// `dx/drate = -x/rate`. Either output may be NULL (skipped).
///
/// @param[in] alpha the shape, a normal number in `(0, 1e6]`
/// @param[in] rate the rate, finite and `> 0`
/// @param[in] x the sample, finite and `> 0`
/// @param[out] dx_dalpha `dx/dalpha`, or NULL
/// @param[out] dx_drate `dx/drate`, or NULL
///
/// Errors: `MIXGRAD_ERR_MISALIGNED_POINTER` (`dx_dalpha`, then
/// `dx_drate`), `MIXGRAD_ERR_OVERLAPPING_BUFFERS` (the two outputs the same
/// address), `MIXGRAD_ERR_INVALID_SHAPE`, `MIXGRAD_ERR_INVALID_RATE`,
/// `MIXGRAD_ERR_NONFINITE_X`, `MIXGRAD_ERR_X_OUTSIDE_SUPPORT` (`x <= 0`,
/// or `rate*x` not a positive finite number).
///
/// # Safety
/// `dx_dalpha` and `dx_drate`, where not NULL, must be writable.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_gamma_grad_f64(
    alpha: f64,
    rate: f64,
    x: f64,
    dx_dalpha: *mut f64,
    dx_drate: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { grad(alpha, rate, x, dx_dalpha, dx_drate) })
}

/// Single-precision `mixgrad_gamma_grad_f64()`.
///
/// # Safety
/// As `mixgrad_gamma_grad_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_gamma_grad_f32(
    alpha: f32,
    rate: f32,
    x: f32,
    dx_dalpha: *mut f32,
    dx_drate: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { grad(alpha, rate, x, dx_dalpha, dx_drate) })
}

/// Draws one sample of Gamma(`alpha`, `rate`) by the quantile map
/// `x = P^-1(alpha, u) / rate`, `u` uniform on (0, 1) from `rng`: smooth
/// in the parameters for a fixed stream, so `mixgrad_gamma_grad_f64()` at
/// the returned `x` is its pathwise gradient. Consumes one 64-bit draw.
///
/// @param[in] alpha the shape, a normal number in `(0, 1e6]`
/// @param[in] rate the rate, finite and `> 0`
/// @param[in,out] rng a seeded generator (`mixgrad_rng_seed()`)
/// @param[out] x the sample
///
/// Errors: `MIXGRAD_ERR_NULL_POINTER` or `MIXGRAD_ERR_MISALIGNED_POINTER`
/// (`rng`, then `x`), `MIXGRAD_ERR_OVERLAPPING_BUFFERS` (`x` inside
/// `rng`), `MIXGRAD_ERR_INVALID_SHAPE`, `MIXGRAD_ERR_INVALID_RATE`,
/// `MIXGRAD_ERR_UNSEEDED_RNG`. On error `rng` is not advanced.
///
/// # Safety
/// `rng` and `x` must be writable.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_gamma_sample_f64(
    alpha: f64,
    rate: f64,
    rng: *mut mixgrad_rng,
    x: *mut f64,
) -> mixgrad_status {
    into_status(unsafe { sample(alpha, rate, rng, x) })
}

/// Single-precision `mixgrad_gamma_sample_f64()`: consumes one 32-bit
/// draw.
///
/// # Safety
/// As `mixgrad_gamma_sample_f64()`.
#[no_mangle]
pub unsafe extern "C" fn mixgrad_gamma_sample_f32(
    alpha: f32,
    rate: f32,
    rng: *mut mixgrad_rng,
    x: *mut f32,
) -> mixgrad_status {
    into_status(unsafe { sample(alpha, rate, rng, x) })
}
