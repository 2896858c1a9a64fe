//! Reads Kubernetes manifests back: workloads (Deployment, StatefulSet, DaemonSet, Job,
//! CronJob), Services, the Ingress, NetworkPolicies. Every other kind, and every field not
//! modelled, is ignored.

use std::collections::BTreeMap;
use std::sync::Arc;

use stackc_compiler::diag::SourceFile;

use crate::files::Dir;
use crate::model::{Allowed, Cond, EnvValue, Health, Model, Mount, Part, Route, Test, Workload};
use crate::source::{At, Loc};
use crate::units::{cpus, memory_any};
use crate::words::{flush, normalise};
use crate::yaml::{Node, parse_documents};

/// A document and the file it came from.
struct Doc {
    file: Arc<SourceFile>,
    node: Node,
}

/// A Service: selector and ports (`name`, `port`, `targetPort` as written).
struct Svc {
    name: String,
    loc: Loc,
    selector: BTreeMap<String, String>,
    ports: Vec<(Option<String>, u16, String)>,
    load_balancer: bool,
}

/// Files to read: the kustomization's resources, then every other YAML file of the folder.
fn manifest_files(dir: &mut Dir) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(k) = dir.read("kustomization.yaml")
        && let Ok(docs) = parse_documents(&k.text)
    {
        for d in &docs {
            names.extend(d.get("resources").map(Node::strings).unwrap_or_default());
        }
    }
    for n in dir.list() {
        if (n.ends_with(".yaml") || n.ends_with(".yml"))
            && n != "kustomization.yaml"
            && !names.contains(&n)
        {
            names.push(n);
        }
    }
    names
}

pub fn read(dir: &mut Dir) -> Model {
    let mut model = Model::default();
    let mut docs = Vec::new();
    for name in manifest_files(dir) {
        let Some(file) = dir.require(&name, "manifest listed by the kustomization") else {
            continue;
        };
        match parse_documents(&file.text) {
            Ok(nodes) => docs.extend(nodes.into_iter().map(|node| Doc {
                file: file.clone(),
                node,
            })),
            Err((msg, line)) => dir.unreadable(
                &Loc::new(&file, line),
                &format!("is not valid YAML: {msg}"),
                "regenerate it with `stackc build`",
            ),
        }
    }
    let mut services = Vec::new();
    for d in &docs {
        let kind = d.node.get("kind").and_then(Node::str).unwrap_or("");
        let name = d
            .node
            .at(&["metadata", "name"])
            .and_then(Node::string)
            .unwrap_or_default();
        let loc = Loc::new(&d.file, d.node.get("kind").map_or(d.node.line, |n| n.line));
        match kind {
            "Deployment" | "StatefulSet" | "DaemonSet" | "Job" | "CronJob" => {
                let name = if kind == "Job" {
                    unhashed(&name).to_string()
                } else {
                    name
                };
                let w = workload(&d.file, &d.node, kind, &name, loc);
                model.workloads.insert(name, w);
            }
            "Service" => services.push(service(&d.node, name, loc)),
            _ => {}
        }
    }
    for s in &services {
        if s.load_balancer {
            for (pname, port, _) in &s.ports {
                let target = resolve(
                    &model,
                    &services,
                    &s.name,
                    &pname.clone().unwrap_or_else(|| port.to_string()),
                );
                if let Some((w, p)) = target {
                    let route = Route {
                        what: "the LoadBalancer Service".into(),
                        host: None,
                        host_loc: None,
                        workload: w,
                        port: p,
                        port_text: port.to_string(),
                    };
                    model.routes.push(At::new(route, s.loc.clone()));
                }
            }
        }
    }
    for d in &docs {
        match d.node.get("kind").and_then(Node::str) {
            Some("Ingress") => ingress(&d.file, &d.node, &services, &mut model),
            Some("NetworkPolicy") => policy(&d.file, &d.node, &mut model),
            _ => {}
        }
    }
    model
}

fn labels(n: Option<&Node>) -> BTreeMap<String, String> {
    n.map(Node::map)
        .unwrap_or(&[])
        .iter()
        .filter_map(|(k, v)| Some((k.string()?, v.string()?)))
        .collect()
}

