//! Writes each firmware's `memory.x` (from `memory-map.x`) onto its linker
//! path, and writes `reference.rs`: a subset
//! of `tests/data/reference.txt` (the 60-digit mpmath vectors) as Rust
//! constants, plus samples for fixed seeds computed here on the build host
//! (the target must reproduce them bit for bit); and `gamma_reference.rs`,
//! a few rows of `tests/data/gamma_reference.txt` for `gamma_tests`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::{env, fs};

use mixgrad::{DiagMixtureRef, SeedableRng, Xoshiro128PlusPlus, Xoshiro256PlusPlus};

/// Points per reference mixture on target (flash, and QEMU time).
const POINTS_PER_CASE: usize = 2;

#[derive(Default)]
struct Point {
    fields: Vec<(String, Vec<f64>)>,
    backward_only: bool,
}

#[derive(Default)]
struct Case {
    name: String,
    k: usize,
    d: usize,
    params: Vec<(String, Vec<f64>)>,
    points: Vec<Point>,
}

fn nums(rest: &str) -> Vec<f64> {
    rest.split_whitespace()
        .map(|t| t.parse::<f64>().expect("a number in reference.txt"))
        .collect()
}

fn read_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut cur: Option<Case> = None;
    for line in text.lines() {
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        let Some(case) = cur.as_mut() else {
            if key == "case" {
                cur = Some(Case {
                    name: rest.to_string(),
                    ..Case::default()
                });
            }
            continue;
        };
        match key {
            "end" => cases.extend(cur.take()),
            "dims" => {
                let v = nums(rest);
                (case.k, case.d) = (v[0] as usize, v[1] as usize);
            }
            "logits" | "means" | "scales" => case.params.push((key.into(), nums(rest))),
            "u" => case.points.push(Point {
                fields: vec![("u".into(), nums(rest))],
                backward_only: false,
            }),
            "check" => case.points.last_mut().expect("a point").backward_only = true,
            _ => {
                if let Some(p) = case.points.last_mut() {
                    p.fields.push((key.into(), nums(rest)));
                }
            }
        }
    }
    cases
}

fn lit(v: f64) -> String {
    if v == f64::NEG_INFINITY {
        "f64::NEG_INFINITY".into()
    } else if v == f64::INFINITY {
        "f64::INFINITY".into()
    } else {
        format!("{v:?}")
    }
}

fn slice(v: &[f64]) -> String {
    let items: Vec<String> = v.iter().map(|&x| lit(x)).collect();
    format!("&[{}]", items.join(", "))
}

fn field<'a>(fields: &'a [(String, Vec<f64>)], name: &str) -> &'a [f64] {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_slice())
        .unwrap_or(&[])
}

/// The mixture the sampling checks use (K = 3, D = 2) and its samples for
/// a fixed seed, in both precisions, from this build host.
fn samples(out: &mut String) {
    let logits = [0.2f64, -0.7, 0.0];
    let means = [-1.0f64, 0.5, 2.0, -0.25, 0.0, 1.5];
    let scales = [0.6f64, 1.2, 0.4, 0.9, 1.5, 0.3];
    let v = DiagMixtureRef::new(&logits, &means, &scales, 2).expect("valid");
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2016);
    let mut q64 = Vec::new();
    let mut a64 = Vec::new();
    for _ in 0..4 {
        let mut x = [0.0; 2];
        v.sample_quantile(&mut rng, &mut x, None).expect("sample");
        q64.extend(x.iter().map(|v| v.to_bits()));
        let k = v.sample_ancestral(&mut rng, &mut x).expect("sample");
        a64.extend(x.iter().map(|v| v.to_bits()));
        a64.push(k as u64);
    }
    let (l32, m32, s32) = (
        logits.map(|v| v as f32),
        means.map(|v| v as f32),
        scales.map(|v| v as f32),
    );
    let v = DiagMixtureRef::new(&l32, &m32, &s32, 2).expect("valid");
    let mut rng = Xoshiro128PlusPlus::seed_from_u64(2016);
    let mut q32 = Vec::new();
    let mut a32 = Vec::new();
    for _ in 0..4 {
        let mut x = [0.0f32; 2];
        v.sample_quantile(&mut rng, &mut x, None).expect("sample");
        q32.extend(x.iter().map(|v| v.to_bits()));
        let k = v.sample_ancestral(&mut rng, &mut x).expect("sample");
        a32.extend(x.iter().map(|v| v.to_bits()));
        a32.push(k as u32);
    }
    writeln!(out, "pub const SAMPLE_LOGITS: [f64; 3] = {logits:?};").unwrap();
    writeln!(out, "pub const SAMPLE_MEANS: [f64; 6] = {means:?};").unwrap();
    writeln!(out, "pub const SAMPLE_SCALES: [f64; 6] = {scales:?};").unwrap();
    writeln!(out, "pub const SAMPLE_SEED: u64 = 2016;").unwrap();
    writeln!(out, "pub const QUANTILE_F64: [u64; 8] = {q64:?};").unwrap();
    writeln!(out, "pub const ANCESTRAL_F64: [u64; 12] = {a64:?};").unwrap();
    writeln!(out, "pub const QUANTILE_F32: [u32; 8] = {q32:?};").unwrap();
    writeln!(out, "pub const ANCESTRAL_F32: [u32; 12] = {a32:?};").unwrap();
}

