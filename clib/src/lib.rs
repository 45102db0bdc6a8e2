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
//!
//! # Linking beside other Rust libraries
//!
//! A C program may link other Rust static libraries too, each carrying its
//! own copy of Rust's runtime symbols. The release `libmixgrad.a` (fat LTO)
//! defines, with default visibility, only the `mixgrad_*` functions: `core`
//! and the panic handler are internalised into its one object;
//! `compiler_builtins` (`__divti3`, `__muldc3`, ...) stays as separate
//! archive members of hidden visibility, which the linker takes from the
//! first archive that has them and never twice; and `rust_eh_personality`
//! is a weak definition (see below). `ffi-tests/run.sh` checks the symbol
//! list and links it with a std-based Rust library in both orders.
//!
//! The dev-profile archive (no LTO) is for debugging mixgrad alone: it holds
//! every `core` object and the panic handler's global symbol
//! (`rust_begin_unwind`), which the linker reports as defined twice when
//! it precedes another Rust library built with std. Link the release one.
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

// `rust_eh_personality`, defined WEAK, never strong.
//
// Why it must exist: the precompiled `core` and `compiler_builtins` of
// hosted targets are built for unwinding, and their unwind tables name this
// routine. In the dev profile every `core` object goes into the archive; in
// the release profile (fat LTO) `core` is merged and internalised, but the
// `compiler_builtins` objects stay separate archive members, and some
// (`__divti3`, `__modti3`, `fma`, `fmod`, ...) still name it. A C program
// that uses `__int128` division pulls `__divti3` from whichever archive comes
// first, so without a definition here `cc prog.c libmixgrad.a` could fail
// with "undefined reference to `rust_eh_personality'".
//
// Why weak: every other Rust static library built with std (rustls-ffi,
// libz-rs-sys, the user's own) defines the real routine strongly, and the
// linker refuses two strong definitions ("multiple definition of
// `rust_eh_personality'", whichever archive comes first). A weak definition
// yields to the strong one, so std's routine serves both libraries when
// one is present, and this one (which aborts: with `panic = "abort"`
// nothing in libmixgrad.a unwinds, so it is never called) otherwise.
// `#[linkage = "weak"]` is unstable, hence the assembler directives; `.set`
// makes the symbol an alias of a Rust function, so no instruction is
// written by hand and the same two lines serve every architecture.
//
// MSVC targets name `__CxxFrameHandler3` instead, which the MSVC runtime
// defines; they need nothing here.
#[cfg(all(not(target_os = "none"), not(target_env = "msvc")))]
extern "C" fn never_unwinds() -> ! {
    abort()
}

// ELF (Linux, the BSDs, Android, ...). Hidden as well: the symbol is for
// this link only and never exported from a shared object built from it.
#[cfg(all(not(target_os = "none"), not(target_vendor = "apple"), not(windows)))]
core::arch::global_asm!(
    ".weak rust_eh_personality",
    ".hidden rust_eh_personality",
    ".set rust_eh_personality, {never_unwinds}",
    never_unwinds = sym never_unwinds,
);

// COFF (windows-gnu): a weak external.
#[cfg(all(windows, not(target_env = "msvc")))]
core::arch::global_asm!(
    ".weak rust_eh_personality",
    ".set rust_eh_personality, {never_unwinds}",
    never_unwinds = sym never_unwinds,
);

// Mach-O: C symbols carry a leading underscore, a weak definition is
// spelled `.weak_definition`, and the assembler ignores it on an alias, so
// the symbol is a label with one jump to the Rust function.
#[cfg(all(not(target_os = "none"), target_vendor = "apple"))]
macro_rules! weak_personality_macho {
    ($jump:literal) => {
        core::arch::global_asm!(
            ".text",
            ".globl _rust_eh_personality",
            ".weak_definition _rust_eh_personality",
            ".p2align 2",
            "_rust_eh_personality:",
            $jump,
            never_unwinds = sym never_unwinds,
        );
    };
}
#[cfg(all(
    not(target_os = "none"),
    target_vendor = "apple",
    target_arch = "x86_64"
))]
weak_personality_macho!("jmp {never_unwinds}");
#[cfg(all(
    not(target_os = "none"),
    target_vendor = "apple",
    target_arch = "aarch64"
))]
weak_personality_macho!("b {never_unwinds}");
