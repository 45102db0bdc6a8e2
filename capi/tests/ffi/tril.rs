//! The full-covariance surface (docs/math.md §10): every `mixgrad_tril_*`
//! function equals the core crate's `TrilMixtureRef` bit for bit (both
//! precisions, `K` past 64), and every refusal (pointers, shape, values,
//! workspace, per-call inputs, a zero density) leaves every output, the
//! generators and the workspace as they were.

use mixgrad::{TrilLogProbGrad, TrilMixtureRef};

use super::*;

/// A precision with its full-covariance struct and functions.
trait TrilApi: Api + mixgrad::Float {
    type Tril: Copy;
    fn tril(k: u32, d: u32, a: *const Self, m: *const Self, l: *const Self) -> Self::Tril;
    unsafe fn validate(m: *const Self::Tril) -> mixgrad_status;
    unsafe fn log_prob(
        m: *const Self::Tril,
        x: *const Self,
        lp: *mut Self,
        w: Work<Self>,
    ) -> mixgrad_status;
    #[allow(clippy::too_many_arguments)]
    unsafe fn log_prob_grad(
        m: *const Self::Tril,
        x: *const Self,
        lp: *mut Self,
        gx: *mut Self,
        ga: *mut Self,
        gm: *mut Self,
        gl: *mut Self,
        w: Work<Self>,
    ) -> mixgrad_status;
    unsafe fn cdf(
        m: *const Self::Tril,
        x: *const Self,
        u: *mut Self,
        w: Work<Self>,
    ) -> mixgrad_status;
    unsafe fn quantile(
        m: *const Self::Tril,
        u: *const Self,
        x: *mut Self,
        w: Work<Self>,
    ) -> mixgrad_status;
    #[allow(clippy::too_many_arguments)]
    unsafe fn vjp(
        m: *const Self::Tril,
        x: *const Self,
        xb: *const Self,
        a: *mut Self,
        mu: *mut Self,
        l: *mut Self,
        w: Work<Self>,
    ) -> mixgrad_status;
    unsafe fn jacobian(
        m: *const Self::Tril,
        x: *const Self,
        jac: *mut Self,
        w: Work<Self>,
    ) -> mixgrad_status;
    unsafe fn sample_quantile(
        m: *const Self::Tril,
        rng: *mut mixgrad_rng,
        x: *mut Self,
        u: *mut Self,
        w: Work<Self>,
    ) -> mixgrad_status;
    unsafe fn sample_ancestral(
        m: *const Self::Tril,
        rng: *mut mixgrad_rng,
        x: *mut Self,
        c: *mut u32,
        w: Work<Self>,
    ) -> mixgrad_status;
}

/// `work` and `work_len`.
type Work<T> = (*mut T, usize);

macro_rules! tril_api {
    ($t:ty: $tril:ident, $validate:ident, $log_prob:ident, $log_prob_grad:ident, $cdf:ident,
     $quantile:ident, $vjp:ident, $jacobian:ident, $sample_quantile:ident,
     $sample_ancestral:ident) => {
        impl TrilApi for $t {
            type Tril = $tril;
            fn tril(k: u32, d: u32, a: *const $t, m: *const $t, l: *const $t) -> $tril {
                $tril {
                    num_components: k,
                    num_dims: d,
                    logits: a,
                    means: m,
                    scale_tril: l,
                }
            }
            unsafe fn validate(m: *const $tril) -> mixgrad_status {
                unsafe { $validate(m) }
            }
            unsafe fn log_prob(
                m: *const $tril,
                x: *const $t,
                lp: *mut $t,
                w: Work<$t>,
            ) -> mixgrad_status {
                unsafe { $log_prob(m, x, lp, w.0, w.1) }
            }
            unsafe fn log_prob_grad(
                m: *const $tril,
                x: *const $t,
                lp: *mut $t,
                gx: *mut $t,
                ga: *mut $t,
                gm: *mut $t,
                gl: *mut $t,
                w: Work<$t>,
            ) -> mixgrad_status {
                unsafe { $log_prob_grad(m, x, lp, gx, ga, gm, gl, w.0, w.1) }
            }
            unsafe fn cdf(
                m: *const $tril,
                x: *const $t,
                u: *mut $t,
                w: Work<$t>,
            ) -> mixgrad_status {
                unsafe { $cdf(m, x, u, w.0, w.1) }
            }
            unsafe fn quantile(
                m: *const $tril,
                u: *const $t,
                x: *mut $t,
                w: Work<$t>,
            ) -> mixgrad_status {
                unsafe { $quantile(m, u, x, w.0, w.1) }
            }
            unsafe fn vjp(
                m: *const $tril,
                x: *const $t,
                xb: *const $t,
                a: *mut $t,
                mu: *mut $t,
                l: *mut $t,
                w: Work<$t>,
            ) -> mixgrad_status {
                unsafe { $vjp(m, x, xb, a, mu, l, w.0, w.1) }
            }
            unsafe fn jacobian(
                m: *const $tril,
                x: *const $t,
                jac: *mut $t,
                w: Work<$t>,
            ) -> mixgrad_status {
                unsafe { $jacobian(m, x, jac, w.0, w.1) }
            }
            unsafe fn sample_quantile(
                m: *const $tril,
                rng: *mut mixgrad_rng,
                x: *mut $t,
                u: *mut $t,
                w: Work<$t>,
            ) -> mixgrad_status {
                unsafe { $sample_quantile(m, rng, x, u, w.0, w.1) }
            }
            unsafe fn sample_ancestral(
                m: *const $tril,
                rng: *mut mixgrad_rng,
                x: *mut $t,
                c: *mut u32,
                w: Work<$t>,
            ) -> mixgrad_status {
                unsafe { $sample_ancestral(m, rng, x, c, w.0, w.1) }
            }
        }
    };
}

