//! Lint engine: runs the registered rules over a resolved [`Stack`] and returns findings.
//!
//! Invariants:
//! - rules are pure: a rule reads the stack and returns [`Violation`]s, it never prints and never
//!   names its own code (the [registry](registry) does, so a code lives in exactly one place);
//! - every finding points at a span the user wrote (never [`Span::DUMMY`]);
//! - severity is decided here, not by the rule: the rule's default for the stack's profile, or
//!   the rule's own per-finding choice, then the project configuration;
//! - suppressed findings are kept and marked ([`Diagnostic::suppressed`]), never dropped.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::diag::{Diagnostic, ErrorCode, Severity, SourceFile, Span, did_you_mean};
use crate::ir::{Profile, Service, ServiceId, Stack};

pub mod case;
pub mod codes;
pub mod config;
pub mod docs;
pub mod fix;
mod passthrough;
pub mod registry;
pub mod report;
pub mod rules;
pub mod support;

pub use case::Case;
pub use config::{LintConfig, RuleOptions, Settings};
pub use fix::{Edit, Fix};
pub use registry::{RULES, find_rule};

use support::database::{Database, classify_all};
use support::images::{ImageRole, ServiceImage};

/// How loudly a rule reports: off, or one of the three severities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Off,
    Info,
    Warning,
    Error,
}

impl Level {
    /// The severity findings get at this level; `None` when off.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Off => None,
            Level::Info => Some(Severity::Info),
            Level::Warning => Some(Severity::Warning),
            Level::Error => Some(Severity::Error),
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Info => "info",
            Level::Warning => "warning",
            Level::Error => "error",
        }
    }
    /// Parses `off`, `info`, `warning` or `error`.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "off" => Some(Level::Off),
            "info" => Some(Level::Info),
            "warning" => Some(Level::Warning),
            "error" => Some(Level::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A generated artefact a rule's problem shows up in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    Compose,
    Dockerfile,
    Systemd,
    Kubernetes,
}

impl Backend {
    /// One-letter column used in tables: C, D, S, K.
    pub fn letter(self) -> char {
        match self {
            Backend::Compose => 'C',
            Backend::Dockerfile => 'D',
            Backend::Systemd => 'S',
            Backend::Kubernetes => 'K',
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Backend::Compose => "compose",
            Backend::Dockerfile => "dockerfile",
            Backend::Systemd => "systemd",
            Backend::Kubernetes => "kubernetes",
        }
    }
}

/// What a rule is, apart from its code and slug (which only the registry names).
#[derive(Debug)]
pub struct Meta {
    /// One line, lowercase, no trailing period: the rule's pattern.
    pub summary: &'static str,
    /// The rule's doc comment as Markdown (`## What it does`, `## Why is this bad?`,
    /// `## Example`), one leading space per line as rustdoc keeps it.
    pub doc: &'static str,
    /// Default level in the dev profile.
    pub dev: Level,
    /// Default level in the prod profile.
    pub prod: Level,
    /// Artefacts the problem reaches.
    pub backends: &'static [Backend],
    /// SARIF tags (`security`, `reliability`, ...).
    pub tags: &'static [&'static str],
    /// The configuration a rule needs before it reports anything (`allowed_registries`), if any.
    pub requires: Option<&'static str>,
}

/// The signature of a rule's check.
pub type CheckFn = fn(&Ctx<'_>, &mut Vec<Violation>);

/// A registered rule: code and slug from the registry, the rest from the rule's file.
pub struct Rule {
    /// Stable code, e.g. `STK101`. Never reused.
    pub code: &'static str,
    /// Stable kebab-case name, e.g. `image-untagged`; accepted wherever a code is.
    pub slug: &'static str,
    /// Name of the module holding the rule (`image_untagged`).
    pub module: &'static str,
    pub meta: &'static Meta,
    pub check: CheckFn,
    /// Pass and fail cases, run by the tests.
    pub cases: &'static [Case],
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code, self.slug)
    }
}

impl Rule {
    /// The default level in `profile`.
    pub fn default_level(&self, profile: Profile) -> Level {
        match profile {
            Profile::Dev => self.meta.dev,
            Profile::Prod => self.meta.prod,
        }
    }
    /// The documentation as Markdown, without rustdoc's leading spaces.
    pub fn doc_markdown(&self) -> String {
        doc_markdown(self.meta.doc)
    }
    /// Whether the rule is about security (GitHub code scanning sorts these by severity).
    pub fn is_security(&self) -> bool {
        self.meta.tags.contains(&"security")
    }
    /// The highest default level over both profiles.
    pub fn max_level(&self) -> Level {
        self.meta.dev.max(self.meta.prod)
    }
}

