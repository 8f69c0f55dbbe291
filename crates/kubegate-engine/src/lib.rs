//! kubegate's engine: the stages between loading and reporting.
//!
//! ```text
//! sources ─► resources ─► environment ─► evaluate ─► findings
//! ```
//!
//! - [`resources`] turns loaded YAML documents into typed, read-only views (identity,
//!   labels, the pod template wherever the kind keeps it, effective security settings);
//! - [`environment`] binds each resource to dev, staging, prod or a configured environment,
//!   and says why;
//! - [`rules`] is the registry of built-in rules, one file per rule;
//! - [`evaluate`] runs the rules over the bundle and returns findings in a stable order;
//! - [`policy`] is the seam to the Rego stage: policies evaluated per document;
//! - [`exemptions`] reads exemptions (annotations and central ones), judges them against
//!   the governance and today's date, and marks the findings they cover.

pub mod checklist;
pub mod config;
pub mod document;
pub mod environment;
pub mod evaluate;
pub mod exemption;
pub mod exemptions;
pub mod facts;
pub mod finding;
pub mod policy;
pub mod pss;
pub mod resources;
pub mod rule;
pub mod rules;
pub mod secrets;
pub mod suggest;

pub use config::Config;
pub use document::{Document, check_document, check_object};
pub use evaluate::{CheckOptions, Format, Outcome, Profile, Source, check, check_inputs, check_tree};
pub use exemption::Date;
pub use exemptions::ExemptionRecord;
pub use finding::{Exemption, Finding, InputError, Level, ResourceId};
pub use kubegate_yaml::{Route, Segment};
pub use policy::{Policies, PolicyCounts};
