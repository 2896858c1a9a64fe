//! The env file `docker compose config` checks a golden compose file with.
//!
//! Every `NAME=` of the `.env.example` beside the compose file is set, and nothing else (a
//! variable the file reads but `.env.example` leaves out stays unset, and compose's "variable is
//! not set" warning fails the check):
//! - a variable with a value in `.env.example` keeps it, as written;
//! - one without (a secret, a variable with no default) gets a stand-in valid where the compose
//!   file uses it, found from the key path of each `${NAME}` in the compose YAML:
//!
//! | use | stand-in |
//! |---|---|
//! | a port (`ports` host or container field, `published`, `target` of a port, `expose`) | `18080`, `18081`, … (one per variable, in `.env.example` order) |
//! | a duration (`healthcheck` timings, `stop_grace_period`, `deploy` delays and windows) | `10s` |
//! | a count (`healthcheck.retries`, `replicas`, `scale`, `pids_limit`) | `1` |
//! | cpus (`cpus`, `deploy.resources.*.cpus`) | `0.5` |
//! | a memory size (`mem_limit`, `shm_size`, `deploy.resources.*.memory`, ...) | `64m` |
//! | a boolean (`read_only`, `privileged`, `external`, ...) | `false` |
//! | an IP address (the host IP of a port, `ipv4_address`) | `127.0.0.1` |
//! | the start of a container path (a mount target) | `/validate-stand-in` |
//! | the start of a host path (a bind source, `build.context`, `env_file`, a `file:`) | `./validate-stand-in` |
//! | a name (a `name:` of a volume, network, secret or config, the project name), or a path segment after its start | `validate-stand-in` |
//! | anything else | `validate-placeholder` |
//!
//! A variable used in several ways takes the stand-in of the most constrained use (the order of
//! the table).

use std::collections::BTreeMap;

use stackc_compiler::diag::SourceFile;
use stackc_compiler::front::compose::interp::{self, Piece};
use stackc_compiler::syntax::ParseOptions;
use stackc_compiler::syntax::parse::from_yaml;

/// What a variable stands for where the compose file uses it, most constrained first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Use {
    Port,
    Duration,
    Count,
    Cpus,
    Size,
    Bool,
    Ip,
    ContainerPath,
    HostPath,
    Name,
    Text,
}

impl Use {
    /// The stand-in for this use; `port` is the number a port takes.
    fn stand_in(self, port: u16) -> String {
        match self {
            Use::Port => port.to_string(),
            Use::Duration => "10s".into(),
            Use::Count => "1".into(),
            Use::Cpus => "0.5".into(),
            Use::Size => "64m".into(),
            Use::Bool => "false".into(),
            Use::Ip => "127.0.0.1".into(),
            Use::ContainerPath => "/validate-stand-in".into(),
            Use::HostPath => "./validate-stand-in".into(),
            Use::Name => "validate-stand-in".into(),
            Use::Text => "validate-placeholder".into(),
        }
    }
}

/// The first port stand-in.
const FIRST_PORT: u16 = 18080;

/// The env file for `docker compose --env-file`: one `NAME=value` line for every `NAME=` of
/// `example`, in its order (comments dropped). Errors when the compose YAML cannot be read.
pub fn env_file(example: &str, compose_yaml: &str) -> Result<String, String> {
    let file = SourceFile::new("compose.yaml", compose_yaml);
    let doc: serde_json::Value = from_yaml(&file, &ParseOptions::default())
        .map_err(|d| format!("cannot read the compose file: {}", d.message))?;
    let uses = uses(&doc);
    let mut port = FIRST_PORT;
    let mut out = String::new();
    for (name, raw) in entries(example) {
        let value = if has_value(&raw) {
            raw
        } else {
            let u = uses.get(&name).copied().unwrap_or(Use::Text);
            let s = u.stand_in(port);
            if u == Use::Port {
                port += 1;
            }
            s
        };
        out.push_str(&format!("{name}={value}\n"));
    }
    Ok(out)
}

/// `(NAME, value as written)` of every `NAME=` line; comments, blank lines and `export ` dropped.
fn entries(example: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in example.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((name, raw)) = line.split_once('=') {
            let name = name.trim();
            if !name.is_empty() {
                out.push((name.to_string(), raw.trim().to_string()));
            }
        }
    }
    out
}

/// Whether a value as written in a dotenv line is not empty (`''` and `""` are empty).
fn has_value(raw: &str) -> bool {
    !matches!(raw, "" | "''" | "\"\"")
}

/// The most constrained use of each variable the compose file reads.
pub fn uses(doc: &serde_json::Value) -> BTreeMap<String, Use> {
    let mut out = BTreeMap::new();
    walk(doc, &mut Vec::new(), &mut out);
    out
}