tril_api!(f64: mixgrad_tril_f64, mixgrad_tril_validate_f64, mixgrad_tril_log_prob_f64,
    mixgrad_tril_log_prob_grad_f64, mixgrad_tril_cdf_f64, mixgrad_tril_quantile_f64,
    mixgrad_tril_vjp_f64, mixgrad_tril_jacobian_f64, mixgrad_tril_sample_quantile_f64,
    mixgrad_tril_sample_ancestral_f64);
tril_api!(f32: mixgrad_tril_f32, mixgrad_tril_validate_f32, mixgrad_tril_log_prob_f32,
    mixgrad_tril_log_prob_grad_f32, mixgrad_tril_cdf_f32, mixgrad_tril_quantile_f32,
    mixgrad_tril_vjp_f32, mixgrad_tril_jacobian_f32, mixgrad_tril_sample_quantile_f32,
    mixgrad_tril_sample_ancestral_f32);

/// A random full-covariance mixture of `k` components in `d` dimensions
/// (NaN above the diagonals, which must never be read), with a point `x`,
/// uniforms `u` and a cotangent `x_bar`.
struct Tril<T> {
    k: usize,
    d: usize,
    logits: Vec<T>,
    means: Vec<T>,
    tril: Vec<T>,
    x: Vec<T>,
    u: Vec<T>,
    x_bar: Vec<T>,
}

impl<T: TrilApi> Tril<T> {
    fn random(k: usize, d: usize, seed: u64) -> Self {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut draw = |lo: f64, hi: f64| T::of(lo + (hi - lo) * mixgrad::uniform_f64(&mut rng));
        let logits = (0..k).map(|_| draw(-2.0, 2.0)).collect();
        let means = (0..k * d).map(|_| draw(-3.0, 3.0)).collect();
        let tril = (0..k * d * d)
            .map(|i| match (i % (d * d) / d).cmp(&(i % d)) {
                core::cmp::Ordering::Greater => draw(-0.6, 0.6),
                core::cmp::Ordering::Equal => draw(0.3, 2.0),
                core::cmp::Ordering::Less => T::of(f64::NAN),
            })
            .collect();
        let x = (0..d).map(|_| draw(-2.0, 2.0)).collect();
        let u = (0..d).map(|_| draw(0.01, 0.99)).collect();
        let x_bar = (0..d).map(|_| draw(-1.0, 1.0)).collect();
        Tril {
            k,
            d,
            logits,
            means,
            tril,
            x,
            u,
            x_bar,
        }
    }

    fn mix(&self) -> T::Tril {
        let (a, m, l) = (
            self.logits.as_ptr(),
            self.means.as_ptr(),
            self.tril.as_ptr(),
        );
        T::tril(self.k as u32, self.d as u32, a, m, l)
    }

