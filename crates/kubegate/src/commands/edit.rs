//! What `fix` and `pin` share: the plain files a run may edit (not stdin, rendered Helm
//! output or files with errors, each said why; Kustomize directories are edited through
//! by each command), the report of what was done, and writing every edited file or none.

use crate::exit::Exit;
use crate::run::{Checked, Run, check, print_errors};
use kubegate_engine::CheckOptions;
use kubegate_engine::{Finding, InputError};
use kubegate_fix::plan::FileFix;
use kubegate_inputs::Input;
use std::io::Write;
use std::path::PathBuf;

/// What an editing command does with its edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Write,
    /// Change nothing; exit 1 when something would change.
    Check,
    /// Change nothing; print a unified diff.
    Diff,
}

/// Checks the paths as `kubegate test` would (`env` forcing one environment). Inputs
/// that cannot be read or parsed are said first; the others are still edited, and the
/// run's status will be 2. A run that cannot start (a bad config) is the error status.
pub fn checked(
    out: &mut dyn Write,
    paths: Vec<String>,
    config: Option<PathBuf>,
    env: Option<String>,
) -> Result<Checked, Exit> {
    let opts = CheckOptions { env, ..CheckOptions::default() };
    let run = Run { paths, opts, config, kustomize_bin: None, policy: None, choice: Default::default() };
    let checked = check(run).map_err(|outcome| print_errors(out, &outcome.errors))?;
    for e in &checked.outcome.errors {
        let _ = writeln!(out, "error: {e}");
    }
    Ok(checked)
}

/// How a command's lines name its edit: made (`fixed`), or only planned (`to fix`) in
/// the modes that write nothing.
#[derive(Clone, Copy)]
pub struct Verb {
    pub done: &'static str,
    pub planned: &'static str,
}

pub const FIXED: Verb = Verb { done: "fixed", planned: "to fix" };
pub const PINNED: Verb = Verb { done: "pinned", planned: "to pin" };

impl Mode {
    /// The word for an edit in this mode.
    pub fn label(self, verb: Verb) -> &'static str {
        match self {
            Mode::Write => verb.done,
            Mode::Check | Mode::Diff => verb.planned,
        }
    }
}

/// A file the command may edit, with its findings; or why an input is not edited.
pub enum Target<'c> {
    Note(String),
    /// `read_only`: why the input cannot be written (stdin, rendered Helm output). Such
    /// an input is a target only when the mode writes nothing: `--check` must count what
    /// it would change (a stream piped in is no pass), `--diff` shows it.
    File {
        path: PathBuf,
        shown: String,
        text: String,
        findings: Vec<&'c Finding>,
        read_only: Option<String>,
    },
}

/// The run's plain inputs as edit targets, in order. Inputs
/// with no findings are left out, and Kustomize directories (each command edits through
/// them itself).
pub fn targets<'c>(checked: &'c Checked, verb: Verb, mode: Mode) -> Vec<Target<'c>> {
    let verb = verb.done;
    use rayon::prelude::*;
    let outcome = &checked.outcome;
    checked
        .inputs
        .par_iter()
        .filter_map(|input| {
            let (path, shown) = match input {
                Input::File { path, shown, .. } => (path.clone(), shown.as_str()),
                // Edited through their kustomizations by the commands themselves.
                Input::Kustomize { .. } => return None,
                Input::Stdin(_) => (PathBuf::from(kubegate_inputs::STDIN), kubegate_inputs::STDIN),
                Input::Failed(_) => return None,
            };
            if outcome.errors.iter().any(|e| e.file() == shown) {
                return Some(Target::Note(format!("not {verb}: {shown} has errors (above); fix them first")));
            }
            let source = input.load().ok()?;
            let read_only = if matches!(input, Input::Stdin(_)) {
                Some("stdin cannot be edited in place".to_string())
            } else if source.format == kubegate_engine::Format::Manifest && source.text.contains("# Source: ") {
                // A Dockerfile's comment may say `# Source:` too; only a stream is Helm's output.
                Some(format!("{shown} is rendered Helm output; fix the chart's values or templates instead"))
            } else {
                None
            };
            if let Some(why) = &read_only
                && mode == Mode::Write
            {
                return Some(Target::Note(format!("not {verb}: {why}")));
            }
            let findings: Vec<&Finding> = outcome.findings.iter().filter(|f| &*f.file == shown).collect();
            if findings.is_empty() {
                return None;
            }
            Some(Target::File { path, shown: shown.to_string(), text: source.into_owned().text, findings, read_only })
        })
        .collect()
}

/// Prints what was made in one file (or would be, by `mode`) and what was not; the diff
/// in `Diff` mode.
pub fn report(out: &mut dyn Write, shown: &str, text: &str, fixed: &FileFix, mode: Mode, verb: Verb) {
    let done = mode.label(verb);
    for r in &fixed.repaired {
        let _ = writeln!(out, "{done:<12} {shown}:{} [{}] {} = {}", r.line, r.rule, r.path, r.what);
    }
    for n in &fixed.not_repaired {
        let not = format!("not {}", verb.done);
        let _ = writeln!(out, "{not:<12} {shown}:{} [{}] {}: {}", n.line, n.rule, n.path, n.why);
    }
    let mut said: Vec<(u32, &str)> = Vec::new();
    for m in &fixed.manual {
        // One line per rule and place (a rule missing two fields says so once).
        if !said.contains(&(m.line, m.rule.as_str())) {
            said.push((m.line, m.rule.as_str()));
            let _ = writeln!(out, "by hand      {shown}:{} [{}] {}", m.line, m.rule, m.why);
        }
    }
    if mode == Mode::Diff && fixed.after != text {
        let segments: Vec<(&str, &str)> = fixed.parts.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let _ = write!(out, "{}", kubegate_fix::diff::unified(shown, &segments));
    }
}

/// Writes every file, or none: each new text goes to a temporary file beside its file
/// first, and only when all are written are they renamed over the files.
pub fn write_all(edited: &[(PathBuf, String, String)]) -> Result<(), InputError> {
    let mut written: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (path, shown, text) in edited {
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let temp = path.with_file_name(format!(".{name}.kubegate-edit"));
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
                format!("cannot write the edited file: {e}; nothing was changed"),
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
