//! What every command that reads manifests shares: the config, the policies, the inputs,
//! the check, and how an outcome is rendered.

use crate::cli::{Output, Packages, PolicyFiles};
use crate::exit::Exit;
use crate::progress::Progress;
use kubegate_engine::config::{self, Config};
use kubegate_engine::{CheckOptions, InputError, Level, Outcome};
use kubegate_inputs as inputs;
use kubegate_inputs::{kustomize, walk};
use std::io::Write;
use std::path::PathBuf;

pub fn load_config(
    explicit: Option<PathBuf>,
    cwd: &std::path::Path,
    paths: &[String],
) -> Result<Config, Vec<InputError>> {
    let path = match explicit {
        Some(p) => p,
        None => match discover_for(cwd, paths)? {
            Some(p) => p,
            None => {
                return Ok(Config {
                    cwd: Some(cwd.to_path_buf()),
                    base_dir: Some(cwd.to_path_buf()),
                    ..Config::default()
                });
            }
        },
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| vec![InputError::new(path.display().to_string(), 0, 0, format!("cannot read config: {e}"))])?;
    Config::parse(&text, &path, Some(cwd.to_path_buf()))
}

/// The `kubegate.yaml` of a run's inputs: found upward from each input path (a folder
/// itself, a file's folder; the working directory for stdin or no path), each search
/// stopping at its repository's root. Inputs under different configs, or some under one
/// and some under none, are a usage error (one run has one policy): check them in
/// separate runs, or name one with `--config`.
fn discover_for(cwd: &std::path::Path, paths: &[String]) -> Result<Option<PathBuf>, Vec<InputError>> {
    let mut found: Vec<(PathBuf, &str)> = Vec::new();
    // Stdin's config is the working directory's.
    let mut starts: Vec<(PathBuf, &str)> = paths
        .iter()
        .filter_map(|p| {
            if p == "-" {
                return Some((cwd.to_path_buf(), "stdin"));
            }
            let abs = config::lexical_normalize(&cwd.join(p));
            if abs.is_dir() {
                Some((abs, p.as_str()))
            } else {
                abs.parent().filter(|d| d.is_dir()).map(|d| (d.to_path_buf(), p.as_str()))
            }
        })
        .collect();
    if starts.is_empty() {
        starts.push((cwd.to_path_buf(), "."));
    }
    // Many files share a folder (a pre-commit hook passes every staged file): each folder
    // is searched from once.
    let mut seen = std::collections::HashSet::new();
    starts.retain(|(dir, _)| seen.insert(dir.clone()));
    // An input under no config is checked by the default policy: beside one under a
    // config, that is a second policy, not the first one applied to both.
    let mut without: Option<&str> = None;
    for (dir, shown) in starts {
        match config::discover(&dir) {
            Some(c) if !found.iter().any(|(f, _)| *f == c) => found.push((c, shown)),
            Some(_) => {}
            None => without = without.or(Some(shown)),
        }
    }
    match (found.len(), without) {
        (0, _) => Ok(None),
        (1, None) => Ok(found.pop().map(|(c, _)| c)),
        _ => {
            let mut list: Vec<String> = found.iter().map(|(c, p)| format!("{} (for {p})", c.display())).collect();
            list.extend(without.map(|p| format!("none (for {p})")));
            Err(vec![InputError::flag(
                "--config",
                format!(
                    "the inputs fall under different kubegate.yaml files: {}; check them in separate runs, or name the one to use with --config",
                    list.join(", ")
                ),
            )])
        }
    }
}

/// The policy flags of `kubegate test` (and `serve`).
pub struct PolicyArgs {
    pub rego: PolicyFiles,
    pub packages: Packages,
    pub builtin: bool,
    pub combine: bool,
    /// `serve`: a runaway evaluation fails its own request only.
    pub serving: bool,
}

