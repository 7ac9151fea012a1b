//! Small building blocks of the writers: checked names, string and scalar
//! attributes, groups and 1-D datasets. A leaf module: the writers of the run
//! file, the cell table, the series groups and checkpoints all use it, and it
//! uses none of them.

use std::collections::HashSet;

use hdf5::plist::group_create::LinkCreationOrder;
use hdf5::types::VarLenUnicode;
use hdf5::{Dataset, Extent, Group, H5Type, Location, SimpleExtents};

use crate::error::{Ctx, OutputError};
use crate::layout;

/// Checks a list of names for one group: valid, unique, none of `reserved`.
pub(crate) fn check_names(
    ctx: &Ctx,
    group: &str,
    names: &[&str],
    reserved: &[&str],
) -> Result<(), OutputError> {
    let mut seen = HashSet::new();
    for name in names {
        layout::check_name(name).map_err(|d| ctx.invalid(format!("/{group}"), d))?;
        if reserved.contains(name) {
            return Err(ctx.invalid(
                layout::object(group, name),
                format!("'{name}' is reserved in /{group}"),
            ));
        }
        if !seen.insert(*name) {
            return Err(ctx.invalid(
                layout::object(group, name),
                format!("'{name}' is given twice"),
            ));
        }
    }
    Ok(())
}

pub(crate) fn vlen_str(ctx: &Ctx, object: &str, s: &str) -> Result<VarLenUnicode, OutputError> {
    s.parse::<VarLenUnicode>().map_err(|_| {
        ctx.invalid(
            object,
            "text contains a NUL character, which HDF5 strings cannot hold",
        )
    })
}

/// Writes a scalar attribute.
pub(crate) fn scalar_attr<T: H5Type>(
    ctx: &Ctx,
    loc: &Location,
    owner: &str,
    name: &str,
    value: &T,
) -> Result<(), OutputError> {
    let addr = layout::attribute(owner, name);
    loc.new_attr::<T>()
        .create(name)
        .and_then(|a| a.as_writer().write_scalar(value))
        .map_err(ctx.h5("write attribute", addr))
}

/// Writes a 1-D array attribute (e.g. CF `flag_values`).
pub(crate) fn array_attr<T: H5Type>(
    ctx: &Ctx,
    loc: &Location,
    owner: &str,
    name: &str,
    values: &[T],
) -> Result<(), OutputError> {
    let addr = layout::attribute(owner, name);
    loc.new_attr::<T>()
        .shape(values.len())
        .create(name)
        .and_then(|a| a.as_writer().write_raw(values))
        .map_err(ctx.h5("write attribute", addr))
}

/// Writes a scalar string attribute.
pub(crate) fn string_attr(
    ctx: &Ctx,
    loc: &Location,
    owner: &str,
    name: &str,
    value: &str,
) -> Result<(), OutputError> {
    let v = vlen_str(ctx, &layout::attribute(owner, name), value)?;
    scalar_attr(ctx, loc, owner, name, &v)
}

/// Writes the `units` string attribute of dataset `name` of group `gname`.
pub(crate) fn units_attr(
    ctx: &Ctx,
    ds: &Dataset,
    gname: &str,
    name: &str,
    units: &str,
) -> Result<(), OutputError> {
    string_attr(ctx, ds, &layout::object(gname, name), layout::UNITS, units)
}

/// Creates a group without time tracking; `ordered` records link creation order.
pub(crate) fn new_group(
    ctx: &Ctx,
    parent: &Group,
    name: &str,
    ordered: bool,
) -> Result<Group, OutputError> {
    let order = if ordered {
        LinkCreationOrder::Indexed
    } else {
        LinkCreationOrder::Untracked
    };
    parent
        .create_group_builder()
        .obj_track_times(false)
        .with_gcpl(|p| p.link_creation_order(order))
        .create(name)
        .map_err(ctx.h5("create group", format!("/{name}")))
}

/// Creates an empty 1-D dataset that grows without limit.
pub(crate) fn growing_1d<T: H5Type>(
    ctx: &Ctx,
    group: &Group,
    gname: &str,
    name: &str,
    chunk: usize,
) -> Result<Dataset, OutputError> {
    group
        .new_dataset::<T>()
        .shape(SimpleExtents::from_vec(vec![Extent::resizable(0)]))
        .chunk(vec![chunk])
        .fletcher32()
        .obj_track_times(false)
        .create(name)
        .map_err(ctx.h5("create dataset", layout::object(gname, name)))
}

/// Creates a fixed 1-D dataset holding `data`, chunked with a Fletcher-32
/// checksum per chunk, so that damage to it is found on reading.
pub(crate) fn checked_1d<T: H5Type>(
    ctx: &Ctx,
    group: &Group,
    gname: &str,
    name: &str,
    data: &[T],
) -> Result<Dataset, OutputError> {
    if data.is_empty() {
        return fixed_1d(ctx, group, gname, name, data);
    }
    let object = layout::object(gname, name);
    let ds = group
        .new_dataset::<T>()
        .shape(data.len())
        .chunk(vec![data.len().min(1 << 16)])
        .fletcher32()
        .obj_track_times(false)
        .create(name)
        .map_err(ctx.h5("create dataset", object.clone()))?;
    ds.as_writer()
        .write_raw(data)
        .map_err(ctx.h5("write", object))?;
    Ok(ds)
}

/// Creates a fixed 1-D dataset holding `data`.
pub(crate) fn fixed_1d<T: H5Type>(
    ctx: &Ctx,
    group: &Group,
    gname: &str,
    name: &str,
    data: &[T],
) -> Result<Dataset, OutputError> {
    let object = layout::object(gname, name);
    let ds = group
        .new_dataset::<T>()
        .shape(data.len())
        .obj_track_times(false)
        .create(name)
        .map_err(ctx.h5("create dataset", object.clone()))?;
    if !data.is_empty() {
        ds.as_writer()
            .write_raw(data)
            .map_err(ctx.h5("write", object))?;
    }
    Ok(ds)
}
