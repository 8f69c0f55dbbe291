//! Pinning a Dockerfile's bases: each `FROM` image the `dockerfile-base-digest` rule
//! reports gets its digest written beside its tag, where the image is written: on the
//! `FROM` line, or in the default of the `ARG` it is taken from whole (`FROM $BASE`, with
//! `ARG BASE=python:3.12` before the first `FROM`). An image put together from arguments
//! (`golang:${GO}`) or taken from an argument without a default is left, with the reason.
//! The edited file is parsed again: every stage must build on what it built on before,
//! the pinned ones now by digest, and nothing else may change.

use super::Unpinned;
use crate::plan::{FileFix, NotRepaired, Repaired};
use crate::splice::{Splice, apply};
use kubegate_dockerfile::{Dockerfile, Word};
use kubegate_engine::Finding;
use kubegate_yaml::{Pos, Route, Segment};

/// The rule whose findings are pinned in Dockerfiles.
pub const RULE: &str = "dockerfile-base-digest";

/// Where a stage's base image is written.
enum Place<'d> {
    /// On the `FROM` line.
    From(&'d Word),
    /// In the default of the global `ARG` (its name, its default) the `FROM` names whole.
    Arg(&'d Word, &'d Word),
}

/// The stage a `stages[i].FROM` route names.
fn stage_of(route: &Route) -> Option<usize> {
    match route.segments() {
        [Segment::Key(stages), Segment::Index(i), Segment::Key(from)] if stages == "stages" && from == "FROM" => {
            Some(*i)
        }
        _ => None,
    }
}

/// Where stage `i`'s image is written, or why kubegate cannot write its digest.
fn place(d: &Dockerfile, i: usize) -> Result<Place<'_>, String> {
    let image = &d.stages.get(i).ok_or("the stage is not in the file")?.image;
    let text = image.text.as_str();
    if !text.contains('$') {
        return Ok(Place::From(image));
    }
    let name = text.strip_prefix("${").and_then(|t| t.strip_suffix('}')).or_else(|| text.strip_prefix('$'));
    let Some(name) = name.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) else {
        return Err(format!(
            "'{text}' is put together from build arguments: pin it by hand, or take the whole image from one ARG with a default"
        ));
    };
    // The last global declaration wins, as for the build.
    match d.global_args.iter().rev().find(|(k, _)| k.text == name) {
        Some((_, Some(v)))
            if let Some((other, _)) = d
                .global_args
                .iter()
                .find(|(_, o)| o.as_ref().is_some_and(|o| !std::ptr::eq(o, v) && mentions(&o.text, name))) =>
        {
            Err(format!("the default of ARG {} uses {name} too, and would change with it: pin it by hand", other.text))
        }
        Some((k, Some(v))) if !v.text.contains('$') => Ok(Place::Arg(k, v)),
        Some((_, Some(_))) => {
            Err(format!("the default of ARG {name} is put together from other arguments: pin it by hand"))
        }
        _ => Err(format!("the build argument {name} has no default before the first FROM: give it one, then pin it")),
    }
}

/// Whether `text` names the build argument `name` (`$NAME`, `${NAME}`, `${NAME:-…}`).
fn mentions(text: &str, name: &str) -> bool {
    text.match_indices('$').any(|(i, _)| {
        let rest = &text[i + 1..];
        let (braced, rest) = match rest.strip_prefix('{') {
            Some(r) => (true, r),
            None => (false, rest),
        };
        rest.strip_prefix(name).is_some_and(|after| match after.chars().next() {
            None => !braced,
            Some(c) if braced => c == '}' || c == ':',
            Some(c) => !(c.is_ascii_alphanumeric() || c == '_'),
        })
    })
}

/// The bases of the Dockerfile `text` that the findings (those of this file) report and no
/// exemption covers: the image each is looked up as, or why it cannot be pinned.
pub fn unpinned(text: &str, findings: &[&Finding]) -> Vec<Unpinned> {
    let Ok(d) = kubegate_dockerfile::parse(text) else { return Vec::new() };
    let mut out = Vec::new();
    for f in findings.iter().filter(|f| &*f.rule == RULE && f.exemption.is_none()) {
        let Some(i) = stage_of(&f.path) else { continue };
        let (image, cannot) = match place(&d, i) {
            Ok(Place::From(w)) => (w.text.clone(), None),
            Ok(Place::Arg(_, v)) => (v.text.clone(), None),
            Err(why) => (d.stages.get(i).map_or_else(String::new, |s| s.image.text.clone()), Some(why)),
        };
        out.push(Unpinned {
            line: f.line,
            route: f.path.clone(),
            image,
            rule: RULE,
            cannot,
            part: 0,
            entry: false,
            dockerfile: true,
        });
    }
    out
}

