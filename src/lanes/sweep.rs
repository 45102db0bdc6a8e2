//! The vector–Jacobian product summed over the rows of a batch, one row per
//! lane (docs/math.md §8.5): the forward recursion of `ℓ` and the reverse
//! sweep (`crate::sweep`, docs/math.md §4.2).
//!
//! Every lane computes what the scalar sweep computes for its row, operation
//! for operation; the entries of a block of rows are added to the sums lane
//! after lane, so each sum sees its rows in row order, as the scalar loop
//! adds them. A row that would need one of the scalar sweep's cold paths
//! stops the lanes ([`Cold`]); the caller then sums every row the scalar
//! way.

use super::{exp::exp, normal::tails_density};
use crate::elementary::arith::Arith;
use crate::kernel::log_weights::two_sum;
use crate::kernel::DistanceClamp;
use crate::simd::{Kernel, Simd, V};
use crate::special::NormalFunctions;
use crate::sweep::SweepLimits;
use crate::vjp::{cotangent_scale, GradientRow};
use crate::DiagMixtureRef;

/// The most components the lanes take: their state is `9·K` registers on
/// the stack (9 KiB for `K = 16` with AVX-512); larger mixtures stay
/// scalar.
pub(crate) const MAX_LANE_COMPONENTS: usize = 16;

/// Some row needs a cold path of the reverse sweep; the sums are partial.
#[derive(Debug)]
pub(crate) struct Cold;

/// [`vjp_sum`] as a [`Kernel`], for the dispatch.
pub(crate) struct VjpSum<'a, 'm> {
    pub mix: &'a DiagMixtureRef<'m, f64>,
    pub x: &'a [f64],
    pub x_bar: &'a [f64],
    pub outs: GradientRow<'a, f64>,
}

impl Kernel for VjpSum<'_, '_> {
    type Output = Result<usize, Cold>;
    #[inline(always)]
    fn run<S: Simd>(self, simd: S) -> Result<usize, Cold> {
        vjp_sum(simd, self.mix, self.x, self.x_bar, self.outs)
    }
}

/// One register per component: a row of the scalar workspace
/// (`crate::workspace::Workspace`) for a block of rows.
type Row<S> = [V<S>; MAX_LANE_COMPONENTS];

/// The per-component state of one block of rows.
struct Block<S: Simd> {
    hi: Row<S>,
    lo: Row<S>,
    p: Row<S>,
    suffix: Row<S>,
    /// `log N_kd`, then `p φ/σ` (as the scalar sweep's `logn` row).
    logn: Row<S>,
    z: Row<S>,
    tail: Row<S>,
    suffix_z: Row<S>,
    path_max: Row<S>,
}

/// The rows of one block: `x` and `x̄` (`LANES·D` values each, row-major)
/// and each row's cotangent scale.
struct BlockRows<'r, S: Simd> {
    x: &'r [f64],
    x_bar: &'r [f64],
    scale: [f64; 8],
    dims: usize,
    s: S,
}

impl<S: Simd> BlockRows<'_, S> {
    /// Coordinate `d` of every row.
    #[inline(always)]
    fn x(&self, d: usize) -> V<S> {
        V::load(self.s, &lane_gather::<S>(self.x, self.dims, d))
    }

    /// `x̄_d / scale` of every row, as the scalar sweep's `xbar(d)`.
    #[inline(always)]
    fn x_bar(&self, d: usize) -> V<S> {
        let x_bar = lane_gather::<S>(self.x_bar, self.dims, d);
        V::load(self.s, &x_bar) / V::load(self.s, &self.scale)
    }
}

/// Entry `d` of each of the `LANES` rows of `values`.
#[inline(always)]
fn lane_gather<S: Simd>(values: &[f64], dims: usize, d: usize) -> [f64; 8] {
    let mut out = [1.0; 8];
    for (j, o) in out.iter_mut().enumerate().take(S::LANES) {
        *o = values.get(j * dims + d).copied().unwrap_or(0.0);
    }
    out
}

