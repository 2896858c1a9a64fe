//! `build:`: recipes, presets and their stages, packages, sources and secrets.

use crate::diag::ErrorCode;

use super::*;

impl Resolver {
    pub(super) fn build(&mut self, b: &BuildSpec, names: &Names) -> BuildRecipe {
        let built_image = b.image.as_ref().map(|i| self.image_text(i, names));
        let span = [
            b.preset.as_ref(),
            b.context.as_ref(),
            b.dockerfile.as_ref(),
            b.base.as_ref(),
        ]
        .into_iter()
        .flatten()
        .map(|s| s.span)
        .next()
        .unwrap_or(Span::DUMMY);
        let preset = b
            .preset
            .as_ref()
            .and_then(|p| Some(Sp::new(self.parse_word(p)?, p.span)));
        if b.preset.is_none() && b.dockerfile.is_none() && b.base.is_none() {
            self.err(ErrorCode::MissingOrAmbiguousSource, "a build needs `preset`, `base` or `dockerfile`", span, "nothing to build from", "set `preset: python-uv` (or another preset), a `base` image, or an existing `dockerfile`");
        }
        if let Some(p) = &preset
            && p.value == Preset::Plain
            && b.base.is_none()
            && b.dockerfile.is_none()
        {
            self.err(
                ErrorCode::MissingOrAmbiguousSource,
                "the `plain` preset needs a `base` image",
                p.span,
                "no base image",
                "set `base: IMAGE:TAG`, e.g. `debian:12.11-slim`",
            );
        }
        let context = match &b.context {
            Some(c) => self
                .relative_path(c, "build context")
                .unwrap_or_else(|| ".".into()),
            None => ".".into(),
        };
        let mut secrets = Vec::new();
        for s in &b.secrets {
            match names.secrets.get(&s.value) {
                Some(id) => secrets.push((*id, s.span)),
                None => {
                    let help = hint_str(
                        &s.value,
                        names.secrets.keys(),
                        "declare it under top-level `secrets:`",
                    );
                    self.err(
                        ErrorCode::UndeclaredSecret,
                        format!("unknown secret `{}`", s.value),
                        s.span,
                        "not declared",
                        help,
                    );
                }
            }
        }
        let cmd_shell = b
            .cmd
            .as_ref()
            .filter(|c| matches!(c.value, CommandSpec::Shell(_)))
            .map(|c| c.span);
        let cmd = b.cmd.as_ref().map(|c| match &c.value {
            CommandSpec::Exec(v) => v.clone(),
            CommandSpec::Shell(s) => vec![
                Sp::new("/bin/sh".to_string(), c.span),
                Sp::new("-c".to_string(), c.span),
                Sp::new(s.value.clone(), c.span),
            ],
        });
        BuildRecipe {
            span,
            context,
            dockerfile: b.dockerfile.clone(),
            preset,
            base: b.base.clone(),
            builder: b.builder.clone(),
            system_packages: b.system_packages.clone(),
            build_packages: b.build_packages.clone(),
            steps: b.steps.clone(),
            sources: b.sources.clone(),
            cmd,
            cmd_shell,
            user: b.user.clone(),
            workdir: b.workdir.clone(),
            env: b.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            args: b.args.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            secrets,
            ignore: b.ignore.clone(),
            labels: b
                .labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            image: built_image.as_ref().map(|i| i.0.clone()),
            image_template: built_image.and_then(|i| i.1),
        }
    }
}
