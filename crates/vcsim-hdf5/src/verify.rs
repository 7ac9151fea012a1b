//! Reading a whole file back to find damage: every dataset chunk by chunk
//! (so that deflate and Fletcher-32 check each), every attribute, the
//! consistency of the run-file layout, and for checkpoints their checksum.
//!
//! Sizes are checked against the file before anything is allocated: a damaged
//! or hostile file that declares a dataset of 10¹² rows is reported, not read.
//! libhdf5 itself may still crash on some damaged metadata; callers that must
//! survive that run [`verify_file`] in a child process (the `vcsim` binary
//! does).

use std::path::Path;

use hdf5::types::{TypeDescriptor, VarLenUnicode};
use hdf5::{Dataset, File, Group, LocationType};

use crate::error::{Ctx, OutputError};
use crate::layout::{self, ROOT};

/// What a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A run file written by [`crate::RunWriter`].
    Run,
    /// A checkpoint written by [`crate::write_checkpoint`].
    Checkpoint,
    /// Some other HDF5 file (e.g. a pooled sweep file).
    Other,
}

/// The result of [`verify_file`].
#[derive(Debug, Clone)]
pub struct VerifyReport {
    /// What the file is.
    pub kind: FileKind,
    /// Datasets read in full.
    pub datasets: usize,
    /// Bytes of values read (as stored types).
    pub bytes: u64,
    /// Objects that could not be read or are inconsistent: (object, what is wrong).
    pub damaged: Vec<(String, String)>,
}

/// The most bytes a dataset of a file of `file_bytes` may declare: deflate
/// expands at most about 1032-fold, and chunks never written read as fill
/// values, so a kill between a resize and its write may declare up to one
/// frame more than is stored. Anything beyond is damage.
pub fn declared_bytes_limit(file_bytes: u64) -> u64 {
    file_bytes.saturating_mul(1100).max(1 << 30)
}

/// Root attribute holding [`string_digest`] of the file.
pub(crate) const STRINGS_CHECKSUM: &str = "strings_checksum";

