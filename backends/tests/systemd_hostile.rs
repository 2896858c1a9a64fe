//! Hostile values through both systemd flavours: env values, command, entrypoint and
//! health-check arguments holding quotes, backslashes, `%`, `$`, `;`, specifiers and
//! variable syntax must come back exactly when the units are read the way systemd (and
//! Quadlet) read them, with no extra line, key, section or command; a line break is a
//! located `STK051` error.

use std::path::Path;

use stackc_backends::output::{BackendOutput, EmitContext};
use stackc_backends::systemd::{self, ini};
use stackc_compiler::diag::Diagnostic;
use stackc_compiler::ir::SystemdFlavour;

/// Values that must round-trip.
const HOSTILE: &[&str] = &[
    "double \" quote",
    "single ' quote",
    "\"double-wrapped\"",
    "back\\slash",
    "trailing\\",
    "\\n is not a newline",
    "%",
    "%n",
    "%%n and %i",
    "100% sure",
    "$",
    "$HOME",
    "${X}",
    "$$",
    "a$b$",
    "a;b",
    " ; ",
    "\\;",
    "# not a comment",
    "[Install]",
    "ExecStartPre=/bin/evil",
    "Key=Value",
    " padded ",
    "tab\there",
    "ünïcödé ✓",
    "*?[glob] | & > < `cmd` $(sub)",
    "",
];

fn ctx() -> EmitContext {
    EmitContext {
        source_root: ".".into(),
        output_from_source: ".".into(),
        spec_name: "stack.yaml".into(),
    }
}

/// A YAML double-quoted scalar whose stackc value is `s` (`$` doubled: `$$` is a literal `$`).
fn yaml(s: &str) -> String {
    yaml_raw(&s.replace('$', "$$"))
}

/// A YAML double-quoted scalar holding `s` (for plain strings, which have no `${...}`).
fn yaml_raw(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn build(spec: &str, flavour: SystemdFlavour) -> Result<BackendOutput, Vec<Diagnostic>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let compiled = stackc_compiler::pipeline::compile(
        "stack.yaml",
        spec.as_bytes(),
        "dev",
        dir,
        &Default::default(),
    )
    .unwrap_or_else(|d| {
        panic!(
            "spec does not compile: {:?}\n{spec}",
            d.iter().map(|d| (&d.code, &d.message)).collect::<Vec<_>>()
        )
    });
    systemd::emit(&compiled.stack, &ctx(), flavour)
}

/// A stack whose `app` service carries `values` in env, command, entrypoint and health check.
fn spec(values: &[&str]) -> String {
    let mut s =
        String::from("stack: hostile\nservices:\n  app:\n    image: busybox:1.37\n    env:\n");
    for (i, v) in values.iter().enumerate() {
        s.push_str(&format!("      V_{i}: {}\n", yaml(v)));
    }
    let list = |vals: &[&str]| vals.iter().map(|v| yaml(v)).collect::<Vec<_>>().join(", ");
    s.push_str(&format!("    command: [/bin/echo, {}]\n", list(values)));
    s.push_str(&format!("    entrypoint: [/bin/env, {}]\n", list(values)));
    s.push_str(&format!(
        "    health: {{ cmd: [/bin/test, {}] }}\n",
        list(values)
    ));
    s
}

fn file<'a>(out: &'a BackendOutput, path: &str) -> &'a str {
    &out.files
        .iter()
        .find(|f| f.path == path)
        .unwrap_or_else(|| panic!("no {path}"))
        .contents
}

fn with_prefix(values: &[&str], prefix: &str) -> Vec<String> {
    let mut v = vec![prefix.to_string()];
    v.extend(values.iter().map(|s| s.to_string()));
    v
}

