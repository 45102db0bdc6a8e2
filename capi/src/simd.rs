//! The instruction set of the batch kernels: which one is in use, and
//! forcing one (for tests and benchmarks; every path gives the same bits).

use mixgrad::SimdPath;

use crate::mixgrad_status;

/// An instruction set for the batch kernels (the `_many` and
/// `mixgrad_diag_batch_*` functions). Every path computes the same bits;
/// they differ in speed only. Values are never renumbered.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum mixgrad_simd {
    /// For `mixgrad_simd_force()`: detect again and use the widest path
    /// available (what the library does by itself on first use).
    MIXGRAD_SIMD_AUTO = 0,
    /// One row at a time: the reference the other paths equal, and the
    /// only path on targets other than x86-64 and aarch64.
    MIXGRAD_SIMD_SCALAR = 1,
    /// x86-64 SSE2 (every x86-64 CPU).
    MIXGRAD_SIMD_SSE2 = 2,
    /// x86-64 AVX2 with FMA.
    MIXGRAD_SIMD_AVX2 = 3,
    /// x86-64 AVX-512 (F, DQ, VL).
    MIXGRAD_SIMD_AVX512 = 4,
    /// aarch64 NEON (every aarch64 CPU).
    MIXGRAD_SIMD_NEON = 5,
}

use mixgrad_simd as M;

/// The C value of a path.
fn value(path: SimdPath) -> mixgrad_simd {
    match path {
        SimdPath::Sse2 => M::MIXGRAD_SIMD_SSE2,
        SimdPath::Avx2 => M::MIXGRAD_SIMD_AVX2,
        SimdPath::Avx512 => M::MIXGRAD_SIMD_AVX512,
        SimdPath::Neon => M::MIXGRAD_SIMD_NEON,
        _ => M::MIXGRAD_SIMD_SCALAR,
    }
}

/// The path of a C value: `Ok(None)` for `MIXGRAD_SIMD_AUTO`.
fn path(value: u32) -> Result<Option<SimdPath>, mixgrad_status> {
    let path = match value {
        0 => return Ok(None),
        1 => SimdPath::Scalar,
        2 => SimdPath::Sse2,
        3 => SimdPath::Avx2,
        4 => SimdPath::Avx512,
        5 => SimdPath::Neon,
        _ => return Err(mixgrad_status::MIXGRAD_ERR_SIMD_PATH_UNAVAILABLE),
    };
    Ok(Some(path))
}

/// The instruction set the batch kernels use now (a `mixgrad_simd` value,
/// never `MIXGRAD_SIMD_AUTO`): the widest the CPU has, detected on first
/// use, unless `mixgrad_simd_force()` chose another.
#[no_mangle]
pub extern "C" fn mixgrad_simd_in_use() -> u32 {
    value(mixgrad::simd_path()) as u32
}

/// Whether this CPU and build can run `path` (a `mixgrad_simd` value):
/// 1 if so, 0 if not (or if `path` is no `mixgrad_simd` value).
/// `MIXGRAD_SIMD_AUTO` and `MIXGRAD_SIMD_SCALAR` are always available.
#[no_mangle]
pub extern "C" fn mixgrad_simd_available(path_value: u32) -> i32 {
    match path(path_value) {
        Ok(None) => 1,
        Ok(Some(p)) => i32::from(p.is_available()),
        Err(_) => 0,
    }
}

/// Makes the batch kernels use `path` (a `mixgrad_simd` value;
/// `MIXGRAD_SIMD_AUTO` detects again), for every thread, until the next
/// call. Meant for tests and benchmarks: results are the same bits on
/// every path. Not synchronised with batch calls running on other threads:
/// a call in flight may finish on either path.
///
/// Returns `MIXGRAD_OK`, or `MIXGRAD_ERR_SIMD_PATH_UNAVAILABLE` (the path
/// in use is then unchanged).
#[no_mangle]
pub extern "C" fn mixgrad_simd_force(path_value: u32) -> mixgrad_status {
    match path(path_value).map(mixgrad::force_simd_path) {
        Ok(Ok(())) => mixgrad_status::MIXGRAD_OK,
        Ok(Err(e)) => e.into(),
        Err(status) => status,
    }
}
