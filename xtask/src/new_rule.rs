//! `cargo xtask new-rule CODE slug`: scaffolds a lint rule: the rule file (doc comment sections,
//! metadata, message constructor, check, empty cases), its `pub mod` line and its registry row.
//! The meta-test fails until the doc and the pass and fail cases are written.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const RULES_DIR: &str = "compiler/src/lint/rules";
const REGISTRY: &str = "compiler/src/lint/registry.rs";
const MARKER: &str = "// cargo xtask new-rule inserts above this line";

const TEMPLATE: &str = r#"//! TODO: one line naming the pattern this rule flags.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// TODO: what the rule flags, precisely (which fields, which values, what is exempt).
    ///
    /// ## Why is this bad?
    /// TODO: what goes wrong, and in which generated artefacts.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:1.0.0
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:1.0.0
    /// ```
    pub struct __STRUCT__;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "todo: the pattern, lowercase, without a trailing period",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Compose, Backend::Systemd, Backend::Kubernetes],
    tags: &["todo"],
    requires: None,
};

impl __STRUCT__ {
    // TODO: remove the allow once `check` reports through this constructor.
    #[allow(dead_code)]
    fn found(svc: &Service, span: Span) -> Violation {
        Violation::new(format!("TODO: what is wrong with `{}`", svc.name.value), span, "TODO: short label")
            .help("TODO: what to do instead")
    }
}

/// Reports TODO.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        // TODO: out.push(__STRUCT__::found(svc, SPAN).in_service(id, "PATH"));
        let _ = (id, svc, &out);
    }
}

/// Pass and fail cases: spec snippets and the exact `line:col severity` of each finding.
pub const CASES: &[Case] = &[
    // Case::pass("what makes it fine", "\n        stack: t\n        services:\n          ...\n        "),
    // Case::fail("what makes it wrong", "...", &["3:15 warning"]),
];
"#;

