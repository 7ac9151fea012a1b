//! `extends`: a scenario that starts from another one and changes some keys.
//!
//! `extends = "ckd4"` starts from a built-in preset ([`crate::presets`]);
//! any other value is a file, read by the caller (relative to the scenario
//! file). The parent may extend another one. Tables merge key by key, the
//! child's value winning; anything else (numbers, strings, arrays such as
//! `[[treatments]]`) is replaced whole.

use crate::error::ConfigError;

/// How deep `extends` may chain.
const MAX_DEPTH: usize = 16;

/// Reads the file a scenario extends: `(name as written) → (origin, text)`.
pub type ReadParent<'a> = dyn FnMut(&str) -> Result<(String, String), String> + 'a;

/// The TOML table of `text` with its `extends` chain merged in.
pub(super) fn resolve(
    text: &str,
    origin: &str,
    read_file: &mut ReadParent<'_>,
) -> Result<toml::Table, ConfigError> {
    let mut chain = vec![origin.to_owned()];
    resolve_in(text, origin, read_file, &mut chain)
}

fn parse(text: &str, origin: &str) -> Result<toml::Table, ConfigError> {
    toml::from_str(text).map_err(|e| {
        ConfigError::one(format!(
            "{origin}: not valid TOML: {}",
            e.to_string().trim_end()
        ))
    })
}

fn resolve_in(
    text: &str,
    origin: &str,
    read_file: &mut ReadParent<'_>,
    chain: &mut Vec<String>,
) -> Result<toml::Table, ConfigError> {
    let mut table = parse(text, origin)?;
    let Some(parent) = table.remove("extends") else {
        return Ok(table);
    };
    let Some(name) = parent.as_str() else {
        return Err(ConfigError::one(format!(
            "{origin}: key 'extends': expected a preset name ({}) or a scenario file, found {parent}",
            preset_names()
        )));
    };
    let (parent_origin, parent_text) = match crate::presets::scenario(name) {
        Some(t) => (format!("preset '{name}'"), t.to_owned()),
        None if name.ends_with(".toml") || name.contains('/') => read_file(name)
            .map_err(|e| ConfigError::one(format!("{origin}: key 'extends': {e}")))?,
        None => {
            return Err(ConfigError::one(format!(
                "{origin}: key 'extends': no preset '{name}'; expected one of {} or a scenario file ending in .toml",
                preset_names()
            )));
        }
    };
    if chain.contains(&parent_origin) {
        chain.push(parent_origin);
        return Err(ConfigError::one(format!(
            "{origin}: key 'extends' goes round in a circle: {}",
            chain.join(" → ")
        )));
    }
    if chain.len() >= MAX_DEPTH {
        return Err(ConfigError::one(format!(
            "{origin}: key 'extends': more than {MAX_DEPTH} scenarios extend each other"
        )));
    }
    chain.push(parent_origin.clone());
    let mut base = resolve_in(&parent_text, &parent_origin, read_file, chain)?;
    merge(&mut base, table);
    Ok(base)
}

/// Merges `child` into `base`: tables key by key, other values replaced.
fn merge(base: &mut toml::Table, child: toml::Table) {
    for (k, v) in child {
        match (base.get_mut(&k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(c)) => merge(b, c),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

fn preset_names() -> String {
    crate::presets::SCENARIOS
        .iter()
        .map(|(n, _)| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scenario;

    fn no_files(name: &str) -> Result<(String, String), String> {
        Err(format!("no file '{name}' in this test"))
    }

    #[test]
    fn a_scenario_extending_a_preset_is_the_preset_with_its_changes() {
        let ckd4 =
            Scenario::from_toml(crate::presets::scenario("ckd4").expect("ckd4"), "ckd4", &[])
                .expect("valid");
        let child = Scenario::from_toml(
            "extends = \"ckd4\"\n[simulation]\nduration_days = 1095.0\n[[treatments]]\ndrug = \"sevelamer\"\ndose = 4.8\n",
            "child",
            &[],
        )
        .expect("valid");
        assert_eq!(child.geometry, ckd4.geometry);
        assert_eq!(child.patient, ckd4.patient);
        assert_eq!(child.simulation.duration_days, 1095.0);
        assert_eq!(child.simulation.dt_h, ckd4.simulation.dt_h);
        assert_eq!(child.treatments.len(), 1);
    }

    #[test]
    fn files_chain_and_circles_are_refused() {
        let mut files = |name: &str| -> Result<(String, String), String> {
            match name {
                "a.toml" => Ok(("a.toml".into(), "extends = \"b.toml\"\n".into())),
                "b.toml" => Ok(("b.toml".into(), "extends = \"a.toml\"\n".into())),
                "c.toml" => Ok((
                    "c.toml".into(),
                    "extends = \"ckd5d\"\n[geometry]\ndx_um = 10.0\n".into(),
                )),
                _ => no_files(name),
            }
        };
        let e = resolve("extends = \"a.toml\"\n", "top.toml", &mut files).expect_err("circle");
        assert!(e.to_string().contains("circle"), "{e}");
        let t = resolve(
            "extends = \"c.toml\"\n[geometry]\nlamellar_units = 3\n",
            "top.toml",
            &mut files,
        )
        .expect("chain");
        let g = t["geometry"].as_table().expect("table");
        assert_eq!(g["dx_um"].as_float(), Some(10.0));
        assert_eq!(g["lamellar_units"].as_integer(), Some(3));
        assert!(t.contains_key("dialysis"), "ckd5d's sections come along");
        let e = resolve("extends = \"ckd9\"\n", "top.toml", &mut files).expect_err("no preset");
        assert!(
            e.to_string().contains("no preset 'ckd9'") && e.to_string().contains("\"ckd4\""),
            "{e}"
        );
        let e = resolve("extends = 4\n", "top.toml", &mut files).expect_err("not a string");
        assert!(e.to_string().contains("key 'extends'"), "{e}");
    }
}
