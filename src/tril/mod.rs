//! Full-covariance Gaussian mixtures (docs/math.md §10): component `k` is
//! `N(μ_k, L_k L_kᵀ)` with `L_k` lower triangular. Under component `k`,
//! `z_k = L_k⁻¹(x − μ_k)` by forward substitution,
//!
//! ```text
//! z_kd = (x_d − m_kd) / L_k[d][d],   m_kd = μ_kd + Σ_{j<d} L_k[d][j] z_kj,
//! ```
//!
//! so coordinate `d` given `x_<d` is the diagonal mixture's conditional with
//! locations `m_kd` and scales `L_k[d][d]`: the same kernel, solver and
//! log-weights serve ([`forward`]). The reverse sweep carries the
//! transposed substitution ([`sweep`]). Every operation runs on scratch
//! ([`TrilWorkspace`]): the caller's slice of [`TrilMixtureRef::work_len`]
//! values (`O(KD)`, no bound on `K` or `D`), or a [`TrilScratch`] on the
//! stack; nothing is allocated.

mod forward;
mod many;
mod owned;
mod sweep;
mod work;

use crate::mixture::validate_logits_and_means;
use crate::{Buffer, Error, ErrorKind, Float};

pub use owned::{TrilGrad, TrilMixture};
pub use sweep::TrilLogProbGrad;
pub use work::{TrilScratch, TrilWorkspace};

/// A full-covariance Gaussian mixture over borrowed flat slices:
/// `logits` (`K`), `means` (`K·D`, `(k, d)` at `k·D + d`) and `scale_tril`
/// (`K·D·D`: `L_k` at `k·D·D`, `(i, j)` at `i·D + j`; the lower triangle
/// and the diagonal are read, the entries above the diagonal never).
///
/// ```
/// use mixgrad::TrilMixtureRef;
/// // One component, D = 2: L = [[2, 0], [1, 0.5]].
/// let (logits, means, tril) = ([0.0f64], [1.0, -1.0], [2.0, 0.0, 1.0, 0.5]);
/// let mix = TrilMixtureRef::new(&logits, &means, &tril, 2)?;
/// let mut work = vec![0.0; TrilMixtureRef::<f64>::work_len(1, 2).unwrap()];
/// let mut x = [0.0; 2];
/// mix.quantile(&[0.5, 0.5], &mut x, &mut work[..])?;
/// assert_eq!(x, [1.0, -1.0]); // the mean, at the medians
/// # Ok::<(), mixgrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TrilMixtureRef<'a, F> {
    logits: &'a [F],
    means: &'a [F],
    scale_tril: &'a [F],
    dims: usize,
}

impl<'a, F: Float> TrilMixtureRef<'a, F> {
    /// Validates the parameters and wraps them; `K = logits.len()`.
    ///
    /// Errors, in this order: [`ErrorKind::NoComponents`],
    /// [`ErrorKind::NoDimensions`], [`ErrorKind::SizeOverflow`] (`K·D·D`
    /// beyond the address space), [`ErrorKind::ParameterShape`] (`means`
    /// or `scale_tril` of the wrong length), [`ErrorKind::NanLogit`],
    /// [`ErrorKind::InfiniteLogit`], [`ErrorKind::NoActiveComponent`],
    /// [`ErrorKind::NonFiniteMean`], [`ErrorKind::NonFiniteScale`] (an
    /// entry on or below the diagonal that is not finite),
    /// [`ErrorKind::NonPositiveScale`] (a diagonal entry `≤ 0`).
    pub fn new(
        logits: &'a [F],
        means: &'a [F],
        scale_tril: &'a [F],
        dims: usize,
    ) -> Result<Self, Error> {
        let k = logits.len();
        if k == 0 {
            return Err(ErrorKind::NoComponents.into());
        }
        if dims == 0 {
            return Err(ErrorKind::NoDimensions.into());
        }
        let Some((kd, kdd)) = sizes(k, dims) else {
            return Err(ErrorKind::SizeOverflow.into());
        };
        for (buffer, values, len) in [
            (Buffer::Means, means, kd),
            (Buffer::ScaleTril, scale_tril, kdd),
        ] {
            if values.len() != len {
                let kind = ErrorKind::ParameterShape;
                return Err(Error::length(kind, buffer, len, values.len()));
            }
        }
        let mix = TrilMixtureRef {
            logits,
            means,
            scale_tril,
            dims,
        };
        mix.validate()?;
        Ok(mix)
    }

    /// The values of caller scratch every operation needs for `K`
    /// components in `D` dimensions, `K·(5 + 3D)`; `None` on overflow.
    pub fn work_len(num_components: usize, num_dims: usize) -> Option<usize> {
        work::len(num_components, num_dims)
    }

