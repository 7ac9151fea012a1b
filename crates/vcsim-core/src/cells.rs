//! Struct-of-arrays cell storage: at most one cell per voxel, stable ids.
//!
//! The store owns what every cell has (id, voxel) and an occupancy map from
//! voxel to cell; the per-cell state of a model lives in a [`Columns`] type
//! defined by the rule set, one `Vec` per variable. Rows are kept in the same
//! order in every column, and that order is the order of the cells' voxels:
//! row `i` sits in a lower voxel than row `i + 1`. Stages can therefore walk
//! voxels and cells together, and split both into matching contiguous blocks
//! for parallel work; the layout never depends on thread timing.

/// Per-cell state columns of a model (one `Vec` per variable).
pub trait Columns: Default + Send + Sync {
    /// One cell's values, in the form used to add a cell.
    type Row;
    /// Number of rows.
    fn len(&self) -> usize;
    /// True if there is no row.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Inserts one row at position `i` (`i == len()` appends), shifting the
    /// rows after it.
    fn insert(&mut self, i: usize, row: Self::Row);
    /// Keeps the rows whose `keep` entry is true, in their order.
    /// `keep.len()` equals `len()`.
    fn retain_rows(&mut self, keep: &[bool]);
}

/// Keeps the elements of `v` whose `keep` entry is true, in their order (the
/// building block of [`Columns::retain_rows`]). Elements beyond `keep` are kept.
pub fn retain_by<T>(v: &mut Vec<T>, keep: &[bool]) {
    let mut i = 0;
    v.retain(|_| {
        let k = keep.get(i).copied().unwrap_or(true);
        i += 1;
        k
    });
}

/// Stable identity of a cell: never reused within a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CellId(pub u64);

/// Marker for an empty voxel in the occupancy map.
const EMPTY: u32 = u32::MAX;

/// A voxel already holds a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occupied {
    /// The voxel that was asked for.
    pub voxel: usize,
}

/// All cells of a run.
#[derive(Debug, Clone)]
pub struct CellStore<C> {
    ids: Vec<CellId>,
    voxels: Vec<u32>,
    /// The model's per-cell state, row-aligned with [`CellStore::ids`].
    pub data: C,
    occupancy: Vec<u32>,
    next_id: u64,
}

impl<C: Columns> CellStore<C> {
    /// An empty store for a lattice of `n_voxels` voxels.
    pub fn new(n_voxels: usize) -> Self {
        Self {
            ids: Vec::new(),
            voxels: Vec::new(),
            data: C::default(),
            occupancy: vec![EMPTY; n_voxels],
            next_id: 0,
        }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True if there is no cell.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Ids, row order.
    pub fn ids(&self) -> &[CellId] {
        &self.ids
    }

    /// Voxel index of each cell, row order.
    pub fn voxels(&self) -> &[u32] {
        &self.voxels
    }

    /// Row of the cell in `voxel`, if any.
    pub fn cell_at(&self, voxel: usize) -> Option<usize> {
        match self.occupancy.get(voxel) {
            Some(&i) if i != EMPTY => Some(i as usize),
            _ => None,
        }
    }

    /// Adds a cell in an empty voxel and gives it the next id. The row goes
    /// where its voxel belongs in voxel order (appending when the voxel is
    /// beyond every occupied one, the usual case while a lattice is filled).
    pub fn insert(&mut self, voxel: usize, row: C::Row) -> Result<CellId, Occupied> {
        if voxel >= self.occupancy.len() || self.occupancy[voxel] != EMPTY {
            return Err(Occupied { voxel });
        }
        let id = CellId(self.next_id);
        self.next_id += 1;
        let at = self.voxels.partition_point(|&v| (v as usize) < voxel);
        self.ids.insert(at, id);
        self.voxels.insert(at, voxel as u32);
        self.data.insert(at, row);
        for (i, &v) in self.voxels.iter().enumerate().skip(at) {
            self.occupancy[v as usize] = i as u32;
        }
        Ok(id)
    }

    /// Removes the cells at the given rows (repeats and rows out of range
    /// are ignored); the remaining rows keep their order.
    pub fn remove_rows(&mut self, rows: &[usize]) {
        let mut keep = vec![true; self.ids.len()];
        for &i in rows {
            if let Some(k) = keep.get_mut(i) {
                *k = false;
            }
        }
        for (&v, _) in self.voxels.iter().zip(&keep).filter(|(_, k)| !**k) {
            self.occupancy[v as usize] = EMPTY;
        }
        retain_by(&mut self.ids, &keep);
        retain_by(&mut self.voxels, &keep);
        self.data.retain_rows(&keep);
        for (i, &v) in self.voxels.iter().enumerate() {
            self.occupancy[v as usize] = i as u32;
        }
    }

    /// The rows of the cells in voxels `start..end`: cells are in voxel
    /// order, so they form one contiguous range.
    pub fn rows_in(&self, start: usize, end: usize) -> std::ops::Range<usize> {
        let lo = self.voxels.partition_point(|&v| (v as usize) < start);
        let hi = self.voxels.partition_point(|&v| (v as usize) < end);
        lo..hi.max(lo)
    }

    /// Ids and voxels (read-only) alongside the mutable columns, so that a
    /// stage can update every cell in parallel while reading where it is.
    pub fn parts_mut(&mut self) -> (&[CellId], &[u32], &mut C) {
        (&self.ids, &self.voxels, &mut self.data)
    }

    /// Rebuilds a store from saved parts (a checkpoint): ids, voxels and
    /// columns row-aligned, the next id to give. Fails if the rows do not
    /// line up, a voxel is out of range or holds two cells, the rows are not
    /// in voxel order, or an id repeats or is not below `next_id`.
    pub fn from_parts(
        n_voxels: usize,
        ids: Vec<u64>,
        voxels: Vec<u32>,
        data: C,
        next_id: u64,
    ) -> Result<Self, String> {
        if ids.len() != voxels.len() || ids.len() != data.len() {
            return Err(format!(
                "{} ids, {} voxels and {} rows of cell data do not line up",
                ids.len(),
                voxels.len(),
                data.len()
            ));
        }
        let mut occupancy = vec![EMPTY; n_voxels];
        for (row, (&id, &v)) in ids.iter().zip(&voxels).enumerate() {
            let slot = occupancy.get_mut(v as usize).ok_or_else(|| {
                format!("cell {id} sits in voxel {v}, beyond the {n_voxels} voxels")
            })?;
            if *slot != EMPTY {
                return Err(format!("voxel {v} holds two cells"));
            }
            if row > 0 && voxels[row - 1] > v {
                return Err(format!(
                    "cells are not in voxel order (row {row}: voxel {v} after {})",
                    voxels[row - 1]
                ));
            }
            if id >= next_id {
                return Err(format!("cell id {id} is not below the next id {next_id}"));
            }
            *slot = row as u32;
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) {
            return Err("a cell id repeats".into());
        }
        Ok(Self {
            ids: ids.into_iter().map(CellId).collect(),
            voxels,
            data,
            occupancy,
            next_id,
        })
    }

    /// The id the next inserted cell will get.
    pub fn next_id(&self) -> u64 {
        self.next_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default, Debug)]
    struct Mass(Vec<f32>);
    impl Columns for Mass {
        type Row = f32;
        fn len(&self) -> usize {
            self.0.len()
        }
        fn insert(&mut self, i: usize, row: f32) {
            self.0.insert(i, row);
        }
        fn retain_rows(&mut self, keep: &[bool]) {
            retain_by(&mut self.0, keep);
        }
    }

