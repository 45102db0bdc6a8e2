//! The C ABI on arbitrary problems, called through the exported `extern "C"`
//! symbols (declared here as a C program would, status read as a plain
//! `uint32_t`), against the Rust API as the oracle.
//!
//! One call, `cdf`, also runs on a caller's workspace (its `_work` form,
//! without faults) against the Rust API's workspace form.
//!
//! Every batch function (docs/math.md §8: the `_many` forms over the
//! problem's mixture, and the packed forms over `n` rotations of it) runs,
//! without faults, on
//! 0 to 3 rows, or 65 on small problems, built from the problem's `x`, `u`
//! and `x̄` (see `Rows::new`), against the single C calls on each row as the
//! oracle: the status the rows' statuses imply; on success the same bits
//! (a summed gradient: the single gradients added in row order to `+0`; a
//! sampler: the draws of consecutive single calls, the generator left where
//! they leave it); on refusal nothing written and the generator untouched.
//! They run on one of the SIMD paths the CPU has, forced through
//! `mixgrad_simd_force` (`simd_path_for`, from the problem's seed).
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
//!
//! The location-scale functions (`mixgrad_locscale_*`, docs/math.md §9)
//! run, without faults, with the family code the problem's family byte
//! gives (`Problem::family_code`), against the Rust API of that family as
//! the oracle: the same status and bits; an unknown code is
//! `MIXGRAD_ERR_UNKNOWN_FAMILY` whatever the mixture, nothing written.
//!
//! The full-covariance functions (`mixgrad_tril_*`, docs/math.md §10) run
//! on the full-covariance problem every problem with `K ≤ 4` and `D ≤ 4`
//! also poses (`tril_problem`, as in the Rust target), against the Rust
//! API on the same factors, inputs and workspace length (a slice as long
//! as the C call's `work_len`), with a `mixgrad_rng` as the generator of
//! both: the status is the first of the C layer's own checks in the
//! documented order (a NULL, `K`, `D`, the workspace length, an overlap)
//! or else the C code of the Rust API's error; on success the same bits
//! and the generator in the same state; on error every output untouched
//! and the generator where it was. Each function runs
//! - on the workspace bits 0–1 of the control byte pick (exactly
//!   `work_len`, one value more, or the one for `K = D = 4`), with NULL for
//!   the optional outputs bits 2–6 name (`log_prob_grad`'s `log_prob`,
//!   then its gradients w.r.t. `x`, logits, means and factors; the quantile
//!   sampler's `u`; the ancestral sampler's component);
//! - with NaN above the diagonals and a workspace holding NaN on entry,
//!   every output asked for: the Rust API's bits on the plain factors;
//! - on a workspace one value short: `MIXGRAD_ERR_SHORT_WORKSPACE`;
//! - with the flag byte's fault (`TrilFault`): a NULL (an optional output
//!   NULL is no error and skips it), or every array in one allocation,
//!   abutting (no error) or one moved onto its neighbour by one value
//!   (`MIXGRAD_ERR_OVERLAPPING_BUFFERS`, the allocation left as it was);
//! - for the samplers, on an unseeded generator: `MIXGRAD_ERR_UNSEEDED_RNG`
//!   once the mixture is valid.
//!
//! `mixgrad_tril_work_len` is the Rust API's `work_len`, `SIZE_MAX` where
//! that overflows.
//!
//! The Gamma functions (`mixgrad_gamma_*`, docs/math.md §11) run on the
//! problem's first two logits as shape and rate and its first `x` and `u`,
//! against the Rust `Gamma`: the same status and bits, nothing written on
//! error, the generator untouched unless a sample was drawn; a NULL fault
//! nulls the first output.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mixgrad::{
    Cauchy, DiagMixtureRef, Error, Family, FamilyKind, Gaussian, Laplace, Logistic, SeedableRng,
    TrilLogProbGrad, TrilMixtureRef, Xoshiro256PlusPlus,
};
use mixgrad_capi::{
    mixgrad_diag_batch_f32, mixgrad_diag_batch_f64, mixgrad_diag_f32, mixgrad_diag_f64,
    mixgrad_diag_work_len, mixgrad_locscale_f32, mixgrad_locscale_f64, mixgrad_rng, mixgrad_status,
    mixgrad_tril_f32, mixgrad_tril_f64,
};
use mixgrad_fuzz::{
    decode, nan_above, poisoned, remember, same_bits, show_problem_on_panic, simd_path_for,
    tril_jacobian_len, tril_problem, untouched, Form, Problem, Real, FLAG_F32,
};

extern "C" {
    fn mixgrad_simd_force(path: u32) -> u32;
    fn mixgrad_simd_in_use() -> u32;
}

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

/// Pointers to the four optional outputs of `log_prob_grad`: `x_grad`,
/// `logits_grad`, `means_grad`, `scales_grad`.
type Grads<F> = [*mut F; 4];
/// Pointers to the three outputs of `vjp`: `logits_bar`, `means_bar`,
/// `scales_bar`.
type Bars<F> = [*mut F; 3];

/// The C declarations of the batch forms (and the two single calls the
/// target above does not drive, `validate` and `log_prob_grad`), with the
/// status as the `uint32_t` a C caller sees.
macro_rules! c_batch_api {
    ($f:ty, $mix:ty, $batch:ty,
     single: $validate:ident, $lpg:ident,
     many: $lp_n:ident, $lpg_n:ident, $cdf_n:ident, $quantile_n:ident, $vjp_n:ident,
         $zero_n:ident, $sq_n:ident, $sa_n:ident,
     packed: $validate_b:ident, $lp_b:ident, $lpg_b:ident, $cdf_b:ident, $quantile_b:ident,
         $vjp_b:ident, $zero_b:ident, $sq_b:ident, $sa_b:ident) => {
        extern "C" {
            fn $validate(mix: *const $mix) -> u32;
            fn $lpg(
                mix: *const $mix,
                x: *const $f,
                lp: *mut $f,
                gx: *mut $f,
                ga: *mut $f,
                gm: *mut $f,
                gs: *mut $f,
            ) -> u32;
            fn $lp_n(mix: *const $mix, n: usize, x: *const $f, lp: *mut $f) -> u32;
            fn $lpg_n(
                mix: *const $mix,
                n: usize,
                x: *const $f,
                lp: *mut $f,
                gx: *mut $f,
                ga: *mut $f,
                gm: *mut $f,
                gs: *mut $f,
            ) -> u32;
            fn $cdf_n(mix: *const $mix, n: usize, x: *const $f, u: *mut $f) -> u32;
            fn $quantile_n(mix: *const $mix, n: usize, u: *const $f, x: *mut $f) -> u32;
            fn $vjp_n(
                mix: *const $mix,
                n: usize,
                x: *const $f,
                x_bar: *const $f,
                a: *mut $f,
                m: *mut $f,
                s: *mut $f,
            ) -> u32;
            fn $zero_n(mix: *const $mix, n: usize, x: *const $f, row: *mut usize) -> u32;
            fn $sq_n(
                mix: *const $mix,
                rng: *mut mixgrad_rng,
                n: usize,
                x: *mut $f,
                u: *mut $f,
            ) -> u32;
            fn $sa_n(
                mix: *const $mix,
                rng: *mut mixgrad_rng,
                n: usize,
                x: *mut $f,
                c: *mut u32,
            ) -> u32;
            fn $validate_b(b: *const $batch) -> u32;
            fn $lp_b(b: *const $batch, x: *const $f, lp: *mut $f) -> u32;
            fn $lpg_b(
                b: *const $batch,
                x: *const $f,
                lp: *mut $f,
                gx: *mut $f,
                ga: *mut $f,
                gm: *mut $f,
                gs: *mut $f,
            ) -> u32;
            fn $cdf_b(b: *const $batch, x: *const $f, u: *mut $f) -> u32;
            fn $quantile_b(b: *const $batch, u: *const $f, x: *mut $f) -> u32;
            fn $vjp_b(
                b: *const $batch,
                x: *const $f,
                x_bar: *const $f,
                a: *mut $f,
                m: *mut $f,
                s: *mut $f,
            ) -> u32;
            fn $zero_b(b: *const $batch, x: *const $f, row: *mut usize) -> u32;
            fn $sq_b(b: *const $batch, rng: *mut mixgrad_rng, x: *mut $f, u: *mut $f) -> u32;
            fn $sa_b(b: *const $batch, rng: *mut mixgrad_rng, x: *mut $f, c: *mut u32) -> u32;
        }

        impl CBatchApi for $f {
            type Batch = $batch;
            fn batch(n: usize, k: u32, d: u32, a: *const $f, m: *const $f, s: *const $f) -> $batch {
                <$batch>::from_parts(n, k, d, a, m, s)
            }
            unsafe fn validate(mix: *const $mix) -> u32 {
                unsafe { $validate(mix) }
            }
            unsafe fn log_prob_grad(
                mix: *const $mix,
                x: *const $f,
                lp: *mut $f,
                [gx, ga, gm, gs]: Grads<$f>,
            ) -> u32 {
                unsafe { $lpg(mix, x, lp, gx, ga, gm, gs) }
            }
            unsafe fn log_prob_many(mix: *const $mix, n: usize, x: *const $f, lp: *mut $f) -> u32 {
                unsafe { $lp_n(mix, n, x, lp) }
            }
            unsafe fn log_prob_grad_many(
                mix: *const $mix,
                n: usize,
                x: *const $f,
                lp: *mut $f,
                [gx, ga, gm, gs]: Grads<$f>,
            ) -> u32 {
                unsafe { $lpg_n(mix, n, x, lp, gx, ga, gm, gs) }
            }
            unsafe fn cdf_many(mix: *const $mix, n: usize, x: *const $f, u: *mut $f) -> u32 {
                unsafe { $cdf_n(mix, n, x, u) }
            }
            unsafe fn quantile_many(mix: *const $mix, n: usize, u: *const $f, x: *mut $f) -> u32 {
                unsafe { $quantile_n(mix, n, u, x) }
            }
            unsafe fn vjp_many(
                mix: *const $mix,
                n: usize,
                x: *const $f,
                xb: *const $f,
                [a, m, s]: Bars<$f>,
            ) -> u32 {
                unsafe { $vjp_n(mix, n, x, xb, a, m, s) }
            }
            unsafe fn first_zero_density_many(
                mix: *const $mix,
                n: usize,
                x: *const $f,
                row: *mut usize,
            ) -> u32 {
                unsafe { $zero_n(mix, n, x, row) }
            }
            unsafe fn sample_quantile_many(
                mix: *const $mix,
                rng: *mut mixgrad_rng,
                n: usize,
                x: *mut $f,
                u: *mut $f,
            ) -> u32 {
                unsafe { $sq_n(mix, rng, n, x, u) }
            }
            unsafe fn sample_ancestral_many(
                mix: *const $mix,
                rng: *mut mixgrad_rng,
                n: usize,
                x: *mut $f,
                c: *mut u32,
            ) -> u32 {
                unsafe { $sa_n(mix, rng, n, x, c) }
            }
            unsafe fn batch_validate(b: *const $batch) -> u32 {
                unsafe { $validate_b(b) }
            }
            unsafe fn batch_log_prob(b: *const $batch, x: *const $f, lp: *mut $f) -> u32 {
                unsafe { $lp_b(b, x, lp) }
            }
            unsafe fn batch_log_prob_grad(
                b: *const $batch,
                x: *const $f,
                lp: *mut $f,
                [gx, ga, gm, gs]: Grads<$f>,
            ) -> u32 {
                unsafe { $lpg_b(b, x, lp, gx, ga, gm, gs) }
            }
            unsafe fn batch_cdf(b: *const $batch, x: *const $f, u: *mut $f) -> u32 {
                unsafe { $cdf_b(b, x, u) }
            }
            unsafe fn batch_quantile(b: *const $batch, u: *const $f, x: *mut $f) -> u32 {
                unsafe { $quantile_b(b, u, x) }
            }
            unsafe fn batch_vjp(
                b: *const $batch,
                x: *const $f,
                xb: *const $f,
                [a, m, s]: Bars<$f>,
            ) -> u32 {
                unsafe { $vjp_b(b, x, xb, a, m, s) }
            }
            unsafe fn batch_first_zero_density(
                b: *const $batch,
                x: *const $f,
                row: *mut usize,
            ) -> u32 {
                unsafe { $zero_b(b, x, row) }
            }
            unsafe fn batch_sample_quantile(
                b: *const $batch,
                rng: *mut mixgrad_rng,
                x: *mut $f,
                u: *mut $f,
            ) -> u32 {
                unsafe { $sq_b(b, rng, x, u) }
            }
            unsafe fn batch_sample_ancestral(
                b: *const $batch,
                rng: *mut mixgrad_rng,
                x: *mut $f,
                c: *mut u32,
            ) -> u32 {
                unsafe { $sa_b(b, rng, x, c) }
            }
        }
    };
}

