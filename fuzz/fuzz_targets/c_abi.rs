//! The C ABI on arbitrary problems, called through the exported `extern "C"`
//! symbols (declared here as a C program would, status read as a plain
//! `uint32_t`), against the Rust API as the oracle.
//!
//! One call, `cdf`, also runs on a caller's workspace (its `_work` form,
//! without faults) against the Rust API's workspace form.
//!
//! Properties: no crash and no UB (the build runs under AddressSanitizer);
//! the status is the C code of the Rust API's error, or the pointer fault
//! the flags inject (a NULL pointer, an output overlapping another buffer);
//! on error every output and the generator are untouched, bit for bit; on
//! success the outputs are bit-identical to the Rust API's.
//!
//! Fault selector, bits 3..7 of the flag byte: 0..=15 none, 16..=23 the
//! `n`-th pointer argument is NULL, 24..=31 the first output aliases an
//! input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mixgrad::{DiagMixtureRef, Error, SeedableRng, Xoshiro256PlusPlus};
use mixgrad_capi::{
    mixgrad_diag_f32, mixgrad_diag_f64, mixgrad_diag_work_len, mixgrad_rng, mixgrad_status,
};
use mixgrad_fuzz::{
    decode, poisoned, remember, same_bits, show_problem_on_panic, untouched, Problem, Real,
    FLAG_F32,
};

/// The C declarations, with the status as the `uint32_t` a C caller sees.
macro_rules! c_api {
    ($f:ty, $mix:ty, $cdf:ident, $quantile:ident, $vjp:ident, $jac:ident, $lp:ident,
     $sq:ident, $sa:ident, $cdf_work:ident) => {
        extern "C" {
            fn $cdf(mix: *const $mix, x: *const $f, u: *mut $f) -> u32;
            fn $cdf_work(mix: *const $mix, x: *const $f, u: *mut $f, w: *mut $f, n: usize) -> u32;
            fn $quantile(mix: *const $mix, u: *const $f, x: *mut $f) -> u32;
            fn $vjp(
                mix: *const $mix,
                x: *const $f,
                x_bar: *const $f,
                a: *mut $f,
                m: *mut $f,
                s: *mut $f,
            ) -> u32;
            fn $jac(mix: *const $mix, x: *const $f, jac: *mut $f) -> u32;
            fn $lp(mix: *const $mix, x: *const $f, lp: *mut $f) -> u32;
            fn $sq(mix: *const $mix, rng: *mut mixgrad_rng, x: *mut $f, u: *mut $f) -> u32;
            fn $sa(mix: *const $mix, rng: *mut mixgrad_rng, x: *mut $f, c: *mut u32) -> u32;
        }

        impl CApi for $f {
            type Mix = $mix;
            fn mix(k: u32, d: u32, a: *const $f, m: *const $f, s: *const $f) -> $mix {
                <$mix>::from_parts(k, d, a, m, s)
            }
            unsafe fn cdf(mix: *const $mix, x: *const $f, u: *mut $f) -> u32 {
                unsafe { $cdf(mix, x, u) }
            }
            unsafe fn cdf_work(
                mix: *const $mix,
                x: *const $f,
                u: *mut $f,
                w: *mut $f,
                n: usize,
            ) -> u32 {
                unsafe { $cdf_work(mix, x, u, w, n) }
            }
            unsafe fn quantile(mix: *const $mix, u: *const $f, x: *mut $f) -> u32 {
                unsafe { $quantile(mix, u, x) }
            }
            unsafe fn vjp(
                mix: *const $mix,
                x: *const $f,
                xb: *const $f,
                a: *mut $f,
                m: *mut $f,
                s: *mut $f,
            ) -> u32 {
                unsafe { $vjp(mix, x, xb, a, m, s) }
            }
            unsafe fn jacobian(mix: *const $mix, x: *const $f, jac: *mut $f) -> u32 {
                unsafe { $jac(mix, x, jac) }
            }
            unsafe fn log_prob(mix: *const $mix, x: *const $f, lp: *mut $f) -> u32 {
                unsafe { $lp(mix, x, lp) }
            }
            unsafe fn sample_quantile(
                mix: *const $mix,
                rng: *mut mixgrad_rng,
                x: *mut $f,
                u: *mut $f,
            ) -> u32 {
                unsafe { $sq(mix, rng, x, u) }
            }
            unsafe fn sample_ancestral(
                mix: *const $mix,
                rng: *mut mixgrad_rng,
                x: *mut $f,
                c: *mut u32,
            ) -> u32 {
                unsafe { $sa(mix, rng, x, c) }
            }
        }
    };
}

