//! Panic-freedom proved at link time. The panic handler calls a function
//! that is defined nowhere, so this firmware links only if the optimiser
//! removed every path to a panic from everything it calls: every public
//! entry point of the C ABI and of the Rust API (the batch forms among
//! them: `*_many` of both mixture types and `DiagBatchRef` in Rust, the
//! `_many` and `mixgrad_diag_batch_` functions in C), the other families
//! and the full-covariance view in Rust, in f32 and f64, with
//! parameters, sizes and pointers made opaque by `black_box`. Built with
//! the release profile as shipped (fat LTO, overflow checks and debug
//! assertions off); `.ci/run` builds it for thumbv7em-none-eabihf.
#![no_std]
#![no_main]
// Halting loops after semihosting exit or in handlers: nothing to wait for.
#![allow(clippy::empty_loop)]

use core::hint::black_box;
use core::panic::PanicInfo;

use cortex_m_rt::entry;
use mixgrad::internals::{ndtr, ndtri, normal};
use mixgrad::{
    Cauchy, DiagBatchRef, DiagMixture, DiagMixtureRef, Error, ErrorKind, Family, Float, Laplace,
    LogProbGrad, Logistic, SeedableRng, TrilLogProbGrad, TrilMixtureRef, TrilScratch,
    Xoshiro128PlusPlus, Xoshiro256PlusPlus,
};
use mixgrad_capi::*;

/// Room for any K ≤ 8, D ≤ 8 the opaque sizes may pick (and the Jacobian).
const N: usize = 8 * 8 * 17;

/// The runtime-sized API on opaque parameters and sizes.
fn rust_view<F: Float, R: mixgrad::RngCore>(rng: &mut R) {
    let mut buf = [[F::ZERO; N]; 8];
    for row in buf.iter_mut() {
        *row = black_box(*row);
    }
    let (k, d): (usize, usize) = (black_box(3), black_box(2));
    let [logits, means, scales, x, u, xb, o1, o2] = &mut buf;
    let Some(((logits, means), scales)) = logits
        .get(..k)
        .zip(means.get(..k * d))
        .zip(scales.get(..k * d))
    else {
        return;
    };
    let Ok(v) = DiagMixtureRef::new(logits, means, scales, d) else {
        return;
    };
    let _ = black_box(v.cdf(&x[..], &mut o1[..]));
    let _ = black_box(v.cdf_density(&x[..], &mut o1[..], Some(&mut u[..]), Some(&mut o2[..])));
    let _ = black_box(v.conditional_log_density_probe(&x[..]));
    let _ = black_box(v.quantile(&u[..], &mut o1[..]));
    let _ = black_box(v.quantile_with_stats(&u[..], &mut o1[..]));
    let _ = black_box(v.log_prob(&x[..]));
    let (ga, rest) = o1.split_at_mut(N / 2);
    let _ = black_box(v.log_prob_grad(
        &x[..],
        LogProbGrad {
            x: Some(&mut o2[..]),
            logits: Some(&mut ga[..]),
            means: Some(&mut rest[..]),
            scales: None,
        },
    ));
    let (gm, gs) = o2.split_at_mut(N / 2);
    let _ = black_box(v.vjp(&x[..], &xb[..], &mut u[..], gm, gs));
    let _ = black_box(v.jacobian(&x[..], &mut o1[..]));
    let _ = black_box(v.sample_quantile(rng, &mut o1[..], Some(&mut o2[..])));
    let _ = black_box(v.sample_ancestral(rng, &mut o1[..]));
    on_workspace(logits, means, scales, d, rng);
}

