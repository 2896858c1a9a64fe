//! `file:line:col: CODE message`, one unsuppressed finding per line (editors and grep).

use std::io::Write;

use super::super::Finding;
use super::Region;
use crate::diag::escape_controls;

/// The short format. Suppressed findings are left out.
pub fn short(findings: &[Finding]) -> String {
    let mut out = Vec::new();
    write_short(&mut out, findings).expect("writing to memory");
    String::from_utf8(out).expect("the report is UTF-8")
}

/// [`short`], streamed to `w`.
pub fn write_short(w: &mut dyn Write, findings: &[Finding]) -> std::io::Result<()> {
    for f in findings.iter().filter(|f| !f.is_suppressed()) {
        let d = &f.diagnostic;
        let message = escape_controls(&d.message);
        match d.primary.as_ref().map(Region::of) {
            Some(r) => writeln!(
                w,
                "{}:{}:{}: {} {message}",
                escape_controls(&r.file),
                r.line,
                r.column,
                d.code
            )?,
            None => writeln!(w, "{} {message}", d.code)?,
        }
    }
    Ok(())
}
