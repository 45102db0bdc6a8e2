//! The status codes every C function returns, and their names.

use core::ffi::{c_char, CStr};

use mixgrad::{Error, ErrorKind};

/// The result of every mixgrad C function: `MIXGRAD_OK` (0) or one distinct
/// non-zero error code. When a function returns an error it has written
/// nothing to any output (and has not advanced a random generator).
///
/// Checks run in a fixed order and the first failure is reported: required
/// pointers (NULL, then alignment) in argument order, with the mixture's
/// (or batch's) own arrays right after it (for a `mixgrad_locscale_*`
/// mixture, its `family` code between the two); then the shape (`K`, `D`,
/// capacity, sizes, then the `work_len` of the `_work` and
/// `mixgrad_tril_*` functions); then
/// overlap between outputs (`work` counts as one) and any other buffer;
/// then the parameter values (logits, means, scales; for a packed batch,
/// mixture by mixture); then the per-call inputs (`u`, `x`, cotangents,
/// each over all rows of a batch call, then the generator's state);
/// finally, for gradients, the density check (over all rows). The `_many`
/// and `mixgrad_diag_batch_*` functions (docs/math.md §8) follow the same
/// order; their `n = 0` rules are on `mixgrad_diag_log_prob_many_f64()`
/// and `mixgrad_diag_batch_f64`.
///
/// Finding the culprit: each code below names the one argument or field it
/// is about, so with the check order the caller knows which buffer to look
/// at, and can find the entry by scanning it for the stated condition
/// (nothing else is reported: the library keeps no global "last error").
/// For the `K*D` arrays, index `i` is component `k = i / D`, dimension
/// `d = i % D`. For the `n*D` arrays of the batch functions, index `j` is
/// row `j / D`, dimension `j % D`; for a packed batch's `n*K` logits,
/// mixture `j / K`, and its `n*K*D` means and scales, mixture `j / (K*D)`.
/// A batch call reports one status for all its rows, not the row: scan
/// the rows in order (the first bad row decides). The parameter codes
/// (`MIXGRAD_ERR_NAN_LOGIT` to `MIXGRAD_ERR_NONPOSITIVE_SCALE`) of a
/// packed batch are about the first mixture with any bad value: scan its
/// part of `b->logits`, then of `b->means`, then of `b->scales`. Array
/// *lengths* are not checked (C passes bare pointers): they follow from
/// `K`, `D` (and `n`), and a too-short array is undefined behaviour, not
/// an error code.
///
/// Values are assigned once and never reused or renumbered; new codes get new
/// values. `mixgrad_status_str()` names each one.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum mixgrad_status {
    /// Success; every output was written.
    MIXGRAD_OK = 0,
    /// A required pointer is NULL: the first NULL in this order is reported:
    /// `mix`, then its fields `mix->logits`, `mix->means` (`mix->locs` of a
    /// `mixgrad_locscale_*`), `mix->scales` (`mix->scale_tril` of a
    /// `mixgrad_tril_*`; for a packed batch `b`, then
    /// `b->logits`, `b->means`, `b->scales`),
    /// then the function's other required arguments from left to right.
    /// Each function's documentation lists which arguments are optional
    /// (NULL skips that output). In a batch call with `n = 0`, the arrays
    /// of `n` rows may be NULL (nothing is read or written).
    MIXGRAD_ERR_NULL_POINTER = 1,
    /// A pointer, in the same order as for `MIXGRAD_ERR_NULL_POINTER`, is
    /// not aligned for its element type (`double`, `float`, `uint32_t`,
    /// `uint64_t`, `size_t` or the struct it points to): check
    /// `(uintptr_t)p % _Alignof(T)` for each, NULL-able ones included (also
    /// the arrays of `n` rows when `n = 0`).
    MIXGRAD_ERR_MISALIGNED_POINTER = 2,
    /// The field `mix->num_components` (`K`) is 0.
    MIXGRAD_ERR_NO_COMPONENTS = 3,
    /// The field `mix->num_dims` (`D`) is 0.
    MIXGRAD_ERR_NO_DIMENSIONS = 4,
    /// The field `mix->num_components` (`K`) exceeds
    /// `MIXGRAD_MAX_COMPONENTS`, the capacity of the stack scratch. The
    /// `_work` and `mixgrad_tril_*` functions, which run on the caller's
    /// scratch, accept any `K`.
    MIXGRAD_ERR_TOO_MANY_COMPONENTS = 5,
    /// `mix->num_components * mix->num_dims` (`K*D`, for `mix->means` and
    /// `mix->scales`), for the `_work` functions the workspace,
    /// `mixgrad_diag_work_len(K)`, for the Jacobian the length of `jac`,
    /// `D*(K + 2*K*D)`, for a `mixgrad_tril_*` mixture `K*D*D` (the length
    /// of `mix->scale_tril`), its workspace, `mixgrad_tril_work_len(K, D)`,
    /// and its Jacobian, `D*(K + K*D + K*D*D)`,
    /// or for the batch functions a row array, `n*D` (and
    /// for a packed batch `n*K` and `n*K*D`), times the element size does
    /// not fit the address space of this target. Reported before any array
    /// is read.
    MIXGRAD_ERR_SIZE_OVERFLOW = 6,
    /// An output argument's memory (its full length, from `K`, `D` and,
    /// for a batch call, `n`) overlaps an input's (the mixture's or the
    /// batch's arrays included) or another output's. In-place operation is
    /// not supported: give every output its own memory. The `work`
    /// argument of the `_work` functions counts as an output (its first
    /// `mixgrad_diag_work_len(K)` values; `mixgrad_tril_work_len(K, D)` for
    /// the `mixgrad_tril_*` functions), and `mix->scale_tril` as an input of
    /// all its `K*D*D` values. An empty array (`n = 0`)
    /// overlaps nothing.
    MIXGRAD_ERR_OVERLAPPING_BUFFERS = 7,
    /// An entry of `mix->logits` (`K` values) is NaN: component `k` with
    /// `isnan(mix->logits[k])`.
    MIXGRAD_ERR_NAN_LOGIT = 8,
    /// An entry of `mix->logits` is `+INFINITY` (the weights would not be
    /// defined): component `k` with `mix->logits[k] == INFINITY`.
    MIXGRAD_ERR_INFINITE_LOGIT = 9,
    /// Every entry of `mix->logits` is `-INFINITY`: no component has positive
    /// weight. (Some `-INFINITY` logits are allowed: those components have
    /// weight zero.)
    MIXGRAD_ERR_NO_ACTIVE_COMPONENT = 10,
    /// An entry of `mix->means` (`K*D` values; `mix->locs` of a
    /// `mixgrad_locscale_*`) is NaN or infinite: index `i`
    /// with `!isfinite(mix->means[i])`, component `i / D`, dimension
    /// `i % D`.
    MIXGRAD_ERR_NONFINITE_MEAN = 11,
    /// An entry of `mix->scales` (`K*D` values) is NaN or infinite: index `i`
    /// with `!isfinite(mix->scales[i])`, component `i / D`, dimension
    /// `i % D`. For a `mixgrad_tril_*` mixture: an entry on or below a
    /// diagonal of `mix->scale_tril` (`K*D*D` values), index `i` with
    /// `i % D <= i % (D*D) / D` and `!isfinite(mix->scale_tril[i])`,
    /// component `i / (D*D)`, row `i % (D*D) / D`.
    MIXGRAD_ERR_NONFINITE_SCALE = 12,
    /// An entry of `mix->scales` is zero or negative (`-0.0` included):
    /// index `i` with `!(mix->scales[i] > 0)`, component `i / D`, dimension
    /// `i % D`. For a `mixgrad_tril_*` mixture: a diagonal entry of
    /// `mix->scale_tril`, index `k*D*D + d*D + d` with
    /// `!(mix->scale_tril[k*D*D + d*D + d] > 0)`, component `k`, row `d`
    /// (the entries of `mix->scale_tril` are checked in index order, each
    /// for this code and `MIXGRAD_ERR_NONFINITE_SCALE`).
    MIXGRAD_ERR_NONPOSITIVE_SCALE = 13,
    /// An entry of the `u` argument of `mixgrad_diag_quantile_*`,
    /// `mixgrad_locscale_quantile_*` and `mixgrad_tril_quantile_*` (`D`
    /// values; `n*D` for the batch
    /// forms) is not strictly inside (0, 1):
    /// dimension `d` with `!(u[d] > 0 && u[d] < 1)` (NaN included).
    MIXGRAD_ERR_U_OUT_OF_RANGE = 14,
    /// An entry of the `x` argument (`D` values; `n*D` for the batch
    /// forms) is NaN or infinite: dimension `d` with `!isfinite(x[d])`.
    MIXGRAD_ERR_NONFINITE_X = 15,
    /// An entry of the `x_bar` argument of `mixgrad_diag_vjp_*`,
    /// `mixgrad_locscale_vjp_*` and `mixgrad_tril_vjp_*` (`D` values; `n*D`
    /// for the batch forms,
    /// checked after every row of `x`) is NaN or infinite: dimension `d`
    /// with `!isfinite(x_bar[d])`.
    MIXGRAD_ERR_NONFINITE_COTANGENT = 16,
    /// Gradients only (`mixgrad_diag_vjp_*`, `mixgrad_diag_jacobian_*` and
    /// their `mixgrad_locscale_*` and `mixgrad_tril_*` forms): the `x`
    /// argument lies so deep in
    /// a gap between components that some conditional density
    /// `f_d(x_d | x_<d)` may be below the smallest normal number, so
    /// `dx_d/dtheta`, which divides by it, is not representable. The
    /// dimension is not reported; it is one where `x_d` is many scales
    /// (Gaussian: about 37 in double, 13 in float) away from every
    /// component that still has weight given `x_<d`. A batch `vjp` (`_many`
    /// or packed) refuses the whole call if any row would be refused (a
    /// pre-pass finds it before anything is written);
    /// `mixgrad_diag_first_zero_density_many_*()` and
    /// `mixgrad_diag_batch_first_zero_density_*()` name the first such row.
    MIXGRAD_ERR_ZERO_DENSITY = 17,
    /// The samplers only: the `rng` argument is all zero, the state of a
    /// `mixgrad_rng` that was zero-initialised and never passed to
    /// `mixgrad_rng_seed()`. All-zero is xoshiro's fixed point (every draw
    /// would be the same number), so it is refused; seed it first. The
    /// batch samplers refuse it even for `n = 0`, when they draw nothing.
    MIXGRAD_ERR_UNSEEDED_RNG = 18,
    /// The `_work` and `mixgrad_tril_*` functions only: the `work_len`
    /// argument is below `mixgrad_diag_work_len(mix->num_components)` (for
    /// a `mixgrad_tril_*` function, `mixgrad_tril_work_len(K, D)`), the
    /// values of scratch the mixture needs.
    MIXGRAD_ERR_SHORT_WORKSPACE = 19,
    /// `mixgrad_simd_force()` only: its `path` argument is not a
    /// `mixgrad_simd` value, or names an instruction set this CPU (or this
    /// build's target) does not have; `mixgrad_simd_available()` tells
    /// which it has.
    MIXGRAD_ERR_SIMD_PATH_UNAVAILABLE = 20,
    /// The `mixgrad_locscale_*` functions only: the field `mix->family` is
    /// not one of the `MIXGRAD_FAMILY_*` codes (0 to 3). Checked right after
    /// the NULL and alignment check of `mix`, before its arrays.
    MIXGRAD_ERR_UNKNOWN_FAMILY = 21,
    /// The `mixgrad_gamma_*` functions only: the `alpha` argument (the
    /// shape) is not a normal number in `(0, 1e6]`:
    /// `!(isnormal(alpha) && alpha > 0 && alpha <= 1e6)`. (Above `1e6` the
    /// library has no accurate method yet, and below the smallest normal
    /// number `Gamma(alpha)` overflows: it refuses rather than returns an
    /// inaccurate or NaN result.) Checked after the pointers, before
    /// `rate`.
    MIXGRAD_ERR_INVALID_SHAPE = 22,
    /// The `mixgrad_gamma_*` functions only: the `rate` argument is not
    /// finite and positive: `!(isfinite(rate) && rate > 0)`. Checked after
    /// `alpha`.
    MIXGRAD_ERR_INVALID_RATE = 23,
    /// The `mixgrad_gamma_*` functions only: the finite `x` argument is
    /// outside the support: `x < 0` for `mixgrad_gamma_cdf_*`, `x <= 0`
    /// (or `rate*x` not a positive finite number) for
    /// `mixgrad_gamma_grad_*`. A NaN or infinite `x` is
    /// `MIXGRAD_ERR_NONFINITE_X`.
    MIXGRAD_ERR_X_OUTSIDE_SUPPORT = 24,
    /// An internal invariant failed. Never expected; please report it.
    MIXGRAD_ERR_INTERNAL = 255,
}

