//! Where a literal credential occurs in a longer text (a command, a URL, a mount).
//!
//! A credential is replaced only where it stands as a value of its own: `-U pw`, `--password=pw`,
//! `user:pw@host`, `-ppw`. An occurrence inside a longer word (`postgres` in
//! `/var/lib/postgresql`) or inside a path or host name (`minio` in `http://minio1/data` or
//! `/minio/health/live`) is other text that happens to share the letters: replacing it would
//! tie a data directory or an address to the password.

/// The byte offsets of the occurrences of `literal` in `text` that stand as a value.
fn occurrences(text: &str, literal: &str) -> Vec<usize> {
    if literal.is_empty() {
        return Vec::new();
    }
    let word = |c: char| c.is_alphanumeric() || c == '_';
    let path = |c: char| c == '/' || c == '.';
    text.match_indices(literal)
        .map(|(at, _)| at)
        .filter(|&at| {
            let before = text[..at].chars().next_back();
            let after = text[at + literal.len()..].chars().next();
            // `-ppw`: a one-letter option glued to its value.
            let glued_option = || {
                let mut back = text[..at].chars().rev();
                matches!(
                    (back.next(), back.next(), back.next()),
                    (Some(l), Some('-'), None | Some(' ' | '"' | '\'' | '\t'))
                        if l.is_ascii_alphabetic()
                )
            };
            !after.is_some_and(|c| word(c) || path(c))
                && !before.is_some_and(path)
                && (!before.is_some_and(word) || glued_option())
        })
        .collect()
}

/// Whether `literal` stands as a value somewhere in `text`.
pub fn contains(text: &str, literal: &str) -> bool {
    !occurrences(text, literal).is_empty()
}

/// `text` with each occurrence of `literal` that stands as a value replaced by `with`.
pub fn replace(text: &str, literal: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for at in occurrences(text, literal) {
        out.push_str(&text[last..at]);
        out.push_str(with);
        last = at + literal.len();
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_of_its_own_is_replaced() {
        assert_eq!(replace("pw", "pw", "S"), "S");
        assert_eq!(
            replace("redis-cli -a pw ping", "pw", "S"),
            "redis-cli -a S ping"
        );
        assert_eq!(replace("--password=pw", "pw", "S"), "--password=S");
        assert_eq!(
            replace("postgres://u:pw@db:5432/x", "pw", "S"),
            "postgres://u:S@db:5432/x"
        );
        assert_eq!(
            replace("mysqladmin ping -uroot -ppw", "pw", "S"),
            "mysqladmin ping -uroot -pS"
        );
        assert_eq!(replace("\"-ppw\"", "pw", "S"), "\"-pS\"");
    }

    #[test]
    fn the_letters_inside_a_word_a_path_or_a_host_are_kept() {
        let mount = "./data/var/lib/postgresql/data:/var/lib/postgresql/data:rw";
        assert_eq!(replace(mount, "postgres", "S"), mount);
        assert!(!contains(mount, "postgres"));
        let cmd = "server http://minio{1...4}/data{1...2}";
        assert_eq!(replace(cmd, "minio", "S"), cmd);
        let check = "curl -f http://localhost:9000/minio/health/live";
        assert_eq!(replace(check, "minio", "S"), check);
        assert_eq!(
            replace("minio.example.com", "minio", "S"),
            "minio.example.com"
        );
        assert_eq!(replace("xpw", "pw", "S"), "xpw");
        assert_eq!(replace("--ppw", "pw", "S"), "--ppw");
    }
}
