//! The `kubegate` command: a thin layer that reads inputs and the config, runs the engine
//! and hands the outcome to a renderer.

mod inputs;
mod kustomize;

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

fn main() -> ExitCode {
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
        } => {
            let color = !no_color
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal();
            match profile(p, pss_version.as_deref()) {
                Ok(profile) => {
                    let opts = CheckOptions { env, today, profile };
                    test(&mut out, Run { paths, opts, config, kustomize_bin }, output, fail_on_warn, color)
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

/// What a check needs: the inputs, the options, the config file and the kustomize binary.
struct Run {
    paths: Vec<String>,
    opts: CheckOptions,
    config: Option<PathBuf>,
    kustomize_bin: Option<PathBuf>,
}

fn check(run: Run) -> Result<Checked, Outcome> {
    let Run { paths, opts, config, kustomize_bin } = run;
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let today = opts.today.unwrap_or_else(kubegate_engine::exemptions::local_today);
    let config = load_config(config, &cwd).map_err(|errors| Outcome { errors, today, ..Outcome::default() })?;
    let inputs = inputs::collect(&paths, &mut std::io::stdin().lock(), kustomize_bin.as_deref());
    let opts = CheckOptions { today: Some(today), ..opts.clone() };
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
    // Findings on rendered kustomizations move to the lines a person has to edit.
    let mut traced = false;
    for input in inputs.iter().filter(|i| matches!(i, inputs::Input::Kustomize { .. })) {
        if let Ok(rendered) = input.rendered() {
            kustomize::trace(&rendered, input.shown(), &mut outcome.findings, &mut outcome.resources);
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
    Ok(Checked { config, inputs, outcome })
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
    let outcome = match check(Run { paths, opts, config, kustomize_bin: None }) {
        Ok(c) => c.outcome,
        Err(outcome) => outcome,
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
