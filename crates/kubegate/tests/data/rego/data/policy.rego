package main

deny contains msg if {
	some c in input.spec.template.spec.containers
	not startswith(c.image, data.registries.allowed[_])
	msg := sprintf("image '%s' is not from %s (team %s)", [c.image, concat(", ", data.registries.allowed), data.owner.team])
}
