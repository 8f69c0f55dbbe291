//! `kubegate init`: a first, commented `kubegate.yaml` for the repository it is run in.
//! Environments are guessed from folder names (each with the reason as a comment); the
//! rest of the file shows, commented out, what a team usually sets next. It never
//! overwrites a config.

use crate::exit::Exit;
use kubegate_engine::environment::{Tier, conventional_tier};
use kubegate_inputs::walk;
use kubegate_report::plural;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

/// Folder names that name an environment kubegate does not know by name, and the tier
/// whose levels it most likely wants.
const LIKELY: &[(&str, Tier)] = &[
    ("qa", Tier::Staging),
    ("uat", Tier::Staging),
    ("test", Tier::Staging),
    ("testing", Tier::Staging),
    ("int", Tier::Staging),
    ("integration", Tier::Staging),
    ("preprod", Tier::Staging),
    ("pre-prod", Tier::Staging),
    ("perf", Tier::Staging),
    ("canary", Tier::Prod),
    ("live", Tier::Prod),
    ("sandbox", Tier::Dev),
    ("local", Tier::Dev),
    ("demo", Tier::Dev),
    ("debug", Tier::Dev),
];

/// What a folder name says about an environment.
enum Guess {
    /// A name kubegate binds by itself (`prod`, `staging`, `dev` and their spellings).
    BuiltIn(Tier),
    /// A name to declare, with the tier it is most likely like.
    Declare(Tier),
}

fn guess(name: &str) -> Option<Guess> {
    let lower = name.to_ascii_lowercase();
    conventional_tier(&lower)
        .map(Guess::BuiltIn)
        .or_else(|| LIKELY.iter().find(|(n, _)| *n == lower).map(|(_, t)| Guess::Declare(*t)))
}

/// Writes `DIR/kubegate.yaml`; 2 (and nothing written) when one is there already.
pub fn init(out: &mut dyn Write, dir: &Path) -> Exit {
    let target = dir.join(kubegate_engine::config::FILE_NAME);
    if target.exists() {
        eprintln!(
            "error: {} already exists; kubegate init does not overwrite a config (edit it, or move it away first)",
            target.display()
        );
        return Exit::Error;
    }
    if !dir.is_dir() {
        eprintln!("error: {}: not a folder", dir.display());
        return Exit::Error;
    }
    // Per folder whose name names an environment: the manifests and Dockerfiles under it.
    let mut folders: BTreeMap<String, (usize, String)> = BTreeMap::new();
    let mut manifests = 0;
    for entry in walk::builder(dir).build().flatten() {
        let path = entry.path();
        let is_file = entry.file_type().is_some_and(|t| t.is_file());
        let counts = is_file && (kubegate_inputs::is_manifest_name(path) || kubegate_inputs::is_dockerfile_name(path));
        if !counts {
            continue;
        }
        manifests += 1;
        let Ok(rel) = path.strip_prefix(dir) else { continue };
        let parts: Vec<String> = rel.parent().into_iter().flatten().map(|p| p.to_string_lossy().into_owned()).collect();
        for (i, part) in parts.iter().enumerate() {
            if guess(part).is_some() {
                let prefix = parts[..=i].join("/");
                folders.entry(prefix).or_insert((0, part.to_ascii_lowercase())).0 += 1;
            }
        }
    }
    let text = config_text(&folders);
    if let Err(e) = std::fs::write(&target, &text) {
        eprintln!("error: cannot write {}: {e}", target.display());
        return Exit::Error;
    }
    let _ = writeln!(out, "wrote {} ({manifests} manifests and Dockerfiles found)", target.display());
    if folders.is_empty() {
        let _ = writeln!(
            out,
            "  no folder names an environment: every resource is production unless its namespace ends in -dev or -staging"
        );
    }
    for (folder, (n, name)) in &folders {
        let line = match guess(name) {
            Some(Guess::BuiltIn(t)) => {
                format!("{folder}/ ({}) → {} (its name is enough)", plural(*n, "file", "files"), t.name())
            }
            Some(Guess::Declare(t)) => {
                format!("{folder}/ ({}) → {name}, declared like {}", plural(*n, "file", "files"), t.name())
            }
            None => continue,
        };
        let _ = writeln!(out, "  {line}");
    }
    let _ = writeln!(
        out,
        "next: kubegate test (and read the comments in the file; `kubegate rules` shows the levels it sets)"
    );
    Exit::Pass
}

/// The commented config: declared environments from the folders, then what is usually set
/// next, commented out.
fn config_text(folders: &BTreeMap<String, (usize, String)>) -> String {
    let mut s = String::from(
        "# kubegate.yaml, written by `kubegate init`. Every key is documented in the JSON Schema\n\
         # (`kubegate schema`); `kubegate rules` shows the levels this file sets.\n\
         \n\
         # Resources nothing else places are checked as production, the strictest.\n\
         default_environment: prod\n\
         \n",
    );
    // Folders kubegate binds by name: listed, nothing to declare.
    let built_in: Vec<String> = folders
        .iter()
        .filter_map(|(f, (_, name))| match guess(name) {
            Some(Guess::BuiltIn(t)) => Some(format!("#   {f}/ -> {}", t.name())),
            _ => None,
        })
        .collect();
    if !built_in.is_empty() {
        s.push_str("# Bound by their folder name, with nothing to declare:\n");
        for l in &built_in {
            s.push_str(l);
            s.push('\n');
        }
        s.push('\n');
    }
    // Folders whose name is an environment kubegate does not know: declared.
    let mut declared: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (f, (_, name)) in folders {
        if let Some(Guess::Declare(_)) = guess(name) {
            declared.entry(name.as_str()).or_default().push(f.as_str());
        }
    }
    s.push_str("environments:\n");
    for (name, paths) in &declared {
        let Some(Guess::Declare(tier)) = guess(name) else { continue };
        s.push_str(&format!(
            "  # Found folders named {name}; its levels are {}'s (change `like` if not).\n",
            tier.name()
        ));
        s.push_str(&format!("  {name}:\n    like: {}\n    paths:\n", tier.name()));
        for p in paths {
            s.push_str(&format!("      - \"{p}/**\"\n"));
        }
    }
    // (Lines are joined so that their leading spaces stay: YAML indentation.)
    s.push_str(
        &[
            "  # Workloads that permanently need less (debug pods, one-off jobs) get their own",
            "  # namespaces with a relaxed policy, rather than a switch that turns checks off:",
            "  # debug:",
            "  #   like: dev",
            "  #   namespaces: [\"*-debug\"]",
            "",
        ]
        .join("\n"),
    );
    if declared.is_empty() {
        // An `environments:` with only comments is null: valid, and nothing declared.
        s.push_str("  # (no folder named an environment kubegate does not know)\n");
    }
    s.push_str(
        "\n\
         # A rule's level everywhere, or per environment (deny, warn or off):\n\
         # rules:\n\
         #   image-digest:\n\
         #     levels: {staging: deny}\n\
         \n\
         # Files a folder walk leaves out (globs relative to this file's folder):\n\
         # exclude: [\"legacy/**\"]\n\
         \n\
         # Exemptions: how long they may run, and who approves them where. Protect this file\n\
         # with a CODEOWNERS entry, so that the list of approvers is itself reviewed.\n\
         # exemptions:\n\
         #   max_days: 90\n\
         #   approvers: [\"@your-org/security\"]\n\
         #   require_approval: [prod]\n",
    );
    s
}
