use super::*;

/// Parts of `text`, where `§P` and `§Q` are the secrets held by `$P` and `$Q`.
fn parts(text: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut lit = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '§' {
            if !lit.is_empty() {
                out.push(Part::Text(std::mem::take(&mut lit)));
            }
            out.push(Part::Var(chars.next().unwrap().to_string()));
        } else {
            lit.push(c);
        }
    }
    if !lit.is_empty() {
        out.push(Part::Text(lit));
    }
    out
}

fn sub(text: &str) -> String {
    substitute(&parts(text)).unwrap()
}

/// A value no shell may expand, split or glob: the expansion must give it back literally.
const NASTY: &str = "a  b*'\"$HOME`x`\\";

/// What `shell -c script` prints with the secrets in `$P` and `$Q`.
fn run(shell: &str, script: &str) -> String {
    let out = std::process::Command::new(shell)
        .args(["-c", script])
        .env("P", NASTY)
        .env("Q", "q-value")
        .env("HOME", "/home/x")
        .output()
        .unwrap();
    assert!(out.status.success(), "{shell} -c {script:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The rewritten script prints `expected` in dash (the `/bin/sh` of Debian images) and bash.
fn means(script: &str, expected: &str) {
    let rewritten = sub(script);
    for shell in ["dash", "bash"] {
        assert_eq!(run(shell, &rewritten), expected, "{shell}: {rewritten}");
    }
}

#[test]
fn unquoted_secret_is_one_quoted_expansion() {
    assert_eq!(
        sub("redis-server --requirepass §P --port 6379"),
        r#"redis-server --requirepass "$P" --port 6379"#
    );
    assert_eq!(sub("pg_isready -U §P"), r#"pg_isready -U "$P""#);
    assert_eq!(sub("./§P --install"), r#"./"$P" --install"#);
    means("printf '%s|' §P", &format!("{NASTY}|"));
}

#[test]
fn inside_double_quotes_it_is_a_braced_expansion() {
    assert_eq!(
        sub(r#"curl -u "admin:§P" http://x"#),
        r#"curl -u "admin:${P}" http://x"#
    );
    assert_eq!(sub(r#"echo "a \" §P""#), r#"echo "a \" ${P}""#);
    means(r#"printf '%s|' "<§P>""#, &format!("<{NASTY}>|"));
}

#[test]
fn inside_single_quotes_the_quote_is_closed_and_reopened() {
    assert_eq!(sub("echo 'pw=§P!'"), r#"echo 'pw='"$P"'!'"#);
    assert_eq!(sub("echo '§P'"), r#"echo "$P""#);
    assert_eq!(sub("a '' '§P§Q' b"), r#"a '' "$P""$Q" b"#);
    means("printf '%s|' 'pw=§P $HOME'", &format!("pw={NASTY} $HOME|"));
}

#[test]
fn escaped_characters_open_no_quote() {
    // `\$`, `\"` and `\'` are literal characters, not expansions or quotes.
    assert_eq!(
        sub(r#"echo \$HOME \"§P \'§Q"#),
        r#"echo \$HOME \""$P" \'"$Q""#
    );
    // A backslash before a secret escaped only its first character: outside quotes it goes,
    // inside double quotes (where it stays before an ordinary character) it is kept.
    assert_eq!(sub(r"echo \§P"), r#"echo "$P""#);
    assert_eq!(sub(r#"echo "\§P""#), r#"echo "\\${P}""#);
    means(r#"printf '%s|' \$HOME \"§P"#, &format!("$HOME|\"{NASTY}|"));
}

#[test]
fn a_secret_twice_and_two_secrets() {
    assert_eq!(sub("a §P && b '§P' \"§P\""), r#"a "$P" && b "$P" "${P}""#);
    assert_eq!(sub("curl -u §Q:§P x"), r#"curl -u "$Q":"$P" x"#);
    means(
        "printf '%s|' §Q:§P '§Q'",
        &format!("q-value:{NASTY}|q-value|"),
    );
}

#[test]
fn multi_line_scripts_with_comments() {
    let script = "set -e\n# don't read §P here\nif [ -n \"$X\" ]; then\n  echo 'it''s §P'\nfi\nprintf '%s|' §Q \"§P\" # it's §Q\nprintf '%s|' '§Q'\n";
    assert_eq!(
        sub(script),
        "set -e\n# don't read \"$P\" here\nif [ -n \"$X\" ]; then\n  echo 'it''s '\"$P\"\nfi\nprintf '%s|' \"$Q\" \"${P}\" # it's \"$Q\"\nprintf '%s|' \"$Q\"\n"
    );
    means(
        "# don't\nprintf '%s|' '§Q'\nprintf '%s|' a#'§Q'",
        "q-value|a#q-value|",
    );
}

#[test]
fn command_substitutions_and_parameter_expansions() {
    assert_eq!(
        sub(r#"echo "$(printf '%s' §P)""#),
        r#"echo "$(printf '%s' "$P")""#
    );
    assert_eq!(sub("echo `printf %s §P`"), r#"echo `printf %s "$P"`"#);
    assert_eq!(sub("echo ${X:-§P}"), r#"echo ${X:-"$P"}"#);
    assert_eq!(sub(r#"echo "${X:-§P}""#), r#"echo "${X:-${P}}""#);
    assert_eq!(sub("echo $((§Q + 1))"), "echo $((${Q} + 1))");
    assert_eq!(sub("echo $'a\\'§P'"), r#"echo $'a\''"$P"$''"#);
    means(
        r#"printf '%s|' "$(printf '%s' '§P')" "${X:-§Q}""#,
        &format!("{NASTY}|q-value|"),
    );
}

#[test]
fn here_documents() {
    let script =
        "cat <<EOF\npw=§P 'x' \"y\"\nEOF\ncat <<-'E' ; echo §Q\n\tliteral $HOME\n\tE\necho §P\n";
    assert_eq!(
        sub(script),
        "cat <<EOF\npw=${P} 'x' \"y\"\nEOF\ncat <<-'E' ; echo \"$Q\"\n\tliteral $HOME\n\tE\necho \"$P\"\n"
    );
    means(
        "cat <<EOF\npw=§P 'x'\nEOF\ncat <<'E'\n$HOME\nE\nprintf '%s|' §Q",
        &format!("pw={NASTY} 'x'\n$HOME\nq-value|"),
    );
}

#[test]
fn where_no_shell_expands_a_variable_it_cannot_be_said() {
    assert_eq!(
        substitute(&parts("cat <<'EOF'\npw=§P\nEOF\n")),
        Err(Unsayable::QuotedHeredoc)
    );
    assert_eq!(
        substitute(&parts("cat <<\\EOF\n§P\nEOF\n")),
        Err(Unsayable::QuotedHeredoc)
    );
    assert_eq!(
        substitute(&parts("cat <<§P\nx\n")),
        Err(Unsayable::HeredocDelimiter)
    );
}

#[test]
fn exec_lines_quote_each_argument() {
    let w = |s: &str| parts(s);
    assert_eq!(
        exec_line(&[w("redis-server"), w("--requirepass"), w("§P")]),
        r#"exec redis-server --requirepass "$P""#
    );
    assert_eq!(
        exec_line(&[w("curl"), w("-u"), w("user:§P"), w("http://x/a b")]),
        r#"exec curl -u user:"$P" 'http://x/a b'"#
    );
    assert_eq!(
        exec_line(&[w("echo"), w("it's §P"), vec![]]),
        r#"exec echo 'it'\''s '"$P" ''"#
    );
    assert_eq!(
        exec_line(&[
            w("app"),
            w("--name=it's"),
            w("=§P"),
            w("--pw=§P="),
            w("a = b")
        ]),
        r#"exec app '--name=it'\''s' ="$P" --pw="$P"= 'a = b'"#
    );
    for shell in ["dash", "bash"] {
        let line = exec_line(&[w("printf"), w("%s|"), w("it's §P"), w("§Q")]);
        assert_eq!(
            run(shell, &line),
            format!("it's {NASTY}|q-value|"),
            "{shell}: {line}"
        );
    }
}