/// The single calls of another location-scale family on opaque
/// parameters (the `mixgrad_locscale_*` functions call the same code).
fn rust_family<F: Float, G: Family, R: mixgrad::RngCore>(family: G, rng: &mut R) {
    let mut buf = [[F::ZERO; N]; 7];
    for row in buf.iter_mut() {
        *row = black_box(*row);
    }
    let (k, d): (usize, usize) = (black_box(3), black_box(2));
    let [logits, means, scales, x, xb, o1, o2] = &mut buf;
    let Some(((logits, means), scales)) = logits
        .get(..k)
        .zip(means.get(..k * d))
        .zip(scales.get(..k * d))
    else {
        return;
    };
    let Ok(v) = DiagMixtureRef::of_family(family, logits, means, scales, d) else {
        return;
    };
    let _ = black_box(v.cdf(&x[..], &mut o1[..]));
    let _ = black_box(v.quantile(&x[..], &mut o1[..]));
    let _ = black_box(v.log_prob(&x[..]));
    let (gm, gs) = o2.split_at_mut(N / 2);
    let _ = black_box(v.vjp(&x[..], &xb[..], &mut o1[..], gm, gs));
    let _ = black_box(v.jacobian(&x[..], &mut o1[..]));
    let _ = black_box(v.sample_quantile(rng, &mut o1[..], None));
    let _ = black_box(v.sample_ancestral(rng, &mut o1[..]));
}

/// The full-covariance view on opaque parameters, on slice and on stack
/// scratch (the `mixgrad_tril_*` functions call the same code).
fn rust_tril<F: Float, R: mixgrad::RngCore>(rng: &mut R) {
    let mut buf = [[F::ZERO; N]; 8];
    for row in buf.iter_mut() {
        *row = black_box(*row);
    }
    let (k, d): (usize, usize) = (black_box(3), black_box(2));
    let [logits, means, tril, x, xb, o1, o2, work] = &mut buf;
    let Some(((logits, means), tril)) = logits
        .get(..k)
        .zip(means.get(..k * d))
        .zip(tril.get(..k * d * d))
    else {
        return;
    };
    let Ok(v) = TrilMixtureRef::new(logits, means, tril, d) else {
        return;
    };
    let work = &mut work[..];
    let _ = black_box(v.cdf(&x[..], &mut o1[..], work));
    let _ = black_box(v.quantile(&x[..], &mut o1[..], work));
    let _ = black_box(v.log_prob(&x[..], work));
    let (ga, rest) = o1.split_at_mut(N / 2);
    let grad = TrilLogProbGrad {
        x: Some(&mut o2[..]),
        logits: Some(&mut ga[..]),
        means: Some(&mut rest[..]),
        scale_tril: None,
    };
    let _ = black_box(v.log_prob_grad(&x[..], grad, work));
    let (gm, gl) = o2.split_at_mut(N / 2);
    let _ = black_box(v.vjp(&x[..], &xb[..], &mut o1[..], gm, gl, work));
    let _ = black_box(v.jacobian(&x[..], &mut o1[..], work));
    let _ = black_box(v.sample_quantile(rng, &mut o1[..], None, work));
    let _ = black_box(v.sample_ancestral(rng, &mut o1[..]));
    let mut stack = TrilScratch::<F, 4, 4>::new();
    let _ = black_box(v.quantile(&x[..], &mut o1[..], &mut stack));
    let _ = black_box(v.vjp(&x[..], &xb[..], &mut o1[..], gm, gl, &mut stack));
}

/// The same operations on a caller's workspace, without the bound on K.
fn on_workspace<F: Float, R: mixgrad::RngCore>(
    logits: &[F],
    means: &[F],
    scales: &[F],
    d: usize,
    rng: &mut R,
) {
    let mut buf = [[F::ZERO; N]; 6];
    for row in buf.iter_mut() {
        *row = black_box(*row);
    }
    let [work, x, u, xb, o1, o2] = &mut buf;
    let Ok(v) = DiagMixtureRef::new_unbounded(logits, means, scales, d) else {
        return;
    };
    let Some(work) = work.get_mut(..black_box(v.workspace_len())) else {
        return;
    };
    let Ok(mut w) = v.with_workspace(work) else {
        return;
    };
    let _ = black_box(w.cdf_density(&x[..], &mut o1[..], Some(&mut u[..]), None));
    let _ = black_box(w.quantile(&u[..], &mut o1[..]));
    let _ = black_box(w.log_prob_grad(&x[..], LogProbGrad::default()));
    let (gm, gs) = o2.split_at_mut(N / 2);
    let _ = black_box(w.vjp(&x[..], &xb[..], &mut u[..], gm, gs));
    let _ = black_box(w.jacobian(&x[..], &mut o1[..]));
    let _ = black_box(w.sample_quantile(rng, &mut o1[..], None));
    let _ = black_box(w.sample_ancestral(rng, &mut o1[..]));
}

