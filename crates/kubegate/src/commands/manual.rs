//! `kubegate completions SHELL` and `kubegate man DIR`: shell completions and manual pages,
//! both generated from the command-line definition (`cli.rs`), so every command and flag
//! is in them.

use crate::cli::Cli;
use crate::exit::Exit;
use clap::CommandFactory;
use std::io::Write;
use std::path::Path;

pub fn completions(out: &mut dyn Write, shell: clap_complete::Shell) -> Exit {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "kubegate", out);
    Exit::Pass
}

/// `kubegate.1`, then `kubegate-<command>.1` for each command.
pub fn man(dir: &Path) -> Exit {
    let write = || -> std::io::Result<Vec<String>> {
        std::fs::create_dir_all(dir)?;
        let cmd = Cli::command().version(crate::cli::VERSION);
        let mut written = Vec::new();
        let mut page = |name: String, cmd: clap::Command| -> std::io::Result<()> {
            let mut text = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut text)?;
            let file = format!("{name}.1");
            std::fs::write(dir.join(&file), text)?;
            written.push(file);
            Ok(())
        };
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            // clap names commands with `&'static str`: one small string per page, for a
            // command that then exits.
            let name: &'static str = Box::leak(format!("kubegate-{}", sub.get_name()).into_boxed_str());
            page(name.to_string(), sub.clone().name(name).version(crate::cli::VERSION))?;
        }
        page("kubegate".into(), cmd)?;
        written.sort();
        Ok(written)
    };
    match write() {
        Ok(files) => {
            eprintln!("kubegate: wrote {} manual pages into {}", files.len(), dir.display());
            Exit::Pass
        }
        Err(e) => {
            eprintln!("error: cannot write the manual pages into {}: {e}", dir.display());
            Exit::Error
        }
    }
}
