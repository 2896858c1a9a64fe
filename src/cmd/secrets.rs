//! `stackc secrets init`: local secret values in `.env` (mode 0600), like the reference stack's
//! `make config`. A value already in the file is never changed; missing ones are generated,
//! taken from the environment or read from their file.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use stackc_compiler::ir::{Alphabet, SecretSource};

use super::{EXIT_FINDINGS, EXIT_USAGE, dir_of, load, usage_error};
use crate::cli::{DiagFormat, SecretsInitArgs};

/// Random bytes from the kernel.
fn random_bytes(n: usize) -> std::io::Result<Vec<u8>> {
    let mut buf = vec![0u8; n];
    fs::File::open("/dev/urandom")?.read_exact(&mut buf)?;
    Ok(buf)
}

/// A random string over `alphabet`, without modulo bias (rejection sampling).
pub fn generate(length: u32, alphabet: Alphabet) -> std::io::Result<String> {
    let chars: &[u8] = match alphabet {
        Alphabet::Alnum => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        Alphabet::Hex => b"0123456789abcdef",
        Alphabet::Base64Url => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
    };
    let limit = 256 - (256 % chars.len());
    let mut out = String::with_capacity(length as usize);
    while out.len() < length as usize {
        for b in random_bytes(length as usize * 2)? {
            if (b as usize) < limit && out.len() < length as usize {
                out.push(chars[b as usize % chars.len()] as char);
            }
        }
    }
    Ok(out)
}

/// Existing `KEY=value` assignments of an env file (comments and blank lines ignored).
fn existing_values(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().trim_start_matches("export ").trim().to_string(),
                v.trim().to_string(),
            )
        })
        .collect()
}

/// `KEY=value`, single-quoted when the value has characters a dotenv reader would interpret.
pub(crate) fn assignment(key: &str, value: &str) -> Result<String, String> {
    if value.contains(['\n', '\r', '\0']) {
        return Err(format!(
            "the value of `{key}` contains a line break, which an env file cannot hold"
        ));
    }
    let plain = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "_./:@+=-".contains(c));
    if plain {
        return Ok(format!("{key}={value}"));
    }
    if value.contains('\'') {
        return Err(format!(
            "the value of `{key}` contains a single quote, which stackc cannot write safely to an env file"
        ));
    }
    Ok(format!("{key}='{value}'"))
}

/// Largest secret file `secrets init` copies.
const MAX_SECRET_FILE_BYTES: u64 = 64 * 1024;

/// The text of a secret's `file:` (normalised by the resolver), read through the confined
/// reader: a file outside the spec's directory (absolute, `..`, a symlink leading out), a FIFO
/// or a device is never read.
fn read_secret_file(spec_dir: &Path, f: &str) -> Result<String, String> {
    use stackc_compiler::load::{Refusal, canonical_root, read_confined};
    if f.is_empty() || f.starts_with('/') || f.split('/').any(|c| c == "..") {
        return Err("the path is not inside the project".into());
    }
    let root = canonical_root(spec_dir);
    let bytes = read_confined(
        &root,
        &root.join(f.trim_start_matches("./")),
        MAX_SECRET_FILE_BYTES,
    )
    .map_err(|r| match r {
        Refusal::Missing(e) | Refusal::Io(e) => e.to_string(),
        Refusal::Outside(_) => "it resolves outside the project directory".into(),
        Refusal::NotRegular(kind) => format!("it is {kind}, not a regular file"),
        Refusal::TooLarge(limit) => format!("it is over the {limit}-byte limit"),
    })?;
    String::from_utf8(bytes).map_err(|_| "it is not valid UTF-8".into())
}

