//! The conditional-mixture kernel (SPEC §2): log-weights, responsibilities
//! and the conditional CDF and density of one coordinate.
//!
//! Coordinate `d` given `x_<d` is a one-dimensional mixture with weights
//! `p^(d) = softmax(ℓ^(d))`, where `ℓ^(1) = a` and
//! `ℓ^(d+1) = ℓ^(d) + log N_kd(x_d)`. The log-weights are kept as an
//! unevaluated double-length sum `hi + lo`, so that the reverse sweep can
//! undo the recursion (`ℓ^(d) = ℓ^(d+1) − log N_kd`) to about 2^-104
//! relative accuracy instead of losing `ulp(|ℓ|)` — which would be
//! catastrophic for a component that is far away in later dimensions but
//! dominant in earlier ones.

use crate::special::normal;
use crate::{DiagMixtureRef, Float};

/// `z = (x − μ)/σ`, clamped to `±Z_MAX` so that `z²` and everything built on
/// it stays finite (see [`Float::Z_MAX`]).
#[inline(always)]
pub(crate) fn standardise<F: Float>(x: F, mu: F, sigma: F) -> F {
    let diff = x - mu;
    // x − μ overflows only for |x|, |μ| near MAX with opposite signs; then
    // x/σ − μ/σ is finite (σ ≥ 1) or ±∞ of the right sign, never ∞ − ∞.
    let z = if diff.is_finite() {
        diff / sigma
    } else {
        x / sigma - mu / sigma
    };
    // NaN cannot occur: x and μ are finite and σ > 0; only ±∞ from overflow.
    z.max(-F::Z_MAX).min(F::Z_MAX)
}

/// `log N_kd = −z²/2 − ln σ − ½ ln 2π` (SPEC §2), given `ln σ`.
#[inline(always)]
pub(crate) fn log_normal<F: Float>(z: F, ln_sigma: F) -> F {
    -F::HALF * z * z - ln_sigma - F::LN_SQRT_2PI
}

/// `a + b` exactly as `s + e` (Knuth's TwoSum).
#[inline(always)]
fn two_sum<F: Float>(a: F, b: F) -> (F, F) {
    let s = a + b;
    let bb = s - a;
    let e = (a - (s - bb)) + (b - bb);
    (s, e)
}

/// `(hi, lo) += v` in double-length arithmetic. A component of weight zero
/// (`hi = −∞`) stays so.
#[inline(always)]
pub(crate) fn dd_add<F: Float>(hi: &mut F, lo: &mut F, v: F) {
    if *hi == F::NEG_INFINITY {
        return;
    }
    let (s, e) = two_sum(*hi, v);
    let (h, l) = two_sum(s, *lo + e);
    *hi = h;
    *lo = l;
}

/// `ℓ^(1) = a`.
#[inline]
pub(crate) fn init_log_weights<F: Float>(logits: &[F], hi: &mut [F], lo: &mut [F]) {
    for ((h, l), &a) in hi.iter_mut().zip(lo.iter_mut()).zip(logits) {
        *h = a;
        *l = F::ZERO;
    }
}

/// Whether [`step_log_weights`] takes its faster form (hosts) or its
/// smaller one (bare metal, where the embedded issue's flash and stack
/// budgets hold).
const SPEED_OVER_SIZE: bool = cfg!(not(target_os = "none"));

