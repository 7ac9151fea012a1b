//! [`diff_files`]: object-by-object comparison of two HDF5 files.

use std::collections::BTreeMap;
use std::fmt::Display;
use std::path::Path;

use hdf5::types::{
    CompoundType, FixedAscii, FixedUnicode, FloatSize, IntSize, Reference, TypeDescriptor,
    VarLenArray, VarLenAscii, VarLenUnicode,
};
use hdf5::{
    Attribute, Container, Dataset, File, Group, H5Type, IndexType, IterationOrder, Location,
    LocationType, ObjectReference1, ReferencedObject,
};

use crate::error::{Ctx, OutputError};
use crate::nd;

/// Values compared per read while walking a dataset (bounds memory use).
const BLOCK_VALUES: usize = 1 << 22;
/// Longest fixed-length string that can be compared, bytes.
const FIXED_STRING_MAX: usize = 1024;

/// An element of `REFERENCE_LIST`, the attribute with which HDF5 dimension scales record
/// the datasets they are attached to.
#[derive(H5Type, Clone, Copy)]
#[repr(C)]
struct ScaleUser {
    dataset: ObjectReference1,
    dimension: i32,
}

/// Whether `c` is the compound type of [`ScaleUser`].
fn is_reference_list(c: &CompoundType) -> bool {
    let [a, b] = c.fields.as_slice() else {
        return false;
    };
    a.name == "dataset"
        && a.ty == TypeDescriptor::Reference(Reference::Object)
        && b.name == "dimension"
        && b.ty == TypeDescriptor::Integer(IntSize::U4)
}

/// Compares two run files: every group, dataset (shape, dtype, raw bytes) and attribute (raw bytes/value) must be identical, except under the given path prefixes (e.g. "/provenance"). Returns a list of human-readable differences (empty = identical). Must also report objects present in one file but not the other.
///
/// A prefix skips the object at exactly that path and everything below it (`/provenance`
/// skips `/provenance/stage_names` but not `/provenance_old`). Attributes have addresses
/// `<object>@<name>`, so a prefix can also skip a single attribute (`/@vcsim_version`).
/// Values are compared bit for bit (so NaN equals NaN with the same bits, and `0.0`
/// differs from `-0.0`); datatypes must be identical, byte order included.
/// Object references (such as the `DIMENSION_LIST` and `REFERENCE_LIST` attributes of
/// dimension scales) are compared by the path of the object they point to.
/// Datasets and attributes of other types vcsim does not write (compound, enum, ...) are
/// reported as not comparable unless skipped.
pub fn diff_files(a: &Path, b: &Path, skip_prefixes: &[&str]) -> Result<Vec<String>, OutputError> {
    diff_in_blocks(a, b, skip_prefixes, BLOCK_VALUES)
}

/// [`diff_files`], reading datasets of more than `block_values` values in blocks of rows.
fn diff_in_blocks(
    a: &Path,
    b: &Path,
    skip_prefixes: &[&str],
    block_values: usize,
) -> Result<Vec<String>, OutputError> {
    let fa = crate::inherit::open_read(a)?;
    let fb = crate::inherit::open_read(b)?;
    let sides = Sides {
        a: Side {
            ctx: Ctx::new(a),
            file: fa,
        },
        b: Side {
            ctx: Ctx::new(b),
            file: fb,
        },
        block_values,
    };
    let skip = Skip(skip_prefixes);

    let objects_a = sides.a.objects(&skip)?;
    let objects_b = sides.b.objects(&skip)?;
    let mut diffs = Vec::new();
    let mut paths: Vec<&String> = objects_a.keys().chain(objects_b.keys()).collect();
    paths.sort();
    paths.dedup();
    for path in paths {
        match (objects_a.get(path), objects_b.get(path)) {
            (Some(ka), Some(kb)) if ka == kb => {
                sides.compare_object(path, *ka, &skip, &mut diffs)?
            }
            (Some(ka), Some(kb)) => diffs.push(format!(
                "{path}: {} in '{}' but {} in '{}'",
                kind_name(*ka),
                a.display(),
                kind_name(*kb),
                b.display()
            )),
            (Some(k), None) => diffs.push(format!(
                "{path}: {} only in '{}'",
                kind_name(*k),
                a.display()
            )),
            (None, Some(k)) => diffs.push(format!(
                "{path}: {} only in '{}'",
                kind_name(*k),
                b.display()
            )),
            (None, None) => {}
        }
    }
    Ok(diffs)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Group,
    Dataset,
    Other,
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Group => "group",
        Kind::Dataset => "dataset",
        Kind::Other => "named datatype",
    }
}

