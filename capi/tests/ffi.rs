//! The C ABI called from Rust: it must be a faithful, thin wrapper (results
//! bit-identical to the core crate), its generator must be the documented
//! xoshiro256++ stream, and every check must refuse without writing.
//! (`ffi-tests/` drives the same functions from C and C++ against the
//! high-precision reference vectors.)

use core::ffi::CStr;
use core::ptr::{null, null_mut};

use mixgrad::{DiagMixtureRef, LogProbGrad, RngCore, SeedableRng, Xoshiro256PlusPlus};
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
fn every_status_has_its_header_name_and_value() {
    let header = include_str!(concat!(env!("OUT_DIR"), "/include/mixgrad.h"));
    let mut seen = std::collections::HashSet::new();
    for value in 0..1024u32 {
        let n = name(value);
        if n == "MIXGRAD_UNKNOWN_STATUS" {
            continue;
        }
        assert!(seen.insert(n), "{n} names two values");
        assert!(
            header.contains(&format!("    {n} = {value},")),
            "{n} = {value} is not in the header"
        );
    }
    // Every enumerator in the header has a name here.
    let enumerators = header.matches("    MIXGRAD_").count();
    assert_eq!(seen.len(), enumerators);
    assert_eq!(seen.len(), mixgrad_status::all().len());
    for &s in mixgrad_status::all() {
        assert_eq!(name(s as u32), s.name().to_str().unwrap());
        assert_eq!(mixgrad_status::from_u32(s as u32), Some(s));
    }
    assert_eq!(name(0), "MIXGRAD_OK");
    assert_eq!(name(u32::MAX), "MIXGRAD_UNKNOWN_STATUS");
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
        .wrapping_add(if bytes.as_ptr() as usize % 8 == 0 {
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

// ---- the `_work` forms against the stack forms -------------------------

/// Declares `Api`, every diag operation of one precision behind one name:
/// `work` `None` calls the stack form, `Some((work, work_len))` the `_work`
/// form, with the same other arguments.
macro_rules! api {
    ($($op:ident($($arg:ident: $ty:ty),*) => $s64:ident, $w64:ident, $s32:ident, $w32:ident;)*) => {
        trait Api: Copy + 'static {
            type Mix;
            fn mix(k: u32, d: u32, a: *const Self, m: *const Self, s: *const Self) -> Self::Mix;
            fn of(v: f64) -> Self;
            /// A quiet NaN with a payload no computation produces, from its
            /// bits: converting a NaN with `as` may change its payload
            /// (Miri picks one at random), so poison is never converted.
            fn poison() -> Self;
            fn bits(self) -> u64;
            $(#[allow(clippy::too_many_arguments)]
            unsafe fn $op(
                m: *const Self::Mix, $($arg: $ty,)* work: Option<(*mut Self, usize)>,
            ) -> mixgrad_status;)*
        }
        api!(@impl f64, mixgrad_diag_f64, $($op($($arg: $ty),*) => $s64, $w64;)*);
        api!(@impl f32, mixgrad_diag_f32, $($op($($arg: $ty),*) => $s32, $w32;)*);
    };
    (@impl $t:ty, $mix:ident, $($op:ident($($arg:ident: $ty:ty),*) => $s:ident, $w:ident;)*) => {
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
    let (k, d, m) = (p.k, p.d, p.mix());
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
            T::log_prob(&m, x, at(0), work),
            T::log_prob_grad(
                &m,
                x,
                lpg,
                at(2),
                at(grads),
                at(grads + k),
                at(grads + k + kd),
                work,
            ),
            T::cdf(&m, x, at(smp), work),
            T::quantile(&m, u, at(smp + d), work),
            T::vjp(&m, x, xb, at(vjp), at(vjp + k), at(vjp + k + kd), work),
            T::jacobian(&m, x, at(jac), work),
            T::sample_quantile(&m, &mut r1, at(smp + 2 * d), at(smp + 3 * d), work),
            T::sample_ancestral(&m, &mut r2, at(smp + 4 * d), &mut c, work),
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
