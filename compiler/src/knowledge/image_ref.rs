//! Container image references (`[registry/]repository[:tag][@digest]`) as the pinning rules see them.
//!
//! The grammar follows Docker's `distribution/reference` package: the first `/`-separated part is
//! a registry when it contains `.` or `:`, is `localhost`, or has an uppercase letter; the rest is
//! the repository, whose components are lowercase. Unlike Docker, the parser normalises nothing:
//! `postgres` stays `postgres` (no `docker.io/library/` prefix, no implicit `latest` tag), so
//! "no tag" stays distinguishable from "tag `latest`".

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;

/// Tags that name a moving target rather than a release (STK102's default list).
pub const DEFAULT_FLOATING_TAGS: &[&str] = &[
    "latest", "stable", "edge", "nightly", "dev", "test", "beta", "canary", "lts", "main", "master",
];

/// The registry an image without a registry part is pulled from.
pub const DOCKER_HUB: &str = "docker.io";

/// Host names that all mean Docker Hub.
const DOCKER_HUB_ALIASES: &[&str] = &[DOCKER_HUB, "index.docker.io", "registry-1.docker.io"];

/// Docker's limit on the length of `registry/repository`.
const MAX_NAME_LEN: usize = 255;

/// A host name (labels of alphanumerics and inner dashes) or a bracketed IPv6 address, then an
/// optional port.
static REGISTRY_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$",
    )
    .expect("registry pattern compiles")
});

/// One repository path component: lowercase alphanumerics joined by `.`, `_`, `__` or dashes.
static COMPONENT_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$").expect("component pattern compiles")
});

/// A tag: up to 128 word characters, dots and dashes, not starting with `.` or `-`.
static TAG_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$").expect("tag pattern compiles")
});

/// A content digest stackc accepts: `sha256` or `sha512` with lowercase hex of the right length.
static DIGEST_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128})$").expect("digest pattern compiles")
});

/// A tag carrying only a major version, optionally with a variant: `17`, `v2`, `7-alpine`.
static MAJOR_ONLY_TAG_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[vV]?(?:0|[1-9][0-9]{0,2})(?:-[A-Za-z][A-Za-z0-9._-]*)?$")
        .expect("major-only tag pattern compiles")
});

/// A parsed image reference, with every part kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ImageRef {
    /// Registry host (and port) when written, e.g. `quay.io`, `localhost:5000`.
    pub registry: Option<String>,
    /// Repository path without the registry, as written: `postgres`, `minio/mc`,
    /// `library/postgres` (not normalised).
    pub repository: String,
    /// Tag without the `:`, e.g. `16-alpine`.
    pub tag: Option<String>,
    /// Digest without the `@`, e.g. `sha256:…`.
    pub digest: Option<String>,
}

/// Why a string is not an image reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageRefError {
    /// The reference is empty or only whitespace.
    Empty,
    /// The reference contains `$`: a `${VAR}` interpolation left unresolved.
    Unresolved,
    /// A character no part of a reference may contain (whitespace, `!`, `#`, non-ASCII, …).
    InvalidCharacter {
        /// The offending character.
        ch: char,
        /// Its byte offset in the reference.
        index: usize,
    },
    /// A repository component with an uppercase letter (Docker rejects these).
    UppercaseRepository {
        /// The repository as written.
        repository: String,
    },
    /// A registry part that is not `host[:port]`.
    InvalidRegistry {
        /// The registry as written.
        registry: String,
    },
    /// A repository with an empty component or a misplaced separator (`a//b`, `-a`, `a.`).
    InvalidRepository {
        /// The repository as written.
        repository: String,
    },
    /// A tag that is empty, too long, starts with `.`/`-` or contains `:`/`/`.
    InvalidTag {
        /// The tag as written.
        tag: String,
    },
    /// A digest that is not `sha256:` + 64 (or `sha512:` + 128) lowercase hex digits.
    InvalidDigest {
        /// The digest as written.
        digest: String,
    },
    /// `registry/repository` longer than 255 characters.
    NameTooLong {
        /// Length of `registry/repository` in bytes.
        len: usize,
    },
}

