//! The Laplace family: both tails and the density are `½e^{−|z|}`.

use super::{linear_z_max, ln_2, Family, FamilyKind, StandardDensity};
use crate::Float;

/// Laplace components: `g(z) = ½e^{−|z|}`, variance 2. The density has a
/// kink at the mode, where `ψ = −sign z` jumps (taken as 0 at `z = 0`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Laplace;

impl Family for Laplace {
    const NAME: &'static str = "laplace";
    const KIND: FamilyKind = FamilyKind::Laplace;
}

impl StandardDensity for Laplace {
    #[inline(always)]
    fn tails_density<F: Float>(z: F) -> (F, F, F) {
        let small = F::HALF * (-z.abs()).exp();
        let large = F::ONE - small;
        if z < F::ZERO {
            (small, large, small)
        } else {
            (large, small, small)
        }
    }
    #[inline(always)]
    fn density<F: Float>(z: F) -> F {
        F::HALF * (-z.abs()).exp()
    }
    /// `−|z| − ln 2 − ln σ`.
    #[inline(always)]
    fn log_density<F: Float>(z: F, ln_sigma: F) -> F {
        -z.abs() - ln_2::<F>() - ln_sigma
    }
    #[inline(always)]
    fn neg_score<F: Float>(z: F) -> F {
        if z > F::ZERO {
            F::ONE
        } else if z < F::ZERO {
            -F::ONE
        } else {
            F::ZERO
        }
    }
    /// `ln 2u` for `u ≤ ½`, `−ln 2(1 − u)` above (`1 − u` exact there).
    #[inline(always)]
    fn quantile<F: Float>(u: F) -> F {
        if u > F::HALF {
            -(F::TWO * (F::ONE - u)).ln()
        } else {
            (F::TWO * u).ln()
        }
    }
    /// `1 + |z|` (`κ = |z|`).
    #[inline(always)]
    fn tail_conditioning<F: Float>(z: F) -> F {
        F::ONE + z.abs()
    }
    #[inline(always)]
    fn z_max<F: Float>() -> F {
        linear_z_max()
    }
    /// `−ln g(z) = |z| + ln 2`: `Z = budget − ln σ_max − ln 2`.
    #[inline]
    fn screen_radius_inv<F: Float>(budget: F, ln_sigma_max: F) -> Option<F> {
        let z = budget - ln_sigma_max - ln_2::<F>();
        (z > F::ZERO).then(|| F::ONE / z)
    }
    const BULK_REACH: f64 = 5.9;
    const VARIANCE: Option<f64> = Some(2.0);
    const CORNISH_FISHER: bool = false;
}
