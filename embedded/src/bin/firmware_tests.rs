//! On-target tests under QEMU (Cortex-M4F `mps2-an386`, Cortex-M0
//! `microbit`, RISC-V `virt`): a subset of the 60-digit reference vectors in f64 and f32
//! (cdf, quantile, vjp, log q) with the docs/math.md §6 tolerances, sampling
//! with a fixed seed bit for bit against the build host, the error paths
//! through the Rust API and the C ABI, and the stack depth of sample + vjp
//! measured by painting the stack. Prints a summary through semihosting and
//! exits non-zero on any failure (a panic exits non-zero too).
#![no_std]
#![no_main]

use mixgrad::{DiagMixtureRef, ErrorKind, SeedableRng, Xoshiro128PlusPlus, Xoshiro256PlusPlus};
use mixgrad_embedded::{entry, hprintln, sample_and_vjp_k8, stack_depth, Tally};

pub struct Case {
    name: &'static str,
    k: usize,
    d: usize,
    logits: &'static [f64],
    means: &'static [f64],
    scales: &'static [f64],
    points: &'static [Point],
}

pub struct Point {
    u: &'static [f64],
    xq: &'static [f64],
    fq: &'static [f64],
    x: &'static [f64],
    cdf: &'static [f64],
    logq: f64,
    xbar: &'static [f64],
    vjp: &'static [f64],
    backward_only: bool,
}

// Generated: the literals are the reference file's digits (ln 2 among them).
#[allow(clippy::approx_constant)]
mod reference {
    use super::{Case, Point};
    include!(concat!(env!("OUT_DIR"), "/reference.rs"));
}
use reference::*;

/// Largest K, D and K·D of the reference cases run on target (buffers on
/// the stack: 16 KiB of RAM on the micro:bit); build.rs leaves out larger.
const MAX_D: usize = 8;
const MAX_KD: usize = 64;
const MAX_K: usize = 8;

/// `z² ≤ 2 ln(1/p)` for the normal quantile at `p ≤ 1/2`.
fn z2_bound(p: f64) -> f64 {
    2.0 * (-libm::log(p.min(1.0 - p).max(1e-300)))
}

fn ulp(x: f64) -> f64 {
    let a = if x < 0.0 { -x } else { x };
    f64::from_bits(a.to_bits() + 1) - a
}

fn abs(x: f64) -> f64 {
    if x < 0.0 {
        -x
    } else {
        x
    }
}

/// The docs/math.md §6 gradient measure: max|g − g*| / (1 + max|g*|).
fn grad_error(got: &[f64], want: &[f64]) -> f64 {
    let scale = 1.0 + want.iter().fold(0.0f64, |m, &v| m.max(abs(v)));
    let err = got
        .iter()
        .zip(want)
        .fold(0.0f64, |m, (&g, &w)| m.max(abs(g - w)));
    err / scale
}

// Not inlined: its buffers must leave the stack before the stack
// measurements, which need the free RAM below main.
#[inline(never)]
fn check_f64(t: &mut Tally, case: &Case) {
    let (k, d) = (case.k, case.d);
    let v = match DiagMixtureRef::new(case.logits, case.means, case.scales, d) {
        Ok(v) => v,
        Err(_) => return t.check(false, "construct f64", case.name),
    };
    for p in case.points {
        // cdf at the rounded root x: relative 1e-14 + 8ε z² below 1/2,
        // absolute 1e-14 above.
        let mut u = [0.0; MAX_D];
        let ok = v.cdf(p.x, &mut u[..d]).is_ok();
        let good = ok
            && (0..d).all(|i| {
                let want = p.cdf[i];
                let tol = if want <= 0.5 {
                    (1e-14 + 8.0 * f64::EPSILON * z2_bound(want)) * want
                } else {
                    1e-14
                };
                abs(u[i] - want) <= tol
            });
        t.check(good, "cdf f64", case.name);

        // quantile: |x − x*| ≤ 8 ulp(x*) + 8ε (1 + z²) min(u, 1−u) / f(x*).
        if !p.backward_only {
            let mut x = [0.0; MAX_D];
            let ok = v.quantile(p.u, &mut x[..d]).is_ok();
            let good = ok
                && (0..d).all(|i| {
                    let m = p.u[i].min(1.0 - p.u[i]);
                    let tol =
                        8.0 * ulp(p.xq[i]) + 8.0 * f64::EPSILON * (1.0 + z2_bound(m)) * m / p.fq[i];
                    abs(x[i] - p.xq[i]) <= tol
                });
            t.check(good, "quantile f64", case.name);
        }

        // vjp at x: max|g − g*| ≤ 1e-10 (1 + max|g*|).
        let (mut a, mut mb, mut sb) = ([0.0; MAX_K], [0.0; MAX_KD], [0.0; MAX_KD]);
        let ok = v
            .vjp(p.x, p.xbar, &mut a[..k], &mut mb[..k * d], &mut sb[..k * d])
            .is_ok();
        let err = grad_error(&a[..k], &p.vjp[..k])
            .max(grad_error(&mb[..k * d], &p.vjp[k..k + k * d]))
            .max(grad_error(&sb[..k * d], &p.vjp[k + k * d..]));
        t.check(ok && err <= 1e-10, "vjp f64", case.name);

        // log q: 1e-14 max(1, |log q|).
        let good = v
            .log_prob(p.x)
            .is_ok_and(|lp| abs(lp - p.logq) <= 1e-14 * abs(p.logq).max(1.0));
        t.check(good, "log_prob f64", case.name);
    }
}

