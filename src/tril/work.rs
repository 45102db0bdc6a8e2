//! The scratch of a full-covariance operation: five rows of `K` values and
//! three of `K·D`, from a caller's slice or from a [`TrilScratch`] on the
//! stack, split into named rows ([`TrilWork`]).

use crate::kernel::log_weights::LogWeights;
use crate::{Buffer, Error, ErrorKind, Float};

/// `K·(5 + 3D)`, or `None` on overflow.
pub(super) fn len(k: usize, d: usize) -> Option<usize> {
    d.checked_mul(3)?.checked_add(5)?.checked_mul(k)
}

/// Scratch a full-covariance operation can run on: a slice `[F]` of at
/// least [`TrilMixtureRef::work_len`](super::TrilMixtureRef::work_len)
/// values (the caller's, any `K` and `D`), or a [`TrilScratch`] on the
/// stack. Sealed.
pub trait TrilWorkspace<F>: seal::Sealed {
    /// Four regions for `k` components in `d` dimensions (`5k`, `kd`,
    /// `kd`, `kd` values), or `(needed, available)` values.
    #[doc(hidden)]
    fn regions(&mut self, k: usize, d: usize) -> Result<[&mut [F]; 4], (usize, usize)>;
}

mod seal {
    pub trait Sealed {}
    impl<F: crate::Float> Sealed for [F] {}
    impl<F, const K: usize, const D: usize> Sealed for super::TrilScratch<F, K, D> {}
}

impl<F: Float> TrilWorkspace<F> for [F] {
    fn regions(&mut self, k: usize, d: usize) -> Result<[&mut [F]; 4], (usize, usize)> {
        let need = len(k, d).unwrap_or(usize::MAX);
        let available = self.len();
        let Some(mut rest) = self.get_mut(..need) else {
            return Err((need, available));
        };
        let kd = k * d;
        Ok([5 * k, kd, kd, kd].map(|n| {
            let (head, tail) = core::mem::take(&mut rest)
                .split_at_mut_checked(n)
                .unwrap_or_default();
            rest = tail;
            head
        }))
    }
}

/// Stack scratch for full-covariance mixtures of up to `K` components in
/// up to `D` dimensions: `K·(5 + 3D)` values, no allocation.
///
/// ```
/// use mixgrad::{TrilMixtureRef, TrilScratch};
/// let (logits, means, tril) = ([0.0f32, 0.0], [0.0; 4], [1.0, 0.0, 0.5, 1.0, 2.0, 0.0, -0.3, 0.7]);
/// let mix = TrilMixtureRef::new(&logits, &means, &tril, 2)?;
/// let mut scratch = TrilScratch::<f32, 2, 2>::new();
/// let mut x = [0.0; 2];
/// mix.quantile(&[0.3, 0.8], &mut x, &mut scratch)?;
/// # Ok::<(), mixgrad::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct TrilScratch<F, const K: usize, const D: usize> {
    rows: [[F; K]; 5],
    z: [[F; D]; K],
    resp: [[F; D]; K],
    t: [[F; D]; K],
}

impl<F: Float, const K: usize, const D: usize> TrilScratch<F, K, D> {
    /// Zeroed scratch.
    pub fn new() -> Self {
        TrilScratch {
            rows: [[F::ZERO; K]; 5],
            z: [[F::ZERO; D]; K],
            resp: [[F::ZERO; D]; K],
            t: [[F::ZERO; D]; K],
        }
    }
}

impl<F: Float, const K: usize, const D: usize> Default for TrilScratch<F, K, D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: Float, const K: usize, const D: usize> TrilWorkspace<F> for TrilScratch<F, K, D> {
    fn regions(&mut self, k: usize, d: usize) -> Result<[&mut [F]; 4], (usize, usize)> {
        let need = len(k, d).unwrap_or(usize::MAX);
        if k > K || d > D {
            return Err((need, len(K, D).unwrap_or(usize::MAX)));
        }
        let kd = k * d;
        let rows = self.rows.as_flattened_mut().get_mut(..5 * k);
        let z = self.z.as_flattened_mut().get_mut(..kd);
        let resp = self.resp.as_flattened_mut().get_mut(..kd);
        let t = self.t.as_flattened_mut().get_mut(..kd);
        match (rows, z, resp, t) {
            (Some(rows), Some(z), Some(resp), Some(t)) => Ok([rows, z, resp, t]),
            _ => Err((need, 0)),
        }
    }
}

/// Named rows of the scratch.
pub(super) struct TrilWork<'w, F> {
    /// `ℓ` as a double-length sum.
    pub weights: LogWeights<'w, F>,
    /// Responsibilities of the current dimension (or the posterior `r`).
    pub p: &'w mut [F],
    /// `log N` of the current step (or the prior `π`, or `ζ`).
    pub logn: &'w mut [F],
    /// The conditional locations `m_kd` of the current dimension (or the
    /// suffix sums `S_k` of the reverse sweep).
    pub m: &'w mut [F],
    /// `z_kd`, `(k, d)` at `k·D + d`.
    pub z: &'w mut [F],
    /// The responsibilities of every dimension, `p^(d)` at `d·K`.
    pub resp: &'w mut [F],
    /// The transposed substitution's accumulators `t_k`, at `k·D`.
    pub t: &'w mut [F],
}

impl<'w, F> TrilWork<'w, F> {
    /// The rows for `k` components in `d` dimensions;
    /// [`ErrorKind::BufferLength`] (the workspace) if it is too small.
    pub fn split<W: TrilWorkspace<F> + ?Sized>(
        work: &'w mut W,
        k: usize,
        d: usize,
    ) -> Result<Self, Error> {
        let [rows, z, resp, t] = work.regions(k, d).map_err(|(need, available)| {
            Error::length(ErrorKind::BufferLength, Buffer::Workspace, need, available)
        })?;
        let mut rest = rows;
        let mut row = || {
            let (head, tail) = core::mem::take(&mut rest)
                .split_at_mut_checked(k)
                .unwrap_or_default();
            rest = tail;
            head
        };
        Ok(TrilWork {
            weights: LogWeights {
                hi: row(),
                lo: row(),
            },
            p: row(),
            logn: row(),
            m: row(),
            z,
            resp,
            t,
        })
    }
}
