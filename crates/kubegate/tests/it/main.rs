//! kubegate's integration tests, one binary: each module runs the `kubegate` command (or
//! the crates under it) on fixtures, corpora and generated trees, and asserts exact
//! rules, levels, lines and messages.

mod cli;
mod common;
mod distribution;
mod dockerfiles;
mod exemptions;
mod fix;
mod formats;
mod generated;
mod hostile;
mod kustomize;
mod network;
mod pin;
mod real;
mod recipes;
mod rego;
mod report;
mod repos;
mod serve;
mod tls_client;
mod walk;
