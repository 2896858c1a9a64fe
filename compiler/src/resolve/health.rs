//! `health:`: exec, http and tcp checks with their timings.

use crate::diag::ErrorCode;

use super::*;

impl Resolver {
    pub(super) fn health(&mut self, h: &HealthSpec, names: &Names) -> Health {
        let span = [
            h.cmd.as_ref().map(|c| c.span),
            h.interval.as_ref().map(|s| s.span),
            h.http.as_ref().map(|x| x.port.span),
            h.tcp.as_ref().map(|t| t.port.span),
        ]
        .into_iter()
        .flatten()
        .next()
        .unwrap_or(Span::DUMMY);
        let dur = |r: &mut Self, s: &Option<Sp<String>>, default: u64| {
            s.as_ref()
                .and_then(|s| r.duration(s))
                .unwrap_or(Duration::from_secs(default))
        };
        let http = h.http.as_ref().and_then(|x| {
            let port = self.port_number(&x.port)?;
            Some(HttpCheck {
                path: x
                    .path
                    .as_ref()
                    .map(|p| p.value.clone())
                    .unwrap_or_else(|| "/".into()),
                port: Sp::new(port, x.port.span),
            })
        });
        if let Some(p) = h.http.as_ref().and_then(|x| x.path.as_ref())
            && (!p.value.starts_with('/')
                || p.value.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            self.err(
                ErrorCode::InvalidValue,
                format!("invalid http path `{}`", p.value.escape_debug()),
                p.span,
                "not a URL path",
                "write a path starting with `/`, without spaces",
            );
        }
        Health {
            span,
            cmd: h.cmd.as_ref().map(|c| self.command(c, names)),
            http,
            tcp: h
                .tcp
                .as_ref()
                .and_then(|t| self.port_number(&t.port).map(|p| Sp::new(p, t.port.span))),
            interval: dur(self, &h.interval, 10),
            timeout: dur(self, &h.timeout, 5),
            retries: h.retries.as_ref().map(|r| r.value).unwrap_or(3),
            start_period: dur(self, &h.start_period, 0),
            written: HealthTimings {
                interval: h.interval.as_ref().map(|s| s.span),
                timeout: h.timeout.as_ref().map(|s| s.span),
                retries: h.retries.as_ref().map(|s| s.span),
                start_period: h.start_period.as_ref().map(|s| s.span),
            },
        }
    }
}
