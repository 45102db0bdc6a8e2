//! What the fuzz targets share: the decoder from arbitrary bytes to a
//! mixture problem, and the oracles that judge the library's answers
//! without asking the library.
//!
//! Input layout (every read past the end yields zero bytes, so every byte
//! string is a problem):
//!
//! ```text
//! byte 0   flags: bit 0 f32 (else f64), bit 1 repair the parameters into
//!          the valid domain, bit 2 repair u, x and x̄ as well,
//!          bits 3..7 the C target's pointer faults (see `c_abi.rs`)
//! byte 1   K: 0..=8, 254 → 64, 255 → 65 (one too many)
//! byte 2   D: 0..=6, 253 → 1024, 254 → 128
//! then     K logits, K·D means, K·D scales, D u, D x, D x̄, 8 seed bytes
//! then     the family: 0..=251 by its value mod 4 (Gaussian, logistic,
//!          Laplace, Cauchy, the `MIXGRAD_FAMILY_*` codes), 252..=255 as
//!          itself, an unknown code for the C target (the Rust target
//!          takes it mod 4 too); an input that ends before it is Gaussian
//! then     the full-covariance extension (`tail`, read by the Rust
//!          target's full-covariance checks, see [`TrilProblem`]): a
//!          control byte, then the entries below the diagonals, then those
//!          above them
//! ```
//!
//! Each value is one tag byte and its payload: tags 0..=31 pick a special
//! value (±0, ±∞, NaN, the smallest subnormal and normal, the largest
//! finite, ±1e150, 1e-150, 1 − 2⁻⁵³, …), 32..=127 a small multiple of 1/16,
//! 128..=191 a signed power of ten from 1e-320 to 1e310 (f32: 1e-45 to
//! 1e39, so overflowing to ∞ included), 192..=255 the raw bits.

use mixgrad::{ErrorKind, FamilyKind, Float, MAX_COMPONENTS};

/// Reads bytes, yielding zeros once the input is exhausted.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    /// The next byte, or 0.
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The bytes not yet read.
    pub fn rest(&self) -> &'a [u8] {
        self.data
    }

    /// The next `N` bytes, zero-padded.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        for b in &mut out {
            *b = self.byte();
        }
        out
    }
}

