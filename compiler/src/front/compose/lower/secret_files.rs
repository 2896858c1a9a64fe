//! Compose secrets mounted as files (`secrets: [db_password]` on a service, defined at top level
//! by `file:` or `environment:`) become spec secrets mounted with `{ secret, target }`, so every
//! target mounts them: a database that reads `POSTGRES_PASSWORD_FILE` still starts after
//! `stackc import`, under Quadlet or Kubernetes too.

use crate::diag::Span;
use crate::syntax::Sp;
use crate::syntax::forms::{MountLong, MountSpec};
use crate::syntax::spec::SecretSpec;

use super::super::interp::Op;
use super::super::names::spec_name;
use super::{Lowering, project_path_above};

impl Lowering<'_> {
    /// The spec mount of compose secret `source` at `target` (relative targets are under
    /// `/run/secrets/`, as compose reads them), declaring the spec secret on first use; `None`
    /// when the definition is neither a project `file` nor an `environment` variable (it then
    /// stays compose-only).
    pub(super) fn secret_file_mount(
        &mut self,
        source: &Sp<String>,
        target: Option<&Sp<String>>,
        span: Span,
    ) -> Option<Sp<MountSpec>> {
        let def = self.top_secrets.get(&source.value)?;
        let file = def
            .file
            .as_ref()
            .and_then(|f| project_path_above(&f.value, &self.cx.above));
        let env = def
            .raw
            .get("environment")
            .and_then(|e| e.as_str())
            .map(str::to_string);
        let mut spec = SecretSpec {
            generate: None,
            from_env: None,
            file: None,
            external: None,
            optional: None,
            env_name: None,
        };
        match (file, env) {
            (Some(f), _) => spec.file = Some(Sp::new(f, span)),
            (None, Some(e)) => {
                // The same variable interpolated elsewhere (`${DB_PASSWORD}`) is the same
                // secret: declare it through the variable, once.
                self.secret_vars.insert(e.clone());
                let reference = self.use_var(&e, Op::Plain, &[], span, "secrets", false);
                if let Some(name) = reference
                    .strip_prefix("${secrets.")
                    .and_then(|r| r.strip_suffix('}'))
                {
                    return Some(mount(name.to_string(), source, target, span));
                }
                spec.from_env = Some(Sp::new(e.clone(), span));
                spec.env_name = Some(Sp::new(e, span));
            }
            (None, None) => return None,
        }
        let base = spec_name(&source.value);
        let same = |s: &SecretSpec| {
            s.file.as_ref().map(|f| &f.value) == spec.file.as_ref().map(|f| &f.value)
                && s.from_env.as_ref().map(|f| &f.value) == spec.from_env.as_ref().map(|f| &f.value)
        };
        let name = match self.secrets_out.get(base.as_str()) {
            Some(existing) if same(existing) => base,
            _ => {
                let name = self.secret_names.fresh(&base);
                self.secrets_out.insert(Sp::new(name.clone(), span), spec);
                name
            }
        };
        Some(mount(name, source, target, span))
    }
}

/// The spec mount of secret `name` where compose mounts `source` (relative targets are under
/// `/run/secrets/`).
fn mount(
    name: String,
    source: &Sp<String>,
    target: Option<&Sp<String>>,
    span: Span,
) -> Sp<MountSpec> {
    let target = match target {
        Some(t) if t.value.starts_with('/') => t.value.clone(),
        Some(t) => format!("/run/secrets/{}", t.value),
        None => format!("/run/secrets/{}", source.value),
    };
    Sp::new(
        MountSpec::Long(MountLong {
            secret: Some(Sp::new(name, span)),
            target: Some(Sp::new(target, span)),
            ..Default::default()
        }),
        span,
    )
}