    fn core(&self) -> TrilMixtureRef<'_, T> {
        TrilMixtureRef::new(&self.logits, &self.means, &self.tril, self.d).unwrap()
    }

    fn need(&self) -> usize {
        mixgrad_tril_work_len(self.k as u32, self.d as u32)
    }

    /// The lengths of the outputs of one run, in order: log q; log q and
    /// the four gradients of `log_prob_grad`; cdf's `u`; quantile's `x`;
    /// the three `vjp` outputs; the Jacobian; the quantile sampler's `x`
    /// and `u`; the ancestral `x`.
    fn lens(&self) -> [usize; 15] {
        let (k, d) = (self.k, self.d);
        let (kd, kdd) = (k * d, k * d * d);
        let p = k + kd + kdd;
        [1, 1, d, k, kd, kdd, d, d, k, kd, kdd, d * p, d, d, d]
    }
}

/// Every output of one run (poisoned beforehand), two generators seeded
/// alike and a component slot.
struct Outs<T> {
    v: Vec<T>,
    at: Vec<usize>,
    r1: mixgrad_rng,
    r2: mixgrad_rng,
    c: u32,
}

impl<T: TrilApi> Outs<T> {
    fn new(p: &Tril<T>) -> Self {
        let lens = p.lens();
        let at = lens
            .iter()
            .scan(0, |o, &n| {
                *o += n;
                Some(*o - n)
            })
            .collect();
        Outs {
            v: vec![T::poison(); lens.iter().sum()],
            at,
            r1: mixgrad_rng::from_seed(5),
            r2: mixgrad_rng::from_seed(6),
            c: u32::MAX,
        }
    }

    fn ptr(&mut self, i: usize) -> *mut T {
        self.v.as_mut_ptr().wrapping_add(self.at[i])
    }

    /// Output `i` as a slice.
    fn part(&mut self, p: &Tril<T>, i: usize) -> &mut [T] {
        let at = self.at[i];
        &mut self.v[at..at + p.lens()[i]]
    }

    fn bits(&self) -> Vec<u64> {
        let mut bits: Vec<u64> = self.v.iter().map(|v| v.bits()).collect();
        bits.extend(self.r1.state.iter().chain(&self.r2.state));
        bits.push(self.c.into());
        bits
    }
}

/// The statuses of every C function on `m` (a mixture struct of `p`'s
/// shape, or a bad one) with the scratch `w`, and the bits of every output.
fn run_c<T: TrilApi>(
    p: &Tril<T>,
    m: *const T::Tril,
    w: Work<T>,
) -> (Vec<mixgrad_status>, Vec<u64>) {
    let mut o = Outs::new(p);
    let (x, u, xb) = (p.x.as_ptr(), p.u.as_ptr(), p.x_bar.as_ptr());
    let o_ptr: Vec<*mut T> = (0..15).map(|i| o.ptr(i)).collect();
    let q = |i: usize| o_ptr[i];
    let statuses = unsafe {
        vec![
            <T as TrilApi>::validate(m),
            <T as TrilApi>::log_prob(m, x, q(0), w),
            <T as TrilApi>::log_prob_grad(m, x, q(1), q(2), q(3), q(4), q(5), w),
            <T as TrilApi>::cdf(m, x, q(6), w),
            <T as TrilApi>::quantile(m, u, q(7), w),
            <T as TrilApi>::vjp(m, x, xb, q(8), q(9), q(10), w),
            <T as TrilApi>::jacobian(m, x, q(11), w),
            <T as TrilApi>::sample_quantile(m, &mut o.r1, q(12), q(13), w),
            <T as TrilApi>::sample_ancestral(m, &mut o.r2, q(14), &mut o.c, w),
        ]
    };
    (statuses, o.bits())
}

