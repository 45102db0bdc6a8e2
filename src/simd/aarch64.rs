//! The aarch64 instruction set: NEON, which every aarch64 CPU has, so the
//! kernels need neither detection nor a compilation of their own.
//!
//! Every `unsafe` block here calls `core::arch` intrinsics, sound on every
//! aarch64 CPU; loads and stores go through `[f64; 8]` arrays, longer than
//! a register.

use core::arch::aarch64::*;

use super::{Kernel, Simd};

/// NEON: 2 lanes.
#[derive(Clone, Copy, Debug)]
pub struct Neon(());

/// `kernel` with NEON, two registers per vector (4 rows at a time).
#[inline]
pub fn neon<K: Kernel>(kernel: K) -> K::Output {
    kernel.run(super::Pair(Neon(())))
}

impl Simd for Neon {
    const LANES: usize = 2;
    type F = float64x2_t;
    type M = uint64x2_t;
    #[inline(always)]
    fn splat(self, v: f64) -> float64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vdupq_n_f64(v) }
    }
    #[inline(always)]
    fn load(self, v: &[f64; 8]) -> float64x2_t {
        // SAFETY: NEON is part of aarch64; the array holds 8 ≥ 2 values.
        unsafe { vld1q_f64(v.as_ptr()) }
    }
    #[inline(always)]
    fn store(self, v: float64x2_t) -> [f64; 8] {
        let mut out = [0.0; 8];
        // SAFETY: NEON is part of aarch64; the array holds 8 ≥ 2 values.
        unsafe { vst1q_f64(out.as_mut_ptr(), v) };
        out
    }
    #[inline(always)]
    fn add(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vaddq_f64(a, b) }
    }
    #[inline(always)]
    fn sub(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vsubq_f64(a, b) }
    }
    #[inline(always)]
    fn mul(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vmulq_f64(a, b) }
    }
    #[inline(always)]
    fn div(self, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vdivq_f64(a, b) }
    }
    #[inline(always)]
    fn abs(self, a: float64x2_t) -> float64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vabsq_f64(a) }
    }
    #[inline(always)]
    fn lt(self, a: float64x2_t, b: float64x2_t) -> uint64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vcltq_f64(a, b) }
    }
    #[inline(always)]
    fn le(self, a: float64x2_t, b: float64x2_t) -> uint64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vcleq_f64(a, b) }
    }
    #[inline(always)]
    fn eq(self, a: float64x2_t, b: float64x2_t) -> uint64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vceqq_f64(a, b) }
    }
    #[inline(always)]
    fn and(self, a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vandq_u64(a, b) }
    }
    #[inline(always)]
    fn or(self, a: uint64x2_t, b: uint64x2_t) -> uint64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vorrq_u64(a, b) }
    }
    #[inline(always)]
    fn not(self, a: uint64x2_t) -> uint64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { veorq_u64(a, vdupq_n_u64(u64::MAX)) }
    }
    #[inline(always)]
    fn select(self, m: uint64x2_t, a: float64x2_t, b: float64x2_t) -> float64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { vbslq_f64(m, a, b) }
    }
    #[inline(always)]
    fn any(self, m: uint64x2_t) -> bool {
        // SAFETY: NEON is part of aarch64.
        unsafe { vmaxvq_u32(vreinterpretq_u32_u64(m)) != 0 }
    }
}
