//! `kubegate fix`: the repairs the rules declare, made in the files the findings are in,
//! each checked (kubegate-fix); what needs `--unsafe-fixes` or a person is listed. All
//! the run's files are written, or none.

use crate::exit::Exit;
use crate::run::{Run, check, print_errors};
use kubegate_engine::{CheckOptions, Finding, InputError};
use kubegate_fix::plan::{Options, fix_file};
use kubegate_inputs::Input;
use std::io::Write;
use std::path::PathBuf;

/// What `fix` does with the repairs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Change nothing; exit 1 when something would change.
    Check,
    /// Change nothing; print a unified diff.
    Diff,
}

pub struct FixArgs {
    pub paths: Vec<String>,
    pub config: Option<PathBuf>,
    pub env: Option<String>,
    pub options: Options,
    pub mode: Mode,
}

pub fn fix(out: &mut dyn Write, args: FixArgs) -> Exit {
    if let Some(unknown) = args.options.rules.iter().find(|r| kubegate_engine::rules::find(r).is_none()) {
        return print_errors(
            out,
            &[InputError::flag("--rule", format!("unknown rule `{unknown}` (`kubegate rules` lists them)"))],
        );
    }
    let opts = CheckOptions { env: args.env, ..CheckOptions::default() };
    let run = Run { paths: args.paths, opts, config: args.config, kustomize_bin: None, policy: None };
    let checked = match check(run) {
        Ok(c) => c,
        Err(outcome) => return print_errors(out, &outcome.errors),
    };
    let outcome = &checked.outcome;
    // Inputs that cannot be read or parsed: said first; the others are still fixed, and
    // the run's status is 2.
    for e in &outcome.errors {
        let _ = writeln!(out, "error: {e}");
    }
    let (mut repaired, mut waiting, mut manual) = (0, 0, 0);
    let mut edited: Vec<(PathBuf, String, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    // Each file is fixed on its own (in parallel); the report follows the inputs' order.
    enum Step {
        Note(String),
        Fixed(PathBuf, String, String, kubegate_fix::plan::FileFix),
    }
    use rayon::prelude::*;
    let steps: Vec<Option<Step>> = checked
        .inputs
        .par_iter()
        .map(|input| {
            let (path, shown) = match input {
                Input::File { path, shown, .. } => (path, shown.as_str()),
                Input::Kustomize { shown, .. } => {
                    return Some(Step::Note(format!(
                        "not fixed: {shown} is a Kustomize directory; kubegate fix does not edit through a kustomization yet: name its files"
                    )));
                }
                Input::Stdin(_) => return Some(Step::Note("not fixed: stdin cannot be edited in place".into())),
                Input::Failed(_) => return None,
            };
            if outcome.errors.iter().any(|e| e.file() == shown) {
                return Some(Step::Note(format!("not fixed: {shown} has errors (above); fix them first")));
            }
            let source = input.load().ok()?;
            if source.text.contains("# Source: ") {
                return Some(Step::Note(format!(
                    "not fixed: {shown} is rendered Helm output; fix the chart's values or templates instead"
                )));
            }
            let findings: Vec<&Finding> = outcome.findings.iter().filter(|f| &*f.file == shown).collect();
            if findings.is_empty() {
                return None;
            }
            let fixed = fix_file(&source.text, &findings, &outcome.resources, &args.options);
            Some(Step::Fixed(path.clone(), shown.to_string(), source.into_owned().text, fixed))
        })
        .collect();
    for step in steps.into_iter().flatten() {
        let (path, shown, text, fixed) = match step {
            Step::Note(n) => {
                notes.push(n);
                continue;
            }
            Step::Fixed(path, shown, text, fixed) => (path, shown, text, fixed),
        };
        for r in &fixed.repaired {
            let _ = writeln!(out, "fixed        {shown}:{} [{}] {} = {}", r.line, r.rule, r.path, r.what);
        }
        for n in &fixed.not_repaired {
            let _ = writeln!(out, "not fixed    {shown}:{} [{}] {}: {}", n.line, n.rule, n.path, n.why);
        }
        let mut said: Vec<(u32, &str)> = Vec::new();
        for m in &fixed.manual {
            // One line per rule and place (a rule missing two fields says so once).
            if !said.contains(&(m.line, m.rule.as_str())) {
                said.push((m.line, m.rule.as_str()));
                let _ = writeln!(out, "by hand      {shown}:{} [{}] {}", m.line, m.rule, m.why);
            }
        }
        repaired += fixed.repaired.len();
        waiting += fixed.not_repaired.len();
        manual += fixed.manual.len();
        if fixed.after != text {
            if args.mode == Mode::Diff {
                let segments: Vec<(&str, &str)> = fixed.parts.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
                let _ = write!(out, "{}", kubegate_fix::diff::unified(&shown, &segments));
            }
            edited.push((path, shown, fixed.after));
        }
    }
    for n in &notes {
        let _ = writeln!(out, "{n}");
    }
    let files = edited.len();
    let verb = if args.mode == Mode::Write { "made" } else { "to make" };
    let _ = writeln!(
        out,
        "{repaired} repairs {verb} in {files} files; {waiting} not made (--unsafe-fixes, or refused: see above); {manual} findings need a person"
    );
    let status = match args.mode {
        Mode::Check => Exit::failed_if(files > 0),
        Mode::Diff => Exit::Pass,
        Mode::Write => match write_all(&edited) {
            Ok(()) => Exit::Pass,
            Err(e) => return print_errors(out, &[e]),
        },
    };
    if outcome.errors.is_empty() { status } else { Exit::Error }
}

/// Writes every file, or none: each new text goes to a temporary file beside its file
/// first, and only when all are written are they renamed over the files.
fn write_all(edited: &[(PathBuf, String, String)]) -> Result<(), InputError> {
    let mut written: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (path, shown, text) in edited {
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let temp = path.with_file_name(format!(".{name}.kubegate-fix"));
        // Keep the file's permissions.
        let result = std::fs::write(&temp, text).and_then(|()| {
            let permissions = std::fs::metadata(path)?.permissions();
            std::fs::set_permissions(&temp, permissions)
        });
        if let Err(e) = result {
            let _ = std::fs::remove_file(&temp);
            for (_, t) in &written {
                let _ = std::fs::remove_file(t);
            }
            return Err(InputError::new(
                shown.as_str(),
                0,
                0,
                format!("cannot write the fixed file: {e}; nothing was changed"),
            ));
        }
        written.push((path.clone(), temp));
    }
    for (path, temp) in &written {
        std::fs::rename(temp, path)
            .map_err(|e| InputError::new(path.display().to_string(), 0, 0, format!("cannot replace the file: {e}")))?;
    }
    Ok(())
}
