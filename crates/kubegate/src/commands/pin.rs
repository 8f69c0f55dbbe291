//! `kubegate pin`: every image the `image-digest` rule reports is looked up in its
//! registry (each distinct tag once, in parallel) and rewritten in place as
//! `image:tag@sha256:…`. A lookup that fails is an error naming the image, the file and
//! the line, and then nothing is written: all of a run's edits land, or none.
//! `--check` lists the unpinned images without touching the network.

use crate::commands::edit::{Mode, Target, checked, report, targets, write_all};
use crate::exit::Exit;
use crate::run::print_errors;
use kubegate_engine::InputError;
use kubegate_fix::pin::{Unpinned, pin_file, unpinned};
use kubegate_registry::{Client, Options, Reference, auth::DockerConfig};
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
}

pub fn pin(out: &mut dyn Write, args: PinArgs) -> Exit {
    let checked = match checked(out, args.paths, args.config, args.env) {
        Ok(c) => c,
        Err(status) => return status,
    };
    let outcome = &checked.outcome;
    use rayon::prelude::*;
    let found: Vec<Result<FileImages, String>> = targets(&checked, "pinned", false)
        .into_par_iter()
        .map(|t| match t {
            Target::File { path, shown, text, findings } => {
                let images = unpinned(&text, &findings, &outcome.resources)
                    .into_iter()
                    .map(|u| {
                        let r = Reference::parse(&u.image).map_err(|e| e.0);
                        (u, r)
                    })
                    .collect();
                Ok(FileImages { path, shown, text, images })
            }
            Target::Note(n) => Err(n),
        })
        .collect();
    let (files, notes): (Vec<_>, Vec<_>) = found.into_iter().partition(Result::is_ok);
    let files: Vec<FileImages> = files.into_iter().flatten().filter(|f| !f.images.is_empty()).collect();
    let notes: Vec<String> = notes.into_iter().filter_map(Result::err).collect();
    let input_errors = !outcome.errors.is_empty();

    if args.mode == Mode::Check {
        let mut count = 0;
        for f in &files {
            for (u, _) in &f.images {
                let _ = writeln!(out, "unpinned     {}:{} {} = {}", f.shown, u.line, u.route, u.image);
                count += 1;
            }
        }
        for n in &notes {
            let _ = writeln!(out, "{n}");
        }
        let _ = writeln!(out, "{count} images not pinned by digest in {} files", files.len());
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
                    not.push(format!("{:<12} {}:{} [image-digest] {}: {why}", "not pinned", f.shown, u.line, u.route))
                }
            }
        }
        planned.push((f, pins, not));
    }
    if !failed.is_empty() {
        for e in &failed {
            let _ = writeln!(out, "error: {e}");
        }
        let _ = writeln!(out, "{} images could not be looked up; nothing was written", failed.len());
        return Exit::Error;
    }
    let results: Vec<_> = planned.into_par_iter().map(|(f, pins, not)| (f, pin_file(&f.text, &pins), not)).collect();
    let (mut pinned, mut left) = (0, 0);
    let mut edited: Vec<(PathBuf, String, String)> = Vec::new();
    for (f, fixed, not) in results {
        report(out, &f.shown, &f.text, &fixed, args.mode, "pinned");
        for n in &not {
            let _ = writeln!(out, "{n}");
        }
        pinned += fixed.repaired.len();
        left += fixed.not_repaired.len() + not.len();
        if fixed.after != f.text {
            edited.push((f.path.clone(), f.shown.clone(), fixed.after));
        }
    }
    for n in &notes {
        let _ = writeln!(out, "{n}");
    }
    let mut tags = references.clone();
    tags.iter_mut().for_each(|r| *r = r.without_digest());
    tags.sort();
    tags.dedup();
    let verb = if args.mode == Mode::Write { "pinned" } else { "to pin" };
    let _ = writeln!(
        out,
        "{pinned} images {verb} in {} files; {left} not pinned (see above); {} tags looked up in {} registry requests",
        edited.len(),
        tags.len(),
        client.requests()
    );
    let status = match args.mode {
        Mode::Write => match write_all(&edited) {
            Ok(()) => Exit::Pass,
            Err(e) => return print_errors(out, &[e]),
        },
        _ => Exit::Pass,
    };
    if input_errors { Exit::Error } else { status }
}
