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

base_has_pod if is_object(base_pod_spec)

# Whether the pod sets runAsNonRoot (null counts as unset).
base_pod_sets_non_root if {
	base_has_pod
	object.get(base_pod_spec, ["securityContext", "runAsNonRoot"], null) != null
}

base_subject := sprintf("%s '%v'", [lower(input.kind), object.get(input, ["metadata", "name"], "<unnamed>")])

# [word, container]: every container, init and ephemeral ones too. (An array
# comprehension, not a set: a set would compare whole container objects.)
base_containers := [[word, c] |
	base_has_pod
	some list, word in {"initContainers": "init container", "containers": "container", "ephemeralContainers": "ephemeral container"}
	cs := object.get(base_pod_spec, list, [])
	is_array(cs)
	some c in cs
	is_object(c)
]

base_container_subject(word, c) := sprintf("%s %s '%v'", [base_subject, word, object.get(c, "name", "<unnamed>")])

base_shown(v) := sprintf("\"%s\"", [v]) if {
	is_string(v)
	regex.match(`^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?[0-9.].*)$`, v)
} else := sprintf("%v", [v])

# As in production.rego, helpers are rules (computed once per document), not functions
# (run again on every call). Null counts as unset. A field that may be missing is read
# with object.get(…, null) rather than negated (`not x.f != null`): OPA moves the
# reference out of the `not`, which makes the expression undefined when the field is
# missing (see production.rego).
base_missing_everywhere if {
	count(base_containers) > 0
	not base_pod_sets_non_root
	every t in base_containers {
		object.get(t[1], ["securityContext", "runAsNonRoot"], null) == null
	}
}

deny_base_run_as_non_root contains msg if {
	base_missing_everywhere
	msg := sprintf("%s must set securityContext.runAsNonRoot: true", [base_subject])
}

deny_base_run_as_non_root contains msg if {
	v := base_pod_spec.securityContext.runAsNonRoot
	v != null
	v != true
	msg := sprintf("%s sets securityContext.runAsNonRoot: %s; it must be true", [base_subject, base_shown(v)])
}

deny_base_run_as_non_root contains msg if {
	some [word, c] in base_containers
	v := c.securityContext.runAsNonRoot
	v != null
	v != true
	msg := sprintf("%s sets securityContext.runAsNonRoot: %s; it must be true", [base_container_subject(word, c), base_shown(v)])
}

deny_base_run_as_non_root contains msg if {
	not base_pod_sets_non_root
	not base_missing_everywhere
	some [word, c] in base_containers
	object.get(c, ["securityContext", "runAsNonRoot"], null) == null
	msg := sprintf("%s must set securityContext.runAsNonRoot: true", [base_container_subject(word, c)])
}

base_tag(image) := parts[count(parts) - 1] if {
	names := split(split(image, "@")[0], "/")
	parts := split(names[count(names) - 1], ":")
	count(parts) > 1
}

# [word, container, image] of every container whose image is not pinned by a valid
# digest (`name@sha256:` and 64 lowercase hex digits). A number or a boolean reads as its
# text, as in the built-in rules; null is no image.
base_unpinned := [[word, c, image] |
	some [word, c] in base_containers
	image := base_as_text(c.image)
	not base_pinned[image]
]

base_as_text(v) := v if is_string(v)

base_as_text(v) := sprintf("%v", [v]) if type_name(v) in {"number", "boolean"}

base_pinned contains image if {
	some [_, c] in base_containers
	image := c.image
	is_string(image)
	parts := split(image, "@")
	count(parts) == 2
	startswith(parts[1], "sha256:")
	hex := substring(parts[1], 7, -1)
	count(hex) == 64
	trim(hex, "0123456789abcdef") == ""
}

warn_base_image_tag_latest contains msg if {
	some [word, c, image] in base_unpinned
	not base_tag(image)
	msg := sprintf("%s image '%s' has no tag, so it runs :latest; pin a version tag or digest", [base_container_subject(word, c), image])
}

warn_base_image_tag_latest contains msg if {
	some [word, c, image] in base_unpinned
	base_tag(image) == "latest"
	msg := sprintf("%s must not use the :latest tag (image '%s')", [base_container_subject(word, c), image])
}

# A quantity is a string or a number (a boolean passes too, as in the built-in rules).
base_quantity_types := {"string", "number", "boolean"}

warn_base_resource_limits contains msg if {
	some [word, c] in base_containers
	word != "ephemeral container"
	some field in ["cpu", "memory"]
	v := object.get(c, ["resources", "limits", field], null)
	not type_name(v) in base_quantity_types
	msg := sprintf("%s must define resources.limits.%s", [base_container_subject(word, c), field])
}
