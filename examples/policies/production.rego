# Production security policies (seed 000, "Production Security Policies"), for Conftest
# and kubegate alike: the seed's CI runs
#
#   conftest test k8s/overlays/prod -p policies/production.rego --output table
#
# and `kubegate test examples/k8s/prod -p examples/policies/production.rego --output table`
# runs it the same way. Every rule mirrors the built-in rule named after it (`deny_image_digest`
# is `image-digest`) at its production level, with the same message, so moving from this
# file to the built-in pack changes nothing a reviewer reads. What a policy evaluated one
# document at a time cannot see: an HPA that satisfies `replicas`, and PodDisruptionBudgets
# (the built-in `replicas` and `pod-disruption-budget` look across documents).
package main

# The word messages start with (the built-in pack says the environment it bound).
env_word := "Production"

# How it is written: helpers are rules, which are evaluated once per document, not
# functions, which run again on every call; and no regular expression runs for every
# container. Functions remain where a finding's message is built.
#
# Written so that OPA (what Conftest runs) and kubegate give the same verdicts:
# - a field that may be missing is read with object.get(…, null) before it is negated or
#   passed to a function. OPA moves the references and nested calls of a negated
#   expression out of the `not`, so `not c.readinessProbe != null` and
#   `not type_name(c.resources.limits.cpu) in types` are undefined, not true, when the
#   field is missing, and such a rule never fires under OPA;
# - what is iterated is checked to be an array first (OPA iterates nothing in a null or
#   a string, kubegate's engine stops with an error), and containers to be objects;
# - names are formatted with %v: %s of a number is `%!s(int64=12)` in OPA.

# Where each workload kind keeps its pod spec.
pod_spec := input.spec if input.kind == "Pod"

pod_spec := input.template.spec if input.kind == "PodTemplate"

pod_spec := input.spec.template.spec if input.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}

pod_spec := input.spec.jobTemplate.spec.template.spec if input.kind == "CronJob"

has_pod if is_object(pod_spec)

windows if pod_spec.os.name == "windows"

long_running if not input.kind in {"Job", "CronJob"}

subject := sprintf("%s %s '%v'", [env_word, lower(input.kind), object.get(input, ["metadata", "name"], "<unnamed>")])

# [word, container, regular]: every container, init and ephemeral ones too. (An array
# comprehension, not a set: a set would compare whole container objects.)
containers := [[t[0], c, t[1]] |
	has_pod
	some list, t in {"initContainers": ["init container", false], "containers": ["container", true], "ephemeralContainers": ["ephemeral container", false]}
	cs := object.get(pod_spec, list, [])
	is_array(cs)
	some c in cs
	is_object(c)
]

container_subject(word, c) := sprintf("%s %s '%v'", [subject, word, object.get(c, "name", "<unnamed>")])

# A value as a reader should see it: a string that reads as another type keeps its quotes.
shown(v) := sprintf("\"%s\"", [v]) if {
	is_string(v)
	regex.match(`^(y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~|[-+]?[0-9.].*)$`, v)
} else := sprintf("%v", [v])

# The pod-level securityContext fields the pod sets (null counts as unset).
pod_set contains f if {
	has_pod
	some f in ["runAsNonRoot", "runAsUser", "seccompProfile", "fsGroup"]
	object.get(pod_spec, ["securityContext", f], null) != null
}

# The securityContext fields that neither the pod nor any of its containers sets (null
# counts as unset): reported once, for the pod.
unset_everywhere contains f if {
	count(containers) > 0
	some f in ["runAsNonRoot", "runAsUser", "seccompProfile"]
	not pod_set[f]
	every t in containers {
		object.get(t[1], ["securityContext", f], null) == null
	}
}

# --- image-tag-latest, image-digest ------------------------------------------------

# [word, container, image] of every container with an image. A number or a boolean reads
# as its text, as in the built-in rules (the API server would refuse it, and a reader
# sees it as written); null is no image.
images := [[word, c, image] |
	some [word, c, _] in containers
	image := as_text(c.image)
]

as_text(v) := v if is_string(v)

as_text(v) := sprintf("%v", [v]) if type_name(v) in {"number", "boolean"}