    /// `K`.
    #[inline]
    pub fn num_components(&self) -> usize {
        self.logits.len()
    }

    /// `D`.
    #[inline]
    pub fn num_dims(&self) -> usize {
        self.dims
    }

    /// The number of parameters, `K + K·D + K·D·D`: the columns of
    /// [`jacobian`](Self::jacobian).
    #[inline]
    pub fn num_params(&self) -> usize {
        self.logits.len() + self.means.len() + self.scale_tril.len()
    }

    /// The logits.
    #[inline]
    pub fn logits(&self) -> &'a [F] {
        self.logits
    }

    /// The means, `(k, d)` at `k·D + d`.
    #[inline]
    pub fn means(&self) -> &'a [F] {
        self.means
    }

    /// The Cholesky factors, `L_k` at `k·D·D`, `(i, j)` at `i·D + j`.
    #[inline]
    pub fn scale_tril(&self) -> &'a [F] {
        self.scale_tril
    }

    /// The logit, means and factor of every component, in order.
    #[inline]
    fn components(&self) -> impl Iterator<Item = (F, &'a [F], &'a [F])> + Clone + 'a {
        let d = self.dims;
        // (`max(1)`: D ≥ 1 by validation; said so, no chunk size can be 0,
        // and the firmware's link-time proof finds no panic path.)
        let means = self.means.chunks_exact(d.max(1));
        let factors = self.scale_tril.chunks_exact((d * d).max(1));
        let logits = self.logits.iter().copied();
        logits
            .zip(means.zip(factors))
            .map(|(a, (mu, l))| (a, mu, l))
    }

    /// Checks the values, in the order of [`new`](Self::new).
    fn validate(&self) -> Result<(), Error> {
        validate_logits_and_means(self.logits, self.means, self.dims)?;
        self.validate_factors()
    }

    /// Every entry on or below a diagonal finite, every diagonal entry
    /// positive.
    fn validate_factors(&self) -> Result<(), Error> {
        let d = self.dims;
        for (i, &v) in self.scale_tril.iter().enumerate() {
            let (row, col) = (i % (d * d).max(1) / d.max(1), i % d.max(1));
            let at = |kind| Error::entry(kind, Buffer::ScaleTril, i, d);
            if col <= row && !v.is_finite() {
                return Err(at(ErrorKind::NonFiniteScale));
            }
            if col == row && v <= F::ZERO {
                return Err(at(ErrorKind::NonPositiveScale));
            }
        }
        Ok(())
    }

    /// `Ok` if `buf` holds exactly `len` values.
    fn check_len<T>(buf: &[T], len: usize, which: Buffer) -> Result<(), Error> {
        if buf.len() == len {
            return Ok(());
        }
        let kind = ErrorKind::BufferLength;
        Err(Error::length(kind, which, len, buf.len()))
    }

    /// `Ok` if `values` (`x` or a cotangent) holds `D` finite values.
    fn check_finite(&self, values: &[F], which: Buffer) -> Result<(), Error> {
        Self::check_len(values, self.dims, which)?;
        let kind = match which {
            Buffer::XBar => ErrorKind::NonFiniteCotangent,
            _ => ErrorKind::NonFiniteX,
        };
        match values.iter().position(|v| !v.is_finite()) {
            Some(d) => Err(Error::entry(kind, which, d, 0)),
            None => Ok(()),
        }
    }

    /// `Ok` if `u` holds `D` values strictly inside (0, 1).
    fn check_u(&self, u: &[F]) -> Result<(), Error> {
        Self::check_len(u, self.dims, Buffer::U)?;
        match u.iter().position(|&v| !(v > F::ZERO && v < F::ONE)) {
            Some(d) => Err(Error::entry(ErrorKind::UniformOutOfRange, Buffer::U, d, 0)),
            None => Ok(()),
        }
    }
}

/// `(K·D, K·D·D)`, or `None` on overflow.
fn sizes(k: usize, d: usize) -> Option<(usize, usize)> {
    let kd = k.checked_mul(d)?;
    Some((kd, kd.checked_mul(d)?))
}

/// Row `d` of a factor `L` (`D·D` values): its entries left of the
/// diagonal, and the diagonal.
#[inline]
fn factor_row<F: Float>(factor: &[F], d: usize, dims: usize) -> (&[F], F) {
    let row = factor.get(d * dims..d * dims + d + 1).unwrap_or(&[]);
    match row.split_last() {
        Some((&diag, left)) => (left, diag),
        None => (&[], F::ONE),
    }
}
