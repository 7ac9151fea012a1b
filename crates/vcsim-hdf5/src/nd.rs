//! Reading and writing hyperslabs: the bridge between flat row-major slices
//! and the `ndarray` blocks that `hdf5` reads and writes.

use hdf5::{Dataset, H5Type, Hyperslab, SliceOrIndex};
use ndarray::{ArrayD, ArrayView, IxDyn};

/// A selection that fixes the first axis at `index` and takes all of the next `rest` axes.
pub(crate) fn index_then_all(index: usize, rest: usize) -> Hyperslab {
    let mut sel = Vec::with_capacity(rest + 1);
    sel.push(SliceOrIndex::from(index));
    sel.extend(std::iter::repeat_n(SliceOrIndex::from(..), rest));
    Hyperslab::from(sel)
}

/// A selection of rows `start..end` along the first axis and all of the next `rest` axes.
pub(crate) fn rows_then_all(start: usize, end: usize, rest: usize) -> Hyperslab {
    let mut sel = Vec::with_capacity(rest + 1);
    sel.push(SliceOrIndex::from(start..end));
    sel.extend(std::iter::repeat_n(SliceOrIndex::from(..), rest));
    Hyperslab::from(sel)
}

/// Writes `data` (row-major, `block_shape.iter().product()` values) into the selection
/// `sel` of `ds`. `block_shape` must be the shape of the selected block with the
/// indexed (fixed) axes left out.
pub(crate) fn write_block<T: H5Type + Clone>(
    ds: &Dataset,
    data: &[T],
    block_shape: &[usize],
    sel: Hyperslab,
) -> hdf5::Result<()> {
    // A view of the caller's values: a frame's field is written without a copy.
    let block = ArrayView::from_shape(IxDyn(block_shape), data)
        .map_err(|e| hdf5::Error::from(format!("block of {} values: {e}", data.len())))?;
    ds.as_writer().write_slice(block, sel)
}

/// Reads the selection `sel` of `ds` as a flat row-major vector.
pub(crate) fn read_block<T: H5Type + Clone>(ds: &Dataset, sel: Hyperslab) -> hdf5::Result<Vec<T>> {
    let block: ArrayD<T> = ds.as_reader().read_slice(sel)?;
    Ok(block.iter().cloned().collect())
}
