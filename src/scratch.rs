//! Operations on scratch the caller provides (CMSIS-DSP's `pBuffer` style):
//! no stack scratch, and no bound on `K`.

use crate::rng::{as_rng_core, RandomSource};

use crate::workspace::{self, Workspace};
use crate::{DiagMixtureRef, Error, Family, Float, LogProbGrad, SolveStats};

/// A [`DiagMixtureRef`] whose operations run on a caller's buffer of
/// [`DiagMixtureRef::workspace_len`] values instead of the stack: for large
/// `K` (a view from [`DiagMixtureRef::new_unbounded`]), for callers that
/// keep their stack small, and for callers that reuse one buffer across
/// calls. Results are bit-identical to the view's own methods; the buffer's
/// contents after a call are unspecified.
///
/// ```
/// use mixgrad::DiagMixtureRef;
/// let (logits, means, scales) = ([0.0f64; 3], [-1.0, 0.0, 1.0], [1.0; 3]);
/// let mix = DiagMixtureRef::new(&logits, &means, &scales, 1)?;
/// let mut work = vec![0.0; mix.workspace_len()];
/// let mut on_work = mix.with_workspace(&mut work)?;
/// let mut u = [0.0];
/// on_work.cdf(&[0.5], &mut u)?;
/// # let mut v = [0.0];
/// # mix.cdf(&[0.5], &mut v)?;
/// # assert_eq!(u, v);
/// # Ok::<(), mixgrad::Error>(())
/// ```
#[derive(Debug)]
pub struct WithWorkspace<'a, 'w, F, G = crate::Gaussian> {
    mix: DiagMixtureRef<'a, F, G>,
    work: &'w mut [F],
}

impl<'a, F: Float, G: Family> DiagMixtureRef<'a, F, G> {
    /// Values of scratch [`with_workspace`](Self::with_workspace) needs:
    /// nine rows of `K`.
    pub fn workspace_len(&self) -> usize {
        Self::workspace_len_for(self.num_components()).unwrap_or(usize::MAX)
    }

    /// [`workspace_len`](Self::workspace_len) for `num_components`
    /// components, before any mixture exists (`None` if it overflows).
    pub fn workspace_len_for(num_components: usize) -> Option<usize> {
        workspace::len(num_components)
    }

    /// This mixture with its operations running on `work`, which must hold
    /// at least [`workspace_len`](Self::workspace_len) values
    /// ([`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength) for
    /// [`Buffer::Workspace`](crate::Buffer::Workspace) otherwise).
    pub fn with_workspace<'w>(
        &self,
        work: &'w mut [F],
    ) -> Result<WithWorkspace<'a, 'w, F, G>, Error> {
        Workspace::split(&mut *work, self.num_components())?;
        Ok(WithWorkspace { mix: *self, work })
    }
}

impl<F: Float, G: Family> WithWorkspace<'_, '_, F, G> {
    /// Runs `op` on the workspace (its length was checked on construction).
    fn run<R>(
        &mut self,
        op: impl FnOnce(&DiagMixtureRef<'_, F, G>, Workspace<'_, F>) -> Result<R, Error>,
    ) -> Result<R, Error> {
        let k = self.mix.num_components();
        op(&self.mix, Workspace::split(self.work, k)?)
    }

    /// [`DiagMixtureRef::cdf`].
    pub fn cdf(&mut self, x: &[F], u: &mut [F]) -> Result<(), Error> {
        self.cdf_density(x, u, None, None)
    }

    /// [`DiagMixtureRef::cdf_density`].
    pub fn cdf_density(
        &mut self,
        x: &[F],
        cdf: &mut [F],
        ccdf: Option<&mut [F]>,
        density: Option<&mut [F]>,
    ) -> Result<(), Error> {
        self.run(|mix, ws| mix.cdf_on(ws, x, cdf, ccdf, density))
    }

    /// [`DiagMixtureRef::quantile_with_stats`].
    pub fn quantile(&mut self, u: &[F], x: &mut [F]) -> Result<SolveStats, Error> {
        self.run(|mix, ws| mix.quantile_on(ws, u, x))
    }

    /// [`DiagMixtureRef::log_prob_grad`].
    pub fn log_prob_grad(&mut self, x: &[F], grad: LogProbGrad<'_, F>) -> Result<F, Error> {
        self.run(|mix, ws| mix.log_prob_on(ws, x, grad))
    }

    /// [`DiagMixtureRef::vjp`].
    pub fn vjp(
        &mut self,
        x: &[F],
        x_bar: &[F],
        logits_bar: &mut [F],
        means_bar: &mut [F],
        scales_bar: &mut [F],
    ) -> Result<(), Error> {
        self.run(|mix, ws| mix.vjp_on(ws, x, x_bar, logits_bar, means_bar, scales_bar))
    }

    /// [`DiagMixtureRef::jacobian`].
    pub fn jacobian(&mut self, x: &[F], jac: &mut [F]) -> Result<(), Error> {
        self.mix.check_x(x)?;
        let rows = self.mix.jacobian_rows(jac)?;
        self.run(|mix, ws| mix.jacobian_on(ws, x, rows))
    }

    /// [`DiagMixtureRef::sample_quantile`].
    pub fn sample_quantile<R: RandomSource<V> + ?Sized, V>(
        &mut self,
        rng: &mut R,
        x: &mut [F],
        u: Option<&mut [F]>,
    ) -> Result<SolveStats, Error> {
        let rng = &mut as_rng_core(rng);
        self.run(|mix, ws| mix.sample_quantile_on(ws, rng, x, u))
    }

    /// [`DiagMixtureRef::sample_ancestral`].
    pub fn sample_ancestral<R: RandomSource<V> + ?Sized, V>(
        &mut self,
        rng: &mut R,
        x: &mut [F],
    ) -> Result<usize, Error> {
        let rng = &mut as_rng_core(rng);
        self.run(|mix, ws| mix.sample_ancestral_on(ws, rng, x))
    }
}
