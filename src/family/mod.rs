//! Location-scale families (docs/math.md §9): a component is
//! `x = μ + σ·z` with `z` drawn from a standard density `g`. The mixture
//! algorithms are written once over [`Family`]; each family is a unit type
//! whose functions the compiler inlines, so a mixture of one family
//! contains no code of the others.
//!
//! | family | `g(z)` | `G(z)` | `ψ(z) = (ln g)'` | `G⁻¹(u)` |
//! |---|---|---|---|---|
//! | [`Gaussian`] | `φ(z)` | `Φ(z)` | `−z` | `Φ⁻¹(u)` |
//! | [`Logistic`] | `e^{−z}/(1+e^{−z})²` | `1/(1+e^{−z})` | `−tanh(z/2)` | `ln(u/(1−u))` |
//! | [`Laplace`] | `½e^{−|z|}` | `½e^{z}` (`z < 0`) | `−sign z` | `ln 2u` (`u < ½`) |
//! | [`Cauchy`] | `1/(π(1+z²))` | `½ + atan(z)/π` | `−2z/(1+z²)` | `tan(π(u−½))` |

mod cauchy;
mod gaussian;
mod laplace;
mod logistic;

pub use cauchy::Cauchy;
pub use gaussian::Gaussian;
pub use laplace::Laplace;
pub use logistic::Logistic;

use crate::vjp::GradientRow;
use crate::{DiagMixtureRef, Float};

/// A location-scale family of mixture components: [`Gaussian`],
/// [`Logistic`], [`Laplace`] or [`Cauchy`]. The type parameter of
/// [`DiagMixtureRef`](crate::DiagMixtureRef) and
/// [`DiagMixture`](crate::DiagMixture), `Gaussian` by default. Sealed: the
/// quantile solver is tuned to each family's tails.
pub trait Family:
    crate::seal::SealedFamily + Copy + Default + core::fmt::Debug + Send + Sync + 'static
{
    /// The family's name in lower case (`"gaussian"`, …).
    const NAME: &'static str;
    /// The same family as a runtime value.
    const KIND: FamilyKind;
}

/// A family chosen at run time (the C layer's `family` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FamilyKind {
    /// [`Gaussian`].
    Gaussian,
    /// [`Logistic`].
    Logistic,
    /// [`Laplace`].
    Laplace,
    /// [`Cauchy`].
    Cauchy,
}

impl FamilyKind {
    /// Every family, in the order of their C codes (`0..=3`).
    pub const ALL: [FamilyKind; 4] = [
        FamilyKind::Gaussian,
        FamilyKind::Logistic,
        FamilyKind::Laplace,
        FamilyKind::Cauchy,
    ];

    /// The family with C code `code` (`MIXGRAD_FAMILY_*`), if any.
    pub fn from_code(code: u32) -> Option<FamilyKind> {
        Self::ALL.get(usize::try_from(code).ok()?).copied()
    }

    /// The family's name in lower case.
    pub fn name(self) -> &'static str {
        match self {
            FamilyKind::Gaussian => Gaussian::NAME,
            FamilyKind::Logistic => Logistic::NAME,
            FamilyKind::Laplace => Laplace::NAME,
            FamilyKind::Cauchy => Cauchy::NAME,
        }
    }
}

