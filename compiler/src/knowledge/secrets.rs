//! In-house secret detection: known token formats, credential-shaped keys, entropy, placeholders
//! and credentials in URLs (the STK2xx rules' building blocks).
//!
//! Every detector favours precision: a secret rule is an error by default, so a false positive
//! costs more than a miss. Each pattern keeps true-positive and false-positive vectors next to it
//! in the tests (gitleaks' `Validate` convention), all made-up values that are format-valid.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::sync::LazyLock;

use regex::{Regex, RegexSet};

/// A well-known token format recognised by [`known_token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecretKind {
    /// AWS access key ID: `AKIA`/`ASIA`/`ABIA`/`ACCA`/`A3T?` + 16 base32 characters.
    AwsAccessKeyId,
    /// GitHub token: `gh[pousr]_` + 36 or more alphanumerics, or a fine-grained `github_pat_`.
    GithubToken,
    /// GitLab personal access token: `glpat-` + 20 or more characters.
    GitlabToken,
    /// Slack token: `xox[abpr]-` followed by a numeric team/user id and more segments.
    SlackToken,
    /// Stripe live secret or restricted key: `sk_live_` / `rk_live_`.
    StripeLiveKey,
    /// JSON Web Token whose header decodes to a JSON object with `alg`, with a signature.
    Jwt,
    /// PEM private key: `-----BEGIN … PRIVATE KEY-----` followed by key material.
    PrivateKeyPem,
    /// OpenAI API key: `sk-…T3BlbkFJ…` (legacy, `proj`, `svcacct`, `admin`).
    OpenAiKey,
    /// Anthropic API key: `sk-ant-api03-…` / `sk-ant-admin01-…`.
    AnthropicKey,
    /// Google API key: `AIza` + 35 characters.
    GoogleApiKey,
}

impl SecretKind {
    /// Every kind, in the order [`known_token`] prefers on ties.
    pub const ALL: [SecretKind; 10] = [
        SecretKind::PrivateKeyPem,
        SecretKind::AwsAccessKeyId,
        SecretKind::GithubToken,
        SecretKind::GitlabToken,
        SecretKind::SlackToken,
        SecretKind::StripeLiveKey,
        SecretKind::AnthropicKey,
        SecretKind::OpenAiKey,
        SecretKind::GoogleApiKey,
        SecretKind::Jwt,
    ];

    /// A human name for messages, e.g. "AWS access key ID".
    pub fn description(self) -> &'static str {
        match self {
            SecretKind::AwsAccessKeyId => "AWS access key ID",
            SecretKind::GithubToken => "GitHub token",
            SecretKind::GitlabToken => "GitLab personal access token",
            SecretKind::SlackToken => "Slack token",
            SecretKind::StripeLiveKey => "Stripe live secret key",
            SecretKind::Jwt => "JSON Web Token",
            SecretKind::PrivateKeyPem => "PEM private key",
            SecretKind::OpenAiKey => "OpenAI API key",
            SecretKind::AnthropicKey => "Anthropic API key",
            SecretKind::GoogleApiKey => "Google API key",
        }
    }

    /// The pattern whose capture group 1 is the token. Boundaries are explicit character classes
    /// (not `\b`) because several token alphabets include `-` and `_`.
    fn pattern(self) -> &'static str {
        match self {
            SecretKind::AwsAccessKeyId => {
                r"(?:^|[^A-Za-z0-9])((?:A3T[A-Z0-9]|AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16})(?:[^A-Za-z0-9]|$)"
            }
            SecretKind::GithubToken => {
                r"(?:^|[^A-Za-z0-9_])(gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{82})(?:[^A-Za-z0-9_]|$)"
            }
            SecretKind::GitlabToken => r"(?:^|[^A-Za-z0-9_-])(glpat-[A-Za-z0-9_-]{20,})",
            SecretKind::SlackToken => {
                r"(?:^|[^A-Za-z0-9_-])(xox[abpr]-[0-9]{8,13}-[A-Za-z0-9-]{8,})"
            }
            SecretKind::StripeLiveKey => {
                r"(?:^|[^A-Za-z0-9_])((?:sk|rk)_live_[A-Za-z0-9]{20,247})(?:[^A-Za-z0-9_]|$)"
            }
            SecretKind::Jwt => {
                r"(?:^|[^A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{16,})"
            }
            SecretKind::PrivateKeyPem => {
                r"(-----BEGIN[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----[\s\S]{0,300}?[A-Za-z0-9+/=]{32,}(?:[\s\S]*?-----END[ A-Z0-9_-]{0,100}PRIVATE KEY(?: BLOCK)?-----)?)"
            }
            SecretKind::OpenAiKey => {
                r"(?:^|[^A-Za-z0-9_-])(sk-(?:(?:proj|svcacct|admin)-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,})"
            }
            SecretKind::AnthropicKey => {
                r"(?:^|[^A-Za-z0-9_-])(sk-ant-(?:api|admin)[0-9]{2}-[A-Za-z0-9_-]{80,})"
            }
            SecretKind::GoogleApiKey => {
                r"(?:^|[^A-Za-z0-9_-])(AIza[A-Za-z0-9_-]{35})(?:[^A-Za-z0-9_-]|$)"
            }
        }
    }

    /// Rejects matches that have the format but are known not to be secrets.
    fn accepts(self, token: &str) -> bool {
        match self {
            // AWS documents `AKIAIOSFODNN7EXAMPLE`; gitleaks allow-lists `…EXAMPLE` the same way.
            SecretKind::AwsAccessKeyId => !token.ends_with("EXAMPLE"),
            SecretKind::Jwt => jwt_header_has_alg(token),
            _ => true,
        }
    }
}

