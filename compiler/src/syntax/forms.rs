//! Values with a short and a long form (`8000` or `{port: 8000, expose: public}`).
//!
//! Each has a hand-written visitor instead of an untagged enum, so spans inside the long form
//! survive, and a hand-written JSON Schema (`anyOf` of the two forms).

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize, de::value::MapAccessDeserializer};

use super::keywords::{self, Condition, Exposure, Keyword, Protocol};
use super::sp::Sp;

/// A command: argv (list) or shell form (string). Short forms get their span from the
/// enclosing `Sp`.
#[derive(Debug, Clone)]
pub enum CommandSpec {
    /// A string, run by `/bin/sh -c`.
    Shell(Sp<String>),
    /// An argv list.
    Exec(Vec<Sp<String>>),
}

impl<'de> Deserialize<'de> for CommandSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = CommandSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a command as a list of strings, or a string (shell form)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(item) = seq.next_element::<Sp<String>>()? {
                    v.push(item);
                }
                Ok(CommandSpec::Exec(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CommandSpec::Shell(Sp::new(
                    v.to_string(),
                    Default::default(),
                )))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for CommandSpec {
    fn schema_name() -> Cow<'static, str> {
        "Command".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A command: a list of arguments (exec form, preferred) or a string run by `/bin/sh -c`.",
            "anyOf": [
                {"type": "string"},
                {"type": "array", "items": {"type": "string"}}
            ]
        })
    }
}

/// A port: a number (internal exposure) or the long form.
#[derive(Debug, Clone)]
pub enum PortSpec {
    Short(Sp<u32>),
    Long(PortLong),
}

/// The long form of a port.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PortLong {
    /// Port the container listens on (1-65535).
    pub port: Sp<u32>,
    /// Who can reach it: `internal` (other services only, the default), `loopback` (also the
    /// host, on 127.0.0.1), `public` (published / Ingress / LoadBalancer).
    #[schemars(schema_with = "keywords::schema_word::<Exposure>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expose: Option<Sp<String>>,
    /// Host port when published (default: same as `port`); `0` lets the runtime pick a free
    /// port.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<Sp<u32>>,
    /// Host address a published port binds to (default: `127.0.0.1` for `loopback`, every
    /// interface for `public`), e.g. `0.0.0.0`, `::1` or `192.168.1.10`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<Sp<String>>,
    /// `tcp` (default) or `udp`.
    #[schemars(schema_with = "keywords::schema_word::<Protocol>")]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Sp<String>>,
    /// Name of the port (Kubernetes named port, `${services.X.ports.NAME}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Sp<String>>,
    /// Application protocol spoken on the port, e.g. `http`, `smtp` or `kubernetes.io/h2c`: an
    /// IANA service name or a domain-prefixed name (compose `app_protocol`, Kubernetes
    /// `appProtocol`; systemd has no place for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_protocol: Option<Sp<String>>,
}

impl PortSpec {
    /// Port number and protocol as written (`tcp` when not given): what identifies a port
    /// within a service, e.g. when an overlay replaces one.
    pub fn key(&self) -> (u32, &str) {
        match self {
            PortSpec::Short(n) => (n.value, Protocol::Tcp.as_str()),
            PortSpec::Long(l) => (
                l.port.value,
                (l.protocol.as_ref()).map_or(Protocol::Tcp.as_str(), |p| p.value.as_str()),
            ),
        }
    }
}

impl<'de> Deserialize<'de> for PortSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PortSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a port number, or a map with `port` and `expose`")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                let v = u32::try_from(v).unwrap_or(u32::MAX);
                Ok(PortSpec::Short(Sp::new(v, Default::default())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Err(E::invalid_value(de::Unexpected::Signed(v), &self))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                PortLong::deserialize(MapAccessDeserializer::new(map)).map(PortSpec::Long)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for PortSpec {
    fn schema_name() -> Cow<'static, str> {
        "Port".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let long = g.subschema_for::<PortLong>();
        json_schema!({
            "description": "A port number (internal exposure), or the long form.",
            "anyOf": [ {"type": "integer", "minimum": 0}, long ]
        })
    }
}

/// A mount: `volume:/path[:ro]`, `./host/path:/path[:ro]`, or the long form.
// A spec holds a few dozen mounts at most: boxing the long form would buy nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum MountSpec {
    Short(Sp<String>),
    Long(MountLong),
}

