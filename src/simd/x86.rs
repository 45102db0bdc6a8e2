//! The x86-64 instruction sets: detection, the [`Simd`] tokens, and every
//! [`Kernel`] compiled for AVX2 and for AVX-512. SSE2 is part of x86-64,
//! so its token is always available and its kernels need no compilation
//! of their own.
//!
//! Every `unsafe` block here (and in the `intrinsics!` and `load_store!`
//! methods) calls `core::arch` intrinsics. They are sound
//! where the CPU has the instruction set, and a token ([`Sse2`], [`Avx2`],
//! [`Avx512`]) exists only where it has: `Sse2` on every x86-64 CPU, the
//! others made only by [`avx2`] and [`avx512`] after detection. Loads and
//! stores go through `[f64; 8]` arrays, at least as long as any register.

use core::arch::x86_64::*;

use super::{Kernel, Simd};
use crate::elementary::exp::TABLE;

// CPUID for the instructions and XCR0 for the registers the operating
// system saves (a CPU with AVX-512 under an OS that does not save ZMM must
// not use it); cached after the first call.
cpufeatures::new!(cpu_avx2, "avx2", "fma");
cpufeatures::new!(cpu_avx512, "avx512f", "avx512dq", "avx512vl", "avx2", "fma");

/// The CPU and the OS support AVX2 and FMA.
pub fn has_avx2() -> bool {
    cpu_avx2::get()
}

/// The CPU and the OS support AVX-512 F, DQ and VL (and AVX2, FMA).
pub fn has_avx512() -> bool {
    cpu_avx512::get()
}

/// SSE2: 2 lanes.
#[derive(Clone, Copy, Debug)]
pub struct Sse2(());

/// AVX2: 4 lanes.
#[derive(Clone, Copy, Debug)]
pub struct Avx2(());

/// AVX-512 F/DQ/VL: 8 lanes.
#[derive(Clone, Copy, Debug)]
pub struct Avx512(());

/// `kernel` with SSE2, which every x86-64 CPU has, two registers per
/// vector (4 rows at a time: more independent work in flight).
#[inline]
pub fn sse2<K: Kernel>(kernel: K) -> K::Output {
    kernel.run(super::Pair(Sse2(())))
}

/// `kernel` compiled for AVX2, two registers per vector (8 rows at a
/// time); `None` without AVX2.
#[inline]
pub fn avx2<K: Kernel>(kernel: K) -> Option<K::Output> {
    #[target_feature(enable = "avx2,fma")]
    unsafe fn compiled<K: Kernel>(kernel: K) -> K::Output {
        kernel.run(super::Pair(Avx2(())))
    }
    if !has_avx2() {
        return None;
    }
    // SAFETY: `compiled` enables exactly AVX2 and FMA, which `has_avx2`
    // has just confirmed the CPU and the OS support.
    Some(unsafe { compiled(kernel) })
}

/// `kernel` compiled for AVX-512, one register per vector (8 rows at a
/// time); `None` without AVX-512.
#[inline]
pub fn avx512<K: Kernel>(kernel: K) -> Option<K::Output> {
    #[target_feature(enable = "avx512f,avx512dq,avx512vl,avx2,fma")]
    unsafe fn compiled<K: Kernel>(kernel: K) -> K::Output {
        kernel.run(Avx512(()))
    }
    if !has_avx512() {
        return None;
    }
    // SAFETY: `compiled` enables exactly AVX-512 F/DQ/VL, AVX2 and FMA,
    // which `has_avx512` has just confirmed the CPU and the OS support.
    Some(unsafe { compiled(kernel) })
}

