//! GitHub Actions workflow commands: `::error file=...,line=...::message` per unsuppressed
//! finding. GitHub shows at most 10 annotations of each level per step; SARIF has the rest.

use super::super::Finding;
use super::{Region, Summary};
use crate::diag::Severity;

/// Escapes a command's message (`%`, `\r`, `\n`), as `@actions/core` does.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property value: the message escapes plus `:` and `,`.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Annotations GitHub displays per level and step.
const SHOWN_PER_LEVEL: usize = 10;

/// The annotations, one line each; suppressed findings are left out.
pub fn github(findings: &[Finding]) -> String {
    let mut out = Vec::new();
    write_github(&mut out, findings).expect("writing to memory");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// [`github`], streamed to `w`.
pub fn write_github(w: &mut dyn std::io::Write, findings: &[Finding]) -> std::io::Result<()> {
    for f in findings.iter().filter(|f| !f.is_suppressed()) {
        let d = &f.diagnostic;
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(r) = d.primary.as_ref().map(Region::of) {
            props.push(format!(
                "file={}",
                escape_property(&crate::diag::escape_controls(&r.file))
            ));
            props.push(format!("line={}", r.line));
            props.push(format!("col={}", r.column));
            props.push(format!("endLine={}", r.end_line));
            props.push(format!("endColumn={}", r.end_column));
        }
        props.push(format!("title={}", escape_property(d.code.as_str())));
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        writeln!(
            w,
            "::{command} {}::{}",
            props.join(","),
            escape_data(&crate::diag::escape_controls(&message))
        )?;
    }
    let s = Summary::of(findings);
    if s.errors > SHOWN_PER_LEVEL || s.warnings > SHOWN_PER_LEVEL || s.infos > SHOWN_PER_LEVEL {
        writeln!(
            w,
            "stackc: {} errors, {} warnings, {} notices; GitHub shows {SHOWN_PER_LEVEL} annotations of each level per step, upload the SARIF report for all of them",
            s.errors, s.warnings, s.infos
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_actions_toolkit() {
        assert_eq!(
            escape_data("100% done\r\nnext: a,b"),
            "100%25 done%0D%0Anext: a,b"
        );
        assert_eq!(escape_property("C:\\a,b%\n"), "C%3A\\a%2Cb%25%0A");
    }
}
