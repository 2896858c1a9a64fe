//! The commands. Each returns the process exit code: 0 clean, 1 input errors or findings,
//! 2 usage or I/O errors.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stackc_compiler::diag::Diagnostic;
use stackc_compiler::pipeline::{Compiled, compile_with};
use stackc_compiler::syntax::ParseOptions;

use crate::cli::{Cli, Command, DiagFormat, SpecArgs};

use crate::render;

mod build;
mod build_files;
mod check;
mod graph;
mod import;
mod lint;
mod rules;
mod secrets;
pub mod verify;

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Build(a) => build::run(&a),
        Command::Check(a) => check(&a),
        Command::Lint(a) => lint::run(&a),
        Command::Explain(a) => rules::explain(&a),
        Command::Rules(a) => rules::list(&a),
        Command::Graph(a) => graph::run(&a),
        Command::Verify(a) => verify::run(&a),
        Command::Secrets(crate::cli::SecretsCommand::Init(a)) => secrets::init(&a),
        Command::Import(a) => import::run(&a),
        Command::Schema => {
            print!("{}", stackc_compiler::schema::schema_json());
            ExitCode::SUCCESS
        }
        Command::Man => {
            let man = clap_mangen::Man::new(<Cli as clap::CommandFactory>::command());
            match man.render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => usage_error(
                    &format!("cannot write the manual page: {e}"),
                    "check standard output",
                ),
            }
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "stackc", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}

/// Exit code for input errors and findings.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage and I/O errors.
pub const EXIT_USAGE: u8 = 2;

/// Prints an error that concerns no input file (usage, I/O) and returns exit code 2.
pub fn usage_error(message: &str, help: &str) -> ExitCode {
    eprintln!("error: {message}\nhelp: {help}");
    ExitCode::from(EXIT_USAGE)
}

/// The spec path: the argument, else `./stack.yaml`.
pub fn spec_path(args: &SpecArgs) -> Result<PathBuf, ExitCode> {
    match &args.spec {
        Some(p) => Ok(p.clone()),
        None => {
            let p = PathBuf::from("stack.yaml");
            if p.exists() {
                Ok(p)
            } else {
                Err(usage_error(
                    "no spec given and no `stack.yaml` in the current directory",
                    "pass the spec's path, e.g. `stackc build examples/an-app/stack.yaml`",
                ))
            }
        }
    }
}

/// Why a top-level input was not read.
pub enum InputError {
    /// A usage error, already printed: the path does not exist or is a directory (exit 2).
    Usage(ExitCode),
    /// A refusal to report like any input error (exit 1): a symlink leading out of the
    /// project, a FIFO, a device, a `/proc` file, a file over the size limit.
    Refused(Diagnostic),
}

/// Reads a top-level input through the confined reader: only a regular file inside `root`
/// (the spec's folder, or the folder given to `stackc lint`), at most `limit` bytes.
pub fn read_input(path: &Path, root: &Path, limit: usize) -> Result<Vec<u8>, InputError> {
    use stackc_compiler::load::{Refusal, canonical_root, read_confined};
    match std::fs::metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(InputError::Usage(usage_error(
                &format!("`{}` is a directory", path.display()),
                "pass the spec file itself, e.g. `stack.yaml` inside it",
            )));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(InputError::Usage(usage_error(
                &format!("cannot read `{}`: {e}", path.display()),
                "check the path",
            )));
        }
        _ => {}
    }
    read_confined(&canonical_root(root), path, limit as u64).map_err(|r| match r {
        Refusal::Missing(e) | Refusal::Io(e) => InputError::Usage(usage_error(
            &format!("cannot read `{}`: {e}", path.display()),
            "check the path and the file's permissions",
        )),
        r => InputError::Refused(r.top_level(path)),
    })
}

