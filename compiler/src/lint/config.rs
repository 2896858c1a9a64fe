//! Lint configuration: the `[lint]` table of `stackc.toml`, and the settings it resolves to.
//!
//! Selectors name rules by code (`STK302`), slug (`port-bound-all-interfaces`), code prefix
//! (`STK3`, `STK30`) or `ALL`. When several selectors match a rule, the most specific wins
//! (code or slug, then the longer prefix, then `ALL`); between `select` and `ignore` at the same
//! specificity, `ignore` wins.

use serde::Deserialize;

use super::support::image_ref::DEFAULT_FLOATING_TAGS;
use super::{Level, RULES, Rule};
use crate::diag::did_you_mean;
use crate::ir::Profile;

/// The `[lint]` table of `stackc.toml`, as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LintConfig {
    /// Rules to enable (default: every rule at its default level).
    #[serde(default)]
    pub select: Vec<String>,
    /// Rules to disable.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Level per selector: `off`, `info`, `warning` or `error`, in both profiles.
    #[serde(default)]
    pub severity: indexmap::IndexMap<String, String>,
    /// Options of individual rules.
    #[serde(default)]
    pub options: OptionsConfig,
}

/// `[lint.options]` as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionsConfig {
    /// Tags STK102 treats as floating (replaces the default list).
    #[serde(default)]
    pub floating_tags: Option<Vec<String>>,
    /// Registries images may come from (STK104; empty: the rule is inactive).
    #[serde(default)]
    pub allowed_registries: Vec<String>,
    /// `tag` (default) or `digest`: with `digest`, STK103 requires `@sha256:` pins.
    #[serde(default)]
    pub pinning: Option<String>,
    /// Whether message brokers (rabbitmq, nats, kafka) count as databases (default true).
    #[serde(default)]
    pub brokers_are_databases: Option<bool>,
}

/// How strictly images must be pinned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pinning {
    /// A release tag is enough.
    Tag,
    /// A content digest is required.
    Digest,
}

/// Options the rules read.
#[derive(Clone, Debug)]
pub struct RuleOptions {
    pub floating_tags: Vec<String>,
    pub allowed_registries: Vec<String>,
    pub pinning: Pinning,
    pub brokers_are_databases: bool,
}

impl Default for RuleOptions {
    fn default() -> Self {
        Self {
            floating_tags: DEFAULT_FLOATING_TAGS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            allowed_registries: Vec::new(),
            pinning: Pinning::Tag,
            brokers_are_databases: true,
        }
    }
}

/// A parsed selector.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Selector {
    All,
    /// A code prefix such as `STK3`.
    Prefix(String),
    /// One rule, by index into [`RULES`].
    Rule(usize),
}

impl Selector {
    fn parse(word: &str) -> Result<Selector, String> {
        let w = word.trim();
        if w.eq_ignore_ascii_case("ALL") {
            return Ok(Selector::All);
        }
        if let Some(i) = RULES
            .iter()
            .position(|r| r.code.eq_ignore_ascii_case(w) || r.slug == w)
        {
            return Ok(Selector::Rule(i));
        }
        let upper = w.to_ascii_uppercase();
        if upper.len() >= 4
            && upper.starts_with("STK")
            && upper[3..].bytes().all(|b| b.is_ascii_digit())
            && RULES.iter().any(|r| r.code.starts_with(&upper))
        {
            return Ok(Selector::Prefix(upper));
        }
        let candidates = RULES.iter().flat_map(|r| [r.code, r.slug]);
        Err(match did_you_mean(w, candidates) {
            Some(c) => format!("unknown lint rule `{w}`: did you mean `{c}`?"),
            None => format!(
                "unknown lint rule `{w}`: name a rule by code (`STK302`), slug, code prefix (`STK3`) or `ALL`"
            ),
        })
    }
    /// How specific the selector is for `rule`, or `None` when it does not match.
    fn specificity(&self, index: usize, rule: &Rule) -> Option<usize> {
        match self {
            Selector::All => Some(0),
            Selector::Prefix(p) => rule.code.starts_with(p.as_str()).then_some(p.len()),
            Selector::Rule(i) => (*i == index).then_some(usize::MAX),
        }
    }
}

/// Resolved settings: for each rule whether it runs and at what level.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Indexed like [`RULES`].
    enabled: Vec<bool>,
    /// Explicit level per rule from `[lint.severity]` or an exact `select`.
    overrides: Vec<Option<Level>>,
    pub options: RuleOptions,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            enabled: vec![true; RULES.len()],
            overrides: vec![None; RULES.len()],
            options: RuleOptions::default(),
        }
    }
}

