//! The repairs of one file: each finding's rule says how it is repaired (`Rule::repair`);
//! the edits are made document by document, each on the document as the previous edit
//! left it, and the document's edits together are checked ([`crate::splice::verify`]);
//! what fails the check leaves the document as it was, with the reason.

use crate::splice::{self, Change, Refused};
use kubegate_engine::evaluate::ResourceInfo;
use kubegate_engine::rules::{self, Repair, RepairValue, Safety};
use kubegate_engine::{Finding, Route};
use kubegate_yaml::Bump;

/// Which repairs to make.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Also the repairs a reviewer must look at (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Only these rules (`--rule`); empty: every rule.
    pub rules: Vec<String>,
}

/// One repair, made or not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repaired {
    pub rule: String,
    /// The finding's line before the fix.
    pub line: u32,
    pub path: String,
    /// What was written (`false`, `ALL` first in the list).
    pub what: String,
}

/// Why a finding was not repaired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotRepaired {
    pub rule: String,
    pub line: u32,
    pub path: String,
    pub why: String,
}

/// What fixing one file gives.
#[derive(Clone, Debug, Default)]
pub struct FileFix {
    /// The file's text after the repairs (its text when none was made).
    pub after: String,
    pub repaired: Vec<Repaired>,
    /// Repairs refused (the edit could not be placed or checked) or left (unsafe without
    /// `--unsafe-fixes`, a value someone set).
    pub not_repaired: Vec<NotRepaired>,
    /// Findings no repair is written for: a person decides the value.
    pub manual: Vec<NotRepaired>,
    /// The file's documents before and after (for a diff).
    pub parts: Vec<(String, String)>,
}

struct Planned {
    rule: String,
    line: u32,
    route: Route,
    repair: Repair,
    value: String,
}

/// Repairs the `findings` of the file `text` (findings of this file; `resources` is the
/// run's list they index into).
pub fn fix_file(text: &str, findings: &[&Finding], resources: &[ResourceInfo], opts: &Options) -> FileFix {
    let mut out = FileFix { after: String::new(), ..FileFix::default() };
    let parts = kubegate_yaml::split_stream(text, 1);
    let mut planned: Vec<Vec<Planned>> = parts.iter().map(|_| Vec::new()).collect();
    let not = |f: &Finding, why: String| NotRepaired {
        rule: f.rule.to_string(),
        line: f.line,
        path: f.path.to_string(),
        why,
    };
    for f in findings {
        let Some(rule) = rules::find(&f.rule) else { continue };
        if f.exemption.is_some() || (!opts.rules.is_empty() && !opts.rules.iter().any(|r| r == rule.id)) {
            continue;
        }
        let (value, safety) = match rule.repair {
            Repair::Manual => {
                out.manual.push(not(f, rule.doc.help.to_string()));
                continue;
            }
            Repair::Pin => {
                out.manual.push(not(f, "run `kubegate pin`: it looks up the tag's digest in the registry".into()));
                continue;
            }
            Repair::Set { value: RepairValue::Text(t), safety, .. } => (t.to_string(), safety),
            Repair::Set { value: RepairValue::Environment, safety, .. } => (f.environment.to_string(), safety),
            Repair::Prepend { item, safety } => (item.to_string(), safety),
        };
        if let Safety::Unsafe(why) = safety
            && !opts.unsafe_fixes
        {
            out.not_repaired.push(not(f, format!("needs --unsafe-fixes: {why}")));
            continue;
        }
        // The part (one document) the finding's resource starts in.
        let Some(p) = crate::pin::part_of(&parts, resources, f) else { continue };
        planned[p].push(Planned {
            rule: rule.id.to_string(),
            line: f.line,
            route: f.path.clone(),
            repair: rule.repair,
            value,
        });
    }
    for (part, changes) in parts.iter().zip(planned) {
        if changes.is_empty() {
            out.after.push_str(part.text);
            out.parts.push((part.text.to_string(), part.text.to_string()));
            continue;
        }
        match fix_part(part, changes, &mut out) {
            Ok(text) => {
                out.after.push_str(&text);
                out.parts.push((part.text.to_string(), text));
            }
            Err((why, changes)) => {
                out.after.push_str(part.text);
                out.parts.push((part.text.to_string(), part.text.to_string()));
                out.repaired.retain(|r| {
                    !changes.iter().any(|c| c.rule == r.rule && c.line == r.line && c.route.to_string() == r.path)
                });
                for c in changes {
                    out.not_repaired.push(NotRepaired {
                        rule: c.rule,
                        line: c.line,
                        path: c.route.to_string(),
                        why: why.clone(),
                    });
                }
            }
        }
    }
    out
}

