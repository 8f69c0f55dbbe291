//! The load stage for Dockerfiles (ADR 18): a Dockerfile read into its stages and the
//! instructions kubegate's rules read (`FROM`, `USER`, `ENV`, `ARG`, `LABEL`, `COPY`,
//! `ADD`, `RUN`'s mounts), every value with its line and column as the rest of kubegate
//! counts them (1-based lines, columns in characters), and its comments (where exemption
//! directives live). Parsing is parse-dockerfile's (heredocs, line continuations, the
//! `escape` directive, JSON and shell forms); this crate turns its byte spans into
//! positions and its raw arguments into words.

use kubegate_yaml::{Pos, Span};
use parse_dockerfile::Instruction;

/// A value as written, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// The instructions the rules read; the others by keyword only.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Instr {
    User(Word),
    /// `ENV`, `ARG` (a value when it has a default) and `LABEL` pairs.
    Env(Vec<(Word, Option<Word>)>),
    Arg(Vec<(Word, Option<Word>)>),
    Label(Vec<(Word, Option<Word>)>),
    /// `COPY` and `ADD`: the sources (a heredoc is `<<NAME`), and `--from`.
    Copy {
        sources: Vec<Word>,
        from: Option<String>,
    },
    Add {
        sources: Vec<Word>,
    },
    /// `RUN`: the values of its `--mount` flags.
    Run {
        mounts: Vec<String>,
    },
    Other,
}

/// One instruction: its keyword (upper case), the keyword's place, and its reading.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub keyword: String,
    pub span: Span,
    pub instr: Instr,
}

/// A build stage: its `FROM` and the instructions up to the next one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    /// The image as written (`golang:${GO}`), and where.
    pub image: Word,
    /// The image with `$VAR`, `${VAR}` and `${VAR:-default}` taken from the `ARG`s before
    /// the first `FROM`, when every variable has a value.
    pub resolved: Option<String>,
    /// `AS name`.
    pub alias: Option<String>,
    /// The `FROM` line.
    pub span: Span,
    pub instructions: Vec<Step>,
}

/// A comment line (`# …`, not a parser directive): its text after `#`, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Comment {
    pub text: String,
    /// The whole comment, `#` included.
    pub span: Span,
    /// Where `text` starts (its columns count characters from there, on one line).
    pub at: Pos,
}

/// A parsed Dockerfile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dockerfile {
    /// The `ARG`s before the first `FROM`.
    pub global_args: Vec<(Word, Option<Word>)>,
    pub stages: Vec<Stage>,
    pub comments: Vec<Comment>,
}

impl Dockerfile {
    /// The stage the image is built from: the last one.
    pub fn final_stage(&self) -> Option<&Stage> {
        self.stages.last()
    }

    /// What stage `i` is built on: `scratch`, an earlier stage (`FROM build`, by its alias
    /// or its number, as BuildKit names stages), or an image. `None` when the image names
    /// a build argument without a default.
    pub fn base(&self, i: usize) -> Option<Base<'_>> {
        let stage = self.stages.get(i)?;
        let image = stage.resolved.as_deref()?;
        if image.eq_ignore_ascii_case("scratch") {
            return Some(Base::Scratch);
        }
        let earlier = &self.stages[..i];
        if let Some(j) = earlier.iter().rposition(|s| s.alias.as_deref().is_some_and(|a| a.eq_ignore_ascii_case(image)))
        {
            return Some(Base::Stage(j));
        }
        if let Ok(j) = image.parse::<usize>()
            && j < i
        {
            return Some(Base::Stage(j));
        }
        Some(Base::Image(image))
    }

    /// The `FROM` line of the first stage: where the file's findings about itself point.
    pub fn first_line(&self) -> u32 {
        self.stages.first().map_or(1, |s| s.span.start.line)
    }
}

/// What a stage is built on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Base<'d> {
    Scratch,
    Stage(usize),
    Image(&'d str),
}

/// Whether a file's name says it is a Dockerfile: `Dockerfile`, `Containerfile`,
/// `*.Dockerfile`, `Dockerfile.*` (case as written; `Dockerfile.prod`, `api.Dockerfile`).
/// A YAML or JSON extension, and the suffixes of templates, backups and docs
/// (`Dockerfile.j2`, `Dockerfile.orig`, `Dockerfile.md`), keep it from being one.
pub fn is_dockerfile_name(path: &std::path::Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else { return false };
    if matches!(name, "Dockerfile" | "Containerfile") {
        return true;
    }
    const NOT: &[&str] = &[
        "yaml",
        "yml",
        "json",
        "j2",
        "jinja",
        "jinja2",
        "tmpl",
        "tpl",
        "in",
        "template",
        "erb",
        "md",
        "txt",
        "orig",
        "bak",
        "swp",
        "sample",
        "example",
        "dockerignore",
        "sh",
        "rej",
    ];
    let not = |ext: &str| NOT.iter().any(|n| ext.eq_ignore_ascii_case(n));
    if let Some(stem) = name.strip_suffix(".Dockerfile").or_else(|| name.strip_suffix(".Containerfile")) {
        return !stem.is_empty();
    }
    for prefix in ["Dockerfile.", "Containerfile."] {
        if let Some(rest) = name.strip_prefix(prefix) {
            return !rest.is_empty() && !rest.split('.').any(not);
        }
    }
    false
}

