//! `kubegate fix`: the repairs the rules declare, made in the files the findings are in,
//! each checked (kubegate-fix); what needs `--unsafe-fixes` or a person is listed. All
//! the run's files are written, or none.

use crate::commands::edit::{FIXED, Mode, Target, checked, report, targets, write_all};
use crate::commands::fix_kustomize;
use crate::exit::Exit;
use crate::run::print_errors;
use kubegate_engine::InputError;
use kubegate_fix::plan::{Options, fix_file};
use kubegate_report::plural;
use std::io::Write;
use std::path::PathBuf;

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
            &[InputError::flag(
                "--rule",
                format!(
                    "unknown rule `{unknown}`{}; `kubegate rules` lists them",
                    kubegate_engine::suggest::did_you_mean(unknown, kubegate_engine::rules::ALL.iter().map(|r| r.id))
                ),
            )],
        );
    }
    let checked = match checked(out, args.paths, args.config.clone(), args.env.clone()) {
        Ok(c) => c,
        Err(status) => return status,
    };
    let outcome = &checked.outcome;
    let mut options = args.options;
    if let Some(size) = &checked.config.fix.empty_dir_size_limit {
        options.size_limit = size.clone();
    }
    if let Some(user) = checked.config.fix.run_as_user {
        options.run_as_user = user;
    }
    // Each file is fixed on its own (in parallel); the report follows the inputs' order.
    use rayon::prelude::*;
    let mut fixed: Vec<_> = targets(&checked, FIXED, args.mode)
        .into_par_iter()
        .map(|t| match t {
            Target::File { path, shown, text, findings, read_only } => {
                let fixed = fix_file(&text, &findings, &outcome.resources, &options);
                Ok((path, shown, text, fixed, read_only))
            }
            Target::Note(n) => Err(n),
        })
        .collect();
    // Kustomize directories: each finding repaired in the base, source or patch it
    // traces to.
    let through = fix_kustomize::plan(&checked, &options);
    let mut originals = Vec::new();
    for (path, shown, text, fix) in &through.files {
        if fix.after != *text {
            originals.push((path.clone(), shown.clone(), text.clone()));
        }
    }
    fixed.extend(through.files.iter().cloned().map(|(path, shown, text, fix)| Ok((path, shown, text, fix, None))));
    let (mut repaired, mut waiting, mut manual) = (0, 0, 0);
    let mut edited: Vec<(PathBuf, String, String)> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    // Files that would change, read-only ones (stdin, Helm output) too: `--check` fails on them.
    let mut files = 0;
    for step in fixed {
        let (path, shown, text, fixed, read_only) = match step {
            Ok(f) => f,
            Err(note) => {
                notes.push(note);
                continue;
            }
        };
        report(out, &shown, &text, &fixed, args.mode, FIXED);
        repaired += fixed.repaired.len();
        waiting += fixed.not_repaired.len();
        manual += fixed.manual.len();
        if fixed.after != text {
            files += 1;
            match read_only {
                Some(why) => notes.push(format!("not {}: {why}", FIXED.done)),
                None => edited.push((path, shown, fixed.after)),
            }
        }
    }
    for n in &notes {
        let _ = writeln!(out, "{n}");
    }
    let verb = if args.mode == Mode::Write { "made" } else { "to make" };
    let _ = writeln!(
        out,
        "{} {verb} in {}; {waiting} not made (--unsafe-fixes, or refused: see above); {} a person",
        plural(repaired, "repair", "repairs"),
        plural(files, "file", "files"),
        plural(manual, "finding needs", "findings need"),
    );
    let status = match args.mode {
        Mode::Check => Exit::failed_if(files > 0),
        Mode::Diff => Exit::Pass,
        Mode::Write => match write_all(&edited) {
            Ok(()) if originals.is_empty() => Exit::Pass,
            Ok(()) => match fix_kustomize::verify(&through, &originals, args.config, args.env) {
                Ok(()) => Exit::Pass,
                Err(e) => return print_errors(out, &[e]),
            },
            Err(e) => return print_errors(out, &[e]),
        },
    };
    if outcome.errors.is_empty() { status } else { Exit::Error }
}
