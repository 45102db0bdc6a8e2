//! Log-weights `ℓ` and responsibilities `p = softmax(ℓ)` (docs/math.md §2).
//!
//! `ℓ^(1) = a` and `ℓ^(d+1) = ℓ^(d) + log N_kd(x_d)`. The log-weights are
//! kept as an unevaluated double-length sum `hi + lo`, so that the reverse
//! sweep can undo the recursion (`ℓ^(d) = ℓ^(d+1) − log N_kd`) to about
//! `ε²` relative accuracy instead of losing `ulp(|ℓ|)` — which would be
//! catastrophic for a component that is far away in later dimensions but
//! dominant in earlier ones (docs/math.md §7).

use core::ops::{Add, Sub};

use crate::{DiagMixtureRef, Family, Float};

/// `a + b` exactly as `s + e` (Knuth's TwoSum), for one value or lanes of
/// values (`crate::lanes`).
#[inline(always)]
pub(crate) fn two_sum<F: Copy + Add<Output = F> + Sub<Output = F>>(a: F, b: F) -> (F, F) {
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

/// The log-weights `ℓ_k = hi_k + lo_k` of the `K` components.
#[derive(Debug)]
pub(crate) struct LogWeights<'w, F> {
    pub hi: &'w mut [F],
    pub lo: &'w mut [F],
}

impl<F: Float> LogWeights<'_, F> {
    /// `ℓ^(1) = a`.
    #[inline]
    pub fn init(&mut self, logits: &[F]) {
        for ((h, l), &a) in self.hi.iter_mut().zip(self.lo.iter_mut()).zip(logits) {
            *h = a;
            *l = F::ZERO;
        }
    }

    /// `ℓ ← ℓ + sign · log N_kd(x_d)` for every component of dimension `d`:
    /// `sign` is `+1` going forward and `−1` to undo a step in the reverse
    /// sweep. `logn` is a scratch row the caller owns: it receives
    /// `log N_kd`; `z_kd` goes to `z_out` when given.
    ///
    /// Two forms of the same arithmetic, bit for bit: by default always in
    /// line, with one loop per source of `ln σ`; with the `small-code`
    /// feature one loop after the logarithms were copied or computed into
    /// the row, out of line (the flash and stack budgets of small
    /// microcontrollers, docs/embedded.md).
    #[inline(always)]
    pub fn step<G: Family>(
        &mut self,
        mix: &DiagMixtureRef<'_, F, G>,
        d: usize,
        x: F,
        sign: F,
        row: StepRows<'_, F>,
    ) {
        if cfg!(feature = "small-code") {
            self.step_compact(mix, d, x, sign, row);
        } else {
            self.step_inline(mix, d, x, sign, row);
        }
    }

    /// [`step`](Self::step), the form for speed.
    #[inline(always)]
    fn step_inline<G: Family>(
        &mut self,
        mix: &DiagMixtureRef<'_, F, G>,
        d: usize,
        x: F,
        sign: F,
        row: StepRows<'_, F>,
    ) {
        let StepRows { logn, z } = row;
        match mix.stored_log_scales() {
            Some(stored) => log_normals_from(mix, d, x, stored, z, logn),
            None => {
                mix.compute_log_scales(d, logn);
                log_normals_in_place(mix, d, x, z, logn);
            }
        }
        self.add(sign, logn);
    }

    /// [`step`](Self::step), the form for size: one copy per precision,
    /// called from every pass.
    #[inline(never)]
    fn step_compact<G: Family>(
        &mut self,
        mix: &DiagMixtureRef<'_, F, G>,
        d: usize,
        x: F,
        sign: F,
        row: StepRows<'_, F>,
    ) {
        let StepRows { logn, z } = row;
        mix.log_scales_into(d, logn);
        log_normals_in_place(mix, d, x, z, logn);
        self.add(sign, logn);
    }

    /// `ℓ ← ℓ + sign · log N` in double-length arithmetic. Apart from the
    /// computation of `log N`: each addition is a chain of a dozen dependent
    /// flops, and kept apart the loop bodies are short and the chains of
    /// different components overlap in the pipeline.
    #[inline(always)]
    pub fn add(&mut self, sign: F, logn: &[F]) {
        add_log_normals(sign, self.hi, self.lo, logn);
    }

    /// The largest log-weight `max_k ℓ_k` as its double-length pair
    /// `(hi, lo)` (`(−∞, 0)` if every component is dead, which validation
    /// excludes).
    ///
    /// The low part matters: where `|ℓ|` is huge (a point far out in some
    /// dimension, up to `Z_MAX²/2`), `ulp(hi)` is huge too and `lo` may
    /// carry differences far larger than the range of `exp`.
    #[cfg_attr(not(feature = "small-code"), inline)]
    #[cfg_attr(feature = "small-code", inline(never))]
    pub fn max(&self) -> (F, F) {
        let mut best = (F::NEG_INFINITY, F::ZERO);
        for (&h, &l) in self.hi.iter().zip(self.lo.iter()) {
            if h > best.0 || (h == best.0 && l > best.1) {
                best = (h, l);
            }
        }
        best
    }

    /// Responsibilities `p_k = exp(ℓ_k − m) / Σ_j exp(ℓ_j − m)` with
    /// `m = max ℓ`, into `p`.
    ///
    /// Subtracting the maximum's double-length value (not the log-sum)
    /// keeps `ℓ_k − m` exact for the leading components however large `|ℓ|`
    /// has grown, and gives the maximum itself exactly `exp(0) = 1`, so the
    /// sum is at least 1.
    #[cfg_attr(not(feature = "small-code"), inline(always))]
    pub fn responsibilities(&self, p: &mut [F]) -> LogSumExp<F> {
        let (mh, ml) = self.max();
        let mut sum = F::ZERO;
        for ((pk, &h), &l) in p.iter_mut().zip(self.hi.iter()).zip(self.lo.iter()) {
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
}

/// [`LogWeights::add`] over its rows as separate arguments: the compiler
/// knows that arguments of type `&mut [F]` do not overlap, not so for two
/// fields behind one `&mut self`.
#[inline(always)]
fn add_log_normals<F: Float>(sign: F, hi: &mut [F], lo: &mut [F], logn: &[F]) {
    for ((h, l), &v) in hi.iter_mut().zip(lo.iter_mut()).zip(logn) {
        dd_add(h, l, sign * v);
    }
}

/// The scratch rows of one [`LogWeights::step`]: `logn` receives
/// `log N_kd` (and `ln σ_kd` before it), `z` receives `z_kd` if given.
pub(crate) struct StepRows<'r, F> {
    pub logn: &'r mut [F],
    pub z: Option<&'r mut [F]>,
}

