//! Cron schedules of `kind: cron` services: five cron fields or an `@` macro, checked once and
//! written for each target (a Kubernetes CronJob takes the cron text; systemd takes an
//! `OnCalendar=` expression).

use crate::diag::Span;

/// One cron field: every value (`*`), a step from the field's first value (`*/N`), or a list of
/// values and inclusive ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Field {
    Any,
    Step(u32),
    List(Vec<(u32, u32)>),
}

/// A checked schedule. Times are UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// Where `schedule:` was written.
    pub span: Span,
    /// The cron text as Kubernetes reads it (whitespace normalised).
    pub cron: String,
    /// minute, hour, day of month, month, day of week (0 and 7 are Sunday).
    pub fields: [Field; 5],
}

/// Name, lowest and highest value of each field.
const FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
];

const MACROS: &[(&str, &str)] = &[
    ("@hourly", "0 * * * *"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@weekly", "0 0 * * 0"),
    ("@monthly", "0 0 1 * *"),
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
];

const DAYS: [&str; 8] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Parses a schedule; the error says what is wrong, for a located diagnostic.
pub fn parse(text: &str, span: Span) -> Result<Schedule, String> {
    let trimmed = text.trim();
    let expanded = if trimmed.starts_with('@') {
        MACROS
            .iter()
            .find(|(m, _)| *m == trimmed)
            .map(|(_, c)| *c)
            .ok_or_else(|| format!("unknown schedule macro `{trimmed}`"))?
    } else {
        trimmed
    };
    let parts: Vec<&str> = expanded.split_whitespace().collect();
    if parts.len() != 5 {
        return Err(format!(
            "a schedule has five fields (minute hour day-of-month month day-of-week), `{}` has {}",
            text.escape_debug(),
            parts.len()
        ));
    }
    let mut fields: [Field; 5] = std::array::from_fn(|_| Field::Any);
    for (i, part) in parts.iter().enumerate() {
        fields[i] = field(part, FIELDS[i])?;
    }
    Ok(Schedule {
        span,
        cron: parts.join(" "),
        fields,
    })
}

fn number(text: &str, (name, lo, hi): (&str, u32, u32)) -> Result<u32, String> {
    let n: u32 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number in the {name} field"))?;
    if n < lo || n > hi {
        return Err(format!(
            "{n} is outside the {name} field's range {lo} to {hi}"
        ));
    }
    Ok(n)
}

fn field(text: &str, range: (&str, u32, u32)) -> Result<Field, String> {
    if text == "*" {
        return Ok(Field::Any);
    }
    if let Some(step) = text.strip_prefix("*/") {
        let n: u32 = step
            .parse()
            .ok()
            .filter(|n| *n >= 1 && *n <= range.2)
            .ok_or_else(|| format!("`{text}` is not a step of the {} field", range.0))?;
        return Ok(Field::Step(n));
    }
    let mut items = Vec::new();
    for item in text.split(',') {
        let (a, b) = match item.split_once('-') {
            Some((a, b)) => (number(a, range)?, number(b, range)?),
            None => {
                let n = number(item, range)?;
                (n, n)
            }
        };
        if a > b {
            return Err(format!(
                "the range `{item}` of the {} field runs backwards",
                range.0
            ));
        }
        items.push((a, b));
    }
    Ok(Field::List(items))
}

impl Schedule {
    /// Whether both the day of month and the day of week are restricted: cron runs on either,
    /// systemd's calendar only on days matching both.
    pub fn days_are_ored(&self) -> bool {
        self.fields[2] != Field::Any && self.fields[4] != Field::Any
    }

    /// The systemd `OnCalendar=` expression (UTC): `[DAYS ]*-MONTH-DAY HOUR:MINUTE:00 UTC`.
    pub fn on_calendar(&self) -> String {
        let [minute, hour, dom, month, dow] = &self.fields;
        let days = match dow {
            Field::Any => String::new(),
            other => {
                let mut set = [false; 7];
                for d in expand(other, 0, 7) {
                    set[(d % 7) as usize] = true;
                }
                // Monday first, as systemd prints them.
                let names: Vec<&str> = [1, 2, 3, 4, 5, 6, 0]
                    .iter()
                    .filter(|d| set[**d])
                    .map(|d| DAYS[*d])
                    .collect();
                format!("{} ", names.join(","))
            }
        };
        format!(
            "{days}*-{}-{} {}:{}:00 UTC",
            calendar(month, 1),
            calendar(dom, 1),
            calendar(hour, 0),
            calendar(minute, 0)
        )
    }
}

/// The values a field matches, for the day-of-week names.
fn expand(f: &Field, lo: u32, hi: u32) -> Vec<u32> {
    match f {
        Field::Any => (lo..=hi).collect(),
        Field::Step(n) => (lo..=hi).step_by(*n as usize).collect(),
        Field::List(items) => items.iter().flat_map(|(a, b)| *a..=*b).collect(),
    }
}

/// A field in systemd's calendar syntax: `*`, `FIRST/STEP`, or `A,B..C`.
fn calendar(f: &Field, first: u32) -> String {
    match f {
        Field::Any => "*".into(),
        Field::Step(n) => format!("{first:02}/{n}"),
        Field::List(items) => items
            .iter()
            .map(|(a, b)| {
                if a == b {
                    format!("{a:02}")
                } else {
                    format!("{a:02}..{b:02}")
                }
            })
            .collect::<Vec<_>>()
            .join(","),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> Result<Schedule, String> {
        parse(text, Span::new(0, 0))
    }

    #[test]
    fn cron_fields_become_calendar_expressions() {
        assert_eq!(
            p("*/15 * * * *").unwrap().on_calendar(),
            "*-*-* *:00/15:00 UTC"
        );
        assert_eq!(p("30 2 * * *").unwrap().on_calendar(), "*-*-* 02:30:00 UTC");
        assert_eq!(
            p("0 9-17 * * 1-5").unwrap().on_calendar(),
            "Mon,Tue,Wed,Thu,Fri *-*-* 09..17:00:00 UTC"
        );
        assert_eq!(
            p("0 0 1,15 * *").unwrap().on_calendar(),
            "*-*-01,15 00:00:00 UTC"
        );
        assert_eq!(
            p("@weekly").unwrap().on_calendar(),
            "Sun *-*-* 00:00:00 UTC"
        );
        assert_eq!(p("@daily").unwrap().cron, "0 0 * * *");
        assert_eq!(p(" 5  4 * *  7 ").unwrap().cron, "5 4 * * 7");
    }

    #[test]
    fn bad_schedules_say_why() {
        assert!(p("* * * *").unwrap_err().contains("five fields"));
        assert!(
            p("61 * * * *")
                .unwrap_err()
                .contains("outside the minute field")
        );
        assert!(p("0 5-3 * * *").unwrap_err().contains("runs backwards"));
        assert!(p("@often").unwrap_err().contains("unknown schedule macro"));
        assert!(p("*/0 * * * *").unwrap_err().contains("not a step"));
        assert!(p("0 0 * JAN *").unwrap_err().contains("not a number"));
    }

    #[test]
    fn both_day_fields_are_flagged() {
        assert!(p("0 0 1 * 1").unwrap().days_are_ored());
        assert!(!p("0 0 1 * *").unwrap().days_are_ored());
    }
}
