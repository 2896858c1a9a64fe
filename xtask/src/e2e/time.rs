//! Instants as seconds since the Unix epoch: Docker's RFC 3339 timestamps, and the kernel's
//! uptime clock that containers share with the host.

use std::fs;
use std::time::{SystemTime, UNIX_EPOCH};

/// `2026-12-04T15:44:58.115652838Z` (UTC, any number of fraction digits) as epoch seconds.
pub fn parse_rfc3339(text: &str) -> Option<f64> {
    let text = text.trim().strip_suffix('Z')?;
    let (date, time) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|p| p.parse::<i64>().ok());
    let (h, min, s) = (t.next()??, t.next()??, t.next()??);
    let fraction: f64 = format!("0.{frac}").parse().ok()?;
    let days = days_from_civil(y, m, day);
    Some((days * 86_400 + h * 3_600 + min * 60 + s) as f64 + fraction)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Now, in epoch seconds.
pub fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// The epoch instant of boot: an uptime reading (`/proc/uptime`, as a container sees it too)
/// plus this is an epoch instant.
pub fn boot_epoch() -> Option<f64> {
    let uptime: f64 = fs::read_to_string("/proc/uptime")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(now() - uptime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_instants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0.0));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:01.5Z"), Some(951_868_801.5));
        let a = parse_rfc3339("2026-12-04T15:44:58.115652838Z").unwrap();
        let b = parse_rfc3339("2026-12-04T15:44:58.12Z").unwrap();
        assert!(b > a, "{a} {b}");
        assert_eq!(parse_rfc3339("not a time"), None);
        assert_eq!(parse_rfc3339("2026-12-04T15:44:58+01:00"), None);
    }
}
