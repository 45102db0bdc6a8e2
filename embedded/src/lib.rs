//! What the bare-metal binaries of this crate share.
#![no_std]

/// The body of a footprint firmware: quantile sampling + `vjp` + `cdf` of a
/// `DiagMixture<$float, 8, 4>` with parameters made opaque by `black_box`,
/// so nothing is constant-folded. `tools/footprint.sh` subtracts the
/// `.text` of `size_base` (an empty firmware) from the result.
#[macro_export]
macro_rules! footprint_firmware {
    ($float:ty, $rng:ty) => {
        use core::hint::black_box;

        use cortex_m_rt::entry;
        use mixgrad::{DiagMixture, SeedableRng};

        #[entry]
        fn main() -> ! {
            let mix = DiagMixture::<$float, 8, 4>::new(
                black_box([0.0; 8]),
                black_box([[0.0; 4]; 8]),
                black_box([[1.0; 4]; 8]),
            );
            if let Ok(mix) = mix {
                let mut rng = <$rng>::seed_from_u64(black_box(1));
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
    };
}