/// [`run_c`] through the core crate's `TrilMixtureRef` on a poisoned
/// scratch of its own `work_len`.
fn run_core<T: TrilApi>(p: &Tril<T>) -> (Vec<mixgrad_status>, Vec<u64>) {
    let mix = p.core();
    let mut work = vec![T::poison(); TrilMixtureRef::<T>::work_len(p.k, p.d).unwrap()];
    let w = &mut work[..];
    let mut o = Outs::new(p);
    let mut s = vec![MIXGRAD_OK];
    let lp = mix.log_prob(&p.x, w);
    s.push(core_status(lp, |v| o.part(p, 0)[0] = v));
    let mut outs: Vec<Vec<T>> = (1..6).map(|i| o.part(p, i).to_vec()).collect();
    let [l1, gx, ga, gm, gl] = &mut outs[..] else {
        unreachable!()
    };
    let grad = TrilLogProbGrad {
        x: Some(gx),
        logits: Some(ga),
        means: Some(gm),
        scale_tril: Some(gl),
    };
    s.push(core_status(mix.log_prob_grad(&p.x, grad, w), |v| l1[0] = v));
    for (i, v) in (1..6).zip(&outs) {
        o.part(p, i).copy_from_slice(v);
    }
    s.push(core_status(mix.cdf(&p.x, o.part(p, 6), w), drop));
    s.push(core_status(mix.quantile(&p.u, o.part(p, 7), w), drop));
    let mut bars: Vec<Vec<T>> = (8..11).map(|i| o.part(p, i).to_vec()).collect();
    let [a, mu, l] = &mut bars[..] else {
        unreachable!()
    };
    s.push(core_status(mix.vjp(&p.x, &p.x_bar, a, mu, l, w), drop));
    for (i, v) in (8..11).zip(&bars) {
        o.part(p, i).copy_from_slice(v);
    }
    s.push(core_status(mix.jacobian(&p.x, o.part(p, 11), w), drop));
    let (mut xq, mut uq) = (o.part(p, 12).to_vec(), o.part(p, 13).to_vec());
    let mut r1 = o.r1;
    s.push(core_status(
        mix.sample_quantile(&mut r1, &mut xq, Some(&mut uq), w),
        drop,
    ));
    o.part(p, 12).copy_from_slice(&xq);
    o.part(p, 13).copy_from_slice(&uq);
    o.r1 = r1;
    let mut r2 = o.r2;
    let r = mix.sample_ancestral(&mut r2, o.part(p, 14));
    let mut c = o.c;
    s.push(core_status(r, |k| c = k as u32));
    (o.r2, o.c) = (r2, c);
    (s, o.bits())
}

/// Shapes and seeds of the comparisons, `K` past 64 (not under Miri, where
/// a few small shapes check the buffer handling).
fn cases() -> Vec<(usize, usize, u64)> {
    if cfg!(miri) {
        return vec![(1, 2, 1), (3, 2, 2)];
    }
    let mut v = vec![(1, 1, 1), (1, 4, 2), (2, 3, 3), (3, 2, 4), (5, 5, 5)];
    v.extend([(8, 1, 6), (17, 3, 7), (65, 2, 8), (70, 3, 9), (130, 1, 10)]);
    v
}

fn tril_is_core<T: TrilApi>() {
    for (k, d, seed) in cases() {
        let p = Tril::<T>::random(k, d, seed);
        let want = run_core(&p);
        assert!(want.0.iter().all(|&s| s == MIXGRAD_OK), "{:?}", want.0);
        let need = p.need();
        let mut work = vec![T::poison(); need];
        let got = run_c(&p, &p.mix(), (work.as_mut_ptr(), need));
        assert_eq!(got, want, "K={k} D={d} seed={seed}");
        // A longer workspace, of which only the first `need` values are
        // used, gives the same.
        let mut long = vec![T::poison(); need + 3];
        let got = run_c(&p, &p.mix(), (long.as_mut_ptr(), usize::MAX));
        assert_eq!(got, want, "K={k} D={d} seed={seed}, long workspace");
        assert!(is_poisoned(&long[need..]));
    }
}

#[test]
fn tril_functions_are_the_core_crate_bit_for_bit() {
    tril_is_core::<f64>();
    tril_is_core::<f32>();
}

#[test]
fn tril_work_len_is_the_cores() {
    for (k, d) in [(1usize, 1usize), (2, 3), (64, 5), (65, 1), (1000, 17)] {
        let want = TrilMixtureRef::<f64>::work_len(k, d).unwrap();
        assert_eq!(mixgrad_tril_work_len(k as u32, d as u32), want);
        assert_eq!(want, k * (5 + 3 * d));
    }
    assert_eq!(mixgrad_tril_work_len(0, 7), 0);
    assert_eq!(mixgrad_tril_work_len(3, 0), 15);
    assert_eq!(mixgrad_tril_work_len(u32::MAX, u32::MAX), usize::MAX);
}

/// Every function on `m` with the scratch `w` refuses with `want` and
/// writes nothing: the outputs and generators are as after a call on a
/// NULL mixture, which writes nothing.
fn refused<T: TrilApi>(p: &Tril<T>, m: *const T::Tril, w: Work<T>, want: mixgrad_status) {
    refused_but_validate(p, m, w, want, want);
}

