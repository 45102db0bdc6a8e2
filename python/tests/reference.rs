//! Prints the reference values of the Python tests
//! (python/tests/data/reference.json) from the crate's *single* calls on
//! `DiagMixtureRef`, one mixture and one point at a time, so that the
//! tests check the package's batch layouts, seeds and sums against an
//! independent computation, bit for bit:
//!
//! ```sh
//! cd python && cargo run --release --example reference > tests/data/reference.json
//! ```
//!
//! Every float is printed as the hexadecimal digits of its bits. For each
//! precision and family: a batch of `B` mixtures (`K`, `D` below), with
//! `N` draws per mixture from one generator in rows `r·B + b`, and
//! mixture 0 alone with `N1` draws; summed gradients are the single
//! calls' added in row order to `+0`.

use mixgrad::{
    Cauchy, DiagMixtureRef, Error, Family, Float, Gaussian, Laplace, LogProbGrad, Logistic,
    SeedableRng, Xoshiro256PlusPlus,
};

const B: usize = 6;
const K: usize = 3;
const D: usize = 2;
/// Draws per mixture of the batch.
const N: usize = 3;
/// Draws of mixture 0 alone.
const N1: usize = 5;

/// A precision: its values from dyadic f64 constants (exact in f32 too)
/// and its bits in hexadecimal.
trait Hex: Float {
    const NAME: &'static str;
    fn of(v: f64) -> Self;
    fn hex(self) -> String;
}

impl Hex for f64 {
    const NAME: &'static str = "float64";
    fn of(v: f64) -> Self {
        v
    }
    fn hex(self) -> String {
        format!("{:016x}", self.to_bits())
    }
}

impl Hex for f32 {
    const NAME: &'static str = "float32";
    fn of(v: f64) -> Self {
        v as f32
    }
    fn hex(self) -> String {
        format!("{:08x}", self.to_bits())
    }
}

/// `"name": ["…", …]`.
fn field<F: Hex>(name: &str, values: &[F]) -> String {
    let hex: Vec<String> = values.iter().map(|v| format!("\"{}\"", v.hex())).collect();
    format!("\"{name}\": [{}]", hex.join(", "))
}

/// The batch's parameters: logits in [-0.5, 0.5], means in [-2.25, 2.25],
/// scales in [0.25, 1.375], all dyadic.
fn params<F: Hex>() -> [Vec<F>; 3] {
    let logits = (0..B * K).map(|i| F::of((i % 5) as f64 * 0.25 - 0.5));
    let entry = |i: usize| (i / (K * D), i / D % K, i % D);
    let means = (0..B * K * D).map(|i| {
        let (b, k, d) = entry(i);
        F::of(((b + 2 * k + 3 * d) % 7) as f64 * 0.75 - 2.25)
    });
    let scales = (0..B * K * D).map(|i| {
        let (b, k, d) = entry(i);
        F::of(0.25 + ((b + k + d) % 4) as f64 * 0.375)
    });
    [logits.collect(), means.collect(), scales.collect()]
}

/// Row `r·m + b` of `len`-sized rows, for `m` mixtures.
fn row<F>(v: &[F], r: usize, m: usize, b: usize, len: usize) -> &[F] {
    &v[(r * m + b) * len..][..len]
}

