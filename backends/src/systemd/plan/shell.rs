//! Shell text that reads secrets from the container's environment at run time.
//!
//! A secret in a command is never written into a unit: the argument refers to an environment
//! variable that holds it, and the container's `/bin/sh` expands that variable.
//!
//! * [`substitute`] rewrites a shell script (`sh -c SCRIPT`): each secret becomes a parameter
//!   expansion that is correct where the secret sits, so the script means what it meant with
//!   the value written in as a literal: `"$VAR"` outside quotes, `${VAR}` inside double quotes
//!   (and unquoted here-documents, `$((...))`), `'"$VAR"'` inside single quotes (the quote is
//!   closed and reopened), `'"$VAR"$'` inside `$'...'`. The scanner follows backslashes,
//!   comments, `$(...)`, backquotes, `${...}`, `$((...))` and here-documents.
//! * [`exec_line`] turns an exec-form argv into one `exec ARG...` line, each argument quoted
//!   and each secret `"$VAR"`.
//!
//! A secret where no shell expands anything (a quoted here-document, a here-document's
//! delimiter) cannot be said this way: [`Unsayable`].

use std::collections::VecDeque;

use crate::escape::shell_quote;

/// Text as part of one shell word: [`shell_quote`], where `=` needs no quote either (after
/// `exec` no word is an assignment).
fn quote_text(t: &str) -> String {
    let probe = t.replace('=', "_");
    if shell_quote(&probe) == probe {
        t.to_string()
    } else {
        shell_quote(t)
    }
}

/// A piece of a word or script: text, or a secret as the environment variable holding it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Part {
    Text(String),
    Var(String),
}

/// Where a shell does not expand a variable, so a secret there cannot be read from one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Unsayable {
    /// The body of a here-document whose delimiter is quoted (`<<'EOF'`).
    QuotedHeredoc,
    /// The delimiter word of a here-document.
    HeredocDelimiter,
}

impl Unsayable {
    /// Where the secret is, for messages.
    pub(crate) fn place(self) -> &'static str {
        match self {
            Unsayable::QuotedHeredoc => "a here-document with a quoted delimiter (`<<'EOF'`)",
            Unsayable::HeredocDelimiter => "the delimiter of a here-document",
        }
    }
}

/// One word as a shell reads it: the text quoted, each secret `"$VAR"`.
pub(crate) fn quote_word(parts: &[Part]) -> String {
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(t) if t.is_empty() => {}
            Part::Text(t) => out.push_str(&quote_text(t)),
            Part::Var(v) => out.push_str(&format!("\"${v}\"")),
        }
    }
    if out.is_empty() {
        out.push_str("''");
    }
    out
}

