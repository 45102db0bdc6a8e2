//! Pathwise gradients of the quantile map (SPEC §4): the `O(DK)` reverse
//! sweep (vector–Jacobian product) and the full Jacobian.
//!
//! Differentiating `F_d(x_d | x_<d; θ) = u_d` gives
//! `dx_d/dθ = −(1/f_d) · dF_d/dθ`, total over θ including the dependence
//! through `x_<d`. With `c_d = −1/f_d` and `e_kd = p_k^(d) (Φ(z_kd) − F_d)`
//! the sweep keeps `K` suffix sums `S_k`, the adjoints of `log N_kd`:
//!
//! ```text
//! for d = D down to 1:
//!     λ    = x̄_d + Σ_k S_k · (−z_kd/σ_kd)
//!     μ̄_kd = S_k · z_kd/σ_kd        + w · (−p_k φ(z_kd)/σ_kd)       w = λ c_d
//!     σ̄_kd = S_k · (z_kd² − 1)/σ_kd + w · (−p_k φ(z_kd) z_kd/σ_kd)
//!     S_k += w · e_kd
//! ā = S
//! ```
//!
//! `p^(d)` is recovered going backwards, `ℓ^(d) = ℓ^(d+1) − log N_kd`, in
//! double-length arithmetic (see [`kernel`](crate::kernel)), so the sweep
//! needs `O(K)` memory and about one conditional CDF+density pass per
//! dimension. The gradient depends only on `x` and θ, not on how `x` was
//! drawn: it applies unchanged to ancestral samples.

use crate::kernel::{
    dd_add, init_log_weights, log_normal, max_log_weight, responsibilities, standardise,
    step_log_weights, LogSumExp,
};
use crate::special::normal;
use crate::workspace::{self, copy, Storage, Workspace};
use crate::{Buffer, DiagMixture, DiagMixtureRef, Error, ErrorKind, Float, ParamGrad};

