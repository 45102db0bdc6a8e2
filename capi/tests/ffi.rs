//! The C ABI called from Rust: it must be a faithful, thin wrapper (results
//! bit-identical to the core crate), its generator must be the documented
//! xoshiro256++ stream, and every check must refuse without writing.
//! (`ffi-tests/` drives the same functions from C and C++ against the
//! high-precision reference vectors.)

use core::ffi::CStr;
use core::ptr::{null, null_mut};

use mixgrad::{
    Cauchy, DiagMixtureRef, Family, FamilyKind, Gaussian, Laplace, LogProbGrad, Logistic, RngCore,
    SeedableRng, Xoshiro256PlusPlus,
};
use mixgrad_capi::*;

use mixgrad_status::*;

const K: usize = 3;
const D: usize = 2;
const LOGITS: [f64; K] = [0.3, -1.0, 0.9];
const MEANS: [f64; K * D] = [-2.0, 0.5, 0.0, -1.0, 1.5, 2.0];
const SCALES: [f64; K * D] = [0.7, 1.2, 0.4, 0.9, 1.1, 0.3];

fn mix64() -> mixgrad_diag_f64 {
    mixgrad_diag_f64 {
        num_components: K as u32,
        num_dims: D as u32,
        logits: LOGITS.as_ptr(),
        means: MEANS.as_ptr(),
        scales: SCALES.as_ptr(),
    }
}

fn core64() -> DiagMixtureRef<'static, f64> {
    DiagMixtureRef::new(&LOGITS, &MEANS, &SCALES, D).unwrap()
}

fn name(status: u32) -> &'static str {
    // SAFETY: mixgrad_status_str returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(mixgrad_status_str(status)) }
        .to_str()
        .unwrap()
}

#[test]
fn rng_is_rand_xoshiro_seeded_from_u64() {
    for seed in [0, 1, 42, 0x0123_4567_89ab_cdef, u64::MAX] {
        let mut ours = mixgrad_rng { state: [0; 4] };
        assert_eq!(unsafe { mixgrad_rng_seed(&mut ours, seed) }, MIXGRAD_OK);
        let mut theirs = Xoshiro256PlusPlus::seed_from_u64(seed);
        for _ in 0..64 {
            assert_eq!(ours.next_u64(), theirs.next_u64());
            assert_eq!(ours.next_u32(), theirs.next_u32());
        }
        let (mut a, mut b) = ([0u8; 13], [0u8; 13]);
        ours.fill_bytes(&mut a);
        theirs.fill_bytes(&mut b);
        assert_eq!(a, b);
    }
    assert_eq!(
        unsafe { mixgrad_rng_seed(null_mut(), 1) },
        MIXGRAD_ERR_NULL_POINTER
    );
}

#[test]
#[cfg_attr(
    miri,
    ignore = "text processing of the whole header: minutes under Miri, no unsafe code"
)]
fn every_status_has_its_header_name_and_value() {
    let header = include_str!("../include/mixgrad.h");
    // The header's status enumerator lines (not `mixgrad_simd`'s), found in
    // one pass: a substring search per status over the whole header takes
    // many minutes under Miri.
    let enumerators: std::collections::HashSet<&str> = header
        .lines()
        .filter(|line| line.starts_with("    MIXGRAD_") && !line.starts_with("    MIXGRAD_SIMD_"))
        .collect();
    let mut seen = std::collections::HashSet::new();
    for value in 0..1024u32 {
        let n = name(value);
        if n == "MIXGRAD_UNKNOWN_STATUS" {
            continue;
        }
        assert!(seen.insert(n), "{n} names two values");
        assert!(
            enumerators.contains(format!("    {n} = {value},").as_str()),
            "{n} = {value} is not in the header"
        );
    }
    // Every enumerator in the header has a name here.
    assert_eq!(seen.len(), enumerators.len());
    assert_eq!(seen.len(), mixgrad_status::all().len());
    for &s in mixgrad_status::all() {
        assert_eq!(name(s as u32), s.name().to_str().unwrap());
        assert_eq!(mixgrad_status::from_u32(s as u32), Some(s));
    }
    assert_eq!(name(0), "MIXGRAD_OK");
    assert_eq!(name(u32::MAX), "MIXGRAD_UNKNOWN_STATUS");
}

#[test]
fn simd_paths_are_reported_forced_and_refused_as_documented() {
    // Forcing changes speed only, so the other tests may run meanwhile.
    use mixgrad_simd::*;
    let auto = mixgrad_simd_in_use();
    assert_ne!(auto, MIXGRAD_SIMD_AUTO as u32);
    for value in 0..8u32 {
        let available = mixgrad_simd_available(value);
        let status = mixgrad_simd_force(value);
        if available == 1 {
            assert_eq!(status, MIXGRAD_OK, "{value}");
            let want = if value == 0 { auto } else { value };
            assert_eq!(mixgrad_simd_in_use(), want);
        } else {
            assert_eq!(available, 0);
            assert_eq!(status, MIXGRAD_ERR_SIMD_PATH_UNAVAILABLE, "{value}");
        }
    }
    for always in [MIXGRAD_SIMD_AUTO, MIXGRAD_SIMD_SCALAR] {
        assert_eq!(mixgrad_simd_available(always as u32), 1);
    }
    assert_eq!(mixgrad_simd_available(6), 0);
    assert_eq!(mixgrad_simd_force(MIXGRAD_SIMD_AUTO as u32), MIXGRAD_OK);
    assert_eq!(mixgrad_simd_in_use(), auto);
}

#[test]
fn every_error_kind_has_its_own_status() {
    use mixgrad::{Error, ErrorKind};
    let mut seen = std::collections::HashSet::new();
    for &kind in ErrorKind::ALL {
        let status = mixgrad_status::from(Error::from(kind));
        if matches!(kind, ErrorKind::ParameterShape | ErrorKind::BufferLength) {
            // The C layer sizes every slice itself: these cannot occur.
            assert_eq!(status, MIXGRAD_ERR_INTERNAL, "{kind:?}");
        } else if kind == ErrorKind::RejectionLimit {
            // The Eq. 9 estimator's (docs/math.md §12): Rust only, no C
            // function can return it.
            assert_eq!(status, MIXGRAD_ERR_INTERNAL, "{kind:?}");
        } else {
            assert_ne!(status, MIXGRAD_ERR_INTERNAL, "{kind:?} has no C status");
            assert!(seen.insert(status), "{kind:?} shares {status:?}");
        }
    }
}

#[test]
fn version_matches_the_package() {
    let v = unsafe { CStr::from_ptr(mixgrad_version()) }
        .to_str()
        .unwrap();
    assert_eq!(v, env!("CARGO_PKG_VERSION"));
    let consts = format!("{MIXGRAD_VERSION_MAJOR}.{MIXGRAD_VERSION_MINOR}.{MIXGRAD_VERSION_PATCH}");
    assert_eq!(v, consts);
}

#[test]
fn results_are_bit_identical_to_the_core_crate() {
    let (m, core) = (mix64(), core64());
    let x = [0.25, -0.75];
    let xbar = [1.5, -0.5];

    let mut u = [0.0; D];
    assert_eq!(
        unsafe { mixgrad_diag_cdf_f64(&m, x.as_ptr(), u.as_mut_ptr()) },
        MIXGRAD_OK
    );
    let mut u_core = [0.0; D];
    core.cdf(&x, &mut u_core).unwrap();
    assert_eq!(u, u_core);

    let mut xq = [0.0; D];
    assert_eq!(
        unsafe { mixgrad_diag_quantile_f64(&m, u.as_ptr(), xq.as_mut_ptr()) },
        MIXGRAD_OK
    );
    let mut xq_core = [0.0; D];
    core.quantile(&u, &mut xq_core).unwrap();
    assert_eq!(xq, xq_core);

    let (mut a, mut mu, mut s) = ([0.0; K], [0.0; K * D], [0.0; K * D]);
    let status = unsafe {
        mixgrad_diag_vjp_f64(
            &m,
            x.as_ptr(),
            xbar.as_ptr(),
            a.as_mut_ptr(),
            mu.as_mut_ptr(),
            s.as_mut_ptr(),
        )
    };
    assert_eq!(status, MIXGRAD_OK);
    let (mut a2, mut mu2, mut s2) = ([0.0; K], [0.0; K * D], [0.0; K * D]);
    core.vjp(&x, &xbar, &mut a2, &mut mu2, &mut s2).unwrap();
    assert_eq!((a, mu, s), (a2, mu2, s2));

    let mut jac = [0.0; D * (K + 2 * K * D)];
    let mut jac2 = jac;
    assert_eq!(
        unsafe { mixgrad_diag_jacobian_f64(&m, x.as_ptr(), jac.as_mut_ptr()) },
        MIXGRAD_OK
    );
    core.jacobian(&x, &mut jac2).unwrap();
    assert_eq!(jac, jac2);

    let (mut lp, mut gx, mut ga) = (0.0, [0.0; D], [0.0; K]);
    let status = unsafe {
        mixgrad_diag_log_prob_grad_f64(
            &m,
            x.as_ptr(),
            &mut lp,
            gx.as_mut_ptr(),
            ga.as_mut_ptr(),
            null_mut(),
            null_mut(),
        )
    };
    assert_eq!(status, MIXGRAD_OK);
    let (mut gx2, mut ga2) = ([0.0; D], [0.0; K]);
    let grad = LogProbGrad {
        x: Some(&mut gx2),
        logits: Some(&mut ga2),
        ..LogProbGrad::default()
    };
    assert_eq!(lp, core.log_prob_grad(&x, grad).unwrap());
    assert_eq!((gx, ga), (gx2, ga2));
    let mut lp_only = 0.0;
    assert_eq!(
        unsafe { mixgrad_diag_log_prob_f64(&m, x.as_ptr(), &mut lp_only) },
        MIXGRAD_OK
    );
    assert_eq!(lp_only, lp);
}

#[test]
fn samplers_draw_the_rust_stream() {
    let (m, core) = (mix64(), core64());
    let mut rng = mixgrad_rng { state: [0; 4] };
    unsafe { mixgrad_rng_seed(&mut rng, 7) };
    let mut reference = Xoshiro256PlusPlus::seed_from_u64(7);
    for _ in 0..20 {
        let (mut x, mut u) = ([0.0; D], [0.0; D]);
        let status = unsafe {
            mixgrad_diag_sample_quantile_f64(&m, &mut rng, x.as_mut_ptr(), u.as_mut_ptr())
        };
        assert_eq!(status, MIXGRAD_OK);
        let (mut x2, mut u2) = ([0.0; D], [0.0; D]);
        core.sample_quantile(&mut reference, &mut x2, Some(&mut u2))
            .unwrap();
        assert_eq!((x, u), (x2, u2));

        let (mut x, mut k) = ([0.0; D], u32::MAX);
        let status =
            unsafe { mixgrad_diag_sample_ancestral_f64(&m, &mut rng, x.as_mut_ptr(), &mut k) };
        assert_eq!(status, MIXGRAD_OK);
        let k2 = core.sample_ancestral(&mut reference, &mut x2).unwrap();
        assert_eq!((x, k as usize), (x2, k2));
    }
}

#[test]
fn f32_functions_use_f32_arithmetic() {
    let logits = LOGITS.map(|v| v as f32);
    let means = MEANS.map(|v| v as f32);
    let scales = SCALES.map(|v| v as f32);
    let m = mixgrad_diag_f32 {
        num_components: K as u32,
        num_dims: D as u32,
        logits: logits.as_ptr(),
        means: means.as_ptr(),
        scales: scales.as_ptr(),
    };
    let core = DiagMixtureRef::new(&logits, &means, &scales, D).unwrap();
    let x = [0.25f32, -0.75];
    let (mut u, mut u2) = ([0.0f32; D], [0.0f32; D]);
    assert_eq!(
        unsafe { mixgrad_diag_cdf_f32(&m, x.as_ptr(), u.as_mut_ptr()) },
        MIXGRAD_OK
    );
    core.cdf(&x, &mut u2).unwrap();
    assert_eq!(u, u2);
    let mut rng = mixgrad_rng::from_seed(3);
    let mut reference = Xoshiro256PlusPlus::seed_from_u64(3);
    let mut xs = [0.0f32; D];
    let status =
        unsafe { mixgrad_diag_sample_quantile_f32(&m, &mut rng, xs.as_mut_ptr(), null_mut()) };
    assert_eq!(status, MIXGRAD_OK);
    let mut xs2 = [0.0f32; D];
    core.sample_quantile(&mut reference, &mut xs2, None)
        .unwrap();
    assert_eq!(xs, xs2);
}

#[test]
fn unseeded_rng_is_refused_without_writing() {
    let m = mix64();
    let poison = f64::from_bits(0x7ff8_dead_beef_0001);
    let untouched = |v: &[f64]| v.iter().all(|o| o.to_bits() == poison.to_bits());
    // Zero-initialised, as `mixgrad_rng rng = {0};` in C: never seeded.
    let mut rng = mixgrad_rng { state: [0; 4] };
    let (mut x, mut u, mut k) = ([poison; D], [poison; D], u32::MAX);
    let status =
        unsafe { mixgrad_diag_sample_quantile_f64(&m, &mut rng, x.as_mut_ptr(), u.as_mut_ptr()) };
    assert_eq!(status, MIXGRAD_ERR_UNSEEDED_RNG);
    let status = unsafe { mixgrad_diag_sample_ancestral_f64(&m, &mut rng, x.as_mut_ptr(), &mut k) };
    assert_eq!(status, MIXGRAD_ERR_UNSEEDED_RNG);
    assert!(untouched(&x) && untouched(&u) && k == u32::MAX);
    assert_eq!(rng.state, [0; 4], "a refusal advanced the generator");

    let logits = LOGITS.map(|v| v as f32);
    let means = MEANS.map(|v| v as f32);
    let scales = SCALES.map(|v| v as f32);
    let m32 = mixgrad_diag_f32 {
        num_components: K as u32,
        num_dims: D as u32,
        logits: logits.as_ptr(),
        means: means.as_ptr(),
        scales: scales.as_ptr(),
    };
    let mut xf = [f32::NAN; D];
    let status =
        unsafe { mixgrad_diag_sample_quantile_f32(&m32, &mut rng, xf.as_mut_ptr(), null_mut()) };
    assert_eq!(status, MIXGRAD_ERR_UNSEEDED_RNG);
    let status =
        unsafe { mixgrad_diag_sample_ancestral_f32(&m32, &mut rng, xf.as_mut_ptr(), &mut k) };
    assert_eq!(status, MIXGRAD_ERR_UNSEEDED_RNG);
    assert!(xf.iter().all(|v| v.is_nan()) && k == u32::MAX && rng.state == [0; 4]);

    // Pointer and parameter failures come first.
    let status = unsafe { mixgrad_diag_sample_quantile_f64(&m, &mut rng, null_mut(), null_mut()) };
    assert_eq!(status, MIXGRAD_ERR_NULL_POINTER);
    let mut bad = SCALES;
    bad[0] = -1.0;
    let mut m_bad = m;
    m_bad.scales = bad.as_ptr();
    let status =
        unsafe { mixgrad_diag_sample_quantile_f64(&m_bad, &mut rng, x.as_mut_ptr(), null_mut()) };
    assert_eq!(status, MIXGRAD_ERR_NONPOSITIVE_SCALE);

    // Seeded (with 0, which is a seed like any other), it samples.
    assert_eq!(unsafe { mixgrad_rng_seed(&mut rng, 0) }, MIXGRAD_OK);
    let status =
        unsafe { mixgrad_diag_sample_quantile_f64(&m, &mut rng, x.as_mut_ptr(), null_mut()) };
    assert_eq!(status, MIXGRAD_OK);
}