#[test]
fn quadlet_reads_back_every_value() {
    // A lone `;` is refused in Quadlet sections (see `semicolon_alone`).
    let values: Vec<&str> = HOSTILE.to_vec();
    let out = build(&spec(&values), SystemdFlavour::Quadlet).unwrap_or_else(|d| panic!("{d:#?}"));
    let text = file(&out, "hostile-app.container");
    let entries = ini::parse(text).unwrap();
    let sections: Vec<&str> = text.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(
        sections,
        ["[Unit]", "[Container]", "[Service]", "[Install]"],
        "{text}"
    );
    let get = |key: &str| -> Vec<&String> {
        entries
            .iter()
            .filter(|(s, k, _)| s == "Container" && k == key)
            .map(|(_, _, v)| v)
            .collect()
    };

    let envs: Vec<String> = get("Environment")
        .iter()
        .flat_map(|raw| ini::unquote_words(raw, true).unwrap())
        .collect();
    let want: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("V_{i}={v}"))
        .collect();
    assert_eq!(envs, want, "{text}");

    let exec = get("Exec");
    assert_eq!(exec.len(), 1);
    assert_eq!(
        ini::unquote_words(exec[0], true).unwrap(),
        with_prefix(&values, "/bin/echo")
    );

    let json = |key: &str| -> Vec<String> {
        let raw = get(key);
        assert_eq!(raw.len(), 1, "{key}");
        serde_json::from_str(&ini::unquote_quadlet_text(raw[0]).unwrap()).unwrap()
    };
    assert_eq!(json("Entrypoint"), with_prefix(&values, "/bin/env"));
    assert_eq!(json("HealthCmd"), with_prefix(&values, "/bin/test"));

    // Nothing else appeared: the keys are exactly the expected ones.
    let mut keys: Vec<String> = entries.iter().map(|(s, k, _)| format!("{s}.{k}")).collect();
    keys.dedup();
    assert_eq!(
        keys,
        [
            "Unit.Description",
            "Container.Image",
            "Container.ContainerName",
            "Container.Network",
            "Container.NetworkAlias",
            "Container.Environment",
            "Container.Entrypoint",
            "Container.Exec",
            "Container.HealthCmd",
            "Container.HealthInterval",
            "Container.HealthTimeout",
            "Container.HealthRetries",
            "Container.NoNewPrivileges",
            "Container.DropCapability",
            "Service.Restart",
            "Service.TimeoutStartSec",
            "Install.WantedBy",
        ]
    );
    assert_eq!(get("Environment").len(), values.len());
}

#[test]
fn units_read_back_every_value() {
    let values: Vec<&str> = HOSTILE.iter().copied().chain([";"]).collect();
    let out = build(&spec(&values), SystemdFlavour::Units).unwrap_or_else(|d| panic!("{d:#?}"));
    let text = file(&out, "hostile-app.service");
    let entries = ini::parse(text).unwrap();
    let sections: Vec<&str> = text.lines().filter(|l| l.starts_with('[')).collect();
    assert_eq!(sections, ["[Unit]", "[Service]", "[Install]"], "{text}");
    let exec: Vec<&String> = entries
        .iter()
        .filter(|(_, k, _)| k == "ExecStart")
        .map(|(_, _, v)| v)
        .collect();
    assert_eq!(exec.len(), 1, "{text}");
    let argv = ini::unquote_words(exec[0], true).unwrap();
    let envs: Vec<String> = argv
        .iter()
        .filter_map(|a| a.strip_prefix("--env="))
        .map(str::to_string)
        .collect();
    let want: Vec<String> = values
        .iter()
        .enumerate()
        .map(|(i, v)| format!("V_{i}={v}"))
        .collect();
    assert_eq!(envs, want);
    let flag = |name: &str| -> Vec<String> {
        let v: Vec<&String> = argv.iter().filter(|a| a.starts_with(name)).collect();
        assert_eq!(v.len(), 1, "{name}");
        serde_json::from_str(&v[0][name.len()..]).unwrap()
    };
    assert_eq!(flag("--entrypoint="), with_prefix(&values, "/bin/env"));
    assert_eq!(flag("--health-cmd="), with_prefix(&values, "/bin/test"));
    let image = argv
        .iter()
        .position(|a| a == "docker.io/library/busybox:1.37")
        .unwrap();
    assert_eq!(argv[image + 1..], with_prefix(&values, "/bin/echo")[..]);
    // One command per Exec line, nothing after the image but the command.
    let keys: Vec<&str> = entries.iter().map(|(_, k, _)| k.as_str()).collect();
    assert_eq!(
        keys.iter().filter(|k| k.starts_with("Exec")).count(),
        3,
        "{keys:?}"
    );
}

