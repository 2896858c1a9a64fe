//! The relative paths of an imported spec rewritten for a spec written above the compose
//! file's directory (`stackc import sub/dir/compose.yaml -o stack.yaml`): compose reads them
//! from the compose file's directory, the spec from its own.

use serde_json::Value;

use crate::syntax::Sp;
use crate::syntax::forms::MountSpec;
use crate::syntax::spec::StackSpec;

/// `path` (relative to the compose file's directory) seen from the spec's directory, `prefix`
/// above it (`prefix` is like `app/`): `../` steps into the prefix are taken away
/// (`../../cmd/x` from `docker-compose/kafka/` is `./cmd/x`), and a trailing `/` is dropped as
/// compose drops it from a relative path. Absolute paths, paths from a
/// variable and `~` stay as written.
pub fn rebased(path: &str, prefix: &str) -> String {
    if path.starts_with('/') || path.starts_with('$') || path.starts_with('~') || prefix.is_empty()
    {
        return path.to_string();
    }
    let mut parts: Vec<&str> = prefix.split('/').filter(|c| !c.is_empty()).collect();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." if parts.last().is_some_and(|l| *l != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    if parts.is_empty() {
        return ".".into();
    }
    let joined = parts.join("/");
    if joined.starts_with("..") {
        joined
    } else {
        format!("./{joined}")
    }
}

/// Rewrites the relative paths of a spec (build contexts, env files, bind and config mounts,
/// in the services and the environments' overlays; secret files; the paths of compose-only
/// fields) for a spec written `prefix` above the compose file's directory.
pub fn rebase(spec: &mut StackSpec, prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    let re = |p: &mut Sp<String>| p.value = rebased(&p.value, prefix);
    let mounts = |volumes: &mut Vec<Sp<MountSpec>>| {
        for m in volumes {
            match &mut m.value {
                MountSpec::Short(text) => {
                    if let Some((src, rest)) = text.value.split_once(':')
                        && src.starts_with('.')
                    {
                        text.value = format!("{}:{rest}", rebased(src, prefix));
                    }
                }
                MountSpec::Long(l) => {
                    if let Some(b) = l.bind.as_mut() {
                        re(b);
                    }
                    if let Some(c) = l.config.as_mut() {
                        re(c);
                    }
                }
            }
        }
    };
    for svc in spec.services.values_mut() {
        if let Some(c) = svc.build.as_mut().and_then(|b| b.context.as_mut()) {
            re(c);
        }
        svc.env_file.iter_mut().for_each(re);
        mounts(&mut svc.volumes);
    }
    for env in spec.environments.values_mut() {
        for o in env.services.values_mut() {
            mounts(&mut o.volumes);
        }
    }
    for s in spec.secrets.values_mut() {
        if let Some(f) = s.file.as_mut() {
            re(f);
        }
    }
    let Some(c) = spec.targets.as_mut().and_then(|t| t.compose.as_mut()) else {
        return;
    };
    for fields in c.services.values_mut() {
        for (k, v) in fields.iter_mut() {
            compose_field(k.value.as_str(), v, prefix);
        }
    }
    for v in c.secrets.values_mut().chain(c.configs.values_mut()) {
        path_at(v, "file", prefix);
    }
}

/// The paths of one compose-only service field.
fn compose_field(key: &str, v: &mut Value, prefix: &str) {
    match (key, v) {
        ("volumes", Value::Array(items)) => {
            for m in items {
                match m {
                    Value::String(s) => {
                        if let Some((src, rest)) = s.split_once(':')
                            && src.starts_with('.')
                        {
                            *s = format!("{}:{rest}", rebased(src, prefix));
                        }
                    }
                    Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("bind") => {
                        path_at(m, "source", prefix);
                    }
                    _ => {}
                }
            }
        }
        ("build", Value::String(s)) if !s.contains("://") => *s = rebased(s, prefix),
        ("build", b @ Value::Object(_)) if !b["context"].as_str().unwrap_or("").contains("://") => {
            path_at(b, "context", prefix);
        }
        ("label_file" | "env_file", Value::String(s)) => *s = rebased(s, prefix),
        ("label_file" | "env_file", Value::Array(items)) => {
            for i in items {
                match i {
                    Value::String(s) => *s = rebased(s, prefix),
                    o @ Value::Object(_) => path_at(o, "path", prefix),
                    _ => {}
                }
            }
        }
        ("develop", d) => {
            if let Some(Value::Array(rules)) = d.get_mut("watch") {
                for r in rules {
                    path_at(r, "path", prefix);
                }
            }
        }
        _ => {}
    }
}

/// The string at `key` of an object, rebased.
fn path_at(v: &mut Value, key: &str, prefix: &str) {
    if let Some(Value::String(s)) = v.get_mut(key) {
        *s = rebased(s, prefix);
    }
}

#[cfg(test)]
mod tests {
    use super::rebased;

    #[test]
    fn paths_are_seen_from_the_spec() {
        let p = "docker-compose/kafka/";
        assert_eq!(rebased("../../cmd/jaeger/q.yaml", p), "./cmd/jaeger/q.yaml");
        assert_eq!(
            rebased("./conf.yaml", p),
            "./docker-compose/kafka/conf.yaml"
        );
        assert_eq!(rebased(".", p), "./docker-compose/kafka");
        assert_eq!(rebased("./data/", p), "./docker-compose/kafka/data");
        assert_eq!(rebased("../../../up", p), "../up");
        assert_eq!(rebased("../../", p), ".");
        assert_eq!(rebased("/etc/x", p), "/etc/x");
        assert_eq!(rebased("${DATA}/x", p), "${DATA}/x");
        assert_eq!(rebased("./x", ""), "./x");
    }
}