/// Calls `vjp` with outputs poisoned by NaN and checks `expected` comes
/// back with every output bit-for-bit untouched.
fn vjp_refuses(m: &mixgrad_diag_f64, x: *const f64, x_bar: *const f64, expected: mixgrad_status) {
    let poison = f64::from_bits(0x7ff8_dead_beef_0001);
    let (mut a, mut mu, mut s) = ([poison; K], [poison; K * D], [poison; K * D]);
    let status = unsafe {
        mixgrad_diag_vjp_f64(m, x, x_bar, a.as_mut_ptr(), mu.as_mut_ptr(), s.as_mut_ptr())
    };
    assert_eq!(status, expected);
    let untouched = |v: &[f64]| v.iter().all(|o| o.to_bits() == poison.to_bits());
    assert!(untouched(&a) && untouched(&mu) && untouched(&s));
}

#[test]
fn refusals_write_nothing() {
    let x = [0.25, -0.75];
    let xbar = [1.0, 1.0];
    let good = mix64();
    vjp_refuses(&good, null(), xbar.as_ptr(), MIXGRAD_ERR_NULL_POINTER);
    vjp_refuses(&good, x.as_ptr(), null(), MIXGRAD_ERR_NULL_POINTER);
    let mut m = good;
    m.means = null();
    vjp_refuses(&m, x.as_ptr(), xbar.as_ptr(), MIXGRAD_ERR_NULL_POINTER);
    let bytes = [0u8; 64];
    let misaligned = bytes
        .as_ptr()
        .wrapping_add(if (bytes.as_ptr() as usize).is_multiple_of(8) {
            1
        } else {
            0
        });
    vjp_refuses(
        &good,
        misaligned.cast(),
        xbar.as_ptr(),
        MIXGRAD_ERR_MISALIGNED_POINTER,
    );
    for (k, d, expected) in [
        (0, 2, MIXGRAD_ERR_NO_COMPONENTS),
        (3, 0, MIXGRAD_ERR_NO_DIMENSIONS),
        (65, 2, MIXGRAD_ERR_TOO_MANY_COMPONENTS),
    ] {
        let mut m = good;
        (m.num_components, m.num_dims) = (k, d);
        vjp_refuses(&m, x.as_ptr(), xbar.as_ptr(), expected);
    }
    let mut bad = MEANS;
    bad[4] = f64::INFINITY;
    let mut m = good;
    m.means = bad.as_ptr();
    vjp_refuses(&m, x.as_ptr(), xbar.as_ptr(), MIXGRAD_ERR_NONFINITE_MEAN);
    vjp_refuses(
        &good,
        x.as_ptr(),
        [f64::NAN, 0.0].as_ptr(),
        MIXGRAD_ERR_NONFINITE_COTANGENT,
    );
    vjp_refuses(
        &good,
        [f64::NAN, 0.0].as_ptr(),
        xbar.as_ptr(),
        MIXGRAD_ERR_NONFINITE_X,
    );
}

#[test]
fn overlapping_outputs_are_refused() {
    let m = mix64();
    let mut buf = [7.0f64; 3 * K * D];
    let p = buf.as_mut_ptr();
    // The means gradient would overlap the scales gradient by one element.
    let status = unsafe {
        mixgrad_diag_vjp_f64(
            &m,
            [0.0; D].as_ptr(),
            [1.0; D].as_ptr(),
            p,
            p.add(K),
            p.add(K + K * D - 1),
        )
    };
    assert_eq!(status, MIXGRAD_ERR_OVERLAPPING_BUFFERS);
    // In place: u written over x.
    let mut x = [0.1, 0.2];
    let status = unsafe { mixgrad_diag_cdf_f64(&m, x.as_ptr(), x.as_mut_ptr()) };
    assert_eq!(status, MIXGRAD_ERR_OVERLAPPING_BUFFERS);
    assert_eq!(x, [0.1, 0.2]);
    assert!(buf.iter().all(|&v| v == 7.0));
    // Adjacent, not overlapping: fine.
    let status = unsafe {
        mixgrad_diag_vjp_f64(
            &m,
            [0.0; D].as_ptr(),
            [1.0; D].as_ptr(),
            p,
            p.add(K),
            p.add(K + K * D),
        )
    };
    assert_eq!(status, MIXGRAD_OK);
}

#[test]
fn jacobian_size_overflow_is_refused_before_any_read() {
    // D·(K + 2KD) elements overflow usize: refused before the (bogus, tiny)
    // arrays are read.
    let one = [0.0f64];
    let m = mixgrad_diag_f64 {
        num_components: 1,
        num_dims: u32::MAX,
        logits: one.as_ptr(),
        means: one.as_ptr(),
        scales: one.as_ptr(),
    };
    let mut jac = [0.0f64; 1];
    let status = unsafe { mixgrad_diag_jacobian_f64(&m, one.as_ptr(), jac.as_mut_ptr()) };
    assert_eq!(status, MIXGRAD_ERR_SIZE_OVERFLOW);
}

// The full-covariance surface (docs/math.md §10), in `ffi/tril.rs`.
#[path = "ffi/tril.rs"]
mod tril;

// Its `_many` forms, in `ffi/tril_many.rs`.
#[path = "ffi/tril_many.rs"]
mod tril_many;

// The Gamma distribution (docs/math.md §11), in `ffi/gamma.rs`.
#[path = "ffi/gamma.rs"]
mod gamma;

// ---- the `_work` forms against the stack forms -------------------------

/// Declares `Calls<M>`, every operation of one precision (`Self`) on a
/// mixture struct `M` behind one name (`work` `None` calls the stack form,
/// `Some((work, work_len))` the `_work` form, with the same other
/// arguments), and `Api`, the precision with its diag struct; implements
/// `Calls` for the diag structs. `api!(@both …)` implements it for others.
macro_rules! api {
    ($($op:ident($($arg:ident: $ty:ty),*) => $s64:ident, $w64:ident, $s32:ident, $w32:ident;)*) => {
        trait Calls<M> {
            $(#[allow(clippy::too_many_arguments)]
            unsafe fn $op(
                m: *const M, $($arg: $ty,)* work: Option<(*mut Self, usize)>,
            ) -> mixgrad_status;)*
        }
        trait Api: Copy + 'static
        where
            Self: Calls<<Self as Api>::Mix>,
        {
            type Mix;
            fn mix(k: u32, d: u32, a: *const Self, m: *const Self, s: *const Self) -> Self::Mix;
            fn of(v: f64) -> Self;
            /// A quiet NaN with a payload no computation produces, from its
            /// bits: converting a NaN with `as` may change its payload
            /// (Miri picks one at random), so poison is never converted.
            fn poison() -> Self;
            fn bits(self) -> u64;
        }
        api!(@impl f64, mixgrad_diag_f64);
        api!(@impl f32, mixgrad_diag_f32);
        api!(@both mixgrad_diag_f64, mixgrad_diag_f32,
             $($op($($arg: $ty),*) => $s64, $w64, $s32, $w32;)*);
    };
    (@impl $t:ty, $mix:ident) => {
        impl Api for $t {
            type Mix = $mix;
            fn mix(k: u32, d: u32, a: *const $t, m: *const $t, s: *const $t) -> $mix {
                $mix { num_components: k, num_dims: d, logits: a, means: m, scales: s }
            }
            fn of(v: f64) -> $t {
                v as $t
            }
            fn poison() -> $t {
                if core::mem::size_of::<$t>() == 8 {
                    <$t>::from_bits(POISON.to_bits() as _)
                } else {
                    <$t>::from_bits(0x7fc0_dead_u32 as _)
                }
            }
            fn bits(self) -> u64 {
                self.to_bits().into()
            }
        }
    };
    (@both $mix64:ident, $mix32:ident,
     $($op:ident($($arg:ident: $ty:ty),*) => $s64:ident, $w64:ident, $s32:ident, $w32:ident;)*) => {
        api!(@calls f64, $mix64, $($op($($arg: $ty),*) => $s64, $w64;)*);
        api!(@calls f32, $mix32, $($op($($arg: $ty),*) => $s32, $w32;)*);
    };
    (@calls $t:ty, $mix:ident, $($op:ident($($arg:ident: $ty:ty),*) => $s:ident, $w:ident;)*) => {
        impl Calls<$mix> for $t {
            $(#[allow(clippy::too_many_arguments)]
            unsafe fn $op(
                m: *const $mix, $($arg: $ty,)* work: Option<(*mut $t, usize)>,
            ) -> mixgrad_status {
                match work {
                    None => unsafe { $s(m, $($arg),*) },
                    Some((w, n)) => unsafe { $w(m, $($arg,)* w, n) },
                }
            })*
        }
    };
}

api! {
    log_prob(x: *const Self, lp: *mut Self) =>
        mixgrad_diag_log_prob_f64, mixgrad_diag_log_prob_work_f64,
        mixgrad_diag_log_prob_f32, mixgrad_diag_log_prob_work_f32;
    log_prob_grad(x: *const Self, lp: *mut Self, gx: *mut Self, ga: *mut Self, gm: *mut Self,
                  gs: *mut Self) =>
        mixgrad_diag_log_prob_grad_f64, mixgrad_diag_log_prob_grad_work_f64,
        mixgrad_diag_log_prob_grad_f32, mixgrad_diag_log_prob_grad_work_f32;
    cdf(x: *const Self, u: *mut Self) =>
        mixgrad_diag_cdf_f64, mixgrad_diag_cdf_work_f64,
        mixgrad_diag_cdf_f32, mixgrad_diag_cdf_work_f32;
    quantile(u: *const Self, x: *mut Self) =>
        mixgrad_diag_quantile_f64, mixgrad_diag_quantile_work_f64,
        mixgrad_diag_quantile_f32, mixgrad_diag_quantile_work_f32;
    vjp(x: *const Self, xb: *const Self, a: *mut Self, m: *mut Self, s: *mut Self) =>
        mixgrad_diag_vjp_f64, mixgrad_diag_vjp_work_f64,
        mixgrad_diag_vjp_f32, mixgrad_diag_vjp_work_f32;
    jacobian(x: *const Self, jac: *mut Self) =>
        mixgrad_diag_jacobian_f64, mixgrad_diag_jacobian_work_f64,
        mixgrad_diag_jacobian_f32, mixgrad_diag_jacobian_work_f32;
    sample_quantile(rng: *mut mixgrad_rng, x: *mut Self, u: *mut Self) =>
        mixgrad_diag_sample_quantile_f64, mixgrad_diag_sample_quantile_work_f64,
        mixgrad_diag_sample_quantile_f32, mixgrad_diag_sample_quantile_work_f32;
    sample_ancestral(rng: *mut mixgrad_rng, x: *mut Self, c: *mut u32) =>
        mixgrad_diag_sample_ancestral_f64, mixgrad_diag_sample_ancestral_work_f64,
        mixgrad_diag_sample_ancestral_f32, mixgrad_diag_sample_ancestral_work_f32;
}

/// A random mixture of `k` components in `d` dimensions, with a point `x`,
/// uniforms `u` and a cotangent `x_bar`.
struct Problem<T> {
    k: usize,
    d: usize,
    logits: Vec<T>,
    means: Vec<T>,
    scales: Vec<T>,
    x: Vec<T>,
    u: Vec<T>,
    x_bar: Vec<T>,
}

impl<T: Api> Problem<T> {
    fn random(k: usize, d: usize, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut draw = |n: usize, lo: f64, hi: f64| -> Vec<T> {
            (0..n)
                .map(|_| T::of(lo + (hi - lo) * mixgrad::uniform_f64(&mut rng)))
                .collect()
        };
        Problem {
            k,
            d,
            logits: draw(k, -2.0, 2.0),
            means: draw(k * d, -3.0, 3.0),
            scales: draw(k * d, 0.3, 2.0),
            x: draw(d, -2.0, 2.0),
            u: draw(d, 0.01, 0.99),
            x_bar: draw(d, -1.0, 1.0),
        }
    }

    fn mix(&self) -> T::Mix {
        let (k, d) = (self.k as u32, self.d as u32);
        let p = (self.logits.as_ptr(), self.means.as_ptr());
        T::mix(k, d, p.0, p.1, self.scales.as_ptr())
    }
}

const POISON: f64 = f64::from_bits(0x7ff8_dead_beef_0001);

/// Every diag operation once on `p` (the stack forms for `work` `None`):
/// the statuses, and the bits of every output, each poisoned beforehand,
/// and of the generators afterwards.
fn run_all<T: Api>(
    p: &Problem<T>,
    work: Option<(*mut T, usize)>,
) -> (Vec<mixgrad_status>, Vec<u64>) {
    run_on(p, &p.mix(), work)
}

