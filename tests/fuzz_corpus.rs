//! Replays the fuzzers' corpora and every input they ever crashed on (`fuzz/regressions/`)
//! through the same entry points the fuzz targets use, on stable Rust, in `cargo test`.

use std::path::Path;

fn replay(dir: &Path, run: fn(&[u8])) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut n = 0;
    for e in entries.flatten() {
        let data = std::fs::read(e.path()).unwrap();
        run(&data);
        n += 1;
    }
    n
}

#[test]
fn fuzz_corpora_and_regressions_replay_without_panics() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut total = 0;
    for (target, run) in [
        (
            "parse_spec",
            stackc_backends::fuzzing::parse_spec as fn(&[u8]),
        ),
        ("pipeline", stackc_backends::fuzzing::pipeline),
        ("compose", stackc_backends::fuzzing::compose),
    ] {
        total += replay(&root.join("corpus").join(target), run);
        total += replay(&root.join("regressions").join(target), run);
    }
    assert!(
        total >= 30,
        "expected the committed corpora to hold inputs, replayed {total}"
    );
}
