//! The calls of the Python package on plain slices, without Python: a
//! batch of `B` packed mixtures and points laid out in rows `r·B + b`
//! (row `r·B + b` belongs to mixture `b`; `r` runs over the sample
//! positions, `R` of them). Each call is one of the crate's batch calls:
//!
//! * one mixture (`B = 1`): its `*_many` forms, whose summed gradients are
//!   the single calls' added in row order;
//! * one point per mixture (`R = 1`): [`DiagBatchRef`];
//! * `R` points per mixture: [`DiagBatchRef`] over the parameters repeated
//!   `R` times (a copy of `R·B·(K + 2KD)` values), whose per-row gradients
//!   are then added in row order here, to the bits of `vjp_many`.

use mixgrad::{
    DiagBatchRef, DiagMixtureRef, Error, Family, Float, LogProbGrad, SeedableRng,
    Xoshiro256PlusPlus,
};

/// Why a call was refused.
#[derive(Debug)]
pub enum Fail {
    /// The crate refused the input.
    Mixgrad(Error),
    /// The buffers do not fit the batch (checked before any slicing).
    Shape(String),
    /// A result would not fit in memory.
    Memory,
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Mixgrad(e)
    }
}

/// `len` zeros, or [`Fail::Memory`] instead of aborting the process.
pub fn zeros<F: Float>(len: usize) -> Result<Vec<F>, Fail> {
    let mut v = Vec::new();
    v.try_reserve_exact(len).map_err(|_| Fail::Memory)?;
    v.resize(len, F::ZERO);
    Ok(v)
}

/// `a·b`, or a refusal naming `what` if it overflows.
fn mul(a: usize, b: usize, what: &str) -> Result<usize, Fail> {
    a.checked_mul(b)
        .ok_or_else(|| Fail::Shape(format!("{what}: the size overflows")))
}

/// Packed parameters of `B` mixtures of `K` components in `D` dimensions
/// (the layout of [`DiagBatchRef`]).
#[derive(Clone, Copy, Debug)]
pub struct Params<'a, F> {
    pub logits: &'a [F],
    pub means: &'a [F],
    pub scales: &'a [F],
    pub k: usize,
    pub d: usize,
}

/// Parameters that own their values (the extension keeps a copy, so
/// Python cannot change them while a call runs without the GIL).
#[derive(Clone, Debug)]
pub struct Owned<F> {
    pub logits: Vec<F>,
    pub means: Vec<F>,
    pub scales: Vec<F>,
    pub k: usize,
    pub d: usize,
}

impl<F: Float> Owned<F> {
    /// Validates `B = logits.len() / k` mixtures of the family `g` (every
    /// check of [`DiagBatchRef::of_family`]) and keeps them.
    pub fn new<G: Family>(
        g: G,
        [logits, means, scales]: [Vec<F>; 3],
        k: usize,
        d: usize,
    ) -> Result<Self, Fail> {
        let owned = Owned {
            logits,
            means,
            scales,
            k,
            d,
        };
        owned.params().batch(g)?;
        Ok(owned)
    }

    pub fn params(&self) -> Params<'_, F> {
        Params {
            logits: &self.logits,
            means: &self.means,
            scales: &self.scales,
            k: self.k,
            d: self.d,
        }
    }
}

impl<'a, F: Float> Params<'a, F> {
    /// `B`, the number of mixtures (`K ≥ 1` once validated).
    pub fn len(&self) -> usize {
        self.logits.len() / self.k.max(1)
    }

