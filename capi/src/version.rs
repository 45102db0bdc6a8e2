//! Version and capacity constants.

use core::ffi::{c_char, CStr};

/// Major version of the library these declarations belong to.
pub const MIXGRAD_VERSION_MAJOR: u32 = 0;
/// Minor version.
pub const MIXGRAD_VERSION_MINOR: u32 = 1;
/// Patch version.
pub const MIXGRAD_VERSION_PATCH: u32 = 0;

/// The largest `num_components` (`K`) the functions with stack scratch
/// accept; larger `K` gives `MIXGRAD_ERR_TOO_MANY_COMPONENTS`. Their scratch
/// for `K` components lives on the stack (about 5 KiB at the maximum, in
/// `double`); nothing is allocated. The `_work` functions run on the
/// caller's scratch instead (`mixgrad_diag_work_len()`) and accept any `K`.
pub const MIXGRAD_MAX_COMPONENTS: u32 = 64;

// cbindgen only writes literal constants; these keep them honest.
const _: () = assert!(MIXGRAD_MAX_COMPONENTS as usize == mixgrad::MAX_COMPONENTS);

const VERSION: &CStr =
    match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
        Ok(v) => v,
        Err(_) => panic!("the package version contains a NUL byte"),
    };

/// The version of the linked library as a static string, e.g. `"0.1.0"`.
/// Compare it with `MIXGRAD_VERSION_*` to detect a header/library mismatch.
#[no_mangle]
pub extern "C" fn mixgrad_version() -> *const c_char {
    VERSION.as_ptr()
}
