//! A spanned YAML tree: a compose file is read into it first, then checked key by key.
//!
//! Serde's `deny_unknown_fields` cannot accept `x-*` keys and loses spans inside untagged
//! enums; compose values have many shapes (string, list or map), so the tree is generic and the
//! readers in [`super::read`] give each key its meaning.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::diag::Span;
use crate::syntax::Sp;

/// A YAML value with spans on every node and key.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    /// An integer, as its decimal text.
    Int(String),
    Float(f64),
    Str(String),
    Seq(Vec<Sp<Node>>),
    /// Entries in source order.
    Map(Vec<(Sp<String>, Sp<Node>)>),
}

impl Node {
    /// What kind of value this is, for messages (`a string`, `a list`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Node::Null => "null",
            Node::Bool(_) => "a boolean",
            Node::Int(_) => "a number",
            Node::Float(_) => "a number",
            Node::Str(_) => "a string",
            Node::Seq(_) => "a list",
            Node::Map(_) => "a map",
        }
    }

    /// The text of a scalar the way compose reads it into a string field: numbers and
    /// booleans become their canonical text. `None` for null, lists and maps.
    pub fn scalar_text(&self) -> Option<String> {
        match self {
            Node::Bool(b) => Some(b.to_string()),
            Node::Int(i) => Some(i.clone()),
            Node::Float(f) => Some(format_float(*f)),
            Node::Str(s) => Some(s.clone()),
            Node::Null | Node::Seq(_) | Node::Map(_) => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Sp<String>, Sp<Node>)]> {
        match self {
            Node::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Sp<Node>]> {
        match self {
            Node::Seq(s) => Some(s),
            _ => None,
        }
    }

    /// The value under `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Sp<Node>> {
        self.as_map()?
            .iter()
            .find(|(k, _)| k.value == key)
            .map(|(_, v)| v)
    }
}

/// Formats a float as Go's `strconv.FormatFloat(f, 'f', -1, 64)` would for common values:
/// the shortest text that reads back the same, without an exponent.
pub fn format_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    format!("{f}")
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
                Ok(Node::Int(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Node, D2::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut v = Vec::new();
                while let Some(item) = seq.next_element::<Sp<Node>>()? {
                    v.push(item);
                }
                Ok(Node::Seq(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
                let mut v = Vec::new();
                while let Some(k) = map.next_key::<Sp<Node>>()? {
                    let key = match &k.value {
                        Node::Null => String::new(),
                        other => other.scalar_text().ok_or_else(|| {
                            de::Error::custom("a map key must be a string, not a list or a map")
                        })?,
                    };
                    let value = map.next_value::<Sp<Node>>()?;
                    v.push((Sp::new(key, k.span), value));
                }
                Ok(Node::Map(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// The span from the start of `a` to the end of `b`.
pub fn join(a: Span, b: Span) -> Span {
    Span::new(a.start.min(b.start), a.end.max(b.end))
}