/// `ℓ ← ℓ + sign · log N_kd(x_d)` for every component of dimension `d`;
/// `sign` is `+1` going forward and `−1` to undo a step in the reverse
/// sweep. `logn` is a scratch row the caller owns: it receives `log N_kd`
/// (and `ln σ_kd` before); `z_kd` goes to `z_out` when given.
///
/// Two forms, by [`SPEED_OVER_SIZE`]. On hosts always in line, with one
/// loop per source of `ln σ` (out of line, the prepared view lost 1.5 % of
/// its instructions in the vjp and 3 % in `cdf`; copying its logarithms
/// into the row as much). On bare metal one loop after the logarithms were
/// copied or computed into the row, inlined where the compiler finds it
/// smaller: in line everywhere it put the f32 Cortex-M4F over its flash
/// budget, and the panic-check firmware over its 256 KiB; two loops put
/// the Cortex-M0 over its stack budget.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn step_log_weights<F: Float>(
    mix: &DiagMixtureRef<'_, F>,
    d: usize,
    x: F,
    sign: F,
    hi: &mut [F],
    lo: &mut [F],
    z_out: Option<&mut [F]>,
    logn: &mut [F],
) {
    if !SPEED_OVER_SIZE {
        return step_compact(mix, d, x, sign, hi, lo, z_out, logn);
    }
    if mix.compute_log_scales(d, logn) {
        log_normals(mix, d, x, z_out, logn, true);
    } else {
        log_normals(mix, d, x, z_out, logn, false);
    }
    add_log_normals(sign, hi, lo, logn);
}

/// [`step_log_weights`] on bare metal.
#[inline]
#[allow(clippy::too_many_arguments)]
fn step_compact<F: Float>(
    mix: &DiagMixtureRef<'_, F>,
    d: usize,
    x: F,
    sign: F,
    hi: &mut [F],
    lo: &mut [F],
    z_out: Option<&mut [F]>,
    logn: &mut [F],
) {
    mix.log_scales_into(d, logn);
    log_normals(mix, d, x, z_out, logn, true);
    add_log_normals(sign, hi, lo, logn);
}

/// `log N_kd` into `logn`, with `ln σ_kd` read from `logn` itself
/// (`from_row`) or from the view's buffer. Apart from the double-length
/// additions: each is a chain of a dozen dependent flops, and kept apart
/// the loop bodies are short and the chains of different components
/// overlap in the pipeline.
#[inline(always)]
fn log_normals<F: Float>(
    mix: &DiagMixtureRef<'_, F>,
    d: usize,
    x: F,
    z_out: Option<&mut [F]>,
    logn: &mut [F],
    from_row: bool,
) {
    let mut zs = z_out.map(|s| s.iter_mut());
    for (slot, (mu, sigma, stored)) in logn.iter_mut().zip(mix.log_column(d)) {
        let z = standardise(x, mu, sigma);
        let ln_sigma = if from_row { *slot } else { stored };
        *slot = log_normal(z, ln_sigma);
        if let Some(zslot) = zs.as_mut().and_then(|it| it.next()) {
            *zslot = z;
        }
    }
}

/// `ℓ ← ℓ + sign · log N` in double-length arithmetic.
#[inline(always)]
fn add_log_normals<F: Float>(sign: F, hi: &mut [F], lo: &mut [F], logn: &[F]) {
    for ((h, l), &v) in hi.iter_mut().zip(lo.iter_mut()).zip(logn) {
        dd_add(h, l, sign * v);
    }
}

/// The largest log-weight `max_k ℓ_k` as its double-length pair `(hi, lo)`
/// (`(−∞, 0)` if every component is dead, which validation excludes).
///
/// The low part matters: where `|ℓ|` is huge (a point far out in some
/// dimension, up to `Z_MAX²/2`), `ulp(hi)` is huge too and `lo` may carry
/// differences far larger than the range of `exp`.
#[inline]
pub(crate) fn max_log_weight<F: Float>(hi: &[F], lo: &[F]) -> (F, F) {
    let mut best = (F::NEG_INFINITY, F::ZERO);
    for (&h, &l) in hi.iter().zip(lo) {
        if h > best.0 || (h == best.0 && l > best.1) {
            best = (h, l);
        }
    }
    best
}

/// `logsumexp(ℓ) = max_hi + rest()`, as [`responsibilities`] leaves it:
/// `ln p_k = ((hi_k − max_hi) + lo_k) − rest()`. The `ln` is taken only by
/// those who ask (the log-domain fallbacks and `log_prob`), not once per
/// dimension in every pass.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LogSumExp<F> {
    pub max_hi: F,
    max_lo: F,
    sum: F,
}

