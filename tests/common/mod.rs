//! Shared test helpers: the reference-vector reader and tolerance helpers.
#![allow(dead_code)]

/// Rows of three numbers from a generated table (`tests/data/*.txt`; lines
/// starting with `#` are comments).
pub fn triples(text: &str) -> Vec<(f64, f64, f64)> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| {
            let v: Vec<f64> = l.split_whitespace().map(|t| t.parse().unwrap()).collect();
            (v[0], v[1], v[2])
        })
        .collect()
}

/// One mixture of `tests/data/reference.txt` (or `tests/data/families.txt`)
/// with its evaluation points.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: String,
    /// The location-scale family of the components (`"gaussian"`,
    /// `"logistic"`, `"laplace"` or `"cauchy"`): the case's `family` line,
    /// `"gaussian"` without one.
    pub family: String,
    pub k: usize,
    pub d: usize,
    pub logits: Vec<f64>,
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
    pub points: Vec<Point>,
}

/// Reference values at one `u` (and at `x`, the root rounded to doubles).
#[derive(Debug, Clone, Default)]
pub struct Point {
    pub u: Vec<f64>,
    pub xq: Vec<f64>,
    pub fq: Vec<f64>,
    pub x: Vec<f64>,
    pub cdf: Vec<f64>,
    pub ccdf: Vec<f64>,
    pub pdf: Vec<f64>,
    pub logq: f64,
    pub xbar: Vec<f64>,
    pub vjp: Vec<f64>,
    pub jac: Option<Vec<f64>>,
    /// F is flat at u across a gap to below double resolution: only the
    /// backward error of the quantile is meaningful (see the generator).
    pub backward_only: bool,
    /// At such a point of a one-dimensional case of the families file:
    /// `u − P`, `P` the weight of the components located below the root,
    /// the tail `F − P` that conditions the root there (docs/math.md §9.4).
    pub gap: Option<f64>,
}

fn nums(rest: &str) -> Vec<f64> {
    rest.split_whitespace()
        .map(|t| {
            t.parse::<f64>()
                .unwrap_or_else(|_| panic!("bad number {t}"))
        })
        .collect()
}

/// Reads the committed reference vectors (Gaussian mixtures).
pub fn reference_cases() -> Vec<Case> {
    parse_cases(include_str!("../data/reference.txt"))
}

/// Reads the committed reference vectors of the location-scale families
/// (`python3 tools/gen_reference.py --families`).
pub fn family_cases() -> Vec<Case> {
    parse_cases(include_str!("../data/families.txt"))
}

/// Parses the case blocks the generator writes.
pub fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut cur: Option<Case> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        let case = cur.as_mut();
        match key {
            "case" => {
                cur = Some(Case {
                    name: rest.to_string(),
                    family: "gaussian".to_string(),
                    k: 0,
                    d: 0,
                    logits: vec![],
                    means: vec![],
                    scales: vec![],
                    points: vec![],
                })
            }
            "dims" => {
                let v: Vec<usize> = rest
                    .split_whitespace()
                    .map(|t| t.parse().unwrap())
                    .collect();
                let c = case.unwrap();
                c.k = v[0];
                c.d = v[1];
            }
            "family" => case.unwrap().family = rest.to_string(),
            "logits" => case.unwrap().logits = nums(rest),
            "means" => case.unwrap().means = nums(rest),
            "scales" => case.unwrap().scales = nums(rest),
            "u" => case.unwrap().points.push(Point {
                u: nums(rest),
                ..Point::default()
            }),
            "end" => cases.push(cur.take().unwrap()),
            _ => {
                let p = case.unwrap().points.last_mut().unwrap();
                match key {
                    "xq" => p.xq = nums(rest),
                    "fq" => p.fq = nums(rest),
                    "x" => p.x = nums(rest),
                    "cdf" => p.cdf = nums(rest),
                    "ccdf" => p.ccdf = nums(rest),
                    "pdf" => p.pdf = nums(rest),
                    "logq" => p.logq = nums(rest)[0],
                    "xbar" => p.xbar = nums(rest),
                    "vjp" => p.vjp = nums(rest),
                    "jac" => p.jac = Some(nums(rest)),
                    "check" if rest == "backward" => p.backward_only = true,
                    "gap" => p.gap = Some(nums(rest)[0]),
                    other => panic!("unknown key {other}"),
                }
            }
        }
    }
    assert!(cur.is_none(), "unterminated case");
    cases
}

/// `Φ^{-1}(p)` by bisection on `erfc` (test-only, independent of the crate).
pub fn probit(p: f64) -> f64 {
    let (mut lo, mut hi) = (-40.0f64, 40.0f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if 0.5 * libm::erfc(-mid / std::f64::consts::SQRT_2) < p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// The unit in the last place of `x`.
pub fn ulp(x: f64) -> f64 {
    let x = x.abs();
    if x == 0.0 {
        return f64::from_bits(1);
    }
    f64::from_bits(x.to_bits() + 1) - x
}

pub const EPS: f64 = f64::EPSILON;

/// `max|g − g*| / (1 + max|g*|)`: the docs/math.md §6 gradient error measure.
pub fn grad_error(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = 1.0 + want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    got.iter()
        .zip(want)
        .fold(0.0f64, |m, (g, w)| m.max((g - w).abs()))
        / scale
}

/// A random mixture with moderately overlapping components, flat layout.
pub struct RandomMixture {
    pub k: usize,
    pub d: usize,
    pub logits: Vec<f64>,
    pub means: Vec<f64>,
    pub scales: Vec<f64>,
}

impl RandomMixture {
    pub fn new(seed: u64, k: usize, d: usize) -> Self {
        use rand_xoshiro::rand_core::{RngCore, SeedableRng};
        let mut rng = rand_xoshiro::Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut unif = move |lo: f64, hi: f64| {
            lo + (hi - lo) * ((rng.next_u64() >> 11) as f64 / 9007199254740992.0)
        };
        RandomMixture {
            k,
            d,
            logits: (0..k).map(|_| unif(-1.5, 1.5)).collect(),
            means: (0..k * d).map(|_| unif(-2.0, 2.0)).collect(),
            scales: (0..k * d).map(|_| unif(0.4, 1.6)).collect(),
        }
    }

    pub fn view(&self) -> mixgrad::DiagMixtureRef<'_, f64> {
        mixgrad::DiagMixtureRef::new(&self.logits, &self.means, &self.scales, self.d).unwrap()
    }

    /// All parameters, in Jacobian column order (logits, means, scales).
    pub fn params(&self) -> Vec<f64> {
        self.logits
            .iter()
            .chain(&self.means)
            .chain(&self.scales)
            .copied()
            .collect()
    }

    pub fn with_params(&self, theta: &[f64]) -> RandomMixture {
        let (k, kd) = (self.k, self.k * self.d);
        RandomMixture {
            k: self.k,
            d: self.d,
            logits: theta[..k].to_vec(),
            means: theta[k..k + kd].to_vec(),
            scales: theta[k + kd..].to_vec(),
        }
    }
}
pub mod tril;