/// [`refused`], with `validate` (which takes no workspace) returning
/// `validate`.
fn refused_but_validate<T: TrilApi>(
    p: &Tril<T>,
    m: *const T::Tril,
    w: Work<T>,
    want: mixgrad_status,
    validate: mixgrad_status,
) {
    let (statuses, bits) = run_c(p, m, w);
    assert_eq!(statuses[0], validate, "validate");
    assert!(
        statuses[1..].iter().all(|&s| s == want),
        "{statuses:?}, want {want:?}"
    );
    let (nulls, untouched) = run_c(p, null(), w);
    assert!(nulls.iter().all(|&s| s == MIXGRAD_ERR_NULL_POINTER));
    assert_eq!(bits, untouched, "{want:?}: written");
}

/// [`refused_but_validate`] for a workspace refusal of a valid mixture.
fn work_refused<T: TrilApi>(p: &Tril<T>, w: Work<T>, want: mixgrad_status) {
    refused_but_validate(p, &p.mix(), w, want, MIXGRAD_OK);
}

/// The mixture's refusals: each bad pointer, shape or parameter value,
/// through every function, the workspace untouched.
fn mixture_refusals<T: TrilApi>() {
    let p = Tril::<T>::random(3, 2, 9);
    let mut work = vec![T::poison(); p.need()];
    let w = (work.as_mut_ptr(), work.len());
    let (a, mu, l) = (p.logits.as_ptr(), p.means.as_ptr(), p.tril.as_ptr());
    let mk = |k, d, a, mu, l| T::tril(k, d, a, mu, l);
    let mis = |q: *const T| q.cast::<u8>().wrapping_add(1).cast::<T>();
    let null_pointer = MIXGRAD_ERR_NULL_POINTER;
    refused(&p, &mk(3, 2, null(), mu, l), w, null_pointer);
    refused(&p, &mk(3, 2, a, null(), l), w, null_pointer);
    refused(&p, &mk(3, 2, a, mu, null()), w, null_pointer);
    let misaligned = MIXGRAD_ERR_MISALIGNED_POINTER;
    let buf = [0u64; 8];
    let odd = buf.as_ptr().cast::<u8>().wrapping_add(1).cast::<T::Tril>();
    refused(&p, odd, w, misaligned);
    refused(&p, &mk(3, 2, mis(a), mu, l), w, misaligned);
    refused(&p, &mk(3, 2, a, mis(mu), l), w, misaligned);
    refused(&p, &mk(3, 2, a, mu, mis(l)), w, misaligned);
    refused(&p, &mk(0, 2, a, mu, l), w, MIXGRAD_ERR_NO_COMPONENTS);
    refused(&p, &mk(3, 0, a, mu, l), w, MIXGRAD_ERR_NO_DIMENSIONS);
    // K·D·D values beyond the address space, before any array is read.
    let overflow = MIXGRAD_ERR_SIZE_OVERFLOW;
    refused(&p, &mk(1, u32::MAX, a, mu, l), w, overflow);
    refused(&p, &mk(u32::MAX, u32::MAX, a, mu, l), w, overflow);
    let (inf, nan) = (f64::INFINITY, f64::NAN);
    // (array, index, value): scale_tril entries (k, i, j) at k*4 + i*2 + j.
    for (array, i, v, want) in [
        (0, 1, nan, MIXGRAD_ERR_NAN_LOGIT),
        (0, 2, inf, MIXGRAD_ERR_INFINITE_LOGIT),
        (1, 5, -inf, MIXGRAD_ERR_NONFINITE_MEAN),
        (1, 0, nan, MIXGRAD_ERR_NONFINITE_MEAN),
        (2, 6, nan, MIXGRAD_ERR_NONFINITE_SCALE),
        (2, 10, -inf, MIXGRAD_ERR_NONFINITE_SCALE),
        (2, 3, inf, MIXGRAD_ERR_NONFINITE_SCALE),
        (2, 4, -0.0, MIXGRAD_ERR_NONPOSITIVE_SCALE),
        (2, 0, 0.0, MIXGRAD_ERR_NONPOSITIVE_SCALE),
        (2, 11, -1.0, MIXGRAD_ERR_NONPOSITIVE_SCALE),
    ] {
        let mut arrays = [p.logits.clone(), p.means.clone(), p.tril.clone()];
        arrays[array][i] = T::of(v);
        let [a, mu, l] = [0, 1, 2].map(|j| arrays[j].as_ptr());
        refused(&p, &mk(3, 2, a, mu, l), w, want);
    }
    // Above the diagonal anything goes (the problem has NaN there).
    let mut above = p.tril.clone();
    above[1] = T::of(-inf);
    assert_eq!(
        unsafe { <T as TrilApi>::validate(&mk(3, 2, a, mu, above.as_ptr())) },
        MIXGRAD_OK
    );
    let none = [T::of(f64::NEG_INFINITY); 3];
    let no_active = MIXGRAD_ERR_NO_ACTIVE_COMPONENT;
    refused(&p, &mk(3, 2, none.as_ptr(), mu, l), w, no_active);
    assert!(is_poisoned(&work), "the workspace was written");
}