/// The byte offset of a position as the Dockerfile reader counts them (lines end at `\n`,
/// columns count characters).
fn offset(text: &str, pos: Pos) -> Option<usize> {
    let mut start = 0;
    for _ in 1..pos.line {
        start += text[start..].find('\n')? + 1;
    }
    let col = pos.col.checked_sub(1)? as usize;
    let line = &text[start..];
    line.char_indices().nth(col).map(|(i, _)| start + i).or_else(|| (line.chars().count() == col).then_some(text.len()))
}

/// The bytes holding the word's text: its span, or inside the quotes its span includes.
fn bytes_of(text: &str, w: &Word) -> Option<std::ops::Range<usize>> {
    let (start, end) = (offset(text, w.span.start)?, offset(text, w.span.end)?);
    let raw = text.get(start..end)?;
    if raw == w.text {
        return Some(start..end);
    }
    let quoted = raw.len() == w.text.len() + 2
        && (raw.starts_with('"') && raw.ends_with('"') || raw.starts_with('\'') && raw.ends_with('\''))
        && raw[1..raw.len() - 1] == w.text;
    quoted.then_some(start + 1..end - 1)
}

/// Writes each base of `pins` (from [`unpinned`] on the same text) as the reference given
/// beside it (`python:3.12@sha256:…`); all of them, or none when the check fails.
pub fn pin(text: &str, pins: &[(Unpinned, String)]) -> FileFix {
    let mut out = FileFix::default();
    let unchanged = |out: &mut FileFix| {
        out.after = text.to_string();
        out.parts = vec![(text.to_string(), text.to_string())];
    };
    let Ok(before) = kubegate_dockerfile::parse(text) else {
        unchanged(&mut out);
        return out;
    };
    let mut edits: Vec<Splice> = Vec::new();
    let mut made = Vec::new();
    // What each stage must build on afterwards.
    let mut expected: Vec<Option<String>> = before.stages.iter().map(|s| s.resolved.clone()).collect();
    for (u, pinned) in pins {
        let not = |why: String| NotRepaired { rule: RULE.to_string(), line: u.line, path: u.route.to_string(), why };
        let Some(i) = stage_of(&u.route) else { continue };
        let (word, path) = match place(&before, i) {
            Ok(Place::From(w)) => (w, u.route.to_string()),
            Ok(Place::Arg(k, v)) => (v, format!("ARG.{}", k.text)),
            Err(why) => {
                out.not_repaired.push(not(why));
                continue;
            }
        };
        let Some(range) = bytes_of(text, word) else {
            out.not_repaired.push(not(format!("'{}' is written with escapes kubegate does not rewrite", word.text)));
            continue;
        };
        // Stages that share one ARG are pinned by one edit.
        if !edits.iter().any(|e| e.start == range.start && e.end == range.end) {
            edits.push(Splice { start: range.start, end: range.end, text: pinned.clone() });
            made.push(Repaired { rule: RULE.to_string(), line: word.span.start.line, path, what: pinned.clone() });
        }
        // Every stage written with this word now builds on the pinned image.
        for (j, s) in before.stages.iter().enumerate() {
            if matches!(place(&before, j), Ok(Place::From(w) | Place::Arg(_, w)) if std::ptr::eq(w, word)) {
                expected[j] = s.resolved.as_ref().map(|_| pinned.clone());
            }
        }
    }
    let after = apply(text, &edits);
    match check(&before, &after, &expected) {
        Ok(()) => {
            out.repaired.extend(made);
            out.parts = vec![(text.to_string(), after.clone())];
            out.after = after;
        }
        Err(why) => {
            out.not_repaired.extend(made.into_iter().map(|r| r.refused(&why.to_string())));
            unchanged(&mut out);
        }
    }
    out
}