/// The policies a run loads: `-p`, else the config's `policies` (none: the built-in pack
/// alone). With `-p`, only the policies run unless `--builtin` is given; the config's
/// policies run beside the built-in pack.
/// Returns the policies' load-time warnings (constructs whose verdict differs from OPA's).
pub fn load_policies(
    args: &PolicyArgs,
    config: &Config,
    opts: &mut CheckOptions,
) -> Result<Vec<InputError>, Vec<InputError>> {
    let (paths, only) = if args.rego.policies.is_empty() {
        (config.policies.clone(), false)
    } else {
        (args.rego.policies.clone(), !args.builtin)
    };
    if args.builtin && args.rego.policies.is_empty() {
        return Err(vec![InputError::flag(
            "--builtin",
            "only has a meaning with -p/--policy: without -p the built-in rules always run (beside the policies listed under `policies:` in kubegate.yaml)",
        )]);
    }
    if paths.is_empty() {
        let policy_flag = if args.combine {
            Some("--combine")
        } else if !args.packages.namespaces.is_empty() {
            Some("--namespace")
        } else if args.packages.all_namespaces {
            Some("--all-namespaces")
        } else {
            None
        };
        if let Some(flag) = policy_flag {
            return Err(vec![InputError::flag(
                flag,
                "applies to Rego policies, and none are named: add -p/--policy PATH (or list them under `policies:` in kubegate.yaml)",
            )]);
        }
        conftest_habit_hint();
        return Ok(Vec::new());
    }
    let options =
        kubegate_rego::Options { serving: args.serving, ..args.rego.options(paths, &args.packages, args.combine) };
    let mut policies = kubegate_rego::load(&options)?;
    let warnings = std::mem::take(&mut policies.warnings);
    opts.policies = Some(std::sync::Arc::new(policies));
    opts.policies_only = only;
    Ok(warnings)
}

/// Conftest reads `./policy` when no policy is named; kubegate runs its built-in rules
/// instead. When that folder holds Rego, say so on stderr (the verdict is not changed).
pub fn conftest_habit_hint() {
    let has_rego = std::fs::read_dir("policy")
        .map(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "rego")))
        .unwrap_or(false);
    if has_rego {
        eprintln!(
            "kubegate: ./policy holds Rego policies, which Conftest runs by default; kubegate runs its built-in rules unless told: `-p policy` runs them instead (as Conftest does), `-p policy --builtin` runs both, or list them under `policies:` in kubegate.yaml"
        );
    }
}

/// Writes errors, one a line; the run's status is then 2. Errors about the command line
/// go to standard error, as a usage error does.
pub fn print_errors(out: &mut dyn Write, errors: &[InputError]) -> Exit {
    if usage_error(errors) {
        return Exit::Error;
    }
    for e in errors {
        let _ = writeln!(out, "error: {e}");
    }
    Exit::Error
}

/// What a check leaves for rendering: the config, the inputs (to quote them) and the outcome.
pub struct Checked {
    pub config: Config,
    pub inputs: Vec<inputs::Input>,
    pub outcome: Outcome,
}

/// What a check needs: the inputs, the options, the config file, the kustomize binary
/// and the Rego policies.
pub struct Run {
    pub paths: Vec<String>,
    pub opts: CheckOptions,
    pub config: Option<PathBuf>,
    pub kustomize_bin: Option<PathBuf>,
    pub policy: Option<PolicyArgs>,
    /// `--rule`, `--skip-rule` and `--exclude`.
    pub choice: Choice,
}

/// What a run checks beyond the config: the built-in rules it is limited to (`--rule`,
/// none: all) and those it switches off (`--skip-rule`), on top of the config's levels;
/// and the files a folder walk leaves out (`--exclude`, beside `exclude:`).
#[derive(Clone, Debug, Default)]
pub struct Choice {
    pub only: Vec<String>,
    pub skip: Vec<String>,
    pub exclude: Vec<String>,
}

impl Choice {
    /// Switches the rules off in `config`, or says which id is unknown (and what it may
    /// have meant).
    pub fn apply(&self, config: &mut Config) -> Result<(), Vec<InputError>> {
        let ids = || kubegate_engine::rules::ALL.iter().map(|r| r.id);
        let errors: Vec<InputError> = [("--rule", &self.only), ("--skip-rule", &self.skip)]
            .into_iter()
            .flat_map(|(flag, list)| list.iter().map(move |id| (flag, id)))
            .filter(|(_, id)| kubegate_engine::rules::find(id).is_none())
            .map(|(flag, id)| {
                let hint = kubegate_engine::suggest::did_you_mean(id, ids());
                InputError::flag(flag, format!("unknown rule `{id}`{hint}; `kubegate rules` lists them"))
            })
            .collect();
        if !errors.is_empty() {
            return Err(errors);
        }
        for rule in kubegate_engine::rules::ALL {
            let chosen = self.only.is_empty() || self.only.iter().any(|id| id == rule.id);
            if !chosen || self.skip.iter().any(|id| id == rule.id) {
                let rc = config.rules.entry(rule.id).or_default();
                rc.level = Some(kubegate_engine::Level::Off);
                rc.levels.clear();
            }
        }
        Ok(())
    }
}

