//! SARIF 2.1.0 for GitHub code scanning: one run, every rule described, one result per finding
//! with a region in the spec, a line-independent `partialFingerprints` entry and, for suppressed
//! findings, an `inSource` suppression with the reason.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Value, json};

use super::super::{Finding, Level, RULES, Rule};
use super::{Region, TOOL_NAME, TOOL_VERSION};
use crate::diag::{Code, ErrorCode, Label, Severity};

/// Where relative artifact paths are rooted.
#[derive(Clone, Debug, Default)]
pub struct SarifOptions {
    /// `file://` URI of the directory relative paths start from (ends with `/`); becomes
    /// `originalUriBaseIds.%SRCROOT%`.
    pub srcroot: Option<String>,
}

/// The project's home: `workspace.package.repository` of the workspace manifest (a test keeps
/// the two equal).
pub const INFORMATION_URI: &str = "https://example.invalid/stackc";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const FINGERPRINT_KEY: &str = "stackc/v1";
const MAX_TEXT: usize = 1024;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule_level(l: Level) -> &'static str {
    match l {
        Level::Off => "none",
        Level::Info => "note",
        Level::Warning => "warning",
        Level::Error => "error",
    }
}

/// The first paragraph of a Markdown section, as plain text of at most 1024 characters.
fn first_paragraph(doc: &str, heading: &str) -> String {
    let body = doc.split_once(heading).map(|(_, b)| b).unwrap_or(doc);
    let para: Vec<&str> = body
        .trim_start()
        .lines()
        .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::trim)
        .collect();
    truncate(&para.join(" ").replace('`', ""), MAX_TEXT)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut t: String = s.chars().take(max - 1).collect();
    t.push('…');
    t
}

fn rule_descriptor(r: &Rule) -> Value {
    let doc = r.doc_markdown();
    let max = r.max_level();
    let mut props = Map::new();
    props.insert("tags".into(), json!(r.meta.tags));
    props.insert(
        "precision".into(),
        json!(if r.meta.tags.contains(&"secrets") && r.code == "STK204" {
            "medium"
        } else {
            "high"
        }),
    );
    if r.is_security() {
        let score = match max {
            Level::Error => "8.0",
            Level::Warning => "5.0",
            _ => "2.0",
        };
        props.insert("security-severity".into(), json!(score));
    }
    props.insert(
        "default-severity".into(),
        json!({ "dev": r.meta.dev.as_str(), "prod": r.meta.prod.as_str() }),
    );
    props.insert(
        "backends".into(),
        json!(r.meta.backends.iter().map(|b| b.name()).collect::<Vec<_>>()),
    );
    json!({
        "id": r.code,
        "name": r.slug,
        "shortDescription": { "text": truncate(r.meta.summary, MAX_TEXT) },
        "fullDescription": { "text": first_paragraph(&doc, "## What it does") },
        "help": { "text": doc.clone(), "markdown": format!("# {} {}\n\n{doc}", r.code, r.slug) },
        "defaultConfiguration": { "level": rule_level(max) },
        "helpUri": format!("{INFORMATION_URI}/blob/main/docs/rules/{}.md", r.code),
        "properties": props,
    })
}

fn error_descriptor(code: Code) -> Value {
    let (summary, fix) = match code.error() {
        Some(e) => (e.summary(), e.fix()),
        None => (
            "an error that blocks every target",
            "fix the reported problem",
        ),
    };
    let level = if code == ErrorCode::UnknownSuppression {
        "warning"
    } else {
        "error"
    };
    json!({
        "id": code.as_str(),
        "shortDescription": { "text": summary },
        "fullDescription": { "text": format!("{summary}: {fix}.") },
        "help": { "text": format!("{fix}."), "markdown": format!("{fix}.") },
        "defaultConfiguration": { "level": level },
        "properties": { "tags": ["correctness"], "precision": "very-high" },
    })
}

