//! The joint log density and its gradients (docs/math.md §2, §4.4).
//!
//! `log q(x) = logsumexp_k(ℓ_k^(D+1)) − logsumexp_k(a_k)`. With the posterior
//! `r = softmax(ℓ^(D+1))` and `π = softmax(a)`:
//! `∂/∂a_k = r_k − π_k`, `∂/∂μ_kd = r_k z_kd/σ_kd`,
//! `∂/∂σ_kd = r_k (z_kd² − 1)/σ_kd`, `∂/∂x_d = −Σ_k r_k z_kd/σ_kd`.

use crate::kernel::log_weights::StepRows;
use crate::sweep::{Assign, GradientSink};
use crate::workspace::Workspace;
use crate::{Buffer, DiagMixture, DiagMixtureRef, Error, Family, Float, ParamGrad};

/// Optional outputs of [`DiagMixtureRef::log_prob_grad`]; `None` skips one.
#[derive(Debug, Default)]
pub struct LogProbGrad<'o, F> {
    /// `∂ log q/∂x` (`D` values).
    pub x: Option<&'o mut [F]>,
    /// `∂ log q/∂a` (`K` values).
    pub logits: Option<&'o mut [F]>,
    /// `∂ log q/∂μ` (`K·D` values, `(k, d)` at `k·D + d`).
    pub means: Option<&'o mut [F]>,
    /// `∂ log q/∂σ` (`K·D` values, `(k, d)` at `k·D + d`).
    pub scales: Option<&'o mut [F]>,
}

impl<F: Float, G: Family> DiagMixtureRef<'_, F, G> {
    /// `log q(x)`. Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength), [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX).
    ///
    /// Accuracy (f64): `|err| ≤ 1e-14 · max(1, |log q|)`. A point so far from
    /// every component that `|z| > Z_MAX` (2^450 in f64, docs/math.md §7.2)
    /// gets a finite but saturated value instead of overflowing.
    pub fn log_prob(&self, x: &[F]) -> Result<F, Error> {
        self.log_prob_grad(x, LogProbGrad::default())
    }

    /// `log q(x)` and any of its gradients (docs/math.md §4.4). Outputs are
    /// written only on success. Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength) (for `x` or any
    /// given output), [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX).
    pub fn log_prob_grad(&self, x: &[F], grad: LogProbGrad<'_, F>) -> Result<F, Error> {
        self.on_stack(|ws| self.log_prob_on(ws, x, grad))
    }

    /// [`log_prob_grad`](Self::log_prob_grad) on the workspace `ws`.
    pub(crate) fn log_prob_on(
        &self,
        ws: Workspace<'_, F>,
        x: &[F],
        grad: LogProbGrad<'_, F>,
    ) -> Result<F, Error> {
        self.check_x(x)?;
        self.check_log_prob_grad(&grad, 1)?;
        Ok(self.log_prob_unchecked(ws, x, grad, &mut Assign))
    }

    /// `log q(x)` with the gradients asked for, `x` and the outputs already
    /// checked: `∂/∂x` is stored, the parameter gradients go to `sink`.
    pub(crate) fn log_prob_unchecked(
        &self,
        ws: Workspace<'_, F>,
        x: &[F],
        grad: LogProbGrad<'_, F>,
        sink: &mut impl GradientSink<F>,
    ) -> F {
        let Workspace {
            mut weights,
            p: posterior,
            suffix: prior,
            logn,
            ..
        } = ws;
        // π and logsumexp(a) first, from ℓ^(1) = a.
        weights.init(self.logits());
        let lse0 = weights.responsibilities(prior);
        for (d, &xd) in x.iter().enumerate() {
            weights.step(self, d, xd, F::ONE, StepRows::scratch(logn));
        }
        // r = softmax(ℓ^(D+1)).
        let lse1 = weights.responsibilities(posterior);
        // (m1 − m0) first: both may be huge and nearly equal.
        let log_q = (lse1.max_hi - lse0.max_hi) + (lse1.rest() - lse0.rest());
        if let Some(g) = grad.logits {
            for ((gk, &r), &pi) in g.iter_mut().zip(posterior.iter()).zip(prior.iter()) {
                sink.put(gk, r - pi);
            }
        }
        let LogProbGrad {
            x: gx,
            means,
            scales,
            ..
        } = grad;
        if gx.is_some() || means.is_some() || scales.is_some() {
            self.write_log_prob_grad(x, posterior, gx, means, scales, sink);
        }
        log_q
    }

    /// The length of every output that `grad` asks for, with `rows` rows of
    /// `∂/∂x`.
    pub(crate) fn check_log_prob_grad(
        &self,
        grad: &LogProbGrad<'_, F>,
        rows: usize,
    ) -> Result<(), Error> {
        let (k, dims) = (self.num_components(), self.num_dims());
        let wanted = [
            (grad.x.as_deref(), rows * dims, Buffer::Output),
            (grad.logits.as_deref(), k, Buffer::LogitsBar),
            (grad.means.as_deref(), k * dims, Buffer::MeansBar),
            (grad.scales.as_deref(), k * dims, Buffer::ScalesBar),
        ];
        for (g, len, which) in wanted {
            if let Some(g) = g {
                Self::check_len(g, len, which)?;
            }
        }
        Ok(())
    }

    /// `∂ log q/∂x`, `∂/∂μ` and `∂/∂σ` from the posterior `r`, into the
    /// outputs given.
    fn write_log_prob_grad(
        &self,
        x: &[F],
        r: &[F],
        gx: Option<&mut [F]>,
        means: Option<&mut [F]>,
        scales: Option<&mut [F]>,
        sink: &mut impl GradientSink<F>,
    ) {
        let shape = self.shape();
        let mut gx = gx.map(|s| s.iter_mut());
        let (mut gm, mut gs) = (means, scales);
        for (d, &xd) in x.iter().enumerate() {
            let mut dx = F::ZERO;
            let mut gm_col = gm.as_deref_mut().map(|g| shape.column_mut(g, d));
            let mut gs_col = gs.as_deref_mut().map(|g| shape.column_mut(g, d));
            for ((mu, sigma), &rk) in self.column(d).zip(r) {
                let z = G::standardise(xd, mu, sigma);
                let t = G::neg_score(z);
                let zs = rk * t / sigma;
                dx -= zs;
                if let Some(slot) = gm_col.as_mut().and_then(|it| it.next()) {
                    sink.put(slot, zs);
                }
                if let Some(slot) = gs_col.as_mut().and_then(|it| it.next()) {
                    sink.put(slot, rk * (t * z - F::ONE) / sigma);
                }
            }
            if let Some(slot) = gx.as_mut().and_then(|it| it.next()) {
                *slot = if dx.is_nan() {
                    self.x_grad_rescaled(d, xd, r)
                } else {
                    dx
                };
            }
        }
    }
}