/// The float types, with what the oracles need beyond [`Float`].
pub trait Real: Float + core::fmt::LowerExp {
    /// Raw bits, for "nothing was written" comparisons.
    type Bits: Copy + Eq + core::fmt::Debug;
    /// Values the decoder's special tags name.
    const SPECIAL: [Self; 32];
    /// Smallest `u` (and `1 − u`) the round-trip contract of docs/math.md §6
    /// covers.
    const CONTRACT_U: Self;
    /// Relative backward-error tolerance of `cdf(quantile(u))` there.
    const ROUND_TRIP_REL: f64;
    /// The clamp on `|z|` of the families other than the Gaussian
    /// (docs/math.md §9.2): `2⁹⁶⁰`, f32 `2⁸⁸`.
    const CLAMP_LINEAR: f64;
    /// The smallest scale (diagonal entry of `L`) under which the
    /// gradients promise no NaN (docs/numerics.md, "Honest limits"): in
    /// f64 `1e-150`, since below it the sweep's terms `1/(f·σ)` next to a
    /// conditional density near the refusal threshold (about `1e-292`)
    /// pass even the rescued range (`2⁷⁶⁸·MAX`, about `1e539`); in f32 the
    /// smallest normal number (its promise is tied to the f64 gradient's
    /// range instead).
    const NAN_FREE_SCALE: f64;
    /// The bits.
    fn bits(self) -> Self::Bits;
    /// A value built from raw bytes.
    fn from_raw(r: &mut Reader<'_>) -> Self;
    /// The next float up (`true`) or down, saturating at ±MAX.
    fn next_toward(self, up: bool) -> Self;
    /// A NaN with a payload no computation produces: outputs are filled
    /// with it before each call so that "untouched" is checked bit for bit.
    fn poison() -> Self;
}

impl Real for f64 {
    type Bits = u64;
    const SPECIAL: [f64; 32] = [
        0.0,
        -0.0,
        f64::INFINITY,
        f64::NEG_INFINITY,
        f64::NAN,
        f64::MIN_POSITIVE,
        5e-324,
        f64::MAX,
        -f64::MAX,
        1e150,
        -1e150,
        1e-150,
        1e-300,
        0.5,
        1.0 - 1.0 / 9007199254740992.0, // 1 − 2⁻⁵³
        1.0 / 9007199254740992.0,       // 2⁻⁵³
        1.0,
        -1.0,
        2.0,
        1e6,
        -1e6,
        1e-6,
        f64::EPSILON,
        1e300,
        -1e300,
        3.0,
        0.1,
        -0.5,
        700.0,
        -745.0,
        1e-310,
        40.0,
    ];
    const CONTRACT_U: f64 = 1e-300;
    const ROUND_TRIP_REL: f64 = 1e-12;
    const NAN_FREE_SCALE: f64 = 1e-150;
    const CLAMP_LINEAR: f64 = f64::from_bits((1023 + 960) << 52);
    fn bits(self) -> u64 {
        self.to_bits()
    }
    fn from_raw(r: &mut Reader<'_>) -> f64 {
        f64::from_le_bytes(r.array())
    }
    fn next_toward(self, up: bool) -> f64 {
        let n = if up { self.next_up() } else { self.next_down() };
        n.clamp(-f64::MAX, f64::MAX)
    }
    fn poison() -> f64 {
        f64::from_bits(0x7ff4_dead_beef_0001)
    }
}

impl Real for f32 {
    type Bits = u32;
    const SPECIAL: [f32; 32] = [
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::NAN,
        f32::MIN_POSITIVE,
        1e-45,
        f32::MAX,
        -f32::MAX,
        1e30,
        -1e30,
        1e-30,
        1e-37,
        0.5,
        1.0 - 1.0 / 16777216.0, // 1 − 2⁻²⁴
        1.0 / 16777216.0,       // 2⁻²⁴
        1.0,
        -1.0,
        2.0,
        1e6,
        -1e6,
        1e-6,
        f32::EPSILON,
        1e38,
        -1e38,
        3.0,
        0.1,
        -0.5,
        88.0,
        -103.0,
        1e-40,
        40.0,
    ];
    const CONTRACT_U: f32 = 1e-30;
    const ROUND_TRIP_REL: f64 = 1e-4;
    const NAN_FREE_SCALE: f64 = f32::MIN_POSITIVE as f64;
    const CLAMP_LINEAR: f64 = f64::from_bits((1023 + 88) << 52);
    fn bits(self) -> u32 {
        self.to_bits()
    }
    fn from_raw(r: &mut Reader<'_>) -> f32 {
        f32::from_le_bytes(r.array())
    }
    fn next_toward(self, up: bool) -> f32 {
        let n = if up { self.next_up() } else { self.next_down() };
        n.clamp(-f32::MAX, f32::MAX)
    }
    fn poison() -> f32 {
        f32::from_bits(0x7fa0_beef)
    }
}

/// One value: see the module docs for the tags.
pub fn value<F: Real>(r: &mut Reader<'_>) -> F {
    let tag = r.byte();
    match tag {
        0..=31 => F::SPECIAL[tag as usize],
        32..=127 => F::from_f64(f64::from(r.byte() as i8) / 16.0),
        128..=191 => {
            let e = f64::from(r.byte()) / 255.0 * 630.0 - 320.0;
            let m = 1.0 + f64::from(r.byte()) / 64.0;
            let v = m * 10f64.powf(e);
            F::from_f64(if tag & 1 == 1 { -v } else { v })
        }
        _ => F::from_raw(r),
    }
}

/// A decoded problem.
#[derive(Debug)]
pub struct Problem<F> {
    /// The flag byte.
    pub flags: u8,
    /// `K` and `D` as decoded (possibly 0 or too large).
    pub k: usize,
    /// `D`.
    pub d: usize,
    /// `K` logits.
    pub logits: Vec<F>,
    /// `K·D` means.
    pub means: Vec<F>,
    /// `K·D` scales.
    pub scales: Vec<F>,
    /// `D` uniforms.
    pub u: Vec<F>,
    /// `D` points.
    pub x: Vec<F>,
    /// `D` cotangents.
    pub x_bar: Vec<F>,
    /// The samplers' seed.
    pub seed: u64,
    /// The family byte (see the module docs).
    pub family_byte: u8,
    /// The bytes after the family byte: the full-covariance extension.
    pub tail: Vec<u8>,
}

/// Flag bit: single precision.
pub const FLAG_F32: u8 = 1;
const FLAG_REPAIR_PARAMS: u8 = 2;
const FLAG_REPAIR_INPUTS: u8 = 4;

/// Reads the flag byte, then the problem in the precision it selects.
pub fn decode<F: Real>(data: &[u8]) -> Problem<F> {
    let mut r = Reader::new(data);
    let flags = r.byte();
    let k = match r.byte() {
        255 => MAX_COMPONENTS + 1,
        254 => MAX_COMPONENTS,
        b => usize::from(b % 9),
    };
    let d = match r.byte() {
        253 => 1024,
        254 => 128,
        b => usize::from(b % 7),
    };
    let mut values = |n: usize| -> Vec<F> { (0..n).map(|_| value(&mut r)).collect() };
    let logits = values(k);
    let means = values(k * d);
    let scales = values(k * d);
    let u = values(d);
    let x = values(d);
    let x_bar = values(d);
    let seed = u64::from_le_bytes(r.array());
    let family_byte = r.byte();
    let tail = r.rest().to_vec();
    let mut p = Problem {
        flags,
        k,
        d,
        logits,
        means,
        scales,
        u,
        x,
        x_bar,
        seed,
        family_byte,
        tail,
    };
    if flags & FLAG_REPAIR_PARAMS != 0 {
        p.repair_params();
    }
    if flags & FLAG_REPAIR_INPUTS != 0 {
        p.repair_inputs();
    }
    p
}

impl<F: Real> Problem<F> {
    /// Maps every parameter into the valid domain, keeping extreme but
    /// valid values (tiny and huge scales, far means, `−∞` logits) as they
    /// are: this is where the fuzzer hunts for NaN and crashes.
    fn repair_params(&mut self) {
        for a in &mut self.logits {
            if a.is_nan() || *a == F::INFINITY {
                *a = F::ZERO;
            }
        }
        if let Some(a) = self.logits.first_mut() {
            if !a.is_finite() {
                *a = F::ZERO;
            }
        }
        for m in &mut self.means {
            if !m.is_finite() {
                *m = F::ZERO;
            }
        }
        for s in &mut self.scales {
            let a = s.abs();
            *s = if a.is_finite() && a > F::ZERO {
                a
            } else {
                F::ONE
            };
        }
    }