trait BatchFromParts<F> {
    fn from_parts(n: usize, k: u32, d: u32, a: *const F, m: *const F, s: *const F) -> Self;
}

impl BatchFromParts<f64> for mixgrad_diag_batch_f64 {
    fn from_parts(n: usize, k: u32, d: u32, a: *const f64, m: *const f64, s: *const f64) -> Self {
        mixgrad_diag_batch_f64 {
            batch: n,
            num_components: k,
            num_dims: d,
            logits: a,
            means: m,
            scales: s,
        }
    }
}

impl BatchFromParts<f32> for mixgrad_diag_batch_f32 {
    fn from_parts(n: usize, k: u32, d: u32, a: *const f32, m: *const f32, s: *const f32) -> Self {
        mixgrad_diag_batch_f32 {
            batch: n,
            num_components: k,
            num_dims: d,
            logits: a,
            means: m,
            scales: s,
        }
    }
}

#[allow(clippy::missing_safety_doc)]
trait CBatchApi: CApi {
    type Batch;
    fn batch(
        n: usize,
        k: u32,
        d: u32,
        a: *const Self,
        m: *const Self,
        s: *const Self,
    ) -> Self::Batch;
    unsafe fn validate(mix: *const Self::Mix) -> u32;
    unsafe fn log_prob_grad(
        mix: *const Self::Mix,
        x: *const Self,
        lp: *mut Self,
        grads: Grads<Self>,
    ) -> u32;
    unsafe fn log_prob_many(mix: *const Self::Mix, n: usize, x: *const Self, lp: *mut Self) -> u32;
    unsafe fn log_prob_grad_many(
        mix: *const Self::Mix,
        n: usize,
        x: *const Self,
        lp: *mut Self,
        grads: Grads<Self>,
    ) -> u32;
    unsafe fn cdf_many(mix: *const Self::Mix, n: usize, x: *const Self, u: *mut Self) -> u32;
    unsafe fn quantile_many(mix: *const Self::Mix, n: usize, u: *const Self, x: *mut Self) -> u32;
    unsafe fn vjp_many(
        mix: *const Self::Mix,
        n: usize,
        x: *const Self,
        xb: *const Self,
        bars: Bars<Self>,
    ) -> u32;
    unsafe fn first_zero_density_many(
        mix: *const Self::Mix,
        n: usize,
        x: *const Self,
        row: *mut usize,
    ) -> u32;
    unsafe fn sample_quantile_many(
        mix: *const Self::Mix,
        rng: *mut mixgrad_rng,
        n: usize,
        x: *mut Self,
        u: *mut Self,
    ) -> u32;
    unsafe fn sample_ancestral_many(
        mix: *const Self::Mix,
        rng: *mut mixgrad_rng,
        n: usize,
        x: *mut Self,
        c: *mut u32,
    ) -> u32;
    unsafe fn batch_validate(b: *const Self::Batch) -> u32;
    unsafe fn batch_log_prob(b: *const Self::Batch, x: *const Self, lp: *mut Self) -> u32;
    unsafe fn batch_log_prob_grad(
        b: *const Self::Batch,
        x: *const Self,
        lp: *mut Self,
        grads: Grads<Self>,
    ) -> u32;
    unsafe fn batch_cdf(b: *const Self::Batch, x: *const Self, u: *mut Self) -> u32;
    unsafe fn batch_quantile(b: *const Self::Batch, u: *const Self, x: *mut Self) -> u32;
    unsafe fn batch_vjp(
        b: *const Self::Batch,
        x: *const Self,
        xb: *const Self,
        bars: Bars<Self>,
    ) -> u32;
    unsafe fn batch_first_zero_density(
        b: *const Self::Batch,
        x: *const Self,
        row: *mut usize,
    ) -> u32;
    unsafe fn batch_sample_quantile(
        b: *const Self::Batch,
        rng: *mut mixgrad_rng,
        x: *mut Self,
        u: *mut Self,
    ) -> u32;
    unsafe fn batch_sample_ancestral(
        b: *const Self::Batch,
        rng: *mut mixgrad_rng,
        x: *mut Self,
        c: *mut u32,
    ) -> u32;
}

c_batch_api!(
    f64, mixgrad_diag_f64, mixgrad_diag_batch_f64,
    single: mixgrad_diag_validate_f64, mixgrad_diag_log_prob_grad_f64,
    many: mixgrad_diag_log_prob_many_f64, mixgrad_diag_log_prob_grad_many_f64,
        mixgrad_diag_cdf_many_f64, mixgrad_diag_quantile_many_f64, mixgrad_diag_vjp_many_f64,
        mixgrad_diag_first_zero_density_many_f64, mixgrad_diag_sample_quantile_many_f64,
        mixgrad_diag_sample_ancestral_many_f64,
    packed: mixgrad_diag_batch_validate_f64, mixgrad_diag_batch_log_prob_f64,
        mixgrad_diag_batch_log_prob_grad_f64, mixgrad_diag_batch_cdf_f64,
        mixgrad_diag_batch_quantile_f64, mixgrad_diag_batch_vjp_f64,
        mixgrad_diag_batch_first_zero_density_f64, mixgrad_diag_batch_sample_quantile_f64,
        mixgrad_diag_batch_sample_ancestral_f64
);
c_batch_api!(
    f32, mixgrad_diag_f32, mixgrad_diag_batch_f32,
    single: mixgrad_diag_validate_f32, mixgrad_diag_log_prob_grad_f32,
    many: mixgrad_diag_log_prob_many_f32, mixgrad_diag_log_prob_grad_many_f32,
        mixgrad_diag_cdf_many_f32, mixgrad_diag_quantile_many_f32, mixgrad_diag_vjp_many_f32,
        mixgrad_diag_first_zero_density_many_f32, mixgrad_diag_sample_quantile_many_f32,
        mixgrad_diag_sample_ancestral_many_f32,
    packed: mixgrad_diag_batch_validate_f32, mixgrad_diag_batch_log_prob_f32,
        mixgrad_diag_batch_log_prob_grad_f32, mixgrad_diag_batch_cdf_f32,
        mixgrad_diag_batch_quantile_f32, mixgrad_diag_batch_vjp_f32,
        mixgrad_diag_batch_first_zero_density_f32, mixgrad_diag_batch_sample_quantile_f32,
        mixgrad_diag_batch_sample_ancestral_f32
);

const OK: u32 = mixgrad_status::MIXGRAD_OK as u32;
const NULL_POINTER: u32 = mixgrad_status::MIXGRAD_ERR_NULL_POINTER as u32;
const OVERLAPPING_BUFFERS: u32 = mixgrad_status::MIXGRAD_ERR_OVERLAPPING_BUFFERS as u32;
const NONFINITE_X: u32 = mixgrad_status::MIXGRAD_ERR_NONFINITE_X as u32;
const NONFINITE_COTANGENT: u32 = mixgrad_status::MIXGRAD_ERR_NONFINITE_COTANGENT as u32;
const ZERO_DENSITY: u32 = mixgrad_status::MIXGRAD_ERR_ZERO_DENSITY as u32;
const NO_COMPONENTS: u32 = mixgrad_status::MIXGRAD_ERR_NO_COMPONENTS as u32;
const NO_DIMENSIONS: u32 = mixgrad_status::MIXGRAD_ERR_NO_DIMENSIONS as u32;
const TOO_MANY_COMPONENTS: u32 = mixgrad_status::MIXGRAD_ERR_TOO_MANY_COMPONENTS as u32;

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
        let p = decode::<f32>(data);
        check(&p, fault);
        tril(&p);
        gamma(&p, fault);
    } else {
        let p = decode::<f64>(data);
        check(&p, fault);
        tril(&p);
        gamma(&p, fault);
    }
});

/// The Gamma calls of one precision (`mixgrad_gamma_*`), status as `u32`.
trait CGamma: Real {
    unsafe fn cdf(a: Self, r: Self, x: Self, u: *mut Self) -> u32;
    unsafe fn quantile(a: Self, r: Self, u: Self, x: *mut Self) -> u32;
    unsafe fn grad(a: Self, r: Self, x: Self, da: *mut Self, dr: *mut Self) -> u32;
    unsafe fn sample(a: Self, r: Self, rng: *mut mixgrad_rng, x: *mut Self) -> u32;
}