/// `Σᵢ vjp(xᵢ, x̄ᵢ)` over the first `n − n mod LANES` rows, into `outs`
/// (zeroed first): returns how many rows it summed. Inputs are checked,
/// every row has passed the zero-density pre-pass,
/// `K ≤ MAX_LANE_COMPONENTS`.
#[inline(always)]
fn vjp_sum<S: Simd>(
    s: S,
    mix: &DiagMixtureRef<'_, f64>,
    x: &[f64],
    x_bar: &[f64],
    outs: GradientRow<'_, f64>,
) -> Result<usize, Cold> {
    let (logits_bar, means_bar, scales_bar) = outs;
    for g in [&mut *logits_bar, &mut *means_bar, &mut *scales_bar] {
        g.fill(0.0);
    }
    let dims = mix.num_dims();
    let zero = [V::splat(s, 0.0); MAX_LANE_COMPONENTS];
    let mut st = Block {
        hi: zero,
        lo: zero,
        p: zero,
        suffix: zero,
        logn: zero,
        z: zero,
        tail: zero,
        suffix_z: zero,
        path_max: zero,
    };
    let mut done = 0;
    let block = S::LANES * dims;
    for (xs, xbs) in x.chunks_exact(block).zip(x_bar.chunks_exact(block)) {
        let mut scale = [1.0; 8];
        for (j, sc) in scale.iter_mut().enumerate().take(S::LANES) {
            *sc = cotangent_scale(xbs.get(j * dims..(j + 1) * dims).unwrap_or_default());
        }
        let rows = BlockRows {
            x: xs,
            x_bar: xbs,
            scale,
            dims,
            s,
        };
        forward(mix, &mut st, &rows);
        reverse(mix, &mut st, &rows, (&mut *means_bar, &mut *scales_bar))?;
        let suffix = st.suffix.iter().take(mix.num_components());
        for (slot, &sk) in logits_bar.iter_mut().zip(suffix) {
            add_in_lane_order(slot, sk, &rows.scale)?;
        }
        done += S::LANES;
    }
    Ok(done)
}

/// `(μ_kd, σ_kd, ln σ_kd)`, `ln σ` from the view's buffer or computed by
/// the one function that computes it.
#[inline(always)]
fn params(mix: &DiagMixtureRef<'_, f64>, k: usize, d: usize) -> (f64, f64, f64) {
    let at = k * mix.num_dims() + d;
    let mu = mix.means().get(at).copied().unwrap_or(0.0);
    let sigma = mix.scales().get(at).copied().unwrap_or(1.0);
    let ln_sigma = match mix.stored_log_scales() {
        Some(stored) => stored.get(at).copied().unwrap_or(0.0),
        None => f64::ln_scale(sigma),
    };
    (mu, sigma, ln_sigma)
}

/// The components the lanes hold.
#[inline(always)]
fn components(mix: &DiagMixtureRef<'_, f64>) -> usize {
    mix.num_components().min(MAX_LANE_COMPONENTS)
}

/// `ℓ^(D+1)` of every row (`DiagMixtureRef::forward` without its test:
/// the pre-pass made it).
#[inline(always)]
fn forward<S: Simd>(mix: &DiagMixtureRef<'_, f64>, st: &mut Block<S>, rows: &BlockRows<S>) {
    for (kk, &a) in mix.logits().iter().enumerate().take(MAX_LANE_COMPONENTS) {
        st.hi[kk] = V::splat(rows.s, a);
        st.lo[kk] = V::splat(rows.s, 0.0);
    }
    for d in 0..rows.dims {
        let xd = rows.x(d);
        for kk in 0..components(mix) {
            let (mu, sigma, ln_sigma) = params(mix, kk, d);
            let z = standardise(xd, mu, sigma);
            let logn = log_normal(z, ln_sigma);
            dd_add(&mut st.hi[kk], &mut st.lo[kk], logn);
        }
    }
}

