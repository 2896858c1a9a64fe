//! `include` and `extends`: other compose files and base services merged into the tree before
//! it is lowered, with compose's merge rules.
//!
//! Content from another file keeps no span of its own (a diagnostic points into one file): it
//! takes the span of the `include` entry or `extends` key that brought it in, and its relative
//! paths are rewritten to stay right from the main file's directory.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::diag::{Diagnostic, ErrorCode, Span};
use crate::load::{Refusal, canonical_root, read_confined};
use crate::syntax::parse::{from_yaml, load_text};
use crate::syntax::{ParseOptions, Sp};

use super::node::Node;
use super::read::Cx;

/// How deep `include` and `extends` may nest.
const MAX_DEPTH: usize = 16;

/// Reads the other compose files of a run: confined to the project directory, each real path
/// read and parsed once however many services or chain levels name it.
struct Loader<'o> {
    root: PathBuf,
    opts: &'o ParseOptions,
    /// Parsed files by real path, or the error reading or parsing one gave (reported again,
    /// relocated, where another reference names it).
    cache: HashMap<PathBuf, Loaded>,
}

/// A file read once: its tree, or the error and the noun (`included file`) it was worded with.
type Loaded = Result<Rc<Sp<Node>>, (String, Diagnostic)>;

/// Expands `include` and `extends` in the tree of the main file (in `dir`, the project
/// directory).
pub fn expand(cx: &mut Cx, mut root: Sp<Node>, dir: &Path, opts: &ParseOptions) -> Sp<Node> {
    let mut seen = HashSet::new();
    if let Some(main) = canonical(Path::new(&cx.f.name)) {
        seen.insert(main);
    }
    let mut ld = Loader {
        root: canonical_root(dir),
        opts,
        cache: HashMap::new(),
    };
    include(cx, &mut ld, &mut root, dir, &mut seen, 0);
    extends(cx, &mut ld, &mut root, dir);
    root
}

fn canonical(p: &Path) -> Option<PathBuf> {
    p.canonicalize().ok()
}

/// A compose file other than the main one, parsed (from the cache when it was read before),
/// or a located error at `at`. Files outside the project, symlinks leading out, FIFOs and
/// devices are refused without being read.
fn load_other(
    cx: &mut Cx,
    ld: &mut Loader,
    path: &Path,
    at: Span,
    what: &str,
) -> Option<Rc<Sp<Node>>> {
    let key = canonical(path).unwrap_or_else(|| path.to_path_buf());
    if let Some(hit) = ld.cache.get(&key) {
        return match hit {
            Ok(tree) => Some(tree.clone()),
            Err((noun, d)) => {
                let mut d = d.clone();
                d.message = d.message.replacen(noun.as_str(), what, 1);
                if let Some(p) = &mut d.primary {
                    p.span = at;
                }
                cx.diags.push(d);
                None
            }
        };
    }
    let before = cx.diags.len();
    let parsed = parse_other(cx, ld, path, at, what).map(Rc::new);
    let loaded = match &parsed {
        Some(tree) => Ok(tree.clone()),
        None => match cx.diags.get(before) {
            Some(d) => Err((what.to_string(), d.clone())),
            None => return None,
        },
    };
    ld.cache.insert(key, loaded);
    parsed
}

fn parse_other(cx: &mut Cx, ld: &Loader, path: &Path, at: Span, what: &str) -> Option<Sp<Node>> {
    let bytes = match read_confined(&ld.root, path, ld.opts.max_bytes as u64) {
        Ok(b) => b,
        Err(Refusal::Missing(e)) => {
            cx.error(
                ErrorCode::ComposeUnfollowableInclude,
                format!("cannot read {what} `{}`: {e}", path.display()),
                at,
                "referenced here",
                "fix the path (relative to this compose file)",
            );
            return None;
        }
        Err(r) => {
            let d = r.diagnostic(what, &path.display().to_string(), &cx.f, at);
            cx.diags.push(d);
            return None;
        }
    };
    let name = path.display().to_string();
    let (file, ok) = load_text(&name, &bytes, ld.opts);
    let parsed = ok.and_then(|()| from_yaml::<Sp<Node>>(&file, ld.opts));
    match parsed {
        Ok(n) => Some(n),
        Err(d) => {
            let loc = d
                .location()
                .map(|(f, l, c)| format!("{f}:{l}:{c}: "))
                .unwrap_or_default();
            cx.error(
                ErrorCode::ComposeUnfollowableInclude,
                format!(
                    "{what} `{}` is not valid: {loc}{}",
                    path.display(),
                    d.message
                ),
                at,
                "referenced here",
                d.help.unwrap_or_else(|| "fix that file".into()),
            );
            None
        }
    }
}

