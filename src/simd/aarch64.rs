//! The aarch64 instruction set: NEON, which every aarch64 CPU has, so the
//! kernels need neither detection nor a compilation of their own.
//!
//! Every `unsafe` block here (and in the `intrinsics!` and `load_store!`
//! methods) calls `core::arch` intrinsics, sound on every aarch64 CPU;
//! loads and stores go through `[f64; 8]` arrays, longer than a register.

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
    load_store!(float64x2_t, vld1q_f64, vst1q_f64);
    intrinsics! {
        splat(v: f64) -> float64x2_t = vdupq_n_f64;
        add(a: float64x2_t, b: float64x2_t) -> float64x2_t = vaddq_f64;
        sub(a: float64x2_t, b: float64x2_t) -> float64x2_t = vsubq_f64;
        mul(a: float64x2_t, b: float64x2_t) -> float64x2_t = vmulq_f64;
        div(a: float64x2_t, b: float64x2_t) -> float64x2_t = vdivq_f64;
        abs(a: float64x2_t) -> float64x2_t = vabsq_f64;
        lt(a: float64x2_t, b: float64x2_t) -> uint64x2_t = vcltq_f64;
        le(a: float64x2_t, b: float64x2_t) -> uint64x2_t = vcleq_f64;
        eq(a: float64x2_t, b: float64x2_t) -> uint64x2_t = vceqq_f64;
        and(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t = vandq_u64;
        or(a: uint64x2_t, b: uint64x2_t) -> uint64x2_t = vorrq_u64;
        select(m: uint64x2_t, a: float64x2_t, b: float64x2_t) -> float64x2_t = vbslq_f64;
    }
    #[inline(always)]
    fn not(self, a: uint64x2_t) -> uint64x2_t {
        // SAFETY: NEON is part of aarch64.
        unsafe { veorq_u64(a, vdupq_n_u64(u64::MAX)) }
    }
    #[inline(always)]
    fn any(self, m: uint64x2_t) -> bool {
        // SAFETY: NEON is part of aarch64.
        unsafe { vmaxvq_u32(vreinterpretq_u32_u64(m)) != 0 }
    }
}