/// The reverse sweep of one block (`DiagMixtureRef::sweep`), adding
/// `μ̄`, `σ̄` to the sums and leaving `ā = S` in `st.suffix`.
#[inline(always)]
fn reverse<S: Simd>(
    mix: &DiagMixtureRef<'_, f64>,
    st: &mut Block<S>,
    rows: &BlockRows<S>,
    (means_bar, scales_bar): (&mut [f64], &mut [f64]),
) -> Result<(), Cold> {
    for kk in 0..components(mix) {
        let h = st.hi[kk];
        st.suffix[kk] = V::splat(rows.s, 0.0);
        st.path_max[kk] = h.is_finite().select(h.abs(), 0.0);
    }
    for d in (0..rows.dims).rev() {
        undo_step(mix, st, rows.x(d), d)?;
        let norm = responsibilities(st, components(mix), rows.s);
        let sums = dimension_sums(mix, st, d, rows.x_bar(d), &norm);
        if (!sums.pdf.is_finite()).any() {
            return Err(Cold);
        }
        let inv = 1.0 / sums.pdf;
        for kk in 0..components(mix) {
            let (_, sigma, _) = params(mix, kk, d);
            let [g_mu, g_sigma] = adjoint(st, kk, sigma, &sums, inv);
            let at = kk * rows.dims + d;
            if let (Some(mb), Some(sb)) = (means_bar.get_mut(at), scales_bar.get_mut(at)) {
                add_in_lane_order(mb, g_mu, &rows.scale)?;
                add_in_lane_order(sb, g_sigma, &rows.scale)?;
            }
        }
    }
    Ok(())
}

/// `ℓ^(d) = ℓ^(d+1) − log N_kd` with `z_kd` and `log N_kd` kept
/// (`DiagMixtureRef::undo_step`); [`Cold`] where a path went beyond
/// [`SweepLimits::RECOVERY_LIMIT`] (the scalar sweep sums afresh there).
#[inline(always)]
fn undo_step<S: Simd>(
    mix: &DiagMixtureRef<'_, f64>,
    st: &mut Block<S>,
    xd: V<S>,
    d: usize,
) -> Result<(), Cold> {
    let mut beyond = false;
    for kk in 0..components(mix) {
        let (mu, sigma, ln_sigma) = params(mix, kk, d);
        let z = standardise(xd, mu, sigma);
        let logn = log_normal(z, ln_sigma);
        st.z[kk] = z;
        st.logn[kk] = logn;
        dd_add(&mut st.hi[kk], &mut st.lo[kk], -logn);
        let (h, big) = (st.hi[kk], st.path_max[kk]);
        let grown = big.lt(h.abs()).select(h.abs(), big);
        let finite = h.is_finite();
        st.path_max[kk] = finite.select(grown, big);
        beyond |= (finite & grown.gt(f64::RECOVERY_LIMIT)).any();
    }
    if beyond {
        return Err(Cold);
    }
    Ok(())
}

/// What [`responsibilities`] leaves besides `p` (`LogSumExp`).
struct Normaliser<S: Simd> {
    max_hi: V<S>,
    max_lo: V<S>,
    sum: V<S>,
}

/// `p = softmax(ℓ)` into `st.p` (`LogWeights::responsibilities`).
#[inline(always)]
fn responsibilities<S: Simd>(st: &mut Block<S>, k: usize, s: S) -> Normaliser<S> {
    let mut max_hi = V::splat(s, f64::NEG_INFINITY);
    let mut max_lo = V::splat(s, 0.0);
    for (&h, &l) in st.hi.iter().zip(&st.lo).take(k) {
        let better = h.gt(max_hi) | (h.eq(max_hi) & l.gt(max_lo));
        max_hi = better.select(h, max_hi);
        max_lo = better.select(l, max_lo);
    }
    let mut sum = V::splat(s, 0.0);
    for ((p, &h), &l) in st.p.iter_mut().zip(&st.hi).zip(&st.lo).take(k) {
        *p = exp((h - max_hi) + (l - max_lo));
        sum = sum + *p;
    }
    let inv = 1.0 / sum;
    for p in st.p.iter_mut().take(k) {
        *p = *p * inv;
    }
    Normaliser {
        max_hi,
        max_lo,
        sum,
    }
}