/// [`run_all`] through the calls on `m`, a mixture struct of `p`'s shape
/// (or a bad one): the diag functions, the locscale ones or the core's.
fn run_on<T: Api + Calls<M>, M>(
    p: &Problem<T>,
    m: *const M,
    work: Option<(*mut T, usize)>,
) -> (Vec<mixgrad_status>, Vec<u64>) {
    let (k, d) = (p.k, p.d);
    let kd = k * d;
    let mut out = vec![T::poison(); 2 + 6 * d + 2 * k + 4 * kd + d * (k + 2 * kd)];
    let o = out.as_mut_ptr();
    let at = |n: usize| o.wrapping_add(n);
    let (x, u, xb) = (p.x.as_ptr(), p.u.as_ptr(), p.x_bar.as_ptr());
    let (mut r1, mut r2, mut c) = (
        mixgrad_rng::from_seed(5),
        mixgrad_rng::from_seed(6),
        u32::MAX,
    );
    let (lpg, grads) = (at(1), 1 + 1 + d);
    let vjp = grads + k + 2 * kd;
    let jac = vjp + k + 2 * kd;
    let smp = jac + d * (k + 2 * kd);
    let statuses = unsafe {
        vec![
            <T as Calls<M>>::log_prob(m, x, at(0), work),
            <T as Calls<M>>::log_prob_grad(
                m,
                x,
                lpg,
                at(2),
                at(grads),
                at(grads + k),
                at(grads + k + kd),
                work,
            ),
            <T as Calls<M>>::cdf(m, x, at(smp), work),
            <T as Calls<M>>::quantile(m, u, at(smp + d), work),
            <T as Calls<M>>::vjp(m, x, xb, at(vjp), at(vjp + k), at(vjp + k + kd), work),
            <T as Calls<M>>::jacobian(m, x, at(jac), work),
            <T as Calls<M>>::sample_quantile(m, &mut r1, at(smp + 2 * d), at(smp + 3 * d), work),
            <T as Calls<M>>::sample_ancestral(m, &mut r2, at(smp + 4 * d), &mut c, work),
        ]
    };
    let mut bits: Vec<u64> = out.iter().map(|v| v.bits()).collect();
    bits.extend(r1.state.iter().chain(&r2.state).chain(&[c.into()]));
    (statuses, bits)
}

/// [`run_all`] on the stack and on a workspace of exactly
/// `mixgrad_diag_work_len(K)` values (poisoned): the statuses and outputs.
fn stack_and_work<T: Api>(p: &Problem<T>) -> [(Vec<mixgrad_status>, Vec<u64>); 2] {
    let mut work = vec![T::poison(); mixgrad_diag_work_len(p.k as u32)];
    let on_work = run_all(p, Some((work.as_mut_ptr(), work.len())));
    [run_all(p, None), on_work]
}

fn work_forms_are_the_stack_forms<T: Api>() {
    // Miri checks the buffer handling on a few; the values need not all.
    let seeds = if cfg!(miri) { 3 } else { 40 };
    for seed in 0..seeds {
        let (k, d) = (1 + (seed as usize * 7) % 64, 1 + seed as usize % 4);
        let p = Problem::<T>::random(k, d, seed);
        let [stack, work] = stack_and_work(&p);
        assert!(stack.0.iter().all(|&s| s == MIXGRAD_OK), "{:?}", stack.0);
        assert_eq!(stack, work, "K={k} D={d} seed={seed}");
    }
}

#[test]
fn work_forms_are_bit_identical_to_the_stack_forms() {
    work_forms_are_the_stack_forms::<f64>();
    work_forms_are_the_stack_forms::<f32>();
}

#[test]
fn work_len_is_the_cores_workspace_len() {
    for k in [1usize, 2, 8, 9, 64, 65, 100, 1000] {
        let p = Problem::<f64>::random(k, 2, 1);
        let view = DiagMixtureRef::new_unbounded(&p.logits, &p.means, &p.scales, 2).unwrap();
        assert_eq!(mixgrad_diag_work_len(k as u32), view.workspace_len());
    }
    assert_eq!(mixgrad_diag_work_len(0), 0);
    let max = (u32::MAX as usize).saturating_mul(9);
    assert_eq!(mixgrad_diag_work_len(u32::MAX), max);
}

#[test]
// Values at K = 100 (minutes under Miri; the buffer handling of the
// workspace forms is checked there by the other tests).
#[cfg_attr(miri, ignore)]
fn k_100_works_on_a_workspace_only() {
    let p = Problem::<f64>::random(100, 3, 11);
    let [stack, work] = stack_and_work(&p);
    assert!(stack
        .0
        .iter()
        .all(|&s| s == MIXGRAD_ERR_TOO_MANY_COMPONENTS));
    assert!(work.0.iter().all(|&s| s == MIXGRAD_OK), "{:?}", work.0);
    // The core on its own workspace agrees (log q first, then cdf).
    let view = DiagMixtureRef::new_unbounded(&p.logits, &p.means, &p.scales, 3).unwrap();
    let mut scratch = vec![0.0; view.workspace_len()];
    let mut on = view.with_workspace(&mut scratch).unwrap();
    let lp = on.log_prob_grad(&p.x, LogProbGrad::default()).unwrap();
    assert_eq!(work.1[0], lp.to_bits());
    let mut u = [0.0; 3];
    on.cdf(&p.x, &mut u).unwrap();
    let n = 2 + 6 * 3 + 2 * 100 + 4 * 300 + 3 * (100 + 600);
    let cdf_at = n - 5 * 3;
    assert_eq!(work.1[cdf_at..cdf_at + 3], u.map(f64::to_bits));
    // f32 too.
    let p32 = Problem::<f32>::random(100, 2, 12);
    let [stack, work] = stack_and_work(&p32);
    assert!(stack
        .0
        .iter()
        .all(|&s| s == MIXGRAD_ERR_TOO_MANY_COMPONENTS));
    assert!(work.0.iter().all(|&s| s == MIXGRAD_OK));
}

/// Every operation refuses `work` with `want` and writes nothing (the
/// workspace included).
fn work_refused<T: Api>(p: &Problem<T>, work: *mut T, len: usize, want: mixgrad_status) {
    let (statuses, bits) = run_all(p, Some((work, len)));
    assert!(
        statuses.iter().all(|&s| s == want),
        "{statuses:?}, want {want:?}"
    );
    let (_, untouched) = run_all(p, Some((null_mut(), 0)));
    assert_eq!(bits, untouched);
}

#[test]
fn bad_workspaces_are_refused_without_writing() {
    let p = Problem::<f64>::random(5, 2, 3);
    let need = mixgrad_diag_work_len(5);
    let mut work = vec![POISON; need + 2];
    let w = work.as_mut_ptr();
    work_refused(&p, w, need - 1, MIXGRAD_ERR_SHORT_WORKSPACE);
    work_refused(&p, w, 0, MIXGRAD_ERR_SHORT_WORKSPACE);
    work_refused(&p, null_mut(), need, MIXGRAD_ERR_NULL_POINTER);
    work_refused(
        &p,
        w.cast::<u8>().wrapping_add(1).cast(),
        need,
        MIXGRAD_ERR_MISALIGNED_POINTER,
    );
    assert!(work.iter().all(|v| v.to_bits() == POISON.to_bits()));
    // Over a parameter array's first or last value (never written: refused
    // first), or x.
    let (means, scales) = (p.means.as_ptr().cast_mut(), p.scales.as_ptr().cast_mut());
    let overlap = MIXGRAD_ERR_OVERLAPPING_BUFFERS;
    work_refused(&p, means.wrapping_sub(need - 1), need, overlap);
    work_refused(&p, scales.wrapping_add(9), need, overlap);
    let x = p.x.as_ptr().cast_mut();
    let status = unsafe { mixgrad_diag_cdf_work_f64(&p.mix(), x, w, x, need) };
    assert_eq!(status, overlap);
    // Over an output: cdf's u inside the workspace.
    let status = unsafe { mixgrad_diag_cdf_work_f64(&p.mix(), p.x.as_ptr(), w.add(3), w, need) };
    assert_eq!(status, MIXGRAD_ERR_OVERLAPPING_BUFFERS);
    // A longer workspace is fine, and only its first `need` values are used.
    let status = unsafe { mixgrad_diag_cdf_work_f64(&p.mix(), p.x.as_ptr(), w.add(need), w, need) };
    assert_eq!(status, MIXGRAD_OK);
    let f32s = Problem::<f32>::random(5, 2, 3);
    let mut w32 = vec![0.0f32; need];
    work_refused(
        &f32s,
        w32.as_mut_ptr(),
        need - 1,
        MIXGRAD_ERR_SHORT_WORKSPACE,
    );
    work_refused(&f32s, null_mut(), need, MIXGRAD_ERR_NULL_POINTER);
}

#[test]
fn workspace_checks_keep_their_place_in_the_order() {
    let mut p = Problem::<f64>::random(3, 2, 4);
    let mut work = vec![0.0; 1];
    let w = work.as_mut_ptr();
    // Pointers before the shape, the shape before the workspace length.
    let status = unsafe { mixgrad_diag_cdf_work_f64(&p.mix(), null(), w, null_mut(), 0) };
    assert_eq!(status, MIXGRAD_ERR_NULL_POINTER);
    let mut m = p.mix();
    m.num_dims = 0;
    let status = unsafe { mixgrad_diag_cdf_work_f64(&m, p.x.as_ptr(), w, null_mut(), 0) };
    assert_eq!(status, MIXGRAD_ERR_NULL_POINTER);
    let mut u = [0.0; 2];
    let status = unsafe { mixgrad_diag_cdf_work_f64(&m, p.x.as_ptr(), u.as_mut_ptr(), w, 0) };
    assert_eq!(status, MIXGRAD_ERR_NO_DIMENSIONS);
    // The length before the parameter values.
    p.scales[0] = -1.0;
    work_refused(&p, w, 1, MIXGRAD_ERR_SHORT_WORKSPACE);
    // A workspace as long as `SIZE_MAX` values cannot exist: 9K values overflow
    // the address space before K*D does only on 32-bit targets, so here the
    // huge `work_len` is simply enough.
    p.scales[0] = 1.0;
    let need = mixgrad_diag_work_len(3);
    let mut big = vec![0.0; need];
    let status = unsafe {
        mixgrad_diag_cdf_work_f64(
            &p.mix(),
            p.x.as_ptr(),
            u.as_mut_ptr(),
            big.as_mut_ptr(),
            usize::MAX,
        )
    };
    assert_eq!(status, MIXGRAD_OK);
}

// ---- the batch forms (docs/math.md §8) against the single calls ---------

/// Declares `BatchApi`: the `_many` and packed-batch functions of one
/// precision behind one name each.
macro_rules! batch_api {
    ($($op:ident($($arg:ident: $ty:ty),*) => $f64:ident, $f32:ident;)*) => {
        trait BatchApi: Api + mixgrad::Float {
            type Batch;
            fn batch(
                n: usize, k: u32, d: u32, a: *const Self, m: *const Self, s: *const Self,
            ) -> Self::Batch;
            $(#[allow(clippy::too_many_arguments)]
            unsafe fn $op($($arg: $ty),*) -> mixgrad_status;)*
        }
        batch_api!(@impl f64, mixgrad_diag_batch_f64, $($op($($arg: $ty),*) => $f64;)*);
        batch_api!(@impl f32, mixgrad_diag_batch_f32, $($op($($arg: $ty),*) => $f32;)*);
    };
    (@impl $t:ty, $batch:ident, $($op:ident($($arg:ident: $ty:ty),*) => $f:ident;)*) => {
        impl BatchApi for $t {
            type Batch = $batch;
            fn batch(
                n: usize, k: u32, d: u32, a: *const $t, m: *const $t, s: *const $t,
            ) -> $batch {
                $batch { batch: n, num_components: k, num_dims: d, logits: a, means: m, scales: s }
            }
            $(#[allow(clippy::too_many_arguments)]
            unsafe fn $op($($arg: $ty),*) -> mixgrad_status {
                unsafe { $f($($arg),*) }
            })*
        }
    };
}

batch_api! {
    log_prob_many(m: *const Self::Mix, n: usize, x: *const Self, lp: *mut Self) =>
        mixgrad_diag_log_prob_many_f64, mixgrad_diag_log_prob_many_f32;
    log_prob_grad_many(m: *const Self::Mix, n: usize, x: *const Self, lp: *mut Self,
                       gx: *mut Self, ga: *mut Self, gm: *mut Self, gs: *mut Self) =>
        mixgrad_diag_log_prob_grad_many_f64, mixgrad_diag_log_prob_grad_many_f32;
    cdf_many(m: *const Self::Mix, n: usize, x: *const Self, u: *mut Self) =>
        mixgrad_diag_cdf_many_f64, mixgrad_diag_cdf_many_f32;
    quantile_many(m: *const Self::Mix, n: usize, u: *const Self, x: *mut Self) =>
        mixgrad_diag_quantile_many_f64, mixgrad_diag_quantile_many_f32;
    vjp_many(m: *const Self::Mix, n: usize, x: *const Self, xb: *const Self, a: *mut Self,
             mu: *mut Self, s: *mut Self) =>
        mixgrad_diag_vjp_many_f64, mixgrad_diag_vjp_many_f32;
    first_zero_density_many(m: *const Self::Mix, n: usize, x: *const Self, row: *mut usize) =>
        mixgrad_diag_first_zero_density_many_f64, mixgrad_diag_first_zero_density_many_f32;
    sample_quantile_many(m: *const Self::Mix, rng: *mut mixgrad_rng, n: usize, x: *mut Self,
                         u: *mut Self) =>
        mixgrad_diag_sample_quantile_many_f64, mixgrad_diag_sample_quantile_many_f32;
    sample_ancestral_many(m: *const Self::Mix, rng: *mut mixgrad_rng, n: usize, x: *mut Self,
                          c: *mut u32) =>
        mixgrad_diag_sample_ancestral_many_f64, mixgrad_diag_sample_ancestral_many_f32;
    batch_validate(b: *const Self::Batch) =>
        mixgrad_diag_batch_validate_f64, mixgrad_diag_batch_validate_f32;
    batch_log_prob(b: *const Self::Batch, x: *const Self, lp: *mut Self) =>
        mixgrad_diag_batch_log_prob_f64, mixgrad_diag_batch_log_prob_f32;
    batch_log_prob_grad(b: *const Self::Batch, x: *const Self, lp: *mut Self, gx: *mut Self,
                        ga: *mut Self, gm: *mut Self, gs: *mut Self) =>
        mixgrad_diag_batch_log_prob_grad_f64, mixgrad_diag_batch_log_prob_grad_f32;
    batch_cdf(b: *const Self::Batch, x: *const Self, u: *mut Self) =>
        mixgrad_diag_batch_cdf_f64, mixgrad_diag_batch_cdf_f32;
    batch_quantile(b: *const Self::Batch, u: *const Self, x: *mut Self) =>
        mixgrad_diag_batch_quantile_f64, mixgrad_diag_batch_quantile_f32;
    batch_vjp(b: *const Self::Batch, x: *const Self, xb: *const Self, a: *mut Self,
              mu: *mut Self, s: *mut Self) =>
        mixgrad_diag_batch_vjp_f64, mixgrad_diag_batch_vjp_f32;
    batch_first_zero_density(b: *const Self::Batch, x: *const Self, row: *mut usize) =>
        mixgrad_diag_batch_first_zero_density_f64, mixgrad_diag_batch_first_zero_density_f32;
    batch_sample_quantile(b: *const Self::Batch, rng: *mut mixgrad_rng, x: *mut Self,
                          u: *mut Self) =>
        mixgrad_diag_batch_sample_quantile_f64, mixgrad_diag_batch_sample_quantile_f32;
    batch_sample_ancestral(b: *const Self::Batch, rng: *mut mixgrad_rng, x: *mut Self,
                           c: *mut u32) =>
        mixgrad_diag_batch_sample_ancestral_f64, mixgrad_diag_batch_sample_ancestral_f32;
}

