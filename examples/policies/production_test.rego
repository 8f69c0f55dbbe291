# Unit tests of production.rego: `kubegate verify -p examples/policies` (or conftest verify).
package main

deployment := {
	"apiVersion": "apps/v1",
	"kind": "Deployment",
	"metadata": {"name": "backend", "labels": {"environment": "prod"}},
	"spec": {"replicas": 2, "template": {"spec": {
		"securityContext": {"runAsNonRoot": true, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
		"containers": [{
			"name": "app",
			"image": "ghcr.io/sdottatum/backend@sha256:3f0c1e7a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e",
			"securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
			"resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
			"livenessProbe": {"httpGet": {"path": "/health", "port": 8080}},
			"readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
		}],
	}}},
}

test_compliant_deployment_passes if {
	count(deny_replicas) == 0 with input as deployment
	count(deny_image_digest) == 0 with input as deployment
	count(deny_run_as_non_root) == 0 with input as deployment
	count(deny_liveness_probe) == 0 with input as deployment
}

test_single_replica_is_denied if {
	deny_replicas["Production deployment 'backend' must have replicas >= 2 for HA"] with input as json.patch(deployment, [{"op": "replace", "path": "/spec/replicas", "value": 1}])
}

test_allow_single_replica_label if {
	count(deny_replicas) == 0 with input as json.patch(deployment, [
		{"op": "replace", "path": "/spec/replicas", "value": 1},
		{"op": "add", "path": "/metadata/labels/allow-single-replica", "value": "true"},
	])
}

test_version_tag_is_denied if {
	deny_image_digest["Production deployment 'backend' container 'app' must use SHA256 digest (image@sha256:...), not version tags"] with input as json.patch(deployment, [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "ghcr.io/sdottatum/backend:v1.2.3"}])
}

# A field that is missing, not only one written as null, is a finding: these rules read
# missing fields with object.get, which OPA (Conftest) and kubegate agree on.
without(paths) := json.patch(deployment, [{"op": "remove", "path": p} | some p in paths])

test_missing_probes_are_denied if {
	deny_liveness_probe["Production deployment 'backend' container 'app' must define livenessProbe"] with input as without(["/spec/template/spec/containers/0/livenessProbe"])
	deny_readiness_probe["Production deployment 'backend' container 'app' must define readinessProbe"] with input as without(["/spec/template/spec/containers/0/readinessProbe"])
}

test_missing_resources_are_denied if {
	denied := deny_resource_requests | deny_resource_limits with input as without(["/spec/template/spec/containers/0/resources"])
	denied == {
		"Production deployment 'backend' container 'app' must define resources.requests.cpu",
		"Production deployment 'backend' container 'app' must define resources.requests.memory",
		"Production deployment 'backend' container 'app' must define resources.limits.cpu",
		"Production deployment 'backend' container 'app' must define resources.limits.memory",
	}
}

test_pod_security_context_unset_everywhere_is_denied_once_for_the_pod if {
	unset := without(["/spec/template/spec/securityContext"])
	deny_run_as_non_root == {"Production deployment 'backend' must set securityContext.runAsNonRoot: true"} with input as unset
	deny_run_as_user == {"Production deployment 'backend' must set securityContext.runAsUser >= 1000"} with input as unset
	deny_seccomp_profile == {"Production deployment 'backend' must set securityContext.seccompProfile.type"} with input as unset
}

test_a_container_without_what_its_sibling_sets_is_denied if {
	sibling := json.patch(deployment, [
		{"op": "remove", "path": "/spec/template/spec/securityContext/runAsNonRoot"},
		{"op": "add", "path": "/spec/template/spec/containers/0/securityContext/runAsNonRoot", "value": true},
		{"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "sidecar"}},
	])
	deny_run_as_non_root == {"Production deployment 'backend' container 'sidecar' must set securityContext.runAsNonRoot: true"} with input as sibling
}

test_volumes_without_fs_group_are_warned if {
	warn_fs_group == {"Production deployment 'backend' must set securityContext.fsGroup because it mounts volumes"} with input as json.patch(deployment, [{"op": "add", "path": "/spec/template/spec/volumes", "value": [{"name": "data", "emptyDir": {}}]}])
}
