//! The pooled file of a sweep: one row per run, written by `vcsim sweep collect`.
//!
//! Layout (documented in `docs/output-format.md`, "Pooled sweep file"):
//! root attributes (strings and numbers), then groups of 1-D columns of equal
//! length (tables: `/runs`, `/prevalence`) and 2-D matrices (`/series/<name>`,
//! runs × times). Every dataset may carry a `units` attribute.

use std::path::Path;

use hdf5::types::VarLenUnicode;
use hdf5::{File, Group, H5Type};

use crate::error::{Ctx, OutputError};

/// One column of a pooled table.
#[derive(Debug, Clone, PartialEq)]
pub enum PooledColumn {
    /// Floating point values (NaN where missing).
    F64(Vec<f64>),
    /// Unsigned integers.
    U64(Vec<u64>),
    /// Small signed integers (flags: 1, 0, −1 for unknown).
    I8(Vec<i8>),
    /// Text.
    Str(Vec<String>),
}

impl PooledColumn {
    fn len(&self) -> usize {
        match self {
            PooledColumn::F64(v) => v.len(),
            PooledColumn::U64(v) => v.len(),
            PooledColumn::I8(v) => v.len(),
            PooledColumn::Str(v) => v.len(),
        }
    }
}

/// A table: named columns of equal length, each with a unit (`""` for none).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PooledTable {
    /// `(name, unit, column)`.
    pub columns: Vec<(String, String, PooledColumn)>,
}

/// A 2-D matrix `rows × cols`, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct PooledMatrix {
    /// Dataset name within its group.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub cols: usize,
    /// Values, row-major (NaN where missing).
    pub data: Vec<f64>,
}

/// Everything a pooled file holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pooled {
    /// Root string attributes.
    pub attrs: Vec<(String, String)>,
    /// Groups of columns: `(group, table)`.
    pub tables: Vec<(String, PooledTable)>,
    /// Groups of matrices: `(group, matrices)`.
    pub matrices: Vec<(String, Vec<PooledMatrix>)>,
}

fn str_vec(ctx: &Ctx, object: &str, v: &[String]) -> Result<Vec<VarLenUnicode>, OutputError> {
    v.iter()
        .map(|s| {
            s.parse::<VarLenUnicode>().map_err(|_| {
                ctx.invalid(
                    object.to_string(),
                    format!("text {s:?} contains a NUL byte"),
                )
            })
        })
        .collect()
}

fn column<T: H5Type>(
    ctx: &Ctx,
    g: &Group,
    object: &str,
    name: &str,
    data: &[T],
) -> Result<hdf5::Dataset, OutputError> {
    let ds = g
        .new_dataset::<T>()
        .shape(data.len())
        .obj_track_times(false)
        .create(name)
        .map_err(ctx.h5("create dataset", object.to_string()))?;
    if !data.is_empty() {
        ds.as_writer()
            .write_raw(data)
            .map_err(ctx.h5("write", object.to_string()))?;
    }
    Ok(ds)
}

fn unit_attr(ctx: &Ctx, ds: &hdf5::Location, object: &str, unit: &str) -> Result<(), OutputError> {
    if unit.is_empty() {
        return Ok(());
    }
    let v: VarLenUnicode = unit
        .parse()
        .map_err(|_| ctx.invalid(object.to_string(), "unit contains a NUL byte"))?;
    ds.new_attr::<VarLenUnicode>()
        .create("units")
        .and_then(|a| a.write_scalar(&v))
        .map_err(ctx.h5("write attribute", format!("{object}@units")))
}

/// Writes `p` to `path` (created or truncated). Tables must have columns of
/// equal length; matrices `rows × cols` values.
pub fn write_pooled(path: &Path, p: &Pooled) -> Result<(), OutputError> {
    let ctx = Ctx::new(path);
    for (group, t) in &p.tables {
        if let Some((_, _, first)) = t.columns.first() {
            let n = first.len();
            if let Some((name, _, _)) = t.columns.iter().find(|(_, _, c)| c.len() != n) {
                return Err(ctx.invalid(
                    format!("/{group}/{name}"),
                    format!("column length differs from the table's {n} rows"),
                ));
            }
        }
    }
    for (group, ms) in &p.matrices {
        for m in ms {
            if m.data.len() != m.rows * m.cols {
                return Err(ctx.invalid(
                    format!("/{group}/{}", m.name),
                    format!("{} values for {} × {}", m.data.len(), m.rows, m.cols),
                ));
            }
        }
    }
    let file = File::with_options()
        .with_fcpl(|c| c.obj_track_times(false))
        .create(path)
        .map(crate::inherit::opened)
        .map_err(|e| OutputError::Create {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    for (name, value) in &p.attrs {
        let object = format!("/@{name}");
        let v: VarLenUnicode = value
            .parse()
            .map_err(|_| ctx.invalid(object.clone(), "text contains a NUL byte"))?;
        file.new_attr::<VarLenUnicode>()
            .create(name.as_str())
            .and_then(|a| a.write_scalar(&v))
            .map_err(ctx.h5("write attribute", object))?;
    }
    for (group, t) in &p.tables {
        let g = file
            .create_group(group)
            .map_err(ctx.h5("create group", format!("/{group}")))?;
        for (name, unit, col) in &t.columns {
            let object = format!("/{group}/{name}");
            let ds = match col {
                PooledColumn::F64(v) => column(&ctx, &g, &object, name, v)?,
                PooledColumn::U64(v) => column(&ctx, &g, &object, name, v)?,
                PooledColumn::I8(v) => column(&ctx, &g, &object, name, v)?,
                PooledColumn::Str(v) => {
                    column(&ctx, &g, &object, name, &str_vec(&ctx, &object, v)?)?
                }
            };
            unit_attr(&ctx, &ds, &object, unit)?;
        }
    }
    for (group, ms) in &p.matrices {
        let g = file
            .create_group(group)
            .map_err(ctx.h5("create group", format!("/{group}")))?;
        for m in ms {
            let object = format!("/{group}/{}", m.name);
            let ds = g
                .new_dataset::<f64>()
                .shape([m.rows, m.cols])
                .obj_track_times(false)
                .create(m.name.as_str())
                .map_err(ctx.h5("create dataset", object.clone()))?;
            if !m.data.is_empty() {
                ds.as_writer()
                    .write_raw(&m.data)
                    .map_err(ctx.h5("write", object.clone()))?;
            }
            unit_attr(&ctx, &ds, &object, &m.unit)?;
        }
    }
    file.flush().map_err(ctx.h5("flush", "/"))?;
    Ok(())
}

/// Reads one column of a pooled table as `T`.
fn read_column<T: H5Type>(path: &Path, group: &str, name: &str) -> Result<Vec<T>, OutputError> {
    let ctx = Ctx::new(path);
    let file = crate::inherit::open_read(path)?;
    let object = format!("/{group}/{name}");
    let ds = file.dataset(&object).map_err(|_| OutputError::NotFound {
        path: path.to_path_buf(),
        object: object.clone(),
    })?;
    ds.read_raw::<T>().map_err(ctx.h5("read", object))
}

/// Reads one f64 column of a pooled table (for tests and tools).
pub fn read_pooled_f64(path: &Path, group: &str, name: &str) -> Result<Vec<f64>, OutputError> {
    read_column(path, group, name)
}

/// Reads one text column of a pooled table.
pub fn read_pooled_str(path: &Path, group: &str, name: &str) -> Result<Vec<String>, OutputError> {
    let v: Vec<VarLenUnicode> = read_column(path, group, name)?;
    Ok(v.into_iter().map(|s| s.as_str().to_string()).collect())
}