fn bits_of<T: Api>(v: &[T]) -> Vec<u64> {
    v.iter().map(|&x| x.bits()).collect()
}

fn poisoned<T: Api>(n: usize) -> Vec<T> {
    vec![T::poison(); n]
}

fn is_poisoned<T: Api>(v: &[T]) -> bool {
    v.iter().all(|x| x.bits() == T::poison().bits())
}

/// `sum += g`, entry by entry: the documented order of a summed gradient
/// (the single results added in row order to `+0`).
fn add_into<T: BatchApi>(sum: &mut [T], g: &[T]) {
    for (s, &v) in sum.iter_mut().zip(g) {
        *s += v;
    }
}

/// `n` rows of points, uniforms and cotangents in `d` dimensions.
struct Rows<T> {
    n: usize,
    x: Vec<T>,
    u: Vec<T>,
    x_bar: Vec<T>,
}

impl<T: Api> Rows<T> {
    fn random(n: usize, d: usize, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed ^ 0x5eed);
        let mut draw = |lo: f64, hi: f64| -> Vec<T> {
            (0..n * d)
                .map(|_| T::of(lo + (hi - lo) * mixgrad::uniform_f64(&mut rng)))
                .collect()
        };
        Rows {
            n,
            x: draw(-2.5, 2.5),
            u: draw(0.001, 0.999),
            x_bar: draw(-1.0, 1.0),
        }
    }
}

/// `n` random mixtures of `k` components in `d` dimensions, packed.
struct Packed<T> {
    n: usize,
    k: usize,
    d: usize,
    logits: Vec<T>,
    means: Vec<T>,
    scales: Vec<T>,
}

impl<T: BatchApi> Packed<T> {
    fn random(n: usize, k: usize, d: usize, seed: u64) -> Self {
        let mut p = Packed {
            n,
            k,
            d,
            logits: vec![],
            means: vec![],
            scales: vec![],
        };
        for i in 0..n {
            let one = Problem::<T>::random(k, d, seed * 1000 + i as u64);
            p.logits.extend(one.logits);
            p.means.extend(one.means);
            p.scales.extend(one.scales);
        }
        p
    }

    fn batch(&self) -> T::Batch {
        let (k, d) = (self.k as u32, self.d as u32);
        let (a, m) = (self.logits.as_ptr(), self.means.as_ptr());
        T::batch(self.n, k, d, a, m, self.scales.as_ptr())
    }

    /// Mixture `i` as a single-call struct.
    fn mixture(&self, i: usize) -> T::Mix {
        let (k, d, kd) = (self.k, self.d, self.k * self.d);
        let (a, m, s) = (
            &self.logits[i * k..],
            &self.means[i * kd..],
            &self.scales[i * kd..],
        );
        T::mix(k as u32, d as u32, a.as_ptr(), m.as_ptr(), s.as_ptr())
    }
}

/// Rows per case: past the 64-row blocks of the `uint32_t` components,
/// except under Miri.
const MANY: usize = if cfg!(miri) { 3 } else { 67 };

fn many_forms_are_single_calls<T: BatchApi>() {
    let cases: &[(usize, usize, u64)] = if cfg!(miri) {
        &[(2, 2, 1)]
    } else {
        &[(1, 1, 1), (3, 2, 2), (7, 3, 3), (64, 2, 4)]
    };
    for &(k, d, seed) in cases {
        let p = Problem::<T>::random(k, d, seed);
        let m = p.mix();
        let r = Rows::<T>::random(MANY, d, seed);
        let (n, kd) = (r.n, k * d);
        let row = |v: &[T], i: usize| v[i * d..].as_ptr();
        let ctx = format!("K={k} D={d}");

        // log_prob and log_prob_grad: per row and summed.
        let (mut lp, mut gx) = (poisoned::<T>(n), poisoned::<T>(n * d));
        let (mut ga, mut gm, mut gs) = (poisoned::<T>(k), poisoned::<T>(kd), poisoned::<T>(kd));
        let status = unsafe {
            T::log_prob_grad_many(
                &m,
                n,
                r.x.as_ptr(),
                lp.as_mut_ptr(),
                gx.as_mut_ptr(),
                ga.as_mut_ptr(),
                gm.as_mut_ptr(),
                gs.as_mut_ptr(),
            )
        };
        assert_eq!(status, MIXGRAD_OK, "{ctx}");
        let mut lp_only = poisoned::<T>(n);
        let status = unsafe { T::log_prob_many(&m, n, r.x.as_ptr(), lp_only.as_mut_ptr()) };
        assert_eq!(status, MIXGRAD_OK);
        let (mut sa, mut sm, mut ss) = (vec![T::ZERO; k], vec![T::ZERO; kd], vec![T::ZERO; kd]);
        let (mut want_lp, mut want_gx) = (vec![], vec![]);
        for i in 0..n {
            let (mut l, mut l2, mut x1) = ([T::poison()], [T::poison()], poisoned::<T>(d));
            let (mut a1, mut m1, mut s1) = (poisoned::<T>(k), poisoned::<T>(kd), poisoned::<T>(kd));
            let st = unsafe {
                T::log_prob_grad(
                    &m,
                    row(&r.x, i),
                    l.as_mut_ptr(),
                    x1.as_mut_ptr(),
                    a1.as_mut_ptr(),
                    m1.as_mut_ptr(),
                    s1.as_mut_ptr(),
                    None,
                )
            };
            assert_eq!(st, MIXGRAD_OK);
            let st = unsafe { T::log_prob(&m, row(&r.x, i), l2.as_mut_ptr(), None) };
            assert_eq!(st, MIXGRAD_OK);
            assert_eq!(l[0].bits(), l2[0].bits());
            want_lp.push(l[0]);
            want_gx.extend(x1);
            add_into(&mut sa, &a1);
            add_into(&mut sm, &m1);
            add_into(&mut ss, &s1);
        }
        assert_eq!(bits_of(&lp), bits_of(&want_lp), "{ctx} log_prob_grad_many");
        assert_eq!(bits_of(&lp_only), bits_of(&want_lp), "{ctx} log_prob_many");
        assert_eq!(bits_of(&gx), bits_of(&want_gx), "{ctx} x_grad");
        assert_eq!(bits_of(&ga), bits_of(&sa), "{ctx} summed logits_grad");
        assert_eq!(bits_of(&gm), bits_of(&sm), "{ctx} summed means_grad");
        assert_eq!(bits_of(&gs), bits_of(&ss), "{ctx} summed scales_grad");

        // cdf and quantile.
        let (mut u, mut xq) = (poisoned::<T>(n * d), poisoned::<T>(n * d));
        assert_eq!(
            unsafe { T::cdf_many(&m, n, r.x.as_ptr(), u.as_mut_ptr()) },
            MIXGRAD_OK
        );
        assert_eq!(
            unsafe { T::quantile_many(&m, n, r.u.as_ptr(), xq.as_mut_ptr()) },
            MIXGRAD_OK
        );
        let (mut want_u, mut want_x) = (poisoned::<T>(n * d), poisoned::<T>(n * d));
        for i in 0..n {
            let (uo, xo) = (want_u[i * d..].as_mut_ptr(), want_x[i * d..].as_mut_ptr());
            assert_eq!(unsafe { T::cdf(&m, row(&r.x, i), uo, None) }, MIXGRAD_OK);
            assert_eq!(
                unsafe { T::quantile(&m, row(&r.u, i), xo, None) },
                MIXGRAD_OK
            );
        }
        assert_eq!(bits_of(&u), bits_of(&want_u), "{ctx} cdf_many");
        assert_eq!(bits_of(&xq), bits_of(&want_x), "{ctx} quantile_many");

        // vjp: summed in row order, at the quantile points (never in a gap).
        let (mut a, mut mu, mut s) = (poisoned::<T>(k), poisoned::<T>(kd), poisoned::<T>(kd));
        let status = unsafe {
            T::vjp_many(
                &m,
                n,
                xq.as_ptr(),
                r.x_bar.as_ptr(),
                a.as_mut_ptr(),
                mu.as_mut_ptr(),
                s.as_mut_ptr(),
            )
        };
        assert_eq!(status, MIXGRAD_OK, "{ctx} vjp_many");
        let (mut sa, mut sm, mut ss) = (vec![T::ZERO; k], vec![T::ZERO; kd], vec![T::ZERO; kd]);
        for i in 0..n {
            let (mut a1, mut m1, mut s1) = (poisoned::<T>(k), poisoned::<T>(kd), poisoned::<T>(kd));
            let (xi, xbi) = (row(&xq, i), row(&r.x_bar, i));
            let (pa, pm, ps) = (a1.as_mut_ptr(), m1.as_mut_ptr(), s1.as_mut_ptr());
            let st = unsafe { T::vjp(&m, xi, xbi, pa, pm, ps, None) };
            assert_eq!(st, MIXGRAD_OK);
            add_into(&mut sa, &a1);
            add_into(&mut sm, &m1);
            add_into(&mut ss, &s1);
        }
        assert_eq!(
            (bits_of(&a), bits_of(&mu), bits_of(&s)),
            (bits_of(&sa), bits_of(&sm), bits_of(&ss)),
            "{ctx} vjp_many is the row-order sum"
        );
        let mut at = usize::MAX;
        let st = unsafe { T::first_zero_density_many(&m, n, xq.as_ptr(), &mut at) };
        assert_eq!((st, at), (MIXGRAD_OK, n), "{ctx} no zero density");

        // Samplers: the draws of n single calls, the generator where they
        // leave it; with and without the optional outputs.
        for with_optional in [true, false] {
            let (mut rng, mut single) =
                (mixgrad_rng::from_seed(seed), mixgrad_rng::from_seed(seed));
            let (mut xs, mut us) = (poisoned::<T>(n * d), poisoned::<T>(n * d));
            let u_ptr = if with_optional {
                us.as_mut_ptr()
            } else {
                null_mut()
            };
            let st = unsafe { T::sample_quantile_many(&m, &mut rng, n, xs.as_mut_ptr(), u_ptr) };
            assert_eq!(st, MIXGRAD_OK);
            let (mut wx, mut wu) = (poisoned::<T>(n * d), poisoned::<T>(n * d));
            for i in 0..n {
                let (xo, uo) = (wx[i * d..].as_mut_ptr(), wu[i * d..].as_mut_ptr());
                let st = unsafe { T::sample_quantile(&m, &mut single, xo, uo, None) };
                assert_eq!(st, MIXGRAD_OK);
            }
            assert_eq!(bits_of(&xs), bits_of(&wx), "{ctx} sample_quantile_many");
            if with_optional {
                assert_eq!(bits_of(&us), bits_of(&wu), "{ctx} uniforms");
            } else {
                assert!(is_poisoned(&us));
            }
            assert_eq!(rng, single, "{ctx} generator after sample_quantile_many");

            let (mut xs, mut ks) = (poisoned::<T>(n * d), vec![u32::MAX; n]);
            let c_ptr = if with_optional {
                ks.as_mut_ptr()
            } else {
                null_mut()
            };
            let st = unsafe { T::sample_ancestral_many(&m, &mut rng, n, xs.as_mut_ptr(), c_ptr) };
            assert_eq!(st, MIXGRAD_OK);
            let (mut wx, mut wk) = (poisoned::<T>(n * d), vec![u32::MAX; n]);
            for i in 0..n {
                let xo = wx[i * d..].as_mut_ptr();
                let st = unsafe { T::sample_ancestral(&m, &mut single, xo, &mut wk[i], None) };
                assert_eq!(st, MIXGRAD_OK);
            }
            assert_eq!(bits_of(&xs), bits_of(&wx), "{ctx} sample_ancestral_many");
            if with_optional {
                assert_eq!(ks, wk, "{ctx} components");
            } else {
                assert!(ks.iter().all(|&c| c == u32::MAX));
            }
            assert_eq!(rng, single, "{ctx} generator after sample_ancestral_many");
        }
    }
}

#[test]
fn many_forms_are_bit_identical_to_single_calls() {
    many_forms_are_single_calls::<f64>();
    many_forms_are_single_calls::<f32>();
}