fn main() {
    let out_dir = PathBuf::from(env::var_os("OUT_DIR").expect("OUT_DIR"));
    let manifest = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("manifest dir"));
    // Every firmware links against the micro:bit's memory map (16 KiB of
    // RAM everywhere keeps the stack figures honest), with two exceptions
    // in flash only. The panic-freedom proof links every entry point of
    // both precisions and of the C ABI at once, more than any one firmware
    // needs, and gets a flash region of the Cortex-M4F board's size (the
    // proof is about which paths the optimiser left, not about what fits).
    // The test firmwares built for the Cortex-M4F run only on that board
    // (mps2-an386, 4 MiB of code memory) and get its size too: at the
    // release profile's opt-level 3 with the FPU, the batch checks of both
    // precisions outgrow the micro:bit's 256 KiB, which their Cortex-M0
    // build still fits.
    // On RISC-V (QEMU's virt machine) the map is memory-map-riscv.x,
    // whose sizes no firmware changes.
    let m4f = env::var("TARGET").is_ok_and(|t| t.starts_with("thumbv7em"));
    let tests_flash = if m4f { "4096K" } else { "256K" };
    let map_file = match env::var("CARGO_CFG_TARGET_ARCH").as_deref() {
        Ok("riscv32") => "memory-map-riscv.x",
        _ => "memory-map.x",
    };
    let memory = fs::read_to_string(manifest.join(map_file)).expect(map_file);
    for (bin, flash) in [
        ("firmware_tests", tests_flash),
        ("batch_tests", tests_flash),
        ("family_tests", tests_flash),
        ("tril_tests", tests_flash),
        ("gamma_tests", tests_flash),
        ("size_base", "256K"),
        ("size_f32", "256K"),
        ("size_f64", "256K"),
        ("size_tril_f32", "256K"),
        ("no_panic", "4096K"),
    ] {
        let dir = out_dir.join(bin);
        fs::create_dir_all(&dir).expect("OUT_DIR/<bin>");
        let map = memory.replace("LENGTH = 256K", &format!("LENGTH = {flash}"));
        fs::write(dir.join("memory.x"), map).expect("memory.x");
        println!("cargo:rustc-link-arg-bin={bin}=-L{}", dir.display());
    }
    println!("cargo:rerun-if-changed=memory-map.x");
    println!("cargo:rerun-if-changed=memory-map-riscv.x");

    let reference = manifest.join("../tests/data/reference.txt");
    println!("cargo:rerun-if-changed={}", reference.display());
    let text = fs::read_to_string(&reference).expect("tests/data/reference.txt");
    let mut out = String::from("// Generated by build.rs from tests/data/reference.txt.\n");
    out.push_str("pub const CASES: &[Case] = &[\n");
    // K ≤ 8, K·D ≤ 64: the buffers of firmware_tests.rs fit 16 KiB of RAM.
    for case in read_cases(&text)
        .into_iter()
        .filter(|c| c.k <= 8 && c.k * c.d <= 64)
    {
        let p = |n: &str| slice(field(&case.params, n));
        writeln!(
            out,
            "Case {{ name: {:?}, k: {}, d: {}, logits: {}, means: {}, scales: {}, points: &[",
            case.name,
            case.k,
            case.d,
            p("logits"),
            p("means"),
            p("scales")
        )
        .unwrap();
        for point in case.points.iter().take(POINTS_PER_CASE) {
            let f = |n: &str| slice(field(&point.fields, n));
            writeln!(
                out,
                "  Point {{ u: {}, xq: {}, fq: {}, x: {}, cdf: {}, logq: {}, xbar: {}, vjp: {}, backward_only: {} }},",
                f("u"),
                f("xq"),
                f("fq"),
                f("x"),
                f("cdf"),
                lit(field(&point.fields, "logq")[0]),
                f("xbar"),
                f("vjp"),
                point.backward_only
            )
            .unwrap();
        }
        out.push_str("]},\n");
    }
    out.push_str("];\n");
    samples(&mut out);
    fs::write(out_dir.join("reference.rs"), out).expect("reference.rs");
    gamma_reference(&manifest, &out_dir);
}

