//! Whole-token replacement of literal credentials in commands and health checks.

use std::path::Path;

use super::places::{Form, Place, places};
use super::*;
use crate::front::compose::{Frontend, Mode, dotenv, read_with_env};
use crate::syntax::ParseOptions;

fn import(compose: &str, env: &str) -> Frontend {
    read_with_env(
        "compose.yaml",
        compose.as_bytes(),
        Path::new("/nonexistent/proj"),
        &ParseOptions::default(),
        Mode::Import,
        &dotenv::parse(env),
    )
    .unwrap_or_else(|d| panic!("{:?}", d.iter().map(|d| &d.message).collect::<Vec<_>>()))
}

/// The arguments of a service's command, or its health check's shell text.
fn command(fe: &Frontend, svc: &str) -> Vec<String> {
    match &fe.spec.services[svc].command.as_ref().unwrap().value {
        CommandSpec::Exec(args) => args.iter().map(|a| a.value.clone()).collect(),
        CommandSpec::Shell(s) => vec![s.value.clone()],
    }
}

fn health(fe: &Frontend, svc: &str) -> String {
    let h = fe.spec.services[svc].health.as_ref().unwrap();
    match &h.cmd.as_ref().unwrap().value {
        CommandSpec::Shell(s) => s.value.clone(),
        CommandSpec::Exec(args) => args
            .iter()
            .map(|a| a.value.as_str())
            .collect::<Vec<_>>()
            .join(" "),
    }
}

fn notes(fe: &Frontend, path: &str) -> Vec<String> {
    fe.report
        .entries
        .iter()
        .filter(|e| e.path == path)
        .map(|e| match &e.outcome {
            Outcome::Approximated(n) | Outcome::Dropped(n) => n.clone(),
        })
        .collect()
}

/// The user = password case: the image's default user `postgres` and the password `postgres`.
/// `-U` takes a user name, so the health check keeps it; the password moved to a secret.
#[test]
fn a_user_option_argument_equal_to_the_password_is_kept() {
    let fe = import(
        "services:\n  db:\n    image: postgres:17.2\n    environment:\n      POSTGRES_PASSWORD: postgres\n    healthcheck:\n      test: [\"CMD-SHELL\", \"pg_isready -U postgres\"]\n",
        "",
    );
    assert_eq!(health(&fe, "db"), "pg_isready -U postgres");
    assert_eq!(
        fe.spec.services["db"].env["POSTGRES_PASSWORD"].value,
        "${secrets.postgres_password}"
    );
    assert_eq!(
        notes(&fe, "services.db.healthcheck.test"),
        [
            "the value of secret `postgres_password` is kept as written here: it is a user name (a URL's scheme or host, or the argument of a user option), not the credential"
        ]
    );
}

/// With the user written beside it, the shared value is public: kept everywhere, even where
/// it would be a whole argument.
#[test]
fn a_password_the_spec_also_writes_in_clear_is_kept() {
    let fe = import(
        "services:\n  db:\n    image: postgres:17.2\n    environment:\n      POSTGRES_USER: keycloak\n      POSTGRES_PASSWORD: keycloak\n    healthcheck:\n      test: [\"CMD\", \"psql\", \"keycloak\", \"postgres://keycloak:keycloak@db/keycloak\"]\n",
        "",
    );
    assert_eq!(
        health(&fe, "db"),
        "psql keycloak postgres://keycloak:keycloak@db/keycloak"
    );
    assert_eq!(
        notes(&fe, "services.db.healthcheck.test"),
        [
            "the value of secret `postgres_password` is kept as written here: the spec also writes it in clear at `services.db.env.POSTGRES_USER`, and it is read as that value"
        ]
    );
}

#[test]
fn a_password_from_the_env_file_in_a_command_becomes_a_secret() {
    let fe = import(
        "services:\n  redis:\n    image: redis:7.4\n    command: redis-server --requirepass ${REDIS_PASSWORD}\n",
        "REDIS_PASSWORD=s3cretRedisPw\n",
    );
    assert_eq!(
        command(&fe, "redis"),
        ["redis-server", "--requirepass", "${secrets.redis_password}"]
    );
}

#[test]
fn a_literal_password_in_a_command_becomes_a_secret_as_a_whole_token_only() {
    let fe = import(
        "services:\n  redis:\n    image: redis:7.4\n    environment:\n      REDIS_PASSWORD: s3cretRedisPw\n    command: redis-server --requirepass s3cretRedisPw --dir /data/s3cretRedisPw --x s3cretRedisPw_2\n",
        "",
    );
    assert_eq!(
        command(&fe, "redis"),
        [
            "redis-server",
            "--requirepass",
            "${secrets.redis_password}",
            "--dir",
            "/data/s3cretRedisPw",
            "--x",
            "s3cretRedisPw_2"
        ]
    );
    assert_eq!(
        notes(&fe, "services.redis.command"),
        ["literal credential replaced by secret `redis_password`"]
    );
}