/// Why a Dockerfile could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub pos: Pos,
    pub message: String,
}

/// Byte offsets to positions.
struct Lines<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> Lines<'t> {
    fn new(text: &'t str) -> Lines<'t> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    fn pos(&self, offset: usize) -> Pos {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let start = self.starts[line];
        let col = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count());
        Pos { line: line as u32 + 1, col: col as u32 + 1 }
    }

    fn span(&self, range: &std::ops::Range<usize>) -> Span {
        Span { start: self.pos(range.start), end: self.pos(range.end) }
    }

    fn word(&self, text: &str, range: &std::ops::Range<usize>) -> Word {
        Word { text: text.to_string(), span: self.span(range) }
    }
}

/// Reads a Dockerfile.
pub fn parse(text: &str) -> Result<Dockerfile, Error> {
    let lines = Lines::new(text);
    let parsed = parse_dockerfile::parse(text).map_err(|e| Error {
        pos: Pos { line: e.line().max(1) as u32, col: e.column().max(1) as u32 },
        message: format!("{e:#}"),
    })?;
    let mut heredocs = Vec::new();
    for instruction in &parsed.instructions {
        here_documents(instruction, &mut heredocs);
    }
    let mut out =
        Dockerfile { global_args: Vec::new(), stages: Vec::new(), comments: comments(text, &lines, &heredocs) };
    for instruction in &parsed.instructions {
        let span = lines.span(&keyword(instruction));
        if let Instruction::From(from) = instruction {
            let image = lines.word(&from.image.value, &from.image.span);
            let resolved = substitute(&image.text, &out.global_args);
            let alias = from.as_.as_ref().map(|(_, name)| name.value.to_string());
            out.stages.push(Stage { image, resolved, alias, span, instructions: Vec::new() });
            continue;
        }
        let read = read(instruction, &lines);
        match out.stages.last_mut() {
            Some(stage) => stage.instructions.push(read),
            None => {
                if let Instr::Arg(args) = read.instr {
                    out.global_args.extend(args);
                }
            }
        }
    }
    Ok(out)
}

fn read(instruction: &Instruction<'_>, lines: &Lines<'_>) -> Step {
    let at = keyword(instruction);
    let span = lines.span(&at);
    let keyword = lines.text.get(at).unwrap_or("").to_ascii_uppercase();
    let instr = match instruction {
        Instruction::User(u) => Instr::User(lines.word(u.arguments.value.trim(), &u.arguments.span)),
        Instruction::Env(e) => Instr::Env(pairs(&e.arguments.value, &e.arguments.span, lines, true)),
        Instruction::Arg(a) => Instr::Arg(pairs(&a.arguments.value, &a.arguments.span, lines, false)),
        Instruction::Label(l) => Instr::Label(pairs(&l.arguments.value, &l.arguments.span, lines, false)),
        Instruction::Copy(c) => Instr::Copy {
            sources: c.src.iter().map(|s| source(s, lines)).collect(),
            from: c
                .options
                .iter()
                .find(|f| f.name.value == "from")
                .and_then(|f| f.value.as_ref())
                .map(|v| v.value.to_string()),
        },
        Instruction::Add(a) => Instr::Add { sources: a.src.iter().map(|s| source(s, lines)).collect() },
        Instruction::Run(r) => Instr::Run {
            mounts: r
                .options
                .iter()
                .filter(|f| f.name.value == "mount")
                .filter_map(|f| f.value.as_ref().map(|v| v.value.to_string()))
                .collect(),
        },
        _ => Instr::Other,
    };
    Step { keyword, span, instr }
}

fn source(s: &parse_dockerfile::Source<'_>, lines: &Lines<'_>) -> Word {
    match s {
        parse_dockerfile::Source::Path(p) => lines.word(&p.value, &p.span),
        // A here-document is named by its marker (`<<EOF`), on the instruction's line
        // before the body the span covers.
        parse_dockerfile::Source::HereDoc(h) => match lines.text.get(..h.span.start).and_then(|b| b.rfind("<<")) {
            Some(at) => {
                let len = lines.text[at..].find(char::is_whitespace).unwrap_or(lines.text.len() - at);
                lines.word(&lines.text[at..at + len], &(at..at + len))
            }
            None => lines.word("<<", &h.span),
        },
        _ => Word { text: String::new(), span: Span::default() },
    }
}