impl fmt::Display for ImageRefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => write!(f, "empty image reference"),
            Self::Unresolved => write!(f, "image reference contains an unresolved variable"),
            Self::InvalidCharacter { ch, index } => write!(
                f,
                "invalid character `{}` at byte {index} of the image reference",
                ch.escape_debug()
            ),
            Self::UppercaseRepository { repository } => {
                write!(f, "repository name `{repository}` must be lowercase")
            }
            Self::InvalidRegistry { registry } => {
                write!(
                    f,
                    "invalid registry `{registry}`: expected `host` or `host:port`"
                )
            }
            Self::InvalidRepository { repository } => write!(
                f,
                "invalid repository name `{repository}`: components are lowercase letters and \
                 digits joined by `.`, `_`, `__` or `-`"
            ),
            Self::InvalidTag { tag } => write!(
                f,
                "invalid tag `{tag}`: expected up to 128 letters, digits, `_`, `.` or `-`, \
                 not starting with `.` or `-`"
            ),
            Self::InvalidDigest { digest } => write!(
                f,
                "invalid digest `{digest}`: expected `sha256:` followed by 64 lowercase hex digits"
            ),
            Self::NameTooLong { len } => write!(
                f,
                "image name is {len} characters long; the limit is {MAX_NAME_LEN}"
            ),
        }
    }
}

impl std::error::Error for ImageRefError {}

/// Parses `[registry/]repository[:tag][@digest]` without normalising any part.
///
/// `host:port/name` has no tag (the `:` belongs to the registry); `localhost:5000` alone is
/// repository `localhost` with tag `5000`, as in Docker. A reference containing `$` is reported as
/// [`ImageRefError::Unresolved`] so callers can resolve `${VAR:-default}` first.
pub fn parse_image_ref(s: &str) -> Result<ImageRef, ImageRefError> {
    if s.trim().is_empty() {
        return Err(ImageRefError::Empty);
    }
    if s.contains('$') {
        return Err(ImageRefError::Unresolved);
    }
    if let Some((index, ch)) = s
        .char_indices()
        .find(|&(_, c)| !(c.is_ascii_alphanumeric() || "._-:/@[]".contains(c)))
    {
        return Err(ImageRefError::InvalidCharacter { ch, index });
    }

    let (name_and_tag, digest) = match s.split_once('@') {
        Some((name, digest)) => {
            if !DIGEST_RE.is_match(digest) {
                return Err(ImageRefError::InvalidDigest {
                    digest: digest.to_owned(),
                });
            }
            (name, Some(digest.to_owned()))
        }
        None => (s, None),
    };

    let (registry, remainder) = split_registry(name_and_tag);
    if let Some(registry) = registry
        && !REGISTRY_RE.is_match(registry)
    {
        return Err(ImageRefError::InvalidRegistry {
            registry: registry.to_owned(),
        });
    }

    let (repository, tag) = match remainder.split_once(':') {
        Some((repository, tag)) => {
            if !TAG_RE.is_match(tag) {
                return Err(ImageRefError::InvalidTag {
                    tag: tag.to_owned(),
                });
            }
            (repository, Some(tag.to_owned()))
        }
        None => (remainder, None),
    };

    if !repository.split('/').all(|c| COMPONENT_RE.is_match(c)) {
        return Err(if repository.chars().any(|c| c.is_ascii_uppercase()) {
            ImageRefError::UppercaseRepository {
                repository: repository.to_owned(),
            }
        } else {
            ImageRefError::InvalidRepository {
                repository: repository.to_owned(),
            }
        });
    }

    let name_len = registry.map_or(0, |r| r.len() + 1) + repository.len();
    if name_len > MAX_NAME_LEN {
        return Err(ImageRefError::NameTooLong { len: name_len });
    }

    Ok(ImageRef {
        registry: registry.map(str::to_owned),
        repository: repository.to_owned(),
        tag,
        digest,
    })
}

