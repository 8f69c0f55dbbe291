//! The `kubegate` command: a thin layer that reads inputs and the config, runs the engine
//! and hands the outcome to a renderer.

use kubegate_inputs as inputs;
use kubegate_inputs::{kustomize, walk};

use clap::{Parser, Subcommand, ValueEnum};
use kubegate_engine::config::{self, Config};
use kubegate_engine::exemptions::State;
use kubegate_engine::{CheckOptions, Date, InputError, Level, Outcome, Profile, pss, rules};
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "kubegate", version, about = "A policy gate for Kubernetes manifests", max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum Output {
    /// rustc-style snippets (colour on a terminal)
    Pretty,
    /// A Conftest-like table
    Table,
    /// The versioned JSON contract (docs/json-output.md)
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab, Azure DevOps)
    Sarif,
    /// JUnit XML, for CI test reports
    Junit,
    /// GitHub Actions workflow commands (annotations on the pull request)
    Github,
    /// Test Anything Protocol, version 13
    Tap,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProfileArg {
    /// The built-in rule pack, with its levels per environment
    Default,
    /// Exactly the Pod Security Standard baseline (of --pss-version), every violation denied
    PssBaseline,
    /// Exactly the Pod Security Standard restricted (of --pss-version), every violation denied
    PssRestricted,
}

/// `--profile` and `--pss-version` as the engine's profile, or why they do not fit.
fn profile(profile: ProfileArg, pss_version: Option<&str>) -> Result<Profile, String> {
    let level = match profile {
        ProfileArg::Default => {
            return match pss_version {
                Some(_) => Err("--pss-version goes with --profile pss-baseline or pss-restricted".into()),
                None => Ok(Profile::Default),
            };
        }
        ProfileArg::PssBaseline => pss::Level::Baseline,
        ProfileArg::PssRestricted => pss::Level::Restricted,
    };
    Ok(Profile::Pss(level, pss::Version::parse(pss_version.unwrap_or("latest"))?))
}

#[derive(Clone, Copy, ValueEnum)]
enum ListOutput {
    Table,
    Json,
}

/// `--today`: a real date written YYYY-MM-DD.
fn parse_today(s: &str) -> Result<Date, String> {
    kubegate_engine::exemptions::parse_date(s).ok_or_else(|| format!("`{s}` is not a real date written YYYY-MM-DD"))
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum RegoVersion {
    V0,
    V1,
}

/// `-p`, `-d` and the Conftest flags that say how Rego policies are evaluated.
#[derive(clap::Args, Clone)]
struct RegoArgs {
    /// Rego policy file or directory (searched for .rego), repeatable; only these policies
    /// run, as in Conftest, unless --builtin is given too
    #[arg(short = 'p', long = "policy", value_name = "PATH")]
    policies: Vec<PathBuf>,
    /// Data file or directory (YAML, JSON) merged into `data`, repeatable
    #[arg(short = 'd', long = "data", value_name = "PATH")]
    data: Vec<PathBuf>,
    /// Package whose rules run (default main), repeatable
    #[arg(short = 'n', long = "namespace", value_name = "NS", conflicts_with = "all_namespaces")]
    namespaces: Vec<String>,
    /// Run the rules of every package
    #[arg(long)]
    all_namespaces: bool,
    /// Rego syntax of the policies
    #[arg(long, value_enum, value_name = "VERSION", default_value = "v1")]
    rego_version: RegoVersion,
    /// How long one document's evaluation may take, in seconds, before it is stopped as a
    /// runaway policy
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = kubegate_rego::parse_time_limit)]
    rego_timeout: std::time::Duration,
}

