//! Names: compose allows more than the stack spec (which turns names into Kubernetes objects,
//! unit names and file names), so some are rewritten, and the report says so.

use std::collections::HashSet;

pub use crate::resolve::{is_env_key, is_name as is_spec_name};

/// The closest valid spec name: lowercase, other characters as `-`, starting with a letter,
/// at most 63 characters.
pub fn spec_name(s: &str) -> String {
    let mut out: String = s
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    out = out.trim_matches(|c| c == '-' || c == '_').to_string();
    if !out.starts_with(|c: char| c.is_ascii_lowercase()) {
        out = format!("x-{out}");
    }
    out.truncate(63);
    let out = out.trim_end_matches(['-', '_']).to_string();
    if out.is_empty() || out == "x" {
        "x".into()
    } else {
        out
    }
}

/// A stack name: a spec name without `_` (it is also a DNS label).
pub fn stack_name(s: &str) -> String {
    spec_name(&s.replace('_', "-"))
}

/// Allocates names unique within one table.
#[derive(Default, Debug)]
pub struct Unique {
    taken: HashSet<String>,
}

impl Unique {
    /// Marks a name as taken; false when it already was.
    pub fn take(&mut self, name: &str) -> bool {
        self.taken.insert(name.to_string())
    }
    /// `base`, or `base_2`, `base_3`, ... — the first one free, now taken.
    pub fn fresh(&mut self, base: &str) -> String {
        if self.take(base) {
            return base.to_string();
        }
        let mut i = 2;
        loop {
            let candidate = format!("{base}_{i}");
            if self.take(&candidate) {
                return candidate;
            }
            i += 1;
        }
    }
    pub fn contains(&self, name: &str) -> bool {
        self.taken.contains(name)
    }
}

/// The compose project name derived from a directory name, as compose does: lowercase, only
/// letters, digits, `-` and `_`.
pub fn project_name_from_dir(dir: &str) -> String {
    let s: String = dir
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
        .collect();
    let s = s.trim_start_matches(['-', '_']).to_string();
    if s.is_empty() { "stack".into() } else { s }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_valid() {
        assert_eq!(spec_name("web"), "web");
        assert_eq!(spec_name("Web.App"), "web-app");
        assert_eq!(spec_name("1st"), "x-1st");
        assert_eq!(spec_name("_db_"), "db");
        assert!(is_spec_name(&spec_name("Ä")));
        assert_eq!(stack_name("my_app"), "my-app");
        assert_eq!(project_name_from_dir("My App"), "myapp");
        let mut u = Unique::default();
        assert_eq!(u.fresh("a"), "a");
        assert_eq!(u.fresh("a"), "a_2");
    }
}
