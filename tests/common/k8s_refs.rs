//! Cross-references of a Kubernetes output folder that a cluster needs but `kubectl apply
//! --dry-run=client` does not check (see tests/k8s_cross_refs.rs): read back from the files.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// Every object of every YAML file of a folder (kustomization apart).
fn objects(dir: &Path) -> Vec<Value> {
    let mut out = Vec::new();
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .filter(|p| !p.ends_with("kustomization.yaml"))
        .collect();
    files.sort();
    for f in files {
        let text = fs::read_to_string(&f).unwrap();
        let docs = serde_saphyr::from_multiple::<Value>(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        out.extend(docs.into_iter().filter(|d| d.is_object()));
    }
    out
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn seq(v: &Value) -> &[Value] {
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// The pod spec and pod labels of a workload.
fn pod(obj: &Value) -> Option<(&Value, &Value)> {
    let tpl = match s(&obj["kind"]) {
        "Deployment" | "StatefulSet" | "DaemonSet" | "Job" => &obj["spec"]["template"],
        "CronJob" => &obj["spec"]["jobTemplate"]["spec"]["template"],
        _ => return None,
    };
    Some((&tpl["spec"], &tpl["metadata"]["labels"]))
}

/// Whether `port` (a number or a name) is a port of one of the containers.
fn declares(containers: &[Value], port: &Value) -> bool {
    containers
        .iter()
        .flat_map(|c| seq(&c["ports"]))
        .any(|p| match port {
            Value::Number(n) => p["containerPort"].as_u64() == n.as_u64(),
            Value::String(name) => {
                s(&p["name"]) == name
                    || p["containerPort"]
                        .as_u64()
                        .is_some_and(|n| name.parse() == Ok(n))
            }
            _ => false,
        })
}

/// The problems of one output folder.
pub fn problems(dir: &Path) -> Vec<String> {
    let objs = objects(dir);
    let mut bad = Vec::new();
    let named = |kind: &str| -> BTreeMap<String, &Value> {
        objs.iter()
            .filter(|o| o["kind"] == kind)
            .map(|o| (s(&o["metadata"]["name"]).to_string(), o))
            .collect()
    };
    let (services, claims, config_maps) = (
        named("Service"),
        named("PersistentVolumeClaim"),
        named("ConfigMap"),
    );
    let jobs = named("Job");
    // Secret keys: the generated Secret's keys are those of secrets.example.env.
    let example = fs::read_to_string(dir.join("secrets.example.env")).unwrap_or_default();
    let generated_keys: BTreeSet<String> = example
        .lines()
        .map(|l| l.trim_start_matches('#').trim())
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_string()))
        .filter(|k| !k.is_empty() && !k.contains(' '))
        .collect();
    let kustomization = fs::read_to_string(dir.join("kustomization.yaml")).unwrap_or_default();
    let kustomization: Value = serde_saphyr::from_str(&kustomization).unwrap_or(Value::Null);
    let generated: BTreeSet<&str> = seq(&kustomization["secretGenerator"])
        .iter()
        .map(|g| s(&g["name"]))
        .collect();
    let secret_key = |what: &str, name: &str, key: &str, optional: bool, bad: &mut Vec<String>| {
        if generated.contains(name) && !optional && !generated_keys.contains(key) {
            bad.push(format!(
                "{what}: key `{key}` of Secret `{name}` is not in secrets.example.env"
            ));
        }
    };

    let workloads: Vec<(&Value, &Value, &Value)> = objs
        .iter()
        .filter_map(|o| pod(o).map(|(spec, labels)| (o, spec, labels)))
        .collect();
    for (obj, spec, _) in &workloads {
        let who = format!("{} `{}`", s(&obj["kind"]), s(&obj["metadata"]["name"]));
        let containers: Vec<Value> = seq(&spec["containers"]).to_vec();
        let all: Vec<&Value> = seq(&spec["initContainers"])
            .iter()
            .chain(containers.iter())
            .collect();
        let mut volumes: BTreeSet<String> = seq(&spec["volumes"])
            .iter()
            .map(|v| s(&v["name"]).to_string())
            .collect();
        for t in seq(&obj["spec"]["volumeClaimTemplates"]) {
            volumes.insert(s(&t["metadata"]["name"]).to_string());
        }
        for v in seq(&spec["volumes"]) {
            let claim = s(&v["persistentVolumeClaim"]["claimName"]);
            if !claim.is_empty() && !claims.contains_key(claim) {
                bad.push(format!("{who}: claim `{claim}` does not exist"));
            }
            let cm = &v["configMap"];
            if cm.is_object() {
                let name = s(&cm["name"]);
                match config_maps.get(name) {
                    None if name != "kube-root-ca.crt" => {
                        bad.push(format!("{who}: ConfigMap `{name}` does not exist"))
                    }
                    Some(map) => {
                        for item in seq(&cm["items"]) {
                            let key = s(&item["key"]);
                            if map["data"].get(key).is_none()
                                && map["binaryData"].get(key).is_none()
                            {
                                bad.push(format!("{who}: ConfigMap `{name}` has no key `{key}`"));
                            }
                        }
                    }
                    None => {}
                }
            }
            let sec = &v["secret"];
            if sec.is_object() {
                let name = s(&sec["secretName"]);
                for item in seq(&sec["items"]) {
                    secret_key(
                        &who,
                        name,
                        s(&item["key"]),
                        sec["optional"] == true,
                        &mut bad,
                    );
                }
            }
        }
        for c in &all {
            for m in seq(&c["volumeMounts"]) {
                let name = s(&m["name"]);
                if !volumes.contains(name) {
                    bad.push(format!("{who}: mount of undeclared volume `{name}`"));
                }
            }
            for e in seq(&c["env"]) {
                let r = &e["valueFrom"]["secretKeyRef"];
                if r.is_object() {
                    secret_key(
                        &who,
                        s(&r["name"]),
                        s(&r["key"]),
                        r["optional"] == true,
                        &mut bad,
                    );
                }
            }
            // An init container waiting for a Job names an existing one.
            let args = seq(&c["args"]);
            if args.first().is_some_and(|a| a == "wait") {
                for a in args {
                    if let Some(job) = s(a).strip_prefix("job/")
                        && !jobs.contains_key(job)
                    {
                        bad.push(format!(
                            "{who}: waits for Job `{job}`, which does not exist"
                        ));
                    }
                }
            }
        }
        for c in &containers {
            for probe in ["readinessProbe", "livenessProbe", "startupProbe"] {
                for action in ["httpGet", "tcpSocket", "grpc"] {
                    let port = &c[probe][action]["port"];
                    if !port.is_null() && !declares(&containers, port) {
                        bad.push(format!(
                            "{who}: {probe} port {port} is not a container port"
                        ));
                    }
                }
            }
        }
        if obj["kind"] == "StatefulSet" {
            let svc = s(&obj["spec"]["serviceName"]);
            if !services.contains_key(svc) {
                bad.push(format!("{who}: serviceName `{svc}` does not exist"));
            }
        }
    }
    for (name, svc) in &services {
        let selector = svc["spec"]["selector"].as_object();
        let Some(selector) = selector.filter(|m| !m.is_empty()) else {
            bad.push(format!("Service `{name}` has no selector"));
            continue;
        };
        let targets: Vec<&(&Value, &Value, &Value)> = workloads
            .iter()
            .filter(|(o, _, labels)| {
                !matches!(s(&o["kind"]), "Job" | "CronJob")
                    && selector.iter().all(|(k, v)| &labels[k] == v)
            })
            .collect();
        if targets.len() != 1 {
            bad.push(format!(
                "Service `{name}` selects {} workloads",
                targets.len()
            ));
            continue;
        }
        let containers = seq(&targets[0].1["containers"]);
        for p in seq(&svc["spec"]["ports"]) {
            let target = if p["targetPort"].is_null() {
                &p["port"]
            } else {
                &p["targetPort"]
            };
            if !declares(containers, target) {
                bad.push(format!(
                    "Service `{name}`: targetPort {target} is not a container port"
                ));
            }
        }
    }
    for ing in objs.iter().filter(|o| o["kind"] == "Ingress") {
        for rule in seq(&ing["spec"]["rules"]) {
            for path in seq(&rule["http"]["paths"]) {
                let backend = &path["backend"]["service"];
                let name = s(&backend["name"]);
                let Some(svc) = services.get(name) else {
                    bad.push(format!(
                        "Ingress routes to Service `{name}`, which does not exist"
                    ));
                    continue;
                };
                let port = &backend["port"];
                let found = seq(&svc["spec"]["ports"]).iter().any(|p| {
                    (port["number"].is_u64() && p["port"] == port["number"])
                        || (port["name"].is_string() && p["name"] == port["name"])
                });
                if !found {
                    bad.push(format!(
                        "Ingress routes to port {port} of `{name}`, which it lacks"
                    ));
                }
            }
        }
    }
    bad
}
