//! Values a target must write down when it is generated, because nothing interpolates them when
//! it is deployed (Kubernetes manifests, Quadlet files, systemd units): variables whose value
//! comes from the deploying environment (`from_env`), including in image names.

use stackc_compiler::diag::{Diagnostic, ErrorCode, Span};
use stackc_compiler::ir::{EnvVar, Segment, Service, Stack, Value, Variable};
use stackc_compiler::syntax::Sp;
use stackc_compiler::target::Target;

use crate::output::{LossEntry, Outcome};

/// A variable that has no value in this build where a target must write one.
pub const CODE_NO_VALUE: ErrorCode = ErrorCode::VariableWithoutValue;

/// The value a target that cannot interpolate writes for `var`: its value in this environment
/// (with an approximation note when `from_env` would have overridden it), or an `STK045` error
/// located at `span` when it has none (an empty value is never written).
pub fn variable_value(
    stack: &Stack,
    var: &Variable,
    target: Target,
    svc: Option<&Service>,
    span: Span,
    losses: &mut Vec<LossEntry>,
) -> Result<String, Diagnostic> {
    match (&var.value, &var.from_env) {
        (Some(v), None) => Ok(v.clone()),
        (Some(v), Some(from)) => {
            losses.push(LossEntry {
                target,
                service: svc.map(|s| s.name.value.clone()),
                feature: format!("vars.{}", var.name.value),
                outcome: Outcome::Approximated(format!(
                    "`{from}` is not read when deploying ({target} files are not interpolated): the value `{v}` is written; pass `--set {}=VALUE` to write another",
                    var.name.value
                )),
                span: Some(span),
            });
            Ok(v.clone())
        }
        (None, from) => {
            let why = match from {
                Some(f) => format!(
                    "its value comes from `{f}` when deploying, and {target} files are not interpolated"
                ),
                None => "it has no default and no value in this environment".to_string(),
            };
            Err(Diagnostic::error(
                CODE_NO_VALUE,
                format!("variable `{}` has no value for the {target} target", var.name.value),
            )
            .at(&stack.file, span, why)
            .help(format!(
                "pass `--set {}=VALUE` to `stackc build` (CI: `--set {}=$IMAGE_TAG` or similar), or give the variable a `default`",
                var.name.value, var.name.value
            )))
        }
    }
}

/// The image text a target that cannot interpolate writes: `image` itself, or with a template
/// (a deploy-time variable remains) each variable replaced by [`variable_value`].
pub fn fixed_image(
    stack: &Stack,
    image: &Sp<String>,
    template: Option<&Value>,
    target: Target,
    svc: Option<&Service>,
    losses: &mut Vec<LossEntry>,
) -> Result<String, Diagnostic> {
    let Some(t) = template else {
        return Ok(image.value.clone());
    };
    let mut out = String::new();
    for seg in &t.segments {
        match seg {
            Segment::Literal(l) => out.push_str(l),
            Segment::Var(id) => {
                out.push_str(&variable_value(
                    stack,
                    stack.variable(*id),
                    target,
                    svc,
                    image.span,
                    losses,
                )?);
            }
            // The resolver refuses other references in images.
            _ => {}
        }
    }
    Ok(out)
}

/// The image a service runs, and its span: `image` (an overlay's included), else
/// `build.image`, with deploy-time variables resolved by [`fixed_image`]. `None` when neither
/// is set.
pub fn run_image(
    stack: &Stack,
    svc: &Service,
    target: Target,
    losses: &mut Vec<LossEntry>,
) -> Option<Result<(String, Span), Diagnostic>> {
    let (image, template) = match (&svc.image, svc.build.as_ref()) {
        (Some(i), _) => (i, svc.image_template.as_ref()),
        (None, Some(b)) => (b.image.as_ref()?, b.image_template.as_ref()),
        (None, None) => return None,
    };
    Some(
        fixed_image(stack, image, template, target, Some(svc), losses)
            .map(|text| (text, image.span)),
    )
}

/// Whether an env entry passes through a variable that has no value in this build (compose's
/// `KEY` alone, imported, with `KEY` set nowhere): compose leaves `KEY` unset in the container,
/// so a target that is not interpolated when deployed leaves the entry out (and says so in the
/// loss report) instead of writing an empty value or refusing the build.
pub fn unset_pass_through(stack: &Stack, e: &EnvVar) -> bool {
    match e.value.segments.as_slice() {
        [Segment::Var(id)] => {
            let var = stack.variable(*id);
            var.value.is_none()
                && !var.required
                && !var.set_on_command_line
                && var.from_env.as_deref() == Some(e.key.value.as_str())
        }
        _ => false,
    }
}

