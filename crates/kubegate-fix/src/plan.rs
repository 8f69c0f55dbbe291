//! The repairs of one file: each finding's rule says how it is repaired (`Rule::repair`);
//! the edits are made document by document, each on the document as the previous edit
//! left it, and the document's edits together are checked ([`crate::splice::verify`]);
//! what fails the check leaves the document as it was, with the reason.

use crate::splice::{self, Change, Refused};
use kubegate_engine::evaluate::ResourceInfo;
use kubegate_engine::rules::{self, Repair, RepairValue};
use kubegate_engine::{Finding, Route};
use kubegate_yaml::Bump;

/// Which repairs to make, and the values the config chooses.
#[derive(Clone, Debug)]
pub struct Options {
    /// Also the repairs a reviewer must look at (`--unsafe-fixes`).
    pub unsafe_fixes: bool,
    /// Only these rules (`--rule`); empty: every rule.
    pub rules: Vec<String>,
    /// The `sizeLimit` of `emptyDir` volumes (`fix.empty_dir_size_limit`).
    pub size_limit: String,
    /// The `runAsUser` written where none is set (`fix.run_as_user`).
    pub run_as_user: i64,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            unsafe_fixes: false,
            rules: Vec::new(),
            size_limit: rules::DEFAULT_SIZE_LIMIT.to_string(),
            run_as_user: rules::DEFAULT_RUN_AS_USER,
        }
    }
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

impl Repaired {
    /// The repair, refused when its document's check failed (`why`).
    pub(crate) fn refused(self, why: &str) -> NotRepaired {
        NotRepaired { rule: self.rule, line: self.line, path: self.path, why: format!("refused: {why}") }
    }
}

/// Why a finding was not repaired.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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

/// A finding to repair in a file: the document (by the line it starts at) and the field's
/// route in it. For a plain file these are the finding's own; for a kustomization's
/// finding, the source or patch the trace leads to.
#[derive(Clone, Debug)]
pub struct Target<'f> {
    pub finding: &'f Finding,
    pub document_line: u32,
    pub route: Route,
    /// Instead of the rule's repair, this item is put first in the list at `route` (the
    /// `environment` label of a kustomization's resources is set by its `labels:`).
    pub prepend_instead: Option<String>,
    /// Why the finding has no place to be repaired (a value a Kustomize transformation
    /// made): a repair it would get is listed as not made, with this reason.
    pub unplaced: Option<String>,
}

/// Repairs the `findings` of the file `text` (findings of this file; `resources` is the
/// run's list they index into).
pub fn fix_file(text: &str, findings: &[&Finding], resources: &[ResourceInfo], opts: &Options) -> FileFix {
    let targets: Vec<Target<'_>> = findings
        .iter()
        .filter_map(|f| {
            let line = resources.get(f.resource_index as usize)?.line;
            Some(Target {
                finding: f,
                document_line: line,
                route: f.path.clone(),
                prepend_instead: None,
                unplaced: None,
            })
        })
        .collect();
    fix_targets(text, &targets, opts)
}

