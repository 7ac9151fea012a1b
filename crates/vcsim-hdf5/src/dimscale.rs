//! HDF5 dimension scales (`H5DS*` of the high-level library `libhdf5_hl`, linked by
//! `build.rs`), which netCDF-4 readers such as h5netcdf and xarray take as named
//! dimensions with coordinate variables.

use std::ffi::{CString, c_char, c_int, c_uint};

use hdf5::Dataset;

/// `hid_t` of HDF5 >= 1.10. With an older library `hdf5` returns a 32-bit id and the
/// calls below do not compile, rather than passing a wrongly sized id.
#[allow(non_camel_case_types)]
type hid_t = i64;
#[allow(non_camel_case_types)]
type herr_t = c_int;

unsafe extern "C" {
    /// Turns dataset `dsid` into a dimension scale named `dimname` (attributes `CLASS`
    /// and `NAME`).
    fn H5DSset_scale(dsid: hid_t, dimname: *const c_char) -> herr_t;
    /// Attaches scale `dsid` to axis `idx` of dataset `did` (attributes `DIMENSION_LIST`
    /// on `did`, `REFERENCE_LIST` on `dsid`).
    fn H5DSattach_scale(did: hid_t, dsid: hid_t, idx: c_uint) -> herr_t;
}

/// Turns an HDF5 status into a result, taking the error stack while the lock is held.
fn check(status: herr_t) -> hdf5::Result<()> {
    if status < 0 {
        Err(hdf5::Error::query().unwrap_or_else(|e| e))
    } else {
        Ok(())
    }
}

/// Makes `scale` a dimension scale named `name`.
pub(crate) fn set_scale(scale: &Dataset, name: &str) -> hdf5::Result<()> {
    let name = CString::new(name)
        .map_err(|_| hdf5::Error::from("a dimension name contains a NUL character"))?;
    hdf5::sync::sync(|| {
        // SAFETY: `scale` keeps its id open for the duration of the call, `name` is a
        // NUL-terminated string that outlives it, and the library lock is held.
        check(unsafe { H5DSset_scale(scale.id(), name.as_ptr()) })
    })
}

/// Attaches dimension scale `scale` to axis `axis` (0 = outermost) of `data`.
pub(crate) fn attach_scale(data: &Dataset, scale: &Dataset, axis: usize) -> hdf5::Result<()> {
    let idx = c_uint::try_from(axis)
        .map_err(|_| hdf5::Error::from(format!("axis {axis} is out of range")))?;
    hdf5::sync::sync(|| {
        // SAFETY: both datasets keep their ids open for the duration of the call, and the
        // library lock is held.
        check(unsafe { H5DSattach_scale(data.id(), scale.id(), idx) })
    })
}
