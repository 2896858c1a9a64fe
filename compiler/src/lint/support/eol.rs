//! Release cycles of official images that are past their end of life, as data.
//!
//! Source: endoflife.date (the `releases:` of products/postgresql.md, nodejs.md, python.md,
//! mysql.md, redis.md and mongodb.md in github.com/endoflife-date/endoflife.date), the `eol`
//! date of each cycle. Compiled on 2026-12-04 ([`COMPILED`]): a cycle is listed only when its end
//! of life is on or before that date, so that lint output does not change with the clock. Update
//! the table (and [`COMPILED`]) from endoflife.date; a cycle whose upstream still supports it
//! (Redis 6.2 and 7.2, at the time of writing) is not listed.

/// The day this table was compiled (`YYYY-MM-DD`).
pub const COMPILED: &str = "2026-12-04";

/// A release cycle past its end of life.
#[derive(Debug, PartialEq, Eq)]
pub struct Eol {
    /// Docker Hub official image (`library/…`).
    pub image: &'static str,
    /// The cycle as its tags begin: `12` (postgres 12.x), `3.8` (python 3.8.x).
    pub cycle: &'static str,
    /// End of life, `YYYY-MM-DD`.
    pub date: &'static str,
}

const fn eol(image: &'static str, cycle: &'static str, date: &'static str) -> Eol {
    Eol { image, cycle, date }
}

/// Cycles past their end of life, by image.
pub const EOL: &[Eol] = &[
    eol("postgres", "9.5", "2021-02-11"),
    eol("postgres", "9.6", "2021-11-11"),
    eol("postgres", "10", "2022-11-10"),
    eol("postgres", "11", "2023-11-09"),
    eol("postgres", "12", "2024-11-21"),
    eol("postgres", "13", "2025-11-13"),
    eol("postgres", "14", "2026-11-12"),
    eol("node", "8", "2019-12-31"),
    eol("node", "10", "2021-04-30"),
    eol("node", "11", "2019-06-30"),
    eol("node", "12", "2022-04-30"),
    eol("node", "13", "2020-06-01"),
    eol("node", "14", "2023-04-30"),
    eol("node", "15", "2021-06-01"),
    eol("node", "16", "2023-09-11"),
    eol("node", "17", "2022-06-01"),
    eol("node", "18", "2025-04-30"),
    eol("node", "19", "2023-06-01"),
    eol("node", "20", "2026-04-30"),
    eol("node", "21", "2024-06-01"),
    eol("python", "2.7", "2020-01-01"),
    eol("python", "3.5", "2020-09-13"),
    eol("python", "3.6", "2021-12-23"),
    eol("python", "3.7", "2023-06-27"),
    eol("python", "3.8", "2024-10-07"),
    eol("python", "3.9", "2025-10-31"),
    eol("mysql", "5.5", "2018-12-31"),
    eol("mysql", "5.6", "2021-02-28"),
    eol("mysql", "5.7", "2023-10-31"),
    eol("mysql", "8.0", "2026-04-30"),
    eol("mysql", "8.1", "2023-10-25"),
    eol("mysql", "8.2", "2023-12-14"),
    eol("mysql", "8.3", "2024-04-10"),
    eol("redis", "5.0", "2022-04-27"),
    eol("redis", "6.0", "2022-05-31"),
    eol("redis", "7.0", "2024-07-29"),
    eol("redis", "8.0", "2026-02-11"),
    eol("mongo", "4.4", "2024-02-29"),
    eol("mongo", "5.0", "2024-10-31"),
    eol("mongo", "6.0", "2025-07-31"),
];

/// The end-of-life cycle an official image's tag belongs to: the tag's version must name the
/// cycle completely (`redis:6` may be 6.2 and is not matched to 6.0; `python:3` is not 3.8).
pub fn past_eol(familiar_repository: &str, tag: &str) -> Option<&'static Eol> {
    let version = leading_version(tag);
    if version.is_empty() {
        return None;
    }
    EOL.iter().find(|e| {
        e.image == familiar_repository
            && (version == e.cycle
                || version
                    .strip_prefix(e.cycle)
                    .is_some_and(|rest| rest.starts_with('.')))
    })
}

/// The dotted version a tag starts with: `12.4` of `12.4-alpine`, `3.8` of `3.8-slim-buster`,
/// `16` of `16-alpine3.18`; empty for `latest`, `lts`, `bookworm`.
fn leading_version(tag: &str) -> &str {
    let tag = tag.strip_prefix('v').unwrap_or(tag);
    let end = tag
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(tag.len());
    tag[..end].trim_end_matches('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_match_their_whole_cycle_only() {
        assert_eq!(
            past_eol("postgres", "12.4-alpine").map(|e| e.cycle),
            Some("12")
        );
        assert_eq!(past_eol("postgres", "12").map(|e| e.cycle), Some("12"));
        assert_eq!(past_eol("postgres", "17.6"), None);
        assert_eq!(past_eol("postgres", "1"), None);
        assert_eq!(past_eol("python", "3.8-slim").map(|e| e.cycle), Some("3.8"));
        assert_eq!(past_eol("python", "3.10.4"), None);
        assert_eq!(past_eol("python", "3"), None);
        assert_eq!(past_eol("redis", "6"), None);
        assert_eq!(past_eol("redis", "6.2.14"), None);
        assert_eq!(
            past_eol("redis", "6.0.20-alpine").map(|e| e.cycle),
            Some("6.0")
        );
        assert_eq!(
            past_eol("node", "16-alpine3.18").map(|e| e.cycle),
            Some("16")
        );
        assert_eq!(past_eol("node", "lts"), None);
        assert_eq!(past_eol("mysql", "5.7.44").map(|e| e.cycle), Some("5.7"));
        assert_eq!(past_eol("mysql", "8.4.6"), None);
    }

    #[test]
    fn every_listed_cycle_ended_by_the_compilation_date() {
        for e in EOL {
            assert!(e.date <= COMPILED, "{e:?} is after {COMPILED}");
            assert_eq!(e.date.len(), 10, "{e:?}");
        }
    }
}
