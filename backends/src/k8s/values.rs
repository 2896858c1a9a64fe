//! Values for Kubernetes fields that undergo `$(VAR)` expansion (env values, command, args, exec
//! probes): literal text is escaped so that expansion gives it back unchanged, and secrets become
//! `$(STACKC_SECRET_<ENV_NAME>)` references to helper variables read from the Secret.

use k8s_openapi::api::core::v1::{EnvVar, EnvVarSource, SecretKeySelector};
use stackc_compiler::diag::Span;
use stackc_compiler::ir::{SecretId, Segment, Service, Stack, Value};

use crate::systemd::shell::Part;

use super::Emitter;
use super::names::{secret_helper, secret_ref};
use crate::output::Outcome;

/// A piece of rendered text.
enum Piece {
    /// Text that must come out of expansion as is.
    Text(String),
    /// An expansion reference, `$(NAME)`, written as is.
    Reference(String),
}

/// How secret references inside a value are written.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum SecretForm {
    /// `$(STACKC_SECRET_X)`: Kubernetes expands it (env values, command, args).
    Expansion,
    /// `${STACKC_SECRET_X}`: a shell expands it at run time (shell-form exec probes, which
    /// Kubernetes expands only from literal variables).
    Shell,
    /// Not expressible: the value is refused.
    Refused,
}

/// Writes pieces so that Kubernetes' expansion yields the text of the `Text` pieces and the
/// value of each reference. Kubernetes reads `$$` as `$` and `$(NAME)` as a reference, and
/// leaves any other `$` alone, so a literal `$` is doubled when the next character written is
/// `$` or `(`, or when it follows another literal `$` (a run of `$` doubles as a whole).
fn escape(pieces: &[Piece]) -> String {
    let chars: Vec<(char, bool)> = pieces
        .iter()
        .flat_map(|p| match p {
            Piece::Text(t) => t.chars().map(|c| (c, true)).collect::<Vec<_>>(),
            Piece::Reference(r) => r.chars().map(|c| (c, false)).collect(),
        })
        .collect();
    let mut out = String::with_capacity(chars.len());
    for (i, (c, literal)) in chars.iter().enumerate() {
        out.push(*c);
        let next_special = matches!(chars.get(i + 1), Some(('$' | '(', _)));
        let after_dollar = i > 0 && chars[i - 1] == ('$', true);
        if *c == '$' && *literal && (next_special || after_dollar) {
            out.push('$');
        }
    }
    out
}

/// Escapes literal text for a field Kubernetes expands.
pub(super) fn escape_literal(text: &str) -> String {
    escape(&[Piece::Text(text.to_string())])
}

/// An env var read from a secret.
pub(super) fn secret_env(stack: &Stack, name: &str, id: SecretId) -> EnvVar {
    let secret = stack.secret(id);
    let (object, key) = secret_ref(stack, secret);
    EnvVar {
        name: name.to_string(),
        value_from: Some(EnvVarSource {
            secret_key_ref: Some(SecretKeySelector {
                name: object,
                key,
                optional: secret.optional.then_some(true),
            }),
            ..Default::default()
        }),
        ..Default::default()
    }
}

