//! Where an operation's `O(K)` scratch lives: the core's stack scratch
//! (`K <= MIXGRAD_MAX_COMPONENTS`), or the caller's `work` buffer of the
//! `_work` functions (any `K`, CMSIS-DSP's `pBuffer` style). The generic
//! operations in `ops` take a [`Scratch`] and otherwise do not care which.

use mixgrad::{
    DiagMixtureRef, Error, Family, Float, Gaussian, LogProbGrad, RngCore, SolveStats, WithWorkspace,
};

use crate::checks::{elements, required_mut, Buffer, Checked, Mixture, Shape};
use crate::mixgrad_status as S;

/// Values of scratch for `k` components (`None` if it overflows `usize`):
/// the core's own figure.
pub(crate) fn work_len(k: usize) -> Option<usize> {
    DiagMixtureRef::<f64>::workspace_len_for(k)
}

/// The scratch a C function was given.
#[derive(Clone, Copy)]
pub(crate) enum Scratch<T> {
    /// The core's stack scratch: `K` is bounded by `MIXGRAD_MAX_COMPONENTS`.
    Stack,
    /// The caller's `work` and `work_len`, unchecked: any `K`.
    Caller(*mut T, usize),
}

impl<T: Float> Scratch<T> {
    /// The pointer check of `work` (the last argument, so last in argument
    /// order), then the mixture's shape (bounded only for the stack), then
    /// `work_len`. Returns the shape and the part of `work` that is used,
    /// an output of the overlap check.
    pub(crate) fn shape<G: Family>(self, m: &Mixture<T, G>) -> Checked<(Shape, Option<Buffer<T>>)> {
        match self {
            Scratch::Stack => Ok((m.shape(mixgrad::MAX_COMPONENTS)?, None)),
            Scratch::Caller(work, len) => {
                let work = required_mut(work)?;
                let s = m.shape(usize::MAX)?;
                let need = work_len(s.k).ok_or(S::MIXGRAD_ERR_SIZE_OVERFLOW)?;
                if len < elements::<T>(need)? {
                    return Err(S::MIXGRAD_ERR_SHORT_WORKSPACE);
                }
                Ok((s, Some(Buffer::output(work, need))))
            }
        }
    }
}

/// The checked mixture of the family `G` with its scratch: the core view,
/// or the view on the caller's workspace. Its methods are the core's, on
/// either.
pub(crate) enum Runner<'a, T, G = Gaussian> {
    Stack(DiagMixtureRef<'a, T, G>),
    Caller(WithWorkspace<'a, 'a, T, G>),
}

/// Calls the same-named core method on whichever scratch `$runner` holds.
macro_rules! on_either {
    ($runner:ident.$op:ident($($arg:expr),*)) => {
        match $runner {
            Runner::Stack(mix) => mix.$op($($arg),*),
            Runner::Caller(mix) => mix.$op($($arg),*),
        }
    };
}

impl<'a, T: Float, G: Family> Runner<'a, T, G> {
    /// Validates the parameter values ([`Mixture::view`]) and attaches the
    /// scratch `work` returned by [`Scratch::shape`].
    ///
    /// # Safety
    /// As [`Mixture::view`]; `work`, if any, must be writable for its
    /// length for `'a` and, by the overlap check, alias nothing else.
    pub(crate) unsafe fn new(
        m: &Mixture<T, G>,
        s: Shape,
        work: Option<Buffer<T>>,
    ) -> Checked<Self> {
        let mix = unsafe { m.view(s) }?;
        Ok(match work {
            None => Runner::Stack(mix),
            Some(w) => Runner::Caller(mix.with_workspace(unsafe { w.into_mut_slice() })?),
        })
    }

    pub(crate) fn cdf(&mut self, x: &[T], u: &mut [T]) -> Result<(), Error> {
        on_either!(self.cdf(x, u))
    }

    pub(crate) fn quantile(&mut self, u: &[T], x: &mut [T]) -> Result<(), Error> {
        match self {
            Runner::Stack(mix) => mix.quantile(u, x),
            Runner::Caller(mix) => mix.quantile(u, x).map(drop),
        }
    }

    pub(crate) fn log_prob_grad(&mut self, x: &[T], grad: LogProbGrad<'_, T>) -> Result<T, Error> {
        on_either!(self.log_prob_grad(x, grad))
    }

    pub(crate) fn vjp(&mut self, x: &[T], x_bar: &[T], bars: [&mut [T]; 3]) -> Result<(), Error> {
        let [a, mu, sigma] = bars;
        on_either!(self.vjp(x, x_bar, a, mu, sigma))
    }

    pub(crate) fn jacobian(&mut self, x: &[T], jac: &mut [T]) -> Result<(), Error> {
        on_either!(self.jacobian(x, jac))
    }

    pub(crate) fn sample_quantile<R: RngCore>(
        &mut self,
        rng: &mut R,
        x: &mut [T],
        u: Option<&mut [T]>,
    ) -> Result<SolveStats, Error> {
        on_either!(self.sample_quantile(rng, x, u))
    }

    pub(crate) fn sample_ancestral<R: RngCore>(
        &mut self,
        rng: &mut R,
        x: &mut [T],
    ) -> Result<usize, Error> {
        on_either!(self.sample_ancestral(rng, x))
    }
}
