package main

# A string result.
deny_replicas contains msg if {
	input.kind == "Deployment"
	input.spec.replicas < 2
	msg := sprintf("%s '%s' runs %d replica", [input.kind, input.metadata.name, input.spec.replicas])
}

# An object result: its msg is the message.
violation contains {"msg": msg, "details": {"image": c.image}} if {
	some c in input.spec.template.spec.containers
	not contains(c.image, "@sha256:")
	msg := sprintf("container '%s' is not pinned by digest", [c.name])
}

warn_service contains "services are reviewed by the network team" if input.kind == "Service"

# Two bodies, no results on these inputs: two passed tests per document.
deny contains "never" if input.kind == "Secret"

deny contains "nor this" if input.kind == "ConfigMap"

# Not a Conftest rule: never queried.
helper := 1