/// The Gamma rows `gamma_tests` checks, as `(α, u)`: small and large
/// shapes, both tails, the median. Each must be in the file (the build
/// fails otherwise), matched exactly: the file prints its doubles with
/// enough digits to read back the same ones.
const GAMMA_ROWS: [(f64, f64); 17] = [
    (1e-3, 0.999),
    (1e-3, 1.0 - 1.0 / 9_007_199_254_740_992.0), // 1 − 2⁻⁵³
    (0.1, 1e-20),
    (0.1, 0.1),
    (0.1, 0.99999),
    (0.5, 1e-100),
    (0.5, 1e-5),
    (0.5, 0.5),
    (2.5, 1e-20),
    (2.5, 0.9),
    (2.5, 1.0 - 1.0 / 1_073_741_824.0), // 1 − 2⁻³⁰
    (10.0, 1e-300),
    (10.0, 0.1),
    (1e3, 1e-5),
    (1e3, 0.999),
    (1e6, 0.5),
    (1e6, 1.0 - 1.0 / 9_007_199_254_740_992.0),
];

/// Writes `gamma_reference.rs`: the rows of [`GAMMA_ROWS`] as `GammaRow`s
/// (shape, uniform, `y* = P⁻¹(α, u)`, `P`, `Q`, the density and `dy/dα`
/// at `y*`, for a rate of 1).
fn gamma_reference(manifest: &Path, out_dir: &Path) {
    let path = manifest.join("../tests/data/gamma_reference.txt");
    println!("cargo:rerun-if-changed={}", path.display());
    let text = fs::read_to_string(&path).expect("tests/data/gamma_reference.txt");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(nums)
        .collect();
    let mut out = String::from("// Generated by build.rs from tests/data/gamma_reference.txt.\n");
    out.push_str("pub const GAMMA_ROWS: &[GammaRow] = &[\n");
    for (alpha, u) in GAMMA_ROWS {
        // Columns: alpha u y P Q f dP_dalpha dy_dalpha.
        let r = rows
            .iter()
            .find(|r| r[0] == alpha && r[1] == u)
            .unwrap_or_else(|| panic!("no Gamma reference row at alpha {alpha}, u {u}"));
        writeln!(
            out,
            "  GammaRow {{ alpha: {}, u: {}, y: {}, p: {}, q: {}, f: {}, dy_dalpha: {} }},",
            lit(r[0]),
            lit(r[1]),
            lit(r[2]),
            lit(r[3]),
            lit(r[4]),
            lit(r[5]),
            lit(r[7])
        )
        .unwrap();
    }
    out.push_str("];\n");
    fs::write(out_dir.join("gamma_reference.rs"), out).expect("gamma_reference.rs");
}
