//! Which instruction set the lane kernels (`crate::lanes`) run on, chosen
//! at run time (docs/math.md §8.5; docs/performance.md, "SIMD batch
//! kernels").
//!
//! x86-64 has SSE2 everywhere, and AVX2 or AVX-512 on most machines; the
//! kernels are compiled once per set ([`x86`]) and the best one the CPU
//! and the operating system support is used (CPUID and XCR0, through
//! `cpufeatures`, which needs no std). aarch64 has NEON everywhere. Other
//! targets (the Cortex-M among them) compile none of this and run the
//! scalar code.
//!
//! Every path gives the same bits: the kernels are one source, in IEEE
//! operations without contraction, and the scalar path is the reference
//! they are tested against. [`force_simd_path`] picks a path by hand, for
//! tests and benchmarks.
//!
//! This is the crate's only module with `unsafe` code: calling a function
//! compiled for an instruction set is sound only where the CPU has it, and
//! each such call sits behind the detection of exactly the features the
//! function enables.

// Targets without a vector path (the Cortex-M among them) compile the
// lanes and never call them.
#![cfg_attr(
    not(any(target_arch = "x86_64", target_arch = "aarch64")),
    allow(dead_code)
)]

use crate::{Error, ErrorKind};

/// [`Simd`] methods that each call one intrinsic with their arguments, as
/// `name(args) -> type = intrinsic;`. Sound for the reason the
/// implementing module states: a token exists only where the CPU has the
/// instructions.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
macro_rules! intrinsics {
    ($($name:ident($($arg:ident: $t:ty),*) -> $ret:ty = $f:expr;)*) => {$(
        #[inline(always)]
        fn $name(self, $($arg: $t),*) -> $ret {
            // SAFETY: the token `self` proves the instructions (see the
            // implementing module).
            unsafe { ($f)($($arg),*) }
        }
    )*};
}

