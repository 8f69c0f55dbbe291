package main

deny contains msg if {
	some c in input.spec.template.spec.containers
	not allowed(c.image)
	msg := sprintf("image '%s' is not from %s (team %s)", [c.image, concat(", ", data.registries.allowed), data.owner.team])
}

# A helper, not `not startswith(c.image, data.registries.allowed[_])`: OPA refuses a
# wildcard inside a negation (it is unsafe), so Conftest would not load the policy.
allowed(image) if startswith(image, data.registries.allowed[_])