    fn repair_inputs(&mut self) {
        for u in &mut self.u {
            if !(*u > F::ZERO && *u < F::ONE) {
                *u = F::HALF;
            }
        }
        for v in self.x.iter_mut().chain(&mut self.x_bar) {
            if !v.is_finite() {
                *v = F::ONE;
            }
        }
    }

    /// The error construction must report, derived from the rules of
    /// docs/math.md §2 and §5 and the documented check order, not from the
    /// library.
    pub fn expected_param_error(&self) -> Option<ErrorKind> {
        if self.k == 0 {
            return Some(ErrorKind::NoComponents);
        }
        if self.d == 0 {
            return Some(ErrorKind::NoDimensions);
        }
        if self.k > MAX_COMPONENTS {
            return Some(ErrorKind::TooManyComponents);
        }
        for &a in &self.logits {
            if a.is_nan() {
                return Some(ErrorKind::NanLogit);
            }
            if a == F::INFINITY {
                return Some(ErrorKind::InfiniteLogit);
            }
        }
        if !self.logits.iter().any(|a| a.is_finite()) {
            return Some(ErrorKind::NoActiveComponent);
        }
        if !self.means.iter().all(|m| m.is_finite()) {
            return Some(ErrorKind::NonFiniteMean);
        }
        for &s in &self.scales {
            if !s.is_finite() {
                return Some(ErrorKind::NonFiniteScale);
            }
            if s <= F::ZERO {
                return Some(ErrorKind::NonPositiveScale);
            }
        }
        None
    }

