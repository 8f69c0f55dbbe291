//! The command line: every command and flag, defined once (clap). Nothing here runs.

use clap::{Parser, Subcommand, ValueEnum};
use kubegate_engine::{Date, Profile, pss};
use kubegate_inputs as inputs;
use std::path::PathBuf;

/// `0.1.0 (git 1a2b3c4d5e6f)` when built from a checkout (build.rs), else `0.1.0`.
pub const VERSION: &str = if env!("KUBEGATE_GIT_REV").is_empty() {
    env!("CARGO_PKG_VERSION")
} else {
    concat!(env!("CARGO_PKG_VERSION"), " (git ", env!("KUBEGATE_GIT_REV"), ")")
};

#[derive(Parser)]
#[command(name = "kubegate", version = VERSION, about = "A policy gate for Kubernetes manifests", max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Output {
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
pub enum ProfileArg {
    /// The built-in rule pack, with its levels per environment
    Default,
    /// Exactly the Pod Security Standard baseline (of --pss-version), every violation denied
    PssBaseline,
    /// Exactly the Pod Security Standard restricted (of --pss-version), every violation denied
    PssRestricted,
}

/// `--profile` and `--pss-version` as the engine's profile, or why they do not fit.
pub fn profile(profile: ProfileArg, pss_version: Option<&str>) -> Result<Profile, String> {
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
pub enum ListOutput {
    Table,
    Json,
}

/// `--today`: a real date written YYYY-MM-DD.
pub fn parse_today(s: &str) -> Result<Date, String> {
    kubegate_engine::exemptions::parse_date(s).ok_or_else(|| format!("`{s}` is not a real date written YYYY-MM-DD"))
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RegoVersion {
    V0,
    V1,
}

/// `-p`, `-d` and the Conftest flags that say how Rego policies are read and bounded
/// (`test` and `verify`).
#[derive(clap::Args, Clone)]
pub struct PolicyFiles {
    /// Rego policy file or directory (searched for .rego), repeatable
    #[arg(short = 'p', long = "policy", value_name = "PATH")]
    pub policies: Vec<PathBuf>,
    /// Data file or directory (YAML, JSON) merged into `data`, repeatable
    #[arg(short = 'd', long = "data", value_name = "PATH")]
    pub data: Vec<PathBuf>,
    /// Rego syntax of the policies
    #[arg(long, value_enum, value_name = "VERSION", default_value = "v1")]
    pub rego_version: RegoVersion,
    /// How long one document's evaluation may take, in seconds, before it is stopped as a
    /// runaway policy
    #[arg(long, value_name = "SECONDS", default_value = "5", value_parser = kubegate_rego::parse_time_limit)]
    pub rego_timeout: std::time::Duration,
}

/// The packages whose rules `test` queries (Conftest's `-n` and `--all-namespaces`).
#[derive(clap::Args, Clone, Default)]
pub struct Packages {
    /// Package whose rules run (default main), repeatable
    #[arg(short = 'n', long = "namespace", value_name = "NS", conflicts_with = "all_namespaces")]
    pub namespaces: Vec<String>,
    /// Run the rules of every package
    #[arg(long)]
    pub all_namespaces: bool,
}

impl PolicyFiles {
    /// The Rego stage's options for these flags, `policies` and `packages`.
    pub fn options(&self, policies: Vec<PathBuf>, packages: &Packages, combine: bool) -> kubegate_rego::Options {
        kubegate_rego::Options {
            policies,
            data: self.data.clone(),
            namespaces: if packages.all_namespaces {
                kubegate_rego::Namespaces::All
            } else if packages.namespaces.is_empty() {
                kubegate_rego::Namespaces::Main
            } else {
                kubegate_rego::Namespaces::Named(packages.namespaces.clone())
            },
            rego_v0: self.rego_version == RegoVersion::V0,
            combine,
            time_limit: self.rego_timeout,
            serving: false,
        }
    }
}

/// The manifests a command reads, and the config that says how (`test`, `exemptions`,
/// `env`).
#[derive(clap::Args, Clone)]
pub struct Manifests {
    /// Files or directories to read; `-` reads stdin
    #[arg(default_value = ".")]
    pub paths: Vec<String>,
    /// Config file (default: kubegate.yaml in each path's folder or above, up to the
    /// repository root)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// `--exclude`: files a folder walk leaves out (`test`, `report`).
#[derive(clap::Args, Clone)]
pub struct ExcludeArg {
    /// Leave out the files this glob matches when walking a folder (repeatable; relative to
    /// the working directory, `**` crosses folders: `legacy/**`); counted as skipped.
    /// `exclude:` in kubegate.yaml does it for every run
    #[arg(long = "exclude", value_name = "GLOB")]
    pub globs: Vec<String>,
}

/// `--env`: one environment for every resource (`test`, `exemptions`).
#[derive(clap::Args, Clone)]
pub struct EnvArg {
    /// Bind every resource to this environment (dev, staging, prod or a configured one)
    #[arg(long = "env", value_name = "NAME")]
    pub name: Option<String>,
}

/// `--today`: the date exemptions are judged on (`test`, `exemptions`).
#[derive(clap::Args, Clone)]
pub struct TodayArg {
    /// Judge exemptions on this date (default: today's local date)
    #[arg(long = "today", value_name = "YYYY-MM-DD", value_parser = parse_today)]
    pub date: Option<Date>,
}

/// `--kustomize-bin` (`test`, `env`).
#[derive(clap::Args, Clone)]
pub struct KustomizeArg {
    /// The program that renders Kustomize directories: a `kustomize` or `kubectl`
    /// binary (default: kustomize, else kubectl, from PATH)
    #[arg(long = "kustomize-bin", value_name = "BIN")]
    pub bin: Option<PathBuf>,
}

/// `kubegate serve --mode`.
#[derive(Clone, Copy, ValueEnum)]
pub enum ModeArg {
    /// Deny-level findings deny the request
    Enforce,
    /// Everything is allowed; what would be denied is a warning and a log line
    Audit,
}

/// What `kubegate report` writes.
#[derive(Clone, Copy, ValueEnum)]
pub enum ReportOutput {
    /// One self-contained HTML page (inline CSS, no script, prints well)
    Html,
    /// GitHub-flavoured Markdown
    Markdown,
}

/// What `kubegate rules` prints.
#[derive(Clone, Copy, ValueEnum)]
pub enum RulesOutput {
    /// The rules with their levels per environment
    Table,
    /// The rules as JSON
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Check manifests (files, directories, `-` for stdin) against the policy
    Test {
        #[command(flatten)]
        manifests: Manifests,
        #[command(flatten)]
        env: EnvArg,
        /// Output format
        #[arg(short, long, value_enum, default_value = "pretty")]
        output: Output,
        /// Fail (exit 1) on warnings too
        #[arg(long)]
        fail_on_warn: bool,
        /// Never colour the output (NO_COLOR is honoured too)
        #[arg(long)]
        no_color: bool,
        #[command(flatten)]
        today: TodayArg,
        /// What to check
        #[arg(long, value_enum, default_value = "default")]
        profile: ProfileArg,
        /// Pod Security Standards version for --profile pss-*: v1.0 … v1.37 or latest
        #[arg(long, value_name = "VERSION")]
        pss_version: Option<String>,
        #[command(flatten)]
        kustomize: KustomizeArg,
        /// The most one input (file, stdin) may hold, in MB; a larger one is an error
        #[arg(long, value_name = "MB", default_value_t = inputs::DEFAULT_MAX_INPUT_MB, value_parser = clap::value_parser!(u64).range(1..=65_536))]
        max_input_mb: u64,
        #[command(flatten)]
        rego: PolicyFiles,
        #[command(flatten)]
        packages: Packages,
        /// With -p: run the built-in rule pack too (without it, only the policies named with
        /// -p run, as in Conftest)
        #[arg(long)]
        builtin: bool,
        /// Evaluate the policies once, against every document together
        /// (`[{"path", "contents"}]`, as Conftest's --combine)
        #[arg(long)]
        combine: bool,
        /// Run only this built-in rule (repeatable); the others are off for this run
        #[arg(long = "rule", value_name = "RULE")]
        only_rules: Vec<String>,
        /// Switch this built-in rule off for this run (repeatable), as
        /// `rules: {RULE: {level: off}}` in kubegate.yaml does for every run
        #[arg(long = "skip-rule", value_name = "RULE")]
        skip_rules: Vec<String>,
        #[command(flatten)]
        exclude: ExcludeArg,
    },
    /// Write the production readiness checklist as evidence: one row per workload, one
    /// column per item (passed, failed with its findings, not applicable, not checked, to
    /// be confirmed by a person), and a summary per environment. Exit 0 when written, 2
    /// when an input or the config could not be read
    Report {
        #[command(flatten)]
        manifests: Manifests,
        #[command(flatten)]
        env: EnvArg,
        /// Output format
        #[arg(short, long, value_enum, default_value = "html")]
        output: ReportOutput,
        #[command(flatten)]
        today: TodayArg,
        #[command(flatten)]
        kustomize: KustomizeArg,
        /// The most one input (file, stdin) may hold, in MB; a larger one is an error
        #[arg(long, value_name = "MB", default_value_t = inputs::DEFAULT_MAX_INPUT_MB, value_parser = clap::value_parser!(u64).range(1..=65_536))]
        max_input_mb: u64,
        #[command(flatten)]
        exclude: ExcludeArg,
    },
    /// Run the policies' unit tests (`test_` rules, e.g. in `_test.rego` files)
    Verify {
        #[command(flatten)]
        rego: PolicyFiles,
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
        #[command(flatten)]
        manifests: Manifests,
        #[command(flatten)]
        env: EnvArg,
        /// Output format
        #[arg(short, long, value_enum, default_value = "table")]
        output: ListOutput,
        #[command(flatten)]
        today: TodayArg,
    },
    /// Say which environment each resource (of files, directories, rendered overlays) is
    /// bound for, and why, without checking anything
    Env {
        #[command(flatten)]
        manifests: Manifests,
        /// Output format
        #[arg(short, long, value_enum, default_value = "table")]
        output: ListOutput,
        #[command(flatten)]
        kustomize: KustomizeArg,
    },
    /// Repair in place what the rules can repair safely, keeping every comment and the
    /// layout; list what needs a person
    Fix {
        #[command(flatten)]
        manifests: Manifests,
        #[command(flatten)]
        env: EnvArg,
        /// Only this rule's repairs, repeatable
        #[arg(long = "rule", value_name = "RULE")]
        rules: Vec<String>,
        /// Also the repairs that can stop a workload from starting (runAsNonRoot,
        /// runAsUser, automountServiceAccountToken): review them
        #[arg(long)]
        unsafe_fixes: bool,
        /// Change nothing; exit 1 when something would change (for CI)
        #[arg(long, conflicts_with = "diff")]
        check: bool,
        /// Change nothing; print the changes as a unified diff
        #[arg(long)]
        diff: bool,
    },
    /// Pin every image the image-digest rule reports, and every Dockerfile base
    /// dockerfile-base-digest reports, by its digest (looked up in the registry), keeping
    /// the tag: image:tag@sha256:…
    Pin {
        #[command(flatten)]
        manifests: Manifests,
        #[command(flatten)]
        env: EnvArg,
        /// Ask this registry (HOST[:PORT]) over plain HTTP, repeatable (loopback
        /// registries always are)
        #[arg(long = "insecure-registry", value_name = "HOST")]
        insecure: Vec<String>,
        /// List the unpinned images without network access; exit 1 when there are some
        #[arg(long, conflicts_with = "diff")]
        check: bool,
        /// Change nothing; print the changes as a unified diff
        #[arg(long)]
        diff: bool,
    },
    /// Serve the gate as a validating admission webhook (`POST /validate`, over TLS)
    Serve {
        /// Address to listen on
        #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:8443")]
        listen: std::net::SocketAddr,
        /// Certificate chain (PEM), re-read when the file changes
        #[arg(long, value_name = "FILE")]
        tls_cert: PathBuf,
        /// Private key (PEM), re-read when the file changes
        #[arg(long, value_name = "FILE")]
        tls_key: PathBuf,
        /// Config file (default: kubegate.yaml in the working directory or above)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
        /// enforce: deny-level findings deny; audit: allow everything, warn and log what
        /// would be denied
        #[arg(long, value_enum, default_value = "enforce")]
        mode: ModeArg,
        #[command(flatten)]
        rego: PolicyFiles,
        #[command(flatten)]
        packages: Packages,
        /// With -p: run the built-in rule pack too
        #[arg(long)]
        builtin: bool,
        #[command(flatten)]
        today: TodayArg,
        /// After SIGTERM, how long in-flight requests may take to finish, in seconds
        #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=600))]
        drain_seconds: u64,
        /// How often the certificate files are looked at for a change, in seconds
        #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
        cert_reload_seconds: u64,
        /// How long a client may take to finish the TLS handshake, send its headers, or
        /// send its body, in seconds
        #[arg(long, value_name = "SECONDS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
        client_timeout_seconds: u64,
        /// The largest request body accepted, in MiB (an UPDATE carries two objects of
        /// up to 3 MiB)
        #[arg(long, value_name = "MIB", default_value_t = 8, value_parser = clap::value_parser!(u64).range(1..=256))]
        max_body_mib: u64,
    },
    /// List the built-in rules with their levels per environment, as kubegate.yaml sets
    /// them (its own environments as more columns)
    Rules {
        /// Output format
        #[arg(short, long, value_enum, default_value = "table")]
        output: RulesOutput,
        /// Config file (default: kubegate.yaml in the working directory or above, up to the
        /// repository root)
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
    /// Show the documentation of a rule
    Explain {
        /// The rule id, e.g. image-digest
        rule: String,
    },
    /// Print the JSON Schema of kubegate.yaml
    Schema,
    /// Write a first, commented kubegate.yaml for the repository: environments guessed
    /// from its folder names, each with the reason; never overwrites one
    Init {
        /// The folder to write kubegate.yaml into and to look through
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Print kubegate's version (and the Git revision it was built from)
    Version,
    /// Print a shell completion script (source it, or put it where your shell loads
    /// completions)
    Completions {
        /// The shell
        shell: clap_complete::Shell,
    },
    /// Write the manual pages (kubegate.1 and one per command, kubegate-test.1, …) into a
    /// folder
    Man {
        /// The folder to write them into (created if missing)
        dir: PathBuf,
    },
}