trait Probe<F> {
    fn conditional_log_density_probe(&self, x: &[F]) -> usize;
}

impl<F: Float> Probe<F> for DiagMixtureRef<'_, F> {
    /// The accessors, which a caller may use on any view.
    fn conditional_log_density_probe(&self, _x: &[F]) -> usize {
        self.num_components()
            + self.num_dims()
            + self.num_params()
            + self.logits().len()
            + self.means().len()
            + self.scales().len()
    }
}

/// The batch forms: `n` points of one view (the `*_many` methods, also on a
/// view with its `ln σ` in a caller's buffer) and a packed batch of `n`
/// mixtures, on opaque parameters, sizes and row counts.
fn rust_batch<F: Float, R: mixgrad::RngCore>(rng: &mut R) {
    let mut buf = [[F::ZERO; N]; 8];
    for row in buf.iter_mut() {
        *row = black_box(*row);
    }
    let mut comps = black_box([0usize; 64]);
    let (k, d, n): (usize, usize, usize) = (black_box(3), black_box(2), black_box(4));
    let [logits, means, scales, x, u, xb, o1, o2] = &mut buf;
    let Some(((logits, means), scales)) = logits
        .get(..n * k)
        .zip(means.get(..n * k * d))
        .zip(scales.get(..n * k * d))
    else {
        return;
    };
    let Some((x, xb)) = x.get(..n * d).zip(xb.get(..n * d)) else {
        return;
    };
    let one = logits
        .get(..k)
        .zip(means.get(..k * d))
        .zip(scales.get(..k * d));
    if let Some(Ok(v)) = one.map(|((l, m), s)| DiagMixtureRef::new(l, m, s, d)) {
        many(
            &v,
            x,
            xb,
            &mut u[..],
            &mut o1[..],
            &mut o2[..],
            &mut comps,
            rng,
        );
        let mut log_scales = black_box([F::ZERO; 64]);
        let len = black_box(k * d).min(log_scales.len());
        if let Ok(w) = v.with_log_scales(&mut log_scales[..len]) {
            many(
                &w,
                x,
                xb,
                &mut u[..],
                &mut o1[..],
                &mut o2[..],
                &mut comps,
                rng,
            );
        }
    }
    let Ok(b) = DiagBatchRef::new(logits, means, scales, k, d) else {
        return;
    };
    let _ = black_box((b.len(), b.is_empty(), b.num_components(), b.num_dims()));
    let _ = black_box(b.mixture(black_box(1)).map(|m| m.num_params()));
    let _ = black_box(b.iter().count());
    let _ = black_box(b.sample_quantile(rng, &mut o1[..], Some(&mut o2[..])));
    let _ = black_box(b.sample_ancestral(rng, &mut o1[..], Some(&mut comps[..])));
    let _ = black_box(b.cdf(x, &mut o1[..]));
    let _ = black_box(b.quantile(&u[..], &mut o1[..]));
    let _ = black_box(b.log_prob(x, &mut o1[..]));
    let (g1, g2) = o2.split_at_mut(N / 2);
    let _ = black_box(b.log_prob_grad(
        x,
        &mut o1[..],
        LogProbGrad {
            x: Some(&mut u[..]),
            logits: Some(&mut g1[..]),
            means: Some(&mut g2[..]),
            scales: None,
        },
    ));
    let _ = black_box(b.first_zero_density(x));
    let (gl, rest) = o1.split_at_mut(N / 4);
    let (gm, gs) = rest.split_at_mut(N / 2);
    let _ = black_box(b.vjp(x, xb, gl, gm, gs));
}

