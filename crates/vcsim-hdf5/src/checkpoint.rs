//! Checkpoint files: the whole state of a run ([`vcsim_core::Snapshot`]) plus
//! what is needed to rebuild the run around it (the resolved config, the
//! versions). Written under a temporary name and renamed, so the previous
//! checkpoint stays intact until the new one is complete.
//!
//! Layout: root attributes `kind` ("vcsim checkpoint"), `vcsim_version`,
//! `snapshot_version` (u32), `config` (TOML), `seed` (u64), `step` (u64),
//! `columns` (the array names, one per line, in order); group `/state` with
//! one 1-D dataset per array (a `/` in a name is stored as `:`); `checksum`
//! (u64): the [`Checksum`] of the attributes above and every array's name,
//! type and bytes, verified on reading, so that a damaged or edited checkpoint
//! is refused rather than resumed into a different run.

use std::path::{Path, PathBuf};

use hdf5::types::VarLenUnicode;
use hdf5::{File, H5Type};
use vcsim_core::{Column, Snapshot};

use crate::attrs::{fixed_1d, scalar_attr, string_attr};
use crate::checksum::Checksum;
use crate::error::{Ctx, OutputError};

const KIND: &str = "vcsim checkpoint";

/// What identifies a checkpoint besides the state.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckpointMeta {
    /// The resolved configuration of the run (TOML).
    pub config_toml: String,
    /// Version of vcsim that wrote it.
    pub vcsim_version: String,
    /// Layout version of the snapshot's arrays.
    pub snapshot_version: u32,
    /// Seed of the run.
    pub seed: u64,
}

fn tmp_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(".tmp");
    path.with_file_name(name)
}

/// The checksum of a checkpoint's contents.
fn content_checksum(meta: &CheckpointMeta, snap: &Snapshot) -> u64 {
    let mut c = Checksum::default();
    c.text(KIND);
    c.text(&meta.vcsim_version);
    c.bytes(&meta.snapshot_version.to_le_bytes());
    c.text(&meta.config_toml);
    c.bytes(&meta.seed.to_le_bytes());
    c.bytes(&snap.step.to_le_bytes());
    c.bytes(&(snap.columns.len() as u64).to_le_bytes());
    for (name, col) in &snap.columns {
        c.text(name);
        fn words<T: Copy, const N: usize>(
            c: &mut Checksum,
            tag: u8,
            v: &[T],
            le: fn(T) -> [u8; N],
        ) {
            c.bytes(&[tag]);
            c.bytes(&(v.len() as u64).to_le_bytes());
            // In pieces, so that no copy of a whole column is made.
            let mut buf = Vec::with_capacity(N * 4096);
            for chunk in v.chunks(4096) {
                buf.clear();
                for &x in chunk {
                    buf.extend_from_slice(&le(x));
                }
                c.bytes(&buf);
            }
        }
        match col {
            Column::F32(v) => words(&mut c, 0, v, f32::to_le_bytes),
            Column::F64(v) => words(&mut c, 1, v, f64::to_le_bytes),
            Column::U64(v) => words(&mut c, 2, v, u64::to_le_bytes),
            Column::U32(v) => words(&mut c, 3, v, u32::to_le_bytes),
            Column::U8(v) => {
                c.bytes(&[4]);
                c.bytes(&(v.len() as u64).to_le_bytes());
                c.bytes(v);
            }
        }
    }
    c.value()
}

