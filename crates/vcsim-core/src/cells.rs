//! Struct-of-arrays cell storage: at most one cell per voxel, stable ids.
//!
//! The store owns what every cell has (id, voxel) and an occupancy map from
//! voxel to cell; the per-cell state of a model lives in a [`Columns`] type
//! defined by the rule set, one `Vec` per variable. Rows are kept in the same
//! order in every column. Removing cells swaps the last row into the hole, in
//! a fixed order, so the layout after a step never depends on thread timing.

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
    /// Appends one row.
    fn push(&mut self, row: Self::Row);
    /// Removes row `i`, moving the last row into its place.
    fn swap_remove(&mut self, i: usize);
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

    /// Adds a cell in an empty voxel and gives it the next id.
    pub fn insert(&mut self, voxel: usize, row: C::Row) -> Result<CellId, Occupied> {
        if voxel >= self.occupancy.len() || self.occupancy[voxel] != EMPTY {
            return Err(Occupied { voxel });
        }
        let id = CellId(self.next_id);
        self.next_id += 1;
        self.occupancy[voxel] = self.ids.len() as u32;
        self.ids.push(id);
        self.voxels.push(voxel as u32);
        self.data.push(row);
        Ok(id)
    }

    /// Removes the cells at the given rows. Rows are processed from the
    /// highest down, so the result depends only on the set of rows.
    pub fn remove_rows(&mut self, mut rows: Vec<usize>) {
        rows.sort_unstable();
        rows.dedup();
        for &i in rows.iter().rev() {
            if i >= self.ids.len() {
                continue;
            }
            self.occupancy[self.voxels[i] as usize] = EMPTY;
            self.ids.swap_remove(i);
            self.voxels.swap_remove(i);
            self.data.swap_remove(i);
            if i < self.ids.len() {
                self.occupancy[self.voxels[i] as usize] = i as u32;
            }
        }
    }

    /// Ids and voxels (read-only) alongside the mutable columns, so that a
    /// stage can update every cell in parallel while reading where it is.
    pub fn parts_mut(&mut self) -> (&[CellId], &[u32], &mut C) {
        (&self.ids, &self.voxels, &mut self.data)
    }

    /// Rebuilds a store from saved parts (a checkpoint): ids, voxels and
    /// columns row-aligned, the next id to give. Fails if the rows do not
    /// line up, a voxel is out of range or holds two cells, or an id repeats
    /// or is not below `next_id`.
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
        fn push(&mut self, row: f32) {
            self.0.push(row);
        }
        fn swap_remove(&mut self, i: usize) {
            self.0.swap_remove(i);
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
        s.remove_rows(vec![0]);
        // The last row moved into row 0; occupancy follows.
        assert_eq!(s.ids(), &[CellId(2), CellId(1)]);
        assert_eq!(s.cell_at(7), Some(0));
        assert_eq!(s.cell_at(3), None);
        assert_eq!(s.data.0, vec![3.0, 2.0]);
        // Ids are never reused.
        assert_eq!(s.insert(3, 4.0), Ok(CellId(3)));
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
        a.remove_rows(vec![1, 4, 8, 4]);
        b.remove_rows(vec![8, 1, 4]);
        assert_eq!(a.ids(), b.ids());
        assert_eq!(a.data.0, b.data.0);
        for (row, &v) in a.voxels().iter().enumerate() {
            assert_eq!(a.cell_at(v as usize), Some(row));
        }
    }
}
