//! The one error type of this crate.

use std::path::{Path, PathBuf};

/// Everything that can go wrong while writing, reading or comparing a run file.
///
/// Every variant names the file and, where one is involved, the object inside it.
/// Objects are written as HDF5 paths (`/fields/calcium`); attributes as
/// `<object>@<attribute>` (`/@seed`, `/grid/region@names`).
/// HDF5's own explanation is kept as text in `detail`, so the error is `Send + Sync`
/// and prints as one sentence.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The output file could not be created (missing directory, no permission, ...).
    #[error("cannot create output file '{}': {detail}", .path.display())]
    Create {
        /// The file that was to be created.
        path: PathBuf,
        /// What HDF5 reported.
        detail: String,
    },
    /// An existing file could not be opened as an HDF5 file.
    #[error("cannot open run file '{}': {detail}", .path.display())]
    Open {
        /// The file that was to be opened.
        path: PathBuf,
        /// What HDF5 reported.
        detail: String,
    },
    /// An HDF5 operation on an object of the file failed.
    #[error("cannot {action} '{object}' in '{}': {detail}", .path.display())]
    Hdf5 {
        /// The file.
        path: PathBuf,
        /// The group, dataset or attribute (`/path@name`).
        object: String,
        /// What was attempted, as a verb phrase ("write", "resize", "read", ...).
        action: &'static str,
        /// What HDF5 reported.
        detail: String,
    },
    /// The caller passed an argument that does not fit the file (wrong lengths, bad
    /// names, a frame past the end, ...).
    #[error("invalid argument for '{object}' in '{}': {detail}", .path.display())]
    InvalidInput {
        /// The file.
        path: PathBuf,
        /// The object the data was meant for.
        object: String,
        /// What is wrong.
        detail: String,
    },
    /// A requested object does not exist in the file.
    #[error("'{object}' does not exist in '{}'", .path.display())]
    NotFound {
        /// The file.
        path: PathBuf,
        /// The missing group, dataset or attribute.
        object: String,
    },
    /// The file system holding the file has too little room for the next frame. Nothing of
    /// the frame was written: the file keeps every frame before it and stays readable.
    #[error(
        "not enough free space for frame {frame} of '{}': it needs up to {} MB, the file system has {} MB free; \
         the file keeps the {frame} frames written before (free some space, or write less often with a larger frame interval)",
        .path.display(),
        mb(*.needed),
        mb(*.available)
    )]
    NoSpace {
        /// The file.
        path: PathBuf,
        /// The frame that was not written (= frames in the file).
        frame: usize,
        /// Bytes the frame may take, with a margin for metadata.
        needed: u64,
        /// Bytes free for this process on the file system.
        available: u64,
    },
    /// The file system holding a file has too little room for what comes next
    /// (a checkpoint); nothing of it was written.
    #[error(
        "not enough free space for {what} beside '{}': it needs up to {} MB, the file system has {} MB free; \
         nothing was written, the output and the previous checkpoint are intact (free some space and resume)",
        .path.display(),
        mb(*.needed),
        mb(*.available)
    )]
    NoSpaceFor {
        /// The run file beside which it was to be written.
        path: PathBuf,
        /// What was to be written.
        what: String,
        /// Bytes it may take.
        needed: u64,
        /// Bytes free.
        available: u64,
    },
    /// An object exists but does not have the shape or type the vcsim layout prescribes.
    #[error("'{object}' in '{}' does not follow the vcsim file layout: {detail}", .path.display())]
    Layout {
        /// The file.
        path: PathBuf,
        /// The offending object.
        object: String,
        /// What is wrong.
        detail: String,
    },
}

impl OutputError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            Self::Create { path, .. }
            | Self::Open { path, .. }
            | Self::Hdf5 { path, .. }
            | Self::InvalidInput { path, .. }
            | Self::NotFound { path, .. }
            | Self::NoSpace { path, .. }
            | Self::NoSpaceFor { path, .. }
            | Self::Layout { path, .. } => path,
        }
    }
}

/// Bytes as megabytes with one decimal, for messages.
fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1.0e6)
}

/// Builds errors for one file, so call sites only name the object.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    pub(crate) path: PathBuf,
}

impl Ctx {
    pub(crate) fn new(path: &Path) -> Self {
        Self {
            path: path.to_path_buf(),
        }
    }

    /// A `map_err` adaptor for a failed HDF5 call on `object`.
    pub(crate) fn h5<O: Into<String>>(
        &self,
        action: &'static str,
        object: O,
    ) -> impl FnOnce(hdf5::Error) -> OutputError {
        move |e| OutputError::Hdf5 {
            path: self.path.clone(),
            object: object.into(),
            action,
            detail: e.to_string(),
        }
    }

    pub(crate) fn invalid(
        &self,
        object: impl Into<String>,
        detail: impl Into<String>,
    ) -> OutputError {
        OutputError::InvalidInput {
            path: self.path.clone(),
            object: object.into(),
            detail: detail.into(),
        }
    }

    pub(crate) fn not_found(&self, object: impl Into<String>) -> OutputError {
        OutputError::NotFound {
            path: self.path.clone(),
            object: object.into(),
        }
    }

    pub(crate) fn layout(
        &self,
        object: impl Into<String>,
        detail: impl Into<String>,
    ) -> OutputError {
        OutputError::Layout {
            path: self.path.clone(),
            object: object.into(),
            detail: detail.into(),
        }
    }
}
