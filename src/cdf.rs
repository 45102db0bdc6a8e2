//! The distributional transform `T(x) = (F_1, …, F_D)` and the conditional
//! densities (docs/math.md §2).

use crate::kernel::conditional;
use crate::kernel::log_weights::StepRows;
use crate::workspace::Workspace;
use crate::{Buffer, DiagMixture, DiagMixtureRef, Error, Family, Float};

impl<F: Float, G: Family> DiagMixtureRef<'_, F, G> {
    /// The distributional transform: `u_d = F_d(x_d | x_<d)` for every `d`.
    ///
    /// `x` and `u` hold `D` values. Errors: [`ErrorKind::BufferLength`](crate::ErrorKind::BufferLength),
    /// [`ErrorKind::NonFiniteX`](crate::ErrorKind::NonFiniteX); on error `u` is untouched.
    ///
    /// Accuracy (f64, docs/math.md §6): relative error ≤ `1e-14 + 8ε·z²` where
    /// `u_d ≥ 1e-300`; for `u_d > 1/2` the complement `1 − u_d` is what
    /// carries the information and [`cdf_density`](Self::cdf_density) with
    /// `ccdf` returns it to full relative accuracy.
    pub fn cdf(&self, x: &[F], u: &mut [F]) -> Result<(), Error> {
        self.cdf_density(x, u, None, None)
    }

    /// [`cdf`](Self::cdf), optionally also writing the complementary
    /// conditional CDFs `1 − F_d` (computed directly, not by subtraction)
    /// and the conditional densities `f_d(x_d | x_<d)`. Each optional buffer
    /// holds `D` values.
    pub fn cdf_density(
        &self,
        x: &[F],
        cdf: &mut [F],
        ccdf: Option<&mut [F]>,
        density: Option<&mut [F]>,
    ) -> Result<(), Error> {
        self.on_stack(|ws| self.cdf_on(ws, x, cdf, ccdf, density))
    }

    /// [`cdf_density`](Self::cdf_density) on the workspace `ws`.
    pub(crate) fn cdf_on(
        &self,
        ws: Workspace<'_, F>,
        x: &[F],
        cdf: &mut [F],
        ccdf: Option<&mut [F]>,
        density: Option<&mut [F]>,
    ) -> Result<(), Error> {
        let dims = self.num_dims();
        self.check_x(x)?;
        Self::check_len(cdf, dims, Buffer::Output)?;
        if let Some(c) = ccdf.as_deref() {
            Self::check_len(c, dims, Buffer::Output)?;
        }
        if let Some(f) = density.as_deref() {
            Self::check_len(f, dims, Buffer::Output)?;
        }
        let mut ccdf = ccdf.map(|s| s.iter_mut());
        let mut density = density.map(|s| s.iter_mut());
        let Workspace {
            mut weights,
            p,
            logn,
            ..
        } = ws;
        weights.init(self.logits());
        for (d, (&xd, out)) in x.iter().zip(cdf.iter_mut()).enumerate() {
            weights.responsibilities(p);
            let c = conditional::<F, G>(self.column(d), p, xd);
            // Σ p = 1 only to rounding: keep probabilities in [0, 1].
            *out = c.cdf.min(F::ONE);
            if let Some(slot) = ccdf.as_mut().and_then(|it| it.next()) {
                *slot = c.ccdf.min(F::ONE);
            }
            if let Some(slot) = density.as_mut().and_then(|it| it.next()) {
                *slot = c.pdf;
            }
            weights.step(self, d, xd, F::ONE, StepRows::scratch(logn));
        }
        Ok(())
    }
}

impl<F: Float, const K: usize, const D: usize, G: Family> DiagMixture<F, K, D, G> {
    /// The distributional transform `u_d = F_d(x_d | x_<d)`; see
    /// [`DiagMixtureRef::cdf`].
    pub fn cdf(&self, x: &[F; D]) -> Result<[F; D], Error> {
        let mut u = [F::ZERO; D];
        self.run(|mix, ws| mix.cdf_on(ws, x, &mut u, None, None))?;
        Ok(u)
    }

    /// Conditional densities `f_d(x_d | x_<d)`; see
    /// [`DiagMixtureRef::cdf_density`].
    pub fn conditional_density(&self, x: &[F; D]) -> Result<[F; D], Error> {
        let (mut u, mut f) = ([F::ZERO; D], [F::ZERO; D]);
        self.run(|mix, ws| mix.cdf_on(ws, x, &mut u, None, Some(&mut f)))?;
        Ok(f)
    }
}
