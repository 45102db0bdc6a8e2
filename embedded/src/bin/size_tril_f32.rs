//! Footprint: what quantile sampling + vjp + cdf of a full-covariance
//! `TrilMixtureRef<f32>` at K = 4, D = 4 (scratch a `TrilScratch` on the
//! stack) add to a firmware, parameters made opaque by `black_box` so
//! nothing is constant-folded. `tools/footprint.sh` subtracts the `.text`
//! of `size_base` (an empty firmware) from the result.
#![no_std]
#![no_main]
// Halting loops: nothing to wait for.
#![allow(clippy::empty_loop)]

use core::hint::black_box;

use cortex_m_rt::entry;
use mixgrad::{SeedableRng, TrilMixtureRef, TrilScratch, Xoshiro128PlusPlus};

const K: usize = 4;
const D: usize = 4;

#[entry]
fn main() -> ! {
    let logits = black_box([0.0f32; K]);
    let means = black_box([0.0f32; K * D]);
    let mut tril = [0.0f32; K * D * D];
    for (i, l) in tril.iter_mut().enumerate() {
        if i % D == i % (D * D) / D {
            *l = 1.0;
        }
    }
    let tril = black_box(tril);
    if let Ok(mix) = TrilMixtureRef::new(&logits, &means, &tril, D) {
        let mut rng = Xoshiro128PlusPlus::seed_from_u64(black_box(1));
        let mut work = TrilScratch::<f32, K, D>::new();
        let (mut x, mut u) = ([0.0f32; D], [0.0f32; D]);
        let (mut a, mut mb, mut lb) = ([0.0f32; K], [0.0f32; K * D], [0.0f32; K * D * D]);
        loop {
            black_box(
                mix.sample_quantile(&mut rng, &mut x, None, &mut work)
                    .is_ok(),
            );
            let x_bar = black_box([1.0f32; D]);
            black_box(
                mix.vjp(&x, &x_bar, &mut a, &mut mb, &mut lb, &mut work)
                    .is_ok(),
            );
            black_box(mix.cdf(&black_box(x), &mut u, &mut work).is_ok());
            black_box((&a, &mb, &lb, &u));
        }
    }
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
