//! The cell columns: a VSMC's phenotype and its per-cell state, stored as
//! columns in a [`vcsim_core::CellStore`].

use vcsim_core::{Columns, retain_by};

/// Phenotype of a VSMC, or what remains of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum Phenotype {
    /// The normal, contractile VSMC (SM22α, α-SMA).
    Contractile = 0,
    /// Osteochondrogenic, Runx2-high VSMC: ALP, OPN, RANKL, matrix vesicles.
    Osteogenic = 1,
    /// A cell in apoptosis (hours).
    Apoptotic = 2,
    /// What apoptosis leaves: an apoptotic body, a nucleation site.
    ApoptoticBody = 3,
    /// An apoptotic body whose voxel has calcified.
    Calcified = 4,
}

impl Phenotype {
    /// All phenotypes, code order.
    pub const ALL: [Phenotype; 5] = [
        Phenotype::Contractile,
        Phenotype::Osteogenic,
        Phenotype::Apoptotic,
        Phenotype::ApoptoticBody,
        Phenotype::Calcified,
    ];

    /// Lower-case name used in files.
    pub fn name(self) -> &'static str {
        match self {
            Phenotype::Contractile => "contractile",
            Phenotype::Osteogenic => "osteogenic",
            Phenotype::Apoptotic => "apoptotic",
            Phenotype::ApoptoticBody => "apoptotic_body",
            Phenotype::Calcified => "calcified",
        }
    }

    /// A living VSMC that senses, signals and secretes.
    pub fn is_viable(self) -> bool {
        matches!(self, Phenotype::Contractile | Phenotype::Osteogenic)
    }
}

/// Declares the per-cell variables: one row per column, from which the
/// column in [`VsmcColumns`], its value at birth, its snapshot column
/// (`cells/<name>`) and, with `output = Some("name")`, its column in the
/// `/cells` table of a frame (with its unit; `crate::sim::CellTable`) follow. The
/// phenotype is the one column that is not `f32` and is declared by hand.
macro_rules! cell_columns {
    ($(
        #[doc = $doc:literal]
        $name:ident: unit = $unit:literal, output = $out:expr, birth = |$row:ident| $birth:expr;
    )*) => {
        /// Per-cell state of the VSMC model, one column per variable.
        #[derive(Debug, Clone, Default)]
        pub struct VsmcColumns {
            /// Current phenotype.
            pub phenotype: Vec<Phenotype>,
            $(
                #[doc = concat!($doc, " (", $unit, ")")]
                pub $name: Vec<f32>,
            )*
        }

        /// The `f32` cell columns: name, unit, meaning, and the column's name in
        /// `/cells` (`None`: not written), declaration order.
        pub const CELL_COLUMNS: &[(&str, &str, &str, Option<&str>)] = &[$( (stringify!($name), $unit, $doc, $out), )*];

        impl VsmcColumns {
            /// The `f32` columns with their names, declaration order.
            pub fn float_columns(&self) -> Vec<(&'static str, &[f32])> {
                vec![$( (stringify!($name), self.$name.as_slice()), )*]
            }

            /// The columns from the phenotype and a source of `f32` columns by
            /// name (a snapshot), declaration order.
            pub fn from_columns<E>(
                phenotype: Vec<Phenotype>,
                mut column: impl FnMut(&str) -> Result<Vec<f32>, E>,
            ) -> Result<Self, E> {
                Ok(Self { phenotype, $( $name: column(stringify!($name))?, )* })
            }
        }

        impl Columns for VsmcColumns {
            type Row = VsmcRow;
            fn len(&self) -> usize {
                self.phenotype.len()
            }
            fn insert(&mut self, i: usize, row: VsmcRow) {
                self.phenotype.insert(i, row.phenotype);
                $( {
                    #[allow(unused_variables)]
                    let $row = &row;
                    self.$name.insert(i, $birth);
                } )*
            }
            fn retain_rows(&mut self, keep: &[bool]) {
                retain_by(&mut self.phenotype, keep);
                $( retain_by(&mut self.$name, keep); )*
            }
        }
    };
}

cell_columns! {
    /// Runx2, fold of basal
    runx2: unit = "fold", output = Some("runx2"), birth = |r| r.runx2;
    /// ALP (TNAP) expression, 0–1
    alp: unit = "1", output = Some("alp"), birth = |r| 0.0;
    /// Osteopontin expression, 0–1
    opn: unit = "1", output = Some("opn"), birth = |r| 0.0;
    /// Intracellular phosphate
    pi_in: unit = "mM", output = Some("pi_in_mM"), birth = |r| r.pi_in;
    /// This cell's PiT-1 expression relative to the population mean (drawn at birth)
    pit1: unit = "1", output = None, birth = |r| r.pit1;
    /// Change of intracellular Pi during the last step, mM of cell volume (negative: released, e.g. at death); applied to the voxel by the reactions stage (secretion)
    pi_uptake: unit = "mM", output = None, birth = |r| 0.0;
}

/// One new cell.
#[derive(Debug, Clone, Copy)]
pub struct VsmcRow {
    /// Phenotype at birth.
    pub phenotype: Phenotype,
    /// Runx2 at birth, fold of basal.
    pub runx2: f32,
    /// Intracellular Pi at birth, mM.
    pub pi_in: f32,
    /// Relative PiT-1 expression.
    pub pit1: f32,
}

/// The PiT-1 expression of the new cell `id`: log-normal with mean 1 and
/// coefficient of variation `cv` (1 when `cv` is 0), from the cell's own
/// stream — the same for a cell placed at the start and one born later.
pub fn draw_pit1(seed: u64, id: u64, cv: f64) -> f64 {
    use rand_distr::{Distribution, LogNormal};
    match LogNormal::from_mean_cv(1.0, cv) {
        Ok(d) if cv > 0.0 => d.sample(&mut vcsim_core::Stream::new(
            seed,
            0,
            id,
            crate::purpose::PIT1,
        )),
        _ => 1.0,
    }
}
