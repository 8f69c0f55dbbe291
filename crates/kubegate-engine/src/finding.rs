//! The one finding type every renderer reads.

use serde::Serialize;
use std::borrow::Cow;
use std::sync::Arc;

/// How a finding weighs on the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// The rule does not run.
    Off,
    /// Reported; fails the run only with `--fail-on-warn`.
    Warn,
    /// Fails the run.
    Deny,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Off => "off",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "off" => Some(Level::Off),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// Which resource a finding is about.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ResourceId {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: Option<String>,
}

/// One result of one rule on one resource (and container, where the rule is per container).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Finding {
    pub rule: Cow<'static, str>,
    pub level: Level,
    pub environment: Arc<str>,
    pub message: String,
    /// Shared by every finding of the file.
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// Shared by every finding of the resource.
    pub resource: Arc<ResourceId>,
    pub container: Option<String>,
    /// The template the document was rendered from, when the input is `helm template`
    /// output (its `# Source: chart/templates/x.yaml` comment); `file` and `line` stay
    /// those of the rendered stream.
    pub source: Option<Arc<str>>,
    /// The field the finding is about (`spec.template.spec.containers[0].image`), even
    /// when the field is missing and the position points at its nearest existing parent.
    #[serde(serialize_with = "route_text")]
    pub path: crate::Route,
    /// The exemption that covers the finding (an active or expiring one): the finding is
    /// shown and counted, but does not fail the run.
    pub exemption: Option<Arc<Exemption>>,
    /// Where the judged value came from, when the position cannot show it (a value a
    /// Kustomize transformation set): said as a note, never in the message.
    #[serde(skip)]
    pub note: Option<String>,
    /// Help for this finding when the rule's general help does not fit it (the field
    /// that decides is elsewhere); renderers fall back to the rule's help.
    #[serde(skip)]
    pub help: Option<String>,
    /// Position of the file among the inputs, for a stable order across files.
    #[serde(skip)]
    pub file_index: u32,
    /// Index of the resource in [`crate::Outcome::resources`].
    #[serde(skip)]
    pub resource_index: u32,
}

/// Where a finding is: the file (and its index among the inputs), the span in it (none:
/// the whole input, line 0), and the resource (and its index in the run's resources).
pub struct Place {
    pub file: Arc<str>,
    pub file_index: u32,
    pub span: Option<kubegate_yaml::Span>,
    pub resource: Arc<ResourceId>,
    pub resource_index: u32,
}

impl Finding {
    /// The one way to make a finding: a rule's verdict on the field at `path`, at `place`.
    /// The container, the Helm source, an exemption, a note and help are added after.
    pub fn new(
        rule: impl Into<Cow<'static, str>>,
        level: Level,
        environment: Arc<str>,
        message: String,
        place: Place,
        path: crate::Route,
    ) -> Finding {
        let (start, end) =
            place.span.map_or(((0, 0), (0, 0)), |s| ((s.start.line, s.start.col), (s.end.line, s.end.col)));
        Finding {
            rule: rule.into(),
            level,
            environment,
            message,
            file: place.file,
            line: start.0,
            column: start.1,
            end_line: end.0,
            end_column: end.1,
            resource: place.resource,
            container: None,
            source: None,
            path,
            exemption: None,
            note: None,
            help: None,
            file_index: place.file_index,
            resource_index: place.resource_index,
        }
    }
}

/// What an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// A file (an input, the config, a policy, a data file) or standard input.
    File,
    /// A command-line flag (`--env`, `-p`): `InputError::subject` names it.
    Flag,
}

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// An input, config, policy or flag that could not be read. Any error makes the exit
/// status 2; the other inputs are still checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub kind: ErrorKind,
    /// The file (`<stdin>` for standard input), or the flag.
    pub subject: String,
    /// Where in the file; `None` when the error is about the whole file, or a flag.
    pub at: Option<Position>,
    pub message: String,
}

impl InputError {
    /// An error in a file, at `line` and `column` (line 0: the whole file).
    pub fn new(file: impl Into<String>, line: u32, column: u32, message: impl Into<String>) -> Self {
        let at = (line > 0).then_some(Position { line, column });
        InputError { kind: ErrorKind::File, subject: file.into(), at, message: message.into() }
    }

    /// An error about a whole file.
    pub fn whole(file: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { kind: ErrorKind::File, subject: file.into(), at: None, message: message.into() }
    }

    /// An error about a command-line flag.
    pub fn flag(flag: impl Into<String>, message: impl Into<String>) -> Self {
        InputError { kind: ErrorKind::Flag, subject: flag.into(), at: None, message: message.into() }
    }

    /// The file (or the flag) the error is about, as reports name it.
    pub fn file(&self) -> &str {
        &self.subject
    }

    /// The line, 0 when the error has no position.
    pub fn line(&self) -> u32 {
        self.at.map_or(0, |p| p.line)
    }

    /// The column, 0 when the error has no position.
    pub fn column(&self) -> u32 {
        self.at.map_or(0, |p| p.column)
    }
}

impl std::fmt::Display for InputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.at {
            Some(p) => write!(f, "{}:{}:{}: {}", self.subject, p.line, p.column, self.message),
            None => write!(f, "{}: {}", self.subject, self.message),
        }
    }
}

/// A route as its text (`data['application.properties']`).
fn route_text<S: serde::Serializer>(route: &crate::Route, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(route)
}

/// Where an exemption is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The resource's own annotations.
    Annotations,
    /// `exemptions.central` in the config file.
    Config,
    /// A `# kubegate:exempt …` comment in a Dockerfile.
    Comment,
    /// A Conftest `exception` rule of a Rego policy (its result is excepted, not exempted
    /// for a while: no expiry, no issue).
    Rego,
}

/// What an exemption amounts to today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Complete, valid, and more than `warn_days` from its expiry: it exempts.
    Active,
    /// Complete and valid, expiring within `warn_days`: it exempts, and
    /// `exemption-expiring` warns.
    Expiring,
    /// Its date is past: it exempts nothing, and `expired-exemption` denies.
    Expired,
    /// Incomplete or against the governance: it exempts nothing, and
    /// `invalid-exemption` denies.
    Invalid,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Expiring => "expiring",
            State::Expired => "expired",
            State::Invalid => "invalid",
        }
    }

    /// Whether the exemption covers its rules' findings.
    pub fn exempts(self) -> bool {
        matches!(self, State::Active | State::Expiring)
    }
}

/// The exemption a covered finding carries (`findings[].exemption` in the JSON output).
/// `expires`, `issue` and `days_left` are `None` only for [`Origin::Rego`] exceptions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exemption {
    pub reason: String,
    pub expires: Option<String>,
    pub issue: Option<String>,
    /// Days from today to `expires`; 0 on the last day.
    pub days_left: Option<i64>,
    /// `active` or `expiring`.
    pub state: State,
    pub source: Origin,
    /// Where the exemption is written: the manifest, the config file, or the policy
    /// holding the `exception` rule.
    pub file: Arc<str>,
    pub line: u32,
}