impl fmt::Display for SecretKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// A literal every token of some [`SecretKind`] contains (the start of its pattern).
const TOKEN_PREFIXES: &[&str] = &[
    "A3T",
    "AKIA",
    "ASIA",
    "ABIA",
    "ACCA",
    "gh",
    "github_pat_",
    "glpat-",
    "xox",
    "_live_",
    "eyJ",
    "-----BEGIN",
    "sk-",
    "AIza",
];

/// All token patterns, indexed like [`SecretKind::ALL`]: a cheap pre-filter.
static TOKEN_SET: LazyLock<RegexSet> = LazyLock::new(|| {
    RegexSet::new(SecretKind::ALL.iter().map(|k| k.pattern())).expect("token patterns compile")
});

/// The same patterns compiled one by one, for capture positions.
static TOKEN_RES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    SecretKind::ALL
        .iter()
        .map(|k| Regex::new(k.pattern()).expect("token pattern compiles"))
        .collect()
});

/// Finds the leftmost well-known token in `value`, with its byte range.
///
/// When two formats match at the same position, the order of [`SecretKind::ALL`] decides.
pub fn known_token(value: &str) -> Option<(SecretKind, Range<usize>)> {
    known_tokens(value).into_iter().next()
}

/// Finds every well-known token in `value`, ordered by position, without overlaps.
pub fn known_tokens(value: &str) -> Vec<(SecretKind, Range<usize>)> {
    let mut found: Vec<(SecretKind, Range<usize>)> = Vec::new();
    // Every pattern starts with one of these literals: a value without any of them cannot
    // match, and the regex set (milliseconds to compile) is never built for a clean spec.
    if !TOKEN_PREFIXES.iter().any(|p| value.contains(p)) {
        return found;
    }
    for index in TOKEN_SET.matches(value).iter() {
        let kind = SecretKind::ALL[index];
        let re = &TOKEN_RES[index];
        let mut start = 0;
        while start <= value.len() {
            let Some(token) = re.captures_at(value, start).and_then(|c| c.get(1)) else {
                break;
            };
            if kind.accepts(token.as_str()) {
                found.push((kind, token.range()));
            }
            start = token.end();
        }
    }
    found.sort_by_key(|(kind, range)| {
        let rank = SecretKind::ALL.iter().position(|k| k == kind);
        (range.start, rank)
    });
    let mut result: Vec<(SecretKind, Range<usize>)> = Vec::new();
    for (kind, range) in found {
        if result
            .last()
            .is_none_or(|(_, last)| range.start >= last.end)
        {
            result.push((kind, range));
        }
    }
    result
}

/// Whether a JWT's header segment decodes to a JSON object with an `alg` member.
fn jwt_header_has_alg(token: &str) -> bool {
    let header = token.split('.').next().unwrap_or_default();
    base64url_decode(header)
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .is_some_and(|json| json.get("alg").is_some_and(serde_json::Value::is_string))
}

