//! The zero-density pre-pass of the batch gradients (docs/math.md §8.3):
//! before anything is written, every row must pass the test that
//! [`forward`](crate::DiagMixtureRef::forward) applies, which refuses a
//! point where some `f_d` may be below the smallest normal number. Running
//! that recursion over every row would cost a fifth of the gradient, so a
//! row is first screened by a sufficient condition that needs no
//! log-weights, and only the rows it cannot clear take the exact test.
//!
//! The screen. The exact test refuses dimension `d` when
//! `max ℓ^(d+1) − max ℓ^(d) < L = ln(MIN_POSITIVE) + ln K`. With `k*` the
//! leading component of `ℓ^(d)`, `max ℓ^(d+1) ≥ ℓ_k*^(d) + log N_k*d`, so
//! the difference is at least `log N_k*d`: if `log N_kd ≥ L + 1` for every
//! component of finite logit, the test passes (the one-nat margin covers
//! the rounding of the double-length sums, a few `ε²·|ℓ|` with
//! `|ℓ| ≤ max|a| + 745·D < 2^31` under [`Screen::new`]'s guard). And
//! `log N_kd = −z²/2 − ln σ_kd − ln √(2π) ≥ L + 1` holds whenever
//! `|x_d − μ_kd|·(1/Z) ≤ σ_kd` with
//! `Z² = 2·(−L − 1 − ln √(2π) − ln σ_max)`: a difference, a product and a
//! compare per entry, along the contiguous rows of the parameters. An
//! overflow on the left (`x − μ` or the product beyond the float range)
//! fails the compare: the screen errs only towards the exact test.

use crate::workspace::Workspace;
use crate::{DiagMixtureRef, Error, Float};

/// The screen of one mixture: `1/Z`, or `None` where the guard fails
/// (huge logits, `D ≥ 2^20`) or `Z² ≤ 0` (then every row takes the exact
/// test).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Screen<F>(Option<F>);

impl<F: Float> Screen<F> {
    /// The screen for `mix`.
    pub fn new(mix: &DiagMixtureRef<'_, F>) -> Self {
        let big = F::from_f64(1_073_741_824.0); // 2^30
        let logits_ok = mix
            .logits()
            .iter()
            .all(|a| !a.is_finite() || a.abs() <= big);
        if !logits_ok || mix.num_dims() >= 1 << 20 {
            return Screen(None);
        }
        let sigma_max = mix.scales().iter().fold(F::ZERO, |m, &s| m.max(s));
        let floor = F::MIN_POSITIVE.ln() + F::from_usize(mix.num_components()).ln();
        let z2 = F::from_f64(2.0) * (-floor - F::ONE - F::LN_SQRT_2PI - sigma_max.ln());
        Screen((z2 > F::ZERO).then(|| F::ONE / z2.sqrt()))
    }

    /// Whether the screen clears `x` (`D` values): every component of
    /// finite logit within `Z` scales of `x` in every dimension.
    fn clears(&self, mix: &DiagMixtureRef<'_, F>, x: &[F]) -> bool {
        let Some(inv_z) = self.0 else {
            return false;
        };
        let shape = mix.shape();
        let mut near = true;
        for (k, &a) in mix.logits().iter().enumerate() {
            if a == F::NEG_INFINITY {
                continue;
            }
            let (means, scales) = (shape.row(mix.means(), k), shape.row(mix.scales(), k));
            for ((&xd, &mu), &sigma) in x.iter().zip(means).zip(scales) {
                near &= (xd - mu).abs() * inv_z <= sigma;
            }
        }
        near
    }
}

impl<F: Float> DiagMixtureRef<'_, F> {
    /// [`ErrorKind::ZeroDensity`](crate::ErrorKind::ZeroDensity) if a
    /// single gradient call would refuse `x`: the screen, then the exact
    /// forward test where the screen cannot clear it.
    #[inline]
    pub(crate) fn check_density(
        &self,
        screen: &Screen<F>,
        ws: &mut Workspace<'_, F>,
        x: &[F],
    ) -> Result<(), Error> {
        if screen.clears(self, x) {
            Ok(())
        } else {
            self.forward(ws, x)
        }
    }
}
