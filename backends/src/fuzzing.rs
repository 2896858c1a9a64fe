//! Entry points shared by the fuzz targets (`fuzz/`) and the corpus replay test, so both
//! exercise exactly the same code: compile, lint, every backend, and every report (the human
//! rendering included), on the input as given and stretched past 64 KiB.

use std::path::Path;

use stackc_compiler::diag::Diagnostic;
use stackc_compiler::lint::report::{self, SarifOptions};
use stackc_compiler::lint::{Finding, Settings};

use crate::output::EmitContext;
use crate::{EmitOptions, Target};

/// Inputs up to this size are also run stretched (see [`stretched`]).
const STRETCH_BELOW: usize = 4096;
/// How far a stretched input reaches: past 64 KiB of offsets and of columns.
const STRETCH: usize = 70_000;

/// Bytes → compile (a fixed empty project directory, so config files cannot be read) → lint →
/// every backend and every report. Must never panic, whatever the bytes.
pub fn pipeline(data: &[u8]) {
    for input in variants(data) {
        pipeline_one(&input);
    }
}

fn pipeline_one(data: &[u8]) {
    let dir = Path::new("/nonexistent-stackc-fuzz-project");
    for env in ["dev", "prod"] {
        match stackc_compiler::pipeline::compile("stack.yaml", data, env, dir, &Default::default())
        {
            Ok(compiled) => {
                render_findings(&stackc_compiler::lint::lint(
                    &compiled.stack,
                    &Settings::default(),
                ));
                emit_all(&compiled.stack);
            }
            Err(diags) => {
                render_diagnostics(diags);
                return;
            }
        }
    }
}

/// The input, and for one small input in eight (chosen by a checksum of its bytes, so runs
/// repeat) two stretched copies: after a 70 000-byte comment line (offsets past 64 KiB), and
/// with 70 000 spaces after the first `: ` (a value, and the findings about it, past column
/// 65 535). The fuzzer mutates the checksum like any byte, so every input can be stretched.
fn variants(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![data.to_vec()];
    let sum = data.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    if data.len() < STRETCH_BELOW && sum % 8 == 0 {
        out.extend(stretched(data));
    }
    out
}

/// The stretched copies of an input (see [`variants`]).
pub fn stretched(data: &[u8]) -> Vec<Vec<u8>> {
    let mut long_comment = b"# ".to_vec();
    long_comment.extend(std::iter::repeat_n(b'x', STRETCH));
    long_comment.push(b'\n');
    long_comment.extend_from_slice(data);
    let mut out = vec![long_comment];
    if let Some(i) = data.windows(2).position(|w| w == b": ") {
        let mut wide = data[..i + 2].to_vec();
        wide.extend(std::iter::repeat_n(b' ', STRETCH));
        wide.extend_from_slice(&data[i + 2..]);
        out.push(wide);
    }
    out
}

/// Every report of `findings`, written to nowhere.
fn render_findings(findings: &[Finding]) {
    let mut sink = std::io::sink();
    let shown: Vec<&Diagnostic> = findings.iter().map(|f| &f.diagnostic).collect();
    let _ = report::human::write_human(&mut sink, &shown, true, 100);
    let _ = report::write_short(&mut sink, findings);
    let _ = report::write_json(&mut sink, findings);
    let _ = report::write_github(&mut sink, findings);
    let _ = report::write_sarif(&mut sink, findings, &SarifOptions { srcroot: None });
}

/// The reports of the errors that stopped a compile.
fn render_diagnostics(diags: Vec<Diagnostic>) {
    let mut findings: Vec<Finding> = diags.into_iter().map(Finding::from_diagnostic).collect();
    stackc_compiler::lint::finish(&mut findings);
    render_findings(&findings);
}

/// Every backend over a validated stack, and the compose backend once more in fidelity mode.
fn emit_all(stack: &stackc_compiler::valid::Validated<stackc_compiler::ir::Stack>) {
    let ctx = EmitContext {
        source_root: "..".into(),
        output_from_source: "out".into(),
        spec_name: "stack.yaml".into(),
    };
    for target in Target::ALL {
        let _ = crate::emit(target, stack, &ctx, &EmitOptions::default());
    }
    let _ = crate::emit(
        Target::Compose,
        stack,
        &ctx,
        &EmitOptions { fidelity: true },
    );
}

/// Bytes as a compose file → the compose frontend → lint → every backend and every report.
/// Must never panic.
pub fn compose(data: &[u8]) {
    for input in variants(data) {
        compose_one(&input);
    }
}

fn compose_one(data: &[u8]) {
    let dir = Path::new("/nonexistent-stackc-fuzz-project");
    match stackc_compiler::front::compose::compile(
        "compose.yaml",
        data,
        "dev",
        dir,
        &Default::default(),
    ) {
        Ok(compiled) => {
            render_findings(&stackc_compiler::lint::lint(
                &compiled.stack,
                &Settings::default(),
            ));
            emit_all(&compiled.stack);
        }
        Err(diags) => render_diagnostics(diags),
    }
}

/// Bytes → spec parser.
pub fn parse_spec(data: &[u8]) {
    let _ = stackc_compiler::syntax::parse_spec("stack.yaml", data, &Default::default());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_inputs_are_also_run_past_64_kib() {
        let mut input = b"stack: x\nservices:\n  web: { image: nginx }\n#".to_vec();
        while input.iter().fold(0u8, |a, b| a.wrapping_add(*b)) % 8 != 0 {
            input.push(b' ');
        }
        let v = variants(&input);
        assert_eq!(v.len(), 3);
        assert!(v[1].len() > 65_536 && v[2].len() > 65_536);
        let wide = String::from_utf8(v[2].clone()).unwrap();
        assert!(wide.lines().next().unwrap().len() > 65_536);
        // The wide copy still parses, so its findings are rendered past column 65 535.
        for input in &v {
            pipeline(input);
        }
    }
}