impl<F: Float> DiagMixtureRef<'_, F> {
    /// The vector–Jacobian product of the quantile map at `x`: given
    /// `x̄ = ∂L/∂x`, overwrites `logits_bar`, `means_bar`, `scales_bar` with
    /// `∂L/∂a`, `∂L/∂μ`, `∂L/∂σ` (`K`, `K·D`, `K·D` values; `(k, d)` at
    /// `k·D + d`). Costs `O(DK)`.
    ///
    /// Errors: [`ErrorKind::BufferLength`], [`ErrorKind::NonFiniteX`],
    /// [`ErrorKind::NonFiniteCotangent`], [`ErrorKind::ZeroDensity`] (some
    /// `f_d(x_d)` is below the smallest normal number, `2.2e-308` in f64 /
    /// `1.2e-38` in f32: `x` sits in a gap between components where the
    /// gradient `∝ 1/f_d` is not representable); on error nothing is written.
    ///
    /// Accuracy (f64, SPEC §6): `max|g − g*| ≤ 1e-10 · (1 + max|g*|)` where
    /// the densities `f_d(x_d)` are not tiny relative to the mixture's scale.
    pub fn vjp(
        &self,
        x: &[F],
        x_bar: &[F],
        logits_bar: &mut [F],
        means_bar: &mut [F],
        scales_bar: &mut [F],
    ) -> Result<(), Error> {
        workspace::with_max(self.num_components(), |ws| {
            self.vjp_in(ws, x, x_bar, logits_bar, means_bar, scales_bar)
        })
    }

    pub(crate) fn vjp_in(
        &self,
        mut ws: Workspace<'_, F>,
        x: &[F],
        x_bar: &[F],
        logits_bar: &mut [F],
        means_bar: &mut [F],
        scales_bar: &mut [F],
    ) -> Result<(), Error> {
        self.check_x(x)?;
        Self::check_len(x_bar, self.num_dims(), Buffer::XBar)?;
        Self::check_len(logits_bar, self.num_components(), Buffer::LogitsBar)?;
        Self::check_len(means_bar, self.means().len(), Buffer::MeansBar)?;
        Self::check_len(scales_bar, self.scales().len(), Buffer::ScalesBar)?;
        self.check_finite(x_bar, Buffer::XBar)?;
        self.forward(&mut ws, x)?;
        let top = self.num_dims() - 1;
        let scale = cotangent_scale(x_bar);
        let mut rescue = F::ONE;
        loop {
            self.sweep(
                &mut ws,
                x,
                top,
                |j| x_bar.get(j).map_or(F::ZERO, |&v| v / scale * rescue),
                means_bar,
                scales_bar,
            );
            copy(logits_bar, ws.s);
            if rescue != F::ONE
                || F::RESCUE_SCALE == F::ONE
                || !has_nan(logits_bar, means_bar, scales_bar)
            {
                break;
            }
            // ∞ − ∞ inside: a true gradient beyond the float range (1/f
            // times 1/σ over dimensions) whose overflowing terms met. Once
            // more with the cotangent scaled down, so that only the results
            // overflow when scaled back (cold; the sweep consumed ℓ^(D+1)).
            rescue = F::RESCUE_SCALE;
            self.forward(&mut ws, x)?;
        }
        for factor in [F::ONE / rescue, scale] {
            scale_gradient(logits_bar, means_bar, scales_bar, factor);
        }
        Ok(())
    }

    /// The full Jacobian `∂x/∂θ` of the quantile map at `x`: `D` rows of
    /// `K + 2KD` columns (row-major, columns ordered logits, means, scales,
    /// the latter two component-major), written to `jac` (`D·(K + 2KD)`
    /// values). `D` reverse sweeps, `O(D²K)`. Errors as
    /// [`vjp`](Self::vjp).
    pub fn jacobian(&self, x: &[F], jac: &mut [F]) -> Result<(), Error> {
        let (k, params) = (self.num_components(), self.num_params());
        let rows = self.num_dims().checked_mul(params).unwrap_or(usize::MAX);
        self.check_x(x)?;
        Self::check_len(jac, rows, Buffer::Jacobian)?;
        let mut rest = jac;
        let rows = core::iter::from_fn(move || {
            let split = rest.len().checked_sub(params)?;
            let (head, row) = core::mem::take(&mut rest).split_at_mut_checked(split)?;
            rest = head;
            let (logits, params) = row.split_at_mut_checked(k)?;
            let (means, scales) = params.split_at_mut_checked(params.len() / 2)?;
            Some((logits, means, scales))
        });
        workspace::with_max(k, |ws| self.jacobian_in(ws, x, rows))
    }

    /// Jacobian rows for `d = D−1` down to `0`, each as
    /// `(logits, means, scales)` of lengths `K`, `KD`, `KD`.
    pub(crate) fn jacobian_in<'r>(
        &self,
        mut ws: Workspace<'_, F>,
        x: &[F],
        rows: impl Iterator<Item = (&'r mut [F], &'r mut [F], &'r mut [F])>,
    ) -> Result<(), Error> {
        self.check_x(x)?;
        self.forward(&mut ws, x)?;
        for (d, (logits, means, scales)) in (0..self.num_dims()).rev().zip(rows) {
            // As in `vjp_in`: a second pass with the cotangent scaled down
            // where the first met ∞ − ∞.
            for rescue in [F::ONE, F::RESCUE_SCALE] {
                // ℓ^(d+1) afresh for each row (O(dK), like the row's sweep):
                // walking it down by subtraction would need the recovery
                // safeguards of the sweep a second time.
                init_log_weights(self.logits(), ws.hi, ws.lo);
                for (j, &xj) in x.iter().enumerate().take(d + 1) {
                    step_log_weights(self, j, xj, F::ONE, ws.hi, ws.lo, None, ws.r1);
                }
                // Dimensions after d do not move x_d.
                means.fill(F::ZERO);
                scales.fill(F::ZERO);
                self.sweep(
                    &mut ws,
                    x,
                    d,
                    |j| if j == d { rescue } else { F::ZERO },
                    means,
                    scales,
                );
                copy(logits, ws.s);
                scale_gradient(logits, means, scales, F::ONE / rescue);
                if F::RESCUE_SCALE == F::ONE || !has_nan(logits, means, scales) {
                    break;
                }
            }
        }
        Ok(())
    }

    /// Runs `ℓ` forward to `ℓ^(D+1)` in `(hi, lo)`, refusing points where
    /// some `f_d` may be below `MIN_POSITIVE`. Since
    /// `f_d = Σ_k exp(ℓ_k^(d+1) − logsumexp ℓ^(d))`,
    /// `ln f_d ≥ max ℓ^(d+1) − max ℓ^(d) − ln K`: a check without `exp`.
    /// Passing it, the largest term of `f_d` is a normal number, so `1/f_d`
    /// is finite and the ratios the sweep forms are accurate.
    fn forward(&self, ws: &mut Workspace<'_, F>, x: &[F]) -> Result<(), Error> {
        let floor = F::MIN_POSITIVE.ln() + F::from_usize(self.num_components()).ln();
        init_log_weights(self.logits(), ws.hi, ws.lo);
        let mut before = max_log_weight(ws.hi, ws.lo);
        for (d, &xd) in x.iter().enumerate() {
            step_log_weights(self, d, xd, F::ONE, ws.hi, ws.lo, None, ws.r0);
            let after = max_log_weight(ws.hi, ws.lo);
            if (after.0 - before.0) + (after.1 - before.1) < floor {
                return Err(Error::entry(ErrorKind::ZeroDensity, Buffer::X, d, 0));
            }
            before = after;
        }
        Ok(())
    }

    /// The reverse sweep over dimensions `top` down to `0`, starting from
    /// `ℓ^(top+1)` in `(hi, lo)`, with cotangent `x̄_j = xbar(j)`. Assigns
    /// `means_bar`/`scales_bar` at dimensions `0..=top` and leaves
    /// `ā = S` in `ws.s`.
    fn sweep(
        &self,
        ws: &mut Workspace<'_, F>,
        x: &[F],
        top: usize,
        xbar: impl Fn(usize) -> F,
        means_bar: &mut [F],
        scales_bar: &mut [F],
    ) {
        let step = self.num_dims();
        ws.s.fill(F::ZERO);
        // big: the largest |ℓ_k| on the path from ℓ^(top+1) down to the
        // current ℓ^(d), which bounds the error of recovering ℓ^(d) by
        // subtraction (Float::RECOVERY_LIMIT).
        for (big, &h) in ws.big.iter_mut().zip(ws.hi.iter()) {
            *big = if h.is_finite() { h.abs() } else { F::ZERO };
        }
        let xs = x.get(..=top).unwrap_or(x);
        for (d, &xd) in xs.iter().enumerate().rev() {
            // ℓ^(d) = ℓ^(d+1) − log N_kd; z → r0, log N → r1.
            step_log_weights(self, d, xd, -F::ONE, ws.hi, ws.lo, Some(ws.r0), ws.r1);
            let mut beyond = false;
            for (big, &h) in ws.big.iter_mut().zip(ws.hi.iter()) {
                if h.is_finite() {
                    *big = big.max(h.abs());
                    beyond |= *big > F::RECOVERY_LIMIT;
                }
            }
            if beyond {
                self.recompute_log_weights(ws, x, d);
            }
            let lse = responsibilities(ws.hi, ws.lo, ws.p);

            // The smaller tail → r2 (Φ and Φc follow from it and the sign
            // of z), S_k z/σ → r3, p φ/σ → r1. Where φ(z) or p is not a
            // normal number, p φ/σ comes from the log domain instead, so a
            // tiny σ cannot meet an underflowed φ or p.
            //
            // λ: x̄_d plus what x_d does to later dimensions through log N_kd
            // (S holds dimensions after d only, so it is ready here).
            let (mut cdf, mut ccdf, mut pdf, mut total) = (F::ZERO, F::ZERO, F::ZERO, F::ZERO);
            let mut lambda = xbar(d);
            // ln Σ exp(ℓ − m), taken by the first component that needs it.
            let mut ln_rest = F::INFINITY;
            let comp = ws
                .hi
                .iter()
                .zip(ws.lo.iter())
                .zip(ws.p.iter().zip(ws.s.iter()))
                .zip(ws.r0.iter().zip(self.column(d)));
            let outs = ws.r1.iter_mut().zip(ws.r2.iter_mut()).zip(ws.r3.iter_mut());
            for ((((&h, &l), (&pk, &sk)), (&z, (_, sigma))), ((dens, small), s_z)) in comp.zip(outs)
            {
                *s_z = mul_div(sk, z, sigma);
                lambda -= *s_z;
                if h == F::NEG_INFINITY {
                    (*dens, *small) = (F::ZERO, F::ZERO);
                    continue;
                }
                let (phi, phic, density) = normal::tails_density(z);
                // (p itself may have underflowed while p φ/σ has not.)
                *dens = if density >= F::MIN_POSITIVE && pk >= F::MIN_POSITIVE {
                    pk * density / sigma
                } else {
                    if ln_rest == F::INFINITY {
                        ln_rest = lse.rest();
                    }
                    (((h - lse.max_hi) + l) - ln_rest + *dens).exp()
                };
                *small = phi.min(phic);
                cdf += pk * phi;
                ccdf += pk * phic;
                pdf += *dens;
                total += pk;
            }
            // F and Fc as averages over the p actually summed (Σ p = 1 only
            // to rounding): then Σ_k e_kd = 0 as it should, and where every
            // Φ_k is the same (all z ≈ 0: components far wider than the
            // spread of x) e_kd is 0, not p·ε — which 1/f_d ≈ σ would blow
            // up into a gradient of ε·σ (f32: overflow, then NaN).
            let (cdf, ccdf) = (cdf / total, ccdf / total);

            // w = λ c_d = −λ/f_d is formed only inside the products
            // λ·(dens/f) and λ·(e/f), whose ratios are moderate even where
            // 1/f_d alone is huge (far tails): λ/f_d itself could overflow.
            let (inv_f_dens, inv_f) = if pdf.is_finite() {
                let inv = F::ONE / pdf;
                (inv, inv)
            } else {
                self.rescale_densities(ws, d, lse)
            };
            // e_kd = p (Φ − F), or p (Fc − Φc) when F > 1/2 (no cancellation).
            let upper_branch = cdf > F::HALF;

            let comp =
                ws.p.iter()
                    .zip(ws.r0.iter())
                    .zip(ws.r1.iter())
                    .zip(ws.r2.iter().zip(ws.r3.iter()));
            // Component rows of D values; (k, d) is entry d of row k.
            let outs = means_bar
                .chunks_exact_mut(step)
                .zip(scales_bar.chunks_exact_mut(step))
                .filter_map(|(m, s)| m.get_mut(d).zip(s.get_mut(d)));
            for (((((&pk, &z), &dens), (&small, &a)), (mb, sb)), (sk, (_, sigma))) in
                comp.zip(outs).zip(ws.s.iter_mut().zip(self.column(d)))
            {
                // Φ and Φc as `normal::tails` formed them: the smaller one
                // on the side of the sign of z, the larger as 1 − smaller.
                let e = match (upper_branch, z < F::ZERO) {
                    (true, true) => pk * (ccdf - (F::ONE - small)),
                    (true, false) => pk * (ccdf - small),
                    (false, true) => pk * (small - cdf),
                    (false, false) => pk * ((F::ONE - small) - cdf),
                };
                let r = lambda * (dens * inv_f_dens);
                let b = mul_div(*sk, z * z - F::ONE, sigma);
                *mb = a + r;
                *sb = b + r * z;
                *sk -= lambda * (e * inv_f);
            }
        }
    }

    /// `ℓ_k^(d) = a_k + Σ_{j<d} log N_kj` summed afresh, for the components
    /// whose path went beyond [`Float::RECOVERY_LIMIT`] (a point some
    /// `2^28` scales (f32: `2^12`) from a component, or logits that far
    /// apart): recovered by subtraction their log-weight could be off by
    /// more than the gap to the leading component. `O(d)` per component;
    /// afterwards `big` holds the largest `|ℓ|` of the fresh prefix, so a
    /// component far out only in later dimensions is recomputed once.
    #[cold]
    fn recompute_log_weights(&self, ws: &mut Workspace<'_, F>, x: &[F], d: usize) {
        let dims = self.num_dims();
        let rows = ws
            .hi
            .iter_mut()
            .zip(ws.lo.iter_mut())
            .zip(ws.big.iter_mut());
        for (k, (((h, l), big), &a)) in rows.zip(self.logits()).enumerate() {
            if *big <= F::RECOVERY_LIMIT || !h.is_finite() {
                continue;
            }
            let (mut hk, mut lk, mut bk) = (a, F::ZERO, a.abs());
            let start = k * dims;
            let means = self.means().iter().skip(start);
            let scales = self.scales().iter().skip(start);
            for ((&xj, &mu), &sigma) in x.iter().zip(means).zip(scales).take(d) {
                let z = standardise(xj, mu, sigma);
                dd_add(&mut hk, &mut lk, log_normal(z, sigma.ln()));
                bk = bk.max(hk.abs());
            }
            (*h, *l, *big) = (hk, lk, bk);
        }
    }

    /// The cold path of the sweep where `f_d` overflowed: a subnormal `σ`
    /// (below `φ(z)/MAX`) makes `p φ/σ` infinite. The sweep needs only the
    /// ratios `dens_k/f` and `e_k/f`, so the densities in `r1` are rewritten
    /// scaled by the smallest active `σ` of the dimension, `σ_min/σ_k ≤ 1`,
    /// and the factors returned are `1/f'` (for the scaled densities) and
    /// `σ_min/f' = 1/f` (for `e`).
    #[cold]
    fn rescale_densities(&self, ws: &mut Workspace<'_, F>, d: usize, lse: LogSumExp<F>) -> (F, F) {
        let mut s_min = F::MAX;
        for (&h, (_, sigma)) in ws.hi.iter().zip(self.column(d)) {
            if h != F::NEG_INFINITY && sigma < s_min {
                s_min = sigma;
            }
        }
        let ln_s_min = s_min.ln();
        let ln_rest = lse.rest();
        let mut pdf = F::ZERO;
        let comp = ws.hi.iter().zip(ws.lo.iter()).zip(ws.p.iter());
        let rows = ws.r0.iter().zip(self.column(d)).zip(ws.r1.iter_mut());
        for (((&h, &l), &pk), ((&z, (_, sigma)), dens)) in comp.zip(rows) {
            if h == F::NEG_INFINITY {
                continue;
            }
            let density = normal::density(z);
            *dens = if density >= F::MIN_POSITIVE && pk >= F::MIN_POSITIVE {
                pk * density * (s_min / sigma)
            } else {
                (((h - lse.max_hi) + l) - ln_rest + log_normal(z, sigma.ln()) + ln_s_min).exp()
            };
            pdf += *dens;
        }
        (F::ONE / pdf, s_min / pdf)
    }
}

