//! Values: `${...}` references to secrets, variables and other services, as value segments.

use crate::diag::ErrorCode;

use super::*;

impl Resolver {
    /// Parses `${...}` references in a scalar.
    pub(super) fn value(&mut self, s: &Sp<String>, names: &Names) -> Value {
        let text = &s.value;
        // Offset of the text inside the span (skip an opening quote).
        let raw = self.f.slice(s.span);
        let base = s.span.start + u32::from(raw.starts_with('"') || raw.starts_with('\''));
        let mut segments: Vec<Segment> = Vec::new();
        let mut lit = String::new();
        let mut rest = text.as_str();
        let mut pos = 0usize;
        while let Some(i) = rest.find('$') {
            lit.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some(tail) = after.strip_prefix('$') {
                lit.push('$');
                rest = tail;
                pos += i + 2;
                continue;
            }
            if !after.starts_with('{') {
                lit.push('$');
                rest = after;
                pos += i + 1;
                continue;
            }
            let start = pos + i;
            let Some(close) = after.find('}') else {
                let sp = Span::new(base + start as u32, s.span.end);
                self.err(
                    ErrorCode::InvalidReference,
                    "unclosed `${` in value",
                    sp,
                    "no closing `}`",
                    "close the reference with `}`, or write `$${` for a literal `${`",
                );
                lit.push_str(&rest[i..]);
                rest = "";
                break;
            };
            let inner = &after[1..close];
            let sp = Span::new(base + start as u32, base + (start + close + 2) as u32);
            match self.reference(inner, sp, names) {
                Some(seg) => {
                    if !lit.is_empty() {
                        segments.push(Segment::Literal(std::mem::take(&mut lit)));
                    }
                    segments.push(seg);
                }
                None => lit.push_str(&rest[i..i + close + 2]),
            }
            rest = &after[close + 1..];
            pos = start + close + 2;
        }
        lit.push_str(rest);
        if !lit.is_empty() || segments.is_empty() {
            segments.push(Segment::Literal(lit));
        }
        Value {
            span: s.span,
            segments,
        }
    }

    pub(super) fn reference(&mut self, inner: &str, sp: Span, names: &Names) -> Option<Segment> {
        let parts: Vec<&str> = inner.trim().split('.').collect();
        match parts.as_slice() {
            ["secrets", name] => match names.secrets.get(*name) {
                Some(id) => Some(Segment::Secret(*id)),
                None => {
                    let help = hint_str(
                        name,
                        names.secrets.keys(),
                        "declare it under top-level `secrets:`",
                    );
                    self.err(
                        ErrorCode::UndeclaredSecret,
                        format!("unknown secret `{name}`"),
                        sp,
                        "not declared",
                        help,
                    );
                    None
                }
            },
            ["vars", name] => match names.vars.get(*name) {
                Some(id) => Some(Segment::Var(*id)),
                None => {
                    let help = hint_str(
                        name,
                        names.vars.keys(),
                        "declare it under top-level `variables:`",
                    );
                    self.err(
                        ErrorCode::UnknownVariableOrPort,
                        format!("unknown variable `{name}`"),
                        sp,
                        "not declared",
                        help,
                    );
                    None
                }
            },
            ["services", svc, rest @ ..] => {
                let id = self.service_ref(svc, sp, names)?;
                let ports = &names.ports[id.index()];
                match rest {
                    ["host"] => Some(Segment::ServiceHost(id)),
                    ["port"] => {
                        if ports.is_empty() {
                            self.err(
                                ErrorCode::UnknownVariableOrPort,
                                format!("service `{svc}` declares no port"),
                                sp,
                                "no port to refer to",
                                format!("add `ports:` to `{svc}`"),
                            );
                            None
                        } else {
                            Some(Segment::ServicePort(id, 0))
                        }
                    }
                    ["ports", pname] => match ports.iter().position(|p| p.name == *pname) {
                        Some(i) => Some(Segment::ServicePort(id, i)),
                        None => {
                            let known: Vec<&str> = ports.iter().map(|p| p.name.as_str()).collect();
                            let help = match did_you_mean(pname, known.iter().copied()) {
                                Some(s) => format!("did you mean `{s}`?"),
                                None => format!("ports of `{svc}`: {}", known.join(", ")),
                            };
                            self.err(
                                ErrorCode::UnknownVariableOrPort,
                                format!("service `{svc}` has no port named `{pname}`"),
                                sp,
                                "unknown port",
                                help,
                            );
                            None
                        }
                    },
                    _ => self.unknown_reference(inner, sp),
                }
            }
            _ => self.unknown_reference(inner, sp),
        }
    }

    /// `${...}` that names nothing stackc knows: an STK027 error listing the forms.
    pub(super) fn unknown_reference(&mut self, inner: &str, sp: Span) -> Option<Segment> {
        self.err(
            ErrorCode::InvalidReference,
            format!("unknown reference `${{{inner}}}`"),
            sp,
            "not a reference",
            "references are `${secrets.NAME}`, `${vars.NAME}`, `${services.NAME.host}`, `${services.NAME.port}` and `${services.NAME.ports.PORT_NAME}`; write `$${` for a literal `${`",
        );
        None
    }

    pub(super) fn service_ref(&mut self, name: &str, sp: Span, names: &Names) -> Option<ServiceId> {
        if let Some(id) = names.services.get(name) {
            return Some(*id);
        }
        if let Some(envs) = names.absent_services.get(name) {
            self.err(
                ErrorCode::UnknownService,
                format!("service `{name}` does not exist in this environment"),
                sp,
                "referenced here",
                format!("`{name}` is only in: {}; add this environment to its `only_in`, or drop the reference", envs.join(", ")),
            );
            return None;
        }
        let help = hint_str(name, names.services.keys(), "declare it under `services:`");
        self.err(
            ErrorCode::UnknownService,
            format!("unknown service `{name}`"),
            sp,
            "not a service",
            help,
        );
        None
    }
}