/// Strips the single space rustdoc keeps after `///` from each line.
pub fn doc_markdown(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for line in raw.lines() {
        out.push_str(line.strip_prefix(' ').unwrap_or(line));
        out.push('\n');
    }
    out.trim().to_string() + "\n"
}

/// Declares a rule's struct from its doc comment and keeps the comment as `DOC` for runtime use
/// (`stackc explain`, `docs/rules/`).
#[macro_export]
#[doc(hidden)]
macro_rules! declare_rule {
    ($(#[doc = $line:literal])+ pub struct $name:ident;) => {
        $(#[doc = $line])+
        #[derive(Debug, Clone, Copy)]
        pub struct $name;
        /// The doc comment of the rule's struct, as written.
        pub const DOC: &str = concat!($($line, "\n"),+);
    };
}

/// What a rule sees: the stack and the precomputed facts rules share.
pub struct Ctx<'a> {
    pub stack: &'a Stack,
    pub options: &'a RuleOptions,
    databases: Vec<Option<Database>>,
}

impl<'a> Ctx<'a> {
    /// Builds the context (classifies the databases once).
    pub fn new(stack: &'a Stack, options: &'a RuleOptions) -> Self {
        Self {
            stack,
            options,
            databases: classify_all(stack, options),
        }
    }
    pub fn file(&self) -> &Arc<SourceFile> {
        &self.stack.file
    }
    pub fn profile(&self) -> Profile {
        self.stack.profile
    }
    /// Why the service counts as a database, if it does.
    pub fn database(&self, id: ServiceId) -> Option<&Database> {
        self.databases.get(id.index()).and_then(Option::as_ref)
    }
    /// Services with their ids.
    pub fn services(&self) -> impl Iterator<Item = (ServiceId, &'a Service)> {
        self.stack.services_with_ids()
    }
    /// Whether compose builds the service's image from a `build:` kept for compose only (a
    /// context outside the project or chosen by a variable, an inline Dockerfile): its `image:`
    /// is then the name the build tags its result with, as beside the stack spec's `build:`.
    pub fn built_for_compose(&self, svc: &Service) -> bool {
        self.stack
            .targets
            .compose
            .service(&svc.name.value)
            .iter()
            .any(|(k, _)| k == "build")
    }
    /// The image references of a service ([`support::images::service_images`]), the `image:`
    /// of a service built for compose only counted as a local build's tag too.
    pub fn service_images(&self, svc: &'a Service) -> Vec<ServiceImage<'a>> {
        let mut images = support::images::service_images(svc);
        if self.built_for_compose(svc) {
            for i in images.iter_mut().filter(|i| i.role == ImageRole::Run) {
                i.local = true;
            }
        }
        images
    }
    /// The images a service pulls: [`Ctx::service_images`] without a local build's own tag.
    pub fn pulled_images(&self, svc: &'a Service) -> Vec<ServiceImage<'a>> {
        let mut images = self.service_images(svc);
        images.retain(|i| !i.local);
        images
    }
}

/// One problem a rule found, before the engine gives it a code and a severity.
#[derive(Clone, Debug)]
pub struct Violation {
    pub message: String,
    pub span: Span,
    pub label: String,
    pub help: Option<String>,
    pub notes: Vec<String>,
    pub secondary: Vec<(Span, String)>,
    /// A severity the rule chooses for this finding instead of its profile default.
    pub severity: Option<Severity>,
    /// The service the finding is about (fingerprints, service-level suppressions).
    pub service: Option<ServiceId>,
    /// Where in the service (or stack) the finding is, e.g. `env.DB_PASSWORD`: a line-independent
    /// identity for fingerprints.
    pub path: String,
    /// The mechanical fix `stackc lint --fix` may apply, if there is one.
    pub fix: Option<Fix>,
}

impl Violation {
    /// A finding at `span`, with a short label for the span.
    pub fn new(message: impl Into<String>, span: Span, label: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span,
            label: label.into(),
            help: None,
            notes: Vec::new(),
            secondary: Vec::new(),
            severity: None,
            service: None,
            path: String::new(),
            fix: None,
        }
    }
    /// Attaches a mechanical fix (nothing when `fix` is `None`).
    pub fn fix(mut self, fix: Option<Fix>) -> Self {
        self.fix = fix;
        self
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }
    /// A second place that explains the finding.
    pub fn also(mut self, span: Span, label: impl Into<String>) -> Self {
        if span != Span::DUMMY {
            self.secondary.push((span, label.into()));
        }
        self
    }
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
    /// The service and the path inside it.
    pub fn in_service(mut self, id: ServiceId, path: impl Into<String>) -> Self {
        self.service = Some(id);
        self.path = path.into();
        self
    }
    /// A path at stack level (no service).
    pub fn at_path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }
}

/// A finding: the diagnostic plus what reports need beyond it.
#[derive(Clone, Debug)]
pub struct Finding {
    pub diagnostic: Diagnostic,
    /// The rule's slug; `None` for the engine's own diagnostics and compile errors.
    pub slug: Option<&'static str>,
    /// Service name, when the finding is about one service.
    pub service: Option<String>,
    /// Path inside the service or stack (`env.DB_PASSWORD`).
    pub path: String,
    /// Line-independent identity: a hash of code, file, service and path.
    pub fingerprint: String,
    /// The mechanical fix, with spans in the linted file.
    pub fix: Option<Fix>,
}

impl Finding {
    /// Wraps a diagnostic that no rule produced (a parse or validation error).
    pub fn from_diagnostic(diagnostic: Diagnostic) -> Self {
        let mut f = Self {
            diagnostic,
            slug: None,
            service: None,
            path: String::new(),
            fingerprint: String::new(),
            fix: None,
        };
        f.fingerprint = fingerprint(&f, 0);
        f
    }
    pub fn code(&self) -> &'static str {
        self.diagnostic.code.as_str()
    }
    pub fn severity(&self) -> Severity {
        self.diagnostic.severity
    }
    pub fn is_suppressed(&self) -> bool {
        self.diagnostic.suppressed.is_some()
    }
}

