//! A service's environment: `environment:`, `env_file:`, and granted `secrets:`/`configs:`.

use crate::diag::ErrorCode;

use super::*;

impl Lowering<'_> {
    /// `environment:`. An entry with no value whose variable is a secret stays an optional
    /// secret of the spec (unset when missing on Kubernetes too), and is also listed under
    /// `targets.compose` (`environment: [KEY]`) so compose passes it through as written.
    pub(super) fn environment(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        env: &mut NameMap<Sp<String>>,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) {
        let mut passed_secrets = Vec::new();
        for (k, val) in self.cx.list_or_dict(v, path) {
            let p = format!("{path}.{}", k.value);
            if !is_env_key(&k.value) {
                self.cx.dropped(
                    &p,
                    k.span,
                    "the stack spec only takes variable names of letters, digits, `_`, `.` and `-`",
                );
                continue;
            }
            let value = match val {
                None => {
                    // `KEY` alone: the value of KEY where compose runs, or unset.
                    let r = self.use_var(&k.value, Op::Plain, &[], k.span, &p, true);
                    if r.starts_with("${secrets.") {
                        self.cx.approximated(&p, k.span, format!("`{}` without a value passes the variable through when set: the spec reads it as an optional secret (unset when missing), and `targets.compose` keeps the pass-through for compose", k.value));
                        passed_secrets.push(serde_json::Value::String(k.value.clone()));
                    } else if self.project_env.contains_key(&k.value) {
                        self.cx.approximated(&p, k.span, format!("`{}` without a value passes the variable through; the project's env file sets it, so the spec passes it through as a variable with that default", k.value));
                    } else {
                        self.cx.approximated(&p, k.span, format!("`{}` without a value passes the variable through when set; the spec passes it through as a variable with no default (a fidelity build writes it alone again; Kubernetes and systemd leave it unset)", k.value));
                    }
                    Sp::new(r, k.span)
                }
                Some(raw) => match self.literal_secret(&k, &raw, &p) {
                    Some(s) => s,
                    None => match self.spec_value(&raw, &p) {
                        Some(s) => s,
                        None => continue,
                    },
                },
            };
            env.insert(k, value);
        }
        if !passed_secrets.is_empty() {
            extra.insert(
                "environment".into(),
                serde_json::Value::Array(passed_secrets),
            );
        }
    }

    pub(super) fn env_files(&mut self, v: &Sp<Node>, path: &str) -> Vec<Sp<String>> {
        let mut out = Vec::new();
        let items: Vec<&Sp<Node>> = match &v.value {
            Node::Seq(items) => items.iter().collect(),
            Node::Null => Vec::new(),
            _ => vec![v],
        };
        for (i, item) in items.into_iter().enumerate() {
            let p = format!("{path}[{i}]");
            let file = match &item.value {
                Node::Map(e) => {
                    self.cx.check_keys(e, keys::ENV_FILE, "an `env_file` entry");
                    let mut file = None;
                    let mut optional = None;
                    for (k, val) in e.iter() {
                        match k.value.as_str() {
                            "path" => file = self.cx.resolved(val, &format!("{p}.path")),
                            "required"
                                if self
                                    .cx
                                    .boolean(val, &format!("{p}.required"))
                                    .is_some_and(|b| !b.value) =>
                            {
                                optional = Some(k.span);
                            }
                            "format" => self.cx.dropped(
                                format!("{p}.format"),
                                k.span,
                                "env file formats other than compose's are not in the stack spec",
                            ),
                            _ => {}
                        }
                    }
                    // `required: false`: compose reads the file when it is there. The spec's
                    // env files are required, so one that is missing is left out.
                    if let (Some(at), Some(f)) = (optional, &file) {
                        if self.dir.join(&f.value).is_file() {
                            self.cx.approximated(&p, at, "an optional env file is required in the stack spec (it is there now)");
                        } else {
                            self.cx.approximated(&p, at, format!("the optional env file `{}` is not there: left out, as compose leaves it out", f.value));
                            continue;
                        }
                    }
                    if file.is_none() {
                        self.cx.error(
                            ErrorCode::ComposeWrongType,
                            "an `env_file` entry needs `path`",
                            item.span,
                            "no `path`",
                            "add `path: FILE`",
                        );
                    }
                    file
                }
                _ => self.cx.resolved(item, &p),
            };
            let Some(file) = file else { continue };
            match project_path_above(&file.value, &self.cx.above) {
                Some(rel) => out.push(Sp::new(rel, file.span)),
                None => self.cx.dropped(
                    &p,
                    file.span,
                    format!("env file `{}` is outside the project directory", file.value),
                ),
            }
        }
        out
    }

    /// Service `secrets:` / `configs:`: files mounted into the container. A config that is
    /// only a file becomes a `config:` mount; secrets and other configs stay compose-only.
    pub(super) fn grants(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        secrets: bool,
        out: &mut Vec<Sp<MountSpec>>,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) {
        let Some(items) = self.cx.seq(v, path) else {
            return;
        };
        let what = if secrets { "secret" } else { "config" };
        let mut kept = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let p = format!("{path}[{i}]");
            let (source, target, only_source) = match &item.value {
                Node::Map(e) => {
                    self.cx
                        .check_keys(e, keys::GRANT, &format!("a service's {what}"));
                    let mut source = None;
                    let mut target = None;
                    let mut only = true;
                    for (k, val) in e {
                        let kp = format!("{p}.{}", k.value);
                        match k.value.as_str() {
                            "source" => source = self.cx.resolved(val, &kp),
                            "target" => target = self.cx.resolved(val, &kp),
                            _ => only = false,
                        }
                    }
                    let Some(source) = source else {
                        self.cx.error(
                            ErrorCode::ComposeWrongType,
                            format!("a {what} entry needs `source`"),
                            item.span,
                            "no `source`",
                            "add `source: NAME`",
                        );
                        continue;
                    };
                    (source, target, only)
                }
                _ => match self.cx.resolved(item, &p) {
                    Some(s) => (s, None, true),
                    None => continue,
                },
            };
            if secrets
                && only_source
                && let Some(m) = self.secret_file_mount(&source, target.as_ref(), item.span)
            {
                out.push(m);
                continue;
            }
            let table = if secrets {
                &self.top_secrets
            } else {
                &self.top_configs
            };
            let Some(g) = table.get(&source.value) else {
                let names: Vec<&str> = table.keys().map(String::as_str).collect();
                let help = match crate::diag::did_you_mean(&source.value, names.iter().copied()) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => format!("declare it under top-level `{what}s:`"),
                };
                let code = if secrets {
                    ErrorCode::UndeclaredSecret
                } else {
                    ErrorCode::ComposeUndeclaredConfig
                };
                self.cx.error(
                    code,
                    format!("unknown {what} `{}`", source.value),
                    source.span,
                    "not declared",
                    help,
                );
                continue;
            };
            let config_file = (!secrets && only_source)
                .then(|| {
                    g.file
                        .as_ref()
                        .and_then(|f| project_path_above(&f.value, &self.cx.above))
                })
                .flatten();
            if let Some(src) = config_file {
                let target = match target {
                    Some(t) if t.value.starts_with('/') => t.value,
                    Some(t) => format!("/{}", t.value),
                    None => format!("/{}", source.value),
                };
                out.push(Sp::new(
                    MountSpec::Long(MountLong {
                        config: Some(Sp::new(src, item.span)),
                        target: Some(Sp::new(target, item.span)),
                        name: Some(source.clone()),
                        ..Default::default()
                    }),
                    item.span,
                ));
                continue;
            }
            let raw = g.raw.clone();
            let definitions = if secrets {
                &mut self.compose.secrets
            } else {
                &mut self.compose.configs
            };
            definitions.entry(source.value.clone()).or_insert(raw);
            self.compose_only(
                &p,
                item.span,
                &format!("{what}s mounted as files are not in the stack spec"),
            );
            kept.push(to_json(&item.value));
        }
        if !kept.is_empty() {
            extra.insert(
                if secrets { "secrets" } else { "configs" }.to_string(),
                serde_json::Value::Array(kept),
            );
        }
    }
}