    /// The family of the components (docs/math.md §9).
    pub fn family(&self) -> FamilyKind {
        FamilyKind::ALL[usize::from(self.family_byte % 4)]
    }

    /// The family code the C target passes: the family's, or for a family
    /// byte of 252 and up that byte, which no family has.
    pub fn family_code(&self) -> u32 {
        if self.family_byte >= 252 {
            u32::from(self.family_byte)
        } else {
            u32::from(self.family_byte % 4)
        }
    }

    /// Whether every `u` is strictly inside (0, 1).
    pub fn u_valid(&self) -> bool {
        self.u.iter().all(|&u| u > F::ZERO && u < F::ONE)
    }

    /// Whether every `x` is finite.
    pub fn x_valid(&self) -> bool {
        self.x.iter().all(|v| v.is_finite())
    }

    /// Whether every `x̄` is finite.
    pub fn x_bar_valid(&self) -> bool {
        self.x_bar.iter().all(|v| v.is_finite())
    }
}

/// A buffer of `n` poisoned values.
pub fn poisoned<F: Real>(n: usize) -> Vec<F> {
    vec![F::poison(); n]
}

/// Whether `buf` still holds nothing but the poison.
pub fn untouched<F: Real>(buf: &[F]) -> bool {
    buf.iter().all(|v| v.bits() == F::poison().bits())
}

/// Bitwise equality of two result buffers.
pub fn same_bits<F: Real>(a: &[F], b: &[F]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.bits() == y.bits())
}

/// `ln g(z)`, the standard log-density of `kind` (docs/math.md §9.1), from
/// its formula; `|z|` may be as large as the float range.
pub fn ln_g(kind: FamilyKind, z: f64) -> f64 {
    let a = z.abs();
    match kind {
        FamilyKind::Gaussian => -0.5 * a * a - 0.918_938_533_204_672_7,
        FamilyKind::Logistic => -a - 2.0 * (-a).exp().ln_1p(),
        FamilyKind::Laplace => -a - core::f64::consts::LN_2,
        // ln(1 + z²) as 2 ln|z| + ln(1 + 1/z²) beyond 1: no overflow.
        FamilyKind::Cauchy if a > 1.0 => {
            -core::f64::consts::PI.ln() - 2.0 * a.ln() - (1.0 / (a * a)).ln_1p()
        }
        FamilyKind::Cauchy => -core::f64::consts::PI.ln() - (a * a).ln_1p(),
    }
}

/// `Λ_d` of docs/math.md §9.2, the rounding the log-weights of coordinate
/// `d` carry from the earlier ones: `max_k Σ_{j<d} |ln g(z_kj) − ln σ_kj|`
/// at the point `x`, for the families other than the Gaussian (whose
/// oracle keeps its `z²` alone: there `Λ_d` is within the earlier
/// coordinates' `z²`, and it shows only after far tails of heavy-tailed
/// families, §9.2).
pub fn carried_rounding<F: Real>(
    kind: FamilyKind,
    x: &[F],
    means: &[F],
    scales: &[F],
    k: usize,
    d: usize,
) -> f64 {
    if kind == FamilyKind::Gaussian {
        return 0.0;
    }
    let dims = x.len();
    (0..k).fold(0.0, |worst, c| {
        let sum: f64 = (0..d)
            .map(|j| {
                let (m, s) = (means[c * dims + j].to_f64(), scales[c * dims + j].to_f64());
                (ln_g(kind, (x[j].to_f64() - m) / s) - s.ln()).abs()
            })
            .sum();
        worst.max(sum)
    })
}

