//! The C library artifacts of mixgrad: `libmixgrad.a` and `libmixgrad.so`.
//!
//! Every exported function lives in `mixgrad-capi` (declared in
//! `include/mixgrad.h`); this crate only links them into a C library and
//! supplies what a `no_std` final artifact needs, a panic handler. No panic
//! is reachable from the C ABI (inputs are validated, nothing indexes out of
//! bounds); the handler exists because the linker demands one.
//!
//! Hosted targets abort through the C library's `abort()`, which the C
//! program links anyway. Bare-metal targets execute the architecture's
//! permanently-undefined instruction, so a debugger or fault handler sees
//! where it happened instead of a silent hang.
#![no_std]

// Force the C ABI crate into the link so its `#[no_mangle]` symbols are
// exported from the static and the dynamic library.
pub use mixgrad_capi::*;

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    abort()
}

#[cfg(not(target_os = "none"))]
fn abort() -> ! {
    extern "C" {
        fn abort() -> !;
    }
    // SAFETY: C's abort() takes no arguments and never returns.
    unsafe { abort() }
}

#[cfg(target_os = "none")]
fn abort() -> ! {
    // SAFETY: a permanently-undefined instruction only raises a fault.
    #[cfg(target_arch = "arm")]
    unsafe {
        core::arch::asm!("udf #0", options(noreturn, nomem, nostack))
    }
    // SAFETY: as above.
    #[cfg(any(target_arch = "riscv32", target_arch = "riscv64"))]
    unsafe {
        core::arch::asm!("unimp", options(noreturn, nomem, nostack))
    }
    #[cfg(not(any(target_arch = "arm", target_arch = "riscv32", target_arch = "riscv64")))]
    loop {
        core::hint::spin_loop()
    }
}

/// The precompiled `core` of hosted targets is built for unwinding, and its
/// unwind tables name this personality routine, so a non-LTO build (the dev
/// profile) would not link without it. With `panic = "abort"` nothing ever
/// unwinds, so it is never called; it aborts if it were.
#[cfg(not(target_os = "none"))]
#[no_mangle]
pub extern "C" fn rust_eh_personality() {
    abort()
}
