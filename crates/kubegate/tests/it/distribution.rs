//! Distribution: the container image script (scripts/build-image) and the revision the
//! image's build passes in (build.rs), and the composite GitHub Action (action.yml and the
//! scripts its steps run), and the pre-commit hooks (.pre-commit-hooks.yaml) run by
//! pre-commit itself. No container runtime and no network are needed: the image script is
//! run with a PATH that has no runtime, or a stand-in that records its arguments; the
//! action's steps run here as a runner would run them, with kubegate already on PATH.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

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

/// The directory of the kubegate binary under test, for PATH.
fn kubegate_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_kubegate")).parent().unwrap().to_path_buf()
}

fn path_with_kubegate() -> String {
    format!("{}:{}", kubegate_dir().display(), std::env::var("PATH").unwrap_or_default())
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

// --- The GitHub Action -------------------------------------------------------------------

/// action.yml, read with kubegate's own YAML loader, as plain values.
struct Action {
    using: String,
    /// Input name and default.
    inputs: Vec<(String, String)>,
    steps: Vec<Step>,
}

struct Step {
    id: Option<String>,
    name: String,
    run: Option<String>,
    shell: Option<String>,
    uses: Option<String>,
    cond: Option<String>,
    env: Vec<(String, String)>,
    with: Vec<(String, String)>,
}

fn action() -> Action {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    let arena = kubegate_yaml::Bump::new();
    let loaded = kubegate_yaml::load(&text, &arena);
    assert!(loaded.error.is_none() && loaded.duplicates.is_empty(), "{:?}", loaded.error);
    let doc = &loaded.documents[0].root;
    let s = |n: &kubegate_yaml::Node<'_>, k: &str| n.get(k).and_then(|v| v.scalar_text()).map(str::to_string);
    let pairs = |n: Option<&kubegate_yaml::Node<'_>>| -> Vec<(String, String)> {
        n.map(|m| m.entries().iter().map(|(k, v)| (k.text.to_string(), v.scalar_text().unwrap().to_string())).collect())
            .unwrap_or_default()
    };
    let inputs = doc
        .get("inputs")
        .unwrap()
        .entries()
        .iter()
        .map(|(k, v)| {
            assert!(s(v, "description").is_some(), "input {} has a description", k.text);
            (k.text.to_string(), s(v, "default").unwrap_or_default())
        })
        .collect();
    let runs = doc.get("runs").unwrap();
    let steps = runs
        .get("steps")
        .unwrap()
        .items()
        .iter()
        .map(|st| Step {
            id: s(st, "id"),
            name: s(st, "name").unwrap(),
            run: s(st, "run"),
            shell: s(st, "shell"),
            uses: s(st, "uses"),
            cond: s(st, "if"),
            env: pairs(st.get("env")),
            with: pairs(st.get("with")),
        })
        .collect();
    Action { using: s(runs, "using").unwrap(), inputs, steps }
}

#[test]
fn the_action_scripts_parse() {
    assert_parses("scripts/action-install");
    assert_parses("scripts/action-run");
}

#[test]
fn the_action_is_composite_and_its_scripts_get_inputs_through_the_environment() {
    let a = action();
    assert_eq!(a.using, "composite");
    let inputs: Vec<(&str, &str)> = a.inputs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(
        inputs,
        [
            ("paths", "."),
            ("env", ""),
            ("format", "github"),
            ("args", ""),
            ("fail-on-warn", "false"),
            ("sarif", "true"),
            ("sarif-file", "kubegate.sarif"),
            ("version", ""),
            ("repository", "kubegate/kubegate"),
            ("install", "auto"),
        ]
    );
    let names: Vec<&str> = a.steps.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Install kubegate", "Run kubegate", "Upload SARIF to code scanning", "kubegate's verdict"]);
    for step in a.steps.iter().filter(|s| s.run.is_some()) {
        let run = step.run.as_deref().unwrap();
        // No expression is pasted into a script: an input such as `paths: "$(curl …)"`
        // stays data.
        assert!(!run.contains("${{"), "{}: {run}", step.name);
        assert_eq!(step.shell.as_deref(), Some("bash"), "{}", step.name);
        let out = Command::new("bash").args(["-n", "-c", run]).output().unwrap();
        assert!(out.status.success(), "{}: {}", step.name, text(&out.stderr));
        for (k, v) in &step.env {
            assert!(k.starts_with("KUBEGATE_") && v.starts_with("${{ ") && v.ends_with(" }}"), "{k}: {v}");
        }
    }
    let upload = &a.steps[2];
    assert_eq!(upload.uses.as_deref(), Some("github/codeql-action/upload-sarif@v3"));
    assert_eq!(
        upload.cond.as_deref(),
        Some("always() && inputs.sarif == 'true' && steps.run.outputs.sarif-file != ''"),
        "uploaded when kubegate denied too, and only when asked for"
    );
    assert!(upload.with.contains(&("sarif_file".into(), "${{ steps.run.outputs.sarif-file }}".into())));
    assert_eq!(a.steps[1].id.as_deref(), Some("run"));
    assert_eq!(a.steps[3].cond.as_deref(), Some("always() && steps.run.outputs.exit-code != ''"));
}