/// The power of two the cotangent is divided by during the sweep (and the
/// result multiplied by after it): 1 unless `max|x̄| ≥ 1/ε²`, else
/// `2^⌊log₂ max|x̄|⌋`. The products `x̄·∂x/∂θ` summed in the sweep then
/// cannot overflow in an intermediate sum (`∞ − ∞ = NaN`) where only the
/// result is out of range: such a result becomes ±∞. Dividing by a power
/// of two is exact, except for entries more than `2^-1000` (f64) below
/// the largest, which become subnormal or zero.
fn cotangent_scale<F: Float>(x_bar: &[F]) -> F {
    let big = x_bar.iter().fold(F::ZERO, |m, v| m.max(v.abs()));
    if big < F::ONE / (F::EPSILON * F::EPSILON) {
        return F::ONE;
    }
    // 2^e ≤ big < 2^(e+1), a normal number here.
    big.pow2_floor()
}

/// Multiplies every entry of a gradient `(ā, μ̄, σ̄)` by `factor` (nothing
/// to do for 1): the cotangent scale and the rescue pass undone.
#[inline]
fn scale_gradient<F: Float>(logits: &mut [F], means: &mut [F], scales: &mut [F], factor: F) {
    if factor != F::ONE {
        let all = logits.iter_mut().chain(means.iter_mut());
        for g in all.chain(scales.iter_mut()) {
            *g *= factor;
        }
    }
}

