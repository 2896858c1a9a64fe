//! Scenario `dockerfile-plain`: the `plain` preset's Dockerfile built by BuildKit (Engine 20.10's
//! built-in builder) on the offline base image.
//!
//! Offline adaptations, each asserted before it is made so that a change in stackc's output
//! shows: the `# syntax=docker/dockerfile:1` directive is removed (the frontend image is on a
//! registry this machine cannot reach, so the engine's built-in Dockerfile frontend parses the
//! file), and the `env=NAME` option of secret mounts is removed (that frontend predates it; the
//! secret's file at `/run/secrets/NAME`, which the steps read, is unchanged).

use std::fs;
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use super::ctx::{Ctx, text};
use super::probe;
use super::scenarios::{published, read_env};

const BUILT: &str = "stackc-e2e/web:1.0.0";

/// The Dockerfile with the two offline adaptations, or what was not as expected.
fn offline_dockerfile(original: &str) -> Result<String, String> {
    let first = original.lines().next().unwrap_or("");
    if first != "# syntax=docker/dockerfile:1" {
        return Err(format!("first line is `{first}`, not the syntax directive"));
    }
    if !original.contains(",env=BUILD_TOKEN,") {
        return Err("no `env=BUILD_TOKEN` option on the secret mount".to_string());
    }
    let rest = original.split_once('\n').map(|(_, r)| r).unwrap_or("");
    Ok(rest.replace(",env=BUILD_TOKEN,", ","))
}

pub fn dockerfile_plain(ctx: &mut Ctx) {
    let Some(stack) = ctx.compile("dockerfile-plain", "dev") else {
        return;
    };
    let out = ctx.stackc(
        &stack.dir,
        &["build", "-t", "dockerfile", "-o", "out-dockerfile"],
    );
    if !ctx.check_ok("stackc build -t dockerfile writes the Dockerfile", &out) {
        return;
    }
    let dir = stack.dir.join("out-dockerfile");
    let original = fs::read_to_string(dir.join("web.Dockerfile")).unwrap_or_default();
    let adapted = match offline_dockerfile(&original) {
        Ok(a) => a,
        Err(e) => {
            ctx.check(
                "the Dockerfile has the expected directive and mount",
                false,
                e,
            );
            return;
        }
    };
    ctx.check(
        "the Dockerfile mounts apt's cache folders and the build secret",
        original.contains("--mount=type=cache,target=/var/cache/apt")
            && original
                .contains("--mount=type=secret,id=build_token,target=/run/secrets/build_token"),
        "mounts missing",
    );
    let file = dir.join("web.e2e.Dockerfile");
    let ignore = fs::read(dir.join("web.Dockerfile.dockerignore")).unwrap_or_default();
    let written = fs::write(&file, adapted)
        .and_then(|()| fs::write(dir.join("web.e2e.Dockerfile.dockerignore"), ignore));
    if let Err(e) = written {
        ctx.check("the adapted Dockerfile is written", false, e);
        return;
    }
    let token = read_env(&stack.env_file())
        .get("BUILD_TOKEN")
        .cloned()
        .unwrap_or_default();
    if !build(ctx, &stack.dir, &file, &token, false) {
        return;
    }
    check_image(ctx, &token);
    check_cache_mount(ctx, &stack.dir, &file, &token);
    check_healthcheck(ctx);
    // The compose output runs the built image (`--no-build`: it is already there).
    if ctx.up(&stack) {
        match published(ctx, &stack, "web", 8080) {
            Some(addr) => {
                let got = probe::http_get(addr, "/index.html");
                ctx.check(
                    &format!("compose serves the built image's site on {addr}"),
                    got.as_ref().is_ok_and(|(s, b)| {
                        s.contains(" 200") && b.trim() == "e2e-dockerfile-plain-ok"
                    }),
                    format!("{got:?}"),
                );
            }
            None => {
                ctx.check("port 8080 is published", false, "docker compose port: none");
            }
        }
    }
}

fn build(ctx: &mut Ctx, context: &Path, file: &Path, token: &str, again: bool) -> bool {
    let mut cmd = Command::new(super::daemon::DOCKER);
    cmd.args(["build", "--pull=false", "--progress=plain"])
        .args([
            "--secret",
            "id=build_token,env=BUILD_TOKEN",
            "-t",
            BUILT,
            "-f",
        ])
        .arg(file)
        .arg(context)
        .env("BUILD_TOKEN", token);
    let out = ctx.run(&mut cmd, Duration::from_secs(300));
    let what = if again {
        "DOCKER_BUILDKIT=1 docker build builds it again on the new base"
    } else {
        "DOCKER_BUILDKIT=1 docker build builds the image on the offline base"
    };
    ctx.check_ok(what, &out)
}

/// `docker run --rm IMAGE sh -c SCRIPT` (the image's own user).
fn run_in_image(ctx: &Ctx, script: &str) -> super::proc::Out {
    ctx.docker(&["run", "--rm", "--entrypoint", "sh", BUILT, "-c", script])
}