/// The byte ranges of an instruction's here-documents (`RUN <<EOF`, `COPY <<EOF`): a
/// `#` line in one is the document's text, not a comment.
fn here_documents(instruction: &Instruction<'_>, out: &mut Vec<std::ops::Range<usize>>) {
    let sources = match instruction {
        Instruction::Run(r) => {
            out.extend(r.here_docs.iter().map(|h| h.span.clone()));
            return;
        }
        Instruction::Copy(c) => &c.src,
        Instruction::Add(a) => &a.src,
        Instruction::Onbuild(o) => return here_documents(&o.instruction, out),
        _ => return,
    };
    for s in sources {
        if let parse_dockerfile::Source::HereDoc(h) = s {
            out.push(h.span.clone());
        }
    }
}

/// The byte range of an instruction's keyword.
fn keyword(instruction: &Instruction<'_>) -> std::ops::Range<usize> {
    match instruction {
        Instruction::Add(i) => i.add.span.clone(),
        Instruction::Arg(i) => i.arg.span.clone(),
        Instruction::Cmd(i) => i.cmd.span.clone(),
        Instruction::Copy(i) => i.copy.span.clone(),
        Instruction::Entrypoint(i) => i.entrypoint.span.clone(),
        Instruction::Env(i) => i.env.span.clone(),
        Instruction::Expose(i) => i.expose.span.clone(),
        Instruction::From(i) => i.from.span.clone(),
        Instruction::Healthcheck(i) => i.healthcheck.span.clone(),
        Instruction::Label(i) => i.label.span.clone(),
        Instruction::Maintainer(i) => i.maintainer.span.clone(),
        Instruction::Onbuild(i) => i.onbuild.span.clone(),
        Instruction::Run(i) => i.run.span.clone(),
        Instruction::Shell(i) => i.shell.span.clone(),
        Instruction::Stopsignal(i) => i.stopsignal.span.clone(),
        Instruction::User(i) => i.user.span.clone(),
        Instruction::Volume(i) => i.volume.span.clone(),
        Instruction::Workdir(i) => i.workdir.span.clone(),
        _ => 0..0,
    }
}

/// `KEY=value KEY2="v 2"` (or the old `KEY value with spaces` when `legacy`), each word
/// with its place; quotes and backslash escapes removed from the values.
fn pairs(raw: &str, place: &std::ops::Range<usize>, lines: &Lines<'_>, legacy: bool) -> Vec<(Word, Option<Word>)> {
    let tokens = tokens(raw);
    // `raw` is the instruction's text with its line continuations taken out: its offsets
    // are mapped back to the file's.
    let map = lines.text.get(place.clone()).and_then(|file| continued(file, raw));
    let at = place.start;
    let file_range = |r: std::ops::Range<usize>| match &map {
        Some(m) if r.start < r.end => at + m[r.start]..at + m[r.end - 1] + 1,
        Some(m) => {
            at + m.get(r.start).copied().unwrap_or(place.len())..at + m.get(r.start).copied().unwrap_or(place.len())
        }
        None => at + r.start..at + r.end,
    };
    let word = |text: String, range: std::ops::Range<usize>| Word { text, span: lines.span(&file_range(range)) };
    if legacy
        && let Some((first, range)) = tokens.first()
        && !first.contains('=')
    {
        let rest = raw[range.end..].trim();
        let value = (!rest.is_empty()).then(|| {
            let start = raw.len() - raw[range.end..].trim_start().len();
            word(rest.to_string(), start..start + rest.len())
        });
        return vec![(word(first.clone(), range.clone()), value)];
    }
    tokens
        .into_iter()
        .map(|(t, range)| match t.split_once('=') {
            Some((k, v)) => {
                let key_end = range.start + raw[range.clone()].find('=').unwrap_or(k.len());
                (word(k.to_string(), range.start..key_end), Some(word(v.to_string(), key_end + 1..range.end)))
            }
            None => (word(t, range), None),
        })
        .collect()
}

/// For each byte of `value` (an instruction's text as the parser gives it: `file` with
/// its line continuations taken out, that is an escape character, blanks and a line
/// break, then the comment and empty lines that follow), its offset in `file`; `None`
/// when there is nothing to map (no continuation) or `value` is not `file` so read, with
/// `\` or `` ` `` (the `escape` directive) as the escape character.
fn continued(file: &str, value: &str) -> Option<Vec<usize>> {
    if file.len() == value.len() {
        return None;
    }
    [b'\\', b'`'].into_iter().find_map(|escape| continued_with(file.as_bytes(), value.as_bytes(), escape))
}

