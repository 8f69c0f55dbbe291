//! Distribution: the container image script (scripts/build-image) and the revision the
//! image's build passes in (build.rs). No container runtime and no network are needed: the
//! image script is run with a PATH that has no runtime, or a stand-in that records its
//! arguments.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::root;

/// A fresh directory of this test process's own.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubegate-dist-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The first `name` on PATH.
fn which(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exits, not killed by a signal")
}

/// A directory holding only bash and git (links to the real ones), to be the whole PATH:
/// no docker, no podman, whatever this machine has.
fn bare_tools(name: &str) -> PathBuf {
    let dir = scratch(name);
    for tool in ["bash", "git"] {
        let real = which(tool).unwrap_or_else(|| panic!("{tool} is needed by these tests"));
        std::os::unix::fs::symlink(real, dir.join(tool)).unwrap();
    }
    dir
}

/// A stand-in container runtime named `name` in `dir`: it appends its name and arguments,
/// one per line, to `dir/calls`.
fn fake_runtime(dir: &Path, name: &str) {
    let bash = which("bash").unwrap();
    let script = format!(
        "#!{}\n{{ echo {name}; for a in \"$@\"; do echo \"$a\"; done; echo; }} >>{}/calls\n",
        bash.display(),
        dir.display()
    );
    let p = dir.join(name);
    std::fs::write(&p, script).unwrap();
    std::fs::set_permissions(&p, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

fn build_image(path: &Path, args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut c = Command::new(which("bash").unwrap());
    c.arg(root().join("scripts/build-image")).args(args).env("PATH", path).env_remove("KUBEGATE_GIT_REV");
    c.env_remove("KUBEGATE_CONTAINER_RUNTIME");
    for (k, v) in envs {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn head_rev() -> String {
    let out = Command::new("git").args(["rev-parse", "--short=12", "HEAD"]).current_dir(root()).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).trim().to_string()
}

/// `bash -n` on each script, and it is executable.
fn assert_parses(script: &str) {
    let out = Command::new("bash").arg("-n").arg(root().join(script)).output().unwrap();
    assert!(out.status.success(), "{script}: {}", text(&out.stderr));
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(root().join(script)).unwrap().permissions());
    assert_eq!(mode & 0o111, 0o111, "{script} is executable");
}

#[test]
fn the_image_script_parses() {
    assert_parses("scripts/build-image");
}

#[test]
fn the_image_script_needs_docker_or_podman_except_to_print() {
    let tools = bare_tools("no-runtime");
    let out = build_image(&tools, &[], &[]);
    assert_eq!(code(&out), 2, "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("docker or podman is needed"), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());

    // --print: the whole command, with the version of crates/kubegate, both tags and the
    // checkout's revision as the build argument the Dockerfile declares.
    let r = root();
    let version = env!("CARGO_PKG_VERSION");
    let rev = head_rev();
    let out = build_image(&tools, &["--print"], &[]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "docker build --file {r}/Dockerfile --build-arg KUBEGATE_GIT_REV={rev} --tag kubegate:{version} --tag kubegate:latest {r}\n",
            r = r.display()
        )
    );
    let dockerfile = std::fs::read_to_string(r.join("Dockerfile")).unwrap();
    let build_stage = dockerfile.split("\nFROM ").nth(1).unwrap();
    let arg = build_stage.find("\nARG KUBEGATE_GIT_REV").expect("the build stage declares the argument");
    assert!(arg < build_stage.find("cargo build").unwrap(), "declared before the build runs");

    // More tags, only given tags, a revision from the environment, arguments for the build.
    let out =
        build_image(&tools, &["--print", "--tag", "ghcr.io/acme/kubegate:1"], &[("KUBEGATE_GIT_REV", "0123abcd")]);
    let line = text(&out.stdout);
    assert!(
        line.contains("--build-arg KUBEGATE_GIT_REV=0123abcd --tag kubegate:")
            && line.contains(" --tag ghcr.io/acme/kubegate:1 "),
        "{line}"
    );
    let out = build_image(
        &tools,
        &["--no-default-tags", "--tag=acme/kubegate:dev", "--print", "--", "--platform", "linux/amd64"],
        &[],
    );
    assert_eq!(
        text(&out.stdout),
        format!(
            "docker build --file {r}/Dockerfile --build-arg KUBEGATE_GIT_REV={rev} --tag acme/kubegate:dev --platform linux/amd64 {r}\n",
            r = r.display()
        )
    );
    let out = build_image(&tools, &["--no-default-tags", "--print"], &[]);
    assert_eq!(code(&out), 2, "no tag at all");
    let out = build_image(&tools, &["--tagg", "x"], &[]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("unknown argument '--tagg'"), "{}", text(&out.stderr));
    std::fs::remove_dir_all(&tools).ok();
}

#[test]
fn the_image_script_runs_the_runtime_it_finds_with_the_printed_command() {
    let tools = bare_tools("runtimes");
    fake_runtime(&tools, "podman");
    let printed = text(&build_image(&tools, &["--print"], &[]).stdout);
    assert!(printed.starts_with("podman build "), "only podman here: {printed}");
    let out = build_image(&tools, &[], &[]);
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let calls = std::fs::read_to_string(tools.join("calls")).unwrap();
    assert_eq!(calls.trim_end().replace('\n', " "), printed.trim_end(), "ran what --print shows");

    // Both: docker is preferred; KUBEGATE_CONTAINER_RUNTIME chooses.
    fake_runtime(&tools, "docker");
    std::fs::remove_file(tools.join("calls")).unwrap();
    assert_eq!(code(&build_image(&tools, &[], &[])), 0);
    assert_eq!(code(&build_image(&tools, &[], &[("KUBEGATE_CONTAINER_RUNTIME", "podman")])), 0);
    let calls = std::fs::read_to_string(tools.join("calls")).unwrap();
    let runtimes: Vec<&str> =
        calls.split("\n\n").filter(|c| !c.is_empty()).map(|c| c.lines().next().unwrap()).collect();
    assert_eq!(runtimes, ["docker", "podman"]);
    let out = build_image(&tools, &[], &[("KUBEGATE_CONTAINER_RUNTIME", "nerdctl")]);
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("KUBEGATE_CONTAINER_RUNTIME is 'nerdctl', which is not found"));
    std::fs::remove_dir_all(&tools).ok();
}

/// build.rs compiled on its own and run as cargo runs it, outside any Git checkout.
#[test]
fn the_build_script_takes_the_revision_from_the_environment() {
    let dir = scratch("build-rs");
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let exe = dir.join("build-script");
    let out = Command::new(rustc)
        .args(["--edition", "2024", "-O", "-o"])
        .arg(&exe)
        .arg(root().join("crates/kubegate/build.rs"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let run = |rev: Option<&str>| {
        let mut c = Command::new(&exe);
        c.current_dir(&dir).env("GIT_CEILING_DIRECTORIES", dir.parent().unwrap());
        match rev {
            Some(r) => c.env("KUBEGATE_GIT_REV", r),
            None => c.env_remove("KUBEGATE_GIT_REV"),
        };
        let out = c.output().unwrap();
        assert!(out.status.success());
        text(&out.stdout)
    };
    let full = run(Some("0123456789ABCDEF0123456789abcdef01234567"));
    assert!(full.lines().any(|l| l == "cargo:rerun-if-env-changed=KUBEGATE_GIT_REV"), "{full}");
    assert!(full.lines().any(|l| l == "cargo:rustc-env=KUBEGATE_GIT_REV=0123456789ab"), "{full}");
    assert!(
        run(Some(" v0.1.0-3-gdeadbee\n")).lines().any(|l| l == "cargo:rustc-env=KUBEGATE_GIT_REV=v0.1.0-3-gdeadbee")
    );
    // Not a revision: ignored, and outside a checkout there is none.
    let bad = run(Some("abc\ncargo:rustc-env=X=1"));
    assert!(bad.lines().any(|l| l == "cargo:rustc-env=KUBEGATE_GIT_REV="), "{bad}");
    assert!(bad.contains("cargo:warning=KUBEGATE_GIT_REV is not a revision"), "{bad}");
    assert!(!bad.contains("X=1"), "{bad}");
    assert!(run(None).lines().any(|l| l == "cargo:rustc-env=KUBEGATE_GIT_REV="));
    std::fs::remove_dir_all(&dir).ok();
}
