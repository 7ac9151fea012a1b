//! Output frames: the per-voxel maps of a frame and the cell table.

use crate::world::*;

/// Names and units of the derived per-voxel maps of a frame, after the
/// solutes ([`World::frame_field`] builds them in this order).
const FRAME_MAPS: [(&str, &str); 4] = [
    ("mineral", "1"),
    ("runx2", "fold"),
    ("alp", "1"),
    ("phenotype", "code"),
];

impl World {
    /// Names and units of the per-voxel maps of [`World::frame`], in order.
    pub fn frame_fields() -> Vec<(&'static str, &'static str)> {
        let mut v: Vec<(&str, &str)> = FIELDS.to_vec();
        v.extend(FRAME_MAPS);
        v
    }

    /// Per-voxel maps for an output frame, copied, in [`World::frame_fields`]
    /// order: the eight solutes, mineral volume fraction, Runx2 and ALP (NaN
    /// where there is no viable cell) and the phenotype code (−1 where there
    /// is no cell). Writers take [`World::frame_field`] one at a time instead.
    pub fn frame(&self) -> Vec<Vec<f32>> {
        (0..FIELDS.len() + FRAME_MAPS.len())
            .map(|i| self.frame_field(i).into_owned())
            .collect()
    }

    /// Field `i` of a frame, in [`World::frame_fields`] order: a solute is
    /// borrowed, a derived map is built (one voxel-sized vector). Writers that
    /// take the frame one field at a time hold at most one derived map.
    pub fn frame_field(&self, i: usize) -> std::borrow::Cow<'_, [f32]> {
        if i < FIELDS.len() {
            std::borrow::Cow::Borrowed(self.fields.values(i))
        } else {
            std::borrow::Cow::Owned(self.frame_map(i - FIELDS.len()))
        }
    }

    /// Derived map `k`: 0 mineral volume fraction, 1 Runx2 and 2 ALP (NaN
    /// where there is no viable cell), 3 phenotype code (−1 where there is no
    /// cell).
    fn frame_map(&self, k: usize) -> Vec<f32> {
        let n = self.lattice.len();
        if k == 0 {
            return self.mineral.iter().map(|&m| m as f32).collect();
        }
        let mut map = vec![if k == 3 { -1.0 } else { f32::NAN }; n];
        let d = &self.cells.data;
        for (row, &v) in self.cells.voxels().iter().enumerate() {
            let (v, phenotype) = (v as usize, d.phenotype[row]);
            match k {
                1 if phenotype.is_viable() => map[v] = d.runx2[row],
                2 if phenotype.is_viable() => map[v] = d.alp[row],
                3 => map[v] = f32::from(phenotype as u8),
                _ => {}
            }
        }
        map
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellTable {
    /// Stable cell id.
    pub id: Vec<u64>,
    /// Voxel centre, µm (x radial from the lumen in tissue mode).
    pub x_um: Vec<f32>,
    /// Voxel centre, µm.
    pub y_um: Vec<f32>,
    /// Voxel centre, µm (0.5·dx in 2D).
    pub z_um: Vec<f32>,
    /// Phenotype code (see [`crate::tissue::cells::Phenotype`]).
    pub phenotype: Vec<u8>,
    /// Runx2, fold of basal.
    pub runx2: Vec<f32>,
    /// ALP expression, 0–1.
    pub alp: Vec<f32>,
    /// OPN expression, 0–1.
    pub opn: Vec<f32>,
    /// Intracellular phosphate, mM.
    pub pi_in: Vec<f32>,
}

impl World {
    /// Every cell's id, position and state, in store order.
    pub fn cell_table(&self) -> CellTable {
        self.cell_table_rows(0..self.cells.voxels().len())
    }

    /// The rows `rows` (in store order) of [`World::cell_table`]; writers
    /// take the table in pieces so that it never exists whole in memory.
    pub fn cell_table_rows(&self, rows: std::ops::Range<usize>) -> CellTable {
        let dx = self.lattice.dx_um;
        let d = &self.cells.data;
        let centre = |i: usize| ((i as f64 + 0.5) * dx) as f32;
        let n = rows.len();
        let mut t = CellTable {
            id: Vec::with_capacity(n),
            x_um: Vec::with_capacity(n),
            y_um: Vec::with_capacity(n),
            z_um: Vec::with_capacity(n),
            phenotype: Vec::with_capacity(n),
            runx2: Vec::with_capacity(n),
            alp: Vec::with_capacity(n),
            opn: Vec::with_capacity(n),
            pi_in: Vec::with_capacity(n),
        };
        let (ids, voxels) = (
            &self.cells.ids()[rows.clone()],
            &self.cells.voxels()[rows.clone()],
        );
        for ((row, &id), &v) in rows.zip(ids).zip(voxels) {
            let (z, y, x) = self.lattice.coords(v as usize);
            t.id.push(id.0);
            t.x_um.push(centre(x));
            t.y_um.push(centre(y));
            t.z_um.push(centre(z));
            t.phenotype.push(d.phenotype[row] as u8);
            t.runx2.push(d.runx2[row]);
            t.alp.push(d.alp[row]);
            t.opn.push(d.opn[row]);
            t.pi_in.push(d.pi_in[row]);
        }
        t
    }
}

#[cfg(test)]
mod frame_tests {
    use super::*;
    use crate::scenario::Override;
    use crate::scenario::Scenario;
    use crate::sim::Simulation;
    /// A frame, field by field as the writer takes it: the solutes are the
    /// fields themselves, the derived maps hold what the cells and the mineral
    /// say, and the cell table in pieces is the whole table.
    #[test]
    fn frame_fields_hold_the_world() {
        let o: Vec<Override> = [
            "geometry.lamellar_units=2",
            "geometry.circumference_um=60.0",
        ]
        .iter()
        .map(|s| Override::parse(s).expect("override"))
        .collect();
        let s = Scenario::from_toml("", "test", &o).expect("valid");
        let mut sim = Simulation::new(&s).expect("builds");
        for _ in 0..20 {
            sim.step();
        }
        let w = &sim.world;
        let copied: Vec<Vec<u32>> = w
            .frame()
            .iter()
            .map(|v| v.iter().map(|x| x.to_bits()).collect())
            .collect();
        assert_eq!(copied.len(), World::frame_fields().len());
        for (f, c) in copied.iter().enumerate().take(FIELDS.len()) {
            assert!(matches!(w.frame_field(f), std::borrow::Cow::Borrowed(_)));
            let field: Vec<u32> = w.fields.values(f).iter().map(|x| x.to_bits()).collect();
            assert_eq!(&field, c, "field {f}");
        }
        // The derived maps hold what the cells say.
        let n = FIELDS.len();
        let d = &w.cells.data;
        let mut has_cell = vec![false; w.lattice.len()];
        for (row, &v) in w.cells.voxels().iter().enumerate() {
            let v = v as usize;
            has_cell[v] = true;
            assert_eq!(
                copied[n + 3][v],
                f32::from(d.phenotype[row] as u8).to_bits()
            );
            if d.phenotype[row].is_viable() {
                assert_eq!(copied[n + 1][v], d.runx2[row].to_bits());
                assert_eq!(copied[n + 2][v], d.alp[row].to_bits());
            }
        }
        for (v, &cell) in has_cell.iter().enumerate() {
            if !cell {
                assert_eq!(f32::from_bits(copied[n + 3][v]), -1.0);
                assert!(f32::from_bits(copied[n + 1][v]).is_nan());
            }
            assert_eq!(f32::from_bits(copied[n][v]), w.mineral[v] as f32);
        }
        // The cell table in pieces is the whole table.
        let whole = w.cell_table();
        let rows = whole.id.len();
        assert!(rows > 10);
        let (a, b) = (w.cell_table_rows(0..7), w.cell_table_rows(7..rows));
        assert_eq!([a.id, b.id].concat(), whole.id);
        assert_eq!([a.runx2, b.runx2].concat(), whole.runx2);
        assert_eq!([a.y_um, b.y_um].concat(), whole.y_um);
        assert_eq!([a.phenotype, b.phenotype].concat(), whole.phenotype);
    }
}