fn batch_forms_are_single_calls<T: BatchApi>() {
    let cases: &[(usize, usize, usize, u64)] = if cfg!(miri) {
        &[(3, 2, 2, 1)]
    } else {
        &[(1, 1, 1, 1), (5, 3, 2, 2), (MANY, 4, 3, 3), (9, 64, 1, 4)]
    };
    for &(n, k, d, seed) in cases {
        let p = Packed::<T>::random(n, k, d, seed);
        let b = p.batch();
        let r = Rows::<T>::random(n, d, seed);
        let kd = k * d;
        let row = |v: &[T], i: usize| v[i * d..].as_ptr();
        let ctx = format!("n={n} K={k} D={d}");
        assert_eq!(unsafe { T::batch_validate(&b) }, MIXGRAD_OK);

        // log_prob and log_prob_grad, per mixture.
        let (mut lp, mut gx) = (poisoned::<T>(n), poisoned::<T>(n * d));
        let (mut ga, mut gm, mut gs) = (
            poisoned::<T>(n * k),
            poisoned::<T>(n * kd),
            poisoned::<T>(n * kd),
        );
        let status = unsafe {
            T::batch_log_prob_grad(
                &b,
                r.x.as_ptr(),
                lp.as_mut_ptr(),
                gx.as_mut_ptr(),
                ga.as_mut_ptr(),
                gm.as_mut_ptr(),
                gs.as_mut_ptr(),
            )
        };
        assert_eq!(status, MIXGRAD_OK, "{ctx}");
        let mut lp_only = poisoned::<T>(n);
        let status = unsafe { T::batch_log_prob(&b, r.x.as_ptr(), lp_only.as_mut_ptr()) };
        assert_eq!(status, MIXGRAD_OK);
        let mut want = [
            poisoned::<T>(n),
            poisoned::<T>(n * d),
            poisoned::<T>(n * k),
            poisoned::<T>(n * kd),
            poisoned::<T>(n * kd),
        ];
        for i in 0..n {
            let m = p.mixture(i);
            let [wl, wx, wa, wm, ws] = &mut want;
            let st = unsafe {
                T::log_prob_grad(
                    &m,
                    row(&r.x, i),
                    wl[i..].as_mut_ptr(),
                    wx[i * d..].as_mut_ptr(),
                    wa[i * k..].as_mut_ptr(),
                    wm[i * kd..].as_mut_ptr(),
                    ws[i * kd..].as_mut_ptr(),
                    None,
                )
            };
            assert_eq!(st, MIXGRAD_OK);
        }
        let got = [&lp, &gx, &ga, &gm, &gs].map(|v| bits_of(v));
        assert_eq!(
            got,
            want.each_ref().map(|v| bits_of(v)),
            "{ctx} log_prob_grad"
        );
        assert_eq!(bits_of(&lp_only), bits_of(&want[0]), "{ctx} log_prob");

        // cdf, quantile, vjp at the quantile points.
        let (mut u, mut xq) = (poisoned::<T>(n * d), poisoned::<T>(n * d));
        assert_eq!(
            unsafe { T::batch_cdf(&b, r.x.as_ptr(), u.as_mut_ptr()) },
            MIXGRAD_OK
        );
        assert_eq!(
            unsafe { T::batch_quantile(&b, r.u.as_ptr(), xq.as_mut_ptr()) },
            MIXGRAD_OK
        );
        let (mut a, mut mu, mut s) = (
            poisoned::<T>(n * k),
            poisoned::<T>(n * kd),
            poisoned::<T>(n * kd),
        );
        let status = unsafe {
            T::batch_vjp(
                &b,
                xq.as_ptr(),
                r.x_bar.as_ptr(),
                a.as_mut_ptr(),
                mu.as_mut_ptr(),
                s.as_mut_ptr(),
            )
        };
        assert_eq!(status, MIXGRAD_OK, "{ctx} batch vjp");
        let (mut wu, mut wq) = (poisoned::<T>(n * d), poisoned::<T>(n * d));
        let (mut wa, mut wm, mut ws) = (
            poisoned::<T>(n * k),
            poisoned::<T>(n * kd),
            poisoned::<T>(n * kd),
        );
        for i in 0..n {
            let m = p.mixture(i);
            let (uo, xo) = (wu[i * d..].as_mut_ptr(), wq[i * d..].as_mut_ptr());
            assert_eq!(unsafe { T::cdf(&m, row(&r.x, i), uo, None) }, MIXGRAD_OK);
            assert_eq!(
                unsafe { T::quantile(&m, row(&r.u, i), xo, None) },
                MIXGRAD_OK
            );
            let (pa, pm, ps) = (
                wa[i * k..].as_mut_ptr(),
                wm[i * kd..].as_mut_ptr(),
                ws[i * kd..].as_mut_ptr(),
            );
            let st = unsafe { T::vjp(&m, row(&xq, i), row(&r.x_bar, i), pa, pm, ps, None) };
            assert_eq!(st, MIXGRAD_OK);
        }
        assert_eq!(bits_of(&u), bits_of(&wu), "{ctx} batch cdf");
        assert_eq!(bits_of(&xq), bits_of(&wq), "{ctx} batch quantile");
        assert_eq!(
            [&a, &mu, &s].map(|v| bits_of(v)),
            [&wa, &wm, &ws].map(|v| bits_of(v)),
            "{ctx} batch vjp"
        );
        let mut at = usize::MAX;
        let st = unsafe { T::batch_first_zero_density(&b, xq.as_ptr(), &mut at) };
        assert_eq!((st, at), (MIXGRAD_OK, n));

        // Samplers.
        for with_optional in [true, false] {
            let (mut rng, mut single) =
                (mixgrad_rng::from_seed(seed), mixgrad_rng::from_seed(seed));
            let (mut xs, mut us) = (poisoned::<T>(n * d), poisoned::<T>(n * d));
            let u_ptr = if with_optional {
                us.as_mut_ptr()
            } else {
                null_mut()
            };
            let st = unsafe { T::batch_sample_quantile(&b, &mut rng, xs.as_mut_ptr(), u_ptr) };
            assert_eq!(st, MIXGRAD_OK);
            let (mut wx, mut wu) = (poisoned::<T>(n * d), poisoned::<T>(n * d));
            for i in 0..n {
                let m = p.mixture(i);
                let (xo, uo) = (wx[i * d..].as_mut_ptr(), wu[i * d..].as_mut_ptr());
                let st = unsafe { T::sample_quantile(&m, &mut single, xo, uo, None) };
                assert_eq!(st, MIXGRAD_OK);
            }
            assert_eq!(bits_of(&xs), bits_of(&wx), "{ctx} batch sample_quantile");
            if with_optional {
                assert_eq!(bits_of(&us), bits_of(&wu));
            } else {
                assert!(is_poisoned(&us));
            }
            assert_eq!(rng, single);

            let (mut xs, mut ks) = (poisoned::<T>(n * d), vec![u32::MAX; n]);
            let c_ptr = if with_optional {
                ks.as_mut_ptr()
            } else {
                null_mut()
            };
            let st = unsafe { T::batch_sample_ancestral(&b, &mut rng, xs.as_mut_ptr(), c_ptr) };
            assert_eq!(st, MIXGRAD_OK);
            let (mut wx, mut wk) = (poisoned::<T>(n * d), vec![u32::MAX; n]);
            for i in 0..n {
                let m = p.mixture(i);
                let xo = wx[i * d..].as_mut_ptr();
                let st = unsafe { T::sample_ancestral(&m, &mut single, xo, &mut wk[i], None) };
                assert_eq!(st, MIXGRAD_OK);
            }
            assert_eq!(bits_of(&xs), bits_of(&wx), "{ctx} batch sample_ancestral");
            if with_optional {
                assert_eq!(ks, wk, "{ctx} components");
            } else {
                assert!(ks.iter().all(|&c| c == u32::MAX));
            }
            assert_eq!(rng, single, "{ctx} generator after batch sample_ancestral");
        }
    }
}

#[test]
fn batch_forms_are_bit_identical_to_single_calls() {
    batch_forms_are_single_calls::<f64>();
    batch_forms_are_single_calls::<f32>();
}

fn n_zero<T: BatchApi>() {
    let p = Problem::<T>::random(3, 2, 8);
    let m = p.mix();
    let (k, kd) = (3, 6);
    let unseeded = mixgrad_rng { state: [0; 4] };
    let start = mixgrad_rng::from_seed(4);
    // Every row array NULL; the summed outputs are written as zeros.
    let (mut ga, mut gm, mut gs) = (poisoned::<T>(k), poisoned::<T>(kd), poisoned::<T>(kd));
    let (pa, pm, ps) = (ga.as_mut_ptr(), gm.as_mut_ptr(), gs.as_mut_ptr());
    let (cx, x) = (null::<T>(), null_mut::<T>());
    let mut rng = start;
    let mut row = usize::MAX;
    let statuses = unsafe {
        [
            T::log_prob_many(&m, 0, cx, x),
            T::cdf_many(&m, 0, cx, x),
            T::quantile_many(&m, 0, cx, x),
            T::sample_quantile_many(&m, &mut rng, 0, x, x),
            T::sample_ancestral_many(&m, &mut rng, 0, x, null_mut()),
            T::first_zero_density_many(&m, 0, cx, &mut row),
        ]
    };
    assert!(statuses.iter().all(|&s| s == MIXGRAD_OK), "{statuses:?}");
    assert_eq!((rng, row), (start, 0), "n = 0 advanced the generator");
    let st = unsafe { T::vjp_many(&m, 0, cx, cx, pa, pm, ps) };
    assert_eq!(st, MIXGRAD_OK);
    let zeros = |v: &[T]| v.iter().all(|x| x.bits() == T::ZERO.bits());
    assert!(
        zeros(&ga) && zeros(&gm) && zeros(&gs),
        "the empty sum is +0"
    );
    let (mut ga, mut gm, mut gs) = (poisoned::<T>(k), poisoned::<T>(kd), poisoned::<T>(kd));
    let st = unsafe {
        T::log_prob_grad_many(
            &m,
            0,
            cx,
            x,
            x,
            ga.as_mut_ptr(),
            gm.as_mut_ptr(),
            gs.as_mut_ptr(),
        )
    };
    assert_eq!(st, MIXGRAD_OK);
    assert!(zeros(&ga) && zeros(&gm) && zeros(&gs));
    let (mut ga2, mut gs2) = (poisoned::<T>(k), poisoned::<T>(kd));
    let st =
        unsafe { T::log_prob_grad_many(&m, 0, cx, x, x, ga2.as_mut_ptr(), x, gs2.as_mut_ptr()) };
    assert_eq!(st, MIXGRAD_OK);
    assert!(zeros(&ga2) && zeros(&gs2));

    // What does not hold rows is still checked: the mixture, the summed
    // outputs, the generator (an unseeded one is refused and untouched).
    let (mut ga, mut gm, mut gs) = (poisoned::<T>(k), poisoned::<T>(kd), poisoned::<T>(kd));
    let (pa, pm, ps) = (ga.as_mut_ptr(), gm.as_mut_ptr(), gs.as_mut_ptr());
    let st = unsafe { T::vjp_many(&m, 0, cx, cx, pa, null_mut(), ps) };
    assert_eq!(st, MIXGRAD_ERR_NULL_POINTER);
    let st = unsafe { T::log_prob_many(null(), 0, cx, x) };
    assert_eq!(st, MIXGRAD_ERR_NULL_POINTER);
    let mut bad = p.scales.clone();
    bad[1] = T::of(-1.0);
    let m_bad = T::mix(3, 2, p.logits.as_ptr(), p.means.as_ptr(), bad.as_ptr());
    let st = unsafe { T::vjp_many(&m_bad, 0, cx, cx, pa, pm, ps) };
    assert_eq!(st, MIXGRAD_ERR_NONPOSITIVE_SCALE);
    assert!(is_poisoned(&ga) && is_poisoned(&gm) && is_poisoned(&gs));
    let mut zero = unseeded;
    let st = unsafe { T::sample_quantile_many(&m, &mut zero, 0, x, x) };
    assert_eq!((st, zero), (MIXGRAD_ERR_UNSEEDED_RNG, unseeded));
    let st = unsafe { T::sample_ancestral_many(&m, &mut zero, 0, x, null_mut()) };
    assert_eq!((st, zero), (MIXGRAD_ERR_UNSEEDED_RNG, unseeded));
    let st = unsafe { T::sample_quantile_many(&m, null_mut(), 0, x, x) };
    assert_eq!(st, MIXGRAD_ERR_NULL_POINTER);
    // A non-NULL row array must still be aligned.
    let four = poisoned::<T>(4);
    let odd = four.as_ptr().cast::<u8>().wrapping_add(1).cast::<T>();
    let st = unsafe { T::log_prob_many(&m, 0, odd, x) };
    assert_eq!(st, MIXGRAD_ERR_MISALIGNED_POINTER);
    // An empty row array overlaps nothing, wherever it points.
    let mut lp = poisoned::<T>(1);
    let st = unsafe { T::cdf_many(&m, 0, p.means.as_ptr(), p.means.as_ptr().cast_mut()) };
    assert_eq!(st, MIXGRAD_OK);
    let st = unsafe { T::log_prob_many(&m, 0, lp.as_ptr(), lp.as_mut_ptr()) };
    assert_eq!(st, MIXGRAD_OK);
    assert!(is_poisoned(&lp));

    // A packed batch of none: every array may be NULL; K and D are checked.
    let b = T::batch(0, 3, 2, null(), null(), null());
    let mut rng = start;
    let mut row = usize::MAX;
    let statuses = unsafe {
        [
            T::batch_validate(&b),
            T::batch_log_prob(&b, cx, x),
            T::batch_log_prob_grad(&b, cx, x, x, x, x, x),
            T::batch_cdf(&b, cx, x),
            T::batch_quantile(&b, cx, x),
            T::batch_vjp(&b, cx, cx, x, x, x),
            T::batch_sample_quantile(&b, &mut rng, x, x),
            T::batch_sample_ancestral(&b, &mut rng, x, null_mut()),
            T::batch_first_zero_density(&b, cx, &mut row),
        ]
    };
    assert!(statuses.iter().all(|&s| s == MIXGRAD_OK), "{statuses:?}");
    assert_eq!((rng, row), (start, 0));
    let mut zero = unseeded;
    let st = unsafe { T::batch_sample_quantile(&b, &mut zero, x, x) };
    assert_eq!(st, MIXGRAD_ERR_UNSEEDED_RNG);
    let st = unsafe { T::batch_sample_ancestral(&b, &mut zero, x, null_mut()) };
    assert_eq!((st, zero), (MIXGRAD_ERR_UNSEEDED_RNG, unseeded));
    let empty_k = T::batch(0, 0, 2, null(), null(), null());
    assert_eq!(
        unsafe { T::batch_validate(&empty_k) },
        MIXGRAD_ERR_NO_COMPONENTS
    );
    let empty_d = T::batch(0, 3, 0, null(), null(), null());
    assert_eq!(
        unsafe { T::batch_log_prob(&empty_d, cx, x) },
        MIXGRAD_ERR_NO_DIMENSIONS
    );
    assert_eq!(
        unsafe { T::batch_log_prob(null(), cx, x) },
        MIXGRAD_ERR_NULL_POINTER
    );
}

