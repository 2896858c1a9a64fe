//! In-process timings of each pipeline stage on generated stacks: parse, resolve (with load and
//! validation), lint, and each backend. `cargo bench -p stackc-backends`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use stackc_backends::output::EmitContext;
use stackc_backends::{EmitOptions, Target};
use stackc_compiler::syntax::{ParseOptions, parse_spec};

#[path = "../../xtask/src/synth.rs"]
#[allow(dead_code)]
mod synth;

fn stages(c: &mut Criterion) {
    let opts = ParseOptions {
        max_bytes: 64 << 20,
        ..Default::default()
    };
    let ctx = EmitContext {
        source_root: "..".into(),
        output_from_source: "out".into(),
        spec_name: "stack.yaml".into(),
    };
    for n in [10usize, 100, 1000] {
        let text = synth::stack_spec(n);
        let mut g = c.benchmark_group(format!("{n} services"));
        g.sample_size(if n >= 1000 { 10 } else { 30 });
        g.bench_function(BenchmarkId::new("parse", n), |b| {
            b.iter(|| parse_spec("stack.yaml", black_box(text.as_bytes()), &opts).is_ok())
        });
        let (file, spec) = parse_spec("stack.yaml", text.as_bytes(), &opts).unwrap();
        g.bench_function(BenchmarkId::new("resolve+validate", n), |b| {
            b.iter(|| {
                let stack =
                    stackc_compiler::resolve::resolve(&file, black_box(&spec), "dev").unwrap();
                stackc_compiler::valid::validate(stack).is_ok()
            })
        });
        let compiled = stackc_compiler::pipeline::compile(
            "stack.yaml",
            text.as_bytes(),
            "dev",
            Path::new("."),
            &opts,
        )
        .unwrap();
        let settings = stackc_compiler::lint::Settings::default();
        g.bench_function(BenchmarkId::new("lint", n), |b| {
            b.iter(|| stackc_compiler::lint::lint(black_box(&compiled.stack), &settings).len())
        });
        for target in [Target::Compose, Target::K8s, Target::Quadlet, Target::Units] {
            g.bench_function(BenchmarkId::new(target.name(), n), |b| {
                b.iter(|| {
                    stackc_backends::emit(target, &compiled.stack, &ctx, &EmitOptions::default())
                        .is_ok()
                })
            });
        }
        g.finish();
    }
}

criterion_group!(benches, stages);
criterion_main!(benches);