/// The loss report entry (feature, outcome) of an env entry left out by
/// [`unset_pass_through`].
pub fn unset_pass_through_loss(e: &EnvVar) -> (String, Outcome) {
    (
        format!("env.{}", e.key.value),
        Outcome::Approximated(format!(
            "`{}` passes the variable through and it is set nowhere in this build: left unset, as compose leaves it; pass `--set {}=VALUE` to write a value",
            e.key.value, e.key.value
        )),
    )
}

/// `STK057` for a restart policy taken from a deploy-time variable (`restart: ${vars.NAME}`)
/// that has no value in this build: compose interpolates it when it runs, a target that cannot
/// interpolate must write one of the policies.
pub fn restart_without_value(stack: &Stack, svc: &Service, target: Target) -> Option<Diagnostic> {
    let t = svc.restart.template.as_ref()?;
    let name = t.segments.iter().find_map(|s| match s {
        Segment::Var(id) => Some(stack.variable(*id)),
        _ => None,
    })?;
    if name.value.as_deref().is_some_and(|v| !v.is_empty()) {
        return None;
    }
    let var = &name.name.value;
    Some(
        Diagnostic::error(
            ErrorCode::RestartPolicyFromVariable,
            format!(
                "restart policy `${{vars.{var}}}` of `{}` has no value for the {target} target",
                svc.name.value
            ),
        )
        .at(
            &stack.file,
            svc.restart.span.unwrap_or(t.span),
            format!("`{var}` is read when deploying, and {target} files are not interpolated"),
        )
        .help(format!(
            "pass `--set {var}=unless-stopped` (or `no`, `always`, `on-failure`) to `stackc build`, or give the variable a `default`"
        )),
    )
}

/// `STK045` errors for every variable a target that cannot interpolate would have to write
/// without a value: in images and in env values, commands and health commands (`STK057` for
/// a restart policy).
pub fn check_values(stack: &Stack, target: Target) -> Vec<Diagnostic> {
    let mut errors = Vec::new();
    let mut scratch = Vec::new();
    for svc in &stack.services {
        errors.extend(restart_without_value(stack, svc, target));
        if let Some(Err(d)) = run_image(stack, svc, target, &mut scratch) {
            errors.push(d);
        }
        let skipped: Vec<&Value> = svc
            .env
            .iter()
            .filter(|e| unset_pass_through(stack, e))
            .map(|e| &e.value)
            .collect();
        for v in svc.values() {
            if skipped.iter().any(|s| std::ptr::eq(*s, v))
                || svc
                    .restart
                    .template
                    .as_ref()
                    .is_some_and(|t| std::ptr::eq(t, v))
            {
                continue;
            }
            for seg in &v.segments {
                if let Segment::Var(id) = seg {
                    let var = stack.variable(*id);
                    if var.value.is_none()
                        && let Err(d) =
                            variable_value(stack, var, target, Some(svc), v.span, &mut scratch)
                    {
                        errors.push(d);
                    }
                }
            }
        }
    }
    errors
}

/// The fully qualified form of an image reference, as Podman needs it (its short-name
/// resolution warns on every short name and fails in enforcing mode): Docker Hub names get
/// `docker.io/` (and `library/` for official images); a name whose first component is a
/// registry host (`ghcr.io/...`, `localhost/...`, `host:5000/...`) is kept.
pub fn fully_qualified(image: &str) -> String {
    match image.split_once('/') {
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            image.to_string()
        }
        Some(_) => format!("docker.io/{image}"),
        None => format!("docker.io/library/{image}"),
    }
}

#[cfg(test)]
mod tests {
    use super::fully_qualified;

    #[test]
    fn short_names_are_qualified_for_podman() {
        assert_eq!(
            fully_qualified("postgres:17.6"),
            "docker.io/library/postgres:17.6"
        );
        assert_eq!(
            fully_qualified("woodpeckerci/woodpecker-server:v3.8.0"),
            "docker.io/woodpeckerci/woodpecker-server:v3.8.0"
        );
        assert_eq!(fully_qualified("ghcr.io/acme/web:1"), "ghcr.io/acme/web:1");
        assert_eq!(fully_qualified("localhost/app:1"), "localhost/app:1");
        assert_eq!(
            fully_qualified("registry:5000/app:1"),
            "registry:5000/app:1"
        );
        assert_eq!(
            fully_qualified("redis@sha256:abc"),
            "docker.io/library/redis@sha256:abc"
        );
    }
}
