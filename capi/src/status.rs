//! The status codes every C function returns, and their names.

use core::ffi::{c_char, CStr};

use mixgrad::{Error, ErrorKind};

/// The result of every mixgrad C function: `MIXGRAD_OK` (0) or one distinct
/// non-zero error code. When a function returns an error it has written
/// nothing to any output (and has not advanced a random generator).
///
/// Checks run in a fixed order and the first failure is reported: required
/// pointers (NULL, then alignment) in argument order, with the mixture's
/// own arrays right after the mixture; then the shape (`K`, `D`, capacity,
/// sizes); then overlap between outputs and any other buffer; then the
/// parameter values (logits, means, scales); then the per-call inputs
/// (`u`, `x`, cotangents, the generator's state); finally, for gradients,
/// the density check.
///
/// Values are assigned once and never reused or renumbered; new codes get new
/// values. `mixgrad_status_str()` names each one.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum mixgrad_status {
    /// Success; every output was written.
    MIXGRAD_OK = 0,
    /// A required pointer (the mixture, one of its arrays, an input or a
    /// required output) is NULL.
    MIXGRAD_ERR_NULL_POINTER = 1,
    /// A pointer is not aligned for its element type (`double`, `float`,
    /// `uint32_t`, `uint64_t` or the struct it points to).
    MIXGRAD_ERR_MISALIGNED_POINTER = 2,
    /// `num_components == 0`.
    MIXGRAD_ERR_NO_COMPONENTS = 3,
    /// `num_dims == 0`.
    MIXGRAD_ERR_NO_DIMENSIONS = 4,
    /// `num_components > MIXGRAD_MAX_COMPONENTS`.
    MIXGRAD_ERR_TOO_MANY_COMPONENTS = 5,
    /// An array length (`K*D`, or `D*(K + 2*K*D)` for the Jacobian) times the
    /// element size does not fit the address space of this target.
    MIXGRAD_ERR_SIZE_OVERFLOW = 6,
    /// An output buffer overlaps an input or another output. In-place
    /// operation is not supported: give every output its own memory.
    MIXGRAD_ERR_OVERLAPPING_BUFFERS = 7,
    /// A logit is NaN.
    MIXGRAD_ERR_NAN_LOGIT = 8,
    /// A logit is `+inf` (the weights would not be defined).
    MIXGRAD_ERR_INFINITE_LOGIT = 9,
    /// Every logit is `-inf`: no component has positive weight. (A single
    /// `-inf` logit is allowed: that component has weight zero.)
    MIXGRAD_ERR_NO_ACTIVE_COMPONENT = 10,
    /// A mean is NaN or infinite.
    MIXGRAD_ERR_NONFINITE_MEAN = 11,
    /// A scale is NaN or infinite.
    MIXGRAD_ERR_NONFINITE_SCALE = 12,
    /// A scale is zero or negative.
    MIXGRAD_ERR_NONPOSITIVE_SCALE = 13,
    /// A `u` is not strictly inside (0, 1) (NaN included).
    MIXGRAD_ERR_U_OUT_OF_RANGE = 14,
    /// An `x` is NaN or infinite.
    MIXGRAD_ERR_NONFINITE_X = 15,
    /// A cotangent (`x_bar`) is NaN or infinite.
    MIXGRAD_ERR_NONFINITE_COTANGENT = 16,
    /// Gradients only: some conditional density `f_d(x_d | x_<d)` may be
    /// below the smallest normal number (`x` lies deep in a gap between
    /// components), so `dx_d/dtheta`, which divides by it, is not
    /// representable.
    MIXGRAD_ERR_ZERO_DENSITY = 17,
    /// The samplers only: the `rng` argument is all zero, the state of a
    /// `mixgrad_rng` that was zero-initialised and never passed to
    /// `mixgrad_rng_seed()`. All-zero is xoshiro's fixed point (every draw
    /// would be the same number), so it is refused; seed it first.
    MIXGRAD_ERR_UNSEEDED_RNG = 18,
    /// An internal invariant failed. Never expected; please report it.
    MIXGRAD_ERR_INTERNAL = 255,
}

use mixgrad_status as S;

impl From<Error> for mixgrad_status {
    fn from(e: Error) -> Self {
        match e.kind() {
            ErrorKind::NoComponents => S::MIXGRAD_ERR_NO_COMPONENTS,
            ErrorKind::NoDimensions => S::MIXGRAD_ERR_NO_DIMENSIONS,
            ErrorKind::TooManyComponents => S::MIXGRAD_ERR_TOO_MANY_COMPONENTS,
            ErrorKind::NanLogit => S::MIXGRAD_ERR_NAN_LOGIT,
            ErrorKind::InfiniteLogit => S::MIXGRAD_ERR_INFINITE_LOGIT,
            ErrorKind::NoActiveComponent => S::MIXGRAD_ERR_NO_ACTIVE_COMPONENT,
            ErrorKind::NonFiniteMean => S::MIXGRAD_ERR_NONFINITE_MEAN,
            ErrorKind::NonFiniteScale => S::MIXGRAD_ERR_NONFINITE_SCALE,
            ErrorKind::NonPositiveScale => S::MIXGRAD_ERR_NONPOSITIVE_SCALE,
            ErrorKind::UniformOutOfRange => S::MIXGRAD_ERR_U_OUT_OF_RANGE,
            ErrorKind::NonFiniteX => S::MIXGRAD_ERR_NONFINITE_X,
            ErrorKind::NonFiniteCotangent => S::MIXGRAD_ERR_NONFINITE_COTANGENT,
            ErrorKind::ZeroDensity => S::MIXGRAD_ERR_ZERO_DENSITY,
            // The C layer builds every slice with exactly the length the
            // core expects, so shape and length errors cannot happen here.
            _ => S::MIXGRAD_ERR_INTERNAL,
        }
    }
}

