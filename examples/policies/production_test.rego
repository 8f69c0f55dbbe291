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