    fn batch<G: Family>(&self, g: G) -> Result<DiagBatchRef<'a, F, G>, Error> {
        DiagBatchRef::of_family(g, self.logits, self.means, self.scales, self.k, self.d)
    }

    /// Mixtures `first..first + len` (within the batch).
    fn slice(&self, first: usize, len: usize) -> Params<'a, F> {
        let (k, kd) = (self.k, self.k * self.d);
        let part = |v: &'a [F], w: usize| v.get(first * w..(first + len) * w).unwrap_or_default();
        Params {
            logits: part(self.logits, k),
            means: part(self.means, kd),
            scales: part(self.scales, kd),
            ..*self
        }
    }

    /// The parameters repeated `reps` times, mixture `b` of copy `r` at
    /// `r·B + b`.
    fn repeated(&self, reps: usize) -> Result<Owned<F>, Fail> {
        let copy = |v: &[F]| -> Result<Vec<F>, Fail> {
            let mut out = Vec::new();
            out.try_reserve_exact(mul(v.len(), reps, "repeated parameters")?)
                .map_err(|_| Fail::Memory)?;
            (0..reps).for_each(|_| out.extend_from_slice(v));
            Ok(out)
        };
        Ok(Owned {
            logits: copy(self.logits)?,
            means: copy(self.means)?,
            scales: copy(self.scales)?,
            k: self.k,
            d: self.d,
        })
    }

    /// `R`, the rows per mixture of `values`, which holds `R·B` rows of
    /// `width` values named `what`.
    pub fn reps(&self, values: usize, width: usize, what: &str) -> Result<usize, Fail> {
        let row = mul(self.len(), width, what)?;
        match (values, row) {
            (0, _) => Ok(0),
            (_, 0) => Err(Fail::Shape(format!(
                "{what} holds {values} values for a batch of no mixtures"
            ))),
            _ if values.is_multiple_of(row) => Ok(values / row),
            _ => Err(Fail::Shape(format!(
                "{what} holds {values} values, not a multiple of {} mixtures × {width}",
                self.len()
            ))),
        }
    }
}

