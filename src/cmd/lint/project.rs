//! `stackc.toml`: the project configuration, found upward from each spec (or given with
//! `--config`). Only its `[lint]` table exists so far.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use stackc_compiler::lint::{LintConfig, Settings};

/// Name of the project configuration file.
pub const CONFIG_FILE: &str = "stackc.toml";

/// `stackc.toml` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProjectFile {
    #[serde(default)]
    lint: LintConfig,
}

/// Settings per configuration file, each file read once.
#[derive(Default)]
pub struct ProjectConfigs {
    /// `--config`: used for every spec.
    explicit: Option<Settings>,
    /// By file path (`None`: no file found, defaults).
    cache: HashMap<Option<PathBuf>, Settings>,
}

impl ProjectConfigs {
    /// Uses `file` for every spec.
    pub fn explicit(file: &Path) -> Result<Self, String> {
        Ok(Self {
            explicit: Some(load(file)?),
            cache: HashMap::new(),
        })
    }

    /// The settings for a spec: `--config`, else the nearest `stackc.toml` in the spec's
    /// directory or above, else the defaults.
    pub fn for_spec(&mut self, spec: &Path) -> Result<Settings, String> {
        if let Some(s) = &self.explicit {
            return Ok(s.clone());
        }
        let file = find_upward(spec);
        if let Some(s) = self.cache.get(&file) {
            return Ok(s.clone());
        }
        let settings = match &file {
            Some(f) => load(f)?,
            None => Settings::default(),
        };
        self.cache.insert(file, settings.clone());
        Ok(settings)
    }
}

/// The nearest `stackc.toml` in the spec's directory or one of its parents.
pub fn find_upward(spec: &Path) -> Option<PathBuf> {
    let start = spec.canonicalize().ok()?;
    let mut dir = start.parent();
    while let Some(d) = dir {
        let candidate = d.join(CONFIG_FILE);
        if candidate.is_file() {
            return Some(candidate);
        }
        dir = d.parent();
    }
    None
}

/// Reads and resolves one configuration file.
pub fn load(file: &Path) -> Result<Settings, String> {
    let text = read_config(file)?;
    parse(&text).map_err(|e| format!("invalid `{}`: {e}", file.display()))
}

/// The text of a configuration file, through the confined reader: a regular file (a symlink
/// may not lead out of its folder; never a FIFO, a device or a `/proc` file) of at most 1 MiB.
fn read_config(file: &Path) -> Result<String, String> {
    use stackc_compiler::load::{Refusal, canonical_root, read_confined};
    let dir = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let bytes = read_confined(&canonical_root(dir), file, 1 << 20).map_err(|r| {
        let why = match r {
            Refusal::Missing(e) | Refusal::Io(e) => e.to_string(),
            Refusal::Outside(_) => "it resolves outside its folder (a symlink leading out)".into(),
            Refusal::NotRegular(kind) => format!("it is {kind}, not a regular file"),
            Refusal::TooLarge(limit) => format!("it is over the {limit}-byte limit"),
        };
        format!("cannot read `{}`: {why}", file.display())
    })?;
    String::from_utf8(bytes).map_err(|_| format!("`{}` is not valid UTF-8", file.display()))
}

/// Parses the text of a configuration file.
pub fn parse(text: &str) -> Result<Settings, String> {
    let p: ProjectFile = toml::from_str(text).map_err(|e| e.to_string().trim_end().to_string())?;
    Settings::from_config(&p.lint).map_err(|errors| errors.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use stackc_compiler::ir::Profile;
    use stackc_compiler::lint::{Level, RULES};

    fn level(s: &Settings, code: &str) -> Level {
        s.level(
            RULES.iter().position(|r| r.code == code).unwrap(),
            Profile::Dev,
        )
    }

    #[test]
    fn a_full_lint_table_parses() {
        let s = parse(
            r#"
            [lint]
            select = ["ALL"]
            ignore = ["STK9", "image-moved"]
            [lint.severity]
            STK302 = "error"
            [lint.options]
            allowed_registries = ["ghcr.io/acme"]
            pinning = "digest"
            "#,
        )
        .unwrap();
        assert_eq!(level(&s, "STK302"), Level::Error);
        assert_eq!(level(&s, "STK901"), Level::Off);
        assert_eq!(level(&s, "STK106"), Level::Off);
        assert_eq!(
            s.options.allowed_registries,
            vec!["ghcr.io/acme".to_string()]
        );
    }

    #[test]
    fn unknown_keys_and_rules_are_errors() {
        let e = parse("[lint]\nselct = [\"STK1\"]\n").unwrap_err();
        assert!(e.contains("unknown field `selct`"), "{e}");
        let e = parse("[lint]\nignore = [\"STK3O2\"]\n").unwrap_err();
        assert!(e.contains("unknown lint rule `STK3O2`"), "{e}");
        let e = parse("[lnt]\n").unwrap_err();
        assert!(e.contains("unknown field `lnt`"), "{e}");
    }
}
