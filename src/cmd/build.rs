//! `stackc build`: compile, lint, emit every requested target, then write (or `--check`).

use std::path::Path;
use std::process::ExitCode;

use stackc_backends::output::{EmitContext, Outcome};
use stackc_backends::{EmitOptions, Target};
use stackc_compiler::diag::{Diagnostic, Severity};
use stackc_compiler::ir::SystemdFlavour;

use super::{EXIT_FINDINGS, EXIT_USAGE, dir_of, load, print_diagnostics};
use crate::cli::{BuildArgs, DiagFormat, expand};
use crate::write;

/// The relative path from directory `from` to directory `to`, with `/` separators.
pub fn relative(from: &Path, to: &Path) -> String {
    let (a, b) = (write::absolute(from), write::absolute(to));
    let a: Vec<_> = a.components().collect();
    let b: Vec<_> = b.components().collect();
    let common = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), a.len() - common).collect();
    parts.extend(
        b[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    if parts.is_empty() {
        ".".into()
    } else {
        parts.join("/")
    }
}

pub fn run(args: &BuildArgs) -> ExitCode {
    let (path, compiled) = match load(&args.spec, args.format) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let stack = &compiled.stack;
    let findings = super::lint::lint_for_build(&compiled, &path);
    let blocking = findings
        .iter()
        .any(|d| d.severity == Severity::Error && d.suppressed.is_none());
    let shown: Vec<Diagnostic> = findings
        .into_iter()
        .filter(|d| d.suppressed.is_none())
        .collect();
    if blocking && !args.fidelity {
        print_diagnostics(&shown, args.format);
        if args.format == DiagFormat::Human {
            eprintln!(
                "error: lint errors block the build; nothing was written\nhelp: fix them, or suppress one with a reason under `lint.ignore`"
            );
        }
        return ExitCode::from(EXIT_FINDINGS);
    }

    let targets = expand(&args.target, stack.targets.systemd.flavour);
    let spec_dir = dir_of(&path);
    let spec_name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "stack.yaml".into());
    let mut errors = Vec::new();
    // Compose builds the recipes too: both need their files.
    if targets
        .iter()
        .any(|t| matches!(t, Target::Compose | Target::Dockerfile))
    {
        errors.extend(super::build_files::missing(stack, &spec_dir));
    }
    let mut plans = Vec::new();
    let mut losses = Vec::new();
    let mut seen_losses = std::collections::HashSet::new();
    let mut instructions = Vec::new();
    for target in &targets {
        let dir = if targets.len() == 1 {
            args.output.clone()
        } else {
            args.output.join(target.folder())
        };
        let ctx = EmitContext {
            source_root: relative(&dir, &spec_dir),
            output_from_source: relative(&spec_dir, &dir),
            spec_name: spec_name.clone(),
        };
        let opts = EmitOptions {
            fidelity: args.fidelity,
        };
        match stackc_backends::emit(*target, stack, &ctx, &opts) {
            Ok(out) => {
                // The compose target carries the recipe Dockerfiles, so the same loss can come
                // from two targets: report it once.
                for l in out.losses {
                    if seen_losses.insert(l.clone()) {
                        losses.push(l);
                    }
                }
                if target.is_systemd() && args.format == DiagFormat::Human {
                    let flavour = if *target == Target::Quadlet {
                        SystemdFlavour::Quadlet
                    } else {
                        SystemdFlavour::Units
                    };
                    instructions.push(stackc_backends::systemd::install_instructions(
                        stack, &ctx, flavour,
                    ));
                }
                plans.push((dir, out.files));
            }
            Err(d) => errors.extend(d),
        }
    }
    if !errors.is_empty() {
        print_diagnostics(&errors, args.format);
        return ExitCode::from(EXIT_FINDINGS);
    }
    if args.format == DiagFormat::Human {
        // Infos are advice for `stackc lint`; a build lists errors and warnings and counts them.
        let (infos, rest): (Vec<Diagnostic>, Vec<Diagnostic>) = shown
            .iter()
            .cloned()
            .partition(|d| d.severity == Severity::Info);
        print_diagnostics(&rest, args.format);
        if !infos.is_empty() {
            eprintln!(
                "{} info finding{} not shown: run `stackc lint` to see them",
                infos.len(),
                if infos.len() == 1 { "" } else { "s" }
            );
        }
        if !losses.is_empty() {
            eprintln!(
                "loss report ({} entries): what the targets could not express exactly",
                losses.len()
            );
            for l in &losses {
                eprintln!("  {l}");
            }
        }
    } else {
        print!("{}", crate::render::json_with_losses(&shown, &losses));
    }
    if args.strict
        && losses
            .iter()
            .any(|l| matches!(l.outcome, Outcome::Dropped(_) | Outcome::Approximated(_)))
    {
        eprintln!(
            "error: `--strict` forbids losses, and the loss report above is not empty; nothing was written"
        );
        return ExitCode::from(EXIT_FINDINGS);
    }

    // A symlink anywhere on the way to an output directory (a committed `out -> /etc`) is
    // refused before anything is compared or written.
    for (dir, _) in &plans {
        if let Err(e) = write::refuse_symlinked_parents(&spec_dir, dir) {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_USAGE);
        }
    }

    if args.check {
        let mut stale = Vec::new();
        for (dir, files) in &plans {
            match write::check(dir, files) {
                Ok(drift) => stale.extend(drift.into_iter().map(|d| (dir.clone(), d))),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_USAGE);
                }
            }
        }
        if stale.is_empty() {
            eprintln!(
                "up to date: {} files in {}",
                plans.iter().map(|p| p.1.len()).sum::<usize>(),
                args.output.display()
            );
            return ExitCode::SUCCESS;
        }
        eprintln!("error: {} generated files are out of date:", stale.len());
        for (dir, d) in &stale {
            eprintln!("  {d}  (in {})", dir.display());
        }
        eprintln!("help: run `stackc build` without `--check` and commit the result");
        return ExitCode::from(EXIT_FINDINGS);
    }

    // Refuse everything before writing anything.
    let mut written = 0;
    let mut unchanged = 0;
    for (dir, files) in &plans {
        match write::write(dir, files, args.force) {
            Ok(r) => {
                written += r.written.len();
                unchanged += r.unchanged.len();
                for p in &r.written {
                    eprintln!("  wrote {}", dir.join(p).display());
                }
                for p in &r.removed {
                    eprintln!("  removed {} (no longer generated)", dir.join(p).display());
                }
                for p in &r.ignored {
                    eprintln!(
                        "  warning: ignored entry {} of {}: stackc neither replaces nor removes it",
                        p,
                        dir.join(write::MANIFEST).display()
                    );
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    eprintln!(
        "built `{}` (environment `{}`): {written} files written, {unchanged} unchanged, in {}",
        stack.name.value,
        stack.env,
        args.output.display()
    );
    for text in &instructions {
        eprintln!("\n{text}");
    }
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_between_directories() {
        assert_eq!(relative(Path::new("/a/b/out"), Path::new("/a/b")), "..");
        assert_eq!(
            relative(Path::new("/a/out/compose"), Path::new("/a/examples/x")),
            "../../examples/x"
        );
        assert_eq!(relative(Path::new("/a"), Path::new("/a")), ".");
        assert_eq!(relative(Path::new("/a"), Path::new("/a/out")), "out");
    }
}