# The images pinned by a valid digest: `name@sha256:` and 64 lowercase hex digits.
pinned contains image if {
	some [_, _, image] in images
	parts := split(image, "@")
	count(parts) == 2
	startswith(parts[1], "sha256:")
	hex := substring(parts[1], 7, -1)
	count(hex) == 64
	trim(hex, "0123456789abcdef") == ""
}

# [word, container, image] of every container whose image is not pinned.
unpinned := [t | some t in images; not pinned[t[2]]]

image_last(image) := parts[count(parts) - 1] if parts := split(split(image, "@")[0], "/")

image_tag(image) := parts[count(parts) - 1] if {
	parts := split(image_last(image), ":")
	count(parts) > 1
}

deny_image_tag_latest contains msg if {
	some [word, c, image] in unpinned
	not image_tag(image)
	msg := sprintf("%s image '%s' has no tag, so it runs :latest; pin a version tag or digest", [container_subject(word, c), image])
}

deny_image_tag_latest contains msg if {
	some [word, c, image] in unpinned
	image_tag(image) == "latest"
	msg := sprintf("%s must not use the :latest tag (image '%s')", [container_subject(word, c), image])
}

deny_image_digest contains msg if {
	some [word, c, image] in unpinned
	not contains(image, "@")
	msg := sprintf("%s must use SHA256 digest (image@sha256:...), not version tags", [container_subject(word, c)])
}

deny_image_digest contains msg if {
	some [word, c, image] in unpinned
	contains(image, "@")
	digest := substring(image, indexof(image, "@") + 1, -1)
	msg := sprintf("%s image '%s' has an invalid digest '@%s'; a digest is sha256: followed by 64 lowercase hex digits", [container_subject(word, c), image, digest])
}

# --- run-as-non-root, run-as-user, seccomp-profile: inherited from the pod ----------

deny_run_as_non_root contains msg if {
	unset_everywhere.runAsNonRoot
	msg := sprintf("%s must set securityContext.runAsNonRoot: true", [subject])
}

deny_run_as_non_root contains msg if {
	v := pod_spec.securityContext.runAsNonRoot
	v != null
	v != true
	msg := sprintf("%s sets securityContext.runAsNonRoot: %s; it must be true", [subject, shown(v)])
}

deny_run_as_non_root contains msg if {
	some [word, c, _] in containers
	v := c.securityContext.runAsNonRoot
	v != null
	v != true
	msg := sprintf("%s sets securityContext.runAsNonRoot: %s; it must be true", [container_subject(word, c), shown(v)])
}

# Some container sets it, the pod does not: every other container must.
deny_run_as_non_root contains msg if {
	not pod_set.runAsNonRoot
	not unset_everywhere.runAsNonRoot
	some [word, c, _] in containers
	object.get(c, ["securityContext", "runAsNonRoot"], null) == null
	msg := sprintf("%s must set securityContext.runAsNonRoot: true", [container_subject(word, c)])
}

user_ok(v) if {
	is_number(v)
	v >= 1000
}

deny_run_as_user contains msg if {
	unset_everywhere.runAsUser
	not windows
	msg := sprintf("%s must set securityContext.runAsUser >= 1000", [subject])
}

deny_run_as_user contains msg if {
	v := pod_spec.securityContext.runAsUser
	v != null
	not user_ok(v)
	not windows
	msg := sprintf("%s sets securityContext.runAsUser: %s; it must be >= 1000", [subject, shown(v)])
}

deny_run_as_user contains msg if {
	some [word, c, _] in containers
	v := c.securityContext.runAsUser
	v != null
	not user_ok(v)
	not windows
	msg := sprintf("%s sets securityContext.runAsUser: %s; it must be >= 1000", [container_subject(word, c), shown(v)])
}

deny_run_as_user contains msg if {
	not pod_set.runAsUser
	not unset_everywhere.runAsUser
	some [word, c, _] in containers
	object.get(c, ["securityContext", "runAsUser"], null) == null
	not windows
	msg := sprintf("%s must set securityContext.runAsUser >= 1000", [container_subject(word, c)])
}

# A profile that is set but not allowed (Unconfined) is the Pod Security Standards' concern.
deny_seccomp_profile contains msg if {
	unset_everywhere.seccompProfile
	not windows
	msg := sprintf("%s must set securityContext.seccompProfile.type", [subject])
}

