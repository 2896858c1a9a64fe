//! Which Quadlet key carries a setting: its own key when the targeted Podman has it, else the
//! `PodmanArgs=` fallback, else `STK050`. Plain units pass every setting as a `run` argument.

use stackc_compiler::diag::Span;
use stackc_compiler::ir::{Service, SystemdFlavour};

use crate::systemd::Emitter;

/// How a setting reaches the container.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Via {
    /// Quadlet's own key (e.g. `NetworkAlias=`).
    Key,
    /// A `podman run` argument: `PodmanArgs=` in Quadlet, the `ExecStart=` argv in plain units.
    Arg,
}

impl Emitter<'_> {
    fn quadlet(&self) -> bool {
        self.opts.flavour == SystemdFlavour::Quadlet
    }

    /// How the setting `what` is written: Quadlet's `key` (if any and the targeted Podman has
    /// it), else a run argument. `None` (and `STK050`) when Quadlet needs `PodmanArgs=` and the
    /// targeted Podman lacks it too.
    pub(crate) fn via(
        &mut self,
        svc: &Service,
        key: Option<&str>,
        span: Option<Span>,
        what: &str,
    ) -> Option<Via> {
        if !self.quadlet() {
            return Some(Via::Arg);
        }
        if key.is_some_and(|k| self.has_key(k)) {
            return Some(Via::Key);
        }
        if self.has_key("PodmanArgs") {
            return Some(Via::Arg);
        }
        // The feature's own key is newer still, or there is none: the fallback is too new.
        self.too_new(svc, "PodmanArgs", span, what);
        None
    }

    /// Whether the setting `what` can be written: always in plain units; in Quadlet only with
    /// its own `key`, else `STK050`.
    pub(crate) fn key_or_refuse(
        &mut self,
        svc: &Service,
        key: &str,
        span: Option<Span>,
        what: &str,
    ) -> bool {
        if !self.quadlet() || self.has_key(key) {
            return true;
        }
        self.too_new(svc, key, span, what);
        false
    }
}