impl Emitter<'_> {
    /// Renders `value` for a field Kubernetes expands; secrets used are appended to `secrets`.
    /// `None` when the value holds a secret and `form` is [`SecretForm::Refused`].
    pub(super) fn render(
        &mut self,
        svc: &Service,
        value: &Value,
        form: SecretForm,
        secrets: &mut Vec<SecretId>,
    ) -> Option<String> {
        let stack = self.stack;
        let mut pieces = Vec::new();
        for seg in &value.segments {
            match seg {
                Segment::Literal(t) => pieces.push(Piece::Text(t.clone())),
                Segment::Secret(id) => {
                    let helper = secret_helper(stack.secret(*id));
                    match form {
                        SecretForm::Expansion => {
                            pieces.push(Piece::Reference(format!("$({helper})")))
                        }
                        SecretForm::Shell => pieces.push(Piece::Text(format!("${{{helper}}}"))),
                        SecretForm::Refused => return None,
                    }
                    if !secrets.contains(id) {
                        secrets.push(*id);
                    }
                }
                other => pieces.push(Piece::Text(
                    self.segment_text(svc, other, value.span)
                        .unwrap_or_default(),
                )),
            }
        }
        Some(escape(&pieces))
    }

    /// The text of a segment other than a secret (`None` for a secret); a deploy-time variable
    /// is written with its value here, with a loss entry.
    fn segment_text(&mut self, svc: &Service, seg: &Segment, span: Span) -> Option<String> {
        let stack = self.stack;
        Some(match seg {
            Segment::Literal(t) => t.clone(),
            Segment::Secret(_) => return None,
            Segment::Var(id) => {
                let var = stack.variable(*id);
                let text = var.value.clone().unwrap_or_default();
                if let Some(from) = &var.from_env {
                    self.loss(
                        Some(svc),
                        format!("vars.{}", var.name.value),
                        Outcome::Approximated(format!(
                            "deploy-time variable `{from}` has no meaning in a manifest: its value in this environment (`{text}`) is written instead"
                        )),
                        Some(span),
                    );
                }
                text
            }
            Segment::ServiceHost(id) => stack.service(*id).dns_name.clone(),
            Segment::ServicePort(id, i) => stack
                .service(*id)
                .ports
                .get(*i)
                .map(|p| p.port.to_string())
                .unwrap_or_default(),
        })
    }

    /// An exec-form argv as one shell word list for `exec_line`: text as it is, each secret
    /// its `STACKC_SECRET_*` helper variable (appended to `secrets`), which the container's
    /// shell expands.
    pub(super) fn shell_words(
        &mut self,
        svc: &Service,
        args: &[Value],
        secrets: &mut Vec<SecretId>,
    ) -> Vec<Vec<Part>> {
        let stack = self.stack;
        let mut words = Vec::new();
        for a in args {
            let mut parts = Vec::new();
            for seg in &a.segments {
                match seg {
                    Segment::Secret(id) => {
                        parts.push(Part::Var(secret_helper(stack.secret(*id))));
                        if !secrets.contains(id) {
                            secrets.push(*id);
                        }
                    }
                    other => parts.push(Part::Text(
                        self.segment_text(svc, other, a.span).unwrap_or_default(),
                    )),
                }
            }
            words.push(parts);
        }
        words
    }

    /// The container's env: the service's variables in order, each secret helper placed just
    /// before the first value composed from it, then helpers that only `extra` (command,
    /// probes) needs.
    pub(super) fn env_vars(&mut self, svc: &Service, extra: &[SecretId]) -> Vec<EnvVar> {
        let stack = self.stack;
        let mut out = Vec::new();
        let mut helpers: Vec<SecretId> = Vec::new();
        for e in &svc.env {
            if crate::deploy_values::unset_pass_through(stack, e) {
                let (feature, outcome) = crate::deploy_values::unset_pass_through_loss(e);
                self.loss(Some(svc), feature, outcome, Some(e.value.span));
                continue;
            }
            if let Some(id) = e.value.as_single_secret() {
                out.push(secret_env(stack, &e.key.value, id));
                continue;
            }
            let mut used = Vec::new();
            let text = self
                .render(svc, &e.value, SecretForm::Expansion, &mut used)
                .unwrap_or_default();
            for id in used {
                if !helpers.contains(&id) {
                    helpers.push(id);
                    out.push(secret_env(stack, &secret_helper(stack.secret(id)), id));
                }
            }
            out.push(EnvVar {
                name: e.key.value.clone(),
                value: Some(text),
                ..Default::default()
            });
        }
        for id in extra {
            if !helpers.contains(id) {
                helpers.push(*id);
                out.push(secret_env(stack, &secret_helper(stack.secret(*id)), *id));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Piece {
        Piece::Text(s.into())
    }

    /// Kubernetes' `$(VAR)` expansion as documented: `$$` is `$`, `$(NAME)` a reference, any
    /// other `$` stays.
    fn expand(input: &str, vars: &[(&str, &str)]) -> String {
        let b: Vec<char> = input.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < b.len() {
            if b[i] == '$' && i + 1 < b.len() {
                match b[i + 1] {
                    '$' => {
                        out.push('$');
                        i += 2;
                        continue;
                    }
                    '(' => {
                        if let Some(end) = b[i + 2..].iter().position(|c| *c == ')') {
                            let name: String = b[i + 2..i + 2 + end].iter().collect();
                            match vars.iter().find(|(n, _)| *n == name) {
                                Some((_, v)) => out.push_str(v),
                                None => out.push_str(&format!("$({name})")),
                            }
                            i += end + 3;
                            continue;
                        }
                    }
                    _ => {}
                }
            }
            out.push(b[i]);
            i += 1;
        }
        out
    }

    #[test]
    fn escaped_text_expands_back_to_itself() {
        for text in [
            "$",
            "$$",
            "$$$",
            "a$(b)c",
            "$$(x)",
            "$(X) and $(Y",
            "$x$y$",
            "(($$))$(",
            "\\$(q)",
        ] {
            assert_eq!(
                expand(&escape_literal(text), &[("X", "no")]),
                text,
                "{text}"
            );
        }
        let composed = escape(&[t("$$"), Piece::Reference("$(S)".into()), t("$")]);
        assert_eq!(expand(&composed, &[("S", "v")]), "$$v$");
    }

    #[test]
    fn literal_dollars_survive_expansion() {
        assert_eq!(escape_literal("echo $(date)"), "echo $$(date)");
        assert_eq!(escape_literal("pid $$"), "pid $$$$");
        assert_eq!(escape_literal("\"$REDIS_PASSWORD\""), "\"$REDIS_PASSWORD\"");
        assert_eq!(escape_literal("cost $"), "cost $");
        assert_eq!(escape_literal("$$$(x) $y"), "$$$$$$(x) $y");
        assert_eq!(
            escape(&[t("a$"), Piece::Reference("$(X)".into())]),
            "a$$$(X)"
        );
        assert_eq!(
            escape(&[t("u:"), Piece::Reference("$(S)".into()), t("@h")]),
            "u:$(S)@h"
        );
    }
}