/// The edited Dockerfile builds every stage on `expected` (the pinned images, the others
/// as before), with the same aliases, instructions and comments.
fn check(before: &Dockerfile, after: &str, expected: &[Option<String>]) -> Result<(), String> {
    let now = kubegate_dockerfile::parse(after)
        .map_err(|e| format!("the edited Dockerfile does not parse: {}", e.message))?;
    if now.stages.len() != before.stages.len() {
        return Err("the edited Dockerfile has a different number of stages".into());
    }
    for (i, (b, a)) in before.stages.iter().zip(&now.stages).enumerate() {
        if a.resolved != expected[i] {
            return Err(format!(
                "stage {i} would build on '{}', not '{}'",
                a.resolved.as_deref().unwrap_or(&a.image.text),
                expected[i].as_deref().unwrap_or("")
            ));
        }
        if a.alias != b.alias || a.instructions != b.instructions {
            return Err(format!("stage {i} would change beyond its base image"));
        }
    }
    let texts = |d: &Dockerfile| d.comments.iter().map(|c| c.text.clone()).collect::<Vec<_>>();
    if texts(before) != texts(&now) {
        return Err("the comments would change".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use kubegate_engine::{CheckOptions, Config, Format, Source, check as run};

    const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    /// The findings of `text` as a production Dockerfile, and what pinning every image
    /// with `DIGEST` makes of it.
    fn pinned(text: &str) -> (Vec<Unpinned>, FileFix) {
        let source =
            Source { path: "Dockerfile".into(), text: text.to_string(), walked: false, format: Format::Dockerfile };
        let opts = CheckOptions { env: Some("prod".into()), ..CheckOptions::default() };
        let outcome = run(std::slice::from_ref(&source), &Config::default(), &opts);
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        let findings: Vec<&Finding> = outcome.findings.iter().collect();
        let found = unpinned(text, &findings);
        let pins: Vec<(Unpinned, String)> =
            found.iter().filter(|u| u.cannot.is_none()).map(|u| (u.clone(), format!("{}@{DIGEST}", u.image))).collect();
        (found, pin(text, &pins))
    }

    #[test]
    fn from_lines_and_whole_argument_defaults_are_pinned_in_place() {
        let text = "# syntax=docker/dockerfile:1\nARG BASE=\"python:3.12-slim\"\nFROM --platform=$BUILDPLATFORM golang:1.23 AS build\nRUN go build\n\nFROM ${BASE} AS test\nFROM $BASE\r\nCOPY --from=build /app /app\n";
        let (found, fixed) = pinned(text);
        let lines: Vec<(u32, &str, Option<&str>)> =
            found.iter().map(|u| (u.line, u.image.as_str(), u.cannot.as_deref())).collect();
        assert_eq!(lines, [(3, "golang:1.23", None), (6, "python:3.12-slim", None), (7, "python:3.12-slim", None)]);
        assert_eq!(
            fixed.after,
            format!(
                "# syntax=docker/dockerfile:1\nARG BASE=\"python:3.12-slim@{DIGEST}\"\nFROM --platform=$BUILDPLATFORM golang:1.23@{DIGEST} AS build\nRUN go build\n\nFROM ${{BASE}} AS test\nFROM $BASE\r\nCOPY --from=build /app /app\n"
            )
        );
        let made: Vec<(u32, &str)> = fixed.repaired.iter().map(|r| (r.line, r.path.as_str())).collect();
        assert_eq!(made, [(3, "stages[0].FROM"), (2, "ARG.BASE")]);
        assert!(fixed.not_repaired.is_empty(), "{:?}", fixed.not_repaired);
        // Pinned, the file has nothing left to pin.
        assert!(pinned(&fixed.after).0.is_empty());
    }

    #[test]
    fn images_put_together_from_arguments_are_left_with_the_reason() {
        let text = "ARG GO=1.23\nARG REGISTRY\nFROM golang:${GO}\nFROM $REGISTRY\nFROM scratch\n";
        let (found, fixed) = pinned(text);
        let why: Vec<(u32, &str)> = found.iter().map(|u| (u.line, u.cannot.as_deref().unwrap())).collect();
        assert_eq!(
            why,
            [
                (
                    3,
                    "'golang:${GO}' is put together from build arguments: pin it by hand, or take the whole image from one ARG with a default"
                ),
                (4, "the build argument REGISTRY has no default before the first FROM: give it one, then pin it"),
            ]
        );
        assert_eq!(fixed.after, text);
    }

    #[test]
    fn an_argument_another_arguments_default_uses_is_left() {
        // BuildKit expands BASE in DEV's default: pinning BASE would make the second stage
        // build on `python:3.12@sha256:…-dev`.
        let text = "ARG BASE=python:3.12\nARG DEV=${BASE}-dev\nFROM $BASE AS app\nFROM $DEV AS test\n";
        let (found, fixed) = pinned(text);
        let why: Vec<(u32, Option<&str>)> = found.iter().map(|u| (u.line, u.cannot.as_deref())).collect();
        assert_eq!(
            why,
            [
                (3, Some("the default of ARG DEV uses BASE too, and would change with it: pin it by hand")),
                (4, Some("the default of ARG DEV is put together from other arguments: pin it by hand")),
            ]
        );
        assert_eq!(fixed.after, text);
        assert!(mentions("${BASE:-x}", "BASE") && mentions("a$BASE/b", "BASE") && mentions("$BASE", "BASE"));
        assert!(!mentions("$BASEMENT", "BASE") && !mentions("${BASE2}", "BASE") && !mentions("BASE", "BASE"));
    }

    #[test]
    fn an_argument_also_used_in_a_longer_image_is_refused_whole() {
        // Pinning BASE's default would make the second stage's image `python:3.12@sha256:…-dev`.
        let text = "ARG BASE=python:3.12\nFROM $BASE\nFROM ${BASE}-dev\n";
        let (found, fixed) = pinned(text);
        assert_eq!(found.len(), 2);
        assert_eq!(fixed.after, text);
        let why: Vec<&str> = fixed.not_repaired.iter().map(|n| n.why.as_str()).collect();
        assert_eq!(why.len(), 1);
        assert_eq!(
            why[0],
            format!("refused: stage 1 would build on 'python:3.12@{DIGEST}-dev', not 'python:3.12-dev'")
        );
    }
}