/// What running the action's `run:` steps produced.
struct ActionRun {
    /// Each run step's name, exit status and output (stdout and stderr).
    steps: Vec<(String, i32, String)>,
    /// The `run` step's outputs (GITHUB_OUTPUT).
    outputs: Vec<(String, String)>,
    /// What was added to the job's PATH (GITHUB_PATH).
    added_path: String,
}

impl ActionRun {
    fn output(&self, key: &str) -> &str {
        self.outputs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or("")
    }
    fn step(&self, name: &str) -> &(String, i32, String) {
        self.steps.iter().find(|s| s.0 == name).unwrap_or_else(|| panic!("{name} did not run"))
    }
}

/// Runs the action's `run:` steps in order, as a runner does (`bash --noprofile --norc -eo
/// pipefail FILE`, each step's env: with `${{ inputs.* }}` and `${{ steps.run.outputs.* }}`
/// filled in), in `workspace`; the `uses:` step (the upload) is GitHub's and not run. A
/// failing step ends the job, except that the verdict step runs when the run step set an
/// exit code, as its `if:` says.
fn run_action(workspace: &Path, given: &[(&str, &str)], path: &str) -> ActionRun {
    let a = action();
    let input = |name: &str| -> String {
        given.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string()).unwrap_or_else(|| {
            a.inputs.iter().find(|(k, _)| k == name).unwrap_or_else(|| panic!("no input {name}")).1.clone()
        })
    };
    let runner = workspace.join("../runner");
    std::fs::create_dir_all(&runner).unwrap();
    let (output_file, path_file) = (runner.join("output"), runner.join("path"));
    std::fs::write(&output_file, "").unwrap();
    std::fs::write(&path_file, "").unwrap();
    let outputs = || -> Vec<(String, String)> {
        std::fs::read_to_string(&output_file)
            .unwrap()
            .lines()
            .map(|l| {
                let (k, v) = l.split_once('=').unwrap();
                (k.to_string(), v.to_string())
            })
            .collect()
    };
    let mut steps = Vec::new();
    let mut failed = false;
    for (i, step) in a.steps.iter().enumerate() {
        let Some(run) = &step.run else { continue };
        let exit_code_set = outputs().iter().any(|(k, v)| k == "exit-code" && !v.is_empty());
        if failed && !(step.cond.as_deref().is_some_and(|c| c.contains("steps.run.outputs.exit-code")) && exit_code_set)
        {
            continue;
        }
        let script = runner.join(format!("step-{i}.sh"));
        std::fs::write(&script, run).unwrap();
        let mut c = Command::new("bash");
        c.args(["--noprofile", "--norc", "-eo", "pipefail"]).arg(&script).current_dir(workspace);
        c.env("PATH", path)
            .env("GITHUB_ACTION_PATH", root())
            .env("GITHUB_WORKSPACE", workspace)
            .env("GITHUB_OUTPUT", &output_file)
            .env("GITHUB_PATH", &path_file)
            .env("RUNNER_TEMP", &runner)
            .env_remove("NO_COLOR");
        for (k, v) in &step.env {
            let expr = v.trim_start_matches("${{ ").trim_end_matches(" }}");
            let value = if let Some(name) = expr.strip_prefix("inputs.") {
                input(name)
            } else if let Some(key) = expr.strip_prefix("steps.run.outputs.") {
                outputs().iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default()
            } else {
                panic!("{k}: an expression this test does not know: {v}")
            };
            c.env(k, value);
        }
        let out = c.output().unwrap();
        let status = code(&out);
        failed |= status != 0;
        steps.push((step.name.clone(), status, format!("{}{}", text(&out.stdout), text(&out.stderr))));
    }
    ActionRun { steps, outputs: outputs(), added_path: std::fs::read_to_string(&path_file).unwrap() }
}