/// [`Simd::load`] and [`Simd::store`] through an unaligned load and store
/// intrinsic, over the `[f64; 8]` arrays, which hold at least a register.
#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
macro_rules! load_store {
    ($f:ty, $load:path, $store:path) => {
        #[inline(always)]
        fn load(self, v: &[f64; 8]) -> $f {
            // SAFETY: the token proves the instructions, and the array
            // holds 8 ≥ LANES values.
            unsafe { $load(v.as_ptr()) }
        }
        #[inline(always)]
        fn store(self, v: $f) -> [f64; 8] {
            let mut out = [0.0; 8];
            // SAFETY: as for `load`.
            unsafe { $store(out.as_mut_ptr(), v) };
            out
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod x86;

#[cfg(target_arch = "aarch64")]
mod aarch64;
mod lanes;

pub(crate) use lanes::V;

/// A vector instruction set as the lane kernels see it: `LANES` `f64`
/// values per register ([`Simd::F`]), a mask per lane ([`Simd::M`]), and
/// the few operations the kernels need, each one IEEE instruction per lane
/// (no fused multiply-add, no approximations: the same bits as the scalar
/// operation). A value of an implementing type is the proof that the CPU
/// has the instructions: only the dispatch makes one, after detection.
pub(crate) trait Simd: Copy {
    /// Values per register, at most 8.
    const LANES: usize;
    /// `LANES` `f64` values.
    type F: Copy;
    /// One boolean per lane.
    type M: Copy;
    fn splat(self, v: f64) -> Self::F;
    /// The first `LANES` values of `v`.
    fn load(self, v: &[f64; 8]) -> Self::F;
    /// The lanes, in the first `LANES` places.
    fn store(self, v: Self::F) -> [f64; 8];
    fn add(self, a: Self::F, b: Self::F) -> Self::F;
    fn sub(self, a: Self::F, b: Self::F) -> Self::F;
    fn mul(self, a: Self::F, b: Self::F) -> Self::F;
    fn div(self, a: Self::F, b: Self::F) -> Self::F;
    fn abs(self, a: Self::F) -> Self::F;
    /// `a < b` (false where either is NaN), likewise [`le`](Self::le) and
    /// [`eq`](Self::eq).
    fn lt(self, a: Self::F, b: Self::F) -> Self::M;
    fn le(self, a: Self::F, b: Self::F) -> Self::M;
    fn eq(self, a: Self::F, b: Self::F) -> Self::M;
    fn and(self, a: Self::M, b: Self::M) -> Self::M;
    fn or(self, a: Self::M, b: Self::M) -> Self::M;
    fn not(self, a: Self::M) -> Self::M;
    /// `a` where `m`, `b` elsewhere.
    fn select(self, m: Self::M, a: Self::F, b: Self::F) -> Self::F;
    fn any(self, m: Self::M) -> bool;
    /// The table lookup of `exp` (`elementary::exp::exp_reduced`): with
    /// `k` in the low bits of `kd`, `(T_i, 2^e·H_i)` for `i = k mod 128`,
    /// `e = k div 128`. By default lane by lane; a gather where the
    /// instruction set has one.
    #[inline(always)]
    fn exp_table(self, kd: Self::F) -> (Self::F, Self::F) {
        let kd = self.store(kd);
        let (mut tail, mut scale) = ([0.0; 8], [0.0; 8]);
        for j in 0..Self::LANES.min(8) {
            (tail[j], scale[j]) = crate::elementary::exp::table_entry(kd[j].to_bits());
        }
        (self.load(&tail), self.load(&scale))
    }
}

/// An instruction set for the batch kernels.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SimdPath {
    /// One row at a time, the reference every other path equals; the only
    /// path on targets other than x86-64 and aarch64.
    Scalar,
    /// x86-64 SSE2 (every x86-64 CPU): 2 `f64` per instruction.
    Sse2,
    /// x86-64 AVX2 with FMA: 4 `f64` per instruction (no fused
    /// multiply-add is used, so the bits stay those of the other paths).
    Avx2,
    /// x86-64 AVX-512 (F, DQ, VL): 8 `f64` per instruction.
    Avx512,
    /// aarch64 NEON (every aarch64 CPU): 2 `f64` per instruction.
    Neon,
}

impl SimdPath {
    /// Every path, from the narrowest.
    pub const ALL: [SimdPath; 5] = [
        SimdPath::Scalar,
        SimdPath::Sse2,
        SimdPath::Avx2,
        SimdPath::Avx512,
        SimdPath::Neon,
    ];

    /// The path's name: `scalar`, `sse2`, `avx2`, `avx512` or `neon`.
    pub const fn name(self) -> &'static str {
        match self {
            SimdPath::Scalar => "scalar",
            SimdPath::Sse2 => "sse2",
            SimdPath::Avx2 => "avx2",
            SimdPath::Avx512 => "avx512",
            SimdPath::Neon => "neon",
        }
    }

    /// The path of that [`name`](Self::name), if any.
    pub fn from_name(name: &str) -> Option<SimdPath> {
        SimdPath::ALL.into_iter().find(|p| p.name() == name)
    }

    /// Whether this CPU and this build's target can run the path.
    pub fn is_available(self) -> bool {
        match self {
            SimdPath::Scalar => true,
            SimdPath::Sse2 => cfg!(target_arch = "x86_64"),
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx2 => x86::has_avx2(),
            #[cfg(target_arch = "x86_64")]
            SimdPath::Avx512 => x86::has_avx512(),
            SimdPath::Neon => cfg!(target_arch = "aarch64"),
            #[allow(unreachable_patterns)]
            _ => false,
        }
    }

    /// The widest path available.
    fn detect() -> SimdPath {
        let widest = [
            SimdPath::Avx512,
            SimdPath::Avx2,
            SimdPath::Sse2,
            SimdPath::Neon,
        ];
        widest
            .into_iter()
            .find(|p| p.is_available())
            .unwrap_or(SimdPath::Scalar)
    }

    fn code(self) -> u8 {
        self as u8 + 1
    }

    fn from_code(code: u8) -> Option<SimdPath> {
        SimdPath::ALL
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }
}

#[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
mod choice {
    use core::sync::atomic::{AtomicU8, Ordering};

    /// The path in use: 0 until detected or forced, then its code.
    static PATH: AtomicU8 = AtomicU8::new(0);

    pub fn load() -> u8 {
        PATH.load(Ordering::Relaxed)
    }

    pub fn store(code: u8) {
        PATH.store(code, Ordering::Relaxed);
    }

    /// Stores `code` unless a path was chosen meanwhile (a detection on
    /// one thread must not undo a `force_simd_path` on another); returns
    /// the path in use.
    pub fn store_if_unset(code: u8) -> u8 {
        match PATH.compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => code,
            Err(chosen) => chosen,
        }
    }
}

#[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
mod choice {
    /// Only the scalar path here (no atomics needed, none compiled).
    pub fn load() -> u8 {
        1
    }

    pub fn store(_: u8) {}

    pub fn store_if_unset(code: u8) -> u8 {
        code
    }
}

/// The instruction set the batch kernels use: the widest available, unless
/// [`force_simd_path`] chose another. Detected on first use and cached.
pub fn simd_path() -> SimdPath {
    if let Some(path) = SimdPath::from_code(choice::load()) {
        return path;
    }
    let detected = SimdPath::detect().code();
    SimdPath::from_code(choice::store_if_unset(detected)).unwrap_or(SimdPath::Scalar)
}