impl<F: Float, G: Family> DiagMixtureRef<'_, F, G> {
    /// `∂ log q/∂x_d = −Σ_k r_k z_kd/σ_kd` where the plain sum met terms
    /// that overflowed with opposite signs (`∞ − ∞`, tiny `σ` far out):
    /// summed scaled by the smallest `σ` of the dimension, each term
    /// `r z σ_min/σ` is finite, and the result is the true sum's value or
    /// its overflow to ±∞.
    #[cold]
    fn x_grad_rescaled(&self, d: usize, xd: F, r: &[F]) -> F {
        let s_min = self.column(d).fold(F::MAX, |m, (_, sigma)| m.min(sigma));
        let mut sum = F::ZERO;
        for ((mu, sigma), &rk) in self.column(d).zip(r) {
            sum -= rk * G::neg_score(G::standardise(xd, mu, sigma)) * (s_min / sigma);
        }
        sum / s_min
    }
}

impl<F: Float, const K: usize, const D: usize, G: Family> DiagMixture<F, K, D, G> {
    /// `log q(x)`; see [`DiagMixtureRef::log_prob`].
    pub fn log_prob(&self, x: &[F; D]) -> Result<F, Error> {
        self.run(|mix, ws| mix.log_prob_on(ws, x, LogProbGrad::default()))
    }

    /// `log q(x)` with its gradients w.r.t. `x` and every parameter; see
    /// [`DiagMixtureRef::log_prob_grad`].
    pub fn log_prob_grad(&self, x: &[F; D]) -> Result<(F, [F; D], ParamGrad<F, K, D>), Error> {
        let mut gx = [F::ZERO; D];
        let mut g = ParamGrad::default();
        let grad = LogProbGrad {
            x: Some(&mut gx),
            logits: Some(&mut g.logits),
            means: Some(g.means.as_flattened_mut()),
            scales: Some(g.scales.as_flattened_mut()),
        };
        let lp = self.run(|mix, ws| mix.log_prob_on(ws, x, grad))?;
        Ok((lp, gx, g))
    }
}