/// Decodes unpadded base64url; `None` on any other character.
fn base64url_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for b in s.bytes() {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Words after the credential word that make the key a setting *about* the credential (a path,
/// a switch, a quantity, an address or a name) rather than the credential itself:
/// `PASSWORD_FILE`, `TOKEN_TTL`, `PASSWORD_MIN_LENGTH`, `SMTP_PASSWORD_ENABLED`, `TOKEN_URL`.
///
/// `HEADER` is deliberately absent: `AUTH_HEADER` holds the header's value (STK204's example).
pub const TRAILING_KNOB_WORDS: &[&str] = &[
    // Paths: the value names where the secret lives (the `_FILE` convention).
    "FILE",
    "FILES",
    "PATH",
    "DIR",
    "DIRECTORY",
    // Switches.
    "ENABLE",
    "ENABLED",
    "DISABLE",
    "DISABLED",
    "REQUIRE",
    "REQUIRED",
    "AUTH",
    "AUTHENTICATION",
    // Quantities and durations.
    "LENGTH",
    "LEN",
    "MIN",
    "MAX",
    "MINIMUM",
    "MAXIMUM",
    "COUNT",
    "LIMIT",
    "SIZE",
    "BITS",
    "ROUNDS",
    "ITERATIONS",
    "COST",
    "STRENGTH",
    "COMPLEXITY",
    "TTL",
    "AGE",
    "LIFETIME",
    "TIMEOUT",
    "EXPIRY",
    "EXPIRE",
    "EXPIRES",
    "EXPIRATION",
    "INTERVAL",
    "PERIOD",
    "DURATION",
    "SECONDS",
    "MINUTES",
    "HOURS",
    "DAYS",
    // Kinds, formats and policies.
    "ALGORITHM",
    "ALGO",
    "TYPE",
    "MODE",
    "METHOD",
    "POLICY",
    "FORMAT",
    "ENCODING",
    "VERSION",
    // Addresses and names.
    "URL",
    "URI",
    "ENDPOINT",
    "HOST",
    "PORT",
    "ISSUER",
    "AUDIENCE",
    "NAME",
    "PARAM",
    "FIELD",
    "PREFIX",
    "SUFFIX",
];

/// Words before the credential word that make the key a switch or a count:
/// `MYSQL_ALLOW_EMPTY_PASSWORD`, `MYSQL_RANDOM_ROOT_PASSWORD`, `OPENAI_MAX_TOKENS`.
pub const LEADING_KNOB_WORDS: &[&str] = &[
    "ENABLE", "ENABLED", "DISABLE", "DISABLED", "REQUIRE", "REQUIRED", "USE", "ALLOW", "SKIP",
    "FORCE", "NO", "IS", "HAS", "RANDOM", "EMPTY", "GENERATE", "ONETIME", "MIN", "MAX", "MINIMUM",
    "MAXIMUM", "NUM",
];

/// Keys that match the credential words but conventionally hold a file path.
pub const PATH_VALUED_KEYS: &[&str] = &["GOOGLE_APPLICATION_CREDENTIALS"];

/// Splits a key into uppercase words at `_`, `-`, `.`, other punctuation and camelCase
/// boundaries: `dbPassword` → `DB PASSWORD`, `APIKey` → `API KEY`.
fn key_words(key: &str) -> Vec<String> {
    let chars: Vec<char> = key.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if c.is_uppercase() && !current.is_empty() {
            let prev = chars[i - 1];
            let next_is_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_uppercase() && next_is_lower)
            {
                words.push(std::mem::take(&mut current));
            }
        }
        current.extend(c.to_uppercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Indices of the words that form a strict credential term (STK201's keyword set).
fn strict_hits(words: &[String]) -> Vec<usize> {
    let n = words.len();
    let mut hits = Vec::new();
    for (i, w) in words.iter().enumerate() {
        let w = w.as_str();
        let next = words.get(i + 1).map(String::as_str);
        let single = (w.contains("PASSWORD") && w != "PASSWORDLESS")
            || w.contains("PASSPHRASE")
            || w.contains("PASSWD")
            || w == "TOKENS"
            || w.ends_with("TOKEN")
            || w == "SECRETS"
            || w.ends_with("SECRET")
            || w.ends_with("APIKEY")
            || w.ends_with("PRIVATEKEY")
            || w.ends_with("ACCESSKEY")
            || w.ends_with("CREDENTIAL")
            || w.ends_with("CREDENTIALS")
            // Suffixes: `_PASS`/`_PWD` need a preceding word (`PWD` alone is the shell's cwd).
            || (i + 1 == n && n >= 2 && matches!(w, "PASS" | "PWD"))
            || (i + 1 == n && matches!(w, "DSN" | "SALT"));
        if single {
            hits.push(i);
        }
        if matches!(
            (w, next),
            ("API", Some("KEY" | "KEYS")) | ("PRIVATE", Some("KEY")) | ("ACCESS", Some("KEY"))
        ) {
            hits.push(i + 1);
        }
    }
    hits
}

/// Indices of the words in the broad keyword set (STK204).
fn broad_hits(words: &[String]) -> Vec<usize> {
    const BROAD: &[&str] = &[
        "KEY",
        "KEYS",
        "APIKEY",
        "AUTHKEY",
        "ACCESSKEY",
        "AUTH",
        "AUTHORIZATION",
        "ACCESS",
        "CREDS",
        "CRED",
        "API",
    ];
    words
        .iter()
        .enumerate()
        .filter(|(_, w)| BROAD.contains(&w.as_str()))
        .map(|(i, _)| i)
        .collect()
}

/// Whether the words around the hits mark the key as a knob (see [`TRAILING_KNOB_WORDS`],
/// [`LEADING_KNOB_WORDS`], [`PATH_VALUED_KEYS`]).
fn is_knob(words: &[String], hits: &[usize]) -> bool {
    let (Some(&first), Some(&last)) = (hits.iter().min(), hits.iter().max()) else {
        return false;
    };
    PATH_VALUED_KEYS.contains(&words.join("_").as_str())
        || words[last + 1..]
            .iter()
            .any(|w| TRAILING_KNOB_WORDS.contains(&w.as_str()))
        || words[..first]
            .iter()
            .any(|w| LEADING_KNOB_WORDS.contains(&w.as_str()))
}

/// Whether `key` names a credential (STK201's keyword set), case-insensitively.
///
/// Matches the words PASSWORD, PASSPHRASE, PASSWD, TOKEN, SECRET, CREDENTIAL (also glued to a
/// prefix: `DBPASSWORD`, `CLIENTSECRET`), the pairs API_KEY, PRIVATE_KEY, ACCESS_KEY (also
/// `apiKey`, `APIKEY`) and the suffixes `_PASS`, `_PWD`, `_DSN`, `_SALT`. Keys are split at
/// punctuation and camelCase boundaries. Exempt: a word from [`TRAILING_KNOB_WORDS`] after the
/// credential word (`*_FILE`, `TOKEN_TTL`, `PASSWORD_MIN_LENGTH`, `*_ENABLED`), a word from
/// [`LEADING_KNOB_WORDS`] before it (`MYSQL_ALLOW_EMPTY_PASSWORD`, `MAX_TOKENS`) and
/// [`PATH_VALUED_KEYS`].
pub fn is_credential_key(key: &str) -> bool {
    let words = key_words(key);
    let hits = strict_hits(&words);
    !hits.is_empty() && !is_knob(&words, &hits)
}

/// Whether `key` matches the broad keyword set of STK204: the words KEY, AUTH, AUTHORIZATION,
/// ACCESS, CREDS, API (`STRIPE_KEY`, `AUTH_HEADER`, `apiAccess`).
///
/// This set overlaps [`is_credential_key`] (`API_KEY` matches both); STK204 reports only keys
/// the strict set leaves out. The same knob exemptions apply, and keys with the word PUBLIC or
/// PUBLISHABLE are exempt (public keys are high-entropy by design).
pub fn is_broad_credential_key(key: &str) -> bool {
    let words = key_words(key);
    let hits = broad_hits(&words);
    !hits.is_empty()
        && !words.iter().any(|w| w == "PUBLIC" || w == "PUBLISHABLE")
        && !is_knob(&words, &hits)
}

/// Shannon entropy of `s` in bits per character (0 for the empty string).
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts: BTreeMap<char, usize> = BTreeMap::new();
    for c in s.chars() {
        *counts.entry(c).or_default() += 1;
    }
    let total = counts.values().sum::<usize>() as f64;
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total;
            -p * p.log2()
        })
        .sum()
}

/// Minimum length, in characters, of a value [`is_high_entropy`] considers.
pub const HIGH_ENTROPY_MIN_LEN: usize = 16;
/// Entropy a value must exceed (gitleaks' generic-api-key threshold).
pub const HIGH_ENTROPY_THRESHOLD: f64 = 3.5;
/// Entropy a hex-only value must exceed (detect-secrets' hex threshold: hex tops out at 4 bits).
pub const HIGH_ENTROPY_HEX_THRESHOLD: f64 = 3.0;

/// Whether `value` looks like a random secret.
///
/// The value must be at least [`HIGH_ENTROPY_MIN_LEN`] characters of printable ASCII without
/// whitespace, not a URL (`://`), path (leading `/`, `./`, `~/`) or `${…}` reference, not a
/// placeholder, not all digits, not a qualified name ([`is_qualified_name`]:
/// `io.confluent.connect.avro.AvroConverter`), and contain a digit or both letter cases (so
/// `my-service-name` style words never count). Its entropy must exceed [`HIGH_ENTROPY_HEX_THRESHOLD`] when it is
/// all hex digits, [`HIGH_ENTROPY_THRESHOLD`] otherwise.
pub fn is_high_entropy(value: &str) -> bool {
    if value.chars().count() < HIGH_ENTROPY_MIN_LEN
        || !value.chars().all(|c| c.is_ascii_graphic())
        || value.contains("://")
        || value.contains("${")
        || value.starts_with(['/', '~'])
        || value.starts_with("./")
        || value.chars().all(|c| c.is_ascii_digit())
        || is_placeholder(value)
        || is_qualified_name(value)
    {
        return false;
    }
    let has_digit = value.chars().any(|c| c.is_ascii_digit());
    let mixed_case = value.chars().any(|c| c.is_ascii_uppercase())
        && value.chars().any(|c| c.is_ascii_lowercase());
    if !has_digit && !mixed_case {
        return false;
    }
    let threshold = if value.chars().all(|c| c.is_ascii_hexdigit()) {
        HIGH_ENTROPY_HEX_THRESHOLD
    } else {
        HIGH_ENTROPY_THRESHOLD
    };
    shannon_entropy(value) > threshold
}

/// Whether `value` is a dotted name of a class or module (`airflow.providers.fab.FabAuthManager`,
/// `org.apache.kafka.connect.json.JsonConverter`): three or more parts, each a lowercase name
/// (`connect`, `api_fastapi`) or a capitalised word without digits (`AvroConverter`). Random
/// text with dots (a JWT's parts) mixes cases and digits within a part.
pub fn is_qualified_name(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            let mut chars = p.chars();
            match chars.next() {
                Some(c) if c.is_ascii_lowercase() || c == '_' => p
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'),
                Some(c) if c.is_ascii_uppercase() => chars.all(|c| c.is_ascii_alphabetic()),
                _ => false,
            }
        })
}