/// Every status, in value order (the C tests and `mixgrad_status_str` walk it).
pub(crate) const ALL: [mixgrad_status; 20] = [
    S::MIXGRAD_OK,
    S::MIXGRAD_ERR_NULL_POINTER,
    S::MIXGRAD_ERR_MISALIGNED_POINTER,
    S::MIXGRAD_ERR_NO_COMPONENTS,
    S::MIXGRAD_ERR_NO_DIMENSIONS,
    S::MIXGRAD_ERR_TOO_MANY_COMPONENTS,
    S::MIXGRAD_ERR_SIZE_OVERFLOW,
    S::MIXGRAD_ERR_OVERLAPPING_BUFFERS,
    S::MIXGRAD_ERR_NAN_LOGIT,
    S::MIXGRAD_ERR_INFINITE_LOGIT,
    S::MIXGRAD_ERR_NO_ACTIVE_COMPONENT,
    S::MIXGRAD_ERR_NONFINITE_MEAN,
    S::MIXGRAD_ERR_NONFINITE_SCALE,
    S::MIXGRAD_ERR_NONPOSITIVE_SCALE,
    S::MIXGRAD_ERR_U_OUT_OF_RANGE,
    S::MIXGRAD_ERR_NONFINITE_X,
    S::MIXGRAD_ERR_NONFINITE_COTANGENT,
    S::MIXGRAD_ERR_ZERO_DENSITY,
    S::MIXGRAD_ERR_UNSEEDED_RNG,
    S::MIXGRAD_ERR_INTERNAL,
];

impl mixgrad_status {
    /// The symbolic name, as spelled in the header.
    pub const fn name(self) -> &'static CStr {
        match self {
            S::MIXGRAD_OK => c"MIXGRAD_OK",
            S::MIXGRAD_ERR_NULL_POINTER => c"MIXGRAD_ERR_NULL_POINTER",
            S::MIXGRAD_ERR_MISALIGNED_POINTER => c"MIXGRAD_ERR_MISALIGNED_POINTER",
            S::MIXGRAD_ERR_NO_COMPONENTS => c"MIXGRAD_ERR_NO_COMPONENTS",
            S::MIXGRAD_ERR_NO_DIMENSIONS => c"MIXGRAD_ERR_NO_DIMENSIONS",
            S::MIXGRAD_ERR_TOO_MANY_COMPONENTS => c"MIXGRAD_ERR_TOO_MANY_COMPONENTS",
            S::MIXGRAD_ERR_SIZE_OVERFLOW => c"MIXGRAD_ERR_SIZE_OVERFLOW",
            S::MIXGRAD_ERR_OVERLAPPING_BUFFERS => c"MIXGRAD_ERR_OVERLAPPING_BUFFERS",
            S::MIXGRAD_ERR_NAN_LOGIT => c"MIXGRAD_ERR_NAN_LOGIT",
            S::MIXGRAD_ERR_INFINITE_LOGIT => c"MIXGRAD_ERR_INFINITE_LOGIT",
            S::MIXGRAD_ERR_NO_ACTIVE_COMPONENT => c"MIXGRAD_ERR_NO_ACTIVE_COMPONENT",
            S::MIXGRAD_ERR_NONFINITE_MEAN => c"MIXGRAD_ERR_NONFINITE_MEAN",
            S::MIXGRAD_ERR_NONFINITE_SCALE => c"MIXGRAD_ERR_NONFINITE_SCALE",
            S::MIXGRAD_ERR_NONPOSITIVE_SCALE => c"MIXGRAD_ERR_NONPOSITIVE_SCALE",
            S::MIXGRAD_ERR_U_OUT_OF_RANGE => c"MIXGRAD_ERR_U_OUT_OF_RANGE",
            S::MIXGRAD_ERR_NONFINITE_X => c"MIXGRAD_ERR_NONFINITE_X",
            S::MIXGRAD_ERR_NONFINITE_COTANGENT => c"MIXGRAD_ERR_NONFINITE_COTANGENT",
            S::MIXGRAD_ERR_ZERO_DENSITY => c"MIXGRAD_ERR_ZERO_DENSITY",
            S::MIXGRAD_ERR_UNSEEDED_RNG => c"MIXGRAD_ERR_UNSEEDED_RNG",
            S::MIXGRAD_ERR_INTERNAL => c"MIXGRAD_ERR_INTERNAL",
        }
    }

    /// The status with this numeric value, if there is one.
    pub fn from_u32(value: u32) -> Option<Self> {
        ALL.iter().copied().find(|&s| s as u32 == value)
    }
}

/// The name of a status code as a static NUL-terminated string, e.g.
/// `"MIXGRAD_ERR_NONPOSITIVE_SCALE"`; `"MIXGRAD_UNKNOWN_STATUS"` for a value
/// that is not a status. Never returns NULL; the caller must not free it.
///
/// Takes the raw value (any `uint32_t`), so an out-of-range code read from
/// a file or another library is handled, not undefined behaviour.
#[no_mangle]
pub extern "C" fn mixgrad_status_str(status: u32) -> *const c_char {
    match mixgrad_status::from_u32(status) {
        Some(s) => s.name().as_ptr(),
        None => c"MIXGRAD_UNKNOWN_STATUS".as_ptr(),
    }
}

/// Collapses an internal `Result` into the status the C caller sees.
pub(crate) fn into_status(r: Result<(), mixgrad_status>) -> mixgrad_status {
    match r {
        Ok(()) => S::MIXGRAD_OK,
        Err(s) => s,
    }
}
