//! Footprint baseline: a firmware that does nothing. `tools/footprint.sh`
//! subtracts its `.text` from `size_f32`'s and `size_f64`'s.
#![no_std]
#![no_main]
// Halting loops after semihosting exit or in handlers: nothing to wait for.
#![allow(clippy::empty_loop)]

use cortex_m_rt::entry;

#[entry]
fn main() -> ! {
    loop {
        core::hint::black_box(0u32);
    }
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
