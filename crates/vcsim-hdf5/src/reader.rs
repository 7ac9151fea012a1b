//! [`RunReader`]: reads what [`crate::RunWriter`] wrote.

use std::path::Path;

use hdf5::types::VarLenUnicode;
use hdf5::{Dataset, File, Group, H5Type, IndexType, IterationOrder};

use crate::error::{Ctx, OutputError};
use crate::layout::{self, ROOT};
use crate::{SCHEMA_VERSION, nd};

/// Read access to a run file. Opening checks that the file is a vcsim run file of
/// [`SCHEMA_VERSION`].
#[derive(Debug)]
pub struct RunReader {
    ctx: Ctx,
    file: File,
    /// The most bytes one read may return ([`crate::declared_bytes_limit`]).
    read_limit: u64,
}

impl RunReader {
    /// Opens `path` read-only.
    pub fn open(path: &Path) -> Result<Self, OutputError> {
        let file = crate::inherit::open_read(path)?;
        let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        let reader = Self {
            ctx: Ctx::new(path),
            file,
            read_limit: crate::verify::declared_bytes_limit(file_bytes),
        };
        let version: u32 = reader.root_attr("schema_version")?;
        if version != SCHEMA_VERSION {
            return Err(reader.ctx.layout(
                layout::attribute(ROOT, "schema_version"),
                format!("the file has schema version {version}, this build reads version {SCHEMA_VERSION}"),
            ));
        }
        Ok(reader)
    }

    /// The configuration TOML text (root attribute `config`).
    pub fn config_toml(&self) -> Result<String, OutputError> {
        self.root_string("config")
    }

    /// The vcsim version that wrote the file (root attribute `vcsim_version`).
    pub fn vcsim_version(&self) -> Result<String, OutputError> {
        self.root_string("vcsim_version")
    }

    /// The scenario name (root attribute `scenario`).
    pub fn scenario(&self) -> Result<String, OutputError> {
        self.root_string("scenario")
    }

    /// The random seed (root attribute `seed`).
    pub fn seed(&self) -> Result<u64, OutputError> {
        self.root_attr("seed")
    }

    /// All values of the series `name` (`/timeseries/<name>`), one per row.
    pub fn series(&self, name: &str) -> Result<Vec<f64>, OutputError> {
        self.series_in(layout::TIMESERIES, name)
    }

    /// Units of the series `name` (attribute `units` of `/timeseries/<name>`).
    pub fn series_units(&self, name: &str) -> Result<String, OutputError> {
        self.series_units_in(layout::TIMESERIES, name)
    }

    /// Names of the series in `/timeseries`, in the order the writer was given them.
    pub fn series_names(&self) -> Result<Vec<String>, OutputError> {
        self.series_names_in(layout::TIMESERIES)
    }

    /// Whether the file has the series group `/<group>` (files of older versions may
    /// lack groups that newer ones write, such as `/serum`).
    pub fn has_series_group(&self, group: &str) -> bool {
        layout::check_name(group).is_ok() && self.file.link_exists(group)
    }

    /// All values of the series `name` of group `group` (`/<group>/<name>`), one per row.
    pub fn series_in(&self, group: &str, name: &str) -> Result<Vec<f64>, OutputError> {
        let (ds, object) = self.series_dataset(group, name)?;
        self.check_ndim(&ds, &object, 1)?;
        self.check_size(&ds, &object, ds.size())?;
        ds.read_raw::<f64>().map_err(self.ctx.h5("read", object))
    }

    /// The first `rows` values of the series `name` of group `group` (fewer if
    /// the series is shorter): what a resume needs, without touching the rows
    /// after it, which a killed run may have left damaged.
    pub fn series_rows_in(
        &self,
        group: &str,
        name: &str,
        rows: usize,
    ) -> Result<Vec<f64>, OutputError> {
        let (ds, object) = self.series_dataset(group, name)?;
        self.check_ndim(&ds, &object, 1)?;
        let n = rows.min(ds.shape()[0]);
        self.check_size(&ds, &object, n)?;
        ds.read_slice_1d::<f64, _>(0..n)
            .map(|a| a.to_vec())
            .map_err(self.ctx.h5("read", object))
    }