/// A workspace holding copies of the example trees `names` (examples/NAME).
fn workspace(name: &str, trees: &[&str]) -> PathBuf {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                copy(&p, &to.join(p.file_name().unwrap()));
            } else {
                std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    let base = scratch(name);
    let ws = base.join("workspace");
    for t in trees {
        copy(&root().join("examples").join(t), &ws.join(t));
    }
    ws
}

fn sarif_rule_ids(file: &Path) -> Vec<String> {
    let v: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).expect("the SARIF is JSON");
    assert_eq!(v["version"], "2.1.0");
    assert_eq!(v["runs"][0]["tool"]["driver"]["name"], "kubegate");
    let mut ids: Vec<String> =
        v["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["ruleId"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The rules kubegate denies or warns on in `dir`, from its JSON report.
fn json_rule_ids(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["test", "-o", "json"];
    all.extend_from_slice(args);
    let r = crate::common::run_in(dir, &all, None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let mut ids: Vec<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids.dedup();
    ids
}

#[test]
fn the_action_passes_on_good_manifests_and_writes_sarif() {
    let ws = workspace("action-pass", &["k8s"]);
    let run = run_action(&ws, &[("paths", "k8s")], &path_with_kubegate());
    let names: Vec<(&str, i32)> = run.steps.iter().map(|(n, c, _)| (n.as_str(), *c)).collect();
    assert_eq!(names, [("Install kubegate", 0), ("Run kubegate", 0), ("kubegate's verdict", 0)], "{:?}", run.steps);
    // kubegate was on PATH: nothing installed, the job's PATH untouched.
    assert!(run.step("Install kubegate").2.contains(&format!("using {}", env!("CARGO_BIN_EXE_kubegate"))));
    assert_eq!(run.added_path, "");
    assert_eq!((run.output("exit-code"), run.output("sarif-file")), ("0", "kubegate.sarif"));
    assert_eq!(sarif_rule_ids(&ws.join("kubegate.sarif")), Vec::<String>::new());
    assert!(run.step("Run kubegate").2.contains("kubegate exited 0"));
    std::fs::remove_dir_all(ws.parent().unwrap()).ok();
}

#[test]
fn the_action_fails_with_kubegate_and_still_writes_sarif() {
    let ws = workspace("action-fail", &["k8s", "broken"]);
    let expected = json_rule_ids(&ws, &["k8s", "broken"]);
    assert!(expected.contains(&"replicas".to_string()), "{expected:?}");
    let run = run_action(&ws, &[("paths", "k8s\nbroken\n")], &path_with_kubegate());
    let names: Vec<(&str, i32)> = run.steps.iter().map(|(n, c, _)| (n.as_str(), *c)).collect();
    assert_eq!(names, [("Install kubegate", 0), ("Run kubegate", 0), ("kubegate's verdict", 1)], "{:?}", run.steps);
    assert_eq!(run.output("exit-code"), "1");
    // The log has the pull request's annotations; the SARIF the same rules as the JSON.
    let log = &run.step("Run kubegate").2;
    assert!(log.contains("::error file=broken/prod/deployment.yaml,line="), "{log}");
    assert_eq!(sarif_rule_ids(&ws.join("kubegate.sarif")), expected);

    // args reach kubegate: skipping every rule that fired lets the job pass.
    let mut args = String::new();
    for id in &json_rule_ids(&ws, &["broken"]) {
        args.push_str(&format!(" --skip-rule {id}"));
    }
    std::fs::remove_file(ws.join("kubegate.sarif")).unwrap();
    let run = run_action(
        &ws,
        &[("paths", "broken"), ("args", &args), ("sarif", "false"), ("format", "json")],
        &path_with_kubegate(),
    );
    assert_eq!(run.step("kubegate's verdict").1, 0, "{:?}", run.steps);
    assert_eq!((run.output("exit-code"), run.output("sarif-file")), ("0", ""));
    assert!(!ws.join("kubegate.sarif").exists(), "no SARIF when sarif is false");
    assert!(run.step("Run kubegate").2.contains("\"findings\": []"), "{}", run.step("Run kubegate").2);

    // env: the dev examples checked as production fail.
    let run = run_action(&ws, &[("paths", "k8s/dev"), ("env", "prod")], &path_with_kubegate());
    assert_eq!(run.step("kubegate's verdict").1, 1, "{:?}", run.steps);
    // An unreadable input: kubegate's 2 is the job's.
    let run = run_action(&ws, &[("paths", "missing")], &path_with_kubegate());
    assert_eq!((run.output("exit-code"), run.step("kubegate's verdict").1), ("2", 2));
    std::fs::remove_dir_all(ws.parent().unwrap()).ok();
}

#[test]
fn the_action_install_step_refuses_what_it_cannot_do_without_the_network() {
    let ws = workspace("action-install", &[]);
    std::fs::create_dir_all(&ws).unwrap();
    let tools = bare_tools("action-install-tools");
    let bare = tools.display().to_string();
    // Told to use the kubegate on PATH, and there is none: the job stops at the install.
    let run = run_action(&ws, &[("install", "false")], &bare);
    assert_eq!(run.steps.len(), 1, "{:?}", run.steps);
    assert_eq!(run.steps[0].1, 2);
    assert!(run.steps[0].2.contains("install is false and kubegate is not on PATH"), "{}", run.steps[0].2);
    // A version that is not one is refused before anything is downloaded.
    let run = run_action(&ws, &[("version", "../../evil"), ("install", "true")], &path_with_kubegate());
    assert_eq!(run.steps[0].1, 2);
    assert!(run.steps[0].2.contains("'../../evil' is not a version"), "{}", run.steps[0].2);
    let run = run_action(&ws, &[("install", "maybe")], &path_with_kubegate());
    assert!(run.steps[0].2.contains("install must be auto, true or false"), "{}", run.steps[0].2);
    std::fs::remove_dir_all(ws.parent().unwrap()).ok();
    std::fs::remove_dir_all(&tools).ok();
}

// --- pre-commit ---------------------------------------------------------------------------

/// pre-commit's PYTHONPATH (`.ci/pre-commit` installs it), or `None` after saying that the
/// test is skipped; with `KUBEGATE_REQUIRE_PRE_COMMIT=1` (as CI sets) its absence fails.
fn pre_commit() -> Option<String> {
    if let Ok(p) = std::env::var("KUBEGATE_PRE_COMMIT_PYTHONPATH")
        && Path::new(&p).join("pre_commit").is_dir()
    {
        return Some(p);
    }
    let why = "pre-commit is not installed (KUBEGATE_PRE_COMMIT_PYTHONPATH=$(.ci/pre-commit))";
    assert!(std::env::var_os("KUBEGATE_REQUIRE_PRE_COMMIT").is_none(), "{why}, and KUBEGATE_REQUIRE_PRE_COMMIT is set");
    eprintln!("skipped: {why} (set KUBEGATE_REQUIRE_PRE_COMMIT=1 to require it)");
    None
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
}

#[test]
fn the_source_hook_script_parses() {
    assert_parses("scripts/pre-commit-hook");
}

#[test]
fn pre_commit_accepts_the_hooks_and_the_kubegate_hook_gates_the_files() {
    let Some(pythonpath) = pre_commit() else { return };
    let home = scratch("pre-commit-home");
    let pc = |dir: &Path, args: &[&str]| -> Output {
        Command::new("python3")
            .args(["-m", "pre_commit"])
            .args(args)
            .current_dir(dir)
            .env("PYTHONPATH", &pythonpath)
            .env("PRE_COMMIT_HOME", &home)
            .env("PATH", path_with_kubegate())
            .env_remove("NO_COLOR")
            .output()
            .unwrap()
    };
    // Every hook, the kubegate-source one included, is a valid manifest entry. That hook
    // builds a release kubegate on its first run, which is too slow to run here; its script
    // is run below with a binary already in place.
    let out = pc(&root(), &["validate-manifest", ".pre-commit-hooks.yaml"]);
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));

    // A team's repository: the example production service, which passes every rule, and a
    // broken production Deployment of another team, staged.
    let repo = scratch("pre-commit-repo");
    git(&repo, &["init", "-q"]);
    std::fs::create_dir_all(repo.join("k8s/prod")).unwrap();
    std::fs::create_dir_all(repo.join("k8s/payments/prod")).unwrap();
    for e in std::fs::read_dir(root().join("examples/k8s/prod")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, repo.join("k8s/prod").join(p.file_name().unwrap())).unwrap();
    }
    let bad = "k8s/payments/prod/deployment.yaml";
    std::fs::copy(root().join("examples/broken/prod/deployment.yaml"), repo.join(bad)).unwrap();
    git(&repo, &["add", "."]);
    let try_repo =
        |hook: &str| pc(&repo, &["try-repo", &root().display().to_string(), hook, "--all-files", "--color", "never"]);
    let out = try_repo("kubegate");
    let log = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(code(&out), 1, "{log}");
    assert!(log.contains("kubegate policy gate") && log.contains("Failed"), "{log}");
    assert!(log.contains("error[replicas]") && log.contains(&format!("--> {bad}:")), "{log}");
    assert!(!log.contains("--> k8s/prod/"), "{log}");

    git(&repo, &["rm", "-q", "-f", bad]);
    let out = try_repo("kubegate");
    let log = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(code(&out), 0, "{log}");
    assert!(log.contains("kubegate policy gate") && log.contains("Passed"), "{log}");

    // Dockerfiles are staged files too; a document that only names one is not handed over.
    std::fs::create_dir_all(repo.join("k8s/payments/prod")).unwrap();
    std::fs::write(repo.join("k8s/payments/prod/Dockerfile.md"), "# How we build\n\nFROM is explained here.\n")
        .unwrap();
    git(&repo, &["add", "."]);
    let out = try_repo("kubegate");
    let log = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(code(&out), 0, "{log}");
    std::fs::write(repo.join("k8s/payments/prod/Dockerfile"), "FROM ubuntu:latest\nRUN make\n").unwrap();
    git(&repo, &["add", "."]);
    let out = try_repo("kubegate");
    let log = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(code(&out), 1, "{log}");
    assert!(
        log.contains("error[dockerfile-base-digest]") && log.contains("--> k8s/payments/prod/Dockerfile:1:"),
        "{log}"
    );
    assert!(!log.contains("Dockerfile.md"), "{log}");
    std::fs::remove_dir_all(&repo).ok();
    std::fs::remove_dir_all(&home).ok();
}

