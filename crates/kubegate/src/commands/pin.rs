//! `kubegate pin`: every image the `image-digest` rule reports (and every Dockerfile base
//! `dockerfile-base-digest` reports) is looked up in its registry (each distinct tag
//! once, in parallel) and rewritten in place as `image:tag@sha256:…`. A lookup that
//! fails is an error naming the image, the file and the line, and then nothing is
//! written: all of a run's edits land, or none. `--check` lists the unpinned images
//! without touching the network.

use crate::commands::edit::{Mode, PINNED, Target, checked, report, targets, write_all};
use crate::commands::fix_kustomize;
use crate::exit::Exit;
use crate::run::Checked;
use crate::run::print_errors;
use kubegate_engine::Finding;
use kubegate_engine::InputError;
use kubegate_fix::pin::{PinTarget, RULE, Unpinned, pin_file, unpinned, unpinned_at};
use kubegate_inputs::Input;
use kubegate_inputs::kustomize::{edit_targets, image_entries};
use kubegate_registry::{Client, Options, Reference, auth::DockerConfig};
use kubegate_report::plural;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

pub struct PinArgs {
    pub paths: Vec<String>,
    pub config: Option<PathBuf>,
    pub env: Option<String>,
    /// Registries asked over plain HTTP besides the loopback ones.
    pub insecure: Vec<String>,
    pub mode: Mode,
}

/// A file's images to pin, and each one's reference when it has one.
struct FileImages {
    path: PathBuf,
    shown: String,
    text: String,
    images: Vec<(Unpinned, Result<Reference, String>)>,
    /// Why the file cannot be written (stdin, Helm output): listed and diffed, not pinned.
    read_only: Option<String>,
}