/// Whether a gradient `(ā, μ̄, σ̄)` holds a NaN (a sweep that met `∞ − ∞`).
#[inline]
fn has_nan<F: Float>(logits: &[F], means: &[F], scales: &[F]) -> bool {
    logits.iter().chain(means).chain(scales).any(|g| g.is_nan())
}

/// `a·b/c` without a spurious overflow: `(a·b)/c` first (exact zero when
/// `a = 0`, however large `b/c`), then `a·(b/c)` if the product overflowed.
/// A component far out (`|z|` up to `Z_MAX`, `σ` tiny) has `S_k = 0` and
/// huge `z/σ`, `z²/σ`: the naive `S_k·(z²/σ)` would be `0·∞ = NaN`.
#[inline(always)]
fn mul_div<F: Float>(a: F, b: F, c: F) -> F {
    let t = a * b / c;
    if t.is_finite() {
        t
    } else {
        a * (b / c)
    }
}

impl<F: Float, const K: usize, const D: usize> DiagMixture<F, K, D> {
    /// The vector–Jacobian product; see [`DiagMixtureRef::vjp`].
    pub fn vjp(&self, x: &[F; D], x_bar: &[F; D]) -> Result<ParamGrad<F, K, D>, Error> {
        let mut g = ParamGrad::default();
        let mut storage = Storage::<F, K>::new();
        self.view().vjp_in(
            storage.rows(K)?,
            x,
            x_bar,
            &mut g.logits,
            g.means.as_flattened_mut(),
            g.scales.as_flattened_mut(),
        )?;
        Ok(g)
    }

    /// The Jacobian: row `d` is the gradient of `x_d`; see
    /// [`DiagMixtureRef::jacobian`].
    pub fn jacobian(&self, x: &[F; D]) -> Result<[ParamGrad<F, K, D>; D], Error> {
        let mut jac = [ParamGrad::default(); D];
        let mut storage = Storage::<F, K>::new();
        let rows = jac.iter_mut().rev().map(|g| {
            (
                &mut g.logits[..],
                g.means.as_flattened_mut(),
                g.scales.as_flattened_mut(),
            )
        });
        self.view().jacobian_in(storage.rows(K)?, x, rows)?;
        Ok(jac)
    }
}