use mixgrad_status as S;

// Everything about the statuses but the enum itself comes from one list,
// `status_list!` below, which the compiler holds to the enum:
//
// * why not one macro that also declares the enum, as rustls-ffi's
//   `u32_enum_builder!` does: cbindgen does not expand macros (its parser
//   only understands `bitflags!`), so an enum written inside a macro call
//   would vanish from `mixgrad.h`. The enum stays a literal item, the
//   source of every value and doc comment;
// * the list names each variant once, with the `mixgrad::ErrorKind` it
//   reports, if any, and `status_table!` generates `ALL`,
//   `mixgrad_status::name` (hence `mixgrad_status_str`) and the mapping
//   from `Error`. The C, C++ and Rust tests walk `mixgrad_status_str` or
//   `mixgrad_status::all`;
// * a mismatch does not compile: `name` matches on every listed variant
//   without a wildcard, so a variant missing from the list is a
//   non-exhaustive match, a name not in the enum is an unknown variant, a
//   name listed twice an unreachable pattern (denied), and a const
//   assertion keeps the list in increasing value order.
macro_rules! status_table {
    ($($name:ident $(<= $kind:ident)?,)+) => {
        /// Every status, in increasing value order.
        pub(crate) const ALL: &[mixgrad_status] = &[$(S::$name,)+];

        impl mixgrad_status {
            /// The symbolic name, as spelled in the header.
            pub const fn name(self) -> &'static CStr {
                #[deny(unreachable_patterns)]
                match self {
                    $(S::$name => const { cstr(concat!(stringify!($name), "\0")) },)+
                }
            }
        }

        impl From<Error> for mixgrad_status {
            fn from(e: Error) -> Self {
                match e.kind() {
                    $($(ErrorKind::$kind => S::$name,)?)+
                    // The C layer builds every slice with exactly the length
                    // the core expects, so shape and length errors (and kinds
                    // added later without a C code) cannot happen here.
                    _ => S::MIXGRAD_ERR_INTERNAL,
                }
            }
        }
    };
}