/// The workspace: short, NULL, misaligned, overlapping; each refused with
/// its status, nothing written (the workspace included), and in its place
/// in the order.
fn workspace_refusals<T: TrilApi>() {
    let mut p = Tril::<T>::random(4, 3, 11);
    let need = p.need();
    assert_eq!(need, 4 * (5 + 9));
    let mut work = vec![T::poison(); need + 2];
    let wp = work.as_mut_ptr();
    let short = MIXGRAD_ERR_SHORT_WORKSPACE;
    work_refused(&p, (wp, need - 1), short);
    work_refused(&p, (wp, 0), short);
    work_refused(&p, (null_mut(), need), MIXGRAD_ERR_NULL_POINTER);
    let odd = wp.cast::<u8>().wrapping_add(1).cast::<T>();
    work_refused(&p, (odd, need), MIXGRAD_ERR_MISALIGNED_POINTER);
    assert!(is_poisoned(&work));
    // Over a parameter array (scale_tril's entries above the diagonal
    // included: the whole K*D*D is the input), or x.
    let overlap = MIXGRAD_ERR_OVERLAPPING_BUFFERS;
    let (means, tril) = (p.means.as_ptr().cast_mut(), p.tril.as_ptr().cast_mut());
    work_refused(&p, (means.wrapping_sub(need - 1), need), overlap);
    let last = p.tril.len() - 1;
    work_refused(&p, (tril.wrapping_add(last), need), overlap);
    work_refused(&p, (tril.wrapping_add(1), need), overlap);
    let x = p.x.as_ptr().cast_mut();
    let status = unsafe { <T as TrilApi>::cdf(&p.mix(), x, wp, (x, need)) };
    assert_eq!(status, overlap);
    // Over an output: cdf's u inside the workspace.
    let status =
        unsafe { <T as TrilApi>::cdf(&p.mix(), p.x.as_ptr(), wp.wrapping_add(3), (wp, need)) };
    assert_eq!(status, overlap);
    assert!(is_poisoned(&work));
    // Pointers before the shape, the shape before the workspace length,
    // the length before the values.
    let mut zero_d = p.mix();
    let mut u = poisoned::<T>(3);
    unsafe {
        let m = &mut zero_d as *mut T::Tril;
        *m = T::tril(4, 0, p.logits.as_ptr(), p.means.as_ptr(), p.tril.as_ptr());
        let status = <T as TrilApi>::cdf(m, p.x.as_ptr(), u.as_mut_ptr(), (null_mut(), 0));
        assert_eq!(status, MIXGRAD_ERR_NULL_POINTER);
        let status = <T as TrilApi>::cdf(m, p.x.as_ptr(), u.as_mut_ptr(), (wp, 0));
        assert_eq!(status, MIXGRAD_ERR_NO_DIMENSIONS);
    }
    p.tril[0] = T::of(-1.0);
    let nonpositive = MIXGRAD_ERR_NONPOSITIVE_SCALE;
    refused_but_validate(&p, &p.mix(), (wp, need - 1), short, nonpositive);
    refused(&p, &p.mix(), (wp, need), nonpositive);
    assert!(is_poisoned(&u));
    // The Jacobian's size overflows before the workspace length is read
    // (the other functions find the workspace short).
    let one = [T::of(0.0)];
    let huge = T::tril(1, 1 << 21, one.as_ptr(), one.as_ptr(), one.as_ptr());
    let mut jac = poisoned::<T>(1);
    let status =
        unsafe { <T as TrilApi>::jacobian(&huge, one.as_ptr(), jac.as_mut_ptr(), (wp, 0)) };
    assert_eq!(status, MIXGRAD_ERR_SIZE_OVERFLOW);
    let status = unsafe { <T as TrilApi>::cdf(&huge, one.as_ptr(), jac.as_mut_ptr(), (wp, 0)) };
    assert_eq!(status, short);
    assert!(is_poisoned(&jac));
}