macro_rules! c_gamma {
    ($f:ty, $cdf:ident, $q:ident, $grad:ident, $sample:ident) => {
        impl CGamma for $f {
            unsafe fn cdf(a: $f, r: $f, x: $f, u: *mut $f) -> u32 {
                unsafe { mixgrad_capi::$cdf(a, r, x, u) as u32 }
            }
            unsafe fn quantile(a: $f, r: $f, u: $f, x: *mut $f) -> u32 {
                unsafe { mixgrad_capi::$q(a, r, u, x) as u32 }
            }
            unsafe fn grad(a: $f, r: $f, x: $f, da: *mut $f, dr: *mut $f) -> u32 {
                unsafe { mixgrad_capi::$grad(a, r, x, da, dr) as u32 }
            }
            unsafe fn sample(a: $f, r: $f, rng: *mut mixgrad_rng, x: *mut $f) -> u32 {
                unsafe { mixgrad_capi::$sample(a, r, rng, x) as u32 }
            }
        }
    };
}

c_gamma!(
    f64,
    mixgrad_gamma_cdf_f64,
    mixgrad_gamma_quantile_f64,
    mixgrad_gamma_grad_f64,
    mixgrad_gamma_sample_f64
);
c_gamma!(
    f32,
    mixgrad_gamma_cdf_f32,
    mixgrad_gamma_quantile_f32,
    mixgrad_gamma_grad_f32,
    mixgrad_gamma_sample_f32
);

/// The Gamma functions (docs/math.md §11) with the problem's first two
/// logits as shape and rate and its first `x` and `u`, against the Rust
/// `Gamma` as the oracle: the same status and bits, nothing written on
/// error, the generator advanced only on success. A NULL-pointer fault
/// nulls the (first) output: `MIXGRAD_ERR_NULL_POINTER` whatever the
/// values (for `grad`, whose outputs are optional, a skipped output).
fn gamma<F: CGamma>(p: &Problem<F>, fault: Fault) {
    let (Some(&a), Some(&x), Some(&u)) = (p.logits.first(), p.x.first(), p.u.first()) else {
        return;
    };
    let r = p.logits.get(1).copied().unwrap_or(F::ONE);
    let null = matches!(fault, Fault::Null(_));
    let rust = mixgrad::Gamma::new(a, r);
    let bits = |v: Result<F, Error>| v.map(F::bits).map_err(code);
    let expect = |got: u32, out: F, want: Result<F::Bits, u32>| match want {
        _ if null => assert_eq!(got, mixgrad_status::MIXGRAD_ERR_NULL_POINTER as u32),
        Ok(b) => assert_eq!((got, out.bits()), (OK, b), "gamma"),
        Err(c) => assert!(
            got == c && untouched(&[out]),
            "gamma status {got}, expected {c}"
        ),
    };
    let out_ptr = |o: &mut F| {
        if null {
            core::ptr::null_mut()
        } else {
            o as *mut F
        }
    };
    let mut o = poisoned::<F>(1)[0];
    let got = unsafe { F::cdf(a, r, x, out_ptr(&mut o)) };
    expect(got, o, bits(rust.and_then(|g| g.cdf(x))));
    let mut o = poisoned::<F>(1)[0];
    let got = unsafe { F::quantile(a, r, u, out_ptr(&mut o)) };
    expect(got, o, bits(rust.and_then(|g| g.quantile(u))));
    let (mut da, mut dr) = (poisoned::<F>(1)[0], poisoned::<F>(1)[0]);
    let got = unsafe { F::grad(a, r, x, out_ptr(&mut da), &mut dr) };
    let want = rust.and_then(|g| Ok((g.dx_dalpha(x)?, g.dx_drate(x)?)));
    match want {
        Ok((wa, wr)) => {
            assert_eq!((got, dr.bits()), (OK, wr.bits()));
            assert!(null || da.bits() == wa.bits());
        }
        Err(e) => assert!(got == code(e) && untouched(&[da, dr])),
    }
    let start = mixgrad_rng::from_seed(p.seed);
    let mut rng = start;
    let mut o = poisoned::<F>(1)[0];
    let got = unsafe { F::sample(a, r, &mut rng, out_ptr(&mut o)) };
    let mut reference = Xoshiro256PlusPlus::seed_from_u64(p.seed);
    match rust {
        _ if null => {
            assert!(got == mixgrad_status::MIXGRAD_ERR_NULL_POINTER as u32 && rng == start)
        }
        Ok(g) => assert_eq!((got, o.bits()), (OK, g.sample(&mut reference).bits())),
        Err(e) => assert!(got == code(e) && untouched(&[o]) && rng == start),
    }
}

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

fn check<F: CBatchApi + CLocscale>(p: &Problem<F>, fault: Fault) {
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

    if fault == Fault::None {
        batches(p);
        locscale(p);
    }
}

// ---- The location-scale functions (docs/math.md §9) ---------------------

/// The `mixgrad_locscale_*` declarations, as a C program would write them.
macro_rules! c_locscale {
    ($f:ty, $mix:ident, $cdf:ident, $quantile:ident, $vjp:ident, $lp:ident, $sq:ident,
     $sa:ident) => {
        extern "C" {
            fn $cdf(mix: *const $mix, x: *const $f, u: *mut $f) -> u32;
            fn $quantile(mix: *const $mix, u: *const $f, x: *mut $f) -> u32;
            fn $vjp(
                mix: *const $mix,
                x: *const $f,
                x_bar: *const $f,
                a: *mut $f,
                m: *mut $f,
                s: *mut $f,
            ) -> u32;
            fn $lp(mix: *const $mix, x: *const $f, lp: *mut $f) -> u32;
            fn $sq(mix: *const $mix, rng: *mut mixgrad_rng, x: *mut $f, u: *mut $f) -> u32;
            fn $sa(mix: *const $mix, rng: *mut mixgrad_rng, x: *mut $f, c: *mut u32) -> u32;
        }

        impl CLocscale for $f {
            type Loc = $mix;
            fn loc(code: u32, k: u32, d: u32, a: &[$f], m: &[$f], s: &[$f]) -> $mix {
                $mix {
                    family: code,
                    num_components: k,
                    num_dims: d,
                    logits: a.as_ptr(),
                    locs: m.as_ptr(),
                    scales: s.as_ptr(),
                }
            }
            unsafe fn loc_cdf(mix: &$mix, x: &[$f], u: &mut [$f]) -> u32 {
                unsafe { $cdf(mix, x.as_ptr(), u.as_mut_ptr()) }
            }
            unsafe fn loc_quantile(mix: &$mix, u: &[$f], x: &mut [$f]) -> u32 {
                unsafe { $quantile(mix, u.as_ptr(), x.as_mut_ptr()) }
            }
            unsafe fn loc_vjp(mix: &$mix, x: &[$f], xb: &[$f], g: &mut [Vec<$f>; 3]) -> u32 {
                let [a, m, s] = g;
                unsafe {
                    $vjp(
                        mix,
                        x.as_ptr(),
                        xb.as_ptr(),
                        a.as_mut_ptr(),
                        m.as_mut_ptr(),
                        s.as_mut_ptr(),
                    )
                }
            }
            unsafe fn loc_log_prob(mix: &$mix, x: &[$f], lp: &mut $f) -> u32 {
                unsafe { $lp(mix, x.as_ptr(), lp) }
            }
            unsafe fn loc_sample_quantile(
                mix: &$mix,
                rng: &mut mixgrad_rng,
                x: &mut [$f],
                u: &mut [$f],
            ) -> u32 {
                unsafe { $sq(mix, rng, x.as_mut_ptr(), u.as_mut_ptr()) }
            }
            unsafe fn loc_sample_ancestral(
                mix: &$mix,
                rng: &mut mixgrad_rng,
                x: &mut [$f],
                c: &mut u32,
            ) -> u32 {
                unsafe { $sa(mix, rng, x.as_mut_ptr(), c) }
            }
        }
    };
}

/// The location-scale calls of one precision (buffers of the lengths the
/// problem's `K` and `D` give).
trait CLocscale: Real {
    type Loc;
    fn loc(code: u32, k: u32, d: u32, a: &[Self], m: &[Self], s: &[Self]) -> Self::Loc;
    unsafe fn loc_cdf(mix: &Self::Loc, x: &[Self], u: &mut [Self]) -> u32;
    unsafe fn loc_quantile(mix: &Self::Loc, u: &[Self], x: &mut [Self]) -> u32;
    unsafe fn loc_vjp(mix: &Self::Loc, x: &[Self], xb: &[Self], g: &mut [Vec<Self>; 3]) -> u32;
    unsafe fn loc_log_prob(mix: &Self::Loc, x: &[Self], lp: &mut Self) -> u32;
    unsafe fn loc_sample_quantile(
        mix: &Self::Loc,
        rng: &mut mixgrad_rng,
        x: &mut [Self],
        u: &mut [Self],
    ) -> u32;
    unsafe fn loc_sample_ancestral(
        mix: &Self::Loc,
        rng: &mut mixgrad_rng,
        x: &mut [Self],
        c: &mut u32,
    ) -> u32;
}

c_locscale!(
    f64,
    mixgrad_locscale_f64,
    mixgrad_locscale_cdf_f64,
    mixgrad_locscale_quantile_f64,
    mixgrad_locscale_vjp_f64,
    mixgrad_locscale_log_prob_f64,
    mixgrad_locscale_sample_quantile_f64,
    mixgrad_locscale_sample_ancestral_f64
);
c_locscale!(
    f32,
    mixgrad_locscale_f32,
    mixgrad_locscale_cdf_f32,
    mixgrad_locscale_quantile_f32,
    mixgrad_locscale_vjp_f32,
    mixgrad_locscale_log_prob_f32,
    mixgrad_locscale_sample_quantile_f32,
    mixgrad_locscale_sample_ancestral_f32
);

const UNKNOWN_FAMILY: u32 = mixgrad_status::MIXGRAD_ERR_UNKNOWN_FAMILY as u32;

/// What each location-scale call must return: a status and, on `OK`, the
/// outputs (as the oracle wrote them).
struct Expected<F> {
    cdf: (u32, Vec<F>),
    quantile: (u32, Vec<F>),
    vjp: (u32, [Vec<F>; 3]),
    log_prob: (u32, F),
    sample_quantile: (u32, Vec<F>, Vec<F>),
    sample_ancestral: (u32, Vec<F>, u32),
}