impl Simd for Sse2 {
    const LANES: usize = 2;
    type F = __m128d;
    type M = __m128d;
    load_store!(__m128d, _mm_loadu_pd, _mm_storeu_pd);
    intrinsics! {
        splat(v: f64) -> __m128d = _mm_set1_pd;
        add(a: __m128d, b: __m128d) -> __m128d = _mm_add_pd;
        sub(a: __m128d, b: __m128d) -> __m128d = _mm_sub_pd;
        mul(a: __m128d, b: __m128d) -> __m128d = _mm_mul_pd;
        div(a: __m128d, b: __m128d) -> __m128d = _mm_div_pd;
        lt(a: __m128d, b: __m128d) -> __m128d = _mm_cmplt_pd;
        le(a: __m128d, b: __m128d) -> __m128d = _mm_cmple_pd;
        eq(a: __m128d, b: __m128d) -> __m128d = _mm_cmpeq_pd;
        and(a: __m128d, b: __m128d) -> __m128d = _mm_and_pd;
        or(a: __m128d, b: __m128d) -> __m128d = _mm_or_pd;
    }
    #[inline(always)]
    fn abs(self, a: __m128d) -> __m128d {
        // SAFETY: see the module; a token proves the instructions.
        unsafe { _mm_andnot_pd(_mm_set1_pd(-0.0), a) }
    }
    #[inline(always)]
    fn not(self, a: __m128d) -> __m128d {
        // SAFETY: see the module; a token proves the instructions.
        unsafe { _mm_xor_pd(a, _mm_castsi128_pd(_mm_set1_epi64x(-1))) }
    }
    #[inline(always)]
    fn select(self, m: __m128d, a: __m128d, b: __m128d) -> __m128d {
        // SAFETY: see the module; a token proves the instructions.
        unsafe { _mm_or_pd(_mm_and_pd(m, a), _mm_andnot_pd(m, b)) }
    }
    #[inline(always)]
    fn any(self, m: __m128d) -> bool {
        // SAFETY: see the module; a token proves the instructions.
        unsafe { _mm_movemask_pd(m) != 0 }
    }
}

impl Simd for Avx2 {
    const LANES: usize = 4;
    type F = __m256d;
    type M = __m256d;
    load_store!(__m256d, _mm256_loadu_pd, _mm256_storeu_pd);
    intrinsics! {
        splat(v: f64) -> __m256d = _mm256_set1_pd;
        add(a: __m256d, b: __m256d) -> __m256d = _mm256_add_pd;
        sub(a: __m256d, b: __m256d) -> __m256d = _mm256_sub_pd;
        mul(a: __m256d, b: __m256d) -> __m256d = _mm256_mul_pd;
        div(a: __m256d, b: __m256d) -> __m256d = _mm256_div_pd;
        lt(a: __m256d, b: __m256d) -> __m256d = _mm256_cmp_pd::<_CMP_LT_OQ>;
        le(a: __m256d, b: __m256d) -> __m256d = _mm256_cmp_pd::<_CMP_LE_OQ>;
        eq(a: __m256d, b: __m256d) -> __m256d = _mm256_cmp_pd::<_CMP_EQ_OQ>;
        and(a: __m256d, b: __m256d) -> __m256d = _mm256_and_pd;
        or(a: __m256d, b: __m256d) -> __m256d = _mm256_or_pd;
    }
    #[inline(always)]
    fn abs(self, a: __m256d) -> __m256d {
        // SAFETY: see the module; a token proves the instructions.
        unsafe { _mm256_andnot_pd(_mm256_set1_pd(-0.0), a) }
    }
    #[inline(always)]
    fn not(self, a: __m256d) -> __m256d {
        // SAFETY: see the module; a token proves the instructions.
        unsafe { _mm256_xor_pd(a, _mm256_castsi256_pd(_mm256_set1_epi64x(-1))) }
    }
    #[inline(always)]
    fn select(self, m: __m256d, a: __m256d, b: __m256d) -> __m256d {
        // SAFETY: see the module; a token proves the instructions.
        unsafe { _mm256_blendv_pd(b, a, m) }
    }
    #[inline(always)]
    fn any(self, m: __m256d) -> bool {
        // SAFETY: see the module; a token proves the instructions.
        unsafe { _mm256_movemask_pd(m) != 0 }
    }
    #[inline(always)]
    fn exp_table(self, kd: __m256d) -> (__m256d, __m256d) {
        // SAFETY: see the module; a token proves the instructions. The
        // gathers read TABLE[2i] and TABLE[2i + 1] with i = k & 127 < 128,
        // inside the 256 entries.
        unsafe {
            let ki = _mm256_castpd_si256(kd);
            let idx = _mm256_slli_epi64::<1>(_mm256_and_si256(ki, _mm256_set1_epi64x(127)));
            let base = TABLE.as_ptr().cast::<i64>();
            let tail = _mm256_i64gather_epi64::<8>(base, idx);
            let high = _mm256_i64gather_epi64::<8>(base.add(1), idx);
            let scale = _mm256_add_epi64(high, _mm256_slli_epi64::<45>(ki));
            (_mm256_castsi256_pd(tail), _mm256_castsi256_pd(scale))
        }
    }
}

