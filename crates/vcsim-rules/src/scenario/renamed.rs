//! Keys that were renamed: a scenario (or `--set`) that still uses an old
//! name gets an error naming the old key and its new name, instead of the
//! generic "unknown field" with the whole list of a section's keys.

use crate::error::ConfigError;

use super::Override;

/// `(old key path, new key path, why)`. Unless `why` says otherwise, the
/// value keeps its meaning and its number under the new name.
pub const RENAMED: &[(&str, &str, &str)] = &[
    (
        "mineral.spread_nucleation_per_h",
        "mineral.front_fraction",
        "mineral no longer nucleates next to mineral: it grows into its neighbours as a front at the growth velocity (mineral.growth_um_per_mM2_h); front_fraction is how full a neighbour must be",
    ),
    (
        "mineral.spread_min_fraction",
        "mineral.front_fraction",
        "a neighbour at least this full is a growth front",
    ),
    (
        "mineral.nucleus_fraction",
        "mineral.nucleus_um3",
        "a nucleus is a physical volume now (µm³; 0.001 of a 5 µm voxel is 0.125 µm³)",
    ),
    (
        "mineral.lamina_nucleation_per_h",
        "mineral.lamina_nucleation_per_um3_h",
        "lamina nucleation is per µm³ of lamina now (4e-3/h per 5 µm voxel is 3.2e-5)",
    ),
    (
        "mineral.growth_per_mM2_h",
        "mineral.growth_um_per_mM2_h",
        "growth is a surface velocity now, µm/(mM²·h) (1.5e-4 on the fraction of a 5 µm voxel is 1.55e-4)",
    ),
    (
        "patient.inhibitors.t50_fetuin_half_g_per_L",
        "mineral.cpp_half_g_per_L",
        "T50 uses the tissue's calciprotein particles (one description)",
    ),
    ("cells.ros_basal_uM", "cells.ros_basal_nM", ROS_IN_NM),
    (
        "cells.ros_toxin_max_uM",
        "cells.ros_toxin_max_nM",
        ROS_IN_NM,
    ),
    ("cells.ros_half_max_uM", "cells.ros_half_max_nM", ROS_IN_NM),
    (
        "mineral.vesicle_ros_half_uM",
        "mineral.vesicle_ros_half_nM",
        ROS_IN_NM,
    ),
];

const ROS_IN_NM: &str =
    "ROS is a tissue H2O2 level in nM (physiological ~1–100 nM); give the same number";

/// One message per old key present in `table` (after `extends` and the
/// overrides are applied), naming the `--set` that brought it in if any.
pub(super) fn check(
    table: &toml::Table,
    origin: &str,
    overrides: &[Override],
) -> Result<(), ConfigError> {
    let mut problems = Vec::new();
    for (old, new, why) in RENAMED {
        let path: Vec<&str> = old.split('.').collect();
        let (last, parents) = path.split_last().expect("a key path");
        let mut cur = Some(table);
        for part in parents {
            cur = cur.and_then(|t| t.get(*part)).and_then(|v| v.as_table());
        }
        if cur.is_some_and(|t| t.contains_key(*last)) {
            let from_set = overrides
                .iter()
                .find(|o| o.path.join(".") == *old)
                .map(|o| format!(" (from --set {})", o.text))
                .unwrap_or_default();
            problems.push(format!(
                "{origin}: key '{old}' was renamed to '{new}'{from_set}: {why}"
            ));
        }
    }
    ConfigError::unless_any(problems)
}

#[cfg(test)]
mod tests {
    use super::RENAMED;
    use crate::scenario::params::all_meta;

    /// Every new name is a declared parameter and no old one is.
    #[test]
    fn renamed_keys_point_from_undeclared_to_declared_parameters() {
        let declared: Vec<String> = all_meta()
            .iter()
            .map(|m| format!("{}.{}", m.section, m.key))
            .collect();
        for (old, new, _) in RENAMED {
            assert!(declared.iter().any(|k| k == new), "{new} is not declared");
            assert!(
                !declared.iter().any(|k| k == old),
                "{old} is still declared"
            );
        }
    }
}