impl RegoArgs {
    fn options(&self, policies: Vec<PathBuf>, combine: bool) -> kubegate_rego::Options {
        kubegate_rego::Options {
            policies,
            data: self.data.clone(),
            namespaces: if self.all_namespaces {
                kubegate_rego::Namespaces::All
            } else if self.namespaces.is_empty() {
                kubegate_rego::Namespaces::Main
            } else {
                kubegate_rego::Namespaces::Named(self.namespaces.clone())
            },
            rego_v0: self.rego_version == RegoVersion::V0,
            combine,
            time_limit: self.rego_timeout,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Check manifests (files, directories, `-` for stdin) against the policy
    Test {
        /// Files or directories to check; `-` reads stdin
        #[arg(default_value = ".")]
        paths: Vec<String>,
        /// Bind every resource to this environment (dev, staging, prod or a configured one)
        #[arg(long, value_name = "NAME")]
        env: Option<String>,
        /// Output format
        #[arg(short, long, value_enum, default_value = "pretty")]
        output: Output,
        /// Config file (default: kubegate.yaml in the working directory or above)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Fail (exit 1) on warnings too
        #[arg(long)]
        fail_on_warn: bool,
        /// Never colour the output (NO_COLOR is honoured too)
        #[arg(long)]
        no_color: bool,
        /// Judge exemptions on this date (default: today's local date)
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
        today: Option<Date>,
        /// What to check
        #[arg(long, value_enum, default_value = "default")]
        profile: ProfileArg,
        /// Pod Security Standards version for --profile pss-*: v1.0 … v1.37 or latest
        #[arg(long, value_name = "VERSION")]
        pss_version: Option<String>,
        /// The program that renders Kustomize directories: a `kustomize` or `kubectl`
        /// binary (default: kustomize, else kubectl, from PATH)
        #[arg(long, value_name = "BIN")]
        kustomize_bin: Option<PathBuf>,
        /// The most one input (file, stdin) may hold, in MB; a larger one is an error
        #[arg(long, value_name = "MB", default_value_t = inputs::DEFAULT_MAX_INPUT_MB, value_parser = clap::value_parser!(u64).range(1..=65_536))]
        max_input_mb: u64,
        #[command(flatten)]
        rego: RegoArgs,
        /// With -p: run the built-in rule pack too
        #[arg(long)]
        builtin: bool,
        /// Evaluate the policies once, against every document together
        /// (`[{"path", "contents"}]`, as Conftest's --combine)
        #[arg(long)]
        combine: bool,
    },
    /// Run the policies' unit tests (`test_` rules, e.g. in `_test.rego` files)
    Verify {
        #[command(flatten)]
        rego: RegoArgs,
        /// Config file (default: kubegate.yaml in the working directory or above), for its
        /// `policies` when no -p is given
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Never colour the output (verify never colours; accepted for Conftest's sake)
        #[arg(long)]
        no_color: bool,
    },
    /// List every exemption (annotations and central ones) with its state and days left;
    /// exit 1 when any is expired or invalid
    Exemptions {
        /// Files or directories to read; `-` reads stdin
        #[arg(default_value = ".")]
        paths: Vec<String>,
        /// Bind every resource to this environment (dev, staging, prod or a configured one)
        #[arg(long, value_name = "NAME")]
        env: Option<String>,
        /// Output format
        #[arg(short, long, value_enum, default_value = "table")]
        output: ListOutput,
        /// Config file (default: kubegate.yaml in the working directory or above)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// Judge exemptions on this date (default: today's local date)
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_today)]
        today: Option<Date>,
    },
    /// Say which environment each resource (of files, directories, rendered overlays) is
    /// bound for, and why, without checking anything
    Env {
        /// Files or directories to read; `-` reads stdin
        #[arg(default_value = ".")]
        paths: Vec<String>,
        /// Output format
        #[arg(short, long, value_enum, default_value = "table")]
        output: ListOutput,
        /// Config file (default: kubegate.yaml in the working directory or above)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// The program that renders Kustomize directories (as for `test`)
        #[arg(long, value_name = "BIN")]
        kustomize_bin: Option<PathBuf>,
    },
    /// List the built-in rules with their levels per environment
    Rules {
        #[arg(short, long, value_enum, default_value = "table")]
        output: Output,
    },
    /// Show the documentation of a rule
    Explain {
        /// The rule id, e.g. image-digest
        rule: String,
    },
    /// Print the JSON Schema of kubegate.yaml
    Schema,
}

/// regorus builds `anyhow` errors on paths an evaluation takes routinely (a lookup that
/// comes back empty), and `anyhow` captures a backtrace for each when `RUST_BACKTRACE` is
/// set, as many CI systems set it: that made Rego evaluation twice as slow. kubegate never
/// prints those backtraces, so library backtraces are off unless `RUST_LIB_BACKTRACE` says
/// otherwise; a panic still prints its backtrace under `RUST_BACKTRACE`.
fn quiet_library_backtraces() {
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        // SAFETY: called first thing in `main`, before any other thread exists.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    }
}

fn main() -> ExitCode {
    quiet_library_backtraces();
    let cli = Cli::parse();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let code = match cli.command {
        Command::Test {
            paths,
            env,
            output,
            config,
            fail_on_warn,
            no_color,
            today,
            profile: p,
            pss_version,
            kustomize_bin,
            max_input_mb,
            rego,
            builtin,
            combine,
        } => {
            inputs::MAX_INPUT_BYTES.store(max_input_mb << 20, std::sync::atomic::Ordering::Relaxed);
            let color = !no_color
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal();
            match profile(p, pss_version.as_deref()) {
                Ok(profile) => {
                    let opts = CheckOptions { env, today, profile, ..CheckOptions::default() };
                    let policy = Some(PolicyArgs { rego, builtin, combine });
                    test(&mut out, Run { paths, opts, config, kustomize_bin, policy }, output, fail_on_warn, color)
                }
                Err(message) => {
                    let errors = vec![InputError::new("--pss-version", 0, 0, message)];
                    let _ = render(&Outcome { errors, ..Outcome::default() }, &|_: &str| None, output, color, &mut out);
                    2
                }
            }
        }
        Command::Exemptions { paths, env, output, config, today } => {
            exemptions(&mut out, paths, CheckOptions { env, today, ..CheckOptions::default() }, output, config)
        }
        Command::Env { paths, output, config, kustomize_bin } => {
            let opts = CheckOptions { bind_only: true, ..CheckOptions::default() };
            let (outcome, code) = match check(Run { paths, opts, config, kustomize_bin, policy: None }) {
                Ok(c) => (c.outcome, None),
                Err(outcome) => (*outcome, Some(2)),
            };
            let _ = match output {
                ListOutput::Table => kubegate_report::environments::table(&outcome, &mut out),
                ListOutput::Json => kubegate_report::environments::json(&outcome, &mut out),
            };
            code.unwrap_or(if outcome.errors.is_empty() { 0 } else { 2 })
        }
        Command::Verify { rego, config, no_color: _ } => verify(&mut out, &rego, config),
        Command::Rules { output } => {
            let listing = match output {
                Output::Json => kubegate_report::docs::rules_json(),
                _ => kubegate_report::docs::rules_text(),
            };
            let _ = out.write_all(listing.as_bytes());
            0
        }
        Command::Explain { rule } => match rules::find(&rule) {
            Some(r) => {
                let _ = out.write_all(kubegate_report::docs::rule_page(r).as_bytes());
                0
            }
            None => {
                let known: Vec<&str> =
                    rules::ALL.iter().map(|r| r.id).filter(|id| id.contains(&rule) || rule.contains(id)).collect();
                eprintln!(
                    "error: unknown rule `{rule}`{}; `kubegate rules` lists them",
                    if known.is_empty() { String::new() } else { format!(" (did you mean {}?)", known.join(", ")) }
                );
                2
            }
        },
        Command::Schema => {
            let _ = out.write_all(kubegate_report::docs::schema_json().as_bytes());
            0
        }
    };
    let _ = out.flush();
    ExitCode::from(code)
}

fn load_config(explicit: Option<PathBuf>, cwd: &std::path::Path) -> Result<Config, Vec<InputError>> {
    let path = match explicit {
        Some(p) => p,
        None => match config::discover(cwd) {
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

/// The policy flags of `kubegate test`.
struct PolicyArgs {
    rego: RegoArgs,
    builtin: bool,
    combine: bool,
}

/// The policies a run loads: `-p`, else the config's `policies` (none: the built-in pack
/// alone). With `-p`, only the policies run unless `--builtin` is given; the config's
/// policies run beside the built-in pack.
/// Returns the policies' load-time warnings (constructs whose verdict differs from OPA's).
fn load_policies(
    args: &PolicyArgs,
    config: &Config,
    opts: &mut CheckOptions,
) -> Result<Vec<InputError>, Vec<InputError>> {
    let (paths, only) = if args.rego.policies.is_empty() {
        (config.policies.clone(), false)
    } else {
        (args.rego.policies.clone(), !args.builtin)
    };
    if paths.is_empty() {
        conftest_habit_hint();
        return Ok(Vec::new());
    }
    let mut policies = kubegate_rego::load(&args.rego.options(paths, args.combine))?;
    let warnings = std::mem::take(&mut policies.warnings);
    opts.policies = Some(std::sync::Arc::new(policies));
    opts.policies_only = only;
    Ok(warnings)
}

/// Conftest reads `./policy` when no policy is named; kubegate runs its built-in rules
/// instead. When that folder holds Rego, say so on stderr (the verdict is not changed).
fn conftest_habit_hint() {
    let has_rego = std::fs::read_dir("policy")
        .map(|d| d.flatten().any(|e| e.path().extension().is_some_and(|x| x == "rego")))
        .unwrap_or(false);
    if has_rego {
        eprintln!(
            "kubegate: ./policy holds Rego policies, which Conftest runs by default; kubegate runs its built-in rules unless told: `-p policy` runs them instead (as Conftest does), `-p policy --builtin` runs both, or list them under `policies:` in kubegate.yaml"
        );
    }
}

/// `kubegate verify`: 2 when a policy cannot be read; else 1 when a test fails; else 0.
fn verify(out: &mut dyn Write, rego: &RegoArgs, config: Option<PathBuf>) -> u8 {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let policies = if rego.policies.is_empty() {
        match load_config(config, &cwd) {
            Ok(c) => c.policies,
            Err(errors) => return print_errors(out, &errors),
        }
    } else {
        rego.policies.clone()
    };
    if policies.is_empty() {
        let e = InputError::new("-p", 0, 0, "no policies: name them with -p/--policy (or `policies` in kubegate.yaml)");
        return print_errors(out, &[e]);
    }
    match kubegate_rego::verify::verify(&rego.options(policies, false)) {
        Ok(tests) => {
            let failed: Vec<_> = tests.iter().filter(|t| t.failure.is_some()).collect();
            for t in &failed {
                let _ =
                    writeln!(out, "FAIL - {}:{} - {}: {}", t.file, t.line, t.name, t.failure.as_deref().unwrap_or(""));
            }
            let counts = kubegate_engine::PolicyCounts {
                tests: tests.len(),
                passed: tests.len() - failed.len(),
                failures: failed.len(),
                ..Default::default()
            };
            let _ = writeln!(out, "{}{}", if failed.is_empty() { "" } else { "\n" }, counts.line());
            u8::from(!failed.is_empty())
        }
        Err(errors) => print_errors(out, &errors),
    }
}

fn print_errors(out: &mut dyn Write, errors: &[InputError]) -> u8 {
    for e in errors {
        let _ = writeln!(out, "error: {e}");
    }
    2
}

/// What a check leaves for rendering: the config, the inputs (to quote them) and the outcome.
struct Checked {
    config: Config,
    inputs: Vec<inputs::Input>,
    outcome: Outcome,
}

/// Reads the config and checks the inputs; without a readable config the levels would be
/// guesses, so the config's errors are the whole outcome (`Err`).
/// A progress line on stderr for large scans, only when stderr is a terminal (CI logs and
/// pipes stay clean): `kubegate: 1200/5000 files`, redrawn a few times a second.
struct Progress {
    done: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    /// How many inputs make a scan worth a progress line.
    const LARGE: usize = 200;

    fn start(total: usize) -> Progress {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let done = std::sync::Arc::new(AtomicUsize::new(0));
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let thread = (total >= Self::LARGE && std::io::stderr().is_terminal()).then(|| {
            let (done, stop) = (done.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    eprint!("\rkubegate: {}/{total} files", done.load(Ordering::Relaxed));
                    std::thread::sleep(std::time::Duration::from_millis(120));
                }
                eprint!("\r\x1b[2K");
            })
        });
        Progress { done, stop, thread }
    }

    fn tick(&self) {
        self.done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn finish(mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// What a check needs: the inputs, the options, the config file, the kustomize binary
/// and the Rego policies.
struct Run {
    paths: Vec<String>,
    opts: CheckOptions,
    config: Option<PathBuf>,
    kustomize_bin: Option<PathBuf>,
    policy: Option<PolicyArgs>,
}

/// Reads the config (and policies) and checks the inputs; without a readable config or
/// policies the verdict would be a guess, so their errors are the whole outcome (`Err`).
fn check(run: Run) -> Result<Checked, Box<Outcome>> {
    let Run { paths, opts, config, kustomize_bin, policy } = run;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let today = opts.today.unwrap_or_else(kubegate_engine::exemptions::local_today);
    let failed = |errors| Box::new(Outcome { errors, today, ..Outcome::default() });
    let config = load_config(config, &cwd).map_err(failed)?;
    let mut opts = CheckOptions { today: Some(today), ..opts.clone() };
    let policy_warnings = match &policy {
        Some(policy) => load_policies(policy, &config, &mut opts).map_err(failed)?,
        None => Vec::new(),
    };
    let project_root = config.project_root();
    let (inputs, ignored) =
        inputs::collect(&paths, &mut std::io::stdin().lock(), kustomize_bin.as_deref(), &project_root);
    let progress = Progress::start(inputs.len());
    let mut outcome = kubegate_engine::check_inputs(
        inputs.len(),
        |i| {
            progress.tick();
            inputs[i].load().map(Cow::Owned)
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
        // Traced findings now stand in source files: order them there (stable, so rules
        // keep their order at one position).
        outcome
            .findings
            .sort_by(|a, b| (a.file_index, &a.file, a.line, a.column).cmp(&(b.file_index, &b.file, b.line, b.column)));
    }
    outcome.notices.extend(policy_warnings);
    if opts.env.is_none() {
        outcome.notices.extend(unmatched_path_globs(&config, &inputs, &outcome));
    }
    Ok(Checked { config, inputs, outcome })
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

fn test(out: &mut dyn Write, run: Run, output: Output, fail_on_warn: bool, color: bool) -> u8 {
    let Checked { config, inputs, outcome } = match check(run) {
        Ok(c) => c,
        Err(outcome) => {
            let _ = render(&outcome, &|_: &str| None, output, color, out);
            return 2;
        }
    };
    // A closed pipe (`kubegate test | head`) must not turn into a panic or change the verdict.
    // The pretty output quotes source lines: it reads again the files it quotes, one at a
    // time, and the config file for findings about central exemptions.
    let by_name: HashMap<&str, &inputs::Input> = inputs.iter().map(|i| (i.shown(), i)).collect();
    let config_name = config.display_path();
    let source = |name: &str| match by_name.get(name) {
        Some(i) => i.load().ok().map(|s| s.text),
        None if name == config_name => config.file.as_ref().and_then(|f| std::fs::read_to_string(f).ok()),
        // A source file a kustomization was traced to.
        None => std::fs::read_to_string(name).ok(),
    };
    let _ = render(&outcome, &source, output, color, out);
    exit_code(&outcome, fail_on_warn)
}

/// `kubegate exemptions`: 2 when anything could not be read; else 1 when an exemption is
/// expired or invalid; else 0.
fn exemptions(
    out: &mut dyn Write,
    paths: Vec<String>,
    opts: CheckOptions,
    output: ListOutput,
    config: Option<PathBuf>,
) -> u8 {
    let outcome = match check(Run { paths, opts, config, kustomize_bin: None, policy: None }) {
        Ok(c) => c.outcome,
        Err(outcome) => *outcome,
    };
    let _ = match output {
        ListOutput::Table => kubegate_report::exemptions::table(&outcome, out),
        ListOutput::Json => kubegate_report::exemptions::json(&outcome, out),
    };
    if !outcome.errors.is_empty() {
        2
    } else if outcome.exemptions.iter().any(|e| matches!(e.state, State::Expired | State::Invalid)) {
        1
    } else {
        0
    }
}

fn render(
    outcome: &Outcome,
    source: &dyn Fn(&str) -> Option<String>,
    output: Output,
    color: bool,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    match output {
        Output::Pretty => kubegate_report::pretty(outcome, source, color, out),
        Output::Table => kubegate_report::table(outcome, out),
        Output::Json => kubegate_report::json(outcome, out),
        Output::Sarif => kubegate_report::sarif(outcome, out),
        Output::Junit => kubegate_report::junit(outcome, out),
        Output::Github => kubegate_report::github(outcome, out),
        Output::Tap => kubegate_report::tap(outcome, out),
    }
}

/// 2 when anything could not be read; else 1 when something is denied (or warned, with
/// `--fail-on-warn`); else 0.
fn exit_code(outcome: &Outcome, fail_on_warn: bool) -> u8 {
    if !outcome.errors.is_empty() {
        2
    } else if outcome.count(Level::Deny) > 0 || (fail_on_warn && outcome.count(Level::Warn) > 0) {
        1
    } else {
        0
    }
}
