//! A service's `networks:`.

use super::*;

impl Lowering<'_> {
    pub(super) fn service_networks(
        &mut self,
        v: &Sp<Node>,
        path: &str,
        extra: &mut IndexMap<String, serde_json::Value>,
    ) -> Vec<Sp<String>> {
        let mut names: Vec<Sp<String>> = Vec::new();
        let mut options = serde_json::Map::new();
        match &v.value {
            Node::Seq(_) => names = self.cx.strings(v, path, false),
            Node::Map(entries) => {
                for (name, val) in entries {
                    let p = format!("{path}.{}", name.value);
                    if let Some(e) = self.cx.map(val, &p) {
                        self.cx
                            .check_keys(e, keys::SERVICE_NETWORK, "a service's network");
                        if let Some((k, _)) = e.first() {
                            self.compose_only(
                                &p,
                                k.span,
                                "per-network aliases, addresses and priorities are not in the stack spec",
                            );
                        }
                        // Options, or an empty mapping (`{}`, which compose keeps as written,
                        // where a bare name is `null`): kept for compose.
                        if matches!(val.value, Node::Map(_)) {
                            let spec = self
                                .networks
                                .get(&name.value)
                                .cloned()
                                .unwrap_or_else(|| name.value.clone());
                            options.insert(spec, to_json(&val.value));
                        }
                    }
                    names.push(name.clone());
                }
            }
            Node::Null => {}
            _ => self
                .cx
                .wrong_type(v, "a list or a map of network names", path),
        }
        if !options.is_empty() {
            extra.insert("networks".into(), serde_json::Value::Object(options));
        }
        names
            .into_iter()
            .map(|n| match self.networks.get(&n.value) {
                Some(name) => Sp::new(name.clone(), n.span),
                None if n.value == "default" => {
                    self.networks.insert("default".into(), "default".into());
                    self.networks_out
                        .insert(Sp::new("default".into(), n.span), NetworkSpec::default());
                    n
                }
                None => n,
            })
            .collect()
    }
}
