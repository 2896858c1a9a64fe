//! Writing an imported spec: YAML with a header that names the source and lists the report.

use crate::diag::SourceFile;
use crate::syntax::emit::to_yaml;
use crate::syntax::spec::StackSpec;

use super::report::ImportReport;

/// The spec as YAML text: a comment header, then the spec with a blank line between
/// top-level sections and between services.
pub fn spec_yaml(
    spec: &StackSpec,
    report: &ImportReport,
    source: &SourceFile,
) -> Result<String, String> {
    let body = to_yaml(spec)?;
    let mut out = String::new();
    out.push_str(&format!(
        "# Imported from {} by `stackc import`.\n",
        source.name.rsplit('/').next().unwrap_or(&source.name)
    ));
    out.push_str("# `stackc build --target compose --fidelity` writes a compose file that compose reads as it\n# read the original; a plain `stackc build` adds stackc's safer defaults.\n");
    if report.is_empty() {
        out.push_str("# Everything in the compose file is represented.\n");
    } else {
        out.push_str(&format!(
            "# Import report ({} entries): what the stack spec does not represent exactly.\n",
            report.entries.len()
        ));
        for e in &report.entries {
            let (line, _) = source.line_col(e.span.start);
            let text = format!("line {line}: {e}");
            for (i, l) in text.lines().enumerate() {
                out.push_str(if i == 0 { "#   " } else { "#     " });
                out.push_str(l);
                out.push('\n');
            }
        }
    }
    out.push('\n');
    // Blank lines before each top-level section and between services.
    let mut in_services = false;
    let mut first_service = true;
    for (i, line) in body.lines().enumerate() {
        let top = !line.starts_with([' ', '-']) && !line.is_empty();
        if top {
            in_services = line.starts_with("services:");
            if i > 0 {
                out.push('\n');
            }
        } else if in_services
            && line.starts_with("  ")
            && !line.starts_with("   ")
            && !line.starts_with("  -")
        {
            if !first_service {
                out.push('\n');
            }
            first_service = false;
        }
        if let Some(note) = pod_security_note(line, report) {
            out.push_str(&note);
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// The comment above the `pod_security:` line the import chose: why the level is needed.
fn pod_security_note(line: &str, report: &ImportReport) -> Option<String> {
    let rest = line.trim_start();
    if !rest.starts_with("pod_security:") {
        return None;
    }
    let entry = report
        .entries
        .iter()
        .find(|e| e.path == super::lower::POD_SECURITY_PATH)?;
    let super::report::Outcome::Approximated(note) = &entry.outcome else {
        return None;
    };
    let indent = &line[..line.len() - rest.len()];
    Some(format!("{indent}# {note}\n"))
}