/// The line-independent fingerprint of a finding: sha256 of code, file, service, path and the
/// occurrence number among findings sharing those, as 32 hex digits.
fn fingerprint(f: &Finding, occurrence: usize) -> String {
    let file = f
        .diagnostic
        .primary
        .as_ref()
        .map(|p| p.file.name.as_str())
        .unwrap_or("");
    let mut h = Sha256::new();
    for part in [
        f.diagnostic.code.as_str(),
        file,
        f.service.as_deref().unwrap_or(""),
        &f.path,
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    // Compile errors have no path: their message identifies them.
    if f.slug.is_none() && f.path.is_empty() {
        h.update(f.diagnostic.message.as_bytes());
    }
    h.update(occurrence.to_string().as_bytes());
    h.finalize()
        .iter()
        .take(16)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs every enabled rule over `stack`, applies the spec's suppressions, and returns the
/// findings sorted by position.
pub fn lint(stack: &Stack, settings: &Settings) -> Vec<Finding> {
    let mut findings = rules_only(stack, settings);
    let passed = passthrough::findings(stack, settings, &findings);
    findings.extend(passed);
    apply_suppressions(stack, &mut findings);
    findings.extend(unknown_suppressions(stack));
    finish(&mut findings);
    findings
}

/// The findings of every enabled rule over `stack`, before suppressions.
fn rules_only(stack: &Stack, settings: &Settings) -> Vec<Finding> {
    let ctx = Ctx::new(stack, &settings.options);
    let mut findings = Vec::new();
    for (index, rule) in RULES.iter().enumerate() {
        let level = settings.level(index, stack.profile);
        let Some(default) = level.severity() else {
            continue;
        };
        let overridden = settings.has_override(index);
        let mut violations = Vec::new();
        (rule.check)(&ctx, &mut violations);
        for v in violations {
            let severity = match v.severity {
                Some(s) if !overridden => s,
                _ => default,
            };
            findings.push(finding(stack, rule, v, severity));
        }
    }
    findings
}

/// How many lines apart a secondary label may be and still be drawn in the snippet.
const NEAR_LINES: u32 = 4;

fn finding(stack: &Stack, rule: &'static Rule, v: Violation, severity: Severity) -> Finding {
    debug_assert!(
        v.span != Span::DUMMY,
        "{} reported at a dummy span: {}",
        rule.code,
        v.message
    );
    let f = &stack.file;
    let primary = visible(f, v.span);
    let mut d = Diagnostic::lint(rule.code, v.message)
        .with_severity(severity)
        .at(f, primary, v.label);
    let (line, _) = f.line_col(primary.start);
    let mut far = Vec::new();
    for (span, label) in v.secondary {
        // A label far from the primary one would make the snippet span the lines between: it
        // becomes a note with its line number instead.
        let (l, _) = f.line_col(span.start);
        if l.abs_diff(line) <= NEAR_LINES {
            d = d.also(f, visible(f, span), label);
        } else {
            far.push(format!("{label}: line {l}"));
        }
    }
    d.help = v.help;
    d.notes = v.notes;
    d.notes.extend(far);
    Finding {
        diagnostic: d,
        slug: Some(rule.slug),
        service: v.service.map(|id| stack.service(id).name.value.clone()),
        path: v.path,
        fingerprint: String::new(),
        fix: v.fix,
    }
}

/// A span that shows something: the parser gives a flow map (`{ port: 1 }`) the span of its
/// `{` and a block map an empty span at its first key. Those become the whole flow map, or the
/// rest of the line (without a trailing comment).
pub fn visible(file: &SourceFile, span: Span) -> Span {
    let text = &file.text;
    let start = span.start as usize;
    let slice = file.slice(span);
    if !span.is_empty() && slice != "{" && slice != "[" {
        return span;
    }
    let rest = text.get(start..).unwrap_or("");
    if slice == "{" || slice == "[" {
        let (open, close) = if slice == "{" { ('{', '}') } else { ('[', ']') };
        let mut depth = 0usize;
        let mut quote: Option<char> = None;
        for (i, c) in rest.char_indices() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), _) => {}
                (None, '"' | '\'') => quote = Some(c),
                (None, c) if c == open => depth += 1,
                (None, c) if c == close => {
                    depth -= 1;
                    if depth == 0 {
                        return Span::new(span.start, span.start + (i + 1) as u32);
                    }
                }
                _ => {}
            }
        }
    }
    let line = rest.split('\n').next().unwrap_or("");
    let line = match line.find(" #") {
        Some(i) => &line[..i],
        None => line,
    };
    let len = line.trim_end().len().max(1).min(rest.len());
    Span::new(span.start, span.start + len as u32)
}

