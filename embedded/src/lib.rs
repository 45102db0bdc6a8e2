//! What the bare-metal binaries of this crate share: the footprint
//! firmware's body, and the tally, stack meter and K = 8 stack probe of the
//! two on-target test firmwares (`firmware_tests`, `batch_tests`).
#![no_std]

use cortex_m_semihosting::{debug, hprintln};
use mixgrad::{DiagMixture, Float, RngCore, SeedableRng};

/// Checks run and failed; each failure is printed through semihosting.
pub struct Tally {
    pub checks: u32,
    pub failures: u32,
}

impl Tally {
    pub const fn new() -> Self {
        Tally {
            checks: 0,
            failures: 0,
        }
    }

    pub fn check(&mut self, ok: bool, what: &str, case: &str) {
        self.checks += 1;
        if !ok {
            self.failures += 1;
            hprintln!("FAIL {} ({})", what, case);
        }
    }

    /// Leaves QEMU: exit status 0 if no check failed, 1 otherwise.
    pub fn exit(&self) -> ! {
        debug::exit(if self.failures == 0 {
            debug::EXIT_SUCCESS
        } else {
            debug::EXIT_FAILURE
        });
        #[allow(clippy::empty_loop)]
        loop {}
    }
}

impl Default for Tally {
    fn default() -> Self {
        Self::new()
    }
}

const PAINT: u32 = 0xDEAD_BEEF;

extern "C" {
    /// End of .bss / start of the heap, from cortex-m-rt's link.x: the
    /// stack grows down toward it.
    static mut __sheap: u32;
}

/// Bytes of stack `f` uses: paints the free stack below the current frame,
/// runs `f`, and finds the lowest word it overwrote.
pub fn stack_depth(f: impl FnOnce()) -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    let bottom = core::ptr::addr_of!(__sheap) as usize;
    let top = (sp - 64) & !3;
    let mut a = bottom;
    while a < top {
        unsafe { (a as *mut u32).write_volatile(PAINT) };
        a += 4;
    }
    f();
    let mut a = bottom;
    while a < top && unsafe { (a as *const u32).read_volatile() } == PAINT {
        a += 4;
    }
    sp - a
}

/// The parameters of the K = 8, D = 4 stack probes (inlined, so a probe's
/// frame holds them as when it built them itself).
#[inline(always)]
pub fn mixture_k8<F: Float>() -> Result<DiagMixture<F, 8, 4>, mixgrad::Error> {
    DiagMixture::new(
        core::array::from_fn(|k| F::from_f64(k as f64 * 0.1)),
        core::array::from_fn(|k| core::array::from_fn(|d| F::from_f64((k + d) as f64 * 0.3))),
        [[F::ONE; 4]; 8],
    )
}

/// One quantile sample and its vjp with the owned `DiagMixture<F, 8, 4>`:
/// the call the 2 KiB `f32` stack budget is about.
#[inline(never)]
pub fn sample_and_vjp_k8<F: Float, R: RngCore + SeedableRng>() {
    if let Ok(mix) = mixture_k8::<F>() {
        let mut rng = R::seed_from_u64(1);
        let (x, _) = mix.sample_quantile(&mut rng);
        let g = mix.vjp(&x, &[F::ONE; 4]);
        core::hint::black_box(g.is_ok());
    }
}

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