trait FromParts<F> {
    fn from_parts(k: u32, d: u32, a: *const F, m: *const F, s: *const F) -> Self;
}

impl FromParts<f64> for mixgrad_diag_f64 {
    fn from_parts(k: u32, d: u32, a: *const f64, m: *const f64, s: *const f64) -> Self {
        mixgrad_diag_f64 {
            num_components: k,
            num_dims: d,
            logits: a,
            means: m,
            scales: s,
        }
    }
}

impl FromParts<f32> for mixgrad_diag_f32 {
    fn from_parts(k: u32, d: u32, a: *const f32, m: *const f32, s: *const f32) -> Self {
        mixgrad_diag_f32 {
            num_components: k,
            num_dims: d,
            logits: a,
            means: m,
            scales: s,
        }
    }
}

#[allow(clippy::missing_safety_doc)]
trait CApi: Real {
    type Mix;
    fn mix(k: u32, d: u32, a: *const Self, m: *const Self, s: *const Self) -> Self::Mix;
    unsafe fn cdf(mix: *const Self::Mix, x: *const Self, u: *mut Self) -> u32;
    unsafe fn cdf_work(
        mix: *const Self::Mix,
        x: *const Self,
        u: *mut Self,
        w: *mut Self,
        n: usize,
    ) -> u32;
    unsafe fn quantile(mix: *const Self::Mix, u: *const Self, x: *mut Self) -> u32;
    unsafe fn vjp(
        mix: *const Self::Mix,
        x: *const Self,
        xb: *const Self,
        a: *mut Self,
        m: *mut Self,
        s: *mut Self,
    ) -> u32;
    unsafe fn jacobian(mix: *const Self::Mix, x: *const Self, jac: *mut Self) -> u32;
    unsafe fn log_prob(mix: *const Self::Mix, x: *const Self, lp: *mut Self) -> u32;
    unsafe fn sample_quantile(
        mix: *const Self::Mix,
        rng: *mut mixgrad_rng,
        x: *mut Self,
        u: *mut Self,
    ) -> u32;
    unsafe fn sample_ancestral(
        mix: *const Self::Mix,
        rng: *mut mixgrad_rng,
        x: *mut Self,
        c: *mut u32,
    ) -> u32;
}

c_api!(
    f64,
    mixgrad_diag_f64,
    mixgrad_diag_cdf_f64,
    mixgrad_diag_quantile_f64,
    mixgrad_diag_vjp_f64,
    mixgrad_diag_jacobian_f64,
    mixgrad_diag_log_prob_f64,
    mixgrad_diag_sample_quantile_f64,
    mixgrad_diag_sample_ancestral_f64,
    mixgrad_diag_cdf_work_f64
);
c_api!(
    f32,
    mixgrad_diag_f32,
    mixgrad_diag_cdf_f32,
    mixgrad_diag_quantile_f32,
    mixgrad_diag_vjp_f32,
    mixgrad_diag_jacobian_f32,
    mixgrad_diag_log_prob_f32,
    mixgrad_diag_sample_quantile_f32,
    mixgrad_diag_sample_ancestral_f32,
    mixgrad_diag_cdf_work_f32
);