struct Skip<'a>(&'a [&'a str]);

impl Skip<'_> {
    /// Whether the object or attribute at `addr` lies under one of the prefixes.
    fn skips(&self, addr: &str) -> bool {
        // A checksum of strings compared one by one anyway: a difference in it
        // says nothing more.
        if addr == format!("/@{}", crate::verify::STRINGS_CHECKSUM) {
            return true;
        }
        self.0.iter().any(|p| {
            let p = if p.len() > 1 {
                p.trim_end_matches('/')
            } else {
                p
            };
            match addr.strip_prefix(p) {
                Some(rest) => rest.is_empty() || rest.starts_with(['/', '@']) || p.ends_with('/'),
                None => false,
            }
        })
    }
}

struct Side {
    ctx: Ctx,
    file: File,
}

struct Sides {
    a: Side,
    b: Side,
    block_values: usize,
}

fn child_path(parent: &str, name: &str) -> String {
    if parent == "/" {
        format!("/{name}")
    } else {
        format!("{parent}/{name}")
    }
}

impl Side {
    /// All objects not skipped, by absolute path, the root included.
    fn objects(&self, skip: &Skip<'_>) -> Result<BTreeMap<String, Kind>, OutputError> {
        let mut out = BTreeMap::new();
        if !skip.skips("/") {
            out.insert("/".to_owned(), Kind::Group);
            let root: &Group = &self.file;
            self.walk(root, "/", skip, &mut out)?;
        }
        Ok(out)
    }

    fn walk(
        &self,
        group: &Group,
        path: &str,
        skip: &Skip<'_>,
        out: &mut BTreeMap<String, Kind>,
    ) -> Result<(), OutputError> {
        let names = group
            .member_names_by(IndexType::Name, IterationOrder::Increasing)
            .map_err(self.ctx.h5("list members of", path))?;
        for name in names {
            let child = child_path(path, &name);
            if skip.skips(&child) {
                continue;
            }
            let kind = match group
                .loc_type_by_name(&name)
                .map_err(self.ctx.h5("inspect", child.clone()))?
            {
                LocationType::Group => Kind::Group,
                LocationType::Dataset => Kind::Dataset,
                #[allow(unreachable_patterns)]
                _ => Kind::Other,
            };
            if kind == Kind::Group {
                let sub = group
                    .group(&name)
                    .map_err(self.ctx.h5("open group", child.clone()))?;
                self.walk(&sub, &child, skip, out)?;
            }
            out.insert(child, kind);
        }
        Ok(())
    }

    fn location(&self, path: &str, kind: Kind) -> Result<Location, OutputError> {
        let loc = match kind {
            Kind::Group if path == "/" => {
                let root: &Location = &self.file;
                root.clone()
            }
            Kind::Group => {
                let g = self
                    .file
                    .group(path)
                    .map_err(self.ctx.h5("open group", path))?;
                let loc: &Location = &g;
                loc.clone()
            }
            Kind::Dataset => {
                let d = self.dataset(path)?;
                let loc: &Location = &d;
                loc.clone()
            }
            Kind::Other => {
                let t = self
                    .file
                    .committed_datatype(path)
                    .map_err(self.ctx.h5("open datatype", path))?;
                let loc: &Location = &t;
                loc.clone()
            }
        };
        Ok(loc)
    }

    fn dataset(&self, path: &str) -> Result<Dataset, OutputError> {
        self.file
            .dataset(path)
            .map_err(self.ctx.h5("open dataset", path))
    }

    fn attribute(&self, loc: &Location, name: &str, addr: &str) -> Result<Attribute, OutputError> {
        loc.attr(name).map_err(self.ctx.h5("open attribute", addr))
    }

