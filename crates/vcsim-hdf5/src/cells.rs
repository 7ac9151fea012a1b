//! The cell table `/cells`: one row per cell per frame, one 1-D dataset per
//! column, so that `pandas.DataFrame({k: f["cells"][k][:] for k in f["cells"]})`
//! loads it without reshaping. The column `frame` says which frame a row
//! belongs to.

use hdf5::{Dataset, Extent, Group, H5Type, SimpleExtents};

use crate::attrs::string_attr;
use crate::error::{Ctx, OutputError};

/// Group of the cell table.
pub(crate) const CELLS: &str = "cells";

/// Rows per chunk of a cell column.
const CELL_CHUNK: usize = 16384;

/// The values of one column for the cells of one frame.
#[derive(Debug, Clone, Copy)]
pub enum CellColumn<'a> {
    /// Unsigned 64-bit integers.
    U64(&'a [u64]),
    /// Unsigned 32-bit integers.
    U32(&'a [u32]),
    /// Bytes.
    U8(&'a [u8]),
    /// 32-bit floats.
    F32(&'a [f32]),
    /// 64-bit floats.
    F64(&'a [f64]),
}

impl CellColumn<'_> {
    /// Bytes of the column's values.
    pub fn bytes(&self) -> u64 {
        let b = match self {
            Self::U64(v) => std::mem::size_of_val(*v),
            Self::U32(v) => std::mem::size_of_val(*v),
            Self::U8(v) => std::mem::size_of_val(*v),
            Self::F32(v) => std::mem::size_of_val(*v),
            Self::F64(v) => std::mem::size_of_val(*v),
        };
        b as u64
    }
}

impl CellColumn<'_> {
    fn len(&self) -> usize {
        match self {
            CellColumn::U64(v) => v.len(),
            CellColumn::U32(v) => v.len(),
            CellColumn::U8(v) => v.len(),
            CellColumn::F32(v) => v.len(),
            CellColumn::F64(v) => v.len(),
        }
    }

    fn kind(&self) -> u8 {
        match self {
            CellColumn::U64(_) => 0,
            CellColumn::U32(_) => 1,
            CellColumn::U8(_) => 2,
            CellColumn::F32(_) => 3,
            CellColumn::F64(_) => 4,
        }
    }
}

/// The open cell table of a writer.
#[derive(Debug)]
pub(crate) struct CellWriter {
    columns: Vec<(String, u8, Dataset)>,
    /// `/cells/row`: the row number, the table's dimension scale (so that
    /// netCDF readers see a `row` dimension), written by the table itself.
    row: Dataset,
    rows: usize,
}

/// Name of the row-number column and dimension of `/cells`.
pub(crate) const ROW: &str = "row";

fn create_column<T: H5Type>(
    ctx: &Ctx,
    group: &Group,
    name: &str,
    chunk: usize,
) -> Result<Dataset, OutputError> {
    group
        .new_dataset::<T>()
        .shape(SimpleExtents::from_vec(vec![Extent::resizable(0)]))
        .chunk(vec![chunk])
        .shuffle()
        .deflate(crate::layout::DEFLATE_LEVEL)
        .fletcher32()
        .obj_track_times(false)
        .create(name)
        .map_err(ctx.h5("create dataset", format!("/{CELLS}/{name}")))
}

fn append<T: H5Type>(
    ctx: &Ctx,
    ds: &Dataset,
    name: &str,
    start: usize,
    data: &[T],
) -> Result<(), OutputError> {
    let object = format!("/{CELLS}/{name}");
    let end = start + data.len();
    ds.resize(end).map_err(ctx.h5("resize", object.clone()))?;
    if !data.is_empty() {
        ds.as_writer()
            .write_slice(data, start..end)
            .map_err(ctx.h5("write", object))?;
    }
    Ok(())
}

impl CellWriter {
    /// Creates `/cells` with one dataset per column.
    pub(crate) fn create(
        ctx: &Ctx,
        group: &Group,
        columns: &[(&str, &str, CellColumn<'_>)],
    ) -> Result<Self, OutputError> {
        let mut out = Vec::with_capacity(columns.len());
        // As many rows per chunk as the first frame brings (at most
        // CELL_CHUNK): while the number of cells stays the same, each frame
        // then fills chunks of its own and never rewrites a chunk holding
        // rows of an earlier frame, which a kill during the rewrite could
        // damage (deflate changes its size, so HDF5 moves it).
        let chunk = columns
            .first()
            .map_or(CELL_CHUNK, |(_, _, c)| c.len())
            .clamp(1, CELL_CHUNK);
        for (name, unit, col) in columns {
            if name.is_empty() || name.contains('/') {
                return Err(ctx.invalid(
                    format!("/{CELLS}"),
                    format!("bad cell column name '{name}'"),
                ));
            }
            let ds = match col {
                CellColumn::U64(_) => create_column::<u64>(ctx, group, name, chunk)?,
                CellColumn::U32(_) => create_column::<u32>(ctx, group, name, chunk)?,
                CellColumn::U8(_) => create_column::<u8>(ctx, group, name, chunk)?,
                CellColumn::F32(_) => create_column::<f32>(ctx, group, name, chunk)?,
                CellColumn::F64(_) => create_column::<f64>(ctx, group, name, chunk)?,
            };
            string_attr(
                ctx,
                &ds,
                &format!("/{CELLS}/{name}"),
                crate::layout::UNITS,
                unit,
            )?;
            out.push((name.to_string(), col.kind(), ds));
        }
        if columns.iter().any(|(n, _, _)| *n == ROW) {
            return Err(ctx.invalid(
                format!("/{CELLS}/{ROW}"),
                "the row number is written by the table itself",
            ));
        }
        let row = create_column::<u64>(ctx, group, ROW, chunk)?;
        string_attr(
            ctx,
            &row,
            &format!("/{CELLS}/{ROW}"),
            crate::layout::UNITS,
            "1",
        )?;
        crate::dimscale::set_scale(&row, ROW)
            .map_err(ctx.h5("make a dimension scale of", format!("/{CELLS}/{ROW}")))?;
        for (name, _, ds) in &out {
            crate::dimscale::attach_scale(ds, &row, 0)
                .map_err(ctx.h5("attach dimension scales to", format!("/{CELLS}/{name}")))?;
        }
        Ok(Self {
            columns: out,
            row,
            rows: 0,
        })
    }

    /// Appends the rows of one frame; the columns must be those the table was
    /// created with, in order, of one length.
    pub(crate) fn append(
        &mut self,
        ctx: &Ctx,
        columns: &[(&str, &str, CellColumn<'_>)],
    ) -> Result<(), OutputError> {
        let names: Vec<&str> = columns.iter().map(|(n, _, _)| *n).collect();
        let expected: Vec<&str> = self.columns.iter().map(|(n, _, _)| n.as_str()).collect();
        if names != expected {
            return Err(ctx.invalid(
                format!("/{CELLS}"),
                format!("columns {names:?} differ from the table's {expected:?}"),
            ));
        }
        let n = columns.first().map(|(_, _, c)| c.len()).unwrap_or(0);
        for ((name, _, col), (_, kind, _)) in columns.iter().zip(&self.columns) {
            if col.len() != n {
                return Err(ctx.invalid(
                    format!("/{CELLS}/{name}"),
                    format!("{} values, expected {n}", col.len()),
                ));
            }
            if col.kind() != *kind {
                return Err(ctx.invalid(
                    format!("/{CELLS}/{name}"),
                    "the element type changed between frames",
                ));
            }
        }
        for ((name, _, col), (_, _, ds)) in columns.iter().zip(&self.columns) {
            match col {
                CellColumn::U64(v) => append(ctx, ds, name, self.rows, v)?,
                CellColumn::U32(v) => append(ctx, ds, name, self.rows, v)?,
                CellColumn::U8(v) => append(ctx, ds, name, self.rows, v)?,
                CellColumn::F32(v) => append(ctx, ds, name, self.rows, v)?,
                CellColumn::F64(v) => append(ctx, ds, name, self.rows, v)?,
            }
        }
        let numbers: Vec<u64> = (self.rows as u64..(self.rows + n) as u64).collect();
        append(ctx, &self.row, ROW, self.rows, &numbers)?;
        self.rows += n;
        Ok(())
    }
}
