//! The README's main job: draw one sample of a 2-component, 2-D mixture with
//! the quantile sampler and print it with its pathwise gradients.

use mixgrad::{DiagMixture, SeedableRng, Xoshiro256PlusPlus};

fn main() -> Result<(), mixgrad::Error> {
    // Weights 0.3 / 0.7 given as logits; means and scales per component.
    let mix = DiagMixture::<f64, 2, 2>::new(
        [0.3f64.ln(), 0.7f64.ln()],
        [[-1.0, 0.0], [2.0, 1.0]],
        [[0.5, 1.0], [1.0, 0.3]],
    )?;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(42);
    let (x, u) = mix.sample_quantile(&mut rng);
    println!("u          = {u:?}");
    println!("x          = {x:?}");
    println!("log q(x)   = {:.12}", mix.log_prob(&x)?);

    // Gradient of L = x_0 + x_1 with respect to every parameter.
    let g = mix.vjp(&x, &[1.0, 1.0])?;
    println!("dL/dlogits = {:?}", g.logits);
    println!("dL/dmeans  = {:?}", g.means);
    println!("dL/dscales = {:?}", g.scales);

    // The full Jacobian: row d holds dx_d/dθ.
    for (d, row) in mix.jacobian(&x)?.iter().enumerate() {
        println!("dx_{d}/dlogits = {:?}", row.logits);
    }
    Ok(())
}
