//! Values of the project's env file (`.env`, or the file `--env-file` names): compose
//! substitutes them for the file's variables when it runs, so they are what the file means.
//! Import writes them as the variables' `default`s — the deploying environment still overrides
//! them (`from_env`) where it is read (compose), and the targets that are not interpolated when
//! deployed (Kubernetes, Quadlet, systemd) write them. Secrets never take a value from here:
//! their values stay in the env file; a variable whose value there looks like a credential
//! becomes a secret (see `classify_secret_vars`), or, where the spec takes no secret (an
//! image), is left without a value for `--set`.

use super::*;
use crate::front::compose::report::Outcome;

impl Lowering<'_> {
    /// Gives each variable the env file defines its value there, and reports which did.
    pub(super) fn env_file_defaults(&mut self) {
        let mut taken: Vec<String> = Vec::new();
        let mut refused: Vec<(String, Span)> = Vec::new();
        for v in self.vars.values_mut() {
            if v.secret {
                continue;
            }
            let Some(value) = self.project_env.get(&v.env) else {
                continue;
            };
            if known_token(value).is_some() || url_credential(value).is_some() {
                // Set where compose runs, so not the empty string of an unset variable.
                v.default = None;
                if !refused.iter().any(|(n, _)| *n == v.env) {
                    refused.push((v.env.clone(), v.span));
                }
                continue;
            }
            v.default = Some(value.clone());
            if !taken.contains(&v.env) {
                taken.push(v.env.clone());
            }
        }
        if !taken.is_empty() {
            self.cx.report.push(
                "(env file)",
                Span::DUMMY,
                Outcome::Approximated(format!(
                    "the project's env file sets {}: {} (what compose substitutes); each is the variable's `default`, which the deploying environment still overrides",
                    plural(taken.len(), "variable"),
                    var_list(&taken)
                )),
            );
        }
        for (name, span) in refused {
            self.cx.approximated(
                "(env file)",
                span,
                format!("the value of `{name}` in the project's env file looks like a credential: not written into the spec; pass `--set {name}=VALUE` to `stackc build` for the targets that need it"),
            );
        }
    }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