/// The Rust API of `family` on the problem: the oracle of [`locscale`].
fn oracle<F: Real, G: Family>(p: &Problem<F>, family: G) -> Expected<F> {
    let (k, d) = (p.k, p.d);
    let view = DiagMixtureRef::of_family(family, &p.logits, &p.means, &p.scales, d);
    let mut u = poisoned::<F>(d);
    let cdf = status(view.and_then(|v| v.cdf(&p.x, &mut u)));
    let mut x = poisoned::<F>(d);
    let quantile = status(view.and_then(|v| v.quantile(&p.u, &mut x)));
    let mut g = [poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d)];
    let vjp = {
        let [a, m, s] = &mut g;
        status(view.and_then(|v| v.vjp(&p.x, &p.x_bar, a, m, s)))
    };
    let lp = view.and_then(|v| v.log_prob(&p.x));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed);
    let (mut sx, mut su) = (poisoned::<F>(d), poisoned::<F>(d));
    let sq = status(view.and_then(|v| {
        v.sample_quantile(&mut rng, &mut sx, Some(&mut su))
            .map(|_| ())
    }));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(p.seed);
    let mut ax = poisoned::<F>(d);
    let sa = view.and_then(|v| v.sample_ancestral(&mut rng, &mut ax));
    Expected {
        cdf: (cdf, u),
        quantile: (quantile, x),
        vjp: (vjp, g),
        log_prob: (status(lp.map(|_| ())), lp.unwrap_or_else(|_| F::poison())),
        sample_quantile: (sq, sx, su),
        sample_ancestral: (
            status(sa.map(|_| ())),
            ax,
            sa.map_or(u32::MAX, |c| c as u32),
        ),
    }
}

/// Every location-scale call against [`oracle`]: the same status; on `OK`
/// the same bits, on an error nothing written and the generator where it
/// was.
fn locscale<F: CLocscale>(p: &Problem<F>) {
    let (k, d) = (p.k, p.d);
    let code = p.family_code();
    let want = match FamilyKind::from_code(code) {
        Some(FamilyKind::Gaussian) => oracle(p, Gaussian),
        Some(FamilyKind::Logistic) => oracle(p, Logistic),
        Some(FamilyKind::Laplace) => oracle(p, Laplace),
        Some(FamilyKind::Cauchy) => oracle(p, Cauchy),
        None => Expected {
            cdf: (UNKNOWN_FAMILY, poisoned(d)),
            quantile: (UNKNOWN_FAMILY, poisoned(d)),
            vjp: (
                UNKNOWN_FAMILY,
                [poisoned(k), poisoned(k * d), poisoned(k * d)],
            ),
            log_prob: (UNKNOWN_FAMILY, F::poison()),
            sample_quantile: (UNKNOWN_FAMILY, poisoned(d), poisoned(d)),
            sample_ancestral: (UNKNOWN_FAMILY, poisoned(d), u32::MAX),
        },
    };
    // K ≤ 65 and D ≤ 1024 by construction: the casts are exact.
    let mix = F::loc(code, k as u32, d as u32, &p.logits, &p.means, &p.scales);
    // The status the oracle's; on OK its outputs' bits, on an error every
    // output still holding the poison it was given.
    let judge = |what: &str, got: u32, want: u32, outs: &[(&[F], &[F])]| {
        assert_eq!(got, want, "locscale {what} status (family code {code})");
        for (j, &(out, oracle)) in outs.iter().enumerate() {
            if got == OK {
                assert!(
                    same_bits(out, oracle),
                    "locscale {what}: output {j} differs"
                );
            } else {
                assert!(untouched(out), "locscale {what}: refusal wrote output {j}");
            }
        }
    };

    let mut u = poisoned::<F>(d);
    let got = unsafe { F::loc_cdf(&mix, &p.x, &mut u) };
    judge("cdf", got, want.cdf.0, &[(&u, &want.cdf.1)]);

    let mut x = poisoned::<F>(d);
    let got = unsafe { F::loc_quantile(&mix, &p.u, &mut x) };
    judge("quantile", got, want.quantile.0, &[(&x, &want.quantile.1)]);

    let mut g = [poisoned::<F>(k), poisoned::<F>(k * d), poisoned::<F>(k * d)];
    let got = unsafe { F::loc_vjp(&mix, &p.x, &p.x_bar, &mut g) };
    let wg = &want.vjp.1;
    let outs: Vec<(&[F], &[F])> = (0..3).map(|j| (&g[j][..], &wg[j][..])).collect();
    judge("vjp", got, want.vjp.0, &outs);

    let mut lp = F::poison();
    let got = unsafe { F::loc_log_prob(&mix, &p.x, &mut lp) };
    judge(
        "log_prob",
        got,
        want.log_prob.0,
        &[(&[lp], &[want.log_prob.1])],
    );

    let start = mixgrad_rng::from_seed(p.seed);
    let mut rng = start;
    let (mut x, mut u) = (poisoned::<F>(d), poisoned::<F>(d));
    let got = unsafe { F::loc_sample_quantile(&mix, &mut rng, &mut x, &mut u) };
    let (st, wx, wu) = &want.sample_quantile;
    judge("sample_quantile", got, *st, &[(&x, wx), (&u, wu)]);
    assert!(
        got == OK || rng == start,
        "locscale sample_quantile: refusal advanced the generator"
    );

    let mut rng = start;
    let mut x = poisoned::<F>(d);
    let mut c = u32::MAX;
    let got = unsafe { F::loc_sample_ancestral(&mix, &mut rng, &mut x, &mut c) };
    let (st, wx, wc) = &want.sample_ancestral;
    judge("sample_ancestral", got, *st, &[(&x, wx)]);
    assert_eq!(
        c,
        if got == OK { *wc } else { u32::MAX },
        "locscale sample_ancestral component"
    );
    assert!(
        got == OK || rng == start,
        "locscale sample_ancestral: refusal advanced the generator"
    );
}

/// The status of a batch call over rows whose single calls returned
/// `statuses` (`n ≥ 1`): a parameter or shape error is every row's (a
/// packed batch's mixtures are rotations of one mixture, so they are all
/// valid or all invalid, and the first one's error is reported), and
/// otherwise the first row's error decides, except that a gradient checks
/// every row's `x` before any row's cotangent and runs the zero-density
/// pre-pass last.
fn batch_status(statuses: &[u32], vjp: bool) -> u32 {
    if !vjp {
        return statuses.iter().copied().find(|&s| s != OK).unwrap_or(OK);
    }
    let per_row = [NONFINITE_X, NONFINITE_COTANGENT, ZERO_DENSITY];
    if let Some(&shared) = statuses.iter().find(|&&s| s != OK && !per_row.contains(&s)) {
        return shared;
    }
    per_row
        .into_iter()
        .find(|want| statuses.contains(want))
        .unwrap_or(OK)
}

/// The rows of the batch checks and the mixtures they go with.
struct Rows<F: CBatchApi> {
    n: usize,
    k: usize,
    d: usize,
    /// The problem's mixture: every row's in the `_many` forms.
    mix: F::Mix,
    /// `n` mixtures packed, mixture `i` the problem's with its components
    /// rotated by `i` (as valid as the problem's, with other values where
    /// they sit).
    packed: F::Batch,
    /// Mixture `i` of `packed` as a mixture of its own: the oracle's.
    mixes: Vec<F::Mix>,
    /// Owner of the packed arrays `packed` and `mixes` point into.
    _arrays: [Vec<F>; 3],
    /// `n·D` points, uniforms and cotangents.
    x: Vec<F>,
    u: Vec<F>,
    x_bar: Vec<F>,
    /// `D` zero cotangents: a single `vjp` with these refuses a row for
    /// its density only.
    zero: Vec<F>,
    /// `n = 0` with NULL for every array of rows.
    null: bool,
    seed: u64,
    /// Which optional outputs the calls get: bit `j` for output `j` of
    /// `log_prob_grad`, bit 0 also `u` of the quantile samplers, bit 1 the
    /// components of the ancestral ones.
    mask: u8,
}

impl<F: CBatchApi> Rows<F> {
    /// The rows of problem `p`. The last seed byte picks how many (0 to
    /// 3, or 65 on small problems: past the 64-row blocks in which the C
    /// layer copies components), whether rows are the problem's `x`, `u`
    /// and `x̄` rotated (so a bad value lands in different rows of
    /// different arguments) or nudged by a few ulps (distinct rows, as
    /// valid as the problem's), and for `n = 0` whether the arrays are
    /// NULL. The byte before it (inverted: zeros ask for everything) picks
    /// the optional outputs.
    fn new(p: &Problem<F>) -> Self {
        let (k, d) = (p.k, p.d);
        let sel = (p.seed >> 56) as u8;
        let n = match sel % 8 {
            0 | 3 => 2,
            1 => 1,
            2 | 4 | 7 => 3,
            5 => 0,
            _ if k * d <= 64 => 65,
            _ => 3,
        };
        let nudge = sel & 8 != 0 || n > 3;
        let sources = [&p.x, &p.u, &p.x_bar];
        let rows = |j: usize| -> Vec<F> {
            (0..n)
                .flat_map(|i| {
                    let base = if nudge {
                        sources[j]
                    } else {
                        sources[(i + j) % 3]
                    };
                    base.iter()
                        .map(move |&v| if nudge { nudged(v, i) } else { v })
                })
                .collect()
        };
        let (x, u, x_bar) = (rows(0), rows(1), rows(2));
        // Component c of mixture i is the problem's component (c + i) % K.
        let rotated = |v: &[F], width: usize| -> Vec<F> {
            (0..n)
                .flat_map(|i| {
                    (0..k).flat_map(move |c| {
                        let src = (c + i) % k;
                        v[src * width..(src + 1) * width].iter().copied()
                    })
                })
                .collect()
        };
        let arrays = [
            rotated(&p.logits, 1),
            rotated(&p.means, d),
            rotated(&p.scales, d),
        ];
        let null = n == 0 && sel & 16 != 0;
        // K ≤ 65 and D ≤ 1024 by construction: the casts are exact.
        let (k32, d32) = (k as u32, d as u32);
        let [al, am, asc] = &arrays;
        let array = |v: &[F]| if null { core::ptr::null() } else { v.as_ptr() };
        let packed = F::batch(n, k32, d32, array(al), array(am), array(asc));
        let mixes = (0..n)
            .map(|i| {
                let (a, m) = (i * k, i * k * d);
                F::mix(
                    k32,
                    d32,
                    al[a..].as_ptr(),
                    am[m..].as_ptr(),
                    asc[m..].as_ptr(),
                )
            })
            .collect();
        let mix = F::mix(
            k32,
            d32,
            p.logits.as_ptr(),
            p.means.as_ptr(),
            p.scales.as_ptr(),
        );
        Rows {
            n,
            k,
            d,
            mix,
            packed,
            mixes,
            _arrays: arrays,
            x,
            u,
            x_bar,
            zero: vec![F::ZERO; d],
            null,
            seed: p.seed,
            mask: !((p.seed >> 48) as u8),
        }
    }

