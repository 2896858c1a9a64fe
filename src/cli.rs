//! Command-line interface: the argument types. Each command's logic lives in `cmd/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use stackc_backends::Target;
use stackc_compiler::ir::SystemdFlavour;

/// A compiler for infrastructure: one stack spec in, validated and linted docker-compose,
/// Dockerfiles, systemd units and Kubernetes manifests out.
///
/// Exit codes: 0 clean, 1 errors or findings in the input, 2 usage or I/O errors.
#[derive(Debug, Parser)]
#[command(
    name = "stackc",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to use colour in human output (NO_COLOR is honoured).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Compile a spec into deployment files (runs the lints first).
    Build(BuildArgs),
    /// Parse, resolve and validate a spec without writing anything.
    Check(CheckArgs),
    /// Lint stack specs and compose files (pre-commit and CI).
    Lint(LintArgs),
    /// Explain a lint rule or error code: `stackc explain STK101` or `image-floating-tag`.
    Explain(ExplainArgs),
    /// List every lint rule with its code, slug and default severity.
    Rules(RulesArgs),
    /// Print the dependency graph as Mermaid or Graphviz dot.
    Graph(GraphArgs),
    /// Read generated outputs back and compare them with the spec (exit 1 on any difference).
    #[command(long_about = crate::cmd::verify::ABOUT)]
    Verify(crate::cmd::verify::VerifyArgs),
    /// Manage local secret values (`stackc secrets init` writes `.env`).
    #[command(subcommand)]
    Secrets(SecretsCommand),
    /// Import a docker-compose file as a stack spec, with a report of what could not be
    /// represented.
    Import(ImportArgs),
    /// Print the JSON Schema of the stack spec.
    Schema,
    /// Print the manual page (roff), e.g. `stackc man > stackc.1`.
    #[command(hide = true)]
    Man,
    /// Print shell completions.
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

/// Options shared by commands that read one spec.
#[derive(Debug, Args, Clone)]
pub struct SpecArgs {
    /// The stack spec, or a compose file (recognised by name: compose.yaml,
    /// docker-compose.yml, *.compose.yaml, overrides; or, under another name, by its
    /// top-level `services` without `stack`) [default: ./stack.yaml].
    pub spec: Option<PathBuf>,
    /// Environment overlay to apply. `dev` always exists: when the spec declares no `dev`
    /// environment (e.g. only `prod`), `dev` is the base spec with no overlay, linted with the
    /// dev profile.
    #[arg(short, long, default_value = "dev")]
    pub env: String,
    /// Largest accepted input file, in bytes.
    #[arg(long, default_value_t = 8 * 1024 * 1024, value_name = "BYTES")]
    pub max_input_size: usize,
    /// Give a variable declared under `variables:` its value for this build, e.g.
    /// `--set tag=$CI_COMMIT_SHA` (repeatable). The value is then written as is by every
    /// target, instead of being read from the variable's `from_env` when deploying.
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
}

/// Parses `NAME=VALUE` (the value may be empty or contain `=`).
pub fn parse_set(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_string(), value.to_string())),
        _ => Err(format!(
            "`{s}` is not `NAME=VALUE`; write e.g. `--set tag=1.4.2`"
        )),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagFormat {
    Human,
    Json,
}

/// A `--target` selection: one target, or a group that expands to several (see [`expand`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, ValueEnum)]
pub enum TargetArg {
    /// docker-compose file and `.env.example`.
    Compose,
    /// Kubernetes manifests with a kustomization.
    K8s,
    /// systemd in the flavour the spec chooses (Quadlet by default).
    Systemd,
    /// Podman Quadlet files.
    Quadlet,
    /// Plain systemd `.service` units running podman or docker.
    Units,
    /// Dockerfiles and `.dockerignore` files for services with a build recipe.
    Dockerfile,
    /// Every target: compose, dockerfile, k8s, quadlet and units (each in DIR/<target>/).
    All,
}