/// The per-call inputs, one function at a time: `x`, `u`, `x_bar`, the
/// generator, NULL inputs, overlap and a zero density, each refused with
/// every output (poisoned) untouched.
fn input_refusals<T: TrilApi>() {
    let p = Tril::<T>::random(3, 2, 10);
    let m = p.mix();
    let (k, kd, kdd) = (3, 6, 12);
    let mut o = poisoned::<T>(2 * (k + kd + kdd));
    let at = o.as_mut_ptr();
    let need = p.need();
    let mut work = vec![T::poison(); need];
    let w = (work.as_mut_ptr(), need);
    let (x, xb) = (p.x.as_ptr(), p.x_bar.as_ptr());
    let nan_x = [p.x[0], T::of(f64::NAN)];
    let nan_x = nan_x.as_ptr();
    let inf_xb = [T::of(f64::INFINITY), p.x_bar[1]];
    let check = |status: mixgrad_status, want, what: &str| {
        assert_eq!(status, want, "{what}");
        assert!(is_poisoned(&o), "{what}: written");
    };
    let nonfinite_x = MIXGRAD_ERR_NONFINITE_X;
    let (mut zero, mut comp) = (mixgrad_rng { state: [0; 4] }, u32::MAX);
    unsafe {
        check(<T as TrilApi>::cdf(&m, nan_x, at, w), nonfinite_x, "cdf");
        check(
            <T as TrilApi>::log_prob(&m, nan_x, at, w),
            nonfinite_x,
            "log_prob",
        );
        let (a1, a3, a6, a12) = (at.add(1), at.add(3), at.add(6), at.add(12));
        let status = <T as TrilApi>::log_prob_grad(&m, nan_x, at, a1, a3, a6, a12, w);
        check(status, nonfinite_x, "log_prob_grad");
        check(
            <T as TrilApi>::jacobian(&m, nan_x, at, w),
            nonfinite_x,
            "jacobian",
        );
        let bars = (at, at.add(k), at.add(k + kd));
        check(
            <T as TrilApi>::vjp(&m, nan_x, xb, bars.0, bars.1, bars.2, w),
            nonfinite_x,
            "vjp x",
        );
        let status = <T as TrilApi>::vjp(&m, x, inf_xb.as_ptr(), bars.0, bars.1, bars.2, w);
        check(status, MIXGRAD_ERR_NONFINITE_COTANGENT, "vjp x_bar");
        // scale_tril_bar over the end of means_bar.
        let overlap = at.add(k + kd - 1);
        let status = <T as TrilApi>::vjp(&m, x, xb, bars.0, bars.1, overlap, w);
        check(status, MIXGRAD_ERR_OVERLAPPING_BUFFERS, "vjp overlap");
        for bad in [0.0, 1.0, -0.5, 1.5, f64::NAN, f64::INFINITY] {
            let u = [p.u[0], T::of(bad)];
            let status = <T as TrilApi>::quantile(&m, u.as_ptr(), at, w);
            check(status, MIXGRAD_ERR_U_OUT_OF_RANGE, "quantile u");
        }
        let status = <T as TrilApi>::sample_quantile(&m, &mut zero, at, at.add(2), w);
        check(status, MIXGRAD_ERR_UNSEEDED_RNG, "sample_quantile");
        let status = <T as TrilApi>::sample_ancestral(&m, &mut zero, at, &mut comp, w);
        check(status, MIXGRAD_ERR_UNSEEDED_RNG, "sample_ancestral");
        check(
            <T as TrilApi>::cdf(&m, null(), at, w),
            MIXGRAD_ERR_NULL_POINTER,
            "cdf x",
        );
        let status = <T as TrilApi>::quantile(&m, p.u.as_ptr(), null_mut(), w);
        check(status, MIXGRAD_ERR_NULL_POINTER, "quantile x");
        let status = <T as TrilApi>::vjp(&m, x, null(), bars.0, bars.1, bars.2, w);
        check(status, MIXGRAD_ERR_NULL_POINTER, "vjp x_bar");
        let status = <T as TrilApi>::log_prob(&m, x, null_mut(), w);
        check(status, MIXGRAD_ERR_NULL_POINTER, "log_prob out");
        let status = <T as TrilApi>::log_prob_grad(&m, x, at, a1, mis(a3), a6, a12, w);
        check(
            status,
            MIXGRAD_ERR_MISALIGNED_POINTER,
            "log_prob_grad logits_grad",
        );
    }
    assert_eq!((zero.state, comp), ([0; 4], u32::MAX), "a refusal drew");
    assert!(is_poisoned(&work), "an input refusal wrote the workspace");
    // In place: u over x.
    let mut xs = p.x.clone();
    let status = unsafe { <T as TrilApi>::cdf(&m, xs.as_ptr(), xs.as_mut_ptr(), w) };
    assert_eq!(status, MIXGRAD_ERR_OVERLAPPING_BUFFERS);
    assert_eq!(bits_of(&xs), bits_of(&p.x));
    // log_prob_grad: every output optional.
    let status = unsafe {
        <T as TrilApi>::log_prob_grad(
            &m,
            x,
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            null_mut(),
            w,
        )
    };
    assert_eq!(status, MIXGRAD_OK);
}