pub fn init(args: &SecretsInitArgs) -> ExitCode {
    let (spec_path, compiled) = match load(&args.spec, DiagFormat::Human) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let stack = &compiled.stack;
    let env_file: PathBuf = match &args.k8s {
        Some(dir) => dir.join(stackc_backends::k8s::SECRETS_ENV),
        None => args
            .env_file
            .clone()
            .unwrap_or_else(|| dir_of(&spec_path).join(".env")),
    };
    let keys = keys_to_write(stack, args.k8s.is_some());
    if fs::symlink_metadata(&env_file).is_ok_and(|m| m.file_type().is_symlink()) {
        return usage_error(
            &format!(
                "`{}` is a symlink; refusing to write secrets through it",
                env_file.display()
            ),
            "replace it with a regular file",
        );
    }
    let old_text = match fs::read_to_string(&env_file) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return usage_error(
                &format!("cannot read `{}`: {e}", env_file.display()),
                "check the file's permissions",
            );
        }
    };
    let existing = old_text.as_deref().map(existing_values).unwrap_or_default();
    // Every value known after this run, by `.env` key: for the secret files below.
    let mut values: BTreeMap<String, String> = existing.clone();
    let mut added = Vec::new();
    let mut report = Vec::new();
    let mut missing_required = 0;
    for (sec, key) in &keys {
        let sec = *sec;
        if existing.get(key).is_some_and(|v| !v.is_empty()) {
            report.push(format!("  kept       {key}"));
            continue;
        }
        let value = match &sec.source {
            SecretSource::Generate { length, alphabet } => match generate(*length, *alphabet) {
                Ok(v) => {
                    report.push(format!("  generated  {key}"));
                    Some(v)
                }
                Err(e) => {
                    return usage_error(
                        &format!("cannot read random bytes: {e}"),
                        "stackc needs /dev/urandom",
                    );
                }
            },
            SecretSource::FromEnv(var) => match std::env::var(var) {
                Ok(v) if !v.is_empty() => {
                    report.push(format!("  from env   {key} (from `{var}`)"));
                    Some(v)
                }
                _ => {
                    if sec.optional {
                        report.push(format!(
                            "  missing    {key}: optional; set `{var}` and run again to add it"
                        ));
                    } else {
                        missing_required += 1;
                        report.push(format!(
                            "  MISSING    {key}: set `{var}` in your environment and run again"
                        ));
                    }
                    None
                }
            },
            SecretSource::File(f) => match read_secret_file(&dir_of(&spec_path), f) {
                Ok(v) => {
                    report.push(format!("  from file  {key} (from `{f}`)"));
                    Some(v.trim_end_matches(['\n', '\r']).to_string())
                }
                Err(e) => {
                    missing_required += usize::from(!sec.optional);
                    report.push(format!("  MISSING    {key}: cannot read `{f}`: {e}"));
                    None
                }
            },
            SecretSource::External(name) => {
                missing_required += usize::from(!sec.optional);
                report.push(format!("  MISSING    {key}: external secret `{name}`; add `{key}=...` to the file by hand"));
                None
            }
        };
        if let Some(v) = value {
            values.insert(key.clone(), v.clone());
            match assignment(key, &v) {
                Ok(line) => added.push(line),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(EXIT_FINDINGS);
                }
            }
        }
    }
    // The kustomization reads the Kubernetes env file even when every key is optional and unset.
    if !added.is_empty() || (args.k8s.is_some() && old_text.is_none()) {
        let mut text = old_text.clone().unwrap_or_else(|| format!("# Local secret values for `{}`, written by `stackc secrets init`. Keep this file out of version control.\n", stack.name.value));
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        for line in &added {
            text.push_str(line);
            text.push('\n');
        }
        if let Err(e) = replace_private(&env_file, &text, old_text.is_none(), 0o600) {
            eprintln!("error: cannot write `{}`: {e}", env_file.display());
            return ExitCode::from(EXIT_USAGE);
        }
    }
    if args.k8s.is_none() {
        match write_secret_files(stack, &dir_of(&env_file), &values) {
            Ok(lines) => report.extend(lines),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(EXIT_USAGE);
            }
        }
    }
    eprintln!(
        "{}: {} added, {} already set",
        env_file.display(),
        added.len(),
        keys.len()
            - added.len()
            - report
                .iter()
                .filter(|r| r.contains("MISSING") || r.contains("missing"))
                .count()
    );
    for r in &report {
        eprintln!("{r}");
    }
    if missing_required > 0 {
        eprintln!(
            "error: {missing_required} required secret{} still missing",
            if missing_required == 1 {
                " is"
            } else {
                "s are"
            }
        );
        return ExitCode::from(EXIT_FINDINGS);
    }
    ExitCode::SUCCESS
}

/// The secrets to write and their keys: every secret under its `.env` name, or (for the
/// Kubernetes env file) exactly the keys the manifests read from the stack's Secret.
fn keys_to_write(
    stack: &stackc_compiler::ir::Stack,
    k8s: bool,
) -> Vec<(&stackc_compiler::ir::Secret, String)> {
    if k8s {
        stackc_backends::k8s::secret_env_keys(stack)
            .into_iter()
            .map(|(id, key)| (stack.secret(id), key))
            .collect()
    } else {
        stack
            .secrets
            .iter()
            .map(|s| (s, s.env_name.clone()))
            .collect()
    }
}

/// The folder, beside `.env`, that holds one file per secret a service mounts as a file:
/// compose mounts it from there (`secrets: { NAME: { file: .secrets/NAME } }`), which works for
/// read-only services too (an `environment:` source is copied into the container instead).
pub const SECRET_FILES_DIR: &str = ".secrets";

