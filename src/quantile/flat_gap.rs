//! Flat gaps (docs/math.md §9.4): where `u` lies within rounding of a
//! cumulative component weight and the components are far apart, `F` is
//! flat at `u` to below `ε` across a wide gap, and `F(x) = u` evaluated in
//! working precision holds anywhere in it. The root is still determined by
//! the inputs: with `P` the weight of the components located below the
//! gap, it is where `F − P = δ = u − P`, and `F − P` is a sum of component
//! tails, each to full relative accuracy:
//!
//! ```text
//! F(x) − P = Σ_{μ_k ≥ s} p_k G(z_k) − Σ_{μ_k < s} p_k Gc(z_k)
//! ```
//!
//! (`s` the point the first solve found). `δ` needs `P` to far below `ε`:
//! it comes from the log-weights in double-length arithmetic. The solve
//! is then the ordinary one on `F − P` with target `|δ|`.

use super::solver::{start, Evaluate, Solver, Target};
use crate::elementary::double_length::DoubleLength;
use crate::kernel::log_weights::LogWeights;
use crate::kernel::Conditional;
use crate::{Family, Float};

/// The double-length `exp` the flat-gap solve needs, per precision: f64
/// has it; f32 does not (its flash budget on small microcontrollers), and
/// keeps the first solve's root, which meets the accuracy contract there.
pub trait DoubleLengthExp: Sized {
    /// Whether the precision resolves flat gaps at all: a constant, so
    /// that where it does not (f32) the flat-gap solve is not even linked.
    const RESOLVES_FLAT_GAPS: bool;
    /// `e^a` to double length for `a ≤ 0`, or `None`.
    fn exp_double_length(a: DoubleLength<Self>) -> Option<DoubleLength<Self>>;
}

impl DoubleLengthExp for f64 {
    const RESOLVES_FLAT_GAPS: bool = true;
    #[inline]
    fn exp_double_length(a: DoubleLength<f64>) -> Option<DoubleLength<f64>> {
        Some(crate::elementary::double_length::exp_f64(a))
    }
}

impl DoubleLengthExp for f32 {
    const RESOLVES_FLAT_GAPS: bool = false;
    #[inline]
    fn exp_double_length(_: DoubleLength<f32>) -> Option<DoubleLength<f32>> {
        None
    }
}

/// The root of `F(x) = u` resolved in the flat gap around `split` (the
/// first solve's root): `(root, evaluations)`, or `None` where the
/// precision has no double-length `exp` or `δ` is 0 or not a normal
/// number, or every active component lies on one side of `split` (then
/// the first root stands).
#[inline]
pub(crate) fn resolve<F: Float, G: Family>(
    column: impl Iterator<Item = (F, F)> + Clone,
    p: &[F],
    weights: &LogWeights<'_, F>,
    u: F,
    split: F,
) -> Option<(F, u32)> {
    let delta = excess(column.clone(), weights, u, split)?;
    // (False for NaN too.)
    let normal = delta.abs() >= F::MIN_POSITIVE;
    if !normal {
        return None;
    }
    // The first solve's bracket, recomputed off its hot path.
    let start = start::<F, G, Shifted<F>>(column.clone(), p, &Target::new::<G>(u));
    let target = Target::shifted::<G>(delta);
    let shifted = Shifted { split };
    let outcome = Solver::<F, _, G, _>::new(column, p, target, start, shifted)
        .from(split)
        .run();
    Some((outcome.root, outcome.evaluations))
}

/// `F − P` for `F`, `P` the mass of the components located below `split`
/// ([`conditional_shifted`]).
struct Shifted<F> {
    split: F,
}

impl<F: Float> Evaluate<F> for Shifted<F> {
    fn at<G: Family>(&self, column: impl Iterator<Item = (F, F)>, p: &[F], x: F) -> Conditional<F> {
        conditional_shifted::<F, G>(column, p, x, self.split)
    }
}

/// `δ = u − P`, `P` the weight of the components located below `split`:
/// `P = L/(L + R)` with `L`, `R` the sums of `e^{ℓ_k − max ℓ}` below and
/// above, so `δ = (u·R − (1 − u)·L)/(L + R)`, the numerator in
/// double-length arithmetic.
fn excess<F: Float>(
    column: impl Iterator<Item = (F, F)>,
    weights: &LogWeights<'_, F>,
    u: F,
    split: F,
) -> Option<F> {
    let (mh, ml) = weights.max();
    let zero = DoubleLength::from(F::ZERO);
    let (mut below, mut above) = (zero, zero);
    let logs = weights.hi.iter().zip(weights.lo.iter());
    for ((mu, _), (&h, &l)) in column.zip(logs) {
        if h == F::NEG_INFINITY {
            continue;
        }
        let gap = DoubleLength::from(h)
            .add(DoubleLength::from(-mh))
            .add(DoubleLength::from(l - ml));
        let e = F::exp_double_length(gap)?;
        if mu < split {
            below = below.add(e);
        } else {
            above = above.add(e);
        }
    }
    // No mass on one side: `F − P` is `F` or `F − 1`, which the first
    // solve had.
    if below.hi == F::ZERO || above.hi == F::ZERO {
        return None;
    }
    let one_minus_u = DoubleLength::from(F::ONE).add(DoubleLength::from(-u));
    let num = DoubleLength::from(u)
        .mul(above)
        .add(one_minus_u.mul(below).neg());
    Some(num.value() / below.add(above).value())
}

/// [`conditional`](crate::kernel::conditional) with `F − P` for `F`:
/// each component located below `split` contributes `−p Gc(z)`, each
/// other `p G(z)`. `cdf` holds `max(F − P, 0)` and `ccdf`
/// `max(P − F, 0)`, so that the solver's target sees 0 (its logarithm
/// `−∞`) on the wrong side of the root.
fn conditional_shifted<F: Float, G: Family>(
    column: impl Iterator<Item = (F, F)>,
    p: &[F],
    x: F,
    split: F,
) -> Conditional<F> {
    let mut shifted = F::ZERO;
    let (mut pdf, mut dpdf) = (F::ZERO, F::ZERO);
    for ((mu, sigma), &pk) in column.zip(p) {
        if pk == F::ZERO {
            continue;
        }
        let t = crate::kernel::component_terms::<F, G>(x, mu, sigma, pk);
        if mu < split {
            shifted -= t.upper;
        } else {
            shifted += t.lower;
        }
        pdf += t.density;
        dpdf -= t.slope;
    }
    Conditional {
        cdf: shifted.max(F::ZERO),
        ccdf: (-shifted).max(F::ZERO),
        pdf,
        dpdf,
    }
}
