//! Keeps the descriptors of files this crate opens out of child processes.
//!
//! `libhdf5` opens files without `O_CLOEXEC` and locks them with `flock`. A lock
//! belongs to the open file description, so a child process started by another thread
//! while a file is open (a sweep running its tasks, a test starting `vcsim`) inherits
//! the descriptor and keeps the file locked after this process has closed it: the next
//! open of that file fails with "unable to lock file". Marking the descriptor
//! close-on-exec right after the open leaves nothing for a child to inherit.

use std::ffi::{c_int, c_void};

use hdf5::File;

#[allow(non_camel_case_types)]
type hid_t = i64;
#[allow(non_camel_case_types)]
type herr_t = c_int;

/// `H5P_DEFAULT`: the file access list is only read by the family and multi drivers.
const H5P_DEFAULT: hid_t = 0;

unsafe extern "C" {
    /// Points `file_handle` at the virtual file driver's handle of `file_id`; for the
    /// default (sec2) driver an `int` file descriptor.
    fn H5Fget_vfd_handle(file_id: hid_t, fapl: hid_t, file_handle: *mut *mut c_void) -> herr_t;
}

/// The POSIX descriptor under `file`, where its driver has one (the default sec2 driver).
#[cfg(unix)]
fn descriptor(file: &File) -> Option<c_int> {
    hdf5::sync::sync(|| {
        let mut handle: *mut c_void = std::ptr::null_mut();
        // SAFETY: `file` keeps its id open for the duration of the call, `handle` is a
        // valid out-pointer, and the library lock is held.
        let status = unsafe { H5Fget_vfd_handle(file.id(), H5P_DEFAULT, &mut handle) };
        if status < 0 || handle.is_null() {
            // Nothing to report: the file works, it only stays inheritable.
            let _ = hdf5::Error::query();
            return None;
        }
        // SAFETY: the sec2 driver (the only one this crate uses) hands out a pointer to
        // its `int` descriptor, valid while the file is open.
        Some(unsafe { *(handle as *const c_int) })
    })
}

/// Marks `file`'s descriptor close-on-exec (best effort: a file that cannot be marked
/// still works).
#[cfg(unix)]
pub(crate) fn keep_from_children(file: &File) {
    let Some(fd) = descriptor(file) else { return };
    // SAFETY: fcntl on a descriptor this process owns; F_GETFD/F_SETFD only touch its
    // descriptor flags.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFD);
        if flags >= 0 {
            libc::fcntl(fd, libc::F_SETFD, flags | libc::FD_CLOEXEC);
        }
    }
}

#[cfg(not(unix))]
pub(crate) fn keep_from_children(_file: &File) {}

/// Opens `path` read-only, marked close-on-exec; an error names the path.
pub(crate) fn open_read(path: &std::path::Path) -> Result<File, crate::OutputError> {
    File::open(path)
        .map(opened)
        .map_err(|e| crate::OutputError::Open {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })
}

/// `file`, marked close-on-exec: put after every open and create of this crate.
pub(crate) fn opened(file: File) -> File {
    keep_from_children(&file);
    file
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn opened_files_are_not_inherited() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f.h5");
        let file = File::create(&path).expect("create");
        let fd = descriptor(&file).expect("a sec2 descriptor");
        // SAFETY: F_GETFD on a descriptor this process owns.
        let before = unsafe { libc::fcntl(fd, libc::F_GETFD) };
        assert_eq!(before & libc::FD_CLOEXEC, 0, "libhdf5 opens inheritable");
        keep_from_children(&file);
        // SAFETY: as above.
        let after = unsafe { libc::fcntl(fd, libc::F_GETFD) };
        assert_ne!(after & libc::FD_CLOEXEC, 0);
    }
}
