//! rustc-style output: the offending span underlined in its source line, the rule's fix
//! as help, and the environment the resource was bound for, with the reason.

use annotate_snippets::{
    AnnotationKind, Group, Level as ALevel, Renderer, Snippet, renderer::DecorStyle,
};
use kubegate_engine::{Level, Outcome, Source};
use std::collections::HashMap;

/// Byte offsets of line starts, per file, built on first use.
struct Lines<'s> {
    text: &'s str,
    starts: Vec<usize>,
}

impl<'s> Lines<'s> {
    fn new(text: &'s str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The text of a 1-based line, without its newline.
    fn line(&self, n: u32) -> Option<&'s str> {
        let i = (n as usize).checked_sub(1)?;
        let start = *self.starts.get(i)?;
        let end = self.starts.get(i + 1).copied().unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }
}

fn byte_col(line: &str, col: u32) -> usize {
    line.char_indices()
        .nth(col.saturating_sub(1) as usize)
        .map(|(i, _)| i)
        .unwrap_or(line.len())
}

/// A snippet of one source line with the span `[col, end_col)` underlined (clamped to the
/// line; an empty span underlines one character).
fn snippet<'a>(
    lines: Option<&Lines<'a>>,
    file: &'a str,
    line: u32,
    col: u32,
    end_line: u32,
    end_col: u32,
) -> Option<Snippet<'a, annotate_snippets::Annotation<'a>>> {
    let text = lines?.line(line)?;
    let start = byte_col(text, col);
    let mut end = if end_line == line {
        byte_col(text, end_col)
    } else {
        text.len()
    };
    if end <= start {
        end = text[start..]
            .chars()
            .next()
            .map(|c| start + c.len_utf8())
            .unwrap_or(start);
    }
    Some(
        Snippet::source(text)
            .line_start(line as usize)
            .path(file)
            .annotation(AnnotationKind::Primary.span(start..end)),
    )
}

pub fn render(outcome: &Outcome, sources: &[Source], color: bool) -> String {
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    let by_path: HashMap<&str, &Source> = sources.iter().map(|s| (s.path.as_str(), s)).collect();
    let mut cache: HashMap<&str, Lines<'_>> = HashMap::new();
    let files = outcome
        .errors
        .iter()
        .map(|e| e.file.as_str())
        .chain(outcome.findings.iter().map(|f| f.file.as_str()));
    for file in files {
        if let Some(src) = by_path.get(file) {
            cache
                .entry(src.path.as_str())
                .or_insert_with(|| Lines::new(&src.text));
        }
    }
    let mut out = String::new();
    for e in &outcome.errors {
        let lines = cache.get(e.file.as_str());
        let title = ALevel::ERROR.primary_title(e.message.as_str());
        let group = match snippet(lines, &e.file, e.line, e.column, e.line, e.column) {
            Some(s) => Group::with_title(title).element(s),
            None if e.line > 0 => Group::with_title(title).element(
                annotate_snippets::Origin::path(e.file.as_str())
                    .line(e.line as usize)
                    .char_column(e.column as usize),
            ),
            None => {
                Group::with_title(title).element(annotate_snippets::Origin::path(e.file.as_str()))
            }
        };
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    for f in &outcome.findings {
        let lines = cache.get(f.file.as_str());
        let level = if f.level == Level::Deny {
            ALevel::ERROR
        } else {
            ALevel::WARNING
        };
        let help = kubegate_engine::rules::find(&f.rule).map(|r| r.doc.help);
        let reason = outcome
            .resources
            .get(f.resource_index)
            .map(|r| r.environment_reason.as_str())
            .unwrap_or("");
        let note = format!("environment {}: {reason}", f.environment);
        let mut group =
            Group::with_title(level.primary_title(f.message.as_str()).id(f.rule.as_str()));
        if let Some(s) = snippet(lines, &f.file, f.line, f.column, f.end_line, f.end_column) {
            group = group.element(s);
        }
        if let Some(h) = help {
            group = group.element(ALevel::HELP.message(h));
        }
        group = group.element(ALevel::NOTE.message(note));
        out.push_str(&renderer.render(&[group]));
        out.push_str("\n\n");
    }
    out.push_str(&super::summary_line(outcome));
    out.push('\n');
    out
}
