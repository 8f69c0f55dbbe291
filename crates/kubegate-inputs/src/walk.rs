//! How folders are walked, the same for every purpose (inputs, finding a project's
//! kustomizations): symlinks are followed (`kubectl apply -f DIR` applies what they point
//! at; a loop is an error), hidden files and folders are checked (except `.git`),
//! `.gitignore` is honoured only inside a Git work tree (as Git does), `.kubegateignore`
//! always, and `.ignore` (another tool's file) never.

use ignore::WalkBuilder;
use std::path::{Path, PathBuf};

/// The name of kubegate's own ignore file, in `.gitignore` syntax.
pub const IGNORE_FILE: &str = ".kubegateignore";

/// A walker over `root` with kubegate's rules, in a stable order.
pub fn builder(root: &Path) -> WalkBuilder {
    let mut b = WalkBuilder::new(root);
    b.hidden(false)
        .ignore(false)
        .parents(true)
        .git_ignore(true)
        .git_exclude(true)
        .require_git(true)
        .add_custom_ignore_filename(IGNORE_FILE)
        .follow_links(true)
        .filter_entry(|e| e.file_name() != ".git")
        .sort_by_file_name(|a, b| a.cmp(b));
    b
}

/// Every file under `root` that a walk without ignore files would find (to count what
/// the ignore files left out).
pub fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut b = WalkBuilder::new(root);
    b.standard_filters(false).follow_links(true).filter_entry(|e| e.file_name() != ".git");
    b.build().flatten().filter(|e| e.file_type().is_some_and(|t| t.is_file())).map(|e| e.into_path()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(name: &str, files: &[&str]) -> PathBuf {
        let root = std::env::temp_dir().join(format!("kubegate-walk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for f in files {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, "x: 1\n").unwrap();
        }
        root
    }

    fn walked(root: &Path) -> Vec<String> {
        builder(root)
            .build()
            .flatten()
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| e.path().strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/"))
            .collect()
    }

    #[test]
    fn hidden_files_are_walked_and_git_and_kubegateignore_are_not() {
        let root = tree("rules", &[".hidden/a.yaml", ".b.yaml", "skip/c.yaml", "d.yaml", "e.yaml"]);
        std::fs::write(root.join(IGNORE_FILE), "skip/\n").unwrap();
        // `.ignore` is another tool's file: it does not hide `e.yaml`.
        std::fs::write(root.join(".ignore"), "e.yaml\n").unwrap();
        // Outside a Git work tree, `.gitignore` hides nothing.
        std::fs::write(root.join(".gitignore"), "d.yaml\n").unwrap();
        let listed = [".b.yaml", ".gitignore", ".hidden/a.yaml", ".ignore", ".kubegateignore", "d.yaml", "e.yaml"];
        assert_eq!(walked(&root), listed);
        // Inside one, it does; `.git` itself is never walked.
        std::fs::create_dir_all(root.join(".git")).unwrap();
        std::fs::write(root.join(".git/config.yaml"), "x: 1\n").unwrap();
        let listed: Vec<&str> = listed.into_iter().filter(|f| *f != "d.yaml").collect();
        assert_eq!(walked(&root), listed);
        // What the ignore files left out is counted from a walk without them.
        assert_eq!(all_files(&root).len(), 8);
        let _ = std::fs::remove_dir_all(&root);
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_files_and_folders_are_followed() {
        let root = tree("links", &["real/a.yaml", "b.yaml"]);
        std::os::unix::fs::symlink(root.join("real"), root.join("linked")).unwrap();
        std::os::unix::fs::symlink(root.join("b.yaml"), root.join("c.yaml")).unwrap();
        assert_eq!(walked(&root), ["b.yaml", "c.yaml", "linked/a.yaml", "real/a.yaml"]);
        let _ = std::fs::remove_dir_all(&root);
    }
}
