//! An unquoted port mapping that a YAML 1.1 parser reads as a base-60 number.

use super::prelude::*;
use crate::lint::fix::{Edit, Fix};

declare_rule! {
    /// ## What it does
    /// Flags an unquoted compose port mapping whose every part after the first is below 60,
    /// such as `- 22:22`, `- 53:53` or `- 8022:22`: YAML 1.1 reads it as a base-60 integer
    /// (`22:22` is 1342). `stackc lint --fix` quotes it.
    ///
    /// ## Why is this bad?
    /// stackc and `docker compose` v2 read YAML 1.2 and see the mapping, but tools that still
    /// read YAML 1.1 (docker-compose v1, PyYAML-based scripts, some CI linters and editors) see
    /// a number and publish a different port or reject the file. The compose documentation
    /// asks for port mappings to be quoted for this reason.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   git:
    ///     image: gitea/gitea:1.24.5
    ///     ports:
    ///       - 2222:22
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   git:
    ///     image: gitea/gitea:1.24.5
    ///     ports:
    ///       - "2222:22"
    /// ```
    pub struct PortMappingSexagesimal;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "unquoted port mapping reads as a base-60 number in yaml 1.1",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Compose],
    tags: &["correctness"],
    requires: None,
};

impl PortMappingSexagesimal {
    fn unquoted(svc: &Service, written: &str, span: Span) -> Violation {
        Violation::new(
            format!(
                "port mapping `{written}` of `{}` is a base-60 number in YAML 1.1",
                svc.name.value
            ),
            span,
            format!("YAML 1.1 reads {}", sexagesimal_value(written).unwrap_or(0)),
        )
        .help(format!("quote it: `\"{written}\"`"))
        .fix(Some(Fix::new(
            format!("quote port mapping `{written}`"),
            vec![Edit {
                span,
                replacement: format!("\"{written}\""),
            }],
        )))
    }
}

/// The value YAML 1.1 gives `text` when it is a base-60 integer (`[1-9][0-9_]*(:[0-5]?[0-9])+`).
pub fn sexagesimal_value(text: &str) -> Option<u64> {
    let mut parts = text.split(':');
    let first = parts.next()?;
    if first.is_empty()
        || first.starts_with('0')
        || !first.bytes().all(|b| b.is_ascii_digit() || b == b'_')
    {
        return None;
    }
    let mut value: u64 = first.replace('_', "").parse().ok()?;
    let mut groups = 0;
    for p in parts {
        if p.is_empty() || p.len() > 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u64 = p.parse().ok()?;
        if n > 59 {
            return None;
        }
        value = value.checked_mul(60)?.checked_add(n)?;
        groups += 1;
    }
    (groups > 0).then_some(value)
}

/// Reports unquoted base-60 port mappings.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    let file = ctx.file();
    for (id, svc) in ctx.services() {
        for p in &svc.ports {
            let written = file.slice(p.span);
            if sexagesimal_value(written).is_some() {
                out.push(
                    PortMappingSexagesimal::unquoted(svc, written, p.span)
                        .in_service(id, format!("ports.{}/{}", p.port, p.protocol.as_str())),
                );
            }
        }
    }
}

/// Pass and fail cases: spec snippets and the exact `line:col severity` of each finding.
/// (Stack specs write ports as numbers or long forms; compose files are tested end to end.)
pub const CASES: &[Case] = &[
    Case::pass(
        "numbers and long forms",
        "
        stack: t
        services:
          git:
            image: gitea/gitea:1.24.5
            ports: [22, { port: 3000, expose: public }]
        ",
    ),
    Case::fail(
        "a port span on a bare base-60 scalar (the compose frontend's short form)",
        "
        stack: t
        services:
          git:
            image: gitea/gitea:1.24.5
            labels: { ssh: 2222:22 }
            ports: [22]
        ",
        &["5:20 warning"],
    )
    .mutate(|s| {
        // A spec cannot write `2222:22` as a port: point the port at a scalar that reads as one.
        let at = s.file.text.find("2222:22").unwrap() as u32;
        s.services[0].ports[0].span = Span::new(at, at + 7);
    }),
];

#[cfg(test)]
mod tests {
    use super::sexagesimal_value;

    #[test]
    fn yaml_1_1_base_60_integers() {
        assert_eq!(sexagesimal_value("22:22"), Some(1342));
        assert_eq!(sexagesimal_value("8022:22"), Some(481342));
        assert_eq!(sexagesimal_value("1:2:3"), Some(3723));
        assert_eq!(sexagesimal_value("8080:80"), None);
        assert_eq!(sexagesimal_value("\"22:22\""), None);
        assert_eq!(sexagesimal_value("22"), None);
        assert_eq!(sexagesimal_value("0:22"), None);
        assert_eq!(sexagesimal_value("127.0.0.1:22:22"), None);
    }
}
