//! Named solute fields on the lattice.

/// Boundary condition on one face of the lattice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    /// Zero flux across the face (the face is a wall).
    NoFlux,
    /// The concentration at the face is held at a value supplied each step
    /// through [`FieldStore::set_dirichlet`].
    Dirichlet,
    /// The axis wraps around; must be set on both faces of the axis.
    Periodic,
}

/// Faces of the lattice: axis (0 = x, 1 = y, 2 = z) and side (0 = low, 1 = high).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Face {
    /// 0 = x (radial), 1 = y (circumferential), 2 = z (axial).
    pub axis: usize,
    /// 0 = low end, 1 = high end.
    pub side: usize,
}

impl Face {
    /// The lumen side of the wall (x = 0).
    pub const LUMEN: Face = Face { axis: 0, side: 0 };
    /// The outer (adventitial) side of the wall.
    pub const OUTER: Face = Face { axis: 0, side: 1 };
}

/// How a field is advanced each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FieldKind {
    /// Decays and diffuses over the step (backward Euler).
    #[default]
    Transient,
    /// Relaxes within the step to the steady state of `D∇²u − k·u + S = 0`.
    /// Before the solve the caller stores `S / k` in the field (the local
    /// steady state without diffusion); the solve then spreads it over the
    /// decay length √(D/k). For short-lived species such as H2O2, whose life
    /// time (ms–s) is far below any useful step. Needs `decay_per_h > 0`.
    QuasiSteady,
}

/// What a solute is and how it moves.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    /// Name used in configs and output files.
    pub name: String,
    /// Unit of the concentration, for output metadata (e.g. "mM").
    pub unit: String,
    /// Diffusion coefficient, µm²/h.
    pub diffusion_um2_per_h: f64,
    /// First-order decay rate, 1/h.
    pub decay_per_h: f64,
    /// Boundary condition per face: `[axis][side]`.
    pub boundary: [[Boundary; 2]; 3],
    /// Initial uniform concentration.
    pub initial: f64,
    /// Transient or quasi-steady.
    pub kind: FieldKind,
}

impl FieldSpec {
    /// The canonical benchmark solutes: `n` transient fields with diffusion
    /// coefficients 1e4, 2e4, … µm²/h, decay 0.01/h, a Dirichlet lumen face,
    /// a no-flux outer face and periodic y and z; all start at 1. Used by
    /// `vcsim bench` and the criterion benches, so both time the same problem.
    pub fn benchmark_set(n: usize) -> Vec<FieldSpec> {
        (0..n)
            .map(|i| FieldSpec {
                name: format!("s{i}"),
                unit: "mM".into(),
                diffusion_um2_per_h: 1.0e4 * (i + 1) as f64,
                decay_per_h: 0.01,
                boundary: [
                    [Boundary::Dirichlet, Boundary::NoFlux],
                    [Boundary::Periodic; 2],
                    [Boundary::Periodic; 2],
                ],
                initial: 1.0,
                kind: FieldKind::Transient,
            })
            .collect()
    }
}

/// The values of every solute field, plus the Dirichlet values of their faces.
#[derive(Debug, Clone)]
pub struct FieldStore {
    specs: Vec<FieldSpec>,
    values: Vec<Vec<f32>>,
    dirichlet: Vec<[[f64; 2]; 3]>,
}

impl FieldStore {
    /// One field per spec, each filled with its initial value.
    pub fn new(specs: Vec<FieldSpec>, n_voxels: usize) -> Self {
        let values = specs
            .iter()
            .map(|s| vec![s.initial as f32; n_voxels])
            .collect();
        let dirichlet = specs
            .iter()
            .map(|s| [[f64::from(s.initial as f32); 2]; 3])
            .collect();
        Self {
            specs,
            values,
            dirichlet,
        }
    }

    /// Number of fields.
    pub fn len(&self) -> usize {
        self.specs.len()
    }

    /// True if there is no field.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// Specs in field order.
    pub fn specs(&self) -> &[FieldSpec] {
        &self.specs
    }

    /// Index of the field named `name`.
    pub fn index_of(&self, name: &str) -> Option<usize> {
        self.specs.iter().position(|s| s.name == name)
    }

    /// Values of field `f`.
    pub fn values(&self, f: usize) -> &[f32] {
        &self.values[f]
    }

    /// Mutable values of field `f`.
    pub fn values_mut(&mut self, f: usize) -> &mut [f32] {
        &mut self.values[f]
    }

    /// Mutable values of several distinct fields at once, or `None` if an
    /// index repeats or is out of range.
    pub fn many_mut<const N: usize>(&mut self, fields: [usize; N]) -> Option<[&mut [f32]; N]> {
        self.values
            .get_disjoint_mut(fields)
            .ok()
            .map(|vs| vs.map(|v| v.as_mut_slice()))
    }

    /// Mutable values of two distinct fields at once.
    ///
    /// # Panics
    /// If `a == b` (a programming error, never a user input).
    pub fn pair_mut(&mut self, a: usize, b: usize) -> (&mut [f32], &mut [f32]) {
        assert_ne!(a, b, "pair_mut needs two distinct fields");
        if a < b {
            let (lo, hi) = self.values.split_at_mut(b);
            (&mut lo[a], &mut hi[0])
        } else {
            let (lo, hi) = self.values.split_at_mut(a);
            (&mut hi[0], &mut lo[b])
        }
    }

    /// All value arrays, mutable, in field order.
    pub fn all_values_mut(&mut self) -> &mut [Vec<f32>] {
        &mut self.values
    }

    /// Sets the value held at a Dirichlet face of field `f` for the next solve.
    /// The value is rounded to the field's storage precision (f32), so that a
    /// field in equilibrium with its boundary exchanges nothing through it.
    pub fn set_dirichlet(&mut self, f: usize, face: Face, value: f64) {
        self.dirichlet[f][face.axis][face.side] = f64::from(value as f32);
    }

    /// Value held at a face of field `f`.
    pub fn dirichlet(&self, f: usize, face: Face) -> f64 {
        self.dirichlet[f][face.axis][face.side]
    }
}