impl Simd for Avx512 {
    const LANES: usize = 8;
    type F = __m512d;
    type M = __mmask8;
    load_store!(__m512d, _mm512_loadu_pd, _mm512_storeu_pd);
    intrinsics! {
        splat(v: f64) -> __m512d = _mm512_set1_pd;
        add(a: __m512d, b: __m512d) -> __m512d = _mm512_add_pd;
        sub(a: __m512d, b: __m512d) -> __m512d = _mm512_sub_pd;
        mul(a: __m512d, b: __m512d) -> __m512d = _mm512_mul_pd;
        div(a: __m512d, b: __m512d) -> __m512d = _mm512_div_pd;
        abs(a: __m512d) -> __m512d = _mm512_abs_pd;
        lt(a: __m512d, b: __m512d) -> __mmask8 = _mm512_cmp_pd_mask::<_CMP_LT_OQ>;
        le(a: __m512d, b: __m512d) -> __mmask8 = _mm512_cmp_pd_mask::<_CMP_LE_OQ>;
        eq(a: __m512d, b: __m512d) -> __mmask8 = _mm512_cmp_pd_mask::<_CMP_EQ_OQ>;
    }
    #[inline(always)]
    fn and(self, a: __mmask8, b: __mmask8) -> __mmask8 {
        a & b
    }
    #[inline(always)]
    fn or(self, a: __mmask8, b: __mmask8) -> __mmask8 {
        a | b
    }
    #[inline(always)]
    fn not(self, a: __mmask8) -> __mmask8 {
        !a
    }
    #[inline(always)]
    fn select(self, m: __mmask8, a: __m512d, b: __m512d) -> __m512d {
        // SAFETY: see the module; a token proves the instructions.
        unsafe { _mm512_mask_blend_pd(m, b, a) }
    }
    #[inline(always)]
    fn any(self, m: __mmask8) -> bool {
        m != 0
    }
    #[inline(always)]
    fn exp_table(self, kd: __m512d) -> (__m512d, __m512d) {
        // SAFETY: see the module; a token proves the instructions. The
        // gathers read TABLE[2i] and TABLE[2i + 1] with i = k & 127 < 128,
        // inside the 256 entries.
        unsafe {
            let ki = _mm512_castpd_si512(kd);
            let idx = _mm512_slli_epi64::<1>(_mm512_and_si512(ki, _mm512_set1_epi64(127)));
            let base = TABLE.as_ptr().cast::<i64>();
            let tail = _mm512_i64gather_epi64::<8>(idx, base);
            let high = _mm512_i64gather_epi64::<8>(idx, base.add(1));
            let scale = _mm512_add_epi64(high, _mm512_slli_epi64::<45>(ki));
            (_mm512_castsi512_pd(tail), _mm512_castsi512_pd(scale))
        }
    }
}
