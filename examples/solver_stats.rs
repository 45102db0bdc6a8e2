//! Prints how many conditional-CDF evaluations the quantile solve needs per
//! dimension (the target of docs/performance.md: mean ≤ 3 in f64, never more
//! than ~64, since each evaluation costs an `erfc` and an `exp` per active
//! component), for quantile-sampler draws from a few representative mixtures
//! of every location-scale family.

use mixgrad::{
    Cauchy, DiagMixtureRef, Family, Gaussian, Laplace, Logistic, SeedableRng, SolveStats,
    Xoshiro256PlusPlus,
};

fn report<G: Family>(
    family: G,
    name: &str,
    logits: &[f64],
    means: &[f64],
    scales: &[f64],
    dims: usize,
) {
    let mix = DiagMixtureRef::of_family(family, logits, means, scales, dims).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let mut x = vec![0.0; dims];
    let mut total = SolveStats::default();
    for _ in 0..20_000 {
        total.merge(mix.sample_quantile(&mut rng, &mut x, None).unwrap());
    }
    println!(
        "{:<9}{name:<28} K={:<3} D={:<3} mean {:.3} evaluations/dim, max {}",
        G::NAME,
        logits.len(),
        dims,
        total.mean_per_dim(),
        total.max_per_dim
    );
}

fn lcg(seed: &mut u64) -> f64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 11) as f64 / 9007199254740992.0
}

fn main() {
    every(Gaussian);
    every(Logistic);
    every(Laplace);
    every(Cauchy);
}

/// The representative mixtures, of the family `family`.
fn every<G: Family>(family: G) {
    report(family, "single component", &[0.0], &[0.5], &[2.0], 1);
    report(
        family,
        "two overlapping",
        &[0.0, 0.3],
        &[-0.5, 0.7],
        &[1.0, 0.6],
        1,
    );
    report(
        family,
        "separated ±50, σ 0.1",
        &[0.3f64.ln(), 0.7f64.ln()],
        &[-50.0, 50.0],
        &[0.1, 0.1],
        1,
    );
    report(
        family,
        "scale ratio 1e6",
        &[0.0, 0.5, -0.5],
        &[0.0, 1.0, 0.1, 1.0, -0.2, 0.0],
        &[1e-3, 1.0, 1e3, 1e-3, 1.0, 1e3],
        2,
    );
    for (k, d) in [(4, 4), (8, 4), (8, 32), (32, 8), (16, 32)] {
        let mut s = k as u64 * 1000 + d as u64;
        let logits: Vec<f64> = (0..k).map(|_| 3.0 * lcg(&mut s) - 1.5).collect();
        let means: Vec<f64> = (0..k * d).map(|_| 4.0 * lcg(&mut s) - 2.0).collect();
        let scales: Vec<f64> = (0..k * d).map(|_| 0.3 + 1.7 * lcg(&mut s)).collect();
        report(
            family,
            &format!("random K={k} D={d}"),
            &logits,
            &means,
            &scales,
            d,
        );
    }
}