    #[test]
    fn one_cell_per_voxel_and_stable_ids() {
        let mut s: CellStore<Mass> = CellStore::new(10);
        let a = s.insert(3, 1.0).expect("empty");
        let b = s.insert(5, 2.0).expect("empty");
        assert_eq!(s.insert(3, 9.0), Err(Occupied { voxel: 3 }));
        assert_eq!(s.insert(10, 9.0), Err(Occupied { voxel: 10 }));
        let c = s.insert(7, 3.0).expect("empty");
        assert_eq!((a, b, c), (CellId(0), CellId(1), CellId(2)));
        s.remove_rows(&[0]);
        // The others keep their order; occupancy follows.
        assert_eq!(s.ids(), &[CellId(1), CellId(2)]);
        assert_eq!(s.cell_at(7), Some(1));
        assert_eq!(s.cell_at(5), Some(0));
        assert_eq!(s.cell_at(3), None);
        assert_eq!(s.data.0, vec![2.0, 3.0]);
        // Ids are never reused.
        assert_eq!(s.insert(3, 4.0), Ok(CellId(3)));
    }

    /// Every store operation keeps the rows in voxel order, with the
    /// occupancy map pointing at the right rows.
    #[test]
    fn rows_stay_in_voxel_order() {
        let check = |s: &CellStore<Mass>| {
            assert!(
                s.voxels().windows(2).all(|w| w[0] < w[1]),
                "{:?}",
                s.voxels()
            );
            for (row, &v) in s.voxels().iter().enumerate() {
                assert_eq!(s.cell_at(v as usize), Some(row));
                assert_eq!(s.data.0[row], v as f32, "the data moves with its row");
            }
            assert_eq!(s.occupancy.iter().filter(|&&o| o != EMPTY).count(), s.len());
        };
        let mut s: CellStore<Mass> = CellStore::new(30);
        for v in [10, 20, 3, 15, 29, 0, 11] {
            s.insert(v, v as f32).expect("empty");
            check(&s);
        }
        assert_eq!(s.rows_in(0, 30), 0..7);
        assert_eq!(s.rows_in(4, 15), 2..4);
        assert_eq!(s.rows_in(12, 14), 4..4);
        s.remove_rows(&[1, 5, 5, 99]);
        check(&s);
        assert_eq!(s.voxels(), &[0, 10, 11, 15, 29]);
        let (ids, voxels) = (s.ids().iter().map(|c| c.0).collect(), s.voxels().to_vec());
        let data = Mass(s.data.0.clone());
        let back = CellStore::from_parts(30, ids, voxels, data, s.next_id()).expect("valid");
        check(&back);
        let unordered = CellStore::from_parts(30, vec![0, 1], vec![5, 2], Mass(vec![5.0, 2.0]), 2);
        assert!(unordered.expect_err("unordered").contains("voxel order"));
    }

    #[test]
    fn removal_depends_only_on_the_set() {
        let build = || {
            let mut s: CellStore<Mass> = CellStore::new(20);
            for v in 0..10 {
                s.insert(v * 2, v as f32).expect("empty");
            }
            s
        };
        let mut a = build();
        let mut b = build();
        a.remove_rows(&[1, 4, 8, 4]);
        b.remove_rows(&[8, 1, 4]);
        assert_eq!(a.ids(), b.ids());
        assert_eq!(a.data.0, b.data.0);
        for (row, &v) in a.voxels().iter().enumerate() {
            assert_eq!(a.cell_at(v as usize), Some(row));
        }
    }
}