/// Values that are placeholders or well-known weak defaults, compared lowercased.
pub const PLACEHOLDER_VALUES: &[&str] = &[
    "changeme",
    "changeit",
    "change-me",
    "change_me",
    "password",
    "passwd",
    "pass",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "pwd",
    "secret",
    "s3cr3t",
    "supersecret",
    "mysecretpassword",
    "my-secret-pw",
    "admin",
    "administrator",
    "root",
    "toor",
    "guest",
    "user",
    "demo",
    "example",
    "test",
    "testing",
    "default",
    "sample",
    "dummy",
    "fake",
    "placeholder",
    "todo",
    "tbd",
    "fixme",
    "null",
    "none",
    "nil",
    "undefined",
    "empty",
    "qwerty",
    "letmein",
    "welcome",
    "foo",
    "bar",
    "foobar",
    "token",
    "key",
    "apikey",
    "api-key",
    "api_key",
];

/// Words that, followed only by digits or `!`, are still weak (`password123`, `admin1`).
const WEAK_STEMS: &[&str] = &[
    "password", "passw0rd", "pass", "secret", "admin", "root", "test", "qwerty", "letmein",
    "welcome", "changeme", "changeit", "demo", "guest", "user",
];

/// Substrings that mark a value as a placeholder wherever they appear.
const PLACEHOLDER_MARKERS: &[&str] = &[
    "changeme",
    "change-me",
    "change_me",
    "changethis",
    "change-this",
    "change_this",
    "replaceme",
    "replace-me",
    "replace_me",
    "placeholder",
    "redacted",
    "example",
    "dummy",
];

/// Whether `value` is a placeholder or weak default rather than a real secret
/// (case-insensitive, surrounding whitespace and quotes ignored).
///
/// Matches: empty-ish values; [`PLACEHOLDER_VALUES`]; a weak word followed by digits or `!`
/// (`password123`); anything containing `changeme`, `change-me`, `replace-me`, `placeholder`,
/// `redacted`, `example` or `dummy`; values starting with `your` (`your-api-key-here`); one
/// character repeated (`xxxxxx`, `******`, `0000`); a prefix of `1234567890` of 3+ digits;
/// `<…>` brackets (`<password>`); `...` and `…`.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']).trim().to_lowercase();
    if v.is_empty() || v == "..." || v == "…" {
        return true;
    }
    if PLACEHOLDER_VALUES.contains(&v.as_str()) {
        return true;
    }
    let stem = v.trim_end_matches(|c: char| c.is_ascii_digit() || c == '!');
    if stem.len() < v.len() && WEAK_STEMS.contains(&stem) {
        return true;
    }
    if PLACEHOLDER_MARKERS.iter().any(|m| v.contains(m)) || v.starts_with("your") {
        return true;
    }
    let mut chars = v.chars();
    let first = chars.next().unwrap_or_default();
    if chars.all(|c| c == first) {
        return true;
    }
    if v.len() >= 3 && v.chars().all(|c| c.is_ascii_digit()) && "1234567890".starts_with(&v) {
        return true;
    }
    v.starts_with('<') && v.ends_with('>')
}