// Not inlined: its buffers must leave the stack before the stack
// measurements, which need the free RAM below main.
#[inline(never)]
fn check_f32(t: &mut Tally, case: &Case) {
    let (k, d) = (case.k, case.d);
    let cast = |src: &[f64], dst: &mut [f32]| {
        for (o, &s) in dst.iter_mut().zip(src) {
            *o = s as f32;
        }
    };
    let (mut l, mut m, mut s) = ([0.0f32; MAX_K], [0.0f32; MAX_KD], [0.0f32; MAX_KD]);
    cast(case.logits, &mut l[..k]);
    cast(case.means, &mut m[..k * d]);
    cast(case.scales, &mut s[..k * d]);
    let v = match DiagMixtureRef::new(&l[..k], &m[..k * d], &s[..k * d], d) {
        Ok(v) => v,
        Err(_) => return t.check(false, "construct f32", case.name),
    };
    for p in case.points {
        // f32 covers the bulk (docs/math.md §6: ≈1e-5 relative); points whose
        // u or density is beyond f32's reach are left to the f64 checks.
        let in_f32_range =
            p.u.iter().all(|&u| u.min(1.0 - u) >= 1e-4) && p.fq.iter().all(|&f| f >= 1e-6);
        if !in_f32_range {
            continue;
        }
        let (mut x, mut u) = ([0.0f32; MAX_D], [0.0f32; MAX_D]);
        cast(p.x, &mut x[..d]);
        // cdf: 1e-5 relative below 1/2, 1e-6 absolute above (docs/math.md §6,
        // f32), on top of what rounding x to f32 moves F by.
        let ok = v.cdf(&x[..d], &mut u[..d]).is_ok();
        let good = ok
            && (0..d).all(|i| {
                let want = p.cdf[i];
                let tol = if want <= 0.5 { 1e-5 * want } else { 1e-6 }
                    + 4.0 * f32::EPSILON as f64 * abs(p.x[i]) * p.fq[i].max(1.0);
                abs(u[i] as f64 - want) <= tol
            });
        t.check(good, "cdf f32", case.name);

        // vjp: 1e-3 (1 + max|g*|).
        let mut xb = [0.0f32; MAX_D];
        cast(p.xbar, &mut xb[..d]);
        let (mut a, mut mb, mut sb) = ([0.0f32; MAX_K], [0.0f32; MAX_KD], [0.0f32; MAX_KD]);
        let ok = v
            .vjp(
                &x[..d],
                &xb[..d],
                &mut a[..k],
                &mut mb[..k * d],
                &mut sb[..k * d],
            )
            .is_ok();
        let widen = |g: &[f32], out: &mut [f64]| {
            for (o, &v) in out.iter_mut().zip(g) {
                *o = v as f64;
            }
        };
        let mut g = [0.0f64; MAX_KD];
        widen(&a[..k], &mut g[..k]);
        let mut err = grad_error(&g[..k], &p.vjp[..k]);
        widen(&mb[..k * d], &mut g[..k * d]);
        err = err.max(grad_error(&g[..k * d], &p.vjp[k..k + k * d]));
        widen(&sb[..k * d], &mut g[..k * d]);
        err = err.max(grad_error(&g[..k * d], &p.vjp[k + k * d..]));
        t.check(ok && err <= 1e-3, "vjp f32", case.name);

        // log q: 1e-5 max(1, |log q|).
        let good = v
            .log_prob(&x[..d])
            .is_ok_and(|lp| abs(lp as f64 - p.logq) <= 1e-5 * abs(p.logq).max(1.0));
        t.check(good, "log_prob f32", case.name);

        // quantile round trip in f32: F(quantile(u)) = u to 1e-4 relative.
        if !p.backward_only {
            let mut uu = [0.0f32; MAX_D];
            cast(p.u, &mut uu[..d]);
            let mut xq = [0.0f32; MAX_D];
            let ok = v.quantile(&uu[..d], &mut xq[..d]).is_ok();
            let (mut f, mut fc) = ([0.0f32; MAX_D], [0.0f32; MAX_D]);
            let ok = ok
                && v.cdf_density(&xq[..d], &mut f[..d], Some(&mut fc[..d]), None)
                    .is_ok();
            let good = ok
                && (0..d).all(|i| {
                    let (got, want) = if uu[i] <= 0.5 {
                        (f[i], uu[i])
                    } else {
                        (fc[i], 1.0 - uu[i])
                    };
                    abs((got - want) as f64) <= 1e-4 * want as f64 * (1.0 + z2_bound(want as f64))
                });
            t.check(good, "quantile f32 round trip", case.name);
        }
    }
}

