//! The benchmark mixtures, from fixed formulas so that `compare_peers.py`
//! builds the same ones in NumPy (no randomness to reproduce across
//! languages).

use mixgrad::Float;

/// One mixture of `K` components in `D` dimensions: logits `sin(k)`, means
/// `2 sin(1.3 k + 0.7 d)`, scales `1 + 0.5 cos(0.9 k + 1.1 d)`
/// (overlapping components). `problem()` in compare_peers.py.
pub fn problem<F: Float>(k: usize, d: usize) -> (Vec<F>, Vec<F>, Vec<F>) {
    batch_problem(k, d, 1)
}

/// `n` mixtures, packed as [`mixgrad::DiagBatchRef`] takes them: mixture
/// `i` has logits `sin(k + 0.3 i)`, means `2 sin(1.3 k + 0.7 d + 0.1 i)`,
/// scales `1 + 0.5 cos(0.9 k + 1.1 d + 0.2 i)`, so mixture 0 is
/// [`problem`]. `batch_problem()` in compare_peers.py.
pub fn batch_problem<F: Float>(k: usize, d: usize, n: usize) -> (Vec<F>, Vec<F>, Vec<F>) {
    let mut logits = Vec::with_capacity(n * k);
    let mut means = Vec::with_capacity(n * k * d);
    let mut scales = Vec::with_capacity(n * k * d);
    for m in 0..n {
        let m = m as f64;
        for i in 0..k {
            let i = i as f64;
            logits.push(F::from_f64((i + 0.3 * m).sin()));
            for j in 0..d {
                let j = j as f64;
                means.push(F::from_f64(2.0 * (1.3 * i + 0.7 * j + 0.1 * m).sin()));
                scales.push(F::from_f64(1.0 + 0.5 * (0.9 * i + 1.1 * j + 0.2 * m).cos()));
            }
        }
    }
    (logits, means, scales)
}

/// The cotangent of row `i` (`D` values): `1 + 0.1 d`, the `x̄` of
/// compare_peers.py, the same for every row.
pub fn x_bar<F: Float>(d: usize, n: usize) -> Vec<F> {
    (0..n)
        .flat_map(|_| (0..d).map(|j| F::from_f64(1.0 + 0.1 * j as f64)))
        .collect()
}

/// A full-covariance mixture of `k` overlapping components in `d`
/// dimensions (f64): logits in ±½, means in ±1, factors with diagonals in
/// [0.5, 1.5] and entries below them in ±0.3/√d (row-major `k·d·d`, zero
/// above the diagonals).
pub fn tril_problem(k: usize, d: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let mut s = 0x5eed_u64 + d as u64;
    let mut next = move || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (s >> 11) as f64 / 9007199254740992.0
    };
    let logits = (0..k).map(|_| next() - 0.5).collect();
    let means = (0..k * d).map(|_| 2.0 * next() - 1.0).collect();
    let off = 0.3 / (d as f64).sqrt();
    let mut tril = vec![0.0; k * d * d];
    for c in 0..k {
        for i in 0..d {
            for j in 0..=i {
                tril[(c * d + i) * d + j] = if i == j {
                    0.5 + next()
                } else {
                    off * (2.0 * next() - 1.0)
                };
            }
        }
    }
    (logits, means, tril)
}