/// What the forward pass over the components of one dimension found
/// (`sweep::DimensionSums`).
struct Sums<S: Simd> {
    cdf: V<S>,
    ccdf: V<S>,
    pdf: V<S>,
    lambda: V<S>,
}

/// The forward pass over the components of dimension `d`
/// (`DiagMixtureRef::dimension_sums`): `S z/σ` into `st.suffix_z`, the
/// smaller tail into `st.tail`, `p φ/σ` into `st.logn` over `log N`.
#[inline(always)]
fn dimension_sums<S: Simd>(
    mix: &DiagMixtureRef<'_, f64>,
    st: &mut Block<S>,
    d: usize,
    mut lambda: V<S>,
    norm: &Normaliser<S>,
) -> Sums<S> {
    let s = lambda.s;
    let zero = V::splat(s, 0.0);
    let (mut cdf, mut ccdf, mut pdf, mut total) = (zero, zero, zero, zero);
    let mut ln_rest = [f64::INFINITY; 8];
    for kk in 0..components(mix) {
        let (_, sigma, _) = params(mix, kk, d);
        let s_z = mul_div(st.suffix[kk], st.z[kk], sigma);
        lambda = lambda - s_z;
        st.suffix_z[kk] = s_z;
        let [phi, phic, density] = tails_density(st.z[kk]);
        let (h, p) = (st.hi[kk], st.p[kk]);
        let live = !h.eq(f64::NEG_INFINITY);
        let normal = density.ge(f64::MIN_POSITIVE) & p.ge(f64::MIN_POSITIVE);
        // Lanes that take the log domain multiply 1·1 instead: a
        // subnormal p would cost a microcode assist for a value not used.
        let mut dens = normal.select(p, 1.0) * normal.select(density, 1.0) / sigma;
        if (live & !normal).any() {
            let log_domain = log_domain_densities::<S>(st, kk, norm, density, &mut ln_rest);
            dens = normal.select(dens, V::load(s, &log_domain));
        }
        let small = phi.lt(phic).select(phi, phic);
        let dens = live.select(dens, 0.0);
        st.tail[kk] = live.select(small, 0.0);
        cdf = cdf + live.select(p * phi, 0.0);
        ccdf = ccdf + live.select(p * phic, 0.0);
        pdf = pdf + dens;
        total = total + live.select(p, 0.0);
        st.logn[kk] = dens;
    }
    Sums {
        cdf: cdf / total,
        ccdf: ccdf / total,
        pdf,
        lambda,
    }
}

/// `p φ/σ` from the log domain, lane by lane, for the lanes of component
/// `kk` whose `φ(z)` or `p` is not a normal number
/// (`DiagMixtureRef::dimension_sums`): scalar, as there.
#[inline(always)]
fn log_domain_densities<S: Simd>(
    st: &Block<S>,
    kk: usize,
    norm: &Normaliser<S>,
    density: V<S>,
    ln_rest: &mut [f64; 8],
) -> [f64; 8] {
    let lanes = |v: V<S>| v.lanes();
    log_domain_scalar(
        [st.hi[kk], st.lo[kk], st.p[kk], st.logn[kk], density].map(lanes),
        [norm.max_hi, norm.max_lo, norm.sum].map(lanes),
        ln_rest,
        S::LANES,
    )
}

/// [`log_domain_densities`] on arrays (`[h, l, p, log N, φ]` and
/// `[max_hi, max_lo, sum]`), out of line: the cold path of an unusual
/// component.
#[cold]
#[inline(never)]
fn log_domain_scalar(
    [h, l, p, logn, density]: [[f64; 8]; 5],
    [max_hi, max_lo, sum]: [[f64; 8]; 3],
    ln_rest: &mut [f64; 8],
    lanes: usize,
) -> [f64; 8] {
    let mut dens = [0.0; 8];
    for j in 0..lanes.min(8) {
        let normal = density[j] >= f64::MIN_POSITIVE && p[j] >= f64::MIN_POSITIVE;
        if normal || h[j] == f64::NEG_INFINITY {
            continue;
        }
        if ln_rest[j] == f64::INFINITY {
            ln_rest[j] = libm::log(sum[j]) + max_lo[j];
        }
        dens[j] = crate::elementary::exp::exp(((h[j] - max_hi[j]) + l[j]) - ln_rest[j] + logn[j]);
    }
    dens
}

