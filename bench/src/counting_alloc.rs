//! A global allocator that counts allocations, so benchmarks can prove the
//! timed code allocates nothing. Each program that uses it installs it with
//! `#[global_allocator]`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// Allocations so far (all threads).
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// Runs `f` and panics if it allocated.
pub fn assert_no_allocation<T>(what: &str, f: impl FnOnce() -> T) -> T {
    let before = allocations();
    let out = f();
    assert_eq!(before, allocations(), "{what} allocated");
    out
}