fn continued_with(file: &[u8], value: &[u8], escape: u8) -> Option<Vec<usize>> {
    let blank = |b: u8| b == b' ' || b == b'\t';
    // The end of a line break at `i` (`\n` or `\r\n`).
    let newline = |i: usize| match file.get(i) {
        Some(b'\n') => Some(i + 1),
        Some(b'\r') if file.get(i + 1) == Some(&b'\n') => Some(i + 2),
        _ => None,
    };
    let mut map = Vec::with_capacity(value.len());
    let mut i = 0;
    for &b in value {
        loop {
            if file.get(i) == Some(&escape) {
                let mut k = i + 1;
                while file.get(k).is_some_and(|&c| blank(c)) {
                    k += 1;
                }
                if let Some(mut next) = newline(k) {
                    // Comment and empty lines after a continuation are taken out too.
                    loop {
                        let mut k = next;
                        while file.get(k).is_some_and(|&c| blank(c)) {
                            k += 1;
                        }
                        match file.get(k) {
                            Some(b'#') => {
                                k = file[k..].iter().position(|&c| c == b'\n').map_or(file.len(), |p| k + p + 1);
                                next = k;
                            }
                            Some(b'\n' | b'\r') => next = newline(k).unwrap_or(k + 1),
                            _ => break,
                        }
                    }
                    i = next;
                    continue;
                }
            }
            break;
        }
        if file.get(i) != Some(&b) {
            return None;
        }
        map.push(i);
        i += 1;
    }
    Some(map)
}

/// Whitespace-separated words with quotes and backslash escapes resolved, and each
/// word's byte range in `raw`.
fn tokens(raw: &str) -> Vec<(String, std::ops::Range<usize>)> {
    let mut out = Vec::new();
    let mut chars = raw.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut word = String::new();
        let mut end = start;
        let mut quote: Option<char> = None;
        while let Some(&(i, c)) = chars.peek() {
            if quote.is_none() && c.is_whitespace() {
                break;
            }
            chars.next();
            end = i + c.len_utf8();
            match (quote, c) {
                (None, '"' | '\'') => quote = Some(c),
                (Some(q), c) if c == q => quote = None,
                (q, '\\') if q != Some('\'') => {
                    if let Some((j, n)) = chars.next() {
                        word.push(n);
                        end = j + n.len_utf8();
                    }
                }
                _ => word.push(c),
            }
        }
        out.push((word, start..end));
    }
    out
}

/// `$VAR`, `${VAR}`, `${VAR:-default}` from the `ARG` defaults; `None` when a variable
/// has no value.
fn substitute(image: &str, args: &[(Word, Option<Word>)]) -> Option<String> {
    let value = |name: &str| {
        args.iter().rev().find(|(k, _)| k.text == name).and_then(|(_, v)| v.as_ref()).map(|v| v.text.clone())
    };
    let mut out = String::new();
    let mut rest = image;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (expr, next) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}')?;
            (&braced[..end], &braced[end + 1..])
        } else {
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        let resolved = match expr.split_once(":-") {
            Some((name, default)) => value(name).filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string()),
            None => value(expr)?,
        };
        out.push_str(&resolved);
        rest = next;
    }
    out.push_str(rest);
    Some(out)
}

/// Comment lines: a `#` first on the line, after the parser directives at the top, and
/// not inside a here-document.
fn comments(text: &str, lines: &Lines<'_>, heredocs: &[std::ops::Range<usize>]) -> Vec<Comment> {
    let mut out = Vec::new();
    let mut directives = true;
    let mut offset = 0;
    let mut next_heredoc = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let lead = line.len() - trimmed.len();
        if let Some(body) = trimmed.strip_prefix('#') {
            let body = body.trim_end_matches(['\n', '\r']);
            let directive = directives && {
                let b = body.trim();
                b.split_once('=').is_some_and(|(k, _)| {
                    let k = k.trim().to_ascii_lowercase();
                    !k.contains(' ') && matches!(k.as_str(), "syntax" | "escape" | "check")
                })
            };
            // The here-documents are in the order of the text, as the lines are.
            while next_heredoc < heredocs.len() && heredocs[next_heredoc].end <= offset + lead {
                next_heredoc += 1;
            }
            let in_heredoc = heredocs.get(next_heredoc).is_some_and(|h| h.contains(&(offset + lead)));
            if !directive && !in_heredoc {
                directives = false;
                let start = offset + lead;
                let at = lines.pos(start + 1 + (body.len() - body.trim_start().len()));
                let span = lines.span(&(start..start + 1 + body.len()));
                out.push(Comment { text: body.trim().to_string(), span, at });
            }
        } else if !trimmed.trim().is_empty() {
            directives = false;
        }
        offset += line.len();
    }
    out
}

#[cfg(test)]
mod tests;
