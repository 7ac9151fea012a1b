//! # Layout of a vcsim run file (schema version 1)
//!
//! A run file is an HDF5 file. Attributes are written below as `<object>@<name>`.
//! Arrays are stored row-major; for a field frame the last axis (x, the radial depth
//! from the lumen) varies fastest, then y (circumferential), then z (axial).
//! `t` counts frames, `n` counts series rows.
//!
//! Series live in *series groups*: `/timeseries` (the summary of the tissue) and the
//! other groups the caller names (the vcsim CLI writes `/serum` and `/bone`, the
//! patient model's serum and bone). Every series group is laid out the same way, shown
//! below for `/<group>`; all of them have the same number of rows `n`, because
//! [`RunWriter::append_series`](crate::RunWriter::append_series) appends one row to
//! each.
//!
//! | Object | Type | Shape | Content |
//! |---|---|---|---|
//! | `/@config` | variable-length UTF-8 string | scalar | the configuration, TOML text, verbatim |
//! | `/@vcsim_version` | variable-length UTF-8 string | scalar | version of the program that wrote the file |
//! | `/@seed` | u64 | scalar | random seed |
//! | `/@scenario` | variable-length UTF-8 string | scalar | scenario name |
//! | `/@schema_version` | u32 | scalar | [`SCHEMA_VERSION`](crate::SCHEMA_VERSION) |
//! | `/@ndim` | u32 | scalar | 2 or 3 |
//! | `/@spacing_um` | f64 | scalar | voxel edge length, µm |
//! | `/<group>/<name>` | f64 | (n,) | one value per row, NaN for a value that was not computed; the first series of every group is `time_h` |
//! | `/<group>/<name>@units` | variable-length UTF-8 string | scalar | units of the series, as given by the caller |
//! | `/<group>/<name>@long_name` | variable-length UTF-8 string | scalar | meaning of the series, as given by the caller (surrounding whitespace removed); absent when the caller gave none |
//! | `/fields/<name>` | f32 | (t, ny, nx) in 2D, (t, nz, ny, nx) in 3D | one frame per `write_frame` call |
//! | `/fields/<name>@units` | variable-length UTF-8 string | scalar | units of the field, as given by the caller |
//! | `/fields/time_h` | f64 | (t,) | simulated time of each frame, hours; `@units` = `h` |
//! | `/fields/step` | u64 | (t,) | step number of each frame; `@units` = `1` |
//! | `/fields/x_um` | f64 | (nx,) | voxel centre coordinates, `(i + 0.5) * spacing_um`; `@units` = `µm` |
//! | `/fields/y_um` | f64 | (ny,) | same along y |
//! | `/fields/z_um` | f64 | (nz,) | same along z; 3D files only |
//! | `/grid/region` | u8 | (ny, nx) in 2D, (nz, ny, nx) in 3D | region code of each voxel |
//! | `/grid/region@names` | variable-length UTF-8 string | scalar | code list, e.g. `0=endothelium,1=lamina,2=media,3=adventitia` |
//! | `/provenance@wall_time_s` | f64 | scalar | wall-clock duration, s |
//! | `/provenance@host` | variable-length UTF-8 string | scalar | host name |
//! | `/provenance@threads` | u64 | scalar | worker threads |
//! | `/provenance@steps_run` | u64 | scalar | steps completed |
//! | `/provenance@started_unix_s` | f64 | scalar | start time, s since the Unix epoch |
//! | `/provenance/stage_names` | variable-length UTF-8 string | (k,) | names of the timed stages |
//! | `/provenance/stage_seconds` | f64 | (k,) | seconds spent in each stage, parallel to `stage_names` |
//!
//! Dimension scales: `/fields/time_h`, `x_um`, `y_um` and `z_um` are HDF5 dimension
//! scales (`H5DSset_scale`, each named after its dataset) and are attached
//! (`H5DSattach_scale`) to every `/fields/<name>`: axis 0 to `time_h`, then `z_um` (3D
//! only), `y_um`, `x_um`; `time_h` is also attached to `/fields/step`. This adds the
//! HDF5 attributes `CLASS` (= `DIMENSION_SCALE`), `NAME` and `REFERENCE_LIST` to the
//! scales and `DIMENSION_LIST` to the datasets they are attached to. netCDF-4 readers
//! therefore see `/fields` as a dataset with dimensions `time_h`, (`z_um`,) `y_um`,
//! `x_um` and those coordinates, e.g.
//! `xarray.open_dataset(path, group="fields", engine="h5netcdf")`. The series groups
//! carry no dimension scales.
//!
//! Storage details:
//! - the series (`/timeseries/*`, `/serum/*`, ...) and `/fields/time_h`, `/fields/step` are
//!   resizable without limit along their only axis and chunked (4096 values for series,
//!   1024 for the frame index), not compressed, with a Fletcher-32 checksum per chunk.
//! - `/fields/<name>` are resizable without limit along `t`, chunked one frame per chunk,
//!   compressed with shuffle + deflate level 4, with a Fletcher-32 checksum per chunk.
//!   A frame larger than 4 MiB is split along z (then y, then x) so that no chunk
//!   exceeds 4 MiB.
//! - `/grid/region` is chunked with the same rule (1-byte values), deflate level 4 and
//!   Fletcher-32; the `/cells` columns with shuffle, deflate and Fletcher-32, chunked
//!   by the rows of the first frame (at most 16384), so that while the number of
//!   cells stays the same a frame never rewrites a chunk of an earlier one; the
//!   coordinates and `/provenance/stage_seconds` are chunked with Fletcher-32.
//! - Files are created with the HDF5 1.8 format as the lowest bound (version-2 object
//!   headers and superblock, which carry checksums of their own): damage anywhere in
//!   the data or the metadata is an error on reading (`vcsim verify` reads it all).
//! - The series groups and `/fields` track link creation order, so
//!   [`RunReader::series_names_in`](crate::RunReader::series_names_in) and
//!   [`RunReader::field_names`](crate::RunReader::field_names) return the caller's order.
//! - A series group may not be called `fields`, `grid`, `cells` or `provenance`.
//! - `/grid/region` exists only once `write_regions` was called, `/provenance` only once
//!   `write_provenance` was called.
//!
//! Reproducibility: object modification-time tracking is disabled for the root group,
//! every group and every dataset (`H5Pset_obj_track_times(false)`), so two runs with
//! identical inputs give identical objects everywhere outside `/provenance`; with identical
//! provenance too, the files are byte-for-byte identical.
//!
//! Crash safety: `write_frame` and `flush` call `H5Fflush`. Series rows (of every group)
//! are buffered in memory and written at each flush (and whenever 4096 rows are pending,
//! without `H5Fflush`), so a crash loses at most the rows since the last flush.
//!
//! Versions: adding a group (such as `/serum` and `/bone`) or an attribute (such as
//! `long_name`) is additive and keeps schema version 1: a reader of version 1 finds
//! everything it knows where it was, and must treat such additions as optional (files
//! written before them lack them; [`RunReader::has_series_group`](crate::RunReader::has_series_group)
//! tells). Moving, renaming, removing or retyping an object bumps the version.
//! Version 2: `/timeseries/media_ros_uM` became `media_ros_nM` (ROS in nM, same numbers).