/// Sorts findings and computes their fingerprints (numbering findings that share an identity).
pub fn finish(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.diagnostic.sort_key().cmp(&b.diagnostic.sort_key()));
    let mut seen: HashMap<(String, &'static str, Option<String>, String, String), usize> =
        HashMap::new();
    for f in findings.iter_mut() {
        let file = f
            .diagnostic
            .primary
            .as_ref()
            .map(|p| p.file.name.clone())
            .unwrap_or_default();
        let msg = if f.slug.is_none() && f.path.is_empty() {
            f.diagnostic.message.clone()
        } else {
            String::new()
        };
        let n = seen
            .entry((file, f.code(), f.service.clone(), f.path.clone(), msg))
            .or_insert(0);
        f.fingerprint = fingerprint(f, *n);
        *n += 1;
    }
}

/// Marks findings silenced by a service-level or stack-level `lint.ignore` entry. The entries
/// are indexed once by (service, rule code): each finding costs one or two lookups, whatever
/// the number of services, entries and findings. A service's own entry wins over a
/// stack-wide one, and the first of several entries for one rule gives the reason.
fn apply_suppressions(stack: &Stack, findings: &mut [Finding]) {
    let mut index: HashMap<(Option<&str>, &'static str), &str> = HashMap::new();
    let own = stack.services.iter().flat_map(|s| {
        s.suppressions
            .iter()
            .map(move |x| (Some(s.name.value.as_str()), x))
    });
    for (service, s) in own.chain(stack.suppressions.iter().map(|x| (None, x))) {
        if let Some(rule) = find_rule(&s.rule.value) {
            index
                .entry((service, rule.code))
                .or_insert(s.reason.value.as_str());
        }
    }
    if index.is_empty() {
        return;
    }
    for f in findings.iter_mut() {
        let code = f.code();
        let reason = f
            .service
            .as_deref()
            .and_then(|n| index.get(&(Some(n), code)))
            .or_else(|| index.get(&(None, code)));
        if let Some(r) = reason {
            f.diagnostic.suppressed = Some((*r).to_string());
        }
    }
}

/// STK080 warnings for suppression entries that name no rule.
fn unknown_suppressions(stack: &Stack) -> Vec<Finding> {
    let candidates: Vec<&str> = RULES.iter().flat_map(|r| [r.code, r.slug]).collect();
    let entries = stack
        .services_with_ids()
        .flat_map(|(id, s)| s.suppressions.iter().map(move |x| (Some(id), x)))
        .chain(stack.suppressions.iter().map(|x| (None, x)));
    let mut out = Vec::new();
    for (service, s) in entries {
        let word = s.rule.value.trim();
        if find_rule(word).is_some() {
            continue;
        }
        let (message, help) = if codes::find(word).is_some() {
            (
                format!("`{word}` is an error code and cannot be suppressed"),
                "errors block every target: fix the problem instead, and remove this entry"
                    .to_string(),
            )
        } else {
            let help = match did_you_mean(word, candidates.iter().copied()) {
                Some(c) => format!("did you mean `{c}`?"),
                None => "name a rule by code (`STK302`) or slug (`port-bound-all-interfaces`); `stackc rules` lists them".to_string(),
            };
            (format!("unknown lint rule `{word}` in `lint.ignore`"), help)
        };
        let d = Diagnostic::error(ErrorCode::UnknownSuppression, message)
            .with_severity(Severity::Warning)
            .at(&stack.file, s.rule.span, "suppresses nothing")
            .help(help);
        out.push(Finding {
            diagnostic: d,
            slug: None,
            service: service.map(|id| stack.service(id).name.value.clone()),
            path: format!("lint.ignore.{word}"),
            fingerprint: String::new(),
            fix: None,
        });
    }
    out
}

#[cfg(test)]
mod tests;