impl<F: Float> LogSumExp<F> {
    /// `ln Σ_j exp(ℓ_j − m) + m_lo`.
    #[inline]
    pub fn rest(&self) -> F {
        self.sum.ln() + self.max_lo
    }
}

/// Responsibilities `p_k = exp(ℓ_k − m) / Σ_j exp(ℓ_j − m)` with `m = max ℓ`.
///
/// Subtracting the maximum's double-length value (not the log-sum) keeps
/// `ℓ_k − m` exact for the leading components however large `|ℓ|` has
/// grown, and gives the maximum itself exactly `exp(0) = 1`, so the sum is
/// at least 1.
#[inline]
pub(crate) fn responsibilities<F: Float>(hi: &[F], lo: &[F], p: &mut [F]) -> LogSumExp<F> {
    let (mh, ml) = max_log_weight(hi, lo);
    let mut sum = F::ZERO;
    for ((pk, &h), &l) in p.iter_mut().zip(hi).zip(lo) {
        // exp(−∞) = 0 for dead components.
        *pk = ((h - mh) + (l - ml)).exp();
        sum += *pk;
    }
    let inv = F::ONE / sum;
    for pk in p.iter_mut() {
        *pk *= inv;
    }
    LogSumExp {
        max_hi: mh,
        max_lo: ml,
        sum,
    }
}

/// The conditional CDF, its complement, the density and its derivative of
/// one coordinate at one point (SPEC §2):
/// `F = Σ p Φ(z)`, `Fc = Σ p Φc(z)`, `f = Σ p φ(z)/σ`, `f' = −Σ p φ(z) z/σ²`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Conditional<F> {
    pub cdf: F,
    pub ccdf: F,
    pub pdf: F,
    pub dpdf: F,
}

/// Evaluates [`Conditional`] at `x` for responsibilities `p`. Each component
/// costs one tails-and-density evaluation (one `exp` in f64); both tails are
/// accumulated from the smaller one, so `F` and `Fc` each keep full
/// relative accuracy.
#[inline]
pub(crate) fn conditional<F: Float>(
    column: impl Iterator<Item = (F, F)>,
    p: &[F],
    x: F,
) -> Conditional<F> {
    let mut c = Conditional {
        cdf: F::ZERO,
        ccdf: F::ZERO,
        pdf: F::ZERO,
        dpdf: F::ZERO,
    };
    for ((mu, sigma), &pk) in column.zip(p) {
        if pk == F::ZERO {
            continue;
        }
        let z = standardise(x, mu, sigma);
        let (lower, upper, phi) = normal::tails_density(z);
        let dens = pk * phi / sigma;
        c.cdf += pk * lower;
        c.ccdf += pk * upper;
        c.pdf += dens;
        c.dpdf -= dens * z / sigma;
    }
    c
}