    /// Rows `start..end` of a cell-table column (`end` is clipped to its length).
    pub fn cell_column_rows<T: H5Type>(
        &self,
        name: &str,
        start: usize,
        end: usize,
    ) -> Result<Vec<T>, OutputError> {
        let (ds, object) = self.dataset(crate::cells::CELLS, name)?;
        self.check_ndim(&ds, &object, 1)?;
        let end = end.min(ds.shape()[0]);
        let start = start.min(end);
        self.check_size(&ds, &object, end - start)?;
        ds.read_slice_1d::<T, _>(start..end)
            .map(|a| a.into_raw_vec_and_offset().0)
            .map_err(self.ctx.h5("read", object))
    }

    /// Rows in the cell table (length of `/cells/frame`), 0 if there is none.
    pub fn cell_rows(&self) -> Result<usize, OutputError> {
        if !self.file.link_exists(crate::cells::CELLS) {
            return Ok(0);
        }
        let (ds, object) = self.dataset(crate::cells::CELLS, "frame")?;
        self.check_ndim(&ds, &object, 1)?;
        Ok(ds.shape()[0])
    }

    /// Refuses to read `elements` values of `ds` when the file cannot hold
    /// them: a damaged or hostile file declaring a huge dataset is an error,
    /// not an allocation of terabytes.
    fn check_size(&self, ds: &Dataset, object: &str, elements: usize) -> Result<(), OutputError> {
        let elem = ds.dtype().map(|t| t.size()).unwrap_or(8) as u64;
        let bytes = (elements as u64).saturating_mul(elem);
        if bytes > self.read_limit {
            return Err(self.ctx.layout(
                object,
                format!(
                    "declares {elements} values ({bytes} bytes), far more than the file can hold: the file is damaged"
                ),
            ));
        }
        Ok(())
    }

    /// Units of the series `name` of group `group` (attribute `units` of
    /// `/<group>/<name>`).
    pub fn series_units_in(&self, group: &str, name: &str) -> Result<String, OutputError> {
        let (ds, object) = self.series_dataset(group, name)?;
        self.units(&ds, &object)
    }

    /// Names of the series of group `group`, in the order the writer was given them.
    pub fn series_names_in(&self, group: &str) -> Result<Vec<String>, OutputError> {
        self.check_group_name(group)?;
        self.member_names(group)
    }

    /// Names of the fields, in the order the writer was given them (without the frame
    /// index and coordinate datasets).
    pub fn field_names(&self) -> Result<Vec<String>, OutputError> {
        let mut names = self.member_names(layout::FIELDS)?;
        names.retain(|n| !layout::FIELDS_RESERVED.contains(&n.as_str()));
        Ok(names)
    }

    /// Units of the field `name` (attribute `units` of `/fields/<name>`); also works for
    /// the frame index and coordinate datasets (`time_h`, `step`, `x_um`, ...).
    pub fn field_units(&self, name: &str) -> Result<String, OutputError> {
        let (ds, object) = self.dataset(layout::FIELDS, name)?;
        self.units(&ds, &object)
    }

    /// Frame `frame` (counted from 0) of field `name`, laid out `[z][y][x]` (x fastest).
    pub fn field_frame(&self, name: &str, frame: usize) -> Result<Vec<f32>, OutputError> {
        if layout::FIELDS_RESERVED.contains(&name) {
            return Err(self.ctx.invalid(
                layout::object(layout::FIELDS, name),
                format!("'{name}' is not a field"),
            ));
        }
        let (ds, object) = self.dataset(layout::FIELDS, name)?;
        let shape = ds.shape();
        if !(3..=4).contains(&shape.len()) {
            return Err(self.ctx.layout(
                object,
                format!("expected 3 or 4 axes, found shape {shape:?}"),
            ));
        }
        if frame >= shape[0] {
            return Err(self.ctx.invalid(
                object,
                format!(
                    "frame {frame} does not exist, the field has {} frames",
                    shape[0]
                ),
            ));
        }
        self.check_size(&ds, &object, shape[1..].iter().product())?;
        nd::read_block::<f32>(&ds, nd::index_then_all(frame, shape.len() - 1))
            .map_err(self.ctx.h5("read frame of", object))
    }

