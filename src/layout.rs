//! Component-major `K × D` arrays: entry `(k, d)` at `k·D + d`.
//!
//! Means, scales, `ln σ` and their gradients all have this layout, and one
//! [`ComponentMajor`] shape serves every array of a mixture: the view
//! checks each array's length against it once, at construction, and all
//! reads go through it — a column (one dimension across the components), a
//! row (one component across the dimensions), or one entry. One shape for
//! all arrays is also what lets a loop over several of them keep a single
//! index. Full-covariance mixtures will add a second layout (`K`
//! lower-triangular `D × D` blocks) beside this one.

use core::num::NonZeroUsize;

use crate::Float;

/// The shape of the component-major `K × D` arrays of one mixture.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ComponentMajor {
    components: usize,
    dims: NonZeroUsize,
}

impl ComponentMajor {
    /// `K` components in `D` dimensions.
    #[inline]
    pub const fn new(components: usize, dims: NonZeroUsize) -> Self {
        ComponentMajor { components, dims }
    }

    /// `K`.
    #[inline(always)]
    pub fn components(&self) -> usize {
        self.components
    }

    /// `D`.
    #[inline(always)]
    pub fn dims(&self) -> NonZeroUsize {
        self.dims
    }

    /// `K·D` (saturated: no slice holds that many values, so a length
    /// check against it fails as it should).
    #[inline]
    pub fn len(&self) -> usize {
        self.components.saturating_mul(self.dims.get())
    }

    /// Entries `(k, d)` of `values` for `k = 0..K`.
    #[inline(always)]
    pub fn column<'a, F: Float>(
        &self,
        values: &'a [F],
        d: usize,
    ) -> impl Iterator<Item = F> + Clone + 'a {
        values
            .chunks_exact(self.dims.get())
            .map(move |row| entry(row, d))
    }

    /// Entries `(k, d)` of two arrays side by side, for `k = 0..K`: row by
    /// row, which the standard library zips with one counter.
    #[cfg(not(feature = "small-code"))]
    #[inline(always)]
    pub fn columns<'a, F: Float>(
        &self,
        a: &'a [F],
        b: &'a [F],
        d: usize,
    ) -> impl Iterator<Item = (F, F)> + Clone + 'a {
        let step = self.dims.get();
        let rows = a.chunks_exact(step).zip(b.chunks_exact(step));
        rows.map(move |(ra, rb)| (entry(ra, d), entry(rb, d)))
    }

    /// Entries `(k, d)` of two arrays side by side, for `k = 0..K`: by
    /// index, the same values in less code (`small-code`).
    #[cfg(feature = "small-code")]
    #[inline(always)]
    pub fn columns<'a, F: Float>(
        &self,
        a: &'a [F],
        b: &'a [F],
        d: usize,
    ) -> impl Iterator<Item = (F, F)> + Clone + 'a {
        let shape = *self;
        (0..self.components).map(move |k| (shape.at(a, k, d), shape.at(b, k, d)))
    }

    /// Entry `(k, d)` of `values`, by index: a loop over several arrays
    /// keeps one counter for all of them this way.
    #[inline(always)]
    pub fn at<F: Float>(&self, values: &[F], k: usize, d: usize) -> F {
        entry(values, k * self.dims.get() + d)
    }

    /// Entries `(k, d)` of `values` for `d = 0..D`.
    #[inline(always)]
    pub fn row<'a, F>(&self, values: &'a [F], k: usize) -> &'a [F] {
        values
            .chunks_exact(self.dims.get())
            .nth(k)
            .unwrap_or_default()
    }

    /// Entries `(k, d)` of two arrays side by side for `k = 0..K`, mutably.
    #[inline(always)]
    pub fn columns_mut<'a, F>(
        &self,
        a: &'a mut [F],
        b: &'a mut [F],
        d: usize,
    ) -> impl Iterator<Item = (&'a mut F, &'a mut F)> {
        let step = self.dims.get();
        let rows = a.chunks_exact_mut(step).zip(b.chunks_exact_mut(step));
        rows.filter_map(move |(ra, rb)| ra.get_mut(d).zip(rb.get_mut(d)))
    }

    /// Entries `(k, d)` of `values` for `k = 0..K`, mutably.
    #[inline(always)]
    pub fn column_mut<'a, F>(
        &self,
        values: &'a mut [F],
        d: usize,
    ) -> impl Iterator<Item = &'a mut F> {
        let rows = values.chunks_exact_mut(self.dims.get());
        rows.filter_map(move |row| row.get_mut(d))
    }
}

/// Entry `d` of a row.
///
/// Every caller asks for an entry that exists (columns are read for `d` in
/// `0..D`, entries for `k < K` as well); were it not, it would read as 1 (a
/// harmless scale) rather than panic: the firmware's link-time check
/// forbids any panic path. A column is a `Map` over `ChunksExact` rather
/// than an iterator that ends at a missing entry because the standard
/// library zips the former with one counter (`TrustedRandomAccess`), and
/// the hot loops zip columns with the rows of the workspace.
#[inline(always)]
fn entry<F: Float>(row: &[F], d: usize) -> F {
    row.get(d).copied().unwrap_or(F::ONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_rows_and_entries_read_the_component_major_layout() {
        // K = 3, D = 2: (k, d) = 10k + d.
        let mut values = [0.0, 1.0, 10.0, 11.0, 20.0, 21.0];
        let shape = ComponentMajor::new(3, NonZeroUsize::new(2).unwrap());
        assert_eq!(shape.len(), 6);
        assert!(shape.column(&values, 0).eq([0.0, 10.0, 20.0]));
        assert!(shape.column(&values, 1).eq([1.0, 11.0, 21.0]));
        let twice = values.map(|v| 2.0 * v);
        assert!(shape
            .columns(&values, &twice, 1)
            .eq([(1.0, 2.0), (11.0, 22.0), (21.0, 42.0)]));
        assert_eq!(shape.at(&values, 2, 1), 21.0);
        assert_eq!(shape.row(&values, 2), &[20.0, 21.0]);
        assert!(shape.row(&values, 3).is_empty());
        for v in shape.column_mut(&mut values, 1) {
            *v += 100.0;
        }
        assert_eq!(values, [0.0, 101.0, 10.0, 111.0, 20.0, 121.0]);
        let huge = ComponentMajor::new(usize::MAX, NonZeroUsize::new(2).unwrap());
        assert_eq!(huge.len(), usize::MAX);
    }
}
