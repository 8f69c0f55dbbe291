package main

deny_replicas contains msg if {
	input.kind == "Deployment"
	input.spec.replicas < 2
	msg := "runs one replica"
}

deny_image contains msg if {
	input.kind == "Deployment"
	msg := "image not pinned"
}

deny_image contains "image has a tag" if input.kind == "Deployment"

# Conftest exceptions: a set of lists of rule names without their deny_ prefix.
exception contains rules if {
	input.metadata.name == "web"
	rules := ["image"]
}
