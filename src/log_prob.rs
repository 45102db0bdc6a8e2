//! The joint log density and its gradients (SPEC §2, §4 last paragraph).
//!
//! `log q(x) = logsumexp_k(ℓ_k^(D+1)) − logsumexp_k(a_k)`. With the posterior
//! `r = softmax(ℓ^(D+1))` and `π = softmax(a)`:
//! `∂/∂a_k = r_k − π_k`, `∂/∂μ_kd = r_k z_kd/σ_kd`,
//! `∂/∂σ_kd = r_k (z_kd² − 1)/σ_kd`, `∂/∂x_d = −Σ_k r_k z_kd/σ_kd`.

use crate::kernel::{init_log_weights, responsibilities, standardise, step_log_weights};
use crate::workspace::{self, Storage, Workspace};
use crate::{Buffer, DiagMixture, DiagMixtureRef, Error, Float, ParamGrad};

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

impl<F: Float> DiagMixtureRef<'_, F> {
    /// `log q(x)`. Errors: [`ErrorKind::BufferLength`], [`ErrorKind::NonFiniteX`].
    ///
    /// Accuracy (f64): `|err| ≤ 1e-14 · max(1, |log q|)`. A point so far from
    /// every component that `|z| > Z_MAX` ([`Float::Z_MAX`], 2^450 in f64)
    /// gets a finite but saturated value instead of overflowing.
    pub fn log_prob(&self, x: &[F]) -> Result<F, Error> {
        self.log_prob_grad(x, LogProbGrad::default())
    }

    /// `log q(x)` and any of its gradients (SPEC §4). Outputs are written
    /// only on success. Errors: [`ErrorKind::BufferLength`] (for `x` or any
    /// given output), [`ErrorKind::NonFiniteX`].
    pub fn log_prob_grad(&self, x: &[F], grad: LogProbGrad<'_, F>) -> Result<F, Error> {
        workspace::with_max(self.num_components(), |ws| self.log_prob_in(ws, x, grad))
    }

    pub(crate) fn log_prob_in(
        &self,
        ws: Workspace<'_, F>,
        x: &[F],
        grad: LogProbGrad<'_, F>,
    ) -> Result<F, Error> {
        let (k, dims) = (self.num_components(), self.num_dims());
        self.check_x(x)?;
        let LogProbGrad {
            x: gx,
            logits: ga,
            means: gm,
            scales: gs,
        } = grad;
        if let Some(g) = gx.as_deref() {
            Self::check_len(g, dims, Buffer::Output)?;
        }
        if let Some(g) = ga.as_deref() {
            Self::check_len(g, k, Buffer::LogitsBar)?;
        }
        if let Some(g) = gm.as_deref() {
            Self::check_len(g, k * dims, Buffer::MeansBar)?;
        }
        if let Some(g) = gs.as_deref() {
            Self::check_len(g, k * dims, Buffer::ScalesBar)?;
        }

        // π and logsumexp(a) first, from ℓ^(1) = a.
        init_log_weights(self.logits(), ws.hi, ws.lo);
        let lse0 = responsibilities(ws.hi, ws.lo, ws.r0);
        for (d, &xd) in x.iter().enumerate() {
            // r0 holds π; r1 is scratch.
            step_log_weights(self, d, xd, F::ONE, ws.hi, ws.lo, None, ws.r1);
        }
        // r = softmax(ℓ^(D+1)).
        let lse1 = responsibilities(ws.hi, ws.lo, ws.p);
        // (m1 − m0) first: both may be huge and nearly equal.
        let log_q = (lse1.max_hi - lse0.max_hi) + (lse1.rest() - lse0.rest());

        if let Some(g) = ga {
            for ((gk, &r), &pi) in g.iter_mut().zip(ws.p.iter()).zip(ws.r0.iter()) {
                *gk = r - pi;
            }
        }
        let wants_params = gm.is_some() || gs.is_some();
        if gx.is_some() || wants_params {
            let step = dims;
            let mut gx = gx.map(|s| s.iter_mut());
            let (mut gm, mut gs) = (gm, gs);
            for (d, &xd) in x.iter().enumerate() {
                let mut dx = F::ZERO;
                let mut gm_col = gm
                    .as_deref_mut()
                    .map(|s| s.iter_mut().skip(d).step_by(step));
                let mut gs_col = gs
                    .as_deref_mut()
                    .map(|s| s.iter_mut().skip(d).step_by(step));
                for ((mu, sigma), &r) in self.column(d).zip(ws.p.iter()) {
                    let z = standardise(xd, mu, sigma);
                    let zs = r * z / sigma;
                    dx -= zs;
                    if let Some(slot) = gm_col.as_mut().and_then(|it| it.next()) {
                        *slot = zs;
                    }
                    if let Some(slot) = gs_col.as_mut().and_then(|it| it.next()) {
                        *slot = r * (z * z - F::ONE) / sigma;
                    }
                }
                if let Some(slot) = gx.as_mut().and_then(|it| it.next()) {
                    *slot = if dx.is_nan() {
                        self.x_grad_rescaled(d, xd, ws.p)
                    } else {
                        dx
                    };
                }
            }
        }
        Ok(log_q)
    }
}

impl<F: Float> DiagMixtureRef<'_, F> {
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
            sum -= rk * standardise(xd, mu, sigma) * (s_min / sigma);
        }
        sum / s_min
    }
}

impl<F: Float, const K: usize, const D: usize> DiagMixture<F, K, D> {
    /// `log q(x)`; see [`DiagMixtureRef::log_prob`].
    pub fn log_prob(&self, x: &[F; D]) -> Result<F, Error> {
        let mut storage = Storage::<F, K>::new();
        self.view()
            .log_prob_in(storage.rows(K)?, x, LogProbGrad::default())
    }

    /// `log q(x)` with its gradients w.r.t. `x` and every parameter; see
    /// [`DiagMixtureRef::log_prob_grad`].
    pub fn log_prob_grad(&self, x: &[F; D]) -> Result<(F, [F; D], ParamGrad<F, K, D>), Error> {
        let mut gx = [F::ZERO; D];
        let mut g = ParamGrad::default();
        let mut storage = Storage::<F, K>::new();
        let lp = self.view().log_prob_in(
            storage.rows(K)?,
            x,
            LogProbGrad {
                x: Some(&mut gx),
                logits: Some(&mut g.logits),
                means: Some(g.means.as_flattened_mut()),
                scales: Some(g.scales.as_flattened_mut()),
            },
        )?;
        Ok((lp, gx, g))
    }
}
