//! Amounts as targets write them: memory sizes, CPU counts and durations.

/// Bytes of a memory size in docker/podman (`512m`, `1g`, `1073741824`, binary multiples) or
/// Kubernetes syntax (`512Mi`, `1Gi`, `500M` decimal).
pub fn memory_bytes(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = if split == 0 {
        return None;
    } else {
        t.split_at(split)
    };
    let n: f64 = num.parse().ok()?;
    let mult: f64 = match unit {
        "Ki" => 1024.0,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        _ => match unit.to_ascii_lowercase().trim_end_matches('b') {
            "" => 1.0,
            "k" => 1024.0,
            "m" => 1024f64.powi(2),
            "g" => 1024f64.powi(3),
            "t" => 1024f64.powi(4),
            _ => return None,
        },
    };
    Some((n * mult).round() as u64)
}

/// Bytes of a plain number or a size with a unit.
pub fn memory_any(text: &str) -> Option<u64> {
    let t = text.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse().ok();
    }
    memory_bytes(t)
}

/// CPUs of `0.5`, `2` or Kubernetes `500m`.
pub fn cpus(text: &str) -> Option<f64> {
    let t = text.trim();
    match t.strip_suffix('m') {
        Some(milli) => milli.parse::<f64>().ok().map(|m| m / 1000.0),
        None => t.parse().ok(),
    }
}

/// Milliseconds of a Go or compose duration (`1m30s`, `10s`, `500ms`, `1h`) or a systemd
/// time span using the same units (`5min` too).
pub fn duration_ms(text: &str) -> Option<u64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<u64>().ok().map(|s| s * 1000);
    }
    let mut total = 0f64;
    let mut rest = t;
    while !rest.is_empty() {
        rest = rest.trim_start();
        let n_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if n_end == 0 {
            return None;
        }
        let n: f64 = rest[..n_end].parse().ok()?;
        rest = &rest[n_end..];
        let u_end = rest
            .find(|c: char| c.is_ascii_digit() || c == ' ')
            .unwrap_or(rest.len());
        let unit = &rest[..u_end];
        rest = &rest[u_end..];
        let mult = match unit {
            "ns" => 1e-6,
            "us" | "µs" => 1e-3,
            "ms" => 1.0,
            "s" | "sec" | "" => 1e3,
            "m" | "min" => 6e4,
            "h" | "hr" => 3.6e6,
            _ => return None,
        };
        total += n * mult;
    }
    Some(total.round() as u64)
}

/// Whether two CPU amounts are the same (targets round to milli-CPUs).
pub fn same_cpus(a: f64, b: f64) -> bool {
    (a - b).abs() < 0.0015
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_every_syntax() {
        assert_eq!(memory_bytes("512m"), Some(512 << 20));
        assert_eq!(memory_bytes("1g"), Some(1 << 30));
        assert_eq!(memory_bytes("2Gi"), Some(2 << 30));
        assert_eq!(memory_bytes("500M"), Some(500_000_000));
        assert_eq!(memory_any("67108864"), Some(64 << 20));
        assert_eq!(memory_bytes("lots"), None);
    }

    #[test]
    fn cpus_and_durations() {
        assert_eq!(cpus("500m"), Some(0.5));
        assert_eq!(cpus("2"), Some(2.0));
        assert_eq!(duration_ms("1m30s"), Some(90_000));
        assert_eq!(duration_ms("500ms"), Some(500));
        assert_eq!(duration_ms("15min"), Some(900_000));
        assert_eq!(duration_ms("x"), None);
    }
}