/// The functions of a standard density `g` the algorithms use, written
/// once over the precision. Every function takes the standardised distance
/// `z`, already clamped to `±z_max`.
pub trait StandardDensity {
    /// `(G(z), Gc(z), g(z))`. The tail on the side of the sign of `z`
    /// (`G` for `z < 0`, `Gc` for `z ≥ 0`) is the smaller one, to full
    /// relative accuracy; the other is exactly `1 − smaller`. The reverse
    /// sweep reconstructs both from the smaller one and the sign of `z`.
    fn tails_density<F: Float>(z: F) -> (F, F, F);
    /// `g(z)`.
    fn density<F: Float>(z: F) -> F;
    /// `ln g(z) − ln σ`, the log-density of a component in one dimension
    /// (docs/math.md §2), given `ln σ`; exact in the tails (no `ln` of an
    /// underflowed `g`).
    fn log_density<F: Float>(z: F, ln_sigma: F) -> F;
    /// `−ψ(z) = −d ln g/dz`.
    fn neg_score<F: Float>(z: F) -> F;
    /// `G⁻¹(u)` for `u` in (0, 1), accurate in both tails.
    fn quantile<F: Float>(u: F) -> F;
    /// `1 + κ(z)`, the conditioning of a tail probability at `z`
    /// (`κ = |z g(z)| / min(G, Gc)`, docs/math.md §9.2), to within a small
    /// factor: rounding `(x − μ)/σ` perturbs a tail probability by about
    /// `κ ε` relative.
    fn tail_conditioning<F: Float>(z: F) -> F;
    /// The clamp on `|z|`: `ln g` summed over `2^32` dimensions stays
    /// finite.
    fn z_max<F: Float>() -> F;
    /// `G⁻¹(0.99865)` (Gaussian: 3): how many scales out a component's bulk
    /// reaches, for the solver's jump across flat gaps.
    const BULK_REACH: f64;
    /// The variance of `g`, if finite: the solver's moment-matched first
    /// guess.
    const VARIANCE: Option<f64>;
    /// Whether the first guess adds the Cornish–Fisher skewness term (a
    /// correction relative to a Gaussian, so only for the Gaussian).
    const CORNISH_FISHER: bool;

    /// `1/Z` for the batch layer's zero-density screen (docs/math.md
    /// §8.3): `|z| ≤ Z` must imply `−ln g(z) ≤ budget − ln σ_max`, so that
    /// every component within `Z` scales keeps `ln g(z) − ln σ` above the
    /// refusal threshold. `None` (every row takes the exact test) where no
    /// positive `Z` does.
    fn screen_radius_inv<F: Float>(budget: F, ln_sigma_max: F) -> Option<F>;

    /// The summed vector–Jacobian product of the leading rows on the SIMD
    /// lanes (docs/math.md §8.5), as
    /// [`LaneKernels::vjp_sum_lanes`](crate::lanes::LaneKernels::vjp_sum_lanes):
    /// the lanes exist for the Gaussian only; the other families run the
    /// scalar rows.
    #[inline]
    fn vjp_sum_lanes<F: Float>(
        _mix: &DiagMixtureRef<'_, F, Self>,
        _x: &[F],
        _x_bar: &[F],
        _outs: GradientRow<'_, F>,
    ) -> Option<usize>
    where
        Self: Sized,
    {
        None
    }

    /// [`LaneKernels::vjp_lane_speedup`](crate::lanes::LaneKernels::vjp_lane_speedup)
    /// for this family's mixtures (1: no lanes).
    #[inline]
    fn vjp_lane_speedup<F: Float>(_mix: &DiagMixtureRef<'_, F, Self>) -> usize
    where
        Self: Sized,
    {
        1
    }

    /// `z = (x − μ)/σ`, clamped to `±z_max` (docs/math.md §7.2).
    #[inline(always)]
    fn standardise<F: Float>(x: F, mu: F, sigma: F) -> F {
        crate::kernel::standardise_within(x, mu, sigma, Self::z_max())
    }
}

/// The clamp of the families whose `ln g` falls linearly (or slower) in
/// `|z|`: `2^32` terms of `|z|` stay below the float range.
#[inline(always)]
pub(crate) fn linear_z_max<F: Float>() -> F {
    F::Z_MAX_LINEAR
}

/// `ln 2`, per precision.
#[inline(always)]
pub(crate) fn ln_2<F: Float>() -> F {
    F::from_f64(core::f64::consts::LN_2)
}

/// `π`, per precision.
#[inline(always)]
pub(crate) fn pi<F: Float>() -> F {
    F::from_f64(core::f64::consts::PI)
}