/// The reference values of `mixtures` (rows `r·m + b`, `n` per mixture),
/// each draw from `seed` and `seed + 1` (quantile, ancestral).
fn case<F: Hex, G: Family>(
    mixtures: &[DiagMixtureRef<'_, F, G>],
    n: usize,
    seed: u64,
) -> Result<Vec<String>, Error> {
    let m = mixtures.len();
    let rows = || (0..n).flat_map(move |r| (0..m).map(move |b| (r, b)));
    let draw = |seed: u64, ancestral: bool| -> Result<Vec<F>, Error> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut x = vec![F::ZERO; n * m * D];
        for (i, (_, b)) in rows().enumerate() {
            let xi = &mut x[i * D..][..D];
            if ancestral {
                mixtures[b].sample_ancestral(&mut rng, xi)?;
            } else {
                mixtures[b].sample_quantile(&mut rng, xi, None)?;
            }
        }
        Ok(x)
    };
    let x = draw(seed, false)?;
    let x_anc = draw(seed + 1, true)?;
    let (mut lp, mut u, mut xq) = (vec![], vec![F::ZERO; x.len()], vec![F::ZERO; x.len()]);
    let (mut dx, mut dl, mut dm, mut ds) = (vec![], vec![], vec![], vec![]);
    let grid: Vec<F> = (0..x.len())
        .map(|i| F::of((i as f64 + 0.5) / x.len() as f64))
        .collect();
    let x_bar: Vec<F> = (0..x.len())
        .map(|i| F::of([1.0, -0.5, 2.0][i % 3]))
        .collect();
    let mut sums = [
        vec![F::ZERO; m * K],
        vec![F::ZERO; m * K * D],
        vec![F::ZERO; m * K * D],
    ];
    for (i, (r, b)) in rows().enumerate() {
        let mix = &mixtures[b];
        let xi = row(&x, r, m, b, D);
        mix.cdf(xi, &mut u[i * D..][..D])?;
        mix.quantile(row(&grid, r, m, b, D), &mut xq[i * D..][..D])?;
        let (mut gx, mut gl, mut gm, mut gs) = (
            [F::ZERO; D],
            [F::ZERO; K],
            [F::ZERO; K * D],
            [F::ZERO; K * D],
        );
        let grad = LogProbGrad {
            x: Some(&mut gx),
            logits: Some(&mut gl),
            means: Some(&mut gm),
            scales: Some(&mut gs),
        };
        lp.push(mix.log_prob_grad(xi, grad)?);
        dx.extend(gx);
        dl.extend(gl);
        dm.extend(gm);
        ds.extend(gs);
        mix.vjp(xi, row(&x_bar, r, m, b, D), &mut gl, &mut gm, &mut gs)?;
        for (sum, g) in sums.iter_mut().zip([&gl[..], &gm[..], &gs[..]]) {
            let width = g.len();
            sum[b * width..][..width]
                .iter_mut()
                .zip(g)
                .for_each(|(s, &v)| *s += v);
        }
    }
    let [vl, vm, vs] = &sums;
    Ok(vec![
        format!("\"n\": {n}"),
        format!("\"seed\": {seed}"),
        field("sample_quantile", &x),
        field("sample_ancestral", &x_anc),
        field("cdf", &u),
        field("u", &grid),
        field("quantile", &xq),
        field("log_prob", &lp),
        field("log_prob_grad_x", &dx),
        field("log_prob_grad_logits", &dl),
        field("log_prob_grad_means", &dm),
        field("log_prob_grad_scales", &ds),
        field("x_bar", &x_bar),
        field("vjp_logits", vl),
        field("vjp_means", vm),
        field("vjp_scales", vs),
    ])
}

/// The batch and the single mixture of one precision and family.
fn family<F: Hex, G: Family>(g: G) -> Result<String, Error> {
    let [logits, means, scales] = params::<F>();
    let mixtures = (0..B)
        .map(|b| {
            let (l, kd) = (&logits[b * K..][..K], b * K * D..(b + 1) * K * D);
            DiagMixtureRef::of_family(g, l, &means[kd.clone()], &scales[kd], D)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let batch = case(&mixtures, N, 11)?.join(",\n      ");
    let single = case(&mixtures[..1], N1, 13)?.join(",\n      ");
    Ok(format!(
        "\"{}\": {{\n    {},\n    {},\n    {},\n    \"batch\": {{\n      {batch}\n    }},\n    \"single\": {{\n      {single}\n    }}\n  }}",
        G::NAME,
        field("logits", &logits),
        field("means", &means),
        field("scales", &scales),
    ))
}

/// Every family in one precision.
fn precision<F: Hex>() -> Result<String, Error> {
    let families = [
        family::<F, _>(Gaussian)?,
        family::<F, _>(Logistic)?,
        family::<F, _>(Laplace)?,
        family::<F, _>(Cauchy)?,
    ];
    Ok(format!(
        "\"{}\": {{\n  {}\n}}",
        F::NAME,
        families.join(",\n  ")
    ))
}

fn main() -> Result<(), Error> {
    println!(
        "{{\"B\": {B}, \"K\": {K}, \"D\": {D},\n{},\n{}\n}}",
        precision::<f64>()?,
        precision::<f32>()?
    );
    Ok(())
}
