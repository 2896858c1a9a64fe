//! Text as compose reads it. Compose interpolates `$` in every string value of a service, so
//! a literal is written with each `$` doubled; only what the backend renders as interpolation
//! on purpose (`${VAR:?...}` for secrets and variables) keeps a single `$`.
//!
//! Every string field of the output model is a [`Text`], which can only be built by escaping
//! a literal ([`Text::lit`]) or from a value rendered by [`super::render_value`], so a new field
//! cannot forget the escape.

use serde::Serialize;

/// A string as it is written into the compose file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Text(String);

impl Text {
    /// Literal text: every `$` is doubled, so compose reads it back unchanged.
    pub fn lit(text: &str) -> Self {
        Text(escape(text))
    }

    /// Text already written for compose: literal parts escaped, references as interpolation
    /// (the output of [`super::render_value`]).
    pub(super) fn rendered(text: String) -> Self {
        Text(text)
    }

    /// The text as written into the file.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A literal, escaped like [`Text::lit`].
impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Text::lit(text)
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// Escapes literal text for compose interpolation: `$` becomes `$$`.
pub fn escape(text: &str) -> String {
    text.replace('$', "$$")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_double_every_dollar() {
        assert_eq!(Text::lit("$HOME/${USER}$$").as_str(), "$$HOME/$${USER}$$$$");
        assert_eq!(Text::lit("plain").as_str(), "plain");
    }
}
