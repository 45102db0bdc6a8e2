//! Generates `mixgrad.h` with cbindgen (configured by `cbindgen.toml`) into
//! `OUT_DIR/include` and exports that directory to dependants' build
//! scripts as `DEP_MIXGRAD_INCLUDE`. The committed `include/mixgrad.h` must
//! be byte-identical to it (`tests/header.rs`; refresh with
//! `MIXGRAD_UPDATE_HEADER=1 cargo test -p mixgrad-capi --test header`).
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let include = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join("include");
    std::fs::create_dir_all(&include).expect("create OUT_DIR/include");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml"))
        .expect("read capi/cbindgen.toml");
    cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate mixgrad.h")
        .write_to_file(include.join("mixgrad.h"));
    println!("cargo:include={}", include.display());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
}
