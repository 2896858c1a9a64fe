//! Variables: how `${VAR}` references become spec variables or secrets, and literal
//! credentials moved into secrets.

use super::*;

impl Lowering<'_> {
    /// A variable used with another default than at its first use: another spec variable,
    /// reading the same environment variable with this default.
    fn other_default(&mut self, name: &str, default: String, span: Span) -> String {
        self.variant(
            name,
            format!("{name}\u{0}{default}"),
            Some(default),
            false,
            span,
        )
    }

    /// Another spec variable reading compose variable `name` (see [`VarUse::passthrough`]):
    /// with no default and not required (`passthrough`), or required.
    fn other_use(&mut self, name: &str, required: bool, span: Span) -> String {
        let tag = if required { "required" } else { "pass-through" };
        self.variant(name, format!("{name}\u{0}\u{0}{tag}"), None, required, span)
    }

    /// The spec variable `key` reading compose variable `name`, declared on first use.
    fn variant(
        &mut self,
        name: &str,
        key: String,
        default: Option<String>,
        required: bool,
        span: Span,
    ) -> String {
        if !self.vars.contains_key(&key) {
            let mut n = 2;
            let spec_name = loop {
                let candidate = format!("{name}_{n}");
                if !self.vars.values().any(|v| v.spec_name == candidate)
                    && !self.used_var_names.contains(&candidate)
                {
                    break candidate;
                }
                n += 1;
            };
            self.vars.insert(
                key.clone(),
                VarUse {
                    secret: false,
                    spec_name,
                    span,
                    passthrough: default.is_none() && !required,
                    default,
                    required,
                    env: name.to_string(),
                },
            );
        }
        format!("${{vars.{}}}", self.vars[&key].spec_name)
    }

    /// A secret variable with a default (`${DB_PASSWORD:-changeme}`): secrets have no default
    /// in the spec, so on import the default moves to `.env` with the literal credentials
    /// (compose reads it from there, as it read the default); linting leaves it out.
    fn secret_default(&mut self, name: &str, default: String, span: Span, path: &str) {
        if self.mode == Mode::Import && !default.is_empty() {
            if !self.moved_secrets.iter().any(|(n, _)| n == name) {
                self.moved_secrets.push((name.to_string(), default));
            }
            self.cx.approximated(
                path,
                span,
                format!("the default of secret `{name}` is written to `.env` (`stackc import -o`); secrets have no default in the spec"),
            );
        } else {
            self.cx.approximated(path, span, format!("secret `{name}` had a default value in the compose file; secrets have none, so it was left out"));
        }
    }

    /// Marks variables whose whole value is taken by a credential-shaped environment key.
    /// Also marks variables given whole to a credential option, and finds the URL variables
    /// that carry no credential (see `secret_vars.rs`).
    pub(super) fn classify_secret_vars(&mut self, services: &[(&Sp<String>, &Entries)]) {
        let mut defaults = IndexMap::new();
        for (_, e) in services {
            for (k, v) in e.iter() {
                if k.value != "environment" && k.value != "command" && k.value != "entrypoint" {
                    if k.value == "healthcheck" || k.value == "build" {
                        collect_var_names(v, &mut self.used_var_names);
                        secret_vars::defaults(v, &mut defaults);
                    }
                    if k.value == "healthcheck"
                        && let Node::Map(m) = &v.value
                        && let Some((_, test)) = m.iter().find(|(k, _)| k.value == "test")
                    {
                        self.secret_vars
                            .extend(secret_vars::option_secret_vars(test));
                    }
                    continue;
                }
                collect_var_names(v, &mut self.used_var_names);
                secret_vars::defaults(v, &mut defaults);
                if k.value != "environment" {
                    self.secret_vars.extend(secret_vars::option_secret_vars(v));
                    continue;
                }
                let pairs: Vec<(String, String)> = match &v.value {
                    Node::Map(m) => m
                        .iter()
                        .filter_map(|(k, v)| Some((k.value.clone(), v.value.scalar_text()?)))
                        .collect(),
                    Node::Seq(items) => items
                        .iter()
                        .filter_map(|i| {
                            let t = i.value.scalar_text()?;
                            let (k, v) = t.split_once('=')?;
                            Some((k.to_string(), v.to_string()))
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                for (key, value) in pairs {
                    if !is_credential_key(&key) {
                        continue;
                    }
                    if let Ok(p) = interp::parse(&value)
                        && let [Piece::Var { name, .. }] = p.as_slice()
                    {
                        self.secret_vars.insert(name.clone());
                    }
                }
            }
        }
        for name in &self.used_var_names {
            self.secret_env_names.take(name);
        }
        self.plain_url_vars = secret_vars::plain_url_vars(
            self.used_var_names.iter(),
            |n| is_secret_var_name(n) && !is_credential_key(n),
            &defaults,
            &self.project_env,
        );
        // A value of the project's env file that looks like a credential makes its variable
        // a secret: the value stays in the env file, never in the spec.
        for (name, value) in &self.project_env {
            if self.used_var_names.contains(name)
                && (known_token(value).is_some() || url_credential(value).is_some())
            {
                self.secret_vars.insert(name.clone());
            }
        }
    }

    /// The reference a compose variable becomes, registering it on first use.
    pub(super) fn use_var(
        &mut self,
        name: &str,
        op: Op,
        arg: &[Piece],
        span: Span,
        path: &str,
        passthrough: bool,
    ) -> String {
        if matches!(op, Op::AltIfNonEmpty | Op::AltIfSet) {
            // The project's env file decides, as it does for compose.
            let value = self.project_env.get(name);
            let applies = match op {
                Op::AltIfNonEmpty => value.is_some_and(|v| !v.is_empty()),
                _ => value.is_some(),
            };
            let form = format!("${{{name}{}...}}", op.as_str());
            if !applies {
                let unset = if op == Op::AltIfSet {
                    "unset"
                } else {
                    "unset or empty"
                };
                self.cx.approximated(path, span, format!("`{form}` (a replacement when `{name}` is set) is not in the stack spec; the project's env file leaves `{name}` {unset}, so it is imported as the empty text compose reads"));
                return String::new();
            }
            self.cx.approximated(path, span, format!("`{form}` (a replacement when `{name}` is set) is not in the stack spec; the project's env file sets `{name}`, so it is imported as the replacement text"));
            let mut s = String::new();
            for p in arg {
                self.render_piece(p, span, path, &mut s);
            }
            return s;
        }
        if !self.vars.contains_key(name) {
            let secret = self.secret_vars.contains(name)
                || (is_secret_var_name(name) && !self.plain_url_vars.contains(name));
            let spec_name = if secret {
                let base = spec_name(&name.to_lowercase());
                self.secret_names.fresh(&base)
            } else {
                name.to_string()
            };
            self.vars.insert(
                name.to_string(),
                VarUse {
                    secret,
                    spec_name,
                    span,
                    default: None,
                    required: false,
                    env: name.to_string(),
                    passthrough: false,
                },
            );
        }
        let secret = self.vars[name].secret;
        let reference = {
            let v = &self.vars[name];
            if v.secret {
                format!("${{secrets.{}}}", v.spec_name)
            } else {
                format!("${{vars.{}}}", v.spec_name)
            }
        };
        // `KEY` alone: the spec variable keeps no default and is not required (a fidelity
        // build writes it alone again); one that has either reads it through another. (An
        // empty default, of `${KEY}` elsewhere, is kept: targets without a deploying
        // environment then have a value.)
        if passthrough && !secret {
            let v = self.vars.get_mut(name).expect("registered above");
            if v.default.as_ref().is_some_and(|d| !d.is_empty()) || v.required {
                return self.other_use(name, false, span);
            }
            v.passthrough = true;
            return reference;
        }
        let passed = self.vars[name].passthrough;
        match op {
            // `${X}` is empty when X is unset (`KEY` alone leaves it unset: no default).
            Op::Plain if !passthrough && !secret => {
                let structural = self.structural_vars.contains(name);
                let v = self.vars.get_mut(name).expect("registered above");
                match &v.default {
                    None if structural => {}
                    None => {
                        v.default = Some(String::new());
                        self.implicit_empty.insert(name.to_string());
                    }
                    Some(d) if d.is_empty() => {}
                    Some(_) => return self.other_default(name, String::new(), span),
                }
            }
            Op::Plain => {}
            Op::DefaultIfEmpty | Op::DefaultIfUnset => {
                // A secret's default moves to `.env` as a value: one that reads other
                // variables (`${DIRECT_URL:-${DATABASE_URL}}`) takes theirs from the project's
                // env file, as compose does.
                let default = if secret {
                    interp::substituted(arg, &self.project_env)
                } else {
                    interp::with_defaults(arg)
                };
                if interp::has_vars(arg) && !secret {
                    self.cx.approximated(
                        path,
                        span,
                        format!(
                            "the default of `{name}` uses variables; imported with their defaults"
                        ),
                    );
                }
                if op == Op::DefaultIfUnset {
                    self.cx.approximated(path, span, format!("`${{{name}-...}}` keeps an empty `{name}`; the stack spec uses the default also when `{name}` is empty"));
                }
                if secret {
                    self.secret_default(name, default, span, path);
                } else {
                    let v = self.vars.get_mut(name).expect("registered above");
                    match &v.default {
                        None if passed && !default.is_empty() => {
                            return self.other_default(name, default, span);
                        }
                        None => v.default = Some(default),
                        Some(d) if *d == default => {}
                        Some(_) => return self.other_default(name, default, span),
                    }
                }
            }
            Op::ErrorIfEmpty | Op::ErrorIfUnset => {
                if op == Op::ErrorIfUnset {
                    self.cx.approximated(path, span, format!("`${{{name}?...}}` accepts an empty `{name}`; the stack spec requires a non-empty value"));
                }
                if passed && !secret {
                    return self.other_use(name, true, span);
                }
                self.vars.get_mut(name).expect("registered above").required = true;
            }
            // Handled above.
            Op::AltIfNonEmpty | Op::AltIfSet => {}
        }
        reference
    }

    pub(super) fn render_piece(&mut self, p: &Piece, span: Span, path: &str, out: &mut String) {
        match p {
            Piece::Lit(t) => out.push_str(&t.replace('$', "$$")),
            Piece::Var { name, op, arg, .. } => {
                let r = self.use_var(name, *op, arg, span, path, false);
                out.push_str(&r);
            }
        }
    }

    /// A value in the spec's syntax: `${secrets.NAME}`, `${vars.NAME}`, `$$` for `$`.
    pub(super) fn spec_value(&mut self, s: &Sp<String>, path: &str) -> Option<Sp<String>> {
        let pieces = self.cx.pieces(s, path)?;
        let base = self.cx.text_base(s.span);
        let mut out = String::new();
        for p in &pieces {
            let span = match p {
                Piece::Var { start, end, .. } => Span::new(
                    base + *start as u32,
                    (base + *end as u32).min(s.span.end.max(base)),
                ),
                Piece::Lit(_) => s.span,
            };
            self.render_piece(p, span, path, &mut out);
        }
        Some(Sp::new(out, s.span))
    }

    /// [`Self::spec_value`] for a value where an empty variable changes what the file means
    /// (an image: `nginx:${TAG}` is not `nginx:`): its plain `${X}` variables get no empty
    /// default, so a build that has no value for them stops at a located error (`STK045`).
    pub(super) fn structural_value(&mut self, s: &Sp<String>, path: &str) -> Option<Sp<String>> {
        let mut names = HashSet::new();
        if let Ok(p) = interp::parse(&s.value) {
            collect_pieces(&p, &mut names);
        }
        self.structural_vars.extend(names.iter().cloned());
        let out = self.spec_value(s, path);
        for name in &names {
            if self.implicit_empty.remove(name)
                && let Some(v) = self.vars.get_mut(name)
                && v.default.as_deref() == Some("")
            {
                v.default = None;
            }
        }
        out
    }

    /// A literal credential in `key`'s value moved into a secret (import only): the spec value
    /// referring to it, or `None` when the value is not a literal credential.
    pub(super) fn literal_secret(
        &mut self,
        key: &Sp<String>,
        value: &Sp<String>,
        path: &str,
    ) -> Option<Sp<String>> {
        if self.mode != Mode::Import {
            return None;
        }
        let pieces = interp::parse(&value.value).ok()?;
        if interp::has_vars(&pieces) {
            return None;
        }
        let text = interp::with_defaults(&pieces);
        if text.is_empty() {
            return None;
        }
        if is_credential_key(&key.value) || known_token(&text).is_some() {
            let name = self.literal_secret_name(&key.value, &text, value.span, path);
            return Some(Sp::new(format!("${{secrets.{name}}}"), value.span));
        }
        let cred = url_credential(&text)?;
        let password = &text[cred.password_range.clone()];
        let name = self.literal_secret_name(
            &format!("{}_password", key.value),
            password,
            value.span,
            path,
        );
        let out = format!(
            "{}${{secrets.{name}}}{}",
            text[..cred.password_range.start].replace('$', "$$"),
            text[cred.password_range.end..].replace('$', "$$")
        );
        Some(Sp::new(out, value.span))
    }

    pub(super) fn literal_secret_name(
        &mut self,
        key: &str,
        literal: &str,
        span: Span,
        path: &str,
    ) -> String {
        if let Some(name) = self.literal_secrets.get(literal) {
            let name = name.clone();
            self.cx.approximated(
                path,
                span,
                format!(
                    "literal credential replaced by secret `{name}` (same value as its first use)"
                ),
            );
            return name;
        }
        let name = self.secret_names.fresh(&spec_name(&key.to_lowercase()));
        let env = self
            .secret_env_names
            .fresh(&key.to_uppercase().replace(['-', '.'], "_"));
        let mut spec = SecretSpec {
            generate: None,
            from_env: Some(Sp::new(env.clone(), span)),
            file: None,
            external: None,
            optional: None,
            env_name: None,
        };
        if name.to_uppercase().replace('-', "_") != env {
            spec.env_name = Some(Sp::new(env.clone(), span));
        }
        self.secrets_out.insert(Sp::new(name.clone(), span), spec);
        self.literal_secrets
            .insert(literal.to_string(), name.clone());
        self.moved_secrets.push((env.clone(), literal.to_string()));
        self.cx.approximated(
            path,
            span,
            format!("literal credential moved into secret `{name}`, read from `{env}`: `stackc import -o` writes its value to `.env` beside the spec (the spec keeps no value)"),
        );
        name
    }
}

/// Collects the names of every variable used in a node's scalars.
pub(super) fn collect_var_names(n: &Sp<Node>, out: &mut HashSet<String>) {
    match &n.value {
        Node::Seq(items) => items.iter().for_each(|i| collect_var_names(i, out)),
        Node::Map(m) => m.iter().for_each(|(_, v)| collect_var_names(v, out)),
        Node::Str(s) => {
            if let Ok(p) = interp::parse(s) {
                collect_pieces(&p, out);
            }
        }
        _ => {}
    }
}

pub(super) fn collect_pieces(pieces: &[Piece], out: &mut HashSet<String>) {
    for p in pieces {
        if let Piece::Var { name, arg, .. } = p {
            out.insert(name.clone());
            collect_pieces(arg, out);
        }
    }
}

/// Variables whose name says they carry a secret: credential-shaped names, and connection
/// URLs of data stores (which usually embed a password).
pub fn is_secret_var_name(name: &str) -> bool {
    if is_credential_key(name) {
        return true;
    }
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .collect();
    let Some(last) = words.last() else {
        return false;
    };
    const STORES: &[&str] = &[
        "DATABASE",
        "DB",
        "REDIS",
        "MONGO",
        "MONGODB",
        "POSTGRES",
        "POSTGRESQL",
        "PG",
        "MYSQL",
        "MARIADB",
        "AMQP",
        "RABBITMQ",
        "BROKER",
        "CONNECTION",
    ];
    matches!(*last, "URL" | "URI" | "DSN" | "STRING")
        && words[..words.len() - 1].iter().any(|w| STORES.contains(w))
}

/// The variables a node uses without a default (`${X}`, `$X`, `${X:?error}`), as written:
/// compose takes them from the environment or `.env` when it runs, so no value is known here.
pub(super) fn unresolved_vars(n: &Sp<Node>) -> Vec<String> {
    let mut out = Vec::new();
    collect_unresolved(n, &mut out);
    out
}

fn collect_unresolved(n: &Sp<Node>, out: &mut Vec<String>) {
    match &n.value {
        Node::Seq(items) => items.iter().for_each(|i| collect_unresolved(i, out)),
        Node::Map(m) => m.iter().for_each(|(_, v)| collect_unresolved(v, out)),
        Node::Str(s) => {
            for p in interp::parse(s).unwrap_or_default() {
                if let Piece::Var { name, op, .. } = p
                    && !matches!(op, Op::DefaultIfEmpty | Op::DefaultIfUnset)
                    && !out.contains(&name)
                {
                    out.push(name);
                }
            }
        }
        _ => {}
    }
}

/// `${A}`, `${B}` as a list for messages.
pub(super) fn var_list(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`${{{n}}}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
