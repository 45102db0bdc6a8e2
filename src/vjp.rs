//! Pathwise gradients of the quantile map (docs/math.md §4): the
//! vector–Jacobian product and the full Jacobian, both from the reverse
//! sweep ([`sweep`](crate::sweep)).
//!
//! Differentiating `F_d(x_d | x_<d; θ) = u_d` gives
//! `dx_d/dθ = −(1/f_d) · dF_d/dθ`, total over θ including the dependence
//! through `x_<d`. The gradient depends only on `x` and θ, not on how `x`
//! was drawn: it applies unchanged to ancestral samples.

use crate::kernel::log_weights::StepRows;
use crate::sweep::{Assign, GradientSink};
use crate::workspace::{copy, Workspace};
use crate::{Buffer, DiagMixture, DiagMixtureRef, Error, Family, Float, ParamGrad};

/// One gradient as `(logits, means, scales)` of lengths `K`, `KD`, `KD`:
/// a row of the Jacobian, or a vector–Jacobian product.
pub(crate) type GradientRow<'g, F> = (&'g mut [F], &'g mut [F], &'g mut [F]);

impl<F: Float, G: Family> DiagMixtureRef<'_, F, G> {
    /// The vector–Jacobian product of the quantile map at `x`: given
    /// `x̄ = ∂L/∂x`, overwrites `logits_bar`, `means_bar`, `scales_bar` with
    /// `∂L/∂a`, `∂L/∂μ`, `∂L/∂σ` (`K`, `K·D`, `K·D` values; `(k, d)` at
    /// `k·D + d`). Costs `O(DK)`.
    ///
    /// Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength), [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX),
    /// [`ErrorKind::NonFiniteCotangent`](crate::ErrorKind::NonFiniteCotangent), [`ErrorKind::ZeroDensity`](crate::ErrorKind::ZeroDensity) (some
    /// `f_d(x_d)` is below the smallest normal number, `2.2e-308` in f64 /
    /// `1.2e-38` in f32: `x` sits in a gap between components where the
    /// gradient `∝ 1/f_d` is not representable); on error nothing is written.
    ///
    /// Accuracy (f64, docs/math.md §6): `max|g − g*| ≤ 1e-10 · (1 + max|g*|)`
    /// where the densities `f_d(x_d)` are not tiny relative to the mixture's
    /// scale.
    pub fn vjp(
        &self,
        x: &[F],
        x_bar: &[F],
        logits_bar: &mut [F],
        means_bar: &mut [F],
        scales_bar: &mut [F],
    ) -> Result<(), Error> {
        self.on_stack(|ws| self.vjp_on(ws, x, x_bar, logits_bar, means_bar, scales_bar))
    }

    /// [`vjp`](Self::vjp) on the workspace `ws`.
    pub(crate) fn vjp_on(
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
        let scale = cotangent_scale(x_bar);
        let rescue = with_rescue(|rescue| {
            if rescue != F::ONE {
                // The first pass consumed ℓ^(D+1).
                self.forward(&mut ws, x)?;
            }
            let outs = (&mut *logits_bar, &mut *means_bar, &mut *scales_bar);
            self.vjp_pass(&mut ws, x, x_bar, [scale, rescue], outs, &mut Assign);
            Ok(has_nan(logits_bar, means_bar, scales_bar))
        })?;
        for factor in [F::ONE / rescue, scale] {
            scale_gradient(logits_bar, means_bar, scales_bar, factor);
        }
        Ok(())
    }

    /// One reverse sweep of the vector–Jacobian product from `ℓ^(D+1)` in
    /// `ws` ([`forward`](Self::forward)), with the cotangent divided by
    /// `scale` and multiplied by `rescue`: every entry of `(ā, μ̄, σ̄)` goes
    /// to `sink` (unscaled).
    pub(crate) fn vjp_pass(
        &self,
        ws: &mut Workspace<'_, F>,
        x: &[F],
        x_bar: &[F],
        [scale, rescue]: [F; 2],
        (logits_bar, means_bar, scales_bar): GradientRow<'_, F>,
        sink: &mut impl GradientSink<F>,
    ) {
        let top = self.num_dims() - 1;
        let xbar = |j| x_bar.get(j).map_or(F::ZERO, |&v: &F| v / scale * rescue);
        self.sweep(ws, x, top, xbar, means_bar, scales_bar, sink);
        for (slot, &s) in logits_bar.iter_mut().zip(ws.suffix.iter()) {
            sink.put(slot, s);
        }
    }

    /// The full Jacobian `∂x/∂θ` of the quantile map at `x`: `D` rows of
    /// `K + 2KD` columns (row-major, columns ordered logits, means, scales,
    /// the latter two component-major), written to `jac` (`D·(K + 2KD)`
    /// values). `D` reverse sweeps, `O(D²K)`. Errors as
    /// [`vjp`](Self::vjp).
    pub fn jacobian(&self, x: &[F], jac: &mut [F]) -> Result<(), Error> {
        self.check_x(x)?;
        let rows = self.jacobian_rows(jac)?;
        self.on_stack(|ws| self.jacobian_on(ws, x, rows))
    }

    /// The rows of a Jacobian buffer from the last to the first, each as
    /// `(logits, means, scales)` of lengths `K`, `KD`, `KD`.
    pub(crate) fn jacobian_rows<'j>(
        &self,
        jac: &'j mut [F],
    ) -> Result<impl Iterator<Item = GradientRow<'j, F>>, Error> {
        let (k, params) = (self.num_components(), self.num_params());
        Self::check_len(
            jac,
            self.num_dims().saturating_mul(params),
            Buffer::Jacobian,
        )?;
        let mut rest = jac;
        Ok(core::iter::from_fn(move || {
            let split = rest.len().checked_sub(params)?;
            let (head, row) = core::mem::take(&mut rest).split_at_mut_checked(split)?;
            rest = head;
            let (logits, params) = row.split_at_mut_checked(k)?;
            let (means, scales) = params.split_at_mut_checked(params.len() / 2)?;
            Some((logits, means, scales))
        }))
    }

    /// [`jacobian`](Self::jacobian) on the workspace `ws`, into `rows` for
    /// `d = D−1` down to `0`.
    pub(crate) fn jacobian_on<'r>(
        &self,
        mut ws: Workspace<'_, F>,
        x: &[F],
        rows: impl Iterator<Item = GradientRow<'r, F>>,
    ) -> Result<(), Error> {
        self.check_x(x)?;
        self.forward(&mut ws, x)?;
        for (d, (logits, means, scales)) in (0..self.num_dims()).rev().zip(rows) {
            let rescue = with_rescue(|rescue| {
                // ℓ^(d+1) afresh for each row (O(dK), like the row's sweep):
                // walking it down by subtraction would need the recovery
                // safeguards of the sweep a second time.
                ws.weights.init(self.logits());
                for (j, &xj) in x.iter().enumerate().take(d + 1) {
                    ws.weights
                        .step(self, j, xj, F::ONE, StepRows::scratch(ws.logn));
                }
                // Dimensions after d do not move x_d.
                means.fill(F::ZERO);
                scales.fill(F::ZERO);
                let xbar = |j| if j == d { rescue } else { F::ZERO };
                self.sweep(&mut ws, x, d, xbar, means, scales, &mut Assign);
                copy(logits, ws.suffix);
                Ok(has_nan(logits, means, scales))
            })?;
            scale_gradient(logits, means, scales, F::ONE / rescue);
        }
        Ok(())
    }
}