fn matches(selector: &BTreeMap<String, String>, labels: &BTreeMap<String, String>) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

fn workload(file: &Arc<SourceFile>, doc: &Node, kind: &str, name: &str, loc: Loc) -> Workload {
    let mut w = Workload::new(name, loc.clone());
    w.job = matches!(kind, "Job" | "CronJob");
    let spec = if kind == "CronJob" {
        doc.at(&["spec", "jobTemplate", "spec"])
    } else {
        doc.get("spec")
    };
    let Some(spec) = spec else { return w };
    w.replicas = match (kind, spec.entry("replicas")) {
        ("Deployment" | "StatefulSet", Some((k, r))) => {
            r.u64().map(|n| At::new(n as u32, Loc::new(file, k.line)))
        }
        _ => Some(At::new(1, loc)),
    };
    let templates: BTreeMap<String, String> = spec
        .get("volumeClaimTemplates")
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|t| t.at(&["metadata", "name"]).and_then(Node::string))
        .map(|n| (n.clone(), n))
        .collect();
    let Some(tpl) = spec.get("template") else {
        return w;
    };
    w.labels = labels(tpl.at(&["metadata", "labels"]));
    let Some(pod) = tpl.get("spec") else { return w };
    let containers = pod.get("containers").map(Node::seq).unwrap_or(&[]);
    let main = containers
        .iter()
        .find(|c| c.get("name").and_then(Node::str) == Some(name))
        .or(containers.first());
    let claims: BTreeMap<String, String> = pod
        .get("volumes")
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|v| {
            Some((
                v.get("name")?.string()?,
                v.at(&["persistentVolumeClaim", "claimName"])?.string()?,
            ))
        })
        .chain(templates)
        .collect();
    if let Some(c) = main {
        container(file, c, &claims, &mut w);
    }
    if w.user.is_none() {
        w.user = user_of(file, pod.get("securityContext"));
    }
    w.order_loc = pod
        .entry("initContainers")
        .map(|(k, _)| Loc::new(file, k.line));
    for ic in pod.get("initContainers").map(Node::seq).unwrap_or(&[]) {
        if let Some((dep, cond)) = wait_target(ic) {
            w.depends
                .insert(dep, At::new(cond, Loc::new(file, ic.line)));
        }
    }
    w
}

/// `runAsUser[:runAsGroup]` of a security context.
fn user_of(file: &Arc<SourceFile>, sc: Option<&Node>) -> Option<At<String>> {
    let sc = sc?;
    let (k, u) = sc.entry("runAsUser")?;
    let mut user = u.string()?;
    if let Some(g) = sc.get("runAsGroup").and_then(Node::str) {
        user = format!("{user}:{g}");
    }
    Some(At::new(user, Loc::new(file, k.line)))
}

/// A Job's name without the hash of its pod template (`migrate-3f2a9c1b` → `migrate`): Jobs
/// are named per template so that the next release can apply a changed one.
fn unhashed(name: &str) -> &str {
    match name.rsplit_once('-') {
        Some((base, hash))
            if !base.is_empty()
                && hash.len() == 8
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            base
        }
        _ => name,
    }
}

/// What an init container waits for: a Job to complete, or a host's port to answer.
fn wait_target(ic: &Node) -> Option<(String, Option<Cond>)> {
    let mut words = ic.get("command").map(Node::strings).unwrap_or_default();
    words.extend(ic.get("args").map(Node::strings).unwrap_or_default());
    if let Some(job) = words.iter().find_map(|a| a.strip_prefix("job/")) {
        return Some((unhashed(job).to_string(), Some(Cond::Completed)));
    }
    let script = words.iter().position(|a| a.contains("nc -z"))?;
    let host = words.get(script + 1)?;
    Some((host.clone(), None))
}

