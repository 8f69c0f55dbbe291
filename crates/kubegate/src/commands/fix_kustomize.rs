//! `kubegate fix` through kustomizations: each finding of a rendered kustomization is
//! repaired where the trace leads (kubegate-inputs' `edit_targets`): the base or source
//! file that holds the field, or the patch that sets it; a value a transformation made is
//! listed as not repaired. Written files are checked by rendering and checking the
//! kustomizations again: they must render, and every repaired finding must be gone, or
//! every file is put back as it was.

use crate::commands::edit::{checked, write_all};
use crate::run::Checked;
use kubegate_engine::rules::{self, Repair, RepairValue};
use kubegate_engine::{Finding, InputError, Route, Segment};
use kubegate_fix::plan::{FileFix, Options, Target, fix_targets};
use kubegate_inputs::Input;
use kubegate_inputs::kustomize::edit_targets;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// What a repaired finding looked like: its rule, resource and field in the rendered
/// output. After the edit, no finding may have it.
pub type Repaired = (String, String, String);

/// The files the Kustomize inputs' findings are repaired in, in path order: the path,
/// the name shown, the text before, the repairs; and the rendered findings repaired.
pub struct Fixed {
    pub files: Vec<(PathBuf, String, String, FileFix)>,
    pub repaired: Vec<Repaired>,
    /// The kustomization directories fixed through (to check again).
    pub dirs: Vec<String>,
}

pub fn key(f: &Finding) -> Repaired {
    let r = &f.resource;
    let resource = format!("{}/{}/{}", r.kind, r.namespace.as_deref().unwrap_or(""), r.name.as_deref().unwrap_or(""));
    (f.rule.to_string(), resource, f.path.to_string())
}

