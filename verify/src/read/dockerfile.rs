//! Reads generated Dockerfiles back (`<service>.Dockerfile`): the final stage's `USER`,
//! `EXPOSE`, `CMD`, `ENTRYPOINT` and `HEALTHCHECK`. Other instructions are ignored.

use crate::files::Dir;
use crate::model::{Health, Image, Model, Test};
use crate::source::{At, Loc};
use crate::units::duration_ms;
use crate::words::shell_words;

/// Instructions with their first line, continuation lines joined, comments dropped.
fn instructions(text: &str) -> Vec<(u32, String, String)> {
    let mut out = Vec::new();
    let mut cur: Option<(u32, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end_matches('\r');
        if cur.is_none() && (line.trim().is_empty() || line.trim_start().starts_with('#')) {
            continue;
        }
        let (body, cont) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        let entry = cur.get_or_insert((i as u32 + 1, String::new()));
        if !line.trim_start().starts_with('#') {
            entry.1.push_str(body);
            entry.1.push(' ');
        }
        if !cont {
            let (l, t) = cur.take().unwrap_or_default();
            let t = t.trim().to_string();
            let (kw, rest) = t.split_once(char::is_whitespace).unwrap_or((&t, ""));
            out.push((l, kw.to_ascii_uppercase(), rest.trim().to_string()));
        }
    }
    out
}

/// JSON exec form, else shell form run by `/bin/sh -c`.
fn command(rest: &str) -> Vec<String> {
    match serde_json::from_str::<Vec<String>>(rest) {
        Ok(v) => v,
        Err(_) => vec!["/bin/sh".into(), "-c".into(), rest.to_string()],
    }
}

fn healthcheck(rest: &str) -> Option<Health> {
    let mut h = Health {
        test: Test::Probe,
        interval: None,
        timeout: None,
        retries: None,
        start_period: None,
    };
    let mut rest = rest.trim();
    while let Some(opt) = rest.strip_prefix("--") {
        let (word, after) = opt.split_once(char::is_whitespace).unwrap_or((opt, ""));
        let (k, v) = word.split_once('=').unwrap_or((word, ""));
        match k {
            "interval" => h.interval = duration_ms(v),
            "timeout" => h.timeout = duration_ms(v),
            "retries" => h.retries = v.parse().ok(),
            "start-period" => h.start_period = duration_ms(v),
            _ => {}
        }
        rest = after.trim_start();
    }
    let cmd = rest.strip_prefix("CMD")?.trim();
    h.test = match serde_json::from_str::<Vec<String>>(cmd) {
        Ok(v) => Test::Exec(v),
        Err(_) => Test::Shell(cmd.to_string()),
    };
    Some(h)
}

/// Reads every `*.Dockerfile` of the directory.
pub fn read(dir: &mut Dir, model: &mut Model) {
    for name in dir
        .list()
        .into_iter()
        .filter(|n| n.ends_with(".Dockerfile"))
    {
        let Some(file) = dir.read(&name) else {
            continue;
        };
        let service = name.trim_end_matches(".Dockerfile").to_string();
        let mut img = Image {
            name: service.clone(),
            loc: Loc::new(&file, 1),
            user: None,
            expose: Vec::new(),
            cmd: None,
            entrypoint: None,
            health: None,
        };
        for (line, kw, rest) in instructions(&file.text) {
            let loc = Loc::new(&file, line);
            match kw.as_str() {
                "FROM" => {
                    img = Image {
                        name: service.clone(),
                        loc,
                        user: None,
                        expose: Vec::new(),
                        cmd: None,
                        entrypoint: None,
                        health: None,
                    };
                }
                "USER" => img.user = Some(At::new(rest, loc)),
                "EXPOSE" => {
                    for p in shell_words(&rest) {
                        let (n, proto) = p.split_once('/').unwrap_or((&p, "tcp"));
                        if let Ok(n) = n.parse() {
                            img.expose.push(At::new((n, proto == "udp"), loc.clone()));
                        }
                    }
                }
                "CMD" => img.cmd = Some(At::new(command(&rest), loc)),
                "ENTRYPOINT" => img.entrypoint = Some(At::new(command(&rest), loc)),
                "HEALTHCHECK" => img.health = healthcheck(&rest).map(|h| At::new(h, loc)),
                _ => {}
            }
        }
        model.images.insert(service, img);
    }
}
