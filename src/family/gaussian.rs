//! The Gaussian family: the normal special functions of `crate::special`.

use super::{Family, FamilyKind, StandardDensity};
use crate::special::normal;
use crate::vjp::GradientRow;
use crate::{DiagMixtureRef, Float};

/// Gaussian components, `g = φ`: the diagonal Gaussian mixture.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Gaussian;

impl Family for Gaussian {
    const NAME: &'static str = "gaussian";
    const KIND: FamilyKind = FamilyKind::Gaussian;
}

impl StandardDensity for Gaussian {
    #[inline(always)]
    fn tails_density<F: Float>(z: F) -> (F, F, F) {
        normal::tails_density(z)
    }
    #[inline(always)]
    fn density<F: Float>(z: F) -> F {
        normal::density(z)
    }
    /// `−z²/2 − ln σ − ½ ln 2π`, in that order.
    #[inline(always)]
    fn log_density<F: Float>(z: F, ln_sigma: F) -> F {
        -F::HALF * z * z - ln_sigma - F::LN_SQRT_2PI
    }
    #[inline(always)]
    fn neg_score<F: Float>(z: F) -> F {
        z
    }
    #[inline(always)]
    fn quantile<F: Float>(u: F) -> F {
        F::normal_quantile(u)
    }
    /// `1 + z²`.
    #[inline(always)]
    fn tail_conditioning<F: Float>(z: F) -> F {
        F::ONE + z * z
    }
    /// `Z_MAX` keeps `z²/2` summed over `2^32` dimensions finite.
    #[inline(always)]
    fn z_max<F: Float>() -> F {
        F::Z_MAX
    }
    /// `Z² = 2·(budget − ln √(2π) − ln σ_max)`.
    #[inline]
    fn screen_radius_inv<F: Float>(budget: F, ln_sigma_max: F) -> Option<F> {
        let z2 = F::TWO * (budget - F::LN_SQRT_2PI - ln_sigma_max);
        (z2 > F::ZERO).then(|| F::ONE / z2.sqrt())
    }
    #[inline]
    fn vjp_sum_lanes<F: Float>(
        mix: &DiagMixtureRef<'_, F>,
        x: &[F],
        x_bar: &[F],
        outs: GradientRow<'_, F>,
    ) -> Option<usize> {
        F::vjp_sum_lanes(mix, x, x_bar, outs)
    }
    #[inline]
    fn vjp_lane_speedup<F: Float>(mix: &DiagMixtureRef<'_, F>) -> usize {
        F::vjp_lane_speedup(mix)
    }
    const BULK_REACH: f64 = 3.0;
    const VARIANCE: Option<f64> = Some(1.0);
    const CORNISH_FISHER: bool = true;
}