/// Makes the repairs of one document, one after another (each placed on the document as
/// the previous one left it), and checks them together.
fn fix_part(
    part: &kubegate_yaml::Part<'_>,
    changes: Vec<Planned>,
    out: &mut FileFix,
) -> Result<String, (String, Vec<Planned>)> {
    let original = part.text;
    let mut text = original.to_string();
    let mut made: Vec<Change> = Vec::new();
    let mut done: Vec<Planned> = Vec::new();
    let mut queue: std::collections::VecDeque<Planned> = changes.into();
    // Repairs whose mapping or list exists are placed together on one parse; one that
    // creates the mappings on its way is placed alone, and the document parsed again
    // before the next (which may need what it created).
    while !queue.is_empty() {
        let current = text.clone();
        let arena = Bump::new();
        let Some((_, root)) = document(&current, &arena) else { break };
        let mut pending = Vec::new();
        while let Some(c) = queue.pop_front() {
            if done.iter().any(|d| d.route == c.route && d.value == c.value) {
                continue;
            }
            let alone = root.at(&c.route.parent(1)).is_none();
            if alone && !pending.is_empty() {
                queue.push_front(c);
                break;
            }
            let existing = root.at(&c.route);
            let step = match c.repair {
                Repair::Set { only_missing: true, .. } if existing.is_some_and(|n| !n.is_null()) => {
                    Err(Refused(format!("left as set ({})", existing.map(|n| n.shown()).unwrap_or_default())))
                }
                Repair::Prepend { .. } if existing.is_some_and(|n| matches!(n.data, kubegate_yaml::Data::Seq(_))) => {
                    splice::prepend(&current, &root, &c.route, &c.value)
                        .map(|s| (s, Change::Prepend(c.route.clone(), c.value.clone())))
                }
                Repair::Prepend { .. } => {
                    let list = format!("[{}]", c.value);
                    splice::set(&current, &root, &c.route, &list).map(|s| (s, Change::Set(c.route.clone(), list)))
                }
                _ => splice::set(&current, &root, &c.route, &c.value)
                    .map(|s| (s, Change::Set(c.route.clone(), c.value.clone()))),
            };
            match step {
                Ok((s, change)) => {
                    pending.push(s);
                    let what = match &change {
                        Change::Prepend(_, item) => format!("{item} first in the list"),
                        Change::Set(_, v) => v.clone(),
                    };
                    out.repaired.push(Repaired { rule: c.rule.clone(), line: c.line, path: c.route.to_string(), what });
                    made.push(change);
                    done.push(c);
                    if alone {
                        break;
                    }
                }
                Err(Refused(why)) => {
                    out.not_repaired.push(NotRepaired { rule: c.rule, line: c.line, path: c.route.to_string(), why })
                }
            }
        }
        text = splice::apply(&current, &pending);
    }
    let arena = Bump::new();
    let index = document(original, &arena).map_or(0, |(i, _)| i);
    match splice::verify(original, &text, index, &made) {
        Ok(()) => Ok(text),
        Err(Refused(why)) => Err((format!("refused: {why}"), done)),
    }
}

/// The first document of `text` that is not empty, and its index.
pub(crate) fn document<'a>(text: &'a str, arena: &'a Bump) -> Option<(usize, kubegate_yaml::Node<'a>)> {
    let loaded = kubegate_yaml::load(text, arena);
    let index = loaded.documents.iter().position(|d| !d.root.is_null())?;
    Some((index, loaded.documents[index].root))
}
