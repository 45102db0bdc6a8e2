//! Reader of the full-covariance reference vectors,
//! `tests/data/tril_reference.txt` (written by
//! `python3 tools/gen_tril_reference.py`; 60-digit mpmath values printed to
//! 21 significant digits).
#![allow(dead_code)]

/// One full-covariance Gaussian mixture with its evaluation points.
/// Component `k` is `N(μ_k, L_k L_kᵀ)`: `means[k*d + i]`, and `L_k` at
/// `scale_tril[k*d*d ..]` with entry `(i, j)` at `i*d + j` (lower triangle
/// with the diagonal; the entries above the diagonal are written as 0).
#[derive(Debug, Clone, Default)]
pub struct TrilCase {
    pub name: String,
    pub k: usize,
    pub d: usize,
    pub logits: Vec<f64>,
    pub means: Vec<f64>,
    pub scale_tril: Vec<f64>,
    pub points: Vec<TrilPoint>,
}

/// Reference values at one `u`. `xq` and `fq` are at the exact root of the
/// quantile map for those double `u`; everything after them is at `x`, that
/// root rounded to doubles (the point the Rust code sees). Gradients are
/// ordered logits (`k`), means (`k*d`), scale_tril (`k*d*d`, the entries
/// above the diagonal included, whose gradient is 0).
#[derive(Debug, Clone, Default)]
pub struct TrilPoint {
    pub u: Vec<f64>,
    /// The exact root (to 21 digits).
    pub xq: Vec<f64>,
    /// The conditional densities `f_d` at the exact root.
    pub fq: Vec<f64>,
    /// The root rounded to doubles.
    pub x: Vec<f64>,
    /// `F_d(x_d | x_<d)` at `x`.
    pub cdf: Vec<f64>,
    /// `1 − F_d` at `x`, computed directly.
    pub ccdf: Vec<f64>,
    /// `f_d(x_d | x_<d)` at `x`.
    pub pdf: Vec<f64>,
    pub logq: f64,
    /// The cotangent of `vjp`.
    pub xbar: Vec<f64>,
    /// `x̄ᵀ ∂x/∂θ` (`k + k*d + k*d*d` values).
    pub vjp: Vec<f64>,
    /// `∂x/∂θ`, `d` rows of `k + k*d + k*d*d` columns, row-major (absent
    /// for the largest case).
    pub jac: Option<Vec<f64>>,
    /// `∂ log q/∂x` (`d`), then `∂ log q/∂θ` (`k + k*d + k*d*d`).
    pub lpgrad: Vec<f64>,
    /// The exact root is not determined by the double-precision data (u
    /// equal to a cumulative weight across a flat gap): only the backward
    /// error of the quantile is meaningful.
    pub backward_only: bool,
}

impl TrilCase {
    /// The number of parameters, `k + k*d + k*d*d`.
    pub fn num_params(&self) -> usize {
        self.k + self.k * self.d + self.k * self.d * self.d
    }
}

fn nums(rest: &str) -> Vec<f64> {
    rest.split_whitespace()
        .map(|t| {
            t.parse::<f64>()
                .unwrap_or_else(|_| panic!("bad number {t}"))
        })
        .collect()
}

/// Reads the committed full-covariance reference vectors.
pub fn tril_cases() -> Vec<TrilCase> {
    parse_tril_cases(include_str!("../data/tril_reference.txt"))
}