/// Every `*_many` method of one view.
#[allow(clippy::too_many_arguments)]
fn many<F: Float, R: mixgrad::RngCore>(
    v: &DiagMixtureRef<'_, F>,
    x: &[F],
    xb: &[F],
    u: &mut [F],
    o1: &mut [F],
    o2: &mut [F],
    comps: &mut [usize],
    rng: &mut R,
) {
    let _ = black_box(v.sample_quantile_many(rng, o1, Some(o2)));
    let _ = black_box(v.sample_ancestral_many(rng, o1, Some(comps)));
    let _ = black_box(v.cdf_many(x, o1));
    let _ = black_box(v.quantile_many(u, o1));
    let _ = black_box(v.log_prob_many(x, o1));
    let (g1, g2) = o2.split_at_mut(N / 2);
    let _ = black_box(v.log_prob_grad_many(
        x,
        o1,
        LogProbGrad {
            x: Some(u),
            logits: Some(g1),
            means: None,
            scales: Some(g2),
        },
    ));
    let _ = black_box(v.first_zero_density_many(x));
    let (gl, rest) = o1.split_at_mut(N / 4);
    let (gm, gs) = rest.split_at_mut(N / 2);
    let _ = black_box(v.vjp_many(x, xb, gl, gm, gs));
}

/// The const-generic API.
fn rust_owned<F: Float, R: mixgrad::RngCore>(rng: &mut R) {
    let mix = DiagMixture::<F, 4, 3>::new(
        black_box([F::ZERO; 4]),
        black_box([[F::ZERO; 3]; 4]),
        black_box([[F::ONE; 3]; 4]),
    );
    let Ok(mix) = mix else { return };
    let x = black_box([F::ZERO; 3]);
    let _ = black_box(mix.cdf(&x));
    let _ = black_box(mix.conditional_density(&x));
    let _ = black_box(mix.quantile(&black_box([F::HALF; 3])));
    let _ = black_box(mix.log_prob(&x));
    let _ = black_box(mix.log_prob_grad(&x));
    let _ = black_box(mix.vjp(&x, &black_box([F::ONE; 3])));
    let _ = black_box(mix.jacobian(&x));
    let _ = black_box(mix.sample_quantile(rng));
    let _ = black_box(mix.sample_ancestral(rng));
    let _ = black_box((mix.logits(), mix.means(), mix.scales(), mix.view()));
    // The batch forms, on an opaque number of points.
    let mut pts = black_box([[F::ZERO; 3]; 8]);
    let mut pts2 = black_box([[F::HALF; 3]; 8]);
    let mut lp = black_box([F::ZERO; 8]);
    let mut comps = black_box([0usize; 8]);
    let n = black_box(5usize).min(8);
    // Every slice taken before the calls: taken between them,
    // `comps[..n]` kept its bound check (a panic path of this probe, not
    // of the library) and failed the link.
    let (x, u) = (&mut pts[..n], &mut pts2[..n]);
    let (lp, comps) = (&mut lp[..n], &mut comps[..n]);
    let _ = black_box(mix.sample_quantile_many(rng, x, Some(&mut u[..])));
    let _ = black_box(mix.sample_ancestral_many(rng, x, Some(comps)));
    let _ = black_box(mix.cdf_many(x, u));
    let _ = black_box(mix.quantile_many(u, x));
    let _ = black_box(mix.log_prob_many(x, lp));
    let _ = black_box(mix.log_prob_grad_many(x, lp, Some(&mut u[..])));
    let _ = black_box(mix.vjp_many(x, u));
}

