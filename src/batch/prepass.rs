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
//! fails the compare: the screen errs only towards the exact test. A
//! subnormal scale turns the screen off: there the product rounds to a
//! grid as coarse as `σ` itself, and a point many scales away can round to
//! within one.

use crate::workspace::Workspace;
use crate::{DiagMixtureRef, Error, Family, Float};

/// The screen of one mixture: `1/Z`, or `None` where the guard fails
/// (huge logits, `D ≥ 2^20`, a subnormal scale) or `Z² ≤ 0` (then every
/// row takes the exact test).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Screen<F>(Option<F>);

impl<F: Float> Screen<F> {
    /// The screen for `mix`.
    pub fn new<G: Family>(mix: &DiagMixtureRef<'_, F, G>) -> Self {
        Self::over::<G>(
            mix.logits(),
            mix.scales(),
            mix.num_components(),
            mix.num_dims(),
        )
    }

    /// One screen for every mixture whose logits are among `logits` and
    /// scales among `scales` (`K` components, `D` dimensions each): a
    /// packed batch computes it once, not once per row. `Z` falls with
    /// `ln σ_max`, so the largest scale of the batch gives a `Z` that holds
    /// for each of its mixtures, and barely smaller than theirs: `Z²` is
    /// about `2·708` in `f64` (`2·87` in `f32`) less `2·ln σ_max`.
    pub fn over<G: Family>(logits: &[F], scales: &[F], k: usize, dims: usize) -> Self {
        let big = F::from_f64(1_073_741_824.0); // 2^30
        let logits_ok = logits.iter().all(|a| !a.is_finite() || a.abs() <= big);
        if !logits_ok || dims >= 1 << 20 {
            return Screen(None);
        }
        let (sigma_min, sigma_max) = scales.iter().fold((F::INFINITY, F::ZERO), |(lo, hi), &s| {
            (lo.min(s), hi.max(s))
        });
        if sigma_min < F::MIN_POSITIVE {
            return Screen(None);
        }
        let floor = F::MIN_POSITIVE.ln() + F::from_usize(k).ln();
        Screen(G::screen_radius_inv(-floor - F::ONE, sigma_max.ln()))
    }

