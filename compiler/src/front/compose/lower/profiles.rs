//! Which profiles compose runs when none is named, so that `dev` and `prod` (the
//! environments that stand for a plain `docker compose up`) hold what the file means:
//! - the profiles the project's env file activates (`COMPOSE_PROFILES=a,b`): compose runs them
//!   without `--profile`, so `dev` and `prod` include their services;
//! - when every service is under a profile (a plain `up` runs nothing), the profile whose name
//!   says it is the deployment (`prod`, `production`, `default`), or the only profile: `prod`
//!   deploys its services (`dev` stays what compose runs: nothing).
//!
//! Otherwise `prod` holds no service, and its build stops at a located error (`STK058`)
//! naming the profiles to choose from.

use super::*;
use crate::front::compose::report::Outcome;

/// Profile names that say they are the deployment, in order of preference.
const DEPLOYMENT_PROFILES: &[&str] = &["prod", "production", "default"];

impl Lowering<'_> {
    /// Adds `dev`/`prod` to the `only_in` of the services of the profiles compose runs (or the
    /// file means for deployment) when no `--profile` is given.
    pub(super) fn default_profiles(&mut self, services: &mut NameMap<ServiceSpec>) {
        let active: Vec<String> = self
            .project_env
            .get("COMPOSE_PROFILES")
            .map(|v| {
                v.split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        let active: Vec<String> = active
            .into_iter()
            .filter(|p| p == "*" || self.environments.contains_key(p))
            .collect();
        if !active.is_empty() {
            let all = active.iter().any(|p| p == "*");
            let n = add_env(services, &["dev", "prod"], |p| {
                all || active.iter().any(|a| a == p)
            });
            self.cx.report.push(
                "(env file).COMPOSE_PROFILES",
                Span::DUMMY,
                Outcome::Approximated(format!(
                    "the project's env file activates {} {}: compose runs {} without `--profile`, so `dev` and `prod` include {}",
                    if active.len() == 1 { "the profile" } else { "the profiles" },
                    names(&active),
                    if n == 1 { "its 1 service".to_string() } else { format!("their {n} services") },
                    if n == 1 { "it" } else { "them" }
                )),
            );
            return;
        }
        if services.is_empty() || services.values().any(|s| s.only_in.is_empty()) {
            return;
        }
        let profiles: Vec<String> = self.environments.keys().cloned().collect();
        let chosen = DEPLOYMENT_PROFILES
            .iter()
            .find(|d| profiles.iter().any(|p| p == *d))
            .map(|d| d.to_string())
            .or_else(|| (profiles.len() == 1).then(|| profiles[0].clone()));
        let Some(chosen) = chosen else { return };
        if chosen == "prod" {
            return;
        }
        let at = self.environments[&chosen];
        add_env(services, &["prod"], |p| p == chosen);
        self.cx.report.push(
            "profiles",
            at,
            Outcome::Approximated(format!(
                "every service is under a profile, so a plain `docker compose up` runs none; `prod` deploys the profile `{chosen}` (what the file names as its deployment), `dev` stays empty as compose runs it"
            )),
        );
    }
}

impl Lowering<'_> {
    /// Keeps for compose the `profiles` of the services the project's env file activates
    /// (`COMPOSE_PROFILES`), which `dev` includes: a fidelity build writes them, so that compose,
    /// reading the output with that env file, runs them under their profiles as it ran the
    /// original.
    pub(super) fn activated_profiles(
        &mut self,
        raw: &[(&Sp<String>, &Entries)],
        services: &NameMap<ServiceSpec>,
    ) {
        for &(k, e) in raw {
            let Some(name) = self.services.get(&k.value).cloned() else {
                continue;
            };
            let Some(spec) = services.get(name.as_str()) else {
                continue;
            };
            let in_dev = spec.only_in.iter().any(|e| e.value == "dev");
            let of_profile = spec
                .only_in
                .iter()
                .any(|e| e.value != "dev" && e.value != "prod");
            if !(in_dev && of_profile) {
                continue;
            }
            let Some((pk, pv)) = e.iter().find(|(key, _)| key.value == "profiles") else {
                continue;
            };
            let fields = self.compose_fields(&name, k.span);
            fields.insert(Sp::new("profiles".into(), pk.span), to_json(&pv.value));
        }
    }

    /// The compose-only fields of the service `name` (its spec name), made when it has none.
    fn compose_fields(
        &mut self,
        name: &str,
        span: Span,
    ) -> &mut IndexMap<Sp<String>, serde_json::Value> {
        let at = self.compose.services.keys().position(|n| n.value == name);
        match at {
            Some(i) => &mut self.compose.services[i],
            None => self
                .compose
                .services
                .entry(Sp::new(name.to_string(), span))
                .or_default(),
        }
    }

    /// An environment entry with no value (`KEY` alone: passed through when set, else unset)
    /// whose variable another use gives an empty default (`${KEY:-}`): the spec reads both
    /// through that variable, and compose keeps the entry alone (`targets.compose`
    /// `environment`), which a fidelity build writes as it was.
    pub(super) fn bare_entries_with_defaults(&mut self, raw: &[(&Sp<String>, &Entries)]) {
        for &(k, e) in raw {
            let Some(name) = self.services.get(&k.value).cloned() else {
                continue;
            };
            let Some((_, env)) = e.iter().find(|(key, _)| key.value == "environment") else {
                continue;
            };
            let bare: Vec<String> = match &env.value {
                Node::Seq(items) => items
                    .iter()
                    .filter_map(|i| i.value.scalar_text())
                    .filter(|t| !t.contains('='))
                    .collect(),
                Node::Map(entries) => entries
                    .iter()
                    .filter(|(_, v)| matches!(v.value, Node::Null))
                    .map(|(key, _)| key.value.clone())
                    .collect(),
                _ => Vec::new(),
            };
            let kept: Vec<serde_json::Value> = bare
                .into_iter()
                .filter(|key| {
                    self.vars.get(key).is_some_and(|v| {
                        !v.secret && v.passthrough && v.default.is_some() && v.env == *key
                    }) && !self.project_env.contains_key(key)
                })
                .map(serde_json::Value::String)
                .collect();
            if kept.is_empty() {
                continue;
            }
            let fields = self.compose_fields(&name, k.span);
            let list = fields
                .entry(Sp::new("environment".into(), env.span))
                .or_insert_with(|| serde_json::Value::Array(Vec::new()));
            if let serde_json::Value::Array(items) = list {
                for key in kept {
                    if !items.contains(&key) {
                        items.push(key);
                    }
                }
            }
        }
    }

    /// Reports each optional dependency (`required: false`) on a service that some
    /// environments of the dependent service leave out: there, the dependency is dropped (as
    /// compose skips it); where both run, every target waits for it.
    pub(super) fn optional_dependencies(&mut self, services: &NameMap<ServiceSpec>) {
        let mut all: Vec<String> = vec!["dev".into(), "prod".into()];
        all.extend(
            self.environments
                .keys()
                .filter(|e| !all.contains(e))
                .cloned()
                .collect::<Vec<_>>(),
        );
        let runs_in = |s: &ServiceSpec| -> Vec<String> {
            if s.only_in.is_empty() {
                all.clone()
            } else {
                all.iter()
                    .filter(|e| s.only_in.iter().any(|o| &o.value == *e))
                    .cloned()
                    .collect()
            }
        };
        let mut lines = Vec::new();
        for (svc, spec) in services {
            let Some(serde_json::Value::Object(deps)) = self
                .compose
                .services
                .get(svc.value.as_str())
                .and_then(|f| f.get("depends_on"))
            else {
                continue;
            };
            let Some(DependsOnSpec::Map(entries)) = spec.depends_on.as_ref().map(|d| &d.value)
            else {
                continue;
            };
            for (dep, _) in entries {
                let optional = deps
                    .get(&dep.value)
                    .and_then(|e| e.get("required"))
                    .is_some_and(|r| r == false);
                let Some(target) = services.get(dep.value.as_str()) else {
                    continue;
                };
                if !optional {
                    continue;
                }
                let there = runs_in(target);
                let left_out: Vec<String> = runs_in(spec)
                    .into_iter()
                    .filter(|e| !there.contains(e))
                    .collect();
                if left_out.is_empty() {
                    continue;
                }
                lines.push((
                    format!("services.{}.depends_on.{}", svc.value, dep.value),
                    dep.span,
                    format!(
                        "optional dependency (`required: false`): left out in {} {}, where `{}` does not run (compose skips it); where both run, every target waits for it",
                        if left_out.len() == 1 { "environment" } else { "environments" },
                        names(&left_out),
                        dep.value
                    ),
                ));
            }
        }
        for (path, span, why) in lines {
            self.cx.report.push(&path, span, Outcome::Approximated(why));
        }
    }
}

/// Adds `envs` to the `only_in` of each service that has a profile `pick` accepts; returns how
/// many services changed.
fn add_env(
    services: &mut NameMap<ServiceSpec>,
    envs: &[&str],
    pick: impl Fn(&str) -> bool,
) -> usize {
    let mut n = 0;
    for s in services.values_mut() {
        if s.only_in.is_empty() || !s.only_in.iter().any(|p| pick(&p.value)) {
            continue;
        }
        let at = s.only_in[0].span;
        for e in envs {
            if !s.only_in.iter().any(|p| p.value == *e) {
                s.only_in.push(Sp::new((*e).to_string(), at));
            }
        }
        n += 1;
    }
    n
}

fn names(list: &[String]) -> String {
    list.iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