/// A literal password found in a URL's userinfo by [`url_credential`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlCredential {
    /// URL scheme, lowercased: `postgresql+asyncpg`, `redis`, `https`.
    pub scheme: String,
    /// User name as written (may be empty: `redis://:pw@host`).
    pub user: String,
    /// Byte range of the password in the scanned string.
    pub password_range: Range<usize>,
    /// Host (and port) after the `@`, as written.
    pub host: String,
}

/// `scheme://user:password@host`; user and password may contain `${…}` references (with `:`,
/// `/` or `@` inside the braces).
static URL_CREDENTIAL_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"([A-Za-z][A-Za-z0-9+.-]*)://((?:\$\{[^}\s]*\}|[^:/?#@\s])*):((?:\$\{[^}\s]*\}|[^/@\s])*)@([^\s/?#@]+)",
    )
    .expect("url credential pattern compiles")
});

/// A password that is a reference or a format placeholder, not a literal.
static NON_LITERAL_PASSWORD_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:\$[A-Za-z_][A-Za-z0-9_]*|%s|%v|%\([A-Za-z_][A-Za-z0-9_]*\)s)$")
        .expect("non-literal password pattern compiles")
});

/// Finds the first `scheme://user:password@host` in `value` whose password is a literal.
///
/// Any scheme counts (`postgres`, `postgresql+asyncpg`, `mysql`, `mongodb+srv`, `redis`, `rediss`,
/// `amqp`, `amqps`, `http`, `https`, `ftp`, …); the user may be empty. A password that is empty,
/// contains `${`, `$(` or `{{`, or is exactly `$VAR`, `%s`, `%v` or `%(name)s` is not a literal.
/// Placeholder passwords (`password`, `changeme`) are returned: the caller decides between
/// STK203 and STK205 with [`is_placeholder`].
pub fn url_credential(value: &str) -> Option<UrlCredential> {
    URL_CREDENTIAL_RE.captures_iter(value).find_map(|c| {
        let password = c.get(3)?;
        let p = password.as_str();
        let literal = !p.is_empty()
            && !p.contains("${")
            && !p.contains("$(")
            && !p.contains("{{")
            && !NON_LITERAL_PASSWORD_RE.is_match(p);
        literal.then(|| UrlCredential {
            scheme: c[1].to_ascii_lowercase(),
            user: c[2].to_owned(),
            password_range: password.range(),
            host: c[4].to_owned(),
        })
    })
}

/// Whether `value` holds a `scheme://user:password@host` whose password is not empty, literal
/// or a reference (`${DB_PASSWORD}`): a URL that carries a credential.
pub fn url_has_password(value: &str) -> bool {
    URL_CREDENTIAL_RE
        .captures_iter(value)
        .any(|c| c.get(3).is_some_and(|p| !p.as_str().is_empty()))
}

/// Masks a secret-looking value for messages and evidence: at most the first two characters,
/// then `…`. Values shorter than 8 characters keep one character, shorter than 4 none, so the
/// result never reveals the whole value.
pub fn redact(value: &str) -> String {
    let len = value.chars().count();
    let keep = match len {
        8.. => 2,
        4..=7 => 1,
        _ => 0,
    };
    let mut masked: String = value.chars().take(keep).collect();
    masked.push('…');
    masked
}

#[cfg(test)]
mod tests {
    use super::*;

    const JWT_HS256: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzdGFja2MtdGVzdCIsIm5hbWUiOiJGYWtlIFVzZXIiLCJpYXQiOjE3MDAwMDAwMDB9.FAKEsignatureFAKEsignatureFAKEsignature0000";