/// The concrete targets a `--target` list selects, in output order, each once.
pub fn expand(args: &[TargetArg], flavour: SystemdFlavour) -> Vec<Target> {
    let systemd = match flavour {
        SystemdFlavour::Quadlet => Target::Quadlet,
        SystemdFlavour::Units => Target::Units,
    };
    let mut out: Vec<Target> = Vec::new();
    for arg in args {
        let selected: &[Target] = match arg {
            TargetArg::All => &Target::ALL,
            TargetArg::Systemd => &[systemd],
            TargetArg::Compose => &[Target::Compose],
            TargetArg::K8s => &[Target::K8s],
            TargetArg::Quadlet => &[Target::Quadlet],
            TargetArg::Units => &[Target::Units],
            TargetArg::Dockerfile => &[Target::Dockerfile],
        };
        for t in selected {
            if !out.contains(t) {
                out.push(*t);
            }
        }
    }
    out
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Targets to build, comma-separated. One target writes into DIR; several write into
    /// DIR/<target>/.
    #[arg(short, long, value_delimiter = ',', default_value = "compose")]
    pub target: Vec<TargetArg>,
    /// Output directory.
    #[arg(short, long, default_value = "out", value_name = "DIR")]
    pub output: PathBuf,
    /// Write nothing; exit 1 listing the files that differ from what would be generated.
    #[arg(long)]
    pub check: bool,
    /// Overwrite files that stackc did not generate.
    #[arg(long)]
    pub force: bool,
    /// Treat anything a target cannot express (the loss report) as an error.
    #[arg(long)]
    pub strict: bool,
    /// Keep the choices the spec leaves open the way compose would (no added restart policy,
    /// health timings or hardening): with a spec from `stackc import`, the compose output means
    /// what the original compose file meant. Lint findings are shown but do not block.
    #[arg(long)]
    pub fidelity: bool,
    /// Diagnostics format.
    #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
    pub format: DiagFormat,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Targets whose refusals count, comma-separated, as for `stackc build`: every
    /// environment the spec declares (and `--env`) is lowered for each of them without
    /// writing anything, so `check` refuses what `build` would refuse, lint findings apart.
    #[arg(short, long, value_delimiter = ',', default_value = "compose")]
    pub target: Vec<TargetArg>,
    /// Diagnostics format.
    #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
    pub format: DiagFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    Human,
    Short,
    Json,
    Sarif,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// Files or directories; directories are searched for stack specs and compose files
    /// [default: .].
    pub paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Environment overlay (and its profile) to lint; `all` lints every declared environment
    /// and reports each finding once, at its highest severity.
    #[arg(short, long, default_value = "dev")]
    pub env: String,
    /// Treat these files as compose files whatever their names.
    #[arg(long)]
    pub compose: bool,
    /// Project configuration file [default: stackc.toml found upward from each input].
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Largest accepted input file, in bytes.
    #[arg(long, default_value_t = 8 * 1024 * 1024, value_name = "BYTES")]
    pub max_input_size: usize,
    /// Apply the mechanical fixes (loopback ports in dev, `no-new-privileges`, quoted port
    /// mappings, `restart`) to the files in place, list them, then report what is left.
    #[arg(long)]
    pub fix: bool,
    /// Give a declared variable its value, as for `stackc build --set` (repeatable).
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_set)]
    pub set: Vec<(String, String)>,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A code (`STK101`) or slug (`image-floating-tag`).
    pub rule: String,
}

#[derive(Debug, Args)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiagFormat::Human)]
    pub format: DiagFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Mermaid,
    Dot,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// Output format.
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,
}

#[derive(Debug, Subcommand)]
pub enum SecretsCommand {
    /// Write local secret values to `.env` (mode 0600): generate the `generate` secrets, take
    /// `from_env` ones from the environment and `file` ones from their files. A value already in
    /// the file is never changed.
    Init(SecretsInitArgs),
}

#[derive(Debug, Args)]
pub struct SecretsInitArgs {
    #[command(flatten)]
    pub spec: SpecArgs,
    /// The env file to create or complete [default: .env beside the spec].
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
    /// Write DIR/secrets.env instead: the keys the Kubernetes manifests in DIR read, from
    /// which their kustomization generates the Secret.
    #[arg(long, value_name = "DIR", conflicts_with = "env_file")]
    pub k8s: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The compose file to import.
    pub file: PathBuf,
    /// Where to write the stack spec [default: standard output].
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Overwrite an existing output file.
    #[arg(long)]
    pub force: bool,
    /// The env file compose reads for the project [default: .env beside the compose file]:
    /// its values become the defaults of the variables the file uses.
    #[arg(long, value_name = "FILE")]
    pub env_file: Option<PathBuf>,
}
