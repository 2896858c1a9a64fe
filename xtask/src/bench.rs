//! `cargo xtask bench [--sizes 10,100,1000,10000] [--runs N] [--peers] [--findings-only]
//! [--no-findings]`: whole-process timings of `stackc lint` and `stackc build` (each target and
//! all together) on generated stacks, with peers (DCLint, `docker compose config`, hadolint)
//! run on the same inputs in the same run. Prints Markdown tables: median wall time and peak
//! memory (from `/usr/bin/time`).
//!
//! A second table times the reports of many findings (a 1 000-service compose file with about
//! 4 000 findings, in every format) and the inputs that used to be quadratic (a 113 KB
//! one-line spec in the human format, 200 services extending a 1 MB file, 128 000 services).

use std::fmt::Write as _;

use crate::synth::{
    compose_file, compose_with_findings, extends_pair, many_services_spec, one_line_spec,
    stack_spec,
};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

struct Measure {
    median_ms: f64,
    peak_kb: u64,
    ok: bool,
}

/// Runs the program `runs` times and takes the median wall time (measured here, to the
/// microsecond), then once more under `/usr/bin/time -f %M` for the peak resident memory.
fn measure(program: &Path, args: &[&str], runs: usize, env: &[(&str, &str)]) -> Measure {
    let mut times = Vec::new();
    let mut ok = true;
    for _ in 0..runs {
        let start = std::time::Instant::now();
        let status = Command::new(program)
            .args(args)
            .envs(env.iter().copied())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .expect("the measured program runs");
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        ok &= status.success() || status.code() == Some(1);
    }
    let out = Command::new("/usr/bin/time")
        .arg("-f")
        .arg("@@%M")
        .arg(program)
        .args(args)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .output()
        .expect("/usr/bin/time runs (apt-get install time)");
    let err = String::from_utf8_lossy(&out.stderr);
    let peak_kb = err
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("@@"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    times.sort_by(|a, b| a.partial_cmp(b).unwrap());
    Measure {
        median_ms: times.get(times.len() / 2).copied().unwrap_or(f64::NAN),
        peak_kb,
        ok,
    }
}

fn fmt_ms(m: &Measure) -> String {
    let flag = if m.ok { "" } else { " (failed)" };
    if m.median_ms < 100.0 {
        format!("{:.1} ms{flag}", m.median_ms)
    } else {
        format!("{:.0} ms{flag}", m.median_ms)
    }
}

pub fn run(args: &[String]) -> ExitCode {
    let mut sizes = vec![10usize, 100, 1000, 10000];
    let mut runs = 5usize;
    let mut peers = false;
    let mut findings = true;
    let mut main_table = true;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--sizes" => {
                sizes = it
                    .next()
                    .map(|v| v.split(',').filter_map(|x| x.parse().ok()).collect())
                    .unwrap_or_default()
            }
            "--runs" => runs = it.next().and_then(|v| v.parse().ok()).unwrap_or(5),
            "--peers" => peers = true,
            "--findings-only" => main_table = false,
            "--no-findings" => findings = false,
            _ => {
                eprintln!(
                    "usage: cargo xtask bench [--sizes 10,100,1000,10000] [--runs N] [--peers] [--findings-only] [--no-findings]"
                );
                return ExitCode::from(2);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf();
    eprintln!("bench: building stackc (release)");
    let st = Command::new("cargo")
        .args(["build", "--release", "--quiet", "--bin", "stackc"])
        .current_dir(&root)
        .status();
    if !st.is_ok_and(|s| s.success()) {
        eprintln!("bench: cargo build --release failed");
        return ExitCode::from(1);
    }
    let stackc = root.join("target/release/stackc");
    let work = root.join("target/bench");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();
    let validators = root.join("target/validators");
    let dclint = validators.join("node/node_modules/.bin/dclint");
    let compose_bin: Option<PathBuf> = std::fs::read_dir(validators.join("venv/lib"))
        .ok()
        .and_then(|mut d| d.next())
        .and_then(|e| e.ok())
        .map(|e| e.path().join("site-packages/compose/docker-compose"));

    if !main_table {
        sizes.clear();
    }
    let mut table = String::from(
        "| services | stackc lint | build compose | build k8s | build systemd | build all | peak memory (all) |",
    );
    if peers {
        table.push_str(" DCLint | lint ratio | docker compose config |");
    }
    table.push('\n');
    table.push_str(&"|---".repeat(if peers { 11 } else { 7 }));
    table.push_str("|\n");
    let mut all_ms = Vec::new();
    for &n in &sizes {
        let dir = work.join(format!("n{n}"));
        std::fs::create_dir_all(&dir).unwrap();
        let spec = dir.join("stack.yaml");
        std::fs::write(&spec, stack_spec(n)).unwrap();
        std::fs::write(dir.join("compose.yaml"), compose_file(n)).unwrap();
        let r = if n >= 10000 { runs.min(3) } else { runs };
        let spec_s = spec.to_str().unwrap();
        let out = |t: &str| dir.join(format!("out-{t}")).to_string_lossy().to_string();
        let big = [("STACKC_UNUSED", "")];
        let max = "--max-input-size=104857600";
        let lint = measure(&stackc, &["lint", spec_s, max], r, &big);
        let compose = measure(
            &stackc,
            &[
                "build",
                spec_s,
                max,
                "--target",
                "compose",
                "-o",
                &out("compose"),
            ],
            r,
            &big,
        );
        let k8s = measure(
            &stackc,
            &["build", spec_s, max, "--target", "k8s", "-o", &out("k8s")],
            r,
            &big,
        );
        let systemd = measure(
            &stackc,
            &[
                "build",
                spec_s,
                max,
                "--target",
                "systemd",
                "-o",
                &out("systemd"),
            ],
            r,
            &big,
        );
        let all = measure(
            &stackc,
            &["build", spec_s, max, "--target", "all", "-o", &out("all")],
            r,
            &big,
        );
        let _ = write!(
            table,
            "| {n} | {} | {} | {} | {} | {} | {:.1} MB |",
            fmt_ms(&lint),
            fmt_ms(&compose),
            fmt_ms(&k8s),
            fmt_ms(&systemd),
            fmt_ms(&all),
            all.peak_kb as f64 / 1024.0
        );
        if peers {
            let cf = dir.join("compose.yaml");
            let cf_s = cf.to_str().unwrap();
            let slint = measure(&stackc, &["lint", "--compose", cf_s, max], r, &big);
            let d = if dclint.exists() {
                Some(measure(&dclint, &[cf_s], r.min(3), &[]))
            } else {
                None
            };
            let c = compose_bin
                .as_ref()
                .filter(|p| p.exists())
                .map(|p| measure(p, &["-f", cf_s, "config", "-q"], r.min(3), &[]));
            let ratio = d
                .as_ref()
                .map(|d| format!("{:.0}×", d.median_ms / slint.median_ms))
                .unwrap_or_else(|| "-".into());
            let _ = write!(
                table,
                " {} | {ratio} | {} |",
                d.as_ref()
                    .map(fmt_ms)
                    .unwrap_or_else(|| "not installed".into()),
                c.as_ref()
                    .map(fmt_ms)
                    .unwrap_or_else(|| "not installed".into())
            );
        }
        table.push('\n');
        all_ms.push((n, all.median_ms, lint.median_ms));
        eprintln!("bench: {n} services done");
    }
    if main_table {
        println!("{table}");
    }
    if findings {
        println!("{}", findings_table(&stackc, &work, runs, &dclint));
    }
    if let (Some(a), Some(b)) = (
        all_ms.iter().find(|x| x.0 == 1000),
        all_ms.iter().find(|x| x.0 == 10000),
    ) {
        println!(
            "scaling 1 000 → 10 000 services: build all ×{:.1}, lint ×{:.1} (linear is ×10)",
            b.1 / a.1,
            b.2 / a.2
        );
    }
    ExitCode::SUCCESS
}

/// The reports of many findings, per format, and the inputs that used to be quadratic.
fn findings_table(stackc: &Path, work: &Path, runs: usize, dclint: &Path) -> String {
    let dir = work.join("findings");
    std::fs::create_dir_all(&dir).unwrap();
    let compose = dir.join("compose.yaml");
    std::fs::write(&compose, compose_with_findings(1000)).unwrap();
    let compose_s = compose.to_str().unwrap();
    let mut t = String::from("| case | format | median | peak memory |\n|---|---|---|---|\n");
    let mut row = |case: &str, format: &str, m: &Measure| {
        let _ = writeln!(
            t,
            "| {case} | {format} | {} | {:.1} MB |",
            fmt_ms(m),
            m.peak_kb as f64 / 1024.0
        );
    };
    let count = Command::new(stackc)
        .args(["lint", "--compose", compose_s, "--format", "short"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
        .unwrap_or(0);
    let case = format!("1 000-service compose file, {count} findings");
    for format in ["human", "short", "json", "sarif", "github"] {
        let m = measure(
            stackc,
            &["lint", "--compose", compose_s, "--format", format],
            runs,
            &[],
        );
        row(&case, format, &m);
    }
    if dclint.exists() {
        let m = measure(dclint, &[compose_s], runs.min(3), &[]);
        row(&case, "DCLint (peer)", &m);
    }
    let one_line = dir.join("stack.yaml");
    let text = one_line_spec(1000);
    std::fs::write(&one_line, &text).unwrap();
    let m = measure(
        stackc,
        &["lint", one_line.to_str().unwrap(), "--format", "human"],
        runs,
        &[],
    );
    row(
        &format!("one-line spec of {} KB, 1 000 services", text.len() / 1000),
        "human",
        &m,
    );
    let ext = dir.join("extends");
    std::fs::create_dir_all(&ext).unwrap();
    let (main, base) = extends_pair(200, 1000);
    std::fs::write(ext.join("compose.yaml"), &main).unwrap();
    std::fs::write(ext.join("base.yaml"), &base).unwrap();
    let m = measure(
        stackc,
        &[
            "lint",
            ext.join("compose.yaml").to_str().unwrap(),
            "--format",
            "short",
        ],
        runs,
        &[],
    );
    row(
        &format!(
            "{} KB file, 200 services extending a {} KB file",
            main.len() / 1000,
            base.len() / 1000
        ),
        "short",
        &m,
    );
    let many = dir.join("many.stack.yaml");
    std::fs::write(&many, many_services_spec(128_000)).unwrap();
    let many_s = many.to_str().unwrap();
    for format in ["short", "human"] {
        let m = measure(
            stackc,
            &[
                "lint",
                many_s,
                "--format",
                format,
                "--max-input-size=104857600",
            ],
            runs.min(3),
            &[],
        );
        row("128 000 services", format, &m);
    }
    t
}