/// Gives every node and key of a tree the span `at` (content from another file).
fn relocate(n: &mut Sp<Node>, at: Span) {
    n.span = at;
    match &mut n.value {
        Node::Seq(items) => items.iter_mut().for_each(|i| relocate(i, at)),
        Node::Map(m) => m.iter_mut().for_each(|(k, v)| {
            k.span = at;
            relocate(v, at);
        }),
        _ => {}
    }
}

/// The directory of `file`, relative to the main directory, as a prefix like `sub/` (empty
/// when it is the main directory); `None` when it is outside it.
fn prefix_of(main_dir: &Path, file_dir: &Path) -> Option<String> {
    let main = canonical(main_dir)?;
    let other = canonical(file_dir)?;
    let rest = other.strip_prefix(&main).ok()?;
    let parts: Vec<String> = rest
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect();
    Some(if parts.is_empty() {
        String::new()
    } else {
        format!("{}/", parts.join("/"))
    })
}

/// A relative path of another file's directory, as seen from the main directory.
fn rebase_path(p: &str, prefix: &str) -> String {
    if prefix.is_empty() || p.starts_with('/') || p.starts_with('~') || p.contains("://") {
        return p.to_string();
    }
    let rest = p.trim_start_matches("./");
    if rest == "." || rest.is_empty() {
        format!("./{}", prefix.trim_end_matches('/'))
    } else {
        format!("./{prefix}{rest}")
    }
}

fn rebase_str(n: &mut Sp<Node>, prefix: &str) {
    if let Node::Str(s) = &mut n.value {
        *s = rebase_path(s, prefix);
    }
}