/// The directory holding a file (`.` for a bare file name).
pub fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Whether the file at `path` is read as a compose file: by its name (`compose.yaml`,
/// `docker-compose.*.yml`, ...), or, when its name says neither spec nor compose, by its
/// top-level keys.
pub fn is_compose_path(path: &Path, bytes: &[u8]) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    stackc_compiler::front::compose::is_compose_file_name(&name)
        || lint::is_compose_input(&name, bytes)
}

/// Reads and compiles the spec; prints diagnostics and returns the exit code on failure.
pub fn load(args: &SpecArgs, format: DiagFormat) -> Result<(PathBuf, Compiled), ExitCode> {
    let path = spec_path(args)?;
    let bytes = match read_input(&path, &dir_of(&path), args.max_input_size) {
        Ok(b) => b,
        Err(InputError::Usage(code)) => return Err(code),
        Err(InputError::Refused(d)) => {
            print_diagnostics(&[d], format);
            return Err(ExitCode::from(EXIT_FINDINGS));
        }
    };
    let opts = ParseOptions {
        max_bytes: args.max_input_size,
        ..Default::default()
    };
    let name = path.display().to_string();
    let is_compose = is_compose_path(&path, &bytes);
    if is_compose && !args.set.is_empty() {
        return Err(usage_error(
            "`--set` gives values to a stack spec's variables, and a compose file has none",
            "import the compose file (`stackc import`) and build the spec, or set the variables in the environment",
        ));
    }
    let result = if is_compose {
        stackc_compiler::front::compose::compile(&name, &bytes, &args.env, &dir_of(&path), &opts)
    } else {
        compile_with(&name, &bytes, &args.env, &dir_of(&path), &opts, &args.set)
    };
    match result {
        Ok(c) => {
            let declared: Vec<String> = c
                .stack
                .variables
                .iter()
                .map(|v| v.name.value.clone())
                .collect();
            check_set_names(&args.set, &declared)?;
            Ok((path, c))
        }
        Err(diags) => {
            print_diagnostics(&diags, format);
            Err(ExitCode::from(EXIT_FINDINGS))
        }
    }
}

/// Refuses a `--set NAME=VALUE` whose name no spec declares under `variables:` (exit 2).
pub fn check_set_names(sets: &[(String, String)], declared: &[String]) -> Result<(), ExitCode> {
    for (name, _) in sets {
        if declared.iter().any(|d| d == name) {
            continue;
        }
        let help =
            match stackc_compiler::diag::did_you_mean(name, declared.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `--set {s}=...`?"),
                None if declared.is_empty() => {
                    "the spec declares no variables; declare it under `variables:` first"
                        .to_string()
                }
                None => format!("declared variables: {}", declared.join(", ")),
            };
        return Err(usage_error(
            &format!("unknown variable `{name}` in `--set`"),
            &help,
        ));
    }
    Ok(())
}

/// Prints diagnostics: human to stderr, JSON to stdout.
pub fn print_diagnostics(diags: &[Diagnostic], format: DiagFormat) {
    match format {
        DiagFormat::Human => {
            if !diags.is_empty() {
                eprint!("{}", render::human(diags));
                let errors = diags
                    .iter()
                    .filter(|d| d.severity == stackc_compiler::diag::Severity::Error)
                    .count();
                if errors > 0 {
                    eprintln!(
                        "error: {errors} error{} found",
                        if errors == 1 { "" } else { "s" }
                    );
                }
            }
        }
        DiagFormat::Json => print!("{}", render::json(diags)),
    }
}

fn check(a: &crate::cli::CheckArgs) -> ExitCode {
    let (args, format) = (&a.spec, a.format);
    match load(args, format) {
        Ok((path, c)) => {
            if let Err(code) = check::every_environment(a, &path, &c) {
                return code;
            }
            if format == DiagFormat::Json {
                print!("{}", render::json(&[]));
            } else {
                eprintln!(
                    "{}: ok ({} services, environment `{}`)",
                    path.display(),
                    c.stack.services.len(),
                    c.stack.env
                );
            }
            ExitCode::SUCCESS
        }
        Err(code) => code,
    }
}
