//! Image references that hold variables (`image: acme/web:${vars.tag}`): what CI builds need.

use super::{Names, Resolver};
use crate::ir::{Segment, Value};
use crate::syntax::Sp;

impl Resolver {
    /// Resolves an image reference that may refer to variables. Variables with a value every
    /// target can write (a value without `from_env`, or one given with `--set`) are
    /// substituted; when a deploy-time variable remains, the text keeps `${vars.NAME}` and the
    /// value is returned too, for the backends that can interpolate it (compose) or must refuse
    /// it (Kubernetes, systemd).
    pub(super) fn image_text(
        &mut self,
        image: &Sp<String>,
        names: &Names,
    ) -> (Sp<String>, Option<Value>) {
        if !image.value.contains("${") {
            return (image.clone(), None);
        }
        let value = self.value(image, names);
        let mut text = String::new();
        let mut deploy_time = false;
        for seg in &value.segments {
            match seg {
                Segment::Literal(t) => text.push_str(t),
                Segment::Var(id) => {
                    let (name, fixed, deploy) = &names.var_fixed[id.index()];
                    match fixed {
                        Some(v) => text.push_str(v),
                        None if !deploy => {
                            self.err(
                                "STK026",
                                format!("variable `{name}` has no value in this environment"),
                                image.span,
                                "used in this image",
                                format!("give `{name}` a `default` or `from_env`, or pass `--set {name}=VALUE`"),
                            );
                            return (image.clone(), None);
                        }
                        None => {
                            deploy_time = true;
                            text.push_str(&format!("${{vars.{name}}}"));
                        }
                    }
                }
                _ => {
                    self.err(
                        "STK027",
                        format!(
                            "image `{}` refers to something other than a variable",
                            image.value.escape_debug()
                        ),
                        image.span,
                        "only `${vars.NAME}` can appear in an image",
                        "write the image with `${vars.NAME}` references only, e.g. `acme/web:${vars.tag}`",
                    );
                    return (image.clone(), None);
                }
            }
        }
        let text = Sp::new(text, image.span);
        if deploy_time {
            (text, Some(value))
        } else {
            (text, None)
        }
    }
}

impl Resolver {
    /// A `secret:` mount: the secret's id and the target (default `/run/secrets/NAME`).
    pub(super) fn secret_mount(
        &mut self,
        secret: &Sp<String>,
        target: Option<&Sp<String>>,
        names: &Names,
    ) -> Option<(crate::ir::SecretId, Sp<String>)> {
        let Some(id) = names.secrets.get(&secret.value) else {
            let help = super::hint_str(
                &secret.value,
                names.secrets.keys(),
                "declare it under top-level `secrets:`",
            );
            self.err(
                "STK013",
                format!("unknown secret `{}`", secret.value),
                secret.span,
                "not declared",
                help,
            );
            return None;
        };
        let target = target
            .cloned()
            .unwrap_or_else(|| Sp::new(format!("/run/secrets/{}", secret.value), secret.span));
        Some((*id, target))
    }
}