/// The density and its derivative where [`conditional`]'s overflowed (a
/// subnormal `σ` makes `φ/σ` infinite): returns `(s·f, s²·f', s)` with `s`
/// the smallest active `σ`, each term `p φ (s/σ)` finite.
#[cold]
pub(crate) fn conditional_rescaled<F: Float>(
    column: impl Iterator<Item = (F, F)> + Clone,
    p: &[F],
    x: F,
) -> (F, F, F) {
    let mut s = F::MAX;
    for ((_, sigma), &pk) in column.clone().zip(p) {
        if pk != F::ZERO {
            s = s.min(sigma);
        }
    }
    let (mut pdf, mut dpdf) = (F::ZERO, F::ZERO);
    for ((mu, sigma), &pk) in column.zip(p) {
        if pk == F::ZERO {
            continue;
        }
        let z = standardise(x, mu, sigma);
        let ratio = s / sigma;
        let dens = pk * normal::density(z) * ratio;
        pdf += dens;
        dpdf -= dens * z * ratio;
    }
    (pdf, dpdf, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn double_length_recursion_undoes_exactly_enough() {
        // A component that falls 5e15 behind and comes back: plain f64 would
        // lose ~1 in ℓ (ulp(5e15) = 1); the double-length sum keeps it.
        let (mut hi, mut lo) = (-0.123_456_789_f64, 0.0);
        let steps = [-5.0e15, 3.25, -1.0e-3, 7.0e10];
        for s in steps {
            dd_add(&mut hi, &mut lo, s);
        }
        for s in steps.iter().rev() {
            dd_add(&mut hi, &mut lo, -s);
        }
        assert!((hi + lo + 0.123_456_789).abs() < 1e-16);
    }

    #[test]
    fn dead_components_stay_dead() {
        let (mut hi, mut lo) = (f64::NEG_INFINITY, 0.0);
        dd_add(&mut hi, &mut lo, 3.0);
        dd_add(&mut hi, &mut lo, -3.0);
        assert_eq!(hi, f64::NEG_INFINITY);
        assert_eq!(lo, 0.0);
        let mut p = [0.0; 2];
        responsibilities(&[f64::NEG_INFINITY, -2.0], &[0.0, 0.0], &mut p);
        assert_eq!(p, [0.0, 1.0]);
    }

    /// The host and bare-metal forms of the log-weight step must agree bit
    /// for bit (the embedded tests exercise the second only on target):
    /// random mixtures, plain and prepared, both signs, with and without z.
    type Step = fn(
        &DiagMixtureRef<'_, f64>,
        usize,
        f64,
        f64,
        &mut [f64],
        &mut [f64],
        Option<&mut [f64]>,
        &mut [f64],
    );

    #[test]
    fn both_forms_of_the_step_agree_bit_for_bit() {
        // On a host `step_log_weights` is the fast form.
        const { assert!(SPEED_OVER_SIZE) };
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut unif = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for case in 0..200 {
            let (k, dims) = (1 + case % 9, 1 + case % 5);
            let logits: [f64; 9] = core::array::from_fn(|_| 4.0 * unif() - 2.0);
            let means: [f64; 45] = core::array::from_fn(|_| 6.0 * unif() - 3.0);
            let scales: [f64; 45] = core::array::from_fn(|_| libm::exp(12.0 * unif() - 6.0));
            let (means, scales) = (&means[..k * dims], &scales[..k * dims]);
            let plain = DiagMixtureRef::new(&logits[..k], means, scales, dims).unwrap();
            let mut buf = [0.0; 45];
            let prepared = plain.with_log_scales(&mut buf[..k * dims]).unwrap();
            for mix in [plain, prepared] {
                let x = 8.0 * unif() - 4.0;
                let d = case % dims;
                let sign = if case % 2 == 0 { 1.0 } else { -1.0 };
                let start: [f64; 9] = core::array::from_fn(|_| 50.0 * unif() - 25.0);
                let with_z = case % 3 != 0;
                // (ℓ_hi, ℓ_lo, z, log N) after a step of each form, as bits.
                let outs = [step_log_weights as Step, step_compact as Step].map(|step| {
                    let mut rows = [[0.0f64; 9]; 4];
                    rows[0][..k].copy_from_slice(&start[..k]);
                    let [h, l, z, n] = &mut rows;
                    let z = with_z.then_some(&mut z[..k]);
                    step(&mix, d, x, sign, &mut h[..k], &mut l[..k], z, &mut n[..k]);
                    rows.map(|r| r.map(f64::to_bits))
                });
                assert_eq!(outs[0], outs[1], "case {case}");
            }
        }
    }

    #[test]
    fn standardise_clamps_overflow() {
        assert_eq!(standardise(1e308, -1e308, 1e-300), <f64 as Float>::Z_MAX);
        assert_eq!(standardise(-1e308, 1e308, 1.0), -<f64 as Float>::Z_MAX);
        assert!(log_normal(<f64 as Float>::Z_MAX, 1e-300f64.ln()).is_finite());
    }
}
