//! `.env.example` of the compose backend: every variable the compose file reads, a variable's
//! value when the stack has one, never a secret's.

mod common;

use common::*;

/// Imports `compose` (with the env file `env`) and builds it for compose; `.env.example`.
fn env_example(compose: &str, env: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
    std::fs::write(dir.path().join(".env"), env).unwrap();
    let r = stackc_in(dir.path(), &["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let r = stackc_in(
        dir.path(),
        &[
            "build",
            "stack.yaml",
            "--target",
            "compose",
            "--fidelity",
            "-o",
            "out",
        ],
    );
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    let text = std::fs::read_to_string(dir.path().join("out/.env.example")).unwrap();
    // The first line names the spec's path, which differs per run.
    text.lines().skip(1).map(|l| format!("{l}\n")).collect()
}

/// A mount source kept for compose as written (`${DATA_FOLDER}`) reads a variable that is no
/// spec variable: it is listed too (it was missing, so compose warned that it is not set), and
/// one kept with a default (`container_name`) has that default as its value.
#[test]
fn every_variable_the_file_reads_is_listed_with_its_value() {
    let text = env_example(
        "services:\n  web:\n    image: nginx:1.27\n    container_name: ${WEB_NAME:-langfuse-web}\n    ports:\n      - \"${WEB_PORT}:80\"\n    environment:\n      TZ: ${TZ:-Europe/Berlin}\n      GREETING: ${GREETING:-hello world}\n      DB_PASSWORD: ${DB_PASSWORD}\n    volumes:\n      - ${DATA_FOLDER}/conf:/conf\n",
        "WEB_PORT=8080\nDB_PASSWORD=s3cret-value-42\n",
    );
    assert_eq!(
        text,
        "# Variables the compose file reads. `stackc secrets init` writes them to `.env` (mode 0600).\n\
         \n# secret `db_password`: taken from `DB_PASSWORD` in your environment, optional\nDB_PASSWORD=\n\
         \n# variable `WEB_PORT` (default: `8080`)\nWEB_PORT=8080\n\
         \n# variable `TZ` (default: `Europe/Berlin`)\nTZ=Europe/Berlin\n\
         \n# variable `GREETING` (default: `hello world`)\nGREETING='hello world'\n\
         \n# read by compose text kept as written (`targets.compose`); the stack gives it no value\nDATA_FOLDER=\n\
         \n# read by compose text kept as written (`targets.compose`) (default: `langfuse-web`)\nWEB_NAME=langfuse-web\n"
    );
    assert!(!text.contains("s3cret-value-42"));
}

/// Two spec variables reading one name with different defaults: one line, with no value (each
/// use keeps its own default in the compose file); a value no line can hold safely is quoted.
#[test]
fn a_name_read_with_two_defaults_is_listed_once_without_a_value() {
    let text = env_example(
        "services:\n  a:\n    image: a:1.0\n    environment:\n      URL: ${ENDPOINT:-http://minio:9000}\n      MOTD: \"${MOTD:-it's $$5}\"\n  b:\n    image: b:1.0\n    environment:\n      URL: ${ENDPOINT:-http://localhost:9090}\n",
        "",
    );
    assert_eq!(
        text,
        "# Variables the compose file reads. `stackc secrets init` writes them to `.env` (mode 0600).\n\
         \n# variable `ENDPOINT` (default: `http://minio:9000`)\
         \n# variable `ENDPOINT_2` (default: `http://localhost:9090`)\nENDPOINT=\n\
         \n# variable `MOTD` (default: `it's $5`)\nMOTD=\"it's \\$5\"\n"
    );
}