const OK: u32 = mixgrad_status::MIXGRAD_OK as u32;
const NULL_POINTER: u32 = mixgrad_status::MIXGRAD_ERR_NULL_POINTER as u32;
const OVERLAPPING_BUFFERS: u32 = mixgrad_status::MIXGRAD_ERR_OVERLAPPING_BUFFERS as u32;

/// The C code of a Rust error: the C layer's own mapping (generated from
/// the one status list in capi/src/status.rs), which must know every error
/// the Rust API returns here.
fn code(e: Error) -> u32 {
    let status = mixgrad_status::from(e);
    assert_ne!(
        status,
        mixgrad_status::MIXGRAD_ERR_INTERNAL,
        "{:?} has no C code",
        e.kind()
    );
    status as u32
}

fn status(r: Result<(), Error>) -> u32 {
    r.map_or_else(code, |()| OK)
}

/// The injected pointer fault.
#[derive(Clone, Copy, PartialEq)]
enum Fault {
    None,
    Null(usize),
    Alias,
}

fuzz_target!(init: show_problem_on_panic(), |data: &[u8]| {
    remember(data);
    let flags = data.first().copied().unwrap_or(0);
    let fault = match flags >> 3 {
        0..=15 => Fault::None,
        n @ 16..=23 => Fault::Null(usize::from(n - 16)),
        _ => Fault::Alias,
    };
    if flags & FLAG_F32 != 0 {
        check(&decode::<f32>(data), fault);
    } else {
        check(&decode::<f64>(data), fault);
    }
});

/// `p` unless the fault nulls pointer `i` of the call.
fn arg<T>(fault: Fault, i: usize, n: usize, p: *const T) -> *const T {
    if matches!(fault, Fault::Null(j) if j % n == i) {
        core::ptr::null()
    } else {
        p
    }
}

fn arg_mut<T>(fault: Fault, i: usize, n: usize, p: *mut T) -> *mut T {
    if matches!(fault, Fault::Null(j) if j % n == i) {
        core::ptr::null_mut()
    } else {
        p
    }
}