fn mis<T>(q: *mut T) -> *mut T {
    q.cast::<u8>().wrapping_add(1).cast()
}

/// Two narrow components far apart, correlated: `x = 0` is deep in the gap
/// of the first dimension, where the conditional density underflows.
fn zero_density<T: TrilApi>() {
    let logits = [T::of(0.0); 2];
    let means = [-1e3, 0.0, 1e3, 0.0].map(T::of);
    let tril = [1.0, 0.0, 0.5, 1.0, 1.0, 0.0, -0.5, 2.0].map(T::of);
    let m = T::tril(2, 2, logits.as_ptr(), means.as_ptr(), tril.as_ptr());
    let (x, xb) = ([T::of(0.0); 2], [T::of(1.0), T::of(-1.0)]);
    let mut work = vec![T::poison(); mixgrad_tril_work_len(2, 2)];
    let w = (work.as_mut_ptr(), work.len());
    let mut bars = poisoned::<T>(2 + 4 + 8);
    let b = bars.as_mut_ptr();
    let status =
        unsafe { <T as TrilApi>::vjp(&m, x.as_ptr(), xb.as_ptr(), b, b.add(2), b.add(6), w) };
    refused_with(status, MIXGRAD_ERR_ZERO_DENSITY, &bars, "vjp in a gap");
    let mut jac = poisoned::<T>(2 * 14);
    let status = unsafe { <T as TrilApi>::jacobian(&m, x.as_ptr(), jac.as_mut_ptr(), w) };
    refused_with(status, MIXGRAD_ERR_ZERO_DENSITY, &jac, "jacobian in a gap");
    // The density itself is fine there: log q is finite.
    let mut lp = poisoned::<T>(1);
    let status = unsafe { <T as TrilApi>::log_prob(&m, x.as_ptr(), lp.as_mut_ptr(), w) };
    assert_eq!(status, MIXGRAD_OK);
    assert!(lp[0].is_finite());
}

fn refusals<T: TrilApi>() {
    mixture_refusals::<T>();
    workspace_refusals::<T>();
    input_refusals::<T>();
    zero_density::<T>();
}

#[test]
fn tril_refusals_write_nothing() {
    refusals::<f64>();
    // The f32 functions run the same generic checks: under Miri, which is
    // there for their pointer handling, one precision suffices.
    if !cfg!(miri) {
        refusals::<f32>();
    }
}

/// With a diagonal factor every result is the diag surface's (the same
/// kernel and solver; bits may differ where the two sum differently, so
/// the comparison is to a few ulps).
#[test]
fn a_diagonal_factor_is_the_diagonal_mixture() {
    let p = Problem::<f64>::random(4, 3, 21);
    let d = 3;
    let mut tril = vec![0.0; 4 * d * d];
    for (k, s) in p.scales.chunks(d).enumerate() {
        for (i, &v) in s.iter().enumerate() {
            tril[k * d * d + i * d + i] = v;
        }
    }
    let m = mixgrad_tril_f64 {
        num_components: 4,
        num_dims: 3,
        logits: p.logits.as_ptr(),
        means: p.means.as_ptr(),
        scale_tril: tril.as_ptr(),
    };
    let mut work = vec![0.0; mixgrad_tril_work_len(4, 3)];
    let (w, n) = (work.as_mut_ptr(), work.len());
    let (mut a, mut b) = ([0.0; 3], [0.0; 3]);
    unsafe {
        assert_eq!(
            mixgrad_tril_quantile_f64(&m, p.u.as_ptr(), a.as_mut_ptr(), w, n),
            MIXGRAD_OK
        );
        assert_eq!(
            mixgrad_diag_quantile_f64(&p.mix(), p.u.as_ptr(), b.as_mut_ptr()),
            MIXGRAD_OK
        );
    }
    for (a, b) in a.iter().zip(&b) {
        assert!((a - b).abs() <= 1e-13 * (1.0 + b.abs()), "{a} vs {b}");
    }
}
