//! `report:` in the config: what `kubegate report` cannot see in manifests and a person
//! declares instead. `report.evidence.<item>` lists, for a checklist item that takes
//! evidence (`vulnerability-scanning`, `monitoring`), where the evidence is (a path or a
//! URL) and which workloads it covers (kind, namespace and name globs, as central
//! exemptions match).

use super::shape::{Field, Shape};
use crate::checklist::{self, Item};
use crate::finding::InputError;
use globset::{Glob, GlobMatcher};
use kubegate_yaml::Node;

/// `report:`.
#[derive(Clone, Debug, Default)]
pub struct ReportConfig {
    /// Every `report.evidence` entry, in file order.
    pub evidence: Vec<Evidence>,
}

/// One entry of `report.evidence.<item>`.
#[derive(Clone, Debug)]
pub struct Evidence {
    /// The checklist item (an id of [`checklist::ITEMS`]).
    pub item: &'static str,
    /// A path (relative to the config file's folder) or a URL, as written.
    pub evidence: String,
    /// Optional words on what the evidence shows.
    pub note: Option<String>,
    pub kind: GlobMatcher,
    pub namespace: GlobMatcher,
    pub name: GlobMatcher,
    /// Where the entry is in the config file.
    pub line: u32,
    pub column: u32,
}

impl Evidence {
    /// Whether the entry covers a workload (a missing namespace or name matches as `""`).
    pub fn covers(&self, kind: &str, namespace: Option<&str>, name: Option<&str>) -> bool {
        self.kind.is_match(kind)
            && self.namespace.is_match(namespace.unwrap_or(""))
            && self.name.is_match(name.unwrap_or(""))
    }

    /// Whether the evidence is a web address rather than a path.
    pub fn is_url(&self) -> bool {
        self.evidence.starts_with("https://") || self.evidence.starts_with("http://")
    }
}

impl ReportConfig {
    /// The entries that cover a workload for an item, in file order.
    pub fn evidence_for<'a>(
        &'a self,
        item: &'a str,
        kind: &'a str,
        namespace: Option<&'a str>,
        name: Option<&'a str>,
    ) -> impl Iterator<Item = &'a Evidence> + 'a {
        self.evidence.iter().filter(move |e| e.item == item && e.covers(kind, namespace, name))
    }
}

/// The `report` field of the config shape: one list per item that takes evidence.
pub fn shape() -> Field {
    let glob = |what: &str| {
        format!(
            "Glob matched against the workload's {what} (default `*`; a workload without one matches as the empty string)."
        )
    };
    let entry = |item: &Item| {
        Shape::Array(Box::new(Shape::object(
            format!("Evidence for “{}”, for the workloads whose kind, namespace and name match the globs.", item.title),
            vec![
                Field::new(
                    "evidence",
                    "Where the evidence is: a path (relative to the config file's folder) or an http(s) URL.",
                    Shape::Str,
                )
                .required(),
                Field::new("note", "What the evidence shows, in a few words.", Shape::Str),
                Field::new("kind", glob("kind"), Shape::Str),
                Field::new("namespace", glob("namespace"), Shape::Str),
                Field::new("name", glob("name"), Shape::Str),
            ],
        )))
    };
    let items =
        checklist::ITEMS.iter().filter(|i| i.takes_evidence()).map(|i| Field::new(i.id, i.title, entry(i))).collect();
    Field::new(
        "report",
        "What `kubegate report` cannot see in manifests.",
        Shape::object(
            "",
            vec![Field::new(
                "evidence",
                "Evidence a person declares for the checklist items no manifest shows, by item.",
                Shape::object("", items),
            )],
        ),
    )
}

/// Reads the `report` section, already validated against [`shape`]; `file` is the config
/// file as errors name it.
pub fn parse(node: Option<&Node<'_>>, file: &str, errors: &mut Vec<InputError>) -> ReportConfig {
    let mut config = ReportConfig::default();
    let Some(evidence) = node.and_then(|n| n.get("evidence")) else { return config };
    for (key, list) in evidence.entries() {
        let Some(item) = checklist::find(key.text) else { continue };
        for (i, entry) in list.items().iter().enumerate() {
            let at = format!("report.evidence.{}[{i}]", item.id);
            let before = errors.len();
            let mut glob = |key: &str| -> GlobMatcher {
                let any = || Glob::new("*").expect("valid glob").compile_matcher();
                let Some(n) = entry.get(key) else { return any() };
                let text = n.as_str().unwrap_or_default();
                match Glob::new(text) {
                    Ok(g) => g.compile_matcher(),
                    Err(e) => {
                        errors.push(InputError::new(
                            file,
                            n.span.start.line,
                            n.span.start.col,
                            format!("bad glob `{text}` in {at}.{key}: {e}"),
                        ));
                        any()
                    }
                }
            };
            let (kind, namespace, name) = (glob("kind"), glob("namespace"), glob("name"));
            let text = |k: &str| entry.get(k).and_then(Node::as_str).map(|s| s.trim().to_string());
            let evidence = text("evidence").unwrap_or_default();
            if evidence.is_empty()
                && let Some(n) = entry.get("evidence")
            {
                errors.push(InputError::new(
                    file,
                    n.span.start.line,
                    n.span.start.col,
                    format!("`{at}.evidence` must name a path or a URL, not be empty"),
                ));
            }
            if errors.len() == before {
                config.evidence.push(Evidence {
                    item: item.id,
                    evidence,
                    note: text("note").filter(|n| !n.is_empty()),
                    kind,
                    namespace,
                    name,
                    line: entry.span.start.line,
                    column: entry.span.start.col,
                });
            }
        }
    }
    config
}
