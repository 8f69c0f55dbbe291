//! The `kubegate` command: a thin layer that reads inputs and the config, runs the engine
//! and hands the outcome to a renderer.

mod inputs;

use clap::{Parser, Subcommand, ValueEnum};
use kubegate_engine::config::{self, Config};
use kubegate_engine::{CheckOptions, InputError, Level, Outcome, Profile, pss, rules};
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
    Pretty,
    Table,
    Json,
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

#[derive(clap::Args)]
struct TestArgs {
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
    /// What to check
    #[arg(long, value_enum, default_value = "default")]
    profile: ProfileArg,
    /// Pod Security Standards version for --profile pss-*: v1.0 … v1.37 or latest
    #[arg(long, value_name = "VERSION")]
    pss_version: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Check manifests (files, directories, `-` for stdin) against the policy
    Test(TestArgs),
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
        Command::Test(args) => {
            let color = !args.no_color
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal();
            test(&mut out, args, color)
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

/// `--profile` and `--pss-version` as the engine's profile, or why they do not fit.
fn profile(args: &TestArgs) -> Result<Profile, String> {
    let level = match args.profile {
        ProfileArg::Default => {
            return match &args.pss_version {
                Some(_) => Err("--pss-version goes with --profile pss-baseline or pss-restricted".into()),
                None => Ok(Profile::Default),
            };
        }
        ProfileArg::PssBaseline => pss::Level::Baseline,
        ProfileArg::PssRestricted => pss::Level::Restricted,
    };
    Ok(Profile::Pss(level, pss::Version::parse(args.pss_version.as_deref().unwrap_or("latest"))?))
}

fn test(out: &mut dyn Write, args: TestArgs, color: bool) -> u8 {
    let TestArgs { ref paths, ref env, output, ref config, fail_on_warn, .. } = args;
    let profile = match profile(&args) {
        Ok(p) => p,
        Err(message) => {
            let outcome =
                Outcome { errors: vec![InputError::new("--pss-version", 0, 0, message)], ..Outcome::default() };
            let _ = render(&outcome, &|_: &str| None, output, color, out);
            return 2;
        }
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = match load_config(config.clone(), &cwd) {
        Ok(c) => c,
        Err(errors) => {
            // Without a readable config the levels would be guesses: report and stop.
            let outcome = Outcome { errors, ..Outcome::default() };
            let _ = render(&outcome, &|_: &str| None, output, color, out);
            return 2;
        }
    };
    let inputs = inputs::collect(paths, &mut std::io::stdin().lock());
    let outcome = kubegate_engine::check_inputs(
        inputs.len(),
        |i| inputs[i].load().map(Cow::Owned),
        &config,
        &CheckOptions { env: env.clone(), profile },
    );
    // A closed pipe (`kubegate test | head`) must not turn into a panic or change the verdict.
    // The pretty output quotes source lines: it reads again the files it quotes, one at a time.
    let by_name: HashMap<&str, &inputs::Input> = inputs.iter().map(|i| (i.shown(), i)).collect();
    let source = |name: &str| by_name.get(name).and_then(|i| i.load().ok()).map(|s| s.text);
    let _ = render(&outcome, &source, output, color, out);
    exit_code(&outcome, fail_on_warn)
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