fn walk(v: &serde_json::Value, path: &mut Vec<String>, out: &mut BTreeMap<String, Use>) {
    match v {
        serde_json::Value::String(s) => {
            let Ok(pieces) = interp::parse(s) else { return };
            for (name, u) in string_uses(path, &pieces) {
                out.entry(name)
                    .and_modify(|e: &mut Use| *e = (*e).min(u))
                    .or_insert(u);
            }
        }
        serde_json::Value::Array(items) => {
            for i in items {
                path.push("[]".into());
                walk(i, path, out);
                path.pop();
            }
        }
        serde_json::Value::Object(map) => {
            for (k, i) in map {
                path.push(k.clone());
                walk(i, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// Each variable of one string at `path`, with its use there.
fn string_uses(path: &[String], pieces: &[Piece]) -> Vec<(String, Use)> {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    let fields = |at: &dyn Fn(usize, usize, bool) -> Use| -> Vec<(String, Use)> {
        let mut out = Vec::new();
        for (field, count, at_start, name) in field_positions(pieces) {
            out.push((name, at(field, count, at_start)));
        }
        out
    };
    let whole = |u: Use| fields(&|_, _, at_start| if at_start { u } else { Use::Text });
    let path_use = |u: Use| fields(&|_, _, at_start| if at_start { u } else { Use::Name });
    match p.as_slice() {
        ["services", _, rest @ ..] => match rest {
            // `[[ip:]host:]container[/protocol]`
            ["ports", "[]"] => fields(&|field, count, _| match count - field {
                1 | 2 => Use::Port,
                _ => Use::Ip,
            }),
            ["ports", "[]", "published" | "target"] | ["expose", "[]"] => whole(Use::Port),
            ["ports", "[]", "host_ip"] | ["networks", _, "ipv4_address"] => whole(Use::Ip),
            // `source:target[:mode]`, or a target alone
            ["volumes", "[]"] => fields(&|field, count, at_start| match (field, count) {
                (0, 1) | (1, _) if at_start => Use::ContainerPath,
                (0, _) if at_start => Use::HostPath,
                (0 | 1, _) => Use::Name,
                _ => Use::Text,
            }),
            ["volumes", "[]", "source"] => path_use(Use::HostPath),
            ["volumes", "[]", "target"] => path_use(Use::ContainerPath),
            ["build", "context" | "dockerfile"]
            | ["env_file"]
            | ["env_file", "[]"]
            | ["env_file", "[]", "path"] => path_use(Use::HostPath),
            [
                "healthcheck",
                "interval" | "timeout" | "start_period" | "start_interval",
            ]
            | ["stop_grace_period"]
            | [
                "deploy",
                "restart_policy" | "update_config" | "rollback_config",
                "delay" | "window" | "monitor",
            ] => whole(Use::Duration),
            ["healthcheck", "retries"]
            | ["deploy", "replicas"]
            | ["scale" | "pids_limit"]
            | ["deploy", "resources", _, "pids"] => whole(Use::Count),
            ["cpus"] | ["deploy", "resources", _, "cpus"] => whole(Use::Cpus),
            ["mem_limit" | "mem_reservation" | "memswap_limit" | "shm_size"]
            | ["deploy", "resources", _, "memory"] => whole(Use::Size),
            ["read_only" | "privileged" | "tty" | "stdin_open" | "init"] => whole(Use::Bool),
            _ => whole(Use::Text),
        },
        ["volumes" | "networks" | "secrets" | "configs", _, "name"] | ["name"] => whole(Use::Name),
        [
            "volumes" | "networks",
            _,
            "external" | "internal" | "attachable",
        ] => whole(Use::Bool),
        ["secrets" | "configs", _, "file"] => path_use(Use::HostPath),
        _ => whole(Use::Text),
    }
}

/// For each variable of a string (those in a default or alternative included): the `:`-field
/// it is in (`[…]` kept whole, as an IPv6 address), the number of fields, and whether it
/// starts its field.
fn field_positions(pieces: &[Piece]) -> Vec<(usize, usize, bool, String)> {
    let (mut field, mut depth, mut at_start) = (0usize, 0usize, true);
    let mut found: Vec<(usize, bool, &Piece)> = Vec::new();
    for p in pieces {
        match p {
            Piece::Lit(t) => {
                for c in t.chars() {
                    match c {
                        ':' if depth == 0 => {
                            field += 1;
                            at_start = true;
                            continue;
                        }
                        '[' => depth += 1,
                        ']' => depth = depth.saturating_sub(1),
                        _ => {}
                    }
                    at_start = false;
                }
            }
            Piece::Var { .. } => {
                found.push((field, at_start, p));
                at_start = false;
            }
        }
    }
    let count = field + 1;
    let mut out = Vec::new();
    for (field, at_start, p) in found {
        let mut names = Vec::new();
        var_names(std::slice::from_ref(p), &mut names);
        out.extend(names.into_iter().map(|n| (field, count, at_start, n)));
    }
    out
}

fn var_names(pieces: &[Piece], out: &mut Vec<String>) {
    for p in pieces {
        if let Piece::Var { name, arg, .. } = p {
            out.push(name.clone());
            var_names(arg, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPOSE: &str = r#"
name: ${PROJECT}
services:
  app:
    image: app:${TAG}
    ports:
      - "${BIND_IP}:${HOST_PORT}:80"
      - "${OTHER_PORT:-9000}:9000"
      - target: 81
        published: "${LONG_PORT}"
    expose: ["${EXPOSED}"]
    volumes:
      - ${DATA_FOLDER}/caddy_config:/config
      - ./data/${SUB}:${MOUNT_AT}:ro
      - type: bind
        source: ${SRC}
        target: /src
    healthcheck:
      interval: ${HEALTHCHECK_INTERVAL}
      retries: ${RETRIES}
    command: ["--port", "${HOST_PORT}"]
    environment:
      URL: ${URL}
      PASS: ${DB_PASSWORD:?run stackc secrets init}
    cpus: ${CPUS}
    mem_limit: ${MEM}
    read_only: ${RO}
volumes:
  data:
    name: ${VOLUME_NAME}
"#;

    #[test]
    fn uses_come_from_the_key_path() {
        let doc: serde_json::Value =
            from_yaml(&SourceFile::new("c", COMPOSE), &ParseOptions::default()).unwrap();
        let u = uses(&doc);
        let expect = [
            ("BIND_IP", Use::Ip),
            ("CPUS", Use::Cpus),
            ("DATA_FOLDER", Use::HostPath),
            ("DB_PASSWORD", Use::Text),
            ("EXPOSED", Use::Port),
            ("HEALTHCHECK_INTERVAL", Use::Duration),
            // A port in `ports`, text in `command`: the port wins.
            ("HOST_PORT", Use::Port),
            ("LONG_PORT", Use::Port),
            ("MEM", Use::Size),
            ("MOUNT_AT", Use::ContainerPath),
            ("OTHER_PORT", Use::Port),
            ("PROJECT", Use::Name),
            ("RETRIES", Use::Count),
            ("RO", Use::Bool),
            ("SRC", Use::HostPath),
            ("SUB", Use::Name),
            ("TAG", Use::Text),
            ("URL", Use::Text),
            ("VOLUME_NAME", Use::Name),
        ];
        let got: Vec<(&str, Use)> = u.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn values_are_kept_and_the_rest_get_their_stand_in() {
        let example = "# header\n\n# secret `db`\nDB_PASSWORD=\nTAG='1.2 x'\nexport HOST_PORT=\nEXPOSED=\"\"\nDATA_FOLDER=\nMOUNT_AT=\nHEALTHCHECK_INTERVAL=\nVOLUME_NAME=\nBIND_IP=\nNOT_READ=\n";
        assert_eq!(
            env_file(example, COMPOSE).unwrap(),
            "DB_PASSWORD=validate-placeholder\n\
             TAG='1.2 x'\n\
             HOST_PORT=18080\n\
             EXPOSED=18081\n\
             DATA_FOLDER=./validate-stand-in\n\
             MOUNT_AT=/validate-stand-in\n\
             HEALTHCHECK_INTERVAL=10s\n\
             VOLUME_NAME=validate-stand-in\n\
             BIND_IP=127.0.0.1\n\
             NOT_READ=validate-placeholder\n"
        );
    }

    #[test]
    fn a_variable_missing_from_the_example_stays_unset() {
        // `URL` is read but not listed: the env file does not set it, so compose warns.
        let out = env_file("TAG=1\n", COMPOSE).unwrap();
        assert_eq!(out, "TAG=1\n");
    }

    #[test]
    fn an_unreadable_compose_file_is_an_error() {
        assert!(
            env_file("A=\n", "services: [unclosed")
                .unwrap_err()
                .starts_with("cannot read the compose file")
        );
    }

    #[test]
    fn port_fields_count_from_the_right_and_brackets_keep_their_colons() {
        let pieces = interp::parse("[::1]:${P}:80/tcp").unwrap();
        assert_eq!(field_positions(&pieces), [(1, 3, true, "P".to_string())]);
    }
}