fn is_code(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 6
        && s.starts_with("STK")
        && (b'1'..=b'9').contains(&b[3])
        && b[4].is_ascii_digit()
        && b[5].is_ascii_digit()
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|c| c.is_ascii_lowercase() || c == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// `image-floating-tag` → `ImageFloatingTag`.
fn struct_name(slug: &str) -> String {
    slug.split('-')
        .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
        .collect()
}

/// Writes the rule file and inserts its module and registry lines under `root`; returns the
/// files written or changed.
pub fn scaffold(root: &Path, code: &str, slug: &str) -> Result<Vec<PathBuf>, String> {
    if !is_code(code) {
        return Err(format!(
            "`{code}` is not a rule code: `STK` + group digit 1-9 + two digits, e.g. `STK305`"
        ));
    }
    if !is_slug(slug) {
        return Err(format!(
            "`{slug}` is not a slug: lowercase words joined by `-`, naming the pattern flagged"
        ));
    }
    let module = slug.replace('-', "_");
    let file = root.join(RULES_DIR).join(format!("{module}.rs"));
    let registry_path = root.join(REGISTRY);
    let mod_path = root.join(RULES_DIR).join("mod.rs");
    let registry = std::fs::read_to_string(&registry_path)
        .map_err(|e| format!("cannot read {REGISTRY}: {e}"))?;
    if registry.contains(&format!("\"{code}\"")) {
        return Err(format!(
            "{code} is already registered (codes are never reused)"
        ));
    }
    if registry.contains(&format!("\"{slug}\"")) || file.exists() {
        return Err(format!("a rule `{slug}` already exists"));
    }
    let mods = std::fs::read_to_string(&mod_path)
        .map_err(|e| format!("cannot read {RULES_DIR}/mod.rs: {e}"))?;

    // Registry row, in code order.
    let row = format!("    \"{code}\" \"{slug}\" => {module},");
    let mut lines: Vec<String> = registry.lines().map(String::from).collect();
    let marker = lines
        .iter()
        .position(|l| l.trim() == MARKER)
        .ok_or_else(|| format!("{REGISTRY} lost its marker line `{MARKER}`"))?;
    let at = lines[..marker]
        .iter()
        .position(|l| l.trim_start().starts_with("\"STK") && l.trim_start()[1..7] > *code)
        .unwrap_or(marker);
    lines.insert(at, row);
    let registry = lines.join("\n") + "\n";

    // `pub mod` line, alphabetically.
    let line = format!("pub mod {module};");
    let mut lines: Vec<String> = mods.lines().map(String::from).collect();
    let first = lines
        .iter()
        .position(|l| l.starts_with("pub mod "))
        .ok_or("rules/mod.rs has no `pub mod` lines")?;
    let last = lines
        .iter()
        .rposition(|l| l.starts_with("pub mod "))
        .unwrap_or(first);
    let at = (first..=last)
        .find(|i| lines[*i].as_str() > line.as_str())
        .unwrap_or(last + 1);
    lines.insert(at, line);
    let mods = lines.join("\n") + "\n";

    std::fs::write(&file, TEMPLATE.replace("__STRUCT__", &struct_name(slug)))
        .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    std::fs::write(&registry_path, registry)
        .map_err(|e| format!("cannot write {REGISTRY}: {e}"))?;
    std::fs::write(&mod_path, mods).map_err(|e| format!("cannot write {RULES_DIR}/mod.rs: {e}"))?;
    Ok(vec![file, registry_path, mod_path])
}

pub fn run(args: &[String]) -> ExitCode {
    let [code, slug] = args else {
        eprintln!(
            "usage: cargo xtask new-rule CODE slug   (e.g. `cargo xtask new-rule STK306 udp-port-public`)"
        );
        return ExitCode::from(2);
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace");
    match scaffold(root, code, slug) {
        Ok(files) => {
            for f in &files {
                println!(
                    "new-rule: wrote {}",
                    f.strip_prefix(root).unwrap_or(f).display()
                );
            }
            println!(
                "new-rule: now write the doc comment, the check and at least one pass and one fail case, then\n  cargo test -p stackc-compiler lint   # the meta-test lists what is missing\n  cargo xtask docs                     # docs/rules/{code}.md"
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("new-rule: {e}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace_copy() -> PathBuf {
        let real = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let dir = std::env::temp_dir().join(format!(
            "xtask-new-rule-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(dir.join(RULES_DIR)).unwrap();
        std::fs::copy(real.join(REGISTRY), dir.join(REGISTRY)).unwrap();
        std::fs::copy(
            real.join(RULES_DIR).join("mod.rs"),
            dir.join(RULES_DIR).join("mod.rs"),
        )
        .unwrap();
        dir
    }

    #[test]
    fn scaffolds_the_file_the_registry_row_and_the_module_in_order() {
        let dir = workspace_copy();
        scaffold(&dir, "STK399", "udp-port-public").unwrap();
        let registry = std::fs::read_to_string(dir.join(REGISTRY)).unwrap();
        let a = registry.find("\"STK307\"").unwrap();
        let b = registry
            .find("\"STK399\" \"udp-port-public\" => udp_port_public,")
            .unwrap();
        let c = registry.find("\"STK401\"").unwrap();
        assert!(a < b && b < c, "{registry}");
        let mods = std::fs::read_to_string(dir.join(RULES_DIR).join("mod.rs")).unwrap();
        assert!(mods.contains("pub mod udp_port_public;\n"), "{mods}");
        let file = std::fs::read_to_string(dir.join(RULES_DIR).join("udp_port_public.rs")).unwrap();
        assert!(file.contains("pub struct UdpPortPublic;") && file.contains("## Why is this bad?"));
        assert!(
            scaffold(&dir, "STK399", "other-name")
                .unwrap_err()
                .contains("already registered")
        );
        assert!(
            scaffold(&dir, "STK101", "x")
                .unwrap_err()
                .contains("already registered")
        );
        assert!(scaffold(&dir, "STK06", "x").is_err());
        assert!(scaffold(&dir, "STK398", "Bad_Slug").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
