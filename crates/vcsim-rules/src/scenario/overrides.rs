//! `--set key.path=value` overrides and TOML parsing whose errors name the key path.

use crate::error::ConfigError;

/// One `--set key.path=value` override.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    /// Dotted key path, e.g. `serum.phosphate_mM`.
    pub path: Vec<String>,
    /// The value, parsed as a TOML value (a bare word that is not valid TOML is taken as a string).
    pub value: toml::Value,
    /// The text as given, for messages.
    pub text: String,
}

impl Override {
    /// Parses `a.b.c=value`.
    pub fn parse(text: &str) -> Result<Self, ConfigError> {
        let Some((key, value)) = text.split_once('=') else {
            return Err(ConfigError::one(format!(
                "--set '{text}': expected KEY=VALUE, e.g. serum.phosphate_mM=1.8"
            )));
        };
        let key = key.trim();
        let path: Vec<String> = key.split('.').map(|s| s.trim().to_string()).collect();
        if path.iter().any(|s| s.is_empty()) {
            return Err(ConfigError::one(format!(
                "--set '{text}': the key '{key}' has an empty part; expected a dotted path such as cells.pi_hill"
            )));
        }
        let value_text = value.trim();
        let value = match toml::from_str::<toml::Table>(&format!("v = {value_text}")) {
            Ok(mut t) => t
                .remove("v")
                .unwrap_or_else(|| toml::Value::String(value_text.into())),
            Err(_) => toml::Value::String(value_text.to_string()),
        };
        Ok(Self {
            path,
            value,
            text: text.to_string(),
        })
    }

    pub(super) fn apply(&self, table: &mut toml::Table) -> Result<(), ConfigError> {
        let mut cur = table;
        let (last, parents) = self
            .path
            .split_last()
            .ok_or_else(|| ConfigError::one(format!("--set '{}': empty key", self.text)))?;
        for (depth, part) in parents.iter().enumerate() {
            let entry = cur
                .entry(part.clone())
                .or_insert_with(|| toml::Value::Table(toml::Table::new()));
            match entry {
                toml::Value::Table(t) => cur = t,
                _ => {
                    return Err(ConfigError::one(format!(
                        "--set '{}': '{}' is a value, not a section",
                        self.text,
                        self.path[..=depth].join(".")
                    )));
                }
            }
        }
        cur.insert(last.clone(), self.value.clone());
        Ok(())
    }
}

/// Deserializes TOML text into `T`; an error names `origin` and the key path
/// (for files other than scenarios: experiments, sweeps).
pub fn parse_toml<T: serde::de::DeserializeOwned>(
    text: &str,
    origin: &str,
) -> Result<T, ConfigError> {
    // Through a table, so that errors say "unknown field ..., expected one
    // of ..." rather than pointing at a line.
    let table: toml::Table = toml::from_str(text).map_err(|err| {
        ConfigError::one(format!(
            "{origin}: not valid TOML: {}",
            err.to_string().trim_end()
        ))
    })?;
    serde_path_to_error::deserialize(table).map_err(|err| {
        ConfigError::one(format!(
            "{origin}: key '{}': {}",
            err.path(),
            err.inner().to_string().lines().next().unwrap_or("")
        ))
    })
}
