//! Footprint: what quantile sampling + vjp + cdf of a `DiagMixture<f64, 8, 4>`
//! add to a firmware (`tools/footprint.sh` subtracts `size_base`). The
//! parameters come through `black_box`, so nothing is constant-folded.
#![no_std]
#![no_main]
// Halting loops after semihosting exit or in handlers: nothing to wait for.
#![allow(clippy::empty_loop)]

use core::hint::black_box;

use cortex_m_rt::entry;
use mixgrad::{DiagMixture, SeedableRng, Xoshiro256PlusPlus};

#[entry]
fn main() -> ! {
    let mix = DiagMixture::<f64, 8, 4>::new(
        black_box([0.0; 8]),
        black_box([[0.0; 4]; 8]),
        black_box([[1.0; 4]; 8]),
    );
    if let Ok(mix) = mix {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(black_box(1));
        loop {
            let (x, _) = mix.sample_quantile(&mut rng);
            black_box(mix.vjp(&x, &black_box([1.0; 4])).is_ok());
            black_box(mix.cdf(&black_box(x)).is_ok());
        }
    }
    loop {}
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
