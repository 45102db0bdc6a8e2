//! The Cauchy family: tails as `atan(1/|z|)/π`, without cancellation.

use super::{linear_z_max, pi, Family, FamilyKind, StandardDensity};
use crate::Float;

/// Cauchy components: `g(z) = 1/(π(1 + z²))`, no finite moments. Heavy
/// tails: `G(z) ≈ 1/(π|z|)`, so a tail probability is well conditioned
/// (`κ ≈ 1`) however far out.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Cauchy;

impl Family for Cauchy {
    const NAME: &'static str = "cauchy";
    const KIND: FamilyKind = FamilyKind::Cauchy;
}

impl StandardDensity for Cauchy {
    /// Smaller tail `atan(1/|z|)/π` (`= atan(−1/z)/π` for `z < 0`), exact
    /// in relative terms however far out; `1/0 = ∞` gives `½` at `z = 0`.
    #[inline(always)]
    fn tails_density<F: Float>(z: F) -> (F, F, F) {
        let small = (F::ONE / z.abs()).atan() / pi::<F>();
        let large = F::ONE - small;
        let density = Self::density(z);
        if z < F::ZERO {
            (small, large, density)
        } else {
            (large, small, density)
        }
    }
    /// `1/(π(1 + z²))`, or `r²/(π(1 + r²))` with `r = 1/z` where `z²`
    /// could overflow.
    #[inline(always)]
    fn density<F: Float>(z: F) -> F {
        if z.abs() <= F::ONE {
            F::ONE / (pi::<F>() * (F::ONE + z * z))
        } else {
            let r = F::ONE / z;
            r * r / (pi::<F>() * (F::ONE + r * r))
        }
    }
    /// `−ln π − ln(1 + z²) − ln σ`, as `−2 ln|z| − ln(1 + 1/z²)` for
    /// `|z| > 1`.
    #[inline(always)]
    fn log_density<F: Float>(z: F, ln_sigma: F) -> F {
        let a = z.abs();
        let ln_g = if a <= F::ONE {
            -(z * z).ln_1p()
        } else {
            let r = F::ONE / a;
            -F::TWO * a.ln() - (r * r).ln_1p()
        };
        ln_g - pi::<F>().ln() - ln_sigma
    }
    /// `2z/(1 + z²)`, as `2/(z + 1/z)` for `|z| > 1`.
    #[inline(always)]
    fn neg_score<F: Float>(z: F) -> F {
        if z.abs() <= F::ONE {
            F::TWO * z / (F::ONE + z * z)
        } else {
            F::TWO / (z + F::ONE / z)
        }
    }
    /// `−1/tan(πu)` for `u < ¼` (no cancellation in `u − ½`), `tan(π(u − ½))`
    /// in the middle, `1/tan(π(1 − u))` above `¾`.
    #[inline(always)]
    fn quantile<F: Float>(u: F) -> F {
        let quarter = F::from_f64(0.25);
        if u < quarter {
            -F::ONE / (pi::<F>() * u).tan()
        } else if u > F::ONE - quarter {
            F::ONE / (pi::<F>() * (F::ONE - u)).tan()
        } else {
            (pi::<F>() * (u - F::HALF)).tan()
        }
    }
    /// 2: `κ ≤ 1` everywhere.
    #[inline(always)]
    fn tail_conditioning<F: Float>(_z: F) -> F {
        F::TWO
    }
    #[inline(always)]
    fn z_max<F: Float>() -> F {
        linear_z_max()
    }
    /// `−ln g(z) = ln π + ln(1 + z²) ≤ B = budget − ln σ_max` for
    /// `|z| ≤ Z = e^{(B − ln π − 1)/2}`: then `1 + z² ≤ 1 + e^{B − ln π − 1}
    /// ≤ e^{B − ln π}` once `B − ln π ≥ 1` (and `e^{…/2}` stays finite).
    #[inline]
    fn screen_radius_inv<F: Float>(budget: F, ln_sigma_max: F) -> Option<F> {
        let b = budget - ln_sigma_max - pi::<F>().ln();
        (b >= F::TWO).then(|| (-F::HALF * (b - F::ONE)).exp())
    }
    const BULK_REACH: f64 = 236.0;
    const VARIANCE: Option<f64> = None;
    const CORNISH_FISHER: bool = false;
}
