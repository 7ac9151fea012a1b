//! Property tests: no config text and no `--set` value makes loading, building
//! or stepping a scenario panic. Every failure must be a `ConfigError` or a
//! `BuildError` with a message.

use proptest::prelude::*;
use vcsim_rules::scenario::params::all_meta;
use vcsim_rules::{Override, Scenario, Simulation};

/// Values that probe types, signs, limits and non-finite numbers.
fn value_text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("0".to_string()),
        Just("-1".to_string()),
        Just("1e308".to_string()),
        Just("-1e-308".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("-inf".to_string()),
        Just("true".to_string()),
        Just("\"text\"".to_string()),
        Just("[1, 2]".to_string()),
        Just("{ a = 1 }".to_string()),
        Just("18446744073709551615".to_string()),
        Just("9223372036854775807".to_string()),
        Just("".to_string()),
        Just("=".to_string()),
        (-1.0e3..1.0e3f64).prop_map(|v| v.to_string()),
        (0u64..10).prop_map(|v| v.to_string()),
        "[a-z0-9_.\"\\[\\]{}= -]{0,12}",
    ]
}

/// Keys: real ones (so values reach validation), real sections with wrong keys, and noise.
fn key_text() -> impl Strategy<Value = String> {
    let real: Vec<String> = all_meta()
        .iter()
        .map(|m| format!("{}.{}", m.section, m.key))
        .collect();
    prop_oneof![
        4 => proptest::sample::select(real),
        1 => Just("name".to_string()),
        1 => Just("boundary.outer".to_string()),
        1 => "[a-z_]{1,8}(\\.[a-z_]{1,8}){0,3}",
        1 => "[^=]{0,10}",
    ]
}

/// Loads, and when valid and small enough, builds and takes two steps.
fn exercise(text: &str, sets: &[String]) {
    let overrides: Result<Vec<Override>, _> = sets.iter().map(|s| Override::parse(s)).collect();
    let Ok(overrides) = overrides else { return };
    let Ok(s) = Scenario::from_toml(text, "fuzz", &overrides) else {
        return;
    };
    if s.estimated_voxels() > 2.0e4 {
        return; // valid but too big to build in a test
    }
    if let Ok(mut sim) = Simulation::new(&s) {
        sim.step();
        sim.step();
        let _ = sim
            .world
            .summary(s.mineral.calcified_fraction)
            .check_finite();
    }
}

const SMALL: &str = "[geometry]\nlamellar_units = 2\ncircumference_um = 50.0\naxial_um = 30.0\n";

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn overrides_never_panic(sets in proptest::collection::vec((key_text(), value_text()), 0..4)) {
        let sets: Vec<String> = sets.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
        exercise(SMALL, &sets);
    }

    #[test]
    fn config_text_never_panics(text in "(\\[[a-z._]{0,12}\\]\n|[a-z_]{0,14} = [-+0-9.e\"a-z\\[\\]{}]{0,10}\n|[^\n]{0,20}\n){0,8}") {
        exercise(&text, &[]);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(text) = String::from_utf8(bytes) {
            exercise(&text, &[]);
        }
    }

    #[test]
    fn set_lines_never_panic(line in "[^\n]{0,30}") {
        exercise(SMALL, &[line]);
    }
}

#[test]
fn every_parameter_out_of_range_is_rejected_by_name() {
    for m in all_meta() {
        for bad in [m.min - 1.0, m.max * 2.0 + 1.0] {
            if !bad.is_finite() {
                continue;
            }
            let key = format!("{}.{}", m.section, m.key);
            let Ok(o) = Override::parse(&format!("{key}={bad:?}")) else {
                continue;
            };
            match Scenario::from_toml("", "t", &[o]) {
                Ok(_) => panic!("{key} = {bad} accepted (range {} to {})", m.min, m.max),
                Err(e) => assert!(e.to_string().contains(&key), "{key}: {e}"),
            }
        }
    }
}
