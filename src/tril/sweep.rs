//! Gradients of a full-covariance mixture (docs/math.md §10.2): the reverse
//! sweep with the transposed substitution (`vjp`, `jacobian`) and the
//! log-density gradients (`log_prob_grad`).
//!
//! Per dimension `d = D−1 … 0`, with `S_k` the suffix sums and `t_k` the
//! adjoints of the earlier `z_kj` carried by the transposed substitution:
//!
//! ```text
//! ζ_k = −S_k z_kd + t_k[d],   λ = x̄_d + Σ_k ζ_k/σ_kd,   w = −λ/f_d
//! L̄_k[d][d] += −S_k/σ_kd;   S_k += w p_k (Φ(z_kd) − F_d);   ζ_k += w p_k φ(z_kd)
//! μ̄_kd = −ζ_k/σ_kd,   L̄_k[d][d] += −ζ_k z_kd/σ_kd
//! j < d:  L̄_k[d][j] = −ζ_k z_kj/σ_kd,   t_k[j] += −ζ_k L_k[d][j]/σ_kd
//! ```
//!
//! (`σ_kd = L_k[d][d]`); `ā = S` at the end.

use crate::batch::{zero, Accumulate};
use crate::family::StandardDensity;
use crate::sweep::GradientSink;
use crate::vjp::{cotangent_scale, with_rescue, GradientRow};
use crate::{Buffer, Error, ErrorKind, Float, Gaussian};

use super::work::{TrilWork, TrilWorkspace};
use super::{factor_row, TrilMixtureRef};

/// The gradients [`TrilMixtureRef::log_prob_grad`] writes, each optional:
/// `∂ log q/∂x` (`D`), the logits (`K`), means (`K·D`) and factors
/// (`K·D·D`, zero above the diagonal).
#[derive(Debug, Default)]
pub struct TrilLogProbGrad<'g, F> {
    /// `∂ log q/∂x` (`D` values).
    pub x: Option<&'g mut [F]>,
    /// `∂ log q/∂a` (`K` values).
    pub logits: Option<&'g mut [F]>,
    /// `∂ log q/∂μ` (`K·D` values).
    pub means: Option<&'g mut [F]>,
    /// `∂ log q/∂L` (`K·D·D` values, zero above the diagonals).
    pub scale_tril: Option<&'g mut [F]>,
}

/// The conditional of one dimension at its point, from the stored `z` and
/// responsibilities: `(F, Fc, f)`, each component's `(G, Gc, g)` kept in
/// `tails` for the adjoints.
fn moments<F: Float>(
    p: &[F],
    z: impl Iterator<Item = (F, F)>,
    tails: (&mut [F], &mut [F], &mut [F]),
) -> (F, F, F) {
    let (mut cdf, mut ccdf, mut pdf) = (F::ZERO, F::ZERO, F::ZERO);
    let rows = tails
        .0
        .iter_mut()
        .zip(tails.1.iter_mut())
        .zip(tails.2.iter_mut());
    for ((&pk, (zk, sigma)), ((lo, up), dens)) in p.iter().zip(z).zip(rows) {
        let (lower, upper, g) = Gaussian::tails_density(zk);
        (*lo, *up, *dens) = (lower, upper, g);
        if pk != F::ZERO {
            cdf += pk * lower;
            ccdf += pk * upper;
            pdf += pk * g / sigma;
        }
    }
    (cdf, ccdf, pdf)
}

/// `a·b`, but 0 where `b` is 0: an adjoint beyond the float range (a
/// clamped `z` over a tiny diagonal entry) times an exact zero of the
/// factor or of `z` is no contribution, not `∞·0 = NaN`.
#[inline(always)]
fn times<F: Float>(a: F, b: F) -> F {
    if b == F::ZERO {
        F::ZERO
    } else {
        a * b
    }
}

