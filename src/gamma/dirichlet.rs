//! The Dirichlet distribution as normalised Gamma draws, with the pathwise
//! gradient of its sample with respect to the concentration
//! (docs/math.md §11.5).

use crate::rng::{as_rng_core, RandomSource};

use super::Gamma;
use crate::{Buffer, Error, ErrorKind, Float};

/// Dirichlet(α) over `K ≥ 1` coordinates, a view of the concentration
/// `α` (each a valid Gamma shape). A sample is `x_i = g_i/S`, with
/// `g_i ~ Gamma(α_i, 1)` drawn by the quantile map and `S = Σ g_j`; at
/// fixed uniforms the sample moves with `α` by
///
/// `∂x_i/∂α_j = (δ_ij − x_i)·(∂g_j/∂α_j)/S`,
///
/// `∂g_j/∂α_j` the exact Gamma shape derivative ([`Gamma::dx_dalpha`]). The
/// vector–Jacobian product ([`vjp`](Self::vjp)) is
/// `ᾱ_j = (∂g_j/∂α_j)/S·(x̄_j − Σ_i x̄_i x_i)`, in `O(K)`.
///
/// ```
/// use mixgrad::{Dirichlet, SeedableRng, Xoshiro256PlusPlus};
///
/// let alpha = [0.5, 2.0, 3.5];
/// let dir = Dirichlet::new(&alpha)?;
/// let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
/// let (mut g, mut x) = ([0.0; 3], [0.0; 3]);
/// dir.sample(&mut rng, &mut g, &mut x)?;
/// assert!((x.iter().sum::<f64>() - 1.0).abs() < 1e-15);
/// // The gradient of x_0 with respect to the concentration.
/// let mut alpha_bar = [0.0; 3];
/// dir.vjp(&g, &[1.0, 0.0, 0.0], &mut alpha_bar)?;
/// assert!(alpha_bar[0] > 0.0 && alpha_bar[1] < 0.0);
/// # Ok::<(), mixgrad::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Dirichlet<'a, F> {
    concentration: &'a [F],
}

impl<'a, F: Float> Dirichlet<'a, F> {
    /// A view of the concentration `α` (`K` values).
    ///
    /// Errors: [`ErrorKind::NoComponents`] for `K = 0`;
    /// [`ErrorKind::InvalidShape`] for an entry that is not a valid Gamma
    /// shape (finite, positive, at most
    /// [`GAMMA_MAX_SHAPE`](crate::GAMMA_MAX_SHAPE); [`Error::index`] says
    /// which).
    pub fn new(concentration: &'a [F]) -> Result<Self, Error> {
        if concentration.is_empty() {
            return Err(Error::new(ErrorKind::NoComponents));
        }
        for (i, &a) in concentration.iter().enumerate() {
            if Gamma::new(a, F::ONE).is_err() {
                let kind = ErrorKind::InvalidShape;
                return Err(Error::entry(kind, Buffer::Concentration, i, 0));
            }
        }
        Ok(Dirichlet { concentration })
    }

    /// `K`, the number of coordinates.
    pub fn len(&self) -> usize {
        self.concentration.len()
    }

