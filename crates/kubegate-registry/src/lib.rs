//! kubegate pin's registry client (ADR 17): image references read as a container runtime
//! reads them, and the digest of each tag asked of its registry over the OCI distribution
//! API. Only `kubegate pin` uses it: checking never touches the network.

pub mod auth;
pub mod client;
pub mod reference;

pub use client::{Client, Error, Options};
pub use reference::{DOCKER_HUB, Reference};
