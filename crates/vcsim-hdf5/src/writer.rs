//! [`RunWriter`]: creates a run file and appends to it while the run goes on.

use std::borrow::Cow;
use std::fmt;
use std::path::Path;

use hdf5::{Dataset, Extent, File, Group, H5Type, SimpleExtents};

use crate::attrs::{
    array_attr, check_names, checked_1d, fixed_1d, growing_1d, new_group, scalar_attr, string_attr,
    units_attr, vlen_str,
};
use crate::dimscale;
use crate::error::{Ctx, OutputError};
use crate::layout::{self, ROOT};
use crate::nd;
use crate::series::{self, SeriesGroup, SeriesTable};
use crate::{GridInfo, Provenance, RunInfo, SCHEMA_VERSION};

/// Writes one run file. See [`crate::layout`] for what ends up where.
///
/// Call [`RunWriter::finish`] at the end; dropping the writer without it makes a
/// best-effort flush whose errors are lost.
pub struct RunWriter {
    ctx: Ctx,
    file: File,
    grid: GridInfo,
    /// Spatial shape of one frame: (ny, nx) or (nz, ny, nx).
    frame_dims: Vec<usize>,
    voxels: usize,
    field_names: Vec<String>,
    fields: Vec<Dataset>,
    frame_time: Dataset,
    frame_step: Dataset,
    n_frames: usize,
    /// One table per series group, in the order given to `create`.
    series: Vec<SeriesTable>,
    /// Rows written to every series group.
    series_written: usize,
    regions_written: bool,
    cells: Option<crate::cells::CellWriter>,
    /// Bytes of `/cells` rows of the largest frame so far: what the next frame will
    /// likely add again.
    last_cells_bytes: u64,
    /// Bytes of `/cells` rows appended since the last frame (a frame's rows may come in
    /// several calls).
    cells_bytes_since_frame: u64,
    finished: bool,
}

impl fmt::Debug for RunWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RunWriter")
            .field("path", &self.ctx.path)
            .field("grid", &self.grid)
            .field("fields", &self.field_names)
            .field(
                "series_groups",
                &self.series.iter().map(|t| &t.group).collect::<Vec<_>>(),
            )
            .field("frames_written", &self.n_frames)
            .field("series_rows_written", &self.series_written)
            .field("series_rows_pending", &self.pending_rows())
            .finish_non_exhaustive()
    }
}

/// Checks the grid and returns the spatial shape of a frame.
fn frame_dims(ctx: &Ctx, grid: &GridInfo) -> Result<Vec<usize>, OutputError> {
    let [nz, ny, nx] = grid.shape;
    let dims = match grid.ndim {
        2 if nz == 1 => vec![ny, nx],
        2 => {
            return Err(ctx.invalid(
                ROOT,
                format!("a 2-D grid must have nz == 1, got shape {:?}", grid.shape),
            ));
        }
        3 => vec![nz, ny, nx],
        n => return Err(ctx.invalid(ROOT, format!("ndim must be 2 or 3, got {n}"))),
    };
    if dims.contains(&0) {
        return Err(ctx.invalid(
            ROOT,
            format!("grid shape {:?} has an empty axis", grid.shape),
        ));
    }
    if dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .is_none()
    {
        return Err(ctx.invalid(ROOT, format!("grid shape {:?} is too large", grid.shape)));
    }
    if !(grid.spacing_um.is_finite() && grid.spacing_um > 0.0) {
        return Err(ctx.invalid(
            ROOT,
            format!(
                "spacing_um must be a positive number, got {}",
                grid.spacing_um
            ),
        ));
    }
    Ok(dims)
}