/// The smallest tail a mixture of `kind` reaches (docs/math.md §9.2): the
/// Cauchy's `atan(1/z_max)/π` at the clamp, where every component's tail,
/// and so the mixture's, saturates; 0 for the others, whose tails at the
/// clamp underflow.
pub fn tail_floor<F: Real>(kind: FamilyKind) -> f64 {
    match kind {
        FamilyKind::Cauchy => (1.0 / F::CLAMP_LINEAR).atan() / core::f64::consts::PI,
        _ => 0.0,
    }
}

/// The backward tolerance of a tail probability `tail = min(F, 1 − F)`:
/// `ROUND_TRIP_REL·(1 + z² + Λ)` relative, with `z² ≤ 2 ln(1/tail)` (the
/// normal quantile's, at least each family's conditioning `κ`, docs/math.md
/// §9.2) and `Λ` the carried rounding ([`carried_rounding`]); plus the
/// floor of the contract, `CONTRACT_U`, below which it promises nothing.
pub fn tail_tolerance<F: Real>(tail: f64, carried: f64) -> f64 {
    let z2 = 2.0 * (-tail.max(f64::MIN_POSITIVE).ln()).max(0.0);
    F::ROUND_TRIP_REL * (1.0 + z2 + carried) * tail + F::ROUND_TRIP_REL * F::CONTRACT_U.to_f64()
}

/// The round-trip oracle of docs/math.md §6 in backward form:
/// `x̂ = quantile(u)` must satisfy `F(x̂) = u` to `ROUND_TRIP_REL·(1 + z²
/// + Λ)` relative ([`tail_tolerance`]), or lie within the 8 ulp of the root that §6 allows: `u` lies
/// between `F` at the floats 8 ulp either side of `x̂` (to the same
/// tolerance). The latter is what ulp resolution allows where `F` climbs
/// steeply within one ulp (a component narrower than its mean's ulp, or means
/// near ±MAX). Checked where the contract applies: `u` and `1 − u` at least
/// `CONTRACT_U`. Below the family's `floor` ([`tail_floor`]) no point
/// has that tail: `x̂` is the clamped point, whose tail is the floor.
/// `tails(x)` is the library's `(F, 1 − F)` with this coordinate set to
/// `x`; `at_x` is its value at `x̂` itself.
pub fn round_trip_ok<F: Real>(
    u: F,
    x: F,
    at_x: (F, F),
    carried: f64,
    floor: f64,
    tails: impl Fn(F) -> (F, F),
) -> Result<(), String> {
    let upper = u.to_f64() > 0.5;
    let want = if upper { 1.0 - u.to_f64() } else { u.to_f64() };
    if want < F::CONTRACT_U.to_f64() {
        return Ok(());
    }
    // G is F below 1/2 and 1 − F above, each evaluated directly.
    let pick = |(f, fc): (F, F)| if upper { fc.to_f64() } else { f.to_f64() };
    let g = |x: F| pick(tails(x));
    // z² ≤ 2·ln(1/p) for the normal quantile at p ≤ 1/2.
    let z2 = 2.0 * (-want.ln()).max(0.0);
    let tol = F::ROUND_TRIP_REL * (1.0 + z2 + carried) * want;
    let got = pick(at_x);
    if (got - want).abs() <= tol {
        return Ok(());
    }
    let floor_tol = F::ROUND_TRIP_REL * (1.0 + z2 + carried) * floor;
    if want < floor && (got - floor).abs() <= floor_tol {
        return Ok(());
    }
    // The root beyond the float range: x saturates at ±MAX (documented).
    // F rises with x; G is F below 1/2 and 1 − F above.
    let rises = !upper;
    if (x == -F::MAX && (got >= want) == rises) || (x == F::MAX && (got <= want) == rises) {
        return Ok(());
    }
    // The forward bound of docs/math.md §6 allows 8 ulp(x*).
    let (mut lo, mut hi) = (x, x);
    for _ in 0..8 {
        (lo, hi) = (lo.next_toward(false), hi.next_toward(true));
    }
    let (below, above) = (g(lo), g(hi));
    if want >= below.min(above) - tol && want <= below.max(above) + tol {
        return Ok(());
    }
    Err(format!(
        "round trip: u={u:e} x={x:e} G={got:e} want={want:e} tol={tol:e}, neighbours {below:e} {above:e}"
    ))
}