deny_seccomp_profile contains msg if {
	not pod_set.seccompProfile
	not unset_everywhere.seccompProfile
	some [word, c, _] in containers
	object.get(c, ["securityContext", "seccompProfile"], null) == null
	not windows
	msg := sprintf("%s must set securityContext.seccompProfile.type", [container_subject(word, c)])
}

# --- container security context ------------------------------------------------------

deny_allow_privilege_escalation contains msg if {
	some [word, c, _] in containers
	not c.securityContext.allowPrivilegeEscalation == false
	not windows
	msg := sprintf("%s must set securityContext.allowPrivilegeEscalation: false", [container_subject(word, c)])
}

deny_read_only_root_filesystem contains msg if {
	some [word, c, _] in containers
	not c.securityContext.readOnlyRootFilesystem == true
	not windows
	msg := sprintf("%s must set securityContext.readOnlyRootFilesystem: true", [container_subject(word, c)])
}

deny_capabilities_drop_all contains msg if {
	some [word, c, _] in containers
	not "ALL" in object.get(c, ["securityContext", "capabilities", "drop"], [])
	not windows
	msg := sprintf("%s must drop all capabilities (securityContext.capabilities.drop: [ALL])", [container_subject(word, c)])
}

# --- resources and probes -------------------------------------------------------------

# A quantity is a string or a number (a boolean passes too, as in the built-in rules).
quantity_types := {"string", "number", "boolean"}

deny_resource_requests contains msg if {
	some [word, c, _] in containers
	word != "ephemeral container"
	some field in ["cpu", "memory"]
	v := object.get(c, ["resources", "requests", field], null)
	not type_name(v) in quantity_types
	msg := sprintf("%s must define resources.requests.%s", [container_subject(word, c), field])
}

deny_resource_limits contains msg if {
	some [word, c, _] in containers
	word != "ephemeral container"
	some field in ["cpu", "memory"]
	v := object.get(c, ["resources", "limits", field], null)
	not type_name(v) in quantity_types
	msg := sprintf("%s must define resources.limits.%s", [container_subject(word, c), field])
}

# A probe written as null is no probe.
deny_liveness_probe contains msg if {
	some [word, c, true] in containers
	object.get(c, "livenessProbe", null) == null
	long_running
	msg := sprintf("%s must define livenessProbe", [container_subject(word, c)])
}

deny_readiness_probe contains msg if {
	some [word, c, true] in containers
	object.get(c, "readinessProbe", null) == null
	long_running
	msg := sprintf("%s must define readinessProbe", [container_subject(word, c)])
}
# --- high availability and labels -----------------------------------------------------

declared_replicas := 1 if not input.spec.replicas

declared_replicas := 1 if input.spec.replicas == null

declared_replicas := n if {
	n := input.spec.replicas
	is_number(n)
	n == floor(n)
} else := 0 if {
	input.spec.replicas
	input.spec.replicas != null
}

deny_replicas contains msg if {
	input.kind in {"Deployment", "StatefulSet", "ReplicaSet", "ReplicationController"}
	not input.metadata.labels["allow-single-replica"] == "true"
	declared_replicas < 2
	msg := sprintf("%s must have replicas >= 2 for HA", [subject])
}

deny_environment_label contains msg if {
	has_pod
	not input.metadata.labels.environment
	msg := sprintf("%s must have label environment: prod", [subject])
}

deny_environment_label contains msg if {
	has_pod
	v := input.metadata.labels.environment
	v != "prod"
	msg := sprintf("%s has label environment: %v, but it is bound for prod; set environment: prod", [subject, v])
}

# --- recommended ----------------------------------------------------------------------

# fsGroup has no effect on volumes whose ownership the kubelet never changes.
unowned_volume_types := {"hostPath", "nfs", "iscsi", "glusterfs", "cephfs"}

owned_volumes contains v if {
	volumes := object.get(pod_spec, "volumes", [])
	is_array(volumes)
	some v in volumes
	is_object(v)
	count({k | some k, _ in v; k in unowned_volume_types}) == 0
}

warn_fs_group contains msg if {
	has_pod
	count(owned_volumes) > 0
	not pod_set.fsGroup
	not windows
	msg := sprintf("%s must set securityContext.fsGroup because it mounts volumes", [subject])
}
