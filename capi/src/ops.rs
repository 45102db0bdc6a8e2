//! One generic implementation per C function, shared by the `f64` and `f32`
//! entry points, by the stack and `_work` forms (a [`Scratch`] argument)
//! and by every location-scale family (the `family` argument, a unit type:
//! `Gaussian` for the `mixgrad_diag_*` functions, the one the caller named
//! for the `mixgrad_locscale_*` ones, so each family is its own instance).
//! Each follows the same steps: pointer checks in argument
//! order (`work` last), the shape and the workspace length, the overlap
//! check (`work` is an output), the parameter values (the core view), then
//! the core call, which validates the per-call inputs before it writes
//! anything.
//!
//! # Safety (all functions)
//! Every non-NULL pointer must be valid for the reads or writes its length
//! implies (documented on the C functions) for the duration of the call.

use mixgrad::{Error, Family, Float};

use crate::checks::{
    disjoint, elements, grad_buffers, log_prob_grad_of, optional_grads, optional_mut, required,
    required_mut, Buffer, Checked, Mixture, RawMixture,
};
use crate::mixgrad_rng;
use crate::scratch::{Runner, Scratch};

type F<M> = <M as RawMixture>::F;

pub(crate) unsafe fn validate<G: Family, M: RawMixture>(family: G, mix: *const M) -> Checked<()> {
    let m = unsafe { Mixture::of_family(family, mix) }?;
    let (s, _) = Scratch::Stack.shape(&m)?;
    unsafe { m.view(s) }.map(drop)
}

pub(crate) unsafe fn log_prob<G: Family, M: RawMixture>(
    family: G,
    mix: *const M,
    x: *const F<M>,
    log_prob: *mut F<M>,
    scratch: Scratch<F<M>>,
) -> Checked<()> {
    let m = unsafe { Mixture::of_family(family, mix) }?;
    let x = required(x)?;
    let log_prob = required_mut(log_prob)?;
    unsafe { log_prob_with(m, x, Some(log_prob), [None; 4], scratch) }
}

pub(crate) unsafe fn log_prob_grad<G: Family, M: RawMixture>(
    family: G,
    mix: *const M,
    x: *const F<M>,
    log_prob: *mut F<M>,
    grads: [*mut F<M>; 4],
    scratch: Scratch<F<M>>,
) -> Checked<()> {
    let m = unsafe { Mixture::of_family(family, mix) }?;
    let x = required(x)?;
    let log_prob = optional_mut(log_prob)?;
    let grads = optional_grads(grads)?;
    unsafe { log_prob_with(m, x, log_prob, grads, scratch) }
}

/// `log q(x)` and the gradients w.r.t. `x`, logits, means, scales (each
/// output optional).
unsafe fn log_prob_with<T: Float, G: Family>(
    m: Mixture<T, G>,
    x: *const T,
    log_prob: Option<*mut T>,
    grads: [Option<*mut T>; 4],
    scratch: Scratch<T>,
) -> Checked<()> {
    let (s, work) = scratch.shape(&m)?;
    let x = Buffer::input(x, s.d);
    let value = log_prob.map(|p| Buffer::output(p, 1));
    let grads = grad_buffers(grads, [s.d, s.k, s.kd, s.kd]);
    let [gx, ga, gm, gs] = grads;
    let [pa, pm, ps] = m.spans(s);
    disjoint(
        &[value, gx, ga, gm, gs, work].map(|b| b.map(|b| b.span())),
        &[pa, pm, ps, x.span()],
    )?;
    let mut mix = unsafe { Runner::new(&m, s, work) }?;
    let grad = unsafe { log_prob_grad_of(grads) };
    let lp = mix.log_prob_grad(unsafe { x.into_slice() }, grad)?;
    if let Some(slot) = value.and_then(|b| unsafe { b.into_mut_slice() }.first_mut()) {
        *slot = lp;
    }
    Ok(())
}

pub(crate) unsafe fn cdf<G: Family, M: RawMixture>(
    family: G,
    mix: *const M,
    x: *const F<M>,
    u: *mut F<M>,
    scratch: Scratch<F<M>>,
) -> Checked<()> {
    unsafe { per_dimension(family, mix, x, u, scratch, |m, x, u| m.cdf(x, u)) }
}

pub(crate) unsafe fn quantile<G: Family, M: RawMixture>(
    family: G,
    mix: *const M,
    u: *const F<M>,
    x: *mut F<M>,
    scratch: Scratch<F<M>>,
) -> Checked<()> {
    unsafe { per_dimension(family, mix, u, x, scratch, |m, u, x| m.quantile(u, x)) }
}

