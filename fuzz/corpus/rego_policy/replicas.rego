0deny contains msg if {
	input.kind == "Deployment"
	input.spec.replicas < 2
	msg := sprintf("%s runs %d", [input.metadata.name, input.spec.replicas])
}
