//! The reverse sweep (docs/math.md §4): the adjoint of the quantile map,
//! one dimension at a time from `D` down to 1, in `O(DK)` time and `O(K)`
//! memory.
//!
//! With `c_d = −1/f_d` and `e_kd = p_k^(d) (Φ(z_kd) − F_d)` the sweep keeps
//! `K` suffix sums `S_k`, the adjoints of `log N_kd`:
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
//! Each dimension is a forward pass over the components (densities, tails
//! and `λ`: [`DimensionSums`]) and an adjoint pass (the gradients and the
//! new `S`). `p^(d)` is recovered going backwards,
//! `ℓ^(d) = ℓ^(d+1) − log N_kd`, in double-length arithmetic; where that
//! could lose the gap to the leading component the log-weights are summed
//! afresh (docs/math.md §7).

use crate::kernel::log_weights::{dd_add, LogSumExp, StepRows};
use crate::workspace::Workspace;
use crate::{Buffer, DiagMixtureRef, Error, ErrorKind, Family, Float};

/// The reverse sweep's limits, per precision.
pub trait SweepLimits: Sized {
    /// The largest `|ℓ|` (log-weight) along a component's path for which
    /// the reverse sweep may undo the recursion by subtraction. The
    /// double-length sum rounds by about `ε²·|ℓ|` per step, so below the
    /// limit `ℓ` comes back to well within the gap to the leading component
    /// after a thousand steps; above it the sweep recomputes `ℓ` from the
    /// logits instead.
    const RECOVERY_LIMIT: Self;
    /// The power of two the sweep scales its cotangent by in a second pass
    /// when the first met `∞ − ∞`: a gradient whose true value is beyond
    /// the float range then overflows to `±∞` after scaling back, instead
    /// of its intermediates meeting as NaN. `None`: no second pass (f32,
    /// whose flash budget on small microcontrollers has no room for it;
    /// there such entries can still be NaN).
    const RESCUE_SCALE: Option<Self>;
}

impl SweepLimits for f64 {
    const RECOVERY_LIMIT: f64 = 72_057_594_037_927_936.0; // 2^56
    const RESCUE_SCALE: Option<f64> = Some(6.441_148_769_597_133e-232); // 2^-768
}

impl SweepLimits for f32 {
    const RECOVERY_LIMIT: f32 = 33_554_432.0; // 2^25
    const RESCUE_SCALE: Option<f32> = None;
}

/// Where the reverse sweep puts each gradient entry it computes: the single
/// calls assign ([`Assign`]); a batch call that sums over its rows adds,
/// or only watches for NaN (`batch::Accumulate`, `batch::Probe`). One
/// sweep serves all, so the values are the same bits either way.
pub(crate) trait GradientSink<F: Float> {
    /// Delivers `value`, the entry for `slot`.
    fn put(&mut self, slot: &mut F, value: F);

    /// Delivers `coeff · z_j` for each slot, `coeff` finite: a row of
    /// entries that can be NaN only where `coeff` is, so a sink may watch
    /// `coeff` alone and add in a loop the compiler vectorises.
    #[inline(always)]
    fn put_products(&mut self, slots: &mut [F], coeff: F, z: &[F]) {
        for (slot, &zj) in slots.iter_mut().zip(z) {
            self.put(slot, coeff * zj);
        }
    }
}

/// Stores each entry: `slot = value`.
pub(crate) struct Assign;

impl<F: Float> GradientSink<F> for Assign {
    #[inline(always)]
    fn put(&mut self, slot: &mut F, value: F) {
        *slot = value;
    }
}

/// What the forward pass over the components of one dimension found.
#[derive(Clone, Copy, Debug)]
struct DimensionSums<F> {
    /// `F_d` and `Fc_d`.
    cdf: F,
    ccdf: F,
    /// `f_d`, the sum of the densities `p φ/σ` (possibly `∞`).
    pdf: F,
    /// `λ`, the adjoint of `x_d`.
    lambda: F,
}