    /// `(kind, true positives, false positives)`: every true positive must be found as that kind,
    /// no false positive may be found as any kind.
    fn token_vectors() -> Vec<(SecretKind, Vec<&'static str>, Vec<&'static str>)> {
        vec![
            (
                SecretKind::AwsAccessKeyId,
                vec![
                    "AKIAFAKEFAKEFAKE2345",
                    "export AWS_ACCESS_KEY_ID=ASIAZZZZ2345FAKE7777",
                    "aws_access_key_id = \"AKIAZZZZFAKE2345ZZZZ\"",
                ],
                vec![
                    "AKIAIOSFODNN7EXAMPLE",
                    "AKIAFAKEFAKEFAKE234",
                    "AKIAFAKEFAKEFAKE23456",
                    "akiafakefakefake2345",
                    "XAKIAFAKEFAKEFAKE2345",
                    "AKIA0000111122223333",
                ],
            ),
            (
                SecretKind::GithubToken,
                vec![
                    "ghp_FAKEfake0000FAKEfake1111FAKEfake2222",
                    "GITHUB_TOKEN=gho_FAKEfake0000FAKEfake1111FAKEfake2222",
                    "github_pat_11FAKEFAKE0000FAKEFAKE_FAKEfake0000FAKEfake0000FAKEfake0000FAKEfake0000FAKEfake000",
                ],
                vec![
                    "ghp_short123",
                    "ghx_FAKEfake0000FAKEfake1111FAKEfake2222",
                    "ghp_FAKEfake0000-FAKEfake1111FAKEfake2222",
                    "github_pat_tooshort",
                    "xghp_FAKEfake0000FAKEfake1111FAKEfake2222",
                ],
            ),
            (
                SecretKind::GitlabToken,
                vec![
                    "glpat-FAKEfake0000FAKEfake",
                    "GITLAB_TOKEN=glpat-Fake_fake-0000111122",
                ],
                vec![
                    "glpat-short",
                    "glpat-<your-token-here>",
                    "xglpat-FAKEfake0000FAKEfake",
                ],
            ),
            (
                SecretKind::SlackToken,
                vec![
                    "xoxb-1234567890-1234567890123-FAKEfakeFAKEfakeFAKEfake",
                    "SLACK_TOKEN=xoxp-1234567890-1234567890-1234567890123-0123456789abcdef0123456789abcdef",
                ],
                vec![
                    "xoxb-your-bot-token",
                    "xoxz-1234567890-1234567890-FAKEfake",
                    "xoxb-123-abc",
                ],
            ),
            (
                SecretKind::StripeLiveKey,
                vec![
                    "sk_live_FAKEfake0000FAKEfake0000",
                    "STRIPE_KEY=rk_live_FAKEfake0000FAKEfake0000FAKE",
                ],
                vec![
                    "sk_test_FAKEfake0000FAKEfake0000",
                    "pk_live_FAKEfake0000FAKEfake0000",
                    "sk_live_short",
                ],
            ),
            (
                SecretKind::Jwt,
                vec![
                    JWT_HS256,
                    "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6ImZha2Uta2V5LTEifQ.eyJpc3MiOiJzdGFja2MiLCJyb2xlIjoiYW5vbiJ9.FAKEsignatureFAKEsignatureFAKEsignature0000",
                ],
                vec![
                    // Header `{"foo":"bar","baz":"qux"}`: no `alg`.
                    "eyJmb28iOiJiYXIiLCJiYXoiOiJxdXgifQ.eyJzdWIiOiJzdGFja2MtdGVzdCJ9.FAKEsignatureFAKEsignature",
                    // Unsigned (`alg: none`) token: nothing secret to sign with.
                    "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.",
                    // Not base64url in the header.
                    "eyJ!!!!!!!!!!!!.eyJzdWIiOiJ4In0xxxx.FAKEsignatureFAKEsignature",
                    "eyJhbGciOiJIUzI1NiJ9",
                ],
            ),
            (
                SecretKind::PrivateKeyPem,
                vec![
                    "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7FAKEFAKE\n-----END PRIVATE KEY-----",
                    "-----BEGIN OPENSSH PRIVATE KEY-----\\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQFAKEFAKE\\n-----END OPENSSH PRIVATE KEY-----",
                    "key: |\n  -----BEGIN EC PRIVATE KEY-----\n  MHcCAQEEIFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEoAoGCCqGSM49\n",
                ],
                vec![
                    "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAFAKE\n-----END PUBLIC KEY-----",
                    "grep -q 'BEGIN PRIVATE KEY' key.pem",
                    "-----BEGIN PRIVATE KEY-----",
                    "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaFAKE\n-----END CERTIFICATE-----",
                ],
            ),
            (
                SecretKind::OpenAiKey,
                vec![
                    "sk-proj-FAKEfake0000FAKEfake0000T3BlbkFJfakeFAKE1111fakeFAKE1111",
                    "OPENAI_API_KEY=sk-FAKEfake00FAKEfake00T3BlbkFJfakeFAKE11fakeFAKE11",
                ],
                vec![
                    "sk-proj-FAKEfake",
                    "sk-FAKEfake0000FAKEfake0000FAKEfake",
                    "task-FAKEfake00FAKEfake00T3BlbkFJfakeFAKE11fakeFAKE11",
                ],
            ),
            (
                SecretKind::AnthropicKey,
                vec![
                    "sk-ant-api03-FAKEfake0000-fake_FAKEfake0000-fake_FAKEfake0000-fake_FAKEfake0000-fake_FAKEfake0000-fake_FAKAA",
                    "ANTHROPIC_API_KEY=sk-ant-admin01-fakeFAKE1111_FAKE-fakeFAKE1111_FAKE-fakeFAKE1111_FAKE-fakeFAKE1111_FAKE-fakeFAKE1111_FAKE-fakAA",
                ],
                vec![
                    "sk-ant-api03-short",
                    "sk-ant-xyz03-FAKEfake0000-fake_FAKEfake0000-fake_FAKEfake0000-fake_FAKEfake0000-fake_FAKEfake0000-fake_FAKAA",
                ],
            ),
            (
                SecretKind::GoogleApiKey,
                vec![
                    "AIzaSyFAKEfake0000FAKEfake0000FAKE_fake",
                    "https://maps.googleapis.com/maps/api/js?key=AIzaFAKEfake0000FAKEfake0000FAKE-fake00&v=3",
                ],
                vec![
                    "AIzaSyFAKEfake0000FAKEfake0000FAKEfak",
                    "AIzaSyFAKEfake0000FAKEfake0000FAKE_fake0",
                    "aizasyfakefake0000fakefake0000fake_fake",
                ],
            ),
        ]
    }

    #[test]
    fn known_token_true_and_false_positives() {
        let vectors = token_vectors();
        assert_eq!(
            vectors.len(),
            SecretKind::ALL.len(),
            "every kind has vectors"
        );
        for (kind, tps, fps) in vectors {
            assert!(
                tps.len() >= 2 && fps.len() >= 2,
                "{kind:?} needs 2 TPs and 2 FPs"
            );
            for tp in tps {
                let found = known_token(tp);
                assert_eq!(found.as_ref().map(|(k, _)| *k), Some(kind), "TP {tp:?}");
            }
            for fp in fps {
                assert_eq!(known_token(fp), None, "FP {fp:?} ({kind:?})");
            }
        }
    }

    #[test]
    fn known_token_ranges() {
        let value = "key=AKIAFAKEFAKEFAKE2345;";
        assert_eq!(
            known_token(value),
            Some((SecretKind::AwsAccessKeyId, 4..24))
        );
        let value = format!("Bearer {JWT_HS256}");
        assert_eq!(
            known_token(&value),
            Some((SecretKind::Jwt, 7..7 + JWT_HS256.len()))
        );
        let pem = "x=-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAFAKEFAKEFAKEFAKEFAKEFAKE\n-----END RSA PRIVATE KEY----- trailing";
        let (kind, range) = known_token(pem).expect("pem found");
        assert_eq!(kind, SecretKind::PrivateKeyPem);
        assert_eq!(
            &pem[range],
            "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAFAKEFAKEFAKEFAKEFAKEFAKE\n-----END RSA PRIVATE KEY-----"
        );
    }