fn special_functions() {
    let z = black_box(0.5f64);
    let _ = black_box((ndtri::ndtri_f64(z), ndtri::ndtri_f32(z as f32)));
    let _ = black_box((
        normal::tails(z),
        normal::density(z),
        normal::tails_density(z),
    ));
    let _ = black_box(normal::tails_density_separately(z as f32));
    let _ = black_box(ndtr::tails_density_f64(z));
    let e: Error = black_box(ErrorKind::ZeroDensity.into());
    let _ = black_box(e.kind().as_str());
}

/// Every exported C function, on opaque pointers.
/// The C batch functions of one precision: `n` points of one mixture
/// (`_many`) and a packed batch, on opaque row counts and shapes.
macro_rules! c_batch {
    ($mp:ident, $batch:ident, $mem:ident, $rng:ident, [
        $lpm:ident, $lpgm:ident, $cdfm:ident, $qm:ident, $vjpm:ident, $fzm:ident, $sqm:ident,
        $sam:ident,
        $bv:ident, $blp:ident, $blpg:ident, $bcdf:ident, $bq:ident, $bvjp:ident, $bfz:ident,
        $bsq:ident, $bsa:ident
    ]) => {{
        let [l, m, s, x, o1, o2] = &mut $mem;
        let (x, o1, o2) = (x.as_ptr(), o1.as_mut_ptr(), o2.as_mut_ptr());
        let n = black_box(4usize);
        let mut comps = black_box([0u32; 64]);
        let mut row = 0usize;
        black_box($lpm($mp, n, x, o1));
        black_box($lpgm(
            $mp,
            n,
            x,
            o1,
            o2,
            o2.add(64),
            o2.add(128),
            o2.add(256),
        ));
        black_box($cdfm($mp, n, x, o1));
        black_box($qm($mp, n, x, o1));
        black_box($vjpm($mp, n, x, x, o1, o2, o2.add(256)));
        black_box($fzm($mp, n, x, &mut row));
        black_box($sqm($mp, &mut $rng, n, o1, o2));
        black_box($sam($mp, &mut $rng, n, o1, comps.as_mut_ptr()));
        let batch = black_box($batch {
            batch: n,
            num_components: 3,
            num_dims: 2,
            logits: l.as_ptr(),
            means: m.as_ptr(),
            scales: s.as_ptr(),
        });
        let bp = black_box(&batch as *const $batch);
        black_box($bv(bp));
        black_box($blp(bp, x, o1));
        black_box($blpg(bp, x, o1, o2, o2.add(64), o2.add(128), o2.add(256)));
        black_box($bcdf(bp, x, o1));
        black_box($bq(bp, x, o1));
        black_box($bvjp(bp, x, x, o1, o2, o2.add(256)));
        black_box($bfz(bp, x, &mut row));
        black_box($bsq(bp, &mut $rng, o1, o2));
        black_box($bsa(bp, &mut $rng, o1, comps.as_mut_ptr()));
    }};
}