/// A checksum of every variable-length string in the file (attribute values
/// and string datasets, with their object paths and names, in sorted order).
///
/// HDF5 keeps variable-length strings (the config, units, docs, region names)
/// in its global heap, which has no checksum of its own, unlike the chunks
/// (Fletcher-32) and the object headers: this attribute covers them, so that
/// a flipped bit in the recorded config is found by `vcsim verify`.
/// `/provenance` is left out (it may differ between identical runs).
pub(crate) fn string_digest(file: &File) -> hdf5::Result<u64> {
    let mut c = crate::checksum::Checksum::default();
    fn strings_of(
        loc: &hdf5::Location,
        path: &str,
        c: &mut crate::checksum::Checksum,
    ) -> hdf5::Result<()> {
        let mut names = loc.attr_names()?;
        names.sort();
        for name in names {
            if name == STRINGS_CHECKSUM {
                continue;
            }
            let attr = loc.attr(&name)?;
            if matches!(
                attr.dtype()?.to_descriptor(),
                Ok(TypeDescriptor::VarLenUnicode)
            ) {
                c.text(path);
                c.text(&name);
                for v in attr.read_raw::<VarLenUnicode>()? {
                    c.text(v.as_str());
                }
            }
        }
        Ok(())
    }
    fn walk_strings(
        g: &Group,
        path: &str,
        c: &mut crate::checksum::Checksum,
        depth: usize,
    ) -> hdf5::Result<()> {
        if depth > 16 {
            return Err(hdf5::Error::from("groups nested too deep"));
        }
        strings_of(g, path, c)?;
        let mut names = g.member_names()?;
        names.sort();
        for name in names {
            let object = format!("{path}/{name}");
            // Provenance may differ between identical runs (host); left out so
            // that the checksum is part of the reproducible file.
            if object == format!("/{}", layout::PROVENANCE) {
                continue;
            }
            match g.loc_type_by_name(&name)? {
                LocationType::Group => walk_strings(&g.group(&name)?, &object, c, depth + 1)?,
                LocationType::Dataset => {
                    let ds = g.dataset(&name)?;
                    strings_of(&ds, &object, c)?;
                    if matches!(
                        ds.dtype()?.to_descriptor(),
                        Ok(TypeDescriptor::VarLenUnicode)
                    ) && ds.size() <= 1 << 20
                    {
                        c.text(&object);
                        for v in ds.read_raw::<VarLenUnicode>()? {
                            c.text(v.as_str());
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(())
    }
    walk_strings(file, "", &mut c, 0)?;
    Ok(c.value())
}

/// Elements read at once from one dataset.
const BLOCK_ELEMENTS: usize = 1 << 22;

/// Reads every object of the file at `path`. An error means the file cannot
/// be opened at all; damage inside it is listed in the report.
pub fn verify_file(path: &Path) -> Result<VerifyReport, OutputError> {
    let ctx = Ctx::new(path);
    let file_bytes = std::fs::metadata(path)
        .map_err(|e| OutputError::Open {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?
        .len();
    let mut magic = [0u8; 8];
    let is_hdf5 = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut magic))
        .map(|_| &magic == b"\x89HDF\r\n\x1a\n")
        .unwrap_or(false);
    if !is_hdf5 {
        return Err(OutputError::Open {
            path: path.to_path_buf(),
            detail: "not an HDF5 file (no HDF5 signature at its start)".into(),
        });
    }
    let file = crate::inherit::open_read(path)?;
    let kind = match file
        .attr("kind")
        .and_then(|a| a.read_scalar::<VarLenUnicode>())
    {
        Ok(k) if k.as_str() == "vcsim checkpoint" => FileKind::Checkpoint,
        _ if file.attr("schema_version").is_ok() => FileKind::Run,
        _ => FileKind::Other,
    };
    let mut report = VerifyReport {
        kind,
        datasets: 0,
        bytes: 0,
        damaged: Vec::new(),
    };
    let limit = declared_bytes_limit(file_bytes);
    walk(&ctx, &file, "", limit, &mut report, 0);
    match kind {
        FileKind::Checkpoint => {
            drop(file);
            if let Err(e) = crate::read_checkpoint(path) {
                report.damaged.push(("/".into(), e.to_string()));
            }
        }
        FileKind::Run => {
            drop(file);
            check_run_layout(path, &mut report);
        }
        FileKind::Other => {}
    }
    Ok(report)
}

/// Reads the attributes of the object at `object` (how far each can be read).
fn read_attrs(loc: &hdf5::Location, object: &str, report: &mut VerifyReport) {
    let names = match loc.attr_names() {
        Ok(n) => n,
        Err(e) => {
            report
                .damaged
                .push((object.to_string(), format!("cannot list attributes: {e}")));
            return;
        }
    };
    for name in names {
        let addr = layout::attribute(if object.is_empty() { "/" } else { object }, &name);
        let attr = match loc.attr(&name) {
            Ok(a) => a,
            Err(e) => {
                report.damaged.push((addr, format!("cannot open: {e}")));
                continue;
            }
        };
        let desc = attr.dtype().and_then(|t| t.to_descriptor());
        let result = match desc {
            Ok(TypeDescriptor::VarLenUnicode) | Ok(TypeDescriptor::VarLenAscii) => attr
                .read_raw::<VarLenUnicode>()
                .map(|_| ())
                .or_else(|_| attr.read_raw::<hdf5::types::VarLenAscii>().map(|_| ())),
            Ok(TypeDescriptor::Float(_))
            | Ok(TypeDescriptor::Integer(_))
            | Ok(TypeDescriptor::Unsigned(_)) => {
                if attr.size() > 1 << 20 {
                    Err(hdf5::Error::from(format!(
                        "declares {} values, more than an attribute of this layout holds",
                        attr.size()
                    )))
                } else {
                    attr.read_raw::<f64>().map(|_| ())
                }
            }
            // References and other types (dimension-scale bookkeeping): opened is enough.
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            report.damaged.push((addr, format!("cannot read: {e}")));
        }
    }
}

fn walk(
    ctx: &Ctx,
    group: &Group,
    prefix: &str,
    limit: u64,
    report: &mut VerifyReport,
    depth: usize,
) {
    let here = if prefix.is_empty() { "/" } else { prefix };
    if depth > 16 {
        report.damaged.push((
            here.to_string(),
            "groups nested deeper than any vcsim file".into(),
        ));
        return;
    }
    read_attrs(group, prefix, report);
    let names = match group.member_names() {
        Ok(n) => n,
        Err(e) => {
            report
                .damaged
                .push((here.to_string(), format!("cannot list members: {e}")));
            return;
        }
    };
    if names.len() > 100_000 {
        report.damaged.push((
            here.to_string(),
            format!("{} members: the group is damaged", names.len()),
        ));
        return;
    }
    for name in names {
        let object = format!("{prefix}/{name}");
        match group.loc_type_by_name(&name) {
            Ok(LocationType::Group) => match group.group(&name) {
                Ok(g) => walk(ctx, &g, &object, limit, report, depth + 1),
                Err(e) => report
                    .damaged
                    .push((object, format!("cannot open group: {e}"))),
            },
            Ok(LocationType::Dataset) => match group.dataset(&name) {
                Ok(ds) => {
                    read_attrs(&ds, &object, report);
                    if let Err(e) = read_dataset(&ds, limit, report) {
                        report.damaged.push((object, e));
                    }
                }
                Err(e) => report
                    .damaged
                    .push((object, format!("cannot open dataset: {e}"))),
            },
            Ok(_) => {}
            Err(e) => report.damaged.push((object, format!("cannot open: {e}"))),
        }
    }
    let _ = ctx;
}

/// Reads a dataset in blocks of whole rows along its first axis.
fn read_dataset(ds: &Dataset, limit: u64, report: &mut VerifyReport) -> Result<(), String> {
    let shape = ds.shape();
    let dtype = ds
        .dtype()
        .map_err(|e| format!("cannot read its type: {e}"))?;
    let elem = dtype.size() as u64;
    let n: u64 = shape
        .iter()
        .try_fold(1u64, |a, &d| a.checked_mul(d as u64))
        .ok_or("its shape overflows")?;
    let bytes = n.saturating_mul(elem);
    if bytes > limit {
        return Err(format!(
            "declares shape {shape:?} ({bytes} bytes), far more than the file can hold: the file is damaged"
        ));
    }
    report.datasets += 1;
    if n == 0 {
        return Ok(());
    }
    let desc = dtype
        .to_descriptor()
        .map_err(|e| format!("unknown type: {e}"))?;
    if matches!(
        desc,
        TypeDescriptor::VarLenUnicode | TypeDescriptor::VarLenAscii
    ) {
        ds.read_raw::<VarLenUnicode>()
            .map_err(|e| format!("cannot read: {e}"))?;
        report.bytes += bytes;
        return Ok(());
    }
    if !matches!(
        desc,
        TypeDescriptor::Float(_) | TypeDescriptor::Integer(_) | TypeDescriptor::Unsigned(_)
    ) {
        return Ok(());
    }
    if shape.is_empty() {
        ds.read_raw::<f64>()
            .map_err(|e| format!("cannot read: {e}"))?;
        report.bytes += bytes;
        return Ok(());
    }
    let row: usize = shape[1..].iter().product::<usize>().max(1);
    let rows_per_block = (BLOCK_ELEMENTS / row).max(1);
    let mut start = 0;
    while start < shape[0] {
        let end = (start + rows_per_block).min(shape[0]);
        let sel = crate::nd::rows_then_all(start, end, shape.len() - 1);
        let block: ndarray::ArrayD<f64> = ds
            .as_reader()
            .read_slice(sel)
            .map_err(|e| format!("rows {start}..{end} cannot be read: {e}"))?;
        drop(block);
        start = end;
    }
    report.bytes += bytes;
    Ok(())
}

/// The run-file layout: every series group with equal rows, every field with
/// one frame per frame time, the cell table's frames within the frames.
fn check_run_layout(path: &Path, report: &mut VerifyReport) {
    let reader = match crate::RunReader::open(path) {
        Ok(r) => r,
        Err(e) => {
            report.damaged.push(("/".into(), e.to_string()));
            return;
        }
    };
    let file = match File::open(path).map(crate::inherit::opened) {
        Ok(f) => f,
        Err(e) => {
            report.damaged.push(("/".into(), e.to_string()));
            return;
        }
    };
    // The strings of the global heap, which HDF5 does not checksum.
    if let Ok(a) = file.attr(STRINGS_CHECKSUM) {
        match (a.read_scalar::<u64>(), string_digest(&file)) {
            (Ok(stored), Ok(now)) if stored != now => report.damaged.push((
                layout::attribute(ROOT, STRINGS_CHECKSUM),
                format!(
                    "the text attributes (config, units, names) do not match their checksum (stored {stored:016x}, computed {now:016x}): a string was damaged or edited"
                ),
            )),
            (Err(e), _) | (_, Err(e)) => report.damaged.push((
                layout::attribute(ROOT, STRINGS_CHECKSUM),
                format!("cannot check the text attributes: {e}"),
            )),
            _ => {}
        }
    }
    // What every run file holds.
    for attr in [
        "config",
        "seed",
        "scenario",
        "vcsim_version",
        "schema_version",
        "ndim",
        "spacing_um",
    ] {
        if file.attr(attr).is_err() {
            report
                .damaged
                .push((layout::attribute(ROOT, attr), "missing".into()));
        }
    }
    for group in [layout::TIMESERIES, layout::FIELDS, layout::GRID] {
        if !file.link_exists(group) {
            report.damaged.push((format!("/{group}"), "missing".into()));
        }
    }
    if reader
        .series("time_h")
        .map(|t| t.is_empty())
        .unwrap_or(true)
    {
        report.damaged.push((
            layout::object(layout::TIMESERIES, "time_h"),
            "missing or empty: a run file holds at least the row of step 0".into(),
        ));
    }
    // Series groups: every dataset of a group with a time_h series has equal length.
    let mut rows: Option<(String, usize)> = None;
    for gname in file.member_names().unwrap_or_default() {
        let Ok(g) = file.group(&gname) else { continue };
        if !g.link_exists("time_h") || gname == layout::FIELDS || gname == crate::cells::CELLS {
            continue;
        }
        for name in g.member_names().unwrap_or_default() {
            let Ok(ds) = g.dataset(&name) else { continue };
            let len = ds.shape().first().copied().unwrap_or(0);
            match &rows {
                None => rows = Some((format!("/{gname}/{name}"), len)),
                Some((first, n)) if *n != len => report.damaged.push((
                    format!("/{gname}/{name}"),
                    format!("{len} rows, but {first} has {n}"),
                )),
                _ => {}
            }
        }
    }
    if let Ok(frames) = reader.n_frames() {
        for name in reader.field_names().unwrap_or_default() {
            if let Ok(ds) = file.dataset(&format!("{}/{name}", layout::FIELDS)) {
                let n = ds.shape().first().copied().unwrap_or(0);
                if n != frames {
                    report.damaged.push((
                        layout::object(layout::FIELDS, &name),
                        format!("{n} frames, but /fields/time_h has {frames}"),
                    ));
                }
            }
        }
        if let Ok(steps) = reader.frame_steps()
            && steps.len() != frames
        {
            report.damaged.push((
                layout::object(layout::FIELDS, layout::FRAME_STEP),
                format!("{} entries, but /fields/time_h has {frames}", steps.len()),
            ));
        }
        if let Ok(cf) = reader.cell_column::<u32>("frame")
            && let Some(&last) = cf.last()
            && (last as usize) >= frames.max(1)
        {
            report.damaged.push((
                "/cells/frame".into(),
                format!("rows of frame {last}, but the file has {frames} frames"),
            ));
        }
    }
}
