//! The fix stage: edits that repair what a finding reports, written into the source
//! without disturbing anything else (ADR 16). `splice` places one edit by the spans of
//! the tree the loader built and checks it by parsing the result.

pub mod diff;
pub mod plan;
pub mod splice;