/// Repairs the findings of `targets` in the file `text`, each at its target.
pub fn fix_targets(text: &str, targets: &[Target<'_>], opts: &Options) -> FileFix {
    let mut out = FileFix { after: String::new(), ..FileFix::default() };
    let parts = kubegate_yaml::split_stream(text, 1);
    let mut planned: Vec<Vec<Planned>> = parts.iter().map(|_| Vec::new()).collect();
    for t in targets {
        let f = t.finding;
        let not = |f: &Finding, why: String| NotRepaired {
            rule: f.rule.to_string(),
            line: f.line,
            path: t.route.to_string(),
            why,
        };
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
            Repair::Set { value, safety, .. } => {
                let value = match value {
                    RepairValue::Text(t) => t.to_string(),
                    RepairValue::Environment => f.environment.to_string(),
                    RepairValue::SizeLimit => opts.size_limit.clone(),
                    RepairValue::RunAsUser => opts.run_as_user.to_string(),
                };
                (value, safety)
            }
            Repair::Prepend { item, safety } => (item.to_string(), safety),
            Repair::SetAndMountScratch { value, safety, .. } => (value.to_string(), safety),
        };
        let risk = safety.risk(&t.route);
        if let Some(why) = risk
            && !opts.unsafe_fixes
        {
            out.not_repaired.push(not(f, format!("needs --unsafe-fixes: {why}")));
            continue;
        }
        if let Some(why) = &t.unplaced {
            out.not_repaired.push(not(f, why.clone()));
            continue;
        }
        // The part (one document) the target's document starts in.
        let Some(p) = crate::pin::part_at(&parts, t.document_line) else { continue };
        let (repair, value) = match &t.prepend_instead {
            Some(item) => (Repair::Prepend { item: "", safety }, item.clone()),
            None => (rule.repair, value),
        };
        planned[p].push(Planned { rule: rule.id.to_string(), line: f.line, route: t.route.clone(), repair, value });
    }
    // One source field reported by several overlays is one line of the report.
    let mut seen = std::collections::HashSet::new();
    out.not_repaired.retain(|n| seen.insert(n.clone()));
    let mut seen = std::collections::HashSet::new();
    out.manual.retain(|n| seen.insert(n.clone()));
    for (part, changes) in parts.iter().zip(planned) {
        if changes.is_empty() {
            out.after.push_str(part.text);
            out.parts.push((part.text.to_string(), part.text.to_string()));
            continue;
        }
        match fix_part(part, changes, opts, &mut out) {
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
    opts: &Options,
    out: &mut FileFix,
) -> Result<String, (String, Vec<Planned>)> {
    let original = part.text;
    let mut changes = {
        let arena = Bump::new();
        match document(original, &arena) {
            Some((_, root)) => expand(&root, changes, opts),
            None => changes,
        }
    };
    // The findings' routes count list items as the document has them: every field is
    // set before any list gains an item at its head (which would shift the items after
    // it, `volumes[0]` then being the new volume).
    changes.sort_by_key(|c| matches!(c.repair, Repair::Prepend { .. }));
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
            // Already so: an earlier repair made it through an anchor this field shares.
            let satisfied = match c.repair {
                Repair::Prepend { .. } => {
                    existing.and_then(|n| n.items().first()).is_some_and(|i| splice::holds(i, &c.value))
                }
                _ => existing.is_some_and(|n| splice::holds(n, &c.value)),
            };
            let step = match c.repair {
                _ if satisfied => Ok((
                    None,
                    match c.repair {
                        Repair::Prepend { .. } => Change::Prepend(c.route.clone(), c.value.clone()),
                        _ => Change::Set(c.route.clone(), c.value.clone()),
                    },
                )),
                Repair::Set { only_missing: true, .. } if existing.is_some_and(|n| !n.is_null()) => {
                    Err(Refused(format!("left as set ({})", existing.map(|n| n.shown()).unwrap_or_default())))
                }
                Repair::Prepend { .. } if existing.is_some_and(|n| matches!(n.data, kubegate_yaml::Data::Seq(_))) => {
                    splice::prepend(&current, &root, &c.route, &c.value)
                        .map(|s| (Some(s), Change::Prepend(c.route.clone(), c.value.clone())))
                }
                Repair::Prepend { .. } => {
                    let list = format!("[{}]", c.value);
                    splice::set(&current, &root, &c.route, &list).map(|s| (Some(s), Change::Set(c.route.clone(), list)))
                }
                _ => splice::set(&current, &root, &c.route, &c.value)
                    .map(|s| (Some(s), Change::Set(c.route.clone(), c.value.clone()))),
            };
            match step {
                Ok((s, change)) => {
                    // Two fields that share an anchored mapping place the same splice.
                    if let Some(s) = s
                        && !pending.contains(&s)
                    {
                        pending.push(s);
                    }
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

/// A repair that also mounts scratch space becomes its steps: the field set; the mount
/// prepended to the container's `volumeMounts` (unless something is mounted at that
/// path); the `emptyDir` volume prepended to the pod's `volumes` (unless a volume of that
/// name is there). The volume is `tmp`, or `kubegate-tmp` when the pod's `tmp` is not an
/// `emptyDir`; two containers share it.
fn expand(root: &kubegate_yaml::Node<'_>, changes: Vec<Planned>, opts: &Options) -> Vec<Planned> {
    let mut out = Vec::new();
    for c in changes {
        let Repair::SetAndMountScratch { value, mount, safety } = c.repair else {
            out.push(c);
            continue;
        };
        // `….containers[i].securityContext.field`: the container, and its pod spec.
        let (container, pod) = (c.route.parent(2), c.route.parent(4));
        let mounts = container.clone().key("volumeMounts");
        let mounted = root
            .at(&mounts)
            .is_some_and(|l| l.items().iter().any(|m| m.get("mountPath").and_then(|p| p.as_str()) == Some(mount)));
        let step = |route: kubegate_yaml::Route, value: String, repair: Repair| Planned {
            rule: c.rule.clone(),
            line: c.line,
            route,
            repair,
            value,
        };
        out.push(step(
            c.route.clone(),
            value.to_string(),
            Repair::Set { value: RepairValue::Text(value), safety, only_missing: false },
        ));
        if mounted {
            continue;
        }
        let volumes = pod.clone().key("volumes");
        let named = |name: &str| {
            root.at(&volumes)
                .and_then(|l| l.items().iter().find(|v| v.get("name").and_then(|n| n.as_str()) == Some(name)))
        };
        let name = match named("tmp") {
            Some(v) if v.get("emptyDir").is_none() => "kubegate-tmp",
            _ => "tmp",
        };
        let item = format!("{{name: {name}, mountPath: {mount}}}");
        out.push(step(mounts, item, Repair::Prepend { item: "", safety }));
        if named(name).is_none() {
            let item = format!("{{name: {name}, emptyDir: {{sizeLimit: {}}}}}", opts.size_limit);
            out.push(step(volumes, item, Repair::Prepend { item: "", safety }));
        }
    }
    out
}

/// The first document of `text` that is not empty, and its index.
pub(crate) fn document<'a>(text: &'a str, arena: &'a Bump) -> Option<(usize, kubegate_yaml::Node<'a>)> {
    let loaded = kubegate_yaml::load(text, arena);
    let index = loaded.documents.iter().position(|d| !d.root.is_null())?;
    Some((index, loaded.documents[index].root))
}
