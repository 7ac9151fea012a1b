//! Groups of per-row series (`/timeseries` and any other the caller names): one growing
//! 1-D f64 dataset per series, one value per row, all groups growing together.

use hdf5::{Dataset, Group};

use crate::attrs::{check_names, growing_1d, new_group, string_attr, units_attr, vlen_str};
use crate::error::{Ctx, OutputError};
use crate::layout;

/// One group of series of a run file, `/<group>/<name>` for every name: what
/// [`RunWriter::create`](crate::RunWriter::create) is given per group. `names`, `units`
/// and `docs` are parallel lists, such as the `NAMES`, `UNITS` and `DOCS` of a
/// record type.
#[derive(Debug, Clone, Copy)]
pub struct SeriesGroup<'a> {
    /// Name of the group, e.g. [`TIMESERIES`](crate::TIMESERIES); not `fields`, `grid`,
    /// `cells` or `provenance`.
    pub group: &'a str,
    /// Names of the series; the first must be `time_h`.
    pub names: &'a [&'a str],
    /// Units of each series (attribute `units`), parallel to `names`.
    pub units: &'a [&'a str],
    /// Meaning of each series (attribute `long_name`, with surrounding whitespace
    /// removed), parallel to `names`; empty for no `long_name` attributes.
    pub docs: &'a [&'a str],
}

impl<'a> SeriesGroup<'a> {
    /// A group without `long_name` attributes.
    pub fn new(group: &'a str, names: &'a [&'a str], units: &'a [&'a str]) -> Self {
        Self {
            group,
            names,
            units,
            docs: &[],
        }
    }
}

/// Group names that hold something else than series.
const RESERVED_GROUPS: [&str; 4] = [
    layout::FIELDS,
    layout::GRID,
    layout::PROVENANCE,
    crate::cells::CELLS,
];

/// Checks every group before anything touches the disk: names valid and unique, lists
/// parallel, the first series `time_h`, and the text storable.
pub(crate) fn check_groups(ctx: &Ctx, groups: &[SeriesGroup<'_>]) -> Result<(), OutputError> {
    let group_names: Vec<&str> = groups.iter().map(|g| g.group).collect();
    check_names(ctx, "", &group_names, &RESERVED_GROUPS)?;
    for g in groups {
        let object = format!("/{}", g.group);
        check_names(ctx, g.group, g.names, &[])?;
        if g.names.first() != Some(&layout::FIRST_SERIES) {
            return Err(ctx.invalid(
                object,
                format!(
                    "the first series must be '{}', got {:?}",
                    layout::FIRST_SERIES,
                    g.names
                ),
            ));
        }
        if g.units.len() != g.names.len() {
            return Err(ctx.invalid(
                object,
                format!("{} series names but {} units", g.names.len(), g.units.len()),
            ));
        }
        if !g.docs.is_empty() && g.docs.len() != g.names.len() {
            return Err(ctx.invalid(
                object,
                format!(
                    "{} series names but {} docs (give one per name, or none)",
                    g.names.len(),
                    g.docs.len()
                ),
            ));
        }
        for (i, name) in g.names.iter().enumerate() {
            let object = layout::object(g.group, name);
            vlen_str(ctx, &layout::attribute(&object, layout::UNITS), g.units[i])?;
            if let Some(doc) = g.docs.get(i) {
                vlen_str(ctx, &layout::attribute(&object, layout::LONG_NAME), doc)?;
            }
        }
    }
    Ok(())
}

/// The open datasets of one group and its rows not yet written.
#[derive(Debug)]
pub(crate) struct SeriesTable {
    pub(crate) group: String,
    pub(crate) names: Vec<String>,
    datasets: Vec<Dataset>,
    /// Pending rows, one column per series.
    pending: Vec<Vec<f64>>,
}

impl SeriesTable {
    /// Creates the group and its empty datasets (checked by [`check_groups`] before).
    pub(crate) fn create(
        ctx: &Ctx,
        root: &Group,
        g: &SeriesGroup<'_>,
    ) -> Result<Self, OutputError> {
        let group = new_group(ctx, root, g.group, true)?;
        let mut datasets = Vec::with_capacity(g.names.len());
        for (i, &name) in g.names.iter().enumerate() {
            let ds = growing_1d::<f64>(ctx, &group, g.group, name, layout::SERIES_CHUNK)?;
            units_attr(ctx, &ds, g.group, name, g.units[i])?;
            if let Some(doc) = g.docs.get(i) {
                string_attr(
                    ctx,
                    &ds,
                    &layout::object(g.group, name),
                    layout::LONG_NAME,
                    doc.trim(),
                )?;
            }
            datasets.push(ds);
        }
        // `time_h` (the first series) is the group's dimension scale, so that
        // netCDF readers (xarray, h5netcdf) see a `time_h` dimension with its
        // coordinate instead of a phony one.
        if let Some((time, rest)) = datasets.split_first() {
            let object = layout::object(g.group, g.names[0]);
            crate::dimscale::set_scale(time, g.names[0])
                .map_err(ctx.h5("make a dimension scale of", object.clone()))?;
            for (ds, name) in rest.iter().zip(&g.names[1..]) {
                crate::dimscale::attach_scale(ds, time, 0)
                    .map_err(ctx.h5("attach dimension scales to", layout::object(g.group, name)))?;
            }
        }
        Ok(Self {
            group: g.group.to_owned(),
            names: g.names.iter().map(|s| (*s).to_owned()).collect(),
            pending: vec![Vec::new(); datasets.len()],
            datasets,
        })
    }

    /// Checks that `row` has one value per series.
    pub(crate) fn check_row(&self, ctx: &Ctx, row: &[f64]) -> Result<(), OutputError> {
        if row.len() == self.datasets.len() {
            return Ok(());
        }
        Err(ctx.invalid(
            format!("/{}", self.group),
            format!(
                "expected {} values (one per series: {}), got {}",
                self.datasets.len(),
                self.names.join(", "),
                row.len()
            ),
        ))
    }

    /// Buffers a row checked by [`check_row`](Self::check_row).
    pub(crate) fn push(&mut self, row: &[f64]) {
        for (column, &v) in self.pending.iter_mut().zip(row) {
            column.push(v);
        }
    }

    /// Rows buffered and not yet written.
    pub(crate) fn pending_rows(&self) -> usize {
        self.pending.first().map_or(0, Vec::len)
    }

    /// Writes the pending rows at `start..` (no `H5Fflush`); they stay pending, to be
    /// cleared with [`clear`](Self::clear) once every group was written.
    pub(crate) fn write_pending(&self, ctx: &Ctx, start: usize) -> Result<(), OutputError> {
        let end = start + self.pending_rows();
        if end == start {
            return Ok(());
        }
        for ((name, ds), column) in self.names.iter().zip(&self.datasets).zip(&self.pending) {
            let object = layout::object(&self.group, name);
            ds.resize(end).map_err(ctx.h5("resize", object.clone()))?;
            ds.as_writer()
                .write_slice(column.as_slice(), start..end)
                .map_err(ctx.h5("write", object))?;
        }
        Ok(())
    }

    /// Forgets the pending rows (after they were written).
    pub(crate) fn clear(&mut self) {
        self.pending.iter_mut().for_each(Vec::clear);
    }
}