/// The adjoint of component `kk` at dimension `d` (`sweep::adjoint`):
/// updates `S_k` and returns `(μ̄_kd, σ̄_kd)`, unscaled.
#[inline(always)]
fn adjoint<S: Simd>(
    st: &mut Block<S>,
    kk: usize,
    sigma: f64,
    sums: &Sums<S>,
    inv: V<S>,
) -> [V<S>; 2] {
    let (p, z, dens) = (st.p[kk], st.z[kk], st.logn[kk]);
    let (small, a, sk) = (st.tail[kk], st.suffix_z[kk], st.suffix[kk]);
    // Φ and Φc as the tails formed them; e = p (Φ − F), or p (Fc − Φc)
    // when F > 1/2.
    let negative = z.lt(0.0);
    let phi = negative.select(small, small.rsub(1.0));
    let phic = negative.select(small.rsub(1.0), small);
    let e = sums
        .cdf
        .gt(0.5)
        .select(p * (sums.ccdf - phic), p * (phi - sums.cdf));
    let r = sums.lambda * (dens * inv);
    let b = mul_div(sk, z * z - 1.0, sigma);
    st.suffix[kk] = sk - sums.lambda * (e * inv);
    [a + r, b + r * z]
}

/// `z = (x − μ)/σ` clamped (`kernel::standardise`).
#[inline(always)]
fn standardise<S: Simd>(x: V<S>, mu: f64, sigma: f64) -> V<S> {
    let diff = x - mu;
    let mut z = diff / sigma;
    let overflow = !diff.is_finite();
    if overflow.any() {
        z = overflow.select(x / sigma - mu / sigma, z);
    }
    let z_max = <f64 as DistanceClamp>::Z_MAX;
    let z = z.lt(-z_max).select(-z_max, z);
    z.gt(z_max).select(z_max, z)
}

/// `log N = −z²/2 − ln σ − ½ ln 2π` (`kernel::log_normal`).
#[inline(always)]
fn log_normal<S: Simd>(z: V<S>, ln_sigma: f64) -> V<S> {
    z * -0.5 * z - ln_sigma - <f64 as crate::Float>::LN_SQRT_2PI
}

/// `(hi, lo) += v` in double-length arithmetic, dead components kept dead
/// (`log_weights::dd_add`).
#[inline(always)]
fn dd_add<S: Simd>(hi: &mut V<S>, lo: &mut V<S>, v: V<S>) {
    let dead = hi.eq(f64::NEG_INFINITY);
    let (s, e) = two_sum(*hi, v);
    let (h, l) = two_sum(s, *lo + e);
    *hi = dead.select(*hi, h);
    *lo = dead.select(*lo, l);
}

/// `a·b/c` without a spurious overflow (`sweep::mul_div`).
#[inline(always)]
fn mul_div<S: Simd>(a: V<S>, b: V<S>, c: f64) -> V<S> {
    let t = a * b / c;
    let overflow = !t.is_finite();
    if overflow.any() {
        return overflow.select(a * (b / c), t);
    }
    t
}

/// `slot += g_j · scale_j` for the lanes in order, as the scalar loop adds
/// the rows (`batch::Accumulate`); [`Cold`] if an entry is NaN (the scalar
/// rows then take the rescue pass).
#[inline(always)]
fn add_in_lane_order<S: Simd>(slot: &mut f64, g: V<S>, scale: &[f64; 8]) -> Result<(), Cold> {
    if g.is_nan().any() {
        return Err(Cold);
    }
    let g = g.lanes();
    for (gj, sj) in g.iter().zip(scale).take(S::LANES) {
        *slot += gj * sj;
    }
    Ok(())
}