    /// The path of the object `r` points to, or a note saying why there is none.
    fn target(&self, r: &ObjectReference1) -> String {
        let root: &Location = &self.file;
        match root.dereference(r) {
            Ok(ReferencedObject::Group(g)) => g.name(),
            Ok(ReferencedObject::Dataset(d)) => d.name(),
            Ok(ReferencedObject::Datatype(_)) => "(a named datatype)".to_owned(),
            Err(_) => "(an invalid reference)".to_owned(),
        }
    }

    /// Object references, as the paths they point to.
    fn references(&self, c: &Container, addr: &str) -> Result<Vec<Described>, OutputError> {
        let refs = c
            .read_raw::<ObjectReference1>()
            .map_err(self.ctx.h5("read", addr))?;
        Ok(refs.iter().map(|r| Described(self.target(r))).collect())
    }

    /// Variable-length lists of object references (`DIMENSION_LIST`), as lists of paths.
    fn reference_lists(&self, c: &Container, addr: &str) -> Result<Vec<Described>, OutputError> {
        let lists = c
            .read_raw::<VarLenArray<ObjectReference1>>()
            .map_err(self.ctx.h5("read", addr))?;
        Ok(lists
            .iter()
            .map(|list| {
                let paths: Vec<String> = list.iter().map(|r| self.target(r)).collect();
                Described(format!("[{}]", paths.join(", ")))
            })
            .collect())
    }

    /// `REFERENCE_LIST` entries, as (path, axis) pairs.
    fn scale_users(&self, c: &Container, addr: &str) -> Result<Vec<Described>, OutputError> {
        let users = c
            .read_raw::<ScaleUser>()
            .map_err(self.ctx.h5("read", addr))?;
        Ok(users
            .iter()
            .map(|u| Described(format!("({}, {})", self.target(&u.dataset), u.dimension)))
            .collect())
    }
}

impl Sides {
    fn compare_object(
        &self,
        path: &str,
        kind: Kind,
        skip: &Skip<'_>,
        diffs: &mut Vec<String>,
    ) -> Result<(), OutputError> {
        let la = self.a.location(path, kind)?;
        let lb = self.b.location(path, kind)?;
        self.compare_attributes(path, &la, &lb, skip, diffs)?;
        if kind == Kind::Dataset {
            let da = self.a.dataset(path)?;
            let db = self.b.dataset(path)?;
            self.compare_containers(path, &da, &db, Some((&da, &db)), diffs)?;
        }
        Ok(())
    }

    fn compare_attributes(
        &self,
        path: &str,
        la: &Location,
        lb: &Location,
        skip: &Skip<'_>,
        diffs: &mut Vec<String>,
    ) -> Result<(), OutputError> {
        let names_a = la
            .attr_names()
            .map_err(self.a.ctx.h5("list attributes of", path))?;
        let names_b = lb
            .attr_names()
            .map_err(self.b.ctx.h5("list attributes of", path))?;
        let mut names: Vec<&String> = names_a.iter().chain(&names_b).collect();
        names.sort();
        names.dedup();
        for name in names {
            let addr = format!("{path}@{name}");
            if skip.skips(&addr) {
                continue;
            }
            match (names_a.contains(name), names_b.contains(name)) {
                (true, true) => {
                    let aa = self.a.attribute(la, name, &addr)?;
                    let ab = self.b.attribute(lb, name, &addr)?;
                    self.compare_containers(&addr, &aa, &ab, None, diffs)?;
                }
                (true, false) => diffs.push(format!(
                    "{addr}: attribute only in '{}'",
                    self.a.ctx.path.display()
                )),
                (false, true) => diffs.push(format!(
                    "{addr}: attribute only in '{}'",
                    self.b.ctx.path.display()
                )),
                (false, false) => {}
            }
        }
        Ok(())
    }