    /// The mixture of row `i` in `form`.
    fn one(&self, form: Form, i: usize) -> &F::Mix {
        match form {
            Form::Many => &self.mix,
            Form::Packed => &self.mixes[i],
        }
    }

    /// An input array of rows as the batch call gets it.
    fn rows<T>(&self, v: &[T]) -> *const T {
        if self.null {
            core::ptr::null()
        } else {
            v.as_ptr()
        }
    }

    /// An output array of rows as the batch call gets it.
    fn rows_mut<T>(&self, v: &mut [T]) -> *mut T {
        if self.null {
            core::ptr::null_mut()
        } else {
            v.as_mut_ptr()
        }
    }

    /// Row `i` of an array of `width`-value rows, for a single call.
    fn at(v: &[F], i: usize, width: usize) -> *const F {
        v[i * width..].as_ptr()
    }

    /// A gradient output as the batch call gets it: a summed one is
    /// required even for `n = 0`, a per-mixture one is an array of rows.
    fn grad_ptr(&self, form: Form, v: &mut [F]) -> *mut F {
        match form {
            Form::Many => v.as_mut_ptr(),
            Form::Packed => self.rows_mut(v),
        }
    }

    /// The expected status of a call in `form` whose rows' single calls
    /// returned `statuses`. With `n = 0` no row is read: the `_many` forms
    /// still check the mixture, a packed batch (which then has no
    /// mixture) only `K` and `D`.
    fn expected(&self, form: Form, statuses: &[u32], vjp: bool) -> u32 {
        if self.n > 0 {
            return batch_status(statuses, vjp);
        }
        let whole = unsafe { F::validate(&self.mix) };
        let shape = [NO_COMPONENTS, NO_DIMENSIONS, TOO_MANY_COMPONENTS];
        match form {
            Form::Many => whole,
            Form::Packed if shape.contains(&whole) => whole,
            Form::Packed => OK,
        }
    }

    /// Asserts the status, and then either every output equal to its
    /// oracle or (refused) every output untouched.
    fn judge(&self, what: &str, form: Form, got: u32, want: u32, outs: &[(&[F], &[F])]) {
        assert_eq!(got, want, "{form:?} {what}: status");
        for (i, &(out, oracle)) in outs.iter().enumerate() {
            if got == OK {
                assert!(
                    same_bits(out, oracle),
                    "{form:?} {what}: output {i} differs"
                );
            } else {
                assert!(untouched(out), "{form:?} {what}: refusal wrote output {i}");
            }
        }
    }
}

/// `v` moved `(i + 1) / 2` floats down (odd `i`) or up (even `i`), if
/// finite: row `i` of the nudged rows.
fn nudged<F: Real>(v: F, i: usize) -> F {
    let mut v = v;
    if v.is_finite() {
        for _ in 0..i.div_ceil(2) {
            v = v.next_toward(i.is_multiple_of(2));
        }
    }
    v
}

/// The batch forms (docs/math.md §8) on the rows of [`Rows::new`], each
/// against the single C calls on each row: the status the rows' statuses
/// imply, and on success the same bits (a summed gradient: the single
/// gradients added in row order to `+0`; a sampler: the draws of
/// consecutive single calls, leaving the generator where they leave it);
/// on refusal nothing written and the generator where it was.
fn batches<F: CBatchApi>(p: &Problem<F>) {
    if p.k * p.d > 16384 {
        return;
    }
    let r = Rows::<F>::new(p);
    // One of the SIMD paths the CPU has, by its C value (the order of
    // `SimdPath::ALL` is the enum's, from 1).
    let path = simd_path_for(p.seed);
    let value = mixgrad::SimdPath::ALL
        .iter()
        .position(|&q| q == path)
        .unwrap() as u32
        + 1;
    assert_eq!(unsafe { mixgrad_simd_force(value) }, 0, "{path:?}");
    assert_eq!(unsafe { mixgrad_simd_in_use() }, value);
    for form in [Form::Many, Form::Packed] {
        log_prob(&r, form);
        log_prob_grad(&r, form);
        per_dimension(&r, form, false);
        per_dimension(&r, form, true);
        vjp(&r, form);
        first_zero_density(&r, form);
        sample_quantile(&r, form);
        sample_ancestral(&r, form);
    }
    let got = unsafe { F::batch_validate(&r.packed) };
    let statuses: Vec<u32> = r.mixes.iter().map(|m| unsafe { F::validate(m) }).collect();
    assert_eq!(
        got,
        r.expected(Form::Packed, &statuses, false),
        "batch validate"
    );
}

fn log_prob<F: CBatchApi>(r: &Rows<F>, form: Form) {
    let (n, d) = (r.n, r.d);
    let mut lp = poisoned::<F>(n);
    let (x, out) = (r.rows(&r.x), r.rows_mut(&mut lp));
    let got = unsafe {
        match form {
            Form::Many => F::log_prob_many(&r.mix, n, x, out),
            Form::Packed => F::batch_log_prob(&r.packed, x, out),
        }
    };
    let mut want = poisoned::<F>(n);
    let statuses: Vec<u32> = (0..n)
        .map(|i| unsafe { F::log_prob(r.one(form, i), Rows::at(&r.x, i, d), &mut want[i]) })
        .collect();
    let expected = r.expected(form, &statuses, false);
    r.judge("log_prob", form, got, expected, &[(&lp, &want)]);
}

fn log_prob_grad<F: CBatchApi>(r: &Rows<F>, form: Form) {
    let (n, k, d) = (r.n, r.k, r.d);
    // x_grad, logits_grad, means_grad, scales_grad: values per row.
    let widths = [d, k, k * d, k * d];
    let mut lp = poisoned::<F>(n);
    let mut outs = [
        poisoned::<F>(n * d),
        poisoned::<F>(form.grad_len(r.n, k)),
        poisoned::<F>(form.grad_len(r.n, k * d)),
        poisoned::<F>(form.grad_len(r.n, k * d)),
    ];
    let mut ptrs: Grads<F> = [core::ptr::null_mut(); 4];
    for (j, (ptr, out)) in ptrs.iter_mut().zip(outs.iter_mut()).enumerate() {
        if r.mask & (1 << j) != 0 {
            *ptr = if j == 0 {
                r.rows_mut(out)
            } else {
                r.grad_ptr(form, out)
            };
        }
    }
    let (x, lp_ptr) = (r.rows(&r.x), r.rows_mut(&mut lp));
    let got = unsafe {
        match form {
            Form::Many => F::log_prob_grad_many(&r.mix, n, x, lp_ptr, ptrs),
            Form::Packed => F::batch_log_prob_grad(&r.packed, x, lp_ptr, ptrs),
        }
    };
    // The single calls get every output.
    let mut want_lp = poisoned::<F>(n);
    let mut want = [
        poisoned::<F>(n * d),
        form.grad_start(r.n, k),
        form.grad_start(r.n, k * d),
        form.grad_start(r.n, k * d),
    ];
    let mut statuses = vec![];
    for i in 0..n {
        let mut g = widths.map(poisoned::<F>);
        let st = unsafe {
            let [gx, ga, gm, gs] = &mut g;
            let ptrs = [gx, ga, gm, gs].map(|v| v.as_mut_ptr());
            F::log_prob_grad(r.one(form, i), Rows::at(&r.x, i, d), &mut want_lp[i], ptrs)
        };
        if st == OK {
            want[0][i * d..][..d].copy_from_slice(&g[0]);
            for j in 1..4 {
                form.fold(&mut want[j], i, &g[j]);
            }
        }
        statuses.push(st);
    }
    let expected = r.expected(form, &statuses, false);
    let mut compared: Vec<(&[F], &[F])> = vec![(&lp, &want_lp)];
    for (j, (out, oracle)) in outs.iter().zip(&want).enumerate() {
        if r.mask & (1 << j) != 0 {
            compared.push((out, oracle));
        } else {
            assert!(
                untouched(out),
                "{form:?} log_prob_grad wrote output {j}, not asked for"
            );
        }
    }
    r.judge("log_prob_grad", form, got, expected, &compared);
}

/// `cdf` (`x` in, `u` out) or `quantile` (`u` in, `x` out), row by row.
fn per_dimension<F: CBatchApi>(r: &Rows<F>, form: Form, quantile: bool) {
    let (n, d) = (r.n, r.d);
    let input = if quantile { &r.u } else { &r.x };
    let mut out = poisoned::<F>(n * d);
    let (inp, outp) = (r.rows(input), r.rows_mut(&mut out));
    let got = unsafe {
        match (form, quantile) {
            (Form::Many, false) => F::cdf_many(&r.mix, n, inp, outp),
            (Form::Many, true) => F::quantile_many(&r.mix, n, inp, outp),
            (Form::Packed, false) => F::batch_cdf(&r.packed, inp, outp),
            (Form::Packed, true) => F::batch_quantile(&r.packed, inp, outp),
        }
    };
    let mut want = poisoned::<F>(n * d);
    let statuses: Vec<u32> = (0..n)
        .map(|i| unsafe {
            let (mix, inp, o) = (
                r.one(form, i),
                Rows::at(input, i, d),
                want[i * d..].as_mut_ptr(),
            );
            if quantile {
                F::quantile(mix, inp, o)
            } else {
                F::cdf(mix, inp, o)
            }
        })
        .collect();
    let what = if quantile { "quantile" } else { "cdf" };
    let expected = r.expected(form, &statuses, false);
    r.judge(what, form, got, expected, &[(&out, &want)]);
}

