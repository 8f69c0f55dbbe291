//! The Kubernetes Pod Security Standards, baseline and restricted, with upstream
//! semantics per policy version (v1.0 … v1.37, `latest`). Each check mirrors a check of
//! the pod-security-admission library: for a policy version V it applies the newest
//! variant whose minimum version is <= V, and does not apply before its first version.
//! Checks visit init, regular and ephemeral containers, as upstream does.
//!
//! `--profile pss-baseline|pss-restricted` runs exactly these checks and nothing else;
//! the default profile's PSS rules (`privileged`, `host-namespaces`, …) call them at the
//! latest version.

mod checks;

pub use checks::BASELINE_CAPABILITIES;

use crate::resources::PodSpec;
use kubegate_yaml::Span;

/// The newest policy version these checks know; `latest` means this one, and so does any
/// newer version (as upstream evaluates versions newer than it knows).
pub const LATEST_MINOR: u32 = 37;

/// A policy version `v1.N`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Version(pub u32);

impl Version {
    pub const LATEST: Version = Version(LATEST_MINOR);

    /// `v1.N` (or `1.N`) or `latest`.
    pub fn parse(s: &str) -> Result<Version, String> {
        if s == "latest" {
            return Ok(Version::LATEST);
        }
        let minor = s.strip_prefix('v').unwrap_or(s).strip_prefix("1.").and_then(|m| m.parse::<u32>().ok());
        match minor {
            Some(m) => Ok(Version(m.min(LATEST_MINOR))),
            None => Err(format!(
                "invalid Pod Security Standards version `{s}`: expected v1.N (v1.0 … v1.{LATEST_MINOR}) or latest"
            )),
        }
    }

    fn at_least(self, minor: u32) -> bool {
        self.0 >= minor
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Baseline,
    Restricted,
}

/// The upstream checks, by their pod-security-admission ids.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    // baseline
    HostNamespaces,
    Privileged,
    CapabilitiesBaseline,
    HostPathVolumes,
    HostPorts,
    AppArmorProfile,
    SeLinuxOptions,
    ProcMount,
    SeccompProfileBaseline,
    Sysctls,
    WindowsHostProcess,
    HostProbesAndHostLifecycle,
    // restricted
    RestrictedVolumes,
    AllowPrivilegeEscalation,
    RunAsNonRoot,
    RunAsUser,
    SeccompProfileRestricted,
    CapabilitiesRestricted,
    ProcMountRestricted,
}

impl Check {
    pub const ALL: [Check; 19] = [
        Check::HostNamespaces,
        Check::Privileged,
        Check::CapabilitiesBaseline,
        Check::HostPathVolumes,
        Check::HostPorts,
        Check::AppArmorProfile,
        Check::SeLinuxOptions,
        Check::ProcMount,
        Check::SeccompProfileBaseline,
        Check::Sysctls,
        Check::WindowsHostProcess,
        Check::HostProbesAndHostLifecycle,
        Check::RestrictedVolumes,
        Check::AllowPrivilegeEscalation,
        Check::RunAsNonRoot,
        Check::RunAsUser,
        Check::SeccompProfileRestricted,
        Check::CapabilitiesRestricted,
        Check::ProcMountRestricted,
    ];

    /// The id upstream uses (and the fixtures' file names, lower-cased).
    pub fn upstream_id(self) -> &'static str {
        match self {
            Check::HostNamespaces => "hostNamespaces",
            Check::Privileged => "privileged",
            Check::CapabilitiesBaseline => "capabilities_baseline",
            Check::HostPathVolumes => "hostPathVolumes",
            Check::HostPorts => "hostPorts",
            Check::AppArmorProfile => "appArmorProfile",
            Check::SeLinuxOptions => "seLinuxOptions",
            Check::ProcMount => "procMount",
            Check::SeccompProfileBaseline => "seccompProfile_baseline",
            Check::Sysctls => "sysctls",
            Check::WindowsHostProcess => "windowsHostProcess",
            Check::HostProbesAndHostLifecycle => "hostProbesAndHostLifecycle",
            Check::RestrictedVolumes => "restrictedVolumes",
            Check::AllowPrivilegeEscalation => "allowPrivilegeEscalation",
            Check::RunAsNonRoot => "runAsNonRoot",
            Check::RunAsUser => "runAsUser",
            Check::SeccompProfileRestricted => "seccompProfile_restricted",
            Check::CapabilitiesRestricted => "capabilities_restricted",
            Check::ProcMountRestricted => "procMount_restricted",
        }
    }

    /// The kubegate rule that reports this check (in both profiles).
    pub fn level(self) -> Level {
        match self {
            Check::RestrictedVolumes
            | Check::AllowPrivilegeEscalation
            | Check::RunAsNonRoot
            | Check::RunAsUser
            | Check::SeccompProfileRestricted
            | Check::CapabilitiesRestricted
            | Check::ProcMountRestricted => Level::Restricted,
            _ => Level::Baseline,
        }
    }

    /// The first policy version that has this check.
    pub fn since(self) -> u32 {
        match self {
            Check::AllowPrivilegeEscalation => 8,
            Check::SeccompProfileRestricted => 19,
            Check::CapabilitiesRestricted => 22,
            Check::RunAsUser => 23,
            Check::HostProbesAndHostLifecycle => 34,
            Check::ProcMountRestricted => 35,
            _ => 0,
        }
    }
}

/// The checks of a level at a version: baseline's, plus restricted's for restricted.
pub fn checks(level: Level, version: Version) -> impl Iterator<Item = Check> {
    Check::ALL
        .into_iter()
        .filter(move |c| (level == Level::Restricted || c.level() == Level::Baseline) && version.at_least(c.since()))
}

/// One thing a check forbids, where it stands, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Violation {
    pub check: Check,
    pub span: Span,
    /// Field path from the resource root.
    pub path: crate::Route,
    /// The container concerned, if the violation is a container's.
    pub container: Option<String>,
    /// What is wrong, after the subject: `container 'app' must not set …`.
    pub message: String,
}

/// Runs one check at a policy version on a pod spec.
pub fn run(check: Check, version: Version, pod: &PodSpec<'_>) -> Vec<Violation> {
    let mut v = checks::Visitor { check, version, pod, out: Vec::new() };
    v.run();
    v.out
}
