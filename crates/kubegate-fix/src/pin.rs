//! Pinning images by digest in the source: the images the `image-digest` rule reports (and,
//! in a Dockerfile, the bases `dockerfile-base-digest` reports: [`dockerfile`]) are read
//! from the file ([`unpinned`]); once their digests are known (from the registry, by the
//! caller), each is rewritten in place as `image:tag@sha256:…`, keeping the tag for
//! readers and the scalar's quotes ([`pin_file`]). Every document's edits are checked as
//! the fix stage checks its repairs.

pub mod dockerfile;

use crate::plan::{FileFix, NotRepaired, Repaired};
use crate::splice::{self, Change};
use kubegate_engine::evaluate::ResourceInfo;
use kubegate_engine::{Finding, Route};
use kubegate_yaml::{Bump, Part};

/// The rule whose findings `pin` repairs.
pub const RULE: &str = "image-digest";

/// An image written without a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unpinned {
    /// The line of the `image:` field.
    pub line: u32,
    /// The field (`spec.containers[0].image`).
    pub route: Route,
    /// The image as written: what is looked up.
    pub image: String,
    /// The rule that reports it.
    pub rule: &'static str,
    /// Why kubegate cannot write its digest (a Dockerfile base put together from build
    /// arguments), when it cannot.
    pub cannot: Option<String>,
    /// The document (of [`kubegate_yaml::split_stream`]`(text, 1)`) it is in.
    part: usize,
    /// Whether the route is a kustomization's `images:` entry, which gets a `digest:`
    /// (the image is then the one rendered, looked up); else the image field itself,
    /// rewritten as `image@digest`.
    entry: bool,
    /// A Dockerfile's base.
    dockerfile: bool,
}

/// Where an image is to be pinned in a file, found by tracing a kustomization.
#[derive(Clone, Debug)]
pub struct PinTarget {
    pub line: u32,
    pub document_line: u32,
    pub route: Route,
    /// For an `images:` entry, the image as rendered (what the registry is asked about);
    /// for an image field, unused (the file's value is read).
    pub image: String,
    /// `route` is an `images:` entry of a kustomization.
    pub entry: bool,
}

/// The images of `targets` in the file `text` (an image field's image is read from the
/// file: the trace leads there only where the file's value is the one rendered).
pub fn unpinned_at(text: &str, targets: &[PinTarget]) -> Vec<Unpinned> {
    let parts = kubegate_yaml::split_stream(text, 1);
    let mut out: Vec<Unpinned> = Vec::new();
    for t in targets {
        let Some(part) = part_at(&parts, t.document_line) else { continue };
        // A base several overlays render is one field to pin.
        if out.iter().any(|u| u.part == part && u.route == t.route) {
            continue;
        }
        let image = if t.entry {
            t.image.clone()
        } else {
            let arena = Bump::new();
            let Some((_, root)) = crate::plan::document(parts[part].text, &arena) else { continue };
            let Some(image) = root.at(&t.route).and_then(|n| n.as_str()) else { continue };
            image.to_string()
        };
        out.push(Unpinned {
            line: t.line,
            route: t.route.clone(),
            image,
            rule: RULE,
            cannot: None,
            part,
            entry: t.entry,
            dockerfile: false,
        });
    }
    out
}

/// The images of `findings` (those of this file) that the `image-digest` rule reports and
/// no exemption covers, as written in `text`; in a Dockerfile, the bases
/// `dockerfile-base-digest` reports.
pub fn unpinned(text: &str, findings: &[&Finding], resources: &[ResourceInfo]) -> Vec<Unpinned> {
    if findings.iter().any(|f| &*f.rule == dockerfile::RULE) {
        return dockerfile::unpinned(text, findings);
    }
    let parts = kubegate_yaml::split_stream(text, 1);
    let mut out = Vec::new();
    for f in findings.iter().filter(|f| &*f.rule == RULE && f.exemption.is_none()) {
        let Some(part) = part_of(&parts, resources, f) else { continue };
        let arena = Bump::new();
        let Some((_, root)) = crate::plan::document(parts[part].text, &arena) else { continue };
        let Some(image) = root.at(&f.path).and_then(|n| n.as_str()) else { continue };
        out.push(Unpinned {
            line: f.line,
            route: f.path.clone(),
            image: image.to_string(),
            rule: RULE,
            cannot: None,
            part,
            entry: false,
            dockerfile: false,
        });
    }
    out
}

