//! A typical std staticlib: it formats, allocates and catches panics, so
//! std's allocator, formatting and unwinding machinery (and its
//! `rust_eh_personality`) end up in the link.

use std::ffi::{c_char, CStr};
use std::panic::catch_unwind;

/// Parses a decimal integer from a NUL-terminated string and returns it
/// doubled, or -1 if `s` is NULL, not UTF-8 or not an integer.
///
/// # Safety
/// `s`, if not NULL, must point to a NUL-terminated string.
#[no_mangle]
pub unsafe extern "C" fn other_rust_double(s: *const c_char) -> i64 {
    if s.is_null() {
        return -1;
    }
    // SAFETY: NUL-terminated by the caller's contract.
    let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
    catch_unwind(|| {
        let n: i64 = text.trim().parse().ok()?;
        format!("{}", n.checked_mul(2)?).parse::<i64>().ok()
    })
    .ok()
    .flatten()
    .unwrap_or(-1)
}