    /// Whether the screen clears `x` (`D` values): every component of
    /// finite logit within `Z` scales of `x` in every dimension.
    fn clears<G: Family>(&self, mix: &DiagMixtureRef<'_, F, G>, x: &[F]) -> bool {
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

impl<F: Float, G: Family> DiagMixtureRef<'_, F, G> {
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

#[cfg(test)]
mod tests {
    extern crate std;
    use std::vec::Vec;

    use super::*;
    use crate::workspace::on_stack;
    use rand_core::{RngCore, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// A positive value spread over binades: `2^e · (1 + frac)`,
    /// `|e| ≤ max_exp`.
    fn wide(rng: &mut Xoshiro256PlusPlus, max_exp: i32) -> f64 {
        let e = (rng.next_u32() % (2 * max_exp as u32 + 1)) as i32 - max_exp;
        let frac = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        2f64.powi(e) * (1.0 + frac)
    }

    /// Whether the exact forward test passes `x`.
    fn exact(mix: &DiagMixtureRef<'_, f64>, x: &[f64]) -> bool {
        on_stack(mix.num_components(), |mut ws| mix.forward(&mut ws, x)).is_ok()
    }

    /// The screen is sufficient: whatever it clears, the exact test passes
    /// (scales over 600 binades, logits up to ±2^30 and −∞, points near
    /// and far). And it does clear ordinary points.
    #[test]
    #[cfg_attr(miri, ignore = "20 000 mixtures of safe arithmetic: hours under Miri")]
    fn what_the_screen_clears_the_exact_test_passes() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
        let (mut cleared, mut cases) = (0, 0);
        for case in 0..20_000 {
            let (k, d) = (1 + case % 5, 1 + case % 4);
            let spread = if case % 3 == 0 { 300 } else { 4 };
            let logits: Vec<f64> = (0..k)
                .map(|i| match (i + case) % 7 {
                    0 if i > 0 => f64::NEG_INFINITY,
                    1 => wide(&mut rng, 30) * if rng.next_u32() % 2 == 0 { 1.0 } else { -1.0 },
                    _ => wide(&mut rng, 2) - 3.0,
                })
                .collect();
            let means: Vec<f64> = (0..k * d).map(|_| wide(&mut rng, 6) - 60.0).collect();
            let scales: Vec<f64> = (0..k * d).map(|_| wide(&mut rng, spread)).collect();
            let mix = DiagMixtureRef::new(&logits, &means, &scales, d).unwrap();
            let screen = Screen::new(&mix);
            // The screen of a packed batch holding this mixture and one
            // more, whose scales may be larger.
            let other: Vec<f64> = (0..k * d).map(|_| wide(&mut rng, spread)).collect();
            let batch_logits = [&logits[..], &logits[..]].concat();
            let batch = Screen::over::<crate::Gaussian>(
                &batch_logits,
                &[&scales[..], &other].concat(),
                k,
                d,
            );
            let x: Vec<f64> = (0..d).map(|_| wide(&mut rng, 7) - 60.0).collect();
            cases += 1;
            if screen.clears(&mix, &x) {
                cleared += 1;
                assert!(exact(&mix, &x), "{logits:?} {means:?} {scales:?} {x:?}");
            }
            if batch.clears(&mix, &x) {
                assert!(
                    exact(&mix, &x),
                    "batch: {logits:?} {means:?} {scales:?} {x:?}"
                );
            }
        }
        assert!(
            cleared > cases / 10,
            "the screen cleared {cleared} of {cases}"
        );
    }

    /// At the edge: one component, `x` swept finely across the distance
    /// where the exact test starts to refuse. The screen must stop
    /// clearing before the exact test stops passing, and not far before.
    #[test]
    #[cfg_attr(miri, ignore = "280 000 points of safe arithmetic: hours under Miri")]
    fn the_screen_stops_before_the_exact_test_does() {
        for sigma in [1e-300, 1e-30, 0.5, 1.0, 3.0, 1e30, 1e200] {
            let (logits, means, scales) = ([0.0], [0.0], [sigma]);
            let mix = DiagMixtureRef::new(&logits, &means, &scales, 1).unwrap();
            let screen = Screen::new(&mix);
            // A packed batch of this mixture and a far narrower one: its
            // screen is this mixture's own (the largest scale decides).
            let batch = Screen::over::<crate::Gaussian>(&[0.0, 0.0], &[sigma, 1e-300], 1, 1);
            let (mut last_cleared, mut first_refused) = (0.0, f64::INFINITY);
            for i in 0..40_000 {
                let z = f64::from(i) * 1e-3;
                let x = [z * sigma];
                if batch.clears(&mix, &x) {
                    assert!(exact(&mix, &x), "sigma {sigma} in a batch: z = {z}");
                }
                if screen.clears(&mix, &x) {
                    last_cleared = z;
                    assert!(
                        exact(&mix, &x),
                        "sigma {sigma}: z = {z} cleared but refused"
                    );
                } else if !exact(&mix, &x) && first_refused.is_infinite() {
                    first_refused = z;
                }
            }
            if first_refused.is_finite() {
                // logN falls by z·dz per step: one nat of margin is
                // about 1/z in z.
                let gap = first_refused - last_cleared;
                assert!(
                    gap > 0.0 && gap < 2.0 / first_refused,
                    "sigma {sigma}: gap {gap}"
                );
            }
        }
    }

    /// Subnormal scales: a point `j` scales below the mean, swept past
    /// where the exact test starts to refuse. The product `|x − μ|·(1/Z)`
    /// would round to within one scale, so the screen must not clear.
    #[test]
    fn subnormal_scales_are_left_to_the_exact_test() {
        fn sweep<F: Float>(tiny: F) {
            for units in [1.0, 2.0, 3.0, 1000.0] {
                let sigma = tiny * F::from_f64(units);
                let (logits, means, scales) = ([F::ZERO; 3], [sigma; 3], [sigma; 3]);
                let mix = DiagMixtureRef::new(&logits, &means, &scales, 1).unwrap();
                let screen = Screen::new(&mix);
                for j in 0..200 {
                    let x = [sigma - sigma * F::from_usize(j)];
                    let exact = on_stack(3, |mut ws| mix.forward(&mut ws, &x)).is_ok();
                    assert!(!screen.clears(&mix, &x) || exact, "{units} units, j {j}");
                }
            }
        }
        sweep(f64::from_bits(1));
        sweep(f32::from_bits(1));
    }

    /// A point deep in the gap between two narrow components is left to
    /// the exact test, which refuses it.
    #[test]
    fn a_point_in_a_gap_is_left_to_the_exact_test() {
        let (logits, means, scales) = ([0.0, 0.0], [-40.0, 40.0], [1.0, 1.0]);
        let mix = DiagMixtureRef::new(&logits, &means, &scales, 1).unwrap();
        let screen = Screen::new(&mix);
        assert!(!screen.clears(&mix, &[0.0]));
        let refused = on_stack(2, |mut ws| mix.check_density(&screen, &mut ws, &[0.0]));
        assert_eq!(refused.unwrap_err().kind(), crate::ErrorKind::ZeroDensity);
    }
}
