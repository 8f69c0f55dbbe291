//! The `kubegate` command: a thin layer that parses the command line (`cli`), runs one
//! command (`commands`, sharing `run`) and ends with its exit status (`exit`).

mod cli;
mod commands;
mod exit;
mod progress;
mod run;
mod serve;

use clap::Parser;
use cli::{Cli, Command, profile};
use exit::{Exit, Stdout};
use kubegate_engine::{CheckOptions, InputError, Outcome};
use run::{PolicyArgs, Run, render};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;

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
    // Every thread that may evaluate Rego gets kubegate-rego's evaluation stack (reserved,
    // not used: only the pages touched take memory): the rayon workers that check the
    // inputs, and the command itself, which checks a single input on its own thread.
    let _ = rayon::ThreadPoolBuilder::new().stack_size(kubegate_rego::EVAL_STACK).build_global();
    match std::thread::Builder::new().name("main".into()).stack_size(kubegate_rego::EVAL_STACK).spawn(command) {
        // A panic has printed its message; 101 is the status a panic ends a process with.
        Ok(thread) => thread.join().unwrap_or(ExitCode::from(101)),
        Err(_) => command(),
    }
}

fn command() -> ExitCode {
    let cli = Cli::parse();
    let mut out = Stdout::new();
    let exit = match cli.command {
        Command::Test {
            manifests: cli::Manifests { paths, config },
            env,
            output,
            fail_on_warn,
            no_color,
            today,
            profile: p,
            pss_version,
            kustomize,
            max_input_mb,
            rego,
            packages,
            builtin,
            combine,
            only_rules,
            skip_rules,
            exclude,
        } => {
            kubegate_inputs::MAX_INPUT_BYTES.store(max_input_mb << 20, std::sync::atomic::Ordering::Relaxed);
            let color = !no_color
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal();
            match profile(p, pss_version.as_deref()) {
                Ok(profile) => {
                    let opts = CheckOptions { env: env.name, today: today.date, profile, ..CheckOptions::default() };
                    let policy = Some(PolicyArgs { rego, packages, builtin, combine, serving: false });
                    let choice = run::Choice { only: only_rules, skip: skip_rules, exclude: exclude.globs };
                    let run = Run { paths, opts, config, kustomize_bin: kustomize.bin, policy, choice };
                    commands::test::test(&mut out, run, output, fail_on_warn, color)
                }
                Err(message) => {
                    let errors = vec![InputError::flag("--pss-version", message)];
                    let _ = render(&Outcome { errors, ..Outcome::default() }, &|_: &str| None, output, color, &mut out);
                    Exit::Error
                }
            }
        }
        Command::Pin { manifests, env, insecure, check, diff } => commands::pin::pin(
            &mut out,
            commands::pin::PinArgs {
                paths: manifests.paths,
                config: manifests.config,
                env: env.name,
                insecure,
                mode: edit_mode(check, diff),
            },
        ),
        Command::Fix { manifests, env, rules, unsafe_fixes, check, diff } => commands::fix::fix(
            &mut out,
            commands::fix::FixArgs {
                paths: manifests.paths,
                config: manifests.config,
                env: env.name,
                options: kubegate_fix::plan::Options { unsafe_fixes, rules, ..Default::default() },
                mode: edit_mode(check, diff),
            },
        ),
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            config,
            mode,
            rego,
            packages,
            builtin,
            today,
            drain_seconds,
            cert_reload_seconds,
            client_timeout_seconds,
            max_body_mib,
        } => serve::serve(serve::ServeArgs {
            listen,
            tls_cert,
            tls_key,
            config,
            policy: PolicyArgs { rego, packages, builtin, combine: false, serving: true },
            mode: match mode {
                cli::ModeArg::Enforce => kubegate_admission::Mode::Enforce,
                cli::ModeArg::Audit => kubegate_admission::Mode::Audit,
            },
            today: today.date,
            drain: std::time::Duration::from_secs(drain_seconds),
            cert_reload: std::time::Duration::from_secs(cert_reload_seconds),
            client_timeout: std::time::Duration::from_secs(client_timeout_seconds),
            max_body: (max_body_mib << 20) as usize,
        }),
        Command::Report { manifests, env, output, today, kustomize, max_input_mb, exclude } => {
            kubegate_inputs::MAX_INPUT_BYTES.store(max_input_mb << 20, std::sync::atomic::Ordering::Relaxed);
            let opts = CheckOptions { env: env.name, today: today.date, ..CheckOptions::default() };
            let run = Run {
                paths: manifests.paths,
                opts,
                config: manifests.config,
                kustomize_bin: kustomize.bin,
                policy: None,
                choice: run::Choice { exclude: exclude.globs, ..Default::default() },
            };
            commands::report::report(&mut out, run, output)
        }
        Command::Exemptions { manifests, env, output, today } => commands::exemptions::exemptions(
            &mut out,
            manifests.paths,
            CheckOptions { env: env.name, today: today.date, ..CheckOptions::default() },
            output,
            manifests.config,
        ),
        Command::Env { manifests, output, kustomize } => {
            commands::env::env(&mut out, manifests.paths, output, manifests.config, kustomize.bin)
        }
        Command::Verify { rego, config, no_color: _ } => commands::verify::verify(&mut out, &rego, config),
        Command::Rules { output, config } => commands::rules::list(&mut out, output, config),
        Command::Explain { rule } => commands::rules::explain(&mut out, &rule),
        Command::Schema => commands::rules::schema(&mut out),
        Command::Init { dir } => commands::init::init(&mut out, &dir),
        Command::Version => {
            let _ = writeln!(out, "kubegate {}", cli::VERSION);
            Exit::Pass
        }
        Command::Completions { shell } => commands::manual::completions(&mut out, shell),
        Command::Man { dir } => commands::manual::man(&dir),
    };
    out.finish(exit)
}

/// `--check` or `--diff` of `fix` and `pin`.
fn edit_mode(check: bool, diff: bool) -> commands::edit::Mode {
    match (check, diff) {
        (true, _) => commands::edit::Mode::Check,
        (_, true) => commands::edit::Mode::Diff,
        _ => commands::edit::Mode::Write,
    }
}

/// The width tables wrap to: `COLUMNS` when set (at least 40), else the terminal's when
/// standard output is one; none in a pipe or a CI log, where rows keep their whole text.
fn terminal_width() -> Option<u16> {
    if let Some(c) = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse::<u16>().ok()) {
        return Some(c.max(40));
    }
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return None;
    }
    terminal_size::terminal_size_of(&stdout).map(|(terminal_size::Width(w), _)| w.max(40))
}