/// Writes a checkpoint to `path` (via `path.tmp` and a rename).
pub fn write_checkpoint(
    path: &Path,
    meta: &CheckpointMeta,
    snap: &Snapshot,
) -> Result<(), OutputError> {
    let tmp = tmp_path(path);
    let ctx = Ctx::new(&tmp);
    {
        let file = File::with_options()
            .with_fapl(|p| p.libver_v18())
            .with_fcpl(|p| p.obj_track_times(false))
            .create(&tmp)
            .map(crate::inherit::opened)
            .map_err(|e| OutputError::Create {
                path: tmp.clone(),
                detail: e.to_string(),
            })?;
        scalar_attr(&ctx, &file, "/", "kind", &vlen(&ctx, KIND)?)?;
        string_attr(&ctx, &file, "/", "vcsim_version", &meta.vcsim_version)?;
        scalar_attr(&ctx, &file, "/", "snapshot_version", &meta.snapshot_version)?;
        string_attr(&ctx, &file, "/", "config", &meta.config_toml)?;
        scalar_attr(&ctx, &file, "/", "seed", &meta.seed)?;
        scalar_attr(&ctx, &file, "/", "step", &snap.step)?;
        let names: Vec<&str> = snap.columns.iter().map(|(n, _)| n.as_str()).collect();
        string_attr(&ctx, &file, "/", "columns", &names.join("\n"))?;
        scalar_attr(&ctx, &file, "/", "checksum", &content_checksum(meta, snap))?;
        let group = file
            .create_group("state")
            .map_err(ctx.h5("create group", "/state"))?;
        for (name, col) in &snap.columns {
            let stored = name.replace('/', ":");
            match col {
                Column::F32(v) => fixed_1d(&ctx, &group, "state", &stored, v)?,
                Column::F64(v) => fixed_1d(&ctx, &group, "state", &stored, v)?,
                Column::U64(v) => fixed_1d(&ctx, &group, "state", &stored, v)?,
                Column::U32(v) => fixed_1d(&ctx, &group, "state", &stored, v)?,
                Column::U8(v) => fixed_1d(&ctx, &group, "state", &stored, v)?,
            };
        }
        file.flush().map_err(ctx.h5("flush", "/"))?;
    }
    std::fs::rename(&tmp, path).map_err(|e| OutputError::Create {
        path: path.to_path_buf(),
        detail: format!("cannot move the new checkpoint into place: {e}"),
    })
}

fn vlen(ctx: &Ctx, s: &str) -> Result<VarLenUnicode, OutputError> {
    s.parse::<VarLenUnicode>()
        .map_err(|_| ctx.invalid("/", "text contains a NUL character"))
}

