//! The lane functions over whole slices, on the SIMD path in use: for the
//! tests that hold them to the high-precision references (not a public
//! API).

use super::{exp, normal};
use crate::simd::{dispatch, Kernel, Simd, V};

/// `e^x` for each value of `x` into `out`, in registers of the SIMD path in
/// use (`None` on the scalar path).
pub fn exp_slice(x: &[f64], out: &mut [f64]) -> Option<()> {
    dispatch(Slices {
        x,
        out,
        f: Exp,
        outputs: 1,
    })
}

/// `(Φ(z), Φc(z), φ(z))` for each `z` into `out` (three values per `z`),
/// as [`exp_slice`]; `z` finite.
pub fn tails_density_slice(z: &[f64], out: &mut [f64]) -> Option<()> {
    dispatch(Slices {
        x: z,
        out,
        f: TailsDensity,
        outputs: 3,
    })
}

/// A lane function over a slice, register by register (the last one padded
/// with zeros), writing `outputs` values per input.
struct Slices<'s, G> {
    x: &'s [f64],
    out: &'s mut [f64],
    f: G,
    outputs: usize,
}

/// A function of one register with up to three results.
trait LaneFunction {
    fn apply<S: Simd>(&self, x: V<S>) -> [V<S>; 3];
}

impl<G: LaneFunction> Kernel for Slices<'_, G> {
    type Output = ();
    #[inline(always)]
    fn run<S: Simd>(self, s: S) {
        let width = self.outputs;
        let chunks = self
            .x
            .chunks(S::LANES)
            .zip(self.out.chunks_mut(S::LANES * width));
        for (xs, outs) in chunks {
            let mut v = [0.0; 8];
            v[..xs.len()].copy_from_slice(xs);
            let r = self.f.apply(V::load(s, &v)).map(V::lanes);
            for (j, o) in outs.chunks_mut(width).enumerate() {
                for (slot, res) in o.iter_mut().zip(&r) {
                    *slot = res.get(j).copied().unwrap_or(0.0);
                }
            }
        }
    }
}

struct Exp;

impl LaneFunction for Exp {
    #[inline(always)]
    fn apply<S: Simd>(&self, x: V<S>) -> [V<S>; 3] {
        [exp::exp(x); 3]
    }
}

struct TailsDensity;

impl LaneFunction for TailsDensity {
    #[inline(always)]
    fn apply<S: Simd>(&self, z: V<S>) -> [V<S>; 3] {
        normal::tails_density(z)
    }
}

/// `Σᵢ vjp(xᵢ, x̄ᵢ)` through the lanes alone, as the batch layer calls it:
/// `Some(rows)` summed, `None` where the scalar rows would do all of it. For
/// the tests that check the lanes are taken at all.
pub fn vjp_sum_lanes(
    mix: &crate::DiagMixtureRef<'_, f64>,
    x: &[f64],
    x_bar: &[f64],
    outs: (&mut [f64], &mut [f64], &mut [f64]),
) -> Option<usize> {
    <f64 as super::LaneKernels>::vjp_sum_lanes(mix, x, x_bar, outs)
}