/// Percent-encodes a relative path for a URI (keeps `/` and unreserved characters).
fn uri_path(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn location(l: &Label, id: Option<usize>) -> Value {
    let r = Region::of(l);
    let artifact = if r.file.starts_with('/') {
        json!({ "uri": format!("file://{}", uri_path(&r.file)) })
    } else {
        json!({ "uri": uri_path(r.file.trim_start_matches("./")), "uriBaseId": "%SRCROOT%" })
    };
    let mut v = json!({
        "physicalLocation": {
            "artifactLocation": artifact,
            "region": { "startLine": r.line, "startColumn": r.column, "endLine": r.end_line, "endColumn": r.end_column },
        },
    });
    if let Some(id) = id {
        v["id"] = json!(id);
        v["message"] = json!({ "text": l.message });
    }
    v
}

/// The SARIF log of `findings`.
pub fn sarif(findings: &[Finding], options: &SarifOptions) -> String {
    let mut out = Vec::new();
    write_sarif(&mut out, findings, options).expect("writing to memory");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// [`sarif`], streamed to `w`: each result becomes a JSON value only while it is written.
pub fn write_sarif(
    w: &mut dyn std::io::Write,
    findings: &[Finding],
    options: &SarifOptions,
) -> std::io::Result<()> {
    // Rules first (the error codes found get descriptors after the lint rules, in the order
    // they occur), so each result can name its rule's index.
    let mut rules: Vec<Value> = RULES.iter().map(rule_descriptor).collect();
    let mut ids: std::collections::HashMap<&'static str, usize> =
        RULES.iter().enumerate().map(|(i, r)| (r.code, i)).collect();
    for f in findings {
        let code = f.diagnostic.code;
        if !ids.contains_key(code.as_str()) {
            rules.push(error_descriptor(code));
            ids.insert(code.as_str(), rules.len() - 1);
        }
    }
    let log = Log {
        findings,
        options,
        rules,
        ids,
    };
    serde_json::to_writer_pretty(&mut *w, &log)?;
    w.write_all(b"\n")
}

/// The SARIF log, serialised field by field.
struct Log<'a> {
    findings: &'a [Finding],
    options: &'a SarifOptions,
    rules: Vec<Value>,
    ids: std::collections::HashMap<&'static str, usize>,
}

impl Serialize for Log<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("$schema", SCHEMA)?;
        m.serialize_entry("version", "2.1.0")?;
        m.serialize_entry("runs", &[Run(self)])?;
        m.end()
    }
}

/// The one run.
struct Run<'a>(&'a Log<'a>);

impl Serialize for Run<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let log = self.0;
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "tool",
            &json!({
                "driver": {
                    "name": TOOL_NAME,
                    "version": TOOL_VERSION,
                    "semanticVersion": TOOL_VERSION,
                    "informationUri": INFORMATION_URI,
                    "rules": log.rules,
                },
            }),
        )?;
        m.serialize_entry("columnKind", "unicodeCodePoints")?;
        m.serialize_entry("results", &Results(log))?;
        if let Some(root) = &log.options.srcroot {
            m.serialize_entry(
                "originalUriBaseIds",
                &json!({ "%SRCROOT%": { "uri": root } }),
            )?;
        }
        m.end()
    }
}

/// The results, one finding at a time.
struct Results<'a>(&'a Log<'a>);

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.findings.len()))?;
        for f in self.0.findings {
            seq.serialize_element(&result(f, self.0.ids[f.diagnostic.code.as_str()]))?;
        }
        seq.end()
    }
}

/// One finding as a SARIF result; `index` is its rule's index in the driver's rules.
fn result(f: &Finding, index: usize) -> Value {
    let d = &f.diagnostic;
    let mut text = d.message.clone();
    if let Some(h) = &d.help {
        text.push_str("\nhelp: ");
        text.push_str(h);
    }
    let mut result = json!({
        "ruleId": d.code.as_str(),
        "ruleIndex": index,
        "level": level(d.severity),
        "message": { "text": text },
        "partialFingerprints": { FINGERPRINT_KEY: f.fingerprint },
    });
    match &d.primary {
        Some(p) => result["locations"] = json!([location(p, None)]),
        None => result["locations"] = json!([]),
    }
    if !d.secondary.is_empty() {
        result["relatedLocations"] = json!(
            d.secondary
                .iter()
                .enumerate()
                .map(|(i, l)| location(l, Some(i + 1)))
                .collect::<Vec<_>>()
        );
    }
    if let Some(reason) = &d.suppressed {
        result["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
    }
    let mut props = Map::new();
    if let Some(s) = f.slug {
        props.insert("slug".into(), json!(s));
    }
    if let Some(s) = &f.service {
        props.insert("service".into(), json!(s));
    }
    if !f.path.is_empty() {
        props.insert("path".into(), json!(f.path));
    }
    if !props.is_empty() {
        result["properties"] = Value::Object(props);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn information_uri_is_the_workspace_repository() {
        let manifest = include_str!("../../../../Cargo.toml");
        assert!(
            manifest.contains(&format!("repository = \"{INFORMATION_URI}\"")),
            "update INFORMATION_URI to the workspace's `repository`"
        );
    }

    #[test]
    fn uris_are_percent_encoded_and_relative_ones_rooted() {
        assert_eq!(uri_path("a b/stack.yaml"), "a%20b/stack.yaml");
        assert_eq!(uri_path("dir\\x#.yaml"), "dir/x%23.yaml");
    }

    #[test]
    fn full_description_is_the_first_paragraph_of_what_it_does() {
        let r = RULES.iter().find(|r| r.code == "STK101").unwrap();
        let t = first_paragraph(&r.doc_markdown(), "## What it does");
        assert!(
            t.starts_with(
                "Flags an image reference (image, build.base, build.builder or build.image)"
            ),
            "{t}"
        );
        assert!(!t.contains("## Why"), "{t}");
    }
}