#[test]
fn n_zero_is_valid_and_writes_only_the_empty_sums() {
    n_zero::<f64>();
    n_zero::<f32>();
}

/// `want` if every status is `want`, else the first that is not.
fn all_are<const N: usize>(want: mixgrad_status, all: [mixgrad_status; N]) -> mixgrad_status {
    all.into_iter().find(|&s| s != want).unwrap_or(want)
}

/// Runs `call` on outputs poisoned beforehand (`outs` values of `T`, a
/// generator, `n` components, a row index) and checks `want` comes back
/// with every one of them untouched.
fn refused<T: BatchApi>(
    want: mixgrad_status,
    outs: usize,
    what: &str,
    call: impl FnOnce(*mut T, *mut mixgrad_rng, *mut u32, *mut usize) -> mixgrad_status,
) {
    let mut o = poisoned::<T>(outs);
    let start = mixgrad_rng::from_seed(77);
    let (mut rng, mut c, mut row) = (start, vec![u32::MAX; 16], usize::MAX);
    let got = call(o.as_mut_ptr(), &mut rng, c.as_mut_ptr(), &mut row);
    assert_eq!(got, want, "{what}");
    assert!(is_poisoned(&o), "{what}: an output was written");
    assert!(
        c.iter().all(|&k| k == u32::MAX),
        "{what}: components written"
    );
    assert_eq!(
        (rng, row),
        (start, usize::MAX),
        "{what}: generator or row written"
    );
}

fn refusals<T: BatchApi>() {
    let (k, d, n) = (2usize, 3usize, 4usize);
    let (kd, nd) = (k * d, n * d);
    let p = Problem::<T>::random(k, d, 21);
    let m = p.mix();
    let r = Rows::<T>::random(n, d, 21);
    let (x, u, xb) = (r.x.as_ptr(), r.u.as_ptr(), r.x_bar.as_ptr());
    // Outputs laid out in one poisoned buffer: lp [n], rows [nd] x 2,
    // a [k], m [kd], s [kd] (and the batch's n-fold gradients after).
    let at = |o: *mut T, i: usize| o.wrapping_add(i);
    let (lp, r1, r2, ga, gm, gs) = (
        0,
        n,
        n + nd,
        n + 2 * nd,
        n + 2 * nd + k,
        n + 2 * nd + k + kd,
    );
    let outs = gs + kd;

    // NULL: a row array with n > 0, a summed output, the mixture's arrays.
    let null_ptr = MIXGRAD_ERR_NULL_POINTER;
    refused::<T>(null_ptr, outs, "NULL x", |o, _, _, _| unsafe {
        T::log_prob_many(&m, n, null(), at(o, lp))
    });
    refused::<T>(null_ptr, outs, "NULL log_prob", |_, _, _, _| unsafe {
        T::log_prob_grad_many(
            &m,
            n,
            x,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
        )
    });
    refused::<T>(null_ptr, outs, "NULL means_bar", |o, _, _, _| unsafe {
        T::vjp_many(&m, n, x, xb, at(o, ga), null_mut(), at(o, gs))
    });
    refused::<T>(null_ptr, outs, "NULL x (samplers)", |o, g, c, _| unsafe {
        all_are(
            null_ptr,
            [
                T::sample_ancestral_many(&m, g, n, null_mut(), c),
                T::sample_quantile_many(&m, g, n, null_mut(), at(o, r1)),
            ],
        )
    });
    refused::<T>(null_ptr, outs, "NULL row", |_, _, _, _| unsafe {
        T::first_zero_density_many(&m, n, x, null_mut())
    });
    let no_means = T::mix(
        k as u32,
        d as u32,
        p.logits.as_ptr(),
        null(),
        p.scales.as_ptr(),
    );
    refused::<T>(null_ptr, outs, "NULL mix->means", |o, _, _, _| unsafe {
        T::cdf_many(&no_means, n, x, at(o, r1))
    });

    // Misaligned.
    let raw = vec![0u64; 4 * nd];
    let odd = raw.as_ptr().cast::<u8>().wrapping_add(1).cast::<T>();
    let misaligned = MIXGRAD_ERR_MISALIGNED_POINTER;
    refused::<T>(misaligned, outs, "misaligned x", |o, _, _, _| unsafe {
        T::cdf_many(&m, n, odd, at(o, r1))
    });
    refused::<T>(
        misaligned,
        outs,
        "misaligned component",
        |o, g, c, _| unsafe {
            let c = c.cast::<u8>().wrapping_add(1).cast::<u32>();
            T::sample_ancestral_many(&m, g, n, at(o, r1), c)
        },
    );
    refused::<T>(misaligned, outs, "misaligned row", |_, _, _, row| unsafe {
        T::first_zero_density_many(&m, n, x, row.cast::<u8>().wrapping_add(1).cast())
    });

    // n·D beyond the address space: refused before any array is read (the
    // arrays here are far too short for n).
    let huge = usize::MAX / 2;
    let overflow = MIXGRAD_ERR_SIZE_OVERFLOW;
    refused::<T>(overflow, outs, "n*D overflow", |o, g, c, row| unsafe {
        let all = [
            T::log_prob_many(&m, huge, x, at(o, lp)),
            T::first_zero_density_many(&m, huge, x, row),
            T::cdf_many(&m, huge, x, at(o, r1)),
            T::quantile_many(&m, huge, u, at(o, r1)),
            T::vjp_many(&m, huge, x, xb, at(o, ga), at(o, gm), at(o, gs)),
            T::sample_quantile_many(&m, g, huge, at(o, r1), null_mut()),
            T::sample_ancestral_many(&m, g, huge, at(o, r1), c),
        ];
        all_are(overflow, all)
    });
    // n·sizeof(T) alone fits, n·D·sizeof(T) does not.
    let just = isize::MAX as usize / core::mem::size_of::<T>() / 2;
    refused::<T>(
        overflow,
        outs,
        "n*D overflow by bytes",
        |o, _, _, _| unsafe { T::log_prob_many(&m, just, x, at(o, lp)) },
    );

    // Overlap: full row lengths, against each other and the parameters.
    let overlap = MIXGRAD_ERR_OVERLAPPING_BUFFERS;
    let mut xs = r.x.clone();
    refused::<T>(overlap, outs, "u over x's last row", |_, _, _, _| unsafe {
        T::cdf_many(&m, n, xs.as_ptr(), xs.as_mut_ptr().add(nd - 1))
    });
    assert_eq!(bits_of(&xs), bits_of(&r.x));
    refused::<T>(overlap, outs, "x_grad over log_prob", |o, _, _, _| unsafe {
        T::log_prob_grad_many(
            &m,
            n,
            x,
            at(o, lp),
            at(o, n - 1),
            null_mut(),
            null_mut(),
            null_mut(),
        )
    });
    refused::<T>(overlap, outs, "u over the scales", |o, g, _, _| unsafe {
        let s = p.scales.as_ptr().cast_mut();
        T::sample_quantile_many(&m, g, n, at(o, r1), s.wrapping_sub(nd - 1))
    });
    refused::<T>(
        overlap,
        outs,
        "component over the generator",
        |o, g, _, _| unsafe { T::sample_ancestral_many(&m, g, n, at(o, r1), g.cast()) },
    );
    // A `size_t` inside x (x copied into storage aligned for both).
    let mut words = vec![0u64; nd];
    let xw = words.as_mut_ptr();
    unsafe { core::ptr::copy_nonoverlapping(x, xw.cast::<T>(), nd) };
    refused::<T>(overlap, outs, "row over x", |_, _, _, _| unsafe {
        T::first_zero_density_many(&m, n, xw.cast::<T>(), xw.add(nd / 4).cast())
    });

    // A bad value in the last row (or in any): the whole call is refused.
    let mut bad_x = r.x.clone();
    bad_x[nd - 1] = T::of(f64::INFINITY);
    let mut bad_u = r.u.clone();
    bad_u[d + 1] = T::of(0.0);
    let mut bad_xb = r.x_bar.clone();
    bad_xb[d] = T::of(f64::NAN);
    refused::<T>(
        MIXGRAD_ERR_NONFINITE_X,
        outs,
        "x in the last row",
        |o, _, _, row| unsafe {
            let all = [
                T::log_prob_grad_many(
                    &m,
                    n,
                    bad_x.as_ptr(),
                    at(o, lp),
                    at(o, r1),
                    at(o, ga),
                    at(o, gm),
                    at(o, gs),
                ),
                T::cdf_many(&m, n, bad_x.as_ptr(), at(o, r1)),
                T::vjp_many(
                    &m,
                    n,
                    bad_x.as_ptr(),
                    bad_xb.as_ptr(),
                    at(o, ga),
                    at(o, gm),
                    at(o, gs),
                ),
                T::first_zero_density_many(&m, n, bad_x.as_ptr(), row),
            ];
            all_are(MIXGRAD_ERR_NONFINITE_X, all)
        },
    );
    refused::<T>(
        MIXGRAD_ERR_U_OUT_OF_RANGE,
        outs,
        "u = 0 in row 1",
        |o, _, _, _| unsafe { T::quantile_many(&m, n, bad_u.as_ptr(), at(o, r2)) },
    );
    refused::<T>(
        MIXGRAD_ERR_NONFINITE_COTANGENT,
        outs,
        "x_bar",
        |o, _, _, _| unsafe {
            T::vjp_many(&m, n, x, bad_xb.as_ptr(), at(o, ga), at(o, gm), at(o, gs))
        },
    );
    let mut scales = p.scales.clone();
    scales[kd - 1] = T::of(0.0);
    let m_bad = T::mix(
        k as u32,
        d as u32,
        p.logits.as_ptr(),
        p.means.as_ptr(),
        scales.as_ptr(),
    );
    refused::<T>(
        MIXGRAD_ERR_NONPOSITIVE_SCALE,
        outs,
        "zero scale",
        |o, g, c, _| unsafe { T::sample_ancestral_many(&m_bad, g, n, at(o, r1), c) },
    );

    // Packed: mixture 2 of 4 has a bad value; every function refuses.
    let pk = Packed::<T>::random(n, k, d, 22);
    let mut bad = Packed::<T>::random(n, k, d, 22);
    bad.scales[2 * kd + 1] = T::of(-0.0);
    let bb = bad.batch();
    let (nk, nkd) = (n * k, n * kd);
    let (pa, pm, ps) = (n + 2 * nd, n + 2 * nd + nk, n + 2 * nd + nk + nkd);
    let outs = ps + nkd;
    refused::<T>(
        MIXGRAD_ERR_NONPOSITIVE_SCALE,
        outs,
        "bad mixture",
        |o, g, c, row| unsafe {
            let all = [
                T::batch_validate(&bb),
                T::batch_log_prob(&bb, x, at(o, lp)),
                T::batch_log_prob_grad(
                    &bb,
                    x,
                    at(o, lp),
                    at(o, r1),
                    at(o, pa),
                    at(o, pm),
                    at(o, ps),
                ),
                T::batch_cdf(&bb, x, at(o, r1)),
                T::batch_quantile(&bb, u, at(o, r1)),
                T::batch_vjp(&bb, x, xb, at(o, pa), at(o, pm), at(o, ps)),
                T::batch_first_zero_density(&bb, x, row),
                T::batch_sample_quantile(&bb, g, at(o, r1), at(o, r2)),
                T::batch_sample_ancestral(&bb, g, at(o, r1), c),
            ];
            all_are(MIXGRAD_ERR_NONPOSITIVE_SCALE, all)
        },
    );
    let b = pk.batch();
    refused::<T>(
        MIXGRAD_ERR_NONFINITE_X,
        outs,
        "batch x",
        |o, _, _, _| unsafe {
            T::batch_vjp(&b, bad_x.as_ptr(), xb, at(o, pa), at(o, pm), at(o, ps))
        },
    );
    refused::<T>(
        MIXGRAD_ERR_U_OUT_OF_RANGE,
        outs,
        "batch u",
        |o, _, _, _| unsafe { T::batch_quantile(&b, bad_u.as_ptr(), at(o, r1)) },
    );
    refused::<T>(null_ptr, outs, "NULL b->scales", |o, _, _, _| unsafe {
        let b = T::batch(
            n,
            k as u32,
            d as u32,
            pk.logits.as_ptr(),
            pk.means.as_ptr(),
            null(),
        );
        T::batch_cdf(&b, x, at(o, r1))
    });
    refused::<T>(
        null_ptr,
        outs,
        "NULL batch logits_bar",
        |o, _, _, _| unsafe { T::batch_vjp(&b, x, xb, null_mut(), at(o, pm), at(o, ps)) },
    );
    refused::<T>(
        overlap,
        outs,
        "batch: means_bar over scales_bar",
        |o, _, _, _| unsafe { T::batch_vjp(&b, x, xb, at(o, pa), at(o, pm), at(o, pm + nkd - 1)) },
    );
    refused::<T>(
        overlap,
        outs,
        "batch: x over b->means",
        |_, g, _, _| unsafe {
            let means = pk.means.as_ptr().cast_mut();
            T::batch_sample_quantile(&b, g, means.wrapping_add(nkd - 1), null_mut())
        },
    );
    let huge_b = T::batch(huge, k as u32, d as u32, x, x, x);
    refused::<T>(
        overflow,
        outs,
        "batch n*K*D overflow",
        |o, _, _, _| unsafe { T::batch_cdf(&huge_b, x, at(o, r1)) },
    );
    // n·K fits, n·K·D does not (on a 32-bit target K·D already fails).
    let wide_n = isize::MAX as usize / core::mem::size_of::<T>() / (64 * u32::MAX as usize) + 1;
    let wide = T::batch(wide_n, 64, u32::MAX, x, x, x);
    refused::<T>(
        overflow,
        outs,
        "batch n*K*D overflow (K*D fits)",
        |_, _, _, _| unsafe { T::batch_validate(&wide) },
    );
    let too_many = T::batch(n, 65, d as u32, x, x, x);
    refused::<T>(
        MIXGRAD_ERR_TOO_MANY_COMPONENTS,
        outs,
        "batch K",
        |_, _, _, _| unsafe { T::batch_validate(&too_many) },
    );
}

#[test]
fn batch_refusals_write_nothing() {
    refusals::<f64>();
    refusals::<f32>();
}

