//! One generic implementation per full-covariance C function
//! (docs/math.md §10), shared by the `f64` and `f32` entry points in
//! `tril`. Each follows the steps of the diagonal ones in `ops`: pointer
//! checks in argument order (`mix` and its three arrays first, `work`
//! last), the shape (`K`, `D`, the sizes, then the workspace length), the
//! overlap check (`work` is an output), the parameter values (the core
//! view), then the core call, which validates the per-call inputs before
//! it writes anything.
//!
//! # Safety (all functions)
//! Every non-NULL pointer must be valid for the reads or writes its length
//! implies (documented on the C functions) for the duration of the call.

use mixgrad::{Error, Float, TrilLogProbGrad, TrilMixtureRef};

use crate::checks::{
    disjoint, elements, optional_grads, optional_mut, required, required_mut, rows_len, rows_of,
    rows_of_mut, Buffer, Checked, Span,
};
use crate::mixgrad_rng;
use crate::mixgrad_status as S;
use crate::ops::seeded;

/// The fields of `mixgrad_tril_f64` / `mixgrad_tril_f32`, generic over the
/// element type so that both precisions share every check.
pub(crate) trait RawTril {
    type F: Float;
    /// `K`, `D`, `logits`, `means`, `scale_tril`.
    fn parts(&self) -> (u32, u32, *const Self::F, *const Self::F, *const Self::F);
}

type F<M> = <M as RawTril>::F;

/// A full-covariance mixture whose pointers passed the NULL and alignment
/// checks; its shape and values are checked by [`Tril::shape`] and
/// [`Tril::view`].
struct Tril<T> {
    num_components: u32,
    num_dims: u32,
    logits: *const T,
    means: *const T,
    scale_tril: *const T,
}

/// `K`, `D`, `K·D` and `K·D·D` after the shape checks.
#[derive(Clone, Copy)]
struct Shape {
    k: usize,
    d: usize,
    kd: usize,
    kdd: usize,
}

impl<T: Float> Tril<T> {
    /// Reads the struct behind `mix` and checks its pointers.
    ///
    /// # Safety
    /// `mix`, if not NULL and aligned, must point to a readable struct.
    unsafe fn read<M: RawTril<F = T>>(mix: *const M) -> Checked<Self> {
        let mix = required(mix)?;
        // SAFETY: non-null, aligned, readable by the caller's contract.
        let (k, d, logits, means, scale_tril) = unsafe { &*mix }.parts();
        Ok(Tril {
            num_components: k,
            num_dims: d,
            logits: required(logits)?,
            means: required(means)?,
            scale_tril: required(scale_tril)?,
        })
    }

    /// `K ≥ 1`, `D ≥ 1`, and `K·D·D` elements fit (no bound on `K`: the
    /// scratch is the caller's).
    fn shape(&self) -> Checked<Shape> {
        let (k, d) = (self.num_components as usize, self.num_dims as usize);
        if k == 0 {
            return Err(S::MIXGRAD_ERR_NO_COMPONENTS);
        }
        if d == 0 {
            return Err(S::MIXGRAD_ERR_NO_DIMENSIONS);
        }
        let kd = k.checked_mul(d).ok_or(S::MIXGRAD_ERR_SIZE_OVERFLOW)?;
        let kdd = kd.checked_mul(d).ok_or(S::MIXGRAD_ERR_SIZE_OVERFLOW)?;
        Ok(Shape {
            k,
            d,
            kd,
            kdd: elements::<T>(kdd)?,
        })
    }

    fn buffers(&self, s: Shape) -> [Buffer<T>; 3] {
        [
            Buffer::input(self.logits, s.k),
            Buffer::input(self.means, s.kd),
            Buffer::input(self.scale_tril, s.kdd),
        ]
    }

    /// The byte ranges of the three parameter arrays (the whole `K·D·D` of
    /// `scale_tril`, the entries above the diagonals included).
    fn spans(&self, s: Shape) -> [Span; 3] {
        self.buffers(s).map(|b| b.span())
    }

    /// Validates the parameter values and wraps them in the core view.
    ///
    /// # Safety
    /// The arrays must be readable for `K`, `K·D`, `K·D·D` elements and not
    /// be written to for `'a`.
    unsafe fn view<'a>(&self, s: Shape) -> Checked<TrilMixtureRef<'a, T>> {
        let [logits, means, tril] = self.buffers(s);
        // SAFETY: forwarded to the caller.
        let (logits, means, tril) =
            unsafe { (logits.into_slice(), means.into_slice(), tril.into_slice()) };
        Ok(TrilMixtureRef::new(logits, means, tril, s.d)?)
    }
}

