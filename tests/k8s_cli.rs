//! The Kubernetes output through the command line: an imported compose file's public database
//! port stays inside the cluster, and `stackc secrets init --k8s` writes the Secret's env file.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn stackc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stackc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("API_TOKEN")
        .output()
        .unwrap()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stackc-k8s-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const COMPOSE: &str = r#"services:
  postgres:
    image: postgres:16.4
    environment:
      POSTGRES_PASSWORD: example
    ports:
      - "5432:5432"
    volumes:
      - pgdata:/var/lib/postgresql/data
volumes:
  pgdata:
"#;

#[test]
fn imported_public_postgres_gets_no_ingress_and_no_open_policy() {
    let dir = scratch("import");
    std::fs::write(dir.join("compose.yaml"), COMPOSE).unwrap();
    let import = stackc(&dir, &["import", "compose.yaml", "-o", "stack.yaml"]);
    assert!(
        import.status.success(),
        "{}",
        String::from_utf8_lossy(&import.stderr)
    );
    let build = stackc(&dir, &["build", "stack.yaml", "-t", "k8s", "-o", "out"]);
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let out = dir.join("out");
    assert!(
        !out.join("ingress.yaml").exists(),
        "no Ingress to postgres:5432"
    );
    let policies = std::fs::read_to_string(out.join("networkpolicies.yaml")).unwrap();
    assert!(
        !policies.contains("5432"),
        "no policy opens 5432:\n{policies}"
    );
    assert!(!policies.contains("postgres-public"));
    let service = std::fs::read_to_string(out.join("postgres.service.yaml")).unwrap();
    assert!(!service.contains("LoadBalancer"));
    let readme = std::fs::read_to_string(out.join("README.md")).unwrap();
    assert!(readme.contains("port 5432 is a database's: it stays inside the cluster"));
    let _ = std::fs::remove_dir_all(&dir);
}

const SPEC: &str = r#"stack: app
secrets:
  db_password: { generate: { length: 24 } }
  api_token: { from_env: API_TOKEN, optional: true }
  unused: { generate: { length: 8 } }
services:
  api:
    image: ghcr.io/example/api:1.0.0
    user: "1000"
    health: { cmd: [true] }
    resources: { cpus: 0.5, memory: 256Mi }
    env:
      DB_PASSWORD: ${secrets.db_password}
      TOKEN: ${secrets.api_token}
"#;

#[test]
fn secrets_init_k8s_writes_exactly_the_keys_the_manifests_read() {
    let dir = scratch("secrets");
    std::fs::write(dir.join("stack.yaml"), SPEC).unwrap();
    let build = stackc(
        &dir,
        &["build", "-e", "prod", "-t", "k8s", "-o", "out/prod/k8s"],
    );
    assert!(
        build.status.success(),
        "{}",
        String::from_utf8_lossy(&build.stderr)
    );
    let k8s_dir = dir.join("out/prod/k8s");
    assert_eq!(
        std::fs::read_to_string(k8s_dir.join(".gitignore"))
            .unwrap()
            .lines()
            .last(),
        Some("secrets.env")
    );

    let init = stackc(
        &dir,
        &["secrets", "init", "--env", "prod", "--k8s", "out/prod/k8s"],
    );
    assert!(
        init.status.success(),
        "{}",
        String::from_utf8_lossy(&init.stderr)
    );
    let path = k8s_dir.join("secrets.env");
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    let text = std::fs::read_to_string(&path).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    assert_eq!(
        keys,
        ["db-password"],
        "the optional token is unset, `unused` is read by nobody"
    );
    assert!(
        !dir.join(".env").exists(),
        "the compose env file is left alone"
    );

    // A second run keeps every value.
    let again = stackc(
        &dir,
        &["secrets", "init", "--env", "prod", "--k8s", "out/prod/k8s"],
    );
    assert!(again.status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    let _ = std::fs::remove_dir_all(&dir);
}