    /// Number of frames written (length of `/fields/time_h`).
    pub fn n_frames(&self) -> Result<usize, OutputError> {
        let (ds, object) = self.dataset(layout::FIELDS, layout::FRAME_TIME)?;
        self.check_ndim(&ds, &object, 1)?;
        Ok(ds.shape()[0])
    }

    /// Simulated time of every frame, hours (`/fields/time_h`).
    pub fn frame_times_h(&self) -> Result<Vec<f64>, OutputError> {
        let (ds, object) = self.dataset(layout::FIELDS, layout::FRAME_TIME)?;
        self.check_ndim(&ds, &object, 1)?;
        self.check_size(&ds, &object, ds.size())?;
        ds.read_raw::<f64>().map_err(self.ctx.h5("read", object))
    }

    /// Step number of every frame (`/fields/step`).
    pub fn frame_steps(&self) -> Result<Vec<u64>, OutputError> {
        let (ds, object) = self.dataset(layout::FIELDS, layout::FRAME_STEP)?;
        self.check_ndim(&ds, &object, 1)?;
        self.check_size(&ds, &object, ds.size())?;
        ds.read_raw::<u64>().map_err(self.ctx.h5("read", object))
    }

    /// Spatial shape of one field frame: (ny, nx) or (nz, ny, nx).
    pub fn frame_shape(&self) -> Result<Vec<usize>, OutputError> {
        let names = self.field_names()?;
        let first = names.first().ok_or_else(|| {
            self.ctx
                .not_found(format!("/{}/<any field>", layout::FIELDS))
        })?;
        let (ds, _) = self.dataset(layout::FIELDS, first)?;
        Ok(ds.shape()[1..].to_vec())
    }

    /// Voxel edge length, µm (root attribute `spacing_um`).
    pub fn spacing_um(&self) -> Result<f64, OutputError> {
        self.root_attr("spacing_um")
    }

    /// Names of the cell-table columns (`/cells`), empty if there is none.
    pub fn cell_columns(&self) -> Result<Vec<String>, OutputError> {
        if !self.file.link_exists(crate::cells::CELLS) {
            return Ok(Vec::new());
        }
        let g = self.group(crate::cells::CELLS)?;
        g.member_names()
            .map_err(self.ctx.h5("list members of", "/cells"))
    }

    /// One whole cell-table column, as stored.
    pub fn cell_column<T: H5Type>(&self, name: &str) -> Result<Vec<T>, OutputError> {
        let (ds, object) = self.dataset(crate::cells::CELLS, name)?;
        self.check_ndim(&ds, &object, 1)?;
        self.check_size(&ds, &object, ds.size())?;
        ds.read_raw::<T>().map_err(self.ctx.h5("read", object))
    }

    /// The region map (`/grid/region`, flattened) and the region names in code
    /// order (from its `names` attribute, `0=endothelium,1=lamina,...`).
    pub fn regions(&self) -> Result<(Vec<u8>, Vec<String>), OutputError> {
        let (ds, object) = self.dataset(layout::GRID, layout::REGION)?;
        self.check_size(&ds, &object, ds.size())?;
        let codes = ds
            .read_raw::<u8>()
            .map_err(self.ctx.h5("read", object.clone()))?;
        let names: VarLenUnicode = ds
            .attr("names")
            .and_then(|a| a.read_scalar())
            .map_err(self.ctx.h5("read attribute", format!("{object}@names")))?;
        let names = names
            .as_str()
            .split(',')
            .map(|item| {
                item.split_once('=')
                    .map(|(_, n)| n.to_string())
                    .unwrap_or_default()
            })
            .collect();
        Ok((codes, names))
    }