/// Two narrow components far apart (means ±40, scale 1): `x = 0` is deep
/// in the gap, where a conditional density underflows.
fn zero_density<T: BatchApi>() {
    let (logits, means, scales) = ([T::ZERO; 2], [T::of(-40.0), T::of(40.0)], [T::of(1.0); 2]);
    let m = T::mix(2, 1, logits.as_ptr(), means.as_ptr(), scales.as_ptr());
    // Row 2 is in the gap; the others are near a component.
    let x = [-40.5, 41.0, 0.0, 39.0, -39.25].map(T::of);
    let (n, bad_row) = (x.len(), 2);
    let xb = [T::of(1.0); 5];
    let mut row = usize::MAX;
    let st = unsafe { T::first_zero_density_many(&m, n, x.as_ptr(), &mut row) };
    assert_eq!((st, row), (MIXGRAD_OK, bad_row));
    // The single vjp refuses that row: the locator agrees with it.
    let (mut a, mut mu, mut s) = (poisoned::<T>(2), poisoned::<T>(2), poisoned::<T>(2));
    let (pa, pm, ps) = (a.as_mut_ptr(), mu.as_mut_ptr(), s.as_mut_ptr());
    let st = unsafe { T::vjp(&m, &x[bad_row], xb.as_ptr(), pa, pm, ps, None) };
    assert_eq!(st, MIXGRAD_ERR_ZERO_DENSITY);
    let st = unsafe { T::vjp_many(&m, n, x.as_ptr(), xb.as_ptr(), pa, pm, ps) };
    assert_eq!(st, MIXGRAD_ERR_ZERO_DENSITY);
    assert!(is_poisoned(&a) && is_poisoned(&mu) && is_poisoned(&s));
    // Without the row, the sum goes through; log_prob answers in the gap.
    let kept: Vec<T> = (0..n).filter(|&i| i != bad_row).map(|i| x[i]).collect();
    let st = unsafe { T::vjp_many(&m, n - 1, kept.as_ptr(), xb.as_ptr(), pa, pm, ps) };
    assert_eq!(st, MIXGRAD_OK);
    let mut lp = poisoned::<T>(n);
    assert_eq!(
        unsafe { T::log_prob_many(&m, n, x.as_ptr(), lp.as_mut_ptr()) },
        MIXGRAD_OK
    );

    // Packed: the same mixture n times; mixture `bad_row`'s point is in
    // its gap.
    let logits = [T::ZERO; 10];
    let means: Vec<T> = (0..n).flat_map(|_| [T::of(-40.0), T::of(40.0)]).collect();
    let scales = [T::of(1.0); 10];
    let b = T::batch(n, 2, 1, logits.as_ptr(), means.as_ptr(), scales.as_ptr());
    let mut row = usize::MAX;
    let st = unsafe { T::batch_first_zero_density(&b, x.as_ptr(), &mut row) };
    assert_eq!((st, row), (MIXGRAD_OK, bad_row));
    let (mut a, mut mu, mut s) = (
        poisoned::<T>(2 * n),
        poisoned::<T>(2 * n),
        poisoned::<T>(2 * n),
    );
    let (pa, pm, ps) = (a.as_mut_ptr(), mu.as_mut_ptr(), s.as_mut_ptr());
    let st = unsafe { T::batch_vjp(&b, x.as_ptr(), xb.as_ptr(), pa, pm, ps) };
    assert_eq!(st, MIXGRAD_ERR_ZERO_DENSITY);
    assert!(is_poisoned(&a) && is_poisoned(&mu) && is_poisoned(&s));
    let mut moved = x;
    moved[bad_row] = T::of(40.0);
    let mut row = usize::MAX;
    let st = unsafe { T::batch_first_zero_density(&b, moved.as_ptr(), &mut row) };
    assert_eq!((st, row), (MIXGRAD_OK, n), "the point moved out of the gap");
    let st = unsafe { T::batch_vjp(&b, moved.as_ptr(), xb.as_ptr(), pa, pm, ps) };
    assert_eq!(st, MIXGRAD_OK);
}

#[test]
fn zero_density_refuses_the_call_and_the_locator_names_the_row() {
    zero_density::<f64>();
    zero_density::<f32>();
}

// ---- the location-scale surface (docs/math.md §9) -----------------------

api! {
    @both mixgrad_locscale_f64, mixgrad_locscale_f32,
    log_prob(x: *const Self, lp: *mut Self) =>
        mixgrad_locscale_log_prob_f64, mixgrad_locscale_log_prob_work_f64,
        mixgrad_locscale_log_prob_f32, mixgrad_locscale_log_prob_work_f32;
    log_prob_grad(x: *const Self, lp: *mut Self, gx: *mut Self, ga: *mut Self, gm: *mut Self,
                  gs: *mut Self) =>
        mixgrad_locscale_log_prob_grad_f64, mixgrad_locscale_log_prob_grad_work_f64,
        mixgrad_locscale_log_prob_grad_f32, mixgrad_locscale_log_prob_grad_work_f32;
    cdf(x: *const Self, u: *mut Self) =>
        mixgrad_locscale_cdf_f64, mixgrad_locscale_cdf_work_f64,
        mixgrad_locscale_cdf_f32, mixgrad_locscale_cdf_work_f32;
    quantile(u: *const Self, x: *mut Self) =>
        mixgrad_locscale_quantile_f64, mixgrad_locscale_quantile_work_f64,
        mixgrad_locscale_quantile_f32, mixgrad_locscale_quantile_work_f32;
    vjp(x: *const Self, xb: *const Self, a: *mut Self, m: *mut Self, s: *mut Self) =>
        mixgrad_locscale_vjp_f64, mixgrad_locscale_vjp_work_f64,
        mixgrad_locscale_vjp_f32, mixgrad_locscale_vjp_work_f32;
    jacobian(x: *const Self, jac: *mut Self) =>
        mixgrad_locscale_jacobian_f64, mixgrad_locscale_jacobian_work_f64,
        mixgrad_locscale_jacobian_f32, mixgrad_locscale_jacobian_work_f32;
    sample_quantile(rng: *mut mixgrad_rng, x: *mut Self, u: *mut Self) =>
        mixgrad_locscale_sample_quantile_f64, mixgrad_locscale_sample_quantile_work_f64,
        mixgrad_locscale_sample_quantile_f32, mixgrad_locscale_sample_quantile_work_f32;
    sample_ancestral(rng: *mut mixgrad_rng, x: *mut Self, c: *mut u32) =>
        mixgrad_locscale_sample_ancestral_f64, mixgrad_locscale_sample_ancestral_work_f64,
        mixgrad_locscale_sample_ancestral_f32, mixgrad_locscale_sample_ancestral_work_f32;
}

/// A precision with its location-scale struct.
trait LsApi: Api + mixgrad::Float
where
    Self: Calls<<Self as LsApi>::Ls>,
{
    type Ls: Copy;
    fn ls(family: u32, k: u32, d: u32, a: *const Self, m: *const Self, s: *const Self) -> Self::Ls;
    unsafe fn validate(m: *const Self::Ls) -> mixgrad_status;
}

macro_rules! ls_api {
    ($($t:ty: $ls:ident, $validate:ident;)*) => {$(
        impl LsApi for $t {
            type Ls = $ls;
            fn ls(family: u32, k: u32, d: u32, a: *const $t, m: *const $t, s: *const $t) -> $ls {
                $ls { family, num_components: k, num_dims: d, logits: a, locs: m, scales: s }
            }
            unsafe fn validate(m: *const $ls) -> mixgrad_status {
                unsafe { $validate(m) }
            }
        }
    )*};
}

ls_api! {
    f64: mixgrad_locscale_f64, mixgrad_locscale_validate_f64;
    f32: mixgrad_locscale_f32, mixgrad_locscale_validate_f32;
}

/// The C code of a family.
fn code_of<G: Family>() -> u32 {
    let at = FamilyKind::ALL.iter().position(|&k| k == G::KIND);
    at.unwrap() as u32
}

/// The core crate's mixture of the family `G` behind [`Calls`] (`work` is
/// ignored): what the locscale functions of that family must equal.
struct Core<'a, T, G> {
    mix: DiagMixtureRef<'a, T, G>,
    k: usize,
    d: usize,
}

impl<T: LsApi> Problem<T> {
    fn ls(&self, family: u32) -> T::Ls {
        let (k, d) = (self.k as u32, self.d as u32);
        let p = (self.logits.as_ptr(), self.means.as_ptr());
        T::ls(family, k, d, p.0, p.1, self.scales.as_ptr())
    }

    fn core<G: Family>(&self, family: G) -> Core<'_, T, G> {
        let (a, m, s) = (&self.logits, &self.means, &self.scales);
        let mix = DiagMixtureRef::of_family(family, a, m, s, self.d).unwrap();
        Core {
            mix,
            k: self.k,
            d: self.d,
        }
    }
}

/// `MIXGRAD_OK` after `write(value)`, or the error's status.
fn core_status<V>(r: Result<V, mixgrad::Error>, write: impl FnOnce(V)) -> mixgrad_status {
    r.map_or_else(mixgrad_status::from, |v| {
        write(v);
        MIXGRAD_OK
    })
}

/// # Safety
/// `p` must be valid for `n` reads (`n` writes for [`out`], if not NULL
/// for [`opt`]) and alias nothing else in use.
unsafe fn arr<'s, T>(p: *const T, n: usize) -> &'s [T] {
    unsafe { std::slice::from_raw_parts(p, n) }
}

unsafe fn out<'s, T>(p: *mut T, n: usize) -> &'s mut [T] {
    unsafe { std::slice::from_raw_parts_mut(p, n) }
}

unsafe fn opt<'s, T>(p: *mut T, n: usize) -> Option<&'s mut [T]> {
    (!p.is_null()).then(|| unsafe { out(p, n) })
}

type Work<T> = Option<(*mut T, usize)>;
type Of<'a, T, G> = *const Core<'a, T, G>;

impl<'a, T: LsApi, G: Family> Calls<Core<'a, T, G>> for T {
    unsafe fn log_prob(m: Of<'a, T, G>, x: *const T, lp: *mut T, _: Work<T>) -> mixgrad_status {
        let m = unsafe { &*m };
        core_status(m.mix.log_prob(unsafe { arr(x, m.d) }), |v| unsafe {
            *lp = v
        })
    }

    #[allow(clippy::too_many_arguments)]
    unsafe fn log_prob_grad(
        m: Of<'a, T, G>,
        x: *const T,
        lp: *mut T,
        gx: *mut T,
        ga: *mut T,
        gm: *mut T,
        gs: *mut T,
        _: Work<T>,
    ) -> mixgrad_status {
        let m = unsafe { &*m };
        let (k, d) = (m.k, m.d);
        let grad = unsafe {
            let (x, logits) = (opt(gx, d), opt(ga, k));
            let (means, scales) = (opt(gm, k * d), opt(gs, k * d));
            LogProbGrad {
                x,
                logits,
                means,
                scales,
            }
        };
        let r = m.mix.log_prob_grad(unsafe { arr(x, d) }, grad);
        core_status(r, |v| {
            unsafe { opt(lp, 1) }.into_iter().for_each(|l| l[0] = v)
        })
    }

    unsafe fn cdf(m: Of<'a, T, G>, x: *const T, u: *mut T, _: Work<T>) -> mixgrad_status {
        let m = unsafe { &*m };
        let (x, u) = unsafe { (arr(x, m.d), out(u, m.d)) };
        core_status(m.mix.cdf(x, u), drop)
    }

    unsafe fn quantile(m: Of<'a, T, G>, u: *const T, x: *mut T, _: Work<T>) -> mixgrad_status {
        let m = unsafe { &*m };
        let (u, x) = unsafe { (arr(u, m.d), out(x, m.d)) };
        core_status(m.mix.quantile(u, x), drop)
    }

    unsafe fn vjp(
        m: Of<'a, T, G>,
        x: *const T,
        xb: *const T,
        a: *mut T,
        mu: *mut T,
        s: *mut T,
        _: Work<T>,
    ) -> mixgrad_status {
        let m = unsafe { &*m };
        let (kd, d) = (m.k * m.d, m.d);
        let (x, xb) = unsafe { (arr(x, d), arr(xb, d)) };
        let (a, mu, s) = unsafe { (out(a, m.k), out(mu, kd), out(s, kd)) };
        core_status(m.mix.vjp(x, xb, a, mu, s), drop)
    }

    unsafe fn jacobian(m: Of<'a, T, G>, x: *const T, jac: *mut T, _: Work<T>) -> mixgrad_status {
        let m = unsafe { &*m };
        let rows = m.d * (m.k + 2 * m.k * m.d);
        let (x, jac) = unsafe { (arr(x, m.d), out(jac, rows)) };
        core_status(m.mix.jacobian(x, jac), drop)
    }

    unsafe fn sample_quantile(
        m: Of<'a, T, G>,
        rng: *mut mixgrad_rng,
        x: *mut T,
        u: *mut T,
        _: Work<T>,
    ) -> mixgrad_status {
        let m = unsafe { &*m };
        let (rng, x, u) = unsafe { (&mut *rng, out(x, m.d), opt(u, m.d)) };
        core_status(m.mix.sample_quantile(rng, x, u), drop)
    }

    unsafe fn sample_ancestral(
        m: Of<'a, T, G>,
        rng: *mut mixgrad_rng,
        x: *mut T,
        c: *mut u32,
        _: Work<T>,
    ) -> mixgrad_status {
        let m = unsafe { &*m };
        let (rng, x) = unsafe { (&mut *rng, out(x, m.d)) };
        let write = |k: usize| {
            unsafe { opt(c, 1) }
                .into_iter()
                .for_each(|c| c[0] = k as u32)
        };
        core_status(m.mix.sample_ancestral(rng, x), write)
    }
}

/// Shapes and seeds of the comparisons: `K` up to 64, `D` up to 4.
fn ls_cases() -> impl Iterator<Item = (usize, usize, u64)> {
    // Miri checks the buffer handling on a few; the values need not all.
    let seeds = if cfg!(miri) { 2 } else { 24 };
    (0..seeds).map(|seed| (1 + (seed as usize * 7) % 64, 1 + seed as usize % 4, seed))
}

