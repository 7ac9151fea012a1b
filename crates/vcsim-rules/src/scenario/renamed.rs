//! Keys that were renamed: a scenario (or `--set`) that still uses an old
//! name gets an error naming the old key and its new name, instead of the
//! generic "unknown field" with the whole list of a section's keys.

use crate::error::ConfigError;

use super::Override;

/// `(old key path, new key path, why)`. The value keeps its meaning and its
/// number under the new name.
pub const RENAMED: &[(&str, &str, &str)] = &[
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
    if problems.is_empty() {
        Ok(())
    } else {
        Err(ConfigError { problems })
    }
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
