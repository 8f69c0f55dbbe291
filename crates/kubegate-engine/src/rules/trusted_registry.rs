use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::resources::image::ImageRef;

pub static RULE: Rule = Rule {
    id: "trusted-registry",
    summary: "Images must come from the configured trusted registries",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "Every container image must start with one of `trusted_registries` in `kubegate.yaml` \
            (e.g. `ghcr.io/sdottatum/`, `registry.example.com`). A prefix matches whole path \
            components: `ghcr.io/org` matches `ghcr.io/org/app` but not \
            `ghcr.io/organization/app`. Images without a registry are Docker Hub's: `nginx` is \
            `docker.io/library/nginx`. The rule is off while no registry is configured.",
        why: "Images from arbitrary registries bypass the scanning, signing and retention your own \
            registry enforces; a typo-squatted Docker Hub image runs with your service account.",
        example: r#"containers:
  - name: app
    image: docker.io/someone/backend:v1
"#,
        fix: "Mirror the image into a trusted registry and reference it there; or add the registry \
            to `trusted_registries` after review.",
        help: "pull the image from a trusted registry (trusted_registries in kubegate.yaml)",
        references: "[The policy: Images](../policy.md#images).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

/// `nginx` is `docker.io/library/nginx`; `org/app` is `docker.io/org/app`.
fn normalized(image: &str) -> String {
    let r = ImageRef::parse(image);
    match r.registry {
        Some(_) => image.to_string(),
        None if r.repository.contains('/') => format!("docker.io/{image}"),
        None => format!("docker.io/library/{image}"),
    }
}

pub(crate) fn trusted(image: &str, registries: &[String]) -> bool {
    let full = normalized(image);
    registries.iter().any(|p| {
        full.strip_prefix(p.as_str())
            .is_some_and(|rest| p.ends_with('/') || rest.is_empty() || rest.starts_with(['/', ':', '@']))
    })
}

fn check(ctx: &mut Ctx<'_, '_>) {
    let registries = &ctx.settings.trusted_registries;
    let Some(pod) = &ctx.res.pod else { return };
    if registries.is_empty() {
        return;
    }
    for c in &pod.containers {
        let Some(image) = c.image() else { continue };
        if !trusted(image, registries) {
            let message = format!(
                "{} image '{image}' is not from a trusted registry ({})",
                ctx.container_subject(c),
                registries.join(", ")
            );
            ctx.emit_container(c, "image", message);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::trusted;

    #[test]
    fn prefixes_match_whole_components() {
        let r =
            vec!["ghcr.io/org".to_string(), "registry.example.com:5000/".to_string(), "docker.io/library".to_string()];
        assert!(trusted("ghcr.io/org/app:v1", &r));
        assert!(!trusted("ghcr.io/organization/app:v1", &r));
        assert!(trusted("registry.example.com:5000/x/y@sha256:abc", &r));
        assert!(trusted("nginx:1.27", &r));
        assert!(!trusted("someone/nginx:1.27", &r));
    }
}
