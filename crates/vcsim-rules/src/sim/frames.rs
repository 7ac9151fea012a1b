//! Output frames: the per-voxel maps of a frame and the cell table.

use crate::tissue::cells::CELL_COLUMNS;
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
    /// cell). A cell's values fill its territory (the voxels it senses and
    /// secretes into).
    fn frame_map(&self, k: usize) -> Vec<f32> {
        let n = self.lattice.len();
        if k == 0 {
            return self.mineral.iter().map(|&m| m as f32).collect();
        }
        let empty = if k == 3 { -1.0 } else { f32::NAN };
        let d = &self.cells.data;
        let t = &self.territories;
        (0..n)
            .map(|v| {
                let ter = t.of_voxel[v];
                if ter == crate::territory::NO_TERRITORY {
                    return empty;
                }
                let Some(row) = self.cells.cell_at(t.anchor[ter as usize] as usize) else {
                    return empty;
                };
                let phenotype = d.phenotype[row];
                match k {
                    1 if phenotype.is_viable() => d.runx2[row],
                    2 if phenotype.is_viable() => d.alp[row],
                    3 => f32::from(phenotype as u8),
                    _ => empty,
                }
            })
            .collect()
    }
}
/// The values of one column of the cell table.
#[derive(Debug, Clone, PartialEq)]
pub enum CellValues {
    /// Unsigned 64-bit integers (ids).
    U64(Vec<u64>),
    /// Bytes (codes).
    U8(Vec<u8>),
    /// 32-bit floats.
    F32(Vec<f32>),
}

impl CellValues {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            Self::U64(v) => v.len(),
            Self::U8(v) => v.len(),
            Self::F32(v) => v.len(),
        }
    }

    /// True if there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Rows `r` as a new column.
    pub fn slice(&self, r: std::ops::Range<usize>) -> Self {
        match self {
            Self::U64(v) => Self::U64(v[r].to_vec()),
            Self::U8(v) => Self::U8(v[r].to_vec()),
            Self::F32(v) => Self::F32(v[r].to_vec()),
        }
    }
}

/// One column of the cell table: its name in `/cells`, unit, values.
#[derive(Debug, Clone, PartialEq)]
pub struct CellTableColumn {
    /// Name of the column in `/cells`.
    pub name: &'static str,
    /// Unit (attribute `units`).
    pub unit: &'static str,
    /// One value per row.
    pub values: CellValues,
}

/// The cells of one frame as columns, row-aligned (the `/cells` table): the
/// cell id, its voxel centre, its phenotype code, and every cell column
/// declared with an output name in `tissue/cells.rs` (`cell_columns!`), in
/// that order ([`CellTable::layout`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CellTable {
    /// The columns, in [`CellTable::layout`] order.
    pub columns: Vec<CellTableColumn>,
}

impl CellTable {
    /// Name, unit and an empty column of each column of the table, in order.
    pub fn layout() -> Vec<CellTableColumn> {
        let col = |name, unit, values| CellTableColumn { name, unit, values };
        let mut v = vec![
            col("id", "1", CellValues::U64(Vec::new())),
            col("x_um", "µm", CellValues::F32(Vec::new())),
            col("y_um", "µm", CellValues::F32(Vec::new())),
            col("z_um", "µm", CellValues::F32(Vec::new())),
            col("phenotype", "code", CellValues::U8(Vec::new())),
        ];
        for (_, unit, _, out) in CELL_COLUMNS {
            if let Some(name) = out {
                v.push(col(name, unit, CellValues::F32(Vec::new())));
            }
        }
        v
    }

    /// The column named `name` (in `/cells`), if any.
    pub fn column(&self, name: &str) -> Option<&CellValues> {
        self.columns
            .iter()
            .find(|c| c.name == name)
            .map(|c| &c.values)
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.columns.first().map_or(0, |c| c.values.len())
    }

    /// Rows `r` as a new table.
    pub fn slice(&self, r: std::ops::Range<usize>) -> Self {
        Self {
            columns: self
                .columns
                .iter()
                .map(|c| CellTableColumn {
                    name: c.name,
                    unit: c.unit,
                    values: c.values.slice(r.clone()),
                })
                .collect(),
        }
    }
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
        let (ids, voxels) = (
            &self.cells.ids()[rows.clone()],
            &self.cells.voxels()[rows.clone()],
        );
        let (mut x_um, mut y_um, mut z_um) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        // A cell is reported at its territory's centre (the mean of its
        // voxels), its voxel's centre where it has no territory.
        let at = |i: f64| ((i + 0.5) * dx) as f32;
        for &v in voxels {
            let t = self.territories.of_voxel.get(v as usize).copied();
            match t.and_then(|t| self.territories.centre.get(t as usize)) {
                Some(&[z, y, x]) => {
                    x_um.push(at(x));
                    y_um.push(at(y));
                    z_um.push(at(z));
                }
                None => {
                    let (z, y, x) = self.lattice.coords(v as usize);
                    x_um.push(centre(x));
                    y_um.push(centre(y));
                    z_um.push(centre(z));
                }
            }
        }
        let floats = d.float_columns();
        let mut columns = CellTable::layout();
        for c in &mut columns {
            c.values = match c.name {
                "id" => CellValues::U64(ids.iter().map(|i| i.0).collect()),
                "x_um" => CellValues::F32(std::mem::take(&mut x_um)),
                "y_um" => CellValues::F32(std::mem::take(&mut y_um)),
                "z_um" => CellValues::F32(std::mem::take(&mut z_um)),
                "phenotype" => {
                    CellValues::U8(d.phenotype[rows.clone()].iter().map(|p| *p as u8).collect())
                }
                out => {
                    let key = CELL_COLUMNS
                        .iter()
                        .find(|(_, _, _, o)| *o == Some(out))
                        .map(|(k, ..)| *k)
                        .unwrap_or(out);
                    let col = floats
                        .iter()
                        .find(|(k, _)| *k == key)
                        .map(|(_, v)| v[rows.clone()].to_vec())
                        .unwrap_or_default();
                    CellValues::F32(col)
                }
            };
        }
        CellTable { columns }
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
            "geometry.circumference_um=400.0",
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
        let t = &w.territories;
        for (row, &a) in w.cells.voxels().iter().enumerate() {
            let ter = t.of_voxel[a as usize];
            // The territory's last voxel holds the cell's values, as every
            // voxel of it does.
            let mut v = a as usize;
            for (u, &tu) in t.of_voxel.iter().enumerate() {
                if tu == ter {
                    has_cell[u] = true;
                    v = u;
                }
            }
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
        let rows = whole.rows();
        assert!(rows > 10);
        let (a, b) = (w.cell_table_rows(0..7), w.cell_table_rows(7..rows));
        assert_eq!(a, whole.slice(0..7));
        assert_eq!(b, whole.slice(7..rows));
        let names: Vec<&str> = whole.columns.iter().map(|c| c.name).collect();
        assert_eq!(
            names,
            [
                "id",
                "x_um",
                "y_um",
                "z_um",
                "phenotype",
                "runx2",
                "alp",
                "opn",
                "pi_in_mM"
            ]
        );
        let Some(CellValues::F32(runx2)) = whole.column("runx2") else {
            panic!("runx2 is an f32 column");
        };
        assert_eq!(runx2.as_slice(), &d.runx2[..]);
    }
}