fn c_abi() {
    // The `_work` forms of one precision, on scratch of opaque length.
    macro_rules! work_forms {
        ($mp:ident, $x:ident, $o1:ident, $o2:ident, $rng:ident, $comp:ident,
         [$lp:ident, $lpg:ident, $cdf:ident, $q:ident, $vjp:ident, $jac:ident, $sq:ident,
          $sa:ident]) => {{
            let (x, o1, o2) = ($x.as_ptr(), $o1.as_mut_ptr(), $o2.as_mut_ptr());
            let (w, wl) = (o2.add(N / 2), black_box(N / 2));
            black_box(mixgrad_diag_work_len(black_box(3)));
            black_box($lp($mp, x, o1, w, wl));
            black_box($lpg(
                $mp,
                x,
                o1,
                o2,
                o2.add(16),
                o2.add(64),
                o2.add(256),
                w,
                wl,
            ));
            black_box($cdf($mp, x, o1, w, wl));
            black_box($q($mp, x, o1, w, wl));
            black_box($vjp($mp, x, x, o1, o2, o2.add(256), w, wl));
            black_box($jac($mp, x, o1, w, wl));
            black_box($sq($mp, &mut $rng, o1, o2, w, wl));
            black_box($sa($mp, &mut $rng, o1, &mut $comp, w, wl));
        }};
    }
    let mut mem = black_box([[0.0f64; N]; 6]);
    let mut mem32 = black_box([[0.0f32; N]; 6]);
    let [l, m, s, x, o1, o2] = &mut mem;
    let mix = black_box(mixgrad_diag_f64 {
        num_components: 3,
        num_dims: 2,
        logits: l.as_ptr(),
        means: m.as_ptr(),
        scales: s.as_ptr(),
    });
    let mut rng = mixgrad_rng { state: [0; 4] };
    let mut comp = 0u32;
    unsafe {
        let mp = black_box(&mix as *const mixgrad_diag_f64);
        black_box(mixgrad_diag_validate_f64(mp));
        black_box(mixgrad_diag_log_prob_f64(mp, x.as_ptr(), o1.as_mut_ptr()));
        black_box(mixgrad_diag_log_prob_grad_f64(
            mp,
            x.as_ptr(),
            o1.as_mut_ptr(),
            o2.as_mut_ptr(),
            o2.as_mut_ptr().add(16),
            o2.as_mut_ptr().add(64),
            o2.as_mut_ptr().add(256),
        ));
        black_box(mixgrad_diag_cdf_f64(mp, x.as_ptr(), o1.as_mut_ptr()));
        black_box(mixgrad_diag_quantile_f64(mp, x.as_ptr(), o1.as_mut_ptr()));
        black_box(mixgrad_diag_vjp_f64(
            mp,
            x.as_ptr(),
            x.as_ptr(),
            o1.as_mut_ptr(),
            o2.as_mut_ptr(),
            o2.as_mut_ptr().add(256),
        ));
        black_box(mixgrad_diag_jacobian_f64(mp, x.as_ptr(), o1.as_mut_ptr()));
        black_box(mixgrad_rng_seed(&mut rng, black_box(7)));
        black_box(mixgrad_diag_sample_quantile_f64(
            mp,
            &mut rng,
            o1.as_mut_ptr(),
            o2.as_mut_ptr(),
        ));
        black_box(mixgrad_diag_sample_ancestral_f64(
            mp,
            &mut rng,
            o1.as_mut_ptr(),
            &mut comp,
        ));
        work_forms! { mp, x, o1, o2, rng, comp, [
            mixgrad_diag_log_prob_work_f64, mixgrad_diag_log_prob_grad_work_f64,
            mixgrad_diag_cdf_work_f64, mixgrad_diag_quantile_work_f64, mixgrad_diag_vjp_work_f64,
            mixgrad_diag_jacobian_work_f64, mixgrad_diag_sample_quantile_work_f64,
            mixgrad_diag_sample_ancestral_work_f64
        ] }
        black_box(mixgrad_status_str(black_box(3)));
        black_box(mixgrad_version());
        c_batch! { mp, mixgrad_diag_batch_f64, mem, rng, [
            mixgrad_diag_log_prob_many_f64, mixgrad_diag_log_prob_grad_many_f64,
            mixgrad_diag_cdf_many_f64, mixgrad_diag_quantile_many_f64,
            mixgrad_diag_vjp_many_f64, mixgrad_diag_first_zero_density_many_f64,
            mixgrad_diag_sample_quantile_many_f64, mixgrad_diag_sample_ancestral_many_f64,
            mixgrad_diag_batch_validate_f64, mixgrad_diag_batch_log_prob_f64,
            mixgrad_diag_batch_log_prob_grad_f64, mixgrad_diag_batch_cdf_f64,
            mixgrad_diag_batch_quantile_f64, mixgrad_diag_batch_vjp_f64,
            mixgrad_diag_batch_first_zero_density_f64, mixgrad_diag_batch_sample_quantile_f64,
            mixgrad_diag_batch_sample_ancestral_f64
        ] }
    }
    let [l, m, s, x, o1, o2] = &mut mem32;
    let mix = black_box(mixgrad_diag_f32 {
        num_components: 3,
        num_dims: 2,
        logits: l.as_ptr(),
        means: m.as_ptr(),
        scales: s.as_ptr(),
    });
    unsafe {
        let mp = black_box(&mix as *const mixgrad_diag_f32);
        black_box(mixgrad_diag_validate_f32(mp));
        black_box(mixgrad_diag_log_prob_f32(mp, x.as_ptr(), o1.as_mut_ptr()));
        black_box(mixgrad_diag_log_prob_grad_f32(
            mp,
            x.as_ptr(),
            o1.as_mut_ptr(),
            o2.as_mut_ptr(),
            o2.as_mut_ptr().add(16),
            o2.as_mut_ptr().add(64),
            o2.as_mut_ptr().add(256),
        ));
        black_box(mixgrad_diag_cdf_f32(mp, x.as_ptr(), o1.as_mut_ptr()));
        black_box(mixgrad_diag_quantile_f32(mp, x.as_ptr(), o1.as_mut_ptr()));
        black_box(mixgrad_diag_vjp_f32(
            mp,
            x.as_ptr(),
            x.as_ptr(),
            o1.as_mut_ptr(),
            o2.as_mut_ptr(),
            o2.as_mut_ptr().add(256),
        ));
        black_box(mixgrad_diag_jacobian_f32(mp, x.as_ptr(), o1.as_mut_ptr()));
        black_box(mixgrad_diag_sample_quantile_f32(
            mp,
            &mut rng,
            o1.as_mut_ptr(),
            o2.as_mut_ptr(),
        ));
        black_box(mixgrad_diag_sample_ancestral_f32(
            mp,
            &mut rng,
            o1.as_mut_ptr(),
            &mut comp,
        ));
        work_forms! { mp, x, o1, o2, rng, comp, [
            mixgrad_diag_log_prob_work_f32, mixgrad_diag_log_prob_grad_work_f32,
            mixgrad_diag_cdf_work_f32, mixgrad_diag_quantile_work_f32, mixgrad_diag_vjp_work_f32,
            mixgrad_diag_jacobian_work_f32, mixgrad_diag_sample_quantile_work_f32,
            mixgrad_diag_sample_ancestral_work_f32
        ] }
        c_batch! { mp, mixgrad_diag_batch_f32, mem32, rng, [
            mixgrad_diag_log_prob_many_f32, mixgrad_diag_log_prob_grad_many_f32,
            mixgrad_diag_cdf_many_f32, mixgrad_diag_quantile_many_f32,
            mixgrad_diag_vjp_many_f32, mixgrad_diag_first_zero_density_many_f32,
            mixgrad_diag_sample_quantile_many_f32, mixgrad_diag_sample_ancestral_many_f32,
            mixgrad_diag_batch_validate_f32, mixgrad_diag_batch_log_prob_f32,
            mixgrad_diag_batch_log_prob_grad_f32, mixgrad_diag_batch_cdf_f32,
            mixgrad_diag_batch_quantile_f32, mixgrad_diag_batch_vjp_f32,
            mixgrad_diag_batch_first_zero_density_f32, mixgrad_diag_batch_sample_quantile_f32,
            mixgrad_diag_batch_sample_ancestral_f32
        ] }
    }
}

