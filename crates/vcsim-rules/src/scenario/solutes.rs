//! The solute set: one row per solute, from which its field index, its name
//! and unit in the output, its `[solutes.<name>]` parameter group, its
//! validation and its snapshot column follow.
//!
//! Adding a solute is one row here, its transport group in
//! [`super::params`] (`solute_group!`: diffusion, decay, partition with
//! sources), what the environment supplies at the lumen
//! (`sim::build::supply_from`) and its biology (ARCHITECTURE.md has the recipe).

use super::params::{
    CalciumTransport, FetuinTransport, MagnesiumTransport, OpgTransport, ParamMeta,
    PhosphateTransport, PpiTransport, RanklTransport, RosTransport,
};
use serde::{Deserialize, Serialize};
use vcsim_core::FieldKind;

/// Declares the solute set. See the module docs.
macro_rules! solutes {
    ($(
        #[doc = $doc:literal]
        $index:ident = $i:literal, $key:ident: $group:ident, unit = $unit:literal, kind = $kind:ident;
    )*) => {
        $(
            #[doc = concat!("Field index of ", $doc, " (", $unit, ").")]
            pub const $index: usize = $i;
        )*

        /// Number of solutes.
        pub const N_SOLUTES: usize = [$($i),*].len();

        /// Names and units of the solutes, index order (the `/fields` names).
        pub const FIELDS: [(&str, &str); N_SOLUTES] = [$( (stringify!($key), $unit), )*];

        /// How each solute is solved, index order.
        pub const FIELD_KINDS: [FieldKind; N_SOLUTES] = [$( FieldKind::$kind, )*];

        /// Transport of every solute (`[solutes.*]`).
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
        #[serde(deny_unknown_fields, default)]
        pub struct SolutesParams {
            $(
                #[doc = concat!("`[solutes.", stringify!($key), "]`")]
                pub $key: $group,
            )*
        }

        impl SolutesParams {
            /// Diffusion coefficient (µm²/h) and decay rate (1/h) of solute `f`.
            pub fn transport(&self, f: usize) -> (f64, f64) {
                match f {
                    $( $i => (self.$key.diffusion_um2_per_h, self.$key.decay_per_h), )*
                    _ => panic!("no solute {f}"),
                }
            }

            /// Metadata of every solute's parameters, index order.
            pub fn meta() -> Vec<ParamMeta> {
                let mut v = Vec::new();
                $( v.extend($group::meta()); )*
                v
            }

            /// Appends one message per out-of-range value.
            pub fn validate(&self, errors: &mut Vec<String>) {
                $( self.$key.validate(errors); )*
            }
        }

        // The row index is the position in the table.
        const _: () = {
            let mut k = 0;
            $( assert!($i == k, "solute rows must be numbered 0, 1, 2, … in order"); k += 1; )*
            let _ = k;
        };
    };
}

solutes! {
    /// phosphate
    PHOSPHATE = 0, phosphate: PhosphateTransport, unit = "mM", kind = Transient;
    /// ionized calcium
    CALCIUM = 1, calcium: CalciumTransport, unit = "mM", kind = Transient;
    /// magnesium
    MAGNESIUM = 2, magnesium: MagnesiumTransport, unit = "mM", kind = Transient;
    /// pyrophosphate
    PPI = 3, ppi: PpiTransport, unit = "µM", kind = Transient;
    /// fetuin-A
    FETUIN_A = 4, fetuin_a: FetuinTransport, unit = "g/L", kind = Transient;
    /// ROS, as H2O2 (quasi-steady)
    ROS = 5, ros: RosTransport, unit = "nM", kind = QuasiSteady;
    /// total RANKL
    RANKL = 6, rankl: RanklTransport, unit = "pM", kind = Transient;
    /// total OPG
    OPG = 7, opg: OpgTransport, unit = "pM", kind = Transient;
}