/// Reads the config (and policies) and checks the inputs; without a readable config, or
/// without the policies when nothing else is to run, the verdict would be a guess, so
/// their errors are the whole outcome (`Err`).
pub fn check(run: Run) -> Result<Checked, Box<Outcome>> {
    let Run { paths, opts, config, kustomize_bin, policy, choice } = run;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let today = opts.today.unwrap_or_else(kubegate_engine::exemptions::local_today);
    let failed = |errors| Box::new(Outcome { errors, today, ..Outcome::default() });
    let mut config = load_config(config, &cwd, &paths).map_err(failed)?;
    choice.apply(&mut config).map_err(failed)?;
    if let Some(name) = opts.env.as_deref().filter(|n| config.env_index(n).is_none()) {
        return Err(failed(vec![InputError::flag("--env", config.unknown_environment(name, ""))]));
    }
    let mut opts = CheckOptions { today: Some(today), ..opts.clone() };
    // A policy that does not load stops the run when only policies were to run; when the
    // built-in rules run beside it (`--builtin`, or the config's `policies:`), they still
    // check the inputs, and its errors join theirs (status 2 all the same).
    let mut policy_errors = Vec::new();
    let policy_warnings = match &policy {
        Some(policy) => match load_policies(policy, &config, &mut opts) {
            Ok(warnings) => warnings,
            Err(errors)
                if (policy.builtin || policy.rego.policies.is_empty())
                    && errors.iter().all(|e| e.kind != kubegate_engine::finding::ErrorKind::Flag) =>
            {
                policy_errors = errors;
                Vec::new()
            }
            Err(errors) => return Err(failed(errors)),
        },
        None => Vec::new(),
    };
    let project_root = config.project_root();
    let flags = kubegate_engine::config::Globs::from_flags(&choice.exclude)
        .map_err(|e| failed(vec![InputError::flag("--exclude", e)]))?;
    let excluded = |shown: &str| -> Option<String> {
        let rel = config.relative_path(shown);
        if let Some(glob) = flags.first_match(shown.strip_prefix("./").unwrap_or(shown)) {
            return Some(format!("excluded by --exclude `{glob}`"));
        }
        config
            .exclude
            .first_match(&rel)
            .map(|glob| format!("excluded by `{glob}` (exclude: in {})", config.display_path()))
    };
    let (inputs, ignored) =
        inputs::collect(&paths, &mut std::io::stdin().lock(), kustomize_bin.as_deref(), &project_root, &excluded);
    let progress = Progress::start(inputs.len());
    let mut outcome = kubegate_engine::check_inputs(
        inputs.len(),
        |i| {
            progress.tick();
            inputs[i].load()
        },
        &config,
        &opts,
    );
    progress.finish();
    outcome.skipped.extend(ignored);
    // Findings on rendered kustomizations move to the lines a person has to edit.
    let mut traced = false;
    for input in inputs.iter().filter(|i| matches!(i, inputs::Input::Kustomize { .. })) {
        if let Ok(rendered) = input.rendered() {
            kustomize::trace(
                &rendered,
                input.shown(),
                &mut outcome.findings,
                &mut outcome.resources,
                &mut outcome.exemptions,
            );
            traced = true;
        }
    }
    if traced {
        // Traced findings now stand in source files: order them there.
        outcome.sort_findings();
    }
    outcome.errors.splice(0..0, policy_errors);
    outcome.notices.extend(policy_warnings);
    if opts.env.is_none() {
        outcome.notices.extend(unmatched_path_globs(&config, &inputs, &outcome));
    }
    outcome.notices.extend(unused_central_exemptions(&config, &outcome));
    Ok(Checked { config, inputs, outcome })
}