    /// Always `false`: a Dirichlet has at least one coordinate.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Draws the standard Gamma variates `g_i` (into `gammas`, kept for
    /// [`vjp`](Self::vjp)) and the sample `x_i = g_i/S` (into `x`), each
    /// by the quantile map of one uniform: `K` draws of `rng`, in order.
    ///
    /// Small concentrations underflow: `g_i = 0` (and `x_i = 0`) for a
    /// quantile below the smallest positive number, e.g. for about half the
    /// draws at `α_i = 10⁻³` in `f64`.
    ///
    /// Errors: [`ErrorKind::BufferLength`] (checked before anything is
    /// drawn); [`ErrorKind::ZeroDensity`] where every `g_i` underflowed
    /// (the sum is 0 and `x` is not defined by the draws): then `gammas`
    /// holds the zeros drawn, `x` is untouched and the `K` draws are
    /// consumed.
    pub fn sample<R: RandomSource<V> + ?Sized, V>(
        &self,
        rng: &mut R,
        gammas: &mut [F],
        x: &mut [F],
    ) -> Result<(), Error> {
        let rng = &mut as_rng_core(rng);
        let k = self.len();
        check_len(gammas, k, Buffer::Gammas)?;
        check_len(x, k, Buffer::Output)?;
        let mut sum = F::ZERO;
        for (g, &a) in gammas.iter_mut().zip(self.concentration) {
            // Valid by construction.
            *g = Gamma::new(a, F::ONE)?.sample(rng);
            sum += *g;
        }
        // Never NaN: every draw is finite and `≥ 0`.
        if sum <= F::ZERO {
            return Err(Error::new(ErrorKind::ZeroDensity));
        }
        for (xi, &g) in x.iter_mut().zip(gammas.iter()) {
            *xi = g / sum;
        }
        Ok(())
    }

    /// `ᾱ = x̄ᵀ ∂x/∂α` at the sample drawn from `gammas` (`K` values, as
    /// [`sample`](Self::sample) wrote them), written to
    /// `concentration_bar`. A `g_j` that underflowed to 0 gives `ᾱ_j = 0`:
    /// its true value, `∂g_j/∂α_j` over `S`, is below the smallest normal
    /// number by the same factor `g_j` is (`∂g/∂α = g·∂ ln g/∂α`).
    ///
    /// Errors: [`ErrorKind::BufferLength`]; [`ErrorKind::NonFiniteCotangent`]
    /// for a NaN or infinite `x̄`; [`ErrorKind::XOutsideSupport`] for a
    /// `g_j` that is negative or not finite, or all of them 0; nothing is
    /// written on error.
    pub fn vjp(&self, gammas: &[F], x_bar: &[F], concentration_bar: &mut [F]) -> Result<(), Error> {
        let k = self.len();
        check_len(gammas, k, Buffer::Gammas)?;
        check_len(x_bar, k, Buffer::XBar)?;
        check_len(concentration_bar, k, Buffer::ConcentrationBar)?;
        for (i, &v) in x_bar.iter().enumerate() {
            if !v.is_finite() {
                let kind = ErrorKind::NonFiniteCotangent;
                return Err(Error::entry(kind, Buffer::XBar, i, 0));
            }
        }
        for (i, &g) in gammas.iter().enumerate() {
            if !(g.is_finite() && g >= F::ZERO) {
                let kind = ErrorKind::XOutsideSupport;
                return Err(Error::entry(kind, Buffer::Gammas, i, 0));
            }
        }
        let sum = gammas.iter().fold(F::ZERO, |s, &g| s + g);
        if !(sum > F::ZERO && sum.is_finite()) {
            return Err(Error::entry(
                ErrorKind::XOutsideSupport,
                Buffer::Gammas,
                0,
                0,
            ));
        }
        let dot = gammas
            .iter()
            .zip(x_bar)
            .fold(F::ZERO, |s, (&g, &xb)| s + xb * (g / sum));
        // Every check is done: from here nothing can fail but a Gamma the
        // constructor already accepted.
        let terms = self.concentration.iter().zip(gammas).zip(x_bar);
        for (slot, ((&a, &g), &xb)) in concentration_bar.iter_mut().zip(terms) {
            *slot = if g == F::ZERO {
                F::ZERO
            } else {
                let dg = Gamma::new(a, F::ONE)?.dx_dalpha(g)?;
                dg / sum * (xb - dot)
            };
        }
        Ok(())
    }
}

/// `Ok` if `buf` holds `len` values.
fn check_len<F>(buf: &[F], len: usize, which: Buffer) -> Result<(), Error> {
    if buf.len() == len {
        Ok(())
    } else {
        Err(Error::length(
            ErrorKind::BufferLength,
            which,
            len,
            buf.len(),
        ))
    }
}