/// Root group.
pub(crate) const ROOT: &str = "/";
/// Group of the summary time series, the group [`RunReader::series`](crate::RunReader::series) reads.
pub const TIMESERIES: &str = "timeseries";
/// Group of the field frames.
pub(crate) const FIELDS: &str = "fields";
/// Group of the static grid data.
pub(crate) const GRID: &str = "grid";
/// Group of the provenance.
pub(crate) const PROVENANCE: &str = "provenance";
/// Region map dataset in [`GRID`].
pub(crate) const REGION: &str = "region";
/// Frame time dataset in [`FIELDS`].
pub(crate) const FRAME_TIME: &str = "time_h";
/// Frame step dataset in [`FIELDS`].
pub(crate) const FRAME_STEP: &str = "step";
/// Coordinate datasets in [`FIELDS`], for x, y, z.
pub(crate) const COORDS: [&str; 3] = ["x_um", "y_um", "z_um"];
/// Name of the units attribute of every field, series, frame index and coordinate.
pub(crate) const UNITS: &str = "units";
/// Name of the attribute giving the meaning of a series (when the caller gave one).
pub(crate) const LONG_NAME: &str = "long_name";
/// Units of [`FRAME_TIME`].
pub(crate) const FRAME_TIME_UNITS: &str = "h";
/// Units of [`FRAME_STEP`] (a count).
pub(crate) const FRAME_STEP_UNITS: &str = "1";
/// Units of the [`COORDS`].
pub(crate) const COORD_UNITS: &str = "µm";
/// Name the first series must have.
pub(crate) const FIRST_SERIES: &str = "time_h";

