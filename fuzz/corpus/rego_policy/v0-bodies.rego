1violation[msg] {
	input.spec.replicas > 2
	msg := "many"
} {
	some c in input.spec.containers
	msg := c.name
}

ok {
	x := input.spec
	(x != null)
}