// Not inlined: its buffers must leave the stack before the stack
// measurements, which need the free RAM below main.
#[inline(never)]
fn check_sampling(t: &mut Tally) {
    let v = DiagMixtureRef::new(&SAMPLE_LOGITS, &SAMPLE_MEANS, &SAMPLE_SCALES, 2);
    let Ok(v) = v else {
        return t.check(false, "construct", "sampling");
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(SAMPLE_SEED);
    let mut same = true;
    for i in 0..4 {
        let mut x = [0.0; 2];
        same &= v.sample_quantile(&mut rng, &mut x, None).is_ok();
        same &= x[0].to_bits() == QUANTILE_F64[2 * i] && x[1].to_bits() == QUANTILE_F64[2 * i + 1];
        let k = v.sample_ancestral(&mut rng, &mut x);
        same &= k.is_ok_and(|k| k as u64 == ANCESTRAL_F64[3 * i + 2]);
        same &=
            x[0].to_bits() == ANCESTRAL_F64[3 * i] && x[1].to_bits() == ANCESTRAL_F64[3 * i + 1];
    }
    t.check(same, "f64 samples bit-identical to the host", "sampling");

    let (l, m, s) = (
        SAMPLE_LOGITS.map(|v| v as f32),
        SAMPLE_MEANS.map(|v| v as f32),
        SAMPLE_SCALES.map(|v| v as f32),
    );
    let Ok(v) = DiagMixtureRef::new(&l, &m, &s, 2) else {
        return t.check(false, "construct f32", "sampling");
    };
    let mut rng = Xoshiro128PlusPlus::seed_from_u64(SAMPLE_SEED);
    let mut same = true;
    for i in 0..4 {
        let mut x = [0.0f32; 2];
        same &= v.sample_quantile(&mut rng, &mut x, None).is_ok();
        same &= x[0].to_bits() == QUANTILE_F32[2 * i] && x[1].to_bits() == QUANTILE_F32[2 * i + 1];
        let k = v.sample_ancestral(&mut rng, &mut x);
        same &= k.is_ok_and(|k| k as u32 == ANCESTRAL_F32[3 * i + 2]);
        same &=
            x[0].to_bits() == ANCESTRAL_F32[3 * i] && x[1].to_bits() == ANCESTRAL_F32[3 * i + 1];
    }
    t.check(same, "f32 samples bit-identical to the host", "sampling");
}

// Not inlined: its buffers must leave the stack before the stack
// measurements, which need the free RAM below main.
#[inline(never)]
fn check_errors(t: &mut Tally) {
    let new = |s: f64| DiagMixtureRef::new(&[0.0], &[0.0], &[s], 1).map(|_| ());
    t.check(
        new(0.0).map_err(|e| e.kind()) == Err(ErrorKind::NonPositiveScale),
        "scale 0",
        "errors",
    );
    t.check(
        new(-1.0).map_err(|e| e.kind()) == Err(ErrorKind::NonPositiveScale),
        "scale -1",
        "errors",
    );
    t.check(
        new(f64::NAN).map_err(|e| e.kind()) == Err(ErrorKind::NonFiniteScale),
        "scale NaN",
        "errors",
    );
    let Ok(v) = DiagMixtureRef::new(&[0.0, 1.0], &[0.0, 1.0], &[1.0, 2.0], 1) else {
        return t.check(false, "construct", "errors");
    };
    let mut x = [7.0];
    t.check(
        v.quantile(&[0.0], &mut x).map_err(|e| e.kind()) == Err(ErrorKind::UniformOutOfRange)
            && x[0] == 7.0,
        "u = 0 refused, x untouched",
        "errors",
    );
    t.check(
        v.quantile(&[f64::NAN], &mut x).map_err(|e| e.kind()) == Err(ErrorKind::UniformOutOfRange),
        "u = NaN",
        "errors",
    );
    let mut u = [7.0];
    t.check(
        v.cdf(&[f64::NAN], &mut u).map_err(|e| e.kind()) == Err(ErrorKind::NonFiniteX)
            && u[0] == 7.0,
        "x = NaN refused, u untouched",
        "errors",
    );
    let (mut a, mut m, mut s) = ([7.0; 2], [7.0; 2], [7.0; 2]);
    t.check(
        v.vjp(&[0.5], &[f64::INFINITY], &mut a, &mut m, &mut s)
            .map_err(|e| e.kind())
            == Err(ErrorKind::NonFiniteCotangent)
            && a == [7.0; 2],
        "x_bar = inf refused",
        "errors",
    );
    t.check(
        v.vjp(&[1e300], &[1.0], &mut a, &mut m, &mut s)
            .map_err(|e| e.kind())
            == Err(ErrorKind::ZeroDensity),
        "zero density refused",
        "errors",
    );

    // Through the C ABI: statuses, nothing written.
    use mixgrad_capi::*;
    let (logits, means, bad_scales) = ([0.0f64], [0.0f64], [-1.0f64]);
    let mix = mixgrad_diag_f64 {
        num_components: 1,
        num_dims: 1,
        logits: logits.as_ptr(),
        means: means.as_ptr(),
        scales: bad_scales.as_ptr(),
    };
    let mut out = [7.0f64];
    let st = unsafe { mixgrad_diag_cdf_f64(&mix, [0.0].as_ptr(), out.as_mut_ptr()) };
    t.check(
        st == mixgrad_status::MIXGRAD_ERR_NONPOSITIVE_SCALE && out[0] == 7.0,
        "C: bad scale",
        "errors",
    );
    let st = unsafe { mixgrad_diag_cdf_f64(core::ptr::null(), [0.0].as_ptr(), out.as_mut_ptr()) };
    t.check(
        st == mixgrad_status::MIXGRAD_ERR_NULL_POINTER,
        "C: NULL",
        "errors",
    );
    let scales = [1.0f64];
    let mix = mixgrad_diag_f64 {
        scales: scales.as_ptr(),
        ..mix
    };
    let st = unsafe { mixgrad_diag_quantile_f64(&mix, [0.0].as_ptr(), out.as_mut_ptr()) };
    t.check(
        st == mixgrad_status::MIXGRAD_ERR_U_OUT_OF_RANGE && out[0] == 7.0,
        "C: u = 0",
        "errors",
    );
    let st = unsafe { mixgrad_diag_quantile_f64(&mix, [0.5].as_ptr(), out.as_mut_ptr()) };
    t.check(
        st == mixgrad_status::MIXGRAD_OK && out[0] == 0.0,
        "C: u = 1/2",
        "errors",
    );
}

/// The runtime-sized view at the largest K it supports (64), f64.
#[inline(never)]
fn sample_and_vjp_view_f64_k64() {
    const K: usize = 64;
    const D: usize = 2;
    let logits = [0.0f64; K];
    let means: [f64; K * D] = core::array::from_fn(|i| i as f64 * 0.05);
    let scales = [1.0f64; K * D];
    if let Ok(v) = DiagMixtureRef::new(&logits, &means, &scales, D) {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
        let mut x = [0.0; D];
        let ok = v.sample_quantile(&mut rng, &mut x, None).is_ok();
        let (mut a, mut m, mut s) = ([0.0; K], [0.0; K * D], [0.0; K * D]);
        let ok = ok && v.vjp(&x, &[1.0; D], &mut a, &mut m, &mut s).is_ok();
        core::hint::black_box(ok);
    }
}

#[entry]
fn main() -> ! {
    let mut t = Tally::new();
    for case in CASES {
        check_f64(&mut t, case);
        check_f32(&mut t, case);
    }
    check_sampling(&mut t);
    check_errors(&mut t);

    let s32 = stack_depth(sample_and_vjp_k8::<f32, Xoshiro128PlusPlus>);
    let s64 = stack_depth(sample_and_vjp_k8::<f64, Xoshiro256PlusPlus>);
    let s64_max = stack_depth(sample_and_vjp_view_f64_k64);
    hprintln!(
        "stack: sample+vjp K=8 D=4: f32 {} B, f64 {} B; view K=64 f64: {} B",
        s32,
        s64,
        s64_max
    );
    t.check(s32 <= 2048, "f32 K=8 stack within 2 KiB", "stack");

    hprintln!(
        "mixgrad on-target tests: {} checks, {} failures ({} reference mixtures)",
        t.checks,
        t.failures,
        CASES.len()
    );
    t.exit()
}

mixgrad_embedded::test_firmware_handlers!();
