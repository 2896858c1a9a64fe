//! Unit tests of the lowering helpers.

use super::*;

fn p(container: u16, host: Option<u16>, ip: Option<&str>, proto: &str) -> Published {
    Published {
        container,
        host,
        host_ip: ip.map(str::to_string),
        protocol: proto.into(),
        name: None,
        app_protocol: None,
        note: None,
    }
}

#[test]
fn short_ports() {
    assert_eq!(
        parse_short_port("80").unwrap(),
        vec![p(80, None, None, "tcp")]
    );
    assert_eq!(
        parse_short_port("8080:80").unwrap(),
        vec![p(80, Some(8080), None, "tcp")]
    );
    assert_eq!(
        parse_short_port("127.0.0.1:5432:5432").unwrap(),
        vec![p(5432, Some(5432), Some("127.0.0.1"), "tcp")]
    );
    assert_eq!(
        parse_short_port("127.0.0.1::80").unwrap(),
        vec![p(80, None, Some("127.0.0.1"), "tcp")]
    );
    assert_eq!(
        parse_short_port("[::1]:80:80/udp").unwrap(),
        vec![p(80, Some(80), Some("::1"), "udp")]
    );
    assert_eq!(
        parse_short_port("8000-8001:9000-9001").unwrap(),
        vec![
            p(9000, Some(8000), None, "tcp"),
            p(9001, Some(8001), None, "tcp")
        ]
    );
    assert!(parse_short_port("80:70000").is_err());
    assert!(parse_short_port("abc").is_err());
    assert!(parse_short_port("1-3:1-2").is_err());
}

#[test]
fn paths_stay_in_the_project() {
    assert_eq!(project_path("."), Some(".".into()));
    assert_eq!(project_path("./a/../b"), Some("./b".into()));
    assert_eq!(project_path("../x"), None);
    assert_eq!(project_path("/abs"), None);
}

#[test]
fn paths_may_leave_the_compose_directory_as_far_as_the_spec() {
    // `stackc import docker/compose.yaml -o stack.yaml`: the spec is one directory above.
    assert_eq!(project_path_above("../", "docker/"), Some("..".into()));
    assert_eq!(
        project_path_above("../conf/a.xml", "docker/"),
        Some("../conf/a.xml".into())
    );
    assert_eq!(project_path_above("./x", "docker/"), Some("./x".into()));
    assert_eq!(project_path_above("../../x", "docker/"), None);
    assert_eq!(
        project_path_above("../../x", "deploy/docker/"),
        Some("../../x".into())
    );
    assert_eq!(project_path_above("../x", ""), None);
    assert_eq!(project_path_above("~/x", "docker/"), None);
}

#[test]
fn secret_variable_names() {
    assert!(is_secret_var_name("REDIS_PASSWORD"));
    assert!(is_secret_var_name("MINIO_SECRET_KEY"));
    assert!(is_secret_var_name("DATABASE_URL"));
    assert!(is_secret_var_name("REDIS_URL"));
    assert!(!is_secret_var_name("NEO4J_URI"));
    assert!(!is_secret_var_name("API_HOST"));
    assert!(!is_secret_var_name("QDRANT_URL"));
}