/// The kubegate-source hook's script, in a copy of the repository's layout: with a built
/// kubegate in place it runs it on the files; without one and without cargo it says so.
#[test]
fn the_source_hook_script_runs_its_build_or_says_it_needs_cargo() {
    let hook = scratch("source-hook");
    std::fs::create_dir_all(hook.join("scripts")).unwrap();
    std::fs::copy(root().join("scripts/pre-commit-hook"), hook.join("scripts/pre-commit-hook")).unwrap();
    let work = workspace("source-hook-work", &["k8s", "broken"]);
    let run = |path: &str| {
        Command::new("bash")
            .arg(hook.join("scripts/pre-commit-hook"))
            .args(["test", "--no-color", "k8s/prod/deployment.yaml", "broken/prod/deployment.yaml"])
            .current_dir(&work)
            .env("PATH", path)
            .output()
            .unwrap()
    };
    let tools = bare_tools("source-hook-tools");
    let out = run(&tools.display().to_string());
    assert_eq!(code(&out), 2);
    assert!(text(&out.stderr).contains("cargo is needed to build kubegate for this hook"), "{}", text(&out.stderr));

    std::fs::create_dir_all(hook.join("target/pre-commit-hook/bin")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kubegate"), hook.join("target/pre-commit-hook/bin/kubegate"))
        .unwrap();
    let out = run(&tools.display().to_string());
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("error[replicas]"), "{}", text(&out.stdout));
    std::fs::remove_dir_all(&hook).ok();
    std::fs::remove_dir_all(work.parent().unwrap()).ok();
    std::fs::remove_dir_all(&tools).ok();
}

/// docs/ci.md documents every input of the action, in order, and its example uses only
/// those.
#[test]
fn the_action_docs_name_its_inputs() {
    let md = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let section = md.split("### The kubegate action").nth(1).unwrap().split("\n## ").next().unwrap();
    let documented: Vec<&str> =
        section.lines().filter_map(|l| l.strip_prefix("| `")).map(|l| l.split('`').next().unwrap()).collect();
    let inputs: Vec<String> = action().inputs.into_iter().map(|(k, _)| k).collect();
    assert_eq!(documented, inputs);
    let example = section.split("```yaml\n").nth(1).unwrap().split("```").next().unwrap();
    let arena = kubegate_yaml::Bump::new();
    let loaded = kubegate_yaml::load(example, &arena);
    let steps = loaded.documents[0].root.path("jobs.policy.steps").unwrap().items();
    let step = steps.iter().find(|s| s.get("uses").and_then(|u| u.as_str()) == Some("kubegate/kubegate@<commit-sha>"));
    let with = step.expect("the example uses the action by commit").get("with").unwrap();
    for (k, _) in with.entries() {
        assert!(inputs.iter().any(|i| i == k.text), "{} is not an input", k.text);
    }
}