fn vjp<F: CBatchApi>(r: &Rows<F>, form: Form) {
    let (n, k, d) = (r.n, r.k, r.d);
    let mut outs = [k, k * d, k * d].map(|w| poisoned::<F>(form.grad_len(r.n, w)));
    let [a, m, s] = &mut outs;
    let bars = [a, m, s].map(|v| r.grad_ptr(form, v));
    let (x, x_bar) = (r.rows(&r.x), r.rows(&r.x_bar));
    let got = unsafe {
        match form {
            Form::Many => F::vjp_many(&r.mix, n, x, x_bar, bars),
            Form::Packed => F::batch_vjp(&r.packed, x, x_bar, bars),
        }
    };
    let mut want = [k, k * d, k * d].map(|w| form.grad_start(r.n, w));
    let mut statuses = vec![];
    for i in 0..n {
        let mut g = [k, k * d, k * d].map(poisoned::<F>);
        let st = unsafe {
            let [a, m, s] = &mut g;
            let bars = [a, m, s].map(|v| v.as_mut_ptr());
            let (x, x_bar) = (Rows::at(&r.x, i, d), Rows::at(&r.x_bar, i, d));
            F::vjp(r.one(form, i), x, x_bar, bars[0], bars[1], bars[2])
        };
        if st == OK {
            for (w, g) in want.iter_mut().zip(&g) {
                form.fold(w, i, g);
            }
        }
        statuses.push(st);
    }
    let expected = r.expected(form, &statuses, true);
    let compared: Vec<(&[F], &[F])> = outs
        .iter()
        .zip(&want)
        .map(|(o, w)| (o.as_slice(), w.as_slice()))
        .collect();
    r.judge("vjp", form, got, expected, &compared);
}

/// The locator names the first row a `vjp` refuses for its density: the
/// rows' single `vjp`s with a zero cotangent (finite, so only the mixture,
/// `x` and the density can refuse them) are the oracle.
fn first_zero_density<F: CBatchApi>(r: &Rows<F>, form: Form) {
    let (n, k, d) = (r.n, r.k, r.d);
    let mut row = usize::MAX;
    let x = r.rows(&r.x);
    let got = unsafe {
        match form {
            Form::Many => F::first_zero_density_many(&r.mix, n, x, &mut row),
            Form::Packed => F::batch_first_zero_density(&r.packed, x, &mut row),
        }
    };
    let mut g = [k, k * d, k * d].map(poisoned::<F>);
    let statuses: Vec<u32> = (0..n)
        .map(|i| unsafe {
            let [a, m, s] = &mut g;
            let (a, m, s) = (a.as_mut_ptr(), m.as_mut_ptr(), s.as_mut_ptr());
            let (x, zero) = (Rows::at(&r.x, i, d), r.zero.as_ptr());
            F::vjp(r.one(form, i), x, zero, a, m, s)
        })
        .collect();
    let want = match r.expected(form, &statuses, true) {
        OK | ZERO_DENSITY => {
            let first = statuses.iter().position(|&s| s == ZERO_DENSITY);
            (OK, first.unwrap_or(n))
        }
        refused => (refused, usize::MAX),
    };
    assert_eq!((got, row), want, "{form:?} first_zero_density");
}

fn sample_quantile<F: CBatchApi>(r: &Rows<F>, form: Form) {
    let (n, d) = (r.n, r.d);
    let start = mixgrad_rng::from_seed(r.seed);
    let (mut rng, mut single) = (start, start);
    let (mut xs, mut us) = (poisoned::<F>(n * d), poisoned::<F>(n * d));
    let with_u = r.mask & 1 != 0;
    let u_ptr = if with_u {
        r.rows_mut(&mut us)
    } else {
        core::ptr::null_mut()
    };
    let x_ptr = r.rows_mut(&mut xs);
    let got = unsafe {
        match form {
            Form::Many => F::sample_quantile_many(&r.mix, &mut rng, n, x_ptr, u_ptr),
            Form::Packed => F::batch_sample_quantile(&r.packed, &mut rng, x_ptr, u_ptr),
        }
    };
    let (mut wx, mut wu) = (poisoned::<F>(n * d), poisoned::<F>(n * d));
    let statuses: Vec<u32> = (0..n)
        .map(|i| unsafe {
            let (x, u) = (wx[i * d..].as_mut_ptr(), wu[i * d..].as_mut_ptr());
            F::sample_quantile(r.one(form, i), &mut single, x, u)
        })
        .collect();
    let expected = r.expected(form, &statuses, false);
    let mut compared: Vec<(&[F], &[F])> = vec![(&xs, &wx)];
    if with_u {
        compared.push((&us, &wu));
    } else {
        assert!(untouched(&us));
    }
    r.judge("sample_quantile", form, got, expected, &compared);
    let end = if got == OK { single } else { start };
    assert!(rng == end, "{form:?} sample_quantile: generator state");
}

fn sample_ancestral<F: CBatchApi>(r: &Rows<F>, form: Form) {
    let (n, d) = (r.n, r.d);
    let start = mixgrad_rng::from_seed(r.seed);
    let (mut rng, mut single) = (start, start);
    let (mut xs, mut ks) = (poisoned::<F>(n * d), vec![u32::MAX; n]);
    let with_k = r.mask & 2 != 0;
    let k_ptr = if with_k {
        r.rows_mut(&mut ks)
    } else {
        core::ptr::null_mut()
    };
    let x_ptr = r.rows_mut(&mut xs);
    let got = unsafe {
        match form {
            Form::Many => F::sample_ancestral_many(&r.mix, &mut rng, n, x_ptr, k_ptr),
            Form::Packed => F::batch_sample_ancestral(&r.packed, &mut rng, x_ptr, k_ptr),
        }
    };
    let (mut wx, mut wk) = (poisoned::<F>(n * d), vec![u32::MAX; n]);
    let statuses: Vec<u32> = (0..n)
        .map(|i| unsafe {
            let x = wx[i * d..].as_mut_ptr();
            F::sample_ancestral(r.one(form, i), &mut single, x, &mut wk[i])
        })
        .collect();
    let expected = r.expected(form, &statuses, false);
    r.judge("sample_ancestral", form, got, expected, &[(&xs, &wx)]);
    let ks_ok = if got == OK && with_k {
        ks == wk
    } else {
        ks.iter().all(|&c| c == u32::MAX)
    };
    assert!(ks_ok, "{form:?} sample_ancestral: components");
    let end = if got == OK { single } else { start };
    assert!(rng == end, "{form:?} sample_ancestral: generator state");
}

// ---- Full covariance (docs/math.md §10) ---------------------------------

/// The `mixgrad_tril_*` declarations, as a C program would write them.
macro_rules! c_tril {
    ($f:ty, $mix:ident, $validate:ident, $lp:ident, $lpg:ident, $cdf:ident, $quantile:ident,
     $vjp:ident, $jac:ident, $sq:ident, $sa:ident) => {
        extern "C" {
            fn $validate(mix: *const $mix) -> u32;
            fn $lp(mix: *const $mix, x: *const $f, lp: *mut $f, w: *mut $f, n: usize) -> u32;
            fn $lpg(
                mix: *const $mix,
                x: *const $f,
                lp: *mut $f,
                gx: *mut $f,
                ga: *mut $f,
                gm: *mut $f,
                gl: *mut $f,
                w: *mut $f,
                n: usize,
            ) -> u32;
            fn $cdf(mix: *const $mix, x: *const $f, u: *mut $f, w: *mut $f, n: usize) -> u32;
            fn $quantile(mix: *const $mix, u: *const $f, x: *mut $f, w: *mut $f, n: usize) -> u32;
            fn $vjp(
                mix: *const $mix,
                x: *const $f,
                x_bar: *const $f,
                a: *mut $f,
                m: *mut $f,
                l: *mut $f,
                w: *mut $f,
                n: usize,
            ) -> u32;
            fn $jac(mix: *const $mix, x: *const $f, jac: *mut $f, w: *mut $f, n: usize) -> u32;
            fn $sq(
                mix: *const $mix,
                rng: *mut mixgrad_rng,
                x: *mut $f,
                u: *mut $f,
                w: *mut $f,
                n: usize,
            ) -> u32;
            fn $sa(
                mix: *const $mix,
                rng: *mut mixgrad_rng,
                x: *mut $f,
                c: *mut u32,
                w: *mut $f,
                n: usize,
            ) -> u32;
        }

        impl CTril for $f {
            type Tril = $mix;
            fn tril(k: u32, d: u32, a: *const $f, m: *const $f, l: *const $f) -> $mix {
                $mix {
                    num_components: k,
                    num_dims: d,
                    logits: a,
                    means: m,
                    scale_tril: l,
                }
            }
            unsafe fn tril_call(op: Op, p: &Ptrs<$f>) -> u32 {
                let (mix, w, n) = (p.mix, p.work, p.work_len);
                let out = |i: usize| p.arrays[i];
                let inp = |i: usize| p.arrays[i].cast_const();
                unsafe {
                    match op {
                        Op::Validate => $validate(mix),
                        Op::LogProb => $lp(mix, inp(0), out(1), w, n),
                        Op::LogProbGrad => {
                            $lpg(mix, inp(0), out(1), out(2), out(3), out(4), out(5), w, n)
                        }
                        Op::Cdf => $cdf(mix, inp(0), out(1), w, n),
                        Op::Quantile => $quantile(mix, inp(0), out(1), w, n),
                        Op::Vjp => $vjp(mix, inp(0), inp(1), out(2), out(3), out(4), w, n),
                        Op::Jacobian => $jac(mix, inp(0), out(1), w, n),
                        Op::SampleQuantile => $sq(mix, p.rng, out(0), out(1), w, n),
                        Op::SampleAncestral => $sa(mix, p.rng, out(0), p.component, w, n),
                    }
                }
            }
        }
    };
}

extern "C" {
    fn mixgrad_tril_work_len(num_components: u32, num_dims: u32) -> usize;
}

/// The full-covariance calls of one precision.
trait CTril: Real {
    type Tril;
    fn tril(k: u32, d: u32, a: *const Self, m: *const Self, l: *const Self) -> Self::Tril;
    /// Calls `op` with the pointers of `p` (its arrays in argument order).
    unsafe fn tril_call(op: Op, p: &Ptrs<Self>) -> u32;
}

