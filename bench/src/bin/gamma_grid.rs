//! The mixgrad side of `bench/gamma_frameworks.py`: `Gamma::dx_dalpha` of
//! Gamma(α, 1) at given points.
//!
//! ```text
//! gamma_grid f64|f32 < points    # one "alpha x" pair per line
//! ```
//!
//! Prints one line per input line: the derivative, or `error: <reason>`
//! where mixgrad refuses the point. In `f32` the inputs are rounded to
//! `f32` (the script passes values that already are) and the result is
//! printed widened to `f64`, so that the decimal text reads back exactly.

use std::io::{self, BufRead, Write};

use mixgrad::{Float, Gamma};

/// `dx/dα` at `(alpha, x)` in precision `F`, widened to `f64`.
fn dx_dalpha<F: Float>(alpha: F, x: F) -> Result<f64, mixgrad::Error> {
    Ok(Gamma::new(alpha, F::ONE)?.dx_dalpha(x)?.to_f64())
}

fn main() {
    let prec = std::env::args().nth(1).unwrap_or_default();
    if prec != "f64" && prec != "f32" {
        eprintln!("usage: gamma_grid f64|f32 < points (one \"alpha x\" per line)");
        std::process::exit(2);
    }
    let stdout = io::stdout();
    let mut out = stdout.lock();
    for line in io::stdin().lock().lines() {
        let line = line.expect("reading stdin");
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|t| t.parse().expect("a number"))
            .collect();
        assert_eq!(v.len(), 2, "want \"alpha x\", got {line:?}");
        let got = if prec == "f64" {
            dx_dalpha(v[0], v[1])
        } else {
            dx_dalpha(v[0] as f32, v[1] as f32)
        };
        match got {
            // `{:e}` is the shortest text that reads back to the same f64.
            Ok(d) => writeln!(out, "{d:e}"),
            Err(e) => writeln!(out, "error: {e}"),
        }
        .expect("writing stdout");
    }
}
