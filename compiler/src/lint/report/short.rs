//! `file:line:col: CODE message`, one unsuppressed finding per line (editors and grep).

use super::super::Finding;
use super::Region;

/// The short format. Suppressed findings are left out.
pub fn short(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings.iter().filter(|f| !f.is_suppressed()) {
        let d = &f.diagnostic;
        match d.primary.as_ref().map(Region::of) {
            Some(r) => out.push_str(&format!(
                "{}:{}:{}: {} {}\n",
                r.file, r.line, r.column, d.code, d.message
            )),
            None => out.push_str(&format!("{} {}\n", d.code, d.message)),
        }
    }
    out
}