impl<'r, F> StepRows<'r, F> {
    /// Rows for a step that needs `log N` only.
    #[inline(always)]
    pub fn scratch(logn: &'r mut [F]) -> Self {
        StepRows { logn, z: None }
    }
}

/// `log N(x; μ, σ)` given `ln σ`, with `z = (x − μ)/σ` into `z_slot` if
/// given.
#[inline(always)]
fn log_normal_at<F: Float, G: Family>(
    x: F,
    mu: F,
    sigma: F,
    ln_sigma: F,
    z_slot: Option<&mut F>,
) -> F {
    let z = G::standardise(x, mu, sigma);
    if let Some(slot) = z_slot {
        *slot = z;
    }
    G::log_density(z, ln_sigma)
}

/// `log N_kd` into `logn`, with `ln σ_kd` read from `logn` itself.
#[inline(always)]
fn log_normals_in_place<F: Float, G: Family>(
    mix: &DiagMixtureRef<'_, F, G>,
    d: usize,
    x: F,
    z_out: Option<&mut [F]>,
    logn: &mut [F],
) {
    let mut zs = z_out.map(|s| s.iter_mut());
    for (slot, (mu, sigma)) in logn.iter_mut().zip(mix.column(d)) {
        let z_slot = zs.as_mut().and_then(|it| it.next());
        *slot = log_normal_at::<F, G>(x, mu, sigma, *slot, z_slot);
    }
}

/// `log N_kd` into `logn`, with `ln σ_kd` from `log_scales`.
#[inline(always)]
fn log_normals_from<F: Float, G: Family>(
    mix: &DiagMixtureRef<'_, F, G>,
    d: usize,
    x: F,
    log_scales: &[F],
    z_out: Option<&mut [F]>,
    logn: &mut [F],
) {
    let mut zs = z_out.map(|s| s.iter_mut());
    let column = mix.column(d).zip(mix.shape().column(log_scales, d));
    for (slot, ((mu, sigma), ln_sigma)) in logn.iter_mut().zip(column) {
        let z_slot = zs.as_mut().and_then(|it| it.next());
        *slot = log_normal_at::<F, G>(x, mu, sigma, ln_sigma, z_slot);
    }
}

/// `logsumexp(ℓ) = max_hi + rest()`, as
/// [`responsibilities`](LogWeights::responsibilities) leaves it:
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
        let weights = LogWeights {
            hi: &mut [f64::NEG_INFINITY, -2.0],
            lo: &mut [0.0, 0.0],
        };
        weights.responsibilities(&mut p);
        assert_eq!(p, [0.0, 1.0]);
    }

    /// Both forms of the step must agree bit for bit (the firmware builds
    /// run the compact one only): random mixtures, plain and prepared, both
    /// signs, with and without z.
    #[test]
    fn both_forms_of_the_step_agree_bit_for_bit() {
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
                let outs = [false, true].map(|compact| {
                    let mut rows = [[0.0f64; 9]; 4];
                    rows[0][..k].copy_from_slice(&start[..k]);
                    let [h, l, z, n] = &mut rows;
                    let mut weights = LogWeights {
                        hi: &mut h[..k],
                        lo: &mut l[..k],
                    };
                    let row = StepRows {
                        logn: &mut n[..k],
                        z: with_z.then_some(&mut z[..k]),
                    };
                    if compact {
                        weights.step_compact(&mix, d, x, sign, row);
                    } else {
                        weights.step_inline(&mix, d, x, sign, row);
                    }
                    rows.map(|r| r.map(f64::to_bits))
                });
                assert_eq!(outs[0], outs[1], "case {case}");
            }
        }
    }
}
