//! `cargo xtask schema [--check]`: writes `schema/stack.schema.json` from the spec types;
//! `--check` fails when the committed file is stale.

use std::path::Path;
use std::process::ExitCode;

const PATH: &str = "schema/stack.schema.json";

pub fn run(args: &[String]) -> ExitCode {
    let check = match args {
        [] => false,
        [a] if a == "--check" => true,
        _ => {
            eprintln!("usage: cargo xtask schema [--check]");
            return ExitCode::from(2);
        }
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace");
    let path = root.join(PATH);
    let fresh = stackc_compiler::schema::schema_json();
    if check {
        match std::fs::read_to_string(&path) {
            Ok(old) if old == fresh => {
                println!("schema: {PATH} is up to date");
                ExitCode::SUCCESS
            }
            Ok(_) => {
                eprintln!("schema: {PATH} is stale; run `cargo xtask schema` and commit it");
                ExitCode::from(1)
            }
            Err(e) => {
                eprintln!("schema: cannot read {PATH}: {e}; run `cargo xtask schema`");
                ExitCode::from(1)
            }
        }
    } else {
        if let Err(e) = std::fs::write(&path, fresh) {
            eprintln!("schema: cannot write {PATH}: {e}");
            return ExitCode::from(2);
        }
        println!("schema: wrote {PATH}");
        ExitCode::SUCCESS
    }
}
