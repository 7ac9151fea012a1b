//! Snapshots: the whole state of a simulation as named arrays, so that a
//! checkpoint store can save it without knowing what the arrays mean.

use std::fmt;

/// One named array of a snapshot.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// 32-bit floats.
    F32(Vec<f32>),
    /// 64-bit floats.
    F64(Vec<f64>),
    /// Unsigned 64-bit integers.
    U64(Vec<u64>),
    /// Unsigned 32-bit integers.
    U32(Vec<u32>),
    /// Bytes.
    U8(Vec<u8>),
}

/// The state of a simulation: its step and named arrays, in a fixed order.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Snapshot {
    /// Steps taken.
    pub step: u64,
    /// Named arrays, in the order they were added.
    pub columns: Vec<(String, Column)>,
}

/// A snapshot that does not hold what a restore needs.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotError(pub String);

impl fmt::Display for SnapshotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SnapshotError {}

macro_rules! take {
    ($fn:ident, $variant:ident, $t:ty) => {
        /// Removes and returns the array `name`, checking its type and length.
        pub fn $fn(&mut self, name: &str, len: Option<usize>) -> Result<Vec<$t>, SnapshotError> {
            let i = self
                .columns
                .iter()
                .position(|(n, _)| n == name)
                .ok_or_else(|| SnapshotError(format!("the snapshot has no array '{name}'")))?;
            // Check before removing, so a failed take leaves the snapshot whole.
            match &self.columns[i].1 {
                Column::$variant(v) => {
                    if let Some(l) = len
                        && v.len() != l
                    {
                        return Err(SnapshotError(format!(
                            "array '{name}' has {} values, expected {l}",
                            v.len()
                        )));
                    }
                }
                _ => {
                    return Err(SnapshotError(format!(
                        "array '{name}' is not of type {}",
                        stringify!($t)
                    )));
                }
            }
            match self.columns.remove(i).1 {
                Column::$variant(v) => Ok(v),
                _ => unreachable!("the type was checked above"),
            }
        }
    };
}

impl Snapshot {
    /// Adds an array.
    pub fn push(&mut self, name: &str, column: Column) {
        self.columns.push((name.to_string(), column));
    }

    take!(take_f32, F32, f32);
    take!(take_f64, F64, f64);
    take!(take_u64, U64, u64);
    take!(take_u32, U32, u32);
    take!(take_u8, U8, u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_come_back_by_name_type_and_length() {
        let mut s = Snapshot::default();
        s.push("a", Column::F32(vec![1.0, 2.0]));
        s.push("b", Column::U8(vec![3]));
        assert!(s.take_f64("a", None).is_err(), "wrong type");
        let mut s2 = s.clone();
        assert_eq!(s2.take_f32("a", Some(2)), Ok(vec![1.0, 2.0]));
        assert!(s.take_f32("a", Some(3)).is_err(), "wrong length");
        assert!(s.take_u8("zzz", None).is_err(), "missing");
    }
}
