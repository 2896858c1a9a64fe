//! `stackc verify`: reads each target's generated files back into one neutral model of the
//! deployment ([`model`]) and compares it with the spec's IR lowered into the same model
//! ([`expect`]). Every difference is a diagnostic at the output file and line.
//!
//! The readers ([`read`]) know the targets' file formats only: nothing here is shared with
//! stackc's writers, so a writer's bug cannot hide in both.

pub mod compare;
pub mod expect;
pub mod files;
pub mod ini;
pub mod model;
pub mod read;
pub mod source;
pub mod units;
pub mod words;
pub mod yaml;

use std::path::{Path, PathBuf};

use stackc_compiler::diag::{Diagnostic, SourceFile};
use stackc_compiler::ir::Stack;

pub use files::{DIFFERS, UNREADABLE};

/// The targets whose output can be verified: every target stackc builds.
pub use stackc_compiler::target::Target;

/// Guesses the target of a directory from the files in it.
fn detect(dir: &Path, stack: &Stack) -> Option<Target> {
    let names = files::Dir::new(dir).list();
    let has = |f: &dyn Fn(&String) -> bool| names.iter().any(f);
    if names.contains(&stack.targets.compose_file) {
        Some(Target::Compose)
    } else if names.iter().any(|n| n == "kustomization.yaml") {
        Some(Target::K8s)
    } else if has(&|n| n.ends_with(".container")) {
        Some(Target::Quadlet)
    } else if has(&|n| n.ends_with(".service")) {
        Some(Target::Units)
    } else if has(&|n| n.ends_with(".Dockerfile")) {
        Some(Target::Dockerfile)
    } else {
        None
    }
}

/// The directories to verify: `DIR/<target>/` for each target found (or asked for) there, else
/// `DIR` itself as the one target asked for or recognised by its files.
pub fn layout(
    stack: &Stack,
    dir: &Path,
    targets: &[Target],
) -> Result<Vec<(Target, PathBuf)>, String> {
    let wanted: Vec<Target> = if targets.is_empty() {
        Target::ALL.to_vec()
    } else {
        targets.to_vec()
    };
    let nested: Vec<(Target, PathBuf)> = wanted
        .iter()
        .map(|t| (*t, dir.join(t.folder())))
        .filter(|(_, p)| p.is_dir())
        .collect();
    if !nested.is_empty() && (targets.is_empty() || nested.len() == targets.len()) {
        return Ok(nested);
    }
    match targets {
        [t] => Ok(vec![(*t, dir.to_path_buf())]),
        [] => detect(dir, stack)
            .map(|t| vec![(t, dir.to_path_buf())])
            .ok_or_else(|| format!("`{}` holds no output of a known target", dir.display())),
        _ => Err(format!(
            "`{}` has no sub-directory for each target asked for",
            dir.display()
        )),
    }
}

/// Reads one target's output directory into its model; reading problems are diagnostics.
pub fn read_target(stack: &Stack, target: Target, dir: &Path) -> (model::Model, Vec<Diagnostic>) {
    let mut d = files::Dir::new(dir);
    let model = match target {
        Target::Compose => read::compose::read(&mut d, &stack.targets.compose_file),
        Target::K8s => read::k8s::read(&mut d),
        Target::Quadlet => read::systemd::read_quadlet(&mut d),
        Target::Units => read::systemd::read_units(&mut d),
        Target::Dockerfile => {
            let mut m = model::Model::default();
            read::dockerfile::read(&mut d, &mut m);
            m
        }
    };
    (model, d.diags)
}

/// Verifies one target's output directory against the spec.
pub fn verify_target(stack: &Stack, target: Target, dir: &Path) -> Vec<Diagnostic> {
    let (model, mut diags) = read_target(stack, target, dir);
    let main = match target {
        Target::Compose => stack.targets.compose_file.clone(),
        Target::K8s => "kustomization.yaml".into(),
        _ => String::new(),
    };
    let fallback = source::Loc::new(
        &SourceFile::new(dir.join(main).display().to_string(), ""),
        1,
    );
    diags.extend(compare::compare(stack, target, &model, &fallback));
    diags
}

/// Verifies every target of `dir` (see [`layout`]); `Err` is a usage problem.
pub fn verify(stack: &Stack, dir: &Path, targets: &[Target]) -> Result<Vec<Diagnostic>, String> {
    if !dir.is_dir() {
        return Err(format!("`{}` is not a directory", dir.display()));
    }
    let mut out = Vec::new();
    for (t, d) in layout(stack, dir, targets)? {
        out.extend(verify_target(stack, t, &d));
    }
    Ok(out)
}