    #[test]
    fn known_tokens_finds_all_in_order() {
        let value =
            "AKIAIOSFODNN7EXAMPLE,AKIAFAKEFAKEFAKE2345 ghp_FAKEfake0000FAKEfake1111FAKEfake2222";
        let found = known_tokens(value);
        assert_eq!(
            found,
            vec![
                (SecretKind::AwsAccessKeyId, 21..41),
                (SecretKind::GithubToken, 42..82),
            ]
        );
        assert_eq!(known_token(""), None);
        assert_eq!(known_token("postgres:17-alpine"), None);
    }

    #[test]
    fn credential_keys() {
        let cases = [
            ("POSTGRES_PASSWORD", true),
            ("postgres_password", true),
            ("dbPassword", true),
            ("MYSQLPASSWORD", true),
            ("DB_PASSPHRASE", true),
            ("LDAP_BIND_PASSWD", true),
            ("GITHUB_TOKEN", true),
            ("REFRESH_TOKEN", true),
            ("JWT_SECRET", true),
            ("SECRET_KEY_BASE", true),
            ("OAUTH_CLIENT_SECRET", true),
            ("clientSecret", true),
            ("STRIPE_API_KEY", true),
            ("apiKey", true),
            ("APIKey", true),
            ("OPENAI_APIKEY", true),
            ("TLS_PRIVATE_KEY", true),
            ("AWS_ACCESS_KEY_ID", true),
            ("MINIO_ACCESS_KEY", true),
            ("SERVICE_CREDENTIALS", true),
            ("SMTP_PASS", true),
            ("DB_PWD", true),
            ("SENTRY_DSN", true),
            ("DATABASE_DSN", true),
            ("WP_AUTH_SALT", true),
            ("spring.datasource.password", true),
            // Exemptions: paths.
            ("POSTGRES_PASSWORD_FILE", false),
            ("GITHUB_TOKEN_PATH", false),
            ("GOOGLE_APPLICATION_CREDENTIALS", false),
            // Exemptions: switches and quantities.
            ("PASSWORD_MIN_LENGTH", false),
            ("MIN_PASSWORD_LENGTH", false),
            ("TOKEN_TTL", false),
            ("JWT_TOKEN_EXPIRES_IN", false),
            ("PASSWORD_RESET_TIMEOUT", false),
            ("SMTP_PASSWORD_ENABLED", false),
            ("MYSQL_ALLOW_EMPTY_PASSWORD", false),
            ("MYSQL_RANDOM_ROOT_PASSWORD", false),
            ("OPENAI_MAX_TOKENS", false),
            ("PASSWORD_HASH_ALGORITHM", false),
            ("API_KEY_HEADER_NAME", false),
            ("SECRET_NAME", false),
            ("TOKEN_URL", false),
            ("SSH_PASSWORD_AUTH", false),
            // Not credential-shaped at all.
            ("PWD", false),
            ("PASS", false),
            ("POSTGRES_USER", false),
            ("TOKENIZERS_PARALLELISM", false),
            ("PASSWORDLESS_LOGIN", false),
            ("BYPASS_CACHE", false),
            ("STRIPE_KEY", false),
            ("AUTH_HEADER", false),
            ("SECRETARY_NAME", false),
            ("", false),
        ];
        for (key, expected) in cases {
            assert_eq!(is_credential_key(key), expected, "{key:?}");
        }
    }

    #[test]
    fn broad_credential_keys() {
        let cases = [
            ("STRIPE_KEY", true),
            ("AUTH_HEADER", true),
            ("ENCRYPTION_KEY", true),
            ("API_KEY", true),
            ("apiAccess", true),
            ("SERVICE_CREDS", true),
            ("AUTHORIZATION", true),
            ("STRIPE_PUBLISHABLE_KEY", false),
            ("JWT_PUBLIC_KEY", false),
            ("API_URL", false),
            ("API_VERSION", false),
            ("AUTH_ENABLED", false),
            ("TLS_KEY_FILE", false),
            ("MONKEY_MODE", false),
            ("POSTGRES_PASSWORD", false),
        ];
        for (key, expected) in cases {
            assert_eq!(is_broad_credential_key(key), expected, "{key:?}");
        }
    }

    #[test]
    fn entropy_values() {
        assert_eq!(shannon_entropy(""), 0.0);
        assert_eq!(shannon_entropy("aaaaaaaa"), 0.0);
        assert!((shannon_entropy("abab") - 1.0).abs() < 1e-12);
        assert!((shannon_entropy("0123456789abcdef") - 4.0).abs() < 1e-12);
        let random = "U8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oo";
        assert!(shannon_entropy(random) > 4.0, "{}", shannon_entropy(random));
    }

