//! A host device mapped into a container through compose `devices`.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// Flags a compose `devices` list (a compose file's service, or the spec's compose-only
    /// fields under `targets.compose.services`) that maps host devices into the container.
    ///
    /// ## Why is this bad?
    /// A device node gives the container the hardware behind it: a disk (`/dev/sda`) can be
    /// read and written below every file permission, `/dev/mem` or `/dev/kmsg` reach the
    /// kernel. Only a container that drives that hardware should have it, and it should be
    /// reviewed as carefully as a privileged one.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:1.0.0
    /// targets:
    ///   compose:
    ///     services:
    ///       app: { devices: ["/dev/sda:/dev/sda"] }
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   app:
    ///     image: ghcr.io/acme/app:1.0.0
    /// ```
    pub struct HostDeviceMapped;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "host device mapped into a container",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Error,
    backends: &[Backend::Compose],
    tags: &["security"],
    requires: None,
};

impl HostDeviceMapped {
    fn found(svc: &Service, devices: &[String], span: Span) -> Violation {
        Violation::new(
            format!(
                "service `{}` maps the host device{} `{}`",
                svc.name.value,
                if devices.len() == 1 { "" } else { "s" },
                devices.join("`, `")
            ),
            span,
            "host hardware inside the container",
        )
        .help("remove `devices` unless the service drives that hardware; then suppress this finding with the reason")
    }
}

/// The host side of each entry of a `devices` list (`/dev/x:/dev/y:rwm` or `{source: ...}`).
fn host_devices(v: &serde_json::Value) -> Vec<String> {
    let Some(items) = v.as_array() else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|i| match i {
            serde_json::Value::String(s) => Some(s.split(':').next().unwrap_or(s).to_string()),
            serde_json::Value::Object(o) => {
                o.get("source").and_then(|s| s.as_str()).map(str::to_string)
            }
            _ => None,
        })
        .collect()
}

/// Reports services with compose `devices`.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let pass = &ctx.stack.targets.compose;
    for (id, svc) in ctx.services() {
        let name = &svc.name.value;
        for (k, v) in pass.service(name) {
            if k != "devices" {
                continue;
            }
            let devices = host_devices(v);
            if devices.is_empty() {
                continue;
            }
            let span = pass.key_span(name, k).unwrap_or(svc.name.span);
            out.push(HostDeviceMapped::found(svc, &devices, span).in_service(id, "devices"));
        }
    }
}

/// Pass and fail cases: spec snippets and the exact `line:col severity` of each finding.
pub const CASES: &[Case] = &[
    Case::pass(
        "no devices",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0 }
        targets: { compose: { services: { a: { container_name: a } } } }
        ",
    ),
    Case::fail(
        "a disk mapped through the compose-only fields",
        "
        stack: t
        services:
          a: { image: ghcr.io/acme/a:1.0.0 }
        targets: { compose: { services: { a: { devices: [\"/dev/sda:/dev/sda\"] } } } }
        ",
        &["4:40 warning"],
    ),
];