std::thread_local! {
    static INPUT: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Remembers the input being checked, for [`show_problem_on_panic`].
pub fn remember(data: &[u8]) {
    INPUT.with(|i| {
        let mut i = i.borrow_mut();
        i.clear();
        i.extend_from_slice(data);
    });
}

/// Chains a panic hook that prints the decoded problem of the input being
/// checked before libFuzzer's hook aborts: every failure report then names
/// the problem in readable form.
pub fn show_problem_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = INPUT.try_with(|i| {
            if let Ok(data) = i.try_borrow() {
                if data.first().is_some_and(|f| f & FLAG_F32 != 0) {
                    eprintln!("problem: {:?}", decode::<f32>(&data));
                } else {
                    eprintln!("problem: {:?}", decode::<f64>(&data));
                }
            }
        });
        previous(info);
    }));
}

/// Which batch shape a check drives.
#[derive(Clone, Copy, PartialEq, Debug)]
pub enum Form {
    /// `n` points of the problem's mixture (`*_many`); parameter gradients
    /// are summed over the rows.
    Many,
    /// `n` mixtures packed (`DiagBatchRef`, `mixgrad_diag_batch_*`), one
    /// point each; gradients per mixture.
    Packed,
}

impl Form {
    /// The length of a gradient of `width` values per mixture over `n`
    /// rows: summed (`width`) or per mixture (`n·width`).
    pub fn grad_len(self, n: usize, width: usize) -> usize {
        match self {
            Form::Many => width,
            Form::Packed => n * width,
        }
    }

    /// The expected gradient before any row: `+0` for a sum (the empty
    /// sum, and where row-order addition starts), poison per mixture.
    pub fn grad_start<F: Real>(self, n: usize, width: usize) -> Vec<F> {
        match self {
            Form::Many => vec![F::ZERO; width],
            Form::Packed => poisoned(n * width),
        }
    }

    /// Folds row `i`'s single gradient `g` into the expected gradient:
    /// added in row order, or copied to its row.
    pub fn fold<F: Real>(self, want: &mut [F], i: usize, g: &[F]) {
        match self {
            Form::Many => {
                for (t, &v) in want.iter_mut().zip(g) {
                    *t += v;
                }
            }
            Form::Packed => want[i * g.len()..][..g.len()].copy_from_slice(g),
        }
    }
}

/// The SIMD paths this CPU has (the scalar path first), and the one `seed`
/// picks: the batch checks run on it, so that fuzzing covers every path
/// against the single calls as the oracle.
pub fn simd_path_for(seed: u64) -> mixgrad::SimdPath {
    let paths: Vec<_> = mixgrad::SimdPath::ALL
        .into_iter()
        .filter(|p| p.is_available())
        .collect();
    paths[(seed >> 40) as usize % paths.len()]
}

/// The full-covariance problem (docs/math.md §10) a problem with `K ≤ 4`
/// and `D ≤ 4` also poses: the same logits, means, `u`, `x` and `x̄`, and
/// factors `L_k` whose diagonal is the problem's scales (`L_k[d][d]` the
/// scale of `(k, d)`) and whose other entries come from `tail`: a control
/// byte ([`TrilProblem::control`]), then the `K·D(D−1)/2` entries below the
/// diagonals, then as many above them (each component's in row-major
/// order; values as the module docs tag them, zero where the input ends).
/// With the repair flag, a non-finite entry below a diagonal becomes 0;
/// the entries above are never repaired (the library must not read them).
#[derive(Debug)]
pub struct TrilProblem<F> {
    /// Bits 0–1: the workspace of the checks (0 and 3 a
    /// `TrilScratch<F, 4, 4>`, 1 a slice of exactly `work_len(K, D)`
    /// values, 2 one value longer); the twin with NaN above the diagonals
    /// runs on a `TrilScratch` if this is a slice, on an exact slice
    /// otherwise. Every operation is also run on a slice one value short.
    pub control: u8,
    /// `K·D·D` values: `L_k` at `k·D·D`, `(i, j)` at `i·D + j`.
    pub scale_tril: Vec<F>,
}