/// The values of scratch for `k` components in `d` dimensions (`None` if
/// it overflows `usize`): the core's own figure.
pub(crate) fn work_len(k: usize, d: usize) -> Option<usize> {
    TrilMixtureRef::<f64>::work_len(k, d)
}

/// `work_len` against what the shape needs: the part of `work` that is
/// used, an output of the overlap check.
fn workspace<T>(work: *mut T, len: usize, s: Shape) -> Checked<Buffer<T>> {
    let need = work_len(s.k, s.d).ok_or(S::MIXGRAD_ERR_SIZE_OVERFLOW)?;
    if len < elements::<T>(need)? {
        return Err(S::MIXGRAD_ERR_SHORT_WORKSPACE);
    }
    Ok(Buffer::output(work, need))
}

/// The caller's scratch, after the pointer checks of the other arguments.
type Work<T> = (*mut T, usize);

pub(crate) unsafe fn validate<M: RawTril>(mix: *const M) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let s = m.shape()?;
    unsafe { m.view(s) }.map(drop)
}

pub(crate) unsafe fn log_prob<M: RawTril>(
    mix: *const M,
    x: *const F<M>,
    log_prob: *mut F<M>,
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (x, log_prob) = (required(x)?, required_mut(log_prob)?);
    let work = required_mut(work)?;
    let grads = [None; 4];
    unsafe { log_prob_with(m, x, Some(log_prob), grads, (work, work_len)) }
}

pub(crate) unsafe fn log_prob_grad<M: RawTril>(
    mix: *const M,
    x: *const F<M>,
    log_prob: *mut F<M>,
    grads: [*mut F<M>; 4],
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (x, log_prob) = (required(x)?, optional_mut(log_prob)?);
    let grads = optional_grads(grads)?;
    let work = required_mut(work)?;
    unsafe { log_prob_with(m, x, log_prob, grads, (work, work_len)) }
}

/// `log q(x)` and the gradients w.r.t. `x`, logits, means and factors
/// (each output optional).
unsafe fn log_prob_with<T: Float>(
    m: Tril<T>,
    x: *const T,
    log_prob: Option<*mut T>,
    grads: [Option<*mut T>; 4],
    (work, work_len): Work<T>,
) -> Checked<()> {
    let s = m.shape()?;
    let work = workspace(work, work_len, s)?;
    let x = Buffer::input(x, s.d);
    let value = log_prob.map(|p| Buffer::output(p, 1));
    let [gx, ga, gm, gl] = grads;
    let grads = [(gx, s.d), (ga, s.k), (gm, s.kd), (gl, s.kdd)]
        .map(|(p, len)| p.map(|p| Buffer::output(p, len)));
    let [pa, pm, pl] = m.spans(s);
    let [bx, ba, bm, bl] = grads;
    disjoint(
        &[value, bx, ba, bm, bl, Some(work)].map(|b| b.map(|b| b.span())),
        &[pa, pm, pl, x.span()],
    )?;
    let mix = unsafe { m.view(s) }?;
    // SAFETY: each output is writable for its length and, by the overlap
    // check, aliases nothing else.
    let [gx, ga, gm, gl] = grads.map(|g| g.map(|b| unsafe { b.into_mut_slice() }));
    let grad = TrilLogProbGrad {
        x: gx,
        logits: ga,
        means: gm,
        scale_tril: gl,
    };
    let (x, work) = unsafe { (x.into_slice(), work.into_mut_slice()) };
    let lp = mix.log_prob_grad(x, grad, work)?;
    if let Some(slot) = value.and_then(|b| unsafe { b.into_mut_slice() }.first_mut()) {
        *slot = lp;
    }
    Ok(())
}

pub(crate) unsafe fn cdf<M: RawTril>(
    mix: *const M,
    x: *const F<M>,
    u: *mut F<M>,
    work: Work<F<M>>,
) -> Checked<()> {
    unsafe { per_dimension(mix, x, u, work, |m, x, u, w| m.cdf(x, u, w)) }
}

pub(crate) unsafe fn quantile<M: RawTril>(
    mix: *const M,
    u: *const F<M>,
    x: *mut F<M>,
    work: Work<F<M>>,
) -> Checked<()> {
    unsafe { per_dimension(mix, u, x, work, |m, u, x, w| m.quantile(u, x, w).map(drop)) }
}