    /// Compares shape, datatype and values of two datasets or two attributes; `datasets`
    /// is given for datasets, which are then read in blocks.
    fn compare_containers(
        &self,
        addr: &str,
        ca: &Container,
        cb: &Container,
        datasets: Option<(&Dataset, &Dataset)>,
        diffs: &mut Vec<String>,
    ) -> Result<(), OutputError> {
        let shape_a = ca
            .get_shape()
            .map_err(self.a.ctx.h5("read the shape of", addr))?;
        let shape_b = cb
            .get_shape()
            .map_err(self.b.ctx.h5("read the shape of", addr))?;
        if shape_a != shape_b {
            diffs.push(format!("{addr}: shape {shape_a:?} vs {shape_b:?}"));
            return Ok(());
        }
        let ta = ca
            .dtype()
            .map_err(self.a.ctx.h5("read the datatype of", addr))?;
        let tb = cb
            .dtype()
            .map_err(self.b.ctx.h5("read the datatype of", addr))?;
        let desc_a = ta.to_descriptor();
        let desc_b = tb.to_descriptor();
        if ta != tb {
            let show = |d: &hdf5::Result<TypeDescriptor>| match d {
                Ok(d) => d.to_string(),
                Err(_) => "(unknown type)".to_owned(),
            };
            diffs.push(format!(
                "{addr}: datatype {} vs {}",
                show(&desc_a),
                show(&desc_b)
            ));
            return Ok(());
        }
        let cmp = Compare {
            sides: self,
            addr,
            a: ca,
            b: cb,
            datasets,
            shape: &shape_a,
        };
        let outcome = match desc_a {
            Ok(TypeDescriptor::Integer(IntSize::U1)) => cmp.run::<i8>(),
            Ok(TypeDescriptor::Integer(IntSize::U2)) => cmp.run::<i16>(),
            Ok(TypeDescriptor::Integer(IntSize::U4)) => cmp.run::<i32>(),
            Ok(TypeDescriptor::Integer(IntSize::U8)) => cmp.run::<i64>(),
            Ok(TypeDescriptor::Unsigned(IntSize::U1)) => cmp.run::<u8>(),
            Ok(TypeDescriptor::Unsigned(IntSize::U2)) => cmp.run::<u16>(),
            Ok(TypeDescriptor::Unsigned(IntSize::U4)) => cmp.run::<u32>(),
            Ok(TypeDescriptor::Unsigned(IntSize::U8)) => cmp.run::<u64>(),
            Ok(TypeDescriptor::Float(FloatSize::U4)) => cmp.run::<f32>(),
            Ok(TypeDescriptor::Float(FloatSize::U8)) => cmp.run::<f64>(),
            Ok(TypeDescriptor::Boolean) => cmp.run::<bool>(),
            Ok(TypeDescriptor::VarLenUnicode) => cmp.run::<VarLenUnicode>(),
            Ok(TypeDescriptor::VarLenAscii) => cmp.run::<VarLenAscii>(),
            Ok(TypeDescriptor::FixedAscii(n)) if n <= FIXED_STRING_MAX => {
                cmp.run::<FixedAscii<FIXED_STRING_MAX>>()
            }
            Ok(TypeDescriptor::FixedUnicode(n)) if n <= FIXED_STRING_MAX => {
                cmp.run::<FixedUnicode<FIXED_STRING_MAX>>()
            }
            Ok(TypeDescriptor::Reference(Reference::Object)) => {
                cmp.run_described(|side, c| side.references(c, addr))
            }
            Ok(TypeDescriptor::VarLenArray(inner))
                if *inner == TypeDescriptor::Reference(Reference::Object) =>
            {
                cmp.run_described(|side, c| side.reference_lists(c, addr))
            }
            Ok(TypeDescriptor::Compound(c)) if is_reference_list(&c) => {
                cmp.run_described(|side, c| side.scale_users(c, addr))
            }
            Ok(other) => Ok(Some(format!(
                "values of datatype {other} cannot be compared"
            ))),
            Err(_) => Ok(Some(
                "values of an unsupported datatype cannot be compared".to_owned(),
            )),
        }?;
        if let Some(d) = outcome {
            diffs.push(format!("{addr}: {d}"));
        }
        Ok(())
    }
}

/// A value that can be compared exactly and shown.
trait Elem: H5Type + Clone {
    fn same(&self, other: &Self) -> bool;
    fn show(&self) -> String;
}

macro_rules! exact_elem {
    ($($t:ty),*) => {$(
        impl Elem for $t {
            fn same(&self, other: &Self) -> bool { self == other }
            fn show(&self) -> String { self.to_string() }
        }
    )*};
}
exact_elem!(i8, i16, i32, i64, u8, u16, u32, u64, bool);