/// The full-covariance problem of `p`, if `K ≤ 4` and `D ≤ 4`.
pub fn tril_problem<F: Real>(p: &Problem<F>) -> Option<TrilProblem<F>> {
    let (k, d) = (p.k, p.d);
    if k > 4 || d > 4 {
        return None;
    }
    let mut r = Reader::new(&p.tail);
    let control = r.byte();
    let off = k * d * d.saturating_sub(1) / 2;
    let lower: Vec<F> = (0..off).map(|_| value(&mut r)).collect();
    let upper: Vec<F> = (0..off).map(|_| value(&mut r)).collect();
    let repair = p.flags & FLAG_REPAIR_PARAMS != 0;
    let (mut lo, mut up) = (lower.into_iter(), upper.into_iter());
    let mut scale_tril = vec![F::ZERO; k * d * d];
    for c in 0..k {
        for i in 0..d {
            for j in 0..d {
                let v = match j.cmp(&i) {
                    core::cmp::Ordering::Equal => p.scales[c * d + i],
                    core::cmp::Ordering::Less => {
                        let v = lo.next().unwrap_or(F::ZERO);
                        if repair && !v.is_finite() {
                            F::ZERO
                        } else {
                            v
                        }
                    }
                    core::cmp::Ordering::Greater => up.next().unwrap_or(F::ZERO),
                };
                scale_tril[c * d * d + i * d + j] = v;
            }
        }
    }
    Some(TrilProblem {
        control,
        scale_tril,
    })
}

impl<F: Real> Problem<F> {
    /// The error `TrilMixtureRef::new` must report for the factors `tril`,
    /// from the documented rules and order (docs/math.md §10.1: the logits
    /// and means as for the diagonal mixture, then the factors in memory
    /// order, an entry on or below a diagonal not finite, a diagonal entry
    /// `≤ 0`; no bound on `K`), not from the library.
    pub fn expected_tril_error(&self, tril: &[F]) -> Option<ErrorKind> {
        if self.k == 0 {
            return Some(ErrorKind::NoComponents);
        }
        if self.d == 0 {
            return Some(ErrorKind::NoDimensions);
        }
        for &a in &self.logits {
            if a.is_nan() {
                return Some(ErrorKind::NanLogit);
            }
            if a == F::INFINITY {
                return Some(ErrorKind::InfiniteLogit);
            }
        }
        if !self.logits.iter().any(|a| a.is_finite()) {
            return Some(ErrorKind::NoActiveComponent);
        }
        if !self.means.iter().all(|m| m.is_finite()) {
            return Some(ErrorKind::NonFiniteMean);
        }
        let d = self.d;
        for (i, &v) in tril.iter().enumerate() {
            let (row, col) = (i % (d * d) / d, i % d);
            if col <= row && !v.is_finite() {
                return Some(ErrorKind::NonFiniteScale);
            }
            if col == row && v <= F::ZERO {
                return Some(ErrorKind::NonPositiveScale);
            }
        }
        None
    }
}

/// `tril` (factors of `d×d`, row-major, one after another) with NaN in
/// every entry above the diagonals: the library must never read them, so
/// every result on it is the same, bit for bit.
pub fn nan_above<F: Real>(tril: &[F], d: usize) -> Vec<F> {
    let mut out = tril.to_vec();
    if d > 0 {
        for (i, v) in out.iter_mut().enumerate() {
            if i % d > i % (d * d) / d {
                *v = F::from_f64(f64::NAN);
            }
        }
    }
    out
}

/// The values of `D` rows of the full-covariance Jacobian:
/// `K + K·D + K·D·D` columns each (logits, means, factors).
pub fn tril_jacobian_len(k: usize, d: usize) -> usize {
    d * (k + k * d + k * d * d)
}