/// Plans the repairs of every Kustomize input's findings.
pub fn plan(checked: &Checked, options: &Options) -> Fixed {
    let outcome = &checked.outcome;
    // Per file (by the name shown): the path, and the targets in it.
    let mut by_file: BTreeMap<String, (PathBuf, Vec<Target<'_>>)> = BTreeMap::new();
    let mut dirs = Vec::new();
    for (i, input) in checked.inputs.iter().enumerate() {
        let Input::Kustomize { dir, shown, .. } = input else { continue };
        if outcome.errors.iter().any(|e| e.file() == shown) {
            continue;
        }
        let Ok(rendered) = input.rendered() else { continue };
        let findings: Vec<&Finding> = outcome.findings.iter().filter(|f| f.file_index == i as u32).collect();
        if findings.is_empty() {
            continue;
        }
        dirs.push(shown.clone());
        let overlay = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
        let kustomization = kubegate_inputs::kustomize::kustomization_file(dir);
        for (f, target) in findings.iter().zip(edit_targets(&rendered, &findings)) {
            match target {
                Ok(t) => {
                    let inside = std::fs::canonicalize(&t.path).is_ok_and(|p| p.starts_with(&overlay));
                    // A label whose value is the environment belongs to the overlay: its
                    // kustomization's `labels:` sets it on every resource it renders.
                    let environment = rules::find(&f.rule)
                        .is_some_and(|r| matches!(r.repair, Repair::Set { value: RepairValue::Environment, .. }));
                    let (path, shown, line, route, prepend_instead) = match &kustomization {
                        Some(k) if environment && !inside => (
                            k.clone(),
                            kubegate_inputs::kustomize::shown(k),
                            first_document_line(k),
                            Route::parse("labels"),
                            Some(format!("{{pairs: {{{}: {}}}}}", label_key(&t.route), f.environment)),
                        ),
                        _ => (t.path.clone(), t.shown.clone(), t.document_line, t.route, None),
                    };
                    let entry = by_file.entry(shown).or_insert_with(|| (path, Vec::new()));
                    entry.1.push(Target { finding: f, document_line: line, route, prepend_instead, unplaced: None });
                }
                Err(why) => {
                    let entry =
                        by_file.entry(f.file.to_string()).or_insert_with(|| (PathBuf::from(&*f.file), Vec::new()));
                    entry.1.push(Target {
                        finding: f,
                        document_line: 0,
                        route: f.path.clone(),
                        prepend_instead: None,
                        unplaced: Some(format!("cannot be placed: {why}")),
                    });
                }
            }
        }
    }
    let mut files = Vec::new();
    let mut repaired = Vec::new();
    for (shown, (path, targets)) in by_file {
        let placed = targets.iter().any(|t| t.unplaced.is_none());
        let text = if placed { std::fs::read_to_string(&path).unwrap_or_default() } else { String::new() };
        let fixed = fix_targets(&text, &targets, options);
        for r in &fixed.repaired {
            // The findings this repair answers (the same field of one source may be
            // reported by several overlays).
            for t in targets.iter().filter(|t| *t.finding.rule == r.rule && t.route.to_string() == r.path) {
                repaired.push(key(t.finding));
            }
        }
        files.push((path, shown, text, fixed));
    }
    repaired.sort();
    repaired.dedup();
    Fixed { files, repaired, dirs }
}

/// After the files are written: renders and checks the kustomizations again. They must
/// render and every repaired finding must be gone; otherwise the files are put back
/// (`originals`) and the reason is the error. (A finding a repair brings about is not a
/// failure: a scratch volume for a read-only root filesystem makes `fs-group` apply.)
pub fn verify(
    fixed: &Fixed,
    originals: &[(PathBuf, String, String)],
    config: Option<PathBuf>,
    env: Option<String>,
) -> Result<(), InputError> {
    let mut sink = Vec::new();
    let again = checked(&mut sink, fixed.dirs.clone(), config, env);
    let why = match again {
        Err(_) => Some("the kustomizations could not be checked again".to_string()),
        Ok(again) if !again.outcome.errors.is_empty() => {
            Some(format!("rendering again failed: {}", again.outcome.errors[0]))
        }
        Ok(again) => {
            let now: std::collections::BTreeSet<Repaired> = again.outcome.findings.iter().map(key).collect();
            let left = fixed.repaired.iter().find(|k| now.contains(*k));
            left.map(|(rule, res, path)| format!("{rule} is still reported on {res} at {path}"))
        }
    };
    let Some(why) = why else { return Ok(()) };
    write_all(originals)?;
    Err(InputError::new(
        fixed.dirs.first().map(String::as_str).unwrap_or("kustomization"),
        0,
        0,
        format!("the repairs were put back: after them, {why}"),
    ))
}

/// The line the first document of a file starts at (1 when it cannot be read).
fn first_document_line(path: &std::path::Path) -> u32 {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let arena = kubegate_yaml::Bump::new();
    let loaded = kubegate_yaml::load(&text, &arena);
    loaded.documents.first().map_or(1, |d| d.root.span.start.line)
}

/// The label a route names (`metadata.labels.environment` → `environment`).
fn label_key(route: &Route) -> String {
    match route.segments().last() {
        Some(Segment::Key(k)) => k.clone(),
        _ => "environment".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// When checking again finds a repaired finding still there, every file is put back.
    #[test]
    fn a_repair_the_rendered_check_does_not_confirm_is_put_back() {
        let dir = std::env::temp_dir().join(format!("kubegate-fix-verify-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("app")).unwrap();
        std::fs::write(dir.join("app/kustomization.yaml"), "resources:\n  - pod.yaml\nnamespace: shop-prod\n").unwrap();
        let pod =
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: x\n";
        std::fs::write(dir.join("app/pod.yaml"), pod).unwrap();
        let shown = dir.join("app").display().to_string();
        let env = Some("prod".to_string());
        let before = checked(&mut Vec::new(), vec![shown.clone()], None, env.clone()).ok().unwrap();
        let key = (
            "seccomp-profile".to_string(),
            "Pod/shop-prod/p".to_string(),
            "spec.securityContext.seccompProfile.type".to_string(),
        );
        assert!(before.outcome.findings.iter().any(|f| super::key(f) == key), "the finding exists before");
        // An "edit" that does not repair it: the check after it still finds it.
        std::fs::write(dir.join("app/pod.yaml"), format!("# edited\n{pod}")).unwrap();
        let fixed = Fixed { files: Vec::new(), repaired: vec![key], dirs: vec![shown] };
        let originals = vec![(dir.join("app/pod.yaml"), "app/pod.yaml".to_string(), pod.to_string())];
        let err = verify(&fixed, &originals, None, env).unwrap_err();
        assert!(
            err.to_string().contains(
                "the repairs were put back: after them, seccomp-profile is still reported on Pod/shop-prod/p"
            ),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(dir.join("app/pod.yaml")).unwrap(), pod);
        std::fs::remove_dir_all(&dir).ok();
    }
}