fn check<F: CApi>(p: &Problem<F>, fault: Fault) {
    let (k, d) = (p.k, p.d);
    let view = DiagMixtureRef::new(&p.logits, &p.means, &p.scales, d);
    // K ≤ 65 and D ≤ 1024 by construction: the casts are exact.
    let (k32, d32) = (k as u32, d as u32);
    let shape_ok = k >= 1 && d >= 1 && k <= mixgrad::MAX_COMPONENTS;
    // The mixture's own arrays count as pointers 1..=3 after the struct.
    let mix_for = |n: usize| {
        F::mix(
            k32,
            d32,
            arg(fault, 1, n, p.logits.as_ptr()),
            arg(fault, 2, n, p.means.as_ptr()),
            arg(fault, 3, n, p.scales.as_ptr()),
        )
    };
    // Expected status: an injected NULL first, then shape, then an injected
    // overlap, then whatever the Rust API reports.
    let expect = |aliasable: bool, rust: u32| -> u32 {
        match fault {
            Fault::Null(_) => NULL_POINTER,
            Fault::Alias if aliasable && shape_ok => OVERLAPPING_BUFFERS,
            _ => rust,
        }
    };
    let alias = fault == Fault::Alias;

    // cdf: pointers mix, a, m, s, x, u.
    {
        let n = 6;
        let mix = mix_for(n);
        let mut u = poisoned::<F>(d);
        let mut x = p.x.clone();
        let out = if alias {
            x.as_mut_ptr()
        } else {
            u.as_mut_ptr()
        };
        let got = unsafe {
            F::cdf(
                arg(fault, 0, n, &mix),
                arg(fault, 4, n, x.as_ptr()),
                arg_mut(fault, 5, n, out),
            )
        };
        let mut want_u = vec![F::ZERO; d];
        let rust = view.and_then(|v| v.cdf(&p.x, &mut want_u));
        let want = expect(d > 0, status(rust));
        assert_eq!(got, want, "cdf status");
        assert!(same_bits(&x, &p.x), "cdf wrote its input");
        if got == OK {
            assert!(same_bits(&u, &want_u), "cdf differs from the Rust API");
        } else {
            assert!(untouched(&u));
        }
    }

    // cdf on a caller's workspace, without faults: the Rust API's workspace
    // form on an unbounded view (so K = 65, refused above, works here).
    {
        let mix = F::mix(
            k32,
            d32,
            p.logits.as_ptr(),
            p.means.as_ptr(),
            p.scales.as_ptr(),
        );
        let mut u = poisoned::<F>(d);
        let mut work = poisoned::<F>(mixgrad_diag_work_len(k32));
        let (w, n) = (work.as_mut_ptr(), work.len());
        let got = unsafe { F::cdf_work(&mix, p.x.as_ptr(), u.as_mut_ptr(), w, n) };
        let (mut want_u, mut scratch) = (vec![F::ZERO; d], vec![F::ZERO; n]);
        let rust = DiagMixtureRef::new_unbounded(&p.logits, &p.means, &p.scales, d)
            .and_then(|v| v.with_workspace(&mut scratch)?.cdf(&p.x, &mut want_u));
        assert_eq!(got, status(rust), "cdf_work status");
        if got == OK {
            assert!(same_bits(&u, &want_u), "cdf_work differs from the Rust API");
        } else {
            assert!(untouched(&u));
        }
    }

    // quantile: pointers mix, a, m, s, u, x.
    {
        let n = 6;
        let mix = mix_for(n);
        let mut x = poisoned::<F>(d);
        let mut u = p.u.clone();
        let out = if alias {
            u.as_mut_ptr()
        } else {
            x.as_mut_ptr()
        };
        let got = unsafe {
            F::quantile(
                arg(fault, 0, n, &mix),
                arg(fault, 4, n, u.as_ptr()),
                arg_mut(fault, 5, n, out),
            )
        };
        let mut want_x = vec![F::ZERO; d];
        let rust = view.and_then(|v| v.quantile(&p.u, &mut want_x));
        assert_eq!(got, expect(d > 0, status(rust)), "quantile status");
        assert!(same_bits(&u, &p.u), "quantile wrote its input");
        if got == OK {
            assert!(same_bits(&x, &want_x), "quantile differs from the Rust API");
        } else {
            assert!(untouched(&x));
        }
    }

    // log_prob: pointers mix, a, m, s, x, out.
    {
        let n = 6;
        let mix = mix_for(n);
        let mut lp = [F::poison()];
        let got = unsafe {
            F::log_prob(
                arg(fault, 0, n, &mix),
                arg(fault, 4, n, p.x.as_ptr()),
                arg_mut(fault, 5, n, lp.as_mut_ptr()),
            )
        };
        let rust = view.and_then(|v| v.log_prob(&p.x));
        assert_eq!(
            got,
            expect(false, status(rust.map(|_| ()))),
            "log_prob status"
        );
        match rust {
            Ok(v) if got == OK => assert_eq!(lp[0].bits(), v.bits()),
            _ => assert!(untouched(&lp)),
        }
    }

    // vjp: pointers mix, a, m, s, x, x̄, ā, μ̄, σ̄.
    {
        let n = 9;
        let mix = mix_for(n);
        let (mut a, mut m, mut s) = (poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d));
        // σ̄ aliasing μ̄ (same length K·D) is an output/output overlap.
        let s_ptr = if alias {
            m.as_mut_ptr()
        } else {
            s.as_mut_ptr()
        };
        let got = unsafe {
            F::vjp(
                arg(fault, 0, n, &mix),
                arg(fault, 4, n, p.x.as_ptr()),
                arg(fault, 5, n, p.x_bar.as_ptr()),
                arg_mut(fault, 6, n, a.as_mut_ptr()),
                arg_mut(fault, 7, n, m.as_mut_ptr()),
                arg_mut(fault, 8, n, s_ptr),
            )
        };
        let (mut wa, mut wm, mut ws) =
            (vec![F::ZERO; k], vec![F::ZERO; k * d], vec![F::ZERO; k * d]);
        let rust = view.and_then(|v| v.vjp(&p.x, &p.x_bar, &mut wa, &mut wm, &mut ws));
        assert_eq!(got, expect(k * d > 0, status(rust)), "vjp status");
        if got == OK {
            assert!(same_bits(&a, &wa) && same_bits(&m, &wm) && same_bits(&s, &ws));
        } else {
            assert!(untouched(&a) && untouched(&m) && untouched(&s));
        }
    }

    // jacobian (small problems): pointers mix, a, m, s, x, jac.
    if d <= 8 {
        let n = 6;
        let mix = mix_for(n);
        let len = d * (k + 2 * k * d);
        let mut jac = poisoned::<F>(len);
        let mut x = p.x.clone();
        let out = if alias {
            x.as_mut_ptr()
        } else {
            jac.as_mut_ptr()
        };
        let got = unsafe {
            F::jacobian(
                arg(fault, 0, n, &mix),
                arg(fault, 4, n, x.as_ptr()),
                arg_mut(fault, 5, n, out),
            )
        };
        let mut want = vec![F::ZERO; len];
        let rust = view.and_then(|v| v.jacobian(&p.x, &mut want));
        assert_eq!(got, expect(d > 0, status(rust)), "jacobian status");
        assert!(same_bits(&x, &p.x));
        if got == OK {
            assert!(same_bits(&jac, &want));
        } else {
            assert!(untouched(&jac));
        }
    }

    // Samplers: pointers mix, a, m, s, rng, x (u and the component are
    // optional outputs; the alias fault points u at x).
    {
        let n = 6;
        let mix = mix_for(n);
        let start = mixgrad_rng::from_seed(p.seed);
        let mut rng = start;
        let (mut x, mut u) = (poisoned::<F>(d), poisoned::<F>(d));
        let u_ptr = if alias {
            x.as_mut_ptr()
        } else {
            u.as_mut_ptr()
        };
        let got = unsafe {
            F::sample_quantile(
                arg(fault, 0, n, &mix),
                arg_mut(fault, 4, n, &mut rng),
                arg_mut(fault, 5, n, x.as_mut_ptr()),
                u_ptr,
            )
        };
        let mut reference = Xoshiro256PlusPlus::seed_from_u64(p.seed);
        let (mut wx, mut wu) = (vec![F::ZERO; d], vec![F::ZERO; d]);
        let rust = view.and_then(|v| {
            v.sample_quantile(&mut reference, &mut wx, Some(&mut wu))
                .map(|_| ())
        });
        assert_eq!(got, expect(d > 0, status(rust)), "sample_quantile status");
        if got == OK {
            assert!(same_bits(&x, &wx) && same_bits(&u, &wu));
        } else {
            assert!(
                untouched(&x) && untouched(&u) && rng == start,
                "refusal advanced the generator"
            );
        }

        let mut rng = start;
        let mut x = poisoned::<F>(d);
        let mut c = u32::MAX;
        let got = unsafe {
            F::sample_ancestral(
                arg(fault, 0, n, &mix),
                arg_mut(fault, 4, n, &mut rng),
                arg_mut(fault, 5, n, x.as_mut_ptr()),
                &mut c,
            )
        };
        let mut reference = Xoshiro256PlusPlus::seed_from_u64(p.seed);
        let mut wx = vec![F::ZERO; d];
        let rust = view.and_then(|v| v.sample_ancestral(&mut reference, &mut wx));
        assert_eq!(
            got,
            expect(false, status(rust.map(|_| ()))),
            "sample_ancestral status"
        );
        match rust {
            Ok(kc) if got == OK => assert!(same_bits(&x, &wx) && c as usize == kc),
            _ => assert!(untouched(&x) && c == u32::MAX && rng == start),
        }
    }
}
