//! How much work the quantile solve does (a count, not a timing, so that it
//! holds on any machine): each conditional-CDF evaluation costs an `erfc`
//! and an `exp` per active component, so their number is what sampling
//! speed rests on. The target (docs/performance.md, "Speed targets") is at
//! most 3 evaluations per dimension on average in f64 at full precision on
//! the reference mixtures, and never more than ~64 in one dimension, well
//! below the hard cap of 96 (docs/math.md §7.7).

mod common;

use common::reference_cases;
use mixgrad::{DiagMixtureRef, SeedableRng, SolveStats, Xoshiro256PlusPlus};

#[test]
fn quantile_sampler_needs_about_three_evaluations_per_dimension() {
    let mut all = SolveStats::default();
    for c in reference_cases() {
        let mix = DiagMixtureRef::new(&c.logits, &c.means, &c.scales, c.d).unwrap();
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
        let mut x = vec![0.0; c.d];
        let mut stats = SolveStats::default();
        for _ in 0..(20_000 / c.d).max(200) {
            stats.merge(mix.sample_quantile(&mut rng, &mut x, None).unwrap());
        }
        eprintln!(
            "{:>14}: K={:<2} D={:<2} mean {:.3}, max {}",
            c.name,
            c.k,
            c.d,
            stats.mean_per_dim(),
            stats.max_per_dim
        );
        all.merge(stats);
    }
    eprintln!(
        "all reference mixtures: mean {:.3}, max {}",
        all.mean_per_dim(),
        all.max_per_dim
    );
    assert!(
        all.mean_per_dim() <= 3.0,
        "mean {:.3} evaluations per dimension",
        all.mean_per_dim()
    );
    assert!(
        all.max_per_dim <= 64,
        "max {} evaluations in one dimension",
        all.max_per_dim
    );
}
