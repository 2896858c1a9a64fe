//! Fields that use a variable with no default (`restart: ${RESTART_POLICY}`,
//! `image: elasticsearch:${ES_VERSION}`): compose takes the value from the environment or
//! `.env` when it runs, and stackc reads neither while importing. Substituting an empty string
//! would change what the file means (`elasticsearch:`, `:80`, an empty restart policy), so
//! these fields are kept as written.

use super::*;

/// Fields kept whole, as written, for compose when they use a variable with no default.
const KEPT_FOR_COMPOSE: &[&str] = &["restart", "healthcheck", "user", "working_dir"];

impl Lowering<'_> {
    /// Keeps the field `k` as written when it uses a variable with no default, and says so;
    /// `false` when the field is lowered as usual. Ports and mounts are handled item by item
    /// where they are read, values (environment, command) become `${vars.NAME}`.
    pub(super) fn kept_as_written(
        &mut self,
        k: &Sp<String>,
        v: &Sp<Node>,
        path: &str,
        s: &mut ServiceSpec,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) -> bool {
        let field = k.value.as_str();
        if field != "image" && !KEPT_FOR_COMPOSE.contains(&field) {
            return false;
        }
        let vars = match field {
            // The test command is a value: its variables become `${vars.NAME}`.
            "healthcheck" => match &v.value {
                Node::Map(m) => m
                    .iter()
                    .filter(|(hk, _)| hk.value != "test")
                    .flat_map(|(_, hv)| unresolved_vars(hv))
                    .collect(),
                _ => Vec::new(),
            },
            _ => unresolved_vars(v),
        };
        if vars.is_empty() {
            return false;
        }
        let text = v.value.scalar_text();
        // A user or working directory the project's env file gives every variable of: the
        // spec takes those values (these fields hold no variable), as compose reads them.
        if let (Some(t), "user" | "working_dir") = (&text, field)
            && vars.iter().all(|n| self.project_env.contains_key(n))
            && let Ok(pieces) = interp::parse(t)
        {
            let value = interp::substituted(&pieces, &self.project_env);
            self.cx.approximated(
                path,
                v.span,
                format!(
                    "{} has no default in the file: the project's env file sets it, and its value `{value}` is written (compose reads the same when it runs)",
                    var_list(&vars)
                ),
            );
            let value = Some(Sp::new(value, v.span));
            if field == "user" {
                s.user = value;
            } else {
                s.workdir = value;
            }
            return true;
        }
        // A health check whose timings the project's env file gives every variable of: the
        // spec takes those values, so every target checks health (compose reads the same).
        if let ("healthcheck", Node::Map(entries)) = (field, &v.value)
            && vars.iter().all(|n| self.project_env.contains_key(n))
        {
            let entries = entries
                .iter()
                .map(|(hk, hv)| match &hv.value {
                    Node::Str(t) if hk.value != "test" => {
                        let value = interp::parse(t)
                            .map(|p| interp::substituted(&p, &self.project_env))
                            .unwrap_or_else(|_| t.clone());
                        (hk.clone(), Sp::new(Node::Str(value), hv.span))
                    }
                    _ => (hk.clone(), hv.clone()),
                })
                .collect();
            self.cx.approximated(
                path,
                v.span,
                format!(
                    "{} has no default in the file: the project's env file sets it, and its value is written (compose reads the same when it runs)",
                    var_list(&vars)
                ),
            );
            s.health = self.health(&Sp::new(Node::Map(entries), v.span), path, extra);
            return true;
        }
        // Compose resolves the rest when it runs: the deploy environment lists the variables.
        self.declare_runtime_vars(&vars, v.span, path);
        match (field, text) {
            // As written: compose resolves it when it runs; other targets need the value in the
            // spec, and the checks quote what was written.
            ("image" | "user" | "working_dir", Some(text)) => {
                let note = if field == "image"
                    && vars.iter().all(|n| self.project_env.contains_key(n))
                {
                    format!(
                        "{} has no default in the file: the project's env file sets it, and compose resolves it when it runs; other targets write the env file's value (or `stackc build --set`)",
                        var_list(&vars)
                    )
                } else {
                    format!(
                        "{} has no default: compose resolves it when it runs; other targets take it from `stackc build --set` (or write the value in the spec)",
                        var_list(&vars)
                    )
                };
                self.cx.approximated(path, v.span, note);
                let value = Some(Sp::new(text, v.span));
                match field {
                    // An image is a value of the spec: `${vars.NAME}`, which compose interpolates
                    // and the other targets take from `--set`.
                    "image" => {
                        s.image = value.and_then(|t| self.structural_value(&t, path));
                    }
                    "user" => s.user = value,
                    _ => s.workdir = value,
                }
                return true;
            }
            // One variable alone becomes `${vars.NAME}`: compose interpolates it, the other
            // targets take the policy from `--set` (or the variable's default).
            ("restart", Some(text)) if is_one_variable(&text) => {
                self.cx.approximated(
                    path,
                    v.span,
                    format!(
                        "{} has no default: compose resolves the restart policy when it runs; other targets take it from `stackc build --set` (or write the policy in the spec)",
                        var_list(&vars)
                    ),
                );
                s.restart = self.spec_value(&Sp::new(text, v.span), path);
                return true;
            }
            ("restart", _) => {
                self.cx.approximated(
                    path,
                    v.span,
                    format!(
                        "{} has no default: the restart policy is chosen when compose runs; the spec leaves it to each target's default (write `restart:` to choose one)",
                        var_list(&vars)
                    ),
                );
                return true;
            }
            _ => {}
        }
        self.compose_only(
            path,
            v.span,
            &format!(
                "{} has no default: compose takes it from the environment or `.env` when it runs",
                var_list(&vars)
            ),
        );
        extra.insert(field.to_string(), to_json(&v.value));
        true
    }

    /// Declares the variables compose resolves when it runs as variables of the stack
    /// (`from_env`, no default), so the deploy environment lists them (`.env.example`).
    pub(super) fn declare_runtime_vars(&mut self, vars: &[String], span: Span, path: &str) {
        for name in vars {
            if is_env_key(name) {
                self.use_var(name, Op::Plain, &[], span, path, true);
            }
        }
    }
}

/// Whether `text` is one variable reference and nothing else (`${RESTART_POLICY}`, `$POLICY`).
fn is_one_variable(text: &str) -> bool {
    interp::parse(text).is_ok_and(|p| matches!(p.as_slice(), [Piece::Var { op: Op::Plain, .. }]))
}