/// The rows of one call as the crate takes them.
enum Rows<'a, F, G> {
    /// `R` points of the only mixture.
    Many(DiagMixtureRef<'a, F, G>),
    /// One point per mixture of a packed batch of `R·B` mixtures.
    Batch(DiagBatchRef<'a, F, G>),
}

/// Runs `op` on the rows of `reps` points per mixture of `p`: the many
/// forms where `B = 1` (unless `per_row` asks for per-row parameter
/// gradients, which only a packed batch gives), a packed batch otherwise.
fn with_rows<F: Float, G: Family, R>(
    p: Params<'_, F>,
    g: G,
    reps: usize,
    per_row: bool,
    op: impl FnOnce(Rows<'_, F, G>) -> Result<R, Fail>,
) -> Result<R, Fail> {
    let batch = p.batch(g)?;
    match (batch.mixture(0), batch.len()) {
        (Some(mix), 1) if !per_row => op(Rows::Many(mix)),
        _ if reps == 1 => op(Rows::Batch(batch)),
        _ => {
            let copies = p.repeated(reps)?;
            let rows = copies.params().batch(g)?;
            op(Rows::Batch(rows))
        }
    }
}

/// `n` draws from every mixture, each group of `B / seeds.len()`
/// consecutive mixtures from its own generator
/// `Xoshiro256PlusPlus::seed_from_u64(seed)`: the output holds, group by
/// group, `n` rows of the group's mixtures (`n × B/G × D` values), the
/// draws of consecutive single calls in that order.
pub fn sample<F: Float, G: Family>(
    p: Params<'_, F>,
    g: G,
    n: usize,
    seeds: &[u64],
    ancestral: bool,
) -> Result<Vec<F>, Fail> {
    let groups = seeds.len();
    if groups == 0 || !p.len().is_multiple_of(groups) {
        let b = p.len();
        return Err(Fail::Shape(format!(
            "{groups} seeds do not split a batch of {b} mixtures evenly"
        )));
    }
    let per_group = p.len() / groups;
    let group_len = mul(mul(n, per_group, "samples")?, p.d, "samples")?;
    let mut x = zeros(mul(group_len, groups, "samples")?)?;
    if group_len == 0 {
        return Ok(x);
    }
    for (i, (&seed, xg)) in seeds.iter().zip(x.chunks_exact_mut(group_len)).enumerate() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let part = p.slice(i * per_group, per_group);
        with_rows(part, g, n, false, |rows| {
            match (rows, ancestral) {
                (Rows::Many(m), false) => m.sample_quantile_many(&mut rng, xg, None).map(drop),
                (Rows::Many(m), true) => m.sample_ancestral_many(&mut rng, xg, None),
                (Rows::Batch(b), false) => b.sample_quantile(&mut rng, xg, None).map(drop),
                (Rows::Batch(b), true) => b.sample_ancestral(&mut rng, xg, None),
            }
            .map_err(Fail::from)
        })?;
    }
    Ok(x)
}

/// `log q_b(x_{r,b})` for every row of `x` (`R·B·D` values).
pub fn log_prob<F: Float, G: Family>(p: Params<'_, F>, g: G, x: &[F]) -> Result<Vec<F>, Fail> {
    let reps = p.reps(x.len(), p.d, "x")?;
    let mut out = zeros(mul(reps, p.len(), "log_prob")?)?;
    with_rows(p, g, reps, false, |rows| {
        match rows {
            Rows::Many(m) => m.log_prob_many(x, &mut out),
            Rows::Batch(b) => b.log_prob(x, &mut out),
        }
        .map_err(Fail::from)
    })?;
    Ok(out)
}

/// The conditional CDFs `T_b(x_{r,b})` of every row (`R·B·D` values).
pub fn cdf<F: Float, G: Family>(p: Params<'_, F>, g: G, x: &[F]) -> Result<Vec<F>, Fail> {
    let reps = p.reps(x.len(), p.d, "x")?;
    let mut u = zeros(x.len())?;
    with_rows(p, g, reps, false, |rows| {
        match rows {
            Rows::Many(m) => m.cdf_many(x, &mut u),
            Rows::Batch(b) => b.cdf(x, &mut u),
        }
        .map_err(Fail::from)
    })?;
    Ok(u)
}

/// The quantile map `T_b⁻¹(u_{r,b})` of every row (`R·B·D` values).
pub fn quantile<F: Float, G: Family>(p: Params<'_, F>, g: G, u: &[F]) -> Result<Vec<F>, Fail> {
    let reps = p.reps(u.len(), p.d, "u")?;
    let mut x = zeros(u.len())?;
    with_rows(p, g, reps, false, |rows| {
        match rows {
            Rows::Many(m) => m.quantile_many(u, &mut x).map(drop),
            Rows::Batch(b) => b.quantile(u, &mut x).map(drop),
        }
        .map_err(Fail::from)
    })?;
    Ok(x)
}

/// Gradients with respect to the parameters: `B·K` logits, `B·K·D` means
/// and scales values (per mixture), or the same per row.
pub struct Grads<F> {
    pub logits: Vec<F>,
    pub means: Vec<F>,
    pub scales: Vec<F>,
}

impl<F: Float> Grads<F> {
    /// Zeros for `rows` mixtures of `p`'s shape.
    fn zeros(p: &Params<'_, F>, rows: usize) -> Result<Self, Fail> {
        let kd = mul(p.k, p.d, "gradient")?;
        Ok(Grads {
            logits: zeros(mul(rows, p.k, "gradient")?)?,
            means: zeros(mul(rows, kd, "gradient")?)?,
            scales: zeros(mul(rows, kd, "gradient")?)?,
        })
    }

    /// `Σ_r w_r·g_{r,b}` per mixture `b` of per-row gradients (rows
    /// `r·B + b`), added in row order to `+0` as the crate's summed forms
    /// do; `w_r = 1` (no `weights`) gives their bits.
    fn summed(&self, p: &Params<'_, F>, weights: Option<&[F]>) -> Result<Self, Fail> {
        let mut total = Grads::zeros(p, p.len())?;
        let pairs = [
            (&mut total.logits, &self.logits),
            (&mut total.means, &self.means),
            (&mut total.scales, &self.scales),
        ];
        for (sum, rows) in pairs {
            add_rows(sum, rows, p.len(), weights);
        }
        Ok(total)
    }
}

/// `sum += w_{r·B + b}·row_r` over the rows of `rows` (each `sum.len()`
/// values, one row per `r`, mixture `b` its `b`-th part), in order.
fn add_rows<F: Float>(sum: &mut [F], rows: &[F], b: usize, weights: Option<&[F]>) {
    if sum.is_empty() || b == 0 {
        return;
    }
    let per_mixture = sum.len() / b;
    for (r, row) in rows.chunks_exact(sum.len()).enumerate() {
        for (i, (s, &v)) in sum.iter_mut().zip(row).enumerate() {
            let w = weights.and_then(|w| w.get(r * b + i / per_mixture));
            *s += w.map_or(v, |&w| w * v);
        }
    }
}

/// `Σ_r x̄_{r,b}·∂x_{r,b}/∂θ_b` per mixture: the pathwise gradient of a
/// loss with cotangents `x_bar` at the points `x` (`R·B·D` values each).
pub fn vjp<F: Float, G: Family>(
    p: Params<'_, F>,
    g: G,
    x: &[F],
    x_bar: &[F],
) -> Result<Grads<F>, Fail> {
    let reps = p.reps(x.len(), p.d, "x")?;
    if x_bar.len() != x.len() {
        let (n, m) = (x_bar.len(), x.len());
        return Err(Fail::Shape(format!("x_bar holds {n} values, x {m}")));
    }
    with_rows(p, g, reps, false, |rows| match rows {
        Rows::Many(m) => {
            let mut out = Grads::zeros(&p, 1)?;
            m.vjp_many(x, x_bar, &mut out.logits, &mut out.means, &mut out.scales)?;
            Ok(out)
        }
        Rows::Batch(b) => {
            let mut per_row = Grads::zeros(&p, b.len())?;
            let Grads {
                logits,
                means,
                scales,
            } = &mut per_row;
            b.vjp(x, x_bar, logits, means, scales)?;
            per_row.summed(&p, None)
        }
    })
}

/// `log q` of every row with its gradients per row.
pub struct LogProbRows<F> {
    /// `log q` (`R·B` values).
    pub log_prob: Vec<F>,
    /// `∂ log q/∂x` (`R·B·D` values).
    pub x: Vec<F>,
    /// With respect to the row's mixture (`R·B·K`, `R·B·K·D` values).
    pub params: Grads<F>,
}

/// `log q` of every row of `x` with its gradients per row.
pub fn log_prob_grad<F: Float, G: Family>(
    p: Params<'_, F>,
    g: G,
    x: &[F],
) -> Result<LogProbRows<F>, Fail> {
    let reps = p.reps(x.len(), p.d, "x")?;
    let rows_n = mul(reps, p.len(), "log_prob")?;
    let mut lp = zeros(rows_n)?;
    let mut dx = zeros(x.len())?;
    let mut grads = Grads::zeros(&p, rows_n)?;
    with_rows(p, g, reps, true, |rows| {
        let grad = LogProbGrad {
            x: Some(&mut dx),
            logits: Some(&mut grads.logits),
            means: Some(&mut grads.means),
            scales: Some(&mut grads.scales),
        };
        match rows {
            Rows::Batch(b) => b.log_prob_grad(x, &mut lp, grad).map_err(Fail::from),
            Rows::Many(_) => Err(Fail::Shape("per-row gradients need a batch".into())),
        }
    })?;
    Ok(LogProbRows {
        log_prob: lp,
        x: dx,
        params: grads,
    })
}

/// The gradient of `Σ_r w_{r,b}·log q_b(x_{r,b})` (weights `lp_bar`, one
/// per row): with respect to every point (`R·B·D` values) and to every
/// mixture's parameters, summed over its rows.
pub fn log_prob_vjp<F: Float, G: Family>(
    p: Params<'_, F>,
    g: G,
    x: &[F],
    lp_bar: &[F],
) -> Result<(Vec<F>, Grads<F>), Fail> {
    let LogProbRows {
        log_prob,
        x: mut dx,
        params,
    } = log_prob_grad(p, g, x)?;
    if lp_bar.len() != log_prob.len() {
        let (n, m) = (lp_bar.len(), log_prob.len());
        return Err(Fail::Shape(format!(
            "lp_bar holds {n} values, {m} expected"
        )));
    }
    if p.d > 0 {
        for (row, &w) in dx.chunks_exact_mut(p.d).zip(lp_bar) {
            row.iter_mut().for_each(|v| *v *= w);
        }
    }
    Ok((dx, params.summed(&p, Some(lp_bar))?))
}