impl Elem for f32 {
    fn same(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

impl Elem for f64 {
    fn same(&self, other: &Self) -> bool {
        self.to_bits() == other.to_bits()
    }
    fn show(&self) -> String {
        format!("{self:?}")
    }
}

fn show_text(bytes: &[u8]) -> String {
    const MAX: usize = 60;
    let text = String::from_utf8_lossy(bytes);
    if text.chars().count() > MAX {
        format!("{:?}...", text.chars().take(MAX).collect::<String>())
    } else {
        format!("{text:?}")
    }
}

impl Elem for VarLenUnicode {
    fn same(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
    fn show(&self) -> String {
        show_text(self.as_bytes())
    }
}

impl Elem for VarLenAscii {
    fn same(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
    fn show(&self) -> String {
        show_text(self.as_bytes())
    }
}

impl<const N: usize> Elem for FixedAscii<N> {
    fn same(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
    fn show(&self) -> String {
        show_text(self.as_bytes())
    }
}

impl<const N: usize> Elem for FixedUnicode<N> {
    fn same(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
    fn show(&self) -> String {
        show_text(self.as_bytes())
    }
}

/// A value that cannot be compared as stored (an object reference, which is a file
/// address), described in words that can: the path it points to.
#[derive(Debug, Clone, PartialEq)]
struct Described(String);

impl Described {
    fn same(&self, other: &Self) -> bool {
        self == other
    }
    fn show(&self) -> String {
        self.0.clone()
    }
}

/// Counts differing values and remembers the first.
#[derive(Default)]
struct Tally {
    n_diff: usize,
    first: Option<(usize, String, String)>,
}

impl Tally {
    /// Adds values `va` and `vb` that start at flat index `offset`.
    fn add<T>(
        &mut self,
        offset: usize,
        va: &[T],
        vb: &[T],
        same: impl Fn(&T, &T) -> bool,
        show: impl Fn(&T) -> String,
    ) {
        for (i, (x, y)) in va.iter().zip(vb).enumerate() {
            if !same(x, y) {
                self.n_diff += 1;
                if self.first.is_none() {
                    self.first = Some((offset + i, show(x), show(y)));
                }
            }
        }
    }

    /// A description of the differences among `shape.iter().product()` values, if any.
    fn finish(self, shape: &[usize]) -> Option<String> {
        let total: usize = shape.iter().product();
        let n_diff = self.n_diff;
        self.first.map(|(flat, va, vb)| {
            format!(
                "{n_diff} of {total} values differ (first at {}: {va} vs {vb})",
                index_of(flat, shape)
            )
        })
    }
}

/// Comparison of the values of two containers of the same shape and datatype.
struct Compare<'a> {
    sides: &'a Sides,
    addr: &'a str,
    a: &'a Container,
    b: &'a Container,
    datasets: Option<(&'a Dataset, &'a Dataset)>,
    shape: &'a [usize],
}

impl Compare<'_> {
    /// Returns a description of the differences, if any.
    fn run<T: Elem>(&self) -> Result<Option<String>, OutputError> {
        let total: usize = self.shape.iter().product();
        let mut counts = Tally::default();
        let mut tally = |offset: usize, va: &[T], vb: &[T]| {
            counts.add(offset, va, vb, T::same, T::show);
        };
        let blocked = match self.datasets {
            Some(pair) if !self.shape.is_empty() && total > self.sides.block_values => Some(pair),
            _ => None,
        };
        if let Some((da, db)) = blocked {
            // Read blocks of rows along the first axis.
            let row: usize = self.shape[1..].iter().product();
            let rows_per_block = (self.sides.block_values / row.max(1)).max(1);
            let rest = self.shape.len() - 1;
            let mut start = 0;
            while start < self.shape[0] {
                let end = (start + rows_per_block).min(self.shape[0]);
                let sel = || nd::rows_then_all(start, end, rest);
                let va = nd::read_block::<T>(da, sel())
                    .map_err(self.sides.a.ctx.h5("read", self.addr))?;
                let vb = nd::read_block::<T>(db, sel())
                    .map_err(self.sides.b.ctx.h5("read", self.addr))?;
                tally(start * row, &va, &vb);
                start = end;
            }
        } else {
            let va = self
                .a
                .read_raw::<T>()
                .map_err(self.sides.a.ctx.h5("read", self.addr))?;
            let vb = self
                .b
                .read_raw::<T>()
                .map_err(self.sides.b.ctx.h5("read", self.addr))?;
            tally(0, &va, &vb);
        }
        Ok(counts.finish(self.shape))
    }

    /// Like [`run`](Self::run), for values that `describe` turns into comparable words
    /// (read whole: only small attributes hold such values).
    fn run_described(
        &self,
        describe: impl Fn(&Side, &Container) -> Result<Vec<Described>, OutputError>,
    ) -> Result<Option<String>, OutputError> {
        let va = describe(&self.sides.a, self.a)?;
        let vb = describe(&self.sides.b, self.b)?;
        let mut counts = Tally::default();
        counts.add(0, &va, &vb, Described::same, Described::show);
        Ok(counts.finish(self.shape))
    }
}

fn index_of(mut flat: usize, shape: &[usize]) -> impl Display {
    let mut idx = vec![0; shape.len()];
    for (slot, &n) in idx.iter_mut().zip(shape).rev() {
        if n > 0 {
            *slot = flat % n;
            flat /= n;
        }
    }
    format!("{idx:?}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GridInfo, RunInfo, RunWriter};

    #[test]
    fn prefixes_skip_whole_path_components() {
        let skip = Skip(&["/provenance", "/@vcsim_version", "/grid/"]);
        assert!(skip.skips("/provenance"));
        assert!(skip.skips("/provenance/stage_names"));
        assert!(skip.skips("/provenance@host"));
        assert!(!skip.skips("/provenance_old"));
        assert!(skip.skips("/@vcsim_version"));
        assert!(!skip.skips("/@vcsim_versions"));
        assert!(!skip.skips("/@seed"));
        assert!(skip.skips("/grid/region"));
        assert!(skip.skips("/grid"));
        assert!(!skip.skips("/"));
        assert!(Skip(&["/"]).skips("/fields/x"));
    }

    fn write(path: &Path, change: &[(usize, usize)]) -> Result<(), OutputError> {
        let info = RunInfo {
            config_toml: String::new(),
            vcsim_version: "t".into(),
            seed: 3,
            scenario: "s".into(),
        };
        let grid = GridInfo {
            ndim: 3,
            shape: [2, 3, 4],
            spacing_um: 1.0,
        };
        let mut w = RunWriter::create(
            path,
            &info,
            &grid,
            &[("c", "mM")],
            &[crate::SeriesGroup::new(
                crate::TIMESERIES,
                &["time_h"],
                &["h"],
            )],
        )?;
        for t in 0..4 {
            let mut v: Vec<f32> = (0..24).map(|i| (t * 24 + i) as f32).collect();
            for &(ct, ci) in change {
                if ct == t {
                    v[ci] = -1.0;
                }
            }
            w.write_frame(t as f64, t as u64, &[&v])?;
        }
        w.finish()
    }

    #[test]
    fn blocked_and_whole_reads_report_the_same() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let (a, b) = (dir.path().join("a.h5"), dir.path().join("b.h5"));
        write(&a, &[])?;
        // Frame 2, voxel (z=1, y=0, x=2), and frame 3, voxel 0.
        write(&b, &[(2, 14), (3, 0)])?;
        let expected = vec![
            "/fields/c: 2 of 96 values differ (first at [2, 1, 0, 2]: 62.0 vs -1.0)".to_owned(),
        ];
        assert_eq!(diff_in_blocks(&a, &b, &[], BLOCK_VALUES)?, expected);
        // Two frames per read, then blocks smaller than a frame (one frame per read).
        assert_eq!(diff_in_blocks(&a, &b, &[], 50)?, expected);
        assert_eq!(diff_in_blocks(&a, &b, &[], 30)?, expected);
        assert_eq!(diff_in_blocks(&a, &b, &[], 1)?, expected);
        assert_eq!(diff_in_blocks(&a, &a, &[], 1)?, Vec::<String>::new());
        Ok(())
    }
}