/// A short password (`pass`) is replaced where it is a whole argument or a URL's password,
/// never inside other text; the URL's user, host and scheme stay.
#[test]
fn a_short_password_is_replaced_as_an_argument_or_a_url_password_only() {
    let fe = import(
        "services:\n  app:\n    image: app:1\n    environment:\n      DB_PASSWORD: pass\n    command: [\"migrate\", \"postgres://user:pass@db/x\", \"--password=pass\", \"pass\", \"a,pass\", \"passport\"]\n",
        "",
    );
    assert_eq!(
        command(&fe, "app"),
        [
            "migrate",
            "postgres://user:${secrets.db_password}@db/x",
            "--password=${secrets.db_password}",
            "${secrets.db_password}",
            "a,pass",
            "passport"
        ]
    );
    let notes = notes(&fe, "services.app.command");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(
        notes[1],
        "a literal credential (the value of secret `db_password`) stays here: shorter than 8 characters and not a whole argument, it cannot be told from other text; replace it by `${secrets.db_password}` by hand if it is the credential"
    );
}

#[test]
fn places_are_whole_tokens_outside_references() {
    let kinds = |text: &str, value: &str| -> Vec<(usize, Place)> {
        places(text, value, Form::Shell)
            .into_iter()
            .map(|(r, p)| (r.start, p))
            .collect()
    };
    // A scheme, a URL user (after `//`, a token character), a host; a path segment.
    assert_eq!(
        kinds("postgres://postgres:postgres@postgres", "postgres"),
        [(0, Place::User), (20, Place::Token), (29, Place::User)]
    );
    assert_eq!(
        kinds("x://u:postgres@db/postgres", "postgres"),
        [(6, Place::Token)]
    );
    assert_eq!(
        kinds("pg_isready -U postgres", "postgres"),
        [(14, Place::User)]
    );
    assert_eq!(
        kinds("psql --username='postgres'", "postgres"),
        [(17, Place::User)]
    );
    assert_eq!(
        kinds("psql --user postgres", "postgres"),
        [(12, Place::User)]
    );
    assert_eq!(
        kinds("echo postgresql db.postgres postgres-1", "postgres"),
        []
    );
    assert_eq!(
        kinds("x ${secrets.postgres} postgres", "postgres"),
        [(22, Place::Token)]
    );
    assert_eq!(
        kinds("a 'pw' \"pw\" x=pw -o=pw", "pw"),
        [
            (3, Place::Token),
            (8, Place::Token),
            (14, Place::Short),
            (20, Place::Token)
        ]
    );
    assert_eq!(kinds("anything", ""), []);
    // One exec-form argument: only the whole text, or a `--option=` value, is an argument.
    let arg = |text: &str, prev: Option<&str>| -> Vec<(usize, Place)> {
        places(text, "pw", Form::Arg { prev })
            .into_iter()
            .map(|(r, p)| (r.start, p))
            .collect()
    };
    assert_eq!(arg("pw", None), [(0, Place::Token)]);
    assert_eq!(arg("--password=pw", None), [(11, Place::Token)]);
    assert_eq!(arg("gosu pw cleanup", None), [(5, Place::Short)]);
    assert_eq!(arg("pw", Some("-U")), [(0, Place::User)]);
    assert_eq!(arg("pw", Some("--requirepass")), [(0, Place::Token)]);
}

/// A crontab line passed as one exec-form argument: its words are not arguments, so a short
/// value (the access key id `sentry`) is not replaced there.
#[test]
fn words_of_one_exec_argument_are_not_arguments() {
    let fe = import(
        "services:\n  cron:\n    image: cron:1\n    environment:\n      AWS_ACCESS_KEY_ID: sentry\n    command: [\"0 0 * * * gosu sentry sentry cleanup\"]\n",
        "",
    );
    assert_eq!(
        command(&fe, "cron"),
        ["0 0 * * * gosu sentry sentry cleanup"]
    );
}

/// In exec form the user option is the argument before.
#[test]
fn an_exec_argument_after_a_user_option_is_a_user() {
    let fe = import(
        "services:\n  db:\n    image: postgres:17.2\n    environment:\n      POSTGRES_PASSWORD: airflow\n    healthcheck:\n      test: [\"CMD\", \"pg_isready\", \"-U\", \"airflow\"]\n",
        "",
    );
    assert_eq!(health(&fe, "db"), "pg_isready -U airflow");
}