/// The document of `parts` the finding's resource starts in.
fn part_of(parts: &[Part<'_>], resources: &[ResourceInfo], f: &Finding) -> Option<usize> {
    part_at(parts, resources.get(f.resource_index as usize)?.line)
}

/// The part of `parts` that holds the line `line` (the start of a document).
pub(crate) fn part_at(parts: &[Part<'_>], line: u32) -> Option<usize> {
    parts.iter().enumerate().rev().find(|(_, p)| p.line0 < line).map(|(i, _)| i)
}

/// Rewrites each image of `pins` (from [`unpinned`] or [`unpinned_at`] on the same text)
/// as the new reference given beside it (`app:1.4@sha256:…`); an `images:` entry gets
/// the digest as its `digest:`; a Dockerfile's base is pinned where it is written.
pub fn pin_file(text: &str, pins: &[(Unpinned, String)]) -> FileFix {
    if pins.iter().any(|(u, _)| u.dockerfile) {
        return dockerfile::pin(text, pins);
    }
    let parts = kubegate_yaml::split_stream(text, 1);
    let mut out = FileFix::default();
    for (i, part) in parts.iter().enumerate() {
        let mine: Vec<&(Unpinned, String)> = pins.iter().filter(|(u, _)| u.part == i).collect();
        let after = if mine.is_empty() { part.text.to_string() } else { pin_part(part.text, &mine, &mut out) };
        out.after.push_str(&after);
        out.parts.push((part.text.to_string(), after));
    }
    out
}

fn pin_part(original: &str, pins: &[&(Unpinned, String)], out: &mut FileFix) -> String {
    let arena = Bump::new();
    let Some((index, root)) = crate::plan::document(original, &arena) else { return original.to_string() };
    let mut splices = Vec::new();
    let mut changes = Vec::new();
    let mut made = Vec::new();
    let mut seen: Vec<&Route> = Vec::new();
    for (u, pinned) in pins {
        // One field named by several findings (a base two overlays render) is pinned once.
        if seen.contains(&&u.route) {
            continue;
        }
        seen.push(&u.route);
        if u.entry {
            let digest = pinned.rsplit_once('@').map_or(pinned.as_str(), |(_, d)| d);
            let field = u.route.clone().key("digest");
            let placed = splice::set(original, &root, &field, digest);
            match placed {
                Ok(s) => {
                    splices.push(s);
                    changes.push(Change::Set(field.clone(), digest.to_string()));
                    made.push(Repaired {
                        rule: RULE.to_string(),
                        line: u.line,
                        path: field.to_string(),
                        what: digest.to_string(),
                    });
                }
                Err(why) => out.not_repaired.push(NotRepaired {
                    rule: RULE.to_string(),
                    line: u.line,
                    path: field.to_string(),
                    why: why.0,
                }),
            }
            continue;
        }
        match splice::rewrite_scalar(original, &root, &u.route, &u.image, pinned) {
            Ok((s, source)) => {
                splices.push(s);
                changes.push(Change::Set(u.route.clone(), source));
                made.push(Repaired {
                    rule: RULE.to_string(),
                    line: u.line,
                    path: u.route.to_string(),
                    what: pinned.clone(),
                });
            }
            Err(why) => out.not_repaired.push(NotRepaired {
                rule: RULE.to_string(),
                line: u.line,
                path: u.route.to_string(),
                why: why.0,
            }),
        }
    }
    let text = splice::apply(original, &splices);
    match splice::verify(original, &text, index, &changes) {
        Ok(()) => {
            out.repaired.extend(made);
            text
        }
        Err(why) => {
            out.not_repaired.extend(made.into_iter().map(|r| r.refused(&why.to_string())));
            original.to_string()
        }
    }
}
