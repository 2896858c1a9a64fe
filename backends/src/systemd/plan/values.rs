//! Spec values as unit files carry them: variables filled in (a variable read from the
//! environment is a loss: unit files are not interpolated), service hosts and ports resolved,
//! command argvs checked for control characters at the value's span.

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{SecretId, Segment, Service, Stack, Value};

use crate::output::Outcome;
use crate::systemd::Emitter;

impl Emitter<'_> {
    /// Renders a value, spelling each secret with `secret`.
    pub(crate) fn render(
        &mut self,
        svc: &Service,
        v: &Value,
        secret: impl Fn(&Stack, SecretId) -> String,
    ) -> String {
        let mut s = String::new();
        for seg in &v.segments {
            match seg {
                Segment::Literal(t) => s.push_str(t),
                Segment::Secret(id) => s.push_str(&secret(self.stack, *id)),
                Segment::Var(id) => {
                    let var = self.stack.variable(*id);
                    let value = var.value.clone().unwrap_or_default();
                    if let Some(env) = &var.from_env {
                        self.loss(
                            Some(svc),
                            format!("vars.{}", var.name.value),
                            Outcome::Approximated(format!("unit files are not interpolated when deployed: `{env}` is not read; the value `{value}` is written")),
                            Some(v.span),
                        );
                    }
                    s.push_str(&value);
                }
                Segment::ServiceHost(id) => s.push_str(&self.stack.service(*id).dns_name),
                Segment::ServicePort(id, i) => {
                    s.push_str(&self.stack.service(*id).ports[*i].port.to_string())
                }
            }
        }
        s
    }

    /// Refuses control characters other than tab (what the INI writer refuses in command
    /// arguments) at `span`: for strings that are combined into one entry (an `ExecStart=`
    /// argv, a JSON array) before the writer sees them, so that the error points at the value.
    pub(crate) fn no_control(&mut self, svc: &Service, text: &str, span: Span, what: &str) -> bool {
        if let Some(c) = text.chars().find(|c| c.is_ascii_control() && *c != '\t') {
            self.error(
                Diagnostic::error(
                    ErrorCode::SystemdUnsafeValue,
                    format!(
                        "the {what} of `{}` contains the control character {c:?}",
                        svc.name.value
                    ),
                )
                .at(&self.stack.file, span, "this value")
                .help("unit files are line-based: remove the line break or control character"),
            );
            return false;
        }
        true
    }
}