impl<F: Float> TrilMixtureRef<'_, F> {
    /// `(z_kd, L_k[d][d])` of every component, from the forward pass.
    fn standardised<'s>(&'s self, z: &'s [F], d: usize) -> impl Iterator<Item = (F, F)> + 's {
        let dims = self.dims;
        z.chunks_exact(dims.max(1))
            .zip(self.components())
            .map(move |(z_k, (_, _, factor))| {
                let zk = z_k.get(d).copied().unwrap_or(F::ZERO);
                (zk, factor_row(factor, d, dims).1)
            })
    }

    /// `p^(d)` from the forward pass.
    fn resp_at<'s>(&self, resp: &'s [F], d: usize) -> &'s [F] {
        let k = self.num_components();
        resp.get(d * k..(d + 1) * k).unwrap_or(&[])
    }

    /// [`ErrorKind::ZeroDensity`] at the first dimension whose conditional
    /// density is zero or whose reciprocal overflows (`dx/dθ ∝ 1/f`).
    pub(super) fn check_densities(&self, w: &TrilWork<'_, F>) -> Result<(), Error> {
        // Conservative: at least 1/ε above the smallest normal number, so
        // that the sweep's own sum of the same terms (with the tails, a
        // few ulps apart) is positive with a finite reciprocal.
        let floor = F::MIN_POSITIVE / F::EPSILON;
        for d in 0..self.dims {
            let p = self.resp_at(w.resp, d);
            let terms = p.iter().zip(self.standardised(w.z, d));
            let f = terms.fold(F::ZERO, |f, (&pk, (zk, sigma))| {
                f + pk * Gaussian::density(zk) / sigma
            });
            if !(f >= floor && (F::ONE / f).is_finite()) {
                return Err(Error::entry(ErrorKind::ZeroDensity, Buffer::X, d, 0));
            }
        }
        Ok(())
    }

    /// The vector–Jacobian product `x̄ᵀ ∂x/∂θ` at a point `x` of the
    /// quantile map, in `O(KD²)`: into `logits_bar` (`K`), `means_bar`
    /// (`K·D`) and `scale_tril_bar` (`K·D·D`, zero above the diagonal),
    /// overwritten.
    ///
    /// Errors: [`ErrorKind::BufferLength`], [`ErrorKind::NonFiniteX`],
    /// [`ErrorKind::NonFiniteCotangent`], [`ErrorKind::ZeroDensity`]
    /// (a conditional density too small to divide by); on error nothing is
    /// written.
    pub fn vjp<W: TrilWorkspace<F> + ?Sized>(
        &self,
        x: &[F],
        x_bar: &[F],
        logits_bar: &mut [F],
        means_bar: &mut [F],
        scale_tril_bar: &mut [F],
        work: &mut W,
    ) -> Result<(), Error> {
        self.check_finite(x, Buffer::X)?;
        self.check_finite(x_bar, Buffer::XBar)?;
        self.check_param_grads(logits_bar, means_bar, scale_tril_bar)?;
        let mut w = self.work(work)?;
        self.walk_at(&mut w, x);
        self.check_densities(&w)?;
        let xbar = |d: usize| x_bar.get(d).copied().unwrap_or(F::ZERO);
        let scale = cotangent_scale(x_bar);
        let outs = (logits_bar, means_bar, scale_tril_bar);
        self.point_gradient(&mut w, (self.dims, scale), xbar, outs);
        Ok(())
    }

    /// The full Jacobian `∂x/∂θ` at a point `x` of the quantile map, `D`
    /// rows of `K + K·D + K·D·D` columns (logits, means, then each `L_k`
    /// row-major, zero above the diagonal), row-major into `jac`.
    ///
    /// Errors: as [`vjp`](Self::vjp).
    pub fn jacobian<W: TrilWorkspace<F> + ?Sized>(
        &self,
        x: &[F],
        jac: &mut [F],
        work: &mut W,
    ) -> Result<(), Error> {
        self.check_finite(x, Buffer::X)?;
        let cols = self.num_params();
        Self::check_len(jac, cols.saturating_mul(self.dims), Buffer::Jacobian)?;
        let mut w = self.work(work)?;
        self.walk_at(&mut w, x);
        self.check_densities(&w)?;
        let (k, kd) = (self.logits.len(), self.means.len());
        for (r, row) in jac.chunks_exact_mut(cols.max(1)).enumerate() {
            let (logits, rest) = row.split_at_mut_checked(k).unwrap_or_default();
            let (means, factors) = rest.split_at_mut_checked(kd).unwrap_or_default();
            let xbar = |d: usize| if d == r { F::ONE } else { F::ZERO };
            self.point_gradient(&mut w, (r + 1, F::ONE), xbar, (logits, means, factors));
        }
        Ok(())
    }

    /// One point's gradient `x̄ᵀ ∂x/∂θ` over the dimensions below `top`,
    /// after the forward pass, written to `outs` as the single calls
    /// return it (docs/math.md §10.2): the cotangent divided by `scale` (a
    /// power of two, [`cotangent_scale`]) and each entry multiplied back.
    /// In `f64`, a sweep that meets NaN (`∞ − ∞` where the terms of a
    /// gradient beyond the float range overflow) runs again with the
    /// cotangent also scaled by `2⁻⁷⁶⁸`, as the diagonal mixture's does.
    fn point_gradient(
        &self,
        w: &mut TrilWork<'_, F>,
        (top, scale): (usize, F),
        xbar: impl Fn(usize) -> F,
        outs: GradientRow<'_, F>,
    ) {
        let (logits, means, factors) = outs;
        // The sweep cannot fail: `with_rescue` passes its `Ok` through.
        let _ = with_rescue(|rescue| {
            zero([&mut *logits, &mut *means, &mut *factors]);
            let mut sum = Accumulate {
                factors: [F::ONE / rescue, scale],
                met_nan: false,
            };
            let outs = (&mut *logits, &mut *means, &mut *factors);
            self.sweep(w, top, |d| xbar(d) / scale * rescue, outs, &mut sum);
            Ok::<_, Error>(sum.met_nan)
        });
    }

    /// `Ok` if the parameter-gradient outputs hold `K`, `K·D` and `K·D·D`
    /// values.
    pub(super) fn check_param_grads(
        &self,
        logits_bar: &[F],
        means_bar: &[F],
        scale_tril_bar: &[F],
    ) -> Result<(), Error> {
        Self::check_len(logits_bar, self.logits.len(), Buffer::LogitsBar)?;
        Self::check_len(means_bar, self.means.len(), Buffer::MeansBar)?;
        Self::check_len(scale_tril_bar, self.scale_tril.len(), Buffer::ScaleTrilBar)
    }

    /// The reverse sweep over dimensions `top − 1` down to 0 after the
    /// forward pass: delivers each entry of the point's gradient, whole, to
    /// `sink` with its slot in `outs` (logits, means, factors).
    pub(super) fn sweep(
        &self,
        w: &mut TrilWork<'_, F>,
        top: usize,
        xbar: impl Fn(usize) -> F,
        (logits_bar, means_bar, tril_bar): GradientRow<'_, F>,
        sink: &mut impl GradientSink<F>,
    ) {
        w.m.fill(F::ZERO);
        w.t.fill(F::ZERO);
        for d in (0..top).rev() {
            let p = self.resp_at(w.resp, d);
            // The tails into the rows the forward pass no longer needs.
            let tails = (&mut *w.weights.hi, &mut *w.weights.lo, &mut *w.p);
            let (cdf, ccdf, f) = moments(p, self.standardised(w.z, d), tails);
            // ζ_k before the dimension's own term, into w.logn; λ from it.
            let mut lambda = xbar(d);
            let zeta_in = w.logn.iter_mut().zip(w.m.iter());
            for ((zeta, &s), (t_k, (zk, sigma))) in zeta_in.zip(
                w.t.chunks_exact(self.dims.max(1))
                    .zip(self.standardised(w.z, d)),
            ) {
                *zeta = -s * zk + t_k.get(d).copied().unwrap_or(F::ZERO);
                lambda += *zeta / sigma;
            }
            let weight = -lambda / f;
            let outs = (&mut *means_bar, &mut *tril_bar);
            self.adjoint_row(w, d, (cdf, ccdf, weight), outs, sink);
        }
        for (g, &s) in logits_bar.iter_mut().zip(w.m.iter()) {
            sink.put(g, s);
        }
    }

    /// One dimension's adjoints given `w = −λ/f` (`terms = (F, Fc, w)`):
    /// `S`, `ζ`, then the means, the factors' row `d` and `t`.
    fn adjoint_row(
        &self,
        w: &mut TrilWork<'_, F>,
        d: usize,
        (cdf, ccdf, weight): (F, F, F),
        (means_bar, tril_bar): (&mut [F], &mut [F]),
        sink: &mut impl GradientSink<F>,
    ) {
        let dims = self.dims;
        let p = self.resp_at(w.resp, d);
        let lower_side = cdf <= ccdf;
        let tails = w.weights.hi.iter().zip(w.weights.lo.iter()).zip(w.p.iter());
        let per_k =
            w.m.iter_mut()
                .zip(w.logn.iter_mut())
                .zip(p.iter().zip(tails));
        let rows =
            w.z.chunks_exact(dims.max(1))
                .zip(w.t.chunks_exact_mut(dims.max(1)));
        let params = means_bar
            .chunks_exact_mut(dims.max(1))
            .zip(tril_bar.chunks_exact_mut((dims * dims).max(1)));
        for (
            ((s, zeta), (&pk, ((&lower, &upper), &g))),
            ((z_k, t_k), ((mu_bar, l_bar), (_, _, factor))),
        ) in per_k.zip(rows.zip(params.zip(self.components())))
        {
            let (left, sigma) = factor_row(factor, d, dims);
            let zk = z_k.get(d).copied().unwrap_or(F::ZERO);
            // p (Φ − F), from the smaller tails.
            let e = if lower_side {
                pk * (lower - cdf)
            } else {
                pk * (ccdf - upper)
            };
            let diag_from_s = -*s / sigma;
            *s += weight * e;
            *zeta += weight * pk * g;
            let scaled = *zeta / sigma;
            if let Some(m) = mu_bar.get_mut(d) {
                sink.put(m, -scaled);
            }
            let row = l_bar.get_mut(d * dims..d * dims + d + 1).unwrap_or(&mut []);
            if let Some((diag, off)) = row.split_last_mut() {
                sink.put(diag, diag_from_s - times(scaled, zk));
                if scaled.is_finite() {
                    sink.put_products(off, -scaled, z_k);
                    for (tj, &l) in t_k.iter_mut().zip(left) {
                        *tj -= scaled * l;
                    }
                } else {
                    let pairs = off.iter_mut().zip(z_k).zip(t_k.iter_mut().zip(left));
                    for ((lb, &zj), (tj, &l)) in pairs {
                        sink.put(lb, -times(scaled, zj));
                        *tj -= times(scaled, l);
                    }
                }
            }
        }
    }

    /// `log q(x)` and, as asked for, its gradients (docs/math.md §10.3):
    /// `∂/∂a_k = r_k − π_k`, and `−r_k z_k` back-substituted through each
    /// component's substitution, plus `−r_k/L_k[d][d]` on each diagonal
    /// entry (the log-determinant).
    ///
    /// Errors: [`ErrorKind::BufferLength`], [`ErrorKind::NonFiniteX`]; on
    /// error nothing is written.
    pub fn log_prob_grad<W: TrilWorkspace<F> + ?Sized>(
        &self,
        x: &[F],
        grad: TrilLogProbGrad<'_, F>,
        work: &mut W,
    ) -> Result<F, Error> {
        self.check_finite(x, Buffer::X)?;
        self.check_log_prob_grad(&grad)?;
        let mut w = self.work(work)?;
        let log_q = self.log_prob_in(&mut w, x);
        // π into w.logn.
        w.weights.init(self.logits);
        w.weights.responsibilities(w.logn);
        let TrilLogProbGrad {
            x: gx,
            logits,
            means,
            scale_tril,
        } = grad;
        if let Some(g) = logits {
            for ((g, &r), &pi) in g.iter_mut().zip(w.p.iter()).zip(w.logn.iter()) {
                *g = r - pi;
            }
        }
        self.log_density_adjoints(&mut w, gx, means, scale_tril);
        Ok(log_q)
    }

    /// The lengths of the gradient outputs.
    fn check_log_prob_grad(&self, grad: &TrilLogProbGrad<'_, F>) -> Result<(), Error> {
        let outputs = [
            (grad.x.as_deref(), self.dims, Buffer::Output),
            (grad.logits.as_deref(), self.logits.len(), Buffer::LogitsBar),
            (grad.means.as_deref(), self.means.len(), Buffer::MeansBar),
            (
                grad.scale_tril.as_deref(),
                self.scale_tril.len(),
                Buffer::ScaleTrilBar,
            ),
        ];
        for (buf, len, which) in outputs {
            if let Some(buf) = buf {
                Self::check_len(buf, len, which)?;
            }
        }
        Ok(())
    }

    /// `−r_k z_k` back-substituted (the posterior `r` in `w.p`).
    fn log_density_adjoints(
        &self,
        w: &mut TrilWork<'_, F>,
        mut gx: Option<&mut [F]>,
        mut means: Option<&mut [F]>,
        mut factors: Option<&mut [F]>,
    ) {
        let dims = self.dims;
        if let Some(g) = gx.as_deref_mut() {
            g.fill(F::ZERO);
        }
        let rows =
            w.z.chunks_exact(dims.max(1))
                .zip(w.t.chunks_exact_mut(dims.max(1)));
        for (k, ((&r, (z_k, t_k)), (_, _, factor))) in
            w.p.iter().zip(rows).zip(self.components()).enumerate()
        {
            t_k.fill(F::ZERO);
            for d in (0..dims).rev() {
                let (left, sigma) = factor_row(factor, d, dims);
                let zk = z_k.get(d).copied().unwrap_or(F::ZERO);
                let zeta = -r * zk + t_k.get(d).copied().unwrap_or(F::ZERO);
                let scaled = zeta / sigma;
                if let Some(g) = gx.as_deref_mut().and_then(|g| g.get_mut(d)) {
                    *g += scaled;
                }
                if let Some(m) = means.as_deref_mut().and_then(|m| m.get_mut(k * dims + d)) {
                    *m = -scaled;
                }
                for (tj, &l) in t_k.iter_mut().zip(left) {
                    *tj -= times(scaled, l);
                }
                let Some(lb) = factors.as_deref_mut() else {
                    continue;
                };
                let at = (k * dims + d) * dims;
                let row = lb.get_mut(at..at + dims).unwrap_or(&mut []);
                for (j, slot) in row.iter_mut().enumerate() {
                    *slot = match j.cmp(&d) {
                        core::cmp::Ordering::Less => {
                            -times(scaled, z_k.get(j).copied().unwrap_or(F::ZERO))
                        }
                        core::cmp::Ordering::Equal => -times(scaled, zk) - r / sigma,
                        core::cmp::Ordering::Greater => F::ZERO,
                    };
                }
            }
        }
    }
}