pub fn pin(out: &mut dyn Write, args: PinArgs) -> Exit {
    let (config, env) = (args.config.clone(), args.env.clone());
    let checked = match checked(out, args.paths, args.config, args.env) {
        Ok(c) => c,
        Err(status) => return status,
    };
    let outcome = &checked.outcome;
    use rayon::prelude::*;
    let mut found: Vec<Result<FileImages, String>> = targets(&checked, PINNED, args.mode)
        .into_par_iter()
        .map(|t| match t {
            Target::File { path, shown, text, findings, read_only } => {
                let images = unpinned(&text, &findings, &outcome.resources).into_iter().map(looked_up).collect();
                Ok(FileImages { path, shown, text, images, read_only })
            }
            Target::Note(n) => Err(n),
        })
        .collect();
    let through = through_kustomize(&checked);
    let unplaced = through.notes.len();
    found.extend(through.files.into_iter().map(Ok));
    found.extend(through.notes.into_iter().map(Err));
    let (files, notes): (Vec<_>, Vec<_>) = found.into_iter().partition(Result::is_ok);
    let files: Vec<FileImages> = files.into_iter().flatten().filter(|f| !f.images.is_empty()).collect();
    let notes: Vec<String> = notes.into_iter().filter_map(Result::err).collect();
    let input_errors = !outcome.errors.is_empty();

    if args.mode == Mode::Check {
        let mut count = 0;
        for f in &files {
            for (u, r) in &f.images {
                // What pinning would say of an image it cannot pin, said here too.
                let why = r.as_ref().err().map(|why| format!(" (not pinnable: {why})")).unwrap_or_default();
                let _ = writeln!(out, "unpinned     {}:{} {} = {}{why}", f.shown, u.line, u.route, u.image);
                count += 1;
            }
        }
        for why in files.iter().filter_map(|f| f.read_only.as_ref()) {
            let _ = writeln!(out, "{}", note(why));
        }
        for n in &notes {
            let _ = writeln!(out, "{n}");
        }
        // An unpinned image kubegate cannot place an edit for is still unpinned.
        let count = count + unplaced;
        let _ = writeln!(
            out,
            "{} not pinned by digest in {}",
            plural(count, "image", "images"),
            plural(files.len(), "file", "files")
        );
        return if input_errors { Exit::Error } else { Exit::failed_if(count > 0) };
    }

    // Each distinct tag is asked once; the answers in the order of the images.
    let references: Vec<Reference> =
        files.iter().flat_map(|f| f.images.iter().filter_map(|(_, r)| r.as_ref().ok().cloned())).collect();
    let docker = match DockerConfig::from_environment() {
        Ok(d) => d,
        Err(e) => return print_errors(out, &[InputError::flag("pin", e)]),
    };
    let client = Client::new(Options { insecure: args.insecure, docker, ..Options::default() });
    let mut answers = client.digests(&references).into_iter();
    let mut failed = Vec::new();
    // Per file: the images with their new references, and the lines of those not pinned.
    type Planned<'f> = (&'f FileImages, Vec<(Unpinned, String)>, Vec<String>);
    let mut planned: Vec<Planned<'_>> = Vec::new();
    for f in &files {
        let mut pins = Vec::new();
        let mut not = Vec::new();
        for (u, r) in &f.images {
            match r {
                Ok(_) => match answers.next() {
                    Some(Ok(digest)) => pins.push((u.clone(), format!("{}@{digest}", u.image))),
                    Some(Err(e)) => failed.push(format!("{}:{}: image '{}': {e}", f.shown, u.line, u.image)),
                    None => {}
                },
                Err(why) => {
                    not.push(format!("{:<12} {}:{} [{}] {}: {why}", "not pinned", f.shown, u.line, u.rule, u.route))
                }
            }
        }
        planned.push((f, pins, not));
    }
    if !failed.is_empty() {
        for e in &failed {
            let _ = writeln!(out, "error: {e}");
        }
        let _ =
            writeln!(out, "{} could not be looked up; nothing was written", plural(failed.len(), "image", "images"));
        return Exit::Error;
    }
    let results: Vec<_> = planned.into_par_iter().map(|(f, pins, not)| (f, pin_file(&f.text, &pins), not)).collect();
    let (mut pinned, mut left, mut changed) = (0, unplaced, 0);
    let mut edited: Vec<(PathBuf, String, String)> = Vec::new();
    for (f, fixed, not) in results {
        report(out, &f.shown, &f.text, &fixed, args.mode, PINNED);
        for n in &not {
            let _ = writeln!(out, "{n}");
        }
        pinned += fixed.repaired.len();
        left += fixed.not_repaired.len() + not.len();
        if fixed.after != f.text {
            changed += 1;
            match &f.read_only {
                Some(why) => {
                    let _ = writeln!(out, "{}", note(why));
                }
                None => edited.push((f.path.clone(), f.shown.clone(), fixed.after)),
            }
        }
    }
    for n in &notes {
        let _ = writeln!(out, "{n}");
    }
    let mut tags = references.clone();
    tags.iter_mut().for_each(|r| *r = r.without_digest());
    tags.sort();
    tags.dedup();
    let _ = writeln!(
        out,
        "{} {} in {}; {left} not pinned (see above); {} looked up in {}",
        plural(pinned, "image", "images"),
        args.mode.label(PINNED),
        plural(changed, "file", "files"),
        plural(tags.len(), "tag", "tags"),
        plural(client.requests(), "registry request", "registry requests"),
    );
    let status = match args.mode {
        Mode::Write => match write_all(&edited) {
            Ok(()) if through.dirs.is_empty() || edited.iter().all(|(p, ..)| !through.paths.contains(p)) => Exit::Pass,
            Ok(()) => {
                // Written through kustomizations: rendered and checked again, or put back.
                let originals: Vec<(PathBuf, String, String)> = files
                    .iter()
                    .filter(|f| through.paths.contains(&f.path) && edited.iter().any(|(p, ..)| *p == f.path))
                    .map(|f| (f.path.clone(), f.shown.clone(), f.text.clone()))
                    .collect();
                let fixed = fix_kustomize::Fixed { files: Vec::new(), repaired: through.keys, dirs: through.dirs };
                match fix_kustomize::verify(&fixed, &originals, config, env) {
                    Ok(()) => Exit::Pass,
                    Err(e) => return print_errors(out, &[e]),
                }
            }
            Err(e) => return print_errors(out, &[e]),
        },
        _ => Exit::Pass,
    };
    if input_errors { Exit::Error } else { status }
}