/// Makes the batch kernels use `path` (`None`: detect again and use the
/// widest), for every thread, until the next call. Results are the same
/// bits on every path; only the speed differs.
///
/// Errors: [`ErrorKind::SimdPathUnavailable`] if this CPU or target cannot
/// run `path`; the path in use is then unchanged.
pub fn force_simd_path(path: Option<SimdPath>) -> Result<(), Error> {
    let path = path.unwrap_or_else(SimdPath::detect);
    if !path.is_available() {
        return Err(Error::new(ErrorKind::SimdPathUnavailable));
    }
    choice::store(path.code());
    Ok(())
}

/// A computation written once over `L` lanes (`crate::lanes`), which
/// [`dispatch`] compiles per instruction set.
pub(crate) trait Kernel {
    /// What the computation returns.
    type Output;
    /// Runs it on the instruction set of `simd`. Must be
    /// `#[inline(always)]` all the way down, so that it is compiled into
    /// the caller's instruction set.
    fn run<S: Simd>(self, simd: S) -> Self::Output;
}

/// Runs `kernel` on the path in use: `None` on the scalar path (and if a
/// forced path's instructions are missing, which [`force_simd_path`]
/// prevents).
#[inline]
pub(crate) fn dispatch<K: Kernel>(kernel: K) -> Option<K::Output> {
    match simd_path() {
        #[cfg(target_arch = "x86_64")]
        SimdPath::Sse2 => Some(x86::sse2(kernel)),
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx2 => x86::avx2(kernel),
        #[cfg(target_arch = "x86_64")]
        SimdPath::Avx512 => x86::avx512(kernel),
        #[cfg(target_arch = "aarch64")]
        SimdPath::Neon => Some(aarch64::neon(kernel)),
        _ => {
            let _unused_without_lanes = kernel;
            None
        }
    }
}

/// Two registers of `S` as one vector of `2·S::LANES` lanes: more
/// independent work per instruction stream where a register is narrow.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Pair<S>(pub S);

/// The upper half of an array of lanes, moved down.
#[inline(always)]
fn upper_half<S: Simd>(v: &[f64; 8]) -> [f64; 8] {
    let mut out = [0.0; 8];
    for (o, &x) in out.iter_mut().zip(v.iter().skip(S::LANES)) {
        *o = x;
    }
    out
}

macro_rules! pairwise {
    ($($name:ident($($arg:ident),*) -> $ret:ty;)*) => {$(
        #[inline(always)]
        fn $name(self, $($arg: Self::F),*) -> $ret {
            (self.0.$name($($arg.0),*), self.0.$name($($arg.1),*))
        }
    )*};
}

macro_rules! pairwise_mask {
    ($($name:ident($($arg:ident),*);)*) => {$(
        #[inline(always)]
        fn $name(self, $($arg: Self::M),*) -> Self::M {
            (self.0.$name($($arg.0),*), self.0.$name($($arg.1),*))
        }
    )*};
}

impl<S: Simd> Simd for Pair<S> {
    const LANES: usize = 2 * S::LANES;
    type F = (S::F, S::F);
    type M = (S::M, S::M);
    #[inline(always)]
    fn splat(self, v: f64) -> Self::F {
        (self.0.splat(v), self.0.splat(v))
    }
    #[inline(always)]
    fn load(self, v: &[f64; 8]) -> Self::F {
        (self.0.load(v), self.0.load(&upper_half::<S>(v)))
    }
    #[inline(always)]
    fn store(self, v: Self::F) -> [f64; 8] {
        let (mut lo, hi) = (self.0.store(v.0), self.0.store(v.1));
        for (o, &x) in lo.iter_mut().skip(S::LANES).zip(&hi) {
            *o = x;
        }
        lo
    }
    pairwise! {
        add(a, b) -> Self::F;
        sub(a, b) -> Self::F;
        mul(a, b) -> Self::F;
        div(a, b) -> Self::F;
        abs(a) -> Self::F;
        lt(a, b) -> Self::M;
        le(a, b) -> Self::M;
        eq(a, b) -> Self::M;
    }
    pairwise_mask! {
        and(a, b);
        or(a, b);
        not(a);
    }
    #[inline(always)]
    fn select(self, m: Self::M, a: Self::F, b: Self::F) -> Self::F {
        (self.0.select(m.0, a.0, b.0), self.0.select(m.1, a.1, b.1))
    }
    #[inline(always)]
    fn any(self, m: Self::M) -> bool {
        self.0.any(m.0) || self.0.any(m.1)
    }
    #[inline(always)]
    fn exp_table(self, kd: Self::F) -> (Self::F, Self::F) {
        let (lo, hi) = (self.0.exp_table(kd.0), self.0.exp_table(kd.1));
        ((lo.0, hi.0), (lo.1, hi.1))
    }
}
