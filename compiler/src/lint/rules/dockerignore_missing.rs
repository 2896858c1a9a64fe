//! A build recipe's ignore patterns that let version control, environment files, keys or
//! dependency folders back into the build context.

use super::prelude::*;

declare_rule! {
    /// ## What it does
    /// stackc writes a `.dockerignore` next to every Dockerfile it generates, excluding `.git`,
    /// `.env*`, key files (`*.pem`, `*.key`, SSH keys), `secrets/`, dependency folders
    /// (`node_modules`, `.venv`) and build outputs (`target`, `dist`). This rule flags a
    /// `build.ignore` pattern that re-includes one of them (`!.env`, `!**/*.pem`, `!target`) or
    /// everything (`!*`, `!**`).
    ///
    /// ## Why is this bad?
    /// Whatever the build context holds is sent to the builder, and `COPY . ...` puts it in a
    /// layer: a `.env` or a private key in the context ends up in the image for anyone who can
    /// pull it, `.git` leaks the history, and local `node_modules` or `target` folders make builds
    /// slow and unreproducible (they replace what the lockfile would install).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: node-npm
    ///       ignore: ["!.env.production"]
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     build:
    ///       preset: node-npm
    ///       ignore: ["coverage"]
    ///     env:
    ///       API_URL: https://api.example.com
    /// ```
    pub struct DockerignoreMissing;
}

/// The rule's metadata.
pub const META: Meta = Meta {
    summary: "build context lets version control, environment files, keys or dependency folders in",
    doc: DOC,
    dev: Level::Warning,
    prod: Level::Warning,
    backends: &[Backend::Dockerfile],
    tags: &["security", "secrets"],
    requires: None,
};

/// What a re-included name is, when it is one of the protected kinds.
fn protected(pattern: &str) -> Option<&'static str> {
    let p = pattern.trim().trim_start_matches('/');
    if p.is_empty() || p.chars().all(|c| matches!(c, '*' | '/' | '?')) {
        return Some("the whole context");
    }
    for part in p.split('/') {
        let part = part.trim();
        let kind = if matches!(part, ".git" | ".git*" | ".git/") {
            "version control"
        } else if part.starts_with(".env") {
            "environment files"
        } else if part.ends_with(".pem")
            || part.ends_with(".key")
            || part.ends_with(".p12")
            || part.ends_with(".pfx")
            || part.starts_with("id_rsa")
            || part.starts_with("id_ecdsa")
            || part.starts_with("id_ed25519")
            || part == "secrets"
            || part == ".netrc"
            || part == ".pypirc"
        {
            "credentials"
        } else if matches!(part, "node_modules" | ".venv" | "target") {
            "dependency or build folders"
        } else {
            continue;
        };
        return Some(kind);
    }
    None
}

impl DockerignoreMissing {
    fn reincluded(svc: &Service, pattern: &str, kind: &str, span: Span) -> Violation {
        Violation::new(format!("ignore pattern `{pattern}` of `{}` lets {kind} into the build context", svc.name.value), span, "re-included")
            .help("remove the pattern; pass configuration through `env`, credentials through `build.secrets`, and let the preset install dependencies from the lockfile")
    }
}

/// Reports `!` patterns that undo the generated `.dockerignore`'s protections.
pub fn check(ctx: &Ctx<'_>, out: &mut Vec<Violation>) {
    for (id, svc) in ctx.services() {
        let Some(b) = svc.build.as_ref().filter(|b| b.dockerfile.is_none()) else {
            continue;
        };
        for (i, p) in b.ignore.iter().enumerate() {
            let Some(negated) = p.value.trim().strip_prefix('!') else {
                continue;
            };
            if let Some(kind) = protected(negated) {
                out.push(
                    DockerignoreMissing::reincluded(svc, p.value.trim(), kind, p.span)
                        .in_service(id, format!("build.ignore[{i}]")),
                );
            }
        }
    }
}

/// Pass and fail cases.
pub const CASES: &[Case] = &[
    Case::pass(
        "extra exclusions and a harmless re-include",
        "
        stack: t
        services:
          a:
            build:
              preset: node-npm
              ignore: [coverage, '*.md', '!README.md']
        ",
    ),
    Case::fail(
        "environment file, key and everything re-included",
        "
        stack: t
        services:
          a:
            build:
              preset: node-npm
              ignore: ['!.env.production', '!certs/server.key', '!**']
        ",
        &["6:16 warning", "6:36 warning", "6:57 warning"],
    ),
];

#[cfg(test)]
mod tests {
    use super::protected;

    #[test]
    fn protected_names() {
        for p in [
            ".git",
            "**/.git",
            ".env",
            ".env.local",
            "*.pem",
            "a/b.key",
            "secrets",
            "node_modules",
            "target/",
            "*",
            "**",
            "/",
        ] {
            assert!(protected(p).is_some(), "{p}");
        }
        for p in [
            "README.md",
            "src",
            ".github",
            "docs/*.md",
            "environment.yml",
        ] {
            assert!(protected(p).is_none(), "{p}");
        }
    }
}
