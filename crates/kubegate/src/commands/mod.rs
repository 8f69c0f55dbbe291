//! One module per command. Each writes to the output it is given and returns the run's
//! exit status; write errors are the output's to report (`exit::Stdout`).

pub mod edit;
pub mod env;
pub mod exemptions;
pub mod fix;
pub mod fix_kustomize;
pub mod init;
pub mod manual;
pub mod pin;
pub mod report;
pub mod rules;
pub mod test;
pub mod verify;
