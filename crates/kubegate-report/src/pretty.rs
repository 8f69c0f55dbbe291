//! rustc-style output: the offending span underlined in its source line, the rule's fix
//! as help, and the environment the resource was bound for, with the reason. An exempted
//! finding is titled `exempted[rule]` and says which exemption covers it, until when.

use crate::clean;
use annotate_snippets::{AnnotationKind, Group, Level as ALevel, Renderer, Snippet, renderer::DecorStyle};
use kubegate_engine::finding::ErrorKind;
use kubegate_engine::{Level, Outcome};
use std::io::{self, Write};

/// A file's text with the byte offsets of its line starts.
struct Lines {
    text: String,
    starts: Vec<usize>,
}

impl Lines {
    fn new(text: String) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The text of a 1-based line, without its newline.
    fn line(&self, n: u32) -> Option<&str> {
        let i = (n as usize).checked_sub(1)?;
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

fn byte_col(line: &str, col: u32) -> usize {
    line.char_indices().nth(col.saturating_sub(1) as usize).map(|(i, _)| i).unwrap_or(line.len())
}

/// A snippet of one source line with the span `[col, end_col)` underlined (clamped to the
/// line; an empty span underlines one character).
fn snippet<'a>(
    lines: Option<&'a Lines>,
    file: &'a str,
    line: u32,
    col: u32,
    end_line: u32,
    end_col: u32,
) -> Option<Snippet<'a, annotate_snippets::Annotation<'a>>> {
    let text = lines?.line(line)?;
    let start = byte_col(text, col);
    let mut end = if end_line == line { byte_col(text, end_col) } else { text.len() };
    if end <= start {
        end = text[start..].chars().next().map(|c| start + c.len_utf8()).unwrap_or(start);
    }
    // The quoted line is shown with its control characters escaped; the span moves with
    // the text before it.
    let shown = |i: usize| crate::clean(&text[..i]).len();
    let (start, end) = (shown(start), shown(end));
    Some(
        Snippet::source(crate::clean(text))
            .line_start(line as usize)
            .path(crate::clean(file).into_owned())
            .annotation(AnnotationKind::Primary.span(start..end)),
    )
}

/// Renders every error and finding. `source` returns a file's text by its shown name;
/// it is asked once per file, in output order, and the text is dropped when the
/// renderer moves on, so a large scan never holds every file at once.
pub fn render(
    outcome: &Outcome,
    source: &dyn Fn(&str) -> Option<String>,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let renderer = if color { Renderer::styled() } else { Renderer::plain() }.decor_style(DecorStyle::Ascii);
    // The file being rendered (output is grouped by file), read on first use.
    let mut current: (String, Option<Lines>) = (String::new(), None);
    let switch_to = |current: &mut (String, Option<Lines>), file: &str| {
        if current.0 != file {
            *current = (file.to_string(), source(file).map(Lines::new));
        }
    };
    for e in &outcome.errors {
        if e.kind == ErrorKind::Flag {
            // About the command line: no file to show.
            let text = format!("{}: {}", e.file(), e.message);
            let title = ALevel::ERROR.primary_title(clean(&text));
            writeln!(out, "{}\n", renderer.render(&[Group::with_title(title)]))?;
            continue;
        }
        switch_to(&mut current, e.file());
        let lines = current.1.as_ref();
        let title = ALevel::ERROR.primary_title(clean(&e.message));
        let group = match snippet(lines, e.file(), e.line(), e.column(), e.line(), e.column()) {
            Some(s) => Group::with_title(title).element(s),
            None if e.line() > 0 => Group::with_title(title).element(
                annotate_snippets::Origin::path(clean(e.file()))
                    .line(e.line() as usize)
                    .char_column(e.column() as usize),
            ),
            None => Group::with_title(title).element(annotate_snippets::Origin::path(clean(e.file()))),
        };
        writeln!(out, "{}\n", renderer.render(&[group]))?;
    }
    // Findings at one place (the same file, line and column: a missing `resources:` block,
    // an image both unpinned and `:latest`) share one snippet: the first is the title,
    // the others follow it, each with its own help.
    let findings = &outcome.findings;
    let mut i = 0;
    while i < findings.len() {
        let f = &findings[i];
        let same =
            findings[i..].iter().take_while(|g| (&g.file, g.line, g.column) == (&f.file, f.line, f.column)).count();
        switch_to(&mut current, &f.file);
        let lines = current.1.as_ref();
        let mut groups = Vec::with_capacity(same);
        for (k, g) in findings[i..i + same].iter().enumerate() {
            let level = match (&g.exemption, g.level) {
                (Some(e), _) => ALevel::NOTE.with_name(Some(super::exempted_word(e))),
                (None, Level::Deny) => ALevel::ERROR,
                (None, _) => ALevel::WARNING,
            };
            let title =
                if k == 0 { level.primary_title(clean(&g.message)) } else { level.secondary_title(clean(&g.message)) };
            let mut group = Group::with_title(title.id(clean(&g.rule)));
            // The first finding at the place shows the line; each one names the place, so
            // a log searched for one rule still gives its file, line and column.
            match snippet(lines, &g.file, g.line, g.column, g.end_line, g.end_column).filter(|_| k == 0) {
                Some(s) => group = group.element(s),
                None => {
                    let origin = annotate_snippets::Origin::path(clean(&g.file));
                    // A finding of the whole input (`--combine`) has no line to name.
                    group = group.element(if g.line == 0 {
                        origin
                    } else {
                        origin.line(g.line as usize).char_column(g.column as usize)
                    });
                }
            }
            let help = super::fix_text(g);
            // One help for a rule's findings at one place (`limits.cpu`, `limits.memory`).
            let repeated = k > 0 && findings[i + k - 1].rule == g.rule && findings[i + k - 1].help == g.help;
            if let Some(h) = help.filter(|_| !repeated) {
                group = group.element(ALevel::HELP.message(h));
            }
            if let Some(e) = &g.exemption {
                group = group.element(ALevel::NOTE.message(clean(&super::exempted_note(g.level, e)).into_owned()));
            }
            if let Some(n) = &g.note {
                group = group.element(ALevel::NOTE.message(clean(n).into_owned()));
            }
            // The environment is the resource's: said once for the place.
            if k + 1 == same {
                let reason =
                    outcome.resources.get(g.resource_index as usize).map(|r| &*r.environment_reason).unwrap_or("");
                let note = format!("environment {}: {reason}", g.environment);
                group = group.element(ALevel::NOTE.message(clean(&note).into_owned()));
                if let Some(template) = &g.source {
                    let rendered = format!("rendered from {template}");
                    group = group.element(ALevel::NOTE.message(clean(&rendered).into_owned()));
                }
            }
            groups.push(group);
        }
        writeln!(out, "{}\n", renderer.render(&groups))?;
        i += same;
    }
    writeln!(out, "{}", super::summary_lines(outcome))?;
    if let Some(next) = super::next_step(outcome) {
        writeln!(out, "{next}")?;
    }
    Ok(())
}
