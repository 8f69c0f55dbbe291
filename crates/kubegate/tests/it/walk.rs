//! How a folder is walked: nothing is skipped without a word. Symlinks are followed (a
//! loop is an error), hidden files are checked (not `.git`), `.gitignore` counts only in
//! a Git work tree, `.kubegateignore` always, `.ignore` never, and every file left out is
//! counted in the summary; nested Lists are checked at any depth.

use crate::common;

use common::{root, run_in};
use serde_json::Value;
use std::path::{Path, PathBuf};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: NAME\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.0\n      securityContext:\n        privileged: true\n";

fn write(dir: &Path, rel: &str, name: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, POD.replace("NAME", name)).unwrap();
}

fn tree(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubegate-walk-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    write(&dir, "repo/app.yaml", "app");
    write(&dir, "repo/.hidden/dot.yaml", "dot");
    write(&dir, "repo/by-ignore.yaml", "by-ignore");
    write(&dir, "repo/by-gitignore.yaml", "by-gitignore");
    write(&dir, "repo/vendor/third.yaml", "third");
    write(&dir, "outside/linked.yaml", "linked");
    std::fs::write(dir.join("repo/.ignore"), "by-ignore.yaml\n").unwrap();
    std::fs::write(dir.join("repo/.gitignore"), "by-gitignore.yaml\n").unwrap();
    std::fs::write(dir.join("repo/.kubegateignore"), "vendor/\n").unwrap();
    std::os::unix::fs::symlink(dir.join("outside/linked.yaml"), dir.join("repo/link.yaml")).unwrap();
    std::os::unix::fs::symlink(dir.join("outside"), dir.join("repo/linked-dir")).unwrap();
    dir
}

/// The names of the pods checked, sorted, and the skipped files with why.
fn checked(dir: &Path, path: &str) -> (i32, Vec<String>, Vec<String>, Value) {
    let r = run_in(dir, &["test", path, "-o", "json", "--env", "dev"], None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut names: Vec<String> =
        v["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap().to_string()).collect();
    names.sort();
    let skipped = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| format!("{} ({})", s["file"].as_str().unwrap(), s["why"].as_str().unwrap()))
        .collect();
    (r.code, names, skipped, v)
}

#[test]
fn symlinks_hidden_files_and_ignore_files_are_walked_as_kubectl_and_git_would() {
    let dir = tree("plain");
    // No Git work tree: `.gitignore` is not Git's yet; `.ignore` is never kubegate's.
    let (code, names, skipped, _) = checked(&dir, "repo");
    assert_eq!(code, 1);
    assert_eq!(names, ["app", "by-gitignore", "by-ignore", "dot", "linked", "linked"]);
    assert_eq!(skipped, ["repo/vendor/third.yaml (ignored by .gitignore or .kubegateignore)"]);
    // Inside a Git work tree `.gitignore` counts, and what it leaves out is counted too;
    // `.git` itself is never read.
    std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
    write(&dir, "repo/.git/info.yaml", "inside-git");
    let (_, names, skipped, v) = checked(&dir, "repo");
    assert_eq!(names, ["app", "by-ignore", "dot", "linked", "linked"]);
    assert_eq!(
        skipped,
        [
            "repo/by-gitignore.yaml (ignored by .gitignore or .kubegateignore)",
            "repo/vendor/third.yaml (ignored by .gitignore or .kubegateignore)",
        ]
    );
    assert_eq!(v["summary"]["skipped"], 2);
    let r = run_in(&dir, &["test", "repo", "--env", "dev", "--no-color"], None);
    assert!(
        r.stdout.contains("\n5 files (2 skipped), 5 resources (dev 5): 10 denials, 55 warnings, 0 errors\nnext: "),
        "{}",
        r.stdout
    );
}

#[test]
fn a_symlink_loop_is_an_error_and_the_rest_is_still_checked() {
    let dir = tree("loop");
    std::os::unix::fs::symlink(dir.join("repo"), dir.join("repo/.hidden/back")).unwrap();
    let (code, names, _, v) = checked(&dir, "repo");
    assert_eq!(code, 2);
    let errors: Vec<&str> = v["errors"].as_array().unwrap().iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].starts_with("cannot walk: File system loop found"), "{errors:?}");
    assert!(names.contains(&"app".to_string()));
}

#[test]
fn lists_inside_lists_are_checked_and_malformed_items_are_errors() {
    let (code, v) = {
        let r = run_in(&root(), &["test", "crates/kubegate/tests/data/hostile/nested-list.yaml", "-o", "json"], None);
        (r.code, serde_json::from_str::<Value>(&r.stdout).unwrap())
    };
    assert_eq!(code, 2);
    let privileged: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "privileged")
        .map(|f| format!("{}:{} {}", f["line"], f["column"], f["resource"]["name"].as_str().unwrap()))
        .collect();
    assert_eq!(privileged, ["16:29 deep"]);
    let errors: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{} {}", e["line"], e["column"], e["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            "21:3 `items` of a List must be a list of resources, found a mapping",
            "28:8 `items` of a List must be a list of resources, found a string",
        ]
    );
}

#[test]
fn exclude_globs_leave_files_out_of_a_walk_and_count_them() {
    let dir = tree("exclude");
    write(&dir, "repo/legacy/old.yaml", "old");
    write(&dir, "repo/legacy/deep/older.yaml", "older");
    // On the command line: relative to the working directory; `**` crosses folders.
    let r = run_in(&dir, &["test", "repo", "-o", "json", "--env", "dev", "--exclude", "repo/legacy/**"], None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let skipped: Vec<String> =
        v["skipped"].as_array().unwrap().iter().map(|s| format!("{} ({})", s["file"], s["why"])).collect();
    assert!(
        skipped.contains(&r#""repo/legacy/deep/older.yaml" ("excluded by --exclude `repo/legacy/**`")"#.to_string()),
        "{skipped:?}"
    );
    assert!(
        skipped.contains(&r#""repo/legacy/old.yaml" ("excluded by --exclude `repo/legacy/**`")"#.to_string()),
        "{skipped:?}"
    );
    let names: Vec<&str> = v["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert!(!names.contains(&"old") && !names.contains(&"older") && names.contains(&"app"), "{names:?}");
    // In the config: relative to its folder; `*` stays within a folder. A named file is
    // still checked.
    std::fs::write(dir.join("repo/kubegate.yaml"), "exclude: [\"legacy/*.yaml\"]\n").unwrap();
    let r = run_in(&dir.join("repo"), &["test", ".", "legacy/old.yaml", "-o", "json", "--env", "dev"], None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let skipped: Vec<String> =
        v["skipped"].as_array().unwrap().iter().map(|s| format!("{} ({})", s["file"], s["why"])).collect();
    assert!(
        skipped
            .contains(&r#""legacy/old.yaml" ("excluded by `legacy/*.yaml` (exclude: in kubegate.yaml)")"#.to_string()),
        "{skipped:?}"
    );
    let mut names: Vec<&str> = v["resources"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort();
    assert_eq!(names.iter().filter(|n| **n == "old").count(), 1, "named, it is checked: {names:?}");
    assert!(names.contains(&"older"), "{names:?}");
    // A bad glob is an error that names the flag.
    let r = run_in(&dir, &["test", "repo", "--exclude", "[x"], None);
    assert_eq!(r.code, 2);
    assert!(r.stderr.starts_with("error: --exclude: bad glob `[x`"), "{}", r.stderr);
    std::fs::remove_dir_all(&dir).ok();
}
