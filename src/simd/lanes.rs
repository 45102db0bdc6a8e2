//! [`V`] and [`Mask`]: a register of a [`Simd`] instruction set with its
//! token, so that the lane kernels read like the scalar code they mirror
//! (`a + b * 0.5`, `x.lt(1.0).select(p, q)`).

use core::ops::{Add, BitAnd, BitOr, Div, Mul, Neg, Not, Sub};

use super::Simd;

/// `S::LANES` `f64` values.
#[derive(Clone, Copy)]
pub(crate) struct V<S: Simd> {
    pub s: S,
    pub v: S::F,
}

/// One boolean per lane.
#[derive(Clone, Copy)]
pub(crate) struct Mask<S: Simd> {
    s: S,
    m: S::M,
}

/// What an operator of [`V`] takes on its right: another [`V`], or an
/// `f64` for every lane.
pub(crate) trait Operand<S: Simd>: Copy {
    fn lanes(self, s: S) -> S::F;
}

impl<S: Simd> Operand<S> for V<S> {
    #[inline(always)]
    fn lanes(self, _: S) -> S::F {
        self.v
    }
}

impl<S: Simd> Operand<S> for f64 {
    #[inline(always)]
    fn lanes(self, s: S) -> S::F {
        s.splat(self)
    }
}

impl<S: Simd> V<S> {
    /// `v` in every lane.
    #[inline(always)]
    pub fn splat(s: S, v: f64) -> Self {
        V { s, v: s.splat(v) }
    }

    /// The first `LANES` values of `v`.
    #[inline(always)]
    pub fn load(s: S, v: &[f64; 8]) -> Self {
        V { s, v: s.load(v) }
    }

    /// The lanes, in the first `LANES` places.
    #[inline(always)]
    pub fn lanes(self) -> [f64; 8] {
        self.s.store(self.v)
    }

    #[inline(always)]
    fn mask(self, m: S::M) -> Mask<S> {
        Mask { s: self.s, m }
    }

    #[inline(always)]
    pub fn abs(self) -> Self {
        V {
            s: self.s,
            v: self.s.abs(self.v),
        }
    }

    #[inline(always)]
    pub fn lt(self, o: impl Operand<S>) -> Mask<S> {
        self.mask(self.s.lt(self.v, o.lanes(self.s)))
    }

    #[inline(always)]
    pub fn le(self, o: impl Operand<S>) -> Mask<S> {
        self.mask(self.s.le(self.v, o.lanes(self.s)))
    }

    #[inline(always)]
    pub fn gt(self, o: impl Operand<S>) -> Mask<S> {
        self.mask(self.s.lt(o.lanes(self.s), self.v))
    }

    #[inline(always)]
    pub fn ge(self, o: impl Operand<S>) -> Mask<S> {
        self.mask(self.s.le(o.lanes(self.s), self.v))
    }

    #[inline(always)]
    pub fn eq(self, o: impl Operand<S>) -> Mask<S> {
        self.mask(self.s.eq(self.v, o.lanes(self.s)))
    }

    /// Neither infinite nor NaN.
    #[inline(always)]
    pub fn is_finite(self) -> Mask<S> {
        self.abs().lt(f64::INFINITY)
    }

    #[inline(always)]
    pub fn is_nan(self) -> Mask<S> {
        !self.eq(self)
    }
}

impl<S: Simd> Mask<S> {
    /// `a` where set, `b` elsewhere.
    #[inline(always)]
    pub fn select(self, a: impl Operand<S>, b: impl Operand<S>) -> V<S> {
        V {
            s: self.s,
            v: self.s.select(self.m, a.lanes(self.s), b.lanes(self.s)),
        }
    }

    /// Set in some lane.
    #[inline(always)]
    pub fn any(self) -> bool {
        self.s.any(self.m)
    }
}

macro_rules! binary {
    ($($op:ident $method:ident),*) => {$(
        impl<S: Simd, O: Operand<S>> $op<O> for V<S> {
            type Output = V<S>;
            #[inline(always)]
            fn $method(self, o: O) -> V<S> {
                V { s: self.s, v: self.s.$method(self.v, o.lanes(self.s)) }
            }
        }

        impl<S: Simd> $op<V<S>> for f64 {
            type Output = V<S>;
            #[inline(always)]
            fn $method(self, o: V<S>) -> V<S> {
                V { s: o.s, v: o.s.$method(o.s.splat(self), o.v) }
            }
        }
    )*};
}

binary!(Add add, Sub sub, Mul mul, Div div);

impl<S: Simd> Neg for V<S> {
    type Output = V<S>;
    #[inline(always)]
    fn neg(self) -> V<S> {
        // −a is exactly 0 − a except for a = +0, where IEEE gives +0, not −0:
        // −1·a flips the sign bit in every case.
        self * -1.0
    }
}

impl<S: Simd> BitAnd for Mask<S> {
    type Output = Mask<S>;
    #[inline(always)]
    fn bitand(self, o: Mask<S>) -> Mask<S> {
        Mask {
            s: self.s,
            m: self.s.and(self.m, o.m),
        }
    }
}

impl<S: Simd> BitOr for Mask<S> {
    type Output = Mask<S>;
    #[inline(always)]
    fn bitor(self, o: Mask<S>) -> Mask<S> {
        Mask {
            s: self.s,
            m: self.s.or(self.m, o.m),
        }
    }
}

impl<S: Simd> Not for Mask<S> {
    type Output = Mask<S>;
    #[inline(always)]
    fn not(self) -> Mask<S> {
        Mask {
            s: self.s,
            m: self.s.not(self.m),
        }
    }
}

impl<S: Simd> crate::elementary::arith::Arith for V<S> {
    #[inline(always)]
    fn rsub(self, c: f64) -> Self {
        c - self
    }
    #[inline(always)]
    fn exp_table(self) -> (Self, Self) {
        let (tail, scale) = self.s.exp_table(self.v);
        (
            V { s: self.s, v: tail },
            V {
                s: self.s,
                v: scale,
            },
        )
    }
}