/// Parses the case blocks `tools/gen_tril_reference.py` writes, and checks
/// every length against the case's `dims`.
pub fn parse_tril_cases(text: &str) -> Vec<TrilCase> {
    let mut cases = Vec::new();
    let mut cur: Option<TrilCase> = None;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let (key, rest) = line.split_once(' ').unwrap_or((line, ""));
        if key == "case" {
            assert!(cur.is_none(), "case {rest} starts inside another case");
            cur = Some(TrilCase {
                name: rest.to_string(),
                ..TrilCase::default()
            });
            continue;
        }
        let case = cur
            .as_mut()
            .unwrap_or_else(|| panic!("key {key} outside a case"));
        match key {
            "dims" => {
                let v: Vec<usize> = rest
                    .split_whitespace()
                    .map(|t| t.parse().unwrap())
                    .collect();
                assert_eq!(v.len(), 2, "dims needs K and D");
                case.k = v[0];
                case.d = v[1];
            }
            "logits" => case.logits = nums(rest),
            "means" => case.means = nums(rest),
            "scale_tril" => case.scale_tril = nums(rest),
            "u" => case.points.push(TrilPoint {
                u: nums(rest),
                ..TrilPoint::default()
            }),
            "end" => {
                let c = cur.take().unwrap();
                check_lengths(&c);
                cases.push(c);
            }
            _ => {
                let p = case
                    .points
                    .last_mut()
                    .unwrap_or_else(|| panic!("key {key} before the first u"));
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
                    "lpgrad" => p.lpgrad = nums(rest),
                    "check" if rest == "backward" => p.backward_only = true,
                    other => panic!("unknown key {other}"),
                }
            }
        }
    }
    assert!(cur.is_none(), "unterminated case");
    assert!(!cases.is_empty(), "no cases");
    cases
}

fn check_lengths(c: &TrilCase) {
    let (k, d, n) = (c.k, c.d, c.num_params());
    let name = &c.name;
    assert!(k >= 1 && d >= 1, "{name}: bad dims");
    assert_eq!(c.logits.len(), k, "{name}: logits");
    assert_eq!(c.means.len(), k * d, "{name}: means");
    assert_eq!(c.scale_tril.len(), k * d * d, "{name}: scale_tril");
    assert!(!c.points.is_empty(), "{name}: no points");
    for p in &c.points {
        for (what, v) in [
            ("u", &p.u),
            ("xq", &p.xq),
            ("fq", &p.fq),
            ("x", &p.x),
            ("cdf", &p.cdf),
            ("ccdf", &p.ccdf),
            ("pdf", &p.pdf),
            ("xbar", &p.xbar),
        ] {
            assert_eq!(v.len(), d, "{name}: {what}");
        }
        assert_eq!(p.vjp.len(), n, "{name}: vjp");
        if let Some(jac) = &p.jac {
            assert_eq!(jac.len(), d * n, "{name}: jac");
        }
        assert_eq!(p.lpgrad.len(), d + n, "{name}: lpgrad");
    }
}

/// A case of the conditioning sweep with `cond(L_k L_kᵀ)` of each factor
/// (the `cond` line, 60-digit values for the factors as doubles).
#[derive(Debug, Clone)]
pub struct ConditionedCase {
    pub case: TrilCase,
    /// `cond(L_k L_kᵀ)`, `k` values.
    pub cond: Vec<f64>,
}

/// Reads the committed conditioning sweep, `tests/data/tril_conditioning.txt`
/// (`python3 tools/gen_tril_reference.py --conditioning`).
pub fn tril_conditioning_cases() -> Vec<ConditionedCase> {
    parse_conditioned_cases(include_str!("../data/tril_conditioning.txt"))
}

/// Parses case blocks with a `cond` line each: the `cond` lines are taken
/// out, the rest read by [`parse_tril_cases`].
pub fn parse_conditioned_cases(text: &str) -> Vec<ConditionedCase> {
    let mut conds: Vec<Option<Vec<f64>>> = Vec::new();
    let mut rest = String::new();
    for line in text.lines() {
        if line.starts_with("case ") {
            conds.push(None);
        }
        match line.strip_prefix("cond ") {
            Some(values) => {
                let slot = conds.last_mut().expect("cond outside a case");
                assert!(slot.is_none(), "two cond lines in one case");
                *slot = Some(nums(values));
            }
            None => {
                rest.push_str(line);
                rest.push('\n');
            }
        }
    }
    let cases = parse_tril_cases(&rest);
    assert_eq!(conds.len(), cases.len());
    cases
        .into_iter()
        .zip(conds)
        .map(|(case, cond)| {
            let cond = cond.unwrap_or_else(|| panic!("{}: no cond line", case.name));
            assert_eq!(cond.len(), case.k, "{}: cond", case.name);
            ConditionedCase { case, cond }
        })
        .collect()
}