fn container(
    file: &Arc<SourceFile>,
    c: &Node,
    claims: &BTreeMap<String, String>,
    w: &mut Workload,
) {
    let at = |k: &Node| Loc::new(file, k.line);
    for (k, v) in c.map() {
        match k.str().unwrap_or("") {
            "image" => w.image = v.string().map(|s| At::new(s, at(k))),
            "command" => w.entrypoint = Some(At::new(v.strings(), at(k))),
            "args" => w.command = Some(At::new(v.strings(), at(k))),
            "env" => env(file, v, w),
            "ports" => {
                for p in v.seq() {
                    if let (Some(n), Some(port)) = (
                        p.get("name").and_then(Node::string),
                        p.get("containerPort").and_then(Node::u64),
                    ) {
                        w.port_names.insert(n, port as u16);
                    }
                    if let Some(port) = p.get("containerPort").and_then(Node::u64) {
                        w.port_names.insert(port.to_string(), port as u16);
                    }
                }
            }
            "resources" => {
                let q = |kind: &str, what: &str| v.at(&[kind]).and_then(|l| l.entry(what));
                w.cpus =
                    q("limits", "cpu").and_then(|(k, x)| Some(At::new(cpus(x.str()?)?, at(k))));
                w.memory = q("limits", "memory")
                    .and_then(|(k, x)| Some(At::new(memory_any(x.str()?)?, at(k))));
                w.request_cpus =
                    q("requests", "cpu").and_then(|(k, x)| Some(At::new(cpus(x.str()?)?, at(k))));
                w.request_memory = q("requests", "memory")
                    .and_then(|(k, x)| Some(At::new(memory_any(x.str()?)?, at(k))));
            }
            "securityContext" => {
                w.user = user_of(file, Some(v));
                w.read_only = Some(match v.entry("readOnlyRootFilesystem") {
                    Some((k, b)) => At::new(b.bool().unwrap_or(false), at(k)),
                    None => At::new(false, at(k)),
                });
            }
            "readinessProbe" | "livenessProbe" | "startupProbe" if w.health.is_none() => {
                let h = Health {
                    test: Test::Probe,
                    interval: None,
                    timeout: None,
                    retries: None,
                    start_period: None,
                };
                w.health = Some(At::new(h, at(k)));
            }
            "volumeMounts" => {
                for m in v.seq() {
                    let (Some(name), Some(path)) = (
                        m.get("name").and_then(Node::str),
                        m.get("mountPath").and_then(Node::string),
                    ) else {
                        continue;
                    };
                    if let Some(claim) = claims.get(name) {
                        let read_only = m.get("readOnly").and_then(Node::bool).unwrap_or(false);
                        w.mounts.insert(
                            path,
                            At::new(
                                Mount {
                                    volume: claim.clone(),
                                    read_only,
                                },
                                Loc::new(file, m.line),
                            ),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    if w.read_only.is_none() {
        w.read_only = Some(At::new(false, w.loc.clone()));
    }
}

/// Env entries in order, expanding `$(NAME)` of earlier entries (`$$` is a literal `$`).
fn env(file: &Arc<SourceFile>, list: &Node, w: &mut Workload) {
    let mut defined: BTreeMap<String, Vec<Part>> = BTreeMap::new();
    let mut used = Vec::new();
    for e in list.seq() {
        let Some(name) = e.get("name").and_then(Node::string) else {
            continue;
        };
        let parts = if let Some(v) = e.get("value") {
            expand(v.str().unwrap_or(""), &defined, &mut used)
        } else if let Some(r) = e.at(&["valueFrom", "secretKeyRef"]) {
            vec![Part::Secret(
                r.get("key").and_then(Node::string).unwrap_or_default(),
            )]
        } else if e.get("valueFrom").is_some() {
            vec![Part::Ref(format!("valueFrom:{name}"))]
        } else {
            Vec::new()
        };
        defined.insert(name.clone(), parts.clone());
        w.env.insert(
            name,
            At::new(
                EnvValue {
                    parts,
                    helper: false,
                },
                Loc::new(file, e.line),
            ),
        );
    }
    for u in used {
        if let Some(v) = w.env.get_mut(&u) {
            v.value.helper = true;
        }
    }
    // A `STACKC_SECRET_*` variable read from a Secret carries a secret to a shell-form command
    // or probe (`${STACKC_SECRET_X}`), which the reader does not expand: the spec does not set
    // it either. Literal text is not a Secret's value and stays a difference.
    for (k, v) in w.env.iter_mut() {
        if k.starts_with(SECRET_VAR_PREFIX) && matches!(v.value.parts.as_slice(), [Part::Secret(_)])
        {
            v.value.helper = true;
        }
    }
}

/// The prefix of the helper variables through which the k8s backend's shell-form commands and
/// probes read secrets (`backends/src/k8s/names.rs`; the systemd backend uses the same).
const SECRET_VAR_PREFIX: &str = "STACKC_SECRET_";

fn expand(text: &str, defined: &BTreeMap<String, Vec<Part>>, used: &mut Vec<String>) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        lit.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(a) = after.strip_prefix('$') {
            lit.push('$');
            rest = a;
        } else if let Some(inner) = after.strip_prefix('(')
            && let Some(end) = inner.find(')')
            && let Some(v) = defined.get(&inner[..end])
        {
            used.push(inner[..end].to_string());
            flush(&mut parts, &mut lit);
            parts.extend(v.iter().cloned());
            rest = &inner[end + 1..];
        } else {
            lit.push('$');
            rest = after;
        }
    }
    lit.push_str(rest);
    flush(&mut parts, &mut lit);
    normalise(parts)
}

fn service(doc: &Node, name: String, loc: Loc) -> Svc {
    let spec = doc.get("spec");
    let ports = spec
        .and_then(|s| s.get("ports"))
        .map(Node::seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|p| {
            let port = p.get("port")?.u64()? as u16;
            let target = p
                .get("targetPort")
                .and_then(Node::string)
                .unwrap_or_else(|| port.to_string());
            Some((p.get("name").and_then(Node::string), port, target))
        })
        .collect();
    Svc {
        name,
        loc,
        selector: labels(spec.and_then(|s| s.get("selector"))),
        load_balancer: spec.and_then(|s| s.get("type")).and_then(Node::str) == Some("LoadBalancer"),
        ports,
    }
}

/// The workload and container port a Service port (by name or number) leads to.
fn resolve(
    model: &Model,
    services: &[Svc],
    svc: &str,
    port: &str,
) -> Option<(String, Option<u16>)> {
    let s = services.iter().find(|s| s.name == svc)?;
    let w = model
        .workloads
        .values()
        .find(|w| !s.selector.is_empty() && matches(&s.selector, &w.labels))?;
    let target = s
        .ports
        .iter()
        .find(|(n, p, _)| n.as_deref() == Some(port) || p.to_string() == port)
        .map(|(_, _, t)| t.clone());
    let container = target.and_then(|t| w.port_names.get(&t).copied().or_else(|| t.parse().ok()));
    Some((w.name.clone(), container))
}

fn ingress(file: &Arc<SourceFile>, doc: &Node, services: &[Svc], model: &mut Model) {
    for rule in doc.at(&["spec", "rules"]).map(Node::seq).unwrap_or(&[]) {
        let host = rule.get("host").and_then(Node::string);
        let host_loc = rule.entry("host").map(|(k, _)| Loc::new(file, k.line));
        for path in rule.at(&["http", "paths"]).map(Node::seq).unwrap_or(&[]) {
            let Some(b) = path.at(&["backend", "service"]) else {
                continue;
            };
            let name = b.get("name").and_then(Node::string).unwrap_or_default();
            let port_node = b.get("port");
            let port_text = port_node
                .and_then(|p| p.get("name").or_else(|| p.get("number")))
                .and_then(Node::string)
                .unwrap_or_default();
            let line = port_node
                .and_then(|p| p.map().first().map(|(k, _)| k.line))
                .unwrap_or(path.line);
            let (workload, port) =
                resolve(model, services, &name, &port_text).unwrap_or((name.clone(), None));
            let route = Route {
                what: "the Ingress".into(),
                host: host.clone(),
                host_loc: host_loc.clone(),
                workload,
                port,
                port_text: format!("{name}:{port_text}"),
            };
            model.routes.push(At::new(route, Loc::new(file, line)));
        }
    }
}

/// Adds what one NetworkPolicy allows to the model's reach table.
fn policy(file: &Arc<SourceFile>, doc: &Node, model: &mut Model) {
    model.has_policies = true;
    let Some(spec) = doc.get("spec") else { return };
    let types = spec
        .get("policyTypes")
        .map(Node::strings)
        .unwrap_or_default();
    if !types.is_empty() && !types.iter().any(|t| t == "Ingress") {
        return;
    }
    let selector = labels(spec.at(&["podSelector", "matchLabels"]));
    let selected: Vec<String> = model
        .workloads
        .values()
        .filter(|w| matches(&selector, &w.labels))
        .map(|w| w.name.clone())
        .collect();
    let rules = spec.get("ingress").map(Node::seq).unwrap_or(&[]);
    for name in selected {
        let ports: Vec<(String, u16)> = model.workloads[&name]
            .port_names
            .iter()
            .map(|(n, p)| (n.clone(), *p))
            .collect();
        let mut numbers: Vec<u16> = ports.iter().map(|(_, p)| *p).collect();
        numbers.sort();
        numbers.dedup();
        let at = Loc::new(
            file,
            rules
                .first()
                .map_or(spec.get("podSelector").map_or(doc.line, |n| n.line), |r| {
                    r.line
                }),
        );
        for &p in &numbers {
            let a = model.reach.entry((name.clone(), p)).or_default();
            if a.selected_by.is_none() || !rules.is_empty() {
                a.selected_by = Some(at.clone());
            }
        }
        for rule in rules {
            let rule_ports = rule.get("ports").map(Node::seq).unwrap_or(&[]);
            let covers = |p: u16| {
                rule_ports.is_empty()
                    || rule_ports.iter().any(|rp| {
                        rp.get("port").and_then(Node::str).is_some_and(|t| {
                            t == p.to_string() || ports.iter().any(|(n, q)| n == t && *q == p)
                        })
                    })
            };
            let from = rule.get("from").map(Node::seq).unwrap_or(&[]);
            for &p in numbers.iter().filter(|p| covers(**p)) {
                let allowed: &mut Allowed = model.reach.entry((name.clone(), p)).or_default();
                if from.is_empty() {
                    allowed.anyone.get_or_insert(Loc::new(file, rule.line));
                }
                for peer in from {
                    match peer.get("podSelector") {
                        Some(ps) if peer.get("namespaceSelector").is_none() => {
                            let sel = labels(ps.get("matchLabels"));
                            let line = ps.get("matchLabels").map_or(peer.line, |m| m.line);
                            for w in model
                                .workloads
                                .values()
                                .filter(|w| matches(&sel, &w.labels))
                            {
                                allowed
                                    .peers
                                    .entry(w.name.clone())
                                    .or_insert_with(|| Loc::new(file, line));
                            }
                        }
                        _ => {
                            allowed.anyone.get_or_insert(Loc::new(file, peer.line));
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_marks_helpers_and_keeps_escapes() {
        let mut defined = BTreeMap::new();
        defined.insert("S".to_string(), vec![Part::Secret("k".into())]);
        let mut used = Vec::new();
        let parts = expand("a$(S)b $$(X) $(Y)", &defined, &mut used);
        assert_eq!(
            parts,
            vec![
                Part::Lit("a".into()),
                Part::Secret("k".into()),
                Part::Lit("b $(X) $(Y)".into())
            ]
        );
        assert_eq!(used, ["S"]);
    }

    /// Helpers read from a Secret are marked whether a later value expands them (`$(S)`) or a
    /// shell-form command or probe reads them (`${STACKC_SECRET_T}`, which no env value names);
    /// a `STACKC_SECRET_*` holding literal text is not.
    #[test]
    fn secret_helpers_are_marked_however_they_are_used() {
        let text = "- name: STACKC_SECRET_S\n  valueFrom: { secretKeyRef: { name: x, key: s } }\n\
                    - name: URL\n  value: http://u:$(STACKC_SECRET_S)@h\n\
                    - name: STACKC_SECRET_T\n  valueFrom: { secretKeyRef: { name: x, key: t } }\n\
                    - name: STACKC_SECRET_PASTED\n  value: hunter2\n\
                    - name: T\n  valueFrom: { secretKeyRef: { name: x, key: t } }\n";
        let docs = parse_documents(text).unwrap();
        let file = SourceFile::new("d.yaml", text);
        let mut w = Workload::new("d", Loc::new(&file, 1));
        env(&file, &docs[0], &mut w);
        let helpers: Vec<&str> = w
            .env
            .iter()
            .filter(|(_, v)| v.value.helper)
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(helpers, ["STACKC_SECRET_S", "STACKC_SECRET_T"]);
    }
}