/// `D` values in, `D` values out: the shape of `cdf` and `quantile`.
unsafe fn per_dimension<G: Family, M: RawMixture>(
    family: G,
    mix: *const M,
    input: *const F<M>,
    output: *mut F<M>,
    scratch: Scratch<F<M>>,
    op: impl FnOnce(&mut Runner<'_, F<M>, G>, &[F<M>], &mut [F<M>]) -> Result<(), Error>,
) -> Checked<()> {
    let m = unsafe { Mixture::of_family(family, mix) }?;
    let (input, output) = (required(input)?, required_mut(output)?);
    let (s, work) = scratch.shape(&m)?;
    let (input, output) = (Buffer::input(input, s.d), Buffer::output(output, s.d));
    let [pa, pm, ps] = m.spans(s);
    disjoint(
        &[Some(output.span()), work.map(|b| b.span())],
        &[pa, pm, ps, input.span()],
    )?;
    let mut mix = unsafe { Runner::new(&m, s, work) }?;
    Ok(op(&mut mix, unsafe { input.into_slice() }, unsafe {
        output.into_mut_slice()
    })?)
}

pub(crate) unsafe fn vjp<G: Family, M: RawMixture>(
    family: G,
    mix: *const M,
    x: *const F<M>,
    x_bar: *const F<M>,
    bars: [*mut F<M>; 3],
    scratch: Scratch<F<M>>,
) -> Checked<()> {
    let m = unsafe { Mixture::of_family(family, mix) }?;
    let (x, x_bar) = (required(x)?, required(x_bar)?);
    let [a, mu, sigma] = bars;
    let (a, mu, sigma) = (required_mut(a)?, required_mut(mu)?, required_mut(sigma)?);
    let (s, work) = scratch.shape(&m)?;
    let (x, x_bar) = (Buffer::input(x, s.d), Buffer::input(x_bar, s.d));
    let a = Buffer::output(a, s.k);
    let (mu, sigma) = (Buffer::output(mu, s.kd), Buffer::output(sigma, s.kd));
    let [pa, pm, ps] = m.spans(s);
    disjoint(
        &[Some(a), Some(mu), Some(sigma), work].map(|b| b.map(|b| b.span())),
        &[pa, pm, ps, x.span(), x_bar.span()],
    )?;
    let mut mix = unsafe { Runner::new(&m, s, work) }?;
    let bars = [a, mu, sigma].map(|b| unsafe { b.into_mut_slice() });
    Ok(mix.vjp(
        unsafe { x.into_slice() },
        unsafe { x_bar.into_slice() },
        bars,
    )?)
}

pub(crate) unsafe fn jacobian<G: Family, M: RawMixture>(
    family: G,
    mix: *const M,
    x: *const F<M>,
    jac: *mut F<M>,
    scratch: Scratch<F<M>>,
) -> Checked<()> {
    let m = unsafe { Mixture::of_family(family, mix) }?;
    let (x, jac) = (required(x)?, required_mut(jac)?);
    let (s, work) = scratch.shape(&m)?;
    // D rows of K + 2KD columns; K + 2KD cannot overflow once K·D fits.
    let len =
        s.d.checked_mul(s.k + 2 * s.kd)
            .ok_or(crate::mixgrad_status::MIXGRAD_ERR_SIZE_OVERFLOW)?;
    let (x, jac) = (
        Buffer::input(x, s.d),
        Buffer::output(jac, elements::<F<M>>(len)?),
    );
    let [pa, pm, ps] = m.spans(s);
    disjoint(
        &[Some(jac.span()), work.map(|b| b.span())],
        &[pa, pm, ps, x.span()],
    )?;
    let mut mix = unsafe { Runner::new(&m, s, work) }?;
    Ok(mix.jacobian(unsafe { x.into_slice() }, unsafe { jac.into_mut_slice() })?)
}

/// The caller's generator, refused if it was never seeded: all-zero is
/// xoshiro's fixed point, which would give the same draw forever.
pub(crate) fn seeded(rng: &mut [mixgrad_rng]) -> Checked<&mut mixgrad_rng> {
    match rng.first_mut() {
        Some(rng) if rng.state == [0; 4] => Err(crate::mixgrad_status::MIXGRAD_ERR_UNSEEDED_RNG),
        Some(rng) => Ok(rng),
        None => Err(crate::mixgrad_status::MIXGRAD_ERR_INTERNAL),
    }
}

pub(crate) unsafe fn sample_quantile<G: Family, M: RawMixture>(
    family: G,
    mix: *const M,
    rng: *mut mixgrad_rng,
    x: *mut F<M>,
    u: *mut F<M>,
    scratch: Scratch<F<M>>,
) -> Checked<()> {
    let m = unsafe { Mixture::of_family(family, mix) }?;
    let (rng, x, u) = (required_mut(rng)?, required_mut(x)?, optional_mut(u)?);
    let (s, work) = scratch.shape(&m)?;
    let rng = Buffer::output(rng, 1);
    let x = Buffer::output(x, s.d);
    let u = u.map(|p| Buffer::output(p, s.d));
    disjoint(
        &[
            Some(rng.span()),
            Some(x.span()),
            u.map(|b| b.span()),
            work.map(|b| b.span()),
        ],
        &m.spans(s),
    )?;
    let mut mix = unsafe { Runner::new(&m, s, work) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let u = u.map(|b| unsafe { b.into_mut_slice() });
    mix.sample_quantile(rng, unsafe { x.into_mut_slice() }, u)?;
    Ok(())
}

pub(crate) unsafe fn sample_ancestral<G: Family, M: RawMixture>(
    family: G,
    mix: *const M,
    rng: *mut mixgrad_rng,
    x: *mut F<M>,
    component: *mut u32,
    scratch: Scratch<F<M>>,
) -> Checked<()> {
    let m = unsafe { Mixture::of_family(family, mix) }?;
    let (rng, x) = (required_mut(rng)?, required_mut(x)?);
    let component = optional_mut(component)?;
    let (s, work) = scratch.shape(&m)?;
    let rng = Buffer::output(rng, 1);
    let x = Buffer::output(x, s.d);
    let component = component.map(|p| Buffer::output(p, 1));
    disjoint(
        &[
            Some(rng.span()),
            Some(x.span()),
            component.map(|b| b.span()),
            work.map(|b| b.span()),
        ],
        &m.spans(s),
    )?;
    let mut mix = unsafe { Runner::new(&m, s, work) }?;
    let rng = seeded(unsafe { rng.into_mut_slice() })?;
    let k = mix.sample_ancestral(rng, unsafe { x.into_mut_slice() })?;
    if let Some(slot) = component.and_then(|b| unsafe { b.into_mut_slice() }.first_mut()) {
        // k < K = mix->num_components, a u32, so it fits.
        *slot = k as u32;
    }
    Ok(())
}
