//! The committed `capi/include/mixgrad.h` must be byte-identical to the
//! header cbindgen generates from the sources (what C users read is what
//! the library is); CI checks it with the `generate-header` feature.
//! Refresh it with:
//!
//! ```text
//! MIXGRAD_UPDATE_HEADER=1 cargo test -p mixgrad-capi --features generate-header --test header
//! ```

const COMMITTED: &str = include_str!("../include/mixgrad.h");

#[cfg(feature = "generate-header")]
#[test]
fn committed_header_is_the_generated_one() {
    const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/include/mixgrad.h"));
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("include/mixgrad.h");
    if std::env::var_os("MIXGRAD_UPDATE_HEADER").is_some() {
        std::fs::write(&path, GENERATED).expect("write include/mixgrad.h");
        return;
    }
    assert!(
        COMMITTED == GENERATED,
        "include/mixgrad.h differs from the generated header; refresh it with \
         `MIXGRAD_UPDATE_HEADER=1 cargo test -p mixgrad-capi --features generate-header --test header`"
    );
}

#[test]
fn header_has_the_conformance_surface() {
    // docs/math.md §5 names, exactly; a rename in Rust must not slip through.
    for name in [
        "typedef struct mixgrad_diag_f64 {",
        "uint32_t num_components;",
        "uint32_t num_dims;",
        "const double *logits;",
        "const double *means;",
        "const double *scales;",
        "MIXGRAD_OK = 0,",
        "mixgrad_status mixgrad_diag_log_prob_f64(const struct mixgrad_diag_f64 *mix,",
        "mixgrad_status mixgrad_diag_cdf_f64(const struct mixgrad_diag_f64 *mix,",
        "mixgrad_status mixgrad_diag_quantile_f64(const struct mixgrad_diag_f64 *mix,",
        "mixgrad_status mixgrad_diag_vjp_f64(const struct mixgrad_diag_f64 *mix,",
        "mixgrad_status mixgrad_diag_jacobian_f64(const struct mixgrad_diag_f64 *mix,",
        "mixgrad_status mixgrad_diag_jacobian_f32(const struct mixgrad_diag_f32 *mix,",
        "#define MIXGRAD_MAX_COMPONENTS 64",
        // The batch surface (docs/math.md §8), names and first arguments.
        "mixgrad_status mixgrad_diag_sample_ancestral_many_f64(const struct mixgrad_diag_f64 *mix,",
        "mixgrad_status mixgrad_diag_sample_quantile_many_f64(const struct mixgrad_diag_f64 *mix,",
        "mixgrad_status mixgrad_diag_log_prob_many_f64(const struct mixgrad_diag_f64 *mix,",
        "mixgrad_status mixgrad_diag_vjp_many_f64(const struct mixgrad_diag_f64 *mix,",
        "typedef struct mixgrad_diag_batch_f64 {",
        "typedef struct mixgrad_diag_batch_f32 {",
        "size_t batch;",
        "mixgrad_status mixgrad_diag_batch_sample_quantile_f64(const struct mixgrad_diag_batch_f64 *b,",
        "mixgrad_status mixgrad_diag_batch_log_prob_f64(const struct mixgrad_diag_batch_f64 *b,",
        "mixgrad_status mixgrad_diag_batch_vjp_f64(const struct mixgrad_diag_batch_f64 *b,",
        "mixgrad_status mixgrad_diag_batch_vjp_f32(const struct mixgrad_diag_batch_f32 *b,",
        // The caller-scratch forms (one per operation, checked in ffi.rs).
        "size_t mixgrad_diag_work_len(uint32_t num_components);",
        "MIXGRAD_ERR_SHORT_WORKSPACE = 19,",
        "double *work,\n",
        "float *work,\n",
        // The location-scale surface (docs/math.md §9).
        "#define MIXGRAD_FAMILY_GAUSSIAN 0",
        "#define MIXGRAD_FAMILY_CAUCHY 3",
        "typedef struct mixgrad_locscale_f64 {",
        "uint32_t family;",
        "const double *locs;",
        "MIXGRAD_ERR_UNKNOWN_FAMILY = 21,",
        "mixgrad_status mixgrad_locscale_cdf_f64(const struct mixgrad_locscale_f64 *mix,",
        "mixgrad_status mixgrad_locscale_quantile_f32(const struct mixgrad_locscale_f32 *mix,",
        "mixgrad_status mixgrad_locscale_vjp_f64(const struct mixgrad_locscale_f64 *mix,",
        "mixgrad_status mixgrad_locscale_jacobian_f64(const struct mixgrad_locscale_f64 *mix,",
        "mixgrad_status mixgrad_locscale_vjp_work_f64(const struct mixgrad_locscale_f64 *mix,",
        // The full-covariance surface (docs/math.md §10).
        "typedef struct mixgrad_tril_f64 {",
        "typedef struct mixgrad_tril_f32 {",
        "const double *scale_tril;",
        "const float *scale_tril;",
        "size_t mixgrad_tril_work_len(uint32_t num_components,\n                             uint32_t num_dims);",
        "mixgrad_status mixgrad_tril_log_prob_f64(const struct mixgrad_tril_f64 *mix,",
        "mixgrad_status mixgrad_tril_cdf_f64(const struct mixgrad_tril_f64 *mix,",
        "mixgrad_status mixgrad_tril_quantile_f64(const struct mixgrad_tril_f64 *mix,",
        "mixgrad_status mixgrad_tril_vjp_f64(const struct mixgrad_tril_f64 *mix,",
        "double *scale_tril_bar,\n",
        "mixgrad_status mixgrad_tril_jacobian_f32(const struct mixgrad_tril_f32 *mix,",
        "mixgrad_status mixgrad_tril_validate_f32(const struct mixgrad_tril_f32 *mix);",
        "extern \"C\" {",
        "#ifndef MIXGRAD_H",
    ] {
        assert!(COMMITTED.contains(name), "header lacks {name:?}");
    }
    assert!(!COMMITTED.contains("#include <stdbool.h>"));
}