/// `D` values in, `D` values out: the shape of `cdf` and `quantile`. `op`
/// is the core operation on the view, the input, the output and the
/// scratch.
unsafe fn per_dimension<M: RawTril>(
    mix: *const M,
    input: *const F<M>,
    output: *mut F<M>,
    (work, work_len): Work<F<M>>,
    op: impl FnOnce(&TrilMixtureRef<'_, F<M>>, &[F<M>], &mut [F<M>], &mut [F<M>]) -> Result<(), Error>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (input, output) = (required(input)?, required_mut(output)?);
    let work = required_mut(work)?;
    let s = m.shape()?;
    let work = workspace(work, work_len, s)?;
    let (input, output) = (Buffer::input(input, s.d), Buffer::output(output, s.d));
    let [pa, pm, pl] = m.spans(s);
    disjoint(
        &[Some(output.span()), Some(work.span())],
        &[pa, pm, pl, input.span()],
    )?;
    let mix = unsafe { m.view(s) }?;
    let (input, output, work) = unsafe {
        (
            input.into_slice(),
            output.into_mut_slice(),
            work.into_mut_slice(),
        )
    };
    Ok(op(&mix, input, output, work)?)
}

pub(crate) unsafe fn vjp<M: RawTril>(
    mix: *const M,
    x: *const F<M>,
    x_bar: *const F<M>,
    bars: [*mut F<M>; 3],
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (x, x_bar) = (required(x)?, required(x_bar)?);
    let [a, mu, l] = bars;
    let (a, mu, l) = (required_mut(a)?, required_mut(mu)?, required_mut(l)?);
    let work = required_mut(work)?;
    let s = m.shape()?;
    let work = workspace(work, work_len, s)?;
    let (x, x_bar) = (Buffer::input(x, s.d), Buffer::input(x_bar, s.d));
    let a = Buffer::output(a, s.k);
    let (mu, l) = (Buffer::output(mu, s.kd), Buffer::output(l, s.kdd));
    let [pa, pm, pl] = m.spans(s);
    disjoint(
        &[a, mu, l, work].map(|b| Some(b.span())),
        &[pa, pm, pl, x.span(), x_bar.span()],
    )?;
    let mix = unsafe { m.view(s) }?;
    // SAFETY: each output is writable for its length and, by the overlap
    // check, aliases nothing else.
    let [a, mu, l, work] = [a, mu, l, work].map(|b| unsafe { b.into_mut_slice() });
    let (x, x_bar) = unsafe { (x.into_slice(), x_bar.into_slice()) };
    Ok(mix.vjp(x, x_bar, a, mu, l, work)?)
}

pub(crate) unsafe fn jacobian<M: RawTril>(
    mix: *const M,
    x: *const F<M>,
    jac: *mut F<M>,
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (x, jac) = (required(x)?, required_mut(jac)?);
    let work = required_mut(work)?;
    let s = m.shape()?;
    // D rows of K + K·D + K·D·D columns (the columns cannot overflow once
    // K·D·D elements fit; the rows may).
    let cols = s.k + s.kd + s.kdd;
    let len = s.d.checked_mul(cols).ok_or(S::MIXGRAD_ERR_SIZE_OVERFLOW)?;
    let jac = Buffer::output(jac, elements::<F<M>>(len)?);
    let work = workspace(work, work_len, s)?;
    let x = Buffer::input(x, s.d);
    let [pa, pm, pl] = m.spans(s);
    disjoint(
        &[Some(jac.span()), Some(work.span())],
        &[pa, pm, pl, x.span()],
    )?;
    let mix = unsafe { m.view(s) }?;
    let (x, jac, work) = unsafe { (x.into_slice(), jac.into_mut_slice(), work.into_mut_slice()) };
    Ok(mix.jacobian(x, jac, work)?)
}

pub(crate) unsafe fn sample_quantile<M: RawTril>(
    mix: *const M,
    rng: *mut mixgrad_rng,
    x: *mut F<M>,
    u: *mut F<M>,
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (rng, x, u) = (required_mut(rng)?, required_mut(x)?, optional_mut(u)?);
    let work = required_mut(work)?;
    let s = m.shape()?;
    let work = workspace(work, work_len, s)?;
    let rng = Buffer::output(rng, 1);
    let x = Buffer::output(x, s.d);
    let u = u.map(|p| Buffer::output(p, s.d));
    disjoint(
        &[
            Some(rng.span()),
            Some(x.span()),
            u.map(|b| b.span()),
            Some(work.span()),
        ],
        &m.spans(s),
    )?;
    let mix = unsafe { m.view(s) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let u = u.map(|b| unsafe { b.into_mut_slice() });
    let (x, work) = unsafe { (x.into_mut_slice(), work.into_mut_slice()) };
    mix.sample_quantile(rng, x, u, work)?;
    Ok(())
}

pub(crate) unsafe fn sample_ancestral<M: RawTril>(
    mix: *const M,
    rng: *mut mixgrad_rng,
    x: *mut F<M>,
    component: *mut u32,
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (rng, x) = (required_mut(rng)?, required_mut(x)?);
    let component = optional_mut(component)?;
    let work = required_mut(work)?;
    let s = m.shape()?;
    // Checked as for every other function (so one buffer serves all), though
    // this sampler needs no scratch.
    let work = workspace(work, work_len, s)?;
    let rng = Buffer::output(rng, 1);
    let x = Buffer::output(x, s.d);
    let component = component.map(|p| Buffer::output(p, 1));
    disjoint(
        &[
            Some(rng.span()),
            Some(x.span()),
            component.map(|b| b.span()),
            Some(work.span()),
        ],
        &m.spans(s),
    )?;
    let mix = unsafe { m.view(s) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let k = mix.sample_ancestral(rng, unsafe { x.into_mut_slice() })?;
    if let Some(slot) = component.and_then(|b| unsafe { b.into_mut_slice() }.first_mut()) {
        // k < K = mix->num_components, a u32, so it fits.
        *slot = k as u32;
    }
    Ok(())
}

// ---- n points of one mixture ---------------------------------------------

pub(crate) unsafe fn cdf_many<M: RawTril>(
    mix: *const M,
    n: usize,
    x: *const F<M>,
    u: *mut F<M>,
    work: Work<F<M>>,
) -> Checked<()> {
    unsafe { many_per_dimension(mix, n, x, u, work, |m, x, u, w| m.cdf_many(x, u, w)) }
}

pub(crate) unsafe fn quantile_many<M: RawTril>(
    mix: *const M,
    n: usize,
    u: *const F<M>,
    x: *mut F<M>,
    work: Work<F<M>>,
) -> Checked<()> {
    let op = |m: &TrilMixtureRef<'_, F<M>>, u: &[F<M>], x: &mut [F<M>], w: &mut [F<M>]| {
        m.quantile_many(u, x, w).map(drop)
    };
    unsafe { many_per_dimension(mix, n, u, x, work, op) }
}

/// `n·D` values in, `n·D` values out (`cdf_many`, `quantile_many`).
unsafe fn many_per_dimension<M: RawTril>(
    mix: *const M,
    n: usize,
    input: *const F<M>,
    output: *mut F<M>,
    (work, work_len): Work<F<M>>,
    op: impl FnOnce(&TrilMixtureRef<'_, F<M>>, &[F<M>], &mut [F<M>], &mut [F<M>]) -> Result<(), Error>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (input, output) = (rows_of(input, n)?, rows_of_mut(output, n)?);
    let work = required_mut(work)?;
    let s = m.shape()?;
    let nd = rows_len::<F<M>>(n, s.d)?;
    let work = workspace(work, work_len, s)?;
    let (input, output) = (Buffer::input(input, nd), Buffer::output(output, nd));
    let [pa, pm, pl] = m.spans(s);
    disjoint(
        &[Some(output.span()), Some(work.span())],
        &[pa, pm, pl, input.span()],
    )?;
    let mix = unsafe { m.view(s) }?;
    // SAFETY: each buffer is valid for its length and, by the overlap
    // check, the outputs alias nothing else.
    let (input, output, work) = unsafe {
        (
            input.into_slice(),
            output.into_mut_slice(),
            work.into_mut_slice(),
        )
    };
    Ok(op(&mix, input, output, work)?)
}

pub(crate) unsafe fn log_prob_many<M: RawTril>(
    mix: *const M,
    n: usize,
    x: *const F<M>,
    log_prob: *mut F<M>,
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (x, log_prob) = (rows_of(x, n)?, rows_of_mut(log_prob, n)?);
    let work = required_mut(work)?;
    let s = m.shape()?;
    let nd = rows_len::<F<M>>(n, s.d)?;
    let work = workspace(work, work_len, s)?;
    let x = Buffer::input(x, nd);
    let log_prob = Buffer::output(log_prob, rows_len::<F<M>>(n, 1)?);
    let [pa, pm, pl] = m.spans(s);
    disjoint(
        &[Some(log_prob.span()), Some(work.span())],
        &[pa, pm, pl, x.span()],
    )?;
    let mix = unsafe { m.view(s) }?;
    let (x, log_prob, work) = unsafe {
        (
            x.into_slice(),
            log_prob.into_mut_slice(),
            work.into_mut_slice(),
        )
    };
    Ok(mix.log_prob_many(x, log_prob, work)?)
}

pub(crate) unsafe fn vjp_many<M: RawTril>(
    mix: *const M,
    n: usize,
    (x, x_bar): (*const F<M>, *const F<M>),
    bars: [*mut F<M>; 3],
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (x, x_bar) = (rows_of(x, n)?, rows_of(x_bar, n)?);
    let [a, mu, l] = bars;
    let (a, mu, l) = (required_mut(a)?, required_mut(mu)?, required_mut(l)?);
    let work = required_mut(work)?;
    let s = m.shape()?;
    let nd = rows_len::<F<M>>(n, s.d)?;
    let work = workspace(work, work_len, s)?;
    let (x, x_bar) = (Buffer::input(x, nd), Buffer::input(x_bar, nd));
    let a = Buffer::output(a, s.k);
    let (mu, l) = (Buffer::output(mu, s.kd), Buffer::output(l, s.kdd));
    let [pa, pm, pl] = m.spans(s);
    disjoint(
        &[a, mu, l, work].map(|b| Some(b.span())),
        &[pa, pm, pl, x.span(), x_bar.span()],
    )?;
    let mix = unsafe { m.view(s) }?;
    // SAFETY: each output is writable for its length and, by the overlap
    // check, aliases nothing else.
    let [a, mu, l, work] = [a, mu, l, work].map(|b| unsafe { b.into_mut_slice() });
    let (x, x_bar) = unsafe { (x.into_slice(), x_bar.into_slice()) };
    Ok(mix.vjp_many(x, x_bar, a, mu, l, work)?)
}

pub(crate) unsafe fn sample_quantile_many<M: RawTril>(
    mix: *const M,
    rng: *mut mixgrad_rng,
    n: usize,
    (x, u): (*mut F<M>, *mut F<M>),
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (rng, x, u) = (required_mut(rng)?, rows_of_mut(x, n)?, optional_mut(u)?);
    let work = required_mut(work)?;
    let s = m.shape()?;
    let nd = rows_len::<F<M>>(n, s.d)?;
    let work = workspace(work, work_len, s)?;
    let rng = Buffer::output(rng, 1);
    let x = Buffer::output(x, nd);
    let u = u.map(|p| Buffer::output(p, nd));
    disjoint(
        &[
            Some(rng.span()),
            Some(x.span()),
            u.map(|b| b.span()),
            Some(work.span()),
        ],
        &m.spans(s),
    )?;
    let mix = unsafe { m.view(s) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let u = u.map(|b| unsafe { b.into_mut_slice() });
    let (x, work) = unsafe { (x.into_mut_slice(), work.into_mut_slice()) };
    mix.sample_quantile_many(rng, x, u, work)?;
    Ok(())
}

pub(crate) unsafe fn sample_ancestral_many<M: RawTril>(
    mix: *const M,
    rng: *mut mixgrad_rng,
    n: usize,
    (x, component): (*mut F<M>, *mut u32),
    (work, work_len): Work<F<M>>,
) -> Checked<()> {
    let m = unsafe { Tril::read(mix) }?;
    let (rng, x) = (required_mut(rng)?, rows_of_mut(x, n)?);
    let component = optional_mut(component)?;
    let work = required_mut(work)?;
    let s = m.shape()?;
    let nd = rows_len::<F<M>>(n, s.d)?;
    // Checked as for every other function, though this sampler needs no
    // scratch.
    let work = workspace(work, work_len, s)?;
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
            Some(work.span()),
        ],
        &m.spans(s),
    )?;
    let mix = unsafe { m.view(s) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let x = unsafe { x.into_mut_slice() };
    let Some(component) = component else {
        return Ok(mix.sample_ancestral_many(rng, x, None)?);
    };
    // Row by row: each draw's component (a `usize` in the core, `< K`, a
    // `u32`) straight into the caller's array.
    let component = unsafe { component.into_mut_slice() };
    for (xi, slot) in x.chunks_exact_mut(s.d).zip(component.iter_mut()) {
        *slot = mix.sample_ancestral(&mut *rng, xi)? as u32;
    }
    Ok(())
}
