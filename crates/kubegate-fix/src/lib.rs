//! The fix stage: edits that repair what a finding reports, written into the source
//! without disturbing anything else (ADR 16). `splice` places one edit by the spans of
//! the tree the loader built and checks it by parsing the result; `pin` writes the
//! digests `kubegate pin` found beside the tags.

pub mod diff;
pub mod pin;
pub mod plan;
pub mod splice;