c_tril!(
    f64,
    mixgrad_tril_f64,
    mixgrad_tril_validate_f64,
    mixgrad_tril_log_prob_f64,
    mixgrad_tril_log_prob_grad_f64,
    mixgrad_tril_cdf_f64,
    mixgrad_tril_quantile_f64,
    mixgrad_tril_vjp_f64,
    mixgrad_tril_jacobian_f64,
    mixgrad_tril_sample_quantile_f64,
    mixgrad_tril_sample_ancestral_f64
);
c_tril!(
    f32,
    mixgrad_tril_f32,
    mixgrad_tril_validate_f32,
    mixgrad_tril_log_prob_f32,
    mixgrad_tril_log_prob_grad_f32,
    mixgrad_tril_cdf_f32,
    mixgrad_tril_quantile_f32,
    mixgrad_tril_vjp_f32,
    mixgrad_tril_jacobian_f32,
    mixgrad_tril_sample_quantile_f32,
    mixgrad_tril_sample_ancestral_f32
);

const SHORT_WORKSPACE: u32 = mixgrad_status::MIXGRAD_ERR_SHORT_WORKSPACE as u32;
const UNSEEDED_RNG: u32 = mixgrad_status::MIXGRAD_ERR_UNSEEDED_RNG as u32;

/// A `mixgrad_tril_*` function (both precisions).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Validate,
    LogProb,
    LogProbGrad,
    Cdf,
    Quantile,
    Vjp,
    Jacobian,
    SampleQuantile,
    SampleAncestral,
}

impl Op {
    const ALL: [Op; 9] = [
        Op::Validate,
        Op::LogProb,
        Op::LogProbGrad,
        Op::Cdf,
        Op::Quantile,
        Op::Vjp,
        Op::Jacobian,
        Op::SampleQuantile,
        Op::SampleAncestral,
    ];

    /// The pointer arguments after the mixture and before the workspace,
    /// in the C order, for `K` and `D`.
    fn args(self, k: usize, d: usize) -> Vec<Arg> {
        use Arg::{Component, In, Out, Rng};
        let (kd, kdd) = (k * d, k * d * d);
        match self {
            Op::Validate => vec![],
            Op::LogProb => vec![In(Src::X), Out(1, false)],
            Op::LogProbGrad => vec![
                In(Src::X),
                Out(1, true),
                Out(d, true),
                Out(k, true),
                Out(kd, true),
                Out(kdd, true),
            ],
            Op::Cdf => vec![In(Src::X), Out(d, false)],
            Op::Quantile => vec![In(Src::U), Out(d, false)],
            Op::Vjp => vec![
                In(Src::X),
                In(Src::XBar),
                Out(k, false),
                Out(kd, false),
                Out(kdd, false),
            ],
            Op::Jacobian => vec![In(Src::X), Out(tril_jacobian_len(k, d), false)],
            Op::SampleQuantile => vec![Rng, Out(d, false), Out(d, true)],
            Op::SampleAncestral => vec![Rng, Out(d, false), Component],
        }
    }

    /// Every function but `validate` takes the workspace.
    fn has_work(self) -> bool {
        self != Op::Validate
    }

    fn samples(self) -> bool {
        matches!(self, Op::SampleQuantile | Op::SampleAncestral)
    }
}

/// A pointer argument of a `mixgrad_tril_*` function after the mixture.
#[derive(Clone, Copy, Debug)]
enum Arg {
    /// `D` values of the problem.
    In(Src),
    /// An array of this many values; `true` if NULL skips it.
    Out(usize, bool),
    /// The generator.
    Rng,
    /// The ancestral sampler's component (NULL skips it).
    Component,
}

#[derive(Clone, Copy, Debug)]
enum Src {
    X,
    U,
    XBar,
}

impl Arg {
    fn optional(self) -> bool {
        matches!(self, Arg::Out(_, true) | Arg::Component)
    }
}

/// The pointers of one call: the mixture, the call's arrays (inputs and
/// outputs, in argument order), the generator, the component, the
/// workspace.
struct Ptrs<F: CTril> {
    mix: *const F::Tril,
    arrays: Vec<*mut F>,
    rng: *mut mixgrad_rng,
    component: *mut u32,
    work: *mut F,
    work_len: usize,
}

/// The fault of a full-covariance call, from the same selector as the
/// diagonal ones (bits 3..7 of the flag byte).
#[derive(Clone, Copy, Debug, PartialEq)]
enum TrilFault {
    None,
    /// Pointer `(n + 4) % count` NULL, counting the mixture 0, its arrays
    /// 1..=3, the call's own pointers from 4 and the workspace last: the
    /// shift lets the eight selector values reach every pointer of the
    /// calls with more than eight.
    Null(usize),
    /// Every array of the call in one allocation, each abutting the next;
    /// for `n < 7` one array moved a value back so that it overlaps its
    /// neighbour by exactly that value (see [`layout`]), for 7 none moved.
    Alias(usize),
}

/// One way of calling a function: the factors it gets, the workspace
/// (its length and its contents on entry), the fault, whether the
/// generator is seeded, and which optional outputs are NULL (bit `j` for
/// the `j`-th optional argument).
struct Run<'a, F> {
    what: &'static str,
    tril: &'a [F],
    len: usize,
    fill: F,
    fault: TrilFault,
    seeded: bool,
    skip: u8,
}

/// What the Rust API gives for a call: the C status of its result and,
/// on success, its outputs (one per `Arg::Out`, poisoned if it refused),
/// the generator after the call and the component.
struct Want<F> {
    status: u32,
    outs: Vec<Vec<F>>,
    rng: mixgrad_rng,
    component: u32,
}

/// The Rust API on the problem, the factors `tril` and a slice workspace
/// of `len` values (`len` at least `work_len`: the same length semantics
/// as the C call), with a `mixgrad_rng` as the generator (its stream is
/// `Xoshiro256PlusPlus`'s, so the C generator's state can be compared).
fn tril_oracle<F: CTril>(p: &Problem<F>, tril: &[F], op: Op, len: usize) -> Want<F> {
    let mut outs: Vec<Vec<F>> = op
        .args(p.k, p.d)
        .into_iter()
        .filter_map(|a| match a {
            Arg::Out(n, _) => Some(poisoned(n)),
            _ => None,
        })
        .collect();
    let mut rng = mixgrad_rng::from_seed(p.seed);
    let mut component = u32::MAX;
    let mut work = poisoned::<F>(len);
    let work = &mut work[..];
    let r = TrilMixtureRef::new(&p.logits, &p.means, tril, p.d).and_then(|mix| {
        match (op, &mut outs[..]) {
            (Op::Validate, []) => Ok(()),
            (Op::LogProb, [lp]) => mix.log_prob(&p.x, work).map(|v| lp[0] = v),
            (Op::LogProbGrad, [lp, gx, ga, gm, gl]) => {
                let grad = TrilLogProbGrad {
                    x: Some(&mut gx[..]),
                    logits: Some(&mut ga[..]),
                    means: Some(&mut gm[..]),
                    scale_tril: Some(&mut gl[..]),
                };
                mix.log_prob_grad(&p.x, grad, work).map(|v| lp[0] = v)
            }
            (Op::Cdf, [u]) => mix.cdf(&p.x, u, work),
            (Op::Quantile, [x]) => mix.quantile(&p.u, x, work).map(drop),
            (Op::Vjp, [a, m, l]) => mix.vjp(&p.x, &p.x_bar, a, m, l, work),
            (Op::Jacobian, [jac]) => mix.jacobian(&p.x, jac, work),
            (Op::SampleQuantile, [x, u]) => mix
                .sample_quantile(&mut rng, x, Some(&mut u[..]), work)
                .map(drop),
            (Op::SampleAncestral, [x]) => mix
                .sample_ancestral(&mut rng, x)
                .map(|c| component = c as u32),
            _ => unreachable!("the outputs of {op:?}"),
        }
    });
    Want {
        status: status(r),
        outs,
        rng,
        component,
    }
}

/// What one C call left: its status, each `Arg::Out` buffer and whether
/// the call got it, the generator, the component slot and whether the
/// call got it.
struct Ran<F> {
    status: u32,
    outs: Vec<(Vec<F>, bool)>,
    rng: mixgrad_rng,
    component: (u32, bool),
    /// Whether its arrays overlapped (an `Alias` fault that moved one).
    overlap: bool,
    /// Whether the inputs (with overlapping arrays: every array) are as
    /// they were.
    kept: bool,
}

/// Where the arrays of a call lie in the one allocation of an `Alias(n)`
/// fault: their order, and the one moved back a value onto its
/// predecessor, if any. The `count` arrays are numbered in their natural
/// order: logits 0, means 1, factors 2, the call's own (of which
/// `outputs`), the workspace `work` last.
///
/// `n` in 0..=3: the natural order, output `n` (the workspace counted as
/// the last output, `n` modulo their number) moved onto what precedes it:
/// the last input (the factors, for the samplers), another output, or,
/// for the workspace, the last output. `n` in 4..=6: the workspace first,
/// then logits, means or factors (by `n − 4`) moved onto its last used
/// value. 7: nothing moved.
fn layout(n: usize, outputs: &[usize], work: usize, count: usize) -> (Vec<usize>, Option<usize>) {
    let natural: Vec<usize> = (0..count).collect();
    match n {
        0..=3 => {
            let mut targets = outputs.to_vec();
            targets.push(work);
            (natural, Some(targets[n % targets.len()]))
        }
        4..=6 => {
            let moved = n - 4;
            let mut order = vec![work, moved];
            order.extend((0..count).filter(|&i| i != work && i != moved));
            (order, Some(moved))
        }
        _ => (natural, None),
    }
}

