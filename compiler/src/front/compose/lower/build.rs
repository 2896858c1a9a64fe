//! A service's `build:` section.

use super::*;

impl Lowering<'_> {
    pub(super) fn build(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) -> Option<BuildSpec> {
        let mut b = BuildSpec::default();
        let mut context: Option<Sp<String>> = None;
        let mut compose_only = serde_json::Map::new();
        let whole = |extra: &mut IndexMap<String, serde_json::Value>| {
            extra.insert("build".into(), to_json(&v.value));
        };
        // Arguments chosen when compose builds (`VERSION: ${ES_VERSION}`, or a name alone,
        // taken from the environment) are kept for compose, all together.
        let args_node = match &v.value {
            Node::Map(e) => e.iter().find(|(k, _)| k.value == "args").map(|(_, a)| a),
            _ => None,
        };
        let runtime_args = args_node.is_some_and(|a| {
            !unresolved_vars(a).is_empty()
                || matches!(&a.value, Node::Seq(items) if items.iter().any(|i| i.value.scalar_text().is_some_and(|t| !t.contains('='))))
                || matches!(&a.value, Node::Map(m) if m.iter().any(|(_, v)| matches!(v.value, Node::Null)))
        });
        if let Some(a) = args_node {
            let arg_vars = unresolved_vars(a);
            self.declare_runtime_vars(&arg_vars, a.span, path);
        }
        let vars: Vec<String> = match &v.value {
            Node::Map(e) => e
                .iter()
                .filter(|(k, _)| k.value != "args")
                .flat_map(|(_, n)| unresolved_vars(n))
                .collect(),
            _ => unresolved_vars(v),
        };
        if !vars.is_empty() {
            self.declare_runtime_vars(&vars, v.span, path);
            // A context or argument chosen when compose runs (`VERSION: ${ES_VERSION}`).
            self.compose_only(
                path,
                v.span,
                &format!(
                    "{} has no default: compose takes it from the environment or `.env` when it builds",
                    var_list(&vars)
                ),
            );
            whole(extra);
            return None;
        }
        match &v.value {
            Node::Map(e) => {
                self.cx.check_keys(e, keys::BUILD, "`build`");
                if let Some((k, _)) = e.iter().find(|(k, _)| k.value == "dockerfile_inline") {
                    self.compose_only(
                        format!("{path}.dockerfile_inline"),
                        k.span,
                        "inline Dockerfiles are not in the stack spec",
                    );
                    whole(extra);
                    return None;
                }
                for (k, val) in e.iter() {
                    if k.value.starts_with("x-") {
                        compose_only.insert(k.value.clone(), to_json(&val.value));
                        continue;
                    }
                    let p = format!("{path}.{}", k.value);
                    match k.value.as_str() {
                        "context" => context = self.cx.resolved(val, &p),
                        "dockerfile" => b.dockerfile = self.cx.resolved(val, &p),
                        "args" if runtime_args => {
                            self.compose_only(&p, k.span, "build arguments are taken from the environment or `.env` when compose builds");
                            compose_only.insert(k.value.clone(), to_json(&val.value));
                        }
                        "args" => {
                            for (ak, av) in self.cx.list_or_dict(val, &p) {
                                let value = match av {
                                    Some(av) => {
                                        let n = Sp::new(Node::Str(av.value), av.span);
                                        match self.cx.resolved(&n, &format!("{p}.{}", ak.value)) {
                                            Some(x) => x,
                                            None => continue,
                                        }
                                    }
                                    None => {
                                        self.cx.approximated(format!("{p}.{}", ak.value), ak.span, "a build argument without a value (taken from the environment) is imported as empty");
                                        Sp::new(String::new(), ak.span)
                                    }
                                };
                                b.args.insert(ak, value);
                            }
                        }
                        _ => {
                            self.compose_only(&p, k.span, "only the context, Dockerfile and arguments of a build are in the stack spec");
                            compose_only.insert(k.value.clone(), to_json(&val.value));
                        }
                    }
                }
            }
            _ => context = self.cx.resolved(v, path),
        }
        let context_span = context.as_ref().map(|c| c.span).unwrap_or(v.span);
        let ctx_text = context
            .as_ref()
            .map(|c| c.value.clone())
            .unwrap_or_else(|| ".".into());
        if ctx_text.contains("://")
            || ctx_text.starts_with("git@")
            || ctx_text.starts_with("github.com/")
        {
            self.compose_only(
                path,
                context_span,
                "remote build contexts are not in the stack spec",
            );
            whole(extra);
            return None;
        }
        let Some(rel) = project_path_above(&ctx_text, &self.cx.above) else {
            self.compose_only(path, context_span, &format!("build context `{ctx_text}` is outside the project directory, which the stack spec does not allow"));
            whole(extra);
            return None;
        };
        if !compose_only.is_empty() {
            extra.insert("build".into(), serde_json::Value::Object(compose_only));
        }
        b.context = Some(Sp::new(rel, context_span));
        if b.dockerfile.is_none() {
            b.dockerfile = Some(Sp::new("Dockerfile".into(), context_span));
        }
        Some(b)
    }
}