/// Runs `pass` with the cotangent scale 1, and once more with
/// [`SweepLimits::RESCUE_SCALE`](crate::sweep::SweepLimits::RESCUE_SCALE) where the precision has one and the first
/// pass's gradient held a NaN (`pass` returns whether it did): `∞ − ∞`
/// inside, a true gradient beyond the float range (1/f times 1/σ over
/// dimensions) whose overflowing terms met. Returns the scale of the pass
/// whose result stands.
#[inline(always)]
pub(crate) fn with_rescue<F: Float>(
    mut pass: impl FnMut(F) -> Result<bool, Error>,
) -> Result<F, Error> {
    let mut rescue = F::ONE;
    // One call site of `pass`: the sweep inside it is not duplicated.
    loop {
        let met_nan = pass(rescue)?;
        match F::RESCUE_SCALE {
            Some(scale) if met_nan && rescue == F::ONE => rescue = scale,
            _ => return Ok(rescue),
        }
    }
}

/// The power of two the cotangent is divided by during the sweep (and the
/// result multiplied by after it): 1 unless `max|x̄| ≥ 1/ε²`, else
/// `2^⌊log₂ max|x̄|⌋`. The products `x̄·∂x/∂θ` summed in the sweep then
/// cannot overflow in an intermediate sum (`∞ − ∞ = NaN`) where only the
/// result is out of range: such a result becomes ±∞. Dividing by a power
/// of two is exact, except for entries more than `2^-1000` (f64) below
/// the largest, which become subnormal or zero.
pub(crate) fn cotangent_scale<F: Float>(x_bar: &[F]) -> F {
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

impl<F: Float, const K: usize, const D: usize, G: Family> DiagMixture<F, K, D, G> {
    /// The vector–Jacobian product; see [`DiagMixtureRef::vjp`].
    pub fn vjp(&self, x: &[F; D], x_bar: &[F; D]) -> Result<ParamGrad<F, K, D>, Error> {
        // One result, written in place: no copy of the gradient on the
        // stack (the budget of small microcontrollers, docs/embedded.md).
        let mut out = Ok(ParamGrad::default());
        if let Ok(g) = &mut out {
            let (logits, means, scales) = g.parts_mut();
            if let Err(e) = self.run(|mix, ws| mix.vjp_on(ws, x, x_bar, logits, means, scales)) {
                out = Err(e);
            }
        }
        out
    }

    /// The Jacobian: row `d` is the gradient of `x_d`; see
    /// [`DiagMixtureRef::jacobian`].
    pub fn jacobian(&self, x: &[F; D]) -> Result<[ParamGrad<F, K, D>; D], Error> {
        let mut jac = [ParamGrad::default(); D];
        let rows = jac.iter_mut().rev().map(ParamGrad::parts_mut);
        self.run(|mix, ws| mix.jacobian_on(ws, x, rows))?;
        Ok(jac)
    }
}