/// Rewrites the relative paths of a service (build context, bind sources, env files).
fn rebase_service(svc: &mut Sp<Node>, prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    let Node::Map(m) = &mut svc.value else { return };
    for (k, v) in m.iter_mut() {
        match k.value.as_str() {
            "build" => match &mut v.value {
                Node::Str(_) => rebase_str(v, prefix),
                Node::Map(b) => {
                    for (bk, bv) in b.iter_mut() {
                        if bk.value == "context" {
                            rebase_str(bv, prefix);
                        }
                    }
                }
                _ => {}
            },
            "env_file" => match &mut v.value {
                Node::Str(_) => rebase_str(v, prefix),
                Node::Seq(items) => {
                    for i in items.iter_mut() {
                        match &mut i.value {
                            Node::Str(_) => rebase_str(i, prefix),
                            Node::Map(e) => {
                                for (ek, ev) in e.iter_mut() {
                                    if ek.value == "path" {
                                        rebase_str(ev, prefix);
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                }
                _ => {}
            },
            "volumes" => {
                let Node::Seq(items) = &mut v.value else {
                    continue;
                };
                for i in items.iter_mut() {
                    match &mut i.value {
                        Node::Str(s) => {
                            if let Some((src, rest)) = s.split_once(':')
                                && src.starts_with('.')
                            {
                                *s = format!("{}:{rest}", rebase_path(src, prefix));
                            }
                        }
                        Node::Map(e) => {
                            let bind = e.iter().any(|(k, v)| {
                                k.value == "type" && v.value == Node::Str("bind".into())
                            });
                            if bind {
                                for (ek, ev) in e.iter_mut() {
                                    if ek.value == "source" {
                                        rebase_str(ev, prefix);
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// Rewrites `file:` of top-level secrets and configs.
fn rebase_files(table: &mut Sp<Node>, prefix: &str) {
    if prefix.is_empty() {
        return;
    }
    let Node::Map(m) = &mut table.value else {
        return;
    };
    for (_, v) in m.iter_mut() {
        if let Node::Map(e) = &mut v.value {
            for (k, f) in e.iter_mut() {
                if k.value == "file" {
                    rebase_str(f, prefix);
                }
            }
        }
    }
}

/// The paths an `include` entry names, with its span.
fn include_paths(cx: &mut Cx, item: &Sp<Node>) -> Vec<Sp<String>> {
    match &item.value {
        Node::Map(e) => {
            cx.check_keys(e, super::keys::INCLUDE, "an `include` entry");
            let mut out = Vec::new();
            for (k, v) in e.iter() {
                match k.value.as_str() {
                    "path" => out.extend(cx.strings(v, "include.path", true)),
                    "env_file" | "project_directory" => cx.approximated(
                        format!("include.{}", k.value),
                        k.span,
                        "variables are imported with their defaults, and paths are taken relative to the included file",
                    ),
                    _ => {}
                }
            }
            if out.is_empty() {
                cx.error(
                    ErrorCode::ComposeWrongType,
                    "an `include` entry needs `path`",
                    item.span,
                    "no `path`",
                    "add `path: other/compose.yaml`",
                );
            }
            out
        }
        _ => cx.resolved(item, "include").into_iter().collect(),
    }
}

fn include(
    cx: &mut Cx,
    ld: &mut Loader,
    root: &mut Sp<Node>,
    dir: &Path,
    seen: &mut HashSet<PathBuf>,
    depth: usize,
) {
    let Node::Map(top) = &mut root.value else {
        return;
    };
    let Some(pos) = top.iter().position(|(k, _)| k.value == "include") else {
        return;
    };
    let (_, list) = top.remove(pos);
    let items: Vec<Sp<Node>> = match list.value {
        Node::Seq(items) => items,
        Node::Null => Vec::new(),
        _ => {
            cx.wrong_type(&list, "a list", "include");
            return;
        }
    };
    for item in &items {
        for path in include_paths(cx, item) {
            let file = dir.join(&path.value);
            if depth >= MAX_DEPTH {
                cx.error(
                    ErrorCode::ComposeUnfollowableInclude,
                    format!("`include` nests deeper than {MAX_DEPTH} files"),
                    path.span,
                    "too deep",
                    "flatten the includes",
                );
                continue;
            }
            let key = canonical(&file).unwrap_or_else(|| file.clone());
            if !seen.insert(key.clone()) {
                cx.error(
                    ErrorCode::ComposeUnfollowableInclude,
                    format!("`{}` is included twice (or includes itself)", path.value),
                    path.span,
                    "included again",
                    "remove the repeated include",
                );
                continue;
            }
            let Some(other) = load_other(cx, ld, &file, path.span, "included file") else {
                continue;
            };
            let mut other = Sp::clone(&other);
            let other_dir = file.parent().map(Path::to_path_buf).unwrap_or_default();
            include(cx, ld, &mut other, &other_dir, seen, depth + 1);
            extends(cx, ld, &mut other, &other_dir);
            let Some(prefix) = prefix_of(dir, &other_dir) else {
                cx.dropped(
                    format!("include `{}`", path.value),
                    path.span,
                    "the included file is outside the project directory, which the stack spec does not allow",
                );
                continue;
            };
            relocate(&mut other, path.span);
            let Node::Map(other_top) = other.value else {
                cx.error(
                    ErrorCode::NotAComposeFile,
                    format!("included file `{}` is not a compose file", path.value),
                    path.span,
                    "included here",
                    "include a compose file (a map with `services:`)",
                );
                continue;
            };
            for (k, mut v) in other_top {
                match k.value.as_str() {
                    "services" => {
                        if let Node::Map(svcs) = &mut v.value {
                            for (_, s) in svcs.iter_mut() {
                                rebase_service(s, &prefix);
                            }
                        }
                    }
                    "secrets" | "configs" => rebase_files(&mut v, &prefix),
                    _ => {}
                }
                if !matches!(
                    k.value.as_str(),
                    "services" | "volumes" | "networks" | "secrets" | "configs" | "models"
                ) {
                    continue;
                }
                add_resources(cx, top, k, v, &path.value);
            }
        }
    }
}

/// Adds the entries of an included table; a name defined on both sides is an error.
fn add_resources(
    cx: &mut Cx,
    top: &mut Vec<(Sp<String>, Sp<Node>)>,
    key: Sp<String>,
    table: Sp<Node>,
    from: &str,
) {
    let Node::Map(entries) = table.value else {
        return;
    };
    let existing = match top.iter_mut().find(|(k, _)| k.value == key.value) {
        Some((_, v)) => v,
        None => {
            top.push((key.clone(), Sp::new(Node::Map(Vec::new()), table.span)));
            &mut top.last_mut().expect("just pushed").1
        }
    };
    if existing.value == Node::Null {
        existing.value = Node::Map(Vec::new());
    }
    let Node::Map(mine) = &mut existing.value else {
        return;
    };
    for (name, v) in entries {
        if let Some((first, _)) = mine.iter().find(|(k, _)| k.value == name.value) {
            let first = first.span;
            let d = crate::diag::Diagnostic::error(
                ErrorCode::ComposeDuplicateDefinition,
                format!(
                    "`{}.{}` is defined both here and in the included `{from}`",
                    key.value, name.value
                ),
            )
            .at(&cx.f, first, "defined here")
            .also(&cx.f, name.span, "included here")
            .help("rename one of them, or remove the duplicate");
            cx.diags.push(d);
            continue;
        }
        mine.push((name, v));
    }
}

/// Resolves `extends` in every service of a file (in `dir`).
fn extends(cx: &mut Cx, ld: &mut Loader, root: &mut Sp<Node>, dir: &Path) {
    let Node::Map(top) = &root.value else { return };
    let Some((_, services)) = top.iter().find(|(k, _)| k.value == "services") else {
        return;
    };
    let Node::Map(svcs) = &services.value else {
        return;
    };
    let names: Vec<String> = svcs.iter().map(|(k, _)| k.value.clone()).collect();
    let snapshot = services.clone();
    let mut resolved: Vec<(String, Sp<Node>)> = Vec::new();
    for name in &names {
        let mut chain = Vec::new();
        if let Some(svc) = resolve_service(cx, ld, &snapshot, name, dir, &mut chain, 0) {
            resolved.push((name.clone(), svc));
        }
    }
    let Node::Map(top) = &mut root.value else {
        return;
    };
    let Some((_, services)) = top.iter_mut().find(|(k, _)| k.value == "services") else {
        return;
    };
    let Node::Map(svcs) = &mut services.value else {
        return;
    };
    for (name, svc) in resolved {
        if let Some((_, slot)) = svcs.iter_mut().find(|(k, _)| k.value == name) {
            *slot = svc;
        }
    }
}

/// A service of `services` with its `extends` chain merged in.
fn resolve_service(
    cx: &mut Cx,
    ld: &mut Loader,
    services: &Sp<Node>,
    name: &str,
    dir: &Path,
    chain: &mut Vec<String>,
    depth: usize,
) -> Option<Sp<Node>> {
    let svc = services.value.get(name)?.clone();
    let Some(ext) = svc.value.get("extends").cloned() else {
        return Some(svc);
    };
    let ext_key_span = svc
        .value
        .as_map()
        .and_then(|m| m.iter().find(|(k, _)| k.value == "extends"))
        .map(|(k, _)| k.span)
        .unwrap_or(svc.span);
    let (base_name, file) = match &ext.value {
        Node::Map(e) => {
            cx.check_keys(e, super::keys::EXTENDS, "`extends`");
            let service = e
                .iter()
                .find(|(k, _)| k.value == "service")
                .and_then(|(_, v)| cx.resolved(v, "extends.service"));
            let file = e
                .iter()
                .find(|(k, _)| k.value == "file")
                .and_then(|(_, v)| cx.resolved(v, "extends.file"));
            let Some(service) = service else {
                cx.error(
                    ErrorCode::ComposeWrongType,
                    "`extends` needs `service`",
                    ext.span,
                    "no `service`",
                    "add `service: NAME`",
                );
                return Some(without_extends(svc));
            };
            (service, file)
        }
        _ => match cx.resolved(&ext, "extends") {
            Some(s) => (s, None),
            None => return Some(without_extends(svc)),
        },
    };
    let key = format!(
        "{}#{}",
        file.as_ref().map(|f| f.value.as_str()).unwrap_or(""),
        base_name.value
    );
    if chain.contains(&key) || depth >= MAX_DEPTH {
        cx.error(
            ErrorCode::ComposeUnfollowableInclude,
            format!("`extends` of `{name}` loops back to `{}`", base_name.value),
            base_name.span,
            "extends in a circle",
            "break the cycle of `extends`",
        );
        return Some(without_extends(svc));
    }
    chain.push(key);
    let base = match &file {
        None => {
            if services.value.get(&base_name.value).is_none() {
                let names: Vec<&str> = services
                    .value
                    .as_map()
                    .map(|m| m.iter().map(|(k, _)| k.value.as_str()).collect())
                    .unwrap_or_default();
                let help = match crate::diag::did_you_mean(&base_name.value, names) {
                    Some(c) => format!("did you mean `{c}`?"),
                    None => "name a service of this file, or add `file:`".to_string(),
                };
                cx.error(
                    ErrorCode::ComposeUnfollowableInclude,
                    format!("`{name}` extends unknown service `{}`", base_name.value),
                    base_name.span,
                    "no such service",
                    help,
                );
                return Some(without_extends(svc));
            }
            resolve_service(cx, ld, services, &base_name.value, dir, chain, depth + 1)
        }
        Some(f) => {
            let path = dir.join(&f.value);
            let other = load_other(cx, ld, &path, f.span, "extended file")?;
            let other_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
            let Some(other_services) = other.value.get("services") else {
                cx.error(
                    ErrorCode::ComposeUnfollowableInclude,
                    format!("`{}` has no services", f.value),
                    f.span,
                    "extended here",
                    "point `file:` at a compose file",
                );
                return Some(without_extends(svc));
            };
            if other_services.value.get(&base_name.value).is_none() {
                cx.error(
                    ErrorCode::ComposeUnfollowableInclude,
                    format!("`{}` has no service `{}`", f.value, base_name.value),
                    base_name.span,
                    "no such service there",
                    "name a service of that file",
                );
                return Some(without_extends(svc));
            }
            let mut sub_chain = chain.clone();
            let mut base = resolve_service(
                cx,
                ld,
                other_services,
                &base_name.value,
                &other_dir,
                &mut sub_chain,
                depth + 1,
            )?;
            match prefix_of(dir, &other_dir) {
                Some(prefix) => rebase_service(&mut base, &prefix),
                None => cx.approximated(
                    format!("services.{name}.extends"),
                    f.span,
                    "the extended file is outside the project directory; its relative paths may not resolve",
                ),
            }
            relocate(&mut base, ext_key_span);
            Some(base)
        }
    };
    chain.pop();
    let base = base?;
    Some(merge_service(without_extends(base), without_extends(svc)))
}

fn without_extends(mut svc: Sp<Node>) -> Sp<Node> {
    if let Node::Map(m) = &mut svc.value {
        m.retain(|(k, _)| k.value != "extends");
    }
    svc
}

/// Merges an overriding service over a base, with compose's rules.
pub fn merge_service(base: Sp<Node>, over: Sp<Node>) -> Sp<Node> {
    let span = over.span;
    let (Node::Map(mut b), Node::Map(o)) = (base.value, over.value.clone()) else {
        return over;
    };
    for (k, v) in o {
        match b.iter_mut().find(|(bk, _)| bk.value == k.value) {
            None => b.push((k, v)),
            Some((bk, slot)) => {
                *bk = k.clone();
                let old = std::mem::replace(slot, Sp::new(Node::Null, v.span));
                *slot = merge_key(&k.value, old, v);
            }
        }
    }
    Sp::new(Node::Map(b), span)
}

fn merge_key(key: &str, base: Sp<Node>, over: Sp<Node>) -> Sp<Node> {
    match key {
        "command" | "entrypoint" | "image" => over,
        "environment" | "labels" | "extra_hosts" | "sysctls" | "annotations" => {
            merge_maps(as_map(base), as_map(over), &[])
        }
        "volumes" | "devices" => merge_by(base, over, mount_target),
        "secrets" | "configs" => merge_by(base, over, grant_target),
        "ports"
        | "expose"
        | "dns"
        | "dns_search"
        | "tmpfs"
        | "cap_add"
        | "cap_drop"
        | "security_opt"
        | "external_links"
        | "env_file"
        | "profiles"
        | "group_add"
        | "dns_opt"
        | "links"
        | "volumes_from"
        | "device_cgroup_rules" => merge_by(as_seq(base), as_seq(over), |n| n.value.scalar_text()),
        "depends_on" | "networks" => merge_maps(names_as_map(base), names_as_map(over), &[]),
        "healthcheck" => merge_maps(base, over, &["test"]),
        "build" => {
            let b = build_as_map(base);
            let o = build_as_map(over);
            let args_b = b.value.get("args").cloned();
            let args_o = o.value.get("args").cloned();
            let mut merged = merge_maps(b, o, &["args"]);
            if let (Some(ab), Some(ao), Node::Map(m)) = (args_b, args_o, &mut merged.value) {
                let args = merge_maps(as_map(ab), as_map(ao), &[]);
                if let Some((_, slot)) = m.iter_mut().find(|(k, _)| k.value == "args") {
                    *slot = args;
                }
            }
            merged
        }
        _ => merge_maps(base, over, &[]),
    }
}

/// Merges two maps key by key (the override wins for scalars and for the keys in
/// `replace`); anything that is not two maps is replaced by the override.
fn merge_maps(base: Sp<Node>, over: Sp<Node>, replace: &[&str]) -> Sp<Node> {
    let span = over.span;
    match (base.value, over.value) {
        (Node::Map(mut b), Node::Map(o)) => {
            for (k, v) in o {
                match b.iter_mut().find(|(bk, _)| bk.value == k.value) {
                    None => b.push((k, v)),
                    Some((bk, slot)) => {
                        *bk = k.clone();
                        let old = std::mem::replace(slot, Sp::new(Node::Null, v.span));
                        *slot = if replace.contains(&k.value.as_str()) {
                            v
                        } else {
                            merge_maps(old, v, &[])
                        };
                    }
                }
            }
            Sp::new(Node::Map(b), span)
        }
        (Node::Seq(mut b), Node::Seq(o)) => {
            b.extend(o);
            Sp::new(Node::Seq(b), span)
        }
        (_, o) => Sp::new(o, span),
    }
}

/// Appends the override's items, an item with the same key replacing the base's.
fn merge_by(base: Sp<Node>, over: Sp<Node>, key: fn(&Sp<Node>) -> Option<String>) -> Sp<Node> {
    let span = over.span;
    match (base.value, over.value) {
        (Node::Seq(mut b), Node::Seq(o)) => {
            for item in o {
                let k = key(&item);
                match b.iter_mut().find(|x| k.is_some() && key(x) == k) {
                    Some(slot) => *slot = item,
                    None => b.push(item),
                }
            }
            Sp::new(Node::Seq(b), span)
        }
        (_, o) => Sp::new(o, span),
    }
}

fn as_seq(n: Sp<Node>) -> Sp<Node> {
    match n.value {
        Node::Str(_) => Sp::new(Node::Seq(vec![n.clone()]), n.span),
        _ => n,
    }
}

/// `KEY=VALUE` lists as maps.
fn as_map(n: Sp<Node>) -> Sp<Node> {
    match &n.value {
        Node::Seq(items) => {
            let m = items
                .iter()
                .filter_map(|i| {
                    let t = i.value.scalar_text()?;
                    let (k, v) = match t.split_once('=') {
                        Some((k, v)) => (k.to_string(), Node::Str(v.to_string())),
                        None => (t.clone(), Node::Null),
                    };
                    Some((Sp::new(k, i.span), Sp::new(v, i.span)))
                })
                .collect();
            Sp::new(Node::Map(m), n.span)
        }
        _ => n,
    }
}

/// Lists of names (`depends_on`, `networks`) as maps of names to null.
fn names_as_map(n: Sp<Node>) -> Sp<Node> {
    match &n.value {
        Node::Seq(items) => {
            let m = items
                .iter()
                .filter_map(|i| {
                    let t = i.value.scalar_text()?;
                    let v = if t.is_empty() {
                        Node::Null
                    } else {
                        Node::Map(vec![(
                            Sp::new("condition".into(), i.span),
                            Sp::new(Node::Str("service_started".into()), i.span),
                        )])
                    };
                    Some((Sp::new(t, i.span), Sp::new(v, i.span)))
                })
                .collect();
            Sp::new(Node::Map(m), n.span)
        }
        _ => n,
    }
}

/// `build: ctx` as `build: {context: ctx}`.
fn build_as_map(n: Sp<Node>) -> Sp<Node> {
    match &n.value {
        Node::Str(_) => Sp::new(
            Node::Map(vec![(Sp::new("context".into(), n.span), n.clone())]),
            n.span,
        ),
        _ => n,
    }
}

/// The container path of a mount, short or long syntax.
fn mount_target(n: &Sp<Node>) -> Option<String> {
    match &n.value {
        Node::Map(_) => n.value.get("target").and_then(|t| t.value.scalar_text()),
        other => {
            let s = other.scalar_text()?;
            let parts: Vec<&str> = s.split(':').collect();
            match parts.as_slice() {
                [t] => Some(t.to_string()),
                [a, b] if a.starts_with('/') && !b.starts_with('/') => Some(a.to_string()),
                [_, t, ..] => Some(t.to_string()),
                _ => None,
            }
        }
    }
}

/// The target of a secret or config grant (its source when no target is given).
fn grant_target(n: &Sp<Node>) -> Option<String> {
    match &n.value {
        Node::Map(_) => n
            .value
            .get("target")
            .or_else(|| n.value.get("source"))
            .and_then(|t| t.value.scalar_text()),
        other => other.scalar_text(),
    }
}

/// The base file compose merges an override file over (`compose.override.yaml` →
/// `compose.yaml`), if `file_name` is an override and the base exists in `dir`.
pub fn base_of_override(dir: &Path, file_name: &str) -> Option<PathBuf> {
    let (stem, ext) = file_name.rsplit_once('.')?;
    let base_stem = stem.strip_suffix(".override")?;
    [ext, "yaml", "yml"]
        .iter()
        .map(|e| dir.join(format!("{base_stem}.{e}")))
        .find(|p| p.is_file())
}

/// An override file merged over its base, as compose runs it. Everything the override writes
/// keeps its span; what comes from the base takes the span of the override's service (or of its
/// `services:` key). With `only_overridden`, the project is cut down to the services the
/// override names (for linting the override on its own: the base file is linted by itself),
/// and dependencies on the others are left out.
pub fn over_base(
    cx: &mut Cx,
    over: Sp<Node>,
    base_path: &Path,
    opts: &ParseOptions,
    only_overridden: bool,
) -> Sp<Node> {
    let Node::Map(over_top) = &over.value else {
        return over;
    };
    let services_span = over_top
        .iter()
        .find(|(k, _)| k.value == "services")
        .map(|(k, _)| k.span)
        .unwrap_or(over.span);
    let base_dir = base_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let mut ld = Loader {
        root: canonical_root(&base_dir),
        opts,
        cache: HashMap::new(),
    };
    let Some(base) = load_other(cx, &mut ld, base_path, services_span, "base compose file") else {
        return over;
    };
    let mut base = Sp::clone(&base);
    let mut seen = HashSet::new();
    include(cx, &mut ld, &mut base, &base_dir, &mut seen, 0);
    extends(cx, &mut ld, &mut base, &base_dir);
    let (Node::Map(base_top), Node::Map(over_top)) = (base.value, over.value) else {
        return Sp::new(Node::Null, over.span);
    };
    let over_services: Vec<String> = over_top
        .iter()
        .find(|(k, _)| k.value == "services")
        .and_then(|(_, v)| v.value.as_map())
        .map(|m| m.iter().map(|(k, _)| k.value.clone()).collect())
        .unwrap_or_default();
    let mut merged: Vec<(Sp<String>, Sp<Node>)> = Vec::new();
    for (mut k, mut v) in base_top {
        k.span = services_span;
        if k.value == "services"
            && let Node::Map(svcs) = &mut v.value
        {
            if only_overridden {
                svcs.retain(|(name, _)| over_services.contains(&name.value));
            }
            for (name, svc) in svcs.iter_mut() {
                let at = over_top
                    .iter()
                    .find(|(k, _)| k.value == "services")
                    .and_then(|(_, s)| s.value.as_map())
                    .and_then(|m| m.iter().find(|(n, _)| n.value == name.value))
                    .map(|(n, _)| n.span)
                    .unwrap_or(services_span);
                name.span = at;
                relocate(svc, at);
            }
            relocate_keys_only(&mut v, services_span);
        } else {
            relocate(&mut v, services_span);
        }
        merged.push((k, v));
    }
    for (k, v) in over_top {
        match merged.iter_mut().find(|(mk, _)| mk.value == k.value) {
            None => merged.push((k, v)),
            Some((mk, slot)) => {
                *mk = k.clone();
                let old = std::mem::replace(slot, Sp::new(Node::Null, v.span));
                *slot = if k.value == "services" {
                    merge_services(old, v)
                } else {
                    merge_maps(old, v, &[])
                };
            }
        }
    }
    if only_overridden {
        drop_dependencies_outside(&mut merged, &over_services);
    }
    Sp::new(Node::Map(merged), over.span)
}

/// Sets the span of a map node and its keys (not of the values).
fn relocate_keys_only(n: &mut Sp<Node>, at: Span) {
    n.span = at;
}

/// Merges the `services:` maps of a base and an override, service by service.
fn merge_services(base: Sp<Node>, over: Sp<Node>) -> Sp<Node> {
    let span = over.span;
    let (Node::Map(mut b), Node::Map(o)) = (base.value, over.value.clone()) else {
        return over;
    };
    for (k, v) in o {
        match b.iter_mut().find(|(bk, _)| bk.value == k.value) {
            None => b.push((k, v)),
            Some((bk, slot)) => {
                *bk = k.clone();
                let old = std::mem::replace(slot, Sp::new(Node::Null, v.span));
                *slot = merge_service(old, v);
            }
        }
    }
    Sp::new(Node::Map(b), span)
}

/// Removes `depends_on` entries naming services outside `keep`.
fn drop_dependencies_outside(top: &mut [(Sp<String>, Sp<Node>)], keep: &[String]) {
    let Some((_, services)) = top.iter_mut().find(|(k, _)| k.value == "services") else {
        return;
    };
    let Node::Map(svcs) = &mut services.value else {
        return;
    };
    for (_, svc) in svcs.iter_mut() {
        let Node::Map(fields) = &mut svc.value else {
            continue;
        };
        for (k, v) in fields.iter_mut() {
            if k.value != "depends_on" {
                continue;
            }
            match &mut v.value {
                Node::Seq(items) => {
                    items.retain(|i| i.value.scalar_text().is_some_and(|n| keep.contains(&n)))
                }
                Node::Map(m) => m.retain(|(n, _)| keep.contains(&n.value)),
                _ => {}
            }
        }
    }
}
