//! The logistic family: `G(z) = 1/(1 + e^{−z})`, both tails from one `exp`.

use super::{linear_z_max, Family, FamilyKind, StandardDensity};
use crate::Float;

/// Logistic components: `g(z) = e^{−z}/(1 + e^{−z})²`, variance `π²/3`.
/// Mixtures of logistics are the CDFs of Flow++'s coupling layers and the
/// (discretised) likelihoods of PixelCNN++.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Logistic;

impl Family for Logistic {
    const NAME: &'static str = "logistic";
    const KIND: FamilyKind = FamilyKind::Logistic;
}

impl StandardDensity for Logistic {
    /// With `e = e^{−|z|}`: smaller tail `e/(1 + e)`, density
    /// `e/(1 + e)²`; no cancellation anywhere.
    #[inline(always)]
    fn tails_density<F: Float>(z: F) -> (F, F, F) {
        let e = (-z.abs()).exp();
        let small = e / (F::ONE + e);
        let density = small / (F::ONE + e);
        let large = F::ONE - small;
        if z < F::ZERO {
            (small, large, density)
        } else {
            (large, small, density)
        }
    }
    #[inline(always)]
    fn density<F: Float>(z: F) -> F {
        let e = (-z.abs()).exp();
        e / ((F::ONE + e) * (F::ONE + e))
    }
    /// `−|z| − 2 ln(1 + e^{−|z|}) − ln σ`.
    #[inline(always)]
    fn log_density<F: Float>(z: F, ln_sigma: F) -> F {
        let a = z.abs();
        -a - F::TWO * (-a).exp().ln_1p() - ln_sigma
    }
    /// `tanh(z/2) = −expm1(−|z|)/(2 + expm1(−|z|))`, signed.
    #[inline(always)]
    fn neg_score<F: Float>(z: F) -> F {
        let m = (-z.abs()).exp_m1();
        let t = -m / (F::TWO + m);
        if z < F::ZERO {
            -t
        } else {
            t
        }
    }
    /// `ln(v/(1 − v))` on the smaller tail `v = min(u, 1 − u)` (exact for
    /// `u ≥ ½`), as `ln v − ln(1 − v)`.
    #[inline(always)]
    fn quantile<F: Float>(u: F) -> F {
        let upper = u > F::HALF;
        let v = if upper { F::ONE - u } else { u };
        let z = v.ln() - (-v).ln_1p();
        if upper {
            -z
        } else {
            z
        }
    }
    /// `1 + |z|` (`κ = |z|/(1 + e^{−|z|})`).
    #[inline(always)]
    fn tail_conditioning<F: Float>(z: F) -> F {
        F::ONE + z.abs()
    }
    #[inline(always)]
    fn z_max<F: Float>() -> F {
        linear_z_max()
    }
    /// `−ln g(z) ≤ |z| + 2 ln 2`: `Z = budget − ln σ_max − 2 ln 2`.
    #[inline]
    fn screen_radius_inv<F: Float>(budget: F, ln_sigma_max: F) -> Option<F> {
        let z = budget - ln_sigma_max - F::TWO * super::ln_2::<F>();
        (z > F::ZERO).then(|| F::ONE / z)
    }
    const BULK_REACH: f64 = 6.6;
    const VARIANCE: Option<f64> = Some(core::f64::consts::PI * core::f64::consts::PI / 3.0);
    const CORNISH_FISHER: bool = false;
}