    fn root_attr<T: H5Type>(&self, name: &str) -> Result<T, OutputError> {
        let addr = layout::attribute(ROOT, name);
        if !self
            .file
            .attr_names()
            .map_err(self.ctx.h5("list attributes of", ROOT))?
            .iter()
            .any(|n| n == name)
        {
            return Err(self.ctx.not_found(addr));
        }
        let attr = self
            .file
            .attr(name)
            .map_err(self.ctx.h5("open attribute", addr.clone()))?;
        attr.read_scalar::<T>()
            .map_err(self.ctx.h5("read attribute", addr))
    }

    /// The `units` attribute of `ds` (the dataset at `object`).
    fn units(&self, ds: &Dataset, object: &str) -> Result<String, OutputError> {
        let addr = layout::attribute(object, layout::UNITS);
        if !ds
            .attr_names()
            .map_err(self.ctx.h5("list attributes of", object))?
            .iter()
            .any(|n| n == layout::UNITS)
        {
            return Err(self.ctx.not_found(addr));
        }
        let value: VarLenUnicode = ds
            .attr(layout::UNITS)
            .and_then(|a| a.read_scalar())
            .map_err(self.ctx.h5("read attribute", addr.clone()))?;
        String::from_utf8(value.as_bytes().to_vec())
            .map_err(|_| self.ctx.layout(addr, "the text is not valid UTF-8"))
    }

    fn root_string(&self, name: &str) -> Result<String, OutputError> {
        let value: VarLenUnicode = self.root_attr(name)?;
        String::from_utf8(value.as_bytes().to_vec()).map_err(|_| {
            self.ctx
                .layout(layout::attribute(ROOT, name), "the text is not valid UTF-8")
        })
    }

    /// A group name given by the caller must be one path component.
    fn check_group_name(&self, group: &str) -> Result<(), OutputError> {
        layout::check_name(group).map_err(|d| self.ctx.invalid(layout::object("", group), d))
    }

    fn series_dataset(&self, group: &str, name: &str) -> Result<(Dataset, String), OutputError> {
        self.check_group_name(group)?;
        self.dataset(group, name)
    }

    fn group(&self, gname: &str) -> Result<Group, OutputError> {
        let object = format!("/{gname}");
        if !self.file.link_exists(gname) {
            return Err(self.ctx.not_found(object));
        }
        self.file
            .group(gname)
            .map_err(self.ctx.h5("open group", object))
    }

    fn dataset(&self, gname: &str, name: &str) -> Result<(Dataset, String), OutputError> {
        let object = layout::object(gname, name);
        let group = self.group(gname)?;
        if name.contains('/') || !group.link_exists(name) {
            return Err(self.ctx.not_found(object));
        }
        let ds = group
            .dataset(name)
            .map_err(self.ctx.h5("open dataset", object.clone()))?;
        Ok((ds, object))
    }

    fn check_ndim(&self, ds: &Dataset, object: &str, ndim: usize) -> Result<(), OutputError> {
        let shape = ds.shape();
        if shape.len() == ndim {
            Ok(())
        } else {
            Err(self.ctx.layout(
                object,
                format!("expected {ndim} axes, found shape {shape:?}"),
            ))
        }
    }

    /// Member names of a group, in creation order when the group records it.
    fn member_names(&self, gname: &str) -> Result<Vec<String>, OutputError> {
        let group = self.group(gname)?;
        group
            .member_names_by(IndexType::CreationOrder, IterationOrder::Increasing)
            .or_else(|_| group.member_names_by(IndexType::Name, IterationOrder::Increasing))
            .map_err(self.ctx.h5("list members of", format!("/{gname}")))
    }
}