impl RunWriter {
    /// Creates (truncates) the file, writes root attributes and static grid data.
    ///
    /// `fields` are `(name, units)` pairs: each becomes `/fields/<name>` with attribute
    /// `units`; no name may be `time_h`, `step`, `x_um`, `y_um` or `z_um`. `series` are
    /// the groups of per-row series, e.g. `/timeseries`: each becomes `/<group>/<name>`
    /// for each of its names, with attributes `units` and (if docs are given)
    /// `long_name`; the first name of every group must be `time_h`. Every group grows by
    /// one row per [`append_series`](Self::append_series).
    /// Names must be unique, non-empty and free of `/`; no name, unit or doc may contain
    /// NUL.
    ///
    /// The frame time and the coordinates become HDF5 dimension scales attached to every
    /// field (and the frame time to `/fields/step`), so netCDF-4 readers see the dimensions
    /// `time_h`, (`z_um`,) `y_um`, `x_um`; see [`crate::layout`].
    pub fn create(
        path: &Path,
        info: &RunInfo,
        grid: &GridInfo,
        fields: &[(&str, &str)],
        series: &[SeriesGroup<'_>],
    ) -> Result<Self, OutputError> {
        let ctx = Ctx::new(path);
        let dims = frame_dims(&ctx, grid)?;
        let voxels = dims.iter().product();
        let field_names: Vec<&str> = fields.iter().map(|&(name, _)| name).collect();
        check_names(&ctx, layout::FIELDS, &field_names, &layout::FIELDS_RESERVED)?;
        series::check_groups(&ctx, series)?;
        // Convert the strings before touching the disk, so bad text leaves no file behind.
        let config = vlen_str(&ctx, &layout::attribute(ROOT, "config"), &info.config_toml)?;
        vlen_str(
            &ctx,
            &layout::attribute(ROOT, "vcsim_version"),
            &info.vcsim_version,
        )?;
        vlen_str(&ctx, &layout::attribute(ROOT, "scenario"), &info.scenario)?;
        for (name, units) in fields {
            let object = layout::object(layout::FIELDS, name);
            vlen_str(&ctx, &layout::attribute(&object, layout::UNITS), units)?;
        }

        // Object headers of version 2 (HDF5 1.8 and later) carry checksums,
        // so a damaged header is an error on reading rather than garbage.
        let file = File::with_options()
            .with_fapl(|p| p.libver_v18())
            .with_fcpl(|p| p.obj_track_times(false))
            .create(path)
            .map(crate::inherit::opened)
            .map_err(|e| OutputError::Create {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;

        let root: &Group = &file;
        scalar_attr(&ctx, root, ROOT, "config", &config)?;
        string_attr(&ctx, root, ROOT, "vcsim_version", &info.vcsim_version)?;
        scalar_attr(&ctx, root, ROOT, "seed", &info.seed)?;
        string_attr(&ctx, root, ROOT, "scenario", &info.scenario)?;
        scalar_attr(&ctx, root, ROOT, "schema_version", &SCHEMA_VERSION)?;
        // ndim is 2 or 3 here.
        scalar_attr(&ctx, root, ROOT, "ndim", &(grid.ndim as u32))?;
        scalar_attr(&ctx, root, ROOT, "spacing_um", &grid.spacing_um)?;

        let series_tables = series
            .iter()
            .map(|g| SeriesTable::create(&ctx, root, g))
            .collect::<Result<Vec<_>, OutputError>>()?;

        let fields_group = new_group(&ctx, root, layout::FIELDS, true)?;
        let mut extents = vec![Extent::resizable(0)];
        extents.extend(dims.iter().map(|&d| Extent::fixed(d)));
        let mut chunk = vec![1];
        chunk.extend(layout::chunk_shape(&dims, size_of::<f32>()));
        let field_ds = fields
            .iter()
            .map(|&(name, units)| {
                let ds = fields_group
                    .new_dataset::<f32>()
                    .shape(SimpleExtents::from_vec(extents.clone()))
                    .chunk(chunk.clone())
                    .shuffle()
                    .deflate(layout::DEFLATE_LEVEL)
                    .fletcher32()
                    .obj_track_times(false)
                    .create(name)
                    .map_err(ctx.h5("create dataset", layout::object(layout::FIELDS, name)))?;
                units_attr(&ctx, &ds, layout::FIELDS, name, units)?;
                Ok(ds)
            })
            .collect::<Result<Vec<_>, OutputError>>()?;
        let frame_time = growing_1d::<f64>(
            &ctx,
            &fields_group,
            layout::FIELDS,
            layout::FRAME_TIME,
            layout::FRAME_INDEX_CHUNK,
        )?;
        units_attr(
            &ctx,
            &frame_time,
            layout::FIELDS,
            layout::FRAME_TIME,
            layout::FRAME_TIME_UNITS,
        )?;
        let frame_step = growing_1d::<u64>(
            &ctx,
            &fields_group,
            layout::FIELDS,
            layout::FRAME_STEP,
            layout::FRAME_INDEX_CHUNK,
        )?;
        units_attr(
            &ctx,
            &frame_step,
            layout::FIELDS,
            layout::FRAME_STEP,
            layout::FRAME_STEP_UNITS,
        )?;
        // Coordinates: dims are outermost first, COORDS are x, y, z.
        let mut coords = Vec::with_capacity(dims.len());
        for (&n, name) in dims.iter().rev().zip(layout::COORDS) {
            let centres: Vec<f64> = (0..n).map(|i| (i as f64 + 0.5) * grid.spacing_um).collect();
            let ds = checked_1d(&ctx, &fields_group, layout::FIELDS, name, &centres)?;
            units_attr(&ctx, &ds, layout::FIELDS, name, layout::COORD_UNITS)?;
            coords.push((name, ds));
        }

        // Dimension scales, axis by axis: time first, then the coordinates outermost first.
        let mut scales = vec![(layout::FRAME_TIME, &frame_time)];
        scales.extend(coords.iter().rev().map(|(name, ds)| (*name, ds)));
        for &(name, ds) in &scales {
            dimscale::set_scale(ds, name).map_err(ctx.h5(
                "make a dimension scale of",
                layout::object(layout::FIELDS, name),
            ))?;
        }
        for (&(name, _), ds) in fields.iter().zip(&field_ds) {
            for (axis, &(_, scale)) in scales.iter().enumerate() {
                dimscale::attach_scale(ds, scale, axis).map_err(ctx.h5(
                    "attach dimension scales to",
                    layout::object(layout::FIELDS, name),
                ))?;
            }
        }
        dimscale::attach_scale(&frame_step, &frame_time, 0).map_err(ctx.h5(
            "attach dimension scales to",
            layout::object(layout::FIELDS, layout::FRAME_STEP),
        ))?;

        new_group(&ctx, root, layout::GRID, false)?;

        let mut writer = Self {
            ctx,
            file,
            grid: grid.clone(),
            frame_dims: dims,
            voxels,
            field_names: field_names.iter().map(|s| (*s).to_owned()).collect(),
            fields: field_ds,
            frame_time,
            frame_step,
            n_frames: 0,
            series: series_tables,
            series_written: 0,
            regions_written: false,
            cells: None,
            last_cells_bytes: 0,
            cells_bytes_since_frame: 0,
            finished: false,
        };
        writer.record_string_digest()?;
        writer.flush()?;
        Ok(writer)
    }

    /// Static per-voxel region map, written once: dataset `/grid/region` (u8, shape (ny, nx)
    /// or (nz, ny, nx)), with attribute `names` = a string listing the region codes, e.g.
    /// `"0=endothelium,1=lamina,2=media,3=adventitia"` (the caller passes names in code order).
    ///
    /// Every code in `regions` must have a name; names may not contain `,` or `=`.
    pub fn write_regions(&mut self, regions: &[u8], names: &[&str]) -> Result<(), OutputError> {
        let object = layout::object(layout::GRID, layout::REGION);
        if self.regions_written {
            return Err(self
                .ctx
                .invalid(object, "the region map was already written"));
        }
        if regions.len() != self.voxels {
            return Err(self.ctx.invalid(
                object,
                format!(
                    "expected {} region codes (one per voxel), got {}",
                    self.voxels,
                    regions.len()
                ),
            ));
        }
        if names.len() > usize::from(u8::MAX) + 1 {
            return Err(self.ctx.invalid(
                object,
                format!("{} region names, but codes are u8", names.len()),
            ));
        }
        for name in names {
            if name.is_empty() || name.contains([',', '=', '\0']) {
                return Err(self.ctx.invalid(
                    layout::attribute(&object, "names"),
                    format!("region name {name:?} is empty or contains ',', '=' or NUL"),
                ));
            }
        }
        if let Some(pos) = regions.iter().position(|&c| usize::from(c) >= names.len()) {
            return Err(self.ctx.invalid(
                object,
                format!(
                    "voxel {pos} has region code {} but only {} region names were given",
                    regions[pos],
                    names.len()
                ),
            ));
        }
        let listing = names
            .iter()
            .enumerate()
            .map(|(code, name)| format!("{code}={name}"))
            .collect::<Vec<_>>()
            .join(",");

        let grid = self
            .file
            .group(layout::GRID)
            .map_err(self.ctx.h5("open group", format!("/{}", layout::GRID)))?;
        let ds = grid
            .new_dataset::<u8>()
            .shape(self.frame_dims.clone())
            .chunk(layout::chunk_shape(&self.frame_dims, 1))
            .deflate(layout::DEFLATE_LEVEL)
            .fletcher32()
            .obj_track_times(false)
            .create(layout::REGION)
            .map_err(self.ctx.h5("create dataset", object.clone()))?;
        ds.as_writer()
            .write_raw(regions)
            .map_err(self.ctx.h5("write", object.clone()))?;
        string_attr(&self.ctx, &ds, &object, "names", &listing)?;
        // CF: a categorical variable, and the voxel-centre coordinates of /grid
        // as dimension scales, so that netCDF readers name its dimensions.
        string_attr(
            &self.ctx,
            &ds,
            &object,
            layout::LONG_NAME,
            "region of the wall",
        )?;
        let codes: Vec<u8> = (0..names.len()).map(|c| c as u8).collect();
        array_attr(&self.ctx, &ds, &object, "flag_values", &codes)?;
        string_attr(&self.ctx, &ds, &object, "flag_meanings", &names.join(" "))?;
        let mut coords = Vec::with_capacity(self.frame_dims.len());
        for (&n, name) in self.frame_dims.iter().rev().zip(layout::COORDS) {
            let centres: Vec<f64> = (0..n)
                .map(|i| (i as f64 + 0.5) * self.grid.spacing_um)
                .collect();
            let c = checked_1d(&self.ctx, &grid, layout::GRID, name, &centres)?;
            units_attr(&self.ctx, &c, layout::GRID, name, layout::COORD_UNITS)?;
            dimscale::set_scale(&c, name).map_err(self.ctx.h5(
                "make a dimension scale of",
                layout::object(layout::GRID, name),
            ))?;
            coords.push(c);
        }
        for (axis, c) in coords.iter().rev().enumerate() {
            dimscale::attach_scale(&ds, c, axis)
                .map_err(self.ctx.h5("attach dimension scales to", object.clone()))?;
        }
        self.regions_written = true;
        self.record_string_digest()
    }

    /// Marks field `name` of `/fields` as categorical (CF `flag_values` and
    /// `flag_meanings`, space-separated names in the order of `values`), e.g.
    /// the phenotype codes.
    pub fn set_field_categories(
        &mut self,
        name: &str,
        values: &[f32],
        meanings: &[&str],
    ) -> Result<(), OutputError> {
        let object = layout::object(layout::FIELDS, name);
        let Some(k) = self.field_names.iter().position(|f| f == name) else {
            return Err(self.ctx.invalid(object, "no such field"));
        };
        if values.len() != meanings.len()
            || meanings
                .iter()
                .any(|m| m.is_empty() || m.contains([' ', '\0']))
        {
            return Err(self.ctx.invalid(
                object,
                "expected one meaning (a word without spaces) per value",
            ));
        }
        let ds = &self.fields[k];
        array_attr(&self.ctx, ds, &object, "flag_values", values)?;
        string_attr(&self.ctx, ds, &object, "flag_meanings", &meanings.join(" "))?;
        self.record_string_digest()
    }

    /// One row of every series group: `rows[g]` holds one value per series of the group
    /// `g` given to [`create`](Self::create), in that order. Buffered in memory; written
    /// by [`flush`](Self::flush) (and so by every [`write_frame`](Self::write_frame)).
    ///
    /// All lengths are checked before anything is buffered, so the groups always hold
    /// the same number of rows. Rows are also written (without `H5Fflush`) whenever 4096
    /// of them are pending, to bound memory use.
    pub fn append_series(&mut self, rows: &[&[f64]]) -> Result<(), OutputError> {
        if rows.len() != self.series.len() {
            let groups: Vec<String> = self
                .series
                .iter()
                .map(|t| format!("/{}", t.group))
                .collect();
            return Err(self.ctx.invalid(
                ROOT,
                format!(
                    "expected {} series rows (one per group: {}), got {}",
                    self.series.len(),
                    groups.join(", "),
                    rows.len()
                ),
            ));
        }
        for (table, row) in self.series.iter().zip(rows) {
            table.check_row(&self.ctx, row)?;
        }
        for (table, row) in self.series.iter_mut().zip(rows) {
            table.push(row);
        }
        if self.pending_rows() >= layout::SERIES_CHUNK {
            self.write_pending_series()?;
        }
        Ok(())
    }

    /// One frame of every field, in the order of the `fields` given to
    /// [`create`](Self::create); each slice has `nz*ny*nx` values laid out `[z][y][x]`
    /// (x fastest). Appends to `/fields/<name>`; also appends `time_h` and `step` to
    /// `/fields/time_h` (f64) and `/fields/step` (u64). Then calls [`flush`](Self::flush).
    ///
    /// All lengths are checked before anything is written. If writing fails half-way, the
    /// frame count is not advanced, and a retry overwrites the same frame.
    pub fn write_frame(
        &mut self,
        time_h: f64,
        step: u64,
        fields: &[&[f32]],
    ) -> Result<(), OutputError> {
        if fields.len() != self.fields.len() {
            return Err(self.ctx.invalid(
                format!("/{}", layout::FIELDS),
                format!(
                    "expected {} field slices (one per field: {}), got {}",
                    self.fields.len(),
                    self.field_names.join(", "),
                    fields.len()
                ),
            ));
        }
        for i in 0..fields.len() {
            self.check_frame_len(i, fields[i].len())?;
        }
        self.write_frame_from(time_h, step, |i| Cow::Borrowed(fields[i]))
    }

    /// Like [`write_frame`](Self::write_frame), but takes the fields one at a time from
    /// `field(i)` (`i` in the order given to [`create`](Self::create)), so a caller that
    /// builds some of them holds one at a time. A field of the wrong length stops the
    /// frame with an error; the frame count is not advanced, and a retry overwrites it.
    pub fn write_frame_from<'a>(
        &mut self,
        time_h: f64,
        step: u64,
        mut field: impl FnMut(usize) -> Cow<'a, [f32]>,
    ) -> Result<(), OutputError> {
        let t = self.n_frames;
        // The cell rows of the previous frame came after it: the next frame's estimate.
        self.last_cells_bytes = self.last_cells_bytes.max(self.cells_bytes_since_frame);
        self.cells_bytes_since_frame = 0;
        self.ensure_room_for_frame(t)?;
        let mut shape = vec![t + 1];
        shape.extend_from_slice(&self.frame_dims);
        for i in 0..self.fields.len() {
            let data = field(i);
            self.check_frame_len(i, data.len())?;
            let object = layout::object(layout::FIELDS, &self.field_names[i]);
            let ds = &self.fields[i];
            ds.resize(shape.as_slice())
                .map_err(self.ctx.h5("resize", object.clone()))?;
            nd::write_block(
                ds,
                &data,
                &self.frame_dims,
                nd::index_then_all(t, self.frame_dims.len()),
            )
            .map_err(self.ctx.h5("write frame of", object))?;
        }
        self.append_frame_index(layout::FRAME_TIME, t, &[time_h])?;
        self.append_frame_index(layout::FRAME_STEP, t, &[step])?;
        self.n_frames = t + 1;
        self.flush()
    }

    /// Field `i` of a frame must have one value per voxel.
    fn check_frame_len(&self, i: usize, len: usize) -> Result<(), OutputError> {
        if len == self.voxels {
            return Ok(());
        }
        Err(self.ctx.invalid(
            layout::object(layout::FIELDS, &self.field_names[i]),
            format!("expected {} values (one per voxel), got {len}", self.voxels),
        ))
    }

    /// Bytes the next frame may add to the file: every field uncompressed (deflate only
    /// shrinks them), the cell rows of the last frame again, and a margin for the
    /// metadata HDF5 writes with them (chunk index, series rows, provenance at the end).
    fn frame_bytes_upper_bound(&self) -> u64 {
        let fields = (self.voxels * self.fields.len() * std::mem::size_of::<f32>()) as u64;
        let data = fields + self.last_cells_bytes;
        data + data / 8 + FRAME_MARGIN_BYTES
    }

    /// Refuses to start frame `t` when the file system cannot hold it: a write that
    /// fails half-way through (ENOSPC inside `H5Fflush`) can leave HDF5 unable to
    /// complete its metadata, so the run stops before, with the file readable.
    fn ensure_room_for_frame(&self, t: usize) -> Result<(), OutputError> {
        let needed = self.frame_bytes_upper_bound();
        match free_bytes(&self.ctx.path) {
            Some(available) if available < needed => Err(OutputError::NoSpace {
                path: self.ctx.path.clone(),
                frame: t,
                needed,
                available,
            }),
            _ => Ok(()),
        }
    }

    /// Refuses to go on when the file system holding the file has less than
    /// `bytes` free (`what` names what was to be written, for the message).
    pub fn ensure_room(&self, bytes: u64, what: &str) -> Result<(), OutputError> {
        match free_bytes(&self.ctx.path) {
            Some(available) if available < bytes => Err(OutputError::NoSpaceFor {
                path: self.ctx.path.clone(),
                what: what.to_string(),
                needed: bytes,
                available,
            }),
            _ => Ok(()),
        }
    }

    fn append_frame_index<T: H5Type>(
        &self,
        name: &str,
        t: usize,
        value: &[T],
    ) -> Result<(), OutputError> {
        let ds = if name == layout::FRAME_TIME {
            &self.frame_time
        } else {
            &self.frame_step
        };
        let object = layout::object(layout::FIELDS, name);
        ds.resize(t + 1)
            .map_err(self.ctx.h5("resize", object.clone()))?;
        ds.as_writer()
            .write_slice(value, t..t + 1)
            .map_err(self.ctx.h5("write", object))
    }

    /// Rows pending, the same in every group.
    fn pending_rows(&self) -> usize {
        self.series.first().map_or(0, SeriesTable::pending_rows)
    }

    /// Writes the pending rows of every series group to their datasets (no `H5Fflush`).
    fn write_pending_series(&mut self) -> Result<(), OutputError> {
        let rows = self.pending_rows();
        if rows == 0 {
            return Ok(());
        }
        for table in &self.series {
            table.write_pending(&self.ctx, self.series_written)?;
        }
        // Only now: a failure above leaves the rows pending, and a retry rewrites them in place.
        self.series_written += rows;
        self.series.iter_mut().for_each(SeriesTable::clear);
        Ok(())
    }

    /// Appends the cell table rows of one frame to `/cells` (created at the
    /// first call): `(name, unit, values)` per column, every column of the
    /// same length, the same columns at every call. Call it right after
    /// [`RunWriter::write_frame`] and include a column naming the frame.
    pub fn write_cells(
        &mut self,
        columns: &[(&str, &str, crate::cells::CellColumn<'_>)],
    ) -> Result<(), OutputError> {
        self.cells_bytes_since_frame += columns.iter().map(|(_, _, c)| c.bytes()).sum::<u64>();
        match &mut self.cells {
            Some(table) => table.append(&self.ctx, columns),
            None => {
                let root: &Group = &self.file;
                let group = new_group(&self.ctx, root, crate::cells::CELLS, true)?;
                let mut table = crate::cells::CellWriter::create(&self.ctx, &group, columns)?;
                table.append(&self.ctx, columns)?;
                self.cells = Some(table);
                // The columns' units are new strings.
                self.record_string_digest()
            }
        }
    }

    /// Records the checksum of every variable-length string of the file
    /// (root attribute `strings_checksum`), after the strings changed.
    fn record_string_digest(&self) -> Result<(), OutputError> {
        let object = layout::attribute(ROOT, crate::verify::STRINGS_CHECKSUM);
        let digest = crate::verify::string_digest(&self.file).map_err(
            self.ctx
                .h5("compute the checksum of the strings for", object.clone()),
        )?;
        let root: &Group = &self.file;
        if root.attr(crate::verify::STRINGS_CHECKSUM).is_ok() {
            root.delete_attr(crate::verify::STRINGS_CHECKSUM)
                .map_err(self.ctx.h5("replace", object.clone()))?;
        }
        scalar_attr(
            &self.ctx,
            root,
            ROOT,
            crate::verify::STRINGS_CHECKSUM,
            &digest,
        )
    }

    /// Writes buffered series rows (of every group) and calls H5Fflush so that what was written survives a crash.
    pub fn flush(&mut self) -> Result<(), OutputError> {
        self.write_pending_series()?;
        self.file.flush().map_err(self.ctx.h5("flush", ROOT))
    }

    /// Writes `/provenance`: attributes `wall_time_s` (f64), `host` (string), `threads`
    /// (u64), `steps_run` (u64), `started_unix_s` (f64) on the group, and the per-stage
    /// timings as two parallel 1-D datasets `stage_names` (strings) and `stage_seconds`
    /// (f64). Calling it again replaces the previous provenance.
    pub fn write_provenance(&mut self, p: &Provenance) -> Result<(), OutputError> {
        let object = format!("/{}", layout::PROVENANCE);
        if p.stage_names.len() != p.stage_seconds.len() {
            return Err(self.ctx.invalid(
                &object,
                format!(
                    "{} stage names but {} stage timings",
                    p.stage_names.len(),
                    p.stage_seconds.len()
                ),
            ));
        }
        let names_object = layout::object(layout::PROVENANCE, "stage_names");
        let names = p
            .stage_names
            .iter()
            .map(|s| vlen_str(&self.ctx, &names_object, s))
            .collect::<Result<Vec<_>, _>>()?;
        vlen_str(&self.ctx, &layout::attribute(&object, "host"), &p.host)?;

        let root: &Group = &self.file;
        if root.link_exists(layout::PROVENANCE) {
            root.unlink(layout::PROVENANCE)
                .map_err(self.ctx.h5("replace", object.clone()))?;
        }
        let g = new_group(&self.ctx, root, layout::PROVENANCE, false)?;
        scalar_attr(&self.ctx, &g, &object, "wall_time_s", &p.wall_time_s)?;
        string_attr(&self.ctx, &g, &object, "host", &p.host)?;
        scalar_attr(&self.ctx, &g, &object, "threads", &(p.threads as u64))?;
        scalar_attr(&self.ctx, &g, &object, "steps_run", &p.steps_run)?;
        scalar_attr(&self.ctx, &g, &object, "started_unix_s", &p.started_unix_s)?;
        fixed_1d(&self.ctx, &g, layout::PROVENANCE, "stage_names", &names)?;
        checked_1d(
            &self.ctx,
            &g,
            layout::PROVENANCE,
            "stage_seconds",
            &p.stage_seconds,
        )?;
        // Provenance is left out of the string checksum: nothing to update.
        Ok(())
    }

    /// flush + close. Must be called; Drop should try a best-effort flush too.
    pub fn finish(mut self) -> Result<(), OutputError> {
        let result = self.flush();
        self.finished = true;
        // Dropping `self` closes the datasets and then the file.
        result
    }
}

impl Drop for RunWriter {
    fn drop(&mut self) {
        if !self.finished {
            // Best effort: there is nobody to report an error to.
            let _ = self.flush();
        }
    }
}

/// Room kept free beyond a frame's data, for the metadata written with it.
const FRAME_MARGIN_BYTES: u64 = 1 << 20;

/// Bytes an unprivileged process may still write on the file system holding `path`
/// (its directory, since the file may be growing); `None` where that cannot be told.
#[cfg(unix)]
fn free_bytes(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let c_path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut st = std::mem::MaybeUninit::<libc::statvfs>::zeroed();
    // SAFETY: `c_path` is a valid NUL-terminated string and `st` points to writable
    // memory of the right type; statvfs only writes into it.
    let rc = unsafe { libc::statvfs(c_path.as_ptr(), st.as_mut_ptr()) };
    if rc != 0 {
        return None;
    }
    // SAFETY: statvfs returned 0, so it filled the struct.
    let st = unsafe { st.assume_init() };
    // The field types are u64 here but narrower on some platforms.
    #[allow(clippy::unnecessary_cast)]
    let (blocks, size) = (st.f_bavail as u64, st.f_frsize as u64);
    Some(blocks.saturating_mul(size))
}

#[cfg(not(unix))]
fn free_bytes(_path: &std::path::Path) -> Option<u64> {
    None
}
