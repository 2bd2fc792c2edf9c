//! The caller's slice, shared by a batch's participants, each writing the elements of the
//! indices it runs.
//!
//! # Safety
//!
//! Disjointness is the batch's T1: an index runs on one participant, once, so the `&mut`
//! sub-slices handed out never overlap.

/// A pointer to a slice's first element that participants share; each writes only the
/// elements whose indices it claimed (T1).
pub(crate) struct SharedSlice<'a, T> {
    base: *mut T,
    len: usize,
    _borrow: core::marker::PhantomData<&'a mut [T]>,
}

// SAFETY: elements move to (or are written by) exactly one participant each (T1), so `T: Send`
// suffices; the pointer itself is only offset, never used to alias.
unsafe impl<T: Send> Sync for SharedSlice<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Send> Send for SharedSlice<'_, T> {}

impl<'a, T> SharedSlice<'a, T> {
    pub(crate) fn new(slice: &'a mut [T]) -> Self {
        SharedSlice {
            base: slice.as_mut_ptr(),
            len: slice.len(),
            _borrow: core::marker::PhantomData,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The elements in `range`.
    ///
    /// # Safety
    ///
    /// `range` is within `0..len`, and no other reference to its elements exists while the
    /// result lives: true for a chunk a participant claimed (T1), used once.
    #[allow(clippy::mut_from_ref)] // disjoint chunks, per the contract above
    pub(crate) unsafe fn chunk(&self, range: core::ops::Range<usize>) -> &mut [T] {
        debug_assert!(range.start <= range.end && range.end <= self.len);
        // SAFETY: in bounds and unaliased, per the caller.
        unsafe { core::slice::from_raw_parts_mut(self.base.add(range.start), range.len()) }
    }
}