/// The one list of statuses: every variant of [`mixgrad_status`] in value
/// order, `<=` the `ErrorKind` it reports.
macro_rules! status_list {
    ($then:ident) => {
        $then! {
            MIXGRAD_OK,
            MIXGRAD_ERR_NULL_POINTER,
            MIXGRAD_ERR_MISALIGNED_POINTER,
            MIXGRAD_ERR_NO_COMPONENTS <= NoComponents,
            MIXGRAD_ERR_NO_DIMENSIONS <= NoDimensions,
            MIXGRAD_ERR_TOO_MANY_COMPONENTS <= TooManyComponents,
            MIXGRAD_ERR_SIZE_OVERFLOW <= SizeOverflow,
            MIXGRAD_ERR_OVERLAPPING_BUFFERS,
            MIXGRAD_ERR_NAN_LOGIT <= NanLogit,
            MIXGRAD_ERR_INFINITE_LOGIT <= InfiniteLogit,
            MIXGRAD_ERR_NO_ACTIVE_COMPONENT <= NoActiveComponent,
            MIXGRAD_ERR_NONFINITE_MEAN <= NonFiniteMean,
            MIXGRAD_ERR_NONFINITE_SCALE <= NonFiniteScale,
            MIXGRAD_ERR_NONPOSITIVE_SCALE <= NonPositiveScale,
            MIXGRAD_ERR_U_OUT_OF_RANGE <= UniformOutOfRange,
            MIXGRAD_ERR_NONFINITE_X <= NonFiniteX,
            MIXGRAD_ERR_NONFINITE_COTANGENT <= NonFiniteCotangent,
            MIXGRAD_ERR_ZERO_DENSITY <= ZeroDensity,
            MIXGRAD_ERR_UNSEEDED_RNG,
            MIXGRAD_ERR_SHORT_WORKSPACE,
            MIXGRAD_ERR_SIMD_PATH_UNAVAILABLE <= SimdPathUnavailable,
            MIXGRAD_ERR_UNKNOWN_FAMILY,
            MIXGRAD_ERR_INVALID_SHAPE <= InvalidShape,
            MIXGRAD_ERR_INVALID_RATE <= InvalidRate,
            MIXGRAD_ERR_X_OUTSIDE_SUPPORT <= XOutsideSupport,
            MIXGRAD_ERR_INTERNAL,
        }
    };
}

status_list!(status_table);

/// A `&CStr` from a literal ending in NUL (evaluated at compile time).
const fn cstr(bytes_with_nul: &'static str) -> &'static CStr {
    match CStr::from_bytes_with_nul(bytes_with_nul.as_bytes()) {
        Ok(c) => c,
        Err(_) => panic!("a status name is not NUL-terminated"),
    }
}

// The list is in strictly increasing value order (so `ALL` is, and no two
// variants share a value).
const _: () = {
    let mut i = 1;
    while i < ALL.len() {
        assert!((ALL[i - 1] as u32) < (ALL[i] as u32));
        i += 1;
    }
};

impl mixgrad_status {
    /// Every status, in increasing value order.
    pub const fn all() -> &'static [mixgrad_status] {
        ALL
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