/// Calls `op` as `run` says.
fn tril_execute<F: CTril>(p: &Problem<F>, op: Op, run: &Run<'_, F>) -> Ran<F> {
    let (k, d) = (p.k, p.d);
    let args = op.args(k, d);
    // The arrays: logits, means, factors, the call's, then the workspace.
    let mut arrays: Vec<Vec<F>> = vec![p.logits.clone(), p.means.clone(), run.tril.to_vec()];
    let mut array_of_arg = vec![usize::MAX; args.len()];
    let mut outputs = vec![];
    for (i, a) in args.iter().enumerate() {
        let v = match *a {
            Arg::In(Src::X) => p.x.clone(),
            Arg::In(Src::U) => p.u.clone(),
            Arg::In(Src::XBar) => p.x_bar.clone(),
            Arg::Out(n, _) => poisoned(n),
            Arg::Rng | Arg::Component => continue,
        };
        array_of_arg[i] = arrays.len();
        if matches!(a, Arg::Out(..)) {
            outputs.push(arrays.len());
        }
        arrays.push(v);
    }
    let work_at = arrays.len();
    if op.has_work() {
        arrays.push(vec![run.fill; run.len]);
    }
    let inputs: Vec<usize> = (0..work_at).filter(|i| !outputs.contains(i)).collect();

    // Pointer numbering of the NULL fault: the mixture, its arrays, the
    // call's own, the workspace.
    let count = 4 + args.len() + usize::from(op.has_work());
    let nulled = match run.fault {
        TrilFault::Null(n) => Some((n + 4) % count),
        _ => None,
    };
    let null = |i: usize| nulled == Some(i);
    let mut optional_seen = 0;
    let skipped: Vec<bool> = args
        .iter()
        .map(|a| {
            if !a.optional() {
                return false;
            }
            optional_seen += 1;
            run.skip & (1 << (optional_seen - 1)) != 0
        })
        .collect();
    let given: Vec<bool> = (0..args.len())
        .map(|i| !skipped[i] && !null(4 + i))
        .collect();

    // One allocation for every array under the alias fault, else one each.
    let alias = match run.fault {
        TrilFault::Alias(n) if op.has_work() => Some(layout(n, &outputs, work_at, arrays.len())),
        _ => None,
    };
    let mut own = arrays.clone();
    let mut arena: Vec<F> = vec![];
    let mut offsets = vec![0usize; arrays.len()];
    if let Some((order, moved)) = &alias {
        // The C call reads and writes only the first `work_len(K, D)`
        // values of the workspace, and only those count as overlapping:
        // an array moved onto the workspace lands on the last used value.
        let used = TrilMixtureRef::<F>::work_len(k, d).map_or(run.len, |n| n.min(run.len));
        let mut end = 0usize;
        for &i in order {
            offsets[i] = if Some(i) == *moved {
                end.saturating_sub(1)
            } else {
                end
            };
            end = offsets[i] + if i == work_at { used } else { arrays[i].len() };
        }
        let size = (0..arrays.len()).map(|i| offsets[i] + arrays[i].len());
        arena = poisoned(size.max().unwrap_or(0).max(1));
        for &i in order {
            arena[offsets[i]..][..arrays[i].len()].copy_from_slice(&arrays[i]);
        }
    }
    let moved = alias.as_ref().and_then(|(_, m)| *m);
    let before = arena.clone();
    let base = arena.as_mut_ptr();
    let ptrs_of: Vec<*mut F> = (0..arrays.len())
        .map(|i| match alias {
            // SAFETY: within the arena by construction of the offsets.
            Some(_) => unsafe { base.add(offsets[i]) },
            None => own[i].as_mut_ptr(),
        })
        .collect();

    let start = if run.seeded {
        mixgrad_rng::from_seed(p.seed)
    } else {
        mixgrad_rng { state: [0; 4] }
    };
    let mut rng = start;
    let mut component = u32::MAX;
    // K, D ≤ 4 here: the casts are exact.
    let array = |i: usize| -> *const F {
        if null(1 + i) {
            core::ptr::null()
        } else {
            ptrs_of[i]
        }
    };
    let mix = F::tril(k as u32, d as u32, array(0), array(1), array(2));
    let mut ptrs = Ptrs::<F> {
        mix: if null(0) { core::ptr::null() } else { &mix },
        arrays: vec![],
        rng: core::ptr::null_mut(),
        component: core::ptr::null_mut(),
        work: core::ptr::null_mut(),
        work_len: run.len,
    };
    for (i, a) in args.iter().enumerate() {
        match a {
            Arg::Rng if given[i] => ptrs.rng = &mut rng,
            Arg::Component if given[i] => ptrs.component = &mut component,
            Arg::Rng | Arg::Component => {}
            _ if given[i] => ptrs.arrays.push(ptrs_of[array_of_arg[i]]),
            _ => ptrs.arrays.push(core::ptr::null_mut()),
        }
    }
    if op.has_work() && !null(count - 1) {
        ptrs.work = ptrs_of[work_at];
    }
    let status = unsafe { F::tril_call(op, &ptrs) };

    let read = |i: usize| -> Vec<F> {
        match alias {
            Some(_) => arena[offsets[i]..][..arrays[i].len()].to_vec(),
            None => own[i].clone(),
        }
    };
    // Overlapping arrays share values: there the whole allocation must be
    // as it was (the call is refused), elsewhere every input.
    let kept = if moved.is_some() {
        same_bits(&arena, &before)
    } else {
        inputs.iter().all(|&i| same_bits(&read(i), &arrays[i]))
    };
    let outs = args
        .iter()
        .enumerate()
        .filter(|(_, a)| matches!(a, Arg::Out(..)))
        .map(|(i, _)| (read(array_of_arg[i]), given[i]))
        .collect();
    let component_given = args
        .iter()
        .zip(&given)
        .any(|(a, &g)| matches!(a, Arg::Component) && g);
    Ran {
        status,
        outs,
        rng,
        component: (component, component_given),
        overlap: moved.is_some(),
        kept,
    }
}

/// The status the C call must return: a NULL where one is required, then
/// the shape (`K`, then `D`), the workspace length, an overlap, the
/// Rust API's answer (the mixture's errors, then the call's), and for a
/// sampler on a valid mixture an unseeded generator.
fn tril_expected<F: CTril>(
    p: &Problem<F>,
    op: Op,
    run: &Run<'_, F>,
    want: u32,
    ran: &Ran<F>,
) -> u32 {
    let args = op.args(p.k, p.d);
    let count = 4 + args.len() + usize::from(op.has_work());
    if let TrilFault::Null(n) = run.fault {
        let i = (n + 4) % count;
        let optional = (4..4 + args.len()).contains(&i) && args[i - 4].optional();
        if !optional {
            return NULL_POINTER;
        }
    }
    if p.k == 0 {
        return NO_COMPONENTS;
    }
    if p.d == 0 {
        return NO_DIMENSIONS;
    }
    let need = TrilMixtureRef::<F>::work_len(p.k, p.d).expect("a small K·(5 + 3D)");
    if op.has_work() && run.len < need {
        return SHORT_WORKSPACE;
    }
    if ran.overlap {
        return OVERLAPPING_BUFFERS;
    }
    if op.samples() && !run.seeded && want == OK {
        return UNSEEDED_RNG;
    }
    want
}

/// One C call against the Rust API's answer `want`: the status, and on
/// success every output it got equal to the Rust API's bits and the
/// generator where the Rust API left it; on an error (and for outputs it
/// did not get) every output untouched and the generator where it was.
fn tril_judge<F: CTril>(p: &Problem<F>, op: Op, run: &Run<'_, F>, want: &Want<F>) {
    let ran = tril_execute(p, op, run);
    let what = run.what;
    let expected = tril_expected(p, op, run, want.status, &ran);
    assert_eq!(ran.status, expected, "tril {op:?} {what}: status");
    assert!(ran.kept, "tril {op:?} {what}: an input changed");
    let ok = ran.status == OK;
    for (j, ((out, given), oracle)) in ran.outs.iter().zip(&want.outs).enumerate() {
        if ok && *given {
            assert!(
                same_bits(out, oracle),
                "tril {op:?} {what}: output {j} differs from the Rust API"
            );
        } else if !ran.overlap {
            assert!(
                untouched(out),
                "tril {op:?} {what}: output {j} written (status {})",
                ran.status
            );
        }
    }
    let (c, given) = ran.component;
    let want_c = if ok && given {
        want.component
    } else {
        u32::MAX
    };
    assert_eq!(c, want_c, "tril {op:?} {what}: component");
    let start = if run.seeded {
        mixgrad_rng::from_seed(p.seed)
    } else {
        mixgrad_rng { state: [0; 4] }
    };
    let end = if ok { want.rng } else { start };
    assert!(ran.rng == end, "tril {op:?} {what}: generator state");
}

/// The full-covariance C functions on the full-covariance problem of `p`
/// (`tril_problem`, `K ≤ 4` and `D ≤ 4`, as the Rust target poses it),
/// each against the Rust API on the same factors and workspace length.
fn tril<F: CTril>(p: &Problem<F>) {
    // Any K and D, the extremes included: the formula or SIZE_MAX.
    let pairs = [
        (p.k as u32, p.d as u32),
        (p.seed as u32, (p.seed >> 32) as u32),
        (u32::MAX, u32::MAX),
    ];
    for (k, d) in pairs {
        let want = TrilMixtureRef::<F>::work_len(k as usize, d as usize).unwrap_or(usize::MAX);
        assert_eq!(
            unsafe { mixgrad_tril_work_len(k, d) },
            want,
            "work_len({k}, {d})"
        );
    }
    let Some(t) = tril_problem(p) else {
        return;
    };
    let (k, d) = (p.k, p.d);
    let need = TrilMixtureRef::<F>::work_len(k, d).expect("a small K·(5 + 3D)");
    // The workspace of the main calls: exactly `work_len`, one value more,
    // or one buffer for every problem here (`K = D = 4`).
    let len = match t.control & 3 {
        1 => need,
        2 => need + 1,
        _ => TrilMixtureRef::<F>::work_len(4, 4).expect("68"),
    };
    let skip = (t.control >> 2) & 0x1f;
    let fault = match p.flags >> 3 {
        0..=15 => TrilFault::None,
        n @ 16..=23 => TrilFault::Null(usize::from(n - 16)),
        n => TrilFault::Alias(usize::from(n - 24)),
    };
    let twin = nan_above(&t.scale_tril, d);
    let main = Run {
        what: "main",
        tril: &t.scale_tril,
        len,
        fill: F::poison(),
        fault: TrilFault::None,
        seeded: true,
        skip,
    };
    for op in Op::ALL {
        let want = tril_oracle(p, &t.scale_tril, op, len);
        tril_judge(p, op, &main, &want);
        // NaN above the diagonals, another workspace content on entry,
        // every optional output: the Rust API's bits on the plain factors.
        let nan = Run {
            what: "NaN above the diagonals",
            tril: &twin,
            fill: F::from_f64(f64::NAN),
            skip: 0,
            ..main
        };
        tril_judge(p, op, &nan, &want);
        if op.has_work() && need > 0 {
            let short = Run {
                what: "workspace one value short",
                len: need - 1,
                skip: 0,
                ..main
            };
            tril_judge(p, op, &short, &want);
        }
        if fault != TrilFault::None {
            let faulty = Run {
                what: "fault",
                fault,
                skip: 0,
                ..main
            };
            tril_judge(p, op, &faulty, &want);
        }
        if op.samples() {
            let unseeded = Run {
                what: "unseeded generator",
                seeded: false,
                skip: 0,
                ..main
            };
            tril_judge(p, op, &unseeded, &want);
        }
    }
}
