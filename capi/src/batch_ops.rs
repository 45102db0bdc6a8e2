//! One generic implementation per batch C function (docs/math.md §8),
//! shared by the `f64` and `f32` entry points: the `_many` forms (`n`
//! points of one mixture) and the packed-batch forms (`n` mixtures, one
//! point each).
//!
//! Each follows the steps of `ops`: pointer checks in argument order (an
//! array of `n` rows may be NULL when `n = 0`, [`rows_of`]), the shape
//! with the row counts (`n·D`, `n·K`, `n·K·D`), the overlap check over
//! full lengths, the parameter values (the core view: every mixture of a
//! batch), then the core's batch call, which validates every row's inputs
//! (and, for gradients, runs the zero-density pre-pass) before it writes
//! anything. No slice exists before every pointer and length has passed.
//!
//! # Safety (all functions)
//! Every non-NULL pointer must be valid for the reads or writes its length
//! implies (documented on the C functions) for the duration of the call.

use mixgrad::{DiagBatchRef, DiagMixtureRef, Error, Float, MAX_COMPONENTS};

use crate::checks::{
    disjoint, grad_buffers, log_prob_grad_of, optional_grads, optional_mut, required_mut, rows_len,
    rows_of, rows_of_mut, Batch, BatchShape, Buffer, Checked, Mixture, RawBatch, RawMixture, Shape,
};
use crate::mixgrad_rng;
use crate::mixgrad_status as S;
use crate::ops::seeded;

type F<M> = <M as RawMixture>::F;
type G<B> = <B as RawBatch>::F;

/// The mixture's shape (bounded by the stack scratch: the batch forms have
/// no `_work` variant) and `n·D`, the length of a row array.
fn many_shape<T: Float>(m: &Mixture<T>, n: usize) -> Checked<(Shape, usize)> {
    let s = m.shape(MAX_COMPONENTS)?;
    Ok((s, rows_len::<T>(n, s.d)?))
}

// ---- n points of one mixture ---------------------------------------------

pub(crate) unsafe fn cdf_many<M: RawMixture>(
    mix: *const M,
    n: usize,
    x: *const F<M>,
    u: *mut F<M>,
) -> Checked<()> {
    unsafe { many_per_dimension(mix, n, x, u, |v, x, u| v.cdf_many(x, u)) }
}

pub(crate) unsafe fn quantile_many<M: RawMixture>(
    mix: *const M,
    n: usize,
    u: *const F<M>,
    x: *mut F<M>,
) -> Checked<()> {
    unsafe { many_per_dimension(mix, n, u, x, |v, u, x| v.quantile_many(u, x).map(drop)) }
}

