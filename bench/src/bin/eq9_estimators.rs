//! The two samplers of the Eq. 9 estimator (docs/math.md §12) on
//! Gamma(α = 2.5, β = 1) at `x = F⁻¹(p)` for `p` from 0.5 down to 1e-4:
//! wall-clock time per kept draw, the variance per draw of the `dx/dα`
//! estimate, and their product (the variance of an estimate that costs
//! one nanosecond), so that the cheaper route to a given accuracy can be
//! read off. Rejection takes `1/F(x)` draws from `f` per kept draw, the
//! inverse CDF one quantile.
//!
//! `cargo run --release -p mixgrad-bench --bin eq9_estimators`

use std::hint::black_box;
use std::num::NonZeroUsize;
use std::time::Instant;

use mixgrad::{eq9_dx_dtheta, Gamma, SeedableRng, Truncation, Xoshiro256PlusPlus};

const ALPHA: f64 = 2.5;
/// Draws from `f` (rejection) or quantiles (inverse CDF) per cell, about.
const WORK: f64 = 2e6;

fn main() {
    let g = Gamma::new(ALPHA, 1.0).unwrap();
    println!("Gamma(alpha = {ALPHA}, rate = 1), f64; dx/dalpha by Eq. 9 at x = F^-1(p)");
    println!(
        "{:>8} {:>10} {:>10} {:>9} {:>11} {:>10} {:>12} {:>12} {:>10} {:>10}",
        "F(x)",
        "x",
        "method",
        "draws",
        "tries/draw",
        "ns/draw",
        "var/draw",
        "var*ns",
        "estimate",
        "exact"
    );
    for p in [0.5, 0.1, 1e-2, 1e-3, 1e-4] {
        let x = g.quantile(p).unwrap();
        let exact = g.dx_dalpha(x).unwrap();
        let rejection = Truncation::Rejection { max_tries: 1 << 40 };
        // Equal work: rejection keeps about WORK·p draws.
        let cells = [
            ("rejection", rejection, (WORK * p).max(1000.0) as usize),
            ("inverse", Truncation::InverseCdf, (WORK / 4.0) as usize),
        ];
        for (name, truncation, draws) in cells {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
            let n = NonZeroUsize::new(draws).unwrap();
            let start = Instant::now();
            let e = black_box(eq9_dx_dtheta(&g, x, n, truncation, &mut rng).unwrap());
            let ns = start.elapsed().as_secs_f64() * 1e9 / draws as f64;
            let var = e.std_error[0] * e.std_error[0] * draws as f64;
            println!(
                "{:>8.0e} {:>10.4} {:>10} {:>9} {:>11.1} {:>10.1} {:>12.4e} {:>12.4e} {:>10.5} {:>10.5}",
                p,
                x,
                name,
                draws,
                e.tries as f64 / draws as f64,
                ns,
                var,
                var * ns,
                e.dx_dtheta[0],
                exact
            );
        }
    }
}
