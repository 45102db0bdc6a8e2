//! The caller's scratch of a full-covariance operation, split into named
//! rows: five of `K` values and three of `K·D`.

use crate::kernel::log_weights::LogWeights;
use crate::{Buffer, Error, ErrorKind};

/// `K·(5 + 3D)`, or `None` on overflow.
pub(super) fn len(k: usize, d: usize) -> Option<usize> {
    d.checked_mul(3)?.checked_add(5)?.checked_mul(k)
}

/// Named rows of the scratch.
pub(super) struct TrilWork<'w, F> {
    /// `ℓ` as a double-length sum.
    pub weights: LogWeights<'w, F>,
    /// Responsibilities of the current dimension (or the posterior `r`).
    pub p: &'w mut [F],
    /// `log N` of the current step (or the prior `π`).
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
    /// The rows for `k` components in `d` dimensions at the start of
    /// `buf`; [`ErrorKind::BufferLength`] if it is shorter than
    /// [`len`]`(k, d)`.
    pub fn split(buf: &'w mut [F], k: usize, d: usize) -> Result<Self, Error> {
        let need = len(k, d).unwrap_or(usize::MAX);
        let actual = buf.len();
        let Some(rest) = buf.get_mut(..need) else {
            let kind = ErrorKind::BufferLength;
            return Err(Error::length(kind, Buffer::Workspace, need, actual));
        };
        let kd = k * d;
        let mut rest = rest;
        let mut take = |n: usize| {
            let (row, tail) = core::mem::take(&mut rest)
                .split_at_mut_checked(n)
                .unwrap_or_default();
            rest = tail;
            row
        };
        Ok(TrilWork {
            weights: LogWeights {
                hi: take(k),
                lo: take(k),
            },
            p: take(k),
            logn: take(k),
            m: take(k),
            z: take(kd),
            resp: take(kd),
            t: take(kd),
        })
    }
}