/// `exemptions.central` entries that matched no resource of the run: what they exempted
/// may be gone (or their globs are mistyped). A notice, not an error: a run over part of a
/// repository may leave out what an entry is for.
fn unused_central_exemptions(config: &Config, outcome: &Outcome) -> Vec<InputError> {
    let used: std::collections::HashSet<usize> =
        outcome.exemptions.iter().filter(|r| r.resource.is_some()).filter_map(|r| r.central).collect();
    outcome
        .exemptions
        .iter()
        .filter(|r| r.resource.is_none())
        .filter_map(|r| r.central.filter(|i| !used.contains(i)).map(|i| (r, i)))
        .map(|(r, i)| {
            let c = &config.exemptions.central[i];
            InputError::new(
                &*r.file,
                r.line,
                r.column,
                format!(
                    "exemptions.central[{i}] (kind `{}`, namespace `{}`, name `{}`) matches no resource checked in this run; if what it exempted is gone, remove it",
                    c.kind.glob().glob(),
                    c.namespace.glob().glob(),
                    c.name.glob().glob()
                ),
            )
        })
        .collect()
}

/// `environments.NAME.paths` globs that match no input of the run and no file or folder
/// under the config's folder: most likely a typo, which would silently leave files in
/// the default environment.
fn unmatched_path_globs(config: &Config, inputs: &[inputs::Input], outcome: &Outcome) -> Vec<InputError> {
    let mut unmatched: Vec<(usize, usize)> = Vec::new();
    let names: std::collections::BTreeSet<String> = inputs
        .iter()
        .map(|i| i.shown().to_string())
        .chain(outcome.resources.iter().map(|r| r.file.to_string()))
        .map(|f| config.relative_path(&f))
        .collect();
    let hit = |g: &config::Globs, i: usize, rel: &str| g.matches(i, rel) || g.matches(i, &format!("{rel}/"));
    for (e, env) in config.environments.iter().enumerate() {
        for i in 0..env.paths.patterns().len() {
            if !names.iter().any(|n| hit(&env.paths, i, n)) {
                unmatched.push((e, i));
            }
        }
    }
    if unmatched.is_empty() || config.file.is_none() {
        return Vec::new();
    }
    let base = config.base_dir.clone().unwrap_or_else(|| PathBuf::from("."));
    for entry in walk::builder(&base).build().flatten() {
        let Ok(rel) = entry.path().strip_prefix(&base) else { continue };
        let rel = rel.to_string_lossy().replace('\\', "/");
        unmatched.retain(|&(e, i)| !hit(&config.environments[e].paths, i, &rel));
        if unmatched.is_empty() {
            return Vec::new();
        }
    }
    unmatched
        .into_iter()
        .map(|(e, i)| {
            let env = &config.environments[e];
            let (line, col) = env.paths.position(i);
            InputError::new(
                config.display_path(),
                line,
                col,
                format!(
                    "environments.{}.paths: `{}` matches no input and no file or folder beside the config file; check the pattern (paths are relative to the config file's folder)",
                    env.env.name,
                    env.paths.patterns()[i],
                ),
            )
        })
        .collect()
}

/// When every error is about the command line (a flag's value), writes them to standard
/// error as a usage error, with no report: nothing was checked, and no format should show
/// a flag as if it were a file. Returns whether it did.
pub fn usage_error(errors: &[InputError]) -> bool {
    if errors.is_empty() || errors.iter().any(|e| e.kind != kubegate_engine::finding::ErrorKind::Flag) {
        return false;
    }
    let mut err = std::io::stderr().lock();
    for e in errors {
        let _ = writeln!(err, "error: {e}");
    }
    let _ = writeln!(err, "\nFor more information, try '--help'.");
    true
}

/// Writes an outcome in a format (a usage error, to standard error, when the only errors
/// are about flags).
pub fn render(
    outcome: &Outcome,
    source: &dyn Fn(&str) -> Option<String>,
    output: Output,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    if usage_error(&outcome.errors) {
        return Ok(());
    }
    match output {
        Output::Pretty => kubegate_report::pretty(outcome, source, color, out),
        Output::Table => kubegate_report::table(outcome, crate::terminal_width(), out),
        Output::Json => kubegate_report::json(outcome, out),
        Output::Sarif => kubegate_report::sarif(outcome, out),
        Output::Junit => kubegate_report::junit(outcome, out),
        Output::Github => kubegate_report::github(outcome, out),
        Output::Tap => kubegate_report::tap(outcome, out),
    }
}

/// 2 when anything could not be read; else 1 when something is denied (or warned, with
/// `--fail-on-warn`); else 0.
pub fn exit_code(outcome: &Outcome, fail_on_warn: bool) -> Exit {
    if !outcome.errors.is_empty() {
        Exit::Error
    } else {
        Exit::failed_if(outcome.count(Level::Deny) > 0 || (fail_on_warn && outcome.count(Level::Warn) > 0))
    }
}