impl<F: Float, G: Family> DiagMixtureRef<'_, F, G> {
    /// Runs `ℓ` forward to `ℓ^(D+1)`, refusing points where some `f_d` may
    /// be below `MIN_POSITIVE`. Since
    /// `f_d = Σ_k exp(ℓ_k^(d+1) − logsumexp ℓ^(d))`,
    /// `ln f_d ≥ max ℓ^(d+1) − max ℓ^(d) − ln K`: a check without `exp`.
    /// Passing it, the largest term of `f_d` is a normal number, so `1/f_d`
    /// is finite and the ratios the sweep forms are accurate.
    pub(crate) fn forward(&self, ws: &mut Workspace<'_, F>, x: &[F]) -> Result<(), Error> {
        let floor = F::MIN_POSITIVE.ln() + F::from_usize(self.num_components()).ln();
        ws.weights.init(self.logits());
        let mut before = ws.weights.max();
        for (d, &xd) in x.iter().enumerate() {
            ws.weights
                .step(self, d, xd, F::ONE, StepRows::scratch(ws.logn));
            let after = ws.weights.max();
            if (after.0 - before.0) + (after.1 - before.1) < floor {
                return Err(Error::entry(ErrorKind::ZeroDensity, Buffer::X, d, 0));
            }
            before = after;
        }
        Ok(())
    }

    /// The reverse sweep over dimensions `top` down to `0`, starting from
    /// `ℓ^(top+1)` in the workspace, with cotangent `x̄_j = xbar(j)`.
    /// Delivers `means_bar`/`scales_bar` at dimensions `0..=top` to `sink`
    /// and leaves `ā = S` in `ws.suffix`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn sweep(
        &self,
        ws: &mut Workspace<'_, F>,
        x: &[F],
        top: usize,
        xbar: impl Fn(usize) -> F,
        means_bar: &mut [F],
        scales_bar: &mut [F],
        sink: &mut impl GradientSink<F>,
    ) {
        let shape = self.shape();
        ws.suffix.fill(F::ZERO);
        // The largest |ℓ_k| on the path from ℓ^(top+1) down to the current
        // ℓ^(d): it bounds the error of recovering ℓ^(d) by subtraction.
        for (big, &h) in ws.path_max.iter_mut().zip(ws.weights.hi.iter()) {
            *big = if h.is_finite() { h.abs() } else { F::ZERO };
        }
        let xs = x.get(..=top).unwrap_or(x);
        for (d, &xd) in xs.iter().enumerate().rev() {
            self.undo_step(ws, x, d, xd);
            let lse = ws.weights.responsibilities(ws.p);
            let sums = self.dimension_sums(ws, d, xbar(d), lse);
            // w = λ c_d = −λ/f_d is formed only inside the products
            // λ·(dens/f) and λ·(e/f), whose ratios are moderate even where
            // 1/f_d alone is huge (far tails): λ/f_d itself could overflow.
            let (inv_f_dens, inv_f) = if sums.pdf.is_finite() {
                let inv = F::ONE / sums.pdf;
                (inv, inv)
            } else {
                self.rescale_densities(ws, d, lse)
            };
            let columns = shape.columns_mut(&mut *means_bar, &mut *scales_bar, d);
            self.adjoint(ws, d, sums, (inv_f_dens, inv_f), columns, sink);
        }
    }

    /// `ℓ^(d) = ℓ^(d+1) − log N_kd`, with `z_kd` into `ws.z` and `log N_kd`
    /// into `ws.logn`; summed afresh for the components whose path went
    /// beyond [`SweepLimits::RECOVERY_LIMIT`].
    #[inline(always)]
    fn undo_step(&self, ws: &mut Workspace<'_, F>, x: &[F], d: usize, xd: F) {
        let rows = StepRows {
            logn: &mut *ws.logn,
            z: Some(&mut *ws.z),
        };
        ws.weights.step(self, d, xd, -F::ONE, rows);
        let mut beyond = false;
        for (big, &h) in ws.path_max.iter_mut().zip(ws.weights.hi.iter()) {
            if h.is_finite() {
                *big = big.max(h.abs());
                beyond |= *big > F::RECOVERY_LIMIT;
            }
        }
        if beyond {
            self.recompute_log_weights(ws, x, d);
        }
    }

    /// The forward pass over the components of dimension `d`. Writes, per
    /// component, `S_k z/σ` to `ws.suffix_z`, the smaller tail to `ws.tail`
    /// (`Φ` and `Φc` follow from it and the sign of `z`) and `p φ/σ` to
    /// `ws.logn` over `log N_kd`. Where `φ(z)` or `p` is not a normal
    /// number, `p φ/σ` comes from the log domain instead, so a tiny `σ`
    /// cannot meet an underflowed `φ` or `p`.
    #[inline(always)]
    fn dimension_sums(
        &self,
        ws: &mut Workspace<'_, F>,
        d: usize,
        xbar_d: F,
        lse: LogSumExp<F>,
    ) -> DimensionSums<F> {
        let (mut cdf, mut ccdf, mut pdf, mut total) = (F::ZERO, F::ZERO, F::ZERO, F::ZERO);
        // λ: x̄_d plus what x_d does to later dimensions through log N_kd
        // (S holds dimensions after d only, so it is ready here).
        let mut lambda = xbar_d;
        // ln Σ exp(ℓ − m), taken by the first component that needs it.
        let mut ln_rest = F::INFINITY;
        let weights = ws.weights.hi.iter().zip(ws.weights.lo.iter());
        let comp = weights.zip(ws.p.iter().zip(ws.suffix.iter()));
        let comp = comp.zip(ws.z.iter().zip(self.column(d)));
        let outs = ws
            .logn
            .iter_mut()
            .zip(ws.tail.iter_mut())
            .zip(ws.suffix_z.iter_mut());
        for ((((&h, &l), (&pk, &sk)), (&z, (_, sigma))), ((dens, small), s_z)) in comp.zip(outs) {
            *s_z = mul_div(sk, G::neg_score(z), sigma);
            lambda -= *s_z;
            if h == F::NEG_INFINITY {
                (*dens, *small) = (F::ZERO, F::ZERO);
                continue;
            }
            let (phi, phic, density) = G::tails_density(z);
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
        // F and Fc as averages over the p actually summed (Σ p = 1 only to
        // rounding): then Σ_k e_kd = 0 as it should, and where every Φ_k is
        // the same (all z ≈ 0: components far wider than the spread of x)
        // e_kd is 0, not p·ε — which 1/f_d ≈ σ would blow up.
        DimensionSums {
            cdf: cdf / total,
            ccdf: ccdf / total,
            pdf,
            lambda,
        }
    }

    /// The adjoint pass over the components of dimension `d`: assigns
    /// `μ̄_kd`, `σ̄_kd` (to the `columns`, through `sink`) and updates `S_k`. `inv` holds the
    /// factors for the densities in `ws.logn` and for `e_kd`: both `1/f_d`,
    /// unless [`rescale_densities`](Self::rescale_densities) rescaled them.
    #[inline(always)]
    fn adjoint<'g>(
        &self,
        ws: &mut Workspace<'_, F>,
        d: usize,
        sums: DimensionSums<F>,
        (inv_f_dens, inv_f): (F, F),
        outs: impl Iterator<Item = (&'g mut F, &'g mut F)>,
        sink: &mut impl GradientSink<F>,
    ) where
        F: 'g,
    {
        let DimensionSums {
            cdf, ccdf, lambda, ..
        } = sums;
        // e_kd = p (Φ − F), or p (Fc − Φc) when F > 1/2 (no cancellation).
        let upper_branch = cdf > F::HALF;
        let comp = ws.p.iter().zip(ws.z.iter()).zip(ws.logn.iter());
        let comp = comp.zip(ws.tail.iter().zip(ws.suffix_z.iter()));
        let state = ws.suffix.iter_mut().zip(self.column(d));
        for (((((&pk, &z), &dens), (&small, &a)), (mb, sb)), (sk, (_, sigma))) in
            comp.zip(outs).zip(state)
        {
            // Φ and Φc as `normal::tails` formed them: the smaller one on
            // the side of the sign of z, the larger as 1 − smaller.
            let e = match (upper_branch, z < F::ZERO) {
                (true, true) => pk * (ccdf - (F::ONE - small)),
                (true, false) => pk * (ccdf - small),
                (false, true) => pk * (small - cdf),
                (false, false) => pk * ((F::ONE - small) - cdf),
            };
            let r = lambda * (dens * inv_f_dens);
            let b = mul_div(*sk, G::neg_score(z) * z - F::ONE, sigma);
            sink.put(mb, a + r);
            sink.put(sb, b + r * z);
            *sk -= lambda * (e * inv_f);
        }
    }

    /// `ℓ_k^(d) = a_k + Σ_{j<d} log N_kj` summed afresh, for the components
    /// whose path went beyond [`SweepLimits::RECOVERY_LIMIT`] (a point some
    /// `2^28` scales (f32: `2^12`) from a component, or logits that far
    /// apart): recovered by subtraction their log-weight could be off by
    /// more than the gap to the leading component. `O(d)` per component;
    /// afterwards `path_max` holds the largest `|ℓ|` of the fresh prefix, so
    /// a component far out only in later dimensions is recomputed once.
    #[cold]
    fn recompute_log_weights(&self, ws: &mut Workspace<'_, F>, x: &[F], d: usize) {
        let weights = ws.weights.hi.iter_mut().zip(ws.weights.lo.iter_mut());
        let rows = weights.zip(ws.path_max.iter_mut());
        for (k, (((h, l), big), &a)) in rows.zip(self.logits()).enumerate() {
            if *big <= F::RECOVERY_LIMIT || !h.is_finite() {
                continue;
            }
            let (mut hk, mut lk, mut bk) = (a, F::ZERO, a.abs());
            for (&xj, (mu, sigma)) in x.iter().zip(self.component(k)).take(d) {
                let z = G::standardise(xj, mu, sigma);
                dd_add(&mut hk, &mut lk, G::log_density(z, F::ln_scale(sigma)));
                bk = bk.max(hk.abs());
            }
            (*h, *l, *big) = (hk, lk, bk);
        }
    }

    /// The cold path of the sweep where `f_d` overflowed: a subnormal `σ`
    /// (below `φ(z)/MAX`) makes `p φ/σ` infinite. The sweep needs only the
    /// ratios `dens_k/f` and `e_k/f`, so the densities in `ws.logn` are
    /// rewritten scaled by the smallest active `σ` of the dimension,
    /// `σ_min/σ_k ≤ 1`, and the factors returned are `1/f'` (for the scaled
    /// densities) and `σ_min/f' = 1/f` (for `e`).
    #[cold]
    fn rescale_densities(&self, ws: &mut Workspace<'_, F>, d: usize, lse: LogSumExp<F>) -> (F, F) {
        let mut s_min = F::MAX;
        for (&h, (_, sigma)) in ws.weights.hi.iter().zip(self.column(d)) {
            if h != F::NEG_INFINITY && sigma < s_min {
                s_min = sigma;
            }
        }
        let ln_s_min = F::ln_scale(s_min);
        let ln_rest = lse.rest();
        let mut pdf = F::ZERO;
        let weights = ws.weights.hi.iter().zip(ws.weights.lo.iter());
        let comp = weights.zip(ws.p.iter());
        let rows = ws.z.iter().zip(self.column(d)).zip(ws.logn.iter_mut());
        for (((&h, &l), &pk), ((&z, (_, sigma)), dens)) in comp.zip(rows) {
            if h == F::NEG_INFINITY {
                continue;
            }
            let density = G::density(z);
            *dens = if density >= F::MIN_POSITIVE && pk >= F::MIN_POSITIVE {
                pk * density * (s_min / sigma)
            } else {
                let logn = G::log_density(z, F::ln_scale(sigma));
                (((h - lse.max_hi) + l) - ln_rest + logn + ln_s_min).exp()
            };
            pdf += *dens;
        }
        (F::ONE / pdf, s_min / pdf)
    }
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