/// `exec ARG...`: the argv run by the shell in place of itself, so that signals reach it.
pub(crate) fn exec_line(words: &[Vec<Part>]) -> String {
    let mut out = String::from("exec");
    for w in words {
        out.push(' ');
        out.push_str(&quote_word(w));
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Tok<'a> {
    C(char),
    V(&'a str),
}

#[derive(Debug)]
enum Frame {
    /// The script itself.
    Top,
    /// `$( ... )`, with the depth of plain parentheses inside.
    Sub(u32),
    /// `` `...` ``.
    Backtick,
    Double,
    /// `'...'`, where its text starts in the output (after the `'` that opened it, or
    /// reopened it after a secret), and whether it was reopened.
    Single(usize, bool),
    /// `$'...'`.
    Ansi,
    /// `${ ... }`, and whether it sits inside double quotes (or an unquoted here-document).
    Brace(bool),
    /// `$(( ... ))`, with the depth of parentheses inside.
    Arith(u32),
    /// `# ...` up to the end of the line.
    Comment,
    Heredoc(Heredoc),
}

#[derive(Clone, Debug)]
struct Heredoc {
    delim: String,
    strip_tabs: bool,
    quoted: bool,
}

/// The script with each secret written as an expansion of its variable (see the module).
pub(crate) fn substitute(script: &[Part]) -> Result<String, Unsayable> {
    let toks: Vec<Tok> = script
        .iter()
        .flat_map(|p| match p {
            Part::Text(t) => t.chars().map(Tok::C).collect::<Vec<_>>(),
            Part::Var(v) => vec![Tok::V(v.as_str())],
        })
        .collect();
    Scanner {
        toks: &toks,
        i: 0,
        out: String::new(),
        stack: vec![Frame::Top],
        pending: VecDeque::new(),
        word_start: true,
    }
    .run()
}

struct Scanner<'t, 'a> {
    toks: &'t [Tok<'a>],
    i: usize,
    out: String,
    stack: Vec<Frame>,
    /// Here-documents opened on the current line, whose bodies start after it.
    pending: VecDeque<Heredoc>,
    /// The next character would start a word (so `#` starts a comment).
    word_start: bool,
}

impl Scanner<'_, '_> {
    fn peek(&self, k: usize) -> Option<Tok<'_>> {
        self.toks.get(self.i + k).copied()
    }

    fn is(&self, k: usize, c: char) -> bool {
        self.peek(k) == Some(Tok::C(c))
    }

    /// Copies `n` characters as they are.
    fn copy(&mut self, n: usize) {
        for _ in 0..n {
            if let Some(Tok::C(c)) = self.peek(0) {
                self.out.push(c);
            }
            self.i += 1;
        }
    }

    fn run(mut self) -> Result<String, Unsayable> {
        while self.i < self.toks.len() {
            let tok = self.toks[self.i];
            match self.stack.last().expect("the script frame stays") {
                Frame::Top | Frame::Sub(_) | Frame::Backtick => self.code(tok)?,
                Frame::Double => self.double(tok),
                Frame::Single(start, reopened) => {
                    let (start, reopened) = (*start, *reopened);
                    self.single(tok, start, reopened);
                }
                Frame::Ansi => self.ansi(tok),
                Frame::Brace(dq) => {
                    let dq = *dq;
                    self.brace(tok, dq);
                }
                Frame::Arith(_) => self.arith(tok),
                Frame::Comment => self.comment(tok),
                Frame::Heredoc(h) => {
                    let h = h.clone();
                    self.heredoc(tok, &h)?;
                }
            }
        }
        Ok(self.out)
    }

    fn var(&mut self, text: String) {
        self.out.push_str(&text);
        self.i += 1;
    }

    /// `$(`, `$((`, `${`: opens the frame (`dq`: inside double quotes or a here-document).
    /// Returns whether a frame was opened; `$'` is only one outside quotes.
    fn dollar(&mut self, dq: bool) -> bool {
        if self.is(1, '(') && self.is(2, '(') {
            self.copy(3);
            self.stack.push(Frame::Arith(0));
        } else if self.is(1, '(') {
            self.copy(2);
            self.stack.push(Frame::Sub(0));
            self.word_start = true;
            return true;
        } else if self.is(1, '{') {
            self.copy(2);
            self.stack.push(Frame::Brace(dq));
        } else if !dq && self.is(1, '\'') {
            self.copy(2);
            self.stack.push(Frame::Ansi);
        } else {
            return false;
        }
        self.word_start = false;
        true
    }

    /// Outside quotes: the script, `$(...)` and backquotes.
    fn code(&mut self, tok: Tok) -> Result<(), Unsayable> {
        let c = match tok {
            Tok::V(v) => {
                self.word_start = false;
                self.var(format!("\"${v}\""));
                return Ok(());
            }
            Tok::C(c) => c,
        };
        let starts_word = c.is_whitespace() || ";&|()<>".contains(c);
        match c {
            // A backslash before a secret escapes the value's first character, which the
            // quoted expansion keeps literal anyway: it goes.
            '\\' if matches!(self.peek(1), Some(Tok::V(_))) => self.i += 1,
            '\\' => self.copy(2),
            '\'' => {
                self.copy(1);
                self.stack.push(Frame::Single(self.out.len(), false));
            }
            '"' => {
                self.copy(1);
                self.stack.push(Frame::Double);
            }
            '`' => {
                self.copy(1);
                if let Some(Frame::Backtick) = self.stack.last() {
                    self.stack.pop();
                } else {
                    self.stack.push(Frame::Backtick);
                    self.word_start = true;
                    return Ok(());
                }
            }
            '$' => {
                if self.dollar(false) {
                    return Ok(());
                }
                self.copy(1);
            }
            '#' if self.word_start => {
                self.copy(1);
                self.stack.push(Frame::Comment);
            }
            '(' => {
                if let Some(Frame::Sub(d)) = self.stack.last_mut() {
                    *d += 1;
                }
                self.copy(1);
            }
            ')' => {
                self.copy(1);
                match self.stack.last_mut() {
                    Some(Frame::Sub(0)) => {
                        self.stack.pop();
                        self.word_start = false;
                        return Ok(());
                    }
                    Some(Frame::Sub(d)) => *d -= 1,
                    _ => {}
                }
            }
            '<' if self.is(1, '<') && self.is(2, '<') => self.copy(3),
            '<' if self.is(1, '<') => self.heredoc_operator()?,
            '\n' => {
                self.copy(1);
                if let Some(h) = self.pending.pop_front() {
                    self.stack.push(Frame::Heredoc(h));
                }
            }
            _ => self.copy(1),
        }
        self.word_start = starts_word;
        Ok(())
    }

    /// `<<[-] WORD`: copied, and the here-document's body expected after this line.
    fn heredoc_operator(&mut self) -> Result<(), Unsayable> {
        self.copy(2);
        let strip_tabs = self.is(0, '-');
        if strip_tabs {
            self.copy(1);
        }
        while self.is(0, ' ') || self.is(0, '\t') {
            self.copy(1);
        }
        let mut delim = String::new();
        let mut quoted = false;
        let mut quote: Option<char> = None;
        while let Some(tok) = self.peek(0) {
            let Tok::C(c) = tok else {
                return Err(Unsayable::HeredocDelimiter);
            };
            match (quote, c) {
                (None, c) if c.is_whitespace() || ";&|<>()".contains(c) => break,
                (None, '\'' | '"') => {
                    quoted = true;
                    quote = Some(c);
                }
                (Some(q), c) if q == c => quote = None,
                (Some('\''), c) => delim.push(c),
                (_, '\\') => {
                    quoted = true;
                    self.copy(1);
                    match self.peek(0) {
                        Some(Tok::C(c)) => delim.push(c),
                        Some(Tok::V(_)) => return Err(Unsayable::HeredocDelimiter),
                        None => break,
                    }
                }
                (_, c) => delim.push(c),
            }
            self.copy(1);
        }
        self.pending.push_back(Heredoc {
            delim,
            strip_tabs,
            quoted,
        });
        Ok(())
    }

    fn double(&mut self, tok: Tok) {
        match tok {
            Tok::V(v) => self.var(format!("${{{v}}}")),
            // In double quotes a backslash before an ordinary character stays: keep it.
            Tok::C('\\') if matches!(self.peek(1), Some(Tok::V(_))) => {
                self.out.push_str("\\\\");
                self.i += 1;
            }
            Tok::C('\\') => self.copy(2),
            Tok::C('"') => {
                self.copy(1);
                self.stack.pop();
            }
            Tok::C('`') => {
                self.copy(1);
                self.stack.push(Frame::Backtick);
                self.word_start = true;
            }
            Tok::C('$') => {
                if !self.dollar(true) {
                    self.copy(1);
                }
            }
            Tok::C(_) => self.copy(1),
        }
    }

    /// In single quotes, a secret closes the quote and reopens it after `"$VAR"`; a quote
    /// that would hold nothing (`''`) next to the expansion is left out.
    fn single(&mut self, tok: Tok, start: usize, reopened: bool) {
        match tok {
            Tok::V(v) => {
                if self.out.len() == start {
                    self.out.pop();
                } else {
                    self.out.push('\'');
                }
                self.var(format!("\"${v}\"'"));
                if let Some(Frame::Single(s, r)) = self.stack.last_mut() {
                    (*s, *r) = (self.out.len(), true);
                }
            }
            Tok::C('\'') => {
                if reopened && self.out.len() == start {
                    self.out.pop();
                    self.i += 1;
                } else {
                    self.copy(1);
                }
                self.stack.pop();
            }
            Tok::C(_) => self.copy(1),
        }
    }

    fn ansi(&mut self, tok: Tok) {
        match tok {
            Tok::V(v) => self.var(format!("'\"${v}\"$'")),
            Tok::C('\\') if matches!(self.peek(1), Some(Tok::V(_))) => self.i += 1,
            Tok::C('\\') => self.copy(2),
            Tok::C('\'') => {
                self.copy(1);
                self.stack.pop();
            }
            Tok::C(_) => self.copy(1),
        }
    }

    fn brace(&mut self, tok: Tok, dq: bool) {
        match tok {
            Tok::V(v) if dq => self.var(format!("${{{v}}}")),
            Tok::V(v) => self.var(format!("\"${v}\"")),
            Tok::C('\\') if matches!(self.peek(1), Some(Tok::V(_))) => {
                if dq {
                    self.out.push_str("\\\\");
                }
                self.i += 1;
            }
            Tok::C('\\') => self.copy(2),
            Tok::C('}') => {
                self.copy(1);
                self.stack.pop();
            }
            Tok::C('\'') if !dq => {
                self.copy(1);
                self.stack.push(Frame::Single(self.out.len(), false));
            }
            Tok::C('"') => {
                self.copy(1);
                self.stack.push(Frame::Double);
            }
            Tok::C('`') => {
                self.copy(1);
                self.stack.push(Frame::Backtick);
                self.word_start = true;
            }
            Tok::C('$') => {
                if !self.dollar(dq) {
                    self.copy(1);
                }
            }
            Tok::C(_) => self.copy(1),
        }
    }

    fn arith(&mut self, tok: Tok) {
        match tok {
            Tok::V(v) => self.var(format!("${{{v}}}")),
            Tok::C('(') => {
                if let Some(Frame::Arith(d)) = self.stack.last_mut() {
                    *d += 1;
                }
                self.copy(1);
            }
            Tok::C(')') => match (self.is(1, ')'), self.stack.last_mut()) {
                (true, Some(Frame::Arith(0))) => {
                    self.copy(2);
                    self.stack.pop();
                }
                (_, Some(Frame::Arith(d))) => {
                    *d = d.saturating_sub(1);
                    self.copy(1);
                }
                _ => self.copy(1),
            },
            Tok::C('$') => {
                if !self.dollar(true) {
                    self.copy(1);
                }
            }
            Tok::C('`') => {
                self.copy(1);
                self.stack.push(Frame::Backtick);
                self.word_start = true;
            }
            Tok::C(_) => self.copy(1),
        }
    }

    fn comment(&mut self, tok: Tok) {
        match tok {
            // The line break ends the comment and the command line: read it in the frame
            // around the comment (a here-document may start after it).
            Tok::C('\n') => {
                self.stack.pop();
                self.word_start = true;
            }
            Tok::V(v) => self.var(format!("\"${v}\"")),
            Tok::C(_) => self.copy(1),
        }
    }

    /// A here-document's body; at the start of each line, whether it is the delimiter.
    fn heredoc(&mut self, tok: Tok, h: &Heredoc) -> Result<(), Unsayable> {
        let line_start = self.i == 0 || self.toks[self.i - 1] == Tok::C('\n');
        if line_start && self.ends_heredoc(h) {
            while let Some(Tok::C(c)) = self.peek(0) {
                self.copy(1);
                if c == '\n' {
                    break;
                }
            }
            self.stack.pop();
            if let Some(next) = self.pending.pop_front() {
                self.stack.push(Frame::Heredoc(next));
            }
            self.word_start = true;
            return Ok(());
        }
        if h.quoted {
            return match tok {
                Tok::V(_) => Err(Unsayable::QuotedHeredoc),
                Tok::C(_) => {
                    self.copy(1);
                    Ok(())
                }
            };
        }
        match tok {
            Tok::V(v) => self.var(format!("${{{v}}}")),
            Tok::C('\\') if matches!(self.peek(1), Some(Tok::V(_))) => {
                self.out.push_str("\\\\");
                self.i += 1;
            }
            Tok::C('\\') => self.copy(2),
            Tok::C('`') => {
                self.copy(1);
                self.stack.push(Frame::Backtick);
                self.word_start = true;
            }
            Tok::C('$') => {
                if !self.dollar(true) {
                    self.copy(1);
                }
            }
            Tok::C(_) => self.copy(1),
        }
        Ok(())
    }

    /// Whether the line starting here is the here-document's delimiter line.
    fn ends_heredoc(&self, h: &Heredoc) -> bool {
        let mut line = String::new();
        for tok in &self.toks[self.i..] {
            match tok {
                Tok::C('\n') => break,
                Tok::C(c) => line.push(*c),
                Tok::V(_) => return false,
            }
        }
        let line = if h.strip_tabs {
            line.trim_start_matches('\t')
        } else {
            &line
        };
        line == h.delim
    }
}

#[cfg(test)]
#[path = "shell_tests.rs"]
mod tests;