/// Every locscale call of the family `code` on `p`, stack and `_work`
/// (on exactly `mixgrad_diag_work_len(K)` poisoned values), must be `want`.
fn ls_equals<T: LsApi>(p: &Problem<T>, code: u32, want: &(Vec<mixgrad_status>, Vec<u64>)) {
    let m = p.ls(code);
    let mut work = vec![T::poison(); mixgrad_diag_work_len(p.k as u32)];
    let on_work = run_on(p, &m, Some((work.as_mut_ptr(), work.len())));
    let what = format!("family {code}, K={} D={}", p.k, p.d);
    assert!(
        want.0.iter().all(|&s| s == MIXGRAD_OK),
        "{what}: {:?}",
        want.0
    );
    assert_eq!(&run_on(p, &m, None), want, "{what}");
    assert_eq!(&on_work, want, "{what}, _work");
    assert_eq!(unsafe { T::validate(&m) }, MIXGRAD_OK, "{what}");
}

fn gaussian_is_diag<T: LsApi>() {
    for (k, d, seed) in ls_cases() {
        let p = Problem::<T>::random(k, d, seed);
        ls_equals(&p, MIXGRAD_FAMILY_GAUSSIAN, &run_all(&p, None));
    }
}

#[test]
fn locscale_gaussian_is_the_diag_surface_bit_for_bit() {
    gaussian_is_diag::<f64>();
    // One precision under Miri, as for the refusals of full covariance.
    if !cfg!(miri) {
        gaussian_is_diag::<f32>();
    }
}

fn family_is_core<T: LsApi, G: Family>(family: G) {
    for (k, d, seed) in ls_cases() {
        let p = Problem::<T>::random(k, d, seed);
        ls_equals(&p, code_of::<G>(), &run_on(&p, &p.core(family), None));
    }
}

fn families_are_core<T: LsApi>() {
    family_is_core::<T, _>(Logistic);
    // The C layer's pointer handling does not depend on the family (it
    // only picks the core's instance): Miri, which is there for that
    // handling, runs one family.
    if !cfg!(miri) {
        family_is_core::<T, _>(Gaussian);
        family_is_core::<T, _>(Laplace);
        family_is_core::<T, _>(Cauchy);
    }
}

#[test]
fn locscale_families_are_the_core_crate_bit_for_bit() {
    families_are_core::<f64>();
    families_are_core::<f32>();
}

#[test]
fn family_codes_are_the_cores() {
    let codes = [
        MIXGRAD_FAMILY_GAUSSIAN,
        MIXGRAD_FAMILY_LOGISTIC,
        MIXGRAD_FAMILY_LAPLACE,
        MIXGRAD_FAMILY_CAUCHY,
    ];
    assert_eq!(codes, [0, 1, 2, 3]);
    let kinds = codes.map(|c| FamilyKind::from_code(c).unwrap());
    assert_eq!(kinds, FamilyKind::ALL);
    assert_eq!([code_of::<Gaussian>(), code_of::<Logistic>()], [0, 1]);
    assert_eq!([code_of::<Laplace>(), code_of::<Cauchy>()], [2, 3]);
    assert_eq!(MIXGRAD_ERR_UNKNOWN_FAMILY as u32, 21);
    assert_eq!(name(21), "MIXGRAD_ERR_UNKNOWN_FAMILY");
}

/// Every locscale operation on `m` (and `validate`) refuses with `want`
/// and writes nothing: the outputs and generators are `untouched`.
fn ls_refused<T: LsApi>(p: &Problem<T>, m: *const T::Ls, work: Work<T>, want: mixgrad_status) {
    let (statuses, bits) = run_on(p, m, work);
    assert!(
        statuses.iter().all(|&s| s == want),
        "{statuses:?}, want {want:?}"
    );
    let (nulls, untouched) = run_on(p, null::<T::Ls>(), None);
    assert!(nulls.iter().all(|&s| s == MIXGRAD_ERR_NULL_POINTER));
    assert_eq!(bits, untouched, "{want:?}");
    if work.is_none() {
        assert_eq!(unsafe { T::validate(m) }, want);
    }
}

/// Mixture-level refusals of the family `code`: each bad pointer, shape
/// or parameter value, through every function.
fn ls_mixture_refusals<T: LsApi>(code: u32) {
    let p = Problem::<T>::random(3, 2, 9);
    let refused = |m: T::Ls, want| ls_refused(&p, &m, None, want);
    let mk = |k, d, a, mu, s| T::ls(code, k, d, a, mu, s);
    let (a, mu, s) = (p.logits.as_ptr(), p.means.as_ptr(), p.scales.as_ptr());
    let mis = |q: *const T| q.cast::<u8>().wrapping_add(1).cast::<T>();
    refused(mk(3, 2, null(), mu, s), MIXGRAD_ERR_NULL_POINTER);
    refused(mk(3, 2, a, null(), s), MIXGRAD_ERR_NULL_POINTER);
    refused(mk(3, 2, a, mu, null()), MIXGRAD_ERR_NULL_POINTER);
    refused(mk(3, 2, a, mis(mu), s), MIXGRAD_ERR_MISALIGNED_POINTER);
    refused(mk(3, 2, a, mu, mis(s)), MIXGRAD_ERR_MISALIGNED_POINTER);
    refused(mk(0, 2, a, mu, s), MIXGRAD_ERR_NO_COMPONENTS);
    refused(mk(3, 0, a, mu, s), MIXGRAD_ERR_NO_DIMENSIONS);
    refused(mk(65, 2, a, mu, s), MIXGRAD_ERR_TOO_MANY_COMPONENTS);
    let (inf, nan) = (f64::INFINITY, f64::NAN);
    for (array, i, v, want) in [
        (0, 1, nan, MIXGRAD_ERR_NAN_LOGIT),
        (0, 2, inf, MIXGRAD_ERR_INFINITE_LOGIT),
        (1, 5, -inf, MIXGRAD_ERR_NONFINITE_MEAN),
        (1, 0, nan, MIXGRAD_ERR_NONFINITE_MEAN),
        (2, 3, nan, MIXGRAD_ERR_NONFINITE_SCALE),
        (2, 4, -0.0, MIXGRAD_ERR_NONPOSITIVE_SCALE),
        (2, 0, -1.0, MIXGRAD_ERR_NONPOSITIVE_SCALE),
    ] {
        let mut arrays = [p.logits.clone(), p.means.clone(), p.scales.clone()];
        arrays[array][i] = T::of(v);
        let [a, mu, s] = [0, 1, 2].map(|j| arrays[j].as_ptr());
        refused(mk(3, 2, a, mu, s), want);
    }
    let none = [T::of(f64::NEG_INFINITY); 3];
    refused(
        mk(3, 2, none.as_ptr(), mu, s),
        MIXGRAD_ERR_NO_ACTIVE_COMPONENT,
    );
    let need = mixgrad_diag_work_len(3);
    let mut work = vec![T::poison(); need];
    let short = Some((work.as_mut_ptr(), need - 1));
    ls_refused(&p, &p.ls(code), short, MIXGRAD_ERR_SHORT_WORKSPACE);
    assert!(is_poisoned(&work));
}

/// The struct itself: NULL, misaligned, or an unknown family, which is
/// checked right after `mix` (before its arrays, shape and `work`).
fn ls_struct_refusals<T: LsApi>() {
    let p = Problem::<T>::random(3, 2, 9);
    let refused = |m: *const T::Ls, want| ls_refused(&p, m, None, want);
    refused(null(), MIXGRAD_ERR_NULL_POINTER);
    let buf = [0u64; 8];
    refused(
        buf.as_ptr().cast::<u8>().wrapping_add(1).cast(),
        MIXGRAD_ERR_MISALIGNED_POINTER,
    );
    let unknown = MIXGRAD_ERR_UNKNOWN_FAMILY;
    for family in [4, 5, 255, u32::MAX] {
        refused(&p.ls(family), unknown);
        refused(&T::ls(family, 0, 0, null(), null(), null()), unknown);
        ls_refused(&p, &p.ls(family), Some((null_mut(), 0)), unknown);
    }
}

fn ls_refusals<T: LsApi>() {
    ls_struct_refusals::<T>();
    // One family under Miri, as in `families_are_core`.
    let codes = if cfg!(miri) { 1..2 } else { 0..4 };
    for code in codes {
        ls_mixture_refusals::<T>(code);
        ls_input_refusals::<T>(code);
        ls_size_and_gap::<T>(code);
    }
}

#[test]
fn locscale_refusals_write_nothing() {
    ls_refusals::<f64>();
    ls_refusals::<f32>();
}

/// The per-call inputs of the family `code`, one function at a time: `x`,
/// `u`, `x_bar`, the generator, NULL inputs and overlap, each refused with
/// every output (poisoned) untouched.
fn ls_input_refusals<T: LsApi>(code: u32) {
    let p = Problem::<T>::random(3, 2, 10);
    let m = p.ls(code);
    let (k, kd) = (3, 6);
    let mut o = poisoned::<T>(2 * (k + 2 * kd));
    let at = o.as_mut_ptr();
    let (x, xb) = (p.x.as_ptr(), p.x_bar.as_ptr());
    let nan_x = [p.x[0], T::of(f64::NAN)];
    let inf_xb = [T::of(f64::INFINITY), p.x_bar[1]];
    let nan_x = nan_x.as_ptr();
    let check = |status: mixgrad_status, want, what: &str| {
        assert_eq!(status, want, "family {code}: {what}");
        assert!(is_poisoned(&o), "family {code}: {what}: written");
    };
    let nonfinite_x = MIXGRAD_ERR_NONFINITE_X;
    let (mut zero, mut comp) = (mixgrad_rng { state: [0; 4] }, u32::MAX);
    unsafe {
        check(
            <T as Calls<T::Ls>>::cdf(&m, nan_x, at, None),
            nonfinite_x,
            "cdf",
        );
        check(
            <T as Calls<T::Ls>>::log_prob(&m, nan_x, at, None),
            nonfinite_x,
            "log_prob",
        );
        let status = <T as Calls<T::Ls>>::log_prob_grad(
            &m,
            nan_x,
            at,
            at.add(1),
            at.add(3),
            at.add(6),
            at.add(12),
            None,
        );
        check(status, nonfinite_x, "log_prob_grad");
        check(
            <T as Calls<T::Ls>>::jacobian(&m, nan_x, at, None),
            nonfinite_x,
            "jacobian",
        );
        let bars = (at, at.add(k), at.add(k + kd));
        let status = <T as Calls<T::Ls>>::vjp(&m, nan_x, xb, bars.0, bars.1, bars.2, None);
        check(status, nonfinite_x, "vjp x");
        let status = <T as Calls<T::Ls>>::vjp(&m, x, inf_xb.as_ptr(), bars.0, bars.1, bars.2, None);
        check(status, MIXGRAD_ERR_NONFINITE_COTANGENT, "vjp x_bar");
        let overlap = at.add(k + kd - 1);
        let status = <T as Calls<T::Ls>>::vjp(&m, x, xb, bars.0, bars.1, overlap, None);
        check(status, MIXGRAD_ERR_OVERLAPPING_BUFFERS, "vjp overlap");
        for bad in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            let u = [p.u[0], T::of(bad)];
            let status = <T as Calls<T::Ls>>::quantile(&m, u.as_ptr(), at, None);
            check(status, MIXGRAD_ERR_U_OUT_OF_RANGE, "quantile u");
        }
        let status = <T as Calls<T::Ls>>::sample_quantile(&m, &mut zero, at, at.add(2), None);
        check(status, MIXGRAD_ERR_UNSEEDED_RNG, "sample_quantile");
        let status = <T as Calls<T::Ls>>::sample_ancestral(&m, &mut zero, at, &mut comp, None);
        check(status, MIXGRAD_ERR_UNSEEDED_RNG, "sample_ancestral");
        check(
            <T as Calls<T::Ls>>::cdf(&m, null(), at, None),
            MIXGRAD_ERR_NULL_POINTER,
            "cdf x",
        );
        let status = <T as Calls<T::Ls>>::quantile(&m, p.u.as_ptr(), null_mut(), None);
        check(status, MIXGRAD_ERR_NULL_POINTER, "quantile x");
    }
    assert_eq!((zero.state, comp), ([0; 4], u32::MAX), "a refusal drew");
    // In place: u over x.
    let mut xs = p.x.clone();
    let status = unsafe { <T as Calls<T::Ls>>::cdf(&m, xs.as_ptr(), xs.as_mut_ptr(), None) };
    assert_eq!(status, MIXGRAD_ERR_OVERLAPPING_BUFFERS);
    assert_eq!(bits_of(&xs), bits_of(&p.x));
}

/// The Jacobian's size overflows before any array is read, and a point
/// deep in a gap between two components has no representable density
/// (but for the Cauchy, whose tails are heavy enough).
fn ls_size_and_gap<T: LsApi>(code: u32) {
    let one = [T::of(0.0)];
    let huge = T::ls(code, 1, u32::MAX, one.as_ptr(), one.as_ptr(), one.as_ptr());
    let mut jac = poisoned::<T>(1);
    let status =
        unsafe { <T as Calls<T::Ls>>::jacobian(&huge, one.as_ptr(), jac.as_mut_ptr(), None) };
    assert_eq!(status, MIXGRAD_ERR_SIZE_OVERFLOW);
    let (logits, locs, scales) = ([T::of(0.0); 2], [T::of(-1e3), T::of(1e3)], [T::of(1.0); 2]);
    let m = T::ls(code, 2, 1, logits.as_ptr(), locs.as_ptr(), scales.as_ptr());
    let (x, xb, mut bars) = ([T::of(0.0)], [T::of(1.0)], poisoned::<T>(6));
    let b = bars.as_mut_ptr();
    let status = unsafe {
        <T as Calls<T::Ls>>::vjp(&m, x.as_ptr(), xb.as_ptr(), b, b.add(2), b.add(4), None)
    };
    if code == MIXGRAD_FAMILY_CAUCHY {
        assert_eq!(status, MIXGRAD_OK);
    } else {
        refused_with(status, MIXGRAD_ERR_ZERO_DENSITY, &bars, "vjp in a gap");
    }
}

/// `status` must be `want`, and `outputs` still poisoned.
fn refused_with<T: Api>(status: mixgrad_status, want: mixgrad_status, outputs: &[T], what: &str) {
    assert_eq!(status, want, "{what}");
    assert!(is_poisoned(outputs), "{what}: written");
}