/// Reads a checkpoint. A file that is not a vcsim checkpoint, or is damaged,
/// gives an error naming the path and what is wrong.
pub fn read_checkpoint(path: &Path) -> Result<(CheckpointMeta, Snapshot), OutputError> {
    let ctx = Ctx::new(path);
    let file = crate::inherit::open_read(path)?;
    let attr = |name: &str| -> Result<hdf5::Attribute, OutputError> {
        file.attr(name)
            .map_err(|_| ctx.not_found(format!("/@{name}")))
    };
    let string = |name: &str| -> Result<String, OutputError> {
        let v: VarLenUnicode = attr(name)?
            .read_scalar()
            .map_err(ctx.h5("read attribute", format!("/@{name}")))?;
        Ok(v.as_str().to_string())
    };
    fn scalar<T: H5Type>(a: hdf5::Attribute, ctx: &Ctx, name: &str) -> Result<T, OutputError> {
        a.read_scalar()
            .map_err(ctx.h5("read attribute", format!("/@{name}")))
    }
    let kind = string("kind")
        .map_err(|_| ctx.layout("/", "this is not a vcsim checkpoint (no `kind` attribute)"))?;
    if kind != KIND {
        return Err(ctx.layout(
            "/@kind",
            format!("this is not a vcsim checkpoint (kind '{kind}')"),
        ));
    }
    let meta = CheckpointMeta {
        config_toml: string("config")?,
        vcsim_version: string("vcsim_version")?,
        snapshot_version: scalar(attr("snapshot_version")?, &ctx, "snapshot_version")?,
        seed: scalar(attr("seed")?, &ctx, "seed")?,
    };
    let step: u64 = scalar(attr("step")?, &ctx, "step")?;
    let stored_sum: u64 = scalar(attr("checksum")?, &ctx, "checksum")?;
    let names = string("columns")?;
    // Contiguous, uncompressed arrays: together they cannot hold more bytes
    // than the file. Checked before anything is allocated.
    let file_bytes = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let mut declared = 0u64;
    let mut snap = Snapshot {
        step,
        columns: Vec::new(),
    };
    for name in names.lines() {
        let object = format!("/state/{}", name.replace('/', ":"));
        let ds = file
            .dataset(&object)
            .map_err(|_| ctx.not_found(object.clone()))?;
        let dtype = ds.dtype().map_err(ctx.h5("read type of", object.clone()))?;
        let shape = ds.shape();
        if shape.len() != 1 {
            return Err(ctx.layout(object, format!("expected 1 axis, found shape {shape:?}")));
        }
        declared = declared.saturating_add((shape[0] as u64).saturating_mul(dtype.size() as u64));
        if declared > file_bytes {
            return Err(ctx.layout(
                object,
                format!(
                    "declares {declared} bytes of arrays in a file of {file_bytes} bytes: the file is damaged"
                ),
            ));
        }
        let read = |e| ctx.h5("read", object.clone())(e);
        let col = if dtype.is::<f32>() {
            Column::F32(ds.read_raw().map_err(read)?)
        } else if dtype.is::<f64>() {
            Column::F64(ds.read_raw().map_err(read)?)
        } else if dtype.is::<u64>() {
            Column::U64(ds.read_raw().map_err(read)?)
        } else if dtype.is::<u32>() {
            Column::U32(ds.read_raw().map_err(read)?)
        } else if dtype.is::<u8>() {
            Column::U8(ds.read_raw().map_err(read)?)
        } else {
            return Err(ctx.layout(object, "unexpected element type"));
        };
        snap.columns.push((name.to_string(), col));
    }
    let sum = content_checksum(&meta, &snap);
    if sum != stored_sum {
        return Err(ctx.layout(
            "/@checksum",
            format!(
                "the contents do not match their checksum (stored {stored_sum:016x}, computed {sum:016x}): the checkpoint is damaged or was edited"
            ),
        ));
    }
    Ok((meta, snap))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_refusals() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("run.ckpt.h5");
        let meta = CheckpointMeta {
            config_toml: "name = \"x\"\n".into(),
            vcsim_version: "0.1.0".into(),
            snapshot_version: 1,
            seed: 7,
        };
        let mut snap = Snapshot {
            step: 42,
            columns: Vec::new(),
        };
        snap.push("field/a", Column::F32(vec![1.5, f32::NAN, -0.0]));
        snap.push("b", Column::F64(vec![1e300]));
        snap.push("c", Column::U64(vec![u64::MAX]));
        snap.push("d", Column::U32(vec![]));
        snap.push("e", Column::U8(vec![3, 4]));
        write_checkpoint(&path, &meta, &snap).expect("writes");
        assert!(!tmp_path(&path).exists(), "the temporary file is renamed");
        let (m, s) = read_checkpoint(&path).expect("reads");
        assert_eq!(m, meta);
        assert_eq!(s.step, 42);
        assert_eq!(s.columns.len(), 5);
        for ((na, ca), (nb, cb)) in s.columns.iter().zip(&snap.columns) {
            assert_eq!(na, nb);
            match (ca, cb) {
                (Column::F32(a), Column::F32(b)) => {
                    assert_eq!(
                        a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                    )
                }
                _ => assert_eq!(ca, cb),
            }
        }
        // Not a checkpoint, and not HDF5 at all.
        let other = dir.path().join("other.h5");
        let f = File::create(&other).expect("create");
        drop(f);
        assert!(
            read_checkpoint(&other)
                .expect_err("no kind")
                .to_string()
                .contains("not a vcsim checkpoint")
        );
        let junk = dir.path().join("junk.h5");
        std::fs::write(&junk, b"not hdf5").expect("write");
        let e = read_checkpoint(&junk).expect_err("junk");
        assert!(e.to_string().contains("junk.h5"), "{e}");
        // A truncated file.
        let bytes = std::fs::read(&path).expect("read");
        let cut = dir.path().join("cut.h5");
        std::fs::write(&cut, &bytes[..bytes.len() / 2]).expect("write");
        assert!(read_checkpoint(&cut).is_err());
    }
}
