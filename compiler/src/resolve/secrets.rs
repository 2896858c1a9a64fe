//! `secrets:`: where each secret comes from (generated, the deploying environment, a file, external).

use crate::diag::ErrorCode;

use super::*;

impl Resolver {
    pub(super) fn secret(&mut self, name: &Sp<String>, s: &SecretSpec) -> Secret {
        let mut sources = Vec::new();
        if let Some(g) = &s.generate {
            let length = g.length.as_ref().map(|l| l.value).unwrap_or(32);
            if let Some(l) = &g.length
                && !(8..=4096).contains(&l.value)
            {
                self.err(
                    ErrorCode::InvalidValue,
                    format!("secret length {} is out of range", l.value),
                    l.span,
                    "between 8 and 4096",
                    "use a length of at least 16 for passwords",
                );
            }
            let alphabet = self.word(g.alphabet.as_ref(), Alphabet::Alnum);
            sources.push(SecretSource::Generate { length, alphabet });
        }
        if let Some(v) = &s.from_env {
            if !is_env_key(&v.value) {
                self.err(
                    ErrorCode::InvalidName,
                    format!("invalid variable name `{}`", v.value.escape_debug()),
                    v.span,
                    "not a variable name",
                    "use letters, digits and `_`",
                );
            }
            sources.push(SecretSource::FromEnv(v.value.clone()));
        }
        if let Some(v) = &s.file {
            // Kept normalised and confined: `secrets init` reads it from the spec's directory.
            let path =
                if v.value.starts_with('/') {
                    self.err(
                    ErrorCode::PathOutsideProject,
                    format!("secret file `{}` is an absolute path", v.value.escape_debug()),
                    v.span,
                    "outside the project",
                    "give a path relative to the spec's directory; stackc reads no file outside it",
                );
                    None
                } else {
                    self.relative_path(v, "secret file")
                };
            sources.push(SecretSource::File(path.unwrap_or_default()));
        }
        if let Some(v) = &s.external {
            sources.push(SecretSource::External(v.value.clone()));
        }
        if sources.len() != 1 {
            self.err(
                ErrorCode::MissingOrAmbiguousSource,
                format!(
                    "secret `{}` needs exactly one source, found {}",
                    name.value,
                    sources.len()
                ),
                name.span,
                "declared here",
                "set one of `generate`, `from_env`, `file`, `external`",
            );
        }
        let env_name = match &s.env_name {
            Some(e) => {
                if !is_env_key(&e.value) {
                    self.err(
                        ErrorCode::InvalidName,
                        format!("invalid variable name `{}`", e.value.escape_debug()),
                        e.span,
                        "not a variable name",
                        "use letters, digits and `_`",
                    );
                }
                e.value.clone()
            }
            None => name.value.to_uppercase().replace('-', "_"),
        };
        Secret {
            name: name.clone(),
            env_name,
            dns_name: dns_name(&name.value),
            source: sources
                .into_iter()
                .next()
                .unwrap_or(SecretSource::External(String::new())),
            optional: s.optional.as_ref().is_some_and(|o| o.value),
        }
    }
}
