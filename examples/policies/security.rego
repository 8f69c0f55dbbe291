# Base security policies (seed 000: `policies/security.rego`, all environments). What
# every environment requires: containers run as non-root (denied), and what every
# environment should do: pinned image tags and resource limits (warned here; production.rego
# denies them in production). Each rule mirrors a built-in rule at its development level,
# with the built-in message less the environment word: `deny_base_run_as_non_root` is
# `run-as-non-root`, `warn_base_image_tag_latest` is `image-tag-latest`,
# `warn_base_resource_limits` is `resource-limits`. Helper names start with `base_` so
# that this file and production.rego can be loaded together (both are package main).
package main

base_pod_spec := input.spec if input.kind == "Pod"

base_pod_spec := input.template.spec if input.kind == "PodTemplate"

base_pod_spec := input.spec.template.spec if input.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

base_pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"

base_subject := sprintf("%s '%s'", [lower(input.kind), object.get(input, ["metadata", "name"], "<unnamed>")])

# [word, container]: every container, init and ephemeral ones too.
base_containers contains ["init container", c] if some c in base_pod_spec.initContainers

base_containers contains ["container", c] if some c in base_pod_spec.containers

base_containers contains ["ephemeral container", c] if some c in base_pod_spec.ephemeralContainers

base_container_subject(word, c) := sprintf("%s %s '%s'", [base_subject, word, object.get(c, "name", "<unnamed>")])

base_shown(v) := sprintf("\"%s\"", [v]) if {
	is_string(v)
	regex.match(`^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?[0-9.].*)$`, v)
} else := sprintf("%v", [v])

base_pod_non_root := v if {
	v := base_pod_spec.securityContext.runAsNonRoot
	v != null
}

base_own_non_root(c) := v if {
	v := c.securityContext.runAsNonRoot
	v != null
}

# (`_ :=` because a value of false would fail the body.)
base_non_root_set(c) if _ := base_own_non_root(c)

base_non_root_set(_) if _ := base_pod_non_root

base_missing_everywhere if {
	count(base_containers) > 0
	every t in base_containers {
		not base_non_root_set(t[1])
	}
}

deny_base_run_as_non_root contains msg if {
	base_missing_everywhere
	msg := sprintf("%s must set securityContext.runAsNonRoot: true", [base_subject])
}

deny_base_run_as_non_root contains msg if {
	v := base_pod_non_root
	v != true
	msg := sprintf("%s sets securityContext.runAsNonRoot: %s; it must be true", [base_subject, base_shown(v)])
}

deny_base_run_as_non_root contains msg if {
	some [word, c] in base_containers
	v := base_own_non_root(c)
	v != true
	msg := sprintf("%s sets securityContext.runAsNonRoot: %s; it must be true", [base_container_subject(word, c), base_shown(v)])
}

deny_base_run_as_non_root contains msg if {
	not base_missing_everywhere
	some [word, c] in base_containers
	not base_non_root_set(c)
	msg := sprintf("%s must set securityContext.runAsNonRoot: true", [base_container_subject(word, c)])
}

base_tag(image) := parts[count(parts) - 1] if {
	names := split(split(image, "@")[0], "/")
	parts := split(names[count(names) - 1], ":")
	count(parts) > 1
}

base_pinned(image) if regex.match(`^[^@]*@sha256:[0-9a-f]{64}$`, image)

warn_base_image_tag_latest contains msg if {
	some [word, c] in base_containers
	image := c.image
	is_string(image)
	not base_pinned(image)
	not base_tag(image)
	msg := sprintf("%s image '%s' has no tag, so it runs :latest; pin a version tag or digest", [base_container_subject(word, c), image])
}

warn_base_image_tag_latest contains msg if {
	some [word, c] in base_containers
	image := c.image
	is_string(image)
	not base_pinned(image)
	base_tag(image) == "latest"
	msg := sprintf("%s must not use the :latest tag (image '%s')", [base_container_subject(word, c), image])
}

base_scalar(v) if is_string(v)

base_scalar(v) if is_number(v)

base_scalar(v) if is_boolean(v)

warn_base_resource_limits contains msg if {
	some [word, c] in base_containers
	word != "ephemeral container"
	some field in ["cpu", "memory"]
	not base_scalar(c.resources.limits[field])
	msg := sprintf("%s must define resources.limits.%s", [base_container_subject(word, c), field])
}