/// Writes `.secrets/NAME` for every secret a service mounts as a file and whose value is known,
/// never changing an existing file's value; returns the report lines.
///
/// The file is 0644 in a 0700 folder: compose bind-mounts a `file:` secret as it is (it ignores
/// `uid`, `gid` and `mode` outside swarm), so a 0600 file owned by the deploying user is
/// unreadable to a container running as another user (`user: "999"`: found by `cargo xtask e2e`
/// scenario `shop`). The folder keeps other users of the host out; the container sees the file
/// alone. A file an earlier release wrote 0600 is given 0644 the same way.
fn write_secret_files(
    stack: &stackc_compiler::ir::Stack,
    dir: &Path,
    values: &BTreeMap<String, String>,
) -> Result<Vec<String>, String> {
    let mut mounted = Vec::new();
    for svc in &stack.services {
        for (id, _) in stack.secret_files(svc) {
            let sec = stack.secret(id);
            if !matches!(sec.source, SecretSource::File(_)) && !mounted.contains(&id) {
                mounted.push(id);
            }
        }
    }
    let mut report = Vec::new();
    if mounted.is_empty() {
        return Ok(report);
    }
    let folder = dir.join(SECRET_FILES_DIR);
    match fs::symlink_metadata(&folder) {
        Ok(m) if m.file_type().is_symlink() || !m.is_dir() => {
            return Err(format!(
                "`{}` is not a plain folder; refusing to write secret files through it",
                folder.display()
            ));
        }
        Ok(_) => {}
        Err(_) => {
            fs::DirBuilder::new()
                .mode(0o700)
                .create(&folder)
                .map_err(|e| format!("cannot create `{}`: {e}", folder.display()))?;
        }
    }
    for id in mounted {
        let sec = stack.secret(id);
        let path = folder.join(&sec.name.value);
        if let Ok(meta) = fs::symlink_metadata(&path) {
            if meta.is_file() && meta.permissions().mode() & 0o777 == 0o600 {
                fs::set_permissions(&path, fs::Permissions::from_mode(SECRET_FILE_MODE))
                    .map_err(|e| format!("cannot make `{}` readable: {e}", path.display()))?;
            }
            report.push(format!(
                "  kept       {SECRET_FILES_DIR}/{}",
                sec.name.value
            ));
            continue;
        }
        let Some(value) = values.get(&sec.env_name).filter(|v| !v.is_empty()) else {
            continue;
        };
        replace_private(&path, value, true, SECRET_FILE_MODE)
            .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
        report.push(format!(
            "  wrote      {SECRET_FILES_DIR}/{}",
            sec.name.value
        ));
    }
    Ok(report)
}

/// The mode of `.secrets/NAME` (see [`write_secret_files`]).
const SECRET_FILE_MODE: u32 = 0o644;

/// Writes `text` to `path` with `mode` through a temporary file and a rename.
fn replace_private(path: &Path, text: &str, create_new: bool, mode: u32) -> std::io::Result<()> {
    let dir = dir_of(path);
    let mut tmp = tempfile::Builder::new()
        .prefix(".stackc-env-")
        .tempfile_in(&dir)?;
    tmp.as_file()
        .set_permissions(fs::Permissions::from_mode(mode))?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    if create_new {
        // Refuse to race with a file created meanwhile: claim the name first.
        fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(path)?;
    }
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_values_have_the_length_and_alphabet() {
        let v = generate(32, Alphabet::Alnum).unwrap();
        assert_eq!(v.len(), 32);
        assert!(v.chars().all(|c| c.is_ascii_alphanumeric()));
        let h = generate(40, Alphabet::Hex).unwrap();
        assert!(
            h.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(generate(32, Alphabet::Alnum).unwrap(), v);
    }

    #[test]
    fn assignments_are_quoted_when_needed() {
        assert_eq!(assignment("A", "abc123").unwrap(), "A=abc123");
        assert_eq!(assignment("A", "a b#c$d").unwrap(), "A='a b#c$d'");
        assert!(assignment("A", "a\nb").is_err());
        assert!(assignment("A", "it's").is_err());
    }

    #[test]
    fn existing_values_are_read() {
        let m = existing_values("# c\nA=1\nexport B = two\n\nC=\n");
        assert_eq!(m.get("A").map(String::as_str), Some("1"));
        assert_eq!(m.get("B").map(String::as_str), Some("two"));
        assert_eq!(m.get("C").map(String::as_str), Some(""));
    }
}
