//! Lane-parallel forms of the hot loops: several rows of a batch at once,
//! one row per lane of a vector register (docs/math.md §8.5).
//!
//! The code is written once over [`Simd`](crate::simd::Simd), through the
//! [`V`](crate::simd::V) wrapper, and `crate::simd` compiles it per
//! instruction set and picks one at run time. It mirrors the scalar code
//! operation for operation: the special functions share their source with
//! it ([`Arith`](crate::elementary::arith::Arith)), branches become
//! selects of values both sides computed, so every lane holds the bits the
//! scalar code computes for its row.
//!
//! Rare cases stay scalar. A lane whose value needs a branch the scalar
//! code takes seldom (an `exp` argument beyond its table range, the
//! log-domain density) gets the scalar function for that lane; a row that
//! would need one of the reverse sweep's cold paths (recomputed
//! log-weights, an infinite density, NaN met) makes the call fall back to
//! the scalar rows, which then give the results.

// Targets without a vector path (the Cortex-M among them) compile the
// lanes and never call them.
#![cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]

pub(crate) mod exp;
pub(crate) mod normal;
pub(crate) mod sweep;
// The lane functions over slices, for the tests against the references.
#[cfg(feature = "test-internals")]
pub mod slices;

use crate::vjp::GradientRow;
use crate::DiagMixtureRef;

/// The lane kernels of a precision, through the instruction set in use
/// (`crate::simd`): f64 has the summed vector–Jacobian product; f32 has
/// none yet, and its batches run the scalar rows.
pub trait LaneKernels: Sized {
    /// `Σᵢ vjp(xᵢ, x̄ᵢ)` over the leading rows into `outs`: `Some(rows)`
    /// summed (a multiple of the lane count), or `None` if the scalar rows
    /// must do all of it (no lanes on this path, `K` too large, or a row
    /// that needs a cold path). Inputs checked, every row past the
    /// zero-density pre-pass.
    fn vjp_sum_lanes(
        mix: &DiagMixtureRef<'_, Self>,
        x: &[Self],
        x_bar: &[Self],
        outs: GradientRow<'_, Self>,
    ) -> Option<usize>;

    /// How many times faster [`vjp_sum_lanes`] sums rows than the scalar
    /// rows on the path in use, rounded down (1: no lanes): the batch layer
    /// splits a `vjp_many` across threads only when the pool has more
    /// (docs/math.md §8.5; the figures in docs/performance.md, "SIMD batch
    /// kernels").
    ///
    /// [`vjp_sum_lanes`]: LaneKernels::vjp_sum_lanes
    fn vjp_lane_speedup(mix: &DiagMixtureRef<'_, Self>) -> usize;
}

impl LaneKernels for f64 {
    #[inline]
    fn vjp_sum_lanes(
        mix: &DiagMixtureRef<'_, f64>,
        x: &[f64],
        x_bar: &[f64],
        outs: GradientRow<'_, f64>,
    ) -> Option<usize> {
        if mix.num_components() > sweep::MAX_LANE_COMPONENTS {
            return None;
        }
        crate::simd::dispatch(sweep::VjpSum {
            mix,
            x,
            x_bar,
            outs,
        })?
        .ok()
    }

    fn vjp_lane_speedup(mix: &DiagMixtureRef<'_, f64>) -> usize {
        use crate::SimdPath;
        if mix.num_components() > sweep::MAX_LANE_COMPONENTS {
            return 1;
        }
        match crate::simd_path() {
            SimdPath::Avx512 => 3,
            SimdPath::Avx2 => 2,
            _ => 1,
        }
    }
}

impl LaneKernels for f32 {
    #[inline(always)]
    fn vjp_sum_lanes(
        _: &DiagMixtureRef<'_, f32>,
        _: &[f32],
        _: &[f32],
        _: GradientRow<'_, f32>,
    ) -> Option<usize> {
        None
    }

    fn vjp_lane_speedup(_: &DiagMixtureRef<'_, f32>) -> usize {
        1
    }
}