/// The long form of a mount. Set exactly one of `volume`, `bind`, `config`, `tmpfs`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MountLong {
    /// A named volume declared under `volumes:`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<Sp<String>>,
    /// A host path relative to the spec (dev only: hot reload and similar).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bind: Option<Sp<String>>,
    /// A file from the repository, mounted read-only (a ConfigMap in Kubernetes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Sp<String>>,
    /// A tmpfs at this container path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tmpfs: Option<Sp<String>>,
    /// A secret declared under `secrets:`, mounted read-only as a file (default target
    /// `/run/secrets/NAME`): compose `secrets:`, a Kubernetes Secret volume, a Podman secret.
    /// Its value never lands in a generated file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<Sp<String>>,
    /// Path inside the container (not used with `tmpfs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Sp<String>>,
    /// Mount read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub read_only: Option<Sp<bool>>,
    /// Size of a tmpfs, e.g. `64Mi`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<Sp<String>>,
    /// Name of a `config` file as a compose config: the compose output mounts it through a
    /// top-level `configs:` entry of this name instead of a bind mount.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Sp<String>>,
}

impl<'de> Deserialize<'de> for MountSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = MountSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mount string `source:/target[:ro]`, or a map")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(MountSpec::Short(Sp::new(v.to_string(), Default::default())))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                MountLong::deserialize(MapAccessDeserializer::new(map)).map(MountSpec::Long)
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for MountSpec {
    fn schema_name() -> Cow<'static, str> {
        "Mount".into()
    }
    fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let long = g.subschema_for::<MountLong>();
        json_schema!({
            "description": "`volume:/path[:ro]`, `./host/path:/path[:ro]`, or the long form.",
            "anyOf": [ {"type": "string"}, long ]
        })
    }
}

/// `depends_on`: a list of names (condition `started`) or a map name → condition.
#[derive(Debug, Clone)]
pub enum DependsOnSpec {
    List(Vec<Sp<String>>),
    Map(Vec<(Sp<String>, Sp<String>)>),
}

impl<'de> Deserialize<'de> for DependsOnSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = DependsOnSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of service names, or a map of service name to condition")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(item) = seq.next_element::<Sp<String>>()? {
                    v.push(item);
                }
                Ok(DependsOnSpec::List(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut v = Vec::new();
                while let Some(k) = map.next_key::<Sp<String>>()? {
                    let c = map.next_value::<Sp<String>>()?;
                    v.push((k, c));
                }
                Ok(DependsOnSpec::Map(v))
            }
        }
        d.deserialize_any(V)
    }
}

impl JsonSchema for DependsOnSpec {
    fn schema_name() -> Cow<'static, str> {
        "DependsOn".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Services to wait for: a list of names (condition `started`), or a map of name to `started`, `healthy` or `completed`.",
            "anyOf": [
                {"type": "array", "items": {"type": "string"}},
                {"type": "object", "additionalProperties": {"enum": Condition::spellings()}}
            ]
        })
    }
}

impl Serialize for CommandSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CommandSpec::Shell(text) => text.serialize(s),
            CommandSpec::Exec(args) => args.serialize(s),
        }
    }
}

impl Serialize for PortSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            PortSpec::Short(n) => n.serialize(s),
            PortSpec::Long(l) => l.serialize(s),
        }
    }
}

impl Serialize for MountSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MountSpec::Short(text) => text.serialize(s),
            MountSpec::Long(l) => l.serialize(s),
        }
    }
}

impl Serialize for DependsOnSpec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            DependsOnSpec::List(names) => names.serialize(s),
            DependsOnSpec::Map(entries) => {
                let mut m = s.serialize_map(Some(entries.len()))?;
                for (name, condition) in entries {
                    m.serialize_entry(name, condition)?;
                }
                m.end()
            }
        }
    }
}
