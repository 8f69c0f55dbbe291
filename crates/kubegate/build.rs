//! Records the Git revision kubegate is built from (`kubegate version`): `KUBEGATE_GIT_REV`
//! when it is set (a container build, whose context has no `.git`; a CI job that knows its
//! commit), else the checkout's `HEAD`; an empty revision otherwise (a source archive,
//! `cargo install` from a registry).

use std::process::Command;

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok().filter(|o| o.status.success())?;
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string()).filter(|s| !s.is_empty())
}

/// A revision given from outside: trimmed, and a full hexadecimal object name shortened to
/// the 12 digits a checkout build shows. A value with spaces or control characters is not a
/// revision (and must not reach the `cargo:` lines): it is ignored with a warning.
fn given_rev(value: &str) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if !v.bytes().all(|b| b.is_ascii_graphic()) {
        println!("cargo:warning=KUBEGATE_GIT_REV is not a revision (spaces or control characters); ignored");
        return None;
    }
    if v.len() > 12 && v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(v[..12].to_ascii_lowercase());
    }
    Some(v.to_string())
}

fn main() {
    println!("cargo:rerun-if-env-changed=KUBEGATE_GIT_REV");
    let rev = std::env::var("KUBEGATE_GIT_REV")
        .ok()
        .and_then(|v| given_rev(&v))
        .or_else(|| git(&["rev-parse", "--short=12", "HEAD"]))
        .unwrap_or_default();
    println!("cargo:rustc-env=KUBEGATE_GIT_REV={rev}");
    // Built again when HEAD moves: a commit, a checkout, a fetch that packs the refs.
    for path in ["HEAD", "packed-refs"] {
        if let Some(p) = git(&["rev-parse", "--git-path", path]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(branch) = git(&["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = git(&["rev-parse", "--git-path", &branch])
    {
        println!("cargo:rerun-if-changed={p}");
    }
}