    #[test]
    fn high_entropy_values() {
        let cases = [
            ("U8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oo", true),
            ("ol8DklZDOCj2ISaJiHkTj0rL", true),
            ("36b3216fdaeeb975729fae923d5a4fd1", true),
            ("aB3+dE6/gH9=jK2-mN5_", true),
            ("aaaaaaaaaaaaaaaaaaaa", false),
            ("U8JZpDE0iGXlD6g", false),
            ("my-service-name-long", false),
            ("1234567890987654321", false),
            ("aaaabbbb11112222", false),
            ("/var/log/nginx/access.log", false),
            ("https://api.example.com/v1", false),
            ("${STRIPE_KEY_FROM_ENV_123}", false),
            ("correct horse battery staple 42", false),
            ("changeme-Changeme-1234", false),
            ("io.confluent.connect.avro.AvroConverter", false),
            (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
                false,
            ),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.Xk3Lq9Zr2Vb7Nw4Tt9Ks1Pd",
                true,
            ),
            ("Zq9xW2v8.Lm4Rt6Yp.1Ns3Kd7H", true),
        ];
        for (value, expected) in cases {
            assert_eq!(is_high_entropy(value), expected, "{value:?}");
        }
    }

    #[test]
    fn placeholders() {
        let cases = [
            ("changeme", true),
            ("CHANGEME", true),
            ("change-me", true),
            ("please_change_me", true),
            ("password", true),
            ("Password123", true),
            ("admin1", true),
            ("secret", true),
            ("root", true),
            ("example", true),
            ("example-password", true),
            ("test", true),
            ("123456", true),
            ("12345678", true),
            ("xxxxxxxx", true),
            ("********", true),
            ("<your-password>", true),
            ("your-api-key-here", true),
            ("TODO", true),
            ("", true),
            ("  ", true),
            ("\"\"", true),
            ("null", true),
            ("mysecretpassword", true),
            ("...", true),
            ("hunter2pass", false),
            ("U8JZpDE0iGXlD6gNCFbaEPFjbD0kH8Oo", false),
            ("Tr0ub4dor&3", false),
            ("987654", false),
            ("passage", false),
            ("testimony-42", false),
        ];
        for (value, expected) in cases {
            assert_eq!(is_placeholder(value), expected, "{value:?}");
        }
    }

    /// Expected `(scheme, user, password, host)` of a URL credential.
    type UrlParts = (&'static str, &'static str, &'static str, &'static str);

    #[test]
    fn url_credentials() {
        // (input, expected (scheme, user, password, host)).
        let cases: [(&str, Option<UrlParts>); 17] = [
            (
                "postgres://app:s3cretPass@db:5432/app",
                Some(("postgres", "app", "s3cretPass", "db:5432")),
            ),
            (
                "postgresql+asyncpg://appuser:Xy7pQ2@postgres:5432/db",
                Some(("postgresql+asyncpg", "appuser", "Xy7pQ2", "postgres:5432")),
            ),
            (
                "redis://:hunter2pass@redis:6379",
                Some(("redis", "", "hunter2pass", "redis:6379")),
            ),
            (
                "DATABASE_URL=mysql://root:rootpw@mysql/app?charset=utf8",
                Some(("mysql", "root", "rootpw", "mysql")),
            ),
            (
                "mongodb+srv://admin:M0ngoPw@cluster0.example.net/db",
                Some(("mongodb+srv", "admin", "M0ngoPw", "cluster0.example.net")),
            ),
            (
                "AMQPS://guest:guest@rabbit:5671/",
                Some(("amqps", "guest", "guest", "rabbit:5671")),
            ),
            (
                "curl https://deploy:tok3n@git.example.com/repo.git",
                Some(("https", "deploy", "tok3n", "git.example.com")),
            ),
            (
                "jdbc:postgresql://u:p4ss@h/db",
                Some(("postgresql", "u", "p4ss", "h")),
            ),
            (
                "postgres://${DB_USER:-app}:pw@db/app",
                Some(("postgres", "${DB_USER:-app}", "pw", "db")),
            ),
            // References and templates are not literals.
            ("postgres://app:${DB_PASSWORD}@db:5432/app", None),
            (
                "postgresql+asyncpg://appuser:${secrets.db}@postgres:5432/db",
                None,
            ),
            ("redis://:${REDIS_PASSWORD:-}@redis:6379", None),
            ("postgres://app:$(DB_PASSWORD)@db/app", None),
            ("postgres://app:{{ .Values.password }}@db/app", None),
            ("postgres://app:%s@db/app", None),
            // No password at all.
            ("postgres://app@db:5432/app", None),
            ("ssh://git@github.com:22/repo.git", None),
        ];
        for (input, expected) in cases {
            let got = url_credential(input)
                .map(|c| (c.scheme, c.user, input[c.password_range].to_owned(), c.host));
            let expected = expected
                .map(|(s, u, p, h)| (s.to_owned(), u.to_owned(), p.to_owned(), h.to_owned()));
            assert_eq!(got, expected, "{input:?}");
        }
        // Empty password and plain URLs.
        assert_eq!(url_credential("redis://:@redis:6379"), None);
        assert_eq!(url_credential("http://localhost:8080/health"), None);
        // The first literal wins after a reference.
        let two = "a=postgres://u:${P}@db b=redis://:r3dis@cache";
        let c = url_credential(two).expect("second url");
        assert_eq!(
            (c.scheme.as_str(), &two[c.password_range]),
            ("redis", "r3dis")
        );
    }

    #[test]
    fn redaction_never_reveals_the_value() {
        assert_eq!(redact("AKIAFAKEFAKEFAKE2345"), "AK…");
        assert_eq!(redact("hunter2"), "h…");
        assert_eq!(redact("abcd"), "a…");
        assert_eq!(redact("ab"), "…");
        assert_eq!(redact(""), "…");
        assert_eq!(redact("pässwörter"), "pä…");
        for value in ["a", "ab", "abc", "abcd", "abcdefg", "abcdefgh"] {
            assert_ne!(redact(value).trim_end_matches('…'), value);
        }
    }

    #[test]
    fn kind_descriptions() {
        assert_eq!(SecretKind::AwsAccessKeyId.to_string(), "AWS access key ID");
        let mut kinds = SecretKind::ALL.to_vec();
        kinds.sort();
        kinds.dedup();
        assert_eq!(
            kinds.len(),
            SecretKind::ALL.len(),
            "ALL lists each kind once"
        );
    }
}
