//! What the bare-metal binaries of this crate share: the footprint
//! firmware's body, and the tally, stack meter, K = 8 stack probe and
//! fault handlers of the on-target test firmwares (`firmware_tests`,
//! `batch_tests`, `family_tests`).
//!
//! The test firmwares run on Arm (Cortex-M4F, Cortex-M0) and on RISC-V
//! (`riscv32imac`, QEMU's `virt` machine); what differs between the two is
//! here: the start-up crate behind [`entry`], semihosting behind
//! [`hprintln!`] and [`exit`], and the stack pointer [`stack_depth`] reads.
#![no_std]

use mixgrad::{DiagMixture, Float, RngCore, SeedableRng};

#[cfg(target_arch = "arm")]
pub use cortex_m_rt::entry;
#[cfg(target_arch = "arm")]
pub use cortex_m_semihosting::hprintln;
#[cfg(target_arch = "riscv32")]
pub use riscv_rt::entry;
#[cfg(target_arch = "riscv32")]
pub use semihosting::println as hprintln;

/// Leaves QEMU through semihosting: exit status 0 if `ok`, non-zero
/// otherwise.
pub fn exit(ok: bool) -> ! {
    #[cfg(target_arch = "arm")]
    {
        use cortex_m_semihosting::debug;
        debug::exit(if ok {
            debug::EXIT_SUCCESS
        } else {
            debug::EXIT_FAILURE
        });
        #[allow(clippy::empty_loop)]
        loop {}
    }
    #[cfg(target_arch = "riscv32")]
    semihosting::process::exit(if ok { 0 } else { 1 })
}

/// `(mcause, mepc)`: what trapped, and where.
#[cfg(target_arch = "riscv32")]
pub fn trap_cause() -> (usize, usize) {
    let (cause, pc): (usize, usize);
    // SAFETY: reads two machine-mode CSRs, touches no memory.
    unsafe {
        core::arch::asm!("csrr {}, mcause", out(reg) cause, options(nomem, nostack));
        core::arch::asm!("csrr {}, mepc", out(reg) pc, options(nomem, nostack));
    }
    (cause, pc)
}

/// The panic handler and the fault handler of a test firmware: each prints
/// what happened through semihosting and leaves QEMU with a failure.
#[macro_export]
macro_rules! test_firmware_handlers {
    () => {
        #[panic_handler]
        fn panic(info: &core::panic::PanicInfo) -> ! {
            $crate::hprintln!("panic: {}", info);
            $crate::exit(false)
        }

        #[cfg(target_arch = "arm")]
        #[cortex_m_rt::exception]
        unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
            $crate::hprintln!("hard fault at pc {:#x}", frame.pc());
            $crate::exit(false)
        }

        // Every exception (an illegal instruction, a misaligned or
        // unmapped access) lands here; interrupts are never enabled.
        #[cfg(target_arch = "riscv32")]
        #[export_name = "ExceptionHandler"]
        fn exception_handler(_: &riscv_rt::TrapFrame) -> ! {
            let (cause, pc) = $crate::trap_cause();
            $crate::hprintln!("exception {} at pc {:#x}", cause, pc);
            $crate::exit(false)
        }
    };
}

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
        exit(self.failures == 0)
    }
}

impl Default for Tally {
    fn default() -> Self {
        Self::new()
    }
}

const PAINT: u32 = 0xDEAD_BEEF;

extern "C" {
    /// End of .bss / start of the (empty) heap, from the start-up crate's
    /// link.x (cortex-m-rt and riscv-rt both define it): the stack grows
    /// down toward it.
    static mut __sheap: u32;
}

/// The stack pointer.
#[inline(always)]
fn stack_pointer() -> usize {
    #[cfg(target_arch = "arm")]
    let sp = cortex_m::register::msp::read() as usize;
    #[cfg(target_arch = "riscv32")]
    let sp = {
        let sp: usize;
        // SAFETY: reads a register, touches no memory.
        unsafe { core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack)) };
        sp
    };
    sp
}

/// Bytes of stack `f` uses: paints the free stack below the current frame,
/// runs `f`, and finds the lowest word it overwrote.
pub fn stack_depth(f: impl FnOnce()) -> usize {
    let sp = stack_pointer();
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