/// `n·D` values in, `n·D` values out: the shape of `cdf` and `quantile`.
unsafe fn many_per_dimension<M: RawMixture>(
    mix: *const M,
    n: usize,
    input: *const F<M>,
    output: *mut F<M>,
    op: impl FnOnce(&DiagMixtureRef<'_, F<M>>, &[F<M>], &mut [F<M>]) -> Result<(), Error>,
) -> Checked<()> {
    let m = unsafe { Mixture::read(mix) }?;
    let (input, output) = (rows_of(input, n)?, rows_of_mut(output, n)?);
    let (s, nd) = many_shape(&m, n)?;
    let (input, output) = (Buffer::input(input, nd), Buffer::output(output, nd));
    let [pa, pm, ps] = m.spans(s);
    disjoint(&[Some(output.span())], &[pa, pm, ps, input.span()])?;
    let view = unsafe { m.view(s) }?;
    Ok(op(&view, unsafe { input.into_slice() }, unsafe {
        output.into_mut_slice()
    })?)
}

pub(crate) unsafe fn log_prob_many<M: RawMixture>(
    mix: *const M,
    n: usize,
    x: *const F<M>,
    log_prob: *mut F<M>,
) -> Checked<()> {
    unsafe { log_prob_grad_many(mix, n, x, log_prob, [core::ptr::null_mut(); 4]) }
}

/// `log q` of every row (required: the core writes it for every row, and
/// the summed gradients cannot be split into blocks without changing their
/// bits) and the optional gradients: `x` per row, the parameters summed.
pub(crate) unsafe fn log_prob_grad_many<M: RawMixture>(
    mix: *const M,
    n: usize,
    x: *const F<M>,
    log_prob: *mut F<M>,
    grads: [*mut F<M>; 4],
) -> Checked<()> {
    let m = unsafe { Mixture::read(mix) }?;
    let (x, log_prob) = (rows_of(x, n)?, rows_of_mut(log_prob, n)?);
    let grads = optional_grads(grads)?;
    let (s, nd) = many_shape(&m, n)?;
    let x = Buffer::input(x, nd);
    let value = Buffer::output(log_prob, rows_len::<F<M>>(n, 1)?);
    let grads = grad_buffers(grads, [nd, s.k, s.kd, s.kd]);
    let [gx, ga, gm, gs] = grads;
    let [pa, pm, ps] = m.spans(s);
    disjoint(
        &[Some(value), gx, ga, gm, gs].map(|b| b.map(|b| b.span())),
        &[pa, pm, ps, x.span()],
    )?;
    let view = unsafe { m.view(s) }?;
    let grad = unsafe { log_prob_grad_of(grads) };
    let (x, value) = unsafe { (x.into_slice(), value.into_mut_slice()) };
    Ok(view.log_prob_grad_many(x, value, grad)?)
}

pub(crate) unsafe fn vjp_many<M: RawMixture>(
    mix: *const M,
    n: usize,
    x: *const F<M>,
    x_bar: *const F<M>,
    bars: [*mut F<M>; 3],
) -> Checked<()> {
    let m = unsafe { Mixture::read(mix) }?;
    let (x, x_bar) = (rows_of(x, n)?, rows_of(x_bar, n)?);
    let [a, mu, sigma] = bars;
    let (a, mu, sigma) = (required_mut(a)?, required_mut(mu)?, required_mut(sigma)?);
    let (s, nd) = many_shape(&m, n)?;
    let (x, x_bar) = (Buffer::input(x, nd), Buffer::input(x_bar, nd));
    let a = Buffer::output(a, s.k);
    let (mu, sigma) = (Buffer::output(mu, s.kd), Buffer::output(sigma, s.kd));
    let [pa, pm, ps] = m.spans(s);
    disjoint(
        &[Some(a.span()), Some(mu.span()), Some(sigma.span())],
        &[pa, pm, ps, x.span(), x_bar.span()],
    )?;
    let view = unsafe { m.view(s) }?;
    let [a, mu, sigma] = [a, mu, sigma].map(|b| unsafe { b.into_mut_slice() });
    let (x, x_bar) = unsafe { (x.into_slice(), x_bar.into_slice()) };
    Ok(view.vjp_many(x, x_bar, a, mu, sigma)?)
}

pub(crate) unsafe fn first_zero_density_many<M: RawMixture>(
    mix: *const M,
    n: usize,
    x: *const F<M>,
    row: *mut usize,
) -> Checked<()> {
    let m = unsafe { Mixture::read(mix) }?;
    let (x, row) = (rows_of(x, n)?, required_mut(row)?);
    let (s, nd) = many_shape(&m, n)?;
    let (x, row) = (Buffer::input(x, nd), Buffer::output(row, 1));
    let [pa, pm, ps] = m.spans(s);
    disjoint(&[Some(row.span())], &[pa, pm, ps, x.span()])?;
    let view = unsafe { m.view(s) }?;
    let first = view.first_zero_density_many(unsafe { x.into_slice() })?;
    write_row(row, first.unwrap_or(n))
}

/// Writes the located row (or `n`) to the caller's `size_t`.
fn write_row(row: Buffer<usize>, value: usize) -> Checked<()> {
    // SAFETY: one writable `size_t`, disjoint from every input (checked).
    let slot = unsafe { row.into_mut_slice() }.first_mut();
    *slot.ok_or(S::MIXGRAD_ERR_INTERNAL)? = value;
    Ok(())
}

pub(crate) unsafe fn sample_quantile_many<M: RawMixture>(
    mix: *const M,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut F<M>,
    u: *mut F<M>,
) -> Checked<()> {
    let m = unsafe { Mixture::read(mix) }?;
    let (rng, x, u) = (required_mut(rng)?, rows_of_mut(x, n)?, optional_mut(u)?);
    let (s, nd) = many_shape(&m, n)?;
    let rng = Buffer::output(rng, 1);
    let x = Buffer::output(x, nd);
    let u = u.map(|p| Buffer::output(p, nd));
    disjoint(
        &[Some(rng.span()), Some(x.span()), u.map(|b| b.span())],
        &m.spans(s),
    )?;
    let view = unsafe { m.view(s) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let u = u.map(|b| unsafe { b.into_mut_slice() });
    view.sample_quantile_many(rng, unsafe { x.into_mut_slice() }, u)?;
    Ok(())
}

pub(crate) unsafe fn sample_ancestral_many<M: RawMixture>(
    mix: *const M,
    rng: *mut mixgrad_rng,
    n: usize,
    x: *mut F<M>,
    component: *mut u32,
) -> Checked<()> {
    let m = unsafe { Mixture::read(mix) }?;
    let (rng, x) = (required_mut(rng)?, rows_of_mut(x, n)?);
    let component = optional_mut(component)?;
    let (s, nd) = many_shape(&m, n)?;
    let rng = Buffer::output(rng, 1);
    let x = Buffer::output(x, nd);
    let component = match component {
        Some(p) => Some(Buffer::output(p, rows_len::<u32>(n, 1)?)),
        None => None,
    };
    disjoint(
        &[
            Some(rng.span()),
            Some(x.span()),
            component.map(|b| b.span()),
        ],
        &m.spans(s),
    )?;
    let view = unsafe { m.view(s) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let x = unsafe { x.into_mut_slice() };
    match component {
        None => Ok(view.sample_ancestral_many(rng, x, None)?),
        Some(c) => {
            let c = unsafe { c.into_mut_slice() };
            in_blocks(x, c, s.d, |_, x, k| {
                view.sample_ancestral_many(&mut *rng, x, Some(k))
            })
        }
    }
}

/// Rows per core call when a sampler's components (`usize` in the core)
/// are copied to the caller's `uint32_t` array: the length of the one
/// stack buffer they pass through.
const BLOCK: usize = 64;

/// Runs `draw(first_row, x_rows, components)` on consecutive blocks of at
/// most [`BLOCK`] rows of `x` (`width` values a row), each with a `usize`
/// buffer for its components, and copies those into `component` (one per
/// row). The core's samplers consume the uniforms of one single call per
/// row in row order, so blocks draw exactly what one call over all rows
/// would. Called after every check has passed: `draw` cannot fail then.
fn in_blocks<T>(
    x: &mut [T],
    component: &mut [u32],
    width: usize,
    mut draw: impl FnMut(usize, &mut [T], &mut [usize]) -> Result<(), Error>,
) -> Checked<()> {
    let mut buf = [0usize; BLOCK];
    let mut rest = x;
    for (b, out) in component.chunks_mut(BLOCK).enumerate() {
        // At most n·D, which fits (checked).
        let len = out.len() * width;
        let (rows, later) = rest
            .split_at_mut_checked(len)
            .ok_or(S::MIXGRAD_ERR_INTERNAL)?;
        rest = later;
        let ks = buf.get_mut(..out.len()).ok_or(S::MIXGRAD_ERR_INTERNAL)?;
        draw(b * BLOCK, rows, ks)?;
        for (slot, &k) in out.iter_mut().zip(ks.iter()) {
            // k < K <= MAX_COMPONENTS, so it fits.
            *slot = k as u32;
        }
    }
    Ok(())
}

// ---- packed batches: n mixtures, one point each --------------------------

pub(crate) unsafe fn batch_validate<B: RawBatch>(b: *const B) -> Checked<()> {
    let batch = unsafe { Batch::read(b) }?;
    let s = batch.shape()?;
    unsafe { batch.view(s) }.map(drop)
}

pub(crate) unsafe fn batch_cdf<B: RawBatch>(
    b: *const B,
    x: *const G<B>,
    u: *mut G<B>,
) -> Checked<()> {
    unsafe { batch_per_dimension(b, x, u, |v, x, u| v.cdf(x, u)) }
}

pub(crate) unsafe fn batch_quantile<B: RawBatch>(
    b: *const B,
    u: *const G<B>,
    x: *mut G<B>,
) -> Checked<()> {
    unsafe { batch_per_dimension(b, u, x, |v, u, x| v.quantile(u, x).map(drop)) }
}

/// `n·D` values in, `n·D` values out, row `i` under mixture `i`.
unsafe fn batch_per_dimension<B: RawBatch>(
    b: *const B,
    input: *const G<B>,
    output: *mut G<B>,
    op: impl FnOnce(&DiagBatchRef<'_, G<B>>, &[G<B>], &mut [G<B>]) -> Result<(), Error>,
) -> Checked<()> {
    let batch = unsafe { Batch::read(b) }?;
    let n = batch.len();
    let (input, output) = (rows_of(input, n)?, rows_of_mut(output, n)?);
    let s = batch.shape()?;
    let (input, output) = (Buffer::input(input, s.nd), Buffer::output(output, s.nd));
    let [pa, pm, ps] = batch.spans(s);
    disjoint(&[Some(output.span())], &[pa, pm, ps, input.span()])?;
    let view = unsafe { batch.view(s) }?;
    Ok(op(&view, unsafe { input.into_slice() }, unsafe {
        output.into_mut_slice()
    })?)
}

pub(crate) unsafe fn batch_log_prob<B: RawBatch>(
    b: *const B,
    x: *const G<B>,
    log_prob: *mut G<B>,
) -> Checked<()> {
    unsafe { batch_log_prob_grad(b, x, log_prob, [core::ptr::null_mut(); 4]) }
}

/// `log qᵢ(xᵢ)` of every mixture (required, as for the `_many` form) and
/// the optional per-mixture gradients.
pub(crate) unsafe fn batch_log_prob_grad<B: RawBatch>(
    b: *const B,
    x: *const G<B>,
    log_prob: *mut G<B>,
    grads: [*mut G<B>; 4],
) -> Checked<()> {
    let batch = unsafe { Batch::read(b) }?;
    let n = batch.len();
    let (x, log_prob) = (rows_of(x, n)?, rows_of_mut(log_prob, n)?);
    let grads = optional_grads(grads)?;
    let s = batch.shape()?;
    let x = Buffer::input(x, s.nd);
    let value = Buffer::output(log_prob, s.n);
    let grads = grad_buffers(grads, [s.nd, s.nk, s.nkd, s.nkd]);
    let [gx, ga, gm, gs] = grads;
    let [pa, pm, ps] = batch.spans(s);
    disjoint(
        &[Some(value), gx, ga, gm, gs].map(|b| b.map(|b| b.span())),
        &[pa, pm, ps, x.span()],
    )?;
    let view = unsafe { batch.view(s) }?;
    let grad = unsafe { log_prob_grad_of(grads) };
    let (x, value) = unsafe { (x.into_slice(), value.into_mut_slice()) };
    Ok(view.log_prob_grad(x, value, grad)?)
}

pub(crate) unsafe fn batch_vjp<B: RawBatch>(
    b: *const B,
    x: *const G<B>,
    x_bar: *const G<B>,
    bars: [*mut G<B>; 3],
) -> Checked<()> {
    let batch = unsafe { Batch::read(b) }?;
    let n = batch.len();
    let (x, x_bar) = (rows_of(x, n)?, rows_of(x_bar, n)?);
    let [a, mu, sigma] = bars;
    let (a, mu, sigma) = (
        rows_of_mut(a, n)?,
        rows_of_mut(mu, n)?,
        rows_of_mut(sigma, n)?,
    );
    let s = batch.shape()?;
    let (x, x_bar) = (Buffer::input(x, s.nd), Buffer::input(x_bar, s.nd));
    let a = Buffer::output(a, s.nk);
    let (mu, sigma) = (Buffer::output(mu, s.nkd), Buffer::output(sigma, s.nkd));
    let [pa, pm, ps] = batch.spans(s);
    disjoint(
        &[Some(a.span()), Some(mu.span()), Some(sigma.span())],
        &[pa, pm, ps, x.span(), x_bar.span()],
    )?;
    let view = unsafe { batch.view(s) }?;
    let [a, mu, sigma] = [a, mu, sigma].map(|b| unsafe { b.into_mut_slice() });
    let (x, x_bar) = unsafe { (x.into_slice(), x_bar.into_slice()) };
    Ok(view.vjp(x, x_bar, a, mu, sigma)?)
}

pub(crate) unsafe fn batch_first_zero_density<B: RawBatch>(
    b: *const B,
    x: *const G<B>,
    row: *mut usize,
) -> Checked<()> {
    let batch = unsafe { Batch::read(b) }?;
    let n = batch.len();
    let (x, row) = (rows_of(x, n)?, required_mut(row)?);
    let s = batch.shape()?;
    let (x, row) = (Buffer::input(x, s.nd), Buffer::output(row, 1));
    let [pa, pm, ps] = batch.spans(s);
    disjoint(&[Some(row.span())], &[pa, pm, ps, x.span()])?;
    let view = unsafe { batch.view(s) }?;
    let first = view.first_zero_density(unsafe { x.into_slice() })?;
    write_row(row, first.unwrap_or(n))
}

pub(crate) unsafe fn batch_sample_quantile<B: RawBatch>(
    b: *const B,
    rng: *mut mixgrad_rng,
    x: *mut G<B>,
    u: *mut G<B>,
) -> Checked<()> {
    let batch = unsafe { Batch::read(b) }?;
    let n = batch.len();
    let (rng, x, u) = (required_mut(rng)?, rows_of_mut(x, n)?, optional_mut(u)?);
    let s = batch.shape()?;
    let rng = Buffer::output(rng, 1);
    let x = Buffer::output(x, s.nd);
    let u = u.map(|p| Buffer::output(p, s.nd));
    disjoint(
        &[Some(rng.span()), Some(x.span()), u.map(|b| b.span())],
        &batch.spans(s),
    )?;
    let view = unsafe { batch.view(s) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let u = u.map(|b| unsafe { b.into_mut_slice() });
    view.sample_quantile(rng, unsafe { x.into_mut_slice() }, u)?;
    Ok(())
}

pub(crate) unsafe fn batch_sample_ancestral<B: RawBatch>(
    b: *const B,
    rng: *mut mixgrad_rng,
    x: *mut G<B>,
    component: *mut u32,
) -> Checked<()> {
    let batch = unsafe { Batch::read(b) }?;
    let n = batch.len();
    let (rng, x) = (required_mut(rng)?, rows_of_mut(x, n)?);
    let component = optional_mut(component)?;
    let s = batch.shape()?;
    let rng = Buffer::output(rng, 1);
    let x = Buffer::output(x, s.nd);
    let component = match component {
        Some(p) => Some(Buffer::output(p, rows_len::<u32>(n, 1)?)),
        None => None,
    };
    disjoint(
        &[
            Some(rng.span()),
            Some(x.span()),
            component.map(|b| b.span()),
        ],
        &batch.spans(s),
    )?;
    let view = unsafe { batch.view(s) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let x = unsafe { x.into_mut_slice() };
    match component {
        None => Ok(view.sample_ancestral(rng, x, None)?),
        Some(c) => {
            let c = unsafe { c.into_mut_slice() };
            let arrays = unsafe { batch.arrays(s) };
            in_blocks(x, c, s.d, |first, x, k| {
                mixtures(arrays, s, first, k.len())?.sample_ancestral(&mut *rng, x, Some(k))
            })
        }
    }
}

/// Mixtures `first .. first + len` of the packed `arrays` as a batch of
/// their own (for [`in_blocks`]). They were validated with the whole batch,
/// so this cannot fail; the core validates them again, `O(K·D)` comparisons
/// a mixture, little beside a draw.
fn mixtures<T: Float>(
    [logits, means, scales]: [&[T]; 3],
    s: BatchShape,
    first: usize,
    len: usize,
) -> Result<DiagBatchRef<'_, T>, Error> {
    // first + len <= n: every product is at most n·K or n·K·D (checked).
    let kd = s.k * s.d;
    let (a, m) = (
        first * s.k..(first + len) * s.k,
        first * kd..(first + len) * kd,
    );
    let logits = logits.get(a).unwrap_or_default();
    let (means, scales) = (means.get(m.clone()), scales.get(m));
    let (means, scales) = (means.unwrap_or_default(), scales.unwrap_or_default());
    DiagBatchRef::new(logits, means, scales, s.k, s.d)
}