/// The location-scale and full-covariance C functions (f64; the f32 ones
/// are the same generic code).
fn c_abi_more() {
    let mut mem = black_box([[0.0f64; N]; 7]);
    let [l, m, s, x, o1, o2, w] = &mut mem;
    let (x, o1, o2, w) = (x.as_ptr(), o1.as_mut_ptr(), o2.as_mut_ptr(), w.as_mut_ptr());
    let wl = black_box(N);
    let loc = black_box(mixgrad_locscale_f64 {
        family: black_box(MIXGRAD_FAMILY_CAUCHY),
        num_components: 3,
        num_dims: 2,
        logits: l.as_ptr(),
        locs: m.as_ptr(),
        scales: s.as_ptr(),
    });
    let tril = black_box(mixgrad_tril_f64 {
        num_components: 3,
        num_dims: 2,
        logits: l.as_ptr(),
        means: m.as_ptr(),
        scale_tril: s.as_ptr(),
    });
    let mut rng = mixgrad_rng { state: [0; 4] };
    let mut comp = 0u32;
    unsafe {
        let lp = black_box(&loc as *const mixgrad_locscale_f64);
        black_box(mixgrad_locscale_validate_f64(lp));
        black_box(mixgrad_locscale_log_prob_f64(lp, x, o1));
        black_box(mixgrad_locscale_cdf_f64(lp, x, o1));
        black_box(mixgrad_locscale_quantile_f64(lp, x, o1));
        black_box(mixgrad_locscale_vjp_f64(lp, x, x, o1, o2, o2.add(256)));
        black_box(mixgrad_locscale_jacobian_f64(lp, x, o1));
        black_box(mixgrad_locscale_sample_quantile_f64(lp, &mut rng, o1, o2));
        black_box(mixgrad_locscale_sample_ancestral_f64(
            lp, &mut rng, o1, &mut comp,
        ));
        black_box(mixgrad_locscale_cdf_work_f64(lp, x, o1, w, wl));
        let tp = black_box(&tril as *const mixgrad_tril_f64);
        black_box(mixgrad_tril_work_len(black_box(3), black_box(2)));
        black_box(mixgrad_tril_validate_f64(tp));
        black_box(mixgrad_tril_log_prob_f64(tp, x, o1, w, wl));
        black_box(mixgrad_tril_cdf_f64(tp, x, o1, w, wl));
        black_box(mixgrad_tril_quantile_f64(tp, x, o1, w, wl));
        black_box(mixgrad_tril_vjp_f64(tp, x, x, o1, o2, o2.add(256), w, wl));
        black_box(mixgrad_tril_jacobian_f64(tp, x, o1, w, wl));
        black_box(mixgrad_tril_sample_quantile_f64(
            tp, &mut rng, o1, o2, w, wl,
        ));
        black_box(mixgrad_tril_sample_ancestral_f64(
            tp, &mut rng, o1, &mut comp, w, wl,
        ));
    }
}

#[entry]
fn main() -> ! {
    let mut r64 = Xoshiro256PlusPlus::seed_from_u64(black_box(1));
    let mut r32 = Xoshiro128PlusPlus::seed_from_u64(black_box(1));
    rust_view::<f64, _>(&mut r64);
    rust_view::<f32, _>(&mut r32);
    rust_owned::<f64, _>(&mut r64);
    rust_owned::<f32, _>(&mut r32);
    rust_batch::<f64, _>(&mut r64);
    rust_batch::<f32, _>(&mut r32);
    rust_family::<f64, _, _>(Logistic, &mut r64);
    rust_family::<f32, _, _>(Laplace, &mut r32);
    rust_family::<f64, _, _>(Cauchy, &mut r64);
    rust_family::<f32, _, _>(Logistic, &mut r32);
    rust_tril::<f64, _>(&mut r64);
    rust_tril::<f32, _>(&mut r32);
    special_functions();
    c_abi();
    c_abi_more();
    loop {}
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    extern "C" {
        /// Defined nowhere: referencing it makes the link fail.
        fn mixgrad_panic_path_is_reachable() -> !;
    }
    unsafe { mixgrad_panic_path_is_reachable() }
}