impl Settings {
    /// Resolves a configuration; every unknown selector, level or option value is reported.
    pub fn from_config(config: &LintConfig) -> Result<Settings, Vec<String>> {
        let mut errors = Vec::new();
        let mut parse_all = |words: &[String]| -> Vec<Selector> {
            words
                .iter()
                .filter_map(|w| Selector::parse(w).map_err(|e| errors.push(e)).ok())
                .collect()
        };
        let select = parse_all(&config.select);
        let ignore = parse_all(&config.ignore);
        let mut severity = Vec::new();
        for (k, v) in &config.severity {
            let sel = Selector::parse(k).map_err(|e| errors.push(e)).ok();
            let level = Level::parse(v.trim());
            if level.is_none() {
                errors.push(format!("unknown level `{v}` for `{k}` in `[lint.severity]`: use `off`, `info`, `warning` or `error`"));
            }
            if let (Some(s), Some(l)) = (sel, level) {
                severity.push((s, l));
            }
        }
        let mut options = RuleOptions::default();
        if let Some(tags) = &config.options.floating_tags {
            options.floating_tags = tags.clone();
        }
        options.allowed_registries = config.options.allowed_registries.clone();
        match config.options.pinning.as_deref() {
            None | Some("tag") => {}
            Some("digest") => options.pinning = Pinning::Digest,
            Some(other) => errors.push(format!(
                "unknown pinning policy `{other}` in `[lint.options]`: use `tag` or `digest`"
            )),
        }
        if let Some(b) = config.options.brokers_are_databases {
            options.brokers_are_databases = b;
        }
        if !errors.is_empty() {
            return Err(errors);
        }

        let mut settings = Settings {
            options,
            ..Settings::default()
        };
        for (i, rule) in RULES.iter().enumerate() {
            let best = |sels: &[Selector]| sels.iter().filter_map(|s| s.specificity(i, rule)).max();
            let (sel, ign) = (best(&select), best(&ignore));
            settings.enabled[i] = match (select.is_empty(), sel, ign) {
                (_, _, Some(n)) if sel.is_none_or(|s| s <= n) => false,
                (true, _, _) => true,
                (false, s, _) => s.is_some(),
            };
            // An exact `select` turns on a rule that is off by default.
            if sel == Some(usize::MAX)
                && rule.meta.dev == Level::Off
                && rule.meta.prod == Level::Off
            {
                settings.overrides[i] = Some(Level::Info);
            }
            let mut best_level: Option<(usize, Level)> = None;
            for (s, l) in &severity {
                if let Some(n) = s.specificity(i, rule)
                    && best_level.is_none_or(|(m, _)| n >= m)
                {
                    best_level = Some((n, *l));
                }
            }
            if let Some((_, l)) = best_level {
                settings.overrides[i] = Some(l);
            }
        }
        Ok(settings)
    }

    /// Settings that run only the rule at `index` (tests, `explain` examples).
    pub fn only(index: usize) -> Settings {
        let mut s = Settings {
            enabled: vec![false; RULES.len()],
            ..Settings::default()
        };
        s.enabled[index] = true;
        s
    }

    /// The level of rule `index` in `profile`.
    pub fn level(&self, index: usize, profile: Profile) -> Level {
        if !self.enabled[index] {
            return Level::Off;
        }
        self.overrides[index].unwrap_or_else(|| RULES[index].default_level(profile))
    }

    /// Whether the configuration fixed the rule's level (the rule's per-finding choice then
    /// yields).
    pub fn has_override(&self, index: usize) -> bool {
        self.overrides[index].is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(code: &str) -> usize {
        RULES.iter().position(|r| r.code == code).unwrap()
    }

    fn config(select: &[&str], ignore: &[&str], severity: &[(&str, &str)]) -> LintConfig {
        LintConfig {
            select: select.iter().map(|s| s.to_string()).collect(),
            ignore: ignore.iter().map(|s| s.to_string()).collect(),
            severity: severity
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            options: OptionsConfig::default(),
        }
    }

    #[test]
    fn default_settings_use_each_rules_profile_level() {
        let s = Settings::default();
        assert_eq!(s.level(index("STK301"), Profile::Dev), Level::Warning);
        assert_eq!(s.level(index("STK301"), Profile::Prod), Level::Error);
        assert_eq!(s.level(index("STK104"), Profile::Dev), Level::Warning);
    }

    #[test]
    fn select_by_prefix_and_ignore_by_slug() {
        let s =
            Settings::from_config(&config(&["STK3"], &["port-bound-all-interfaces"], &[])).unwrap();
        assert_eq!(s.level(index("STK301"), Profile::Prod), Level::Error);
        assert_eq!(s.level(index("STK302"), Profile::Dev), Level::Off);
        assert_eq!(s.level(index("STK101"), Profile::Dev), Level::Off);
    }

    #[test]
    fn more_specific_select_beats_broader_ignore() {
        let s = Settings::from_config(&config(&["STK302"], &["STK3"], &[])).unwrap();
        assert_eq!(s.level(index("STK302"), Profile::Dev), Level::Warning);
        assert_eq!(s.level(index("STK301"), Profile::Dev), Level::Off);
        assert_eq!(s.level(index("STK101"), Profile::Dev), Level::Off);
    }

    #[test]
    fn ignore_wins_at_equal_specificity() {
        let s = Settings::from_config(&config(&["STK3"], &["STK3"], &[])).unwrap();
        assert_eq!(s.level(index("STK301"), Profile::Dev), Level::Off);
    }

    #[test]
    fn severity_by_code_slug_and_prefix_most_specific_wins() {
        let s = Settings::from_config(&config(
            &[],
            &[],
            &[
                ("STK3", "info"),
                ("STK302", "error"),
                ("image-untagged", "warning"),
            ],
        ))
        .unwrap();
        assert_eq!(s.level(index("STK302"), Profile::Dev), Level::Error);
        assert_eq!(s.level(index("STK301"), Profile::Prod), Level::Info);
        assert_eq!(s.level(index("STK101"), Profile::Prod), Level::Warning);
        assert!(s.has_override(index("STK301")));
        assert!(!s.has_override(index("STK201")));
    }

    #[test]
    fn unknown_selectors_and_levels_are_reported_with_suggestions() {
        let e = Settings::from_config(&config(
            &["STK3O2"],
            &["image-untaged"],
            &[("STK101", "fatal")],
        ))
        .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].contains("`STK3O2`"), "{}", e[0]);
        assert!(e[1].contains("did you mean `image-untagged`?"), "{}", e[1]);
        assert!(e[2].contains("unknown level `fatal`"), "{}", e[2]);
    }

    #[test]
    fn prefix_must_match_a_rule() {
        assert!(Selector::parse("STK0").is_err());
        assert_eq!(Selector::parse("stk1"), Ok(Selector::Prefix("STK1".into())));
        assert_eq!(Selector::parse("all"), Ok(Selector::All));
    }
}
