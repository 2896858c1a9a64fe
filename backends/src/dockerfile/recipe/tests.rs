use super::*;

#[test]
fn package_specs() {
    for ok in [
        "curl",
        "curl=7.88.1-10+deb12u12",
        "libpq5",
        "g++",
        "ca-certificates",
        "py3-pip=24.0-r2",
        "libc6:amd64",
    ] {
        // `libc6:amd64` is an architecture qualifier: refused (no `:` in names).
        assert_eq!(is_package_spec(ok), ok != "libc6:amd64", "{ok}");
    }
    for bad in [
        "",
        "-y",
        "curl wget",
        "curl;rm",
        "a=",
        "=1",
        "$(x)",
        "a\nb",
        "a=1 b",
    ] {
        assert!(!is_package_spec(bad), "{bad:?}");
    }
}

#[test]
fn sources_are_normalised() {
    assert_eq!(normalize_source("./src/").as_deref(), Some("src"));
    assert_eq!(normalize_source(".").as_deref(), Some("."));
    assert_eq!(normalize_source("./").as_deref(), Some("."));
    assert_eq!(normalize_source("../x"), None);
    assert_eq!(normalize_source("a/../../x"), None);
    assert_eq!(normalize_source("/etc"), None);
    assert_eq!(source_destination("/app", "."), "/app/");
    assert_eq!(source_destination("/app", "src"), "/app/src");
    assert_eq!(source_destination("/app", "*.py"), "/app/");
    assert_eq!(source_destination("/app", "lib/*.py"), "/app/lib/");
}

#[test]
fn steps_are_grouped_when_they_would_bind_wrongly() {
    assert_eq!(group_step("npm run build"), "npm run build");
    assert_eq!(group_step("a | b && c"), "a | b && c");
    assert_eq!(group_step("a || b"), "{ a || b; }");
    assert_eq!(group_step("a; b;"), "{ a; b; }");
    assert_eq!(group_step("sleep 1 &"), "{ sleep 1 & }");
    assert_eq!(group_step("make 2>&1"), "make 2>&1");
    assert_eq!(group_step("make &>log"), "make &>log");
}

#[test]
fn shell_comments_are_found_outside_quotes() {
    assert!(has_shell_comment("make # build"));
    assert!(has_shell_comment("# only"));
    assert!(!has_shell_comment("echo 'a # b'"));
    assert!(!has_shell_comment("echo \"a # b\""));
    assert!(!has_shell_comment("echo a#b"));
    assert!(!has_shell_comment("echo \\# x"));
    assert!(!has_shell_comment("echo ${#x}"));
}

#[test]
fn image_tags() {
    assert_eq!(image_tag("ghcr.io/a/b:1.0.0").as_deref(), Some("1.0.0"));
    assert_eq!(image_tag("host:5000/a/b").as_deref(), None);
    assert_eq!(image_tag("a:1@sha256:00").as_deref(), Some("1"));
    assert_eq!(image_tag("a").as_deref(), None);
}

#[test]
fn user_names() {
    assert!(is_user_name("app"));
    assert!(is_user_name("uvuser"));
    assert!(is_user_name("_svc-1"));
    assert!(!is_user_name("App"));
    assert!(!is_user_name("1app"));
    assert!(!is_user_name("a b"));
    assert!(!is_user_name(""));
}