#[test]
fn semicolon_alone_is_refused_by_quadlet_and_kept_by_units() {
    let spec = spec(&[";"]);
    let e = build(&spec, SystemdFlavour::Quadlet).unwrap_err();
    assert!(e.iter().all(|d| d.code == "STK051"), "{e:#?}");
    assert!(e.iter().any(|d| d.message.contains("Exec=")), "{e:#?}");
    assert!(build(&spec, SystemdFlavour::Units).is_ok());
}

/// `(code, line)` of each diagnostic, sorted.
fn located(d: &[Diagnostic]) -> Vec<(&'static str, u32)> {
    let mut v: Vec<_> = d
        .iter()
        .map(|d| {
            (
                d.code.as_str(),
                d.location().map(|(_, l, _)| l).unwrap_or(0),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn line_breaks_are_located_errors() {
    // A newline is carried in env values, command, entrypoint and health check, each one
    // escaped argument (`multi_line_arguments_read_back_exactly`); other control characters
    // are errors everywhere.
    for (bad, refused) in [
        ("a\nb", false),
        ("x\n[Install]\nWantedBy=evil.target", false),
        ("\nExecStartPre=/bin/evil", false),
        ("cr\rlf", true),
        ("nul\u{1}", true),
    ] {
        let spec = format!(
            "stack: hostile\nservices:\n  app:\n    image: busybox:1.37\n    env:\n      OK: fine\n      BAD: {}\n    command: [/bin/echo, {}]\n    health: {{ cmd: [/bin/true, {}] }}\n    entrypoint: [/bin/env, {}]\n",
            yaml(bad),
            yaml(bad),
            yaml(bad),
            yaml(bad)
        );
        for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
            if refused {
                let e = build(&spec, flavour).unwrap_err();
                let want = [("STK051", 7), ("STK051", 8), ("STK051", 9), ("STK051", 10)];
                assert_eq!(located(&e), want, "{bad:?} {flavour:?}: {e:#?}");
                continue;
            }
            let out = build(&spec, flavour).unwrap_or_else(|d| panic!("{bad:?}: {d:#?}"));
            // One argument, read back exactly; no line the value could have added.
            let (name, key) = match flavour {
                SystemdFlavour::Quadlet => ("hostile-app.container", "PodmanArgs"),
                SystemdFlavour::Units => ("hostile-app.service", "ExecStart"),
            };
            let text = file(&out, name);
            let entries = ini::parse(text).unwrap();
            let raw: Vec<&String> = entries
                .iter()
                .filter(|(_, k, _)| k == key)
                .map(|(_, _, v)| v)
                .collect();
            assert_eq!(raw.len(), 1, "{text}");
            let argv = ini::unquote_words(raw[0], true).unwrap();
            assert!(argv.contains(&format!("--env=BAD={bad}")), "{argv:?}");
            assert!(
                !entries
                    .iter()
                    .any(|(_, k, v)| k == "ExecStartPre" && v.contains("evil")),
                "{text}"
            );
            let installs: Vec<_> = entries.iter().filter(|(s, _, _)| s == "Install").collect();
            assert!(
                installs.iter().all(|(_, _, v)| v != "evil.target"),
                "{text}"
            );
        }
    }
}

#[test]
fn hostile_names_of_images_users_and_paths_are_data_or_errors() {
    let spec = format!(
        "stack: hostile\nservices:\n  app:\n    image: {}\n    user: {}\n    workdir: {}\n    volumes: [{{ tmpfs: {} }}]\n",
        yaml_raw("busybox:1.37"),
        yaml_raw("1000:1000 %n $X"),
        yaml_raw("/srv/a b/%h/${X}"),
        yaml_raw("/tmp/x;y")
    );
    let out = build(&spec, SystemdFlavour::Quadlet).unwrap();
    let entries = ini::parse(file(&out, "hostile-app.container")).unwrap();
    let text_of = |key: &str| {
        let raw = &entries.iter().find(|(_, k, _)| k == key).unwrap().2;
        ini::unquote_quadlet_text(raw).unwrap()
    };
    assert_eq!(text_of("User"), "1000:1000 %n $X");
    assert_eq!(text_of("WorkingDir"), "/srv/a b/%h/${X}");
    assert_eq!(text_of("Tmpfs"), "/tmp/x;y");
    let out = build(&spec, SystemdFlavour::Units).unwrap();
    let entries = ini::parse(file(&out, "hostile-app.service")).unwrap();
    let raw = &entries.iter().find(|(_, k, _)| k == "ExecStart").unwrap().2;
    let argv = ini::unquote_words(raw, true).unwrap();
    assert!(
        argv.contains(&"--user=1000:1000 %n $X".to_string()),
        "{argv:?}"
    );
    assert!(
        argv.contains(&"--workdir=/srv/a b/%h/${X}".to_string()),
        "{argv:?}"
    );

    let bad = "stack: hostile\nservices:\n  app:\n    image: busybox:1.37\n    volumes: [{ tmpfs: \"/a:b\" }]\n";
    for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
        assert_eq!(located(&build(bad, flavour).unwrap_err()), [("STK051", 5)]);
    }
}

/// The unit's command line (`Exec=` of the Quadlet file, or the words after the image in
/// the plain unit's `ExecStart=`), read back the way systemd reads it.
fn command_read_back(out: &BackendOutput, flavour: SystemdFlavour) -> Vec<String> {
    let (path, key) = match flavour {
        SystemdFlavour::Quadlet => ("hostile-app.container", "Exec"),
        SystemdFlavour::Units => ("hostile-app.service", "ExecStart"),
    };
    let text = file(out, path);
    let entries = ini::parse(text).unwrap();
    let raw: Vec<&String> = entries
        .iter()
        .filter(|(_, k, _)| k == key)
        .map(|(_, _, v)| v)
        .collect();
    assert_eq!(raw.len(), 1, "{text}");
    let argv = ini::unquote_words(raw[0], true).unwrap();
    match flavour {
        SystemdFlavour::Quadlet => argv,
        SystemdFlavour::Units => {
            let image = argv
                .iter()
                .position(|a| a == "docker.io/library/busybox:1.37")
                .unwrap();
            argv[image + 1..].to_vec()
        }
    }
}

#[test]
fn multi_line_arguments_read_back_exactly() {
    let script = "set -e\nif [ -n \"$X\" ]; then\n\techo 'a b' 100% \\\nfi\n";
    let spec = format!(
        "stack: hostile\nservices:\n  app:\n    image: busybox:1.37\n    command: [sh, -c, {s}, \"x\\ny\"]\n    entrypoint: [/bin/env, {s}]\n    health: {{ cmd: [/bin/test, {s}] }}\n",
        s = yaml(script)
    );
    for flavour in [SystemdFlavour::Quadlet, SystemdFlavour::Units] {
        let out = build(&spec, flavour).unwrap_or_else(|d| panic!("{flavour:?}: {d:#?}"));
        assert_eq!(
            command_read_back(&out, flavour),
            ["sh", "-c", script, "x\ny"],
            "{flavour:?}"
        );
        let (entrypoint, health) = json_arrays_read_back(&out, flavour);
        assert_eq!(entrypoint, ["/bin/env", script], "{flavour:?}");
        assert_eq!(health, ["/bin/test", script], "{flavour:?}");
    }
}

/// The entrypoint and health-check JSON arrays, read back the way systemd (and Quadlet) read
/// them.
fn json_arrays_read_back(
    out: &BackendOutput,
    flavour: SystemdFlavour,
) -> (Vec<String>, Vec<String>) {
    match flavour {
        SystemdFlavour::Quadlet => {
            let entries = ini::parse(file(out, "hostile-app.container")).unwrap();
            let json = |key: &str| -> Vec<String> {
                let raw: Vec<&String> = entries
                    .iter()
                    .filter(|(_, k, _)| k == key)
                    .map(|(_, _, v)| v)
                    .collect();
                assert_eq!(raw.len(), 1, "{key}");
                serde_json::from_str(&ini::unquote_quadlet_text(raw[0]).unwrap()).unwrap()
            };
            (json("Entrypoint"), json("HealthCmd"))
        }
        SystemdFlavour::Units => {
            let entries = ini::parse(file(out, "hostile-app.service")).unwrap();
            let raw = &entries.iter().find(|(_, k, _)| k == "ExecStart").unwrap().2;
            let argv = ini::unquote_words(raw, true).unwrap();
            let flag = |name: &str| -> Vec<String> {
                let v = argv.iter().find_map(|a| a.strip_prefix(name)).unwrap();
                serde_json::from_str(v).unwrap()
            };
            (flag("--entrypoint="), flag("--health-cmd="))
        }
    }
}
