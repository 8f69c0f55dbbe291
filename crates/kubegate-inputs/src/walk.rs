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
