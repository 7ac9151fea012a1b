//! The files of `configs/` built into the library, so that an installed
//! `vcsim` runs the presets, the validation suite and the benchmarks from
//! any directory: `vcsim preset list`, `extends = "ckd4"` in a scenario,
//! `vcsim validate`, `vcsim bench`. A test keeps every list equal to the
//! files in the repository.

/// Scenario presets (`configs/<name>.toml`), by name.
pub const SCENARIOS: &[(&str, &str)] = &[
    ("healthy", include_str!("../../../configs/healthy.toml")),
    ("ckd3", include_str!("../../../configs/ckd3.toml")),
    ("ckd4", include_str!("../../../configs/ckd4.toml")),
    ("ckd5", include_str!("../../../configs/ckd5.toml")),
    ("ckd5d", include_str!("../../../configs/ckd5d.toml")),
    ("smoke", include_str!("../../../configs/smoke.toml")),
];

/// The validation experiments (`configs/experiments/<name>.toml`), in suite order.
pub const EXPERIMENTS: &[(&str, &str)] = &[
    (
        "1_pi_dose_response",
        include_str!("../../../configs/experiments/1_pi_dose_response.toml"),
    ),
    (
        "2_ca_pi_synergy",
        include_str!("../../../configs/experiments/2_ca_pi_synergy.toml"),
    ),
    (
        "3_oxidative_stress",
        include_str!("../../../configs/experiments/3_oxidative_stress.toml"),
    ),
    (
        "3b_tempol_uremic",
        include_str!("../../../configs/experiments/3b_tempol_uremic.toml"),
    ),
    (
        "4_fetuin_a",
        include_str!("../../../configs/experiments/4_fetuin_a.toml"),
    ),
    (
        "4b_fetuin_in_vitro",
        include_str!("../../../configs/experiments/4b_fetuin_in_vitro.toml"),
    ),
    (
        "5_ppi_tnap",
        include_str!("../../../configs/experiments/5_ppi_tnap.toml"),
    ),
    (
        "6_magnesium",
        include_str!("../../../configs/experiments/6_magnesium.toml"),
    ),
    (
        "7_opg",
        include_str!("../../../configs/experiments/7_opg.toml"),
    ),
    (
        "8_extra_claims",
        include_str!("../../../configs/experiments/8_extra_claims.toml"),
    ),
    (
        "9_laminae",
        include_str!("../../../configs/experiments/9_laminae.toml"),
    ),
    (
        "10_interventions",
        include_str!("../../../configs/experiments/10_interventions.toml"),
    ),
];

/// The benchmark problems (`configs/bench/<name>.toml`).
pub const BENCH: &[(&str, &str)] = &[
    (
        "diffusion2d",
        include_str!("../../../configs/bench/diffusion2d.toml"),
    ),
    (
        "diffusion3d",
        include_str!("../../../configs/bench/diffusion3d.toml"),
    ),
    (
        "tissue2d",
        include_str!("../../../configs/bench/tissue2d.toml"),
    ),
    (
        "tissue3d",
        include_str!("../../../configs/bench/tissue3d.toml"),
    ),
];

/// The text of scenario preset `name`, if there is one.
pub fn scenario(name: &str) -> Option<&'static str> {
    SCENARIOS.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// The first paragraph of a preset's leading comment, without the `#`: what it is.
pub fn describe(text: &str) -> String {
    text.lines()
        .take_while(|l| l.starts_with('#') && l.trim() != "#")
        .map(|l| l.trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// Every `.toml` of a configs directory is built in, with the same text.
    fn same_as_files(dir: &str, list: &[(&str, &str)]) {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../configs")
            .join(dir);
        let mut files: Vec<String> = std::fs::read_dir(&dir)
            .expect("configs dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
            .collect();
        files.sort();
        let mut built: Vec<String> = list.iter().map(|(n, _)| n.to_string()).collect();
        built.sort();
        assert_eq!(
            files,
            built,
            "configs/{} and the built-in list differ",
            dir.display()
        );
        for (n, text) in list {
            let on_disk = std::fs::read_to_string(dir.join(format!("{n}.toml"))).expect("read");
            assert_eq!(&on_disk, text, "{n}");
        }
    }

    #[test]
    fn built_in_configs_are_the_repository_files() {
        same_as_files("", SCENARIOS);
        same_as_files("experiments", EXPERIMENTS);
        same_as_files("bench", BENCH);
    }

    #[test]
    fn every_preset_is_a_valid_scenario() {
        for (n, text) in SCENARIOS {
            crate::Scenario::from_toml(text, n, &[]).expect("valid preset");
            assert!(!describe(text).is_empty(), "{n} says what it is");
        }
    }
}
