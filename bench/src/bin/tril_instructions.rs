//! The callgrind workload of `tools/tril_instructions.sh`: 200 calls of one
//! full-covariance operation (`cdf`, `vjp`, `log_prob`, `sample_quantile`,
//! `sample_ancestral`, or `none` for the fixed overhead) at K = 8 and the
//! `D` given, f64, on points drawn from the mixture of
//! `bench/benches/tril.rs`.
//!
//! `tril_instructions <op> <D>`

use std::hint::black_box;

use mixgrad::{SeedableRng, TrilMixtureRef, Xoshiro256PlusPlus};

const K: usize = 8;
const CALLS: usize = 200;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let op = args.get(1).map_or("none", String::as_str);
    let d: usize = args.get(2).and_then(|v| v.parse().ok()).unwrap_or(4);
    let (logits, means, tril) = mixgrad_bench::problem::tril_problem(K, d);
    let mix = TrilMixtureRef::new(&logits, &means, &tril, d).unwrap();
    let mut work = vec![0.0; TrilMixtureRef::<f64>::work_len(K, d).unwrap()];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    let mut xs = vec![vec![0.0; d]; CALLS];
    for x in &mut xs {
        mix.sample_ancestral(&mut rng, x).unwrap();
    }
    let x_bar = vec![1.0; d];
    let (mut a, mut m, mut l) = (vec![0.0; K], vec![0.0; K * d], vec![0.0; K * d * d]);
    let mut out = vec![0.0; d];
    for x in &xs {
        match op {
            "cdf" => mix.cdf(black_box(x), &mut out, &mut work[..]).unwrap(),
            "log_prob" => out[0] = mix.log_prob(black_box(x), &mut work[..]).unwrap(),
            "vjp" => {
                mix.vjp(black_box(x), &x_bar, &mut a, &mut m, &mut l, &mut work[..])
                    .unwrap();
            }
            "sample_quantile" => {
                mix.sample_quantile(&mut rng, &mut out, None, &mut work[..])
                    .unwrap();
            }
            "sample_ancestral" => {
                mix.sample_ancestral(&mut rng, &mut out).unwrap();
            }
            _ => {}
        }
        black_box((&out, &a, &m, &l));
    }
}