fn check_image(ctx: &mut Ctx, token: &str) {
    let Some(image) = ctx.inspect(BUILT) else {
        ctx.check("the image exists", false, "docker inspect found none");
        return;
    };
    ctx.check_eq(
        "the image's USER is 10001:10001",
        text(&image, &["Config", "User"]),
        "10001:10001",
    );
    let id = run_in_image(ctx, "id -u; id -g");
    ctx.check_eq(
        "a container of the image runs as uid 10001, gid 10001",
        id.trimmed(),
        "10001\n10001".to_string(),
    );
    let length = run_in_image(ctx, "cat /app/token-length");
    ctx.check_eq(
        "the build step read the secret (its length, 24, is in the image)",
        length.trimmed(),
        "24".to_string(),
    );
    let absent = run_in_image(ctx, "test ! -e /run/secrets/build_token");
    ctx.check_ok("the secret file is not in the image", &absent);
    let history = ctx.docker(&["history", "--no-trunc", BUILT]);
    ctx.check(
        "the secret value is not in the image history",
        history.ok() && !history.stdout.contains(token) && token.len() == 24,
        history.brief(),
    );
    let tar = ctx.scratch().join("web-image.tar");
    let tar_text = tar.display().to_string();
    let saved = ctx.docker(&["save", "-o", &tar_text, BUILT]);
    let bytes = fs::read(&tar).unwrap_or_default();
    let _ = fs::remove_file(&tar);
    ctx.check(
        "the secret value is in no layer of the image (docker save)",
        saved.ok() && !bytes.is_empty() && !contains(&bytes, token.as_bytes()),
        saved.brief(),
    );
    let cache = run_in_image(ctx, "cat /etc/e2e-apt-runs; ls -A /var/cache/apt | wc -l");
    ctx.check_eq(
        "apt-get ran twice with its cache mounted, and the cache folder stayed out of the image",
        cache.trimmed(),
        "2\n0".to_string(),
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

/// A new revision of the base image (as after an upstream update) invalidates the layer cache:
/// the package step runs again, and finds the first run's files in its cache mounts.
fn check_cache_mount(ctx: &mut Ctx, context: &Path, file: &Path, token: &str) {
    if let Err(e) = ctx.import_image(2) {
        ctx.check("a new revision of the base image is imported", false, e);
        return;
    }
    if !build(ctx, context, file, token, true) {
        return;
    }
    let revision = run_in_image(ctx, "cat /etc/e2e-base-revision");
    ctx.check_eq(
        "the second build is on the new base",
        revision.trimmed(),
        "2".to_string(),
    );
    let runs = run_in_image(ctx, "cat /etc/e2e-apt-runs");
    ctx.check_eq(
        "the second build found the first build's runs in the cache mount",
        runs.trimmed(),
        "4".to_string(),
    );
}

fn check_healthcheck(ctx: &mut Ctx) {
    let Some(image) = ctx.inspect(BUILT) else {
        return;
    };
    let test = image["Config"]["Healthcheck"]["Test"].to_string();
    ctx.check_eq(
        "the image carries the spec's HEALTHCHECK",
        test,
        r#"["CMD","wget","-q","-O","/dev/null","http://127.0.0.1:8080/index.html"]"#.to_string(),
    );
    let name = "e2e-dockerfile-plain-health";
    ctx.cleanups.push(vec![
        "docker".into(),
        "rm".into(),
        "-f".into(),
        name.to_string(),
    ]);
    let started = ctx.docker(&["run", "-d", "--name", name, BUILT]);
    if !ctx.check_ok(
        "docker run starts the image with no compose health check",
        &started,
    ) {
        return;
    }
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut status = String::new();
    while Instant::now() < deadline {
        status = ctx
            .inspect(name)
            .map(|v| text(&v, &["State", "Health", "Status"]).to_string())
            .unwrap_or_default();
        if status == "healthy" || status == "unhealthy" {
            break;
        }
        thread::sleep(Duration::from_millis(500));
    }
    ctx.check_eq(
        "the image's HEALTHCHECK makes the container healthy",
        status,
        "healthy".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offline_adaptations_are_exactly_two() {
        let original = "# syntax=docker/dockerfile:1\nFROM b AS runtime\nRUN --mount=type=secret,\
                        id=build_token,target=/run/secrets/build_token,env=BUILD_TOKEN,\
                        required=true wc -c < /run/secrets/build_token\n";
        assert_eq!(
            offline_dockerfile(original).unwrap(),
            "FROM b AS runtime\nRUN --mount=type=secret,id=build_token,\
             target=/run/secrets/build_token,required=true wc -c < /run/secrets/build_token\n"
        );
        assert!(offline_dockerfile("FROM b\n").is_err());
        assert!(offline_dockerfile("# syntax=docker/dockerfile:1\nFROM b\n").is_err());
    }
}