/// Splits off the registry the way Docker's `splitDockerDomain` does.
fn split_registry(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.chars().any(|c| c.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

impl ImageRef {
    /// The last repository component: `postgres` for `postgres:17`, `mc` for `quay.io/minio/mc`.
    pub fn basename(&self) -> &str {
        self.repository
            .rsplit('/')
            .next()
            .unwrap_or(&self.repository)
    }

    /// The registry host (and port), [`DOCKER_HUB`] when the reference names none.
    pub fn registry_host(&self) -> &str {
        self.registry.as_deref().unwrap_or(DOCKER_HUB)
    }

    /// Whether the image comes from Docker Hub (no registry, `docker.io`, `index.docker.io` or
    /// `registry-1.docker.io`).
    pub fn is_docker_hub(&self) -> bool {
        DOCKER_HUB_ALIASES.contains(&self.registry_host())
    }

    /// The repository as Docker Hub users write it: `library/postgres` on Docker Hub becomes
    /// `postgres`; other repositories are returned unchanged (`postgis/postgis`, `minio/mc`).
    pub fn familiar_repository(&self) -> &str {
        if self.is_docker_hub() {
            self.repository
                .strip_prefix("library/")
                .unwrap_or(&self.repository)
        } else {
            &self.repository
        }
    }

    /// Whether the reference has neither tag nor digest (`postgres`, `host:5000/app`).
    pub fn is_untagged(&self) -> bool {
        self.tag.is_none() && self.digest.is_none()
    }

    /// Whether the reference is pinned by content digest.
    pub fn is_digest_pinned(&self) -> bool {
        self.digest.is_some()
    }

    /// Whether this is Docker's reserved empty base image `scratch` (which has no tag).
    pub fn is_scratch(&self) -> bool {
        self.registry.is_none() && self.repository == "scratch" && self.tag.is_none()
    }

    /// Whether the tag is in `floating` (compared ASCII case-insensitively) and no digest pins
    /// the image. Pass [`DEFAULT_FLOATING_TAGS`] for STK102's default.
    pub fn is_floating_tag(&self, floating: &[&str]) -> bool {
        match (&self.tag, &self.digest) {
            (Some(tag), None) => floating.iter().any(|f| f.eq_ignore_ascii_case(tag)),
            _ => false,
        }
    }

    /// Whether the tag names only a major version (`17`, `v2`, `7-alpine`, `5-community`) and no
    /// digest pins the image: such tags move with every minor and patch release.
    ///
    /// The major number has at most three digits (so date tags such as `20240101` are not
    /// matched) and a variant must start with a letter (so `17-3.5`, a compound version, is not
    /// matched).
    pub fn is_major_only_tag(&self) -> bool {
        match (&self.tag, &self.digest) {
            (Some(tag), None) => MAJOR_ONLY_TAG_RE.is_match(tag),
            _ => false,
        }
    }
}

impl fmt::Display for ImageRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(registry) = &self.registry {
            write!(f, "{registry}/")?;
        }
        write!(f, "{}", self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for ImageRef {
    type Err = ImageRefError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_image_ref(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// Expected outcome of one parse: `(registry, repository, tag, has_digest)`.
    type Parts = (Option<String>, String, Option<String>, bool);

    fn ok(
        registry: Option<&str>,
        repository: &str,
        tag: Option<&str>,
        digest: bool,
    ) -> Result<Parts, ImageRefError> {
        Ok((
            registry.map(str::to_owned),
            repository.to_owned(),
            tag.map(str::to_owned),
            digest,
        ))
    }

    fn parts(r: &ImageRef) -> Parts {
        (
            r.registry.clone(),
            r.repository.clone(),
            r.tag.clone(),
            r.digest.is_some(),
        )
    }

    #[test]
    fn parse_vectors() {
        let with_digest = |prefix: &str| -> String { format!("{prefix}@{SHA}") };
        let cases: Vec<(String, Result<Parts, ImageRefError>)> = vec![
            // Plain names (Trivy "no tag", dclint "no tag").
            ("postgres".into(), ok(None, "postgres", None, false)),
            ("scratch".into(), ok(None, "scratch", None, false)),
            (
                "library/postgres".into(),
                ok(None, "library/postgres", None, false),
            ),
            (
                "postgis/postgis:17-3.5".into(),
                ok(None, "postgis/postgis", Some("17-3.5"), false),
            ),
            (
                "nginx:latest".into(),
                ok(None, "nginx", Some("latest"), false),
            ),
            (
                "redis:7-alpine".into(),
                ok(None, "redis", Some("7-alpine"), false),
            ),
            (
                "node:22.11.0-bookworm-slim".into(),
                ok(None, "node", Some("22.11.0-bookworm-slim"), false),
            ),
            // Digest only and tag + digest (Trivy "digest only", "latest + digest").
            (with_digest("postgres"), ok(None, "postgres", None, true)),
            (
                with_digest("postgres:17.2"),
                ok(None, "postgres", Some("17.2"), true),
            ),
            (
                with_digest("nginx:latest"),
                ok(None, "nginx", Some("latest"), true),
            ),
            // Registries: a port is not a tag (Trivy/dclint "registry with port").
            (
                "registry.example.com:5000/app".into(),
                ok(Some("registry.example.com:5000"), "app", None, false),
            ),
            (
                "registry.example.com:5000/team/app:1.4.2".into(),
                ok(
                    Some("registry.example.com:5000"),
                    "team/app",
                    Some("1.4.2"),
                    false,
                ),
            ),
            (
                "host:5000/app".into(),
                ok(Some("host:5000"), "app", None, false),
            ),
            (
                "localhost/x".into(),
                ok(Some("localhost"), "x", None, false),
            ),
            (
                "localhost:5000/x:dev".into(),
                ok(Some("localhost:5000"), "x", Some("dev"), false),
            ),
            (
                "[::1]:5000/app:1".into(),
                ok(Some("[::1]:5000"), "app", Some("1"), false),
            ),
            (
                "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z".into(),
                ok(
                    Some("quay.io"),
                    "minio/mc",
                    Some("RELEASE.2025-08-13T08-35-41Z"),
                    false,
                ),
            ),
            (
                "gcr.io/google-containers/pause-amd64:3.1".into(),
                ok(
                    Some("gcr.io"),
                    "google-containers/pause-amd64",
                    Some("3.1"),
                    false,
                ),
            ),
            (
                "docker.io/qdrant/qdrant:v1.15.4".into(),
                ok(Some("docker.io"), "qdrant/qdrant", Some("v1.15.4"), false),
            ),
            (
                with_digest("ghcr.io/owner/app:1.0"),
                ok(Some("ghcr.io"), "owner/app", Some("1.0"), true),
            ),
            // Docker treats an uppercase first component as a registry host.
            (
                "Registry.Example.com/app:1".into(),
                ok(Some("Registry.Example.com"), "app", Some("1"), false),
            ),
            // Without a `/`, `localhost:5000` is repository `localhost`, tag `5000` (as in Docker).
            (
                "localhost:5000".into(),
                ok(None, "localhost", Some("5000"), false),
            ),
            // Separators inside components.
            (
                "my_org/my__app.x--y:tag_1".into(),
                ok(None, "my_org/my__app.x--y", Some("tag_1"), false),
            ),
            // Errors.
            ("".into(), Err(ImageRefError::Empty)),
            ("   ".into(), Err(ImageRefError::Empty)),
            ("${IMAGE}".into(), Err(ImageRefError::Unresolved)),
            (
                "postgres:${PG_TAG:-17}".into(),
                Err(ImageRefError::Unresolved),
            ),
            (
                "Postgres:17".into(),
                Err(ImageRefError::UppercaseRepository {
                    repository: "Postgres".into(),
                }),
            ),
            (
                "library/Postgres".into(),
                Err(ImageRefError::UppercaseRepository {
                    repository: "library/Postgres".into(),
                }),
            ),
            (
                "nginx latest".into(),
                Err(ImageRefError::InvalidCharacter { ch: ' ', index: 5 }),
            ),
            (
                "nginx:1.27!".into(),
                Err(ImageRefError::InvalidCharacter { ch: '!', index: 10 }),
            ),
            (
                "postgres:".into(),
                Err(ImageRefError::InvalidTag { tag: String::new() }),
            ),
            (
                "postgres:.17".into(),
                Err(ImageRefError::InvalidTag { tag: ".17".into() }),
            ),
            (
                "a:b:c".into(),
                Err(ImageRefError::InvalidTag { tag: "b:c".into() }),
            ),
            (
                "postgres@".into(),
                Err(ImageRefError::InvalidDigest {
                    digest: String::new(),
                }),
            ),
            (
                "postgres@sha256:abc".into(),
                Err(ImageRefError::InvalidDigest {
                    digest: "sha256:abc".into(),
                }),
            ),
            (
                "postgres@sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
                    .into(),
                Err(ImageRefError::InvalidDigest {
                    digest:
                        "sha256:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
                            .into(),
                }),
            ),
            (
                "a//b".into(),
                Err(ImageRefError::InvalidRepository {
                    repository: "a//b".into(),
                }),
            ),
            (
                "-app".into(),
                Err(ImageRefError::InvalidRepository {
                    repository: "-app".into(),
                }),
            ),
            (
                "app.".into(),
                Err(ImageRefError::InvalidRepository {
                    repository: "app.".into(),
                }),
            ),
            (
                "registry.example.com/".into(),
                Err(ImageRefError::InvalidRepository {
                    repository: String::new(),
                }),
            ),
            // dclint's `my_private.registry:5000/nginx`: Docker rejects `_` in host names.
            (
                "my_private.registry:5000/nginx".into(),
                Err(ImageRefError::InvalidRegistry {
                    registry: "my_private.registry:5000".into(),
                }),
            ),
            (
                "host:port/app".into(),
                Err(ImageRefError::InvalidRegistry {
                    registry: "host:port".into(),
                }),
            ),
            (
                format!("{}/app", "a".repeat(252)),
                Err(ImageRefError::NameTooLong { len: 256 }),
            ),
        ];
        assert!(cases.len() >= 20);
        for (input, expected) in cases {
            let got = parse_image_ref(&input);
            assert_eq!(
                got.as_ref().map(parts).map_err(Clone::clone),
                expected,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn display_round_trips() {
        for s in [
            "postgres",
            "nginx:1.27",
            "localhost:5000/x:dev",
            "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
            &format!("ghcr.io/owner/app:1.0@{SHA}"),
            &format!("postgres@{SHA}"),
        ] {
            let parsed: ImageRef = s.parse().expect("valid reference");
            assert_eq!(parsed.to_string(), s);
        }
    }

    #[test]
    fn basename_registry_and_familiar_repository() {
        let cases = [
            ("postgres:17", "postgres", "docker.io", "postgres"),
            (
                "docker.io/library/postgres:17",
                "postgres",
                "docker.io",
                "postgres",
            ),
            ("library/redis", "redis", "docker.io", "redis"),
            (
                "postgis/postgis:17-3.5",
                "postgis",
                "docker.io",
                "postgis/postgis",
            ),
            (
                "quay.io/minio/mc:RELEASE.2025-08-13T08-35-41Z",
                "mc",
                "quay.io",
                "minio/mc",
            ),
            (
                "docker.io/qdrant/qdrant:v1.15.4",
                "qdrant",
                "docker.io",
                "qdrant/qdrant",
            ),
            (
                "localhost:5000/library/app",
                "app",
                "localhost:5000",
                "library/app",
            ),
        ];
        for (input, basename, host, familiar) in cases {
            let r = parse_image_ref(input).expect(input);
            assert_eq!(r.basename(), basename, "basename of {input}");
            assert_eq!(r.registry_host(), host, "registry host of {input}");
            assert_eq!(
                r.familiar_repository(),
                familiar,
                "familiar repository of {input}"
            );
        }
    }

    #[test]
    fn floating_tags() {
        let cases = [
            ("nginx:latest", true),
            ("nginx:LATEST", true),
            ("nginx:stable", true),
            ("node:lts", true),
            ("app:main", true),
            (&format!("nginx:latest@{SHA}") as &str, false),
            ("nginx", false),
            ("nginx:1.27.3", false),
            ("nginx:latest-alpine", false),
            ("registry.example.com:5000/nginx", false),
        ];
        for (input, expected) in cases {
            let r = parse_image_ref(input).expect(input);
            assert_eq!(
                r.is_floating_tag(DEFAULT_FLOATING_TAGS),
                expected,
                "{input}"
            );
        }
        let custom = parse_image_ref("app:prod").expect("valid");
        assert!(custom.is_floating_tag(&["prod"]));
        assert!(!custom.is_floating_tag(DEFAULT_FLOATING_TAGS));
    }

    #[test]
    fn major_only_tags() {
        let cases = [
            ("redis:7-alpine", true),
            ("mysql:8", true),
            ("postgres:17", true),
            ("neo4j:5-community", true),
            ("app:v2", true),
            ("node:22-bookworm-slim", true),
            (&format!("postgres:17@{SHA}") as &str, false),
            ("postgres:17.2", false),
            ("redis:7.4-alpine", false),
            ("postgis/postgis:17-3.5", false),
            ("app:20240101", false),
            ("nginx:latest", false),
            ("postgres", false),
        ];
        for (input, expected) in cases {
            let r = parse_image_ref(input).expect(input);
            assert_eq!(r.is_major_only_tag(), expected, "{input}");
        }
    }

    #[test]
    fn untagged_digest_and_scratch() {
        let r = parse_image_ref("host:5000/app").expect("valid");
        assert!(r.is_untagged());
        assert!(!r.is_digest_pinned());
        assert!(!r.is_scratch());
        let r = parse_image_ref(&format!("app@{SHA}")).expect("valid");
        assert!(!r.is_untagged());
        assert!(r.is_digest_pinned());
        assert!(parse_image_ref("scratch").expect("valid").is_scratch());
        assert!(
            !parse_image_ref("localhost/scratch")
                .expect("valid")
                .is_scratch()
        );
    }

    #[test]
    fn error_messages_are_lowercase() {
        let errors = [
            ImageRefError::Empty,
            ImageRefError::Unresolved,
            ImageRefError::InvalidCharacter { ch: ' ', index: 5 },
            ImageRefError::UppercaseRepository {
                repository: "Postgres".into(),
            },
            ImageRefError::InvalidRegistry {
                registry: "a_b.c".into(),
            },
            ImageRefError::InvalidRepository {
                repository: "a//b".into(),
            },
            ImageRefError::InvalidTag { tag: ".x".into() },
            ImageRefError::InvalidDigest {
                digest: "sha256:abc".into(),
            },
            ImageRefError::NameTooLong { len: 300 },
        ];
        for e in errors {
            let message = e.to_string();
            let first = message.chars().next().expect("non-empty message");
            assert!(first.is_lowercase(), "{message}");
            assert!(!message.ends_with('.'), "{message}");
        }
        assert_eq!(
            parse_image_ref("Postgres").unwrap_err().to_string(),
            "repository name `Postgres` must be lowercase"
        );
        assert_eq!(
            ImageRefError::InvalidCharacter { ch: ' ', index: 5 }.to_string(),
            "invalid character ` ` at byte 5 of the image reference"
        );
    }
}