/// Names in [`FIELDS`] that are not fields.
pub(crate) const FIELDS_RESERVED: [&str; 5] = [FRAME_TIME, FRAME_STEP, "x_um", "y_um", "z_um"];

/// Chunk length of the series datasets.
pub(crate) const SERIES_CHUNK: usize = 4096;
/// Chunk length of the frame index datasets.
pub(crate) const FRAME_INDEX_CHUNK: usize = 1024;
/// Upper bound of a field chunk, bytes.
pub(crate) const MAX_CHUNK_BYTES: usize = 4 << 20;
/// Deflate level of fields and the region map.
pub(crate) const DEFLATE_LEVEL: u8 = 4;

/// Absolute path of `name` in group `group` (the root when `group` is empty).
pub(crate) fn object(group: &str, name: &str) -> String {
    if group.is_empty() {
        format!("/{name}")
    } else {
        format!("/{group}/{name}")
    }
}

/// Address of attribute `attr` of the object at absolute path `object`.
pub(crate) fn attribute(object: &str, attr: &str) -> String {
    format!("{object}@{attr}")
}

/// Chunk shape for an array of `dims` with `elem_bytes`-byte values: the whole array when
/// it fits in [`MAX_CHUNK_BYTES`], otherwise the outer axes are cut first.
pub(crate) fn chunk_shape(dims: &[usize], elem_bytes: usize) -> Vec<usize> {
    let mut chunk: Vec<usize> = dims.iter().map(|&d| d.max(1)).collect();
    for i in 0..chunk.len() {
        let inner = chunk[i + 1..]
            .iter()
            .fold(elem_bytes, |acc, &d| acc.saturating_mul(d));
        if chunk[i].saturating_mul(inner) <= MAX_CHUNK_BYTES {
            break;
        }
        chunk[i] = (MAX_CHUNK_BYTES / inner).max(1);
        if chunk[i].saturating_mul(inner) <= MAX_CHUNK_BYTES {
            break;
        }
    }
    chunk
}

/// Checks that `name` can be the last component of an HDF5 path.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("a name is empty".to_owned());
    }
    if name == "." || name == ".." {
        return Err(format!("'{name}' is not a valid name"));
    }
    if name.contains('/') || name.contains('\0') {
        return Err(format!("name {name:?} contains '/' or a NUL character"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_frames_are_one_chunk() {
        assert_eq!(chunk_shape(&[3, 40, 50], 4), vec![3, 40, 50]);
        assert_eq!(chunk_shape(&[1024, 1024], 4), vec![1024, 1024]);
    }

    #[test]
    fn big_frames_are_cut_along_the_outer_axis_first() {
        // 100 * 500 * 500 * 4 B = 100 MB; one z layer is 1 MB, so 4 layers per chunk.
        assert_eq!(chunk_shape(&[100, 500, 500], 4), vec![4, 500, 500]);
        // One z layer alone is 16 MB: cut along y too.
        assert_eq!(chunk_shape(&[10, 2000, 2000], 4), vec![1, 524, 2000]);
        // One row alone is too big: cut along x.
        assert_eq!(chunk_shape(&[2, 2_000_000], 4), vec![1, 1_048_576]);
        for dims in [[100, 500, 500], [10, 2000, 2000], [7, 3, 5]] {
            let c = chunk_shape(&dims, 4);
            assert!(c.iter().product::<usize>() * 4 <= MAX_CHUNK_BYTES);
        }
    }

    #[test]
    fn names_are_checked() {
        assert!(check_name("calcium").is_ok());
        assert!(check_name("").is_err());
        assert!(check_name("a/b").is_err());
        assert!(check_name(".").is_err());
        assert!(check_name("a\0").is_err());
    }
}