/// The line saying why a file's images are not pinned in place.
fn note(why: &str) -> String {
    format!("not {}: {why}", PINNED.done)
}

/// An image with the reference it is looked up as, or why it is not looked up.
fn looked_up(u: Unpinned) -> (Unpinned, Result<Reference, String>) {
    let r = match &u.cannot {
        Some(why) => Err(why.clone()),
        None => Reference::parse(&u.image).map_err(|e| e.0),
    };
    (u, r)
}

/// The images of the Kustomize inputs, in the files their trace leads to: the
/// kustomization's `images:` entry that rewrote the image (its `digest:`), else the base,
/// source or patch that writes it.
struct Through {
    files: Vec<FileImages>,
    /// One line per unpinned image that has no place to be pinned (a transformation's).
    notes: Vec<String>,
    /// The findings placed (to confirm after writing), the kustomizations, the files.
    keys: Vec<fix_kustomize::Repaired>,
    dirs: Vec<String>,
    paths: Vec<PathBuf>,
}

fn through_kustomize(checked: &Checked) -> Through {
    let outcome = &checked.outcome;
    let mut by_file: BTreeMap<String, (PathBuf, Vec<PinTarget>)> = BTreeMap::new();
    let mut through =
        Through { files: Vec::new(), notes: Vec::new(), keys: Vec::new(), dirs: Vec::new(), paths: Vec::new() };
    for (i, input) in checked.inputs.iter().enumerate() {
        let Input::Kustomize { shown, .. } = input else { continue };
        if outcome.errors.iter().any(|e| e.file() == shown) {
            continue;
        }
        let Ok(rendered) = input.rendered() else { continue };
        let findings: Vec<&Finding> = outcome
            .findings
            .iter()
            .filter(|f| f.file_index == i as u32 && *f.rule == *RULE && f.exemption.is_none())
            .collect();
        if findings.is_empty() {
            continue;
        }
        through.dirs.push(shown.clone());
        let entries = image_entries(&rendered, &findings);
        let targets = edit_targets(&rendered, &findings);
        for ((f, entry), target) in findings.iter().zip(entries).zip(targets) {
            let (file, path, t) = match (entry, target) {
                (Some(e), _) => (
                    e.shown,
                    e.path,
                    PinTarget {
                        line: f.line,
                        document_line: e.document_line,
                        route: e.route,
                        image: e.rendered_image,
                        entry: true,
                    },
                ),
                (None, Ok(t)) => (
                    t.shown,
                    t.path,
                    PinTarget {
                        line: f.line,
                        document_line: t.document_line,
                        route: t.route,
                        image: String::new(),
                        entry: false,
                    },
                ),
                (None, Err(why)) => {
                    through.notes.push(format!(
                        "{:<12} {}:{} [{RULE}] {}: cannot be placed: {why}",
                        "not pinned", f.file, f.line, f.path
                    ));
                    continue;
                }
            };
            through.keys.push(fix_kustomize::key(f));
            by_file.entry(file).or_insert_with(|| (path, Vec::new())).1.push(t);
        }
    }
    for (shown, (path, targets)) in by_file {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let images = unpinned_at(&text, &targets).into_iter().map(looked_up).collect();
        through.paths.push(path.clone());
        through.files.push(FileImages { path, shown, text, images, read_only: None });
    }
    through.keys.sort();
    through.keys.dedup();
    through
}
