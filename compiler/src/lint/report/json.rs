//! The JSON report: the envelope every stackc command uses (`{"version": 1, "tool": ...,
//! "diagnostics": [...]}`), each diagnostic extended with the lint fields (slug, flat location,
//! service, path, fingerprint). Fields are only ever added within a version.

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Value, json};

use super::super::Finding;
use super::{Region, Summary, TOOL_NAME, TOOL_VERSION};
use crate::diag::Label;

fn label(l: &Label) -> Value {
    let r = Region::of(l);
    json!({
        "file": r.file, "line": r.line, "column": r.column,
        "end_line": r.end_line, "end_column": r.end_column, "label": l.message,
    })
}

fn finding(f: &Finding) -> Value {
    let d = &f.diagnostic;
    let r = d.primary.as_ref().map(Region::of);
    json!({
        "code": d.code.as_str(),
        "slug": f.slug,
        "severity": d.severity.as_str(),
        "message": d.message,
        "file": r.as_ref().map(|r| r.file.clone()),
        "line": r.as_ref().map(|r| r.line),
        "column": r.as_ref().map(|r| r.column),
        "end_line": r.as_ref().map(|r| r.end_line),
        "end_column": r.as_ref().map(|r| r.end_column),
        "service": f.service,
        "path": (!f.path.is_empty()).then_some(&f.path),
        "location": d.primary.as_ref().map(label),
        "related": d.secondary.iter().map(label).collect::<Vec<_>>(),
        "help": d.help,
        "notes": d.notes,
        "suppressed": d.suppressed.is_some(),
        "suppression_reason": d.suppressed,
        "fingerprint": f.fingerprint,
    })
}

/// The JSON report, suppressed findings included and marked.
pub fn json(findings: &[Finding]) -> String {
    let mut out = Vec::new();
    write_json(&mut out, findings).expect("writing to memory");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// [`json`], streamed to `w`: each finding becomes a JSON value only while it is written.
pub fn write_json(w: &mut dyn std::io::Write, findings: &[Finding]) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *w, &Report(findings))?;
    w.write_all(b"\n")
}

/// The envelope, serialised field by field.
struct Report<'a>(&'a [Finding]);

impl Serialize for Report<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let sum = Summary::of(self.0);
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("version", &1)?;
        m.serialize_entry(
            "tool",
            &json!({ "name": TOOL_NAME, "version": TOOL_VERSION }),
        )?;
        m.serialize_entry("diagnostics", &Findings(self.0))?;
        m.serialize_entry(
            "summary",
            &json!({ "errors": sum.errors, "warnings": sum.warnings, "infos": sum.infos, "suppressed": sum.suppressed }),
        )?;
        m.end()
    }
}

/// The `diagnostics` array, one finding at a time.
struct Findings<'a>(&'a [Finding]);

impl Serialize for Findings<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for f in self.0 {
            seq.serialize_element(&finding(f))?;
        }
        seq.end()
    }
}
