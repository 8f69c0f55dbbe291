//! Environments and tiers: what an environment is, and the built-in conventions that
//! name a tier. Which environment a resource is bound for is the config's to say
//! (`config::binding`).

/// The three tiers of the policy matrix; every environment takes its levels from one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tier {
    Dev,
    Staging,
    Prod,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Dev, Tier::Staging, Tier::Prod];

    pub fn name(self) -> &'static str {
        match self {
            Tier::Dev => "dev",
            Tier::Staging => "staging",
            Tier::Prod => "prod",
        }
    }

    pub fn display(self) -> &'static str {
        match self {
            Tier::Dev => "Development",
            Tier::Staging => "Staging",
            Tier::Prod => "Production",
        }
    }

    pub fn parse(s: &str) -> Option<Tier> {
        Tier::ALL.into_iter().find(|t| t.name() == s)
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// An environment: its name (`prod`, or a configured `qa`), the tier whose levels it uses,
/// and the word messages use for it (`Production`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Environment {
    /// Shared by every finding and resource record bound for this environment.
    pub name: std::sync::Arc<str>,
    pub tier: Tier,
    pub display: String,
}

/// The environment chosen for a resource and the reason, in words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    /// Index into [`Config::environments`].
    pub env: usize,
    pub reason: std::sync::Arc<str>,
}

/// Built-in conventions: a path segment or namespace suffix names the tier.
pub fn conventional_tier(word: &str) -> Option<Tier> {
    match word {
        "prod" | "production" | "prd" => Some(Tier::Prod),
        "staging" | "stage" | "stg" => Some(Tier::Staging),
        "dev" | "development" => Some(Tier::Dev),
        _ => None,
    }
}
